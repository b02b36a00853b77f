"""The organisers' workspace: roles and scope, actions and their audit, lockout."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, LoginFailure, OutboxMessage, Registration
from tests.conftest import SLUG, csrf_token
from tests.helpers import add_organiser, built_message
from tests.seats_helpers import sign_up, statuses, the_event

ADMIN = f"/admin/events/{SLUG}"
PASSWORD = "correct horse battery"


def log_in(client, email: str, password: str = PASSWORD):
    token = csrf_token(client, "/admin/login")
    return client.post(
        "/admin/login", data={"email": email, "password": password, "csrf_token": token}
    )


@pytest.fixture
def people(app, event):
    """Delegates of Ghana and India, and accounts of each role."""
    with app.app_context():
        ghana = [sign_up("GH", f"kofi{i}@gh.example.org") for i in range(2)]
        india = sign_up("IN", "priya@in.example.org")
        add_organiser("admin@example.org", PASSWORD, "admin")
        add_organiser("staff@example.org", PASSWORD, "organiser")
        add_organiser("gh@example.org", PASSWORD, "coordinator", "GH")
        db.session.commit()
        return {"ghana": [g.id for g in ghana], "india": india.id}


def change_password(client, current: str, new: str = "a brand new password"):
    url = "/admin/password"
    return client.post(
        url,
        data={
            "current": current,
            "new": new,
            "confirm": new,
            "csrf_token": csrf_token(client, url),
        },
    )


def as_role(client, email, password=PASSWORD):
    assert log_in(client, email, password).status_code == 303
    return client


def action(client, registration_id: int, name: str, **extra):
    url = f"{ADMIN}/registrations/{registration_id}/{name}"
    token = csrf_token(client, f"{ADMIN}/registrations/{registration_id}")
    return client.post(url, data={"csrf_token": token, **extra})


def audit_actions(app, registration_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            (e.action, e.actor)
            for e in db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.registration_id == registration_id)
                .order_by(AuditEntry.id)
            )
        ]


# --- scope -------------------------------------------------------------------


def test_a_ghana_coordinator_never_sees_an_indian_delegate(client, people):
    as_role(client, "gh@example.org")

    listing = client.get(f"{ADMIN}/attendees").get_data(as_text=True)
    assert "kofi0@gh.example.org" not in listing  # e-mails are not in the table
    assert listing.count("Delegate") == 2
    assert "priya" not in listing.lower()
    assert (
        client.get(f"{ADMIN}/attendees?country=IN")
        .get_data(as_text=True)
        .count("No registrations match")
        == 1
    )
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"{ADMIN}/attendees.csv").data.decode("utf-8-sig"))
        )
    )
    assert {r["country"] for r in rows} == {"GH"}
    assert len(rows) == 2
    india_csv = client.get(f"{ADMIN}/attendees.csv?country=IN").data.decode("utf-8-sig")
    assert len(india_csv.strip().splitlines()) == 1  # the header only
    assert client.get(f"{ADMIN}/registrations/{people['india']}").status_code == 404
    assert action(client, people["ghana"][0], "resend").status_code == 303
    india_resend = client.post(
        f"{ADMIN}/registrations/{people['india']}/resend",
        data={"csrf_token": csrf_token(client, f"{ADMIN}/attendees")},
    )
    assert india_resend.status_code == 404
    check_in = client.get(f"{ADMIN}/check-in?q=priya").get_data(as_text=True)
    results = check_in.split('class="check-in-list"')[1].split("</ul>")[0]
    assert "No confirmed delegate matches" in results
    log = client.get(f"{ADMIN}/log").get_data(as_text=True)
    assert "priya" not in log.lower()


def test_an_organiser_sees_every_programme(client, people):
    as_role(client, "staff@example.org")
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"{ADMIN}/attendees.csv").data.decode("utf-8-sig"))
        )
    )
    assert {r["country"] for r in rows} == {"GH", "IN"}
    assert client.get(f"{ADMIN}/registrations/{people['india']}").status_code == 200


def test_only_admins_manage_accounts(client, people):
    as_role(client, "staff@example.org")
    assert client.get("/admin/accounts").status_code == 403


def test_an_admin_creates_a_coordinator_account(app, client, people):
    as_role(client, "admin@example.org")
    token = csrf_token(client, "/admin/accounts")
    response = client.post(
        "/admin/accounts",
        data={
            "email": "IN@example.org",
            "role": "coordinator",
            "country": "in",
            "password": "another long password",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    # The e-mail address is case-insensitive.
    as_role(client, "IN@EXAMPLE.ORG", "another long password")
    assert client.get(f"{ADMIN}/registrations/{people['ghana'][0]}").status_code == 404


# --- actions -----------------------------------------------------------------


def test_cancel_asks_first_then_promotes_and_records_who(app, client, people):
    as_role(client, "staff@example.org")
    with app.app_context():
        for i in range(4):
            sign_up("GH", f"more{i}@gh.example.org")
        waiting = sign_up("GH", "waiting@gh.example.org").id
    target = people["ghana"][0]

    confirm_page = client.get(f"{ADMIN}/registrations/{target}/cancel")
    assert confirm_page.status_code == 200
    assert "cannot be undone" in confirm_page.get_data(as_text=True)
    assert action(client, target, "cancel").status_code == 303

    with app.app_context():
        assert db.session.get(Registration, target).status == "cancelled"
        assert db.session.get(Registration, waiting).status == "confirmed"
    assert ("cancelled", "organiser:staff@example.org") in audit_actions(app, target)
    assert ("promoted", "organiser:staff@example.org") in audit_actions(app, waiting)


def test_an_action_without_csrf_is_refused(app, client, people):
    as_role(client, "staff@example.org")
    target = people["ghana"][0]
    response = client.post(f"{ADMIN}/registrations/{target}/cancel")
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Registration, target).status == "confirmed"


def test_approve_and_reject_in_approval_mode(app, client, people):
    with app.app_context():
        the_event().approval_required = True
        db.session.commit()
        pending = [sign_up("VN", f"vn{i}@example.org").id for i in range(2)]
    as_role(client, "staff@example.org")

    assert action(client, pending[0], "approve").status_code == 303
    assert client.get(f"{ADMIN}/registrations/{pending[1]}/reject").status_code == 200
    assert action(client, pending[1], "reject").status_code == 303

    with app.app_context():
        assert db.session.get(Registration, pending[0]).status == "confirmed"
        assert db.session.get(Registration, pending[1]).status == "rejected"
        kinds = db.session.scalars(
            select(OutboxMessage.kind).where(OutboxMessage.registration_id.in_(pending))
        ).all()
    assert sorted(kinds) == ["approved", "pending", "pending", "rejected"]


def test_confirming_from_a_full_waiting_list_needs_an_admin_override(
    app, client, people
):
    with app.app_context():
        for i in range(4):
            sign_up("GH", f"fill{i}@gh.example.org")
        waiting = sign_up("GH", "late@gh.example.org").id

    as_role(client, "staff@example.org")
    action(client, waiting, "confirm", override_quota="y")  # not an admin: ignored
    with app.app_context():
        assert db.session.get(Registration, waiting).status == "waitlisted"

    client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    as_role(client, "admin@example.org")
    done = action(client, waiting, "confirm", override_quota="y")
    assert done.status_code == 303
    with app.app_context():
        assert db.session.get(Registration, waiting).status == "confirmed"
        note = db.session.scalar(
            select(AuditEntry.note).where(
                AuditEntry.registration_id == waiting, AuditEntry.action == "confirmed"
            )
        )
    assert note == "quota overridden"


def test_check_in_from_the_desk_and_undo(app, client, people):
    as_role(client, "staff@example.org")
    target = people["ghana"][1]
    page = client.get(f"{ADMIN}/check-in?q=delegate").get_data(as_text=True)
    assert "Mark present" in page

    token = csrf_token(client, f"{ADMIN}/check-in")
    response = client.post(
        f"{ADMIN}/registrations/{target}/check-in",
        data={"csrf_token": token, "back": "check-in", "q": "delegate"},
    )
    assert response.status_code == 303
    assert "/check-in?q=delegate" in response.headers["Location"]
    desk = client.get(f"{ADMIN}/check-in").get_data(as_text=True)
    assert '<th scope="row">Ghana</th><td>1</td><td>2</td>' in desk.replace(
        "\n", ""
    ).replace("    ", "")

    action(client, target, "undo-check-in")
    with app.app_context():
        assert db.session.get(Registration, target).checked_in_at is None
    assert [a for a, _ in audit_actions(app, target)][-2:] == [
        "checked_in",
        "check_in_undone",
    ]


def test_check_in_finds_accented_names_without_accents(app, client, register, people):
    register(full_name="Trần Văn Nam", email="nam@vn.example.org", country="VN")
    as_role(client, "staff@example.org")
    page = client.get(f"{ADMIN}/check-in?q=tran+van").get_data(as_text=True)
    assert "Trần Văn Nam" in page


def test_resend_queues_the_current_message(app, client, people):
    as_role(client, "staff@example.org")
    target = people["ghana"][0]
    action(client, target, "resend")
    with app.app_context():
        kinds = db.session.scalars(
            select(OutboxMessage.kind).where(OutboxMessage.registration_id == target)
        ).all()
    assert kinds == ["confirmed", "confirmed"]
    assert ("message_resent", "organiser:staff@example.org") in audit_actions(
        app, target
    )


def test_edit_by_an_organiser_is_audited_with_before_and_after(app, client, people):
    as_role(client, "staff@example.org")
    target = people["ghana"][0]
    url = f"{ADMIN}/registrations/{target}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'name="full_name"' in page
    with app.app_context():
        registration = db.session.get(Registration, target)
        form = {
            "full_name": "Kofi Mensah",
            "email": registration.email,
            "country": "GH",
            "organisation": "Ghana Employers' Association",
            "category": "employers",
            "gender": "male",
            "dietary": "none",
            "csrf_token": csrf_token(client, url),
        }
    assert client.post(url, data=form).status_code == 303
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.registration_id == target, AuditEntry.action == "edited"
            )
        )
    assert entry.before["full_name"].startswith("Delegate")
    assert entry.after["full_name"] == "Kofi Mensah"
    assert entry.after["category"] == "employers"


def test_the_audit_log_cannot_be_edited(client, people):
    as_role(client, "admin@example.org")
    assert client.get(f"{ADMIN}/log").status_code == 200
    assert client.post(f"{ADMIN}/log").status_code in (400, 405)


# --- accounts and login ------------------------------------------------------


def test_five_failures_lock_the_account_even_for_the_right_password(
    app, client, people
):
    for _ in range(5):
        assert log_in(client, "staff@example.org", "wrong password").status_code == 422
    locked = log_in(client, "staff@example.org")
    assert locked.status_code == 429
    assert "15 minutes" in locked.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302

    with app.app_context():
        # Fifteen minutes later the failures no longer count.
        for failure in db.session.scalars(select(LoginFailure)):
            failure.at -= timedelta(minutes=16)
        db.session.commit()
    assert log_in(client, "staff@example.org").status_code == 303


def test_the_lockout_is_per_account(app, client, people):
    for _ in range(5):
        log_in(client, "staff@example.org", "wrong password")
    assert log_in(client, "admin@example.org").status_code == 303
    with app.app_context():
        count = db.session.scalar(
            select(func.count(LoginFailure.id)).where(
                LoginFailure.email == "staff@example.org"
            )
        )
    assert count == 5


def test_password_change(app, client, people):
    as_role(client, "staff@example.org")
    assert change_password(client, "not it").status_code == 422
    assert change_password(client, PASSWORD).status_code == 303
    client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    assert log_in(client, "staff@example.org").status_code == 422
    assert (
        log_in(client, "staff@example.org", "a brand new password").status_code == 303
    )


def test_a_switched_off_account_cannot_log_in(app, client, people):
    as_role(client, "admin@example.org")
    with app.app_context():
        staff_id = db.session.scalar(
            select(func.min(AuditEntry.id))
        )  # any query, keeps the session warm
        from app.models import Organiser

        staff_id = db.session.scalar(
            select(Organiser.id).where(Organiser.email == "staff@example.org")
        )
    token = csrf_token(client, "/admin/accounts")
    client.post(f"/admin/accounts/{staff_id}/active", data={"csrf_token": token})
    client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    assert log_in(client, "staff@example.org").status_code == 422
    with app.app_context():
        assert statuses() == {"confirmed": 3}


# --- the lock-out is per address; sessions end where they were copied ---------


def from_address(app, address: str):
    """A visitor of its own, coming from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_a_lock_out_from_one_address_leaves_the_holder_free_elsewhere(app, people):
    attacker = from_address(app, "203.0.113.9")
    for _ in range(12):
        log_in(attacker, "staff@example.org", "wrong password")

    assert log_in(attacker, "staff@example.org").status_code == 429
    holder = from_address(app, "198.51.100.7")
    assert log_in(holder, "staff@example.org").status_code == 303
    assert holder.get("/admin/").status_code == 200


