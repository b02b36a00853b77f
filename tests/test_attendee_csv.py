"""The organisers' attendee list: the CSV download and the HTML table."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import SLUG

from app.exports import ROWS_PER_CHUNK, attendees_csv, spreadsheet_safe
from app.extensions import db
from app.models import CountryProgramme, Registration
from app.services import attendees as attendee_service
from app.services import events as event_service
from app.services.registration import DelegateDetails, register_delegate
from tests.helpers import (
    FORMULA_STARTS,
    cells_as_excel_splits_them,
    sheet_records,
    workbook,
)

CSV_URL = f"/admin/events/{SLUG}/attendees.csv"
TABLE_URL = f"/admin/events/{SLUG}/attendees"
REQUIRED_COLUMNS = [
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
]
REFERENCE = re.compile(r"SCR-[2-9A-HJ-NP-Z]{6}")
WIB = timedelta(hours=7)


def download(client, query: str = ""):
    response = client.get(CSV_URL + query)
    assert response.status_code == 200
    return response


def parse(response) -> list[dict[str, str]]:
    text = response.get_data().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def by_email(rows) -> dict[str, dict[str, str]]:
    return {row["email"]: row for row in rows}


def table_references(client, query: str = "") -> set[str]:
    response = client.get(TABLE_URL + query)
    assert response.status_code == 200
    return set(REFERENCE.findall(response.get_data(as_text=True)))


def reference_of(app, email: str) -> str:
    with app.app_context():
        return db.session.scalar(
            db.select(Registration.reference).where(
                Registration.email_normalised == email.lower()
            )
        )


def set_quota(app, code: str, quota: int) -> None:
    with app.app_context():
        programme = db.session.scalar(
            db.select(CountryProgramme).where(CountryProgramme.code == code)
        )
        programme.quota = quota
        db.session.commit()


def registered(register, **overrides) -> None:
    response = register(**overrides)
    assert response.status_code == 303, response.get_data(as_text=True)


# --- the download itself --------------------------------------------------


def test_download_is_a_dated_utf8_csv_attachment(logged_in, register):
    registered(register)

    response = download(logged_in)

    assert response.content_type == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    filename = re.search(r'filename="([^"]+)"', disposition).group(1)
    assert SLUG in filename
    assert date.today().isoformat() in filename
    assert filename.endswith(".csv")
    assert response.headers["Cache-Control"] == "no-store"


def test_csv_starts_with_byte_order_mark_and_required_header(logged_in, register):
    registered(register)

    body = download(logged_in).get_data()

    assert body.startswith(b"\xef\xbb\xbf")
    assert not body.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert header[: len(REQUIRED_COLUMNS)] == REQUIRED_COLUMNS
    assert len(header) == len(set(header))


def test_every_line_ends_with_crlf(logged_in, register):
    registered(register)
    registered(register, email="second@example.org", full_name="Kwame Mensah")

    text = download(logged_in).get_data().decode("utf-8-sig")

    assert text.endswith("\r\n")
    lines = text.split("\r\n")
    assert lines[-1] == ""
    assert len(lines) == 1 + 2 + 1
    assert not any("\n" in line or "\r" in line for line in lines)


def test_row_uses_codes_iso_dates_and_local_registration_time(logged_in, register):
    before = datetime.now(UTC).replace(microsecond=0)
    registered(register)
    after = datetime.now(UTC)

    (row,) = parse(download(logged_in))

    assert REFERENCE.fullmatch(row["reference"])
    assert row["status"] == "confirmed"
    assert row["full_name"] == "Trần Văn Nam"
    assert row["email"] == "nam@example.org"
    assert row["country"] == "VN"
    assert row["country_name"] == "Viet Nam"
    assert row["organisation"] == "SCORE Viet Nam"
    assert row["job_title"] == "Programme officer"
    assert row["category"] == "score_team"
    assert row["gender"] == "male"
    # Stored in E.164, so it starts with "+" and is defused like a formula.
    assert row["phone"] == "'+842437340902"
    assert row["arrival_date"] == "2011-04-03"
    assert row["departure_date"] == "2011-04-09"
    assert row["needs_accommodation"] == "yes"
    assert row["dietary"] == "halal"
    assert row["accessibility"] == ""
    assert row["needs_visa_letter"] == "yes"
    registered_at = datetime.fromisoformat(row["registered_at"])
    assert registered_at.utcoffset() == WIB
    assert row["registered_at"].endswith("+07:00")
    assert before <= registered_at <= after


def test_reference_in_csv_is_the_stored_one(app, logged_in, register):
    registered(register)

    (row,) = parse(download(logged_in))

    assert row["reference"] == reference_of(app, "nam@example.org")


def test_unchecked_boxes_and_empty_dates_come_out_plainly(logged_in, register):
    registered(
        register,
        needs_accommodation=None,
        needs_visa_letter=None,
        arrival_date="",
        departure_date="",
        gender="undisclosed",
        category="employers",
    )

    (row,) = parse(download(logged_in))

    assert row["needs_accommodation"] == "no"
    assert row["needs_visa_letter"] == "no"
    assert row["arrival_date"] == ""
    assert row["departure_date"] == ""
    assert row["gender"] == "undisclosed"
    assert row["category"] == "employers"


def test_vietnamese_and_chinese_names_round_trip_exactly(logged_in, register):
    registered(register, full_name="Trần Văn Nam", email="nam@example.org")
    registered(
        register,
        full_name="张伟",
        email="zhang.wei@example.org",
        country="CN",
        organisation="中国企业联合会",
        phone="+86 10 6532 5091",
    )

    body = download(logged_in).get_data()
    rows = by_email(parse(download(logged_in)))

    assert rows["nam@example.org"]["full_name"] == "Trần Văn Nam"
    assert rows["zhang.wei@example.org"]["full_name"] == "张伟"
    assert rows["zhang.wei@example.org"]["organisation"] == "中国企业联合会"
    assert rows["zhang.wei@example.org"]["country_name"] == "China"
    assert "张伟".encode() in body
    assert "Trần Văn Nam".encode() in body


# --- safety and quoting ---------------------------------------------------


@pytest.mark.parametrize(
    "organisation",
    ['=HYPERLINK("http://x")', "+cmd", "-2+3", "@SUM(A1)"],
)
def test_formula_in_organisation_is_defused(logged_in, register, organisation):
    registered(register, organisation=organisation)

    (row,) = parse(download(logged_in))

    assert row["organisation"] == "'" + organisation


def test_formulas_are_defused_in_every_text_column(logged_in, register):
    registered(
        register,
        full_name="=1+1",
        job_title="@cmd",
        accessibility="-wheelchair\n=second line",
        dietary="other",
        dietary_detail="+no nuts",
    )

    (row,) = parse(download(logged_in))

    assert row["full_name"] == "'=1+1"
    assert row["job_title"] == "'@cmd"
    assert row["accessibility"] == "'-wheelchair\n=second line"
    assert row["dietary_detail"] == "'+no nuts"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("\tSUM(A1)", "'\tSUM(A1)"),
        ("\rSUM(A1)", "'\rSUM(A1)"),
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("a=b", "a=b"),
        ("Trần", "Trần"),
        ("", ""),
        (None, ""),
        (True, "yes"),
        (False, "no"),
        (date(2011, 4, 3), "2011-04-03"),
    ],
)
def test_spreadsheet_safe(value, cell):
    assert spreadsheet_safe(value) == cell


def test_comma_quote_and_newline_round_trip(logged_in, register):
    needs = 'Wheelchair access, please\nA seat near "the door", if possible'
    registered(register, accessibility=needs, organisation='Apindo, "Jakarta"')

    text = download(logged_in).get_data().decode("utf-8-sig")
    (row,) = parse(download(logged_in))

    assert row["accessibility"] == needs
    assert row["organisation"] == 'Apindo, "Jakarta"'
    # RFC 4180: the field is quoted and its quotes doubled.
    assert '"Apindo, ""Jakarta"""' in text
    assert '"Wheelchair access, please\nA seat near ""the door"", if possible"' in text


