"""A coordinator registers a delegation from a spreadsheet: every row checked
as the form checks it, previewed against the seats, imported under the same
rules, and safe to upload again."""

from __future__ import annotations

import csv
import io
import os
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
import xlsxwriter
from conftest import CSRF_PATTERN, SLUG, staff_client, valid_registration
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, ImportBatch, OutboxMessage, Registration
from app.services.events import event_by_slug
from app.services.registration import DelegateDetails, register_delegate
from app.services.seats import waitlist_place

ADMIN = f"/admin/events/{SLUG}"
IMPORT = f"{ADMIN}/import"
COLUMNS = ["full_name", "email", "country", "organisation", "category"]


def ghanaians(count: int, start: int = 0) -> list[list[str]]:
    return [
        [f"Ghanaian {n}", f"gh{n}@example.org", "GH", "SCORE Ghana", "employers"]
        for n in range(start, start + count)
    ]


def csv_bytes(rows, columns=COLUMNS, separator=",", encoding="utf-8") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=separator, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def upload(client, data: bytes, filename="delegation.csv", send_email=True):
    """Upload a file; the preview page's address (or the refusal)."""
    page = client.get(IMPORT).get_data(as_text=True)
    form = {"csrf_token": CSRF_PATTERN.search(page).group(1)}
    if send_email:
        form["send_email"] = "y"
    form["file"] = (io.BytesIO(data), filename)
    return client.post(IMPORT, data=form, content_type="multipart/form-data")


def preview_of(client, data: bytes, **options) -> tuple[str, str]:
    answer = upload(client, data, **options)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:2000]
    address = answer.headers["Location"]
    return address, client.get(address).get_data(as_text=True)


def run(client, address: str):
    page = client.get(address).get_data(as_text=True)
    token = CSRF_PATTERN.search(page).group(1)
    answer = client.post(address, data={"csrf_token": token})
    assert answer.status_code == 303
    return client.get(address).get_data(as_text=True)


def statuses(app) -> dict[str, str]:
    with app.app_context():
        return {
            r.email: r.status.value
            for r in db.session.scalars(select(Registration).order_by(Registration.id))
        }


def test_a_delegation_of_twelve_six_seats_five_waiting_one_wrong(app, event):
    coordinator = staff_client(app, "gh@example.org", "coordinator", "GH")
    rows = ghanaians(12)
    rows[6][1] = "gh6@example"  # a typo: no domain
    address, page = preview_of(coordinator, csv_bytes(rows))
    assert "new: will be confirmed: <strong>6</strong>" in page
    assert "new: will join the waiting list: <strong>5</strong>" in page
    assert "error: <strong>1</strong>" in page
    assert "row 8, email:" in page  # the header is row 1
    assert "place 5" in page
    with app.app_context():  # nothing stored yet
        assert db.session.scalar(select(func.count(Registration.id))) == 0

    done = run(coordinator, address)
    assert "Import done" in done
    found = statuses(app)
    assert [found[f"gh{n}@example.org"] for n in range(6)] == ["confirmed"] * 6
    assert {found[f"gh{n}@example.org"] for n in (7, 8, 9, 10, 11)} == {"waitlisted"}
    assert "gh6@example" not in found
    with app.app_context():
        places = [
            waitlist_place(r)
            for r in db.session.scalars(
                select(Registration)
                .where(Registration.status == "waitlisted")
                .order_by(Registration.waitlist_position)
            )
        ]
        assert places == [1, 2, 3, 4, 5]
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "registered").limit(1)
        )
        assert entry.actor == "organiser:gh@example.org"
        assert entry.note == "imported from delegation.csv"
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 11

    # The one row fixed in errors.csv, uploaded again: only it is new.
    errors = coordinator.get(f"{address}/errors.csv").get_data().decode("utf-8-sig")
    [fixed] = list(csv.DictReader(io.StringIO(errors)))
    assert fixed["email"] == "gh6@example" and fixed["error"].startswith("email:")
    fixed["email"] = "gh6@example.org"
    del fixed["error"]
    again, page = preview_of(
        coordinator, csv_bytes([list(fixed.values())], list(fixed))
    )
    assert "new: will join the waiting list: <strong>1</strong>" in page
    run(coordinator, again)
    assert statuses(app)["gh6@example.org"] == "waitlisted"


