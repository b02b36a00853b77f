"""The attendee CSV of a large event: linear whatever the planner knows, fresh
statistics after a bulk load, and a download the worker timeout cannot kill."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from app.extensions import db
from app.services.attendees import AttendeeFilters, export_query
from app.services.demo import add_demo_registrations
from app.services.events import event_by_slug
from tests.conftest import SLUG
from tests.live_server import gunicorn

ON_POSTGRESQL = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL's planner and locks"
)
DEMO = 3000


def export_sql(app, args: dict) -> str:
    """The SQL of the attendee export, its values written in."""
    with app.app_context():
        query = export_query(event_by_slug(SLUG), AttendeeFilters.from_args(args))
        return str(
            query.compile(
                dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}
            )
        )


def rows_visited(app, sql: str) -> int:
    """Rows produced by every step of the plan, each loop counted."""
    with app.app_context():
        [plan] = db.session.execute(text("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)).one()
        db.session.rollback()
    plan = plan if isinstance(plan, list) else json.loads(plan)

    def visits(node) -> int:
        own = node["Actual Rows"] * node["Actual Loops"]
        return own + sum(visits(child) for child in node.get("Plans", ()))

    return visits(plan[0]["Plan"])


@pytest.mark.postgres
@ON_POSTGRESQL
@pytest.mark.parametrize("args", [{}, {"country": "GH"}, {"q": "nam"}])
def test_the_export_stays_linear_with_stale_statistics(app, event, database_uri, args):
    with app.app_context():
        add_demo_registrations(event_by_slug(SLUG), DEMO)
        db.session.commit()  # no ANALYZE: the planner still thinks it small
    sql = export_sql(app, args)

    visited = rows_visited(app, sql)

    # A quadratic plan would visit millions (3,000 × 2,700 waiting).
    assert visited < 25 * DEMO


def test_a_bulk_load_leaves_fresh_statistics(app, event, runner):
    result = runner.invoke(args=["seed", "--demo-registrations", "400"])

    assert result.exit_code == 0, result.output
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            estimate = db.session.scalar(
                text("SELECT reltuples FROM pg_class WHERE relname = 'registrations'")
            )
        else:
            stat = db.session.scalar(
                text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'registrations'")
            )
            estimate = int(stat.split()[0])
    assert 380 <= estimate <= 420


@pytest.mark.postgres
@pytest.mark.timeout_heavy
@ON_POSTGRESQL
def test_a_long_download_outlives_the_worker_timeout(app, event, database_uri):
    """The CSV takes longer than gunicorn's timeout (here 2 s, held up by a
    lock), and arrives whole."""
    with app.app_context():
        from tests.helpers import add_organiser

        add_demo_registrations(event_by_slug(SLUG), 200)
        add_organiser("organiser@example.org", "correct horse battery")
        db.session.commit()
    engine = create_engine(database_uri)
    with (
        gunicorn(database_uri, workers=1, timeout=2) as base,
        engine.connect() as blocker,
    ):
        session = _logged_in_opener(base)
        blocker.execute(text("LOCK TABLE registrations IN ACCESS EXCLUSIVE MODE"))
        threading.Timer(5, blocker.rollback).start()
        started = time.monotonic()

        with session.open(f"{base}/admin/events/{SLUG}/attendees.csv") as response:
            body = response.read().decode("utf-8-sig")

        assert time.monotonic() - started > 4
        assert body.count("\r\n") == 201
    engine.dispose()


def _logged_in_opener(base: str):
    import http.cookiejar
    import re
    import urllib.parse

    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(f"{base}/admin/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    form = {
        "email": "organiser@example.org",
        "password": "correct horse battery",
        "csrf_token": token,
    }
    opener.open(f"{base}/admin/login", urllib.parse.urlencode(form).encode()).read()
    return opener