def test_script_in_name_is_escaped_in_attendee_table(logged_in, register):
    registered(register, full_name="<script>alert(1)</script>")

    body = logged_in.get(TABLE_URL).get_data(as_text=True)

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert(1)" not in body


# --- filters and search ---------------------------------------------------


@pytest.fixture
def delegates(app, logged_in, register):
    """Five delegates; Ghana has one seat, so its second delegate waits."""
    set_quota(app, "GH", 1)
    people = [
        ("Kwame Mensah", "kwame@example.gh", "GH"),
        ("Ama Owusu", "ama.owusu@example.gh", "GH"),
        ("Trần Văn Nam", "nam@example.vn", "VN"),
        ("Siti Rahayu", "siti@apindo.example", "ID"),
        ("Thandiwe Dlamini", "thandi@example.za", "ZA"),
    ]
    for name, email, country in people:
        registered(register, full_name=name, email=email, country=country)
    return {email: reference_of(app, email) for _, email, _ in people}


def test_delegates_fixture_waitlists_the_second_ghanaian(logged_in, delegates):
    rows = by_email(parse(download(logged_in)))

    assert rows["kwame@example.gh"]["status"] == "confirmed"
    assert rows["ama.owusu@example.gh"]["status"] == "waitlisted"
    assert rows["ama.owusu@example.gh"]["waitlist_position"] == "1"
    assert len(rows) == 5


