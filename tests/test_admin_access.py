"""Who may see the organisers' area: only a logged-in organiser, and no one else
sees any delegate's data."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from conftest import SLUG, csrf_token

from app.extensions import db
from app.models import Organiser

ADMIN_PAGES = [
    "/admin/",
    f"/admin/events/{SLUG}/attendees",
    f"/admin/events/{SLUG}/attendees.csv",
]
DISTINCTIVE_NAME = "Quirinus Zapatero-Wojcik"
DISTINCTIVE_EMAIL = "quirinus.zw@example.org"
LOGIN_ERROR = "The e-mail address or password is not right."
# The logout form's hidden field, rendered by hand in admin/base.html.
LOGOUT_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def login(client, email, password, next_url=None):
    token = csrf_token(client, "/admin/login")
    url = "/admin/login" if next_url is None else f"/admin/login?next={next_url}"
    return client.post(
        url, data={"email": email, "password": password, "csrf_token": token}
    )


def logged_in_user_id(client):
    with client.session_transaction() as session:
        return session.get("_user_id")


def redirect_path(response) -> str:
    return urlsplit(response.headers["Location"]).path


@pytest.fixture
def delegate(register):
    response = register(full_name=DISTINCTIVE_NAME, email=DISTINCTIVE_EMAIL)
    assert response.status_code == 303
    return DISTINCTIVE_NAME


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_anonymous_visitor_is_sent_to_login_and_sees_no_delegate(client, delegate, url):
    response = client.get(url)

    assert response.status_code in (302, 303)
    assert redirect_path(response) == "/admin/login"
    body = response.get_data(as_text=True)
    assert delegate not in body
    assert DISTINCTIVE_EMAIL not in body
    assert "SCR-" not in body


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_following_the_redirect_shows_only_the_login_form(client, delegate, url):
    response = client.get(url, follow_redirects=True)

    assert response.status_code == 200
    assert response.request.path == "/admin/login"
    body = response.get_data(as_text=True)
    assert 'name="email"' in body
    assert delegate not in body
    assert DISTINCTIVE_EMAIL not in body


def test_anonymous_visitor_to_unknown_event_is_sent_to_login_too(client, event):
    response = client.get("/admin/events/no-such-event/attendees")

    assert response.status_code in (302, 303)
    assert redirect_path(response) == "/admin/login"


def test_login_form_has_labelled_email_and_password_fields(client):
    response = client.get("/admin/login")

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    for name in ("email", "password"):
        field = re.search(rf'<input[^>]*name="{name}"[^>]*>', body)
        assert field, f"no {name} field"
        field_id = re.search(r'id="([^"]+)"', field.group(0)).group(1)
        assert f'<label for="{field_id}">' in body
    assert 'type="password"' in body
    assert 'name="csrf_token"' in body


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("organiser@example.org", "wrong horse battery"),
        ("nobody@example.org", "correct horse battery"),
        ("organiser@example.org", " correct horse battery"),
    ],
)
def test_wrong_credentials_give_no_session(client, organiser, event, email, password):
    response = login(client, email, password)

    assert response.status_code == 422
    assert LOGIN_ERROR in response.get_data(as_text=True)
    assert logged_in_user_id(client) is None
    home = client.get("/admin/")
    assert home.status_code in (302, 303)
    assert redirect_path(home) == "/admin/login"


def test_login_without_csrf_token_is_refused(client, organiser):
    response = client.post(
        "/admin/login",
        data={"email": "organiser@example.org", "password": "correct horse battery"},
    )

    assert response.status_code == 400
    assert logged_in_user_id(client) is None
    assert client.get("/admin/").status_code in (302, 303)


def test_deactivated_organiser_cannot_log_in(app, client, organiser):
    with app.app_context():
        account = db.session.scalar(
            db.select(Organiser).where(Organiser.email == organiser[0])
        )
        account.active = False
        db.session.commit()

    response = login(client, *organiser)

    assert response.status_code == 422
    assert logged_in_user_id(client) is None


def test_login_is_case_insensitive_for_the_email(client, organiser, event):
    response = login(client, "  Organiser@EXAMPLE.org ", organiser[1])

    assert response.status_code == 303
    assert logged_in_user_id(client) is not None


def test_successful_login_redirects_to_home_listing_the_event(client, organiser, event):
    response = login(client, *organiser)

    assert response.status_code == 303
    assert redirect_path(response) == "/admin/"
    home = client.get("/admin/")
    assert home.status_code == 200
    body = home.get_data(as_text=True)
    assert "SCORE Global Knowledge Sharing Workshop" in body
    assert f'href="/admin/events/{SLUG}/attendees"' in body
    assert f'href="/admin/events/{SLUG}/attendees.csv"' in body
    assert home.headers["Cache-Control"] == "no-store"


def test_logged_in_organiser_sees_the_delegate(logged_in, delegate):
    response = logged_in.get(f"/admin/events/{SLUG}/attendees")

    assert response.status_code == 200
    assert delegate in response.get_data(as_text=True)


def test_login_follows_a_local_next_path(client, organiser, event):
    target = f"/admin/events/{SLUG}/attendees"

    response = login(client, *organiser, next_url=target)

    assert response.status_code == 303
    assert response.headers["Location"] == target


def test_redirect_to_login_carries_the_page_asked_for(client, event):
    response = client.get(f"/admin/events/{SLUG}/attendees")

    location = urlsplit(response.headers["Location"])
    assert f"next=%2Fadmin%2Fevents%2F{SLUG}%2Fattendees" in location.query


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "http:/evil.example/",
        "///evil.example/",
        "javascript:alert(1)",
        "/%09/evil.example/",
    ],
)
def test_login_never_redirects_off_site(client, organiser, event, next_url):
    response = login(client, *organiser, next_url=next_url)

    assert response.status_code == 303
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert parts.scheme in ("", "http")
    assert parts.netloc in ("", "localhost")
    assert "evil.example" not in location
    assert location == "/admin/"


def test_login_never_redirects_off_site_through_a_backslash(client, organiser, event):
    response = login(client, *organiser, next_url="/%5Cevil.example/")

    assert response.status_code == 303
    assert "evil.example" not in response.headers["Location"]


def test_logout_is_not_a_get(logged_in):
    response = logged_in.get("/admin/logout")

    assert response.status_code == 405
    assert logged_in_user_id(logged_in) is not None
    assert logged_in.get("/admin/").status_code == 200


def test_logout_without_csrf_token_is_refused(logged_in):
    response = logged_in.post("/admin/logout")

    assert response.status_code == 400
    assert logged_in.get("/admin/").status_code == 200


def test_logout_ends_the_session(logged_in, delegate):
    home = logged_in.get("/admin/")
    token = LOGOUT_CSRF.search(home.get_data(as_text=True)).group(1)

    response = logged_in.post("/admin/logout", data={"csrf_token": token})

    assert response.status_code == 303
    assert redirect_path(response) == "/admin/login"
    assert logged_in_user_id(logged_in) is None
    for url in ADMIN_PAGES:
        after = logged_in.get(url)
        assert after.status_code in (302, 303)
        assert redirect_path(after) == "/admin/login"
        assert delegate not in after.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/events/no-such-event/attendees",
        "/admin/events/no-such-event/attendees.csv",
    ],
)
def test_unknown_event_is_not_found_for_an_organiser(logged_in, event, url):
    response = logged_in.get(url)

    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert "There is no event at this address." in response.get_data(as_text=True)
