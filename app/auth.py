"""Organiser sessions with Flask-Login, each one a row that logging out ends."""

from __future__ import annotations

from flask import session

from app.extensions import login_manager
from app.models import Organiser
from app.services.organisers import organiser_in_session

# The session cookie's key of the organiser's OrganiserSession.
SESSION_KEY = "organiser_session"


def init_app(app) -> None:
    login_manager.login_view = "admin.login"
    login_manager.login_message = "Please log in to see this page."
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_organiser(organiser_id: str) -> Organiser | None:
        if not organiser_id.isdigit():
            return None
        return organiser_in_session(int(organiser_id), session.get(SESSION_KEY))
