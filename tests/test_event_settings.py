"""Event settings: only admins change them, bad input changes nothing, and what
changes reaches delegates' calendars (updates with a higher SEQUENCE) and the
subscribed programme feed."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime

import icalendar
import pytest
import vobject
from conftest import SLUG, csrf_token, log_in, valid_registration
from seats_helpers import sign_up, statuses, the_event
from sqlalchemy import func, select

from app import seed_data
from app.extensions import db
from app.models import AuditEntry, OutboxMessage, ProgrammeSession, Registration
from app.services import event_settings
from app.services.audit import SYSTEM
from app.services.event_settings import SettingsError
from app.services.registration import (
    DelegateDetails,
    cancel_registration,
    register_delegate,
    set_quota,
)
from tests.helpers import add_organiser, built_message

SETTINGS = f"/admin/events/{SLUG}/settings"
DETAILS = f"{SETTINGS}/details"
SEATS = f"{SETTINGS}/seats"
RULES = f"{SETTINGS}/registration"
SESSIONS = f"{SETTINGS}/sessions"
PASSWORD = "correct horse battery"
HOST = "register.example.org"


@pytest.fixture
def admin_client(app, client, event):
    with app.app_context():
        add_organiser("admin@example.org", PASSWORD, role="admin")
        db.session.commit()
    log_in(client, "admin@example.org", PASSWORD)
    return client


def post_form(client, url: str, data: dict):
    """POST ``data`` with the CSRF token of the form at ``url``."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)})


def details_form(**overrides) -> dict:
    """The event details form as the seeded event fills it, with changes."""
    facts = seed_data.EVENT
    form = {
        "title": facts["title"],
        "summary": facts["summary"],
        "purpose": facts["purpose"],
        "background": facts["background"],
        "location": facts["location"],
        "host": facts["host"],
        "starts_on": facts["starts_on"].isoformat(),
        "ends_on": facts["ends_on"].isoformat(),
        "organiser_email": "",
        "programme_is_provisional": "y",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def seats_form(capacity="48", **quotas) -> dict:
    form = {"capacity": capacity}
    for code, _name in seed_data.PROGRAMMES:
        form[f"quota_{code}"] = str(quotas.get(code, seed_data.SEATS_PER_PROGRAMME))
    return form


def error_of(response, field_id: str) -> str:
    """The error message shown next to a field (``<p id="<field>-error">``)."""
    body = response.get_data(as_text=True)
    marker = f'id="{field_id}-error">'
    assert marker in body, f"no error shown next to {field_id}"
    return html.unescape(body.split(marker, 1)[1].split("</p>", 1)[0]).strip()


def register_with_token(country: str, address: str) -> tuple[int, str]:
    details = DelegateDetails(
        full_name=f"Delegate {address}",
        email=address,
        country=country,
        organisation="SCORE",
        category="score_team",
    )
    created = register_delegate(the_event(), details, privacy_notice_version="1")
    db.session.commit()
    return created.registration.id, created.token


def vevent(ics: bytes, uid: str | None = None) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(ics)
    events = [e for e in calendar.walk("VEVENT") if uid is None or str(e["UID"]) == uid]
    assert len(events) == 1
    return events[0]


def outbox(kind: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == kind)
            .order_by(OutboxMessage.id)
        )
    )


def mailed_calendar(message: OutboxMessage) -> icalendar.Calendar:
    """The inline text/calendar part of a queued message, parsed."""
    parsed = built_message(message)
    [part] = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    return icalendar.Calendar.from_ical(part.get_payload(decode=True))


def audit_entries(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == action)
            .order_by(AuditEntry.id)
        )
    )


def first_session() -> ProgrammeSession:
    return db.session.scalars(
        select(ProgrammeSession).order_by(ProgrammeSession.starts_at)
    ).first()


# Who may use the settings


SETTINGS_PAGES = [SETTINGS, DETAILS, SEATS, RULES, SESSIONS, f"{SESSIONS}/new"]


