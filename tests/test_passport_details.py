"""The name on the badge, and the passport details a visa letter needs: asked
for with the visa letter, checked against the event's dates, and shown or
exported only where the organisers who write letters need them."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import SLUG, csrf_token, log_in, valid_registration
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Registration
from app.models.registrations import PASSPORT_FIELDS
from app.services.audit import SYSTEM
from app.services.events import event_by_slug
from app.services.privacy import purge_event
from tests.helpers import add_organiser, every_stored_text

REGISTER = f"/events/{SLUG}/register"
PASSPORT = "C1234567"


def stored(app, email: str = "nam@example.org") -> Registration | None:
    with app.app_context():
        registration = db.session.scalar(
            select(Registration).where(Registration.email_normalised == email)
        )
        if registration is not None:
            db.session.expunge(registration)
        return registration


def field_error(page: str, field: str) -> str:
    start = page.index(f'id="{field}-error"')
    return page[start : page.index("</p>", start)]


def test_passport_details_are_stored_as_given_the_number_in_capitals(app, register):
    assert register(badge_name="Nam").status_code == 303
    registration = stored(app)
    assert registration.passport_number == PASSPORT
    assert registration.passport_name == "TRAN VAN NAM"
    assert registration.nationality == "VN"
    assert str(registration.passport_expiry) == "2015-01-31"
    assert registration.name_on_badge == "Nam"


def test_the_badge_shows_the_full_name_unless_another_is_given(app, register):
    assert register(badge_name="", needs_visa_letter=None).status_code == 303
    registration = stored(app)
    assert registration.badge_name == ""
    assert registration.name_on_badge == "Trần Văn Nam"
    # Without a visa letter, no passport detail is asked for.
    assert registration.passport_number == ""


def test_a_visa_letter_needs_every_passport_detail(app, register):
    empty = {name: "" for name in PASSPORT_FIELDS}
    refused = register(**empty)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    for name in PASSPORT_FIELDS:
        assert f'id="{name}-error"' in page, name
    assert stored(app) is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("passport_expiry", "2011-10-07", "until 8 October 2011 at least"),
        ("date_of_birth", "1996-04-05", "between 16 and 100 years old"),
        ("date_of_birth", "1900-01-01", "between 16 and 100 years old"),
        ("passport_number", "AB12", "6 to 12 letters and digits"),
        ("passport_number", "ÀB123456", "6 to 12 letters and digits"),
        ("passport_number", "straße12", "6 to 12 letters and digits"),
        ("passport_name", "TRAN VAN NAM 😀", "Latin letters"),
        ("passport_name", "TRAN 2", "Latin letters"),
        ("passport_name", "陈文南", "Latin letters"),
        ("nationality", "XX", "countries listed"),
    ],
)
def test_passport_details_are_checked_against_the_event(
    app, register, field, value, message
):
    refused = register(**{field: value})
    assert refused.status_code == 422
    assert message in field_error(refused.get_data(as_text=True), field)
    assert stored(app) is None


def test_the_last_accepted_expiry_is_six_months_after_the_last_day(app, register):
    assert register(passport_expiry="2011-10-08").status_code == 303


def test_unticking_the_visa_letter_clears_the_passport_details(app, client, register):
    manage = register().headers["Location"]
    url = f"{manage}/edit"
    form = valid_registration(
        needs_visa_letter=None, csrf_token=csrf_token(client, url)
    )
    assert client.post(url, data=form).status_code == 303
    registration = stored(app)
    assert (registration.passport_number, registration.date_of_birth) == ("", None)


def test_the_delegate_corrects_their_passport_number(app, client, register):
    manage = register().headers["Location"]
    url = f"{manage}/edit"
    form = valid_registration(
        passport_number="C7654321", csrf_token=csrf_token(client, url)
    )
    assert client.post(url, data=form).status_code == 303
    assert stored(app).passport_number == "C7654321"


def test_the_audit_log_says_a_passport_detail_changed_never_what_it_is(
    app, client, register
):
    manage = register().headers["Location"]
    url = f"{manage}/edit"
    form = valid_registration(
        passport_number="C7654321", csrf_token=csrf_token(client, url)
    )
    assert client.post(url, data=form).status_code == 303
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry)).all()
        edited = next(e for e in entries if e.action == "edited")
        assert edited.after == {"passport_number": "(hidden)"}
        logged = " ".join(str(e.before) + str(e.after) for e in entries)
    for secret in (PASSPORT, "C7654321", "1975-06-15", "2015-01-31"):
        assert secret not in logged


def test_only_the_organisers_page_shows_the_passport_number_in_full(
    app, client, register
):
    manage = register().headers["Location"]
    delegate_page = client.get(manage).get_data(as_text=True)
    assert PASSPORT not in delegate_page
    assert "•••••567" in delegate_page
    exported = client.get(f"{manage}/data.json").get_data(as_text=True)
    for secret in (PASSPORT, "TRAN VAN NAM", "1975-06-15", "Embassy of Indonesia"):
        assert secret not in exported

    with app.app_context():
        add_organiser("staff@example.org", "a long password here", "organiser")
        add_organiser("vn@example.org", "a long password here", "coordinator", "VN")
        db.session.commit()
    registration = stored(app)
    admin = f"/admin/events/{SLUG}"
    staff = app.test_client()
    log_in(staff, "staff@example.org", "a long password here")
    page = staff.get(f"{admin}/registrations/{registration.id}").get_data(as_text=True)
    assert PASSPORT in page
    visa_list = staff.get(f"{admin}/lists/visa-letters").get_data(as_text=True)
    assert PASSPORT not in visa_list and "•••••567" in visa_list
    assert PASSPORT not in staff.get(f"{admin}/attendees.csv").get_data(as_text=True)
    letters = list(
        csv.DictReader(
            io.StringIO(
                staff.get(f"{admin}/lists/visa-letters.csv").get_data(as_text=True)
            )
        )
    )
    assert letters[0]["passport_number"] == PASSPORT
    assert letters[0]["date_of_birth"] == "1975-06-15"

    coordinator = app.test_client()
    log_in(coordinator, "vn@example.org", "a long password here")
    rows = list(
        csv.DictReader(
            io.StringIO(
                coordinator.get(f"{admin}/lists/visa-letters.csv").get_data(
                    as_text=True
                )
            )
        )
    )
    assert rows and "passport_number" not in rows[0]


def test_the_purge_clears_the_passport_details(app, register):
    register()
    with app.app_context():
        purge_event(event_by_slug(SLUG), SYSTEM, force=True)
        db.session.commit()
    registration = stored(app, "anonymised-{}@anonymised.invalid")
    texts = " ".join(every_stored_text(app))
    for secret in (PASSPORT, "TRAN VAN NAM", "1975-06-15", "Embassy of Indonesia"):
        assert secret not in texts
    assert registration is None or registration.passport_number == ""
