"""Making events: creating one, cloning one, its life cycle and the country
programmes taking part.

Every function runs in the caller's transaction and leaves the commit to it.
A refused value raises SettingsError naming the form field to blame.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    CountryProgramme,
    Event,
    EventContact,
    EventStatus,
    EventSupporter,
    ProgrammeSession,
    Registration,
    TeamMember,
)
from app.models.types import json_ready
from app.services import audit, seats
from app.services.audit import Actor
from app.services.event_settings import SettingsError, check_dates
from app.services.registration import refuse_if_archived
from app.validation import country_codes

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX = 80
# What a clone copies of its source as it is; the rest is set or shifted.
CLONED_COLUMNS = (
    "summary",
    "purpose",
    "background",
    "location",
    "host",
    "capacity",
    "approval_required",
    "confirm_email",
    "organiser_email",
    "default_language",
    "privacy_notice_version",
    "letter_address",
    "letter_signatory_name",
    "letter_signatory_title",
    "letter_sponsorship",
    "programme_is_provisional",
)


@dataclass
class NewEvent:
    """An event as an admin first describes it."""

    slug: str
    title: str
    starts_on: date
    ends_on: date
    timezone: str
    location: str
    capacity: int | None = None
    host: str = ""
    summary: str = ""
    organiser_email: str | None = None
    approval_required: bool = False
    confirm_email: bool = False
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    # The language its texts are written in; others are translations.
    default_language: str = "en"


def _check_slug(slug: str) -> str:
    if not SLUG.fullmatch(slug) or len(slug) > SLUG_MAX:
        raise SettingsError(
            "slug",
            _(
                "Use lower-case letters, digits and single hyphens, "
                "such as score-bogota-2012."
            ),
        )
    if db.session.scalar(select(Event.id).where(Event.slug == slug)):
        raise SettingsError("slug", _("Another event already has this address."))
    return slug


def _check_timezone(name: str) -> str:
    if name not in available_timezones():
        raise SettingsError(
            "timezone",
            _("Give a time zone by its IANA name, such as America/Bogota."),
        )
    return name


def create_event(new: NewEvent, actor: Actor) -> Event:
    """A new event, as a draft with no programmes yet."""
    _check_slug(new.slug)
    _check_timezone(new.timezone)
    check_dates(new.starts_on, new.ends_on)
    if new.capacity is not None and new.capacity < 0:
        raise SettingsError("capacity", _("The capacity cannot be negative."))
    event = Event(**asdict(new), status=EventStatus.DRAFT)
    db.session.add(event)
    db.session.flush()
    audit.record(
        "event_created",
        actor,
        event=event,
        after={k: json_ready(v) for k, v in asdict(new).items()},
    )
    return event


def clone_event(
    source: Event,
    *,
    slug: str,
    title: str,
    starts_on: date,
    timezone: str | None,
    actor: Actor,
) -> Event:
    """A draft copy of ``source``: its settings, programmes and quotas,
    contacts, supporters, letter settings and sessions, the sessions moved
    to the new first day at the same local times (in the new zone, if one is
    given). No registrations, no team: its admins invite them."""
    _check_slug(slug)
    zone_name = _check_timezone(timezone or source.timezone)
    shift = starts_on - source.starts_on
    event = Event(
        slug=slug,
        title=title,
        starts_on=starts_on,
        ends_on=source.ends_on + shift,
        timezone=zone_name,
        status=EventStatus.DRAFT,
        **{name: getattr(source, name) for name in CLONED_COLUMNS},
    )
    # The other languages' texts, except the title, which is new.
    event.translations = {
        language: {k: v for k, v in texts.items() if k != "title"}
        for language, texts in (source.translations or {}).items()
    }
    new_zone = ZoneInfo(zone_name)
    event.registration_opens_at, event.registration_closes_at = (
        _moved(instant, source.zone, new_zone, shift) if instant else None
        for instant in (source.registration_opens_at, source.registration_closes_at)
    )
    event.programmes = [
        CountryProgramme(
            code=p.code, name=p.name, quota=p.quota, sort_order=p.sort_order
        )
        for p in source.programmes
    ]
    event.contacts = [
        EventContact(
            name=c.name,
            role=c.role,
            phone=c.phone,
            email=c.email,
            sort_order=c.sort_order,
        )
        for c in source.contacts
    ]
    event.supporters = [
        EventSupporter(kind=s.kind, name=s.name, sort_order=s.sort_order)
        for s in source.supporters
    ]
    event.sessions = [
        ProgrammeSession(
            starts_at=_moved(session.starts_at, source.zone, new_zone, shift),
            ends_at=_moved(session.ends_at, source.zone, new_zone, shift),
            title=session.title,
            description=session.description,
            location=session.location,
            translations=session.translations,
        )
        for session in source.sessions
    ]
    db.session.add(event)
    db.session.flush()
    audit.record(
        "event_cloned",
        actor,
        event=event,
        before={"slug": source.slug},
        after={
            "slug": slug,
            "title": title,
            "starts_on": starts_on.isoformat(),
            "timezone": zone_name,
        },
    )
    return event


def _moved(
    instant: datetime, old_zone: ZoneInfo, new_zone: ZoneInfo, shift
) -> datetime:
    """The same local time, ``shift`` days later, on the new zone's clocks."""
    local = instant.astimezone(old_zone).replace(tzinfo=None) + shift
    return local.replace(tzinfo=new_zone).astimezone(UTC)


