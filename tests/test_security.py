"""Headers, cookies, rate limits, secret links kept out of logs, database outages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, func, select, text

from app import create_app
from app.extensions import db
from app.models import Registration
from config import load_config
from tests.conftest import SLUG, csrf_token, valid_registration
from tests.live_server import Browser, gunicorn

REGISTER = f"/events/{SLUG}/register"


@pytest.fixture
def make_app():
    """Apps built with their own settings, their connections closed afterwards."""
    made = []

    def build(config: dict):
        app = create_app(config)
        made.append(app)
        return app

    yield build
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


def manage_path(response) -> str:
    assert response.status_code == 303, response.status_code
    return response.headers["Location"]


# --- headers -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", REGISTER, f"/events/{SLUG}/agenda.ics", "/admin/login"]
)
def test_every_page_sends_the_protective_headers(client, event, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_manage_pages_send_no_referrer(client, register):
    path = manage_path(register())
    for url in (path, path + "/invite.ics", path + "/edit", path + "/data.json"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response.headers["Cache-Control"]


def test_pages_carry_no_inline_script_or_style(client, register):
    path = manage_path(register())
    for url in ("/", REGISTER, path):
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and "<style" not in html
        assert not re.search(r"\son[a-z]+=", html), url  # no inline handlers
        assert ' style="' not in html, url


def test_hsts_only_over_https(client, event):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://register.example.org")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_forwarded_proto_is_ignored_unless_proxies_are_trusted(
    make_app, database_uri, event
):
    def hsts(trusted: int) -> bool:
        app = make_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": database_uri,
                "TRUSTED_PROXIES": trusted,
            }
        )
        response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
        return "Strict-Transport-Security" in response.headers

    assert not hsts(0)
    assert hsts(1)


# --- cookies -------------------------------------------------------------------


def test_session_cookie_is_httponly_and_lax(client, event):
    client.get(REGISTER)
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert not cookie.secure


def test_cookies_are_secure_under_https(monkeypatch, tmp_path):
    monkeypatch.setenv("PREFERRED_URL_SCHEME", "https")
    monkeypatch.setenv("SECRET_KEY", "x")
    config = load_config(tmp_path)
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True
    monkeypatch.setenv("PREFERRED_URL_SCHEME", "http")
    assert load_config(tmp_path)["SESSION_COOKIE_SECURE"] is False


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    from config import MissingSecretKey

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(MissingSecretKey):
        load_config(tmp_path)


def test_the_session_is_renewed_at_login(client, organiser):
    token = csrf_token(client, "/admin/login")
    before = client.get_cookie("session").value
    email, password = organiser
    client.post(
        "/admin/login", data={"email": email, "password": password, "csrf_token": token}
    )
    after = client.get_cookie("session").value
    assert after != before
    # The pre-login CSRF token belonged to the old session.
    stale = client.post("/admin/logout", data={"csrf_token": token})
    assert stale.status_code in (303, 400)


def test_organiser_sessions_expire(app, client, organiser):
    assert app.permanent_session_lifetime.total_seconds() <= 12 * 3600
    app.config["PERMANENT_SESSION_LIFETIME"] = 1
    email, password = organiser
    token = csrf_token(client, "/admin/login")
    client.post(
        "/admin/login", data={"email": email, "password": password, "csrf_token": token}
    )
    cookie = client.get_cookie("session")
    assert cookie.expires is not None


# --- rate limits ---------------------------------------------------------------


def test_a_whole_delegation_can_register_from_one_address(app, client, event):
    token = csrf_token(client, REGISTER)
    for i in range(61):
        response = client.post(
            REGISTER,
            data=valid_registration(
                email=f"delegate{i}@example.org", phone="", csrf_token=token
            ),
        )
        assert response.status_code == 303, (i, response.status_code)


def test_too_many_registrations_get_a_friendly_429(app, client, event):
    app.config["REGISTER_RATE_LIMIT"] = "2 per hour"
    token = csrf_token(client, REGISTER)
    answers = [
        client.post(
            REGISTER,
            data=valid_registration(email=f"x{i}@example.org", csrf_token=token),
        )
        for i in range(3)
    ]
    assert [a.status_code for a in answers] == [303, 303, 429]
    limited = answers[-1]
    assert int(limited.headers["Retry-After"]) > 0
    assert "text/html" in limited.content_type
    assert "try again" in limited.get_data(as_text=True)


def test_lost_link_is_limited_per_client_address_too(app, client, event):
    token = csrf_token(client, f"/events/{SLUG}/lost-link")
    answers = [
        client.post(
            f"/events/{SLUG}/lost-link",
            data={"email": f"someone{i}@example.org", "csrf_token": token},
        ).status_code
        for i in range(21)
    ]
    assert answers == [200] * 20 + [429]


def test_login_attempts_are_limited_per_client_address(app, client, event):
    app.config["LOGIN_RATE_LIMIT"] = "3 per 15 minutes"
    token = csrf_token(client, "/admin/login")
    answers = [
        client.post(
            "/admin/login",
            data={"email": f"u{i}@example.org", "password": "x", "csrf_token": token},
        ).status_code
        for i in range(4)
    ]
    assert answers == [422, 422, 422, 429]


def test_limits_can_be_switched_off_for_load_tests(make_app, database_uri, event):
    app = make_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": database_uri,
            "RATELIMIT_ENABLED": False,
            "LOST_LINK_ADDRESS_LIMIT": "1 per hour",
            "WTF_CSRF_ENABLED": False,
        }
    )
    client = app.test_client()
    answers = {
        client.post(
            f"/events/{SLUG}/lost-link", data={"email": f"a{i}@example.org"}
        ).status_code
        for i in range(5)
    }
    assert answers == {200}


def test_limits_are_shared_through_redis_between_processes(
    make_app, database_uri, event
):
    # A database of its own on the local Redis, emptied before and after.
    store = redis.Redis.from_url(REDIS_TEST_URL)
    store.flushdb()
    config = {
        "TESTING": True,
        "SECRET_KEY": "x",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "RATELIMIT_STORAGE_URI": REDIS_TEST_URL,
        "LOST_LINK_ADDRESS_LIMIT": "2 per hour",
        "WTF_CSRF_ENABLED": False,
    }
    try:
        first, second = make_app(config), make_app(config)
        # Two apps stand for two server processes: they share one count.
        answers = [
            app.test_client()
            .post(f"/events/{SLUG}/lost-link", data={"email": f"r{i}@example.org"})
            .status_code
            for i, app in enumerate([first, second, first])
        ]
        assert answers == [200, 200, 429]
        assert store.dbsize() > 0
    finally:
        store.flushdb()


# --- secret links in logs ------------------------------------------------------


@pytest.mark.timeout_heavy
def test_manage_tokens_never_reach_the_server_logs(event, database_uri, tmp_path):
    log_path = tmp_path / "gunicorn.log"
    with gunicorn(database_uri, workers=1, log_path=log_path) as base:
        browser = Browser(base)
        form = valid_registration(phone="", csrf_token=browser.csrf_token(REGISTER))
        status, headers, _ = browser.request(REGISTER, form)
        assert status == 303
        manage = headers["Location"]
        token = manage.rsplit("/", 1)[1]
        disguised = (
            f"/%72/{token}",
            f"/r%2F{token}",
            f"/r%2f{token}/edit",
            f"//r//{token}",
            f"/%2572/{token}",
            f"/R/{token}",
            f"/events/{SLUG}/?next=%2Fr%2F{token}",
        )
        opened = {path: browser.request(path)[0] for path in disguised}
        for path in (
            manage,
            manage + "/invite.ics",
            manage + "/edit",
            "/r/not-a-token",
        ):
            browser.request(path)
    log = log_path.read_text()
    assert "GET /r/[redacted]" in log  # the access log is on and redacted
    # Decoded by the server, these reach (or redirect to) the manage page.
    assert opened[f"/%72/{token}"] == opened[f"/r%2F{token}"] == 200
    assert token not in log
    assert "not-a-token" not in log


def test_the_development_server_log_is_redacted_too(app):
    import logging

    from app.log_redaction import RedactManageLinks

    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '"%s" %s',
        ("GET /r/abcDEF123 HTTP/1.1", 200),
        None,
    )
    RedactManageLinks().filter(record)
    assert "abcDEF123" not in record.getMessage()
    assert "/r/[redacted]" in record.getMessage()


@pytest.mark.parametrize(
    "line",
    [
        "GET /%72/abcDEF123 HTTP/1.1",
        "GET /r%2FabcDEF123 HTTP/1.1",
        "GET /%2572%252FabcDEF123 HTTP/1.1",
        "GET //r//abcDEF123/edit HTTP/1.1",
        "Error handling request /%72/abcDEF123",
        "https://register.example.org/R/abcDEF123",
    ],
)
def test_links_are_redacted_however_they_are_encoded(line):
    from app.log_redaction import redact

    assert "abcDEF123" not in redact(line)
    assert "/r/[redacted]" in redact(line).lower()


def test_lines_without_a_link_are_left_alone():
    from app.log_redaction import redact

    for line in ("GET /events/x/?q=50%25 HTTP/1.1", "https://example.org//x", "-"):
        assert redact(line) == line


# --- database outage -----------------------------------------------------------


@pytest.mark.timeout_heavy
@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="terminates PostgreSQL backends"
)
def test_the_app_recovers_when_its_database_connections_are_killed(event, database_uri):
    admin_engine = create_engine(database_uri)
    database = admin_engine.url.database
    with gunicorn(database_uri, workers=2) as base:
        browser = Browser(base)
        assert browser.request("/")[0] == 200
        with admin_engine.connect() as connection:
            killed = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :db AND pid <> pg_backend_pid()"
                ),
                {"db": database},
            ).scalar()
        assert killed >= 1
        answers = [browser.request("/")[0] for _ in range(6)]
        answers += [browser.request("/healthz")[0] for _ in range(4)]
    admin_engine.dispose()
    # Pre-ping replaces dead connections: no error page, nothing half-written.
    assert set(answers) == {200}, answers


def test_pages_answer_503_while_the_database_is_down(make_app):
    app = make_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/none",
        }
    )
    client = app.test_client()
    for path in ("/", REGISTER, "/healthz", "/r/some-token"):
        assert client.get(path).status_code == 503, path


def test_gunicorn_config_sets_production_defaults():
    probe = (
        "import runpy; c = runpy.run_path('gunicorn.conf.py'); "
        "print(c['workers'], c['accesslog'], c['logger_class'].__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        env={**os.environ, "WEB_CONCURRENCY": ""},
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout.split()
    assert int(output[0]) >= os.cpu_count()
    assert output[1:] == ["-", "RedactingLogger"]


def test_the_event_page_is_the_same_for_everyone_and_sets_no_cookie(client, event):
    first = client.get("/")
    second = client.get("/")

    assert "Set-Cookie" not in first.headers
    assert first.get_data() == second.get_data()
    assert "csrf_token" not in first.get_data(as_text=True)
    assert "public" in first.headers["Cache-Control"]


# --- request bodies have a limit -------------------------------------------------


def test_an_oversized_request_is_refused_with_413_and_stores_nothing(
    app, client, event
):
    form = valid_registration(full_name="x" * 10_000_000)
    form["csrf_token"] = csrf_token(client, REGISTER)

    response = client.post(REGISTER, data=form)

    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Nothing was saved" in page
    assert len(page) < 20_000
    with app.app_context():
        assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_a_refused_value_is_never_shown_back_longer_than_its_field_allows(
    app, client, event
):
    form = valid_registration(
        full_name="N" * 30_000, arrival_date="2011-04-03" + "9" * 20_000
    )
    form["csrf_token"] = csrf_token(client, REGISTER)

    response = client.post(REGISTER, data=form)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Keep your name under 200 characters." in page
    assert "N" * 200 in page  # what fits is kept for the delegate
    assert "N" * 201 not in page
    assert "9" * 300 not in page
    assert len(page) < 40_000


def test_redacting_a_decoded_line_forges_no_new_line():
    from app.log_redaction import redact

    line = redact('GET /r%2FabcDEF123%0D%0A127.0.0.1 - - "GET /forged" HTTP/1.1')

    assert "abcDEF123" not in line
    assert "\r" not in line and "\n" not in line


def test_address_check_links_are_redacted_too():
    from app.log_redaction import redact

    line = redact("GET /events/score-bogor-2011/confirm/secretTOKEN123 HTTP/1.1")

    assert "secretTOKEN123" not in line
    assert "/confirm/[redacted]" in line


@pytest.mark.parametrize(
    "path",
    [
        "/verify/Ver1ficationCodeXYZabc",
        "/admin/events/score-bogor-2011/check-in/Ver1ficationCodeXYZabc",
    ],
)
def test_document_and_badge_codes_are_redacted_too(path):
    from app.log_redaction import redact

    line = redact(f"GET {path} HTTP/1.1")

    assert "Ver1ficationCodeXYZabc" not in line
    assert "/[redacted]" in line
