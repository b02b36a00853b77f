"""Layout on a 375-pixel phone and a 1280-pixel laptop: nothing scrolls
sideways, and the main pages are photographed at both sizes.

The README's images (docs/screenshots/) are rewritten only when
UPDATE_SCREENSHOTS=1 is set:

    UPDATE_SCREENSHOTS=1 .venv/bin/pytest tests/browser/test_layout.py
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, ROOT, log_in, new_page
from tests.conftest import SLUG, add_delegate

README_IMAGES = ROOT / "docs" / "screenshots"
# The README's desktop images are cut at this height to stay small.
MAX_DESKTOP_HEIGHT = 1800


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def sideways_overflow(tab) -> dict | None:
    """None when the page fits the window's width; else what sticks out."""
    width = tab.viewport_size["width"]
    scroll_width = tab.evaluate("document.documentElement.scrollWidth")
    if scroll_width <= width:
        return None
    culprits = tab.evaluate(
        """width => [...document.body.querySelectorAll('*')]
            .filter(e => e.getBoundingClientRect().right > width + 1)
            .slice(0, 3)
            .map(e => e.tagName.toLowerCase() + '.' + e.className)""",
        width,
    )
    return {"scrollWidth": scroll_width, "elements": culprits}


def test_no_page_scrolls_sideways_on_a_phone(
    browser, live_server, admin, public_urls, organiser_urls
):
    found = {}
    with new_page(browser, live_server, viewport=PHONE) as phone:
        for name, url in public_urls.items():
            phone.goto(url)
            found[name] = sideways_overflow(phone)
        phone.goto(f"/events/{SLUG}/register")
        phone.get_by_role("button", name="Register").click()
        expect(phone.get_by_role("alert")).to_be_visible()
        found["register with errors"] = sideways_overflow(phone)

        log_in(phone, *admin)
        for name, url in organiser_urls.items():
            phone.goto(url)
            found[name] = sideways_overflow(phone)
    found = {name: overflow for name, overflow in found.items() if overflow}
    assert not found, found


def register_quickly(tab, name: str, email: str) -> None:
    tab.get_by_label("Full name (required)", exact=True).fill(name)
    tab.get_by_label("E-mail address (required)", exact=True).fill(email)
    tab.get_by_label("Country programme (required)", exact=True).select_option("IN")
    tab.get_by_label("Organisation (required)", exact=True).fill("SCORE India")
    tab.get_by_label("Category (required)", exact=True).select_option("score_team")
    tab.get_by_label("I agree to the privacy notice").check()
    tab.get_by_role("button", name="Register").click()
    expect(tab.get_by_text("You are registered")).to_be_visible()


def test_event_page_form_and_confirmation_at_phone_and_laptop_sizes(
    browser, live_server, event, screenshots
):
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        with new_page(browser, live_server, viewport=viewport) as tab:
            tab.goto(f"/events/{SLUG}/")
            tab.screenshot(path=screenshots / f"event-{size}.png", full_page=True)
            tab.get_by_role("link", name="Register", exact=True).click()
            # The whole form fits the width: every control can be reached.
            for control in tab.locator(
                "form.registration-form :is(input, select, button)"
            ).all():
                if control.is_visible():
                    box = control.bounding_box()
                    assert (
                        box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
                    )
            tab.screenshot(path=screenshots / f"register-{size}.png", full_page=True)
            register_quickly(tab, f"Priya {size}", f"priya.{size}@example.org")
            tab.screenshot(
                path=screenshots / f"confirmation-{size}.png", full_page=True
            )
            assert sideways_overflow(tab) is None

    for page_name in ("event", "register", "confirmation"):
        for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            width, height = png_size(screenshots / f"{page_name}-{size}.png")
            assert width == viewport["width"], (page_name, size, width)
            assert height >= viewport["height"] * 0.5, (page_name, size, height)


def shoot(tab, path: Path, max_height: int | None = None) -> None:
    """A full-page screenshot, cut at ``max_height`` pixels if given."""
    if max_height is None:
        tab.screenshot(path=path, full_page=True)
        return
    height = min(tab.evaluate("document.documentElement.scrollHeight"), max_height)
    width = tab.viewport_size["width"]
    tab.screenshot(
        path=path,
        full_page=True,
        clip={"x": 0, "y": 0, "width": width, "height": height},
    )


def test_readme_screenshots(
    browser, live_server, app, organiser, delegates, waitlisted, screenshots
):
    """The README's event page (laptop and phone) and dashboard images.

    Written to docs/screenshots only with UPDATE_SCREENSHOTS=1; otherwise
    to the temporary folder, and the README's copies must exist.
    """
    update = os.environ.get("UPDATE_SCREENSHOTS") == "1"
    folder = README_IMAGES if update else screenshots
    folder.mkdir(parents=True, exist_ok=True)
    # A few more delegates, so the dashboard's charts have something to show.
    extras = [
        ("ID", "government", "female", "halal"),
        ("ID", "employers", "male", "none"),
        ("ZA", "workers", "female", "vegetarian"),
        ("CN", "enterprise", "female", "none"),
    ]
    for n, (country, category, gender, dietary) in enumerate(extras):
        add_delegate(
            app,
            f"Delegate {n}",
            f"delegate{n}@example.org",
            country,
            category=category,
            gender=gender,
            dietary=dietary,
            needs_accommodation=n % 2 == 0,
        )

    with new_page(browser, live_server, viewport=DESKTOP) as laptop:
        laptop.goto(f"/events/{SLUG}/")
        shoot(laptop, folder / "event-desktop.png", MAX_DESKTOP_HEIGHT)
        log_in(laptop, *organiser)
        laptop.goto(f"/admin/events/{SLUG}/")
        expect(laptop.get_by_role("heading", name="Dashboard")).to_be_visible()
        shoot(laptop, folder / "dashboard.png", MAX_DESKTOP_HEIGHT)
    with new_page(browser, live_server, viewport=PHONE) as phone:
        phone.goto(f"/events/{SLUG}/")
        shoot(phone, folder / "event-phone.png")

    for name, width in (
        ("event-desktop.png", DESKTOP["width"]),
        ("dashboard.png", DESKTOP["width"]),
        ("event-phone.png", PHONE["width"]),
    ):
        for where in {folder, README_IMAGES}:
            image = where / name
            assert image.exists(), (
                f"{image} is missing: run with UPDATE_SCREENSHOTS=1 to write it"
            )
            assert png_size(image)[0] == width
            if width == DESKTOP["width"]:
                assert png_size(image)[1] <= MAX_DESKTOP_HEIGHT
