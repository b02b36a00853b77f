"""The registration aggregate: a delegate's registration and its secret links."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import false

from app.extensions import db
from app.models.events import CountryProgramme, Event
from app.models.types import UTCDateTime, stored_enum, utcnow
from app.search import fold

# What a visa letter needs, asked for when a delegate needs one. Sensitive:
# shown only to the organisers who may see the registration, never exported
# but in the visa-letter list, never written into the audit log.
PASSPORT_FIELDS = (
    "passport_name",
    "nationality",
    "passport_number",
    "passport_expiry",
    "date_of_birth",
    "visa_embassy",
)
# Codes stored in the database and written to the CSV, with their labels.
# The columns a delegate fills in on the form (the programme aside), in the
# order the audit log and the data export list them.
DELEGATE_FIELDS = (
    "full_name",
    "email",
    "organisation",
    "job_title",
    "category",
    "gender",
    "phone",
    "arrival_date",
    "departure_date",
    "needs_accommodation",
    "dietary",
    "dietary_detail",
    "accessibility",
    "needs_visa_letter",
    "listed_publicly",
    "language",
    "badge_name",
    *PASSPORT_FIELDS,
)
CATEGORIES = {
    "government": _l("Government"),
    "employers": _l("Employers' organisation"),
    "workers": _l("Workers' organisation"),
    "enterprise": _l("Enterprise"),
    "score_team": _l("SCORE programme team"),
    "ilo": _l("ILO"),
    "partner": _l("Donor or partner"),
    "other": _l("Other"),
}
GENDERS = {
    "female": _l("Female"),
    "male": _l("Male"),
    "another": _l("Another"),
    "undisclosed": _l("Prefer not to say"),
}
DIETARY = {
    "none": _l("None"),
    "vegetarian": _l("Vegetarian"),
    "vegan": _l("Vegan"),
    "halal": _l("Halal"),
    "no_pork": _l("No pork"),
    "other": _l("Other"),
}


class RegistrationStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    PENDING = "pending"
    CANCELLED = "cancelled"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def holds_seat(self) -> bool:
        """Counts against the programme's quota and the event's capacity."""
        return self in SEAT_HOLDING_STATUSES

    @property
    def is_closed(self) -> bool:
        """Cancelled or rejected: nothing more can happen to it."""
        return self in (RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED)

    @property
    def can_be_rejected(self) -> bool:
        """Pending or waiting: an organiser may still turn it down."""
        return self in (RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED)


STATUSES = tuple(RegistrationStatus)
# The statuses as pages show them (the codes themselves are a CSV contract).
STATUS_LABELS = {
    RegistrationStatus.CONFIRMED: _l("confirmed"),
    RegistrationStatus.WAITLISTED: _l("waitlisted"),
    RegistrationStatus.PENDING: _l("pending"),
    RegistrationStatus.CANCELLED: _l("cancelled"),
    RegistrationStatus.REJECTED: _l("rejected"),
}
SEAT_HOLDING_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING)


def normalise_email(address: str) -> str:
    """The form of an address that uniqueness and look-ups compare."""
    return address.strip().lower()


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "email_normalised"),
        CheckConstraint(_in("category", CATEGORIES), name="category_known"),
        CheckConstraint(_in("gender", GENDERS), name="gender_known"),
        CheckConstraint(_in("dietary", DIETARY), name="dietary_known"),
        CheckConstraint(
            "departure_date IS NULL OR arrival_date IS NULL "
            "OR departure_date >= arrival_date",
            name="departure_after_arrival",
        ),
        Index("ix_registrations_event_status", "event_id", "status"),
        # A programme's seats and waiting list: counts by status, and the
        # places ahead of a waiting delegate (waitlist_position < theirs) read
        # from the index alone.
        Index(
            "ix_registrations_programme_waitlist",
            "programme_id",
            "status",
            "waitlist_position",
        ),
        # The next waiting-list ticket: max(waitlist_position) of the event.
        Index("ix_registrations_event_waitlist", "event_id", "waitlist_position"),
        # The attendee list and the CSV in the order of registration.
        Index("ix_registrations_event_created", "event_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("country_programmes.id"))
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[RegistrationStatus] = mapped_column(
        stored_enum(RegistrationStatus, "status_known"),
        default=RegistrationStatus.CONFIRMED,
    )
    waitlist_position: Mapped[int | None] = mapped_column(Integer)

    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    # Lower-cased copy of the address: the unique constraint is on this column.
    email_normalised: Mapped[str] = mapped_column(String(254))
    organisation: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(20))
    gender: Mapped[str] = mapped_column(String(20), default="undisclosed")
    phone: Mapped[str] = mapped_column(String(40), default="")
    arrival_date: Mapped[date | None] = mapped_column(Date)
    departure_date: Mapped[date | None] = mapped_column(Date)
    needs_accommodation: Mapped[bool] = mapped_column(Boolean, default=False)
    dietary: Mapped[str] = mapped_column(String(20), default="none")
    dietary_detail: Mapped[str] = mapped_column(String(200), default="")
    accessibility: Mapped[str] = mapped_column(Text, default="")
    needs_visa_letter: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the badge's QR code carries: opens the delegate's check-in card for
    # an organiser, and nothing for anyone else (unlike the manage token).
    check_in_code: Mapped[str] = mapped_column(
        String(32), unique=True, default=lambda: new_secret_code()
    )
    # What the certificate of attendance's verification address carries.
    certificate_code: Mapped[str] = mapped_column(
        String(32), unique=True, default=lambda: new_secret_code()
    )
    # The name printed large on the badge; the full name when empty.
    badge_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    passport_name: Mapped[str] = mapped_column(
        String(200), default="", server_default=""
    )
    nationality: Mapped[str] = mapped_column(String(2), default="", server_default="")
    # Upper-case letters and digits only.
    passport_number: Mapped[str] = mapped_column(
        String(12), default="", server_default=""
    )
    passport_expiry: Mapped[date | None] = mapped_column(Date)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    visa_embassy: Mapped[str] = mapped_column(
        String(300), default="", server_default=""
    )
    # The BCP 47 tag of the language the delegate reads: every e-mail to them
    # is written in it.
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")

    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    privacy_notice_version: Mapped[str] = mapped_column(String(20))
    # SEQUENCE of the delegate's calendar invitation: grows with every change sent.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Imported from a delegation's file without e-mailing the delegate yet:
    # the organisers send the invitation later.
    invitation_pending: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # The delegate agreed to appear in the participant list on the event page.
    listed_publicly: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Name, e-mail, organisation and reference folded for search (see
    # app.search); kept up to date on every insert and update.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    event: Mapped[Event] = relationship()
    programme: Mapped[CountryProgramme] = relationship()
    tokens: Mapped[list[RegistrationToken]] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )

    @property
    def name_on_badge(self) -> str:
        return self.badge_name or self.full_name

    @property
    def masked_passport_number(self) -> str:
        """The passport number as lists show it: its last three characters."""
        return mask_passport_number(self.passport_number)

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def gender_label(self) -> str:
        return GENDERS.get(self.gender, self.gender)

    @property
    def dietary_label(self) -> str:
        label = DIETARY.get(self.dietary, self.dietary)
        return f"{label}: {self.dietary_detail}" if self.dietary_detail else label


class RegistrationToken(db.Model):
    """A secret manage link; only the SHA-256 of the token is stored."""

    __tablename__ = "registration_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship(back_populates="tokens")


# How long the link of an address check works; the request is deleted after.
REQUEST_LIFETIME = timedelta(hours=48)


class RegistrationRequest(db.Model):
    """A registration waiting for its e-mail address to be confirmed.

    Only for events that ask for the check (``Event.confirm_email``): it holds
    no seat and is no delegate; opening the mailed link registers the details
    under the seat rules of that moment and deletes the request. Deleted
    unconfirmed after ``REQUEST_LIFETIME``.
    """

    __tablename__ = "registration_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    email_normalised: Mapped[str] = mapped_column(String(254))
    # The submitted form (``DelegateDetails``), JSON-ready.
    details: Mapped[dict] = mapped_column(JSON)
    privacy_notice_version: Mapped[str] = mapped_column(String(20))
    # SHA-256 of the link in the e-mail, minted when the e-mail is sent.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, index=True
    )

    event: Mapped[Event] = relationship()


def new_secret_code() -> str:
    """128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


def mask_passport_number(number: str) -> str:
    """``•••••234``: enough to tell two passports apart, not to use one."""
    if not number:
        return ""
    return "•" * max(len(number) - 3, 0) + number[-3:]


def searchable_text(registration: Registration) -> str:
    parts = (
        registration.full_name,
        registration.email,
        registration.organisation,
        registration.reference,
    )
    return fold(" ".join(part or "" for part in parts))


@event.listens_for(Registration, "before_insert")
@event.listens_for(Registration, "before_update")
def _refresh_search_text(mapper, connection, registration: Registration) -> None:
    registration.search_text = searchable_text(registration)
