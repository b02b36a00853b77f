"""The organisers' dashboard: its numbers equal a direct count of the rows, a
coordinator sees only their programme, the charts are accessible inline SVG,
and the page costs the same few SQL statements however many delegates."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from conftest import SLUG, log_in
from seats_helpers import sign_up, the_event
from sqlalchemy import select

from app.extensions import db
from app.models import Registration
from app.models.registrations import CATEGORIES, DIETARY, GENDERS
from app.services import registration as registration_service
from app.services.audit import SYSTEM
from app.services.registration import DelegateDetails, register_delegate
from tests.helpers import add_organiser, statements_during

DASHBOARD = f"/admin/events/{SLUG}/"
_numbers = itertools.count(1)


# --- Building registrations ------------------------------------------------


def delegate(
    country: str = "GH",
    *,
    category: str = "score_team",
    gender: str = "undisclosed",
    dietary: str = "none",
    arrival: date | None = None,
    departure: date | None = None,
    room: bool = False,
    visa: bool = False,
    at: datetime | None = None,
    name: str | None = None,
) -> Registration:
    """Register one delegate through the service and commit, as the view does."""
    number = next(_numbers)
    details = DelegateDetails(
        full_name=name or f"Delegate {number}",
        email=f"dashboard{number}@example.org",
        country=country,
        organisation="SCORE",
        category=category,
        gender=gender,
        dietary=dietary,
        arrival_date=arrival,
        departure_date=departure,
        needs_accommodation=room,
        needs_visa_letter=visa,
    )
    created = register_delegate(
        the_event(), details, privacy_notice_version="1", now=at
    )
    db.session.commit()
    return created.registration


def set_approval_required(required: bool) -> None:
    the_event().approval_required = required
    db.session.commit()


def build_a_mix() -> None:
    """Every status, several programmes, categories, genders, diets and dates."""
    kinds = itertools.cycle(
        [
            ("government", "female", "halal", True, True),
            ("employers", "male", "vegetarian", True, False),
            ("workers", "female", "none", False, True),
            ("ilo", "another", "vegan", True, False),
        ]
    )
    ghana = []
    for n in range(8):  # quota 6: six confirmed, two waitlisted
        category, gender, dietary, room, visa = next(kinds)
        ghana.append(
            delegate(
                "GH",
                category=category,
                gender=gender,
                dietary=dietary,
                arrival=date(2011, 4, 2 + n % 3),
                departure=date(2011, 4, 8 + n % 2) if n != 5 else None,
                room=room,
                visa=visa,
                at=datetime(2011, 2, 27, 10, 0, tzinfo=UTC) + timedelta(days=n),
            )
        )
    # A cancellation gives the first waiting delegate the seat.
    registration_service.cancel_registration(ghana[0], SYSTEM)
    db.session.commit()
    checked_in = delegate(
        "VN", category="partner", gender="male", arrival=date(2011, 4, 3)
    )
    registration_service.check_in(checked_in, SYSTEM)
    db.session.commit()
    set_approval_required(True)
    delegate("IN", category="enterprise", gender="female", visa=True)
    turned_down = delegate("IN", category="other", gender="male", visa=True)
    registration_service.reject_registration(turned_down, SYSTEM)
    db.session.commit()


def all_registrations(country: str | None = None) -> list[SimpleNamespace]:
    """Every registration as plain values, read straight from the table."""
    registrations = db.session.scalars(select(Registration)).all()
    return [
        SimpleNamespace(
            **{c.key: getattr(r, c.key) for c in Registration.__table__.columns},
            programme=SimpleNamespace(code=r.programme.code, name=r.programme.name),
        )
        for r in registrations
        if country is None or r.programme.code == country
    ]


# --- Reading the page --------------------------------------------------------


class PageNumbers(HTMLParser):
    """Tables (by id, as rows of cell texts) and stat cards (dd by data-count)."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.counts: dict[str, str] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._count: str | None = None
        self._count_text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = attrs.get("id", "")
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        if "data-count" in attrs:
            self._count, self._count_text = attrs["data-count"], []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag in ("dd", "strong", "span") and self._count is not None:
            self.counts[self._count] = "".join(self._count_text).strip()
            self._count = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._count is not None:
            self._count_text.append(data)

    def table(self, table_id: str) -> dict[str, list[int]]:
        """Body rows keyed by their first cell, the other cells as numbers."""
        rows = self.tables[table_id][1:]  # without the header row
        return {row[0]: [int(cell) for cell in row[1:]] for row in rows}

    def number(self, name: str) -> int:
        return int(self.counts[name])


