"""A delegation registered from a spreadsheet: previewed row by row, then
imported under exactly the seat rules of the registration form.

The rows are checked by the form's own rules before they get here (see
``app.admin.imports``): each comes as a ``CheckedRow``, with the delegate's
details or the problems found, by column. ``preview`` judges every row against
the seats of the moment and keeps the judgement in an ``ImportBatch``;
``run_import`` registers the good rows in file order, each through
``register_delegate`` (its locks, quotas, capacity, approval and waiting
list), and records what each became.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.models import CountryProgramme, Event, ImportBatch, Organiser, Registration
from app.models.imports import IMPORT_LIFETIME
from app.models.registrations import (
    DELEGATE_FIELDS,
    PASSPORT_FIELDS,
    RegistrationStatus,
)
from app.models.types import json_ready, utcnow
from app.services import Refused, seats
from app.services.audit import Actor
from app.services.links import registration_for_address
from app.services.registration import (
    ALREADY_REGISTERED,
    AlreadyRegistered,
    DelegateDetails,
    register_delegate,
    registration_window_message,
    update_details,
)
from app.services.seats import SeatState


class Outcome(StrEnum):
    """What a row will become (in a preview) or became (after the import)."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    PENDING = "pending"
    UNCHANGED = "unchanged"
    UPDATED = "updated"
    ERROR = "error"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]

    @property
    def imports(self) -> bool:
        """Whether the import does something with the row."""
        return self not in (Outcome.UNCHANGED, Outcome.ERROR)


OUTCOME_LABELS = {
    Outcome.CONFIRMED: _l("new: will be confirmed"),
    Outcome.WAITLISTED: _l("new: will join the waiting list"),
    Outcome.PENDING: _l("new: pending approval"),
    Outcome.UNCHANGED: _l("already registered (unchanged)"),
    Outcome.UPDATED: _l("already registered (will be updated)"),
    Outcome.ERROR: _l("error"),
}
STATUS_OUTCOMES = {
    RegistrationStatus.CONFIRMED: Outcome.CONFIRMED,
    RegistrationStatus.WAITLISTED: Outcome.WAITLISTED,
    RegistrationStatus.PENDING: Outcome.PENDING,
}
# Compared to tell an update from an unchanged row (not the programme:
# moving between quotas is a cancellation and a new registration).
COMPARED_FIELDS = tuple(f for f in DELEGATE_FIELDS if f != "language")


@dataclass
class CheckedRow:
    """A row of the file after the form's checks."""

    number: int  # as the spreadsheet numbers it: the header is row 1
    name: str
    values: dict[str, str]  # the row's cells, as text, by column
    details: DelegateDetails | None = None
    # (column, message) for every problem found.
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class PreviewRow:
    """A row as the preview and the result show it (stored as JSON)."""

    number: int
    name: str
    values: dict[str, str]
    outcome: str
    details: dict | None = None
    errors: list[list[str]] = field(default_factory=list)
    # For a new registration joining the waiting list: its place.
    place: int | None = None
    # For an update: the fields that change.
    changes: list[str] = field(default_factory=list)
    # After the import: what happened, when it differs from the preview.
    result: str | None = None
    result_note: str = ""


class ImportExpired(Refused):
    pass


