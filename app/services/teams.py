"""Who may work on which event: admins on every one, organisers and
coordinators on the events whose team they are in."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Event, Organiser, TeamMember
from app.models.organisers import Role
from app.models.registrations import normalise_email
from app.models.types import utcnow
from app.services import Refused, audit
from app.services.audit import Actor
from app.services.links import PASSWORD_LINK_LIFETIME
from app.services.notifications import notify_team_invitation
from app.services.organisers import create_organiser

TEAM_ROLES = (Role.ORGANISER, Role.COORDINATOR)


class TeamError(Refused):
    pass


@dataclass(frozen=True)
class Access:
    """What an account may do in one event: its role there and, for a
    coordinator, the one programme it sees."""

    role: Role
    country_code: str | None = None

    @property
    def sees_every_programme(self) -> bool:
        return self.role.sees_every_programme

    @property
    def may_manage_the_event(self) -> bool:
        return self.role.may_manage_the_event

    @property
    def only_country(self) -> str | None:
        """The only programme this access sees, or None for all."""
        if self.sees_every_programme:
            return None
        return self.country_code or "--"


def access_to(event: Event, organiser: Organiser) -> Access | None:
    """The organiser's access to the event, or None when they have none."""
    if organiser.role is Role.ADMIN:
        return Access(Role.ADMIN)
    member = db.session.scalar(
        select(TeamMember).where(
            TeamMember.event_id == event.id, TeamMember.organiser_id == organiser.id
        )
    )
    if member is None:
        return None
    return Access(member.role, member.country_code)


def team(event: Event) -> list[TeamMember]:
    return list(
        db.session.scalars(
            select(TeamMember)
            .join(TeamMember.organiser)
            .where(TeamMember.event_id == event.id)
            .order_by(Organiser.email)
        )
    )


def _checked_role(event: Event, role: str, country_code: str | None):
    if role not in TEAM_ROLES:
        raise TeamError(_("The role is organiser or coordinator."))
    role = Role(role)
    if role is Role.ORGANISER:
        return role, None
    code = (country_code or "").strip().upper()
    if not code:
        raise TeamError(_("A coordinator needs a country programme (--country)."))
    if event.programme_by_code(code) is None:
        raise TeamError(
            _("%(code)s does not take part in this event.", code=code[:2] or "--")
        )
    return role, code


def grant(
    event: Event,
    organiser: Organiser,
    role: str,
    country_code: str | None,
    actor: Actor,
) -> TeamMember:
    """Give the account a place in the event's team (or change its place)."""
    role, code = _checked_role(event, role, country_code)
    if organiser.role is Role.ADMIN:
        raise TeamError(
            _("%(email)s is an admin and sees every event.", email=organiser.email)
        )
    member = db.session.scalar(
        select(TeamMember).where(
            TeamMember.event_id == event.id, TeamMember.organiser_id == organiser.id
        )
    )
    before = (
        {"role": member.role.value, "country": member.country_code} if member else {}
    )
    if member is None:
        member = TeamMember(event_id=event.id, organiser_id=organiser.id)
        db.session.add(member)
    member.role, member.country_code = role, code
    audit.record(
        "team_member_added" if not before else "team_member_changed",
        actor,
        event=event,
        before=before,
        after={"email": organiser.email, "role": role.value, "country": code},
    )
    return member


def create_account(
    email: str,
    password: str,
    role: str,
    country_code: str | None,
    *,
    event: Event | None,
    actor: Actor | None = None,
) -> Organiser:
    """A new account; an organiser or coordinator joins ``event``'s team
    (admins see every event). Raises OrganiserError or TeamError."""
    if event is not None and role != Role.ADMIN:
        _checked_role(event, role, country_code)
    organiser = create_organiser(email, password, role, country_code, actor=actor)
    if event is not None and organiser.role is not Role.ADMIN:
        db.session.flush()
        grant(event, organiser, role, country_code, actor or audit.SYSTEM)
    return organiser


def remove(event: Event, member: TeamMember, actor: Actor) -> None:
    audit.record(
        "team_member_removed",
        actor,
        event=event,
        before={"email": member.organiser.email, "role": member.role.value},
    )
    db.session.delete(member)


def invite(
    event: Event, email: str, role: str, country_code: str | None, actor: Actor
) -> TeamMember:
    """Add an address to the team. An existing account gets the access; a
    new one is created without a password and mailed a one-time link to set
    it, and so is again an account still waiting to set its password (its
    link may have expired)."""
    address = normalise_email(email)
    organiser = db.session.scalar(select(Organiser).where(Organiser.email == address))
    if organiser is not None and not organiser.active:
        raise TeamError(
            _("The account %(email)s is switched off.", email=address), "email"
        )
    if organiser is None:
        _checked_role(event, role, country_code)
        # A password nobody knows: the account opens by the mailed link only.
        organiser = create_organiser(
            address, secrets.token_urlsafe(32), role, country_code, actor=actor
        )
        db.session.flush()
        organiser.password_token_expires_at = utcnow() + PASSWORD_LINK_LIFETIME
    member = grant(event, organiser, role, country_code, actor)
    if organiser.awaits_password:
        notify_team_invitation(event, organiser)
    return member