def test_uploading_the_same_file_twice_registers_nobody_twice(app, event):
    organiser = staff_client(app)
    data = csv_bytes(ghanaians(3))
    run(organiser, preview_of(organiser, data)[0])
    address, page = preview_of(organiser, data)
    assert "already registered (unchanged): <strong>3</strong>" in page
    run(organiser, address)
    with app.app_context():
        assert db.session.scalar(select(func.count(Registration.id))) == 3


def test_a_changed_row_updates_the_registration(app, event):
    organiser = staff_client(app)
    run(organiser, preview_of(organiser, csv_bytes(ghanaians(1)))[0])
    changed = ghanaians(1)
    changed[0][3] = "Ghana Employers' Association"
    address, page = preview_of(organiser, csv_bytes(changed))
    assert "already registered (will be updated): organisation" in page
    run(organiser, address)
    with app.app_context():
        [registration] = db.session.scalars(select(Registration)).all()
        assert registration.organisation == "Ghana Employers' Association"


@pytest.mark.parametrize(
    ("encoding", "separator", "bom"),
    [
        ("utf-8", ",", b"\xef\xbb\xbf"),
        ("utf-16", "\t", b""),  # Excel's "Unicode text" (BOM written by the codec)
        ("cp1252", ";", b""),
        ("utf-8", ";", b""),
    ],
)
def test_files_in_the_encodings_excel_writes(app, event, encoding, separator, bom):
    organiser = staff_client(app)
    rows = [["José Pérez", "jose@example.org", "Colombia", "SCORE Colombia", "other"]]
    data = bom + csv_bytes(rows, separator=separator, encoding=encoding)
    run(organiser, preview_of(organiser, data)[0])
    with app.app_context():
        [registration] = db.session.scalars(select(Registration)).all()
        assert registration.full_name == "José Pérez"
        assert registration.programme.code == "CO"  # the programme's name


def test_a_workbook_with_real_dates_and_a_formula(app, event):
    data = io.BytesIO()
    book = xlsxwriter.Workbook(data, {"in_memory": True})
    sheet = book.add_worksheet()
    columns = [*COLUMNS, "arrival_date", "needs_accommodation", "job_title"]
    sheet.write_row(0, 0, columns)
    sheet.write_row(1, 0, ["Trần Văn Nam", "nam@example.org", "VN", "SCORE VN"])
    sheet.write(1, 4, "score_team")
    sheet.write_datetime(
        1, 5, datetime(2011, 4, 3), book.add_format({"num_format": "d/m/yyyy"})
    )
    sheet.write_boolean(1, 6, True)
    # The cached result differs from what the formula computes: the value
    # stored in the file is what is read, the formula never evaluated.
    sheet.write_formula(1, 7, '=CONCATENATE("Tr","ainer")', None, "Programme officer")
    book.close()
    organiser = staff_client(app)
    run(organiser, preview_of(organiser, data.getvalue(), filename="vn.xlsx")[0])
    with app.app_context():
        [registration] = db.session.scalars(select(Registration)).all()
        assert registration.arrival_date == date(2011, 4, 3)
        assert registration.needs_accommodation is True
        # The formula's stored value, never the formula (nor evaluated anew).
        assert registration.job_title == "Programme officer"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"name,mail\r\nAma,ama@example.org\r\n", "Missing columns: full_name"),
        (b"PK\x03\x04not really a zip", "not a CSV or XLSX file"),
        (b"\x00\x01\x02binary", "not a CSV or XLSX file"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_and_stores_nothing(
    app, event, data, message
):
    organiser = staff_client(app)
    answer = upload(organiser, data)
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(ImportBatch.id))) == 0


def test_every_problem_of_a_row_is_named_by_column(app, event):
    organiser = staff_client(app)
    columns = [*COLUMNS, "needs_accommodation", "arrival_date", "surname"]
    rows = [["", "not-an-address", "XX", "", "royalty", "perhaps", "3 April", "x"]]
    _, page = preview_of(organiser, csv_bytes(rows, columns))
    for column in (
        "full_name",
        "email",
        "country",
        "organisation",
        "category",
        "needs_accommodation",
        "arrival_date",
    ):
        assert f"row 2, {column}:" in page, column
    assert "ignored: surname" in page


