"""The numbers behind the organisers' dashboard and the events list.

Every figure comes from SQL aggregates (``count(...) FILTER``, ``GROUP BY``):
the dashboard issues the same four statements whether an event has five
registrations or fifty thousand, and the rows that come back are bounded by
the number of programmes, code combinations, days and travel plans, never by
the number of delegates. Python only adds up those grouped rows.

Every function takes ``only_country``, the viewer's scope (a coordinator's
programme code, or None for all programmes), and applies it to every query.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import aliased

from app import engine
from app.extensions import db
from app.models import CountryProgramme, Event, Organiser, Registration, TeamMember
from app.models.organisers import Role
from app.models.registrations import (
    CATEGORIES,
    DIETARY,
    GENDERS,
    SEAT_HOLDING_STATUSES,
    RegistrationStatus,
)
from app.services.attendees import in_programme

# Statuses of everyone still hoping to come: a visa letter may be needed.
ACTIVE_STATUSES = (*SEAT_HOLDING_STATUSES, RegistrationStatus.WAITLISTED)
# Days between the first and the last registration shown one by one, empty
# days included; a longer span lists only the days with registrations.
LONGEST_FILLED_SPAN = 366


@dataclass(frozen=True)
class ProgrammeCounts:
    code: str
    name: str
    quota: int
    confirmed: int
    pending: int
    waitlisted: int
    cancelled: int
    rejected: int
    checked_in: int
    visa_letters: int
    first_registered: datetime | None
    last_registered: datetime | None

    @property
    def held(self) -> int:
        """Seats taken: confirmed and pending registrations."""
        return self.confirmed + self.pending

    @property
    def free(self) -> int:
        return max(self.quota - self.held, 0)


@dataclass(frozen=True)
class StatusTotals:
    confirmed: int
    pending: int
    waitlisted: int
    cancelled: int
    rejected: int
    checked_in: int
    first_registered: datetime | None
    last_registered: datetime | None

    @classmethod
    def of(cls, programmes: list[ProgrammeCounts]) -> StatusTotals:
        """The sum of the programmes' counts."""
        firsts = [p.first_registered for p in programmes if p.first_registered]
        lasts = [p.last_registered for p in programmes if p.last_registered]
        return cls(
            **{
                name: sum(getattr(p, name) for p in programmes)
                for name in (*RegistrationStatus, "checked_in")
            },
            first_registered=min(firsts, default=None),
            last_registered=max(lasts, default=None),
        )

    @property
    def held(self) -> int:
        return self.confirmed + self.pending

    @property
    def total(self) -> int:
        return (
            self.confirmed
            + self.pending
            + self.waitlisted
            + self.cancelled
            + self.rejected
        )


@dataclass(frozen=True)
class Share:
    """One line of a breakdown: a stored code, its label and its count."""

    code: str
    label: str
    count: int


@dataclass(frozen=True)
class Breakdowns:
    # Seat holders (confirmed and pending) by category and by gender.
    categories: list[Share]
    genders: list[Share]
    # Confirmed delegates by dietary need, for the caterer.
    dietary: list[Share]


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int
    running_total: int


@dataclass(frozen=True)
class LogisticsDay:
    day: date
    arrivals: int
    departures: int
    # Confirmed delegates needing a room for the night starting on ``day``.
    rooms: int


@dataclass(frozen=True)
class Logistics:
    days: list[LogisticsDay]
    room_nights: int
    needing_rooms: int
    # Needing accommodation but missing a date: not in the room-nights.
    rooms_without_dates: int
    arrivals_unknown: int
    departures_unknown: int


@dataclass(frozen=True)
class Dashboard:
    totals: StatusTotals
    # The event's capacity, or for a coordinator the programme's quota.
    capacity: int | None
    programmes: list[ProgrammeCounts]
    breakdowns: Breakdowns
    registrations_per_day: list[DayCount]
    logistics: Logistics

    @property
    def visa_letters(self) -> int:
        return sum(p.visa_letters for p in self.programmes)


