"""Secret manage links: minted at random, stored only as a hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select

from app.extensions import db
from app.models import Registration, RegistrationRequest, RegistrationToken

TOKEN_BYTES = 32  # 256 bits


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mint_token(registration: Registration) -> str:
    """A new secret manage link for the registration; earlier ones keep working."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    registration.tokens.append(RegistrationToken(token_hash=hash_token(token)))
    return token


def registration_for_token(token: str) -> Registration | None:
    """The registration a manage link opens, or None.

    The lookup is by the token's SHA-256; the final comparison is in constant
    time so the answer's timing tells nothing about near misses.
    """
    if not token or len(token) > 128:
        return None
    wanted = hash_token(token)
    row = db.session.scalar(
        select(RegistrationToken).where(
            RegistrationToken.token_hash == wanted,
            RegistrationToken.revoked_at.is_(None),
        )
    )
    if row is None or not hmac.compare_digest(row.token_hash, wanted):
        return None
    return row.registration


def mint_request_token(request: RegistrationRequest) -> str:
    """A new link confirming a registration request; an earlier one stops working."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    request.token_hash = hash_token(token)
    return token


def request_for_token(token: str) -> RegistrationRequest | None:
    """The registration request a confirmation link belongs to, or None."""
    if not token or len(token) > 128:
        return None
    wanted = hash_token(token)
    row = db.session.scalar(
        select(RegistrationRequest).where(RegistrationRequest.token_hash == wanted)
    )
    if row is None or not hmac.compare_digest(row.token_hash, wanted):
        return None
    return row