def test_filter_by_country_and_status(logged_in, delegates):
    query = "?country=GH&status=confirmed"

    rows = parse(download(logged_in, query))

    assert [row["email"] for row in rows] == ["kwame@example.gh"]
    assert {row["reference"] for row in rows} == table_references(logged_in, query)
    assert table_references(logged_in, query) == {delegates["kwame@example.gh"]}


def test_filter_by_country_alone_includes_the_waiting_list(logged_in, delegates):
    rows = parse(download(logged_in, "?country=gh"))

    assert {row["email"] for row in rows} == {
        "kwame@example.gh",
        "ama.owusu@example.gh",
    }
    assert all(row["country"] == "GH" for row in rows)
    assert {row["reference"] for row in rows} == table_references(
        logged_in, "?country=GH"
    )


def test_filter_by_waitlisted_status(logged_in, delegates):
    rows = parse(download(logged_in, "?status=waitlisted"))

    assert [row["email"] for row in rows] == ["ama.owusu@example.gh"]


@pytest.mark.parametrize(
    "query", ["?country=XX", "?status=nonsense", "?q=nobody-has-this"]
)
def test_filter_matching_nothing_gives_only_the_header(logged_in, delegates, query):
    response = download(logged_in, query)
    text = response.get_data().decode("utf-8-sig")

    assert parse(response) == []
    assert text.count("\r\n") == 1
    assert text.startswith("reference,status,full_name,")
    assert table_references(logged_in, query) == set()


def test_search_finds_by_reference(logged_in, delegates):
    reference = delegates["siti@apindo.example"]

    for q in (reference, reference.lower()):
        rows = parse(download(logged_in, f"?q={q}"))
        assert [row["reference"] for row in rows] == [reference]
        assert table_references(logged_in, f"?q={q}") == {reference}


def test_search_finds_by_part_of_the_email(logged_in, delegates):
    rows = parse(download(logged_in, "?q=APINDO.exa"))

    assert [row["email"] for row in rows] == ["siti@apindo.example"]


def test_search_finds_by_name_case_insensitively(logged_in, delegates):
    for q in ("thandiwe", "DLAMINI", "kWaMe mEnSaH", "trần"):
        rows = parse(download(logged_in, f"?q={q}"))
        assert len(rows) == 1, q
    assert parse(download(logged_in, "?q=mensah"))[0]["email"] == "kwame@example.gh"


def test_search_treats_like_wildcards_literally(logged_in, delegates):
    assert parse(download(logged_in, "?q=%25")) == []
    assert parse(download(logged_in, "?q=_")) == []


def test_search_folds_case_of_non_ascii_letters(logged_in, register):
    registered(register, full_name="NGUYỄN Thị Ánh", email="anh@example.vn")

    rows = parse(download(logged_in, "?q=nguyễn"))

    assert [row["email"] for row in rows] == ["anh@example.vn"]


