"""Response headers that keep pages and secret links safe, and the rate limits."""

from __future__ import annotations

from flask import current_app, request
from flask_limiter.util import get_remote_address

from app.search import fold

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"


def is_secret_link(path: str) -> bool:
    """A delegate's page, or an address check's link: the path is a secret."""
    return path.startswith("/r/") or "/confirm/" in path


# Added to every response unless the view set its own.
STANDARD_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
)


def secure_headers(response):
    headers = response.headers
    if "Content-Security-Policy" not in headers:  # no view sets its own yet
        headers.extend(STANDARD_HEADERS)
    # The manage link is a secret: never send it on in a Referer.
    secret = is_secret_link(request.path)
    headers["Referrer-Policy"] = (
        "no-referrer" if secret else "strict-origin-when-cross-origin"
    )
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if secret:
        headers["Cache-Control"] = "private, no-store"
    return response


def client_address() -> str:
    """The client's address (behind trusted proxies, ProxyFix has set it)."""
    return get_remote_address() or "unknown"


def lost_link_email_key() -> str:
    """Rate-limit key for the lost-link form: the address asked about."""
    email = request.form.get("email", "")
    return "lost-link:" + fold(email if isinstance(email, str) else "")[:254]


def limit(name: str):
    """The limit string configured as ``name`` (read per request)."""
    return lambda: current_app.config[name]


def init_app(app) -> None:
    app.after_request(secure_headers)
