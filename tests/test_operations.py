"""What the people who run the app watch: /metrics, /readyz and the JSON
request log."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, update

from app import create_app
from app.extensions import db
from app.models import LoginFailure, OutboxMessage, Registration
from app.models.outbox import OutboxStatus
from app.models.types import utcnow
from tests.conftest import SLUG, _test_config
from tests.seats_helpers import sign_up


def samples(response) -> dict[tuple[str, tuple], float]:
    """Every sample of a scrape, by name and labels."""
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_match_the_database(app, client, event, organiser):
    with app.app_context():
        for _ in range(7):
            sign_up("GH")
        sign_up("IN")
        db.session.add(
            LoginFailure(
                email="x@example.org", client_address="10.0.0.1", locked_out=True
            )
        )
        db.session.execute(
            update(OutboxMessage).values(created_at=utcnow() - timedelta(minutes=5))
        )
        db.session.commit()
        queued = db.session.scalar(
            select(func.count()).where(OutboxMessage.status == OutboxStatus.QUEUED)
        )
    client.get(f"/events/{SLUG}/")
    client.get(f"/events/{SLUG}/")
    found = samples(client.get("/metrics"))

    def registrations(code, status):
        labels = (("event", SLUG), ("programme", code), ("status", status))
        return found.get(("score_registrations", labels), 0)

    assert registrations("GH", "confirmed") == 6
    assert registrations("GH", "waitlisted") == 1
    assert registrations("IN", "confirmed") == 1
    assert found[("score_outbox_messages", (("status", "queued"),))] == queued == 8
    assert found[("score_outbox_messages", (("status", "failed"),))] == 0
    assert 290 < found[("score_outbox_oldest_pending_age_seconds", ())] < 400
    assert found[("score_login_lockouts", ())] == 1
    page = (("endpoint", "public.event_page"), ("method", "GET"), ("status", "200"))
    assert found[("score_http_requests_total", page)] >= 2
    latency = (("endpoint", "public.event_page"), ("le", "+Inf"))
    assert found[("score_http_request_duration_seconds_bucket", latency)] >= 2
    # No personal data in any label: only codes, slugs and endpoints.
    text = client.get("/metrics").get_data(as_text=True)
    with app.app_context():
        for name, email in db.session.execute(
            select(Registration.full_name, Registration.email)
        ):
            assert name not in text and email not in text


def test_metrics_are_only_for_allowed_addresses_or_the_token(app, client, event):
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics").status_code == 200  # loopback
    assert client.get("/metrics", environ_base=outside).status_code == 404
    app.config["METRICS_TOKEN"] = "s3cret-token"
    wrong = client.get(
        "/metrics", environ_base=outside, headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 404
    right = client.get(
        "/metrics",
        environ_base=outside,
        headers={"Authorization": "Bearer s3cret-token"},
    )
    assert right.status_code == 200
    assert right.content_type.startswith("text/plain")


@pytest.fixture
def other_app(database_uri):
    """Another app on the test database, with its own settings; its
    connections closed afterwards."""
    made = []

    def make(**settings):
        made.append(create_app({**_test_config(database_uri), **settings}))
        return made[-1]

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_metrics_allow_the_configured_networks(other_app, event):
    other = other_app(METRICS_ALLOWED_IPS="10.1.0.0/16, ::1")
    client = other.test_client()
    assert (
        client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code
        == 200
    )
    assert client.get("/metrics").status_code == 404  # 127.0.0.1 is not listed


def test_readyz_says_why_it_is_not_ready(app, client, event):
    assert client.get("/readyz").get_json() == {"status": "ok"}
    with app.app_context():
        sign_up("GH")
        db.session.execute(
            update(OutboxMessage).values(created_at=utcnow() - timedelta(hours=1))
        )
        db.session.commit()
    stale = client.get("/readyz")
    assert stale.status_code == 503
    assert "mail worker" in stale.get_json()["problems"][0]
    app.config["MAIL_STALE_SECONDS"] = 7200
    assert client.get("/readyz").status_code == 200
    with app.app_context():
        db.session.execute(db.text("UPDATE alembic_version SET version_num = 'old'"))
        db.session.commit()
    behind = client.get("/readyz")
    assert behind.status_code == 503
    assert "flask db upgrade" in behind.get_json()["problems"][0]
    # Liveness does not care.
    assert client.get("/healthz").status_code == 200


@pytest.fixture
def json_log(other_app):
    """An app logging JSON, its request lines written to a string; the
    loggers as they were afterwards (other tests read records with caplog)."""
    loggers = [logging.getLogger("score.requests"), logging.getLogger("app")]
    saved = [(lg.handlers[:], lg.propagate, lg.level) for lg in loggers]
    app = other_app(LOG_FORMAT="json")
    stream = io.StringIO()
    [handler] = loggers[0].handlers
    handler.setStream(stream)
    yield app, stream
    for logger, (handlers, propagate, level) in zip(loggers, saved, strict=True):
        logger.handlers, logger.propagate = handlers, propagate
        logger.setLevel(level)


def test_json_logs_carry_the_request_id_and_redact_links(json_log, event):
    app, stream = json_log
    client = app.test_client()
    answer = client.get("/r/SECRET-TOKEN-123", headers={"X-Request-ID": "abc-123"})
    assert answer.headers["X-Request-ID"] == "abc-123"
    forged = client.get(f"/events/{SLUG}/", headers={"X-Request-ID": "bad id {}"})
    assert forged.headers["X-Request-ID"] != "bad id {}"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    first, second = lines
    assert first["request_id"] == "abc-123"
    assert first["path"] == "/r/[redacted]" and first["status"] == 404
    assert first["method"] == "GET" and first["duration_ms"] >= 0
    assert first["organiser_id"] is None
    assert "SECRET-TOKEN" not in stream.getvalue()
    assert second["request_id"] == forged.headers["X-Request-ID"]
