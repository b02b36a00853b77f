"""Seat allocation under database locks.

On PostgreSQL the event row (total capacity) and then the programme row
(quota) are locked with ``SELECT ... FOR UPDATE``, always in that order, so
concurrent registrations for the same event queue up instead of overbooking.
SQLite has no row locks: a write to the event row as the first statement of
the transaction takes SQLite's single writer lock, which serialises writers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text

from app.extensions import db
from app.models import CountryProgramme, Event, Registration
from app.models.registrations import SEAT_HOLDING_STATUSES


@dataclass(frozen=True)
class LockedSeats:
    event: Event
    programme: CountryProgramme


def lock_seats(event_id: int, programme_id: int) -> LockedSeats:
    """Lock the event, then the programme, for the rest of the transaction."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            text("UPDATE events SET id = id WHERE id = :id"), {"id": event_id}
        )
    event = db.session.scalars(
        select(Event)
        .where(Event.id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    programme = db.session.scalars(
        select(CountryProgramme)
        .where(CountryProgramme.id == programme_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return LockedSeats(event, programme)


def seats_held(event_id: int, programme_id: int | None = None) -> int:
    query = select(func.count(Registration.id)).where(
        Registration.event_id == event_id,
        Registration.status.in_(SEAT_HOLDING_STATUSES),
    )
    if programme_id is not None:
        query = query.where(Registration.programme_id == programme_id)
    return db.session.scalar(query)


def has_free_seat(locked: LockedSeats) -> bool:
    """Whether one more delegate of the locked programme fits now."""
    if seats_held(locked.event.id, locked.programme.id) >= locked.programme.quota:
        return False
    capacity = locked.event.capacity
    return capacity is None or seats_held(locked.event.id) < capacity


def anyone_waiting(programme_id: int) -> bool:
    return (
        db.session.scalar(
            select(Registration.id)
            .where(
                Registration.programme_id == programme_id,
                Registration.status == "waitlisted",
            )
            .limit(1)
        )
        is not None
    )


def next_waitlist_ticket(programme_id: int) -> int:
    """The next place in the programme's queue (taken under the programme lock)."""
    highest = db.session.scalar(
        select(func.max(Registration.waitlist_position)).where(
            Registration.programme_id == programme_id
        )
    )
    return (highest or 0) + 1
