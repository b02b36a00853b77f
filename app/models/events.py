"""The event aggregate: the workshop, its country programmes, sessions and contacts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import false, text

from app.extensions import db
from app.i18n import LocalText
from app.models.types import UTCDateTime, stored_enum, utcnow

SUPPORTER_KINDS = ("funder", "supporter")
# The texts an organiser may give in each language.
EVENT_TEXTS = ("title", "summary", "purpose", "background", "location", "host")
SESSION_TEXTS = ("title", "description")


class EventStatus(StrEnum):
    """An event's life cycle: a draft is seen by its organisers only; a
    published event takes registrations; a closed one keeps its pages but
    not its form; an archived one is read-only everywhere."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return EVENT_STATUS_LABELS[self]

    @property
    def is_public(self) -> bool:
        return self is not EventStatus.DRAFT

    @property
    def takes_registrations(self) -> bool:
        return self is EventStatus.PUBLISHED

    @property
    def read_only(self) -> bool:
        return self is EventStatus.ARCHIVED


EVENT_STATUS_LABELS = {
    EventStatus.DRAFT: _l("draft"),
    EventStatus.PUBLISHED: _l("published"),
    EventStatus.CLOSED: _l("closed"),
    EventStatus.ARCHIVED: _l("archived"),
}


class Translatable:
    """A model with texts that organisers translate: the columns hold the
    event's default language, ``translations`` the others
    (``{"id": {"title": "…"}}``)."""

    translations: Mapped[dict] = mapped_column(
        JSON, default=dict, server_default=text("'{}'")
    )

    def text_in(self, field: str, language: str) -> LocalText:
        """The text in ``language``, else in the event's default language."""
        translated = (self.translations or {}).get(language, {}).get(field)
        if translated:
            return LocalText(translated, language)
        return LocalText(getattr(self, field) or "", self.content_language)

    def translated(self, language: str) -> dict[str, str]:
        return dict((self.translations or {}).get(language, {}))


class Event(Translatable, db.Model):
    __tablename__ = "events"
    translated_texts = EVENT_TEXTS
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    background: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Jakarta")
    location: Mapped[str] = mapped_column(String(300))
    host: Mapped[str] = mapped_column(String(300))
    capacity: Mapped[int | None] = mapped_column(Integer)
    approval_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Registering holds no seat until the delegate opens the link mailed to
    # them (see services.registration.request_registration).
    confirm_email: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    organiser_email: Mapped[str | None] = mapped_column(String(254))
    # The language of the text columns; translations fall back to it.
    default_language: Mapped[str] = mapped_column(
        String(16), default="en", server_default="en"
    )
    privacy_notice_version: Mapped[str] = mapped_column(String(20), default="1")
    # The visa letter's letterhead and signature, and who pays for what.
    letter_address: Mapped[str] = mapped_column(Text, default="", server_default="")
    letter_signatory_name: Mapped[str] = mapped_column(
        String(200), default="", server_default=""
    )
    letter_signatory_title: Mapped[str] = mapped_column(
        String(200), default="", server_default=""
    )
    letter_sponsorship: Mapped[str] = mapped_column(Text, default="", server_default="")
    programme_is_provisional: Mapped[bool] = mapped_column(Boolean, default=True)
    # New events start as drafts; the events before there was a life cycle
    # were all public.
    status: Mapped[EventStatus] = mapped_column(
        stored_enum(EventStatus, "event_status"),
        default=EventStatus.DRAFT,
        server_default=EventStatus.PUBLISHED.value,
    )
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    programmes: Mapped[list[CountryProgramme]] = relationship(
        back_populates="event", order_by="CountryProgramme.sort_order"
    )
    sessions: Mapped[list[ProgrammeSession]] = relationship(
        back_populates="event", order_by="ProgrammeSession.starts_at"
    )
    contacts: Mapped[list[EventContact]] = relationship(
        back_populates="event", order_by="EventContact.sort_order"
    )
    supporters: Mapped[list[EventSupporter]] = relationship(
        back_populates="event", order_by="EventSupporter.sort_order"
    )

    @property
    def content_language(self) -> str:
        return self.default_language

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def zone_name(self) -> str:
        """The zone's short name on the first day: "WIB" for Asia/Jakarta."""
        return self._first_midnight().tzname()

    @property
    def zone_label(self) -> str:
        """ "WIB, UTC+07:00" for Asia/Jakarta, at the first day."""
        offset = self._first_midnight().strftime("%z")
        return f"{self.zone_name}, UTC{offset[:3]}:{offset[3:]}"

    def _first_midnight(self) -> datetime:
        return datetime.combine(self.starts_on, datetime.min.time(), self.zone)

    def programme_by_code(self, code: str) -> CountryProgramme | None:
        return next((p for p in self.programmes if p.code == code), None)

    def programme_by_day(
        self, language: str
    ) -> list[tuple[date, list[ScheduledSession]]]:
        """The sessions on the event's clocks, grouped by local day, their
        texts in ``language`` where translated."""
        days: dict[date, list[ScheduledSession]] = {}
        for session in self.sessions:
            starts = session.starts_at.astimezone(self.zone)
            days.setdefault(starts.date(), []).append(
                ScheduledSession(
                    session.text_in("title", language),
                    session.text_in("description", language),
                    starts,
                    session.ends_at.astimezone(self.zone),
                    session.location or "",
                )
            )
        return sorted(days.items())


@dataclass(frozen=True)
class ScheduledSession:
    """A session as pages and e-mails show it: times on the event's clocks."""

    title: LocalText
    description: LocalText
    starts: datetime
    ends: datetime
    location: str = ""


class CountryProgramme(db.Model):
    """One SCORE country programme taking part, with its seat quota."""

    __tablename__ = "country_programmes"
    __table_args__ = (
        UniqueConstraint("event_id", "code"),
        CheckConstraint("quota >= 0", name="quota_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(100))
    quota: Mapped[int] = mapped_column(Integer, default=6)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    event: Mapped[Event] = relationship(back_populates="programmes")


class ProgrammeSession(Translatable, db.Model):
    """A session of the workshop's programme; its SEQUENCE grows with every change."""

    translated_texts = SESSION_TEXTS
    __tablename__ = "programme_sessions"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str | None] = mapped_column(String(300))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    event: Mapped[Event] = relationship(back_populates="sessions")

    @property
    def content_language(self) -> str:
        return self.event.default_language


class EventContact(db.Model):
    __tablename__ = "event_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    event: Mapped[Event] = relationship(back_populates="contacts")


class EventSupporter(db.Model):
    """A funder or supporter named on the event page."""

    __tablename__ = "event_supporters"
    __table_args__ = (
        CheckConstraint("kind IN ('funder', 'supporter')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    event: Mapped[Event] = relationship(back_populates="supporters")
