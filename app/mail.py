"""The e-mails the app sends, built as finished ``EmailMessage`` objects.

The builders are pure functions of models and plain values: no database, no
request. They render ``templates/email/<kind>.txt`` and ``.html`` (so they
need an application context) and, for the messages that put the workshop into
the delegate's calendar or take it out again, add the iMIP invitation from
``app.ical`` in the structure ``ICAL.md`` describes::

    multipart/mixed
    ├── multipart/alternative
    │   ├── text/plain; charset=utf-8
    │   ├── text/html; charset=utf-8
    │   └── text/calendar; method=REQUEST|CANCEL; charset=UTF-8  (base64)
    └── application/ics; name="invite.ics"                      (attachment)

The mail worker calls them when it sends a queued message (see
``services.notifications.compose``): what the message reports was fixed when
it was queued (``MessageFacts``), its secret link is minted only now.
"""

from __future__ import annotations

import email.policy
import re
import secrets
import unicodedata
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from email.header import Header
from email.message import EmailMessage
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from email_validator import validate_email
from flask import render_template
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from app import ical
from app.i18n import DEFAULT_LANGUAGE, current_language, in_language
from app.models.registrations import RegistrationStatus
from app.qr import qr_png
from app.urls import check_in_url

if TYPE_CHECKING:
    from app.models.events import Event
    from app.models.registrations import Registration

SUBJECTS = {
    "confirmed": _l("Registration confirmed"),
    "waitlisted": _l("On the waiting list"),
    "promoted": _l("A seat is yours"),
    "pending": _l("Registration received, awaiting approval"),
    "approved": _l("Registration approved"),
    "rejected": _l("Registration not accepted"),
    "updated": _l("Registration updated"),
    "cancelled": _l("Registration cancelled"),
    "lost_link": _l("Your registration link"),
    "already_registered": _l("You are already registered"),
    "email_changed": _l("The e-mail address of your registration has changed"),
    "confirm_email": _l("Confirm your registration"),
    "account_locked": _l("Your organiser account was locked after failed logins"),
    "team_invitation": _l("You are invited to organise a workshop"),
    "visa_letter": _l("Your visa invitation letter"),
    "visa_letter_refused": _l("Your request for a visa letter"),
}
# Messages about a registration (the other two have builders of their own).
MESSAGE_KINDS = tuple(
    k
    for k in SUBJECTS
    if k not in ("confirm_email", "account_locked", "team_invitation")
)
# Messages about a seat the delegate has: they show the programme and, when
# the registration is confirmed, carry the invitation (METHOD:REQUEST).
CONFIRMATION_KINDS = ("confirmed", "promoted", "approved", "updated")
DEFAULT_SENDER_NAME = "SCORE Workshop organisers"

# Wire-ready: CRLF line endings and only 7-bit data (non-ASCII headers are
# RFC 2047 encoded, bodies quoted-printable or base64), because the message is
# handed to smtplib's sendmail() as bytes.
POLICY = email.policy.SMTP
# Display names written as they are; anything else is quoted or encoded.
_ATOM_PHRASE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+")


@dataclass(frozen=True)
class MessageFacts:
    """What a message about a registration reports, fixed when it is queued.

    Stored with the queued message (never its text or link), so the message
    built later says what was true when it was caused: the delegate's status
    and the invitation's SEQUENCE then, not whatever came after.
    """

    name: str
    status: str
    sequence: int
    place: int | None = None
    with_calendar: bool = True
    # For "email_changed": the address the registration moved to.
    new_email: str | None = None
    # For "visa_letter": the letter issued; for "visa_letter_refused": why.
    letter_id: int | None = None
    reason: str | None = None

    @classmethod
    def of(cls, registration: Registration, **values) -> MessageFacts:
        return cls(
            name=registration.full_name,
            status=registration.status,
            sequence=registration.sequence,
            **values,
        )

    @classmethod
    def stored(cls, values: dict | None, registration: Registration) -> MessageFacts:
        """The facts kept with a queued message; what is missing, from now."""
        known = {f.name for f in fields(cls)}
        kept = {k: v for k, v in (values or {}).items() if k in known}
        return replace(cls.of(registration), **kept)

    def as_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def subject_for(
    kind: str, event: Event | None = None, reference: str | None = None
) -> str:
    """The Subject of a message of ``kind`` about the event (and a reference),
    in the language of the moment."""
    subject = str(SUBJECTS[kind])
    if event is not None:
        title = event.text_in("title", current_language()).text
        subject = f"{subject}: {_one_line(title)}"
    return f"{subject} ({reference})" if reference else subject