def event_dashboard(event: Event, only_country: str | None = None) -> Dashboard:
    """Every number of the event's dashboard, within the viewer's scope.

    Four statements, each one pass over the event's registrations: per
    programme, per profile (status, category, gender, diet), per local day of
    registration and per travel plan.
    """
    programmes = programme_counts(event, only_country)
    totals = StatusTotals.of(programmes)
    return Dashboard(
        totals=totals,
        capacity=sum(p.quota for p in programmes) if only_country else event.capacity,
        programmes=programmes,
        breakdowns=breakdowns(event, only_country),
        registrations_per_day=registrations_per_day(event, totals, only_country),
        logistics=logistics(event, only_country),
    )


def _scope(event: Event, only_country: str | None) -> list[ColumnElement[bool]]:
    """Conditions on Registration: the event's, and only the viewer's programme."""
    conditions = [Registration.event_id == event.id]
    if only_country:
        conditions.append(in_programme(event, only_country))
    return conditions


def _count(*conditions: ColumnElement[bool]):
    return func.count(Registration.id).filter(*conditions)


def programme_counts(
    event: Event, only_country: str | None = None
) -> list[ProgrammeCounts]:
    """Per programme in scope: its quota, registrations by status, delegates
    checked in, visa-letter requests, and its first and last registration."""
    status = Registration.status
    # The registrations are grouped by programme first and the few groups
    # joined to the programmes after: joining 50,000 registrations to their
    # programmes before grouping took PostgreSQL twice as long.
    numbers = {
        **{each.value: _count(status == each) for each in RegistrationStatus},
        "checked_in": _count(
            status == RegistrationStatus.CONFIRMED,
            Registration.checked_in_at.is_not(None),
        ),
        "visa_letters": _count(
            status.in_(ACTIVE_STATUSES), Registration.needs_visa_letter.is_(True)
        ),
    }
    counts = (
        select(
            Registration.programme_id,
            *(count.label(name) for name, count in numbers.items()),
            func.min(Registration.created_at).label("first_registered"),
            func.max(Registration.created_at).label("last_registered"),
        )
        .where(*_scope(event, only_country))
        .group_by(Registration.programme_id)
        .subquery()
    )
    query = (
        select(
            CountryProgramme.code,
            CountryProgramme.name,
            CountryProgramme.quota,
            *(func.coalesce(counts.c[name], 0).label(name) for name in numbers),
            counts.c.first_registered,
            counts.c.last_registered,
        )
        .outerjoin(counts, counts.c.programme_id == CountryProgramme.id)
        .where(CountryProgramme.event_id == event.id)
        .order_by(CountryProgramme.sort_order, CountryProgramme.id)
    )
    if only_country:
        query = query.where(CountryProgramme.code == only_country)
    return [ProgrammeCounts(**row._mapping) for row in db.session.execute(query)]


def _shares(counts: Counter[str], labels: dict[str, str]) -> list[Share]:
    """Every known code in its usual order, zeros included, then any other."""
    shares = [Share(code, label, counts[code]) for code, label in labels.items()]
    shares += [Share(code, code, n) for code, n in counts.items() if code not in labels]
    return shares


def breakdowns(event: Event, only_country: str | None = None) -> Breakdowns:
    """Seat holders by category and gender, confirmed delegates by diet.

    One GROUP BY over (status, category, gender, dietary): its rows are
    bounded by the number of code combinations, not of delegates, and Python
    adds them up into the three breakdowns.
    """
    profile = (
        Registration.status,
        Registration.category,
        Registration.gender,
        Registration.dietary,
    )
    rows = db.session.execute(
        select(*profile, func.count(Registration.id))
        .where(
            *_scope(event, only_country),
            Registration.status.in_(SEAT_HOLDING_STATUSES),
        )
        .group_by(*profile)
    ).all()
    categories: Counter[str] = Counter()
    genders: Counter[str] = Counter()
    diets: Counter[str] = Counter()
    for status, category, gender, dietary, count in rows:
        categories[category] += count
        genders[gender] += count
        if status == RegistrationStatus.CONFIRMED:
            diets[dietary] += count
    return Breakdowns(
        categories=_shares(categories, CATEGORIES),
        genders=_shares(genders, GENDERS),
        dietary=_shares(diets, DIETARY),
    )