def preview(
    event: Event,
    organiser: Organiser,
    filename: str,
    rows: list[CheckedRow],
    *,
    unknown_columns: list[str],
    send_email: bool,
    now: datetime | None = None,
) -> ImportBatch:
    """Judge every row against the seats now and keep the judgement for an
    hour. Earlier previews of this organiser for the event are dropped."""
    now = now or utcnow()
    forget_expired(now)
    db.session.execute(
        delete(ImportBatch).where(
            ImportBatch.event_id == event.id, ImportBatch.organiser_id == organiser.id
        )
    )
    seating = _Seating(event, now)
    judged = [asdict(_judge(row, event, seating)) for row in rows]
    batch = ImportBatch(
        event=event,
        organiser_id=organiser.id,
        filename=filename[:255],
        send_email=send_email,
        rows=judged,
        unknown_columns=unknown_columns,
        created_at=now,
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def _judge(row: CheckedRow, event: Event, seating: _Seating) -> PreviewRow:
    judged = PreviewRow(
        number=row.number,
        name=row.name,
        values=row.values,
        outcome=Outcome.ERROR,
        errors=[list(error) for error in row.errors],
    )
    if row.errors or row.details is None:
        return judged
    judged.details = row.details.as_json()
    existing = registration_for_address(event.id, row.details.email)
    if existing is not None:
        problem = _not_updatable(existing, row.details)
        if problem:
            judged.errors = [["email", problem]]
            return judged
        changes = _changes(existing, overlaid(existing, row.details, row.values))
        judged.outcome = Outcome.UPDATED if changes else Outcome.UNCHANGED
        judged.changes = changes
        return judged
    if seating.closed:
        judged.errors = [["", seating.closed]]
        return judged
    status, place = seating.take(row.details.country)
    judged.outcome = STATUS_OUTCOMES[status]
    judged.place = place
    return judged


def _not_updatable(registration: Registration, details: DelegateDetails) -> str:
    """Why a row cannot update the registration of its address, if it cannot.
    Says nothing of the programme another delegation's delegate is in."""
    if registration.programme.code != details.country:
        return str(ALREADY_REGISTERED)
    if registration.status.is_closed or registration.anonymised_at is not None:
        return str(
            _l(
                "this address's registration is cancelled or rejected; register "
                "the delegate with another address, or ask the organisers."
            )
        )
    return ""


def overlaid(
    registration: Registration, details: DelegateDetails, columns
) -> DelegateDetails:
    """The registration's details with only the file's ``columns`` written
    over them: a file without a column leaves that detail as it is."""
    given = set(columns) - {"country"}
    if "needs_visa_letter" in given:
        # Unticked, the form clears the passport details; ticked, it has them.
        given |= set(PASSPORT_FIELDS)
    current = DelegateDetails.of(registration)
    return replace(current, **{name: getattr(details, name) for name in given})


def _changes(registration: Registration, details: DelegateDetails) -> list[str]:
    return [
        name
        for name in COMPARED_FIELDS
        if json_ready(getattr(registration, name)) != json_ready(getattr(details, name))
    ]


@dataclass
class _Programme:
    held: int
    waiting: int


class _Seating:
    """The seats as they are now, taken row by row as the import would, by
    ``SeatState.newcomer_gets_seat`` on running counts."""

    def __init__(self, event: Event, now: datetime):
        self.event = event
        self.closed = registration_window_message(event, now)
        self.held_in_event: int | None = None
        self.programmes: dict[str, _Programme] = {}

    def _programme(self, programme: CountryProgramme) -> _Programme:
        if programme.code not in self.programmes:
            state = seats.seat_state(self.event.id, programme.id)
            if self.held_in_event is None:
                self.held_in_event = state.held_in_event
            waiting = db.session.scalar(
                select(func.count()).where(
                    Registration.programme_id == programme.id,
                    Registration.status == RegistrationStatus.WAITLISTED,
                )
            )
            self.programmes[programme.code] = _Programme(
                state.held_in_programme, waiting
            )
        return self.programmes[programme.code]

    def take(self, code: str) -> tuple[RegistrationStatus, int | None]:
        programme = self.event.programme_by_code(code)
        counts = self._programme(programme)
        now = SeatState(
            held_in_event=self.held_in_event,
            held_in_programme=counts.held,
            anyone_waiting=counts.waiting > 0,
            highest_ticket=0,
        )
        if now.newcomer_gets_seat(self.event, programme):
            counts.held += 1
            self.held_in_event += 1
            if self.event.approval_required:
                return RegistrationStatus.PENDING, None
            return RegistrationStatus.CONFIRMED, None
        counts.waiting += 1
        return RegistrationStatus.WAITLISTED, counts.waiting


def batch_for(
    event: Event, organiser: Organiser, batch_id: int, now: datetime | None = None
) -> ImportBatch | None:
    """The organiser's own preview of the event, if it has not expired."""
    batch = db.session.scalar(
        select(ImportBatch).where(
            ImportBatch.id == batch_id,
            ImportBatch.event_id == event.id,
            ImportBatch.organiser_id == organiser.id,
        )
    )
    if batch is None or batch.expired(now or utcnow()):
        return None
    return batch


def run_import(batch: ImportBatch, actor: Actor, now: datetime | None = None) -> int:
    """Register or update the good rows in file order, as the form would;
    returns how many rows came out otherwise than the preview said.

    One transaction: the event's lock, taken by the first row, is held to
    the end, so the import and the public form take seats one at a time.
    """
    now = now or utcnow()
    # Claimed in one statement: a second POST of the same preview finds it
    # taken, however close behind it comes.
    claimed = db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.imported_at.is_(None))
        .values(imported_at=now)
    ).rowcount
    if not claimed or batch.expired(now):
        raise ImportExpired(str(_l("This preview has already been imported.")))
    batch.imported_at = now
    event = batch.event
    note = f"imported from {batch.filename}"
    rows = []
    differ = 0
    for stored in batch.rows:
        row = dict(stored)
        if Outcome(row["outcome"]).imports:
            result, why = _import_row(event, row, actor, note, batch.send_email, now)
            row.update(result=result, result_note=why)
            differ += result != row["outcome"]
        rows.append(row)
    batch.rows = rows
    return differ


