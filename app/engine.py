"""Where SQLite and PostgreSQL differ, in one place; services call these.

PostgreSQL locks rows (``SELECT ... FOR UPDATE``, ``SKIP LOCKED``) and knows
time zones. SQLite has one writer at a time: a write as the first statement
of a transaction takes its lock, which serialises writers; and it stores
instants as text in UTC.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Select, cast, func, select, text
from sqlalchemy import event as sa_event

from app.extensions import db


def init_app(app) -> None:
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sa_event.listen(db.engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Foreign keys on and WAL journal, so readers do not wait for the writer."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _on_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


# A column of each locked table that SQLite may write to itself: neither a
# key (writing a parent key would search every child table's index) nor one
# with an ``onupdate`` default (an UPDATE statement would set it).
_WRITABLE = {
    "events": "sequence",
    "registrations": "sequence",
    "outbox_messages": "attempts",
}


def locked(model, row_id: int):
    """The row, reloaded and locked for the rest of the transaction."""
    if _on_sqlite():
        # A write takes the writer lock; other writers wait for the COMMIT.
        table, column = model.__tablename__, _WRITABLE[model.__tablename__]
        db.session.execute(
            text(f"UPDATE {table} SET {column} = {column} WHERE id = :id"),  # noqa: S608
            {"id": row_id},
        )
    return db.session.scalars(
        select(model)
        .where(model.id == row_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def claim_first(query: Select, model, still_wanted) -> object | None:
    """The first row of ``query`` (ORM rows of ``model``), locked so no other
    worker claims it, or None. ``still_wanted(row)`` checks it again once
    locked (on SQLite another worker may have taken it meanwhile)."""
    if not _on_sqlite():
        return db.session.scalars(
            query.limit(1)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        ).first()
    while (
        candidate := db.session.scalar(query.with_only_columns(model.id).limit(1))
    ) is not None:
        row = locked(model, candidate)
        if still_wanted(row):
            return row
        db.session.commit()
        query = query.where(model.id != candidate)
    return None


def count_by_local_day(
    instant_column, conditions: list, zone_name: str, first: datetime, last: datetime
) -> dict[date, int]:
    """How many rows fall on each day in the zone, between ``first`` and ``last``."""
    zone = ZoneInfo(zone_name)
    if not _on_sqlite():
        local_day = cast(func.timezone(zone_name, instant_column), Date)
    elif (offset := _fixed_offset(zone, first, last)) is not None:
        # SQLite stores "YYYY-MM-DD HH:MM:SS.ffffff" in UTC; its date functions
        # round the microseconds (23:59:59.9999995 would become the next day),
        # so they are cut off before shifting the instant into local time.
        minutes = int(offset.total_seconds() // 60)
        local_day = func.date(
            func.substr(instant_column, 1, 19), f"{minutes:+d} minutes"
        )
    else:
        # A zone whose offset changes in the span, on SQLite: one statement
        # streams the instants only, and Python finds their local days.
        instants = db.session.scalars(
            select(instant_column).where(*conditions).execution_options(yield_per=2000)
        )
        return dict(Counter(instant.astimezone(zone).date() for instant in instants))
    # Grouped through a subquery, so the expression (with its bound time zone)
    # is written once: PostgreSQL would not match two separate parameters.
    days = select(local_day.label("day")).where(*conditions).subquery()
    rows = db.session.execute(select(days.c.day, func.count()).group_by(days.c.day))
    return {
        date.fromisoformat(day) if isinstance(day, str) else day: count
        for day, count in rows
    }


def _fixed_offset(zone: ZoneInfo, first: datetime, last: datetime) -> timedelta | None:
    """The zone's UTC offset if it is the same from ``first`` to ``last``."""
    offset = first.astimezone(zone).utcoffset()
    moment = first
    while moment < last:
        moment = min(moment + timedelta(hours=12), last)
        if moment.astimezone(zone).utcoffset() != offset:
            return None
    return offset
