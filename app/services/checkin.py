"""On site: finding delegates at the desk and counting who is present."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import Row, func, select
from sqlalchemy.orm import contains_eager

from app.extensions import db
from app.models import CountryProgramme, Event, Registration
from app.models.registrations import RegistrationStatus
from app.search import fold
from app.services.attendees import AttendeeFilters, matching

MAX_MATCHES = 20
# A check-in code on its own, or at the end of the badge's address.
CHECK_IN_CODE = re.compile(r"(?:^|/check-in/)([A-Za-z0-9_-]{22})/?$")


def code_in(query: str) -> str | None:
    """The check-in code in what was typed or scanned into the search box."""
    match = CHECK_IN_CODE.search(query.strip())
    return match.group(1) if match else None


def find_delegates(
    event: Event, query: str, only_country: str | None = None
) -> list[Registration]:
    """Confirmed delegates whose name, e-mail, organisation or reference match,
    searched as the attendee list searches."""
    if not fold(query).split():
        return []
    filters = AttendeeFilters(q=query, status=RegistrationStatus.CONFIRMED)
    return list(
        db.session.scalars(
            select(Registration)
            .where(*matching(event, filters, only_country))
            .order_by(Registration.full_name)
            .limit(MAX_MATCHES)
        )
    )


def present_by_programme(event: Event, only_country: str | None = None) -> list[Row]:
    """Rows of (code, name, present, confirmed), one per programme in scope."""
    present = func.count(Registration.id).filter(
        Registration.checked_in_at.is_not(None)
    )
    confirmed = func.count(Registration.id)
    statement = (
        select(
            CountryProgramme.code,
            CountryProgramme.name,
            present.label("present"),
            confirmed.label("confirmed"),
        )
        .outerjoin(
            Registration,
            (Registration.programme_id == CountryProgramme.id)
            & (Registration.status == RegistrationStatus.CONFIRMED),
        )
        .where(CountryProgramme.event_id == event.id)
        .group_by(CountryProgramme.id, CountryProgramme.name)
        .order_by(CountryProgramme.sort_order)
    )
    if only_country:
        statement = statement.where(CountryProgramme.code == only_country)
    return list(db.session.execute(statement))


def attended(
    event: Event, now: datetime, only_country: str | None = None
) -> list[tuple[Registration, int]]:
    """The delegates with a certificate of attendance, by programme and name,
    each with their days attended (see ``certificate_available``)."""
    if _today(event, now) < event.starts_on:
        return []
    statement = (
        select(Registration)
        .join(CountryProgramme, Registration.programme_id == CountryProgramme.id)
        .where(
            Registration.event_id == event.id,
            Registration.checked_in_at.is_not(None),
            Registration.anonymised_at.is_(None),
        )
        .options(contains_eager(Registration.programme))
        .order_by(CountryProgramme.sort_order, Registration.full_name, Registration.id)
    )
    if only_country:
        statement = statement.where(CountryProgramme.code == only_country)
    return [(r, days_attended(r, now)) for r in db.session.scalars(statement)]


def certificate_available(registration: Registration, now: datetime) -> bool:
    """A certificate of attendance: for a delegate checked in whose data is
    kept, from the event's first day on (on the event's clocks)."""
    return (
        registration.checked_in_at is not None
        and registration.anonymised_at is None
        and _today(registration.event, now) >= registration.event.starts_on
    )


def days_attended(registration: Registration, now: datetime) -> int:
    """The event's days from the delegate's first check-in to today or the
    last day, whichever comes first (one check-in is kept, not one a day)."""
    event = registration.event
    if registration.checked_in_at is None:
        return 0
    last = min(_today(event, now), event.ends_on)
    first = min(registration.checked_in_at.astimezone(event.zone).date(), last)
    return (last - max(first, event.starts_on)).days + 1


def _today(event: Event, now: datetime) -> date:
    return now.astimezone(event.zone).date()
