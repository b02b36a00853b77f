"""Recording who did what to which registration."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import AuditEntry, CountryProgramme, Event, Registration
from app.models.registrations import DELEGATE_FIELDS, PASSPORT_FIELDS
from app.models.types import json_ready

# Fields of a registration whose changes the audit log shows.
AUDITED_FIELDS = ("status", "waitlist_position", *DELEGATE_FIELDS, "checked_in_at")
# What the log keeps of a passport detail: that it was given or changed.
HIDDEN = "(hidden)"


@dataclass(frozen=True)
class Actor:
    """Who acts: shown in the audit log."""

    label: str
    organiser_id: int | None = None
    # Whether it may give a seat beyond a full quota (admins).
    may_override_quota: bool = False

    @classmethod
    def organiser(cls, organiser) -> Actor:
        return cls(
            f"organiser:{organiser.email}",
            organiser.id,
            may_override_quota=organiser.role.may_manage_the_event,
        )

    @classmethod
    def command_line(cls) -> Actor:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "unknown"
        return cls(f"cli:{user}")


DELEGATE = Actor("delegate")
SYSTEM = Actor("system")


def snapshot(registration: Registration) -> dict:
    """The audited fields' current values, JSON-ready."""
    return {
        name: json_ready(getattr(registration, name, None)) for name in AUDITED_FIELDS
    }


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that differ, before and after."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


LOG_PAGE_SIZE = 100


def in_scope(query: Select, registration_column, only_country: str | None) -> Select:
    """Only the rows about registrations of the coordinator's programme."""
    if only_country is None:
        return query
    return (
        query.join(Registration, registration_column == Registration.id)
        .join(CountryProgramme, Registration.programme_id == CountryProgramme.id)
        .where(CountryProgramme.code == only_country)
    )


def log_page(event: Event, page: int, only_country: str | None = None):
    """A page of the event's audit log, newest first (a Flask-SQLAlchemy
    pagination; past the last page, the last page)."""
    query = in_scope(
        select(AuditEntry).where(AuditEntry.event_id == event.id),
        AuditEntry.registration_id,
        only_country,
    ).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    # Each row links its registration: loaded with the page.
    query = query.options(joinedload(AuditEntry.registration))
    pagination = db.paginate(query, page=page, per_page=LOG_PAGE_SIZE, error_out=False)
    if pagination.page > max(pagination.pages, 1):
        pagination = db.paginate(
            query, page=pagination.pages, per_page=LOG_PAGE_SIZE, error_out=False
        )
    return pagination


def history(registration: Registration) -> list[AuditEntry]:
    """Everything that happened to the registration, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.registration_id == registration.id)
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    )


def _without_passport_data(values: dict | None) -> dict | None:
    if values is None:
        return None
    return {
        name: (HIDDEN if value else value) if name in PASSPORT_FIELDS else value
        for name, value in values.items()
    }


def record(
    action: str,
    actor: Actor,
    *,
    event: Event | None = None,
    registration: Registration | None = None,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditEntry:
    if event is None and registration is not None:
        event = registration.event
    entry = AuditEntry(
        action=action,
        actor=actor.label[:300],
        organiser_id=actor.organiser_id,
        event_id=event.id if event else None,
        registration=registration,
        before=_without_passport_data(before),
        after=_without_passport_data(after),
        note=note[:500],
    )
    db.session.add(entry)
    return entry