def dashboard_numbers(client) -> PageNumbers:
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return PageNumbers(response.get_data(as_text=True))


@pytest.fixture
def ghana_coordinator(app, client, event):
    with app.app_context():
        add_organiser(
            "kofi@example.org",
            "correct horse battery",
            role="coordinator",
            country_code="GH",
        )
        db.session.commit()
    log_in(client, "kofi@example.org", "correct horse battery")
    return client


# --- The numbers ---------------------------------------------------------------


def test_dashboard_numbers_equal_a_direct_count(app, logged_in, event):
    with app.app_context():
        build_a_mix()
        rows = all_registrations()
        programmes = [(p.code, p.name, p.quota) for p in the_event().programmes]
        zone = ZoneInfo(the_event().timezone)

    page = dashboard_numbers(logged_in)

    statuses = Counter(r.status for r in rows)
    assert statuses["cancelled"] == 1  # the mix really has every status
    assert statuses["rejected"] == 1
    assert statuses["pending"] == 1
    assert statuses["waitlisted"] == 1
    for status in ("confirmed", "pending", "waitlisted", "cancelled", "rejected"):
        assert page.number(status) == statuses[status], status
    checked_in = sum(1 for r in rows if r.checked_in_at and r.status == "confirmed")
    assert checked_in == 1
    assert page.number("checked_in") == checked_in
    assert page.number("held") == statuses["confirmed"] + statuses["pending"]
    assert page.number("capacity") == 48

    by_programme = page.table("programmes")
    assert list(by_programme) == [name for _, name, _ in programmes]
    for code, name, quota in programmes:
        mine = Counter(r.status for r in rows if r.programme.code == code)
        held = mine["confirmed"] + mine["pending"]
        assert by_programme[name] == [
            quota,
            mine["confirmed"],
            mine["pending"],
            mine["waitlisted"],
            max(quota - held, 0),
        ], name

    seat_holders = [r for r in rows if r.status in ("confirmed", "pending")]
    for table_id, attribute, labels in (
        ("category", "category", CATEGORIES),
        ("gender", "gender", GENDERS),
    ):
        counted = Counter(getattr(r, attribute) for r in seat_holders)
        shown = page.table(table_id)
        assert shown.pop("Total") == [len(seat_holders)]
        assert shown == {label: [counted[code]] for code, label in labels.items()}

    confirmed = [r for r in rows if r.status == "confirmed"]
    diets = Counter(r.dietary for r in confirmed)
    assert page.table("dietary") == {
        label: [diets[code]] for code, label in DIETARY.items()
    }

    per_day = Counter(r.created_at.astimezone(zone).date() for r in rows)
    shown_days = page.table("per-day")
    assert {day: n for day, (n, _) in shown_days.items() if n} == {
        day.isoformat(): n for day, n in per_day.items()
    }
    assert list(shown_days.values())[-1][1] == len(rows)  # the running total

    arrivals = Counter(r.arrival_date for r in confirmed if r.arrival_date)
    departures = Counter(r.departure_date for r in confirmed if r.departure_date)
    days = page.table("logistics-days")
    assert {d: a for d, (a, _, _) in days.items() if a} == {
        day.isoformat(): n for day, n in arrivals.items()
    }
    assert {d: n for d, (_, n, _) in days.items() if n} == {
        day.isoformat(): n for day, n in departures.items()
    }

    with_rooms = [r for r in confirmed if r.needs_accommodation]
    dated = [r for r in with_rooms if r.arrival_date and r.departure_date]
    assert page.number("needing_rooms") == len(with_rooms)
    assert page.number("rooms_without_dates") == len(with_rooms) - len(dated)
    assert page.number("room_nights") == sum(
        (r.departure_date - r.arrival_date).days for r in dated
    )

    asking = [
        r
        for r in rows
        if r.needs_visa_letter and r.status in ("confirmed", "pending", "waitlisted")
    ]
    assert page.number("visa_letters") == len(asking)
    visa = Counter(r.programme.name for r in asking)
    assert page.table("visa-letters") == {
        name: [visa[name]] for _, name, _ in programmes
    }