@pytest.mark.parametrize(
    ("role", "country"), [("organiser", None), ("coordinator", "GH")]
)
def test_organisers_and_coordinators_may_not_see_or_change_settings(
    app, client, event, role, country
):
    with app.app_context():
        add_organiser(f"{role}@example.org", PASSWORD, role=role, country_code=country)
        db.session.commit()
    log_in(client, f"{role}@example.org", PASSWORD)

    for url in SETTINGS_PAGES:
        assert client.get(url).status_code == 403, url
    # A POST with a valid CSRF token (taken from a page they may see) too.
    token = csrf_token(client, "/admin/password")
    response = client.post(
        DETAILS, data={**details_form(location="Jakarta"), "csrf_token": token}
    )

    assert response.status_code == 403
    with app.app_context():
        assert the_event().location == seed_data.EVENT["location"]
        assert the_event().sequence == 0


def test_anonymous_visitor_is_sent_to_login(client, event):
    response = client.get(SETTINGS)

    assert response.status_code in (302, 303)
    assert "/admin/login" in response.headers["Location"]


@pytest.mark.parametrize("url", SETTINGS_PAGES)
def test_admin_may_open_every_settings_page(admin_client, url):
    assert admin_client.get(url).status_code == 200


def test_overview_links_to_every_part(admin_client):
    body = admin_client.get(SETTINGS).get_data(as_text=True)

    for url in (DETAILS, SEATS, RULES, SESSIONS):
        assert f'href="{url}"' in body


def test_a_post_without_csrf_token_changes_nothing(app, admin_client):
    response = admin_client.post(DETAILS, data=details_form(location="Jakarta"))

    assert response.status_code == 400
    with app.app_context():
        assert the_event().location == seed_data.EVENT["location"]


# Event details and the delegates' invitations


def test_changing_the_location_sends_each_confirmed_delegate_an_update(
    app, admin_client
):
    with app.app_context():
        set_quota(the_event(), "GH", 1, SYSTEM)
        db.session.commit()
        first_id, first_token = register_with_token("VN", "first@example.org")
        second_id, _ = register_with_token("GH", "second@example.org")
        waiting = sign_up("GH", "waiting@example.org")
        cancelled = sign_up("IN", "cancelled@example.org")
        cancel_registration(cancelled, SYSTEM)
        db.session.commit()
        assert waiting.status == "waitlisted"
        sequences = {r.id: r.sequence for r in db.session.scalars(select(Registration))}
    invite_before = vevent(admin_client.get(f"/r/{first_token}/invite.ics").data)

    response = post_form(
        admin_client, DETAILS, details_form(location="Hotel Salak, Bogor")
    )

    assert response.status_code == 303
    assert response.headers["Location"].endswith(SETTINGS)
    with app.app_context():
        assert the_event().sequence == 1
        updates = outbox("updated")
        assert sorted(m.recipient for m in updates) == [
            "first@example.org",
            "second@example.org",
        ]
        for message in updates:
            registration = db.session.get(Registration, message.registration_id)
            assert registration.sequence == sequences[registration.id] + 1
            calendar = mailed_calendar(message)
            assert calendar["METHOD"] == "REQUEST"
            [invitation] = calendar.walk("VEVENT")
            assert str(invitation["UID"]) == f"registration-{registration.id}@{HOST}"
            assert invitation["SEQUENCE"] == registration.sequence
            assert str(invitation["LOCATION"]) == "Hotel Salak, Bogor"
        # Nobody else heard anything or had their SEQUENCE moved.
        for registration_id in (waiting.id, cancelled.id):
            registration = db.session.get(Registration, registration_id)
            assert registration.sequence == sequences[registration_id]
        [entry] = audit_entries("event_changed")
        assert entry.before == {"location": seed_data.EVENT["location"]}
        assert entry.after == {"location": "Hotel Salak, Bogor"}
        assert entry.actor == "organiser:admin@example.org"
    invite_after = vevent(admin_client.get(f"/r/{first_token}/invite.ics").data)
    assert invite_after["SEQUENCE"] > invite_before["SEQUENCE"]
    assert str(invite_after["LOCATION"]) == "Hotel Salak, Bogor"
    workshop = vevent(admin_client.get(f"/events/{SLUG}/event.ics").data)
    assert workshop["SEQUENCE"] == 1
    assert first_id != second_id


