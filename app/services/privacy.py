"""Delegates' personal data: export, deletion, link replacement and the purge.

Anonymising keeps what the organisers report in aggregate (reference, status,
country programme, organisation, category, gender, dates, dietary category)
and removes everything that identifies or describes a person.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, select, update

from app.extensions import db
from app.mail import ascii_address
from app.models import (
    Event,
    ImportBatch,
    OutboxMessage,
    Registration,
    RegistrationRequest,
    VisaLetter,
)
from app.models.outbox import OutboxStatus
from app.models.registrations import (
    DELEGATE_FIELDS,
    PASSPORT_FIELDS,
    RegistrationToken,
)
from app.models.types import json_ready, utcnow
from app.services import audit
from app.services.audit import Actor
from app.services.links import mint_token
from app.services.registration import cancel_registration

ANONYMOUS_NAME = "Anonymised delegate"
REMOVED = "[removed]"
# Fields removed by anonymisation, with what replaces them.
PERSONAL_FIELDS = {
    "full_name": ANONYMOUS_NAME,
    "phone": "",
    "job_title": "",
    "accessibility": "",
    "dietary_detail": "",
    "badge_name": "",
    "passport_name": "",
    "nationality": "",
    "passport_number": "",
    "passport_expiry": None,
    "date_of_birth": None,
    "visa_embassy": "",
}
PERSONAL_AUDIT_KEYS = {*PERSONAL_FIELDS, "email"}


class EventNotOver(Exception):
    """The purge was asked for before the event ended."""


def personal_data(registration: Registration) -> dict:
    """Everything the app holds about the delegate, JSON-ready."""
    fields = [
        "reference",
        "status",
        *DELEGATE_FIELDS,
        "consent_at",
        "privacy_notice_version",
        "created_at",
        "updated_at",
        "cancelled_at",
        "checked_in_at",
    ]
    history = audit.history(registration)
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.registration_id == registration.id)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )
    return {
        "event": {
            "title": registration.event.title,
            "slug": registration.event.slug,
            "dates": [
                registration.event.starts_on.isoformat(),
                registration.event.ends_on.isoformat(),
            ],
        },
        "registration": {
            **{name: json_ready(getattr(registration, name)) for name in fields},
            # Passport details are exported nowhere but on the organisers'
            # visa-letter list: here, only whether they were given.
            **{name: None for name in PASSPORT_FIELDS},
            "passport_number": registration.masked_passport_number,
            "country": registration.programme.code,
            "country_name": registration.programme.name,
        },
        "history": [
            {
                "at": json_ready(entry.at),
                "by": "you" if entry.actor == "delegate" else "the organisers",
                "action": entry.action,
                "before": entry.before,
                "after": entry.after,
            }
            for entry in history
        ],
        "messages": [
            {
                "kind": message.kind,
                "subject": message.subject,
                "queued_at": json_ready(message.created_at),
                "status": message.status,
                "sent_at": json_ready(message.sent_at),
            }
            for message in messages
        ],
    }


def replace_link(registration: Registration) -> str:
    """Revoke every manage link of the registration and mint a new one."""
    now = utcnow()
    for token in registration.tokens:
        if token.revoked_at is None:
            token.revoked_at = now
    new_token = mint_token(registration)
    audit.record("link_replaced", audit.DELEGATE, registration=registration)
    return new_token


def anonymise(registration: Registration, now: datetime | None = None) -> None:
    """Remove the person from a registration, keeping its aggregate facts."""
    if registration.anonymised_at is not None:
        return
    _scrub_sent_messages(
        (OutboxMessage.registration_id == registration.id)
        | (
            (OutboxMessage.event_id == registration.event_id)
            & (OutboxMessage.recipient == ascii_address(registration.email))
        )
    )
    for name, replacement in PERSONAL_FIELDS.items():
        setattr(registration, name, replacement)
    placeholder = f"anonymised-{registration.id}@anonymised.invalid"
    registration.email = placeholder
    registration.email_normalised = placeholder
    registration.listed_publicly = False
    registration.anonymised_at = now or utcnow()
    db.session.execute(
        update(RegistrationToken)
        .where(
            RegistrationToken.registration_id == registration.id,
            RegistrationToken.revoked_at.is_(None),
        )
        .values(revoked_at=registration.anonymised_at)
    )
    # The letters' quoted passport details and the reasons of refusals go
    # too; their verification addresses answer "withdrawn" from now on.
    db.session.execute(
        update(VisaLetter)
        .where(VisaLetter.registration_id == registration.id)
        .values(details={}, reason="")
    )
    _scrub_history(registration)


def _scrub_history(registration: Registration) -> None:
    """The audit log keeps what happened, not the personal values."""
    for entry in audit.history(registration):
        for side in ("before", "after"):
            values = getattr(entry, side)
            if values and PERSONAL_AUDIT_KEYS & values.keys():
                setattr(
                    entry,
                    side,
                    {
                        k: REMOVED if k in PERSONAL_AUDIT_KEYS else v
                        for k, v in values.items()
                    },
                )


def _scrub_sent_messages(which) -> None:
    """Messages already handled keep no address and no facts. (A queued one
    is still sent, to the address it was queued for, and then forgotten.)"""
    db.session.execute(
        update(OutboxMessage)
        .where(which, OutboxMessage.status != OutboxStatus.QUEUED)
        .values(recipient="anonymised.invalid", facts={}, last_error=None)
    )


def delete_registration(registration: Registration) -> None:
    """The delegate's own erasure: give up the seat, then anonymise. An
    archived event's seats no longer move: its registration is only
    anonymised."""
    if not registration.status.is_closed and not registration.event.status.read_only:
        cancel_registration(registration, audit.DELEGATE)
    db.session.flush()
    # The cancellation notice is the last message: the worker forgets its
    # content once it is sent; nothing else about the person stays.
    anonymise(registration)
    audit.record("deleted_by_delegate", audit.DELEGATE, registration=registration)


def purge_event(
    event: Event, actor: Actor, *, force: bool = False, today: date | None = None
) -> int:
    """Anonymise every registration of an event that has ended.

    Raises EventNotOver before the last day has passed (in the event's zone)
    unless ``force``. Returns how many registrations were anonymised.
    """
    today = today or utcnow().astimezone(event.zone).date()
    if today <= event.ends_on and not force:
        raise EventNotOver(
            f"{event.title} ends on {event.ends_on:%d %B %Y}; "
            "purge after that, or use --force."
        )
    now = utcnow()
    registrations = db.session.scalars(
        select(Registration).where(
            Registration.event_id == event.id, Registration.anonymised_at.is_(None)
        )
    ).all()
    for registration in registrations:
        anonymise(registration, now)
    # Details still waiting for their address to be confirmed go entirely,
    # and so do the addresses of lost-link requests and address checks.
    db.session.execute(
        delete(RegistrationRequest).where(RegistrationRequest.event_id == event.id)
    )
    # And the spreadsheets of delegations waiting to be imported.
    db.session.execute(delete(ImportBatch).where(ImportBatch.event_id == event.id))
    _scrub_sent_messages(OutboxMessage.event_id == event.id)
    audit.record(
        "personal_data_purged",
        actor,
        event=event,
        after={"anonymised": len(registrations)},
        note="forced before the event ended" if today <= event.ends_on else "",
    )
    return len(registrations)
