"""A delegate's documents, and the page that verifies them for a consulate."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template
from flask_babel import gettext as _

from app import documents as document_renderers
from app.extensions import limiter
from app.models.types import utcnow
from app.public import registration_or_404
from app.security import limit
from app.services import checkin as checkin_service
from app.services import visa_letters
from app.services.verification import verification

documents = Blueprint("documents", __name__)


@documents.get("/r/<token>/visa-letter.pdf")
def visa_letter(token: str):
    registration = registration_or_404(token)
    letter = visa_letters.issued_letter(registration)
    if letter is None:
        abort(404, description=_("No visa letter has been issued to you."))
    body = document_renderers.visa_letter_pdf(letter)
    return document_renderers.pdf_response(
        body, document_renderers.letter_filename(letter)
    )


@documents.get("/r/<token>/certificate.pdf")
def certificate(token: str):
    registration = registration_or_404(token)
    now = utcnow()
    if not checkin_service.certificate_available(registration, now):
        abort(
            404,
            description=_(
                "A certificate of attendance is available once you have been "
                "checked in at the workshop."
            ),
        )
    attendance = (registration, checkin_service.days_attended(registration, now))
    body = document_renderers.certificates_pdf(registration.event, [attendance])
    return document_renderers.pdf_response(
        body, f"certificate-{registration.reference}.pdf"
    )


@documents.get("/verify/<code>")
@limiter.limit(limit("VERIFY_RATE_LIMIT"))
def verify(code: str):
    """What anyone holding a letter's or certificate's code may learn."""
    found = verification(code, utcnow())
    if found is None:
        abort(404, description=_("No document carries this verification code."))
    response = make_response(render_template("public/verify.html", found=found))
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
