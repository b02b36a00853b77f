"""Visa invitation letters: a delegate asks when registering, an organiser
approves or refuses, the delegate downloads the letter (and gets it by
e-mail), and a consulate verifies it at the address printed on it."""

from __future__ import annotations

import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import (
    BASE_URL,
    CSRF_PATTERN,
    SLUG,
    csrf_token,
    staff_client,
    valid_registration,
)
from helpers import built_message, every_stored_text, pdf_text
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import AuditEntry, OutboxMessage, Registration, VisaLetter
from app.models.documents import VisaLetterState
from app.models.outbox import OutboxStatus
from app.services.audit import SYSTEM
from app.services.events import event_by_slug
from app.services.notifications import compose
from app.services.privacy import purge_event
from app.services.visa_letters import (
    VisaLetterRefused,
    approve_visa_letter,
    refuse_visa_letter,
)

ADMIN = f"/admin/events/{SLUG}"
GHANA = {
    "full_name": "Kwame Asante",
    "email": "kwame@gh.example.org",
    "country": "GH",
    "organisation": "Ghana Employers' Association",
    "job_title": "Training manager",
    "passport_name": "KWAME KOFI ASANTE",
    "nationality": "GH",
    "passport_number": "g1234567",
    "passport_expiry": "2014-03-31",
    "date_of_birth": "1970-02-01",
    "visa_embassy": "Embassy of the Republic of Indonesia, Accra",
}


def registered(app, register, **overrides) -> tuple[int, str]:
    """A Ghanaian delegate who asks for a visa letter: (id, manage link)."""
    answer = register(**{**GHANA, **overrides})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    with app.app_context():
        registration = db.session.scalar(
            select(Registration).where(
                Registration.email == overrides.get("email", GHANA["email"])
            )
        )
        return registration.id, answer.headers["Location"]


def act(client, registration_id: int, action: str, **data):
    page = client.get(f"{ADMIN}/registrations/{registration_id}").get_data(as_text=True)
    token = CSRF_PATTERN.search(page).group(1)
    return client.post(
        f"{ADMIN}/registrations/{registration_id}/{action}",
        data={"csrf_token": token, **data},
    )


def verification_address(text: str) -> str:
    match = re.search(rf"{re.escape(BASE_URL)}/verify/[A-Za-z0-9_-]+", text)
    assert match, text
    return match.group(0)


def issued_code_address(client, manage: str) -> str:
    """The verification address printed on the delegate's letter."""
    return verification_address(pdf_text(client.get(f"{manage}/visa-letter.pdf").data))


def test_an_approved_letter_is_issued_mailed_and_verifiable(app, register):
    registration_id, manage = registered(app, register)
    staff = staff_client(app)
    client = app.test_client()
    assert client.get(f"{manage}/visa-letter.pdf").status_code == 404
    assert "requested" in client.get(manage).get_data(as_text=True)

    answer = act(staff, registration_id, "approve-visa-letter")
    assert answer.status_code == 303

    letter = client.get(f"{manage}/visa-letter.pdf")
    assert letter.status_code == 200
    assert letter.content_type == "application/pdf"
    assert letter.headers["Cache-Control"] == "private, no-store"
    text = pdf_text(letter.data)
    for quoted in (
        "KWAME KOFI ASANTE",
        "1 February 1970",
        "Ghana",
        "G1234567",
        "31 March 2014",
        "Ghana Employers' Association",
        "Training manager",
        "3 April 2011",  # arrival
        "9 April 2011",  # departure
        "Embassy of the Republic of Indonesia, Accra",
        "SCORE Global Knowledge Sharing Workshop",
        "Lokakarya SCORE Global untuk Berbagi Pengetahuan",
        "Bogor, West Java, Indonesia",
        "Peter van Rooij",
        "januar@ilo.org",
    ):
        assert quoted in text, quoted
    # The organisers' copy is the same letter.
    copy = staff.get(f"{ADMIN}/registrations/{registration_id}/visa-letter.pdf")
    assert pdf_text(copy.data) == text

    with app.app_context():
        row = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == "visa_letter")
        )
        message = built_message(row)
        [attached] = [
            part
            for part in message.iter_attachments()
            if part.get_content_type() == "application/pdf"
        ]
        assert "G1234567" in pdf_text(attached.get_content())
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "visa_letter_issued")
        )
        assert entry.registration_id == registration_id

    verify = verification_address(text)
    page = client.get(verify.removeprefix(BASE_URL))
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    assert "Valid" in shown
    assert "KWAME KOFI ASANTE" in shown
    assert "•••••567" in shown and "G1234567" not in shown
    assert "kwame@gh.example.org" not in shown
    assert "Ghana Employers" not in shown
    assert page.headers["X-Robots-Tag"] == "noindex"