def test_a_coordinators_rows_for_another_programme_are_errors(app, event):
    ghana = staff_client(app, "gh@example.org", "coordinator", "GH")
    rows = [*ghanaians(1), ["Ana", "ana@example.org", "CO", "SCORE CO", "other"]]
    address, page = preview_of(ghana, csv_bytes(rows))
    assert "row 3, country: CO is not your programme." in page
    run(ghana, address)
    assert list(statuses(app)) == ["gh0@example.org"]


def test_the_attendee_csv_imports_back_unchanged(app, event):
    organiser = staff_client(app)
    run(organiser, preview_of(organiser, csv_bytes(ghanaians(8)))[0])
    exported = organiser.get(f"{ADMIN}/attendees.csv").get_data()
    address, page = preview_of(organiser, exported)
    assert "already registered (unchanged): <strong>8</strong>" in page
    assert "ignored" not in page
    before = statuses(app)
    run(organiser, address)
    assert statuses(app) == before


def test_without_e_mail_the_invitations_are_sent_later(app, event):
    organiser = staff_client(app)
    run(organiser, preview_of(organiser, csv_bytes(ghanaians(2)), send_email=False)[0])
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    page = organiser.get(f"{ADMIN}/attendees").get_data(as_text=True)
    assert "2 imported delegates have not been sent their confirmation yet" in page
    token = CSRF_PATTERN.search(page).group(1)
    organiser.post(f"{ADMIN}/invitations", data={"csrf_token": token})
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2
    assert "not been sent" not in organiser.get(f"{ADMIN}/attendees").get_data(
        as_text=True
    )


def test_templates_have_the_columns_and_an_example(app, event):
    organiser = staff_client(app)
    text = organiser.get(f"{IMPORT}/template.csv").get_data().decode("utf-8-sig")
    [example] = list(csv.DictReader(io.StringIO(text)))
    assert example["email"] and example["country"] == "GH"
    with organiser.get(f"{IMPORT}/template.xlsx") as workbook:
        assert workbook.status_code == 200
        run(organiser, preview_of(organiser, workbook.data, filename="t.xlsx")[0])
    assert statuses(app) == {example["email"]: "confirmed"}


def test_a_preview_is_the_uploaders_own(app, event):
    organiser = staff_client(app)
    address, _ = preview_of(organiser, csv_bytes(ghanaians(1)))
    other = staff_client(app, "other@example.org")
    assert other.get(address).status_code == 404


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="row locks between connections"
)
def test_an_import_racing_public_registrations_never_overbooks(app, event):
    organiser = staff_client(app)
    address, _ = preview_of(organiser, csv_bytes(ghanaians(6)))
    page = organiser.get(address).get_data(as_text=True)
    token = CSRF_PATTERN.search(page).group(1)
    barrier = threading.Barrier(21)

    def public(n: int) -> None:
        with app.app_context():
            event_row = event_by_slug(SLUG)
            form = valid_registration(email=f"public{n}@example.org", country="GH")
            details = DelegateDetails(
                full_name=form["full_name"],
                email=form["email"],
                country="GH",
                organisation="Public",
                category="other",
            )
            db.session.rollback()  # the pool has 15 connections for 21 threads
            barrier.wait(timeout=30)
            register_delegate(event_row, details, privacy_notice_version="1")
            db.session.commit()

    def imported() -> None:
        barrier.wait(timeout=30)
        organiser.post(address, data={"csrf_token": token})

    with ThreadPoolExecutor(21) as pool:
        jobs = [pool.submit(public, n) for n in range(20)] + [pool.submit(imported)]
        for job in jobs:
            job.result()
    found = statuses(app)
    assert len(found) == 26
    assert list(found.values()).count("confirmed") == 6
    assert list(found.values()).count("waitlisted") == 20


def test_a_file_without_a_column_leaves_that_detail_as_it_is(app, event):
    organiser = staff_client(app)
    columns = [*COLUMNS, "job_title", "phone"]
    rows = [[*ghanaians(1)[0], "Trainer", "+233 30 277 5831"]]
    run(organiser, preview_of(organiser, csv_bytes(rows, columns))[0])
    address, page = preview_of(organiser, csv_bytes(ghanaians(1)))
    assert "already registered (unchanged): <strong>1</strong>" in page
    run(organiser, address)
    with app.app_context():
        [registration] = db.session.scalars(select(Registration)).all()
        assert registration.job_title == "Trainer"
        assert registration.phone == "+233302775831"


