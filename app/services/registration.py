"""A registration's life: register, change, cancel, approve, reject, promote.

Every function runs in the caller's transaction and leaves the commit to it;
seat changes happen under the event lock (see ``seats``), and every change is
written to the audit log and, where the delegate should hear of it, to the
outbox in the same transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, fields
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from app import engine
from app.extensions import db
from app.i18n import programme_name
from app.models import (
    CountryProgramme,
    Event,
    EventStatus,
    OutboxMessage,
    Registration,
    RegistrationRequest,
)
from app.models.registrations import (
    REQUEST_LIFETIME,
    RegistrationStatus,
    normalise_email,
)
from app.models.types import json_ready, utcnow
from app.services import Refused, audit, seats
from app.services.audit import Actor
from app.services.links import mint_token, registration_for_address
from app.services.notifications import (
    notify,
    notify_address_check,
    notify_lost_link,
)

# Raised as str(...): an exception carries text in the reader's language.
ALREADY_REGISTERED = _l(
    "This e-mail address is already registered for this event. Use the link "
    "in your confirmation e-mail, or ask for it again on the workshop page."
)
ADDRESS_TAKEN = _l("Another registration for this event uses this e-mail address.")
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
REFERENCE_PREFIX = "SCR-"
REFERENCE_LENGTH = 6


class RegistrationError(Refused):
    """A change to a registration that cannot be made."""


class AlreadyRegistered(RegistrationError):
    field = "email"


class RegistrationClosed(RegistrationError):
    pass


class UnknownProgramme(RegistrationError):
    pass


class InvalidTransition(RegistrationError):
    pass


class DelegationFull(RegistrationError):
    pass


class PersonalDataDeleted(RegistrationError):
    pass


class RequestExpired(RegistrationError):
    pass


def refuse_if_archived(event: Event) -> None:
    """An archived event is read-only, from the pages and the command line."""
    if event.status.read_only:
        raise RegistrationError(
            _("This event is archived: its registrations can no longer be changed.")
        )


def _refuse_if_anonymised(registration: Registration) -> None:
    # Editing or writing to it would bring personal data back, or mail
    # nobody: an anonymised registration only counts.
    if registration.anonymised_at is not None:
        raise PersonalDataDeleted(
            _(
                "This registration's personal data has been deleted; "
                "it can no longer be edited or written to."
            )
        )


DATE_FIELDS = ("arrival_date", "departure_date", "passport_expiry", "date_of_birth")


@dataclass
class DelegateDetails:
    """What a delegate submits, already validated and cleaned by the form."""

    full_name: str
    email: str
    country: str
    organisation: str
    category: str
    job_title: str = ""
    gender: str = "undisclosed"
    phone: str = ""
    arrival_date: date | None = None
    departure_date: date | None = None
    needs_accommodation: bool = False
    dietary: str = "none"
    dietary_detail: str = ""
    accessibility: str = ""
    needs_visa_letter: bool = False
    listed_publicly: bool = False
    # The language e-mails to the delegate are written in (a BCP 47 tag).
    language: str = "en"
    badge_name: str = ""
    passport_name: str = ""
    nationality: str = ""
    passport_number: str = ""
    passport_expiry: date | None = None
    date_of_birth: date | None = None
    visa_embassy: str = ""

    @classmethod
    def of(cls, registration: Registration) -> DelegateDetails:
        values = {
            f.name: getattr(registration, f.name)
            for f in fields(cls)
            if f.name != "country"
        }
        return cls(country=registration.programme.code, **values)

    def as_json(self) -> dict:
        return {f.name: json_ready(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_json(cls, values: dict) -> DelegateDetails:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in values.items() if k in known}
        for name in DATE_FIELDS:
            if values.get(name):
                values[name] = date.fromisoformat(values[name])
        return cls(**values)


@dataclass(frozen=True)
class NewRegistration:
    registration: Registration
    token: str


def new_reference() -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return REFERENCE_PREFIX + code


def registration_window_message(event: Event, now: datetime) -> str | None:
    """Why the event takes no registrations at ``now``, or None when it does."""
    if event.status is EventStatus.DRAFT:
        return _("Registration has not opened yet.")
    if not event.status.takes_registrations:
        return _("Registration is closed.")
    if event.registration_opens_at and now < event.registration_opens_at:
        return _("Registration has not opened yet.")
    if event.registration_closes_at and now >= event.registration_closes_at:
        return _("Registration is closed.")
    return None


def email_taken(event_id: int, email: str, *, besides: int | None = None) -> bool:
    registration = registration_for_address(event_id, email)
    return registration is not None and registration.id != besides


def _unused_reference() -> str:
    while True:
        reference = new_reference()
        taken = db.session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(Registration.reference == reference)
        )
        if not taken:
            return reference


def _seat_status(event: Event) -> RegistrationStatus:
    if event.approval_required:
        return RegistrationStatus.PENDING
    return RegistrationStatus.CONFIRMED


def register_delegate(
    event: Event,
    details: DelegateDetails,
    *,
    privacy_notice_version: str,
    now: datetime | None = None,
    consent_at: datetime | None = None,
    actor: Actor = audit.DELEGATE,
    note: str = "",
    send_message: bool = True,
) -> NewRegistration:
    """Register a delegate and give them a seat, a waiting-list place or approval.

    Raises RegistrationClosed outside the window, UnknownProgramme for a country
    not taking part, AlreadyRegistered when the e-mail is already registered
    for the event (the unique constraint makes this hold under concurrency).
    ``consent_at`` is when the privacy notice was agreed to (default ``now``).
    An organiser registering a delegation is the ``actor``; without
    ``send_message`` the delegate's message waits until an organiser sends it
    (``invitation_pending``).
    """
    now = now or utcnow()
    programme = _open_programme(event, details, now)
    if email_taken(event.id, details.email):
        raise AlreadyRegistered(str(ALREADY_REGISTERED))

    values = {f.name: getattr(details, f.name) for f in fields(details)}
    del values["country"]
    # All that needs no seat decision comes before the lock: it is held until
    # COMMIT, and every registration for the event waits for it.
    registration = Registration(
        event=event,
        programme=programme,
        reference=_unused_reference(),
        email_normalised=normalise_email(details.email),
        consent_at=consent_at or now,
        privacy_notice_version=privacy_notice_version,
        created_at=now,
        updated_at=now,
        # Set before the INSERT: an UPDATE just after it costs the import
        # a statement per row.
        invitation_pending=not send_message,
        **values,
    )
    token = mint_token(registration)

    event = seats.lock_event(event.id)
    [programme] = seats.lock_programmes(event.id, programme.id)
    seats_now = seats.seat_state(event.id, programme.id)
    if seats_now.newcomer_gets_seat(event, programme):
        registration.status = _seat_status(event)
    else:
        registration.status = RegistrationStatus.WAITLISTED
        # The newest ticket of the event: everyone waiting is ahead.
        registration.waitlist_position = seats_now.highest_ticket + 1
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError as error:
        if email_taken(event.id, details.email):
            raise AlreadyRegistered(str(ALREADY_REGISTERED)) from error
        raise
    audit.record(
        "registered",
        actor,
        registration=registration,
        after=audit.snapshot(registration),
        note=note,
    )
    if send_message:
        # Each status has the message of the same name.
        notify(registration, registration.status.value)
    return NewRegistration(registration, token)


def _open_programme(event: Event, details: DelegateDetails, now: datetime):
    """The delegate's programme, if the event takes registrations for it now."""
    closed = registration_window_message(event, now)
    if closed:
        raise RegistrationClosed(closed)
    programme = event.programme_by_code(details.country)
    if programme is None:
        raise UnknownProgramme(
            _("%(code)s does not take part in this event.", code=details.country)
        )
    return programme


