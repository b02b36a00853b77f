"""Registering from the form: success, and every kind of bad input."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Registration, RegistrationToken
from app.services.links import hash_token
from tests.conftest import SLUG, csrf_token, valid_registration

REGISTER_URL = f"/events/{SLUG}/register"


def registrations(app) -> list[Registration]:
    with app.app_context():
        rows = db.session.scalars(select(Registration)).all()
        db.session.expunge_all()
        return rows


def token_from(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    match = re.fullmatch(r"/r/([A-Za-z0-9_-]+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def test_registration_redirects_to_the_manage_page_and_stores_the_delegate(
    app, client, register
):
    token = token_from(register())

    [row] = registrations(app)
    assert re.fullmatch(r"SCR-[2-9A-HJ-NP-Z]{6}", row.reference)
    assert row.full_name == "Trần Văn Nam"
    assert row.email == "nam@example.org"
    assert row.status == "confirmed"
    assert row.phone == "+842437340902"
    assert row.needs_accommodation and row.needs_visa_letter
    assert row.consent_at is not None and row.privacy_notice_version
    page = client.get(f"/r/{token}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert row.reference in text
    assert "Trần Văn Nam" in text
    assert f"/r/{token}/invite.ics" in text


def test_the_manage_token_is_long_and_only_its_hash_is_stored(app, register):
    token = token_from(register())

    assert len(token) >= 22  # 128 bits in URL-safe base64
    with app.app_context():
        stored = db.session.scalars(select(RegistrationToken.token_hash)).all()
    # One link for the page the delegate lands on; the confirmation mail's
    # is minted when the mail worker sends it.
    assert stored == [hash_token(token)]
    assert all(len(h) == 64 and token not in h for h in stored)


def test_a_single_name_is_enough(app, register):
    token_from(register(full_name="Fasrul", country="ID", email="fasrul@example.org"))
    assert registrations(app)[0].full_name == "Fasrul"


def test_optional_fields_may_be_left_out(app, register):
    token_from(
        register(
            job_title=None,
            gender=None,
            phone=None,
            arrival_date=None,
            departure_date=None,
            needs_accommodation=None,
            needs_visa_letter=None,
            dietary=None,
        )
    )
    [row] = registrations(app)
    assert row.gender == "undisclosed"
    assert row.dietary == "none"
    assert row.arrival_date is None
    assert not row.needs_accommodation


def test_unknown_token_is_a_404(client, event):
    assert client.get("/r/not-a-real-token").status_code == 404
    assert client.get("/r/not-a-real-token/invite.ics").status_code == 404


def test_post_without_csrf_token_is_refused_and_stores_nothing(app, client, event):
    response = client.post(REGISTER_URL, data=valid_registration())
    assert response.status_code == 400
    assert registrations(app) == []


def test_post_with_a_forged_csrf_token_is_refused(app, client, event):
    response = client.post(
        REGISTER_URL, data=valid_registration(csrf_token="forged-token")
    )
    assert response.status_code == 400
    assert registrations(app) == []


BAD_INPUT = [
    ("email", {"email": "not-an-address"}, "valid e-mail"),
    ("email", {"email": "nam@@example.org"}, "valid e-mail"),
    ("email", {"email": ""}, "Enter your e-mail"),
    ("email", {"email": "Score-Workshop@example.org"}, "organisers&#39; own"),
    ("country", {"country": "FR"}, "country programmes listed"),
    ("country", {"country": ""}, "Choose your country programme"),
    ("full_name", {"full_name": ""}, "Enter your name"),
    ("full_name", {"full_name": "   \t  "}, "Enter your name"),
    ("full_name", {"full_name": "N" * 201}, "under 200"),
    ("full_name", {"full_name": "Nam\x00"}, "control characters"),
    ("full_name", {"full_name": "Nam\x1b[31m"}, "control characters"),
    ("organisation", {"organisation": "O" * 201}, "under 200"),
    ("organisation", {"organisation": ""}, "Enter your organisation"),
    ("job_title", {"job_title": "J" * 201}, "under 200"),
    ("dietary_detail", {"dietary_detail": "D" * 201}, "under 200"),
    ("accessibility", {"accessibility": "A" * 1001}, "1,000"),
    ("accessibility", {"accessibility": "ramp\x07"}, "control characters"),
    ("phone", {"phone": "call me"}, "phone number"),
    ("phone", {"phone": "+6" + "1" * 40}, "40 characters"),
    ("category", {"category": "astronaut"}, "categories listed"),
    ("gender", {"gender": "robot"}, "options listed"),
    ("dietary", {"dietary": "fruitarian"}, "options listed"),
    ("dietary_detail", {"dietary": "other", "dietary_detail": ""}, "what you can"),
    ("arrival_date", {"arrival_date": "04/03/2011"}, "YYYY-MM-DD"),
    ("arrival_date", {"arrival_date": "2101-04-03"}, "must be between"),
    (
        "departure_date",
        {"arrival_date": "2011-04-05", "departure_date": "2011-04-04"},
        "before arrival",
    ),
    ("consent", {"consent": None}, "privacy notice"),
]


@pytest.mark.parametrize(("field", "overrides", "message"), BAD_INPUT)
def test_bad_input_comes_back_next_to_the_field_and_stores_nothing(
    app, register, field, overrides, message
):
    response = register(**overrides)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html, re.S)
    assert error, f"no error next to {field}"
    assert message in error.group(1)
    assert re.search(rf'aria-describedby="[^"]*{field}-error', html)
    assert registrations(app) == []


def test_the_typed_values_are_kept_when_the_form_comes_back(register):
    response = register(email="broken@", organisation="Kementerian Tenaga Kerja")
    html = response.get_data(as_text=True)
    assert 'value="Kementerian Tenaga Kerja"' in html
    assert 'value="Trần Văn Nam"' in html
    assert 'value="broken@"' in html


def test_deliverability_check_is_off_by_default(app, register):
    # A syntactically valid address at a domain with no mail server.
    token_from(register(email="delegate@unregistered-domain-for-score-tests.org"))


def test_same_email_registers_once_whatever_its_case(app, register):
    token_from(register(email="Nam@Example.org"))
    second = register(email="nam@example.ORG", full_name="Someone Else")

    assert second.status_code == 422
    assert "already registered" in second.get_data(as_text=True)
    assert len(registrations(app)) == 1


def test_the_database_refuses_a_duplicate_email_even_without_the_form(app, event):
    from sqlalchemy.exc import IntegrityError

    from app.models import Event
    from app.services.registration import DelegateDetails, register_delegate

    details = DelegateDetails(
        full_name="Kofi",
        email="kofi@example.org",
        country="GH",
        organisation="SCORE Ghana",
        category="score_team",
    )
    with app.app_context():
        event_row = db.session.scalar(select(Event))
        register_delegate(event_row, details, privacy_notice_version="1")
        db.session.commit()
        duplicate = Registration(
            event_id=event_row.id,
            programme_id=event_row.programmes[0].id,
            reference="SCR-TEST22",
            full_name="Kofi again",
            email="KOFI@example.org",
            email_normalised="kofi@example.org",
            organisation="x",
            category="other",
            consent_at=event_row.created_at,
            privacy_notice_version="1",
        )
        db.session.add(duplicate)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        count = db.session.scalar(select(func.count(Registration.id)))
    assert count == 1


def test_what_a_delegate_typed_is_escaped_on_every_page(app, client, register):
    hostile = '<script>alert("x")</script>'
    token = token_from(
        register(
            full_name=hostile,
            organisation=f"<b>{hostile}</b>",
            accessibility=hostile,
            dietary="other",
            dietary_detail=hostile,
        )
    )
    html = client.get(f"/r/{token}").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_escaping_also_holds_when_the_form_comes_back_with_errors(register):
    response = register(full_name='"><script>alert(1)</script>', email="bad")
    html = response.get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html


def test_register_page_for_an_unknown_event_is_a_404(client, event):
    assert client.get("/events/no-such-event/register").status_code == 404


def test_the_form_has_the_contract_field_names_and_visible_labels(client, event):
    html = client.get(REGISTER_URL).get_data(as_text=True)
    for name in [
        "csrf_token",
        "full_name",
        "email",
        "country",
        "organisation",
        "job_title",
        "category",
        "gender",
        "phone",
        "arrival_date",
        "departure_date",
        "needs_accommodation",
        "dietary",
        "dietary_detail",
        "accessibility",
        "needs_visa_letter",
        "consent",
    ]:
        assert f'name="{name}"' in html, name
    for code in ["CN", "CO", "GH", "IN", "ID", "ZA", "VN"]:
        assert f'<option value="{code}">' in html
    for value in [
        "government",
        "employers",
        "workers",
        "enterprise",
        "score_team",
        "ilo",
        "partner",
        "other",
    ]:
        assert f'<option value="{value}">' in html
    for value in ["female", "male", "another", "undisclosed"]:
        assert f'value="{value}"' in html
    ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html)
    for control_id in ids:
        if control_id == "csrf_token":
            continue
        assert f'for="{control_id}"' in html, f"{control_id} has no label"


def test_csrf_token_helper_reads_a_token(client, event):
    assert len(csrf_token(client, REGISTER_URL)) > 20
