"""Check-in by code: each registration's own code, apart from its private
link; the delegate's page shows it as a QR code; an organiser who scans it
(or types it) lands on the delegate's card and checks them in."""

from __future__ import annotations

import re

from conftest import BASE_URL, CSRF_PATTERN, SLUG, add_delegate, staff_client
from helpers import decoded_qr_codes, first_page_as_png
from sqlalchemy import select
from weasyprint import HTML

from app.extensions import db
from app.models import AuditEntry, Registration

ADMIN = f"/admin/events/{SLUG}"


def code_of(app, registration_id: int) -> str:
    with app.app_context():
        return db.session.get(Registration, registration_id).check_in_code


def card_form_token(page: str) -> str:
    return CSRF_PATTERN.search(page).group(1)


def check_in(client, registration_id: int, token: str, **extra):
    return client.post(
        f"{ADMIN}/registrations/{registration_id}/check-in",
        data={"csrf_token": token, "back": "check-in-card", **extra},
    )


def test_each_registration_has_its_own_code_that_opens_nothing_public(
    app, client, delegates
):
    codes = {code_of(app, d.id) for d in delegates}
    assert len(codes) == 3
    assert all(len(code) >= 22 for code in codes)  # 128 random bits
    for delegate in delegates:
        assert code_of(app, delegate.id) != delegate.token
        assert client.get(f"/r/{code_of(app, delegate.id)}").status_code == 404


def test_the_delegates_page_shows_the_qr_code_of_their_check_in_card(
    app, client, delegates, tmp_path
):
    kofi = delegates[0]
    page = client.get(f"/r/{kofi.token}").get_data(as_text=True)
    card = f"{BASE_URL}{ADMIN}/check-in/{code_of(app, kofi.id)}"
    drawn = re.search(r'<svg[^>]*class="qr-code".*?</svg>', page, re.S).group(0)
    # Drawn as a browser would (WeasyPrint, then poppler), read by zbar.
    printed = HTML(string=f"<!doctype html><body>{drawn}</body>").write_pdf()
    assert decoded_qr_codes(first_page_as_png(printed, tmp_path)) == {card}


def test_an_organiser_scans_a_badge_and_checks_the_delegate_in(app, delegates):
    kofi = delegates[0]
    staff = staff_client(app)
    card = staff.get(f"{ADMIN}/check-in/{code_of(app, kofi.id)}")
    assert card.status_code == 200
    page = card.get_data(as_text=True)
    assert '<h1 class="badge-name">Kofi Mensah</h1>' in page
    done = check_in(staff, kofi.id, card_form_token(page))
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"/check-in/{code_of(app, kofi.id)}")
    again = staff.get(done.headers["Location"]).get_data(as_text=True)
    assert "present since" in again
    with app.app_context():
        assert db.session.get(Registration, kofi.id).checked_in_at is not None


def test_a_scanner_typing_the_address_into_the_search_box_opens_the_card(
    app, delegates
):
    kofi = delegates[0]
    staff = staff_client(app)
    scanned = f"{BASE_URL}{ADMIN}/check-in/{code_of(app, kofi.id)}"
    answer = staff.get(f"{ADMIN}/check-in", query_string={"q": scanned})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/check-in/{code_of(app, kofi.id)}")
    typed = staff.get(f"{ADMIN}/check-in", query_string={"q": code_of(app, kofi.id)})
    assert typed.headers["Location"] == answer.headers["Location"]
    # Something that only looks like a code is searched for as a name.
    unknown = staff.get(f"{ADMIN}/check-in", query_string={"q": "x" * 22})
    assert unknown.status_code == 200


def test_a_delegate_without_a_seat_needs_an_explicit_override(app, waitlisted):
    staff = staff_client(app)
    url = f"{ADMIN}/check-in/{code_of(app, waitlisted.id)}"
    page = staff.get(url).get_data(as_text=True)
    assert "no-seat" in page and 'role="alert"' in page
    check_in(staff, waitlisted.id, card_form_token(page))
    with app.app_context():
        assert db.session.get(Registration, waitlisted.id).checked_in_at is None
    check_in(staff, waitlisted.id, card_form_token(page), override_status="y")
    with app.app_context():
        assert db.session.get(Registration, waitlisted.id).checked_in_at is not None
        entry = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.registration_id == waitlisted.id,
                AuditEntry.action == "checked_in",
            )
        )
        assert entry.note == "override"


def test_cards_are_only_for_organisers_who_may_see_the_delegate(app, client, delegates):
    kofi = delegates[0]  # Ghana
    url = f"{ADMIN}/check-in/{code_of(app, kofi.id)}"
    answer = client.get(url)
    assert answer.status_code == 302
    assert "/admin/login" in answer.headers["Location"]
    india = staff_client(app, "in@example.org", "coordinator", "IN")
    assert india.get(url).status_code == 404
    ghana = staff_client(app, "gh@example.org", "coordinator", "GH")
    assert ghana.get(url).status_code == 200
    assert ghana.get(f"{ADMIN}/check-in/{'x' * 22}").status_code == 404


def test_new_registrations_get_a_code_too(app, event):
    delegate = add_delegate(app, "Ama Owusu", "ama@gh.example.org")
    assert len(code_of(app, delegate.id)) >= 22
