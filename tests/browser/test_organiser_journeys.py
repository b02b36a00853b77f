"""Organisers at work in a real browser: the attendee list and its CSV on a
laptop, the registration desk on a phone."""

from __future__ import annotations

import csv
import re

from playwright.sync_api import expect

from app.extensions import db
from app.models import Registration
from tests.browser.conftest import PHONE, log_in, new_page
from tests.conftest import SLUG


def test_an_organiser_filters_the_attendees_by_country_and_downloads_the_csv(
    page, organiser, delegates
):
    kofi, priya, lan = delegates
    log_in(page, *organiser)
    page.get_by_role("link", name="Attendees").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Attendees")
    table = page.get_by_role("table")
    for delegate in delegates:
        expect(table.get_by_role("cell", name=delegate.full_name)).to_be_visible()

    page.get_by_label("Country programme").select_option(label="Ghana")
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(re.compile(r"country=GH"))
    expect(page.get_by_text("1 registration.")).to_be_visible()
    expect(table.get_by_role("cell", name=kofi.full_name)).to_be_visible()
    expect(table.get_by_role("cell", name=priya.full_name)).to_have_count(0)
    expect(table.get_by_role("cell", name=lan.full_name)).to_have_count(0)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert re.fullmatch(
        rf"{SLUG}-attendees-\d{{4}}-\d\d-\d\d\.csv", download.value.suggested_filename
    )
    text = download.value.path().read_text(encoding="utf-8")
    assert text.startswith("\ufeff"), "a byte-order mark, for spreadsheets"
    rows = list(csv.DictReader(text.removeprefix("\ufeff").splitlines()))
    assert [row["reference"] for row in rows] == [kofi.reference]
    [row] = rows
    assert row["full_name"] == "Kofi Mensah"
    assert row["email"] == "kofi@gh.example.org"
    assert row["country"] == "GH"
    assert row["country_name"] == "Ghana"
    assert row["status"] == "confirmed"
    assert row["needs_accommodation"] == "yes"
    assert row["dietary"] == "halal"


def test_an_organiser_checks_a_delegate_in_on_a_phone(
    browser, live_server, app, organiser, delegates
):
    kofi = delegates[0]
    with new_page(browser, live_server, viewport=PHONE) as phone:
        log_in(phone, *organiser)
        phone.get_by_role("link", name="Dashboard").first.click()
        phone.get_by_role("link", name="Check-in").click()
        expect(phone.get_by_role("heading", name="Check-in")).to_be_visible()

        # The search box has the focus: the desk types at once.
        search = phone.get_by_label("Name or reference")
        expect(search).to_be_focused()
        search.fill("kofi")
        phone.get_by_role("button", name="Find").click()

        match = phone.get_by_role("listitem").filter(has_text=kofi.reference)
        expect(match).to_contain_text("Kofi Mensah")
        expect(match).to_contain_text("Ghana")
        button = match.get_by_role("button", name="Mark present")
        box = button.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]
        assert box["height"] >= 24, "a button big enough for a thumb"
        button.click()

        expect(phone.get_by_role("status")).to_contain_text("Checked in.")
        expect(phone.get_by_label("Name or reference")).to_have_value("kofi")
        expect(match.get_by_text("Present", exact=True)).to_be_visible()
        expect(match.get_by_role("button", name="Undo")).to_be_visible()
        row = phone.get_by_role("row").filter(has=phone.get_by_text("Ghana"))
        expect(row.get_by_role("cell")).to_have_text(["1", "1"])
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    with app.app_context():
        checked_in = db.session.get(Registration, kofi.id).checked_in_at
        assert checked_in is not None
        assert checked_in.tzinfo is not None
