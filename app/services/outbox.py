"""The outbox: messages queued with the change that causes them, delivered later.

A message is queued in the same transaction as its cause (see
``notifications``), so a rolled-back change sends nothing and a committed one
always sends. Workers claim one message at a time under a row lock
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's single writer lock
elsewhere), so several workers deliver each message once. The message is
built, and its secret link minted, as it is sent.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from app import engine
from app.extensions import db
from app.mail_transport import DeliveryError
from app.models import Event, OutboxMessage, Registration
from app.models.outbox import OutboxStatus
from app.models.types import utcnow
from app.services import Refused, audit
from app.services.audit import Actor
from app.services.notifications import compose

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
# Messages not yet sent that the Outbox page lists at most.
OVERVIEW_SIZE = 100
MAX_BACKOFF = timedelta(hours=6)


def backoff(attempts: int, base_seconds: float) -> timedelta:
    """Wait before attempt ``attempts + 1``: base, doubling, capped at 6 hours."""
    seconds = base_seconds * 2 ** max(attempts - 1, 0)
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


def oldest_pending_message() -> datetime | None:
    """When the oldest message still to be sent was written, or None."""
    return db.session.scalar(
        select(func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status == OutboxStatus.QUEUED
        )
    )


def _claim_next(now: datetime, skip_ids: set[int]) -> OutboxMessage | None:
    """Lock one due message for this transaction, or None when none is due."""
    due = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.QUEUED,
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    )
    if skip_ids:
        due = due.where(OutboxMessage.id.not_in(skip_ids))
    return engine.claim_first(
        due,
        OutboxMessage,
        lambda row: row.status == OutboxStatus.QUEUED and row.next_attempt_at <= now,
    )


def deliver_due(transport, *, retry_base_seconds: float, now=None) -> dict[str, int]:
    """Deliver every message due now, each at most once in this run."""
    tally = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    attempted: set[int] = set()
    while True:
        started = now or utcnow()
        message = _claim_next(started, attempted)
        if message is None:
            db.session.commit()
            return tally
        attempted.add(message.id)
        message.attempts += 1
        tally[_deliver(message, transport, retry_base_seconds)] += 1
        db.session.commit()


def _deliver(message: OutboxMessage, transport, retry_base_seconds: float) -> str:
    """Build and send one claimed message; what became of it."""
    # The link minted for the message stays even if sending seems to fail: the
    # server may have taken the message before the connection broke.
    try:
        built = compose(message)
        if built is not None:
            transport.send(built.as_bytes(), message.sender, message.recipient)
    except DeliveryError as error:
        message.last_error = str(error)[:2000]
        if error.permanent or message.attempts >= MAX_ATTEMPTS:
            message.status = OutboxStatus.FAILED
            log.warning("mail %s failed: %s", message.message_id, error)
            return "failed"
        message.next_attempt_at = utcnow() + backoff(
            message.attempts, retry_base_seconds
        )
        log.info("mail %s will be retried: %s", message.message_id, error)
        return "retry"
    except Exception as error:
        # A message that cannot be built waits, failed, for a fix and a retry
        # from the Outbox page; the worker goes on with the others.
        log.exception("mail %s could not be built", message.message_id)
        message.status = OutboxStatus.FAILED
        message.last_error = f"could not be built: {error}"[:2000]
        return "failed"
    if built is None:
        # Nobody to write to: forget the address someone typed.
        message.status = OutboxStatus.SKIPPED
        message.recipient = ""
        message.facts = {}
        return "skipped"
    message.status = OutboxStatus.SENT
    message.sent_at = utcnow()
    message.last_error = None
    message.facts = {}  # what it reported is in the message now, not kept
    _forget_if_anonymised(message)
    return "sent"


def _forget_if_anonymised(message: OutboxMessage) -> None:
    """A delegate who deleted their data gets a last message, then it goes too."""
    if message.registration_id is None:
        return
    registration = db.session.get(Registration, message.registration_id)
    if registration is not None and registration.anonymised_at is not None:
        message.recipient = "anonymised.invalid"


def retry_failed(message: OutboxMessage, actor: Actor) -> None:
    """Put a failed message back in the queue, due now, with fresh attempts."""
    if message.status != OutboxStatus.FAILED:
        raise Refused(_("Only a failed message can be retried."))
    message.status = OutboxStatus.QUEUED
    message.attempts = 0
    message.next_attempt_at = utcnow()
    audit.record(
        "mail_retried",
        actor,
        event=message.event,
        note=f"{message.kind} to {message.recipient}",
    )


def overview(event: Event, only_country: str | None = None):
    """The event's messages by status, and those not yet sent (newest first)."""
    mine = audit.in_scope(
        select(OutboxMessage).where(OutboxMessage.event_id == event.id),
        OutboxMessage.registration_id,
        only_country,
    )
    summary = mine.subquery()
    counts = dict(
        db.session.execute(
            select(summary.c.status, func.count()).group_by(summary.c.status)
        ).all()
    )
    not_sent = (OutboxStatus.QUEUED, OutboxStatus.FAILED)
    waiting = db.session.scalars(
        mine.where(OutboxMessage.status.in_(not_sent))
        .order_by(OutboxMessage.created_at.desc())
        .limit(OVERVIEW_SIZE)
    ).all()
    return counts, waiting
