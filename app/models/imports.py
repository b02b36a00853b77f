"""A delegation's spreadsheet between its preview and its import."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.events import Event
from app.models.types import UTCDateTime, utcnow

# How long a preview can be imported (and its result and errors read).
IMPORT_LIFETIME = timedelta(hours=1)


class ImportBatch(db.Model):
    """The rows of an uploaded file as the preview judged them, kept for the
    organiser who uploaded it: the import then does what the preview said,
    under the seat rules of that moment. Holds personal data (passport
    details too): deleted an hour after the upload, and with the event's
    purge."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    organiser_id: Mapped[int] = mapped_column(
        ForeignKey("organisers.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    # E-mail each imported delegate their confirmation now, or later.
    send_email: Mapped[bool] = mapped_column(Boolean, default=True)
    # One dict a row (see ``services.imports.PreviewRow``), in file order.
    rows: Mapped[list] = mapped_column(JSON, default=list)
    # Column names of the file that are ignored.
    unknown_columns: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, index=True
    )
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()

    def expired(self, now: datetime) -> bool:
        return self.created_at <= now - IMPORT_LIFETIME
