"""No N+1 queries: every page issues as many SQL statements with forty
registrations as with five."""

from __future__ import annotations

import itertools

from conftest import SLUG

from app.extensions import db
from app.services import registration as registration_service
from app.services.audit import SYSTEM
from app.services.events import event_by_slug
from app.services.registration import DelegateDetails, register_delegate
from tests.helpers import statements_during

ADMIN = f"/admin/events/{SLUG}"
# A quota of two makes both small and large groups hold confirmed and
# waiting delegates, so every page shows rows of each kind.
COUNTRIES = ("GH", "VN")
QUOTA = 2
PUBLIC_PAGES = (
    "/",
    f"/events/{SLUG}/register",
    f"/events/{SLUG}/agenda.ics",
    f"/events/{SLUG}/event.ics",
    "/r/{token}",
    "/r/{token}/invite.ics",
)
ORGANISER_PAGES = (
    f"{ADMIN}/",
    f"{ADMIN}/attendees",
    f"{ADMIN}/attendees.csv",
    f"{ADMIN}/registrations/{{waiting_id}}",
    f"{ADMIN}/check-in?q=delegate",
    f"{ADMIN}/lists",
    f"{ADMIN}/lists/sign-in",
    f"{ADMIN}/lists/rooming",
    f"{ADMIN}/lists/catering",
    f"{ADMIN}/lists/visa-letters",
    f"{ADMIN}/log",
    f"{ADMIN}/outbox",
)
_numbers = itertools.count(1)


def add_registrations(app, count: int) -> list:
    """Register ``count`` delegates (confirmed, waiting, some checked in)."""
    created = []
    with app.app_context():
        event = event_by_slug(SLUG)
        for _ in range(count):
            n = next(_numbers)
            created.append(
                register_delegate(
                    event,
                    DelegateDetails(
                        full_name=f"Delegate {n}",
                        email=f"delegate{n}@example.org",
                        country=COUNTRIES[n % len(COUNTRIES)],
                        organisation="SCORE",
                        category="enterprise",
                        needs_accommodation=True,
                        needs_visa_letter=n % 2 == 0,
                        dietary="vegetarian",
                    ),
                    privacy_notice_version="1",
                )
            )
            registration = created[-1].registration
            if registration.status == "confirmed" and n % 2:
                registration_service.check_in(registration, SYSTEM)
            db.session.commit()
        return [(c.token, c.registration.id, c.registration.status) for c in created]


def statements_for(app, client, path: str) -> int:
    responses = []

    def load():
        responses.append(client.get(path))
        responses[0].get_data()  # a streamed CSV runs its queries while read

    statements = statements_during(app, load)
    assert responses[0].status_code == 200, path
    return len(statements)


def test_no_page_issues_more_statements_with_more_registrations(app, event, logged_in):
    with app.app_context():
        workshop = event_by_slug(SLUG)
        for code in COUNTRIES:
            registration_service.set_quota(workshop, code, QUOTA, SYSTEM)
        db.session.commit()
    first = add_registrations(app, 5)
    token = first[0][0]
    waiting_id = next(id_ for _, id_, status in first if status == "waitlisted")
    pages = [
        page.format(token=token, waiting_id=waiting_id)
        for page in PUBLIC_PAGES + ORGANISER_PAGES
    ]

    # The tests keep no public page (NullCache): every page is built afresh.
    with_five = {page: statements_for(app, logged_in, page) for page in pages}
    add_registrations(app, 35)
    with_forty = {page: statements_for(app, logged_in, page) for page in pages}

    grown = {
        page: (with_five[page], with_forty[page])
        for page in pages
        if with_forty[page] > with_five[page]
    }
    assert not grown, f"statements with 5 and with 40 registrations: {grown}"
