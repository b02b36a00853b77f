"""The organisers' downloads: every list as CSV and as an Excel workbook."""

from __future__ import annotations

import io
from datetime import date

from flask import Response, stream_with_context

from app.admin.access import scope_country
from app.admin.blueprint import admin
from app.exports import XLSX_CONTENT_TYPE, Table, table_csv, table_xlsx

SPREADSHEET_KINDS = ("csv", "xlsx")


def spreadsheet_routes(path: str):
    """Route ``path.csv`` and ``path.xlsx`` to the view, as its ``kind``
    (``url_for`` without a kind names the CSV)."""

    def register(view):
        for kind in SPREADSHEET_KINDS:
            admin.get(f"{path}.{kind}", defaults={"kind": kind})(view)
        return view

    return register


def download_name(event, name: str, kind: str) -> str:
    """``<event>-<list>[-<programme>]-<date>.<kind>``, scoped as the viewer is."""
    scope = scope_country()
    scoped = f"-{scope}" if scope else ""
    return f"{event.slug}-{name}{scoped}-{date.today():%Y-%m-%d}.{kind}"


def spreadsheet(event, name: str, table: Table, kind: str) -> Response:
    if kind == "xlsx":
        return workbook_download(table, download_name(event, name, kind), name)
    return csv_download(table_csv(table), download_name(event, name, kind))


def csv_download(chunks, filename: str) -> Response:
    """A CSV attachment, streamed as it is written."""
    return Response(
        stream_with_context(chunks),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def workbook_download(table: Table, filename: str, sheet: str) -> Response:
    """An Excel attachment. A workbook is a zip whose directory comes last,
    so it cannot be streamed while written: its rows go to temporary files
    as they come (constant memory), and the finished, compressed workbook is
    sent from memory (a few MiB for 50,000 rows)."""
    workbook = io.BytesIO()
    table_xlsx(table, workbook, sheet)
    return Response(
        workbook.getvalue(),
        content_type=XLSX_CONTENT_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )
