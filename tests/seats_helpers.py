"""Registering through the service, for tests about seats and statuses."""

from __future__ import annotations

import itertools

from sqlalchemy import func, select

from app.extensions import db
from app.models import CountryProgramme, Event, Registration
from app.services.registration import DelegateDetails, register_delegate

_numbers = itertools.count(1)


def the_event() -> Event:
    return db.session.scalar(select(Event))


def sign_up(country: str = "GH", email: str | None = None) -> Registration:
    """Register one delegate and commit, as the register view does."""
    details = DelegateDetails(
        full_name=f"Delegate {next(_numbers)}",
        email=email or f"delegate{next(_numbers)}@example.org",
        country=country,
        organisation="SCORE",
        category="score_team",
    )
    created = register_delegate(the_event(), details, privacy_notice_version="1")
    db.session.commit()
    return created.registration


def statuses(country: str | None = None) -> dict[str, int]:
    query = select(Registration.status, func.count(Registration.id)).group_by(
        Registration.status
    )
    if country:
        query = query.join(CountryProgramme).where(CountryProgramme.code == country)
    return dict(db.session.execute(query).all())


def assert_seats_within_limits() -> None:
    """The guarantee: no quota and no capacity is ever exceeded."""
    event = the_event()
    held_total = 0
    for programme in event.programmes:
        held = db.session.scalar(
            select(func.count(Registration.id)).where(
                Registration.programme_id == programme.id,
                Registration.status.in_(("confirmed", "pending")),
            )
        )
        assert held <= programme.quota, (programme.code, held, programme.quota)
        held_total += held
    if event.capacity is not None:
        assert held_total <= event.capacity
