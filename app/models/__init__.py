"""All models, imported here so Alembic and the app see the whole metadata."""

from app.models.audit import AuditEntry
from app.models.documents import VisaLetter
from app.models.events import (
    CountryProgramme,
    Event,
    EventContact,
    EventSupporter,
    ProgrammeSession,
)
from app.models.imports import ImportBatch
from app.models.organisers import LoginFailure, Organiser, OrganiserSession
from app.models.outbox import OutboxMessage
from app.models.registrations import (
    Registration,
    RegistrationRequest,
    RegistrationToken,
)

__all__ = [
    "AuditEntry",
    "CountryProgramme",
    "Event",
    "EventContact",
    "EventSupporter",
    "ImportBatch",
    "LoginFailure",
    "Organiser",
    "OrganiserSession",
    "OutboxMessage",
    "ProgrammeSession",
    "Registration",
    "RegistrationRequest",
    "RegistrationToken",
    "VisaLetter",
]