def test_the_update_comes_from_a_newly_set_organiser_mailbox(app, admin_client):
    with app.app_context():
        sign_up("VN", "delegate@example.org")

    response = post_form(
        admin_client,
        DETAILS,
        details_form(
            title="SCORE Knowledge Sharing Workshop",
            organiser_email="Score.Bogor@Example.org",
        ),
    )

    assert response.status_code == 303
    with app.app_context():
        assert the_event().organiser_email == "Score.Bogor@example.org"
        [update] = outbox("updated")
        assert update.sender == "Score.Bogor@example.org"
        [invitation] = mailed_calendar(update).walk("VEVENT")
        assert str(invitation["ORGANIZER"]) == "mailto:Score.Bogor@example.org"
        assert str(invitation["SUMMARY"]) == "SCORE Knowledge Sharing Workshop"


def test_changing_what_no_calendar_shows_sends_nothing(app, admin_client):
    with app.app_context():
        sign_up("VN")

    response = post_form(admin_client, DETAILS, details_form(host="ILO Jakarta"))

    assert response.status_code == 303
    with app.app_context():
        assert the_event().host == "ILO Jakarta"
        assert the_event().sequence == 0
        assert outbox("updated") == []
        assert len(audit_entries("event_changed")) == 1


def test_saving_unchanged_details_changes_nothing(app, admin_client):
    with app.app_context():
        sign_up("VN")

    response = post_form(admin_client, DETAILS, details_form())

    assert response.status_code == 303
    with app.app_context():
        assert the_event().sequence == 0
        assert outbox("updated") == []
        assert audit_entries("event_changed") == []


def test_the_venue_change_reaches_sessions_that_show_the_venue(app, admin_client):
    with app.app_context():
        session = first_session()
        session.location = "Room Melati"
        db.session.commit()
        own_room = session.id

    post_form(admin_client, DETAILS, details_form(location="Hotel Salak, Bogor"))

    with app.app_context():
        for session in db.session.scalars(select(ProgrammeSession)):
            assert session.sequence == (0 if session.id == own_room else 1)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "SCORE\x07Workshop", "Remove the invisible control characters."),
        ("location", "B" * 301, "Keep this under 300 characters."),
        ("title", "", "Enter the event's title."),
        ("summary", "Line one\nline\x1btwo", "Remove the invisible control"),
        ("ends_on", "2011-04-03", "The last day cannot be before the first."),
        ("starts_on", "4 April 2011", "Enter the date as YYYY-MM-DD"),
        ("organiser_email", "not-an-address", "Enter a valid e-mail address"),
    ],
)
def test_bad_details_are_refused_next_to_the_field(
    app, admin_client, field, value, message
):
    with app.app_context():
        sign_up("VN")

    response = post_form(
        admin_client, DETAILS, details_form(**{"location": "Jakarta", field: value})
    )

    assert response.status_code == 422
    assert message in error_of(response, field)
    with app.app_context():
        event = the_event()
        assert (event.location, event.title, event.sequence) == (
            seed_data.EVENT["location"],
            seed_data.EVENT["title"],
            0,
        )
        assert outbox("updated") == []


def test_a_delegates_address_cannot_be_the_organiser_mailbox(app, admin_client):
    with app.app_context():
        sign_up("VN", "delegate@example.org")

    response = post_form(
        admin_client,
        DETAILS,
        details_form(location="Jakarta", organiser_email="delegate@example.org"),
    )

    assert response.status_code == 422
    assert "A delegate registered with this address" in error_of(
        response, "organiser_email"
    )
    with app.app_context():
        assert the_event().organiser_email is None
        assert the_event().location == seed_data.EVENT["location"]
        assert outbox("updated") == []


# Programme sessions and the subscribed feed


def agenda_session(client, session_id: int) -> icalendar.Event:
    return vevent(
        client.get(f"/events/{SLUG}/agenda.ics").data, f"session-{session_id}@{HOST}"
    )


def session_form(**overrides) -> dict:
    form = {
        "title": "Opening and welcome",
        "description": "Welcome by the ILO.",
        "location": "",
        "day": "2011-04-05",
        "starts": "10:00",
        "ends": "11:30",
    }
    form.update(overrides)
    return form