def test_the_holder_is_told_once_when_their_account_is_locked(app, runner, people):
    attacker = from_address(app, "203.0.113.9")
    for _ in range(8):
        log_in(attacker, "staff@example.org", "wrong password")
    for _ in range(5):  # an address without an account is locked silently
        log_in(attacker, "nobody@example.org", "wrong password")

    with app.app_context():
        notices = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "account_locked")
        ).all()
        assert [n.recipient for n in notices] == ["staff@example.org"]
        text = built_message(notices[0]).get_body(("plain",)).get_content()
    assert "from the address 203.0.113.9" in text
    assert "unlock-organiser staff@example.org" in text


def test_unlock_organiser_lifts_the_lock_out_and_is_audited(app, runner, people):
    attacker = from_address(app, "203.0.113.9")
    for _ in range(5):
        log_in(attacker, "staff@example.org", "wrong password")

    result = runner.invoke(args=["unlock-organiser", "Staff@Example.org"])

    assert result.exit_code == 0, result.output
    assert "5 failed logins cleared" in result.output
    assert log_in(attacker, "staff@example.org").status_code == 303
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "organiser_unlocked")
        )
        assert entry.actor.startswith("cli:")
        assert entry.after == {
            "email": "staff@example.org",
            "failed_logins_cleared": 5,
        }