def request_registration(
    event: Event,
    details: DelegateDetails,
    *,
    privacy_notice_version: str,
    now: datetime | None = None,
) -> None:
    """Keep the details and mail a link that confirms the address; no seat yet.

    For events that check addresses (``Event.confirm_email``). Whoever
    submits learns nothing: an address already registered gets its owner
    their link instead, and the caller answers alike either way. Raises
    RegistrationClosed and UnknownProgramme as ``register_delegate`` does.
    """
    now = now or utcnow()
    _open_programme(event, details, now)
    registered = registration_for_address(event.id, details.email)
    if registered is not None:
        notify(registered, "already_registered", with_calendar=False)
        return
    request = RegistrationRequest(
        event=event,
        email_normalised=normalise_email(details.email),
        details=details.as_json(),
        privacy_notice_version=privacy_notice_version,
        created_at=now,
    )
    db.session.add(request)
    db.session.flush()
    notify_address_check(request, details.email)


def confirm_request(
    request: RegistrationRequest, *, now: datetime | None = None
) -> NewRegistration:
    """Register the details of a request whose address is now confirmed.

    The seat is decided now, by the rules of this moment, so seats go in the
    order of confirmation. The request goes (its link works once); an address
    registered meanwhile gets a fresh manage link instead, since whoever has
    the link has the mailbox. Raises RequestExpired after
    ``REQUEST_LIFETIME``, and RegistrationClosed or UnknownProgramme as
    registering would.
    """
    now = now or utcnow()
    if request.created_at <= now - REQUEST_LIFETIME:
        raise RequestExpired(
            _("This confirmation link has expired. Please fill in the form again.")
        )
    db.session.delete(request)
    try:
        return register_delegate(
            request.event,
            DelegateDetails.from_json(request.details),
            privacy_notice_version=request.privacy_notice_version,
            now=now,
            consent_at=request.created_at,
        )
    except AlreadyRegistered:
        registration = registration_for_address(
            request.event_id, request.email_normalised
        )
        if registration is None:  # registered and deleted again meanwhile
            raise RequestExpired(_("Please fill in the form again.")) from None
        return NewRegistration(registration, mint_token(registration))


