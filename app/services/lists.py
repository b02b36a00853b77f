"""The organisers' working lists and the public participant list.

Every organiser list takes ``only_country``, the viewer's scope (a
coordinator's programme, or None for all), so one query serves the page and
its CSV and the scope cannot be left out of either.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby

from sqlalchemy import Select, func, select

from app.extensions import db
from app.models import CountryProgramme, Event, Registration, VisaLetter
from app.models.registrations import DIETARY, RegistrationStatus

# Who is on the visa-letter list: everyone who may still come to Bogor.
VISA_LETTER_STATUSES = (
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.PENDING,
    RegistrationStatus.WAITLISTED,
)

# Names sort case-insensitively, with the exact name and the id breaking ties
# so the order is the same on every request and every engine.
BY_NAME = (func.lower(Registration.full_name), Registration.full_name, Registration.id)


def _delegates(event: Event, only_country: str | None, *statuses: str) -> Select:
    """Rows of (Registration, programme code, programme name) in scope."""
    query = (
        select(Registration, CountryProgramme.code, CountryProgramme.name)
        .join(CountryProgramme, Registration.programme_id == CountryProgramme.id)
        .where(Registration.event_id == event.id, Registration.status.in_(statuses))
    )
    if only_country:
        query = query.where(CountryProgramme.code == only_country)
    return query


def _stream(query: Select) -> Iterator:
    """All rows, fetched in batches (a server-side cursor on PostgreSQL)."""
    yield from db.session.execute(query.execution_options(yield_per=500))


def event_days(event: Event) -> list[date]:
    """Every day of the event, first to last: one signature column each."""
    length = (event.ends_on - event.starts_on).days + 1
    return [event.starts_on + timedelta(days=n) for n in range(length)]


# --- sign-in sheets ---------------------------------------------------------


def sign_in_query(
    event: Event, only_country: str | None, programme_code: str | None = None
) -> Select:
    """Confirmed delegates by programme (in the event's order), then by name."""
    query = _delegates(event, only_country, RegistrationStatus.CONFIRMED)
    if programme_code:
        query = query.where(CountryProgramme.code == programme_code)
    return query.order_by(CountryProgramme.sort_order, CountryProgramme.id, *BY_NAME)


def sign_in_sheets(
    event: Event, only_country: str | None, programme_code: str | None = None
) -> list[tuple[CountryProgramme, list[Registration]]]:
    """A sheet per programme in scope (or just ``programme_code``'s).

    A programme with nobody confirmed still gets its sheet, to print blank.
    """
    programmes = [
        p
        for p in event.programmes
        if only_country in (None, p.code) and programme_code in (None, p.code)
    ]
    query = sign_in_query(event, only_country, programme_code)
    by_code = {
        code: [row[0] for row in rows]
        for code, rows in groupby(db.session.execute(query), key=lambda row: row[1])
    }
    return [(p, by_code.get(p.code, [])) for p in programmes]


def stream_sign_in(
    event: Event, only_country: str | None, programme_code: str | None = None
) -> Iterator:
    return _stream(sign_in_query(event, only_country, programme_code))


# --- rooming list -----------------------------------------------------------


def nights(arrival: date | None, departure: date | None) -> int | None:
    """Hotel nights from arrival to departure; None when a date is missing."""
    if arrival is None or departure is None:
        return None
    return max((departure - arrival).days, 0)


def rooming_query(event: Event, only_country: str | None) -> Select:
    """Confirmed delegates who asked for a hotel room, by name."""
    return (
        _delegates(event, only_country, RegistrationStatus.CONFIRMED)
        .where(Registration.needs_accommodation.is_(True))
        .order_by(*BY_NAME)
    )


def rooming_list(event: Event, only_country: str | None) -> list:
    return db.session.execute(rooming_query(event, only_country)).all()


def stream_rooming(event: Event, only_country: str | None) -> Iterator:
    return _stream(rooming_query(event, only_country))


@dataclass(frozen=True)
class RoomingTotals:
    """What the hotel needs to hear: rooms per night and room-nights in all."""

    delegates: int
    room_nights: int
    without_dates: int
    rooms_per_night: list[tuple[date, int]]


def rooming_totals(registrations: list[Registration]) -> RoomingTotals:
    """Totals over the rooming list; one delegate takes one room a night."""
    per_night: dict[date, int] = {}
    without_dates = 0
    for registration in registrations:
        count = nights(registration.arrival_date, registration.departure_date)
        if count is None:
            without_dates += 1
            continue
        for n in range(count):
            night = registration.arrival_date + timedelta(days=n)
            per_night[night] = per_night.get(night, 0) + 1
    return RoomingTotals(
        delegates=len(registrations),
        room_nights=sum(per_night.values()),
        without_dates=without_dates,
        rooms_per_night=sorted(per_night.items()),
    )


# --- catering ---------------------------------------------------------------


def dietary_counts(event: Event, only_country: str | None) -> dict[str, int]:
    """Confirmed delegates per dietary code, every code listed (zeros too)."""
    query = (
        select(Registration.dietary, func.count(Registration.id))
        .join(CountryProgramme, Registration.programme_id == CountryProgramme.id)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .group_by(Registration.dietary)
    )
    if only_country:
        query = query.where(CountryProgramme.code == only_country)
    counted = dict(db.session.execute(query).all())
    return {code: counted.get(code, 0) for code in DIETARY}


def catering_query(event: Event, only_country: str | None) -> Select:
    """Confirmed delegates the caterers must know about, by name.

    That is a diet other than "none", and also "none" with details written
    in: the form asks for allergies there, and an allergy must not be lost.
    """
    return (
        _delegates(event, only_country, RegistrationStatus.CONFIRMED)
        .where((Registration.dietary != "none") | (Registration.dietary_detail != ""))
        .order_by(*BY_NAME)
    )


def catering_list(event: Event, only_country: str | None) -> list:
    return db.session.execute(catering_query(event, only_country)).all()


def stream_catering(event: Event, only_country: str | None) -> Iterator:
    return _stream(catering_query(event, only_country))


# --- visa letters -----------------------------------------------------------


def visa_letter_query(event: Event, only_country: str | None) -> Select:
    """Delegates who may still come and asked for a visa letter, by name,
    each with the latest decision on the request (or None)."""
    latest = (
        select(func.max(VisaLetter.id))
        .where(VisaLetter.registration_id == Registration.id)
        .correlate(Registration)
        .scalar_subquery()
    )
    return (
        _delegates(event, only_country, *VISA_LETTER_STATUSES)
        .add_columns(VisaLetter)
        .outerjoin(VisaLetter, VisaLetter.id == latest)
        .where(Registration.needs_visa_letter.is_(True))
        .order_by(*BY_NAME)
    )


def visa_letter_list(event: Event, only_country: str | None) -> list:
    return db.session.execute(visa_letter_query(event, only_country)).all()


def stream_visa_letters(event: Event, only_country: str | None) -> Iterator:
    return _stream(visa_letter_query(event, only_country))


# --- the public participant list --------------------------------------------


@dataclass(frozen=True)
class Participant:
    """Only what a delegate agreed to show: never an e-mail or phone."""

    full_name: str
    organisation: str


def public_participants(
    event: Event,
) -> list[tuple[CountryProgramme, list[Participant]]]:
    """Confirmed delegates who opted in, grouped by programme (empty ones left out)."""
    query = (
        select(Registration.full_name, Registration.organisation, CountryProgramme)
        .join(CountryProgramme, Registration.programme_id == CountryProgramme.id)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.listed_publicly.is_(True),
            Registration.anonymised_at.is_(None),
        )
        .order_by(CountryProgramme.sort_order, CountryProgramme.id, *BY_NAME)
    )
    return [
        (programme, [Participant(name, organisation) for name, organisation, _ in rows])
        for programme, rows in groupby(
            db.session.execute(query), key=lambda row: row[2]
        )
    ]
