"""The organisers' working lists: sign-in sheets, rooming, catering, visa letters.

Each is a page and a CSV, both scoped to what the organiser may see.
"""

from __future__ import annotations

from flask import abort, render_template
from flask_babel import gettext as _

from app.admin.access import (
    current_access,
    event_or_404,
    scope_country,
    visible_programmes,
)
from app.admin.blueprint import admin
from app.admin.downloads import spreadsheet, spreadsheet_routes
from app.exports import (
    catering_table,
    dietary_counts_table,
    rooming_table,
    sign_in_table,
    visa_letters_table,
)
from app.models.registrations import DIETARY
from app.services import lists as list_service


def _visible_code_or_404(event, code: str) -> str:
    """The programme's code, if the event has it and the organiser may see it."""
    code = code.upper()
    if code not in {p.code for p in visible_programmes(event)}:
        abort(404, description=_("There is no such country programme here."))
    return code


@admin.get("/events/<slug>/lists")
def lists(slug: str):
    event = event_or_404(slug)
    return render_template(
        "admin/lists/index.html", event=event, programmes=visible_programmes(event)
    )


@admin.get("/events/<slug>/lists/sign-in")
def sign_in_all(slug: str):
    event = event_or_404(slug)
    return _sign_in_page(event, None)


@admin.get("/events/<slug>/lists/sign-in/<code>")
def sign_in(slug: str, code: str):
    event = event_or_404(slug)
    return _sign_in_page(event, _visible_code_or_404(event, code))


def _sign_in_page(event, code: str | None):
    return render_template(
        "admin/lists/sign_in.html",
        event=event,
        code=code,
        days=list_service.event_days(event),
        sheets=list_service.sign_in_sheets(event, scope_country(), code),
    )


@spreadsheet_routes("/events/<slug>/lists/sign-in")
def sign_in_all_download(slug: str, kind: str):
    event = event_or_404(slug)
    rows = list_service.stream_sign_in(event, scope_country())
    table = sign_in_table(rows, list_service.event_days(event))
    return spreadsheet(event, "sign-in", table, kind)


@spreadsheet_routes("/events/<slug>/lists/sign-in/<code>")
def sign_in_download(slug: str, code: str, kind: str):
    event = event_or_404(slug)
    code = _visible_code_or_404(event, code)
    rows = list_service.stream_sign_in(event, scope_country(), code)
    table = sign_in_table(rows, list_service.event_days(event))
    return spreadsheet(event, f"sign-in-{code}", table, kind)


@admin.get("/events/<slug>/lists/rooming")
def rooming(slug: str):
    event = event_or_404(slug)
    rows = list_service.rooming_list(event, scope_country())
    return render_template(
        "admin/lists/rooming.html",
        event=event,
        rows=rows,
        nights=list_service.nights,
        totals=list_service.rooming_totals([row[0] for row in rows]),
    )


@spreadsheet_routes("/events/<slug>/lists/rooming")
def rooming_download(slug: str, kind: str):
    event = event_or_404(slug)
    rows = list_service.stream_rooming(event, scope_country())
    return spreadsheet(event, "rooming", rooming_table(rows), kind)


@admin.get("/events/<slug>/lists/catering")
def catering(slug: str):
    event = event_or_404(slug)
    return render_template(
        "admin/lists/catering.html",
        event=event,
        counts=list_service.dietary_counts(event, scope_country()),
        labels=DIETARY,
        rows=list_service.catering_list(event, scope_country()),
    )


@spreadsheet_routes("/events/<slug>/lists/catering")
def catering_download(slug: str, kind: str):
    event = event_or_404(slug)
    rows = list_service.stream_catering(event, scope_country())
    return spreadsheet(event, "catering", catering_table(rows), kind)


@spreadsheet_routes("/events/<slug>/lists/catering-counts")
def catering_counts_download(slug: str, kind: str):
    event = event_or_404(slug)
    counts = list_service.dietary_counts(event, scope_country())
    table = dietary_counts_table(counts, DIETARY)
    return spreadsheet(event, "catering-counts", table, kind)


@admin.get("/events/<slug>/lists/visa-letters")
def visa_letters(slug: str):
    event = event_or_404(slug)
    return render_template(
        "admin/lists/visa_letters.html",
        event=event,
        rows=list_service.visa_letter_list(event, scope_country()),
    )


@spreadsheet_routes("/events/<slug>/lists/visa-letters")
def visa_letters_download(slug: str, kind: str):
    event = event_or_404(slug)
    rows = list_service.stream_visa_letters(event, scope_country())
    with_passports = current_access().sees_every_programme
    table = visa_letters_table(rows, with_passports)
    return spreadsheet(event, "visa-letters", table, kind)
