"""Finding events and describing their seats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    CountryProgramme,
    Event,
    EventStatus,
    Registration,
)
from app.models.registrations import RegistrationStatus
from app.services.seats import held_in_each_programme


class EventNotFound(LookupError):
    pass


def event_by_slug(slug: str) -> Event:
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise EventNotFound(slug)
    return event


def front_page_events(today: date) -> tuple[list[Event], list[Event]]:
    """The public events for the site's front page: those not yet over,
    soonest first, and the past ones, latest first."""
    public = select(Event).where(
        Event.status.in_([EventStatus.PUBLISHED, EventStatus.CLOSED])
    )
    upcoming = db.session.scalars(
        public.where(Event.ends_on >= today).order_by(Event.starts_on, Event.id)
    )
    past = db.session.scalars(
        public.where(Event.ends_on < today).order_by(Event.starts_on.desc(), Event.id)
    )
    return list(upcoming), list(past)


@dataclass(frozen=True)
class ProgrammeSeats:
    code: str
    name: str
    quota: int
    taken: int
    waiting: int

    @property
    def free(self) -> int:
        return max(self.quota - self.taken, 0)


def seats_by_programme(event: Event) -> list[ProgrammeSeats]:
    """Seats taken (confirmed or pending) and people waiting, per programme,
    in one statement that reads the registrations' indexes only."""
    waiter = aliased(Registration)
    waiting = (
        select(func.count())
        .select_from(waiter)
        .where(
            waiter.programme_id == CountryProgramme.id,
            waiter.status == RegistrationStatus.WAITLISTED,
        )
        .correlate(CountryProgramme)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            CountryProgramme.code,
            CountryProgramme.name,
            CountryProgramme.quota,
            held_in_each_programme(),
            waiting,
        )
        .where(CountryProgramme.event_id == event.id)
        .order_by(CountryProgramme.sort_order, CountryProgramme.id)
    )
    return [ProgrammeSeats(*row) for row in rows]


def seats_left(event: Event) -> int:
    """Free seats: the programmes' free quotas, within the event's capacity."""
    seats = seats_by_programme(event)
    free = sum(p.free for p in seats)
    if event.capacity is None:
        return free
    return max(0, min(free, event.capacity - sum(p.taken for p in seats)))
