"""Organiser accounts: creation and password checks."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import LoginFailure, Organiser
from app.models.organisers import ROLES
from app.models.registrations import normalise_email
from app.models.types import utcnow

MIN_PASSWORD_LENGTH = 10
# Compared against when the account does not exist, so a wrong e-mail costs
# as much time as a wrong password and the timing reveals no accounts.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)


class OrganiserError(ValueError):
    pass


class LockedOut(Exception):
    """Too many failed logins for this account: refused even if right."""


def create_organiser(
    email: str, password: str, role: str = "organiser", country_code: str | None = None
) -> Organiser:
    """Create an account; raises OrganiserError for bad input or a taken e-mail."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254 or not email.isascii():
        raise OrganiserError(f"'{email[:254]}' is not an e-mail address we can use.")
    if role not in ROLES:
        raise OrganiserError(f"Role must be one of {', '.join(ROLES)}.")
    if role == "coordinator" and not country_code:
        raise OrganiserError("A coordinator needs a country programme (--country).")
    if country_code and not re.fullmatch(r"[A-Za-z]{2}", country_code):
        raise OrganiserError("The country programme is its two-letter ISO code.")
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


def recent_failures(email: str, now: datetime) -> int:
    return db.session.scalar(
        select(func.count(LoginFailure.id)).where(
            LoginFailure.email == email, LoginFailure.at > now - LOCKOUT_WINDOW
        )
    )


def authenticate(email: str, password: str, now: datetime | None = None):
    """The active organiser with these credentials, or None.

    Raises LockedOut after LOCKOUT_FAILURES failures within LOCKOUT_WINDOW for
    the address (whether or not it has an account, so the answer reveals
    none). A failure is recorded in the caller's transaction: commit it.
    """
    now = now or utcnow()
    email = normalise_email(email)[:254]
    if recent_failures(email, now) >= LOCKOUT_FAILURES:
        raise LockedOut(email)
    organiser = db.session.scalar(select(Organiser).where(Organiser.email == email))
    if organiser is None:
        check_password_hash(_DUMMY_HASH, password)
    elif check_password_hash(organiser.password_hash, password) and organiser.active:
        return organiser
    db.session.add(LoginFailure(email=email, at=now))
    return None


def change_password(organiser: Organiser, current: str, new: str) -> None:
    """Raises OrganiserError when the current password is wrong or the new weak."""
    if not check_password_hash(organiser.password_hash, current):
        raise OrganiserError("Your current password is not right.")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise OrganiserError(
            f"The new password needs at least {MIN_PASSWORD_LENGTH} characters."
        )
    organiser.password_hash = generate_password_hash(new)
