"""Real-browser fixtures: the app under gunicorn on a free port, Debian's Chromium.

Playwright's own browser download does not work here, so the tests drive
/usr/bin/chromium (or CHROMIUM_PATH). If it is missing the tests fail loudly:
CI installs it (see .ci/run); nothing is skipped silently.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from app.extensions import db
from app.services import events as event_service
from tests.conftest import SLUG
from tests.live_server import gunicorn

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        pytest.fail(
            "Chromium not found: install Debian's 'chromium' package "
            "(apt-get install chromium) or set CHROMIUM_PATH.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def live_server(database_uri):
    """The app served by gunicorn against the test database."""
    with gunicorn(database_uri, workers=2) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, event):
    """A fresh browser tab at desktop size, the workshop seeded."""
    # bypass_csp lets the tests inject axe-core; the app's own pages run
    # under their real Content-Security-Policy otherwise.
    context = browser.new_context(
        base_url=live_server, viewport=DESKTOP, accept_downloads=True, bypass_csp=True
    )
    with_axe(context)
    tab = context.new_page()
    yield tab
    context.close()


def with_axe(context) -> None:
    """Load axe-core into every page of ``context`` as it opens.

    Much faster than injecting the 550 kB script into each page afterwards;
    it runs only where JavaScript is on, and the pages never call it.
    """
    if AXE.exists():
        context.add_init_script(path=str(AXE))


@pytest.fixture
def screenshots(tmp_path_factory):
    """Where the tests save their screenshots."""
    return tmp_path_factory.mktemp("screenshots")


def axe_violations(tab, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (WCAG 2.1 A and AA) on the page; the violations of ``impacts``."""
    if not AXE.exists():
        pytest.fail("axe-core missing: run 'npm ci' (make test does).", pytrace=False)
    if not tab.evaluate("typeof axe !== 'undefined'"):
        tab.add_script_tag(path=str(AXE))
    result = tab.evaluate(
        """async () => await axe.run(document, {
            runOnly: {
                type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']
            },
            resultTypes: ['violations']
        })"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


# --- shared helpers for the journeys, accessibility and layout tests ----------

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
    from app.services.organisers import create_organiser

    with app.app_context():
        create_organiser("admin@example.org", ORGANISER_PASSWORD, role="admin")
        db.session.commit()
    return "admin@example.org", ORGANISER_PASSWORD


def log_in(tab, email: str, password: str) -> None:
    """Log in through the login form, as an organiser would."""
    tab.goto("/admin/login")
    tab.get_by_label("E-mail address").fill(email)
    tab.get_by_label("Password").fill(password)
    tab.get_by_role("button", name="Log in").click()
    expect(tab.get_by_role("button", name=f"Log out {email}")).to_be_visible()


@contextmanager
def new_page(browser, live_server, viewport=DESKTOP, **options):
    """A tab in a context of its own (its own cookies, size and settings)."""
    context = browser.new_context(
        base_url=live_server,
        viewport=viewport,
        accept_downloads=True,
        bypass_csp=True,
        **options,
    )
    with_axe(context)
    try:
        yield context.new_page()
    finally:
        context.close()


def format_violations(found: dict[str, list[dict]]) -> str:
    lines = []
    for url, violations in found.items():
        for v in violations:
            lines.append(
                f"{url}: [{v['impact']}] {v['id']}: {v['help']} {v['targets']}"
            )
    return "\n".join(lines)


def first_session_id(app) -> int:
    from sqlalchemy import select

    from app.models.events import ProgrammeSession

    with app.app_context():
        return db.session.scalar(
            select(ProgrammeSession.id).order_by(ProgrammeSession.id)
        )


@pytest.fixture
def public_urls(delegates):
    """Every public page a delegate can open with a GET, by name."""
    kofi = delegates[0]
    event = f"/events/{SLUG}"
    return {
        "home": "/",
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
        "lists": f"{event}/lists",
        "sign-in sheets": f"{event}/lists/sign-in",
        "sign-in sheet Ghana": f"{event}/lists/sign-in/GH",
        "rooming list": f"{event}/lists/rooming",
        "catering list": f"{event}/lists/catering",
        "visa letters": f"{event}/lists/visa-letters",
        "settings": f"{event}/settings",
        "settings details": f"{event}/settings/details",
        "settings sessions": f"{event}/settings/sessions",
        "settings new session": f"{event}/settings/sessions/new",
        "settings edit session": f"{event}/settings/sessions/{session}/edit",
        "settings delete session": f"{event}/settings/sessions/{session}/delete",
        "settings seats": f"{event}/settings/seats",
        "settings registration": f"{event}/settings/registration",
        "audit log": f"{event}/log",
        "outbox": f"{event}/outbox",
        "accounts": "/admin/accounts",
        "password": "/admin/password",
        "unknown registration (404)": f"{event}/registrations/999999",
    }
