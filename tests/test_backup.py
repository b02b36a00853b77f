"""A backup of a live workshop, restored into a fresh database, is the same
workshop: its attendee CSV, audit log and outbox, delegates' links and
organisers' logins."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import AuditEntry, OutboxMessage
from tests.conftest import SLUG, _test_config, log_in


def rows(model) -> list[tuple]:
    table = model.__table__
    return [
        tuple(row) for row in db.session.execute(select(table).order_by(table.c.id))
    ]


def everything(app, organiser) -> dict:
    """What the restored copy must show alike."""
    client = app.test_client()
    log_in(client, *organiser)
    attendees = client.get(f"/admin/events/{SLUG}/attendees.csv")
    assert attendees.status_code == 200
    csv = attendees.get_data(as_text=True)  # streamed: read to the end first
    with app.app_context():
        return {
            "attendees.csv": csv,
            "audit": rows(AuditEntry),
            "outbox": rows(OutboxMessage),
        }


@pytest.fixture
def restored(app, runner, empty_database, tmp_path):
    """The test database backed up with ``flask backup`` and restored with
    ``flask restore`` into an empty one; the app on the copy."""
    path = tmp_path / "score.backup"
    made = runner.invoke(args=["backup", str(path)])
    assert made.exit_code == 0, made.output
    assert path.stat().st_size > 0
    copy = create_app(_test_config(empty_database))
    done = copy.test_cli_runner().invoke(args=["restore", str(path)])
    assert done.exit_code == 0, done.output
    yield copy, path
    with copy.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_backup_restores_to_an_identical_event(
    app, delegates, waitlisted, organiser, restored
):
    copy, _ = restored
    before, after = everything(app, organiser), everything(copy, organiser)
    assert before["attendees.csv"].count("\n") == len(delegates) + 6 + 1
    assert len(before["audit"]) >= len(delegates) and before["outbox"]
    assert after == before
    # A delegate's manage link opens their page on the copy.
    kofi = delegates[0]
    page = copy.test_client().get(f"/r/{kofi.token}")
    assert page.status_code == 200 and "Kofi" in page.get_data(as_text=True)
    # The organiser logs in there with their password.
    client = copy.test_client()
    log_in(client, *organiser)
    assert client.get(f"/admin/events/{SLUG}/").status_code == 200


def test_a_restore_never_goes_into_a_database_with_data(app, runner, restored):
    _, path = restored
    refused = runner.invoke(args=["restore", str(path)])
    assert refused.exit_code == 1
    assert "not empty" in refused.output
    missing = runner.invoke(args=["restore", str(path.with_suffix(".nothing"))])
    assert missing.exit_code == 2