def test_unlocking_an_unknown_account_is_refused_with_a_clear_line(runner, people):
    result = runner.invoke(args=["unlock-organiser", "nobody@example.org"])

    assert result.exit_code == 1
    assert "There is no organiser account nobody@example.org." in result.output


def copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie."""
    copy = app.test_client()
    cookie = client.get_cookie("session")
    copy.set_cookie("session", cookie.value, domain=cookie.domain)
    return copy


def test_logging_out_ends_the_session_wherever_it_was_copied(app, client, people):
    as_role(client, "staff@example.org")
    stolen = copy_of(app, client)
    assert stolen.get("/admin/").status_code == 200

    client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin/")})

    assert stolen.get("/admin/").status_code == 302


def test_a_password_change_ends_every_other_session_of_the_account(app, client, people):
    as_role(client, "staff@example.org")
    elsewhere = as_role(app.test_client(), "staff@example.org")

    changed = change_password(client, PASSWORD)

    assert changed.status_code == 303
    assert client.get("/admin/").status_code == 200
    assert elsewhere.get("/admin/").status_code == 302


def test_switching_an_account_off_ends_its_sessions(app, client, people):
    staff = as_role(app.test_client(), "staff@example.org")
    as_role(client, "admin@example.org")
    with app.app_context():
        from app.models import Organiser

        staff_id = db.session.scalar(
            select(Organiser.id).where(Organiser.email == "staff@example.org")
        )
    token = csrf_token(client, "/admin/accounts")

    client.post(f"/admin/accounts/{staff_id}/active", data={"csrf_token": token})

    assert staff.get("/admin/").status_code == 302


def test_a_slow_stream_of_guesses_tells_the_holder_once_a_day(app, people):
    """Five wrong passwords every quarter of an hour keep one address locked
    out; its holder hears of it once, not every quarter of an hour."""
    from app.models.types import utcnow
    from app.services.organisers import authenticate

    start = utcnow()
    with app.app_context():
        for quarter in range(8):
            for minute in range(5):
                at = start + timedelta(minutes=16 * quarter + minute)
                authenticate("staff@example.org", "wrong", "203.0.113.9", now=at)
            db.session.commit()
        notices = db.session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.kind == "account_locked"
            )
        )
    assert notices == 1


def test_an_ipv6_client_cannot_escape_the_lock_out_by_changing_address(app, people):
    for host in range(1, 8):
        log_in(from_address(app, f"2001:db8:1:2::{host}"), "staff@example.org", "no")

    assert (
        log_in(from_address(app, "2001:db8:1:2::99"), "staff@example.org").status_code
        == 429
    )
    assert (
        log_in(from_address(app, "2001:db8:1:3::1"), "staff@example.org").status_code
        == 303
    )


def test_a_switched_off_account_has_no_session_even_if_none_was_ended(
    app, client, people
):
    from app.models import Organiser

    staff = as_role(client, "staff@example.org")
    with app.app_context():
        organiser = db.session.scalar(
            select(Organiser).where(Organiser.email == "staff@example.org")
        )
        organiser.active = False  # as a racing login might leave it
        db.session.commit()

    assert staff.get("/admin/").status_code == 302


def test_a_session_ends_a_day_after_the_login(app, client, people):
    from app.models import OrganiserSession

    as_role(client, "staff@example.org")
    with app.app_context():
        for row in db.session.scalars(select(OrganiserSession)):
            row.created_at -= timedelta(days=1, minutes=1)
        db.session.commit()

    assert client.get("/admin/").status_code == 302


def test_an_admin_cannot_switch_their_own_account_off(app, client, people):
    from app.models import Organiser

    as_role(client, "admin@example.org")
    with app.app_context():
        own_id = db.session.scalar(
            select(Organiser.id).where(Organiser.email == "admin@example.org")
        )
    token = csrf_token(client, "/admin/accounts")

    answer = client.post(
        f"/admin/accounts/{own_id}/active",
        data={"csrf_token": token},
        follow_redirects=True,
    )

    assert "You cannot switch off your own account." in answer.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200
    with app.app_context():
        assert db.session.get(Organiser, own_id).active is True
