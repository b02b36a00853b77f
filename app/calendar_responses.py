"""HTTP responses for calendar files: right type, validators, caching."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from flask import Response, request

# Subscribers poll; a few minutes of caching spares the server without
# hiding a programme change for long.
PUBLIC_MAX_AGE = 300
# Headers that make a request conditional (or partial).
CONDITIONAL_HEADERS = frozenset(
    ("If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "Range")
)


@dataclass(frozen=True)
class CalendarFile:
    """A calendar file with its validators, worked out once (hashing the body
    on every request cost more than serving a kept file)."""

    body: bytes
    filename: str
    modified: datetime
    etag: str

    @classmethod
    def of(cls, body: bytes, filename: str, modified: datetime) -> CalendarFile:
        etag = hashlib.sha256(body).hexdigest()
        return cls(body, filename, modified.replace(microsecond=0), etag)


def calendar_response(
    calendar: CalendarFile, *, inline: bool, private: bool = False
) -> Response:
    """A ``text/calendar`` response answering conditional GETs with 304."""
    response = Response(calendar.body, content_type="text/calendar; charset=utf-8")
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = (
        f'{disposition}; filename="{calendar.filename}"'
    )
    response.set_etag(calendar.etag)
    response.last_modified = calendar.modified
    if private:
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    if CONDITIONAL_HEADERS.isdisjoint(request.headers.keys()):
        return response  # nothing to compare: the file as it is
    return response.make_conditional(request)
