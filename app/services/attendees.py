"""Queries behind the organisers' attendee list and its CSV."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, false, func, select

from app.extensions import db
from app.models import CountryProgramme, Event, Registration
from app.models.registrations import CATEGORIES, STATUSES
from app.search import fold


@dataclass(frozen=True)
class AttendeeFilters:
    """Filters from the query string; unknown values simply match nothing."""

    q: str = ""
    country: str = ""
    status: str = ""
    category: str = ""
    sort: str = ""

    @classmethod
    def from_args(cls, args) -> AttendeeFilters:
        def one(name: str, limit: int) -> str:
            value = args.get(name, "")
            return value.strip()[:limit] if isinstance(value, str) else ""

        return cls(
            q=one("q", 200),
            country=one("country", 2).upper(),
            status=one("status", 20),
            category=one("category", 20),
            sort=one("sort", 20),
        )

    def as_args(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


def _waitlist_ranks():
    """Each waitlisted registration's place in its programme's queue."""
    return (
        select(
            Registration.id.label("registration_id"),
            func.row_number()
            .over(
                partition_by=Registration.programme_id,
                order_by=(Registration.waitlist_position, Registration.id),
            )
            .label("place"),
        )
        .where(Registration.status == "waitlisted")
        .subquery()
    )


SORTS = {
    "registered": (Registration.created_at, Registration.id),
    "name": (Registration.full_name, Registration.id),
    "country": (CountryProgramme.name, Registration.created_at, Registration.id),
    "status": (Registration.status, Registration.created_at, Registration.id),
    "reference": (Registration.reference,),
}


def attendee_query(
    event: Event, filters: AttendeeFilters, only_country: str | None = None
) -> Select:
    """Rows of (Registration, programme code, programme name, waiting-list place).

    ``only_country`` is the viewer's scope (a coordinator's programme); the
    filters narrow further within it.
    """
    ranks = _waitlist_ranks()
    query = (
        select(
            Registration,
            CountryProgramme.code,
            CountryProgramme.name,
            ranks.c.place,
        )
        .join(CountryProgramme, Registration.programme_id == CountryProgramme.id)
        .outerjoin(ranks, ranks.c.registration_id == Registration.id)
        .where(Registration.event_id == event.id)
    )
    if only_country:
        query = query.where(CountryProgramme.code == only_country)
    if filters.country:
        query = query.where(CountryProgramme.code == filters.country)
    if filters.status:
        query = query.where(
            Registration.status == filters.status
            if filters.status in STATUSES
            else false()
        )
    if filters.category:
        query = query.where(
            Registration.category == filters.category
            if filters.category in CATEGORIES
            else false()
        )
    for word in fold(filters.q).split():
        pattern = f"%{_escape_like(word)}%"
        query = query.where(Registration.search_text.like(pattern, escape="\\"))
    return query.order_by(*SORTS.get(filters.sort, SORTS["registered"]))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def count_attendees(
    event: Event, filters: AttendeeFilters, only_country: str | None = None
) -> int:
    query = attendee_query(event, filters, only_country).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(query))


def attendee_page(
    event: Event,
    filters: AttendeeFilters,
    page: int,
    per_page: int,
    only_country: str | None = None,
):
    query = attendee_query(event, filters, only_country)
    return db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()


def stream_attendees(
    event: Event, filters: AttendeeFilters, only_country: str | None = None
):
    """All matching rows, fetched in batches (a server-side cursor on PostgreSQL)."""
    result = db.session.execute(
        attendee_query(event, filters, only_country).execution_options(yield_per=500)
    )
    yield from result
