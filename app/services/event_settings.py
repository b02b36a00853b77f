"""Changing an event's settings: details, programme sessions, seats and rules.

Every function runs in the caller's transaction and leaves the commit to it,
so a change, its audit entry and the messages it causes are written together
or not at all. What reaches calendars follows ``ICAL.md``: a change that
shows in a calendar raises the SEQUENCE of what shows it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, date, datetime

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.extensions import db
from app.models import Event, ProgrammeSession, Registration
from app.models.registrations import RegistrationStatus, normalise_email
from app.models.types import json_ready, utcnow
from app.services import Refused, audit, seats
from app.services.audit import Actor
from app.services.notifications import notify
from app.services.registration import RegistrationError, set_capacity, set_quota

# The event's fields that delegates' invitations show (SUMMARY, DTSTART/DTEND,
# LOCATION, DESCRIPTION): changing one sends confirmed delegates an update.
CALENDAR_FIELDS = ("title", "summary", "location", "starts_on", "ends_on")


class SettingsError(Refused):
    """A setting that cannot be saved; ``field`` names the form field to blame."""

    def __init__(self, field: str, message: str):
        super().__init__(message, field)


@dataclass
class EventDetails:
    """The event's descriptive details, as an organiser edits them."""

    title: str
    summary: str
    purpose: str
    background: str
    location: str
    host: str
    starts_on: date
    ends_on: date
    organiser_email: str | None
    programme_is_provisional: bool

    @classmethod
    def of(cls, event: Event) -> EventDetails:
        return cls(**{f.name: getattr(event, f.name) for f in fields(cls)})