def test_the_letter_is_withdrawn_when_the_registration_is_cancelled(app, register):
    registration_id, manage = registered(app, register)
    staff = staff_client(app)
    act(staff, registration_id, "approve-visa-letter")
    client = app.test_client()
    verify = issued_code_address(client, manage)
    act(staff, registration_id, "cancel")
    page = client.get(verify.removeprefix(BASE_URL)).get_data(as_text=True)
    assert "Withdrawn" in page
    assert "KWAME" not in page
    assert client.get(f"{manage}/visa-letter.pdf").status_code == 404


def test_a_revoked_letter_answers_withdrawn_and_cannot_be_downloaded(app, register):
    registration_id, manage = registered(app, register)
    staff = staff_client(app)
    act(staff, registration_id, "approve-visa-letter")
    client = app.test_client()
    verify = issued_code_address(client, manage)
    assert act(staff, registration_id, "revoke-visa-letter").status_code == 303
    assert "Withdrawn" in client.get(verify.removeprefix(BASE_URL)).get_data(
        as_text=True
    )
    assert client.get(f"{manage}/visa-letter.pdf").status_code == 404


def test_corrected_passport_details_need_a_new_letter_with_a_new_code(app, register):
    registration_id, manage = registered(app, register)
    staff = staff_client(app)
    act(staff, registration_id, "approve-visa-letter")
    client = app.test_client()
    first = issued_code_address(client, manage)
    # Approving again with nothing changed issues nothing new.
    act(staff, registration_id, "approve-visa-letter")
    with app.app_context():
        assert len(db.session.scalars(select(VisaLetter)).all()) == 1
    # The delegate corrects the number on their edit page.
    edit = f"{manage}/edit"
    corrected = valid_registration(
        **{**GHANA, "passport_number": "G7654321"}, csrf_token=csrf_token(client, edit)
    )
    assert client.post(edit, data=corrected).status_code == 303
    act(staff, registration_id, "approve-visa-letter")
    text = pdf_text(client.get(f"{manage}/visa-letter.pdf").data)
    assert "G7654321" in text
    second = verification_address(text)
    assert second != first
    assert "Withdrawn" in client.get(first.removeprefix(BASE_URL)).get_data(
        as_text=True
    )
    assert "•••••321" in client.get(second.removeprefix(BASE_URL)).get_data(
        as_text=True
    )
    with app.app_context():
        assert len(db.session.scalars(select(VisaLetter)).all()) == 2


def test_a_refusal_needs_a_reason_which_the_delegate_is_told(app, register):
    registration_id, manage = registered(app, register)
    staff = staff_client(app)
    form = staff.get(f"{ADMIN}/registrations/{registration_id}/refuse-visa-letter")
    assert form.status_code == 200
    token = CSRF_PATTERN.search(form.get_data(as_text=True)).group(1)
    url = f"{ADMIN}/registrations/{registration_id}/refuse-visa-letter"
    blank = staff.post(url, data={"csrf_token": token, "reason": "  "})
    assert blank.status_code == 422
    assert "Say why" in blank.get_data(as_text=True)
    reason = "Your passport expires <before> the stay ends."
    assert (
        staff.post(url, data={"csrf_token": token, "reason": reason}).status_code == 303
    )
    page = app.test_client().get(manage).get_data(as_text=True)
    assert "refused" in page
    assert "Your passport expires &lt;before&gt; the stay ends." in page
    with app.app_context():
        row = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == "visa_letter_refused")
        )
        message = built_message(row)
        assert reason in message.get_body(("plain",)).get_content()
    assert app.test_client().get(f"{manage}/visa-letter.pdf").status_code == 404


