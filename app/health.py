"""Liveness and readiness, for load balancers and monitoring.

``/healthz`` is cheap: the process answers and reaches its database.
``/readyz`` also says whether this server should take traffic: the schema
is the one its code expects, and the mail worker keeps up.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models.types import utcnow
from app.services.readiness import readiness_problems

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@health.get("/readyz")
def readyz():
    """200 when ready; 503 with the reasons otherwise."""
    problems = readiness_problems(
        current_app.extensions["migrate"].directory,
        current_app.config["MAIL_STALE_SECONDS"],
        utcnow(),
    )
    if problems:
        return jsonify(status="not ready", problems=problems), 503
    return jsonify(status="ok")
