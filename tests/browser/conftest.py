"""Real-browser fixtures: the app under gunicorn on a free port, Debian's Chromium.

Playwright's own browser download does not work here, so the tests drive
/usr/bin/chromium (or CHROMIUM_PATH). If it is missing the tests fail loudly:
CI installs it (see .ci/run); nothing is skipped silently.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

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
