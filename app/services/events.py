"""Finding events and describing their seats."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    CountryProgramme,
    Event,
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


def default_event(preferred_slug: str) -> Event:
    """The event shown at ``/``: the configured one, else the earliest created."""
    event = db.session.scalar(
        select(Event).order_by(Event.slug != preferred_slug, Event.id).limit(1)
    )
    if event is None:
        raise EventNotFound(preferred_slug)
    return event


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
