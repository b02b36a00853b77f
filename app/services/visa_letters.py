"""Visa invitation letters: an organiser's decision on a delegate's request.

The letter itself is never stored: ``app.documents.visa_letter_pdf`` rebuilds
it from the ``VisaLetter`` row, which keeps everything the letter prints.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import engine
from app.extensions import db
from app.models import Registration, VisaLetter
from app.models.documents import LETTER_LANGUAGE, VisaLetterState
from app.models.registrations import PASSPORT_FIELDS, RegistrationStatus
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


def letter_contents(registration: Registration) -> dict:
    """Everything a letter issued now would print, JSON-ready: the delegate's
    details, the event's English texts and the host's letter settings."""
    event = registration.event
    contact = event.contacts[0] if event.contacts else None
    indonesian_title = event.text_in("title", "id")
    return {
        **{field: json_ready(getattr(registration, field)) for field in QUOTED_FIELDS},
        "title": event.text_in("title", LETTER_LANGUAGE).text,
        "title_id": indonesian_title.text if indonesian_title.language == "id" else "",
        "purpose": event.text_in("purpose", LETTER_LANGUAGE).text,
        "location": event.location,
        "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(),
        "host": event.host,
        "letter_address": event.letter_address,
        "signatory_name": event.letter_signatory_name,
        "signatory_title": event.letter_signatory_title,
        "sponsorship": event.letter_sponsorship,
        "contact": {
            "name": contact.name,
            "role": contact.role,
            "phone": contact.phone,
            "email": contact.email,
        }
        if contact
        else None,
    }


def letter_is_outdated(letter: VisaLetter | None) -> bool:
    """Whether a standing letter would print something else if issued now
    (corrected passport details, other travel dates, new letter settings)."""
    return (
        letter is not None
        and letter.current_state is VisaLetterState.ISSUED
        and letter.details != letter_contents(letter.registration)
    )


def approve_visa_letter(
    registration: Registration, actor: Actor, now: datetime | None = None
) -> VisaLetter:
    """Issue the letter and send it to the delegate.

    Only for a confirmed delegate who asked for one with complete passport
    details. A letter issued before that prints other details is withdrawn:
    its verification address then answers "withdrawn".
    """
    now = now or utcnow()
    registration = _locked_request(registration)
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
    contents = letter_contents(registration)
    earlier = issued_letter(registration)
    if earlier is not None:
        if earlier.details == contents:
            raise VisaLetterRefused(_("This letter is already issued."))
        _withdraw(earlier, now)
    letter = _decide(registration, VisaLetterState.ISSUED, actor, now, details=contents)
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
    registration = _locked_request(registration)
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
    registration = engine.locked(Registration, registration.id)
    letter = issued_letter(registration)
    if letter is None:
        raise VisaLetterRefused(_("This delegate holds no visa letter."))
    _withdraw(letter, now or utcnow())
    audit.record(
        "visa_letter_withdrawn", actor, registration=registration, note=letter.reference
    )


def _locked_request(registration: Registration) -> Registration:
    """The registration, locked: decisions on one request are taken one at a
    time, so no two letters of it ever stand together."""
    registration = engine.locked(Registration, registration.id)
    if registration.anonymised_at is not None:
        raise VisaLetterRefused(_("This registration's personal data is deleted."))
    if registration.status.is_closed:
        raise VisaLetterRefused(
            _("This registration is cancelled or rejected: it needs no letter.")
        )
    if not registration.needs_visa_letter:
        raise VisaLetterRefused(_("This delegate has not asked for a visa letter."))
    return registration


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
    """A new decision row, its reference numbering the registration's
    decisions (the registration's lock is held)."""
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
        # The database's guard (one standing letter, unique references).
        raise VisaLetterRefused(
            _("Someone else decided on this request just now; reload the page.")
        ) from None
    return letter