def build_message(
    kind: str,
    registration: Registration,
    facts: MessageFacts,
    *,
    message_id: str,
    recipient: str,
    manage_url: str | None,
    event_url: str,
    sender: str,
    sender_name: str = DEFAULT_SENDER_NAME,
    attachments: tuple[tuple[str, bytes], ...] = (),
) -> EmailMessage:
    """The finished e-mail of ``kind`` (one of ``MESSAGE_KINDS``) to a delegate.

    ``sender`` is the event's organiser mailbox: it is both From and the
    calendar's ORGANIZER; it must differ from the delegate's address, for
    every kind (``ValueError``). ``manage_url`` is the delegate's secret link,
    or None where the message must not carry one (an address change told to
    the old address, a registration whose personal data is deleted).
    Written in the delegate's language, whoever caused it. ``attachments``
    are PDFs, as (file name, content): the visa letter.
    """
    with in_language(registration.language):
        if kind not in MESSAGE_KINDS:
            raise ValueError(
                f"unknown message kind {kind!r}; expected one of {MESSAGE_KINDS}"
            )
        if recipient.strip().casefold() == sender.strip().casefold():
            raise ValueError("the delegate cannot be the organiser mailbox")
        event = registration.event
        method = calendar_method(kind, facts)
        subject = subject_for(kind, event, registration.reference)
        show_programme = kind in CONFIRMATION_KINDS
        programme = event.programme_by_day(current_language()) if show_programme else []
        context = {
            "kind": kind,
            "event": event,
            "registration": registration,
            "recipient_name": facts.name,
            "status": facts.status,
            "waitlist_place": facts.place,
            "new_email": facts.new_email,
            "manage_url": manage_url,
            "event_url": event_url,
            "calendar_method": method,
            "show_programme": show_programme,
            "programme": programme,
            "zone_label": event.zone_label,
            "provisional_note": ical.provisional_note(),
            "reason": facts.reason,
        }
        # A seat's message carries the badge's QR code: a delegate without a
        # printed badge is checked in from their phone. (A registration not
        # yet stored has no code: a preview.)
        check_in = None
        if method == "REQUEST" and registration.check_in_code:
            check_in = check_in_image(registration)
        context["check_in_cid"] = check_in and check_in.cid
        message = _message(
            kind,
            context,
            message_id=message_id,
            sender=(sender_name, sender),
            recipient=(facts.name, recipient),
            subject=subject,
        )
        if method:
            _attach_invitation(
                message,
                ical.personal_invitation(
                    registration,
                    event_url,
                    method,
                    organiser_email=sender,
                    organiser_name=sender_name,
                    manage_url=manage_url,
                    sequence=facts.sequence,
                    attendee=(facts.name, recipient),
                ),
                method,
            )
        if check_in:
            message.add_attachment(
                check_in.png,
                maintype="image",
                subtype="png",
                disposition="inline",
                filename="check-in-code.png",
                cid=f"<{check_in.cid}>",
            )
        for filename, body in attachments:
            message.add_attachment(
                body, maintype="application", subtype="pdf", filename=filename
            )
        return message


@dataclass(frozen=True)
class CheckInImage:
    png: bytes
    cid: str