def test_room_nights_count_nights_between_known_dates(app, logged_in, event):
    with app.app_context():
        for _ in range(2):  # 3 to 9 April: six nights each
            delegate(arrival=date(2011, 4, 3), departure=date(2011, 4, 9), room=True)
        delegate(arrival=date(2011, 4, 4), departure=date(2011, 4, 6), room=True)
        # Not counted: no room needed, a date missing, not confirmed.
        delegate(arrival=date(2011, 4, 1), departure=date(2011, 4, 9), room=False)
        delegate(arrival=date(2011, 4, 3), departure=None, room=True)
        set_approval_required(True)
        delegate(arrival=date(2011, 4, 1), departure=date(2011, 4, 30), room=True)

    page = dashboard_numbers(logged_in)

    assert page.number("room_nights") == 2 * 6 + 2
    assert page.number("needing_rooms") == 4
    assert page.number("rooms_without_dates") == 1
    rooms = {day: row[2] for day, row in page.table("logistics-days").items()}
    assert rooms == {
        "2011-04-01": 0,
        "2011-04-03": 2,
        "2011-04-04": 3,
        "2011-04-05": 3,
        "2011-04-06": 2,
        "2011-04-07": 2,
        "2011-04-08": 2,
        "2011-04-09": 0,
    }


def test_registrations_are_counted_per_day_in_jakarta(app, logged_in, event):
    with app.app_context():
        # 17:00 UTC is midnight in Jakarta (UTC+7).
        delegate(at=datetime(2011, 3, 1, 16, 59, 59, 999999, tzinfo=UTC))
        delegate(at=datetime(2011, 3, 1, 17, 0, tzinfo=UTC))
        delegate(at=datetime(2011, 3, 2, 16, 0, tzinfo=UTC))
        delegate(at=datetime(2011, 3, 4, 1, 0, tzinfo=UTC))

    page = dashboard_numbers(logged_in)

    assert page.table("per-day") == {
        "2011-03-01": [1, 1],
        "2011-03-02": [2, 3],
        "2011-03-03": [0, 3],
        "2011-03-04": [1, 4],
    }


def test_registrations_per_day_follow_a_zone_with_summer_time(app, logged_in, event):
    with app.app_context():
        the_event().timezone = "Europe/Paris"
        db.session.commit()
        instants = [
            datetime(2011, 3, 26, 23, 30, tzinfo=UTC),  # 00:30 on the 27th (CET)
            datetime(2011, 6, 30, 22, 30, tzinfo=UTC),  # 00:30 on 1 July (CEST)
            datetime(2011, 6, 30, 21, 30, tzinfo=UTC),  # 23:30 on 30 June (CEST)
        ]
        for instant in instants:
            delegate(at=instant)

    days = dashboard_numbers(logged_in).table("per-day")

    page_days = {day: n for day, (n, _) in days.items() if n}
    assert page_days == {"2011-03-27": 1, "2011-06-30": 1, "2011-07-01": 1}


# --- Who sees what ---------------------------------------------------------------


def test_coordinator_sees_only_their_programmes_numbers(app, ghana_coordinator):
    client = ghana_coordinator
    with app.app_context():
        for n in range(3):
            delegate(
                "GH",
                category="government",
                gender="female",
                arrival=date(2011, 4, 3),
                departure=date(2011, 4, 9),
                room=True,
                visa=n == 0,
            )
        # India's delegates differ from Ghana's in every breakdown.
        for _ in range(8):
            delegate(
                "IN",
                category="workers",
                gender="male",
                dietary="vegan",
                arrival=date(2011, 3, 29),
                departure=date(2011, 4, 12),
                room=True,
                visa=True,
                at=datetime(2011, 1, 17, 3, 0, tzinfo=UTC),
                name="Indira Indian-Delegate",
            )
        ghana = all_registrations("GH")

    response = client.get(DASHBOARD)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    page = PageNumbers(body)

    assert "India" not in body
    assert "Indira" not in body
    assert "2011-03-29" not in body and "2011-04-12" not in body
    assert "2011-01-17" not in body
    assert list(page.table("programmes")) == ["Ghana"]
    assert page.table("programmes")["Ghana"] == [6, 3, 0, 0, 3]
    assert page.number("confirmed") == len(ghana) == 3
    assert page.number("waitlisted") == 0
    assert page.number("capacity") == 6  # Ghana's quota, not the event's 48
    assert page.table("category")["Workers' organisation"] == [0]
    assert page.table("category")["Government"] == [3]
    assert page.table("gender")["Male"] == [0]
    assert page.table("dietary")["Vegan"] == [0]
    assert page.number("room_nights") == 3 * 6
    assert page.number("visa_letters") == 1
    assert page.table("visa-letters") == {"Ghana": [1]}
    assert sum(n for n, _ in page.table("per-day").values()) == 3


