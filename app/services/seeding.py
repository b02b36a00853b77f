"""Creating the seeded workshop."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app import seed_data
from app.extensions import db
from app.models import (
    CountryProgramme,
    Event,
    EventContact,
    EventSupporter,
    ProgrammeSession,
)


def seed_workshop() -> Event | None:
    """Create the Bogor workshop; None (and no change) when it already exists."""
    facts = seed_data.EVENT
    if db.session.scalar(select(Event.id).where(Event.slug == facts["slug"])):
        return None
    event = Event(**facts)
    zone = ZoneInfo(facts["timezone"])
    event.programmes = [
        CountryProgramme(
            code=code, name=name, quota=seed_data.SEATS_PER_PROGRAMME, sort_order=i
        )
        for i, (code, name) in enumerate(seed_data.PROGRAMMES)
    ]
    event.contacts = [
        EventContact(
            name=name,
            role=role,
            phone=f"{seed_data.OFFICE_LINE} ext. {extension}",
            email=email,
            sort_order=i,
        )
        for i, (name, role, extension, email) in enumerate(seed_data.CONTACTS)
    ]
    event.supporters = [
        EventSupporter(kind=kind, name=name, sort_order=i)
        for i, (kind, name) in enumerate(seed_data.SUPPORTERS)
    ]
    event.sessions = [
        ProgrammeSession(
            starts_at=datetime.combine(day, start, zone).astimezone(UTC),
            ends_at=datetime.combine(day, end, zone).astimezone(UTC),
            title=title,
            description=description,
            translations=translations,
        )
        for day, start, end, title, description, translations in seed_data.SESSIONS
    ]
    db.session.add(event)
    return event
