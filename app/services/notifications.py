"""Telling delegates and organisers what happened, through the outbox.

The ``notify`` functions queue a message in the caller's transaction: a row
that says what the message is about (its kind, its registration, the facts it
reports) and never its text or a working link. The mail worker calls
``compose`` when the row is due: the message is built then, and its secret
link minted then, so no table ever holds a string that opens a registration,
and building e-mails costs the request nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import select

from app.documents import letter_filename, visa_letter_pdf
from app.extensions import db
from app.i18n import DEFAULT_LANGUAGE, in_language, language_query
from app.mail import (
    MessageFacts,
    ascii_address,
    build_account_locked,
    build_address_check,
    build_message,
    build_team_invitation,
    new_message_id,
    subject_for,
)
from app.models import (
    Event,
    Organiser,
    OutboxMessage,
    Registration,
    RegistrationRequest,
    TeamMember,
    VisaLetter,
)
from app.models.documents import VisaLetterState
from app.models.registrations import REQUEST_LIFETIME, RegistrationStatus
from app.models.types import utcnow
from app.services.links import (
    PASSWORD_LINK_LIFETIME,
    mint_password_token,
    mint_request_token,
    mint_token,
    registration_for_address,
)
from app.services.seats import waitlist_place
from app.urls import external_url


def event_mailbox(event: Event | None) -> str:
    """The event's From and ORGANIZER address: its setting, else the default sender."""
    configured = (event and event.organiser_email) or current_app.config[
        "MAIL_DEFAULT_SENDER"
    ]
    # MAIL_DEFAULT_SENDER may be written "Name <address>".
    return parseaddr(configured)[1] or configured


def notify(
    registration: Registration,
    kind: str,
    *,
    with_calendar: bool = True,
    recipient: str | None = None,
    new_email: str | None = None,
    **facts_of_kind,
) -> OutboxMessage | None:
    """Queue a message of ``kind`` about the registration, to the delegate.

    ``recipient`` overrides the delegate's address (an address change is
    told to the old one); ``facts_of_kind`` are what a message of that kind
    reports besides (the letter issued, the reason of a refusal). An
    anonymised registration has nobody to write to: nothing is queued (None).
    """
    if registration.anonymised_at is not None:
        return None
    facts = MessageFacts.of(
        registration,
        with_calendar=with_calendar,
        new_email=new_email,
        **facts_of_kind,
    )
    with in_language(registration.language):
        subject = subject_for(kind, registration.event, registration.reference)
    return _queue(
        kind,
        event=registration.event,
        recipient=recipient or registration.email,
        subject=subject,
        facts=facts.as_json(),
        registration_id=registration.id,
    )


def notify_lost_link(event: Event, email: str) -> OutboxMessage:
    """Queue the link for whatever registration ``email`` has, if any.

    Queued whatever the address: the worker looks the registration up when it
    sends, so the request does the same work for every address and its
    timing tells nobody who is registered.
    """
    return _queue(
        "lost_link",
        event=event,
        recipient=email,
        subject=subject_for("lost_link", event),
        facts={"email": email},
    )


def notify_address_check(request: RegistrationRequest, email: str) -> OutboxMessage:
    """Queue the e-mail that asks to confirm the address of a registration."""
    with in_language(request.details.get("language")):
        subject = subject_for("confirm_email", request.event)
    return _queue(
        "confirm_email",
        event=request.event,
        recipient=email,
        subject=subject,
        facts={"request_id": request.id},
    )


def notify_account_locked(
    organiser: Organiser, client_address: str, failures: int, locked_until: datetime
) -> OutboxMessage:
    """Queue the notice that logins from ``client_address`` are locked."""
    return _queue(
        "account_locked",
        event=None,
        recipient=organiser.email,
        subject=subject_for("account_locked"),
        facts={
            "client_address": client_address,
            "failures": failures,
            "locked_until": locked_until.isoformat(),
        },
    )


def notify_team_invitation(event: Event, organiser: Organiser) -> OutboxMessage:
    """Queue the invitation to the event's team; its set-password link is
    minted when the worker writes the message."""
    return _queue(
        "team_invitation",
        event=event,
        recipient=organiser.email,
        subject=subject_for("team_invitation"),
        facts={"organiser_id": organiser.id},
    )


def _queue(
    kind: str,
    *,
    event: Event | None,
    recipient: str,
    subject: str,
    facts: dict,
    registration_id: int | None = None,
) -> OutboxMessage:
    config = current_app.config
    row = OutboxMessage(
        # Made once: a retry sends the same Message-ID.
        message_id=new_message_id(config["BASE_URL"]),
        kind=kind,
        sender=event_mailbox(event),
        recipient=ascii_address(recipient),
        subject=subject[:300],
        facts=facts,
        event_id=event.id if event else None,
        registration_id=registration_id,
    )
    db.session.add(row)
    return row


