"""The organisers' blueprint. Every page needs a logged-in organiser."""

from flask import Blueprint, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.admin.access import current_access, load_event

admin = Blueprint("admin", __name__, url_prefix="/admin")

PUBLIC_ENDPOINTS = {"admin.login", "admin.set_password"}


@admin.before_request
def require_organiser():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    # Checked here, after the login: a visitor without one is sent to log in
    # rather than told whether the event exists.
    load_event(request.endpoint, request.view_args)
    return None


@admin.after_request
def never_cache(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# The event's pages in the organisers' area, shown as a sub-navigation; each
# appears once its view exists.
EVENT_LINKS = (
    ("admin.dashboard", _l("Dashboard")),
    ("admin.attendees", _l("Attendees")),
    ("admin.check_in", _l("Check-in")),
    ("admin.lists", _l("Lists")),
    ("admin.event_settings", _l("Settings")),
    ("admin.event_team", _l("Team")),
    ("admin.audit_log", _l("Audit log")),
    ("admin.outbox_page", _l("Outbox")),
)


# Pages only admins may open: other roles are not shown their links.
ADMIN_ONLY = {"admin.event_settings", "admin.event_team"}


@admin.context_processor
def event_links():
    existing = current_app.view_functions
    if not current_user.is_authenticated:
        return {"admin_event_links": []}
    access = current_access()
    is_admin = access.may_manage_the_event
    return {
        "access": access,
        "admin_event_links": [
            link
            for link in EVENT_LINKS
            if link[0] in existing and (is_admin or link[0] not in ADMIN_ONLY)
        ],
    }
