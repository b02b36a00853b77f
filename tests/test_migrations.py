"""Upgrading a database that holds a workshop keeps every row: the languages'
migrations rebuild the events table on SQLite, which must not cascade; and
the many-events migration keeps every organiser's access."""

from __future__ import annotations

from conftest import _test_config
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text

from app import create_app
from app.extensions import db
from app.models import (
    CountryProgramme,
    Event,
    EventStatus,
    ProgrammeSession,
    Registration,
    TeamMember,
)
from app.models.organisers import Role

BEFORE_LANGUAGES = "865a8f5537b6"
WORKSHOP = [
    """INSERT INTO events (id, slug, title, title_local, summary, purpose,
        background, starts_on, ends_on, timezone, location, host,
        approval_required, confirm_email, privacy_notice_version,
        programme_is_provisional, sequence, created_at, updated_at)
       VALUES (1, 'bogor', 'Workshop', 'Lokakarya', '', '', '', '2011-04-04',
        '2011-04-08', 'Asia/Jakarta', 'Bogor', 'ILO', false, false, '1', true,
        0, '2011-01-01 00:00:00', '2011-01-01 00:00:00')""",
    """INSERT INTO country_programmes (id, event_id, code, name, quota, sort_order)
       VALUES (1, 1, 'GH', 'Ghana', 6, 0)""",
    """INSERT INTO programme_sessions (id, event_id, starts_at, ends_at, title,
        description, sequence, created_at, updated_at)
       VALUES (1, 1, '2011-04-04 02:00:00', '2011-04-04 03:30:00', 'Opening', '',
        0, '2011-01-01 00:00:00', '2011-01-01 00:00:00')""",
    """INSERT INTO registrations (id, event_id, programme_id, reference, status,
        full_name, email, email_normalised, organisation, job_title, category,
        gender, phone, needs_accommodation, dietary, dietary_detail,
        accessibility, needs_visa_letter, listed_publicly, search_text,
        consent_at, privacy_notice_version, sequence, created_at, updated_at)
       VALUES (1, 1, 1, 'SCR-AAAAAA', 'confirmed', 'Kofi', 'kofi@example.org',
        'kofi@example.org', 'SCORE', '', 'score_team', 'male', '', false, 'none',
        '', '', false, false, '', '2011-01-01 00:00:00', '1', 0,
        '2011-01-01 00:00:00', '2011-01-01 00:00:00')""",
    """INSERT INTO organisers (id, email, password_hash, role, country_code,
        active, created_at)
       VALUES (1, 'admin@example.org', 'x', 'admin', NULL, true,
        '2011-01-01 00:00:00'),
              (2, 'staff@example.org', 'x', 'organiser', NULL, true,
        '2011-01-01 00:00:00'),
              (3, 'gh@example.org', 'x', 'coordinator', 'GH', true,
        '2011-01-01 00:00:00')""",
]


def counts() -> list[int]:
    return [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Event, CountryProgramme, ProgrammeSession, Registration)
    ]


def test_upgrading_a_workshop_keeps_its_rows_and_its_indonesian_title(
    empty_database,
):
    app = create_app(_test_config(empty_database))
    with app.app_context():
        upgrade(revision=BEFORE_LANGUAGES)
        with db.engine.begin() as connection:
            for statement in WORKSHOP:
                connection.execute(text(statement))
        upgrade()
        assert counts() == [1, 1, 1, 1]
        event = db.session.get(Event, 1)
        assert event.translations == {"id": {"title": "Lokakarya"}}
        assert event.default_language == "en"
        assert db.session.get(Registration, 1).language == "en"
        # Every event was public, and its organisers and coordinators keep
        # exactly their access; admins see every event without a place.
        assert event.status is EventStatus.PUBLISHED
        team = db.session.execute(
            select(TeamMember.organiser_id, TeamMember.role, TeamMember.country_code)
            .where(TeamMember.event_id == 1)
            .order_by(TeamMember.organiser_id)
        ).all()
        assert team == [(2, Role.ORGANISER, None), (3, Role.COORDINATOR, "GH")]
        db.session.remove()

        downgrade(revision=BEFORE_LANGUAGES)
        with db.engine.connect() as connection:
            assert connection.scalar(text("SELECT title_local FROM events")) == (
                "Lokakarya"
            )
            assert connection.scalar(text("SELECT count(*) FROM registrations")) == 1
        db.engine.dispose()