def test_editing_a_session_moves_it_in_utc_and_raises_its_sequence(app, admin_client):
    with app.app_context():
        session_id = first_session().id
    before = agenda_session(admin_client, session_id)

    response = post_form(admin_client, f"{SESSIONS}/{session_id}/edit", session_form())

    assert response.status_code == 303
    after = agenda_session(admin_client, session_id)
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1
    # 10:00 WIB (UTC+7) is 03:00 UTC.
    assert after.start.astimezone(UTC) == datetime(2011, 4, 5, 3, 0, tzinfo=UTC)
    assert after.end.astimezone(UTC) == datetime(2011, 4, 5, 4, 30, tzinfo=UTC)
    assert after.start.tzinfo.key == "Asia/Jakarta"
    # An independent parser reads the same instant.
    [parsed] = [
        e
        for e in vobject.readOne(
            admin_client.get(f"/events/{SLUG}/agenda.ics").get_data(as_text=True)
        ).vevent_list
        if e.uid.value == f"session-{session_id}@{HOST}"
    ]
    assert parsed.dtstart.value.astimezone(UTC) == datetime(
        2011, 4, 5, 3, 0, tzinfo=UTC
    )
    with app.app_context():
        session = db.session.get(ProgrammeSession, session_id)
        assert session.starts_at == datetime(2011, 4, 5, 3, 0, tzinfo=UTC)
        assert session.sequence == 1
        [entry] = audit_entries("session_changed")
        assert entry.after["starts_at"] == "2011-04-05T03:00:00+00:00"
        assert entry.after["session_id"] == session_id


def test_saving_an_unchanged_session_keeps_its_sequence(app, admin_client):
    with app.app_context():
        session = first_session()
        local = session.starts_at.astimezone(the_event().zone)
        ends = session.ends_at.astimezone(the_event().zone)
        form = session_form(
            title=session.title,
            description=session.description,
            day=local.date().isoformat(),
            starts=f"{local:%H:%M}",
            ends=f"{ends:%H:%M}",
        )
        session_id = session.id

    response = post_form(admin_client, f"{SESSIONS}/{session_id}/edit", form)

    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(ProgrammeSession, session_id).sequence == 0
        assert audit_entries("session_changed") == []


def test_an_added_session_appears_in_the_feed(app, admin_client):
    response = post_form(
        admin_client,
        f"{SESSIONS}/new",
        session_form(title="Field visit", location="Factory, Cibinong"),
    )

    assert response.status_code == 303
    with app.app_context():
        session = db.session.scalar(
            select(ProgrammeSession).where(ProgrammeSession.title == "Field visit")
        )
        assert session.sequence == 0
        assert len(audit_entries("session_added")) == 1
    entry = agenda_session(admin_client, session.id)
    assert entry.start.astimezone(UTC) == datetime(2011, 4, 5, 3, 0, tzinfo=UTC)
    assert str(entry["LOCATION"]) == "Factory, Cibinong"


def test_a_deleted_session_leaves_the_feed(app, admin_client):
    with app.app_context():
        session_id = first_session().id
        count = db.session.scalar(select(func.count(ProgrammeSession.id)))
    url = f"{SESSIONS}/{session_id}/delete"
    assert admin_client.get(url).status_code == 200

    response = post_form(admin_client, url, {})

    assert response.status_code == 303
    feed = icalendar.Calendar.from_ical(
        admin_client.get(f"/events/{SLUG}/agenda.ics").data
    )
    uids = {str(e["UID"]) for e in feed.walk("VEVENT")}
    assert f"session-{session_id}@{HOST}" not in uids
    assert len(uids) == count - 1
    with app.app_context():
        [entry] = audit_entries("session_deleted")
        assert entry.before["session_id"] == session_id


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"starts": "10:00", "ends": "09:00"}, "ends", "must end after it starts"),
        ({"starts": "10:00", "ends": "10:00"}, "ends", "must end after it starts"),
        ({"title": "Opening\x00"}, "title", "Remove the invisible control"),
        ({"title": "T" * 201}, "title", "Keep this under 200 characters."),
        ({"description": "x" * 2001}, "description", "under 2,000 characters"),
        ({"day": "2011-05-05"}, "day", "Choose a day of the event"),
        ({"starts": "25:00"}, "starts", "Enter the time as HH:MM"),
    ],
)
def test_bad_session_input_is_refused_next_to_the_field(
    app, admin_client, overrides, field, message
):
    with app.app_context():
        session = first_session()
        session_id, starts_at = session.id, session.starts_at

    response = post_form(
        admin_client, f"{SESSIONS}/{session_id}/edit", session_form(**overrides)
    )

    assert response.status_code == 422
    assert message in error_of(response, field)
    with app.app_context():
        session = db.session.get(ProgrammeSession, session_id)
        assert (session.starts_at, session.sequence) == (starts_at, 0)


