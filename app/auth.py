"""Organiser sessions with Flask-Login."""

from __future__ import annotations

from app.extensions import db, login_manager
from app.models import Organiser


def init_app(app) -> None:
    login_manager.login_view = "admin.login"
    login_manager.login_message = "Please log in to see this page."
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_organiser(organiser_id: str) -> Organiser | None:
        if not organiser_id.isdigit():
            return None
        return db.session.get(Organiser, int(organiser_id))
