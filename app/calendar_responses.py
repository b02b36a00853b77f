"""HTTP responses for calendar files: right type, validators, caching."""

from __future__ import annotations

from datetime import datetime

from flask import Response, request

# Subscribers poll; a few minutes of caching spares the server without
# hiding a programme change for long.
PUBLIC_MAX_AGE = 300


def calendar_response(
    body: bytes,
    filename: str,
    last_modified: datetime,
    *,
    inline: bool,
    private: bool = False,
) -> Response:
    """A ``text/calendar`` response answering conditional GETs with 304."""
    response = Response(body, content_type="text/calendar; charset=utf-8")
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.add_etag()
    response.last_modified = last_modified.replace(microsecond=0)
    if private:
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    return response.make_conditional(request)
