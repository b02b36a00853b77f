"""Organiser accounts: creation and password checks."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import Organiser
from app.models.organisers import ROLES

MIN_PASSWORD_LENGTH = 10
# Compared against when the account does not exist, so a wrong e-mail costs
# as much time as a wrong password and the timing reveals no accounts.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class OrganiserError(ValueError):
    pass


def create_organiser(
    email: str, password: str, role: str = "organiser", country_code: str | None = None
) -> Organiser:
    """Create an account; raises OrganiserError for bad input or a taken e-mail."""
    email = email.strip().lower()
    if "@" not in email:
        raise OrganiserError(f"'{email}' is not an e-mail address.")
    if role not in ROLES:
        raise OrganiserError(f"Role must be one of {', '.join(ROLES)}.")
    if role == "coordinator" and not country_code:
        raise OrganiserError("A coordinator needs a country programme (--country).")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OrganiserError(
            f"The password needs at least {MIN_PASSWORD_LENGTH} characters."
        )
    if db.session.scalar(select(Organiser).where(Organiser.email == email)):
        raise OrganiserError(f"An organiser with e-mail {email} already exists.")
    organiser = Organiser(
        email=email,
        password_hash=generate_password_hash(password),
        role=role,
        country_code=country_code.upper() if country_code else None,
    )
    db.session.add(organiser)
    return organiser


def authenticate(email: str, password: str) -> Organiser | None:
    """The active organiser with these credentials, or None."""
    organiser = db.session.scalar(
        select(Organiser).where(Organiser.email == email.strip().lower())
    )
    if organiser is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(organiser.password_hash, password):
        return None
    return organiser if organiser.active else None
