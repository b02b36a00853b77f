"""The PDF documents' speed, for ``make bench``: the 48 badges of a full
workshop and one visa letter, rendered in the app on the bench database.

Run by ``bench/run.py`` with the app's environment; prints one JSON line.
Nothing is stored: the letter is built from an unsaved issue record.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import date

from sqlalchemy import select

from app import create_app, documents
from app.extensions import db
from app.models import Registration, VisaLetter
from app.models.types import utcnow
from app.services.events import event_by_slug
from app.services.visa_letters import letter_contents

BADGES = 48
# The targets, in seconds.
BADGES_SECONDS = 2.0
LETTER_SECONDS = 0.5


def timed(build, repeats: int) -> list[float]:
    """Seconds of each of ``repeats`` builds, after one to warm up (fonts)."""
    build()
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        build()
        seconds.append(time.perf_counter() - started)
    return seconds


def main(slug: str, repeats: int) -> None:
    app = create_app()
    with app.app_context():
        event = event_by_slug(slug)
        delegates = list(
            db.session.scalars(
                select(Registration)
                .where(Registration.event_id == event.id)
                .order_by(Registration.id)
                .limit(BADGES)
            )
        )
        traveller = delegates[0]
        traveller.passport_name = "NGUYEN THI HONG"
        traveller.nationality = "VN"
        traveller.passport_number = "C1234567"
        traveller.passport_expiry = date(2015, 1, 31)
        traveller.date_of_birth = date(1978, 5, 1)
        traveller.visa_embassy = "Embassy of the Republic of Indonesia, Hanoi"
        letter = VisaLetter(
            registration=traveller,
            reference=f"{traveller.reference}-V1",
            verification_code="bench-verification-code",
            details=letter_contents(traveller),
            decided_at=utcnow(),
        )
        badges = timed(lambda: documents.badges_pdf(event, delegates), repeats)
        letters = timed(lambda: documents.visa_letter_pdf(letter), repeats)
        db.session.rollback()
    result = {
        "badges": len(delegates),
        "badges_seconds": statistics.median(badges),
        "letter_seconds": statistics.median(letters),
        "badges_runs": badges,
        "letter_runs": letters,
    }
    result["met"] = (
        result["badges_seconds"] < BADGES_SECONDS
        and result["letter_seconds"] < LETTER_SECONDS
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
