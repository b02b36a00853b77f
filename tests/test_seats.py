"""Quotas, capacity, the waiting list and approval, one transition at a time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, OutboxMessage, Registration
from app.models.types import utcnow
from app.services import registration as service
from app.services.audit import SYSTEM, Actor
from app.services.seats import waitlist_place
from tests.conftest import SLUG, csrf_token
from tests.helpers import built_message
from tests.seats_helpers import (
    assert_seats_within_limits,
    sign_up,
    statuses,
    the_event,
)

ORGANISER = Actor("organiser:test@example.org")


@pytest.fixture
def ctx(app, event):
    with app.app_context():
        yield


def kinds_sent_to(registration: Registration) -> list[str]:
    return list(
        db.session.scalars(
            select(OutboxMessage.kind)
            .where(OutboxMessage.registration_id == registration.id)
            .order_by(OutboxMessage.id)
        )
    )


def test_the_first_six_of_a_programme_are_confirmed_then_the_queue_starts(ctx):
    delegates = [sign_up("GH") for _ in range(8)]

    assert [d.status for d in delegates] == ["confirmed"] * 6 + ["waitlisted"] * 2
    assert [waitlist_place(d) for d in delegates[6:]] == [1, 2]
    assert statuses("GH") == {"confirmed": 6, "waitlisted": 2}
    assert kinds_sent_to(delegates[0]) == ["confirmed"]
    assert kinds_sent_to(delegates[7]) == ["waitlisted"]


def test_a_full_delegation_does_not_affect_another_programme(ctx):
    for _ in range(7):
        sign_up("GH")
    assert sign_up("IN").status == "confirmed"


def test_cancelling_a_confirmed_seat_promotes_the_first_in_the_queue(ctx):
    delegates = [sign_up("GH") for _ in range(8)]

    service.cancel_registration(delegates[2], service.audit.DELEGATE)
    db.session.commit()

    assert delegates[2].status == "cancelled"
    assert delegates[6].status == "confirmed"
    assert delegates[7].status == "waitlisted"
    assert waitlist_place(delegates[7]) == 1
    assert kinds_sent_to(delegates[6]) == ["waitlisted", "promoted"]
    assert kinds_sent_to(delegates[2]) == ["confirmed", "cancelled"]
    assert_seats_within_limits()


def test_a_newcomer_never_takes_a_freed_seat_from_someone_waiting(ctx):
    delegates = [sign_up("GH") for _ in range(7)]
    # Free a seat by an organiser's quota rise while someone waits: the
    # waiting delegate gets it, and the next newcomer queues.
    service.set_quota(the_event(), "GH", 7, ORGANISER)
    db.session.commit()
    assert delegates[6].status == "confirmed"
    assert sign_up("GH").status == "waitlisted"


def test_total_capacity_limits_seats_across_programmes(ctx):
    service.set_capacity(the_event(), 3, ORGANISER)
    db.session.commit()
    first = [sign_up(c) for c in ("GH", "IN", "VN")]
    late = sign_up("CN")

    assert [d.status for d in first] == ["confirmed"] * 3
    assert late.status == "waitlisted"
    service.cancel_registration(first[0], ORGANISER)
    db.session.commit()
    assert late.status == "confirmed"
    assert_seats_within_limits()


def test_raising_capacity_promotes_in_the_order_people_joined(ctx):
    service.set_capacity(the_event(), 1, ORGANISER)
    db.session.commit()
    sign_up("GH")
    waiting = [sign_up(c) for c in ("IN", "VN", "CN")]

    promoted = service.set_capacity(the_event(), 3, ORGANISER)
    db.session.commit()

    assert promoted == waiting[:2]
    assert [w.status for w in waiting] == ["confirmed", "confirmed", "waitlisted"]


def test_quota_cannot_drop_below_seats_taken(ctx):
    for _ in range(3):
        sign_up("GH")
    with pytest.raises(service.RegistrationError, match="cannot go below 3"):
        service.set_quota(the_event(), "GH", 2, ORGANISER)
    db.session.rollback()
    service.set_quota(the_event(), "GH", 3, ORGANISER)
    db.session.commit()
    assert the_event().programme_by_code("GH").quota == 3


def test_quota_changes_are_audited(ctx):
    service.set_quota(the_event(), "gh", 8, ORGANISER)
    db.session.commit()
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "quota_changed")
    )
    assert entry.before == {"GH": 6} and entry.after == {"GH": 8}
    assert entry.actor == "organiser:test@example.org"


def test_unknown_programme_for_a_quota_is_refused(ctx):
    with pytest.raises(service.UnknownProgramme):
        service.set_quota(the_event(), "FR", 3, ORGANISER)


def test_approval_mode_holds_a_seat_until_approved_or_rejected(ctx):
    the_event().approval_required = True
    db.session.commit()
    pending = [sign_up("GH") for _ in range(6)]
    waiting = sign_up("GH")

    assert {p.status for p in pending} == {"pending"}
    assert waiting.status == "waitlisted"
    assert kinds_sent_to(pending[0]) == ["pending"]

    service.approve_registration(pending[0], ORGANISER)
    service.reject_registration(pending[1], ORGANISER)
    db.session.commit()

    assert pending[0].status == "confirmed"
    assert pending[1].status == "rejected"
    # The freed seat goes to the queue, still awaiting approval.
    assert waiting.status == "pending"
    assert kinds_sent_to(pending[0]) == ["pending", "approved"]
    assert kinds_sent_to(pending[1]) == ["pending", "rejected"]
    assert_seats_within_limits()


def test_only_pending_registrations_can_be_approved(ctx):
    confirmed = sign_up("GH")
    with pytest.raises(service.InvalidTransition):
        service.approve_registration(confirmed, ORGANISER)


def test_a_cancelled_registration_cannot_be_cancelled_again(ctx):
    delegate = sign_up("GH")
    service.cancel_registration(delegate, ORGANISER)
    db.session.commit()
    with pytest.raises(service.InvalidTransition):
        service.cancel_registration(delegate, ORGANISER)


def test_confirm_from_waitlist_respects_the_quota_unless_overridden(ctx):
    delegates = [sign_up("GH") for _ in range(7)]
    with pytest.raises(service.DelegationFull):
        service.confirm_from_waitlist(delegates[6], ORGANISER)
    db.session.rollback()

    # Only an admin's override counts.
    with pytest.raises(service.DelegationFull):
        service.confirm_from_waitlist(delegates[6], ORGANISER, override_quota=True)
    db.session.rollback()
    admin = Actor("organiser:admin@example.org", may_override_quota=True)
    service.confirm_from_waitlist(delegates[6], admin, override_quota=True)
    db.session.commit()
    assert delegates[6].status == "confirmed"
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.registration_id == delegates[6].id,
            AuditEntry.action == "confirmed",
        )
    )
    assert entry.note == "quota overridden"


def test_waiting_delegates_can_be_rejected_and_leave_the_queue(ctx):
    delegates = [sign_up("GH") for _ in range(8)]
    service.reject_registration(delegates[6], ORGANISER)
    db.session.commit()
    assert delegates[6].status == "rejected"
    assert waitlist_place(delegates[7]) == 1


def test_the_window_refuses_registrations_before_opening_and_after_closing(ctx):
    event = the_event()
    event.registration_opens_at = utcnow() + timedelta(days=1)
    db.session.commit()
    with pytest.raises(service.RegistrationClosed, match="not opened"):
        sign_up("GH")
    db.session.rollback()

    event = the_event()
    event.registration_opens_at = None
    event.registration_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(service.RegistrationClosed, match="closed"):
        sign_up("GH")
    db.session.rollback()
    assert statuses() == {}


def test_every_status_change_is_audited_with_before_and_after(ctx):
    delegates = [sign_up("GH") for _ in range(7)]
    service.cancel_registration(delegates[0], SYSTEM)
    db.session.commit()
    promoted = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.registration_id == delegates[6].id,
            AuditEntry.action == "promoted",
        )
    )
    assert promoted.before["status"] == "waitlisted"
    assert promoted.after["status"] == "confirmed"


def test_event_page_says_waiting_list_when_a_delegation_is_full(app, client, event):
    with app.app_context():
        for _ in range(6):
            sign_up("GH")
    html = client.get("/").get_data(as_text=True)
    assert "6 of 6" in html
    assert "Full — waiting list" in html


def test_closed_window_form_says_so_and_accepts_nothing(app, client, register):
    with app.app_context():
        the_event().registration_closes_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    page = client.get("/events/score-bogor-2011/register")
    assert "Registration is closed" in page.get_data(as_text=True)
    # The closed form has no token of its own; the session's token still works.
    response = register(csrf_token=csrf_token(client, f"/events/{SLUG}/lost-link"))
    assert response.status_code == 403
    with app.app_context():
        assert statuses() == {}


def test_manage_page_shows_the_place_on_the_waiting_list(app, client, register):
    with app.app_context():
        for _ in range(6):
            sign_up("GH")
        sign_up("GH")
        sign_up("GH")
    response = register(country="GH", email="third@example.org")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "position 3 on the waiting list" in page


def test_cancelling_from_the_waiting_list_sends_no_calendar_cancel(ctx):

    delegates = [sign_up("GH") for _ in range(7)]
    service.cancel_registration(delegates[6], ORGANISER)  # waiting: no invite yet
    service.cancel_registration(delegates[0], ORGANISER)  # had an invitation
    db.session.commit()

    def calendar_parts(registration) -> list[str]:
        row = db.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.registration_id == registration.id,
                OutboxMessage.kind == "cancelled",
            )
        )
        message = built_message(row)
        return [
            part.get_param("method")
            for part in message.walk()
            if part.get_content_type() == "text/calendar"
        ]

    assert calendar_parts(delegates[6]) == []
    assert calendar_parts(delegates[0]) == ["CANCEL"]


def test_set_quota_and_capacity_commands(app, runner, event):
    with app.app_context():
        delegates = [sign_up("GH").id for _ in range(8)]
    result = runner.invoke(args=["set-quota", "score-bogor-2011", "gh", "7"])
    assert result.exit_code == 0, result.output
    assert "GH quota is now 7; 1 moved up" in result.output
    with app.app_context():
        assert db.session.get(Registration, delegates[6]).status == "confirmed"
        assert db.session.get(Registration, delegates[7]).status == "waitlisted"
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "quota_changed")
        )
        assert entry.actor.startswith("cli:")

    too_low = runner.invoke(args=["set-quota", "score-bogor-2011", "GH", "3"])
    assert too_low.exit_code != 0
    assert "cannot go below 7" in too_low.output
    unknown = runner.invoke(args=["set-quota", "no-such-event", "GH", "3"])
    assert unknown.exit_code != 0 and "No event" in unknown.output

    result = runner.invoke(args=["set-capacity", "score-bogor-2011", "60"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert the_event().capacity == 60
    below = runner.invoke(args=["set-capacity", "score-bogor-2011", "5"])
    assert below.exit_code != 0 and "cannot go below 7" in below.output
