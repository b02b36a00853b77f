"""A delegate registers in a real browser: with the mouse, after a mistake, and
with the keyboard alone; then takes the calendar file and the private link."""

from __future__ import annotations

import re

import icalendar
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage, Registration
from tests.browser.conftest import new_page
from tests.conftest import SLUG
from tests.helpers import built_message

REFERENCE = re.compile(r"SCR-[2-9A-HJ-NP-Z]{6}")


def registration_by_reference(app, reference: str) -> Registration:
    with app.app_context():
        registration = db.session.scalar(
            select(Registration).where(Registration.reference == reference)
        )
        assert registration is not None, reference
        db.session.expunge(registration)
        return registration


def manage_link_in_confirmation_mail(app, registration_id: int, base_url: str) -> str:
    """The private link from the text part of the queued confirmation e-mail,
    built as the live server's mail worker would build it."""
    app.config["BASE_URL"] = base_url
    with app.app_context():
        message = db.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.registration_id == registration_id,
                OutboxMessage.kind == "confirmed",
            )
        )
        assert message is not None, "no confirmation e-mail queued"
        # Built as the mail worker does, its link kept: as if it were sent.
        parsed = built_message(message, keep_link=True)
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+/r/[\w-]+", text).group(0)


def fill_registration(page, email_address: str) -> None:
    """Fill the form as a person reads it: each field found by its label."""
    page.get_by_label("Full name (required)", exact=True).fill("Siti Rahayu")
    page.get_by_label("E-mail address (required)", exact=True).fill(email_address)
    page.get_by_label("Country programme (required)", exact=True).select_option(
        label="Indonesia"
    )
    page.get_by_label("Organisation (required)", exact=True).fill("Apindo")
    page.get_by_label("Job title").fill("Training coordinator")
    page.get_by_label("Category (required)", exact=True).select_option(
        label="Employers' organisation"
    )
    page.get_by_label("Female").check()
    page.get_by_label("Phone (with country code)").fill("+62 21 3913112")
    page.get_by_label("Arrival date").fill("2011-04-03")
    page.get_by_label("Departure date").fill("2011-04-09")
    page.get_by_label("I need a hotel room in Bogor").check()
    page.get_by_label("Dietary requirements").select_option(label="Halal")
    page.get_by_label("I agree to the privacy notice").check()


