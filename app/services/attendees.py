"""Queries behind the organisers' attendee list and its CSV."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    case,
    false,
    func,
    select,
    type_coerce,
)
from sqlalchemy.orm import contains_eager

from app.extensions import db
from app.models import CountryProgramme, Event, Registration
from app.models.registrations import CATEGORIES, STATUSES, RegistrationStatus
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


# The attendee list's orders, as the sort menu names them.
SORTS = {
    "registered": _l("registration time"),
    "name": _l("name"),
    "country": _l("country programme"),
    "status": _l("status"),
    "reference": _l("reference"),
}


def _sort_columns(sort: str, r=Registration) -> tuple:
    """The ORDER BY of a sort choice, on ``r`` (Registration, or the columns
    of a subquery of it)."""
    return {
        "name": (r.full_name, r.id),
        "country": (CountryProgramme.name, r.created_at, r.id),
        "status": (r.status, r.created_at, r.id),
        "reference": (r.reference,),
    }.get(sort, (r.created_at, r.id))


def in_programme(event: Event, code: str, r=Registration) -> ColumnElement[bool]:
    """Registrations of the event's programme ``code``, as a condition.

    The programme's id is looked up among the event's programmes, so a count
    needs no join and a condition on it can reach inside a subquery.
    """
    programme = event.programme_by_code(code)
    return r.programme_id == programme.id if programme else false()


def matching(
    event: Event, filters: AttendeeFilters, only_country: str | None, r=Registration
) -> list[ColumnElement[bool]]:
    """The viewer's scope and the filters, as conditions on ``r``
    (Registration, or the columns of a subquery of it)."""
    conditions = [r.event_id == event.id]
    for code in (only_country, filters.country):
        if code:
            conditions.append(in_programme(event, code, r))
    if filters.status:
        conditions.append(
            r.status == filters.status if filters.status in STATUSES else false()
        )
    if filters.category:
        conditions.append(
            r.category == filters.category
            if filters.category in CATEGORIES
            else false()
        )
    for word in fold(filters.q).split():
        conditions.append(r.search_text.contains(word, autoescape=True))
    return conditions


@dataclass(frozen=True)
class AttendeePage:
    """One page of the attendee list: each registration with its place in its
    programme's waiting list (None when not waiting)."""

    rows: list[tuple[Registration, int | None]]
    page: int
    pages: int
    total: int


def listing(
    event: Event,
    filters: AttendeeFilters,
    page: int,
    per_page: int,
    only_country: str | None = None,
) -> AttendeePage:
    """The page ``page`` (clamped to the pages there are) of the matching
    registrations, in three statements whatever the page: the count, the
    rows, and the places of the waiting delegates among them."""
    query = (
        select(Registration)
        .join(Registration.programme)
        .options(contains_eager(Registration.programme))
        .where(*matching(event, filters, only_country))
        .order_by(*_sort_columns(filters.sort))
    )
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    if pagination.page > max(pagination.pages, 1):
        pagination = db.paginate(
            query, page=pagination.pages, per_page=per_page, error_out=False
        )
    places = waitlist_places(pagination.items)
    return AttendeePage(
        rows=[(r, places.get(r.id)) for r in pagination.items],
        page=pagination.page,
        pages=max(pagination.pages, 1),
        total=pagination.total,
    )


def stream_attendees(
    event: Event, filters: AttendeeFilters, only_country: str | None = None
):
    """All matching rows, fetched in batches (a server-side cursor on PostgreSQL).

    Plain rows of the CSV's columns, named and ordered as
    ``app.exports.ATTENDEE_COLUMNS``, not ORM objects: building 50,000
    objects, and keeping them in the session, cost more than the CSV itself.
    """
    return _streamed(export_query(event, filters, only_country))


def _streamed(query):
    # Runs when the response is read, not when the view returns.
    yield from db.session.connection().execute(query)


def export_query(
    event: Event, filters: AttendeeFilters, only_country: str | None = None
) -> Select:
    """The statement behind ``stream_attendees``.

    A waiting delegate's place is ranked by a window over the event's rows in
    the same scan that reads them, then the filters apply: linear in the
    registrations whatever the planner's statistics (a join to a separate
    ranking could be planned as a nested loop, quadratic). Conditions on the
    window's partition (status, programme) still reach the index.
    """
    r = Registration
    waiting = r.status == RegistrationStatus.WAITLISTED
    place = func.row_number().over(
        partition_by=(r.programme_id, r.status),
        order_by=(r.waitlist_position, r.id),
    )
    ranked = (
        select(r.__table__, case((waiting, place)).label("waitlist_place"))
        .where(r.event_id == event.id)
        .subquery()
    )
    row = ranked.c
    columns = (
        row.reference,
        # As stored: the CSV writes the text, so 50,000 rows skip the enum.
        type_coerce(row.status, String),
        row.full_name,
        row.email,
        CountryProgramme.code.label("country"),
        CountryProgramme.name.label("country_name"),
        row.organisation,
        row.job_title,
        row.category,
        row.gender,
        row.phone,
        row.arrival_date,
        row.departure_date,
        row.needs_accommodation,
        row.dietary,
        row.accessibility,
        row.needs_visa_letter,
        row.created_at.label("registered_at"),
        row.dietary_detail,
        row.waitlist_place.label("waitlist_position"),
    )
    return (
        select(*columns)
        .join(CountryProgramme, row.programme_id == CountryProgramme.id)
        .where(*matching(event, filters, only_country, row))
        .order_by(*_sort_columns(filters.sort, row))
        .execution_options(yield_per=1000)
    )


def badge_holders(
    event: Event, filters: AttendeeFilters, only_country: str | None = None
) -> list[Registration]:
    """The registrations the filters select (confirmed ones when no status is
    chosen), by programme and name: the order badges are handed out in."""
    if not filters.status:
        filters = replace(filters, status=RegistrationStatus.CONFIRMED)
    return list(
        db.session.scalars(
            select(Registration)
            .join(CountryProgramme, Registration.programme_id == CountryProgramme.id)
            .where(
                *matching(event, filters, only_country),
                Registration.anonymised_at.is_(None),
            )
            .options(contains_eager(Registration.programme))
            .order_by(CountryProgramme.sort_order, *_sort_columns("name"))
        )
    )


def invitations_pending(event: Event, only_country: str | None = None) -> int:
    """Delegates imported without their message, still to be sent it."""
    filters = AttendeeFilters()
    return db.session.scalar(
        select(func.count()).where(
            *matching(event, filters, only_country),
            Registration.invitation_pending.is_(True),
            Registration.anonymised_at.is_(None),
        )
    )
