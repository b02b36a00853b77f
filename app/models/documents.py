"""Documents issued to delegates: visa invitation letters.

A letter is never stored as a file: the row records the decision and the
details it quotes, and the PDF is rebuilt from them whenever it is asked for.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.registrations import Registration, RegistrationStatus
from app.models.types import UTCDateTime, stored_enum, utcnow

# A letter is for a consulate: written in English.
LETTER_LANGUAGE = "en"


class VisaLetterState(StrEnum):
    """Where a delegate's request for a visa letter stands."""

    REQUESTED = "requested"
    ISSUED = "issued"
    REFUSED = "refused"
    # Revoked by an organiser, or the registration lost its seat.
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return VISA_LETTER_STATE_LABELS[self]


VISA_LETTER_STATE_LABELS = {
    # TRANSLATORS: a visa letter asked for, not yet decided.
    VisaLetterState.REQUESTED: _l("requested"),
    VisaLetterState.ISSUED: _l("issued"),
    VisaLetterState.REFUSED: _l("refused"),
    VisaLetterState.WITHDRAWN: _l("withdrawn"),
}


def new_verification_code() -> str:
    """128 random bits, URL-safe: printed on the letter, typed by a consulate."""
    return secrets.token_urlsafe(16)


class VisaLetter(db.Model):
    """An organiser's decision on a request; an issued letter's details.

    Re-issuing (after the passport details changed) withdraws the earlier
    letter and adds a row, so every code ever printed still answers.
    """

    __tablename__ = "visa_letters"
    __table_args__ = (
        # At most one letter of a registration stands at a time, however
        # many organisers decide at once.
        Index(
            "uq_visa_letters_one_issued",
            "registration_id",
            unique=True,
            sqlite_where=text("state = 'issued'"),
            postgresql_where=text("state = 'issued'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    # Issued, refused or withdrawn (REQUESTED is the absence of a row).
    state: Mapped[VisaLetterState] = mapped_column(
        stored_enum(VisaLetterState, "state_known", length=10)
    )
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    verification_code: Mapped[str] = mapped_column(
        String(32), unique=True, default=new_verification_code
    )
    # Everything the letter prints, as it was when issued (the delegate's
    # passport details, the event's texts and the host's settings), so the
    # letter is rebuilt the same whenever it is opened. Passport details are
    # cleared with the rest of the personal data.
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # Why a request was refused: the delegate is told.
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisers.id", ondelete="SET NULL")
    )
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship()

    @property
    def current_state(self) -> VisaLetterState:
        """An issued letter stands only while its delegate holds a seat."""
        if self.state is VisaLetterState.ISSUED and not holds_letter(self.registration):
            return VisaLetterState.WITHDRAWN
        return self.state


def holds_letter(registration: Registration) -> bool:
    """Only a confirmed delegate whose data is kept can hold a letter."""
    return (
        registration.status == RegistrationStatus.CONFIRMED
        and registration.anonymised_at is None
    )


def visa_letter_state(
    registration: Registration, letter: VisaLetter | None
) -> VisaLetterState | None:
    """The state of the registration's request, given its latest letter row;
    None when no letter was ever asked for."""
    if letter is not None:
        return letter.current_state
    return VisaLetterState.REQUESTED if registration.needs_visa_letter else None
