"""Who may see and do what in the organisers' area.

A coordinator sees one country programme; admins and organisers see all.
Every query, count and action of the admin area goes through ``scope_country``
or ``registration_or_404`` so the coordinator's scope cannot be forgotten.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import CountryProgramme, Event, Registration
from app.services import events as event_service


def scope_country() -> str | None:
    """The only programme the current organiser may see, or None for all."""
    if not current_user.role.sees_every_programme:
        return current_user.country_code or "--"
    return None


def in_scope(registration: Registration) -> bool:
    country = scope_country()
    return country is None or registration.programme.code == country


def visible_programmes(event: Event) -> list[CountryProgramme]:
    country = scope_country()
    return [p for p in event.programmes if country is None or p.code == country]


def event_or_404(slug: str) -> Event:
    try:
        return event_service.event_by_slug(slug)
    except event_service.EventNotFound:
        abort(404, description=_("There is no event at this address."))


def registration_or_404(event: Event, registration_id: int) -> Registration:
    """The event's registration, if the current organiser may see it."""
    registration = db.session.scalar(
        select(Registration).where(
            Registration.id == registration_id, Registration.event_id == event.id
        )
    )
    if registration is None or not in_scope(registration):
        abort(404, description=_("There is no such registration."))
    return registration


def require_role(*roles: str):
    """Only organisers with one of ``roles`` may use the view (others get 403)."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403, description=_("Your account may not do this."))
            return view(*args, **kwargs)

        return wrapped

    return decorate
