"""Organiser accounts for the admin area."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import false

from app.extensions import db
from app.models.types import UTCDateTime, stored_enum, utcnow


class Role(StrEnum):
    ADMIN = "admin"
    ORGANISER = "organiser"
    COORDINATOR = "coordinator"

    @property
    def label(self) -> str:
        """The role as pages show it (the code itself is stored)."""
        return ROLE_LABELS[self]

    @property
    def sees_every_programme(self) -> bool:
        """Admins and organisers; a coordinator sees one programme."""
        return self is not Role.COORDINATOR

    @property
    def may_manage_the_event(self) -> bool:
        """Admins only: accounts, settings, seats over quota."""
        return self is Role.ADMIN


ROLES = tuple(Role)
ROLE_LABELS = {
    Role.ADMIN: _l("admin"),
    Role.ORGANISER: _l("organiser"),
    Role.COORDINATOR: _l("coordinator"),
}


class Organiser(UserMixin, db.Model):
    __tablename__ = "organisers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        stored_enum(Role, "role"), default=Role.ORGANISER
    )
    country_code: Mapped[str | None] = mapped_column(String(2))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # A one-time link to set the password, for an account invited by e-mail
    # (SHA-256 of the token in the link).
    password_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def awaits_password(self) -> bool:
        """Invited by e-mail, and no password chosen yet (set_password clears
        the expiry; an expired link can be sent again)."""
        return self.password_token_expires_at is not None


class TeamMember(db.Model):
    """An account's access to one event: organiser of all its programmes,
    or coordinator of one. Admins need none: they see every event."""

    __tablename__ = "event_team_members"
    __table_args__ = (
        UniqueConstraint("event_id", "organiser_id"),
        CheckConstraint(
            "role = 'organiser' OR (role = 'coordinator' AND country_code IS NOT NULL)",
            name="team_role_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    organiser_id: Mapped[int] = mapped_column(
        ForeignKey("organisers.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(stored_enum(Role, "team_role"))
    country_code: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organiser: Mapped[Organiser] = relationship()


class LoginFailure(db.Model):
    """A failed login, counted per account and client address in the database
    so that every server process shares the lock-out."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_email_client_at", "email", "client_address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    # The client's address (an IPv6 client's /64 network).
    client_address: Mapped[str] = mapped_column(
        String(64), default="", server_default=""
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The failure that locked the account from this address (the holder was
    # told of it then).
    locked_out: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )


class OrganiserSession(db.Model):
    """One login of an organiser: the session cookie carries its key, and the
    session is valid only while this row is not ended, so logging out (or a
    password change) ends it even where the cookie was copied."""

    __tablename__ = "organiser_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int] = mapped_column(
        ForeignKey("organisers.id", ondelete="CASCADE"), index=True
    )
    # SHA-256 of the key in the cookie.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
