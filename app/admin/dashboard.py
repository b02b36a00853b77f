"""The event dashboard: totals, programmes, breakdowns and logistics at a glance."""

from __future__ import annotations

from flask import render_template, request
from markupsafe import Markup

from app.admin.access import event_or_404, scope_country
from app.admin.blueprint import admin
from app.page_cache import kept
from app.services.dashboard import event_dashboard
from app.services.data_versions import registrations_version


@admin.get("/events/<slug>/")
def dashboard(slug: str):
    # The version first: whatever is read after it is at least that new.
    version = registrations_version()
    event = event_or_404(slug)
    scope = scope_country()
    # The counts and charts, rendered: most of the page's cost.
    board_html = kept(
        ("dashboard", event.id, scope, request.script_root),
        version,
        # The template escapes what it shows: its output is HTML already.
        lambda: Markup(  # noqa: S704
            render_template(
                "admin/_dashboard_board.html",
                event=event,
                scope=scope,
                board=event_dashboard(event, scope),
            )
        ),
    )
    return render_template("admin/dashboard.html", event=event, board_html=board_html)