def check_in_image(registration: Registration) -> CheckInImage:
    """The badge's QR code as a PNG, and the Content-ID the HTML shows it by."""
    return CheckInImage(
        qr_png(check_in_url(registration)),
        f"check-in.{registration.check_in_code}@score",
    )


def build_address_check(
    event: Event,
    *,
    message_id: str,
    recipient: str,
    name: str,
    confirm_url: str,
    event_url: str,
    sender: str,
    sender_name: str = DEFAULT_SENDER_NAME,
    valid_hours: int,
    language: str = DEFAULT_LANGUAGE,
) -> EmailMessage:
    """The e-mail that asks a new delegate to confirm their address, in the
    language they filled in the form in."""
    with in_language(language):
        subject = subject_for("confirm_email", event)
        context = {
            "event": event,
            "recipient_name": name,
            "confirm_url": confirm_url,
            "event_url": event_url,
            "valid_hours": valid_hours,
        }
        return _message(
            "confirm_email",
            context,
            message_id=message_id,
            sender=(sender_name, sender),
            recipient=(name, recipient),
            subject=subject,
        )


def build_account_locked(
    *,
    message_id: str,
    recipient: str,
    client_address: str,
    failures: int,
    locked_until: datetime,
    sender: str,
    sender_name: str = DEFAULT_SENDER_NAME,
) -> EmailMessage:
    """The e-mail telling an organiser that logins from an address are locked."""
    subject = subject_for("account_locked")
    context = {
        "recipient": recipient,
        "client_address": client_address,
        "failures": failures,
        "locked_until": format_datetime(locked_until, "long", rebase=False),
    }
    return _message(
        "account_locked",
        context,
        message_id=message_id,
        sender=(sender_name, sender),
        recipient=("", recipient),
        subject=subject,
    )


def build_team_invitation(
    event: Event,
    *,
    message_id: str,
    recipient: str,
    role_label: str,
    set_password_url: str,
    valid_days: int,
    sender: str,
    sender_name: str = DEFAULT_SENDER_NAME,
) -> EmailMessage:
    """The e-mail inviting someone to an event's team, with the one-time
    link that sets their password."""
    subject = subject_for("team_invitation")
    context = {
        "recipient": recipient,
        "event": event,
        "role_label": role_label,
        "set_password_url": set_password_url,
        "valid_days": valid_days,
    }
    return _message(
        "team_invitation",
        context,
        message_id=message_id,
        sender=(sender_name, sender),
        recipient=("", recipient),
        subject=subject,
    )


def calendar_method(kind: str, facts: MessageFacts) -> str | None:
    """The METHOD of the calendar a message of ``kind`` carries, or None.

    A cancellation carries a CANCEL only for someone who had an invitation.
    """
    if not facts.with_calendar:
        return None
    if kind == "cancelled":
        return "CANCEL"
    if kind in CONFIRMATION_KINDS and facts.status == RegistrationStatus.CONFIRMED:
        return "REQUEST"
    return None


def _message(
    template: str,
    context: dict,
    *,
    message_id: str,
    sender: tuple[str, str],
    recipient: tuple[str, str],
    subject: str,
) -> EmailMessage:
    sender_name, sender_address = sender
    context = {
        **context,
        "subject": subject,
        "sender": sender_address,
        "sender_name": sender_name,
    }
    text = _tidy_text(render_template(f"email/{template}.txt", **context))
    html = render_template(f"email/{template}.html", **context)
    message = EmailMessage(policy=POLICY)
    message["From"] = address_header("From", *sender)
    message["To"] = address_header("To", *recipient)
    message["Subject"] = text_header("Subject", subject)
    message["Date"] = datetime.now(UTC).replace(microsecond=0)
    message["Message-ID"] = message_id
    # Asks mail servers and clients not to answer with vacation replies.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(
        html, subtype="html", charset="utf-8", cte="quoted-printable"
    )
    return message


