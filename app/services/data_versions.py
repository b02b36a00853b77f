"""The version of the registration data, for caches of what is computed from it.

Every transaction that changes registrations, programmes or events raises the
``registrations`` counter as its last statement before COMMIT, so the change
and the new version become visible together: a reader who sees the new
version sees the change too, and a cache kept under an older version is
never served for newer data. Taking the counter's row lock last, after the
final flush, keeps this deadlock-free: a transaction holding it waits for
nothing but its own COMMIT. Writers of these tables serialise on the counter
for that moment only.

ORM changes are noticed after each flush; bulk statements (``update()``,
``insert()``, ``delete()`` run through the session) when they execute. Raw
SQL (``text()``, or a statement run on ``session.connection()``) is not seen:
the app writes these tables only through the session, and what is kept under
a version is rebuilt after ``page_cache.KEPT_SECONDS`` whatever the version,
so a change made by hand in psql shows within minutes.
"""

from __future__ import annotations

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import CountryProgramme, DataVersion, Event, Registration

REGISTRATIONS = "registrations"
_TRACKED = (Registration, CountryProgramme, Event)
_TRACKED_TABLES = frozenset(model.__table__ for model in _TRACKED)
_CHANGED = "registration data changed"


def registrations_version() -> int:
    """The current version of the registration data (0 before any change)."""
    version = db.session.scalar(
        select(DataVersion.version).where(DataVersion.name == REGISTRATIONS)
    )
    return version or 0


@sa_event.listens_for(Session, "after_flush")
def _note_flushed_changes(session: Session, _flush_context) -> None:
    # ``dirty`` also holds rows whose only change is a new link or message in
    # a collection: those change nothing the cached pages show.
    changed = (
        *session.new,
        *session.deleted,
        *(
            instance
            for instance in session.dirty
            if session.is_modified(instance, include_collections=False)
        ),
    )
    if any(isinstance(instance, _TRACKED) for instance in changed):
        session.info[_CHANGED] = True


@sa_event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table in _TRACKED_TABLES:
        state.session.info[_CHANGED] = True


@sa_event.listens_for(Session, "before_commit")
def _raise_version(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction raises it once
    session.flush()  # the last changes first: the counter's lock comes last
    if not session.info.pop(_CHANGED, False):
        return
    bind = session.get_bind()
    dialect = postgresql if bind.dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(DataVersion).values(name=REGISTRATIONS, version=1)
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=[DataVersion.name],
            set_={"version": DataVersion.version + 1},
        )
    )


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_changes(session: Session, transaction) -> None:
    # Only when the whole transaction ends: after a savepoint's rollback the
    # changes flushed before it are still to be committed.
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
