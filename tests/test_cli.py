"""The flask commands: seed, create-organiser and the migration check."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import SLUG, csrf_token
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from app.extensions import db
from app.models import Event, Organiser

ROOT = Path(__file__).resolve().parent.parent
WIB = ZoneInfo("Asia/Jakarta")
PASSWORD = "a long enough password"


def organisers(app) -> list[Organiser]:
    with app.app_context():
        found = db.session.scalars(select(Organiser).order_by(Organiser.id)).all()
        db.session.expunge_all()
        return list(found)


def invoke(runner, *args: str, **kwargs):
    return runner.invoke(args=list(args), **kwargs)


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


# --- seed -------------------------------------------------------------------


def test_seed_creates_the_workshop(app, runner):
    result = invoke(runner, "seed")

    assert result.exit_code == 0, result.output
    assert SLUG in result.output
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        assert event.title == "SCORE Global Knowledge Sharing Workshop"
        assert (event.starts_on, event.ends_on) == (date(2011, 4, 4), date(2011, 4, 8))
        assert event.timezone == "Asia/Jakarta"
        assert event.capacity == 48
        assert [p.code for p in event.programmes] == [
            "CN",
            "CO",
            "GH",
            "IN",
            "ID",
            "ZA",
            "VN",
        ]
        assert [p.quota for p in event.programmes] == [6] * 7
        assert event.programme_by_code("VN").name == "Viet Nam"
        assert len(event.contacts) == 3
        assert {s.kind for s in event.supporters} == {"funder", "supporter"}

        first = datetime(2011, 4, 4, tzinfo=WIB)
        after_last = datetime(2011, 4, 9, tzinfo=WIB)
        assert event.sessions
        days = set()
        for session in event.sessions:
            assert session.starts_at.utcoffset().total_seconds() == 0
            assert first <= session.starts_at < session.ends_at <= after_last
            starts = session.starts_at.astimezone(WIB)
            assert starts.date() == session.ends_at.astimezone(WIB).date()
            assert 7 <= starts.hour < 19
            days.add(starts.date())
        assert sorted(days) == [date(2011, 4, d) for d in range(4, 9)]


def test_seed_twice_changes_nothing(app, runner):
    assert invoke(runner, "seed").exit_code == 0
    counts = row_counts(app)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        updated_at, sequence = event.updated_at, event.sequence

    result = invoke(runner, "seed")

    assert result.exit_code == 0, result.output
    assert "nothing changed" in result.output
    assert row_counts(app) == counts
    assert counts["events"] == 1
    assert counts["country_programmes"] == 7
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        assert event.updated_at == updated_at
        assert event.sequence == sequence


# --- create-organiser -------------------------------------------------------


def test_create_organiser_takes_password_from_environment(app, runner):
    result = invoke(
        runner,
        "create-organiser",
        "Ana.Lopez@Example.org",
        env={"ORGANISER_PASSWORD": PASSWORD},
    )

    assert result.exit_code == 0, result.output
    assert "ana.lopez@example.org" in result.output
    assert PASSWORD not in result.output
    (account,) = organisers(app)
    assert account.email == "ana.lopez@example.org"
    assert account.role == "organiser"
    assert account.active
    assert PASSWORD not in account.password_hash
    assert check_password_hash(account.password_hash, PASSWORD)
    assert not check_password_hash(account.password_hash, PASSWORD.upper())


def test_created_organiser_can_log_in(app, runner, client, event):
    invoke(
        runner,
        "create-organiser",
        "ana@example.org",
        env={"ORGANISER_PASSWORD": PASSWORD},
    )
    response = client.post(
        "/admin/login",
        data={
            "email": "ana@example.org",
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/admin/login"),
        },
    )

    assert response.status_code == 303
    assert client.get("/admin/").status_code == 200


def test_create_organiser_prompts_for_hidden_password(app, runner):
    result = invoke(
        runner,
        "create-organiser",
        "ana@example.org",
        input=f"{PASSWORD}\n{PASSWORD}\n",
        env={"ORGANISER_PASSWORD": None},
    )

    assert result.exit_code == 0, result.output
    assert "Password" in result.output
    assert PASSWORD not in result.output
    (account,) = organisers(app)
    assert check_password_hash(account.password_hash, PASSWORD)


def test_create_organiser_prompt_requires_matching_confirmation(app, runner):
    result = invoke(
        runner,
        "create-organiser",
        "ana@example.org",
        input=f"{PASSWORD}\nsomething else\n",
        env={"ORGANISER_PASSWORD": None},
    )

    assert result.exit_code != 0
    assert organisers(app) == []


def test_duplicate_email_is_refused_whatever_its_case(app, runner, organiser):
    result = invoke(
        runner,
        "create-organiser",
        "ORGANISER@example.ORG",
        env={"ORGANISER_PASSWORD": PASSWORD},
    )

    assert result.exit_code != 0
    assert "Error: An organiser with e-mail organiser@example.org already exists." in (
        result.output
    )
    (account,) = organisers(app)
    # The first account keeps its own password.
    assert check_password_hash(account.password_hash, organiser[1])


def test_too_short_password_is_refused(app, runner):
    result = invoke(
        runner,
        "create-organiser",
        "ana@example.org",
        env={"ORGANISER_PASSWORD": "short"},
    )

    assert result.exit_code != 0
    assert "Error: The password needs at least 10 characters." in result.output
    assert organisers(app) == []


def test_coordinator_needs_a_country(app, runner):
    result = invoke(
        runner,
        "create-organiser",
        "ana@example.org",
        "--role",
        "coordinator",
        env={"ORGANISER_PASSWORD": PASSWORD},
    )

    assert result.exit_code != 0
    assert "Error: A coordinator needs a country programme (--country)." in (
        result.output
    )
    assert organisers(app) == []


def test_coordinator_with_a_country_is_created(app, runner):
    result = invoke(
        runner,
        "create-organiser",
        "kofi@example.org",
        "--role",
        "coordinator",
        "--country",
        "gh",
        env={"ORGANISER_PASSWORD": PASSWORD},
    )

    assert result.exit_code == 0, result.output
    (account,) = organisers(app)
    assert (account.role, account.country_code) == ("coordinator", "GH")


def test_unknown_role_is_refused(app, runner):
    result = invoke(
        runner,
        "create-organiser",
        "ana@example.org",
        "--role",
        "superuser",
        env={"ORGANISER_PASSWORD": PASSWORD},
    )

    assert result.exit_code != 0
    assert organisers(app) == []


# --- migrations -------------------------------------------------------------


def test_migrations_match_the_models(runner):
    result = invoke(runner, "db", "check")

    assert result.exit_code == 0, result.output


# --- a newcomer's first run ---------------------------------------------------


def test_fresh_sqlite_database_from_the_command_line(tmp_path):
    database = tmp_path / "fresh.sqlite3"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FLASK_", "ORGANISER_", "DATABASE_", "APP_ENV"))
    }
    env.update(DATABASE_URL=f"sqlite:///{database}", SECRET_KEY="fresh-secret")

    def flask(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env={**env, **extra_env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result

    flask("db", "upgrade")
    flask("db", "check")
    first = flask("seed")
    again = flask("seed")
    created = flask(
        "create-organiser", "x@example.org", ORGANISER_PASSWORD="fresh password 1"
    )

    assert SLUG in first.stdout
    assert "nothing changed" in again.stdout
    assert "x@example.org" in created.stdout
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT slug FROM events").fetchall() == [(SLUG,)]
        assert connection.execute(
            "SELECT count(*) FROM country_programmes"
        ).fetchone() == (7,)
        (password_hash,) = connection.execute(
            "SELECT password_hash FROM organisers WHERE email = 'x@example.org'"
        ).fetchone()
    connection.close()
    assert check_password_hash(password_hash, "fresh password 1")
