"""Telling delegates what happened to their registration, through the outbox."""

from __future__ import annotations

from email.utils import parseaddr

from flask import current_app

from app.mail import build_message
from app.models import Event, OutboxMessage, Registration
from app.services import outbox
from app.services.links import mint_token
from app.services.seats import waitlist_place


def event_mailbox(event: Event) -> str:
    """The event's From and ORGANIZER address: its setting, else the default sender."""
    configured = event.organiser_email or current_app.config["MAIL_DEFAULT_SENDER"]
    # MAIL_DEFAULT_SENDER may be written "Name <address>".
    return parseaddr(configured)[1] or configured


def organiser_mailbox(registration: Registration) -> str:
    return event_mailbox(registration.event)


def notify(
    registration: Registration,
    kind: str,
    *,
    with_calendar: bool = True,
    place: int | None = None,
) -> OutboxMessage | None:
    """Queue a message of ``kind`` carrying a fresh manage link.

    ``place`` is the delegate's waiting-list place when the caller knows it
    already; otherwise it is counted. Runs in the caller's transaction: the
    message is sent only if it commits. An anonymised registration has
    nobody to write to: nothing is queued (None).
    """
    if registration.anonymised_at is not None:
        return None
    token = mint_token(registration)
    base_url = current_app.config["BASE_URL"]
    message = build_message(
        kind,
        registration,
        manage_url=f"{base_url}/r/{token}",
        base_url=base_url,
        sender=organiser_mailbox(registration),
        sender_name=current_app.config["MAIL_SENDER_NAME"],
        waitlist_place=place or waitlist_place(registration),
        with_calendar=with_calendar,
    )
    return outbox.enqueue(message, kind, registration)


def kind_for_new_status(status: str) -> str:
    """The first message a new registration gets, by the status it was given."""
    return {"confirmed": "confirmed", "pending": "pending"}.get(status, "waitlisted")
