"""``/metrics`` in the Prometheus text format (prometheus-client).

Requests are counted and timed per endpoint in each worker; under gunicorn,
with PROMETHEUS_MULTIPROC_DIR set (``gunicorn.conf.py`` sets one), every
worker writes to that directory and a scrape adds them up. What the
database knows (registrations, the outbox, lock-outs) is read at scrape
time, so it is the same whichever server answers. No label carries personal
data: endpoints, statuses, event slugs and country codes only.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time

from flask import Blueprint, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    CountryProgramme,
    Event,
    LoginFailure,
    OutboxMessage,
    Registration,
)
from app.models.outbox import OutboxStatus
from app.models.types import utcnow
from app.services.outbox import oldest_pending_message

metrics = Blueprint("metrics", __name__)

REQUESTS = Counter(
    "score_http_requests_total",
    "HTTP requests answered, by endpoint, method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "score_http_request_duration_seconds",
    "Time to answer a request, by endpoint.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


class DatabaseCollector:
    """Figures read from the database when Prometheus scrapes."""

    def collect(self):
        registrations = GaugeMetricFamily(
            "score_registrations",
            "Registrations by event, country programme and status.",
            labels=["event", "programme", "status"],
        )
        rows = db.session.execute(
            select(Event.slug, CountryProgramme.code, Registration.status, func.count())
            .join(Registration, Registration.event_id == Event.id)
            .join(CountryProgramme, Registration.programme_id == CountryProgramme.id)
            .group_by(Event.slug, CountryProgramme.code, Registration.status)
        )
        for slug, code, status, count in rows:
            registrations.add_metric([slug, code, status.value], count)
        yield registrations

        outbox = GaugeMetricFamily(
            "score_outbox_messages", "Outbox messages by status.", labels=["status"]
        )
        by_status = dict(
            db.session.execute(
                select(OutboxMessage.status, func.count()).group_by(
                    OutboxMessage.status
                )
            ).all()
        )
        for status in OutboxStatus:
            outbox.add_metric([status.value], by_status.get(status, 0))
        yield outbox

        oldest = oldest_pending_message()
        yield GaugeMetricFamily(
            "score_outbox_oldest_pending_age_seconds",
            "How long the oldest message waiting to be sent has waited (0: none).",
            value=(utcnow() - oldest).total_seconds() if oldest else 0,
        )
        yield GaugeMetricFamily(
            "score_login_lockouts",
            "Login lock-outs (an account locked from one address) in the log "
            "of failed logins.",
            value=db.session.scalar(
                select(func.count()).where(LoginFailure.locked_out.is_(True))
            ),
        )


def _count(response):
    # The request's start, as ``request_log`` noted it.
    started = g.get("request_started")
    # Unmatched paths are one endpoint: a scanner cannot grow the label set.
    endpoint = request.endpoint or "not_found"
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    if started is not None:
        LATENCY.labels(endpoint).observe(time.perf_counter() - started)
    return response


def _allowed() -> bool:
    """A bearer token METRICS_TOKEN, or a client in METRICS_ALLOWED_IPS
    (the address as the trusted proxies report it)."""
    token = current_app.config["METRICS_TOKEN"]
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        client = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(client in network for network in current_app.config["METRICS_ALLOWED"])


@metrics.get("/metrics")
def scrape():
    if not _allowed():
        abort(404)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(DatabaseCollector())
    return Response(
        generate_latest(registry),
        content_type=CONTENT_TYPE_LATEST,
        headers={"Cache-Control": "no-store"},
    )


def init_app(app) -> None:
    app.config["METRICS_ALLOWED"] = [
        ipaddress.ip_network(part.strip(), strict=False)
        for part in app.config["METRICS_ALLOWED_IPS"].split(",")
        if part.strip()
    ]
    app.after_request(_count)
    app.register_blueprint(metrics)
