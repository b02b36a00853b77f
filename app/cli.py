"""Flask commands: ``flask --app wsgi seed``, ``create-organiser`` and friends."""

from __future__ import annotations

import os
import secrets
import signal
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from app import seed_data
from app.backup import BackupError, backup, restore
from app.extensions import cache, db
from app.mail_transport import transport_for
from app.models import Event, EventStatus, Organiser
from app.models.organisers import Role
from app.services import Refused, outbox
from app.services.audit import Actor
from app.services.demo import add_demo_registrations, analyse_registrations
from app.services.event_setup import add_programme, remove_programme, set_status
from app.services.events import EventNotFound, event_by_slug
from app.services.imports import forget_expired as forget_expired_imports
from app.services.organisers import (
    OrganiserError,
    create_organiser,
    unlock_organiser,
)
from app.services.privacy import EventNotOver, purge_event
from app.services.registration import (
    RegistrationError,
    expire_requests,
    set_capacity,
    set_quota,
)
from app.services.seeding import seed_workshop
from app.services.teams import create_account

DEV_ORGANISER_EMAIL = "organiser@example.org"
# Seconds between the mail worker's sweeps of expired registration requests.
REQUEST_EXPIRY_INTERVAL = 60


@click.command("seed")
@with_appcontext
@click.option(
    "--demo-registrations",
    type=click.IntRange(min=0),
    default=0,
    help="Also add this many demo registrations (bulk insert).",
)
def seed_command(demo_registrations: int) -> None:
    """Create the SCORE Bogor workshop (does nothing when it exists)."""
    event = seed_workshop()
    db.session.commit()
    if event is None:
        click.echo("The workshop is already seeded; nothing changed.")
    else:
        click.echo(f"Seeded {event.title} ({event.slug}).")
    if demo_registrations:
        event = event_by_slug(seed_data.EVENT["slug"])
        with click.progressbar(
            length=demo_registrations, label="Demo registrations"
        ) as bar:
            add_demo_registrations(event, demo_registrations, bar.update)
        db.session.commit()
        analyse_registrations()
        db.session.commit()
        click.echo(f"Added {demo_registrations} demo registrations.")


@click.command("create-organiser")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="organiser")
@click.option("--country", "country_code", help="Country programme of a coordinator.")
@click.option(
    "--event",
    "slug",
    help="The event whose team an organiser or coordinator joins "
    f"(default: the seeded {seed_data.EVENT['slug']}).",
)
def create_organiser_command(
    email: str, role: str, country_code: str | None, slug: str | None
) -> None:
    """Create an organiser account (password from ORGANISER_PASSWORD or a prompt).

    An organiser or coordinator joins one event's team; admins see every event.
    """
    if slug is not None:
        event = _event_for_command(slug)
    else:
        event = db.session.scalar(
            select(Event).where(Event.slug == seed_data.EVENT["slug"])
        )
    password = os.environ.get("ORGANISER_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        organiser = create_account(
            email,
            password,
            role,
            country_code,
            event=event,
            actor=Actor.command_line(),
        )
        db.session.commit()
    except Refused as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    if organiser.role is Role.ADMIN:
        click.echo(f"Created admin {organiser.email} (every event).")
    elif event is None:
        click.echo(
            f"Created {organiser.role} {organiser.email}, in no event's team yet: "
            "add them with --event SLUG or on an event's Team page."
        )
    else:
        click.echo(
            f"Created {organiser.role} {organiser.email} in the team of {event.slug}."
        )


@click.command("create-dev-organiser")
@with_appcontext
def create_dev_organiser_command() -> None:
    """On a machine with no organiser yet, create one and print its password once."""
    if db.session.scalar(select(func.count(Organiser.id))):
        return
    password = secrets.token_urlsafe(12)
    create_organiser(DEV_ORGANISER_EMAIL, password, role="admin")
    db.session.commit()
    click.echo(
        f"Development organiser created: {DEV_ORGANISER_EMAIL} / {password}\n"
        "(shown only this once; log in at /admin/login)"
    )


@click.command("unlock-organiser")
@with_appcontext
@click.argument("email")
def unlock_organiser_command(email: str) -> None:
    """Lift an organiser's log-in lock-out, from every address (audited)."""
    try:
        cleared = unlock_organiser(email, Actor.command_line())
        db.session.commit()
    except OrganiserError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    click.echo(f"Unlocked {email.strip().lower()}; {cleared} failed logins cleared.")


