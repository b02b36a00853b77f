"""What ``/verify/<code>`` tells whoever holds a letter's or a certificate's
code: whether the document stands, and nothing more about the delegate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select

from app.extensions import db
from app.models import Registration, VisaLetter
from app.models.documents import VisaLetterState
from app.models.registrations import mask_passport_number
from app.services.checkin import certificate_available

# Longer than any code we give (22 characters): not looked up.
LONGEST_CODE = 64


class DocumentKind(StrEnum):
    VISA_LETTER = "visa_letter"
    CERTIFICATE = "certificate"


@dataclass(frozen=True)
class Verification:
    kind: DocumentKind
    valid: bool
    event_title: str
    starts_on: date
    ends_on: date
    name: str = ""
    nationality: str = ""
    # The last three characters only.
    passport_number: str = ""
    issued_on: date | None = None


def verification(code: str, now: datetime) -> Verification | None:
    """The document that carries ``code`` as its verification page shows it;
    None for a code nobody was given."""
    if len(code) > LONGEST_CODE:
        return None
    letter = db.session.scalar(
        select(VisaLetter).where(
            VisaLetter.verification_code == code,
            VisaLetter.state != VisaLetterState.REFUSED,
        )
    )
    if letter is not None:
        return _letter(letter)
    registration = db.session.scalar(
        select(Registration).where(Registration.certificate_code == code)
    )
    if registration is None or registration.checked_in_at is None:
        return None
    event = registration.event
    valid = certificate_available(registration, now)
    return Verification(
        kind=DocumentKind.CERTIFICATE,
        valid=valid,
        name=registration.full_name if valid else "",
        event_title=event.title,
        starts_on=event.starts_on,
        ends_on=event.ends_on,
    )


def _letter(letter: VisaLetter) -> Verification:
    """A letter as it was issued: the event as printed on it."""
    event = letter.registration.event
    printed = letter.details
    valid = letter.current_state is VisaLetterState.ISSUED
    return Verification(
        kind=DocumentKind.VISA_LETTER,
        valid=valid,
        event_title=printed.get("title") or event.title,
        starts_on=date.fromisoformat(printed["starts_on"])
        if printed.get("starts_on")
        else event.starts_on,
        ends_on=date.fromisoformat(printed["ends_on"])
        if printed.get("ends_on")
        else event.ends_on,
        name=printed.get("passport_name", "") if valid else "",
        nationality=printed.get("nationality", "") if valid else "",
        passport_number=mask_passport_number(printed.get("passport_number", ""))
        if valid
        else "",
        issued_on=letter.decided_at.astimezone(event.zone).date(),
    )
