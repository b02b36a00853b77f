"""Organiser accounts: creation, password checks, the lock-out and sessions."""

from __future__ import annotations

import ipaddress
import re
import secrets
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import LoginFailure, Organiser, OrganiserSession
from app.models.organisers import ROLES, Role
from app.models.registrations import normalise_email
from app.models.types import utcnow
from app.services import Refused, audit
from app.services.audit import Actor
from app.services.links import hash_token
from app.services.notifications import notify_account_locked

MIN_PASSWORD_LENGTH = 10
LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
# The holder hears of a lock-out from one address at most once in this time.
LOCKOUT_NOTICE_INTERVAL = timedelta(days=1)
# Sessions end this long after the login, however busy they are.
SESSION_MAX_AGE = timedelta(days=1)


@cache
def _dummy_hash(method: str) -> str:
    """Compared against when the account does not exist, so a wrong e-mail
    costs as much time as a wrong password and the timing reveals no
    accounts. Made on first use: hashing is slow on purpose."""
    return generate_password_hash("not-a-real-password", method=method)


class OrganiserError(Refused):
    pass


class LockedOut(Exception):
    """Too many failed logins for this account: refused even if right."""


def create_organiser(
    email: str,
    password: str,
    role: str = "organiser",
    country_code: str | None = None,
    actor: Actor | None = None,
) -> Organiser:
    """Create an account (audited when an ``actor`` is given); raises
    OrganiserError for bad input or a taken e-mail."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254 or not email.isascii():
        raise OrganiserError(
            _("'%(email)s' is not an e-mail address we can use.", email=email[:254])
        )
    if role not in ROLES:
        raise OrganiserError(
            _("Role must be one of %(roles)s.", roles=", ".join(ROLES))
        )
    role = Role(role)
    if role == Role.COORDINATOR and not country_code:
        raise OrganiserError(_("A coordinator needs a country programme (--country)."))
    if country_code and not re.fullmatch(r"[A-Za-z]{2}", country_code):
        raise OrganiserError(_("The country programme is its two-letter ISO code."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OrganiserError(
            _(
                "The password needs at least %(min)d characters.",
                min=MIN_PASSWORD_LENGTH,
            )
        )
    if db.session.scalar(select(Organiser).where(Organiser.email == email)):
        raise OrganiserError(
            _("An organiser with e-mail %(email)s already exists.", email=email)
        )
    organiser = Organiser(
        email=email,
        password_hash=_hashed(password),
        role=role,
        country_code=country_code.upper() if country_code else None,
    )
    db.session.add(organiser)
    if actor is not None:
        audit.record(
            "account_created", actor, after={"email": email, "role": organiser.role}
        )
    return organiser


def organisers() -> list[Organiser]:
    return list(db.session.scalars(select(Organiser).order_by(Organiser.email)))


def _hashed(password: str) -> str:
    # scrypt by default; tests configure a cheap method (PASSWORD_HASH_METHOD).
    return generate_password_hash(
        password, method=current_app.config["PASSWORD_HASH_METHOD"]
    )


def lockout_key(client_address: str) -> str:
    """The address failures are counted for: an IPv6 client's /64 network,
    which one client can fill with addresses of its own."""
    try:
        address = ipaddress.ip_address(client_address)
    except ValueError:
        return client_address[:64]
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _failures(email: str, client_address: str, since: datetime):
    return select(LoginFailure.at).where(
        LoginFailure.email == email,
        LoginFailure.client_address == client_address,
        LoginFailure.at > since,
    )


def authenticate(
    email: str, password: str, client_address: str, now: datetime | None = None
):
    """The active organiser with these credentials, or None.

    Raises LockedOut after LOCKOUT_FAILURES failures within LOCKOUT_WINDOW for
    the account from ``client_address`` (whether or not the account exists,
    so the answer reveals none). Only that address is locked out: the right
    password from any other still logs in, so nobody can lock an organiser
    out. The failure that locks an account tells its holder by e-mail. A
    failure is recorded in the caller's transaction: commit it.
    """
    now = now or utcnow()
    email = normalise_email(email)[:254]
    key = lockout_key(client_address)
    recent = _failures(email, key, now - LOCKOUT_WINDOW)
    failures = db.session.scalar(select(func.count()).select_from(recent.subquery()))
    if failures >= LOCKOUT_FAILURES:
        raise LockedOut(email)
    organiser = db.session.scalar(select(Organiser).where(Organiser.email == email))
    if organiser is None:
        check_password_hash(
            _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password
        )
    elif check_password_hash(organiser.password_hash, password) and organiser.active:
        return organiser
    locks = failures + 1 == LOCKOUT_FAILURES
    tell = locks and organiser is not None and not _told_lately(email, key, now)
    db.session.add(
        LoginFailure(email=email, client_address=key, at=now, locked_out=locks)
    )
    if tell:
        first = db.session.scalar(recent.with_only_columns(func.min(LoginFailure.at)))
        notify_account_locked(
            organiser, key, LOCKOUT_FAILURES, (first or now) + LOCKOUT_WINDOW
        )
    return None


def _told_lately(email: str, client_address: str, now: datetime) -> bool:
    """Whether the holder was told of a lock-out from this address lately."""
    earlier = _failures(email, client_address, now - LOCKOUT_NOTICE_INTERVAL)
    return (
        db.session.scalar(earlier.where(LoginFailure.locked_out.is_(True)).limit(1))
        is not None
    )


def unlock_organiser(email: str, actor: Actor) -> int:
    """Clear an account's failed logins, from every address; how many went.

    Raises OrganiserError when there is no such account.
    """
    email = normalise_email(email)
    organiser = db.session.scalar(select(Organiser).where(Organiser.email == email))
    if organiser is None:
        raise OrganiserError(
            _("There is no organiser account %(email)s.", email=email[:254])
        )
    cleared = db.session.execute(
        delete(LoginFailure).where(LoginFailure.email == email)
    ).rowcount
    audit.record(
        "organiser_unlocked",
        actor,
        after={"email": email, "failed_logins_cleared": cleared},
    )
    return cleared


# --- sessions --------------------------------------------------------------------
# The session cookie carries the key of one OrganiserSession row: ending the
# row ends that session wherever the cookie was copied.


def start_session(organiser: Organiser) -> str:
    """A new session for a login; returns the key for the session cookie."""
    db.session.execute(
        delete(OrganiserSession).where(
            OrganiserSession.organiser_id == organiser.id,
            (OrganiserSession.ended_at.is_not(None))
            | (OrganiserSession.created_at < utcnow() - SESSION_MAX_AGE),
        )
    )
    key = secrets.token_urlsafe(32)
    db.session.add(
        OrganiserSession(organiser_id=organiser.id, key_hash=hash_token(key))
    )
    return key


def organiser_in_session(organiser_id: int, key: str | None) -> Organiser | None:
    """The active organiser, if ``key`` is a live session of theirs."""
    if not key or len(key) > 128:
        return None
    return db.session.scalar(
        select(Organiser)
        .join(OrganiserSession, OrganiserSession.organiser_id == Organiser.id)
        .where(
            Organiser.id == organiser_id,
            Organiser.active.is_(True),
            OrganiserSession.key_hash == hash_token(key),
            OrganiserSession.ended_at.is_(None),
            OrganiserSession.created_at > utcnow() - SESSION_MAX_AGE,
        )
    )


def end_session(key: str | None) -> None:
    """End the session with this key (logging out)."""
    if key:
        db.session.execute(
            update(OrganiserSession)
            .where(OrganiserSession.key_hash == hash_token(key))
            .values(ended_at=utcnow())
        )


def end_sessions(organiser: Organiser, *, keep: str | None = None) -> None:
    """End every session of the organiser, except the one with key ``keep``."""
    query = update(OrganiserSession).where(
        OrganiserSession.organiser_id == organiser.id,
        OrganiserSession.ended_at.is_(None),
    )
    if keep:
        query = query.where(OrganiserSession.key_hash != hash_token(keep))
    db.session.execute(query.values(ended_at=utcnow()))


def change_password(
    organiser: Organiser, current: str, new: str, *, session_key: str | None = None
) -> None:
    """Raises OrganiserError when the current password is wrong or the new weak.

    Ends every other session of the account: whoever knew the old password
    (or copied a cookie) is out; the session ``session_key`` stays.
    """
    if not check_password_hash(organiser.password_hash, current):
        raise OrganiserError(_("Your current password is not right."))
    if len(new) < MIN_PASSWORD_LENGTH:
        raise OrganiserError(
            _(
                "The new password needs at least %(min)d characters.",
                min=MIN_PASSWORD_LENGTH,
            )
        )
    organiser.password_hash = _hashed(new)
    end_sessions(organiser, keep=session_key)


def set_password(organiser: Organiser, new: str) -> None:
    """The password chosen by the link an invitation mailed; the link then
    stops working, and any session of the account ends."""
    if len(new) < MIN_PASSWORD_LENGTH:
        raise OrganiserError(
            _(
                "The new password needs at least %(min)d characters.",
                min=MIN_PASSWORD_LENGTH,
            )
        )
    organiser.password_hash = _hashed(new)
    organiser.password_token_hash = None
    organiser.password_token_expires_at = None
    end_sessions(organiser)
    audit.record(
        "password_set_by_link",
        Actor.organiser(organiser),
        after={"email": organiser.email},
    )


def set_active(organiser: Organiser, active: bool, actor: Actor) -> None:
    """Switch an account on or off; off ends all of its sessions at once.
    Nobody switches their own account off."""
    if not active and organiser.id == actor.organiser_id:
        raise OrganiserError(_("You cannot switch off your own account."))
    organiser.active = active
    if not active:
        end_sessions(organiser)
        organiser.password_token_hash = None  # a mailed link no longer works
    audit.record(
        "account_activated" if active else "account_deactivated",
        actor,
        after={"email": organiser.email, "active": active},
    )