# --- streaming --------------------------------------------------------------


def test_large_list_is_streamed_in_chunks(app, event):
    with app.app_context():
        workshop = event_service.event_by_slug(SLUG)
        countries = [p.code for p in workshop.programmes]
        for n in range(450):
            register_delegate(
                workshop,
                DelegateDetails(
                    full_name=f"Delegate {n}",
                    email=f"delegate{n}@example.org",
                    country=countries[n % len(countries)],
                    organisation="SCORE",
                    category="enterprise",
                ),
                privacy_notice_version="1",
            )
        db.session.commit()

        rows = attendee_service.stream_attendees(
            workshop, attendee_service.AttendeeFilters()
        )
        chunks = list(attendees_csv(rows, workshop.timezone))

    assert len(chunks) == -(-450 // ROWS_PER_CHUNK)
    assert len(chunks) > 1
    records = list(csv.reader(io.StringIO("".join(chunks), newline="")))
    assert len(records) == 451
    assert records[0][0] == "\ufeffreference"
    assert {r[3] for r in records[1:]} == {
        f"delegate{n}@example.org" for n in range(450)
    }
    statuses = [r[1] for r in records[1:]]
    assert statuses.count("confirmed") == 7 * 6
    assert statuses.count("waitlisted") == 450 - 7 * 6


def test_download_response_is_streamed(logged_in, register):
    registered(register)

    response = logged_in.get(CSV_URL)

    assert response.is_streamed
    assert len(parse(response)) == 1


@pytest.mark.parametrize("separator", [";", ",", "\t"])
def test_no_list_separator_splits_a_cell_into_a_formula(logged_in, register, separator):
    """A spreadsheet set to Indonesian or German reads ";" as the separator."""
    registered(
        register,
        organisation="x;=cmd|' /C calc'!A0",
        job_title="a,@SUM(1+1)*cmd|' /C calc'!A0",
        accessibility="b\t+cmd|' /C calc'!A0",
    )
    text = download(logged_in).get_data().decode("utf-8-sig")

    cells = cells_as_excel_splits_them(text, separator)

    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    (row,) = parse(download(logged_in))
    assert row["organisation"] == "x;=cmd|' /C calc'!A0"


# --- the same selection as an Excel workbook --------------------------------------

XLSX_URL = f"/admin/events/{SLUG}/attendees.xlsx"


def workbook_records(client, query: str = "") -> list[dict]:
    with client.get(XLSX_URL + query) as answer:
        assert answer.status_code == 200
        assert answer.content_type == (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        sheet = workbook(answer.data)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    return sheet_records(sheet)


@pytest.mark.parametrize("query", ["", "?country=GH", "?status=waitlisted", "?q=siti"])
def test_the_workbook_holds_the_csvs_selection_and_columns(logged_in, delegates, query):
    rows = workbook_records(logged_in, query)
    csv_rows = parse(download(logged_in, query))
    assert rows
    assert [r["reference"] for r in rows] == [r["reference"] for r in csv_rows]
    assert list(rows[0]) == list(csv_rows[0])


def test_workbook_cells_are_dates_booleans_and_text(logged_in, register):
    register(
        full_name='=HYPERLINK("http://evil.example","x")',
        phone="+62 21 3913112",
        arrival_date="2011-04-03",
        needs_accommodation="y",
        needs_visa_letter=None,
    )
    [row] = workbook_records(logged_in)
    assert row["full_name"] == '=HYPERLINK("http://evil.example","x")'  # as text
    assert row["phone"] == "+62213913112"  # text, not a number
    assert row["arrival_date"] == datetime(2011, 4, 3)
    assert row["departure_date"] == datetime(2011, 4, 9)
    assert row["needs_accommodation"] is True
    assert row["needs_visa_letter"] is False
    assert row["country"] == "VN" and row["status"] == "confirmed"
    # On the event's clocks: a workbook has no time zones.
    [csv_row] = parse(download(logged_in))
    local = datetime.fromisoformat(csv_row["registered_at"]).replace(tzinfo=None)
    assert row["registered_at"] == local
