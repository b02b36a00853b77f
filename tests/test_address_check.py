"""Events that check e-mail addresses: no seat until the mailed link is opened.

The setting ``confirm_email`` (off for the seeded workshop) stops strangers
from taking a programme's seats with made-up addresses, and the form from
telling anyone who is registered.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Registration, RegistrationRequest
from app.models.types import utcnow
from app.services.events import seats_by_programme
from app.services.registration import expire_requests
from tests.conftest import BASE_URL, SLUG, csrf_token, valid_registration
from tests.helpers import deliver, received
from tests.seats_helpers import the_event

REGISTER = f"/events/{SLUG}/register"
SETTINGS = f"/admin/events/{SLUG}/settings/registration"
CONFIRM_LINK = re.compile(re.escape(BASE_URL) + r"(/events/[^/]+/confirm/[\w-]+)")
MANAGE_LINK = re.compile(re.escape(BASE_URL) + r"(/r/[\w-]+)")


@pytest.fixture
def checked(app, event):
    """The workshop with the address check on."""
    with app.app_context():
        the_event().confirm_email = True
        db.session.commit()
    return SLUG


def submit(client, **overrides):
    form = valid_registration(**overrides)
    form["csrf_token"] = csrf_token(client, REGISTER)
    return client.post(REGISTER, data=form)


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message, pattern: re.Pattern) -> str:
    [link] = set(pattern.findall(text_of(message)))
    return link


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def statuses(app) -> dict[str, str]:
    with app.app_context():
        return {r.email: r.status for r in db.session.scalars(select(Registration))}


def test_the_setting_is_a_checkbox_on_the_registration_settings_page(
    app, client, event, organiser
):
    from tests.conftest import log_in
    from tests.helpers import add_organiser

    with app.app_context():
        add_organiser("admin@example.org", "correct horse battery", role="admin")
        db.session.commit()
    log_in(client, "admin@example.org", "correct horse battery")
    page = client.get(SETTINGS).get_data(as_text=True)
    assert 'name="confirm_email"' in page

    response = client.post(
        SETTINGS,
        data={"confirm_email": "y", "csrf_token": csrf_token(client, SETTINGS)},
    )

    assert response.status_code == 303
    with app.app_context():
        assert the_event().confirm_email is True
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "registration_rules_changed")
        )
        assert entry.after == {"confirm_email": True}


def test_registering_holds_no_seat_until_the_address_is_confirmed(
    app, client, runner, checked, smtp
):
    response = submit(client)

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/events/{SLUG}/register/check-email")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Check your e-mail" in page
    assert count(app, Registration) == 0
    with app.app_context():
        [viet_nam] = [p for p in seats_by_programme(the_event()) if p.code == "VN"]
        assert viet_nam.taken == viet_nam.waiting == 0

    deliver(runner)
    [mail] = received(smtp)
    assert mail["To"].addresses[0].addr_spec == "nam@example.org"
    confirm = link_in(mail, CONFIRM_LINK)
    landing = client.get(confirm)

    assert landing.status_code == 303
    assert landing.headers["Location"].startswith("/r/")
    assert statuses(app) == {"nam@example.org": "confirmed"}
    manage = client.get(landing.headers["Location"]).get_data(as_text=True)
    assert "Trần Văn Nam" in manage
    deliver(runner)
    assert "is confirmed" in text_of(received(smtp)[-1])


def test_the_confirmation_link_works_once(app, client, runner, checked, smtp):
    """Once used it opens nothing: it is no second, lasting manage link."""
    submit(client)
    deliver(runner)
    confirm = link_in(received(smtp)[0], CONFIRM_LINK)

    first = client.get(confirm)
    second = client.get(confirm)

    assert first.status_code == 303
    assert client.get(first.headers["Location"]).status_code == 200
    assert second.status_code == 404
    assert count(app, Registration) == 1
    assert count(app, RegistrationRequest) == 0


def test_the_confirmation_page_sends_no_referrer_and_is_not_stored(
    app, client, runner, checked, smtp
):
    submit(client)
    deliver(runner)

    response = client.get(link_in(received(smtp)[0], CONFIRM_LINK))

    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response.headers["Cache-Control"]


def test_an_address_already_registered_gets_the_same_answer_and_its_owner_the_link(
    app, client, runner, checked, smtp
):
    submit(client)
    deliver(runner)
    client.get(link_in(received(smtp)[0], CONFIRM_LINK))
    deliver(runner)
    smtp.handler.clear()
    new = submit(client, email="someone.new@example.org")

    again = submit(client, full_name="Someone Else", email="NAM@example.org")

    assert again.status_code == new.status_code == 303
    assert again.headers["Location"] == new.headers["Location"]
    assert statuses(app) == {"nam@example.org": "confirmed"}
    deliver(runner)
    by_address = {m["To"].addresses[0].addr_spec: m for m in received(smtp)}
    owner = by_address["nam@example.org"]
    assert "You are already registered" in str(owner["Subject"])
    assert client.get(link_in(owner, MANAGE_LINK)).status_code == 200
    assert CONFIRM_LINK.search(text_of(by_address["someone.new@example.org"]))


def test_seats_go_in_the_order_of_confirmation(app, client, runner, checked, smtp):
    from app.services.audit import SYSTEM
    from app.services.registration import set_quota

    with app.app_context():
        set_quota(the_event(), "VN", 1, SYSTEM)
        db.session.commit()
    submit(client, email="first@example.org")
    submit(client, email="second@example.org")
    deliver(runner)
    links = {m["To"].addresses[0].addr_spec: m for m in received(smtp)}

    client.get(link_in(links["second@example.org"], CONFIRM_LINK))
    client.get(link_in(links["first@example.org"], CONFIRM_LINK))

    assert statuses(app) == {
        "second@example.org": "confirmed",
        "first@example.org": "waitlisted",
    }


def test_unconfirmed_requests_expire_after_48_hours(app, client, runner, checked, smtp):
    submit(client)
    deliver(runner)
    confirm = link_in(received(smtp)[0], CONFIRM_LINK)
    with app.app_context():
        # Not yet deleted, but older than 48 hours: the link has expired.
        request = db.session.scalar(select(RegistrationRequest))
        request.created_at = utcnow() - timedelta(hours=48, minutes=1)
        db.session.commit()

    assert client.get(confirm).status_code == 410
    with app.app_context():
        assert expire_requests() == 1
        db.session.commit()
    assert client.get(confirm).status_code == 404
    assert count(app, Registration) == 0
    assert count(app, RegistrationRequest) == 0


def test_a_request_younger_than_48_hours_stays(app, client, checked):
    submit(client)
    with app.app_context():
        assert expire_requests(utcnow() + timedelta(hours=47)) == 0
        assert expire_requests(utcnow() + timedelta(hours=49)) == 1
        db.session.commit()


def test_unconfirmed_delegates_appear_in_no_count_list_or_csv(
    app, client, checked, logged_in
):
    submit(client, email="waiting.for.mail@example.org")
    admin = f"/admin/events/{SLUG}"

    pages = {
        path: logged_in.get(admin + path).get_data(as_text=True)
        for path in ("/", "/attendees", "/attendees.csv", "/lists/visa-letters")
    }

    for path, page in pages.items():
        assert "waiting.for.mail" not in page, path
        assert "Trần Văn Nam" not in page, path
    assert pages["/attendees.csv"].count("\r\n") == 1  # the header alone


def test_a_made_up_link_is_refused(app, client, checked):
    assert client.get(f"/events/{SLUG}/confirm/not-a-real-link").status_code == 404
