"""The delegate-facing pages."""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _

from app.services.links import registration_for_token


def registration_or_404(token: str):
    """The registration a manage link opens (a 404 page when none does:
    unknown, replaced, or its personal data deleted)."""
    registration = registration_for_token(token)
    if registration is None:
        abort(404, description=_("This registration link is not valid."))
    return registration
