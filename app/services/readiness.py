"""Whether this server should take traffic: the schema is the one its code
expects, and the mail worker keeps up."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.services.outbox import oldest_pending_message


@cache
def _expected_heads(migrations: str) -> frozenset[str]:
    # The scripts do not change while the process runs.
    return frozenset(ScriptDirectory(migrations).get_heads())


def readiness_problems(migrations: str, stale_seconds: int, now: datetime) -> list[str]:
    """Why the server is not ready, or nothing when it is."""
    try:
        current = set(
            MigrationContext.configure(db.session.connection()).get_current_heads()
        )
        expected = _expected_heads(migrations)
        if current != expected:
            return [
                f"database schema at {', '.join(sorted(current)) or 'nothing'}, "
                f"code expects {', '.join(sorted(expected))}: run flask db upgrade"
            ]
        oldest = oldest_pending_message()
    except SQLAlchemyError:
        db.session.rollback()
        return ["database unreachable"]
    if oldest is not None and (age := (now - oldest).total_seconds()) > stale_seconds:
        return [
            f"the oldest message waiting to be sent has waited {age:.0f} s "
            f"(more than {stale_seconds} s): is the mail worker running?"
        ]
    return []