@click.command("deliver-mail")
@with_appcontext
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option(
    "--interval", default=2.0, show_default=True, help="Seconds between polls."
)
def deliver_mail_command(once: bool, interval: float) -> None:
    """Deliver the outbox: until stopped, or with --once what is due now.

    Also deletes registration requests whose address was not confirmed in time.
    """
    config = current_app.config
    transport = transport_for(config, current_app.instance_path)
    base = config["MAIL_RETRY_BASE_SECONDS"]
    stopping = []
    next_expiry = 0.0
    previous = signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        while True:
            tally = outbox.deliver_due(transport, retry_base_seconds=base)
            if any(tally.values()):
                click.echo(
                    f"sent {tally['sent']}, to retry {tally['retry']}, "
                    f"failed {tally['failed']}, skipped {tally['skipped']}"
                )
            if time.monotonic() >= next_expiry:
                expire_requests()
                forget_expired_imports()
                db.session.commit()
                next_expiry = time.monotonic() + REQUEST_EXPIRY_INTERVAL
            if once or stopping:
                return
            time.sleep(interval)
    except KeyboardInterrupt:
        db.session.rollback()
    finally:
        signal.signal(signal.SIGTERM, previous)


def _event_for_command(slug: str):
    try:
        return event_by_slug(slug)
    except EventNotFound as error:
        raise click.ClickException(f"No event with slug '{slug}'.") from error


@click.command("set-quota")
@with_appcontext
@click.argument("slug")
@click.argument("country_code")
@click.argument("quota", type=click.IntRange(min=0))
def set_quota_command(slug: str, country_code: str, quota: int) -> None:
    """Set a country programme's seat quota (raising it promotes waiting delegates)."""
    event = _event_for_command(slug)
    try:
        promoted = set_quota(event, country_code, quota, Actor.command_line())
        db.session.commit()
    except RegistrationError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    click.echo(
        f"{country_code.upper()} quota is now {quota}; "
        f"{len(promoted)} moved up from the waiting list."
    )


@click.command("set-capacity")
@with_appcontext
@click.argument("slug")
@click.argument("capacity", type=click.IntRange(min=0))
def set_capacity_command(slug: str, capacity: int) -> None:
    """Set the event's total capacity (raising it promotes waiting delegates)."""
    event = _event_for_command(slug)
    try:
        promoted = set_capacity(event, capacity, Actor.command_line())
        db.session.commit()
    except RegistrationError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Capacity is now {capacity}; {len(promoted)} moved up from the waiting list."
    )


@click.command("purge-personal-data")
@with_appcontext
@click.argument("slug")
@click.option("--force", is_flag=True, help="Purge even before the event has ended.")
def purge_personal_data_command(slug: str, force: bool) -> None:
    """Anonymise every registration of an event, keeping the aggregate numbers."""
    event = _event_for_command(slug)
    try:
        count = purge_event(event, Actor.command_line(), force=force)
    except EventNotOver as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Anonymised {count} registrations of {event.slug}.")


@click.command("set-status")
@with_appcontext
@click.argument("slug")
@click.argument("status", type=click.Choice([s.value for s in EventStatus]))
def set_status_command(slug: str, status: str) -> None:
    """Move an event in its life cycle: draft, published, closed or archived."""
    event = _event_for_command(slug)
    changed = set_status(event, status, Actor.command_line())
    db.session.commit()
    cache.clear()
    if changed:
        click.echo(f"{event.slug} is now {status}.")
    else:
        click.echo(f"{event.slug} was already {status}; nothing changed.")


@click.command("add-programme")
@with_appcontext
@click.argument("slug")
@click.argument("country_code")
@click.argument("quota", type=click.IntRange(min=0))
def add_programme_command(slug: str, country_code: str, quota: int) -> None:
    """Let a country programme (ISO 3166-1 code) take part, with its quota."""
    event = _event_for_command(slug)
    try:
        programme = add_programme(event, country_code, quota, Actor.command_line())
        db.session.commit()
    except Refused as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    cache.clear()
    click.echo(f"{programme.name} ({programme.code}) takes part, quota {quota}.")


@click.command("remove-programme")
@with_appcontext
@click.argument("slug")
@click.argument("country_code")
def remove_programme_command(slug: str, country_code: str) -> None:
    """Take a programme out of an event (refused while it has registrations)."""
    event = _event_for_command(slug)
    try:
        remove_programme(event, country_code, Actor.command_line())
        db.session.commit()
    except Refused as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    cache.clear()
    click.echo(f"{country_code.upper()} no longer takes part in {event.slug}.")


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Write a consistent backup of the database to PATH (it holds passport
    details: keep it as safe as the database)."""
    try:
        backup(db.engine, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up {db.engine.url.render_as_string()} to {path}.")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(path: Path) -> None:
    """Restore a backup made by `backup` into this (empty) database."""
    try:
        restore(db.engine, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored {path} into {db.engine.url.render_as_string()}.")


def init_app(app) -> None:
    for command in (
        seed_command,
        create_organiser_command,
        create_dev_organiser_command,
        unlock_organiser_command,
        deliver_mail_command,
        set_quota_command,
        set_capacity_command,
        purge_personal_data_command,
        set_status_command,
        add_programme_command,
        remove_programme_command,
        backup_command,
        restore_command,
    ):
        app.cli.add_command(command)