def test_only_a_confirmed_delegate_with_complete_details_gets_a_letter(
    app, register, waitlisted
):
    staff = staff_client(app)
    # Ghana's six seats are taken: this request waits with its delegate.
    registration_id, _ = registered(app, register)
    with app.app_context():
        assert db.session.get(Registration, registration_id).status == "waitlisted"
    answer = act(staff, registration_id, "approve-visa-letter")
    assert answer.status_code == 303
    page = staff.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Only a confirmed delegate" in page
    with app.app_context():
        assert db.session.scalars(select(VisaLetter)).all() == []


def test_coordinators_do_not_decide_on_visa_letters(app, register):
    registration_id, _ = registered(app, register)
    ghana = staff_client(app, "gh@example.org", "coordinator", "GH")
    assert act(ghana, registration_id, "approve-visa-letter").status_code == 403
    with app.app_context():
        assert db.session.scalars(select(VisaLetter)).all() == []


@pytest.mark.parametrize("code", ["x" * 22, "A" * 300])
def test_an_unknown_code_is_not_found(client, event, code):
    assert client.get(f"/verify/{code}").status_code == 404


def test_the_visa_letter_list_shows_each_requests_state(app, register):
    first, _ = registered(app, register)
    registered(app, register, email="ama@gh.example.org", full_name="Ama Serwaa")
    staff = staff_client(app)
    act(staff, first, "approve-visa-letter")
    page = staff.get(f"{ADMIN}/lists/visa-letters").get_data(as_text=True)
    rows = {
        name: row
        for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)
        for name in ("Kwame Asante", "Ama Serwaa")
        if name in row
    }
    assert "issued" in rows["Kwame Asante"]
    assert f"/registrations/{first}/visa-letter.pdf" in rows["Kwame Asante"]
    assert "requested" in rows["Ama Serwaa"]
    assert "visa-letter.pdf" not in rows["Ama Serwaa"]
    csv = staff.get(f"{ADMIN}/lists/visa-letters.csv").get_data(as_text=True)
    by_name = {line.split(",")[2]: line for line in csv.splitlines()[1:]}
    assert '"issued"' in by_name['"Kwame Asante"']
    assert '"requested"' in by_name['"Ama Serwaa"']


def test_the_purge_clears_the_letters_and_their_codes_say_withdrawn(app, register):
    registration_id, manage = registered(app, register)
    staff = staff_client(app)
    act(staff, registration_id, "approve-visa-letter")
    client = app.test_client()
    verify = issued_code_address(client, manage)
    deliver_everything(app)
    with app.app_context():
        purge_event(event_by_slug(SLUG), SYSTEM, force=True)
        db.session.commit()
    texts = " ".join(every_stored_text(app))
    for secret in ("G1234567", "KWAME KOFI ASANTE", "1970-02-01", "Accra"):
        assert secret not in texts
    page = client.get(verify.removeprefix(BASE_URL)).get_data(as_text=True)
    assert "Withdrawn" in page and "KWAME" not in page


def deliver_everything(app) -> None:
    """Mark the queued messages sent, as the worker would after sending them."""
    with app.app_context():
        for row in db.session.scalars(select(OutboxMessage)):
            row.status = OutboxStatus.SENT
        db.session.commit()


