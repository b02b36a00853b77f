"""CSV exports, written as a stream of text chunks.

Cells are made safe for spreadsheets: a value that starts with a character a
spreadsheet would read as a formula gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

ATTENDEE_COLUMNS = (
    "reference",
    "status",
    "full_name",
    "email",
    "country",
    "country_name",
    "organisation",
    "job_title",
    "category",
    "gender",
    "phone",
    "arrival_date",
    "departure_date",
    "needs_accommodation",
    "dietary",
    "accessibility",
    "needs_visa_letter",
    "registered_at",
    "dietary_detail",
    "waitlist_position",
)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
BYTE_ORDER_MARK = "\ufeff"
ROWS_PER_CHUNK = 200


def spreadsheet_safe(value) -> str:
    """The cell text, with formulas defused and values in ISO/plain form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def attendee_record(registration, country_code, country_name, place, zone) -> list:
    return [
        registration.reference,
        registration.status,
        registration.full_name,
        registration.email,
        country_code,
        country_name,
        registration.organisation,
        registration.job_title,
        registration.category,
        registration.gender,
        registration.phone,
        registration.arrival_date,
        registration.departure_date,
        registration.needs_accommodation,
        registration.dietary,
        registration.accessibility,
        registration.needs_visa_letter,
        registration.created_at.astimezone(zone).replace(microsecond=0),
        registration.dietary_detail,
        place,
    ]


def attendees_csv(rows: Iterable, timezone: str = "Asia/Jakarta") -> Iterator[str]:
    """CSV text (RFC 4180, CRLF, UTF-8 BOM first) for attendee-query rows."""
    zone = ZoneInfo(timezone)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BYTE_ORDER_MARK)
    writer.writerow(ATTENDEE_COLUMNS)
    for count, row in enumerate(rows, start=1):
        record = attendee_record(*row, zone)
        writer.writerow([spreadsheet_safe(value) for value in record])
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
