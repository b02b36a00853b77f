"""The organisers' area: importing the view modules attaches them to ``admin``."""

from app.admin import (  # noqa: F401
    accounts,
    attendees,
    dashboard,
    documents,
    events,
    imports,
    lists,
    log,
    routes,
    settings,
)
from app.admin.blueprint import admin

__all__ = ["admin"]
