"""Every page passes axe-core (WCAG 2.1 A and AA) with no serious or critical
violation, form errors are announced and take the focus, the language is set."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, format_violations, log_in
from tests.conftest import ORGANISER_PASSWORD, SLUG

REGISTER = f"/events/{SLUG}/register"


def audit(tab, pages: dict[str, str], language: str = "en") -> dict[str, list[dict]]:
    """axe's serious and critical violations of each page, by page name."""
    found = {}
    for name, url in pages.items():
        tab.goto(url)
        assert tab.evaluate("document.documentElement.lang") == language, name
        assert tab.title(), f"{name} has no title"
        violations = axe_violations(tab)
        if violations:
            found[f"{name} ({url})"] = violations
    return found


def active_element(tab) -> dict:
    return tab.evaluate(
        """() => {
            const el = document.activeElement;
            return {id: el.id, tag: el.tagName.toLowerCase(),
                    invalid: el.getAttribute('aria-invalid')};
        }"""
    )


def test_every_public_page_passes_axe(page, public_urls):
    found = audit(page, public_urls)
    assert not found, format_violations(found)


def test_public_pages_after_a_post_pass_axe(page, delegates):
    kofi = delegates[2]
    found = {}

    page.goto(REGISTER)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("alert")).to_be_visible()
    found["register with errors"] = axe_violations(page)

    page.goto(f"/events/{SLUG}/lost-link")
    page.get_by_label("E-mail address you registered with").fill("not-an-address")
    page.get_by_role("button", name="Send my link").click()
    expect(page.get_by_role("alert")).to_be_visible()
    found["lost link with errors"] = axe_violations(page)

    page.get_by_label("E-mail address you registered with").fill(kofi.email)
    page.get_by_role("button", name="Send my link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    found["lost link answer"] = axe_violations(page)

    page.goto(f"/r/{kofi.token}/edit")
    page.get_by_label("Full name").fill("")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert")).to_be_visible()
    found["edit with errors"] = axe_violations(page)

    page.goto(f"/r/{kofi.token}/cancel")
    page.get_by_role("button", name="Yes, cancel my registration").click()
    expect(page.get_by_text("This registration is cancelled.")).to_be_visible()
    found["manage, cancelled"] = axe_violations(page)

    page.goto(f"/r/{kofi.token}/edit")  # a closed registration cannot change
    found["edit of a cancelled registration (409)"] = axe_violations(page)

    page.goto(f"/r/{kofi.token}/delete")
    page.get_by_role("button", name="Yes, delete my registration and data").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("deleted")
    found["deleted"] = axe_violations(page)

    found = {name: v for name, v in found.items() if v}
    assert not found, format_violations(found)


def test_every_organiser_page_passes_axe(page, admin, organiser_urls):
    page.goto("/admin/login")
    found = {"login": axe_violations(page)}
    page.get_by_label("E-mail address").fill(admin[0])
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    found["login with errors"] = axe_violations(page)

    log_in(page, *admin)
    found.update(audit(page, organiser_urls))

    page.goto("/admin/password")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_be_visible()
    found["password with errors"] = axe_violations(page)

    page.goto("/admin/accounts")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_be_visible()
    found["accounts with errors"] = axe_violations(page)

    page.goto(f"/admin/events/{SLUG}/settings/seats")
    page.get_by_label("Ghana (required)", exact=True).fill("2")  # below 6 taken
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_be_visible()
    found["seats with errors"] = axe_violations(page)

    page.goto(f"/admin/events/{SLUG}/settings/sessions/new")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_be_visible()
    found["new session with errors"] = axe_violations(page)

    found = {name: v for name, v in found.items() if v}
    assert not found, format_violations(found)


def test_a_coordinator_sees_accessible_pages_too(page, app, delegates):
    from app.extensions import db
    from tests.helpers import add_organiser

    with app.app_context():
        add_organiser("gh@example.org", ORGANISER_PASSWORD, "coordinator", "GH")
        db.session.commit()
    log_in(page, "gh@example.org", ORGANISER_PASSWORD)
    event = f"/admin/events/{SLUG}"
    found = audit(
        page,
        {
            "events (coordinator)": "/admin/",
            "dashboard (coordinator)": f"{event}/",
            "attendees (coordinator)": f"{event}/attendees",
            "lists (coordinator)": f"{event}/lists",
            "settings (forbidden)": f"{event}/settings",
        },
    )
    assert not found, format_violations(found)


# --- form errors are announced and take the focus ------------------------------


def test_registration_errors_are_announced_and_take_the_focus(page, event):
    page.goto(REGISTER)
    page.get_by_label("Full name").fill("Siti Rahayu")
    page.get_by_label("E-mail address").fill("siti at example")
    page.get_by_role("button", name="Register").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please correct the following")
    expect(summary.get_by_role("link", name="E-mail address")).to_be_visible()
    expect(summary.get_by_role("link", name="Country programme")).to_be_visible()

    # The first field in error has the focus, and tells what is wrong
    # (autofocus applies once the page has settled: wait for it).
    page.wait_for_function("document.activeElement && document.activeElement.id")
    focused = active_element(page)
    assert focused == {"id": "email", "tag": "input", "invalid": "true"}
    email = page.get_by_label("E-mail address")
    expect(email).to_be_focused()
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("needs an @ sign"))

    # Every field in error is marked and described by its message.
    for field_id in ("email", "country", "organisation", "category", "consent"):
        control = page.locator(f"#{field_id}")
        expect(control).to_have_attribute("aria-invalid", "true")
        described = control.get_attribute("aria-describedby").split()
        assert f"{field_id}-error" in described, field_id
        expect(page.locator(f"#{field_id}-error")).not_to_be_empty()
    # Each entry of the summary leads to its field.
    for link in summary.get_by_role("link").all():
        target = link.get_attribute("href")
        assert target.startswith("#")
        expect(page.locator(target)).to_have_attribute("aria-invalid", "true")
    # Fields without errors are not marked.
    expect(page.get_by_label("Full name")).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Full name")).to_have_accessible_description(
        "One name is fine if that is your whole name."
    )


