"""The durable outbox: e-mails queued in the same transaction as their cause."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.events import Event
from app.models.types import UTCDateTime, stored_enum, utcnow


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    # Nobody to write to when it was due (a lost-link request for an address
    # that is not registered, a registration since deleted).
    SKIPPED = "skipped"

    @property
    def label(self) -> str:
        """The status as pages show it (the code itself is stored)."""
        return OUTBOX_STATUS_LABELS[self]


OUTBOX_STATUS_LABELS = {
    # TRANSLATORS: an e-mail waiting in the outbox to be sent.
    OutboxStatus.QUEUED: _l("queued"),
    OutboxStatus.SENT: _l("sent"),
    OutboxStatus.FAILED: _l("failed"),
    # TRANSLATORS: an e-mail not sent because there was nobody to write to.
    OutboxStatus.SKIPPED: _l("skipped"),
}


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The Message-ID header, fixed when the message is written: retries resend
    # the very same message.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    sender: Mapped[str] = mapped_column(String(254))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    # What the message reports (``mail.MessageFacts``, or the values of an
    # address check or a lock-out notice): the worker builds the message from
    # them when it sends it and mints its secret link only then, so no row
    # ever holds a working link.
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    event: Mapped[Event | None] = relationship()
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[OutboxStatus] = mapped_column(
        stored_enum(OutboxStatus, "status_known", length=10),
        default=OutboxStatus.QUEUED,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