def test_a_large_file_is_not_refused_by_the_forms_body_limit(app, event):
    organiser = staff_client(app)
    rows = [
        [f"Delegate {n} " + "x" * 40, f"d{n}@example.org", "GH", "SCORE Ghana", "other"]
        for n in range(1500)
    ]
    data = csv_bytes(rows)
    assert len(data) > 100 * 1024
    _, page = preview_of(organiser, data)
    assert "new: will be confirmed: <strong>6</strong>" in page


@pytest.mark.parametrize(
    "data",
    [
        b"full_name,email\r\n" + b"x" * 200_000 + b",a@example.org\r\n",
        b'full_name,email\r\n"never closed,a@example.org\r\n' + b"y" * 200_000,
    ],
)
def test_a_broken_csv_is_refused_not_a_crash(app, event, data):
    answer = upload(staff_client(app), data)
    assert answer.status_code == 422
    assert "far too long, or a quote never closed" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(ImportBatch.id))) == 0


def test_a_corrupt_workbook_is_refused_not_a_crash(app, event):
    good = io.BytesIO()
    book = xlsxwriter.Workbook(good, {"in_memory": True})
    book.add_worksheet().write_row(0, 0, COLUMNS)
    book.close()
    # The same workbook, its sheet pointing at a shared string that is not there.
    broken = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(good.getvalue())) as source,
        zipfile.ZipFile(broken, "w") as target,
    ):
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = (
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main"><sheetData><row r="1">'
                    b'<c r="A1" t="s"><v>99</v></c></row></sheetData></worksheet>'
                )
            target.writestr(item, content)
    answer = upload(staff_client(app), broken.getvalue(), filename="broken.xlsx")
    assert answer.status_code == 422
    assert "This Excel workbook cannot be read." in answer.get_data(as_text=True)


def test_a_closed_registration_previews_new_rows_as_errors(app, event):
    with app.app_context():
        event_by_slug(SLUG).registration_closes_at = datetime(2011, 3, 1, tzinfo=UTC)
        db.session.commit()
    _, page = preview_of(staff_client(app), csv_bytes(ghanaians(2)))
    assert "error: <strong>2</strong>" in page
    assert "Registration is closed." in page


def test_without_e_mail_an_update_waits_too(app, event):
    organiser = staff_client(app)
    run(organiser, preview_of(organiser, csv_bytes(ghanaians(1)), send_email=False)[0])
    changed = ghanaians(1)
    changed[0][3] = "Ghana Employers' Association"
    run(organiser, preview_of(organiser, csv_bytes(changed), send_email=False)[0])
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
        [registration] = db.session.scalars(select(Registration)).all()
        assert registration.invitation_pending


def test_a_preview_is_imported_once(app, event):
    organiser = staff_client(app)
    address, page = preview_of(organiser, csv_bytes(ghanaians(2)))
    token = CSRF_PATTERN.search(page).group(1)
    organiser.post(address, data={"csrf_token": token})
    again = organiser.post(address, data={"csrf_token": token})
    assert again.status_code == 303
    result = organiser.get(address).get_data(as_text=True)
    assert "already been imported" in result
    assert "not as previewed" not in result


def test_a_cancelled_address_or_another_programmes_is_an_error(app, event):
    organiser = staff_client(app)
    run(organiser, preview_of(organiser, csv_bytes(ghanaians(1)))[0])
    with app.app_context():
        [registration] = db.session.scalars(select(Registration)).all()
        registration.status = "cancelled"
        db.session.commit()
    _, page = preview_of(organiser, csv_bytes(ghanaians(1)))
    assert "cancelled or rejected" in page
    colombia = [["Ana", "ana@example.org", "CO", "SCORE CO", "other"]]
    run(organiser, preview_of(organiser, csv_bytes(colombia))[0])
    ghana = staff_client(app, "gh@example.org", "coordinator", "GH")
    moved = [["Ana", "ana@example.org", "GH", "SCORE GH", "other"]]
    _, page = preview_of(ghana, csv_bytes(moved))
    assert "already registered for this event" in page
    assert "with CO" not in page and "Colombia" not in page


def test_the_round_trip_keeps_names_that_look_like_formulas_and_visas(
    app, event, register
):
    register(full_name="-Nam", email="nam@example.org")  # needs a visa letter
    organiser = staff_client(app)
    exported = organiser.get(f"{ADMIN}/attendees.csv").get_data()
    assert b"'-Nam" in exported
    _, page = preview_of(organiser, exported)
    assert "already registered (unchanged): <strong>1</strong>" in page
