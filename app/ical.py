"""Calendar files (iCalendar, RFC 5545) built from the models, as bytes.

Pure functions: they take model objects and plain values and need no request,
no application context and no database. The rules they follow (which METHOD,
when ORGANIZER/ATTENDEE appear, all-day dates, VTIMEZONE, SEQUENCE) are those
of ``ICAL.md``.

Texts are in the ``language`` given (a BCP 47 tag): the organisers'
translations of the event's texts, and the app's own words from its
catalogue when an application is active (English otherwise).

Files published for download or subscription (METHOD:PUBLISH) are
deterministic: their DTSTAMP is the time of the last change to what they show,
not the time of the request, so the same data gives the same bytes and
``calendar_etag`` can answer conditional GETs. E-mailed invitations
(REQUEST, CANCEL) are stamped with the current time.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from flask import has_app_context
from flask_babel import gettext
from icalendar import vCalAddress, vDuration
from icalendar.enums import STATUS, TRANSP

from app.i18n import DEFAULT_LANGUAGE, current_language, in_language

if TYPE_CHECKING:
    from app.models.events import Event, ProgrammeSession
    from app.models.registrations import Registration

PRODID = "-//ILO SCORE//Workshop registration//EN"
METHODS = ("PUBLISH", "REQUEST", "CANCEL")
# How often subscribers should re-fetch the programme feed (RFC 7986 and the
# older X-PUBLISHED-TTL that Outlook reads).
FEED_REFRESH = timedelta(hours=12)


def _(text: str, **values) -> str:
    """The app's words in the language of the moment; English when no
    application is active (these functions need none)."""
    if has_app_context():
        return gettext(text, **values)
    return text % values if values else text


def provisional_note() -> str:
    return _("Provisional programme: times and sessions may still change.")


def event_calendar(
    event: Event, event_url: str, language: str = DEFAULT_LANGUAGE
) -> bytes:
    """The whole workshop as one all-day event, for the event page's download.

    METHOD:PUBLISH without ORGANIZER or ATTENDEE, so clients import it quietly.
    """
    host = _host(event_url)
    changed = _latest(event.updated_at)
    cal = _new_calendar("PUBLISH", f"event-calendar-{event.id}@{host}")
    cal.add_component(
        _workshop_vevent(
            event,
            uid=f"event-{event.id}@{host}",
            sequence=event.sequence,
            description=_join_paragraphs(
                event.text_in("summary", language).text, event_url
            ),
            url=event_url,
            language=language,
            stamp=changed or _now(),
            last_modified=changed,
        )
    )
    return cal.to_ical()


def agenda_calendar(
    event: Event,
    sessions: Iterable[ProgrammeSession],
    event_url: str,
    language: str = DEFAULT_LANGUAGE,
) -> bytes:
    """The programme as a subscribable feed: one timed event per session.

    Times are written in the event's zone with its VTIMEZONE; the feed asks
    clients to refresh every twelve hours.
    """
    host = _host(event_url)
    zone = ZoneInfo(event.timezone)
    sessions = sorted(sessions, key=lambda s: (_utc(s.starts_at), s.id or 0))
    changed = _latest(event.updated_at, *(s.updated_at for s in sessions))
    stamp = changed or _now()

    cal = _new_calendar(
        "PUBLISH",
        f"agenda-{event.id}@{host}",
        # Sets both NAME (RFC 7986) and X-WR-CALNAME.
        name=_(
            "%(title)s — programme",
            title=_clean_line(event.text_in("title", language).text),
        ),
        last_modified=changed,
    )
    cal.add("X-WR-TIMEZONE", event.timezone)
    # icalendar's refresh_interval setter leaves out VALUE=DURATION, which
    # RFC 7986 requires.
    cal["REFRESH-INTERVAL"] = vDuration(FEED_REFRESH, params={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", vDuration(FEED_REFRESH))
    # Always present, so the feed has a component even with no sessions yet.
    cal.add_component(_vtimezone(event.timezone).copy(recursive=True))

    for session in sessions:
        description = _clean_text(session.text_in("description", language).text)
        if event.programme_is_provisional:
            description = _join_paragraphs(description, provisional_note())
        cal.add_component(
            icalendar.Event.new(
                uid=f"session-{session.id}@{host}",
                sequence=session.sequence or 0,
                stamp=stamp,
                start=_utc(session.starts_at).astimezone(zone),
                end=_utc(session.ends_at).astimezone(zone),
                summary=_clean_line(session.text_in("title", language).text),
                description=description or None,
                location=_clean_line(
                    session.location or event.text_in("location", language).text
                )
                or None,
                last_modified=_latest(session.updated_at),
            )
        )
    _ensure_timezones(cal)
    return cal.to_ical()


def personal_invitation(
    registration: Registration,
    event_url: str,
    method: str = "PUBLISH",
    *,
    organiser_email: str | None = None,
    organiser_name: str | None = None,
    manage_url: str | None = None,
    sequence: int | None = None,
    attendee: tuple[str, str] | None = None,
) -> bytes:
    """A delegate's own copy of the workshop, as an all-day event.

    ``PUBLISH`` is the downloadable ``invite.ics``: no ORGANIZER, no ATTENDEE.
    ``REQUEST`` (invitation or update) and ``CANCEL`` are for e-mail: they name
    the organiser and the delegate, so ``organiser_email`` is required, and it
    must not be the delegate's own address. The UID is stable per
    registration; the caller raises ``registration.sequence`` before sending
    an update or a cancellation. ``sequence`` and ``attendee`` (name, address)
    default to the registration's own; an e-mail queued earlier gives the
    values it was queued with. The texts are in the delegate's language.
    """
    with in_language(registration.language):
        method = method.upper()
        if method not in METHODS:
            raise ValueError(f"unknown METHOD {method!r}; expected one of {METHODS}")
        event = registration.event
        host = _host(event_url)
        changed = _latest(event.updated_at, registration.updated_at)

        if method == "PUBLISH":
            # Deterministic, so the download's ETag only changes with the data.
            stamp = changed or _now()
            extra = {}
        else:
            # Every e-mailed REQUEST or CANCEL is a new instance: a new DTSTAMP.
            stamp = _now()
            name, address = attendee or (registration.full_name, registration.email)
            extra = _invitation_parties(address, name, organiser_email, organiser_name)
            extra["status"] = (
                STATUS.CANCELLED if method == "CANCEL" else STATUS.CONFIRMED
            )

        language = current_language()
        reference = _clean_line(registration.reference)
        if method == "CANCEL":
            about = _(
                "Your registration %(reference)s has been cancelled.",
                reference=reference,
            )
        else:
            about = _("Your registration reference: %(reference)s", reference=reference)
        if manage_url:
            manage = _("Manage your registration: %(url)s", url=_clean_line(manage_url))
        else:
            manage = _(
                "To see or change your registration, use the link in your "
                "confirmation e-mail."
            )
        description = _join_paragraphs(
            event.text_in("summary", language).text,
            f"{about}\n{manage}",
            _("Event page: %(url)s", url=event_url),
        )

        cal = _new_calendar(method, f"registration-calendar-{registration.id}@{host}")
        cal.add_component(
            _workshop_vevent(
                event,
                uid=f"registration-{registration.id}@{host}",
                sequence=registration.sequence if sequence is None else sequence,
                description=description,
                url=event_url,
                stamp=stamp,
                last_modified=changed,
                language=language,
                **extra,
            )
        )
        return cal.to_ical()


def calendar_etag(ics: bytes) -> str:
    """A strong, quoted ETag for a calendar file: the SHA-256 of its bytes."""
    return f'"{hashlib.sha256(ics).hexdigest()}"'


def _new_calendar(method: str, uid: str, **kwargs) -> icalendar.Calendar:
    # Calendar.new() would otherwise invent a random UID on every call.
    return icalendar.Calendar.new(prodid=PRODID, method=method, uid=uid, **kwargs)


def _workshop_vevent(
    event: Event,
    *,
    uid: str,
    sequence: int | None,
    description: str,
    url: str,
    stamp: datetime,
    last_modified: datetime | None,
    language: str,
    **extra,
) -> icalendar.Event:
    """The workshop as an all-day event; DTEND of a DATE is exclusive."""
    return icalendar.Event.new(
        uid=uid,
        sequence=sequence or 0,
        stamp=stamp,
        start=event.starts_on,
        end=event.ends_on + timedelta(days=1),
        summary=_clean_line(event.text_in("title", language).text),
        location=_clean_line(event.text_in("location", language).text) or None,
        description=description or None,
        url=url,
        # Does not block the delegate's whole week on top of the sessions.
        transparency=TRANSP.TRANSPARENT,
        last_modified=last_modified,
        **extra,
    )


def _invitation_parties(
    attendee_email: str,
    attendee_name: str,
    organiser_email: str | None,
    organiser_name: str | None,
) -> dict:
    organiser = _clean_address(organiser_email)
    if not organiser:
        raise ValueError("organiser_email is required for REQUEST and CANCEL")
    attendee = _clean_address(attendee_email)
    if not attendee:
        raise ValueError("the registration has no e-mail address")
    if attendee.casefold() == organiser.casefold():
        raise ValueError("the delegate cannot be the organiser of the invitation")
    return {
        "organizer": vCalAddress.new(organiser, cn=_clean_line(organiser_name) or None),
        "attendees": [
            vCalAddress.new(
                attendee,
                cn=_clean_line(attendee_name) or None,
                cutype="INDIVIDUAL",
                role="REQ-PARTICIPANT",
                partstat="NEEDS-ACTION",
                rsvp=True,
            )
        ],
    }


@functools.lru_cache(maxsize=16)
def _vtimezone(tzid: str) -> icalendar.Timezone:
    """The VTIMEZONE that ``add_missing_timezones()`` would build, built once.

    Building one takes tens of milliseconds; callers add a copy of it.
    """
    return icalendar.Timezone.from_tzid(tzid)


def _ensure_timezones(cal: icalendar.Calendar) -> None:
    # Every TZID needs its VTIMEZONE, or Outlook shifts the event and Google
    # reads it as UTC.
    if cal.get_missing_tzids():
        cal.add_missing_timezones()
    missing = cal.get_missing_tzids()
    if missing:
        raise ValueError(f"no VTIMEZONE can be built for {sorted(missing)}")


def _host(event_url: str) -> str:
    """The host of the event page: the domain of every UID."""
    host = urlsplit(event_url).hostname
    if not host:
        raise ValueError(f"event_url needs a scheme and a host: {event_url!r}")
    return host


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime given where an instant is expected")
    return value.astimezone(UTC)


def _latest(*values: datetime | None) -> datetime | None:
    known = [_utc(value) for value in values if value is not None]
    return max(known) if known else None


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _is_dropped(ch: str) -> bool:
    # Control characters, and lone surrogates, which cannot be encoded.
    return unicodedata.category(ch) in ("Cc", "Cs")


def _clean_line(text: str | None) -> str:
    """One line of typed text: control characters out, line breaks as spaces."""
    if not text:
        return ""
    kept = "".join(
        (" " if ch.isspace() else "") if _is_dropped(ch) else ch for ch in text
    )
    return re.sub(" {2,}", " ", kept).strip()


def _clean_text(text: str | None) -> str:
    """Multi-line typed text: line breaks and tabs kept, other controls out."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or not _is_dropped(ch)).strip()


def _clean_address(address: str | None) -> str:
    # A CAL-ADDRESS is not escaped when written: no whitespace or controls.
    if not address:
        return ""
    return "".join(ch for ch in address if not (ch.isspace() or _is_dropped(ch)))


def _join_paragraphs(*parts: str | None) -> str:
    return "\n\n".join(p for p in (_clean_text(part) for part in parts) if p)