def test_coordinators_events_list_shows_only_their_programme(app, ghana_coordinator):
    with app.app_context():
        sign_up("GH")
        for _ in range(7):
            sign_up("IN")

    response = ghana_coordinator.get("/admin/")

    body = response.get_data(as_text=True)
    events = PageNumbers(body).tables["events"]
    assert events[0][2:6] == ["Confirmed", "Pending", "Waitlisted", "Quota"]
    [row] = events[1:]
    assert row[2:6] == ["1", "0", "0", "6"]
    assert f'href="{DASHBOARD}"' in body


def test_events_list_shows_headline_numbers_and_links_to_the_dashboard(
    app, logged_in, event
):
    with app.app_context():
        for _ in range(7):
            sign_up("GH")
        set_approval_required(True)
        sign_up("VN")

    response = logged_in.get("/admin/")

    body = response.get_data(as_text=True)
    [row] = PageNumbers(body).tables["events"][1:]
    assert row[0] == "SCORE Global Knowledge Sharing Workshop"
    assert row[2:6] == ["6", "1", "1", "48"]
    assert f'href="{DASHBOARD}"' in body


def test_anonymous_visitor_is_sent_to_login(client, event):
    with client.application.app_context():
        sign_up("GH")

    response = client.get(DASHBOARD)

    assert response.status_code in (302, 303)
    assert urlsplit(response.headers["Location"]).path == "/admin/login"
    assert "Ghana" not in response.get_data(as_text=True)


def test_unknown_event_is_not_found(logged_in):
    assert logged_in.get("/admin/events/no-such-event/").status_code == 404


# --- The charts ----------------------------------------------------------------


SVG = re.compile(r"<svg\b([^>]*)>(.*?)</svg>", re.S)


def test_charts_are_accessible_inline_svg_that_scales(app, logged_in, event):
    with app.app_context():
        delegate("GH", arrival=date(2011, 4, 3), departure=date(2011, 4, 9))
        delegate("CN", visa=True)

    body = logged_in.get(DASHBOARD).get_data(as_text=True)

    charts = SVG.findall(body)
    assert len(charts) >= 8
    for attributes, inside in charts:
        assert 'role="img"' in attributes
        labelled_by = re.search(r'aria-labelledby="([^"]+)"', attributes).group(1)
        for label_id in labelled_by.split():
            assert f'id="{label_id}"' in inside
        assert re.match(r"\s*<title id=\"[^\"]+\">[^<]+</title>", inside)
        assert re.search(r'viewBox="0 0 \d+ \d+"', attributes)
        assert 'width="100%"' in attributes
        assert "<text" in inside  # bars carry text labels
    assert "<script" not in body
    assert not re.search(r'(src|href)="(https?:)?//', body)  # nothing from a CDN
    # Each chart has its numbers in a table too.
    assert body.count("<table") >= 7


def test_programme_chart_labels_each_bar_with_its_numbers(app, logged_in, event):
    with app.app_context():
        for _ in range(8):
            sign_up("GH")

    body = logged_in.get(DASHBOARD).get_data(as_text=True)

    chart = re.search(r'<svg[^>]*id="chart-programmes".*?</svg>', body, re.S).group(0)
    assert ">Ghana</text>" in chart
    assert "6 of 6 seats, 2 waiting" in chart


# --- The cost ------------------------------------------------------------------


def statements_for_dashboard(app, client) -> int:
    responses = []
    statements = statements_during(app, lambda: responses.append(client.get(DASHBOARD)))
    assert responses[0].status_code == 200
    return len(statements)


def test_dashboard_statements_do_not_grow_with_registrations(app, logged_in, event):
    countries = itertools.cycle(["GH", "IN", "VN", "CN", "CO", "ID", "ZA"])
    categories = itertools.cycle(CATEGORIES)
    start = datetime(2011, 2, 1, 9, 0, tzinfo=UTC)

    def add(count: int, offset: int) -> None:
        with app.app_context():
            for n in range(offset, offset + count):
                delegate(
                    next(countries),
                    category=next(categories),
                    arrival=date(2011, 4, 1) + timedelta(days=n % 4),
                    departure=date(2011, 4, 8) + timedelta(days=n % 3),
                    room=n % 2 == 0,
                    visa=n % 3 == 0,
                    at=start + timedelta(days=n, hours=n),
                )

    add(5, 0)
    with_five = statements_for_dashboard(app, logged_in)
    add(35, 5)
    with_forty = statements_for_dashboard(app, logged_in)

    assert with_forty == with_five
    assert with_five <= 8
