"""The PDF documents: visa invitation letters, name badges, certificates.

Rendered from HTML templates (``templates/documents/``) by WeasyPrint, built
on request and never stored. Like ``app.mail``, these are pure renderers of
models and plain values: they need an application context for the templates,
never a request or the database. The fonts come from the system (Noto Sans
and Noto Sans CJK, see the README): they cover every script our delegates
write their names in, and WeasyPrint embeds the glyphs used.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from flask import Response, render_template
from markupsafe import Markup

from app.i18n import in_language
from app.models import Event, Registration, VisaLetter
from app.models.documents import LETTER_LANGUAGE
from app.urls import external_url

BADGES_PER_SHEET = 8
BADGE_LAYOUTS = ("sheet", "single")


def render_pdf(template: str, **context) -> bytes:
    """``templates/documents/<template>.html`` as a PDF."""
    # Imported on the first document: WeasyPrint costs a worker 40 MiB and a
    # second to load, which one that only serves pages never needs.
    from weasyprint import HTML, URLFetcher

    html = render_template(f"documents/{template}.html", **context)
    # Nothing is fetched: images are inline, fonts are the system's.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf()


def verify_url(code: str) -> str:
    """The address a letter or certificate prints for checking it."""
    return external_url("documents.verify", code=code)


def visa_letter_pdf(letter: VisaLetter) -> bytes:
    """The issued letter, from what its row recorded when it was issued."""
    event = letter.registration.event
    with in_language(LETTER_LANGUAGE):
        return render_pdf(
            "visa_letter",
            letter=letter,
            printed=_dated(letter.details),
            issued_on=letter.decided_at.astimezone(event.zone).date(),
            verification=verify_url(letter.verification_code),
        )


def letter_filename(letter: VisaLetter) -> str:
    return f"visa-letter-{letter.reference}.pdf"


def _dated(details: dict) -> dict:
    """The printed details with their ISO dates as dates again."""
    return {
        key: date.fromisoformat(value)
        if key.endswith(("_date", "_on", "_expiry", "_of_birth")) and value
        else value
        for key, value in details.items()
    }


def badges_pdf(
    event: Event, registrations: Iterable[Registration], layout: str = "sheet"
) -> bytes:
    """Name badges, eight to an A4 sheet with cut marks, or one per page."""
    registrations = list(registrations)
    per_page = 1 if layout == "single" else BADGES_PER_SHEET
    with in_language(event.default_language):
        return render_pdf(
            "badges",
            event=event,
            layout=layout,
            pages=_in_pages(registrations, per_page),
        )


def _in_pages(items: Sequence, size: int) -> list[Sequence]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def certificates_pdf(
    event: Event, attendances: Iterable[tuple[Registration, int]]
) -> bytes:
    """Certificates of attendance, one page each, each in its delegate's
    language; ``attendances`` pairs each delegate with their days attended."""
    pages = []
    for registration, days in attendances:
        with in_language(registration.language):
            pages.append(
                Markup(  # noqa: S704 - a template rendered with autoescaping
                    render_template(
                        "documents/_certificate.html",
                        event=event,
                        registration=registration,
                        days=days,
                        verification=verify_url(registration.certificate_code),
                    )
                )
            )
    with in_language(event.default_language):
        return render_pdf("certificates", event=event, pages=pages)


def pdf_response(body: bytes, filename: str) -> Response:
    """A PDF to download. Never cached on the way: letters carry passport
    details, badges and certificates names."""
    response = Response(body, content_type="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
