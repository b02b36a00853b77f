"""A request id for every request, and with LOG_FORMAT=json one JSON object
per line for every request and every message of the app.

The id is the one nginx sends in ``X-Request-ID`` (when it looks like one),
else a new one; the answer carries it back, so a delegate's "it failed"
can be found in the logs of whichever server answered. Paths are logged
with the manage links and document codes redacted, as in the text logs.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import g, request
from flask_login import current_user

from app.log_redaction import RedactManageLinks, redact

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
log = logging.getLogger("score.requests")


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time, level, logger, message, and the
    request's fields when the record has them."""

    FIELDS = ("request_id", "method", "path", "status", "duration_ms", "organiser_id")

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in self.FIELDS:
            if hasattr(record, field):
                line[field] = getattr(record, field)
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def _start() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    started = g.get("request_started")
    if started is not None and log.isEnabledFor(logging.INFO):
        path = request.full_path if request.query_string else request.path
        log.info(
            "%s %s %s",
            request.method,
            redact(path),
            response.status_code,
            extra={
                "request_id": g.request_id,
                "method": request.method,
                "path": redact(path),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "organiser_id": (
                    current_user.get_id() if current_user.is_authenticated else None
                ),
            },
        )
    return response


def init_app(app) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    if app.config["LOG_FORMAT"] != "json":
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactManageLinks())
    for logger in (log, app.logger):
        logger.handlers = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False