def expire_requests(now: datetime | None = None) -> int:
    """Delete requests older than ``REQUEST_LIFETIME``, and forget where their
    e-mails went; how many requests went."""
    cutoff = (now or utcnow()) - REQUEST_LIFETIME
    result = db.session.execute(
        delete(RegistrationRequest).where(RegistrationRequest.created_at <= cutoff)
    )
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.kind == "confirm_email",
            OutboxMessage.created_at <= cutoff,
            OutboxMessage.recipient != "",
        )
        .values(recipient="", facts={})
    )
    return result.rowcount


def update_details(
    registration: Registration,
    details: DelegateDetails,
    actor: Actor,
    *,
    note: str = "",
    send_message: bool = True,
) -> bool:
    """Change a registration's details; True when anything changed.

    The country programme stays (moving between quotas is an organiser's
    cancel-and-register). A confirmed delegate gets an updated invitation,
    unless ``send_message`` is off (an import "without e-mail"): then it
    waits for the organisers to send it (``invitation_pending``).
    """
    # Lock the row: an event-wide update may be raising SEQUENCE meanwhile.
    registration = engine.locked(Registration, registration.id)
    refuse_if_archived(registration.event)
    _refuse_if_anonymised(registration)
    before = audit.snapshot(registration)
    old_email = registration.email
    moved = normalise_email(details.email) != registration.email_normalised
    if moved and email_taken(
        registration.event_id, details.email, besides=registration.id
    ):
        raise AlreadyRegistered(str(ADDRESS_TAKEN))
    for f in fields(details):
        if f.name != "country":
            setattr(registration, f.name, getattr(details, f.name))
    registration.email_normalised = normalise_email(details.email)
    old, new = audit.changed(before, audit.snapshot(registration))
    if not new:
        return False
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise AlreadyRegistered(str(ADDRESS_TAKEN)) from error
    registration.sequence += 1
    registration.updated_at = utcnow()
    audit.record(
        "edited", actor, registration=registration, before=old, after=new, note=note
    )
    if moved:
        # The old address hears of it (without a link), in case it was not
        # its owner who moved the registration away.
        notify(
            registration,
            "email_changed",
            recipient=old_email,
            new_email=registration.email,
            with_calendar=False,
        )
    if registration.status == RegistrationStatus.CONFIRMED:
        if send_message:
            notify(registration, "updated")
        else:
            registration.invitation_pending = True
    return True