def test_another_events_session_is_not_found(app, admin_client):
    assert admin_client.get(f"{SESSIONS}/999999/edit").status_code == 404


# Capacity and quotas


def test_raising_a_quota_promotes_waiting_delegates(app, admin_client):
    with app.app_context():
        for _ in range(8):
            sign_up("GH")
        assert statuses("GH") == {"confirmed": 6, "waitlisted": 2}

    response = post_form(admin_client, SEATS, seats_form(GH=7))

    assert response.status_code == 303
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 delegate moved up from the waiting list" in page
    with app.app_context():
        assert statuses("GH") == {"confirmed": 7, "waitlisted": 1}
        assert len(outbox("promoted")) == 1
        assert the_event().programme_by_code("GH").quota == 7
        [entry] = audit_entries("quota_changed")
        assert (entry.before, entry.after) == ({"GH": 6}, {"GH": 7})


def test_raising_the_capacity_promotes_when_the_event_is_full(app, admin_client):
    with app.app_context():
        set_quota(the_event(), "GH", 10, SYSTEM)
        db.session.commit()
    post_form(admin_client, SEATS, seats_form(capacity="3", GH=10))
    with app.app_context():
        for _ in range(5):
            sign_up("GH")
        assert statuses("GH") == {"confirmed": 3, "waitlisted": 2}

    response = post_form(admin_client, SEATS, seats_form(capacity="", GH=10))

    assert response.status_code == 303
    with app.app_context():
        assert the_event().capacity is None
        assert statuses("GH") == {"confirmed": 5}


def test_a_limit_below_the_seats_taken_is_refused_and_the_form_changes_nothing(
    app, admin_client
):
    with app.app_context():
        for _ in range(3):
            sign_up("GH")

    # The capacity is lowered first (valid), then GH fails: all is undone.
    response = post_form(admin_client, SEATS, seats_form(capacity="40", GH=2, VN=8))

    assert response.status_code == 422
    assert "the quota cannot go below 3" in error_of(response, "quota_GH")
    with app.app_context():
        event = the_event()
        assert event.capacity == 48
        assert event.programme_by_code("GH").quota == 6
        assert event.programme_by_code("VN").quota == 6
        assert audit_entries("quota_changed") == []
        assert audit_entries("capacity_changed") == []


def test_lowered_limits_apply_before_raised_ones(app, admin_client):
    with app.app_context():
        set_quota(the_event(), "GH", 10, SYSTEM)
        db.session.commit()
    post_form(admin_client, SEATS, seats_form(capacity="3", GH=10))
    with app.app_context():
        for _ in range(5):
            sign_up("GH")

    # Raising the capacity first would promote two Ghanaians and make the
    # quota of 3 impossible; lowering GH first keeps both changes valid.
    response = post_form(admin_client, SEATS, seats_form(capacity="", GH=3))

    assert response.status_code == 303
    with app.app_context():
        assert the_event().capacity is None
        assert the_event().programme_by_code("GH").quota == 3
        assert statuses("GH") == {"confirmed": 3, "waitlisted": 2}


