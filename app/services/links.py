"""Finding a registration: by its secret links (minted at random, stored only
as a hash) or by its address."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Organiser, Registration, RegistrationRequest, RegistrationToken
from app.models.registrations import normalise_email
from app.models.types import utcnow

TOKEN_BYTES = 32  # 256 bits
# How long the link mailed to an invited organiser sets their password.
PASSWORD_LINK_LIFETIME = timedelta(days=7)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mint_token(registration: Registration) -> str:
    """A new secret manage link for the registration; earlier ones keep working."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    registration.tokens.append(RegistrationToken(token_hash=hash_token(token)))
    return token


def registration_for_token(token: str) -> Registration | None:
    """The registration a manage link opens, or None."""
    row = _by_hash(
        RegistrationToken,
        RegistrationToken.token_hash,
        token,
        RegistrationToken.revoked_at.is_(None),
    )
    return row.registration if row else None


def mint_request_token(request: RegistrationRequest) -> str:
    """A new link confirming a registration request; an earlier one stops working."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    request.token_hash = hash_token(token)
    return token


def request_for_token(token: str) -> RegistrationRequest | None:
    """The registration request a confirmation link belongs to, or None."""
    return _by_hash(RegistrationRequest, RegistrationRequest.token_hash, token)


def mint_password_token(organiser: Organiser) -> str:
    """A one-time link setting the account's password; an earlier one stops
    working."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    organiser.password_token_hash = hash_token(token)
    organiser.password_token_expires_at = utcnow() + PASSWORD_LINK_LIFETIME
    return token


def organiser_for_password_token(token: str) -> Organiser | None:
    """The account a set-password link opens, while the link is valid."""
    organiser = _by_hash(Organiser, Organiser.password_token_hash, token)
    if (
        organiser is None
        or not organiser.active
        or organiser.password_token_expires_at <= utcnow()
    ):
        return None
    return organiser


def _by_hash(model, column, token: str, *conditions):
    """The row whose ``column`` holds the token's SHA-256, or None.

    The lookup is by the hash; the final comparison is in constant time so
    the answer's timing tells nothing about near misses.
    """
    if not token or len(token) > 128:
        return None
    wanted = hash_token(token)
    row = db.session.scalar(select(model).where(column == wanted, *conditions))
    if row is None or not hmac.compare_digest(getattr(row, column.key), wanted):
        return None
    return row


def registration_for_address(event_id: int, email: str) -> Registration | None:
    """The event's registration with this e-mail address (any case), if any;
    registrations whose personal data is deleted have none."""
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event_id,
            Registration.email_normalised == normalise_email(email),
            Registration.anonymised_at.is_(None),
        )
    )
