"""All models, imported here so Alembic and the app see the whole metadata."""

from app.models.audit import AuditEntry
from app.models.documents import VisaLetter
from app.models.events import (
    CountryProgramme,
    Event,
    EventContact,
    EventStatus,
    EventSupporter,
    ProgrammeSession,
)
from app.models.imports import ImportBatch
from app.models.organisers import (
    LoginFailure,
    Organiser,
    OrganiserSession,
    TeamMember,
)
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
    "EventStatus",
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
    "TeamMember",
    "VisaLetter",
]
