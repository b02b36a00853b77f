"""Response headers that keep pages and secret links safe, and the rate limits."""

from __future__ import annotations

from typing import ClassVar

from flask import current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter.util import get_remote_address
from itsdangerous import (
    Serializer,
    TimestampSigner,
    URLSafeTimedSerializer,
    base64_encode,
)

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


def is_manage_link(path: str) -> bool:
    return path.startswith("/r/")


# Added to every response unless the view set its own.
STANDARD_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
)


def secure_headers(response):
    headers = response.headers
    # One pass over the names, then appends: Headers.setdefault and item
    # assignment each scan the list (and raise inside), a tenth of the time
    # of a cached page.
    present = {name.lower() for name in headers.keys()}  # noqa: SIM118 (not a dict)

    def add(name: str, value: str, *, replace: bool = False) -> None:
        if name.lower() not in present:
            headers.add(name, value)
        elif replace:
            headers[name] = value

    for name, value in STANDARD_HEADERS:
        add(name, value)
    # The manage link is a secret: never send it on in a Referer.
    secret = is_manage_link(request.path)
    add(
        "Referrer-Policy",
        "no-referrer" if secret else "strict-origin-when-cross-origin",
        replace=True,
    )
    if request.is_secure:
        add("Strict-Transport-Security", HSTS)
    if secret:
        add("Cache-Control", "private, no-store", replace=True)
    return response


class _KeyOnceSigner(TimestampSigner):
    """itsdangerous' timestamp signer, deriving each key once, not on every
    signature (a new signer is made for every cookie)."""

    _derived: ClassVar[dict[tuple, bytes]] = {}

    def derive_key(self, secret_key=None) -> bytes:
        wanted = (
            self.secret_keys[-1] if secret_key is None else secret_key,
            self.salt,
            self.key_derivation,
            self.digest_method,
        )
        key = self._derived.get(wanted)
        if key is None:
            key = self._derived[wanted] = super().derive_key(secret_key)
        return key


class _SessionCookieSerializer(URLSafeTimedSerializer):
    """Flask's session serializer without trying zlib on short payloads: a
    session holding a CSRF token never gets shorter, and the attempt cost
    more than signing. Longer ones (flashed messages) are compressed as
    before; either kind loads."""

    SHORT = 200

    def dump_payload(self, obj) -> bytes:
        payload = Serializer.dump_payload(self, obj)
        if len(payload) >= self.SHORT:
            return super().dump_payload(obj)
        return base64_encode(payload)


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, cheaper to sign: the serializer is
    built once per set of keys instead of twice per request, keys are derived
    once, and short payloads skip zlib. Every first visit to the event page
    starts a session (its lost-link form's CSRF token); signing it was a
    fifth of that page's time."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, object] = {}

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        serializer = self._serializers.get(keys)
        if serializer is None:
            # As Flask builds it, with the signer and payload above.
            serializer = _SessionCookieSerializer(
                list(keys),  # itsdangerous takes the current key last
                salt=self.salt,
                serializer=self.serializer,
                signer=_KeyOnceSigner,
                signer_kwargs={
                    "key_derivation": self.key_derivation,
                    "digest_method": self.digest_method,
                },
            )
            self._serializers = {keys: serializer}  # a rotated key replaces it
        return serializer


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
    app.session_interface = SignedCookieSessions()
    app.after_request(secure_headers)