def check_dates(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise SettingsError("ends_on", _("The last day cannot be before the first."))


@dataclass(frozen=True)
class DetailsChange:
    """What ``update_event_details`` did: the fields changed, updates queued."""

    changed: tuple[str, ...]
    updates_queued: int


def _plain(values: dict) -> dict:
    return {name: json_ready(value) for name, value in values.items()}


def update_event_details(
    event: Event, details: EventDetails, actor: Actor
) -> DetailsChange:
    """Save the event's details; a calendar change goes to every confirmed delegate.

    When a field in ``CALENDAR_FIELDS`` changes, the event's SEQUENCE grows
    (``event.ics``) and each confirmed registration's SEQUENCE grows with an
    updated invitation (METHOD:REQUEST) queued for it, in this transaction:
    one message per confirmed delegate. Waiting, pending, cancelled and
    rejected delegates hold no invitation and get nothing. Sessions that
    show the event's venue or the provisional note get a higher SEQUENCE
    when those change, so ``agenda.ics`` subscribers see it too.

    Raises SettingsError when the dates are out of order or the organiser
    mailbox is a registered delegate's address (the delegate would be the
    organiser of their own invitation).
    """
    check_dates(details.starts_on, details.ends_on)
    # The event lock keeps registrations from changing status meanwhile, so
    # exactly the delegates confirmed at commit time get the update.
    event = seats.lock_event(event.id)
    _check_organiser_mailbox(event, details.organiser_email)
    _move_sessions(event, details)
    before = _plain(asdict(EventDetails.of(event)))
    for name, value in asdict(details).items():
        setattr(event, name, value)
    old, new = audit.changed(before, _plain(asdict(details)))
    if not new:
        return DetailsChange((), 0)

    _touch_sessions_showing(event, new)
    queued = 0
    if any(name in new for name in CALENDAR_FIELDS):
        event.sequence += 1
        queued = _send_updates(event)
    note = f"update sent to {queued} confirmed delegates" if queued else ""
    audit.record("event_changed", actor, event=event, before=old, after=new, note=note)
    return DetailsChange(tuple(new), queued)


def _move_sessions(event: Event, details: EventDetails) -> None:
    """When the event moves, its programme moves with it, day for day.

    Sessions keep their local times; each moved one gets a higher SEQUENCE.
    Raises SettingsError (changing nothing) when a session would then fall
    outside the new dates, as when the event is shortened.
    """
    shift = details.starts_on - event.starts_on
    zone = event.zone
    moved = []
    for session in event.sessions:
        starts = (session.starts_at.astimezone(zone) + shift).astimezone(UTC)
        ends = (session.ends_at.astimezone(zone) + shift).astimezone(UTC)
        day = starts.astimezone(zone).date()
        if not details.starts_on <= day <= details.ends_on:
            raise SettingsError(
                "ends_on",
                _(
                    "The session “%(title)s” would fall on %(day)s, "
                    "outside the new dates: move or delete it first.",
                    title=session.title,
                    day=format_date(day, "long"),
                ),
            )
        moved.append((session, starts, ends))
    if not shift:
        return
    for session, starts, ends in moved:
        session.starts_at, session.ends_at = starts, ends
        session.sequence += 1


def _check_organiser_mailbox(event: Event, address: str | None) -> None:
    if not address:
        return
    taken = db.session.scalar(
        select(Registration.id).where(
            Registration.event_id == event.id,
            Registration.email_normalised == normalise_email(address),
        )
    )
    if taken is not None:
        raise SettingsError(
            "organiser_email",
            _(
                "A delegate registered with this address; the organiser mailbox "
                "must be another one."
            ),
        )


def _touch_sessions_showing(event: Event, changed: dict) -> None:
    """Raise the SEQUENCE of sessions whose feed entry the change alters."""
    shown = None
    if "programme_is_provisional" in changed:
        shown = ProgrammeSession.event_id == event.id  # every DESCRIPTION
    elif "location" in changed:
        # A session without its own room shows the event's venue.
        shown = (ProgrammeSession.event_id == event.id) & (
            ProgrammeSession.location.is_(None) | (ProgrammeSession.location == "")
        )
    if shown is not None:
        db.session.execute(
            update(ProgrammeSession)
            .where(shown)
            .values(sequence=ProgrammeSession.sequence + 1, updated_at=utcnow())
        )


def _send_updates(event: Event) -> int:
    # Anonymised delegates have nobody to write to (notify sends nothing).
    confirmed = (
        (Registration.event_id == event.id)
        & (Registration.status == RegistrationStatus.CONFIRMED)
        & Registration.anonymised_at.is_(None)
    )
    # One statement, so a concurrent edit cannot lose the increment.
    db.session.execute(
        update(Registration)
        .where(confirmed)
        .values(sequence=Registration.sequence + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    registrations = db.session.scalars(
        select(Registration)
        .where(confirmed)
        .order_by(Registration.id)
        .execution_options(populate_existing=True)
    ).all()
    for registration in registrations:
        notify(registration, "updated")
    return len(registrations)


@dataclass(frozen=True)
class SessionDetails:
    """A programme session as an organiser edits it; instants are UTC-aware."""

    title: str
    description: str
    location: str | None
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def of(cls, session: ProgrammeSession) -> SessionDetails:
        return cls(**{f.name: getattr(session, f.name) for f in fields(cls)})


def _checked(details: SessionDetails) -> SessionDetails:
    """The details with instants in UTC; SettingsError when it ends too soon."""
    details = replace(
        details, starts_at=_utc(details.starts_at), ends_at=_utc(details.ends_at)
    )
    if details.ends_at <= details.starts_at:
        raise SettingsError("ends", _("The session must end after it starts."))
    return details


def add_session(
    event: Event, details: SessionDetails, actor: Actor
) -> ProgrammeSession:
    """Add a session to the programme (it appears in ``agenda.ics``)."""
    details = _checked(details)
    session = ProgrammeSession(event=event, sequence=0, **asdict(details))
    db.session.add(session)
    db.session.flush()
    audit.record(
        "session_added",
        actor,
        event=event,
        after={"session_id": session.id, **_plain(asdict(details))},
    )
    return session


def update_session(
    session: ProgrammeSession, details: SessionDetails, actor: Actor
) -> bool:
    """Change a session; True when anything changed.

    A change raises the session's SEQUENCE so subscribed calendars replace
    their copy instead of ignoring the new one.
    """
    details = _checked(details)
    before = _plain(asdict(SessionDetails.of(session)))
    old, new = audit.changed(before, _plain(asdict(details)))
    if not new:
        return False
    for name, value in asdict(details).items():
        setattr(session, name, value)
    # Incremented by the database, so two organisers saving at once both count.
    session.sequence = ProgrammeSession.sequence + 1
    db.session.flush()
    audit.record(
        "session_changed",
        actor,
        event=session.event,
        before={"session_id": session.id, **old},
        after={"session_id": session.id, **new},
    )
    return True


def delete_session(session: ProgrammeSession, actor: Actor) -> None:
    """Remove a session from the programme.

    ``agenda.ics`` is a PUBLISH feed: the session's VEVENT simply disappears
    from it at the subscriber's next refresh (there is no CANCEL to send).
    The event's ``updated_at`` moves, so the feed's Last-Modified grows even
    when the deleted session was the most recently changed one.
    """
    event = session.event
    before = {"session_id": session.id, **_plain(asdict(SessionDetails.of(session)))}
    db.session.delete(session)
    event.updated_at = utcnow()
    db.session.flush()
    audit.record("session_deleted", actor, event=event, before=before)


def set_seat_limits(
    event: Event, capacity: int | None, quotas: dict[str, int], actor: Actor
) -> list[Registration]:
    """Set the capacity and the programmes' quotas together; the promoted delegates.

    Only the values that differ are changed, each through ``set_capacity`` or
    ``set_quota`` (locks, audit, promotion from the waiting list). Lowered
    limits are applied before raised ones, so seats handed out by a raise
    cannot make a lowering in the same form fail. A value below the seats
    already taken raises SettingsError naming its field (``capacity`` or
    ``quota_<CODE>``); the caller rolls back the whole form.
    """
    event = seats.lock_event(event.id)
    changes = []
    if capacity != event.capacity:
        lowered = capacity is not None and (
            event.capacity is None or capacity < event.capacity
        )
        changes.append((not lowered, "capacity", None, capacity))
    for programme in event.programmes:
        quota = quotas.get(programme.code, programme.quota)
        if quota != programme.quota:
            changes.append(
                (quota > programme.quota, f"quota_{programme.code}", programme, quota)
            )
    promoted: list[Registration] = []
    for _raised, field, programme, value in sorted(changes, key=lambda c: c[0]):
        try:
            if programme is None:
                promoted += set_capacity(event, value, actor)
            else:
                promoted += set_quota(event, programme.code, value, actor)
        except RegistrationError as error:
            raise SettingsError(field, str(error)) from error
    return promoted


def update_registration_rules(
    event: Event,
    *,
    approval_required: bool,
    opens_at: datetime | None,
    closes_at: datetime | None,
    actor: Actor,
    confirm_email: bool | None = None,
) -> bool:
    """Set approval mode, the address check and the registration window; True
    when anything changed (``confirm_email`` None leaves it as it is).

    Switching approval off leaves pending registrations pending: they hold
    their seat already and wait for an organiser. Raises SettingsError when
    the window closes before it opens.
    """
    opens_at, closes_at = _utc(opens_at), _utc(closes_at)
    if opens_at and closes_at and closes_at <= opens_at:
        raise SettingsError("closes_at", _("Registration must close after it opens."))
    event = seats.lock_event(event.id)
    before = _plain({name: getattr(event, name) for name in RULE_FIELDS})
    event.approval_required = approval_required
    if confirm_email is not None:
        event.confirm_email = confirm_email
    event.registration_opens_at = opens_at
    event.registration_closes_at = closes_at
    after = _plain({name: getattr(event, name) for name in RULE_FIELDS})
    old, new = audit.changed(before, after)
    if not new:
        return False
    audit.record(
        "registration_rules_changed", actor, event=event, before=old, after=new
    )
    return True


RULE_FIELDS = (
    "approval_required",
    "confirm_email",
    "registration_opens_at",
    "registration_closes_at",
)


def _utc(instant: datetime | None) -> datetime | None:
    """The instant in UTC, so equal instants compare and audit as equal."""
    if instant is None:
        return None
    if instant.tzinfo is None:
        raise ValueError("naive datetime given where an instant is expected")
    return instant.astimezone(UTC)


# The event's settings that only the visa letter prints.
LETTER_SETTINGS = (
    "letter_address",
    "letter_signatory_name",
    "letter_signatory_title",
    "letter_sponsorship",
)


def update_letter_settings(event: Event, values: dict[str, str], actor: Actor) -> bool:
    """Save the visa letter's settings; True when something changed. Letters
    already issued print the new values the next time they are opened."""
    before = {name: getattr(event, name) for name in LETTER_SETTINGS}
    for name in LETTER_SETTINGS:
        setattr(event, name, values[name])
    old, new = audit.changed(before, {name: values[name] for name in LETTER_SETTINGS})
    if new:
        audit.record(
            "letter_settings_changed", actor, event=event, before=old, after=new
        )
    return bool(new)