def compose(row: OutboxMessage) -> EmailMessage | None:
    """The message a queued row stands for, built now; None when there is
    nobody to write to any more (the worker then skips it).

    Mints the message's secret link in the caller's transaction, which the
    worker commits whatever the sending did: the mail server may have taken
    the message before the connection broke.
    """
    config = current_app.config
    common = {
        "message_id": row.message_id,
        "recipient": row.recipient,
        "sender": row.sender,
        "sender_name": config["MAIL_SENDER_NAME"],
    }
    if row.kind == "account_locked":
        return build_account_locked(
            client_address=row.facts["client_address"],
            failures=row.facts["failures"],
            locked_until=datetime.fromisoformat(row.facts["locked_until"]),
            **common,
        )
    if row.kind == "team_invitation":
        return _team_invitation(row, common)
    if row.kind == "confirm_email":
        request = db.session.get(RegistrationRequest, row.facts.get("request_id"))
        if request is None or request.created_at <= utcnow() - REQUEST_LIFETIME:
            return None
        slug = request.event.slug
        language = request.details.get("language", DEFAULT_LANGUAGE)
        token = mint_request_token(request)
        return build_address_check(
            request.event,
            name=request.details.get("full_name", ""),
            confirm_url=external_url(
                "public.confirm_address",
                slug=slug,
                token=token,
                **language_query(language),
            ),
            event_url=external_url(
                "public.event_page", slug=slug, **language_query(language)
            ),
            valid_hours=REQUEST_LIFETIME // timedelta(hours=1),
            language=language,
            **common,
        )
    registration = _registration_for(row)
    if registration is None:
        return None
    if row.registration_id is None:
        # Found by the address someone typed: write to the address registered,
        # and remember whose row it is (a purge or an erasure finds it).
        row.recipient = common["recipient"] = ascii_address(registration.email)
        row.registration_id = registration.id
    manage_url = None
    if _may_carry_a_link(row, registration):
        manage_url = external_url(
            "public.manage",
            token=mint_token(registration),
            **language_query(registration.language),
        )
    facts = MessageFacts.stored(row.facts, registration)
    attachments = ()
    if row.kind == "visa_letter":
        letter = db.session.get(VisaLetter, facts.letter_id)
        if letter is None or letter.current_state is not VisaLetterState.ISSUED:
            return None  # withdrawn before it went out
        attachments = ((letter_filename(letter), visa_letter_pdf(letter)),)
    if facts.status == RegistrationStatus.WAITLISTED:
        # Counted now, not when queued: the place can only have improved, and
        # counting the queue under the registration's lock cost every delegate.
        facts = replace(facts, place=waitlist_place(registration))
    return build_message(
        row.kind,
        registration,
        facts,
        manage_url=manage_url,
        event_url=external_url(
            "public.event_page",
            slug=registration.event.slug,
            **language_query(registration.language),
        ),
        attachments=attachments,
        **common,
    )


def _team_invitation(row: OutboxMessage, common: dict) -> EmailMessage | None:
    organiser = db.session.get(Organiser, row.facts.get("organiser_id"))
    event = db.session.get(Event, row.event_id)
    if (
        organiser is None
        or event is None
        or not organiser.active
        or not organiser.awaits_password  # its password is set already
    ):
        return None
    member = db.session.scalar(
        select(TeamMember).where(
            TeamMember.event_id == event.id, TeamMember.organiser_id == organiser.id
        )
    )
    if member is None:  # taken off the team before the message went
        return None
    role = member.role.label
    if member.country_code:
        role = f"{role} ({member.country_code})"
    return build_team_invitation(
        event,
        role_label=role,
        set_password_url=external_url(
            "admin.set_password", token=mint_password_token(organiser)
        ),
        valid_days=PASSWORD_LINK_LIFETIME.days,
        **common,
    )


def _may_carry_a_link(row: OutboxMessage, registration: Registration) -> bool:
    """Only a message to the registration's own address, now, carries its link:
    not the notice to an old address, nor a message queued before the address
    changed, nor one to a registration whose personal data is deleted."""
    return (
        registration.anonymised_at is None
        and row.kind != "email_changed"
        and row.recipient.lower() == ascii_address(registration.email).lower()
    )


def _registration_for(row: OutboxMessage) -> Registration | None:
    """The registration the row is about; a lost-link request finds it now."""
    if row.registration_id is not None:
        return db.session.get(Registration, row.registration_id)
    if row.kind != "lost_link" or row.event_id is None:
        return None
    return registration_for_address(row.event_id, row.facts.get("email", ""))
