"""Name badges and certificates of attendance, read back from the PDFs: the
names exactly as typed in every script, the badges' QR codes decoded and
followed to a check-in, a certificate once the delegate was checked in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import (
    BASE_URL,
    CSRF_PATTERN,
    SLUG,
    add_delegate,
    attended_first_day,
    staff_client,
)
from helpers import (
    built_message,
    decoded_qr_codes,
    first_page_as_png,
    pdf_pages,
)

from app.extensions import db
from app.models import OutboxMessage, Registration
from app.services.checkin import attended, certificate_available, days_attended
from app.services.verification import verification

ADMIN = f"/admin/events/{SLUG}"


@pytest.fixture
def delegation(app, event):
    """Fourteen confirmed delegates whose names need Latin, Vietnamese and
    Chinese letters, and one on China's waiting list."""
    names = [
        ("李伟", "CN"),
        ("王芳", "CN"),
        ("Trần Văn Nam", "VN"),
        ("Nguyễn Thị Hồng", "VN"),
        ("Kwame Asante", "GH"),
        ("Ana María Gómez", "CO"),
        ("Rajesh Kumar", "IN"),
        ("Fasrul", "ID"),
        ("Thandiwe Nkosi", "ZA"),
        ("Siti Rahayu", "ID"),
    ]
    made = [
        add_delegate(app, name, f"d{n}@example.org", country)
        for n, (name, country) in enumerate(names)
    ]
    for n in range(4):  # China's six seats taken
        add_delegate(app, f"张{n}", f"cn{n}@example.org", "CN")
    waiting = add_delegate(app, "陈静", "chen@example.org", "CN")
    return made, waiting


def test_badges_carry_every_name_exactly_as_typed_eight_to_a_page(app, delegation):
    made, _ = delegation
    staff = staff_client(app)
    answer = staff.get(f"{ADMIN}/badges.pdf")
    assert answer.status_code == 200
    assert answer.content_type == "application/pdf"
    pages = pdf_pages(answer.data)
    assert len(pages) == 2  # 14 confirmed delegates, 8 to a page
    text = "\n".join(pages)
    for delegate in made:
        assert delegate.full_name in text
    assert "陈静" not in text  # waiting, not confirmed
    assert "China" in text and "Viet Nam" in text
    single = staff.get(f"{ADMIN}/badges.pdf", query_string={"layout": "single"})
    assert len(pdf_pages(single.data)) == 14
    waiting_only = staff.get(
        f"{ADMIN}/badges.pdf", query_string={"status": "waitlisted"}
    )
    assert pdf_pages(waiting_only.data)[0].count("陈静") == 1
    assert staff.get(f"{ADMIN}/badges.pdf?layout=poster").status_code == 404


def test_the_badge_names_the_badge_name_when_one_is_given(app, event):
    add_delegate(
        app, "Nguyễn Thị Hồng Nhung", "n@example.org", "VN", badge_name="Nhung"
    )
    staff = staff_client(app)
    [page] = pdf_pages(staff.get(f"{ADMIN}/badges.pdf").data)
    assert "Nhung" in page and "Nguyễn Thị Hồng Nhung" not in page


def test_a_coordinator_prints_only_their_programmes_badges(app, delegation):
    vietnam = staff_client(app, "vn@example.org", "coordinator", "VN")
    text = "\n".join(pdf_pages(vietnam.get(f"{ADMIN}/badges.pdf").data))
    assert "Trần Văn Nam" in text and "Nguyễn Thị Hồng" in text
    assert "李伟" not in text and "Kwame Asante" not in text
    assert vietnam.get(f"{ADMIN}/badges.pdf?country=GH").status_code == 404


def test_a_scanned_badge_opens_the_card_that_checks_the_delegate_in(
    app, delegation, tmp_path
):
    staff = staff_client(app)
    body = staff.get(f"{ADMIN}/badges.pdf", query_string={"country": "VN"}).data
    with app.app_context():
        people = {
            r.check_in_code: r.id
            for r in db.session.scalars(db.select(Registration))
            if r.programme.code == "VN"
        }
    scanned = decoded_qr_codes(first_page_as_png(body, tmp_path))
    assert scanned == {f"{BASE_URL}{ADMIN}/check-in/{code}" for code in people}
    address = sorted(scanned)[0]
    card = staff.get(address.removeprefix(BASE_URL))
    assert card.status_code == 200
    token = CSRF_PATTERN.search(card.get_data(as_text=True)).group(1)
    registration_id = people[address.rsplit("/", 1)[1]]
    staff.post(
        f"{ADMIN}/registrations/{registration_id}/check-in",
        data={"csrf_token": token, "back": "check-in-card"},
    )
    with app.app_context():
        assert db.session.get(Registration, registration_id).checked_in_at is not None


