"""In a real browser, in other languages: a Vietnamese delegate registers in
Vietnamese, and no page scrolls sideways on a phone in any language."""

from __future__ import annotations

import icalendar
import pytest
from babel.support import Translations
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage, Registration
from tests.browser.conftest import PHONE, log_in, new_page
from tests.browser.test_layout import sideways_overflow
from tests.helpers import built_message
from tests.pseudo import ROOT

VIETNAMESE_TITLE = "Hội thảo Chia sẻ Kiến thức Toàn cầu SCORE"


def vietnamese(english: str) -> str:
    catalogue = Translations.load(str(ROOT / "app" / "translations"), ["vi"])
    return catalogue.gettext(english)


def required(label: str) -> str:
    return f"{vietnamese(label)} {vietnamese('(required)')}"


def test_a_vietnamese_delegate_finds_reads_and_fills_the_form_in_vietnamese(page, app):
    page.goto("/")
    page.get_by_role("navigation", name="Language").get_by_role(
        "link", name="Tiếng Việt"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(VIETNAMESE_TITLE)
    page.get_by_role("link", name=vietnamese("Register"), exact=True).click()
    assert page.evaluate("document.documentElement.lang") == "vi"

    page.get_by_label(required("Full name"), exact=True).fill("Trần Văn Nam")
    page.get_by_label(required("E-mail address"), exact=True).fill("nam@vn.example.org")
    page.get_by_label(required("Country programme"), exact=True).select_option(
        label="Việt Nam"
    )
    page.get_by_label(required("Organisation"), exact=True).fill("SCORE Việt Nam")
    page.get_by_label(required("Category"), exact=True).select_option(
        label=vietnamese("SCORE programme team")
    )
    page.get_by_label(vietnamese("I agree to the privacy notice")).check()
    page.get_by_role("button", name=vietnamese("Register")).click()

    confirmation = page.get_by_role("status")
    expect(confirmation).to_contain_text(VIETNAMESE_TITLE)
    with app.app_context():
        registration = db.session.scalar(
            select(Registration).where(Registration.email == "nam@vn.example.org")
        )
        assert registration.language == "vi"
        row = db.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.registration_id == registration.id,
                OutboxMessage.kind == "confirmed",
            )
        )
        message = built_message(row)
    assert message["Subject"].startswith(vietnamese("Registration confirmed"))
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            invitation = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            assert str(invitation.walk("VEVENT")[0]["SUMMARY"]) == VIETNAMESE_TITLE
            break
    else:
        raise AssertionError("no calendar invitation in the confirmation")


@pytest.mark.parametrize("language", ["id", "zh-Hans", "es", "vi"])
def test_no_page_scrolls_sideways_on_a_phone_in_any_language(
    browser, live_server, admin, public_urls, organiser_urls, language
):
    found = {}
    with new_page(browser, live_server, viewport=PHONE) as phone:
        log_in(phone, *admin)
        phone.goto(f"/?lang={language}")
        for name, url in {**public_urls, **organiser_urls}.items():
            phone.goto(url)
            found[name] = sideways_overflow(phone)
    found = {name: overflow for name, overflow in found.items() if overflow}
    assert not found, found
