"""Fixtures: a real database (SQLite, or PostgreSQL from TEST_DATABASE_URL),
built by the Alembic migrations once per run and emptied after every test."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from app.services import events as event_service
from app.services.seeding import seed_workshop
from config import database_url

BASE_URL = "https://register.example.org"
SLUG = "score-bogor-2011"
CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')


def _test_database_url(tmp_path_factory) -> str:
    raw = os.environ.get("TEST_DATABASE_URL")
    if raw:
        return database_url(raw, Path("."))
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory) -> str:
    uri = _test_database_url(tmp_path_factory)
    if uri.startswith("postgresql"):
        engine = create_engine(uri)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(_test_config(uri))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return uri


def _test_config(uri: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": uri,
        "BASE_URL": BASE_URL,
        # Every page afresh: a test reads what it has just changed.
        "CACHE_TYPE": "NullCache",
        # scrypt takes a fifth of a second a password, on purpose.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


@pytest.fixture
def empty_database(tmp_path):
    """An empty database of its own: a file on SQLite, a new database on
    PostgreSQL."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url = make_url(database_url(server, tmp_path))
    name = f"score_empty_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def app(database_uri):
    app = create_app(_test_config(database_uri))
    yield app
    with app.app_context():
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def caching_app(database_uri, app):
    """The app as production runs it: the public pages kept for a minute in
    the process (SimpleCache), on the test database."""
    other = create_app(
        {
            **_test_config(database_uri),
            "CACHE_TYPE": "SimpleCache",
            "CACHE_DEFAULT_TIMEOUT": 60,
            "PAGE_CACHE_SECONDS": 60,
        }
    )
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def pseudo_catalogue(tmp_path_factory) -> Path:
    """A translation directory with the pseudo-language ``eo``: every message
    of the sources, extracted now, wrapped in ⟦…⟧ (see tests/pseudo.py)."""
    from tests.pseudo import build_pseudo_catalogue

    return build_pseudo_catalogue(tmp_path_factory.mktemp("pseudo"))


@pytest.fixture
def pseudo_app(database_uri, app, pseudo_catalogue):
    """The app with the pseudo-language ``eo`` beside the real ones."""
    translations = Path(app.root_path) / "translations"
    other = create_app(
        {
            **_test_config(database_uri),
            "BABEL_TRANSLATION_DIRECTORIES": f"{translations};{pseudo_catalogue}",
            "EXTRA_LANGUAGES": {"eo": "eo"},
        }
    )
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _empty_all_tables() -> None:
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def event(app):
    """The seeded workshop, committed like `flask seed` does."""
    with app.app_context():
        seed_workshop()
        db.session.commit()
    return SLUG


