"""Finding events and describing their seats.

The statements behind the public pages are built once (``functools.cache``)
with bound parameters: building a SQLAlchemy statement cost several times
more than PostgreSQL took to answer these ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    CountryProgramme,
    Event,
    EventContact,
    EventSupporter,
    ProgrammeSession,
    Registration,
)
from app.models.registrations import SEAT_HOLDING_STATUSES
from app.services.seats import held_in_each_programme


class EventNotFound(LookupError):
    pass


@cache
def _event_by_slug_statement() -> Select:
    return select(Event).where(Event.slug == bindparam("slug"))


def event_by_slug(slug: str) -> Event:
    event = db.session.scalar(_event_by_slug_statement(), {"slug": slug})
    if event is None:
        raise EventNotFound(slug)
    return event


def default_event(preferred_slug: str) -> Event:
    """The event shown at ``/``: the configured one, else the earliest created."""
    event = db.session.scalar(_event_by_slug_statement(), {"slug": preferred_slug})
    if event is None:
        event = db.session.scalar(select(Event).order_by(Event.id).limit(1))
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
    """Seats taken (confirmed or pending) and people waiting, per programme."""
    held = func.count(Registration.id).filter(
        Registration.status.in_(SEAT_HOLDING_STATUSES)
    )
    waiting = func.count(Registration.id).filter(Registration.status == "waitlisted")
    rows = db.session.execute(
        select(CountryProgramme, held, waiting)
        .outerjoin(Registration, Registration.programme_id == CountryProgramme.id)
        .where(CountryProgramme.event_id == event.id)
        .group_by(CountryProgramme.id)
        .order_by(CountryProgramme.sort_order, CountryProgramme.id)
    ).all()
    return [
        ProgrammeSeats(p.code, p.name, p.quota, taken, waiting)
        for p, taken, waiting in rows
    ]


@dataclass(frozen=True)
class ProgrammeAvailability:
    """A programme's seats as the public event page shows them."""

    code: str
    name: str
    quota: int
    taken: int
    # Whether anyone is waiting: the page says "waiting list" and shows no
    # count, and EXISTS reads one index entry where a count reads them all.
    waiting: bool

    @property
    def free(self) -> int:
        return max(self.quota - self.taken, 0)


def seat_availability(event: Event) -> list[ProgrammeAvailability]:
    """Seats taken and whether anyone waits, per programme, in one statement.

    Cheap at any size (the seats taken are at most the quotas, and each
    EXISTS stops at the first waiting delegate), so the event page can ask
    whenever it checks whether its cached copy is still current.
    """
    rows = db.session.connection().execute(
        _seat_availability_statement(), {"event_id": event.id}
    )
    return [ProgrammeAvailability(*row) for row in rows]


@cache
def _seat_availability_statement() -> Select:
    taken = held_in_each_programme()
    waiter = aliased(Registration)
    waiting = (
        select(waiter.id)
        .where(
            waiter.programme_id == CountryProgramme.id,
            waiter.status == "waitlisted",
        )
        .correlate(CountryProgramme)
        .exists()
    )
    return (
        select(
            CountryProgramme.code,
            CountryProgramme.name,
            CountryProgramme.quota,
            taken,
            waiting,
        )
        .where(CountryProgramme.event_id == bindparam("event_id"))
        .order_by(CountryProgramme.sort_order, CountryProgramme.id)
    )


@dataclass(frozen=True)
class ProgrammeVersion:
    """What changes whenever the event's sessions, contacts or supporters do.

    A session edit raises its SEQUENCE (so the sum grows even when two edits
    race), an added session moves the count and a deleted one the count and
    the event's ``updated_at``. Contacts and supporters are only written by
    ``flask seed``; their count and highest id would show any other change.
    """

    sessions: int
    sessions_updated_at: datetime | None
    session_sequences: int | None
    contacts: int
    last_contact_id: int | None
    supporters: int
    last_supporter_id: int | None


def programme_version(event: Event) -> ProgrammeVersion:
    """The event's ``ProgrammeVersion``, in one statement of index reads."""
    row = (
        db.session.connection()
        .execute(
            select(*_programme_version_columns(bindparam("event_id"))),
            {"event_id": event.id},
        )
        .one()
    )
    return ProgrammeVersion(*row)


def event_with_programme_version(slug: str) -> tuple[Event, ProgrammeVersion]:
    """The event and its ``ProgrammeVersion`` in one statement, for the pages
    that are cached: one round trip to the database for both."""
    row = db.session.execute(
        _event_with_programme_version_statement(), {"slug": slug}
    ).first()
    if row is None:
        raise EventNotFound(slug)
    return row[0], ProgrammeVersion(*row[1:])


@cache
def _event_with_programme_version_statement() -> Select:
    return select(Event, *_programme_version_columns(Event.id)).where(
        Event.slug == bindparam("slug")
    )


def _programme_version_columns(event_id) -> list:
    def of(model, column):
        return (
            select(column)
            .where(model.event_id == event_id)
            .correlate_except(model)
            .scalar_subquery()
        )

    return [
        of(ProgrammeSession, func.count(ProgrammeSession.id)),
        of(ProgrammeSession, func.max(ProgrammeSession.updated_at)),
        of(ProgrammeSession, func.sum(ProgrammeSession.sequence)),
        of(EventContact, func.count(EventContact.id)),
        of(EventContact, func.max(EventContact.id)),
        of(EventSupporter, func.count(EventSupporter.id)),
        of(EventSupporter, func.max(EventSupporter.id)),
    ]


@dataclass(frozen=True)
class ScheduledSession:
    title: str
    description: str
    starts: datetime
    ends: datetime
    location: str = ""


def programme_by_day(event: Event) -> list[tuple[date, list[ScheduledSession]]]:
    """The sessions in the event's local time, grouped by local day."""
    days: dict[date, list[ScheduledSession]] = {}
    for session in event.sessions:
        starts = session.starts_at.astimezone(event.zone)
        days.setdefault(starts.date(), []).append(
            ScheduledSession(
                session.title,
                session.description or "",
                starts,
                session.ends_at.astimezone(event.zone),
                session.location or "",
            )
        )
    return sorted(days.items())