def test_the_confirmation_e_mail_carries_the_same_qr_code(app, event, tmp_path):
    delegate = add_delegate(app, "Kwame Asante", "kwame@example.org", "GH")
    with app.app_context():
        row = db.session.scalar(db.select(OutboxMessage))
        message = built_message(row)
        code = db.session.get(Registration, delegate.id).check_in_code
    [image] = [
        part for part in message.walk() if part.get_content_type() == "image/png"
    ]
    picture = tmp_path / "check-in-code.png"
    picture.write_bytes(image.get_content())
    assert decoded_qr_codes(picture) == {f"{BASE_URL}{ADMIN}/check-in/{code}"}


def test_a_certificate_once_checked_in_with_the_name_as_written(app, client, event):
    delegate = add_delegate(app, "Trần Văn Nam", "nam@example.org", "VN")
    url = f"/r/{delegate.token}/certificate.pdf"
    assert client.get(url).status_code == 404
    assert "certificate" not in client.get(f"/r/{delegate.token}").get_data(
        as_text=True
    )
    attended_first_day(app, delegate.id)
    assert "certificate.pdf" in client.get(f"/r/{delegate.token}").get_data(
        as_text=True
    )
    answer = client.get(url)
    assert answer.status_code == 200
    [page] = pdf_pages(answer.data)
    for shown in (
        "Trần Văn Nam",
        "SCORE Global Knowledge Sharing Workshop",
        "Bogor, West Java, Indonesia",
        "5 days attended",
    ):
        assert shown in page, shown
    [address] = [
        word for word in page.split() if word.startswith(f"{BASE_URL}/verify/")
    ]
    verified = client.get(address.removeprefix(BASE_URL)).get_data(as_text=True)
    assert "Valid" in verified and "Trần Văn Nam" in verified


def test_the_certificate_is_in_the_delegates_language(app, client, event):
    delegate = add_delegate(app, "李伟", "li@example.org", "CN", language="zh-Hans")
    attended_first_day(app, delegate.id)
    [page] = pdf_pages(client.get(f"/r/{delegate.token}/certificate.pdf").data)
    assert "李伟" in page
    assert "Certificate of attendance" not in page


def test_the_organisers_print_every_certificate(app, delegation):
    made, _ = delegation
    for delegate in made[:3]:
        attended_first_day(app, delegate.id)
    staff = staff_client(app)
    pages = pdf_pages(staff.get(f"{ADMIN}/certificates.pdf").data)
    assert len(pages) == 3
    assert {d.full_name for d in made[:3]} == {
        d.full_name for d in made if any(d.full_name in page for page in pages)
    }
    china = staff_client(app, "cn@example.org", "coordinator", "CN")
    assert len(pdf_pages(china.get(f"{ADMIN}/certificates.pdf").data)) == 2
    india = staff_client(app, "in@example.org", "coordinator", "IN")
    assert india.get(f"{ADMIN}/certificates.pdf").status_code == 404


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("checked_in", "now", "days"),
    [
        # Before the first day (Jakarta's clocks): no certificate yet.
        ("2011-04-03T09:00", "2011-04-03T16:59", None),
        # 23:30 UTC on the 3rd is 06:30 on the 4th in Bogor: the first day.
        ("2011-04-03T23:30", "2011-04-04T05:00", 1),
        # Checked in on the first day, asked on the third: three days so far.
        ("2011-04-04T01:30", "2011-04-06T08:00", 3),
        ("2011-04-04T01:30", "2011-05-01T08:00", 5),
        # Arrived on the last day.
        ("2011-04-08T02:00", "2011-05-01T08:00", 1),
    ],
)
def test_days_attended_count_on_the_events_clocks(app, event, checked_in, now, days):
    delegate = add_delegate(app, "Kwame Asante", "kwame@example.org", "GH")
    with app.app_context():
        registration = db.session.get(Registration, delegate.id)
        registration.checked_in_at = moment(checked_in)
        asked = moment(now)
        assert certificate_available(registration, asked) == (days is not None)
        if days is not None:
            assert days_attended(registration, asked) == days
        verified = verification(registration.certificate_code, asked)
        assert verified.valid == (days is not None)
        listed = attended(registration.event, asked)
        assert [d for _, d in listed] == ([days] if days else [])
        db.session.rollback()