def csrf_token(client, url: str) -> str:
    page = client.get(url)
    match = CSRF_PATTERN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def valid_registration(**overrides) -> dict:
    form = {
        "full_name": "Trần Văn Nam",
        "email": "nam@example.org",
        "country": "VN",
        "organisation": "SCORE Viet Nam",
        "job_title": "Programme officer",
        "category": "score_team",
        "gender": "male",
        "phone": "+84 24 3734 0902",
        "arrival_date": "2011-04-03",
        "departure_date": "2011-04-09",
        "needs_accommodation": "y",
        "dietary": "halal",
        "dietary_detail": "",
        "accessibility": "",
        "needs_visa_letter": "y",
        "passport_name": "TRAN VAN NAM",
        "nationality": "VN",
        "passport_number": "c 1234567",
        "passport_expiry": "2015-01-31",
        "date_of_birth": "1975-06-15",
        "visa_embassy": "Embassy of Indonesia, Hanoi",
        "consent": "y",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


@pytest.fixture
def register(client, event):
    """POST the registration form with a real CSRF token; returns the response."""
    url = f"/events/{SLUG}/register"

    def post(**overrides):
        data = valid_registration(**overrides)
        if "csrf_token" not in data:
            data["csrf_token"] = csrf_token(client, url)
        return client.post(url, data=data)

    return post


@pytest.fixture
def smtp(app):
    """A running SMTP server, and the app configured to deliver to it."""
    from smtp_server import HOST, SmtpServer

    server = SmtpServer().start()
    app.config.update(MAIL_SERVER=HOST, MAIL_PORT=server.port, MAIL_TIMEOUT=10)
    yield server
    server.stop()


@pytest.fixture
def organiser(app, event):
    """An organiser in the seeded workshop's team: (e-mail, password)."""
    from tests.helpers import add_organiser

    with app.app_context():
        add_organiser("organiser@example.org", "correct horse battery")
        db.session.commit()
    return "organiser@example.org", "correct horse battery"


def log_in(client, email: str, password: str) -> None:
    """Log ``client`` in as an organiser through the login form."""
    token = csrf_token(client, "/admin/login")
    response = client.post(
        "/admin/login",
        data={"email": email, "password": password, "csrf_token": token},
    )
    assert response.status_code == 303


def staff_client(app, email="staff@example.org", role="organiser", country=None):
    """A new client logged in with a new account of ``role``."""
    from tests.helpers import add_organiser

    with app.app_context():
        add_organiser(email, ORGANISER_PASSWORD, role, country)
        db.session.commit()
    client = app.test_client()
    log_in(client, email, ORGANISER_PASSWORD)
    return client


@pytest.fixture
def logged_in(client, organiser):
    log_in(client, *organiser)
    return client


# --- delegates and pages shared by the page, browser and validator tests -----

ORGANISER_PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Delegate:
    id: int
    reference: str
    token: str
    full_name: str
    email: str
    country: str


def add_delegate(app, full_name: str, email: str, country: str = "GH", **details):
    """Register a delegate through the service layer and commit; a ``Delegate``."""
    from app.services.registration import DelegateDetails, register_delegate

    with app.app_context():
        event = event_service.event_by_slug(SLUG)
        created = register_delegate(
            event,
            DelegateDetails(
                full_name=full_name,
                email=email,
                country=country,
                organisation=details.pop("organisation", "SCORE"),
                category=details.pop("category", "score_team"),
                **details,
            ),
            privacy_notice_version=event.privacy_notice_version,
        )
        db.session.commit()
        registration = created.registration
        return Delegate(
            registration.id,
            registration.reference,
            created.token,
            full_name,
            email,
            country,
        )


@pytest.fixture
def delegates(app, event):
    """Three confirmed delegates from Ghana, India and Viet Nam."""
    return [
        add_delegate(
            app,
            "Kofi Mensah",
            "kofi@gh.example.org",
            "GH",
            needs_accommodation=True,
            needs_visa_letter=True,
            dietary="halal",
            listed_publicly=True,
        ),
        add_delegate(app, "Priya Sharma", "priya@in.example.org", "IN"),
        add_delegate(app, "Trần Thị Lan", "lan@vn.example.org", "VN", dietary="vegan"),
    ]


@pytest.fixture
def admin(app):
    """An admin account: (e-mail, password)."""
    from tests.helpers import add_organiser

    with app.app_context():
        add_organiser("admin@example.org", ORGANISER_PASSWORD, role="admin")
        db.session.commit()
    return "admin@example.org", ORGANISER_PASSWORD


def first_session_id(app) -> int:
    from sqlalchemy import select

    from app.models.events import ProgrammeSession

    with app.app_context():
        return db.session.scalar(
            select(ProgrammeSession.id).order_by(ProgrammeSession.id)
        )


def attended_first_day(app, registration_id: int) -> str:
    """Check the delegate in on the workshop's first day; their certificate's
    verification code."""
    from datetime import UTC, datetime

    from app.models import Registration

    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        registration.checked_in_at = datetime(2011, 4, 4, 1, 30, tzinfo=UTC)
        db.session.commit()
        return registration.certificate_code


@pytest.fixture
def public_urls(app, delegates):
    """Every public page a delegate can open with a GET, by name."""
    kofi = delegates[0]
    event = f"/events/{SLUG}"
    return {
        "home": "/",
        "verify a certificate": f"/verify/{attended_first_day(app, delegates[1].id)}",
        "event": f"{event}/",
        "register": f"{event}/register",
        "privacy": f"{event}/privacy",
        "participants": f"{event}/participants",
        "lost link": f"{event}/lost-link",
        "manage": f"/r/{kofi.token}",
        "edit": f"/r/{kofi.token}/edit",
        "cancel": f"/r/{kofi.token}/cancel",
        "delete": f"/r/{kofi.token}/delete",
        "unknown page (404)": "/no-such-page",
        "unknown event (404)": "/events/no-such-event/",
        "invalid link (404)": "/r/not-a-valid-token",
    }


@pytest.fixture
def waitlisted(app, delegates):
    """Ghana's delegation filled up, and one more Ghanaian on the waiting list."""
    for n in range(5):
        add_delegate(app, f"Ama Owusu {n}", f"ama{n}@gh.example.org", "GH")
    return add_delegate(app, "Yaw Boateng", "yaw@gh.example.org", "GH")


def check_in_code(app, registration_id: int) -> str:
    from app.models import Registration

    with app.app_context():
        return db.session.get(Registration, registration_id).check_in_code


@pytest.fixture
def organiser_urls(app, delegates, waitlisted):
    """Every organiser page an admin can open with a GET, by name."""
    kofi = delegates[0]
    event = f"/admin/events/{SLUG}"
    session = first_session_id(app)
    return {
        "events": "/admin/",
        "dashboard": f"{event}/",
        "attendees": f"{event}/attendees",
        "attendees of Ghana": f"{event}/attendees?country=GH&sort=name",
        "registration": f"{event}/registrations/{kofi.id}",
        "waitlisted registration": f"{event}/registrations/{waitlisted.id}",
        "registration edit": f"{event}/registrations/{kofi.id}/edit",
        "confirm cancel": f"{event}/registrations/{kofi.id}/cancel",
        "confirm reject": f"{event}/registrations/{waitlisted.id}/reject",
        "check-in": f"{event}/check-in",
        "check-in search": f"{event}/check-in?q=Kofi",
        "check-in no match": f"{event}/check-in?q=Nobody",
        "check-in card": f"{event}/check-in/{check_in_code(app, kofi.id)}",
        "check-in card, no seat": (
            f"{event}/check-in/{check_in_code(app, waitlisted.id)}"
        ),
        "lists": f"{event}/lists",
        "sign-in sheets": f"{event}/lists/sign-in",
        "sign-in sheet Ghana": f"{event}/lists/sign-in/GH",
        "rooming list": f"{event}/lists/rooming",
        "catering list": f"{event}/lists/catering",
        "visa letters": f"{event}/lists/visa-letters",
        "import a delegation": f"{event}/import",
        "settings": f"{event}/settings",
        "settings details": f"{event}/settings/details",
        "settings sessions": f"{event}/settings/sessions",
        "settings new session": f"{event}/settings/sessions/new",
        "settings edit session": f"{event}/settings/sessions/{session}/edit",
        "settings delete session": f"{event}/settings/sessions/{session}/delete",
        "settings seats": f"{event}/settings/seats",
        "settings registration": f"{event}/settings/registration",
        "settings translations": f"{event}/settings/translations",
        "settings translation vi": f"{event}/settings/translations/vi",
        "settings visa letters": f"{event}/settings/letters",
        "settings status": f"{event}/settings/status",
        "settings programmes": f"{event}/settings/programmes",
        "clone the event": f"{event}/clone",
        "team": f"{event}/team",
        "settings contacts": f"{event}/settings/contacts",
        "new event": "/admin/events/new",
        "refuse a visa letter": f"{event}/registrations/{kofi.id}/refuse-visa-letter",
        "audit log": f"{event}/log",
        "outbox": f"{event}/outbox",
        "accounts": "/admin/accounts",
        "password": "/admin/password",
        "unknown registration (404)": f"{event}/registrations/999999",
    }
