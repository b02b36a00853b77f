"""Every page works with JavaScript off; any script is small, local and optional."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Registration
from tests.browser.conftest import PHONE, log_in, new_page
from tests.conftest import SLUG

# "Small": a local script, if one is ever added, stays an enhancement.
SCRIPT_BUDGET_BYTES = 20_000


def scripts_of(tab) -> list[dict]:
    """Every <script> of the page: its absolute src (or None) and its text size."""
    return [
        {
            "src": urljoin(tab.url, src)
            if (src := script.get_attribute("src"))
            else None,
            "inline": len(script.text_content() or ""),
        }
        for script in tab.locator("script").all()
    ]


def check_pages_without_javascript(tab, live_server, pages: dict[str, str]) -> list:
    """Open each page with JavaScript off; the problems found."""
    problems = []
    origin = urlsplit(live_server).netloc
    for name, url in pages.items():
        response = tab.goto(url)
        if response.status >= 500:
            problems.append(f"{name}: HTTP {response.status}")
        if tab.locator("h1").count() < 1:
            problems.append(f"{name}: no heading without JavaScript")
        for script in scripts_of(tab):
            if script["src"] is None:
                problems.append(f"{name}: an inline script (the CSP forbids them)")
            elif urlsplit(script["src"]).netloc != origin:
                problems.append(f"{name}: a script from another origin {script['src']}")
            else:
                size = len(tab.request.get(script["src"]).body())
                if size > SCRIPT_BUDGET_BYTES:
                    problems.append(f"{name}: {script['src']} is {size} bytes")
        if tab.locator("noscript").count():
            problems.append(f"{name}: a <noscript> message: the page needs a script")
    return problems


def test_every_page_works_without_javascript_and_loads_no_foreign_script(
    browser, live_server, admin, public_urls, organiser_urls
):
    with new_page(browser, live_server, java_script_enabled=False) as tab:
        foreign = []
        tab.on(
            "request",
            lambda request: (
                foreign.append(request.url)
                if urlsplit(request.url).netloc != urlsplit(live_server).netloc
                else None
            ),
        )
        problems = check_pages_without_javascript(tab, live_server, public_urls)
        log_in(tab, *admin)
        problems += check_pages_without_javascript(tab, live_server, organiser_urls)
    assert not problems, "\n".join(problems)
    assert foreign == [], "every request stays on the site"


def test_a_delegate_registers_with_javascript_off(browser, live_server, app, event):
    with new_page(browser, live_server, java_script_enabled=False) as tab:
        tab.goto("/")
        tab.get_by_role("link", name="Register", exact=True).click()
        tab.get_by_label("Full name (required)", exact=True).fill("Ama Owusu")
        tab.get_by_label("E-mail address (required)", exact=True).fill("ama@example")
        tab.get_by_label("Country programme (required)", exact=True).select_option("GH")
        tab.get_by_label("Organisation (required)", exact=True).fill("Ghana Employers")
        tab.get_by_label("Category (required)", exact=True).select_option("employers")
        tab.get_by_label("I agree to the privacy notice").check()
        tab.get_by_role("button", name="Register").click()

        # The server checks the form; the first error takes the focus unaided.
        email = tab.get_by_label("E-mail address (required)", exact=True)
        expect(tab.locator("#email-error")).to_be_visible()
        expect(email).to_be_focused()
        email.fill("ama@ghana-employers.example.org")
        tab.get_by_role("button", name="Register").click()

        expect(tab).to_have_url(re.compile(r"/r/[\w-]+$"))
        expect(tab.get_by_text("You are registered")).to_be_visible()
        with tab.expect_download() as download:
            tab.get_by_role("link", name="Download your invitation (.ics)").click()
        assert download.value.path().read_bytes().startswith(b"BEGIN:VCALENDAR")
    with app.app_context():
        ama = db.session.scalars(select(Registration)).one()
        assert (ama.email, ama.status) == (
            "ama@ghana-employers.example.org",
            "confirmed",
        )


def test_the_registration_desk_works_with_javascript_off(
    browser, live_server, app, organiser, delegates
):
    priya = delegates[1]
    with new_page(
        browser, live_server, viewport=PHONE, java_script_enabled=False
    ) as tab:
        log_in(tab, *organiser)
        tab.goto(f"/admin/events/{SLUG}/check-in")
        tab.get_by_label("Name or reference").fill(priya.reference)
        tab.get_by_role("button", name="Find").click()
        tab.get_by_role("button", name="Mark present").click()
        expect(tab.get_by_role("status")).to_contain_text("Checked in.")
        match = tab.get_by_role("listitem").filter(has_text=priya.reference)
        expect(match.get_by_text("Present", exact=True)).to_be_visible()
    with app.app_context():
        assert db.session.get(Registration, priya.id).checked_in_at is not None