def test_a_delegate_registers_takes_the_calendar_file_and_opens_the_manage_link(
    page, app, browser, live_server
):
    page.goto("/")
    page.get_by_role("link", name="Register", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/events/{SLUG}/register$"))

    fill_registration(page, "siti@apindo.example.org")
    page.get_by_role("button", name="Register").click()

    # The confirmation: the delegate's own page, with the reference.
    expect(page).to_have_url(re.compile(r"/r/[\w-]+$"))
    confirmation = page.get_by_role("status").filter(has_text="You are registered")
    expect(confirmation).to_be_visible()
    reference = REFERENCE.search(confirmation.inner_text()).group(0)
    registration = registration_by_reference(app, reference)
    assert registration.status == "confirmed"
    assert registration.email == "siti@apindo.example.org"
    assert registration.needs_accommodation
    assert str(registration.arrival_date) == "2011-04-03"

    # The personal calendar file is a real download.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your invitation (.ics)").click()
    assert download.value.suggested_filename.endswith(".ics")
    body = download.value.path().read_bytes()
    assert body.startswith(b"BEGIN:VCALENDAR")
    calendar = icalendar.Calendar.from_ical(body)
    [invitation] = calendar.walk("VEVENT")
    assert str(invitation["UID"]).startswith(f"registration-{registration.id}@")
    assert reference in str(invitation["DESCRIPTION"])
    assert invitation.decoded("DTSTART").isoformat().startswith("2011-04-04")

    # The private link from the confirmation e-mail opens the same page,
    # in a browser that has never seen the site.
    link = manage_link_in_confirmation_mail(app, registration.id, live_server)
    assert link.startswith(live_server + "/r/")
    with new_page(browser, live_server) as mail_reader:
        mail_reader.goto(link)
        expect(
            mail_reader.get_by_role("heading", name="Your registration")
        ).to_be_visible()
        expect(mail_reader.get_by_text(reference).first).to_be_visible()
        expect(mail_reader.get_by_text("Siti Rahayu")).to_be_visible()


def test_a_bad_email_is_shown_next_to_the_field_and_the_typed_values_stay(page, app):
    page.goto(f"/events/{SLUG}/register")
    fill_registration(page, "siti@@apindo")
    page.get_by_role("button", name="Register").click()

    email_field = page.get_by_label("E-mail address (required)", exact=True)
    message = page.locator("#email-error")
    expect(message).to_contain_text("Enter a valid e-mail address")
    # Next to the field: right under its label, and tied to it.
    label_box = page.locator("label[for=email]").bounding_box()
    message_box = message.bounding_box()
    field_box = email_field.bounding_box()
    assert label_box["y"] < message_box["y"] < field_box["y"]
    assert field_box["y"] - (message_box["y"] + message_box["height"]) < 40
    expect(email_field).to_have_attribute("aria-invalid", "true")
    expect(email_field).to_have_attribute("aria-describedby", "email-error")
    expect(email_field).to_have_accessible_description(re.compile("valid e-mail"))
    expect(page.get_by_role("alert")).to_contain_text("E-mail address")

    # Everything typed is still there.
    expect(email_field).to_have_value("siti@@apindo")
    expect(page.get_by_label("Full name (required)", exact=True)).to_have_value(
        "Siti Rahayu"
    )
    expect(page.get_by_label("Country programme (required)", exact=True)).to_have_value(
        "ID"
    )
    expect(page.get_by_label("Organisation (required)", exact=True)).to_have_value(
        "Apindo"
    )
    expect(page.get_by_label("Category (required)", exact=True)).to_have_value(
        "employers"
    )
    expect(page.get_by_label("Female")).to_be_checked()
    expect(page.get_by_label("Arrival date")).to_have_value("2011-04-03")
    expect(page.get_by_label("I need a hotel room in Bogor")).to_be_checked()
    expect(page.get_by_label("Dietary requirements")).to_have_value("halal")
    expect(page.get_by_label("I agree to the privacy notice")).to_be_checked()
    # Other fields carry no error.
    expect(page.get_by_label("Full name (required)", exact=True)).not_to_have_attribute(
        "aria-invalid", "true"
    )

    # Correcting the address is enough.
    email_field.fill("siti@apindo.example.org")
    page.get_by_role("button", name="Register").click()
    expect(
        page.get_by_role("status").filter(has_text="You are registered")
    ).to_be_visible()
    with app.app_context():
        assert (
            db.session.scalar(select(Registration.email)) == "siti@apindo.example.org"
        )


# --- keyboard only -----------------------------------------------------------


def focused(page, selector: str) -> bool:
    return page.evaluate("s => document.activeElement.matches(s)", selector)


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page, selector):
            assert page.evaluate(
                "getComputedStyle(document.activeElement).outlineStyle"
            ) not in ("none", ""), f"{selector} shows no focus ring"
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_delegate_registers_with_the_keyboard_alone(browser, live_server, app, event):
    with new_page(browser, live_server, locale="en-US") as page:
        page.goto("/")
        # The skip link comes first and jumps to the content.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        page.keyboard.press("Enter")
        assert focused(page, "main")
        tab_to(page, "a.button.primary")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf"/events/{SLUG}/register$"))

        tab_to(page, "#full_name")
        page.keyboard.type("Nguyễn Thị Hoa")
        page.keyboard.press("Tab")
        assert focused(page, "#badge_name")
        page.keyboard.type("Hoa")
        page.keyboard.press("Tab")
        assert focused(page, "#email")
        page.keyboard.type("hoa@score-vn.example.org")
        page.keyboard.press("Tab")
        assert focused(page, "#country")
        page.keyboard.type("Viet")  # a closed select picks by typing
        page.keyboard.press("Tab")
        page.keyboard.type("SCORE Viet Nam")
        tab_to(page, "#category")
        page.keyboard.type("SCORE")
        tab_to(page, "input[name=gender]:checked")
        for _ in range(3):  # from "Prefer not to say" up to "Female"
            page.keyboard.press("ArrowUp")
        tab_to(page, "#arrival_date")
        page.keyboard.type("04032011")  # mm dd yyyy in an en-US browser
        tab_to(page, "#needs_visa_letter")
        page.keyboard.press("Space")
        # A visa letter needs the passport's details.
        tab_to(page, "#passport_name")
        page.keyboard.type("NGUYEN THI HOA")
        page.keyboard.press("Tab")
        assert focused(page, "#nationality")
        page.keyboard.type("Vietnam")
        tab_to(page, "#passport_number")
        page.keyboard.type("B1234567")
        tab_to(page, "#passport_expiry")
        page.keyboard.type("01312015")  # mm dd yyyy, as above
        tab_to(page, "#date_of_birth")
        page.keyboard.type("06151975")
        tab_to(page, "#visa_embassy")
        page.keyboard.type("Embassy of Indonesia, Hanoi")
        tab_to(page, "#consent")
        page.keyboard.press("Space")
        tab_to(page, "button[type=submit]")
        page.keyboard.press("Enter")

        page.wait_for_url(re.compile(r"/r/[\w-]+$"))
        expect(page.get_by_text("You are registered")).to_be_visible()

    with app.app_context():
        hoa = db.session.scalar(select(Registration))
        assert hoa.full_name == "Nguyễn Thị Hoa"
        assert hoa.email == "hoa@score-vn.example.org"
        assert hoa.programme.code == "VN"
        assert hoa.category == "score_team"
        assert hoa.gender == "female"
        assert str(hoa.arrival_date) == "2011-04-03"
        assert hoa.needs_visa_letter
        assert hoa.badge_name == "Hoa"
        assert hoa.nationality == "VN"
        assert hoa.passport_number == "B1234567"
        assert str(hoa.passport_expiry) == "2015-01-31"
        assert not hoa.needs_accommodation
        assert hoa.status == "confirmed"
