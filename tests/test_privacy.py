"""Delegates' data: consent, export, link replacement, deletion and the purge."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, OutboxMessage, Registration
from app.services.audit import SYSTEM
from app.services.privacy import EventNotOver, purge_event
from tests.conftest import SLUG, csrf_token
from tests.helpers import deliver, every_stored_text
from tests.seats_helpers import sign_up, the_event


def manage_path(response) -> str:
    assert response.status_code == 303
    return response.headers["Location"]


def test_consent_is_recorded_with_time_and_notice_version(app, register):
    register()
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        assert registration.consent_at is not None
        assert registration.privacy_notice_version == the_event().privacy_notice_version


def test_a_delegate_downloads_all_their_data(client, register):
    path = manage_path(register(accessibility="Wheelchair access"))
    response = client.get(path + "/data.json")
    assert response.status_code == 200
    assert response.content_type == "application/json; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["registration"]["full_name"] == "Trần Văn Nam"
    assert data["registration"]["email"] == "nam@example.org"
    assert data["registration"]["accessibility"] == "Wheelchair access"
    assert data["registration"]["country"] == "VN"
    assert data["registration"]["consent_at"]
    assert [h["action"] for h in data["history"]] == ["registered"]
    assert [m["kind"] for m in data["messages"]] == ["confirmed"]


def test_a_leaked_link_is_replaced_and_stops_working(client, register):
    old = manage_path(register())
    token = csrf_token(client, old)
    response = client.post(old + "/new-link", data={"csrf_token": token})
    new = response.headers["Location"].split("?")[0]
    assert response.status_code == 303 and new != old
    assert client.get(old).status_code == 404
    assert client.get(old + "/invite.ics").status_code == 404
    page = client.get(new + "?replaced=1")
    assert page.status_code == 200
    assert "Your link is replaced" in page.get_data(as_text=True)


def test_new_link_needs_csrf(client, register):
    old = manage_path(register())
    assert client.post(old + "/new-link").status_code == 400
    assert client.get(old).status_code == 200


def test_a_delegate_deletes_their_registration(app, client, register):
    with app.app_context():
        for _ in range(5):
            sign_up("VN")
    path = manage_path(register())
    with app.app_context():
        waiting = sign_up("VN")
        assert waiting.status == "waitlisted"
        waiting_id = waiting.id
    assert "cannot be undone" in client.get(path + "/delete").get_data(as_text=True)
    token = csrf_token(client, path + "/delete")
    response = client.post(path + "/delete", data={"csrf_token": token})
    assert response.status_code == 200
    assert client.get(path).status_code == 404

    with app.app_context():
        gone = db.session.scalar(
            select(Registration).where(Registration.anonymised_at.is_not(None))
        )
        assert gone.status == "cancelled"
        assert gone.full_name == "Anonymised delegate"
        assert "nam" not in gone.email and gone.phone == ""
        assert gone.programme.code == "VN"  # the aggregate facts stay
        assert db.session.get(Registration, waiting_id).status == "confirmed"
        history = db.session.scalars(
            select(AuditEntry).where(AuditEntry.registration_id == gone.id)
        ).all()
        dumped = json.dumps([(e.before, e.after) for e in history])
        assert "Trần" not in dumped and "nam@example.org" not in dumped


def aggregates(app) -> Counter:
    with app.app_context():
        return Counter(
            (
                r.status,
                r.programme.code,
                r.category,
                r.gender,
                r.organisation,
                r.arrival_date,
                r.departure_date,
                r.dietary,
                r.reference,
            )
            for r in db.session.scalars(select(Registration))
        )


def test_purge_keeps_the_aggregates_and_removes_personal_fields(app, runner, register):
    for i, country in enumerate(["VN", "GH", "GH", "IN"]):
        register(
            email=f"delegate{i}@example.org",
            country=country,
            full_name=f"Person {i}",
            accessibility="Needs a ramp",
            dietary="other",
            dietary_detail="No nuts",
        )
    before = aggregates(app)
    with app.app_context():
        # The seeded workshop is long over; pretend it is still to come.
        event = the_event()
        event.starts_on, event.ends_on = date(2099, 4, 4), date(2099, 4, 8)
        db.session.commit()

    refused = runner.invoke(args=["purge-personal-data", SLUG])
    assert refused.exit_code != 0
    assert "use --force" in refused.output
    assert aggregates(app) == before

    result = runner.invoke(args=["purge-personal-data", SLUG, "--force"])
    assert result.exit_code == 0, result.output
    assert "Anonymised 4" in result.output
    assert aggregates(app) == before
    with app.app_context():
        for r in db.session.scalars(select(Registration)):
            assert r.full_name == "Anonymised delegate"
            assert r.email.endswith("@anonymised.invalid")
            assert r.phone == r.job_title == r.accessibility == r.dietary_detail == ""
            assert r.anonymised_at is not None
        emails = [r.email for r in db.session.scalars(select(Registration))]
        assert len(set(emails)) == 4
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "personal_data_purged")
        )
        assert entry.actor.startswith("cli:")
        assert entry.after == {"anonymised": 4}
        sent = db.session.scalars(select(OutboxMessage)).all()
        assert all(
            "Person" not in str(m.facts) and m.recipient == "anonymised.invalid"
            for m in sent
            if m.status != "queued"
        )


def test_purge_is_refused_before_the_event_ends(app, event):
    with app.app_context():
        sign_up("GH")
        with pytest.raises(EventNotOver):
            purge_event(the_event(), SYSTEM, today=date(2011, 4, 8))
        assert purge_event(the_event(), SYSTEM, today=date(2011, 4, 9)) == 1


def test_anonymised_rows_stay_in_the_csv(app, client, logged_in, register):
    register(email="a@example.org")
    with app.app_context():
        purge_event(the_event(), SYSTEM, force=True)
        db.session.commit()
    body = logged_in.get(f"/admin/events/{SLUG}/attendees.csv").data.decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(body)))
    assert row["full_name"] == "Anonymised delegate"
    assert row["country"] == "VN" and row["status"] == "confirmed"
    assert "a@example.org" not in body


def test_a_delegate_can_leave_the_public_list_later(app, client, register):
    path = manage_path(register(listed_publicly="y", full_name="Listed Person"))
    participants = f"/events/{SLUG}/participants"
    assert "Listed Person" in client.get(participants).get_data(as_text=True)

    edit = path + "/edit"
    page = client.get(edit).get_data(as_text=True)
    assert 'name="listed_publicly"' in page
    form = {
        "full_name": "Listed Person",
        "email": "nam@example.org",
        "country": "VN",
        "organisation": "SCORE Viet Nam",
        "category": "score_team",
        "gender": "male",
        "dietary": "none",
        "csrf_token": csrf_token(client, edit),
    }  # the box is left unticked
    assert client.post(edit, data=form).status_code == 303
    assert "Listed Person" not in client.get(participants).get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "edited")
        )
    assert entry.before["listed_publicly"] is True
    assert entry.after["listed_publicly"] is False


def anonymised_registration(app, register) -> tuple[int, int]:
    """A registration whose data was purged: its id, and the messages queued."""
    register(email="a@example.org")
    with app.app_context():
        purge_event(the_event(), SYSTEM, force=True)
        db.session.commit()
        return (
            db.session.scalar(select(Registration.id)),
            db.session.query(OutboxMessage).count(),
        )


def test_organisers_cannot_bring_personal_data_back(app, logged_in, register):
    """Found by the fuzzing: an organiser's edit of an anonymised registration
    wrote the submitted name and address back into it."""
    registration_id, messages_before = anonymised_registration(app, register)
    detail = f"/admin/events/{SLUG}/registrations/{registration_id}"

    page = logged_in.get(detail).get_data(as_text=True)
    assert f"{detail}/edit" not in page and "Resend message" not in page
    assert logged_in.get(f"{detail}/edit").status_code == 409
    edit = logged_in.post(
        f"{detail}/edit",
        data={
            "csrf_token": csrf_token(logged_in, detail),
            "full_name": "Trần Văn Nam",
            "email": "nam@example.org",
            "organisation": "SCORE Viet Nam",
            "category": "score_team",
            "gender": "male",
            "dietary": "none",
        },
    )
    assert edit.status_code == 409
    resend = logged_in.post(
        f"{detail}/resend",
        data={"csrf_token": csrf_token(logged_in, detail)},
        follow_redirects=True,
    )
    assert "can no longer be edited or written to" in resend.get_data(as_text=True)

    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        assert registration.full_name == "Anonymised delegate"
        assert registration.email.endswith("@anonymised.invalid")
        assert db.session.query(OutboxMessage).count() == messages_before


def test_the_service_refuses_to_edit_an_anonymised_registration(app, event):
    from app.services.registration import (
        DelegateDetails,
        PersonalDataDeleted,
        update_details,
    )

    with app.app_context():
        registration = sign_up("GH")
        purge_event(the_event(), SYSTEM, force=True)
        db.session.commit()
        with pytest.raises(PersonalDataDeleted):
            update_details(
                registration,
                DelegateDetails(
                    full_name="Ama Mensah",
                    email="ama@example.org",
                    country="GH",
                    organisation="SCORE Ghana",
                    category="enterprise",
                ),
                SYSTEM,
            )


def test_nothing_is_queued_for_an_anonymised_registration(app, logged_in, register):
    registration_id, messages_before = anonymised_registration(app, register)
    detail = f"/admin/events/{SLUG}/registrations/{registration_id}"

    cancel = logged_in.post(
        f"{detail}/cancel", data={"csrf_token": csrf_token(logged_in, detail)}
    )

    assert cancel.status_code == 303
    with app.app_context():
        assert db.session.get(Registration, registration_id).status == "cancelled"
        assert db.session.query(OutboxMessage).count() == messages_before


def test_after_deletion_no_message_row_holds_the_delegates_address(
    app, client, runner, register, smtp
):
    """Lost-link requests and sent e-mails included, once they are handled."""
    path = manage_path(register())
    url = f"/events/{SLUG}/lost-link"
    client.post(
        url, data={"email": "NAM@example.org", "csrf_token": csrf_token(client, url)}
    )
    deliver(runner)

    token = csrf_token(client, path + "/delete")
    client.post(path + "/delete", data={"csrf_token": token})
    deliver(runner)  # the last message: the cancellation

    stored = every_stored_text(app)
    assert not [text for text in stored if "nam@example.org" in text.lower()]
    assert not [text for text in stored if "Trần" in text]


def test_the_purge_forgets_the_addresses_of_every_message_of_the_event(
    app, client, runner, register, smtp
):
    register()
    url = f"/events/{SLUG}/lost-link"
    for address in ("nam@example.org", "someone.else@example.org"):
        client.post(url, data={"email": address, "csrf_token": csrf_token(client, url)})
    deliver(runner)

    with app.app_context():
        purge_event(the_event(), SYSTEM, force=True)
        db.session.commit()

    stored = every_stored_text(app)
    for address in ("nam@example.org", "someone.else@example.org"):
        assert not [text for text in stored if address in text.lower()]