def _change_status(
    registration: Registration,
    status: RegistrationStatus,
    actor: Actor,
    action: str,
    note: str = "",
) -> None:
    before = audit.snapshot(registration)
    registration.status = status
    if status != RegistrationStatus.WAITLISTED:
        registration.waitlist_position = None
    if status == RegistrationStatus.CANCELLED:
        registration.cancelled_at = utcnow()
    registration.sequence += 1
    registration.updated_at = utcnow()
    old, new = audit.changed(before, audit.snapshot(registration))
    audit.record(
        action, actor, registration=registration, before=old, after=new, note=note
    )


def _locked(registration: Registration) -> Event:
    """Lock the registration's event and programmes, and reload the registration."""
    event = seats.lock_event(registration.event_id)
    seats.lock_programmes(event.id)
    db.session.refresh(registration)
    return event


def promote_waiting(event: Event, actor: Actor = audit.SYSTEM) -> list[Registration]:
    """Give freed seats to the longest-waiting delegates (event lock held)."""
    promoted = []
    while (candidate := seats.next_in_queue(event)) is not None:
        status = _seat_status(event)
        _change_status(candidate, status, actor, "promoted")
        db.session.flush()
        notify(
            candidate,
            "promoted" if status == RegistrationStatus.CONFIRMED else "pending",
        )
        promoted.append(candidate)
    return promoted


def cancel_registration(registration: Registration, actor: Actor) -> None:
    """Cancel; the seat goes to the first in the queue in the same transaction."""
    event = _locked(registration)
    refuse_if_archived(registration.event)
    if registration.status.is_closed:
        raise InvalidTransition(_("This registration is already closed."))
    had_invitation = registration.status == RegistrationStatus.CONFIRMED
    _change_status(registration, RegistrationStatus.CANCELLED, actor, "cancelled")
    db.session.flush()
    notify(registration, "cancelled", with_calendar=had_invitation)
    promote_waiting(event, actor)


def approve_registration(registration: Registration, actor: Actor) -> None:
    """Confirm a pending registration (its seat is already held)."""
    _locked(registration)
    if registration.status != RegistrationStatus.PENDING:
        raise InvalidTransition(_("Only a pending registration can be approved."))
    _change_status(registration, RegistrationStatus.CONFIRMED, actor, "approved")
    notify(registration, "approved")


def reject_registration(registration: Registration, actor: Actor) -> None:
    """Turn down a pending or waiting registration, freeing what it held."""
    event = _locked(registration)
    if not registration.status.can_be_rejected:
        raise InvalidTransition(
            _("Only a pending or waiting registration can be rejected.")
        )
    _change_status(registration, RegistrationStatus.REJECTED, actor, "rejected")
    db.session.flush()
    notify(registration, "rejected")
    promote_waiting(event, actor)


def confirm_from_waitlist(
    registration: Registration, actor: Actor, *, override_quota: bool = False
) -> None:
    """An organiser gives a waiting delegate a seat now.

    Respects the quota and capacity unless ``override_quota`` and the actor
    may override it (admins; the override is recorded).
    """
    event = _locked(registration)
    if registration.status != RegistrationStatus.WAITLISTED:
        raise InvalidTransition(_("Only a waiting registration can be confirmed."))
    fits = seats.has_free_seat(event, registration.programme)
    if not fits and not (override_quota and actor.may_override_quota):
        raise DelegationFull(
            _(
                "%(programme)s has no free seat (or the event is at capacity).",
                programme=programme_name(registration.programme),
            )
        )
    note = "" if fits else "quota overridden"
    _change_status(
        registration, RegistrationStatus.CONFIRMED, actor, "confirmed", note=note
    )
    notify(registration, "promoted")


def set_quota(
    event: Event, country_code: str, quota: int, actor: Actor
) -> list[Registration]:
    """Change one programme's quota; raising it promotes waiting delegates."""
    if quota < 0:
        raise RegistrationError(_("A quota cannot be negative."))
    refuse_if_archived(event)
    event = seats.lock_event(event.id)
    programmes = {p.code: p for p in seats.lock_programmes(event.id)}
    programme = programmes.get(country_code.upper())
    if programme is None:
        raise UnknownProgramme(
            _("%(code)s does not take part in this event.", code=country_code)
        )
    taken = seats.seats_held(event.id, programme.id)
    if quota < taken:
        raise RegistrationError(
            ngettext(
                "%(programme)s already has %(num)d seat taken; "
                "the quota cannot go below %(num)d.",
                "%(programme)s already has %(num)d seats taken; "
                "the quota cannot go below %(num)d.",
                taken,
                programme=programme_name(programme),
            )
        )
    audit.record(
        "quota_changed",
        actor,
        event=event,
        before={programme.code: programme.quota},
        after={programme.code: quota},
    )
    programme.quota = quota
    db.session.flush()
    return promote_waiting(event, actor)


