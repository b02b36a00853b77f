"""The organisers' working lists: sign-in sheets, rooming, catering, visa letters.

Each is a page and a CSV, both scoped to what the organiser may see.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from flask import Response, abort, render_template, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user

from app.admin.access import event_or_404, scope_country, visible_programmes
from app.admin.blueprint import admin
from app.exports import (
    catering_csv,
    dietary_counts_csv,
    rooming_csv,
    sign_in_csv,
    visa_letters_csv,
)
from app.models.registrations import DIETARY
from app.services import lists as list_service


def _download(event, name: str, chunks: Iterator[str]) -> Response:
    """A streamed CSV attachment, named after the event, the list and the scope."""
    scope = scope_country()
    scoped = f"-{scope}" if scope else ""
    filename = f"{event.slug}-{name}{scoped}-{date.today():%Y-%m-%d}.csv"
    return Response(
        stream_with_context(chunks),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


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


@admin.get("/events/<slug>/lists/sign-in.csv")
def sign_in_all_download(slug: str):
    event = event_or_404(slug)
    rows = list_service.stream_sign_in(event, scope_country())
    chunks = sign_in_csv(rows, list_service.event_days(event))
    return _download(event, "sign-in", chunks)


@admin.get("/events/<slug>/lists/sign-in/<code>.csv")
def sign_in_download(slug: str, code: str):
    event = event_or_404(slug)
    code = _visible_code_or_404(event, code)
    rows = list_service.stream_sign_in(event, scope_country(), code)
    chunks = sign_in_csv(rows, list_service.event_days(event))
    return _download(event, f"sign-in-{code}", chunks)


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


@admin.get("/events/<slug>/lists/rooming.csv")
def rooming_download(slug: str):
    event = event_or_404(slug)
    rows = list_service.stream_rooming(event, scope_country())
    return _download(event, "rooming", rooming_csv(rows))


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


@admin.get("/events/<slug>/lists/catering.csv")
def catering_download(slug: str):
    event = event_or_404(slug)
    rows = list_service.stream_catering(event, scope_country())
    return _download(event, "catering", catering_csv(rows))


@admin.get("/events/<slug>/lists/catering-counts.csv")
def catering_counts_download(slug: str):
    event = event_or_404(slug)
    counts = list_service.dietary_counts(event, scope_country())
    return _download(event, "catering-counts", dietary_counts_csv(counts, DIETARY))


@admin.get("/events/<slug>/lists/visa-letters")
def visa_letters(slug: str):
    event = event_or_404(slug)
    return render_template(
        "admin/lists/visa_letters.html",
        event=event,
        rows=list_service.visa_letter_list(event, scope_country()),
    )


@admin.get("/events/<slug>/lists/visa-letters.csv")
def visa_letters_download(slug: str):
    event = event_or_404(slug)
    rows = list_service.stream_visa_letters(event, scope_country())
    with_passports = current_user.role.sees_every_programme
    return _download(event, "visa-letters", visa_letters_csv(rows, with_passports))
