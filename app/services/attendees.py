"""Queries behind the organisers' attendee list and its CSV."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, func, select

from app.extensions import db
from app.models import CountryProgramme, Event, Registration
from app.models.registrations import CATEGORIES, STATUSES
from app.search import fold
from app.services.seats import waitlist_places


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


def _waitlist_ranks(event: Event):
    """Each waitlisted registration's place in its programme's queue.

    One window over the whole event: right for the CSV, which lists every
    row anyway; a page of the list asks ``seats.waitlist_places`` for its
    own rows only.
    """
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
        .where(Registration.event_id == event.id, Registration.status == "waitlisted")
        .subquery()
    )


SORTS = {
    "registered": (Registration.created_at, Registration.id),
    "name": (Registration.full_name, Registration.id),
    "country": (CountryProgramme.name, Registration.created_at, Registration.id),
    "status": (Registration.status, Registration.created_at, Registration.id),
    "reference": (Registration.reference,),
}


def in_programme(event: Event, code: str) -> ColumnElement[bool]:
    """Registrations of the event's programme ``code``, as a condition.

    The programme is matched by id through a subquery rather than a join, so
    a count needs no join: it reads the registrations' index only.
    """
    return Registration.programme_id.in_(
        select(CountryProgramme.id).where(
            CountryProgramme.event_id == event.id, CountryProgramme.code == code
        )
    )


def _conditions(
    event: Event, filters: AttendeeFilters, only_country: str | None
) -> list[ColumnElement[bool]]:
    """The viewer's scope and the filters, as conditions on Registration."""
    conditions = [Registration.event_id == event.id]
    for code in (only_country, filters.country):
        if code:
            conditions.append(in_programme(event, code))
    if filters.status:
        conditions.append(
            Registration.status == filters.status
            if filters.status in STATUSES
            else false()
        )
    if filters.category:
        conditions.append(
            Registration.category == filters.category
            if filters.category in CATEGORIES
            else false()
        )
    for word in fold(filters.q).split():
        pattern = f"%{_escape_like(word)}%"
        conditions.append(Registration.search_text.like(pattern, escape="\\"))
    return conditions


def _order(filters: AttendeeFilters):
    return SORTS.get(filters.sort, SORTS["registered"])


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def count_attendees(
    event: Event, filters: AttendeeFilters, only_country: str | None = None
) -> int:
    return db.session.scalar(
        select(func.count()).where(*_conditions(event, filters, only_country))
    )


LISTED_COLUMNS = (
    Registration.id,
    Registration.reference,
    Registration.full_name,
    Registration.organisation,
    Registration.category,
    Registration.status,
    Registration.programme_id,
    Registration.waitlist_position,
    Registration.created_at,
    Registration.checked_in_at,
)


def attendee_page(
    event: Event,
    filters: AttendeeFilters,
    page: int,
    per_page: int,
    only_country: str | None = None,
) -> list[tuple]:
    """One page of (row, programme code, programme name, waiting-list place),
    in two statements whatever the page: the rows, then the places of the
    waiting delegates among them (a window over the whole event would rank
    every waiting delegate on every page).

    A row holds the list's columns (``LISTED_COLUMNS``) by name: plain rows,
    not ORM objects, which took longer to build than the page took to render.
    """
    rows = db.session.execute(
        select(*LISTED_COLUMNS, CountryProgramme.code, CountryProgramme.name)
        .join(CountryProgramme, Registration.programme_id == CountryProgramme.id)
        .where(*_conditions(event, filters, only_country))
        .order_by(*_order(filters))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    places = waitlist_places(rows)
    return [(row, row.code, row.name, places.get(row.id)) for row in rows]


def stream_attendees(
    event: Event, filters: AttendeeFilters, only_country: str | None = None
):
    """All matching rows, fetched in batches (a server-side cursor on PostgreSQL).

    Plain rows of the CSV's columns, named and ordered as
    ``app.exports.ATTENDEE_COLUMNS``, not ORM objects: building 50,000
    objects, and keeping them in the session, cost more than the CSV itself.
    """
    ranks = _waitlist_ranks(event)
    r = Registration
    columns = (
        r.reference,
        r.status,
        r.full_name,
        r.email,
        CountryProgramme.code.label("country"),
        CountryProgramme.name.label("country_name"),
        r.organisation,
        r.job_title,
        r.category,
        r.gender,
        r.phone,
        r.arrival_date,
        r.departure_date,
        r.needs_accommodation,
        r.dietary,
        r.accessibility,
        r.needs_visa_letter,
        r.created_at.label("registered_at"),
        r.dietary_detail,
        ranks.c.place.label("waitlist_position"),
    )
    query = (
        select(*columns)
        .join(CountryProgramme, Registration.programme_id == CountryProgramme.id)
        .outerjoin(ranks, ranks.c.registration_id == Registration.id)
        .where(*_conditions(event, filters, only_country))
        .order_by(*_order(filters))
        .execution_options(yield_per=1000)
    )
    yield from db.session.connection().execute(query)
