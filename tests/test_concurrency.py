"""The seat guarantee against a real server: gunicorn, 4 workers, many at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Registration
from app.services.seats import waitlist_place
from tests.conftest import SLUG, valid_registration
from tests.live_server import Browser, gunicorn
from tests.seats_helpers import assert_seats_within_limits

REGISTER = f"/events/{SLUG}/register"


def register_at_once(base: str, emails: list[str], barrier_extra: int = 0):
    """Every delegate loads the form, then all submit at the same moment."""
    barrier = threading.Barrier(len(emails) + barrier_extra)

    def one(email: str):
        browser = Browser(base)
        form = valid_registration(
            email=email, country="GH", phone="", csrf_token=browser.csrf_token(REGISTER)
        )
        barrier.wait(timeout=60)
        status, headers, _ = browser.request(REGISTER, form)
        return status, headers.get("Location", "")

    return one, barrier


def ghana(app) -> list[Registration]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(Registration)
                .where(Registration.email.like("%@gh.example.org"))
                .order_by(Registration.id)
            )
        )
        places = {r.id: waitlist_place(r) for r in rows}
        assert_seats_within_limits()
        db.session.expunge_all()
    return rows, places


def assert_queue_is_contiguous(rows, places) -> None:
    waiting = [r for r in rows if r.status == "waitlisted"]
    assert sorted(places[r.id] for r in waiting) == list(range(1, len(waiting) + 1))
    # The queue order is the order tickets were taken under the lock.
    by_ticket = sorted(waiting, key=lambda r: r.waitlist_position)
    assert [places[r.id] for r in by_ticket] == list(range(1, len(waiting) + 1))


@pytest.mark.timeout_heavy
def test_forty_at_once_give_six_seats_and_a_gapless_queue(app, event, database_uri):
    emails = [f"delegate{i}@gh.example.org" for i in range(40)]
    with gunicorn(database_uri, workers=4) as base:
        one, _ = register_at_once(base, emails)
        with ThreadPoolExecutor(max_workers=40) as pool:
            results = list(pool.map(one, emails))

    assert all(status == 303 for status, _ in results), results
    rows, places = ghana(app)
    assert len(rows) == 40
    assert len({r.email for r in rows}) == 40
    assert sum(r.status == "confirmed" for r in rows) == 6
    assert sum(r.status == "waitlisted" for r in rows) == 34
    assert sorted(places[r.id] for r in rows if r.status == "waitlisted") == list(
        range(1, 35)
    )
    assert_queue_is_contiguous(rows, places)


@pytest.mark.timeout_heavy
def test_cancellations_racing_new_registrations_keep_the_invariant(
    app, event, database_uri
):
    with gunicorn(database_uri, workers=4) as base:
        first = [f"first{i}@gh.example.org" for i in range(12)]
        one, _ = register_at_once(base, first)
        with ThreadPoolExecutor(max_workers=12) as pool:
            links = dict(zip(first, pool.map(one, first), strict=True))
        assert all(status == 303 for status, _ in links.values())

        for round_number in range(3):
            rows, _ = ghana(app)
            confirmed = [r.email for r in rows if r.status == "confirmed"]
            to_cancel = confirmed[:2]
            newcomers = [f"round{round_number}-{i}@gh.example.org" for i in range(6)]
            register_one, barrier = register_at_once(
                base, newcomers, barrier_extra=len(to_cancel)
            )

            def cancel(email: str, barrier=barrier):
                browser = Browser(base)
                manage = links[email][1]
                token = browser.csrf_token(manage + "/cancel")
                barrier.wait(timeout=60)
                return browser.request(manage + "/cancel", {"csrf_token": token})

            with ThreadPoolExecutor(max_workers=len(newcomers) + 2) as pool:
                cancels = [pool.submit(cancel, email) for email in to_cancel]
                joins = [pool.submit(register_one, email) for email in newcomers]
                cancel_results = [f.result()[0] for f in cancels]
                join_results = [f.result() for f in joins]
            assert cancel_results == [303, 303]
            assert all(status == 303 for status, _ in join_results)
            links.update(zip(newcomers, join_results, strict=True))

            rows, places = ghana(app)
            assert sum(r.status == "confirmed" for r in rows) == 6
            assert_queue_is_contiguous(rows, places)
            # Freed seats went to those who had waited longest, not newcomers.
            newcomer_rows = [r for r in rows if r.email in newcomers]
            assert all(r.status == "waitlisted" for r in newcomer_rows)
