"""All models, imported here so Alembic and the app see the whole metadata."""

from app.models.events import (
    CountryProgramme,
    Event,
    EventContact,
    EventSupporter,
    ProgrammeSession,
)
from app.models.organisers import Organiser
from app.models.registrations import Registration, RegistrationToken

__all__ = [
    "CountryProgramme",
    "Event",
    "EventContact",
    "EventSupporter",
    "Organiser",
    "ProgrammeSession",
    "Registration",
    "RegistrationToken",
]
