"""Recording who did what to which registration."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from app.extensions import db
from app.models import AuditEntry, Event, Registration
from app.models.registrations import DELEGATE_FIELDS
from app.models.types import json_ready

# Fields of a registration whose changes the audit log shows.
AUDITED_FIELDS = ("status", "waitlist_position", *DELEGATE_FIELDS, "checked_in_at")


@dataclass(frozen=True)
class Actor:
    """Who acts: shown in the audit log."""

    label: str
    organiser_id: int | None = None

    @classmethod
    def organiser(cls, organiser) -> Actor:
        return cls(f"organiser:{organiser.email}", organiser.id)

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
        before=before,
        after=after,
        note=note[:500],
    )
    db.session.add(entry)
    return entry
