"""Organiser sessions with Flask-Login, each one a row that logging out ends."""

from __future__ import annotations

from flask import session
from flask_babel import lazy_gettext as _l

from app.extensions import login_manager
from app.models import Organiser
from app.services.organisers import organiser_in_session

# The session cookie's key of the organiser's OrganiserSession.
SESSION_KEY = "organiser_session"


def init_app(app) -> None:
    login_manager.login_view = "admin.login"
    login_manager.login_message = _l("Please log in to see this page.")
    # Flashed as plain text in the reader's language (a session keeps no
    # lazy string).
    login_manager.localize_callback = str
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_organiser(organiser_id: str) -> Organiser | None:
        if not organiser_id.isdigit():
            return None
        return organiser_in_session(int(organiser_id), session.get(SESSION_KEY))
