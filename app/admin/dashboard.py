"""The event dashboard: totals, programmes, breakdowns and logistics at a glance."""

from __future__ import annotations

from flask import render_template

from app.admin.access import event_or_404, scope_country
from app.admin.blueprint import admin
from app.services.dashboard import event_dashboard


@admin.get("/events/<slug>/")
def dashboard(slug: str):
    event = event_or_404(slug)
    scope = scope_country()
    return render_template(
        "admin/dashboard.html",
        event=event,
        scope=scope,
        board=event_dashboard(event, scope),
    )
