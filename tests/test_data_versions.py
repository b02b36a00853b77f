"""The registration data's version, and the organiser pages kept under it.

The dashboard and the attendee list are computed once per version of the
data and kept in each server process; a change committed by any process
raises the version in the same transaction, so no process shows stale
numbers; reading, rolling back and changes the pages do not show leave it.
"""

from __future__ import annotations

import re

import pytest
from conftest import SLUG, csrf_token, log_in, valid_registration
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import OutboxMessage, Registration
from app.services.data_versions import registrations_version
from app.services.events import event_by_slug
from app.services.registration import DelegateDetails, register_delegate

DASHBOARD = f"/admin/events/{SLUG}/"
ATTENDEES = f"/admin/events/{SLUG}/attendees"


def version(app) -> int:
    with app.app_context():
        return registrations_version()


def register_in(app, email: str, country: str = "GH", name: str = "Ama Mensah") -> None:
    """Register a delegate through ``app``'s own session, and commit."""
    with app.app_context():
        register_delegate(
            event_by_slug(SLUG),
            DelegateDetails(
                full_name=name,
                email=email,
                country=country,
                organisation="SCORE Ghana",
                category="enterprise",
            ),
            privacy_notice_version="1",
        )
        db.session.commit()


def confirmed_on_dashboard(client) -> int:
    body = client.get(DASHBOARD).get_data(as_text=True)
    return int(re.search(r'data-count="confirmed">(\d+)<', body).group(1))


def total_on_attendee_list(client, **args) -> int:
    body = client.get(ATTENDEES, query_string=args).get_data(as_text=True)
    return int(re.search(r"<p>(\d+) registrations?\.", body).group(1))


def test_each_committed_change_raises_the_version_once(app, event, register):
    before = version(app)
    assert register().status_code == 303
    assert version(app) == before + 1
    assert register(email="kofi@example.org").status_code == 303
    assert version(app) == before + 2


def test_reading_rolling_back_and_unshown_changes_leave_the_version(
    app, client, event, register
):
    response = register()
    manage = response.headers["Location"]
    before = version(app)
    client.get("/")
    client.get(f"/events/{SLUG}/agenda.ics")
    # Asking for the link again mints one and queues a message: nothing an
    # organiser's page shows from the registration itself.
    client.post(
        f"/events/{SLUG}/lost-link",
        data={"email": "nam@example.org", "csrf_token": csrf_token(client, "/")},
    )
    client.get(manage)
    assert version(app) == before
    with app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        registration.full_name = "Changed, then rolled back"
        db.session.flush()
        db.session.rollback()
        # The same session commits a change to a table no page keeps.
        message = db.session.scalars(select(OutboxMessage)).first()
        message.attempts += 1
        db.session.commit()
    assert version(app) == before


def test_a_rolled_back_savepoint_keeps_the_changes_made_before_it(app, event):
    register_in(app, "ama@example.org")
    before = version(app)
    with app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        registration.full_name = "Ama Serwaa Mensah"
        db.session.flush()
        with pytest.raises(IntegrityError), db.session.begin_nested():
            duplicate = Registration(
                **{
                    column.key: getattr(registration, column.key)
                    for column in Registration.__table__.columns
                    if column.key != "id"
                }
            )
            db.session.add(duplicate)
        db.session.commit()
    assert version(app) == before + 1


def test_bulk_statements_raise_the_version(app, event):
    register_in(app, "ama@example.org")
    before = version(app)
    with app.app_context():
        db.session.execute(
            update(Registration).values(sequence=Registration.sequence + 1)
        )
        db.session.commit()
    assert version(app) == before + 1


def test_dashboard_shows_a_registration_made_by_another_process(
    logged_in, other_process, event
):
    register_in(other_process, "ama@example.org")
    assert confirmed_on_dashboard(logged_in) == 1  # now kept in this process

    register_in(other_process, "kofi@example.org")

    # Nothing this process committed cleared its cache: only the version did.
    assert confirmed_on_dashboard(logged_in) == 2


def test_attendee_list_follows_changes_made_by_another_process(
    logged_in, other_process, event
):
    register_in(other_process, "ama@example.org")
    assert total_on_attendee_list(logged_in) == 1
    assert total_on_attendee_list(logged_in, status="confirmed") == 1

    register_in(other_process, "kofi@example.org", country="VN", name="Kofi Boateng")

    assert "Kofi Boateng" in logged_in.get(ATTENDEES).get_data(as_text=True)
    assert total_on_attendee_list(logged_in) == 2
    assert total_on_attendee_list(logged_in, status="confirmed") == 2
    assert total_on_attendee_list(logged_in, country="VN") == 1


def test_an_organisers_change_shows_on_their_next_page_in_another_process(
    app, logged_in, other_process, organiser, event
):
    register_in(other_process, "ama@example.org")
    assert confirmed_on_dashboard(logged_in) == 1  # kept in this process
    with app.app_context():
        registration_id = db.session.scalar(select(Registration.id))
    # The same organiser's cancel is served by the other process ...
    elsewhere = other_process.test_client()
    log_in(elsewhere, *organiser)
    detail = f"/admin/events/{SLUG}/registrations/{registration_id}"
    response = elsewhere.post(
        f"{detail}/cancel",
        data={"csrf_token": csrf_token(elsewhere, f"{detail}/cancel")},
    )
    assert response.status_code == 303

    # ... and their next page, served by this one, shows it.
    assert confirmed_on_dashboard(logged_in) == 0


def test_only_the_choices_the_page_offers_are_kept(app, logged_in, event):
    client = logged_in
    client.post(
        f"/events/{SLUG}/register",
        data=valid_registration(
            csrf_token=csrf_token(client, f"/events/{SLUG}/register")
        ),
    )
    total_on_attendee_list(client)
    kept = len(app.extensions["rendered_cache"])
    for n in range(20):
        assert total_on_attendee_list(client, status=f"made-up-{n}") == 0
        assert total_on_attendee_list(client, q=f"word{n}") == 0
    assert len(app.extensions["rendered_cache"]) == kept


def test_attendee_pages_link_to_each_other_keeping_the_filters(app, logged_in, event):
    app.config["ATTENDEES_PER_PAGE"] = 2
    for n in range(5):
        register_in(app, f"delegate{n}@example.org", name=f"Delegate {n}")

    first = logged_in.get(ATTENDEES, query_string={"status": "confirmed"})
    body = first.get_data(as_text=True)
    assert "Page 1 of 3" in body
    next_link = re.search(r'<a href="([^"]+)">Next</a>', body).group(1)
    assert "page=2" in next_link and "status=confirmed" in next_link
    assert "Previous" not in body

    second = logged_in.get(next_link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Page 2 of 3" in second
    assert re.search(r'<a href="[^"]*page=1[^"]*">Previous</a>', second)
    # Each page of the list holds its own rows.
    assert "Delegate 2" in second and "Delegate 0" not in second


def test_audit_log_pages_link_to_each_other(app, logged_in, event, monkeypatch):
    from app.admin import log

    monkeypatch.setattr(log, "PER_PAGE", 2)
    for n in range(3):
        register_in(app, f"delegate{n}@example.org")

    body = logged_in.get(f"/admin/events/{SLUG}/log").get_data(as_text=True)
    assert "Page 1 of 2" in body
    older = re.search(r'<a href="([^"]+)">Older</a>', body).group(1)
    assert older == f"/admin/events/{SLUG}/log?page=2"
    second = logged_in.get(older).get_data(as_text=True)
    assert "Page 2 of 2" in second
    assert '">Newer</a>' in second
