"""Flask commands: ``flask --app wsgi seed``, ``create-organiser`` and friends."""

from __future__ import annotations

import os
import secrets

import click
from sqlalchemy import func, select

from app.extensions import db
from app.models import Organiser
from app.models.organisers import ROLES
from app.services.organisers import OrganiserError, create_organiser
from app.services.seeding import seed_workshop

DEV_ORGANISER_EMAIL = "organiser@example.org"


@click.command("seed")
def seed_command() -> None:
    """Create the SCORE Bogor workshop (does nothing when it exists)."""
    event = seed_workshop()
    db.session.commit()
    if event is None:
        click.echo("The workshop is already seeded; nothing changed.")
    else:
        click.echo(f"Seeded {event.title} ({event.slug}).")


@click.command("create-organiser")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="organiser")
@click.option("--country", "country_code", help="Country programme of a coordinator.")
def create_organiser_command(email: str, role: str, country_code: str | None) -> None:
    """Create an organiser account (password from ORGANISER_PASSWORD or a prompt)."""
    password = os.environ.get("ORGANISER_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        organiser = create_organiser(email, password, role, country_code)
        db.session.commit()
    except OrganiserError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    click.echo(f"Created {organiser.role} {organiser.email}.")


@click.command("create-dev-organiser")
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


def init_app(app) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(create_organiser_command)
    app.cli.add_command(create_dev_organiser_command)