def _import_row(
    event: Event, row: dict, actor: Actor, note: str, send: bool, now: datetime
) -> tuple[str, str]:
    """Register or update one row; what it became, and why if it failed.
    Both services check before they write, and write in a savepoint: a
    refused row leaves nothing behind."""
    details = DelegateDetails.from_json(row["details"])
    try:
        if row["outcome"] in (Outcome.UPDATED, Outcome.UNCHANGED):
            return _update(event, details, row["values"], actor, note, send)
        try:
            created = register_delegate(
                event,
                details,
                privacy_notice_version=event.privacy_notice_version,
                now=now,
                actor=actor,
                note=note,
                send_message=send,
            )
        except AlreadyRegistered:
            # Registered meanwhile, by the form or another import.
            return _update(event, details, row["values"], actor, note, send)
        return STATUS_OUTCOMES[created.registration.status], ""
    except Refused as refusal:
        return Outcome.ERROR, str(refusal)


def _update(
    event: Event, details: DelegateDetails, columns, actor: Actor, note: str, send: bool
) -> tuple[str, str]:
    existing = registration_for_address(event.id, details.email)
    if existing is None:
        return Outcome.ERROR, str(_l("no longer registered"))
    problem = _not_updatable(existing, details)
    if problem:
        return Outcome.ERROR, problem
    changed = update_details(
        existing,
        overlaid(existing, details, columns),
        actor,
        note=note,
        send_message=send,
    )
    return (Outcome.UPDATED if changed else Outcome.UNCHANGED), ""


def forget_expired(now: datetime | None = None) -> int:
    """Delete the previews older than an hour (they hold personal data)."""
    cutoff = (now or utcnow()) - IMPORT_LIFETIME
    return db.session.execute(
        delete(ImportBatch).where(ImportBatch.created_at <= cutoff)
    ).rowcount


def counts(batch: ImportBatch, key: str = "outcome") -> dict[Outcome, int]:
    """How many rows of each outcome (or ``result``), in the outcomes' order."""
    found = {outcome: 0 for outcome in Outcome}
    for row in batch.rows:
        value = row.get(key) or row["outcome"]
        found[Outcome(value)] += 1
    return {outcome: n for outcome, n in found.items() if n}