def test_errors_of_other_forms_take_the_focus(page, organiser, delegates):
    page.goto(f"/events/{SLUG}/lost-link")
    page.get_by_role("button", name="Send my link").click()
    expect(page.get_by_label("E-mail address you registered with")).to_be_focused()

    page.goto(f"/r/{delegates[0].token}/edit")
    organisation = page.get_by_label("Organisation (required)", exact=True)
    organisation.fill("")
    page.get_by_role("button", name="Save changes").click()
    expect(organisation).to_be_focused()
    expect(organisation).to_have_accessible_description(
        "Error: Enter your organisation."
    )

    page.goto("/admin/login")
    page.get_by_label("E-mail address").fill(organiser[0])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_label("Password")).to_be_focused()
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")

    # A wrong password is no field's fault: the summary takes the focus.
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("The e-mail address or password is not right.")
    expect(summary).to_be_focused()


def test_the_page_language_is_set_and_follows_the_choice(page, event):
    for path in ("/", REGISTER, "/admin/login", "/nowhere"):
        page.goto(path)
        assert page.evaluate("document.documentElement.lang") == "en", path
    page.get_by_role("navigation", name="Language").get_by_role(
        "link", name="Bahasa Indonesia"
    ).click()
    assert page.evaluate("document.documentElement.lang") == "id"
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Lokakarya SCORE Global untuk Berbagi Pengetahuan"
    )


@pytest.mark.parametrize("language", ["id", "zh-Hans", "es", "vi"])
def test_the_main_pages_pass_axe_in_every_language(page, admin, delegates, language):
    log_in(page, *admin)
    page.goto(f"/?lang={language}")  # remembered for the pages that follow
    kofi = delegates[0]
    admin_event = f"/admin/events/{SLUG}"
    public = {
        "event": f"/events/{SLUG}/",
        "register": REGISTER,
        "manage": f"/r/{kofi.token}",
        "edit": f"/r/{kofi.token}/edit",
        "unknown page (404)": "/no-such-page",
    }
    found = audit(page, public, language)
    page.goto(REGISTER)
    page.locator("form.registration-form button[type=submit]").click()
    found["register with errors"] = axe_violations(page)
    organiser = {
        "dashboard": f"{admin_event}/",
        "attendees": f"{admin_event}/attendees",
        "registration": f"{admin_event}/registrations/{kofi.id}",
        "check-in": f"{admin_event}/check-in",
        "settings": f"{admin_event}/settings",
        "translations": f"{admin_event}/settings/translations/{language}",
    }
    found.update(audit(page, organiser, language))
    found = {name: v for name, v in found.items() if v}
    assert not found, format_violations(found)


# axe cannot work out the contrast of SVG text (the charts set theirs to the
# page's ink colour on white, see admin/_charts.html): only HTML text counts.
CONTRAST = """async () => {
    const result = await axe.run(document, {runOnly: ['color-contrast']});
    const html = n => !document.querySelector(n.target[0]).closest('svg');
    const nodes = kind => result[kind].flatMap(
        rule => rule.nodes.filter(html).map(n => n.target));
    return {violations: nodes('violations'), incomplete: nodes('incomplete'),
            passes: result.passes.reduce((n, rule) => n + rule.nodes.length, 0)};
}"""


def test_text_contrast_passes_aa_on_the_main_pages(page, organiser, delegates):
    """axe checks every text's contrast; none is left undecided either."""
    pages = {
        "event": "/",
        "manage": f"/r/{delegates[0].token}",
        "privacy": f"/events/{SLUG}/privacy",
    }
    checked = {}
    for name, url in pages.items():
        page.goto(url)
        checked[name] = page.evaluate(CONTRAST)
    page.goto(REGISTER)
    page.get_by_role("button", name="Register").click()
    checked["register with errors"] = page.evaluate(CONTRAST)
    log_in(page, *organiser)
    page.goto(f"/admin/events/{SLUG}/")
    checked["dashboard"] = page.evaluate(CONTRAST)
    for name, result in checked.items():
        assert result["violations"] == [], (name, result["violations"])
        assert result["incomplete"] == [], (name, result["incomplete"])
        assert result["passes"] > 10, name
