"""On site: finding delegates at the desk and counting who is present."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import CountryProgramme, Event, Registration
from app.models.registrations import RegistrationStatus
from app.search import fold

MAX_MATCHES = 20


def find_delegates(
    event: Event, query: str, only_country: str | None = None
) -> list[Registration]:
    """Confirmed delegates whose name, e-mail, organisation or reference match."""
    words = fold(query).split()
    if not words:
        return []
    statement = (
        select(Registration)
        .join(CountryProgramme, Registration.programme_id == CountryProgramme.id)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    )
    if only_country:
        statement = statement.where(CountryProgramme.code == only_country)
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(
            Registration.search_text.like(f"%{escaped}%", escape="\\")
        )
    return list(
        db.session.scalars(
            statement.order_by(Registration.full_name).limit(MAX_MATCHES)
        )
    )


def present_by_programme(
    event: Event, only_country: str | None = None
) -> list[tuple[str, int, int]]:
    """(programme name, present, confirmed) for each programme in scope."""
    present = func.count(Registration.id).filter(
        Registration.checked_in_at.is_not(None)
    )
    confirmed = func.count(Registration.id)
    statement = (
        select(CountryProgramme.name, present, confirmed)
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
    return [tuple(row) for row in db.session.execute(statement)]
