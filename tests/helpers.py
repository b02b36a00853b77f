"""Helpers shared by several test modules."""

from __future__ import annotations

import email
import email.policy
import io
import signal
import subprocess
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import Event, OutboxMessage
from app.services.notifications import compose
from app.services.teams import create_account


def built_message(row: OutboxMessage, *, keep_link: bool = False) -> EmailMessage:
    """The e-mail the mail worker would send for a queued row, as a client
    reads it. Call in an application context.

    Building mints the message's secret link; it is kept (committed, as the
    worker does when it sends) only with ``keep_link``, else rolled back.
    """
    message = compose(db.session.get(OutboxMessage, row.id))
    assert message is not None, f"nobody to send {row.kind} to"
    if keep_link:
        db.session.commit()
    else:
        db.session.rollback()
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def statements_during(app, action) -> list[str]:
    """The SQL statements (their text, without values) that ``action()`` runs."""
    from sqlalchemy import event as sa_event

    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)
    return statements


def every_stored_text(app) -> list[str]:
    """Every text the database holds, in every column of every table; stored
    e-mails (bytes) are read part by part as a mail client decodes them."""
    from sqlalchemy import select

    texts: list[str] = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                for value in row:
                    texts.extend(_texts_in(value))
    return texts


def _texts_in(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict | list):
        import json

        leaves = value.values() if isinstance(value, dict) else value
        return [json.dumps(value), *(t for leaf in leaves for t in _texts_in(leaf))]
    if isinstance(value, bytes | memoryview):
        raw = bytes(value)
        found = [raw.decode("utf-8", "replace")]
        for part in email.message_from_bytes(raw).walk():
            payload = part.get_payload(decode=True)
            if payload:
                found.append(payload.decode("utf-8", "replace"))
        return found
    return []


def deliver(runner) -> str:
    """``flask deliver-mail --once``: it must always exit cleanly."""
    # The command installs a SIGTERM handler; keep pytest's own afterwards.
    previous = signal.getsignal(signal.SIGTERM)
    try:
        result = runner.invoke(args=["deliver-mail", "--once"])
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def received(smtp) -> list[EmailMessage]:
    """What the test SMTP server received, parsed as a mail client would."""
    return [
        email.message_from_bytes(m.content, policy=email.policy.default)
        for m in smtp.messages
    ]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cells_as_excel_splits_them(text: str, separator: str) -> list[str]:
    """The cells of a CSV text as a spreadsheet whose list separator is
    ``separator`` reads them: every double quote toggles quoting, and a
    separator outside quotes ends a cell."""
    cells: list[str] = []
    for line in text.split("\r\n"):
        cell, quoted = "", False
        for char in line:
            if char == '"':
                quoted = not quoted
            elif char == separator and not quoted:
                cells.append(cell)
                cell = ""
            else:
                cell += char
        cells.append(cell)
    return cells


# --- documents: read back as a reader would -------------------------------------


def pdf_pages(body: bytes) -> list[str]:
    """Each page's text as ``pdftotext`` (poppler-utils) reads it, its lines
    and spaces run together (a long name may wrap)."""
    assert body.startswith(b"%PDF-")
    done = subprocess.run(
        ["pdftotext", "-", "-"], input=body, capture_output=True, check=True
    )
    pages = done.stdout.decode("utf-8").split("\f")[:-1]
    return [" ".join(page.split()) for page in pages]


def pdf_text(body: bytes) -> str:
    """The whole PDF's text, as one line."""
    return " ".join(pdf_pages(body))


def first_page_as_png(body: bytes, folder: Path) -> Path:
    """The PDF's first page as ``pdftoppm`` draws it at 150 dpi."""
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", "-", str(folder / "page")],
        input=body,
        check=True,
    )
    return folder / "page.png"


def decoded_qr_codes(picture: Path) -> set[str]:
    """What ``zbarimg`` (zbar-tools) reads in a picture, one text a QR code."""
    done = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(picture)],
        capture_output=True,
        check=True,
    )
    return set(done.stdout.decode("utf-8").split())


def workbook(body: bytes):
    """The only sheet of an Excel workbook, as openpyxl reads it (values
    only: formulas would come back as their text, starting with "=")."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(body))
    assert len(book.worksheets) == 1
    return book.worksheets[0]


def sheet_records(sheet) -> list[dict]:
    """The sheet's rows below its header, as dicts by column name."""
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def add_organiser(
    email: str,
    password: str,
    role: str = "organiser",
    country_code: str | None = None,
    slug: str = "score-bogor-2011",
):
    """An account as ``flask create-organiser`` makes it: an organiser or a
    coordinator joins the team of the event at ``slug`` (the seeded one)
    when it exists; an admin sees every event."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    return create_account(email, password, role, country_code, event=event)
