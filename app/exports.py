"""The exports: CSV written as a stream of text chunks, and Excel workbooks.

CSV cells are made safe for spreadsheets: a value that starts with a
character a spreadsheet would read as a formula gets a leading apostrophe,
and every cell is quoted, so that a spreadsheet whose list separator is ";"
(Indonesian, German...) or a tab cannot split a cell into one that starts a
formula. In a workbook every cell is written as what it is (text, a date, a
number, TRUE/FALSE), never as a formula, so no apostrophe is needed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO
from zoneinfo import ZoneInfo

import xlsxwriter

from app.models.documents import visa_letter_state
from app.models.registrations import PASSPORT_FIELDS
from app.services.lists import nights

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


_TRIGGER_CHARACTERS = frozenset(FORMULA_TRIGGERS)  # each one character


def _text_cell(text: str | None) -> str:
    """``spreadsheet_safe`` of a text column, without the checks for other types."""
    if not text:
        return ""
    return "'" + text if text[0] in _TRIGGER_CHARACTERS else text


def _date_cell(day: date | None) -> str:
    return "" if day is None else day.isoformat()


def _yes_no_cell(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _place_cell(place: int | None) -> str:
    return "" if place is None else str(place)


def attendee_record(row, zone: ZoneInfo) -> list[str]:
    """The cells of one attendee, as ``spreadsheet_safe`` writes them.

    ``row`` holds the values of ``ATTENDEE_COLUMNS`` in that order (a row of
    ``stream_attendees``). Each column is converted by its known type and
    the row unpacked by position: the generic ``spreadsheet_safe`` called a
    million times, and a million look-ups by name, were most of the time of
    an export of 50,000 rows.
    """
    (
        reference,
        status,
        full_name,
        email,
        country,
        country_name,
        organisation,
        job_title,
        category,
        gender,
        phone,
        arrival_date,
        departure_date,
        needs_accommodation,
        dietary,
        accessibility,
        needs_visa_letter,
        registered_at,
        dietary_detail,
        waitlist_position,
    ) = row
    text = _text_cell
    return [
        text(reference),
        text(status),
        text(full_name),
        text(email),
        text(country),
        text(country_name),
        text(organisation),
        text(job_title),
        text(category),
        text(gender),
        text(phone),
        _date_cell(arrival_date),
        _date_cell(departure_date),
        _yes_no_cell(needs_accommodation),
        text(dietary),
        text(accessibility),
        _yes_no_cell(needs_visa_letter),
        # Seconds cut off, not rounded: as replace(microsecond=0) did.
        registered_at.astimezone(zone).isoformat(timespec="seconds"),
        text(dietary_detail),
        _place_cell(waitlist_position),
    ]


def attendees_csv(rows: Iterable, timezone: str = "Asia/Jakarta") -> Iterator[str]:
    """CSV text (RFC 4180, CRLF, UTF-8 BOM first) for ``stream_attendees`` rows."""
    zone = ZoneInfo(timezone)
    return csv_text(ATTENDEE_COLUMNS, (attendee_record(row, zone) for row in rows))


def attendees_table(rows: Iterable, timezone: str = "Asia/Jakarta") -> Table:
    """``stream_attendees`` rows as typed values, for a workbook: the
    registration time on the event's clocks (a workbook has no zones)."""
    zone = ZoneInfo(timezone)
    registered_at = ATTENDEE_COLUMNS.index("registered_at")

    def values(row) -> list:
        values = list(row)
        values[registered_at] = row.registered_at.astimezone(zone).replace(
            tzinfo=None, microsecond=0
        )
        return values

    return Table(ATTENDEE_COLUMNS, (values(row) for row in rows))


def csv_text(columns: Iterable[str], records: Iterable[list[str]]) -> Iterator[str]:
    """CSV text (RFC 4180, CRLF, UTF-8 BOM first) of cells made safe already,
    in chunks of ``ROWS_PER_CHUNK`` rows. Every cell is quoted; the column
    names, which are ours, need not be."""
    buffer = io.StringIO()
    buffer.write(BYTE_ORDER_MARK)
    csv.writer(buffer, lineterminator="\r\n").writerow(columns)
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    for count, record in enumerate(records, start=1):
        writer.writerow(record)
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# --- tables: the organisers' lists (rows from app.services.lists) -------------


@dataclass(frozen=True)
class Table:
    """A list's column names and its rows of values (text, dates, numbers,
    booleans, None), written as CSV or as a workbook alike."""

    columns: tuple[str, ...]
    records: Iterable[Sequence]


def table_csv(table: Table) -> Iterator[str]:
    """CSV text (RFC 4180, CRLF, UTF-8 BOM first) of a table."""
    return csv_text(
        table.columns,
        ([spreadsheet_safe(value) for value in record] for record in table.records),
    )


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_xlsx(table: Table, target: BinaryIO, sheet: str) -> None:
    """The table as an Excel workbook of one sheet, written to ``target``.

    Written row by row in xlsxwriter's constant-memory mode (each row goes to
    a temporary file as it is written), so a list of any length takes the
    same memory. The header row is frozen and filtered.
    """
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            # Text is text: never read as a formula, a number or a link.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    worksheet = workbook.add_worksheet(sheet)
    formats = {
        date: workbook.add_format({"num_format": "yyyy-mm-dd"}),
        datetime: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
    }
    worksheet.write_row(0, 0, table.columns, workbook.add_format({"bold": True}))
    last_row = 0
    for last_row, record in enumerate(table.records, start=1):
        for column, value in enumerate(record):
            _write_cell(worksheet, last_row, column, value, formats)
    worksheet.freeze_panes(1, 0)
    worksheet.autofilter(0, 0, last_row, len(table.columns) - 1)
    workbook.close()


def _write_cell(worksheet, row: int, column: int, value, formats: dict) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        worksheet.write_boolean(row, column, value)
    elif isinstance(value, datetime):
        worksheet.write_datetime(row, column, value, formats[datetime])
    elif isinstance(value, date):
        worksheet.write_datetime(row, column, value, formats[date])
    elif isinstance(value, int | float):
        worksheet.write_number(row, column, value)
    else:
        worksheet.write_string(row, column, str(value))


SIGN_IN_COLUMNS = (
    "reference",
    "full_name",
    "country",
    "country_name",
    "organisation",
    "job_title",
)


def sign_in_table(rows: Iterable, days: Iterable[date]) -> Table:
    """The sign-in sheet: one empty signature column per day of the event."""
    days = list(days)
    columns = SIGN_IN_COLUMNS + tuple(f"signature_{day.isoformat()}" for day in days)
    blanks = [""] * len(days)
    return Table(
        columns,
        (
            [r.reference, r.full_name, code, name, r.organisation, r.job_title, *blanks]
            for r, code, name in rows
        ),
    )


ROOMING_COLUMNS = (
    "reference",
    "full_name",
    "country",
    "country_name",
    "arrival_date",
    "departure_date",
    "nights",
)


def rooming_table(rows: Iterable) -> Table:
    """The rooming list; ``nights`` is empty where a travel date is missing."""
    return Table(
        ROOMING_COLUMNS,
        (
            [
                r.reference,
                r.full_name,
                code,
                name,
                r.arrival_date,
                r.departure_date,
                nights(r.arrival_date, r.departure_date),
            ]
            for r, code, name in rows
        ),
    )


CATERING_COLUMNS = (
    "reference",
    "full_name",
    "country",
    "country_name",
    "dietary",
    "dietary_detail",
)


def catering_table(rows: Iterable) -> Table:
    return Table(
        CATERING_COLUMNS,
        (
            [r.reference, r.full_name, code, name, r.dietary, r.dietary_detail]
            for r, code, name in rows
        ),
    )


def dietary_counts_table(counts: dict[str, int], labels: dict[str, str]) -> Table:
    return Table(
        ("dietary", "label", "delegates"),
        ([code, labels.get(code, code), count] for code, count in counts.items()),
    )


VISA_LETTER_COLUMNS = (
    "reference",
    "status",
    "full_name",
    "country",
    "country_name",
    "organisation",
    "job_title",
    "letter_state",
    "letter_reference",
)


def visa_letters_table(rows: Iterable, with_passports: bool = False) -> Table:
    """The visa-letter requests; with the passport details they quote when
    ``with_passports`` (the only export that carries them)."""
    passports = PASSPORT_FIELDS if with_passports else ()
    return Table(
        (*VISA_LETTER_COLUMNS, *passports),
        (
            [
                r.reference,
                r.status,
                r.full_name,
                code,
                name,
                r.organisation,
                r.job_title,
                visa_letter_state(r, letter),
                letter.reference if letter else "",
                *(getattr(r, column) for column in passports),
            ]
            for r, code, name, letter in rows
        ),
    )
