"""Who may see and do what in the organisers' area.

Every page under ``/admin/events/<slug>/`` is opened through
``load_event``: an account that is not in the event's team (admins are in
every one) gets a 404, as if the event did not exist. Within an event a
coordinator sees one country programme; admins and organisers see all.
Every query, count and action goes through ``scope_country`` or
``registration_or_404`` so the coordinator's scope cannot be forgotten.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, g, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import CountryProgramme, Event, Registration
from app.services import events as event_service
from app.services import teams
from app.services.teams import Access

# What may still be done to an archived event: it is read-only, but its
# status can change, it can be copied, and its team can lose members (and
# its data be purged by the command line).
ALLOWED_WHEN_ARCHIVED = {
    "admin.event_status",
    "admin.clone_event",
    "admin.team_member_remove",
}


def load_event(endpoint: str | None, values: dict | None) -> None:
    """Find the event of an event page and the account's access to it."""
    if not values or "slug" not in values or not current_user.is_authenticated:
        return
    try:
        event = event_service.event_by_slug(values["slug"])
    except event_service.EventNotFound:
        event = None
    access = teams.access_to(event, current_user) if event else None
    if access is None:
        abort(404, description=_("There is no event at this address."))
    if (
        event.status.read_only
        and request.method == "POST"
        and endpoint not in ALLOWED_WHEN_ARCHIVED
    ):
        abort(
            409,
            description=_(
                "This event is archived: it is read-only. Change its status "
                "to make changes."
            ),
        )
    g.event, g.access = event, access


def current_access() -> Access:
    """The account's access to the event of this page; outside an event,
    what its account role gives."""
    access = g.get("access")
    if access is not None:
        return access
    return Access(current_user.role, current_user.country_code)


def scope_country() -> str | None:
    """The only programme the current organiser may see, or None for all."""
    return current_access().only_country


def in_scope(registration: Registration) -> bool:
    country = scope_country()
    return country is None or registration.programme.code == country


def visible_programmes(event: Event) -> list[CountryProgramme]:
    country = scope_country()
    return [p for p in event.programmes if country is None or p.code == country]


def event_or_404(slug: str) -> Event:
    """The page's event, found (and its access checked) by ``load_event``."""
    event = g.get("event")
    if event is None or event.slug != slug:
        abort(404, description=_("There is no event at this address."))
    return event


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
    """Only organisers with one of ``roles`` (in the page's event, where it
    has one) may use the view (others get 403)."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_access().role not in roles:
                abort(403, description=_("Your account may not do this."))
            return view(*args, **kwargs)

        return wrapped

    return decorate
