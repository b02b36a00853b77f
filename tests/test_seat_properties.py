"""The seat invariant as a property: random operations against a simple model."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from app.extensions import db
from app.models import (
    AuditEntry,
    OutboxMessage,
    Registration,
    RegistrationToken,
)
from app.services import registration as service
from app.services.audit import SYSTEM
from tests.seats_helpers import assert_seats_within_limits, sign_up, the_event

COUNTRIES = ("GH", "IN", "VN")


@dataclass
class Model:
    """What the statuses should be: quotas, capacity and a first-come queue."""

    quotas: dict[str, int]
    capacity: int
    approval: bool
    people: list[dict] = field(default_factory=list)
    tickets: int = 0

    def held(self, country: str | None = None) -> int:
        return sum(
            p["status"] in ("confirmed", "pending")
            and (country is None or p["country"] == country)
            for p in self.people
        )

    def seat_status(self) -> str:
        return "pending" if self.approval else "confirmed"

    def register(self, country: str) -> None:
        waiting = any(
            p["status"] == "waitlisted" and p["country"] == country for p in self.people
        )
        fits = self.held(country) < self.quotas[country] and self.held() < self.capacity
        if fits and not waiting:
            self.people.append({"country": country, "status": self.seat_status()})
        else:
            self.tickets += 1
            self.people.append(
                {"country": country, "status": "waitlisted", "ticket": self.tickets}
            )

    def promote(self) -> None:
        while self.held() < self.capacity:
            candidates = [
                p
                for p in self.people
                if p["status"] == "waitlisted"
                and self.held(p["country"]) < self.quotas[p["country"]]
            ]
            if not candidates:
                return
            min(candidates, key=lambda p: p["ticket"])["status"] = self.seat_status()

    def cancel(self, i: int) -> bool:
        if self.people[i]["status"] in ("cancelled", "rejected"):
            return False
        self.people[i]["status"] = "cancelled"
        self.promote()
        return True

    def approve(self, i: int) -> bool:
        if self.people[i]["status"] != "pending":
            return False
        self.people[i]["status"] = "confirmed"
        return True

    def reject(self, i: int) -> bool:
        if self.people[i]["status"] not in ("pending", "waitlisted"):
            return False
        self.people[i]["status"] = "rejected"
        self.promote()
        return True

    def set_quota(self, country: str, quota: int) -> bool:
        if quota < self.held(country):
            return False
        self.quotas[country] = quota
        self.promote()
        return True


operations = st.lists(
    st.one_of(
        st.tuples(st.just("register"), st.sampled_from(COUNTRIES)),
        st.tuples(st.just("cancel"), st.integers(0, 30)),
        st.tuples(st.just("approve"), st.integers(0, 30)),
        st.tuples(st.just("reject"), st.integers(0, 30)),
        st.tuples(
            st.just("set_quota"),
            st.tuples(st.sampled_from(COUNTRIES), st.integers(0, 4)),
        ),
    ),
    min_size=1,
    max_size=25,
)


def reset(quota: int, capacity: int, approval: bool) -> None:
    for model in (AuditEntry, OutboxMessage, RegistrationToken, Registration):
        db.session.execute(delete(model))
    event = the_event()
    for programme in event.programmes:
        programme.quota = quota
    event.capacity = capacity
    event.approval_required = approval
    db.session.commit()


@pytest.mark.timeout_heavy
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    steps=operations,
    quota=st.integers(1, 3),
    capacity=st.integers(1, 7),
    approval=st.booleans(),
)
def test_statuses_follow_the_model_whatever_the_sequence(
    app, event, steps, quota, capacity, approval
):
    with app.app_context():
        reset(quota, capacity, approval)
        model = Model(
            {c: quota for c in ("CN", "CO", "GH", "IN", "ID", "ZA", "VN")},
            capacity,
            approval,
        )
        people: list[Registration] = []
        for action, argument in steps:
            if action == "register":
                people.append(sign_up(argument))
                model.register(argument)
            elif action == "set_quota":
                country, new_quota = argument
                allowed = model.set_quota(country, new_quota)
                try:
                    service.set_quota(the_event(), country, new_quota, SYSTEM)
                    db.session.commit()
                    assert allowed
                except service.RegistrationError:
                    db.session.rollback()
                    assert not allowed
            elif people:
                index = argument % len(people)
                allowed = getattr(model, action)(index)
                change = {
                    "cancel": service.cancel_registration,
                    "approve": service.approve_registration,
                    "reject": service.reject_registration,
                }[action]
                try:
                    change(people[index], SYSTEM)
                    db.session.commit()
                    assert allowed
                except service.InvalidTransition:
                    db.session.rollback()
                    assert not allowed
            actual = [
                db.session.scalar(
                    select(Registration.status).where(Registration.id == p.id)
                )
                for p in people
            ]
            assert actual == [p["status"] for p in model.people]
            assert_seats_within_limits()
