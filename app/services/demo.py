"""Demo registrations, bulk-inserted, for trying the app and for the benchmark.

They respect the seat rules: each programme's quota and the capacity are
filled with confirmed delegates first; the rest wait in one queue, and a few
have cancelled.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, insert, select, text

from app.extensions import db
from app.models import Event, Registration
from app.models.registrations import (
    CATEGORIES,
    DIETARY,
    GENDERS,
    SEAT_HOLDING_STATUSES,
    RegistrationStatus,
)
from app.models.types import utcnow
from app.search import fold
from app.services.registration import new_reference

BATCH = 2000
GIVEN = ["Nam", "Kofi", "Priya", "Wei", "Ana", "Sipho", "Siti", "Fasrul", "Ama", "Lan"]
FAMILY = ["Trần", "Mensah", "Sharma", "Zhang", "García", "Dlamini", "Rahayu", ""]
ORGANISATIONS = ["SCORE team", "Ministry of Labour", "Employers' association", "Union"]


def add_demo_registrations(
    event: Event, count: int, progress: Callable[[int], None] = lambda n: None
) -> int:
    """Insert ``count`` demo registrations in batches; returns how many."""
    rng = random.Random(20110404)  # noqa: S311 (demo data, repeatable)
    programmes = list(event.programmes)
    start = db.session.scalar(
        select(func.count(Registration.id)).where(Registration.event_id == event.id)
    )
    held = dict(
        db.session.execute(
            select(Registration.programme_id, func.count(Registration.id))
            .where(
                Registration.event_id == event.id,
                Registration.status.in_(SEAT_HOLDING_STATUSES),
            )
            .group_by(Registration.programme_id)
        ).all()
    )
    ticket = (
        db.session.scalar(
            select(func.max(Registration.waitlist_position)).where(
                Registration.event_id == event.id
            )
        )
        or 0
    )
    total_held = sum(held.values())
    references: set[str] = set()
    now = utcnow()
    rows = []
    for n in range(start, start + count):
        programme = programmes[n % len(programmes)]
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}".strip()
        email = f"demo-{n}@example.org"
        reference = new_reference()
        while reference in references:
            reference = new_reference()
        references.add(reference)
        fits = held.get(programme.id, 0) < programme.quota and (
            event.capacity is None or total_held < event.capacity
        )
        status, position = RegistrationStatus.CONFIRMED, None
        if not fits:
            ticket += 1
            status, position = (
                (RegistrationStatus.CANCELLED, None)
                if n % 10 == 0
                else (
                    RegistrationStatus.WAITLISTED,
                    ticket,
                )
            )
        else:
            held[programme.id] = held.get(programme.id, 0) + 1
            total_held += 1
        arrival = event.starts_on - timedelta(days=rng.choice([0, 1, 1, 2]))
        organisation = rng.choice(ORGANISATIONS)
        rows.append(
            {
                "event_id": event.id,
                "programme_id": programme.id,
                "reference": reference,
                "status": status,
                "waitlist_position": position,
                "full_name": name,
                "email": email,
                "email_normalised": email,
                "organisation": organisation,
                "job_title": "Delegate",
                "category": rng.choice(list(CATEGORIES)),
                "gender": rng.choice(list(GENDERS)),
                "phone": "",
                "arrival_date": arrival,
                "departure_date": event.ends_on + timedelta(days=rng.choice([0, 1])),
                "needs_accommodation": rng.random() < 0.7,
                "dietary": rng.choice(list(DIETARY)),
                "dietary_detail": "",
                "accessibility": "",
                "needs_visa_letter": rng.random() < 0.3,
                "consent_at": now,
                "privacy_notice_version": event.privacy_notice_version,
                "sequence": 0,
                "created_at": now - timedelta(minutes=count - (n - start)),
                "updated_at": now,
                "cancelled_at": now if status == RegistrationStatus.CANCELLED else None,
                "listed_publicly": False,
                "search_text": fold(f"{name} {email} {organisation} {reference}"),
            }
        )
        if len(rows) == BATCH:
            _flush(rows, progress)
    _flush(rows, progress)
    return count


def analyse_registrations() -> None:
    """Fresh planner statistics for the registrations, after a bulk load.

    Without them the planner still believes the table is as small as before
    the load, and may choose nested loops that are quadratic in its rows.
    Both engines know ``ANALYZE``; run it after the load's COMMIT.
    """
    db.session.execute(text("ANALYZE registrations"))


def _flush(rows: list[dict], progress) -> None:
    if rows:
        db.session.execute(insert(Registration), rows)
        progress(len(rows))
        rows.clear()
