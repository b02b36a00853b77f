"""Template filters: dates and times shown in the event's time zone."""

from __future__ import annotations

from datetime import datetime

from app.models.outbox import OutboxStatus
from app.models.registrations import RegistrationStatus


def event_time(instant: datetime, event, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An instant on the event's clocks, with the zone's name:
    ``2011-04-04 09:00 WIB``. The one way pages show a time."""
    local = instant.astimezone(event.zone)
    return f"{local.strftime(fmt)} {local.tzname()}"


def local_time(instant: datetime, event) -> datetime:
    """The instant on the event's clocks, to take apart (its date, its hour)."""
    return instant.astimezone(event.zone)


def field_attrs(field, **extra) -> dict:
    """HTML attributes tying a form field to its hint and error messages."""
    described = []
    if field.description:
        described.append(f"{field.id}-hint")
    if field.errors:
        described.append(f"{field.id}-error")
    attrs = {k: v for k, v in extra.items() if v is not None and v is not False}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return attrs


def init_app(app) -> None:
    app.add_template_global(field_attrs)
    app.add_template_global(RegistrationStatus)
    app.add_template_global(OutboxStatus)
    app.add_template_filter(local_time)
    app.add_template_filter(event_time)
