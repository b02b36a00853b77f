"""Registering delegates and finding registrations by their secret link."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Event, Registration, RegistrationToken
from app.models.types import utcnow
from app.services import seats

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
REFERENCE_PREFIX = "SCR-"
REFERENCE_LENGTH = 6


class RegistrationError(Exception):
    """A registration that cannot be made; the message is for the delegate."""


class AlreadyRegistered(RegistrationError):
    pass


class RegistrationClosed(RegistrationError):
    pass


class UnknownProgramme(RegistrationError):
    pass


@dataclass
class DelegateDetails:
    """What a delegate submits, already validated and cleaned by the form."""

    full_name: str
    email: str
    country: str
    organisation: str
    category: str
    job_title: str = ""
    gender: str = "undisclosed"
    phone: str = ""
    arrival_date: date | None = None
    departure_date: date | None = None
    needs_accommodation: bool = False
    dietary: str = "none"
    dietary_detail: str = ""
    accessibility: str = ""
    needs_visa_letter: bool = False


@dataclass(frozen=True)
class NewRegistration:
    registration: Registration
    token: str


def normalise_email(address: str) -> str:
    return address.strip().lower()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_reference() -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return REFERENCE_PREFIX + code


def registration_window_message(event: Event, now: datetime) -> str | None:
    """Why the event takes no registrations at ``now``, or None when it does."""
    if event.registration_opens_at and now < event.registration_opens_at:
        return "Registration has not opened yet."
    if event.registration_closes_at and now >= event.registration_closes_at:
        return "Registration is closed."
    return None


def is_registered(event: Event, email: str) -> bool:
    return (
        db.session.scalar(
            select(Registration.id).where(
                Registration.event_id == event.id,
                Registration.email_normalised == normalise_email(email),
            )
        )
        is not None
    )


def mint_token(registration: Registration) -> str:
    """A new secret manage link for the registration; earlier ones keep working."""
    token = secrets.token_urlsafe(32)
    registration.tokens.append(RegistrationToken(token_hash=hash_token(token)))
    return token


def registration_for_token(token: str) -> Registration | None:
    """The registration a manage link opens, or None.

    The lookup is by the token's SHA-256; the final comparison is in constant
    time so the answer's timing tells nothing about near misses.
    """
    if not token or len(token) > 128:
        return None
    wanted = hash_token(token)
    row = db.session.scalar(
        select(RegistrationToken).where(
            RegistrationToken.token_hash == wanted,
            RegistrationToken.revoked_at.is_(None),
        )
    )
    if row is None or not hmac.compare_digest(row.token_hash, wanted):
        return None
    return row.registration


def _unused_reference() -> str:
    while True:
        reference = new_reference()
        taken = db.session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(Registration.reference == reference)
        )
        if not taken:
            return reference


def register_delegate(
    event: Event,
    details: DelegateDetails,
    *,
    privacy_notice_version: str,
    now: datetime | None = None,
) -> NewRegistration:
    """Register a delegate and give them a seat, a waiting-list place or approval.

    Raises RegistrationClosed outside the window, UnknownProgramme for a country
    not taking part, AlreadyRegistered when the e-mail is already registered
    for the event (the unique constraint makes this hold under concurrency).
    The caller commits.
    """
    now = now or utcnow()
    closed = registration_window_message(event, now)
    if closed:
        raise RegistrationClosed(closed)
    programme = event.programme_by_code(details.country)
    if programme is None:
        raise UnknownProgramme(f"{details.country} does not take part in this event.")
    if is_registered(event, details.email):
        raise AlreadyRegistered(details.email)

    locked = seats.lock_seats(event.id, programme.id)
    registration = Registration(
        event=locked.event,
        programme=locked.programme,
        reference=_unused_reference(),
        full_name=details.full_name,
        email=details.email,
        email_normalised=normalise_email(details.email),
        organisation=details.organisation,
        job_title=details.job_title,
        category=details.category,
        gender=details.gender,
        phone=details.phone,
        arrival_date=details.arrival_date,
        departure_date=details.departure_date,
        needs_accommodation=details.needs_accommodation,
        dietary=details.dietary,
        dietary_detail=details.dietary_detail,
        accessibility=details.accessibility,
        needs_visa_letter=details.needs_visa_letter,
        consent_at=now,
        privacy_notice_version=privacy_notice_version,
        created_at=now,
        updated_at=now,
    )
    # Nobody jumps the queue: a free seat goes to a newcomer only when no one
    # of the programme is waiting for it.
    if seats.has_free_seat(locked) and not seats.anyone_waiting(programme.id):
        registration.status = (
            "pending" if locked.event.approval_required else "confirmed"
        )
    else:
        registration.status = "waitlisted"
        registration.waitlist_position = seats.next_waitlist_ticket(programme.id)
    token = mint_token(registration)
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError as error:
        if is_registered(event, details.email):
            raise AlreadyRegistered(details.email) from error
        raise
    return NewRegistration(registration, token)


def waitlist_place(registration: Registration) -> int | None:
    """The delegate's place in their programme's waiting list (1 is next)."""
    if registration.status != "waitlisted":
        return None
    ahead = db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.programme_id == registration.programme_id,
            Registration.status == "waitlisted",
            Registration.waitlist_position < registration.waitlist_position,
        )
    )
    return ahead + 1
