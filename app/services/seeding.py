"""Creating the seeded workshop."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app import seed_data
from app.extensions import db
from app.models import (
    CountryProgramme,
    Event,
    EventContact,
    EventStatus,
    EventSupporter,
    ProgrammeSession,
)

# The workshop's texts in the site's other languages, by language tag.
TRANSLATIONS = Path(seed_data.__file__).with_name("seed_translations.json")


def _session_translations(translations: dict) -> list[dict]:
    """Each session's texts by language, in the programme's order."""
    return [
        {tag: texts["sessions"][i] for tag, texts in translations.items()}
        for i in range(len(seed_data.SESSIONS))
    ]


def seed_workshop() -> Event | None:
    """Create the Bogor workshop; None (and no change) when it already exists."""
    facts = seed_data.EVENT
    if db.session.scalar(select(Event.id).where(Event.slug == facts["slug"])):
        return None
    translations = json.loads(TRANSLATIONS.read_text(encoding="utf-8"))
    event = Event(
        **facts,
        status=EventStatus.PUBLISHED,
        translations={tag: texts["event"] for tag, texts in translations.items()},
    )
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
            translations=session_translations,
        )
        for (day, start, end, title, description), session_translations in zip(
            seed_data.SESSIONS, _session_translations(translations), strict=True
        )
    ]
    db.session.add(event)
    return event