def set_capacity(
    event: Event, capacity: int | None, actor: Actor
) -> list[Registration]:
    """Change the event's total capacity; raising it promotes waiting delegates."""
    if capacity is not None and capacity < 0:
        raise RegistrationError(_("The capacity cannot be negative."))
    refuse_if_archived(event)
    event = seats.lock_event(event.id)
    seats.lock_programmes(event.id)
    taken = seats.seats_held(event.id)
    if capacity is not None and capacity < taken:
        raise RegistrationError(
            ngettext(
                "%(num)d seat is taken; the capacity cannot go below %(num)d.",
                "%(num)d seats are taken; the capacity cannot go below %(num)d.",
                taken,
            )
        )
    audit.record(
        "capacity_changed",
        actor,
        event=event,
        before={"capacity": event.capacity},
        after={"capacity": capacity},
    )
    event.capacity = capacity
    db.session.flush()
    return promote_waiting(event, actor)


def resend_link(event: Event, email: str) -> None:
    """Mail a fresh manage link to the address's registration, if there is one.

    Existing links keep working, so knowing someone's address is not enough
    to break their link. The message is queued whatever the address (the mail
    worker finds the registration, or sends nothing): the request does the
    same work either way, and the caller answers alike.
    """
    notify_lost_link(event, email)


def check_in(registration: Registration, actor: Actor, override: bool = False) -> None:
    """Mark a delegate present at the registration desk; one without a seat
    only when an organiser overrides, knowingly."""
    _refuse_if_anonymised(registration)
    if registration.status != RegistrationStatus.CONFIRMED and not override:
        raise InvalidTransition(_("Only a confirmed delegate can be checked in."))
    if registration.checked_in_at is not None:
        raise InvalidTransition(_("This delegate is already checked in."))
    before = audit.snapshot(registration)
    registration.checked_in_at = utcnow()
    old, new = audit.changed(before, audit.snapshot(registration))
    note = "" if registration.status == RegistrationStatus.CONFIRMED else "override"
    audit.record(
        "checked_in", actor, registration=registration, before=old, after=new, note=note
    )


def registration_by_check_in_code(event: Event, code: str) -> Registration | None:
    """The event's registration whose badge carries ``code``, if any."""
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id, Registration.check_in_code == code
        )
    )


def undo_check_in(registration: Registration, actor: Actor) -> None:
    if registration.checked_in_at is None:
        raise InvalidTransition(_("This delegate is not checked in."))
    before = audit.snapshot(registration)
    registration.checked_in_at = None
    old, new = audit.changed(before, audit.snapshot(registration))
    audit.record(
        "check_in_undone", actor, registration=registration, before=old, after=new
    )


def resend_confirmation(registration: Registration, actor: Actor) -> None:
    """Send the message for the registration's current status again."""
    _refuse_if_anonymised(registration)
    # Each status has the message of the same name.
    kind = registration.status.value
    notify(registration, kind)
    registration.invitation_pending = False
    audit.record("message_resent", actor, registration=registration, note=kind)


def send_pending_invitations(
    event: Event, actor: Actor, only_country: str | None = None
) -> int:
    """Send their message to every delegate imported without one (still
    registered, data kept); how many were sent."""
    statement = select(Registration).where(
        Registration.event_id == event.id,
        Registration.invitation_pending.is_(True),
        Registration.anonymised_at.is_(None),
    )
    if only_country:
        statement = statement.join(Registration.programme).where(
            CountryProgramme.code == only_country
        )
    sent = 0
    for registration in db.session.scalars(statement):
        if registration.status.is_closed:
            registration.invitation_pending = False
            continue
        resend_confirmation(registration, actor)
        sent += 1
    return sent