def _attach_invitation(message: EmailMessage, ics: bytes, method: str) -> None:
    # From bytes, base64: a str would let the email package turn the
    # calendar's CRLF into LF. Outlook reads only this inline part.
    message.add_alternative(
        ics,
        maintype="text",
        subtype="calendar",
        cte="base64",
        params={"method": method, "charset": "UTF-8"},
    )
    # The same file for clients that look only at attachments.
    message.add_attachment(
        ics,
        maintype="application",
        subtype="ics",
        cte="base64",
        filename="invite.ics",
        params={"name": "invite.ics"},
    )


# --- headers --------------------------------------------------------------------
# Names and titles are typed by people. Handed to the email package as text,
# an RFC 2047 encoded word in them ("=?utf-8?q?=0D=0A...?=") is decoded while
# the header is parsed, and Python before 3.11.10 and 3.12.5 then writes the
# decoded line breaks out raw: a header injection (CVE-2024-6923). So the app
# encodes these headers itself and hands over finished ones, which the email
# package writes unchanged and never parses (a value with a ``name`` is a
# header object to its policy).


@dataclass(frozen=True)
class WrittenHeader:
    """A header the app has encoded and folded itself."""

    name: str
    value: str

    def fold(self, *, policy) -> str:
        return f"{self.name}: {self.value}{policy.linesep}"

    def __str__(self) -> str:
        return self.value


def text_header(name: str, text: str) -> WrittenHeader:
    """An unstructured header (Subject) for text a person typed."""
    return WrittenHeader(name, _encoded_words(name, _one_line(text)))


def address_header(name: str, display_name: str, address: str) -> WrittenHeader:
    """An address header (From, To) with a display name a person typed."""
    display_name = _one_line(display_name)
    mailbox = f"<{ascii_address(address)}>"
    if not display_name:
        return WrittenHeader(name, mailbox)
    if _ATOM_PHRASE.fullmatch(display_name) and "=?" not in display_name:
        phrase = display_name
    elif (
        display_name.isascii()
        and display_name.isprintable()
        and ("=?" not in display_name)
    ):
        phrase = '"' + re.sub(r'(["\\])', r"\\\1", display_name) + '"'
    else:
        phrase = _encoded_words(name, display_name)
    last_line = phrase.rsplit("\n", 1)[-1]
    joiner = "\r\n " if len(last_line) + len(mailbox) > 76 else " "
    return WrittenHeader(name, f"{phrase}{joiner}{mailbox}")


def ascii_address(address: str) -> str:
    """The address as SMTP without SMTPUTF8 takes it: the domain in IDNA 2008
    form, as email-validator writes it (straße.de is xn--strae-oqa.de, not
    strasse.de). Local parts are ASCII already (the forms refuse others)."""
    address = address.strip()
    if address.isascii():
        return address
    return validate_email(
        address, check_deliverability=False, allow_smtputf8=False
    ).ascii_email


def _encoded_words(name: str, text: str) -> str:
    """``text`` folded for the header ``name``; encoded words unless plain.

    Plain means printable ASCII without "=?", which no reader decodes.
    """
    plain = text.isascii() and text.isprintable() and "=?" not in text
    header = Header(text, "us-ascii" if plain else "utf-8", header_name=name)
    return header.encode(linesep="\r\n")


def new_message_id(base_url: str) -> str:
    """A Message-ID on the site's host. From the secrets module: email.utils'
    make_msgid draws on the random module, which a test (or a fork) may seed
    alike in two places."""
    return f"<{secrets.token_hex(16)}@{host_of(base_url)}>"


def host_of(base_url: str) -> str:
    host = urlsplit(base_url).hostname
    if not host:
        raise ValueError(f"base_url needs a scheme and a host: {base_url!r}")
    return host


def _one_line(text: str | None) -> str:
    """A header-safe text: no control characters, no line breaks."""
    kept = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") else ch
        for ch in text or ""
    )
    return " ".join(kept.split())


def _tidy_text(text: str) -> str:
    """Template whitespace out: no trailing spaces, at most one blank line."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"
