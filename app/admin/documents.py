"""The organisers' documents: name badges, certificates, visa letters."""

from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _

from app import documents
from app.admin.access import event_or_404, registration_or_404, scope_country
from app.admin.blueprint import admin
from app.models.types import utcnow
from app.services import attendees as attendee_service
from app.services import checkin as checkin_service
from app.services import visa_letters


@admin.get("/events/<slug>/badges.pdf")
def badges(slug: str):
    """Badges for the attendee list's selection: confirmed delegates unless
    the filters say otherwise."""
    event = event_or_404(slug)
    layout = request.args.get("layout", "sheet")
    if layout not in documents.BADGE_LAYOUTS:
        abort(404, description=_("There is no such badge layout."))
    filters = attendee_service.AttendeeFilters.from_args(request.args)
    holders = attendee_service.badge_holders(event, filters, scope_country())
    if not holders:
        abort(404, description=_("No delegate matches these filters."))
    body = documents.badges_pdf(event, holders, layout)
    return documents.pdf_response(body, f"{event.slug}-badges.pdf")


@admin.get("/events/<slug>/certificates.pdf")
def certificates(slug: str):
    event = event_or_404(slug)
    attendances = checkin_service.attended(event, utcnow(), scope_country())
    if not attendances:
        abort(404, description=_("No delegate has been checked in yet."))
    body = documents.certificates_pdf(event, attendances)
    return documents.pdf_response(body, f"{event.slug}-certificates.pdf")


@admin.get("/events/<slug>/registrations/<int:registration_id>/visa-letter.pdf")
def visa_letter(slug: str, registration_id: int):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    letter = visa_letters.issued_letter(registration)
    if letter is None:
        abort(404, description=_("No visa letter is issued for this delegate."))
    body = documents.visa_letter_pdf(letter)
    return documents.pdf_response(body, documents.letter_filename(letter))
