"""A delegation import's speed, for ``make bench``: the preview and the
import of a 1,000-row spreadsheet, through the app's own pages (in-process,
with the test client) on the bench database. Prints one JSON line.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import time

from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import OutboxMessage, Registration

ROWS = 1000
# The targets, in seconds.
PREVIEW_SECONDS = 5.0
IMPORT_SECONDS = 15.0
CSRF = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')
PROGRAMMES = ["CN", "CO", "GH", "IN", "ID", "ZA", "VN"]


def spreadsheet() -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["full_name", "email", "country", "organisation", "category"])
    for n in range(ROWS):
        writer.writerow(
            [
                f"Imported Delegate {n}",
                f"imported-{n}@example.org",
                PROGRAMMES[n % len(PROGRAMMES)],
                "SCORE",
                "other",
            ]
        )
    return text.getvalue().encode()


def imported_and_queued() -> tuple[int, int]:
    """How many of the file's delegates are registered, and how many
    messages to them wait in the outbox."""
    imported = Registration.email.like("imported-%")
    registrations = db.session.scalar(select(func.count()).where(imported))
    messages = db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .join(Registration, OutboxMessage.registration_id == Registration.id)
        .where(imported)
    )
    return registrations, messages


def main(slug: str, organiser: str) -> None:
    app = create_app({"RATELIMIT_ENABLED": False})
    client = app.test_client()
    login = client.get("/admin/login").get_data(as_text=True)
    client.post(
        "/admin/login",
        data={
            "email": organiser,
            "password": os.environ["ORGANISER_PASSWORD"],
            "csrf_token": CSRF.search(login).group(1),
        },
    )
    address = f"/admin/events/{slug}/import"
    token = CSRF.search(client.get(address).get_data(as_text=True)).group(1)
    started = time.perf_counter()
    answer = client.post(
        address,
        # "E-mail the delegates now" is on, as the form has it by default.
        data={
            "csrf_token": token,
            "send_email": "y",
            "file": (io.BytesIO(spreadsheet()), "bench.csv"),
        },
        content_type="multipart/form-data",
    )
    if answer.status_code != 303:
        raise SystemExit(f"the upload answered {answer.status_code}")
    preview = client.get(answer.headers["Location"])
    preview_seconds = time.perf_counter() - started
    token = CSRF.search(preview.get_data(as_text=True)).group(1)
    started = time.perf_counter()
    done = client.post(answer.headers["Location"], data={"csrf_token": token})
    import_seconds = time.perf_counter() - started
    if done.status_code != 303:
        raise SystemExit(f"the import answered {done.status_code}")
    with app.app_context():
        imported, queued = imported_and_queued()
    if imported != ROWS or queued != ROWS:
        raise SystemExit(f"{imported} rows registered, {queued} messages queued")
    print(
        json.dumps(
            {
                "rows": ROWS,
                "preview_seconds": preview_seconds,
                "import_seconds": import_seconds,
                "met": preview_seconds < PREVIEW_SECONDS
                and import_seconds < IMPORT_SECONDS,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
