"""Reading a delegation's spreadsheet: CSV in the encodings Excel writes, and
XLSX. Pure functions of the uploaded bytes; what the rows mean is
``app.services.imports``'s business.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _

from app.exports import FORMULA_TRIGGERS

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
# An XLSX is a zip: refused when it would unpack to more than this, or
# unpacks a hundred times larger than it is (a zip bomb).
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 100
# Rows read at most, empty ones included (a workbook can claim a million).
MAX_PHYSICAL_ROWS = MAX_ROWS * 2
MAX_COLUMNS = 100
# The longest cell kept: longer than any field the form accepts.
MAX_CELL = 2000
SEPARATORS = ",;\t"
# The key of a record's row number (cells of unnamed columns are dropped).
ROW_NUMBER = ""


class UnreadableFile(Exception):
    """The upload is no spreadsheet we can read; the message says why."""


@dataclass(frozen=True)
class Sheet:
    """The header's column names (trimmed, lower-case) and each row's cells
    by column name: text, or a date, a number or a boolean from a workbook."""

    columns: list[str]
    rows: list[dict]


def read_sheet(data: bytes) -> Sheet:
    """The rows of an uploaded CSV or XLSX file (told apart by their bytes)."""
    if not data.strip():
        raise UnreadableFile(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        return _workbook(data)
    return _csv(_decoded(data))


def _decoded(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode
    text"), else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile(_("The file is not valid UTF-16 text.")) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _csv(text: str) -> Sheet:
    if "\x00" in text:
        raise UnreadableFile(_("This is not a CSV or XLSX file."))
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=SEPARATORS)
        separator = dialect.delimiter
    except csv.Error:
        separator = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        return _sheet(_unguarded(row) for row in reader)
    except csv.Error:
        raise UnreadableFile(
            _("The file has a cell that is far too long, or a quote never closed.")
        ) from None


def _unguarded(row: list[str]) -> list[str]:
    """The cells without the apostrophe our CSV exports put before a cell
    that a spreadsheet would read as a formula: they import back as written."""
    return [
        cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_TRIGGERS else cell
        for cell in row
    ]


def _workbook(data: bytes) -> Sheet:
    import openpyxl  # only for uploads

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
            if "xl/workbook.xml" not in archive.namelist():
                raise UnreadableFile(_("This zip file is not an Excel workbook."))
    except zipfile.BadZipFile:
        raise UnreadableFile(_("This is not a CSV or XLSX file.")) from None
    if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_RATIO * len(data):
        raise UnreadableFile(_("This workbook unpacks to too much data."))
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken workbook
        raise UnreadableFile(_("This Excel workbook cannot be read.")) from None
    try:
        sheet = book.worksheets[0]
        # The size the file claims is not believed: rows are read as found.
        sheet.reset_dimensions()
        return _sheet(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True))
    except UnreadableFile:
        raise
    except Exception:  # a broken sheet shows only while it is read
        raise UnreadableFile(_("This Excel workbook cannot be read.")) from None
    finally:
        book.close()


def _sheet(rows) -> Sheet:
    """The first non-empty row is the header; empty rows are skipped. Each
    record keeps its row number under ``ROW_NUMBER``."""
    header = None
    records = []
    for number, cells in enumerate(rows, start=1):
        if number > MAX_PHYSICAL_ROWS:
            raise UnreadableFile(
                _("The file has more than %(rows)d rows.", rows=MAX_ROWS)
            )
        values = [_cell(value) for value in cells[:MAX_COLUMNS]]
        if not any(value not in ("", None) for value in values):
            continue
        if header is None:
            header = [str(value or "").strip().lower() for value in values]
            continue
        if len(records) == MAX_ROWS:
            raise UnreadableFile(
                _("The file has more than %(rows)d rows.", rows=MAX_ROWS)
            )
        pairs = zip(header, values, strict=False)
        cells = {name: value for name, value in pairs if name}
        records.append({**cells, ROW_NUMBER: number})
    if header is None:
        raise UnreadableFile(_("The file has no header row."))
    return Sheet([name for name in header if name], records)


def _cell(value):
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip()[:MAX_CELL]
    return value


def as_text(value) -> str:
    """A cell as the text a form field would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return str(value)