def set_status(event: Event, status: str, actor: Actor) -> bool:
    """Move the event in its life cycle; False when it is there already."""
    try:
        status = EventStatus(status)
    except ValueError:
        raise SettingsError(
            "status",
            _(
                "The status is one of %(statuses)s.",
                statuses=", ".join(s.value for s in EventStatus),
            ),
        ) from None
    if event.status is status:
        return False
    audit.record(
        "status_changed",
        actor,
        event=event,
        before={"status": event.status.value},
        after={"status": status.value},
    )
    event.status = status
    return True


def add_programme(
    event: Event, code: str, quota: int, actor: Actor
) -> CountryProgramme:
    """A country programme takes part, with its quota of seats."""
    code = code.strip().upper()
    if code not in country_codes():
        raise SettingsError(
            "code", _("%(code)s is not an ISO 3166-1 country code.", code=code[:8])
        )
    if quota < 0:
        raise SettingsError("quota", _("A quota cannot be negative."))
    refuse_if_archived(event)
    event = seats.lock_event(event.id)
    if event.programme_by_code(code) is not None:
        raise SettingsError(
            "code", _("%(code)s already takes part in this event.", code=code)
        )
    last = db.session.scalar(
        select(func.max(CountryProgramme.sort_order)).where(
            CountryProgramme.event_id == event.id
        )
    )
    programme = CountryProgramme(
        event=event,
        code=code,
        name=Locale.parse("en").territories.get(code, code),
        quota=quota,
        sort_order=0 if last is None else last + 1,
    )
    db.session.add(programme)
    audit.record(
        "programme_added", actor, event=event, after={"code": code, "quota": quota}
    )
    return programme


def remove_programme(event: Event, code: str, actor: Actor) -> None:
    """A programme no longer takes part; refused while it has registrations
    (of any status) or a coordinator."""
    code = code.strip().upper()
    refuse_if_archived(event)
    event = seats.lock_event(event.id)
    programme = event.programme_by_code(code)
    if programme is None:
        raise SettingsError(
            "code", _("%(code)s does not take part in this event.", code=code[:8])
        )
    registrations = db.session.scalar(
        select(func.count()).where(Registration.programme_id == programme.id)
    )
    if registrations:
        raise SettingsError(
            "code",
            ngettext(
                "%(code)s has %(num)d registration; a programme with "
                "registrations cannot be removed.",
                "%(code)s has %(num)d registrations; a programme with "
                "registrations cannot be removed.",
                registrations,
                code=code,
            ),
        )
    coordinators = db.session.scalar(
        select(func.count()).where(
            TeamMember.event_id == event.id, TeamMember.country_code == code
        )
    )
    if coordinators:
        raise SettingsError(
            "code",
            _("%(code)s has a coordinator in the team: remove them first.", code=code),
        )
    audit.record(
        "programme_removed",
        actor,
        event=event,
        before={"code": code, "quota": programme.quota},
    )
    event.programmes.remove(programme)
    db.session.delete(programme)


@dataclass
class ContactDetails:
    """Someone delegates may ask, shown on the event page and in e-mails."""

    name: str
    role: str = ""
    phone: str = ""
    email: str = ""


def add_contact(event: Event, details: ContactDetails, actor: Actor) -> EventContact:
    last = max((c.sort_order for c in event.contacts), default=-1)
    contact = EventContact(event=event, sort_order=last + 1, **asdict(details))
    db.session.add(contact)
    audit.record("contact_added", actor, event=event, after=asdict(details))
    return contact


def remove_contact(event: Event, contact: EventContact, actor: Actor) -> None:
    audit.record(
        "contact_removed",
        actor,
        event=event,
        before={"name": contact.name, "email": contact.email},
    )
    event.contacts.remove(contact)
    db.session.delete(contact)
