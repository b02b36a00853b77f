"""Column types shared by the models."""

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """An instant stored in UTC and always read back timezone-aware.

    PostgreSQL keeps the zone; SQLite hands back naive values, which are UTC
    because that is all we write.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an instant is expected")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def stored_enum(enum: type[StrEnum], constraint: str, length: int = 20) -> Enum:
    """A StrEnum kept as its values in a VARCHAR, the values checked by a
    constraint of the given name (the same on SQLite and PostgreSQL)."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=True,
        length=length,
        name=constraint,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


def json_ready(value):
    """A value as JSON columns and exports hold it: dates and instants in ISO 8601."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