def test_incomplete_passport_details_get_no_letter(app, delegates):
    kofi = delegates[0]  # asked for a letter before passports were asked for
    staff = staff_client(app)
    answer = act(staff, kofi.id, "approve-visa-letter")
    page = staff.get(answer.headers["Location"]).get_data(as_text=True)
    assert "The passport details are not complete" in page
    assert "Enter your passport number." in page
    with app.app_context():
        assert db.session.scalars(select(VisaLetter)).all() == []


def test_a_letter_withdrawn_before_its_e_mail_went_out_is_not_sent(app, register):
    registration_id, _ = registered(app, register)
    staff = staff_client(app)
    act(staff, registration_id, "approve-visa-letter")
    act(staff, registration_id, "revoke-visa-letter")
    with app.app_context():
        row = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == "visa_letter")
        )
        assert compose(row) is None


def test_only_the_delegates_organisers_open_the_letter(app, register):
    registration_id, _ = registered(app, register)
    act(staff_client(app), registration_id, "approve-visa-letter")
    url = f"{ADMIN}/registrations/{registration_id}/visa-letter.pdf"
    india = staff_client(app, "in@example.org", "coordinator", "IN")
    assert india.get(url).status_code == 404
    ghana = staff_client(app, "gh@example.org", "coordinator", "GH")
    assert ghana.get(url).status_code == 200
    assert app.test_client().get(url).status_code == 302  # to the login page


def test_an_issued_letter_keeps_what_it_printed_until_reissued(app, register):
    registration_id, manage = registered(app, register)
    staff = staff_client(app)
    act(staff, registration_id, "approve-visa-letter")
    client = app.test_client()
    before = client.get(f"{manage}/visa-letter.pdf").data
    with app.app_context():
        event = event_by_slug(SLUG)
        event.letter_signatory_name = "Januar Rustandie"
        db.session.commit()
    again = client.get(f"{manage}/visa-letter.pdf").data
    assert pdf_text(again) == pdf_text(before)
    assert "Peter van Rooij" in pdf_text(again)
    page = staff.get(f"{ADMIN}/registrations/{registration_id}").get_data(as_text=True)
    assert "have changed since it was issued" in page
    act(staff, registration_id, "approve-visa-letter")
    assert "Januar Rustandie" in pdf_text(client.get(f"{manage}/visa-letter.pdf").data)


def test_the_database_lets_one_letter_stand_at_a_time(app, register):
    registration_id, _ = registered(app, register)
    act(staff_client(app), registration_id, "approve-visa-letter")
    with app.app_context(), pytest.raises(IntegrityError):
        db.session.add(
            VisaLetter(
                registration_id=registration_id,
                state=VisaLetterState.ISSUED,
                reference="SCR-SECOND-V2",
                details={},
            )
        )
        db.session.commit()


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="row locks between connections"
)
def test_organisers_deciding_at_once_leave_one_standing_letter(app, register):
    registration_id, _ = registered(app, register)
    with app.app_context():
        approve_visa_letter(db.session.get(Registration, registration_id), SYSTEM)
        db.session.get(Registration, registration_id).passport_number = "G7654321"
        db.session.commit()
    barrier = threading.Barrier(4)

    def decide(n: int) -> str:
        with app.app_context():
            registration = db.session.get(Registration, registration_id)
            barrier.wait(timeout=30)
            try:
                if n % 2:
                    refuse_visa_letter(registration, SYSTEM, "No.")
                else:
                    approve_visa_letter(registration, SYSTEM)
                db.session.commit()
                return "done"
            except VisaLetterRefused:
                db.session.rollback()
                return "refused"

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(decide, range(4)))
    assert "done" in outcomes
    with app.app_context():
        letters = db.session.scalars(select(VisaLetter).order_by(VisaLetter.id)).all()
        standing = [x for x in letters if x.state is VisaLetterState.ISSUED]
        assert len(standing) <= 1
        # The latest decision is the one that stands (or the refusal).
        assert letters[-1].state in (VisaLetterState.ISSUED, VisaLetterState.REFUSED)
        assert standing == ([letters[-1]] if letters[-1].state == "issued" else [])