def registrations_per_day(
    event: Event, totals: StatusTotals, only_country: str | None = None
) -> list[DayCount]:
    """Registrations received (whatever their status now) per day in the event's
    time zone, with the running total; ``totals`` gives the span to cover."""
    first, last = totals.first_registered, totals.last_registered
    if first is None or last is None:
        return []
    counts = _count_by_local_day(event, first, last, only_country)
    days = sorted(counts)
    if (days[-1] - days[0]).days <= LONGEST_FILLED_SPAN:
        days = [
            days[0] + timedelta(days=n) for n in range((days[-1] - days[0]).days + 1)
        ]
    running = 0
    result = []
    for day in days:
        running += counts.get(day, 0)
        result.append(DayCount(day, counts.get(day, 0), running))
    return result


def _count_by_local_day(
    event: Event, first: datetime, last: datetime, only_country: str | None
) -> dict[date, int]:
    return engine.count_by_local_day(
        Registration.created_at,
        _scope(event, only_country),
        event.timezone,
        first,
        last,
    )


def logistics(event: Event, only_country: str | None = None) -> Logistics:
    """Arrivals and departures per day, rooms per night and room-nights, for
    confirmed delegates.

    One GROUP BY over (arrival, departure, needs a room): a row per travel
    plan, however many delegates share it. A stay counts as
    (departure - arrival) room-nights per delegate, for those needing
    accommodation whose dates are both known.
    """
    plan = (
        Registration.arrival_date,
        Registration.departure_date,
        Registration.needs_accommodation,
    )
    plans = db.session.execute(
        select(*plan, func.count(Registration.id))
        .where(
            *_scope(event, only_country),
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .group_by(*plan)
    ).all()
    arrivals: Counter[date] = Counter()
    departures: Counter[date] = Counter()
    rooms: Counter[date] = Counter()
    room_nights = needing_rooms = without_dates = 0
    for arrival, departure, needs_room, count in plans:
        if arrival:
            arrivals[arrival] += count
        if departure:
            departures[departure] += count
        if not needs_room:
            continue
        needing_rooms += count
        if not (arrival and departure):
            without_dates += count
            continue
        nights = (departure - arrival).days
        room_nights += nights * count
        for night in range(nights):
            rooms[arrival + timedelta(days=night)] += count
    days = sorted(set(arrivals) | set(departures) | set(rooms))
    return Logistics(
        days=[
            LogisticsDay(day, arrivals[day], departures[day], rooms[day])
            for day in days
        ],
        room_nights=room_nights,
        needing_rooms=needing_rooms,
        rooms_without_dates=without_dates,
        arrivals_unknown=sum(n for a, _, _, n in plans if a is None),
        departures_unknown=sum(n for _, d, _, n in plans if d is None),
    )


@dataclass(frozen=True)
class EventHeadline:
    event: Event
    confirmed: int
    pending: int
    waitlisted: int
    # The event's capacity, or for a coordinator the programme's quota.
    capacity: int | None
    # The one programme a coordinator sees, or None.
    programme: str | None = None


def event_headlines(organiser: Organiser) -> list[EventHeadline]:
    """The events the organiser may open, with their confirmed, pending and
    waitlisted counts (a coordinator's: their programme's, against its
    quota), in one statement."""
    shown = (
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.PENDING,
        RegistrationStatus.WAITLISTED,
    )
    counted = [_count(Registration.status == each) for each in shown]
    if organiser.role is Role.ADMIN:
        query = select(Event, *counted, Event.capacity).outerjoin(
            Registration, Registration.event_id == Event.id
        )
    else:
        coordinating = TeamMember.role == Role.COORDINATOR
        theirs = aliased(CountryProgramme)
        quota = (
            select(theirs.quota)
            .where(theirs.event_id == Event.id, theirs.code == TeamMember.country_code)
            .scalar_subquery()
        )
        query = (
            select(
                Event,
                *counted,
                case((coordinating, quota), else_=Event.capacity),
                case((coordinating, TeamMember.country_code)),
            )
            .join(
                TeamMember,
                (TeamMember.event_id == Event.id)
                & (TeamMember.organiser_id == organiser.id),
            )
            .outerjoin(
                CountryProgramme,
                (CountryProgramme.event_id == Event.id)
                & (~coordinating | (CountryProgramme.code == TeamMember.country_code)),
            )
            .outerjoin(Registration, Registration.programme_id == CountryProgramme.id)
            .group_by(TeamMember.id)
        )
    query = query.group_by(Event.id).order_by(Event.starts_on.desc(), Event.id)
    return [EventHeadline(*row) for row in db.session.execute(query)]
