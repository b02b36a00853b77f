"""Visa invitation letters: an organiser's decision on a delegate's request,
and what a consulate sees when it checks a letter.

The letter itself is never stored: ``app.documents.visa_letter_pdf`` rebuilds
it from the ``VisaLetter`` row whenever it is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Registration, VisaLetter
from app.models.documents import VisaLetterState
from app.models.registrations import (
    PASSPORT_FIELDS,
    RegistrationStatus,
    mask_passport_number,
)
from app.models.types import json_ready, utcnow
from app.services import Refused, audit
from app.services.audit import Actor
from app.services.notifications import notify
from app.validation import passport_problems

# What a letter quotes of the registration besides the passport details.
QUOTED_FIELDS = (
    *PASSPORT_FIELDS,
    "organisation",
    "job_title",
    "arrival_date",
    "departure_date",
)


class VisaLetterRefused(Refused):
    """A decision on a visa letter that cannot be taken."""


def latest_letter(registration: Registration) -> VisaLetter | None:
    """The registration's latest decision, if any."""
    return db.session.scalar(
        select(VisaLetter)
        .where(VisaLetter.registration_id == registration.id)
        .order_by(VisaLetter.id.desc())
        .limit(1)
    )


def issued_letter(registration: Registration) -> VisaLetter | None:
    """The letter the delegate may download now, if there is one."""
    letter = latest_letter(registration)
    if letter is not None and letter.current_state is VisaLetterState.ISSUED:
        return letter
    return None


def quoted_details(registration: Registration) -> dict:
    """What a letter issued now would quote, JSON-ready."""
    return {field: json_ready(getattr(registration, field)) for field in QUOTED_FIELDS}


def approve_visa_letter(
    registration: Registration, actor: Actor, now: datetime | None = None
) -> VisaLetter:
    """Issue the letter and send it to the delegate.

    Only for a confirmed delegate who asked for one with complete passport
    details. A letter issued before with other details is withdrawn: its
    verification address then answers "withdrawn".
    """
    now = now or utcnow()
    _check_request(registration)
    if registration.status != RegistrationStatus.CONFIRMED:
        raise VisaLetterRefused(
            _("Only a confirmed delegate, who holds a seat, can get a visa letter.")
        )
    problems = passport_problems(
        registration.event,
        name=registration.passport_name,
        nationality=registration.nationality,
        number=registration.passport_number,
        expiry=registration.passport_expiry,
        birth=registration.date_of_birth,
        embassy=registration.visa_embassy,
    )
    if problems:
        raise VisaLetterRefused(
            _(
                "The passport details are not complete: %(problems)s",
                problems=" ".join(problems.values()),
            )
        )
    details = quoted_details(registration)
    earlier = issued_letter(registration)
    if earlier is not None:
        if earlier.details == details:
            raise VisaLetterRefused(_("This letter is already issued."))
        _withdraw(earlier, now)
    letter = _decide(registration, VisaLetterState.ISSUED, actor, now, details=details)
    audit.record(
        "visa_letter_issued", actor, registration=registration, note=letter.reference
    )
    notify(registration, "visa_letter", with_calendar=False, letter_id=letter.id)
    return letter


def refuse_visa_letter(
    registration: Registration, actor: Actor, reason: str, now: datetime | None = None
) -> VisaLetter:
    """Refuse the request, telling the delegate why; an issued letter is
    withdrawn with it."""
    now = now or utcnow()
    reason = reason.strip()
    if not reason:
        raise VisaLetterRefused(
            _("Say why the letter is refused: the delegate is told."), field="reason"
        )
    _check_request(registration)
    latest = latest_letter(registration)
    if latest is not None and latest.state is VisaLetterState.REFUSED:
        raise VisaLetterRefused(_("This request is already refused."))
    if latest is not None and latest.state is VisaLetterState.ISSUED:
        _withdraw(latest, now)
    letter = _decide(registration, VisaLetterState.REFUSED, actor, now, reason=reason)
    audit.record(
        "visa_letter_refused", actor, registration=registration, note=letter.reference
    )
    notify(registration, "visa_letter_refused", with_calendar=False, reason=reason)
    return letter


def revoke_visa_letter(
    registration: Registration, actor: Actor, now: datetime | None = None
) -> None:
    """Withdraw the issued letter: its verification address says so from now."""
    letter = issued_letter(registration)
    if letter is None:
        raise VisaLetterRefused(_("This delegate holds no visa letter."))
    _withdraw(letter, now or utcnow())
    audit.record(
        "visa_letter_withdrawn", actor, registration=registration, note=letter.reference
    )


def _check_request(registration: Registration) -> None:
    if registration.anonymised_at is not None:
        raise VisaLetterRefused(_("This registration's personal data is deleted."))
    if not registration.needs_visa_letter:
        raise VisaLetterRefused(_("This delegate has not asked for a visa letter."))


def _withdraw(letter: VisaLetter, now: datetime) -> None:
    letter.state = VisaLetterState.WITHDRAWN
    letter.withdrawn_at = now


def _decide(
    registration: Registration,
    state: VisaLetterState,
    actor: Actor,
    now: datetime,
    **values,
) -> VisaLetter:
    """A new decision row. Its reference numbers the registration's decisions,
    so two organisers deciding at once collide on the unique reference and
    only one of them gets through."""
    count = db.session.scalar(
        select(func.count(VisaLetter.id)).where(
            VisaLetter.registration_id == registration.id
        )
    )
    letter = VisaLetter(
        registration=registration,
        state=state,
        reference=f"{registration.reference}-V{count + 1}",
        decided_at=now,
        decided_by_id=actor.organiser_id,
        **values,
    )
    try:
        with db.session.begin_nested():
            db.session.add(letter)
    except IntegrityError:
        raise VisaLetterRefused(
            _("Someone else decided on this request just now; reload the page.")
        ) from None
    return letter


@dataclass(frozen=True)
class Verification:
    """What ``/verify/<code>`` tells anyone holding the code: nothing more."""

    kind: str  # "visa_letter" or "certificate"
    valid: bool
    name: str
    event_title: str
    starts_on: date
    ends_on: date
    issued_on: date | None
    nationality: str = ""
    passport_number: str = ""


def verification(code: str) -> Verification | None:
    """The document that carries ``code``, as its verification page shows it;
    None for a code nobody was given."""
    if len(code) > 64:
        return None
    letter = db.session.scalar(
        select(VisaLetter).where(
            VisaLetter.verification_code == code,
            VisaLetter.state != VisaLetterState.REFUSED,
        )
    )
    if letter is not None:
        event = letter.registration.event
        valid = letter.current_state is VisaLetterState.ISSUED
        details = letter.details if valid else {}
        return Verification(
            kind="visa_letter",
            valid=valid,
            name=details.get("passport_name", ""),
            nationality=details.get("nationality", ""),
            passport_number=mask_passport_number(details.get("passport_number", "")),
            event_title=event.title,
            starts_on=event.starts_on,
            ends_on=event.ends_on,
            issued_on=letter.decided_at.astimezone(event.zone).date(),
        )
    registration = db.session.scalar(
        select(Registration).where(Registration.certificate_code == code)
    )
    if registration is None or registration.checked_in_at is None:
        return None
    event = registration.event
    valid = registration.anonymised_at is None
    return Verification(
        kind="certificate",
        valid=valid,
        name=registration.full_name if valid else "",
        event_title=event.title,
        starts_on=event.starts_on,
        ends_on=event.ends_on,
        issued_on=None,
    )
