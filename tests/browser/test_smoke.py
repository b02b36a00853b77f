"""The browser fixtures work: Chromium opens the event page served by gunicorn."""

from tests.browser.conftest import axe_violations


def test_event_page_opens_in_chromium(page):
    page.goto("/")
    assert page.locator("h1").inner_text() == "SCORE Global Knowledge Sharing Workshop"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert isinstance(axe_violations(page), list)