def test_a_capacity_below_the_seats_taken_is_refused(app, admin_client):
    with app.app_context():
        for country in ("GH", "VN", "IN"):
            sign_up(country)

    response = post_form(admin_client, SEATS, seats_form(capacity="2"))

    assert response.status_code == 422
    assert "cannot go below 3" in error_of(response, "capacity")
    with app.app_context():
        assert the_event().capacity == 48


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (seats_form(GH="-1"), "quota_GH"),
        (seats_form(GH=""), "quota_GH"),
        (seats_form(GH="six"), "quota_GH"),
        (seats_form(capacity="1000000"), "capacity"),
    ],
)
def test_bad_numbers_are_refused_next_to_the_field(app, admin_client, form, field):
    response = post_form(admin_client, SEATS, form)

    assert response.status_code == 422
    assert error_of(response, field)
    with app.app_context():
        assert the_event().capacity == 48
        assert the_event().programme_by_code("GH").quota == 6


# Approval and the registration window


def test_a_window_in_the_past_closes_the_public_form(app, admin_client):
    response = post_form(
        admin_client,
        RULES,
        {"opens_at": "2011-02-01T08:00", "closes_at": "2011-03-31T17:00"},
    )

    assert response.status_code == 303
    with app.app_context():
        event = the_event()
        # 17:00 WIB is 10:00 UTC.
        assert event.registration_closes_at == datetime(2011, 3, 31, 10, tzinfo=UTC)
        assert event.registration_opens_at == datetime(2011, 2, 1, 1, tzinfo=UTC)
        [entry] = audit_entries("registration_rules_changed")
        assert entry.after["registration_closes_at"] == "2011-03-31T10:00:00+00:00"
    page = admin_client.get(f"/events/{SLUG}/register").get_data(as_text=True)
    assert "Registration is closed." in page
    # The closed page has no form; a token from another page is still valid.
    token = csrf_token(admin_client, "/admin/password")
    attempt = admin_client.post(
        f"/events/{SLUG}/register", data={**valid_registration(), "csrf_token": token}
    )
    assert attempt.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_the_window_is_shown_again_in_wib(app, admin_client):
    post_form(admin_client, RULES, {"closes_at": "2011-03-31T17:00"})

    body = admin_client.get(RULES).get_data(as_text=True)

    assert 'value="2011-03-31T17:00"' in body


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (
            {"opens_at": "2011-03-31T17:00", "closes_at": "2011-03-01T17:00"},
            "closes_at",
            "must close after it opens",
        ),
        ({"opens_at": "next Monday"}, "opens_at", "Date and time in WIB"),
    ],
)
def test_a_bad_window_is_refused_next_to_the_field(
    app, admin_client, form, field, message
):
    response = post_form(admin_client, RULES, {"approval_required": "y", **form})

    assert response.status_code == 422
    assert message in error_of(response, field)
    with app.app_context():
        event = the_event()
        assert event.registration_opens_at is None
        assert event.registration_closes_at is None
        assert event.approval_required is False


def test_approval_mode_makes_new_registrations_pending(app, admin_client):
    response = post_form(admin_client, RULES, {"approval_required": "y"})

    assert response.status_code == 303
    with app.app_context():
        assert sign_up("GH").status == "pending"
        [entry] = audit_entries("registration_rules_changed")
        assert (entry.before, entry.after) == (
            {"approval_required": False},
            {"approval_required": True},
        )

    post_form(admin_client, RULES, {})

    with app.app_context():
        assert sign_up("GH").status == "confirmed"


# The services refuse what the forms refuse, for callers other than the forms


def test_the_services_refuse_times_out_of_order(app, event):
    later = datetime(2011, 4, 5, 3, tzinfo=UTC)
    earlier = datetime(2011, 4, 5, 2, tzinfo=UTC)
    with app.app_context():
        with pytest.raises(SettingsError) as refused:
            event_settings.add_session(
                the_event(),
                event_settings.SessionDetails("Late", "", None, later, earlier),
                SYSTEM,
            )
        assert refused.value.field == "ends"
        with pytest.raises(SettingsError) as refused:
            event_settings.update_registration_rules(
                the_event(),
                approval_required=False,
                opens_at=later,
                closes_at=earlier,
                actor=SYSTEM,
            )
        assert refused.value.field == "closes_at"
        details = event_settings.EventDetails.of(the_event())
        details.ends_on = date(2011, 4, 3)
        with pytest.raises(SettingsError) as refused:
            event_settings.update_event_details(the_event(), details, SYSTEM)
        assert refused.value.field == "ends_on"
