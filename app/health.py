"""Liveness and readiness, for load balancers and monitoring.

``/healthz`` is cheap: the process answers and reaches its database.
``/readyz`` also says whether this server should take traffic: the schema
is the one its code expects, and the mail worker keeps up.
"""

from __future__ import annotations

from functools import cache

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.metrics import oldest_pending_message
from app.models.types import utcnow

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@cache
def _expected_heads(directory: str) -> frozenset[str]:
    return frozenset(ScriptDirectory(directory).get_heads())


@health.get("/readyz")
def readyz():
    """200 when ready; 503 with the reasons otherwise."""
    try:
        current = set(
            MigrationContext.configure(db.session.connection()).get_current_heads()
        )
        expected = _expected_heads(current_app.extensions["migrate"].directory)
        if current != expected:
            return not_ready(
                f"database schema at {', '.join(sorted(current)) or 'nothing'}, "
                f"code expects {', '.join(sorted(expected))}: run flask db upgrade"
            )
        oldest = oldest_pending_message()
    except SQLAlchemyError:
        db.session.rollback()
        return not_ready("database unreachable")
    problems = []
    stale = current_app.config["MAIL_STALE_SECONDS"]
    if oldest is not None and (age := (utcnow() - oldest).total_seconds()) > stale:
        problems.append(
            f"the oldest message waiting to be sent has waited {age:.0f} s "
            f"(more than {stale} s): is the mail worker running?"
        )
    if problems:
        return not_ready(*problems)
    return jsonify(status="ok")


def not_ready(*problems: str):
    return jsonify(status="not ready", problems=list(problems)), 503
