"""The e-mails sent to delegates, built as finished ``EmailMessage`` objects.

``build_message`` is a pure function of the registration and a few plain
values: no database, no request. It renders ``templates/email/<kind>.txt`` and
``.html`` (so it needs an application context) and, for the messages that put
the workshop into the delegate's calendar or take it out again, adds the iMIP
invitation from ``app.ical`` in the structure ``ICAL.md`` describes::

    multipart/mixed
    ├── multipart/alternative
    │   ├── text/plain; charset=utf-8
    │   ├── text/html; charset=utf-8
    │   └── text/calendar; method=REQUEST|CANCEL; charset=UTF-8  (base64)
    └── application/ics; name="invite.ics"                      (attachment)

The caller stores the whole message (its Message-ID is made here, once, so it
stays the same across delivery retries) and raises ``registration.sequence``
before building an update or a cancellation.
"""

from __future__ import annotations

import email.policy
import re
import unicodedata
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from flask import render_template

from app import ical
from app.services.events import programme_by_day

if TYPE_CHECKING:
    from app.models.events import Event
    from app.models.registrations import Registration

MESSAGE_KINDS = (
    "confirmed",
    "waitlisted",
    "promoted",
    "pending",
    "approved",
    "rejected",
    "updated",
    "cancelled",
    "lost_link",
)
SUBJECTS = {
    "confirmed": "Registration confirmed",
    "waitlisted": "On the waiting list",
    "promoted": "A seat is yours",
    "pending": "Registration received, awaiting approval",
    "approved": "Registration approved",
    "rejected": "Registration not accepted",
    "updated": "Registration updated",
    "cancelled": "Registration cancelled",
    "lost_link": "Your registration link",
}
# Messages about a seat the delegate has: they show the programme and, when
# the registration is confirmed, carry the invitation (METHOD:REQUEST).
CONFIRMATION_KINDS = ("confirmed", "promoted", "approved", "updated")
DEFAULT_SENDER_NAME = "SCORE Workshop organisers"

# Wire-ready: CRLF line endings and only 7-bit data (non-ASCII headers are
# RFC 2047 encoded, bodies quoted-printable or base64), because the message is
# stored as bytes and handed to smtplib's sendmail() unchanged.
POLICY = email.policy.SMTP


def build_message(
    kind: str,
    registration: Registration,
    *,
    manage_url: str,
    base_url: str,
    sender: str,
    sender_name: str = DEFAULT_SENDER_NAME,
    waitlist_place: int | None = None,
    with_calendar: bool = True,
) -> EmailMessage:
    """The finished e-mail of ``kind`` (one of ``MESSAGE_KINDS``) to a delegate.

    ``sender`` is the event's organiser mailbox: it is both From and the
    calendar's ORGANIZER; it must differ from the delegate's address, for
    every kind (``ValueError``).
    ``waitlist_place`` is shown in the waiting-list message when given.
    """
    if kind not in MESSAGE_KINDS:
        raise ValueError(
            f"unknown message kind {kind!r}; expected one of {MESSAGE_KINDS}"
        )
    if registration.email.strip().casefold() == sender.strip().casefold():
        raise ValueError("the delegate cannot be the organiser mailbox")
    event = registration.event
    host = _host(base_url)
    # A cancellation carries a CANCEL only for someone who had an invitation.
    method = calendar_method(kind, registration) if with_calendar else None
    ics = None
    if method:
        ics = ical.personal_invitation(
            registration,
            base_url,
            method,
            organiser_email=sender,
            organiser_name=sender_name,
            manage_url=manage_url,
        )

    subject = f"{SUBJECTS[kind]}: {_one_line(event.title)} ({registration.reference})"
    show_programme = kind in CONFIRMATION_KINDS
    context = {
        "kind": kind,
        "subject": subject,
        "event": event,
        "registration": registration,
        "manage_url": manage_url,
        "event_url": f"{base_url.rstrip('/')}/events/{quote(event.slug, safe='')}/",
        "sender": sender,
        "sender_name": sender_name,
        "waitlist_place": waitlist_place,
        "calendar_method": method,
        "show_programme": show_programme,
        "programme": programme_by_day(event) if show_programme else [],
        "zone_label": _zone_label(event),
        "provisional_note": ical.PROVISIONAL_NOTE,
    }
    text = _tidy_text(render_template(f"email/{kind}.txt", **context))
    html = render_template(f"email/{kind}.html", **context)

    message = EmailMessage(policy=POLICY)
    message["From"] = Address(_one_line(sender_name), addr_spec=sender)
    message["To"] = Address(
        _one_line(registration.full_name), addr_spec=registration.email
    )
    message["Subject"] = subject
    message["Date"] = datetime.now(UTC).replace(microsecond=0)
    message["Message-ID"] = make_msgid(domain=host)
    # Asks mail servers and clients not to answer with vacation replies.
    message["Auto-Submitted"] = "auto-generated"

    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(
        html, subtype="html", charset="utf-8", cte="quoted-printable"
    )
    if ics is not None:
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
    return message


def calendar_method(kind: str, registration: Registration) -> str | None:
    """The METHOD of the calendar a message of ``kind`` carries, or None."""
    if kind == "cancelled":
        return "CANCEL"
    if kind in CONFIRMATION_KINDS and registration.status == "confirmed":
        return "REQUEST"
    return None


def _zone_label(event: Event) -> str:
    """'WIB, UTC+07:00' for Asia/Jakarta, at the workshop's first day."""
    start = datetime.combine(
        event.starts_on, datetime.min.time(), ZoneInfo(event.timezone)
    )
    offset = start.strftime("%z")
    return f"{start.tzname()}, UTC{offset[:3]}:{offset[3:]}"


def _host(base_url: str) -> str:
    host = urlsplit(base_url).hostname
    if not host:
        raise ValueError(f"base_url needs a scheme and a host: {base_url!r}")
    return host


def _one_line(text: str | None) -> str:
    """A header-safe display name: no control characters, no line breaks."""
    kept = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") else ch
        for ch in text or ""
    )
    return " ".join(kept.split())


def _tidy_text(text: str) -> str:
    """Template whitespace out: no trailing spaces, at most one blank line."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"
