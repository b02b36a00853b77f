"""Configuration read from the environment.

Nothing here runs at import time: ``load_config`` is called by ``create_app``
with the instance folder, so tests and commands can pass their own values.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

TRUE_WORDS = {"1", "true", "yes", "on"}


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in TRUE_WORDS


def database_url(raw: str | None, instance_path: Path) -> str:
    """Map a plain PostgreSQL URL onto the psycopg 3 driver; default to SQLite."""
    if not raw:
        return f"sqlite:///{instance_path / 'score.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def development_secret_key(instance_path: Path) -> str:
    """A random key kept in the instance folder, so sessions survive restarts.

    Several server processes may start at once: the first creates the file
    exclusively, the others read what it wrote, so all sign with one key.
    """
    key_file = instance_path / "secret_key"
    instance_path.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(key_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        for _ in range(100):
            key = key_file.read_text().strip()
            if key:
                return key
            time.sleep(0.05)  # the creating process is still writing it
        raise RuntimeError(f"{key_file} is empty; delete it and start again") from None
    key = secrets.token_hex(32)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    return key


def page_cache(seconds: int) -> dict:
    """Flask-Caching for the public pages (event page, calendar files): kept
    ``seconds`` per process, or shared in Redis (CACHE_REDIS_URL, else
    REDIS_URL) by every server; 0 keeps nothing."""
    redis_url = os.environ.get("CACHE_REDIS_URL") or os.environ.get("REDIS_URL")
    kind = "RedisCache" if redis_url else "SimpleCache"
    return {
        "PAGE_CACHE_SECONDS": seconds,
        "CACHE_TYPE": kind if seconds > 0 else "NullCache",
        "CACHE_REDIS_URL": redis_url,
        "CACHE_DEFAULT_TIMEOUT": seconds,
        "CACHE_KEY_PREFIX": "score-page:",
        "CACHE_THRESHOLD": 500,
        "CACHE_NO_NULL_WARNING": True,
    }


class MissingSecretKey(RuntimeError):
    pass


class MissingSharedStore(RuntimeError):
    pass


def rate_limit_store(production: bool) -> str:
    """Where the rate limits count: Redis when REDIS_URL is set.

    Without a shared store each server process counts on its own, so every
    limit silently multiplies by the number of workers: production refuses
    that unless the limits are switched off.
    """
    store = os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL")
    shared = bool(store) and not store.startswith("memory://")
    if production and not shared and env_flag("RATELIMIT_ENABLED", default=True):
        raise MissingSharedStore(
            "APP_ENV=production needs REDIS_URL (or RATELIMIT_STORAGE_URI naming "
            "another shared store) so that every server process counts the same "
            "rate limits; set RATELIMIT_ENABLED=false to run without them."
        )
    return store or "memory://"


def load_config(instance_path: Path) -> dict:
    """Settings for the app, from the environment."""
    production = os.environ.get("APP_ENV", "development").lower() == "production"
    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise MissingSecretKey("SECRET_KEY must be set when APP_ENV=production")
        secret_key = development_secret_key(instance_path)
    scheme = os.environ.get("PREFERRED_URL_SCHEME", "http").lower()
    https = scheme == "https"
    return {
        "APP_ENV": "production" if production else "development",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url(
            os.environ.get("DATABASE_URL"), instance_path
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "PREFERRED_URL_SCHEME": scheme,
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SECURE": https,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": int(
            os.environ.get("SESSION_LIFETIME_SECONDS", 8 * 3600)
        ),
        "DEFAULT_EVENT_SLUG": os.environ.get("DEFAULT_EVENT_SLUG", ""),
        "EMAIL_CHECK_DELIVERABILITY": env_flag("EMAIL_CHECK_DELIVERABILITY"),
        "WTF_CSRF_TIME_LIMIT": None,
        "PASSWORD_HASH_METHOD": "scrypt",
        # Every form fits in a few KiB; a larger body is refused with 413
        # before it is parsed (a future upload route sets its own limit).
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "ATTENDEES_PER_PAGE": 50,
        **page_cache(int(os.environ.get("PAGE_CACHE_SECONDS") or 5)),
        "RATELIMIT_ENABLED": env_flag("RATELIMIT_ENABLED", default=True),
        "RATELIMIT_STORAGE_URI": rate_limit_store(production),
        "RATELIMIT_HEADERS_ENABLED": True,
        # A limiter whose store is down must not take the site down.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_KEY_PREFIX": "score",
        # A country office may register its whole delegation from one address.
        "REGISTER_RATE_LIMIT": os.environ.get("REGISTER_RATE_LIMIT", "120 per hour"),
        "LOST_LINK_EMAIL_LIMIT": "3 per hour",
        "LOST_LINK_ADDRESS_LIMIT": "20 per hour",
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "30 per 15 minutes"),
        # A consulate checks a handful of letters; guessing a code (128 bits)
        # is hopeless anyway, this keeps anyone from trying.
        "VERIFY_RATE_LIMIT": os.environ.get("VERIFY_RATE_LIMIT", "60 per hour"),
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES") or 0),
        # /metrics: from these addresses (comma-separated, networks allowed),
        # or with "Authorization: Bearer METRICS_TOKEN".
        "METRICS_ALLOWED_IPS": os.environ.get("METRICS_ALLOWED_IPS", "127.0.0.1,::1"),
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN", ""),
        # /readyz fails when the oldest message waiting to be sent is older.
        "MAIL_STALE_SECONDS": int(os.environ.get("MAIL_STALE_SECONDS") or 900),
        # "json": one JSON object per line for every request and app log.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text").lower(),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT") or 25),
        "MAIL_USE_TLS": env_flag("MAIL_USE_TLS"),
        "MAIL_USE_SSL": env_flag("MAIL_USE_SSL"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "score-workshop@example.org"
        ),
        "MAIL_SENDER_NAME": os.environ.get(
            "MAIL_SENDER_NAME", "SCORE Workshop organisers"
        ),
        "MAIL_RETRY_BASE_SECONDS": float(
            os.environ.get("MAIL_RETRY_BASE_SECONDS") or 60
        ),
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT") or 30),
    }
