"""The organisers' lists (sign-in, rooming, catering, visa letters) and the
public participant list: each page and CSV against a direct query, and each
scoped to what the viewer may see."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from conftest import SLUG, log_in
from sqlalchemy import func, select

from app.exports import spreadsheet_safe
from app.extensions import db
from app.models import CountryProgramme, Event, Registration
from app.services import audit
from app.services.lists import nights, rooming_totals
from app.services.registration import (
    DelegateDetails,
    cancel_registration,
    register_delegate,
)
from tests.helpers import (
    FORMULA_STARTS,
    add_organiser,
    cells_as_excel_splits_them,
    sheet_records,
    workbook,
)

LISTS = f"/admin/events/{SLUG}/lists"
EVENT_DAYS = [date(2011, 4, day) for day in range(4, 9)]
INDIAN_NAME = "Ravindra Quasimodo Indiaonly"
INDIAN_EMAIL = "ravindra.q@example.in"
FORMULA_NAME = '=HYPERLINK("http://evil.example","x")'
PAGES = [
    LISTS,
    f"{LISTS}/sign-in",
    f"{LISTS}/sign-in/GH",
    f"{LISTS}/rooming",
    f"{LISTS}/catering",
    f"{LISTS}/visa-letters",
]
CSVS = [
    f"{LISTS}/sign-in.csv",
    f"{LISTS}/sign-in/GH.csv",
    f"{LISTS}/rooming.csv",
    f"{LISTS}/catering.csv",
    f"{LISTS}/catering-counts.csv",
    f"{LISTS}/visa-letters.csv",
]


# --- helpers ------------------------------------------------------------------


def add_delegate(
    name: str, country: str, *, listed: bool = False, **details
) -> Registration:
    """Register through the service and commit, as the register view does."""
    email = details.pop("email", None) or (
        name.lower().replace(" ", ".").replace('"', "") + "@example.org"
    )
    details.setdefault("organisation", f"{name}'s organisation")
    details.setdefault("category", "enterprise")
    event = db.session.scalar(select(Event).where(Event.slug == SLUG))
    created = register_delegate(
        event,
        DelegateDetails(
            full_name=name,
            email=email,
            country=country,
            listed_publicly=listed,
            **details,
        ),
        privacy_notice_version="1",
    )
    db.session.commit()
    return created.registration


def set_quota(code: str, quota: int) -> None:
    programme = db.session.scalar(
        select(CountryProgramme).where(CountryProgramme.code == code)
    )
    programme.quota = quota
    db.session.commit()


def set_approval_required(required: bool) -> None:
    db.session.scalar(select(Event)).approval_required = required
    db.session.commit()


@pytest.fixture
def cast(app, event):
    """Delegates of every status in Ghana, India, Viet Nam and South Africa.

    Ghana has three seats: Efua cancels, three are confirmed, Ama waits.
    """
    with app.app_context():
        set_quota("GH", 3)
        efua = add_delegate("Efua Cancelled", "GH", needs_visa_letter=True)
        cancel_registration(efua, audit.DELEGATE)
        db.session.commit()
        add_delegate(
            "Kwame Mensah",
            "GH",
            listed=True,
            arrival_date=date(2011, 4, 3),
            departure_date=date(2011, 4, 9),
            needs_accommodation=True,
            dietary="halal",
            needs_visa_letter=True,
            job_title="Trainer",
        )
        add_delegate(
            "abena Osei",
            "GH",
            arrival_date=date(2011, 4, 4),
            departure_date=date(2011, 4, 8),
            needs_accommodation=True,
            dietary="none",
            dietary_detail="Peanut allergy",
        )
        add_delegate("Yaw Boateng", "GH", dietary="vegetarian")
        add_delegate(
            "Ama Waiting",
            "GH",
            listed=True,
            needs_accommodation=True,
            arrival_date=date(2011, 4, 3),
            departure_date=date(2011, 4, 9),
            dietary="vegan",
            needs_visa_letter=True,
        )
        add_delegate(
            INDIAN_NAME,
            "IN",
            email=INDIAN_EMAIL,
            listed=True,
            arrival_date=date(2011, 4, 5),
            departure_date=date(2011, 4, 5),
            needs_accommodation=True,
            dietary="vegetarian",
            dietary_detail="Jain: no root vegetables",
            needs_visa_letter=True,
            organisation="Indiaonly Chamber",
        )
        add_delegate(
            FORMULA_NAME,
            "VN",
            email="formula@example.vn",
            listed=True,
            organisation="@SUM(A1)",
            job_title="-1+2",
            arrival_date=date(2011, 4, 4),
            needs_accommodation=True,
            dietary="other",
            dietary_detail="+no nuts",
            needs_visa_letter=True,
        )
        set_approval_required(True)
        add_delegate("Pending Person", "ZA", needs_visa_letter=True)
        set_approval_required(False)
    return app


def expected(app, *conditions) -> list[tuple[str, str]]:
    """(reference, name) of the registrations matching, sorted by name."""
    with app.app_context():
        rows = db.session.execute(
            select(Registration.reference, Registration.full_name, Registration.id)
            .join(CountryProgramme, Registration.programme_id == CountryProgramme.id)
            .where(*conditions)
        ).all()
    ordered = sorted(rows, key=lambda r: (r.full_name.lower(), r.full_name, r.id))
    return [(r.reference, r.full_name) for r in ordered]


def status_of(app, name: str) -> str:
    with app.app_context():
        return db.session.scalar(
            select(Registration.status).where(Registration.full_name == name)
        )


class TableParser(HTMLParser):
    """Each table's class, caption and body rows (cell texts, unescaped)."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._in_body = False
        self._row: list[str] | None = None
        self._text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append(
                {"class": dict(attrs).get("class", ""), "caption": "", "rows": []}
            )
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = []
        elif tag in ("td", "th", "caption"):
            self._text = []

    def handle_endtag(self, tag):
        if tag == "caption" and self._text is not None:
            self.tables[-1]["caption"] = "".join(self._text).strip()
            self._text = None
        elif tag in ("td", "th") and self._text is not None:
            if self._row is not None:
                self._row.append("".join(self._text).strip())
            self._text = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1]["rows"].append(self._row)
            self._row = None
        elif tag == "tbody":
            self._in_body = False

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def tables(client, url: str, css_class: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, url
    parser = TableParser()
    parser.feed(response.get_data(as_text=True))
    found = [t for t in parser.tables if t["class"] == css_class]
    assert found, f"no table.{css_class} on {url}"
    return found


def table_rows(client, url: str, css_class: str) -> list[list[str]]:
    (table,) = tables(client, url, css_class)
    return table["rows"]


def download(client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.content_type == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


@pytest.fixture
def coordinator(app, client, event):
    """The client, logged in as Ghana's coordinator."""
    with app.app_context():
        add_organiser(
            "ghana@example.org",
            "correct horse battery",
            role="coordinator",
            country_code="GH",
        )
        db.session.commit()
    log_in(client, "ghana@example.org", "correct horse battery")
    return client


# --- the index ----------------------------------------------------------------


def test_index_links_to_every_list_and_its_csv(logged_in, event):
    body = logged_in.get(LISTS).get_data(as_text=True)

    for url in [
        *PAGES[1:],
        *CSVS,
        f"{LISTS}/sign-in/IN",
        f"/events/{SLUG}/participants",
    ]:
        assert f'href="{url}"' in body, url


def test_lists_appear_in_the_event_navigation(logged_in, event):
    body = logged_in.get(f"{LISTS}/rooming").get_data(as_text=True)

    assert f'<a href="{LISTS}">Lists</a>' in body


# --- sign-in sheets -----------------------------------------------------------


def test_sign_in_sheet_is_the_programmes_confirmed_delegates_by_name(cast, logged_in):
    rows = table_rows(logged_in, f"{LISTS}/sign-in/GH", "sign-in")

    confirmed = expected(
        cast, CountryProgramme.code == "GH", Registration.status == "confirmed"
    )
    assert [row[1] for row in rows] == [name for _, name in confirmed]
    assert [row[1] for row in rows] == ["abena Osei", "Kwame Mensah", "Yaw Boateng"]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    # Name, organisation, then an empty box to sign for each of the five days.
    assert all(len(row) == 3 + len(EVENT_DAYS) for row in rows)
    assert all(cell == "" for row in rows for cell in row[3:])


def test_sign_in_sheet_has_a_column_per_day_of_the_event(cast, logged_in):
    body = logged_in.get(f"{LISTS}/sign-in/GH").get_data(as_text=True)

    for day in EVENT_DAYS:
        assert f'<time datetime="{day.isoformat()}">' in body
    assert "Mon 4 Apr" in body
    assert "Fri 8 Apr" in body


def test_sign_in_code_may_be_lower_case(cast, logged_in):
    rows = table_rows(logged_in, f"{LISTS}/sign-in/gh", "sign-in")

    assert len(rows) == 3


@pytest.mark.parametrize("code", ["XX", "G", "GHA"])
def test_sign_in_sheet_of_unknown_programme_is_not_found(logged_in, event, code):
    assert logged_in.get(f"{LISTS}/sign-in/{code}").status_code == 404
    assert logged_in.get(f"{LISTS}/sign-in/{code}.csv").status_code == 404


def test_all_sheets_print_one_programme_per_page(cast, logged_in):
    sheets = tables(logged_in, f"{LISTS}/sign-in", "sign-in")
    body = logged_in.get(f"{LISTS}/sign-in").get_data(as_text=True)

    with cast.app_context():
        names = [p.name for p in db.session.scalar(select(Event)).programmes]
    assert [sheet["caption"].split(" of ", 1)[1] for sheet in sheets] == [
        f"{name}, by name" for name in names
    ]
    assert body.count('<section class="sign-in-sheet"') == len(names)
    # The page break per programme lives in the app's own stylesheet (no
    # inline styles under the Content-Security-Policy).
    assert "<style" not in body
    with logged_in.get("/static/style.css") as css:
        assert ".sign-in-sheet { break-after: page" in css.get_data(as_text=True)
    by_programme = dict(zip(names, sheets, strict=True))
    assert [row[1] for row in by_programme["Ghana"]["rows"]] == [
        "abena Osei",
        "Kwame Mensah",
        "Yaw Boateng",
    ]
    assert [row[1] for row in by_programme["India"]["rows"]] == [INDIAN_NAME]
    # A programme with no one confirmed still gets a blank sheet.
    assert by_programme["Colombia"]["rows"] == [
        ["No confirmed delegate yet."],
    ]


def test_sign_in_csv_matches_the_database(cast, logged_in):
    rows = download(logged_in, f"{LISTS}/sign-in/GH.csv")

    confirmed = expected(
        cast, CountryProgramme.code == "GH", Registration.status == "confirmed"
    )
    assert [(row["reference"], row["full_name"]) for row in rows] == confirmed
    assert {row["country"] for row in rows} == {"GH"}
    assert {row["country_name"] for row in rows} == {"Ghana"}
    signatures = [f"signature_{day.isoformat()}" for day in EVENT_DAYS]
    assert list(rows[0])[-len(signatures) :] == signatures
    assert all(row[column] == "" for row in rows for column in signatures)


def test_sign_in_csv_of_all_programmes_goes_programme_by_programme(cast, logged_in):
    rows = download(logged_in, f"{LISTS}/sign-in.csv")

    with cast.app_context():
        order = [p.code for p in db.session.scalar(select(Event)).programmes]
    assert len(rows) == len(expected(cast, Registration.status == "confirmed"))
    codes = [row["country"] for row in rows]
    assert codes == sorted(codes, key=order.index)
    assert [r["full_name"] for r in rows if r["country"] == "GH"] == [
        "abena Osei",
        "Kwame Mensah",
        "Yaw Boateng",
    ]


# --- rooming ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arrival", "departure", "count"),
    [
        (date(2011, 4, 3), date(2011, 4, 9), 6),
        (date(2011, 4, 4), date(2011, 4, 8), 4),
        (date(2011, 3, 31), date(2011, 4, 2), 2),
        (date(2011, 4, 5), date(2011, 4, 5), 0),
        (date(2011, 4, 5), None, None),
        (None, date(2011, 4, 5), None),
        (None, None, None),
    ],
)
def test_nights_between_arrival_and_departure(arrival, departure, count):
    assert nights(arrival, departure) == count


def test_rooming_totals_count_rooms_per_night(app):
    stays = [
        Registration(arrival_date=date(2011, 4, 3), departure_date=date(2011, 4, 6)),
        Registration(arrival_date=date(2011, 4, 5), departure_date=date(2011, 4, 7)),
        Registration(arrival_date=date(2011, 4, 5), departure_date=date(2011, 4, 5)),
        Registration(arrival_date=date(2011, 4, 5), departure_date=None),
    ]

    totals = rooming_totals(stays)

    assert totals.delegates == 4
    assert totals.room_nights == 3 + 2
    assert totals.without_dates == 1
    assert totals.rooms_per_night == [
        (date(2011, 4, 3), 1),
        (date(2011, 4, 4), 1),
        (date(2011, 4, 5), 2),
        (date(2011, 4, 6), 1),
    ]


def test_rooming_csv_lists_confirmed_delegates_needing_a_room(cast, logged_in):
    rows = download(logged_in, f"{LISTS}/rooming.csv")

    needing = expected(
        cast,
        Registration.status == "confirmed",
        Registration.needs_accommodation.is_(True),
    )
    assert [row["reference"] for row in rows] == [ref for ref, _ in needing]
    by_name = {row["full_name"]: row for row in rows}
    assert set(by_name) == {
        "Kwame Mensah",
        "abena Osei",
        INDIAN_NAME,
        "'" + FORMULA_NAME,
    }
    kwame = by_name["Kwame Mensah"]
    assert (kwame["arrival_date"], kwame["departure_date"]) == (
        "2011-04-03",
        "2011-04-09",
    )
    assert kwame["nights"] == "6"
    assert kwame["country"] == "GH"
    assert kwame["country_name"] == "Ghana"
    assert by_name["abena Osei"]["nights"] == "4"
    assert by_name[INDIAN_NAME]["nights"] == "0"
    assert by_name["'" + FORMULA_NAME]["departure_date"] == ""
    assert by_name["'" + FORMULA_NAME]["nights"] == ""
    # Waitlisted Ama and Yaw (no room needed) are not on the list.
    assert status_of(cast, "Ama Waiting") == "waitlisted"


def test_rooming_page_matches_the_csv_and_totals_the_nights(cast, logged_in):
    rows = table_rows(logged_in, f"{LISTS}/rooming", "rooming")
    per_night = table_rows(logged_in, f"{LISTS}/rooming", "rooms-per-night")
    body = logged_in.get(f"{LISTS}/rooming").get_data(as_text=True)

    csv_rows = download(logged_in, f"{LISTS}/rooming.csv")
    assert [row[5] for row in rows] == [row["reference"] for row in csv_rows]
    assert [row[4] for row in rows] == [row["nights"] or "?" for row in csv_rows]
    abena = next(row for row in rows if row[0] == "abena Osei")
    assert abena[:5] == ["abena Osei", "Ghana", "2011-04-04", "2011-04-08", "4"]
    assert '<dd id="room-nights-total">10</dd>' in body
    assert '<dd id="delegates-total">4</dd>' in body
    assert '<dd id="without-dates">1 ' in body
    assert per_night == [
        ["Sunday, 3 April 2011", "1"],
        ["Monday, 4 April 2011", "2"],
        ["Tuesday, 5 April 2011", "2"],
        ["Wednesday, 6 April 2011", "2"],
        ["Thursday, 7 April 2011", "2"],
        ["Friday, 8 April 2011", "1"],
    ]


# --- catering -----------------------------------------------------------------


def test_catering_counts_equal_a_direct_count(cast, logged_in):
    rows = table_rows(logged_in, f"{LISTS}/catering", "dietary-counts")
    counts = {
        row["dietary"]: row
        for row in download(logged_in, f"{LISTS}/catering-counts.csv")
    }

    with cast.app_context():
        direct = dict(
            db.session.execute(
                select(Registration.dietary, func.count())
                .where(Registration.status == "confirmed")
                .group_by(Registration.dietary)
            ).all()
        )
    assert direct == {"halal": 1, "none": 1, "vegetarian": 2, "other": 1}
    labels = {"none": "None", "vegetarian": "Vegetarian", "vegan": "Vegan"}
    page = {row[0]: int(row[1]) for row in rows}
    for code in ("none", "vegetarian", "vegan", "halal", "no_pork", "other"):
        assert int(counts[code]["delegates"]) == direct.get(code, 0), code
        label = counts[code]["label"]
        assert page[label] == direct.get(code, 0), code
        if code in labels:
            assert label == labels[code]


def test_catering_list_shows_diets_and_allergies_with_details(cast, logged_in):
    rows = table_rows(logged_in, f"{LISTS}/catering", "catering")
    csv_rows = download(logged_in, f"{LISTS}/catering.csv")

    needs = expected(
        cast,
        Registration.status == "confirmed",
        (Registration.dietary != "none") | (Registration.dietary_detail != ""),
    )
    assert [row["reference"] for row in csv_rows] == [ref for ref, _ in needs]
    assert [row[4] for row in rows] == [ref for ref, _ in needs]
    by_name = {row[0]: row for row in rows}
    assert "Yaw Boateng" in by_name
    assert "Ama Waiting" not in by_name  # waitlisted
    assert by_name["abena Osei"][2:4] == ["None", "Peanut allergy"]
    assert by_name[INDIAN_NAME][1:4] == [
        "India",
        "Vegetarian",
        "Jain: no root vegetables",
    ]
    csv_by_name = {row["full_name"]: row for row in csv_rows}
    assert csv_by_name["Kwame Mensah"]["dietary"] == "halal"
    assert csv_by_name["'" + FORMULA_NAME]["dietary_detail"] == "'+no nuts"


# --- visa letters -------------------------------------------------------------


def test_visa_letter_list_has_everyone_who_may_still_come(cast, logged_in):
    csv_rows = download(logged_in, f"{LISTS}/visa-letters.csv")
    rows = table_rows(logged_in, f"{LISTS}/visa-letters", "visa-letters")

    wanted = expected(
        cast,
        Registration.needs_visa_letter.is_(True),
        Registration.status.in_(("confirmed", "pending", "waitlisted")),
    )
    assert [row["reference"] for row in csv_rows] == [ref for ref, _ in wanted]
    assert [row[8] for row in rows] == [ref for ref, _ in wanted]
    statuses = {row["full_name"]: row["status"] for row in csv_rows}
    assert statuses == {
        "Ama Waiting": "waitlisted",
        "Kwame Mensah": "confirmed",
        "Pending Person": "pending",
        INDIAN_NAME: "confirmed",
        "'" + FORMULA_NAME: "confirmed",
    }
    assert status_of(cast, "Efua Cancelled") == "cancelled"
    kwame = next(row for row in rows if row[0] == "Kwame Mensah")
    assert kwame[1:4] + kwame[6:7] == [
        "Ghana",
        "Kwame Mensah's organisation",
        "Trainer",
        "confirmed",
    ]


# --- every CSV ----------------------------------------------------------------


def test_every_csv_is_a_streamed_utf8_attachment_with_bom_and_crlf(cast, logged_in):
    for url in CSVS:
        response = logged_in.get(url)

        assert response.status_code == 200, url
        assert response.is_streamed, url
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;"), url
        assert SLUG in disposition, url
        assert response.headers["Cache-Control"] == "no-store", url
        body = response.get_data()
        assert body.startswith(b"\xef\xbb\xbf"), url
        assert not body.startswith(b"\xef\xbb\xbf" * 2), url
        text = body.decode("utf-8-sig")
        assert text.endswith("\r\n"), url
        assert "\n" not in text.replace("\r\n", ""), url
        assert len(list(csv.reader(io.StringIO(text, newline="")))) > 1, url


def test_no_cell_of_any_list_csv_starts_a_formula(cast, logged_in):
    for url in CSVS:
        if "counts" in url:
            continue
        rows = download(logged_in, url.replace("/GH.csv", "/VN.csv"))

        cells = [cell for row in rows for cell in row.values()]
        assert cells, url
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
        if "catering" not in url:
            assert "'" + FORMULA_NAME in [row["full_name"] for row in rows], url


def test_formulas_are_defused_in_organisation_and_job_title(cast, logged_in):
    (row,) = [
        r
        for r in download(logged_in, f"{LISTS}/visa-letters.csv")
        if r["country"] == "VN"
    ]

    assert row["organisation"] == "'@SUM(A1)"
    assert row["job_title"] == "'-1+2"


def test_script_in_a_name_is_escaped_on_every_page(app, event, logged_in):
    with app.app_context():
        add_delegate(
            "<script>alert(1)</script>",
            "GH",
            email="script@example.org",
            needs_accommodation=True,
            needs_visa_letter=True,
            dietary="vegan",
            listed=True,
        )
    for url in [*PAGES[1:], f"/events/{SLUG}/participants"]:
        body = logged_in.get(url).get_data(as_text=True)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url
        assert "<script>alert(1)" not in body, url


def test_empty_lists_say_so_and_csvs_have_only_a_header(logged_in, event):
    for url, css_class in [
        (f"{LISTS}/rooming", "rooming"),
        (f"{LISTS}/catering", "catering"),
        (f"{LISTS}/visa-letters", "visa-letters"),
    ]:
        (row,) = table_rows(logged_in, url, css_class)
        assert row[0].startswith("No "), url
    for url in CSVS:
        if "counts" not in url:
            assert download(logged_in, url) == [], url


# --- a coordinator's scope ----------------------------------------------------


def test_ghana_coordinator_never_sees_an_indian_delegate(cast, coordinator):
    for url in PAGES + CSVS:
        response = coordinator.get(url)

        assert response.status_code == 200, url
        body = response.get_data().decode("utf-8-sig")
        for other in (INDIAN_NAME, INDIAN_EMAIL, "Indiaonly", "India", "Viet Nam"):
            assert other not in body, (url, other)


def test_ghana_coordinator_sees_ghanaian_delegates(cast, coordinator):
    for url in [
        f"{LISTS}/sign-in/GH",
        f"{LISTS}/sign-in",
        f"{LISTS}/sign-in.csv",
        f"{LISTS}/rooming",
        f"{LISTS}/rooming.csv",
        f"{LISTS}/visa-letters",
        f"{LISTS}/visa-letters.csv",
    ]:
        body = coordinator.get(url).get_data().decode("utf-8-sig")

        assert "Kwame Mensah" in body, url


def test_ghana_coordinator_gets_ghana_only_in_every_csv(cast, coordinator):
    for url in CSVS:
        if "counts" in url:
            continue
        rows = download(coordinator, url)
        assert rows, url
        assert {row["country"] for row in rows} == {"GH"}, url


def test_ghana_coordinator_catering_counts_are_ghanas(cast, coordinator):
    counts = {
        row["dietary"]: int(row["delegates"])
        for row in download(coordinator, f"{LISTS}/catering-counts.csv")
    }

    assert counts == {
        "none": 1,
        "vegetarian": 1,
        "vegan": 0,
        "halal": 1,
        "no_pork": 0,
        "other": 0,
    }


@pytest.mark.parametrize("code", ["IN", "in", "VN"])
def test_ghana_coordinator_cannot_open_another_programmes_sheet(
    cast, coordinator, code
):
    for url in (f"{LISTS}/sign-in/{code}", f"{LISTS}/sign-in/{code}.csv"):
        response = coordinator.get(url)
        assert response.status_code == 404, url
        assert INDIAN_NAME not in response.get_data(as_text=True)


def test_ghana_coordinator_prints_only_ghanas_sheet(cast, coordinator):
    (sheet,) = tables(coordinator, f"{LISTS}/sign-in", "sign-in")

    assert sheet["caption"].endswith("of Ghana, by name")
    assert len(sheet["rows"]) == 3


def test_ghana_coordinator_index_offers_only_ghana(cast, coordinator):
    body = coordinator.get(LISTS).get_data(as_text=True)

    assert f'href="{LISTS}/sign-in/GH"' in body
    assert f'href="{LISTS}/sign-in/IN"' not in body


def test_anonymous_visitor_is_sent_to_login(cast, client):
    for url in [*PAGES, *CSVS, f"{LISTS}/sign-in/IN"]:
        response = client.get(url)

        assert response.status_code in (302, 303), url
        assert urlsplit(response.headers["Location"]).path == "/admin/login", url
        body = response.get_data(as_text=True)
        assert "Kwame Mensah" not in body, url
        assert INDIAN_NAME not in body, url


def test_unknown_event_is_not_found(logged_in, event):
    assert logged_in.get("/admin/events/no-such-event/lists").status_code == 404
    assert (
        logged_in.get("/admin/events/no-such-event/lists/rooming.csv").status_code
        == 404
    )


# --- the public participant list ----------------------------------------------


PARTICIPANTS = f"/events/{SLUG}/participants"


def test_participant_list_shows_only_confirmed_delegates_who_opted_in(cast, client):
    groups = tables(client, PARTICIPANTS, "participants")
    body = client.get(PARTICIPANTS).get_data(as_text=True)

    listed = expected(
        cast,
        Registration.status == "confirmed",
        Registration.listed_publicly.is_(True),
    )
    shown = [row[0] for table in groups for row in table["rows"]]
    assert sorted(shown) == sorted(name for _, name in listed)
    assert sorted(shown) == sorted(["Kwame Mensah", INDIAN_NAME, FORMULA_NAME])
    assert "Ama Waiting" not in body  # opted in, but waitlisted
    assert "abena Osei" not in body  # confirmed, but did not opt in
    assert "Yaw Boateng" not in body


def test_participant_list_is_grouped_by_programme_with_organisations(cast, client):
    groups = tables(client, PARTICIPANTS, "participants")
    body = client.get(PARTICIPANTS).get_data(as_text=True)

    assert [g["caption"] for g in groups] == [
        "Participants from the Ghana programme",
        "Participants from the India programme",
        "Participants from the Viet Nam programme",
    ]
    assert groups[1]["rows"] == [[INDIAN_NAME, "Indiaonly Chamber"]]
    assert '<h2 id="programme-GH">Ghana</h2>' in body
    assert "Colombia" not in body


def test_participant_list_never_shows_contact_details(cast, client):
    body = client.get(PARTICIPANTS).get_data(as_text=True)

    with cast.app_context():
        emails = db.session.scalars(select(Registration.email)).all()
        references = db.session.scalars(select(Registration.reference)).all()
    assert emails
    for secret in [*emails, *references, "@example", "SCR-", "mailto:"]:
        assert secret not in body


def test_participant_list_asks_search_engines_not_to_index_it(cast, client):
    response = client.get(PARTICIPANTS)

    assert response.status_code == 200
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert "<script" not in response.get_data(as_text=True)


def test_participant_list_of_unknown_event_is_not_found(client, event):
    assert client.get("/events/no-such-event/participants").status_code == 404


def test_event_page_links_to_the_participant_list(client, event):
    body = client.get(f"/events/{SLUG}/").get_data(as_text=True)

    assert f'href="{PARTICIPANTS}"' in body


# --- opting in on the registration form ---------------------------------------


def test_registration_form_offers_the_listing_with_a_visible_label(client, event):
    body = client.get(f"/events/{SLUG}/register").get_data(as_text=True)

    assert '<input id="listed_publicly" name="listed_publicly" type="checkbox"' in body
    assert "checked" not in body.split('id="listed_publicly"', 1)[1].split(">", 1)[0]
    assert (
        '<label for="listed_publicly">Show my name, organisation and country '
        "programme in the public participant list</label>"
    ) in body


def test_ticking_the_box_puts_the_delegate_on_the_public_list(app, client, register):
    assert (
        register(
            full_name="Nguyen Opted In", email="in@example.vn", listed_publicly="y"
        ).status_code
        == 303
    )
    assert (
        register(full_name="Le Stayed Out", email="out@example.vn").status_code == 303
    )

    with app.app_context():
        listed = dict(
            db.session.execute(
                select(Registration.full_name, Registration.listed_publicly)
            ).all()
        )
    assert listed == {"Nguyen Opted In": True, "Le Stayed Out": False}
    body = client.get(PARTICIPANTS).get_data(as_text=True)
    assert "Nguyen Opted In" in body
    assert "Le Stayed Out" not in body
    assert "in@example.vn" not in body


def test_no_list_csv_splits_on_a_semicolon_into_a_formula(cast, logged_in, app):
    with app.app_context():
        registration = db.session.scalar(
            select(Registration).where(Registration.full_name == FORMULA_NAME)
        )
        registration.organisation = "x;=cmd|' /C calc'!A0"
        registration.full_name = "y;@SUM(1)"
        db.session.commit()
    for url in CSVS:
        response = logged_in.get(url.replace("/GH.csv", "/VN.csv"))
        text = response.get_data().decode("utf-8-sig")

        cells = cells_as_excel_splits_them(text, ";")

        assert not [c for c in cells if c.startswith(FORMULA_STARTS)], url


# --- the same lists as Excel workbooks ------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def downloaded_workbook(client, url: str):
    answer = client.get(url)
    assert answer.status_code == 200, url
    return workbook(answer.data)


def as_in_csv(value) -> str:
    """A workbook's cell as the CSV writes the same value (a spreadsheet's
    dates are midnights)."""
    if isinstance(value, datetime) and value.time() == time(0):
        value = value.date()
    return spreadsheet_safe(value)


@pytest.mark.parametrize(
    "name",
    ["sign-in", "sign-in/GH", "rooming", "catering", "catering-counts", "visa-letters"],
)
def test_every_list_is_also_a_workbook_with_the_csvs_rows(cast, logged_in, name):
    with logged_in.get(f"{LISTS}/{name}.xlsx") as answer:
        assert answer.status_code == 200
        assert answer.content_type == XLSX
        assert answer.headers["Content-Disposition"].strip('"').endswith(".xlsx")
        sheet = workbook(answer.data)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")
    records = sheet_records(sheet)
    csv_rows = download(logged_in, f"{LISTS}/{name}.csv")
    assert [{k: as_in_csv(v) for k, v in r.items()} for r in records] == csv_rows


def test_workbook_cells_are_values_of_their_own_type(cast, logged_in):
    sheet = downloaded_workbook(logged_in, f"{LISTS}/rooming.xlsx")
    kwame = next(r for r in sheet_records(sheet) if r["full_name"] == "Kwame Mensah")
    assert kwame["arrival_date"] == datetime(2011, 4, 3)  # a date, not text
    assert kwame["nights"] == 6
    assert isinstance(kwame["reference"], str)
    # A name that looks like a formula is text, never a formula.
    catering = downloaded_workbook(logged_in, f"{LISTS}/catering.xlsx")
    cells = [cell for row in catering.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert "+no nuts" in [cell.value for cell in cells]


def test_a_coordinators_workbooks_hold_only_their_programme(cast, coordinator):
    sheet = downloaded_workbook(coordinator, f"{LISTS}/visa-letters.xlsx")
    assert {r["country"] for r in sheet_records(sheet)} == {"GH"}
    assert "passport_number" not in sheet_records(sheet)[0]
