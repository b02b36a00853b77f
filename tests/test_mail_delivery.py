"""Delivering the outbox to a real SMTP server, the way a user runs the worker.

An aiosmtpd server runs in-process on a free port (``smtp_server.py``); the
worker runs as ``flask deliver-mail --once`` through the CLI runner (and, for
two workers at once, as real processes). Every message the server receives is
parsed with the standard ``email`` package and its calendar with icalendar
and vobject.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import icalendar
import pytest
import vobject
from conftest import BASE_URL, CSRF_PATTERN, SLUG, csrf_token, valid_registration
from seats_helpers import sign_up, the_event
from smtp_server import HOST, SmtpServer, closed_port
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import OutboxMessage, Registration, RegistrationToken
from app.models.types import utcnow
from app.services.audit import Actor
from app.services.outbox import MAX_ATTEMPTS, backoff
from app.services.registration import DelegateDetails, register_delegate, set_quota
from tests.helpers import deliver, every_stored_text, received, statements_during

ROOT = Path(__file__).resolve().parent.parent
DELEGATE = "nam@example.org"
UID_HOST = "register.example.org"
MANAGE_LINK = re.compile(re.escape(BASE_URL) + r"/r/([A-Za-z0-9_-]+)")
WORKER_TIMEOUT = 60
WORKER = [sys.executable, "-m", "flask", "--app", "wsgi", "deliver-mail"]


# --- helpers -----------------------------------------------------------------


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def only_message(smtp) -> EmailMessage:
    [message] = received(smtp)
    return message


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def calendar_part(message: EmailMessage) -> EmailMessage:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return part


def invitation(message: EmailMessage) -> tuple[icalendar.Calendar, object, bytes]:
    """The inline calendar, parsed by icalendar and by vobject."""
    ics = calendar_part(message).get_content()
    if isinstance(ics, str):
        ics = ics.encode("utf-8")
    first = icalendar.Calendar.from_ical(ics)
    [second] = list(vobject.readComponents(ics.decode("utf-8")))
    return first, second, ics


def only_event(cal: icalendar.Calendar) -> icalendar.Event:
    [vevent] = cal.walk("VEVENT")
    return vevent


def manage_token(message: EmailMessage) -> str:
    tokens = set(MANAGE_LINK.findall(text_of(message)))
    assert len(tokens) == 1, tokens
    return tokens.pop()


def organiser_mailbox(app) -> str:
    return parseaddr(app.config["MAIL_DEFAULT_SENDER"])[1]


def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        rows = rows.all()
        db.session.expunge_all()
    return rows


def only_row(app) -> OutboxMessage:
    [row] = outbox(app)
    return row


def make_due_now(app) -> None:
    """Move every queued message's next attempt to now, as time passing would."""
    with app.app_context():
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "queued")
            .values(next_attempt_at=utcnow())
        )
        db.session.commit()


def registration_row(app, email_address: str = DELEGATE) -> Registration:
    with app.app_context():
        registration = db.session.scalar(
            select(Registration).where(Registration.email_normalised == email_address)
        )
        db.session.expunge_all()
    return registration


def registered(register, **overrides) -> None:
    response = register(**overrides)
    assert response.status_code == 303, response.get_data(as_text=True)


def without_csrf(html: str) -> str:
    return CSRF_PATTERN.sub('name="csrf_token" type="hidden" value=""', html)


def ask_for_link(client, address: str):
    url = f"/events/{SLUG}/lost-link"
    token = csrf_token(client, url)
    return client.post(url, data={"email": address, "csrf_token": token})


# --- 1. a registration arrives as a working invitation -----------------------


def test_registration_arrives_once_as_an_invitation(
    app, client, runner, register, smtp
):
    registered(register)

    output = deliver(runner)

    assert "sent 1" in output
    [arrived] = smtp.messages
    assert arrived.rcpt_tos == [DELEGATE]
    assert arrived.mail_from == organiser_mailbox(app)
    message = parse(arrived.content)
    registration = registration_row(app)
    row = only_row(app)
    # Built as it was sent, with the Message-ID it was queued with.
    assert message["Message-ID"] == row.message_id
    assert message["To"].addresses[0].addr_spec == DELEGATE
    assert message["From"].addresses[0].addr_spec == organiser_mailbox(app)
    assert registration.reference in message["Subject"]

    # multipart/mixed → multipart/alternative (plain, html, calendar) +
    # invite.ics + the check-in QR code
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment, check_in = message.iter_parts()
    assert check_in.get_content_type() == "image/png"
    assert check_in.get_filename() == "check-in-code.png"
    assert alternative.get_content_type() == "multipart/alternative"
    plain, html, calendar = alternative.iter_parts()
    # The HTML shows the QR code by its Content-ID.
    assert f"cid:{check_in['Content-ID'].strip('<>')}" in html.get_content()
    assert plain.get_content_type() == "text/plain"
    assert plain.get_content_charset() == "utf-8"
    assert html.get_content_type() == "text/html"
    assert html.get_content_charset() == "utf-8"
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_param("charset") == "UTF-8"
    assert not calendar.is_attachment()
    assert attachment.is_attachment()
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content() == calendar.get_content().encode("utf-8")

    text = plain.get_content()
    assert registration.reference in text
    assert registration.reference in html.get_content()
    token = manage_token(message)
    assert f"{BASE_URL}/r/{token}" in html.get_content()
    page = client.get(f"/r/{token}")
    assert page.status_code == 200
    assert registration.reference in page.get_data(as_text=True)

    cal, independent, ics = invitation(message)
    assert b"\r\n" in ics
    assert b"\n" not in ics.replace(b"\r\n", b"")
    vevent = only_event(cal)
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(vevent["UID"]) == f"registration-{registration.id}@{UID_HOST}"
    assert vevent["SEQUENCE"] == 0
    assert str(vevent["ORGANIZER"]) == f"mailto:{organiser_mailbox(app)}"
    attendee = vevent["ATTENDEE"]
    assert str(attendee) == f"mailto:{DELEGATE}"
    assert attendee.params["RSVP"] == "TRUE"
    assert vevent.decoded("DTSTART") == date(2011, 4, 4)
    assert vevent.decoded("DTEND") == date(2011, 4, 9)

    assert independent.method.value == "REQUEST"
    assert independent.vevent.uid.value == str(vevent["UID"])
    assert int(independent.vevent.sequence.value) == 0
    assert independent.vevent.organizer.value == f"mailto:{organiser_mailbox(app)}"
    assert independent.vevent.attendee.value == f"mailto:{DELEGATE}"
    assert independent.vevent.dtstart.value == date(2011, 4, 4)

    # Nothing is sent twice.
    deliver(runner)
    assert len(smtp.messages) == 1
    row = only_row(app)
    assert row.status == "sent"
    assert row.sent_at is not None
    assert row.attempts == 1
    assert row.last_error is None


# --- 2. the mail server is down, then back ------------------------------------


def test_message_waits_while_the_mail_server_is_down(app, runner, register):
    dead = closed_port()
    port = dead.getsockname()[1]
    app.config.update(
        MAIL_SERVER=HOST, MAIL_PORT=port, MAIL_TIMEOUT=5, MAIL_RETRY_BASE_SECONDS=60
    )
    registered(register)

    before = utcnow()
    output = deliver(runner)
    after = utcnow()

    assert "to retry 1" in output
    row = only_row(app)
    assert row.status == "queued"
    assert row.attempts == 1
    assert row.last_error
    assert "refused" in row.last_error.lower()
    assert row.sent_at is None
    assert before + timedelta(seconds=60) <= row.next_attempt_at
    assert row.next_attempt_at <= after + timedelta(seconds=60)

    # Not yet due: a run now leaves it alone.
    deliver(runner)
    assert only_row(app).attempts == 1

    dead.close()
    server = SmtpServer(port).start()
    try:
        make_due_now(app)
        deliver(runner)
        assert [m.rcpt_tos for m in server.messages] == [[DELEGATE]]
        deliver(runner)
        make_due_now(app)
        deliver(runner)
        assert len(server.messages) == 1
    finally:
        server.stop()
    row = only_row(app)
    assert row.status == "sent"
    assert row.attempts == 2
    assert row.last_error is None
    assert parse(server.messages[0].content)["Message-ID"] == row.message_id


def test_silent_server_times_out_and_the_message_is_retried(app, runner, register):
    with socket.socket() as silent:
        # Listening, so the connection is made, but nobody ever says hello.
        silent.bind((HOST, 0))
        silent.listen(4)
        app.config.update(
            MAIL_SERVER=HOST, MAIL_PORT=silent.getsockname()[1], MAIL_TIMEOUT=0.5
        )
        registered(register)

        output = deliver(runner)

    assert "to retry 1" in output
    row = only_row(app)
    assert (row.status, row.attempts) == ("queued", 1)
    assert "timed out" in row.last_error.lower()


def test_worker_runs_until_stopped(app, database_uri, register, smtp):
    worker = subprocess.Popen(
        [*WORKER, "--interval", "0.1"],
        cwd=ROOT,
        env=_worker_env(database_uri, smtp),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        registered(register)
        wait_for(lambda: len(smtp.messages) == 1, worker)
        registered(register, email="second@example.org", full_name="Second Delegate")
        wait_for(lambda: len(smtp.messages) == 2, worker)
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=WORKER_TIMEOUT)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, err
    assert [m.rcpt_tos for m in smtp.messages] == [[DELEGATE], ["second@example.org"]]
    assert {row.status for row in outbox(app)} == {"sent"}


def wait_for(condition, worker, timeout: float = WORKER_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert worker.poll() is None, worker.communicate()
        assert time.monotonic() < deadline, "the worker did not deliver in time"
        time.sleep(0.05)


# --- 3. backoff ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [
        (1, 60),
        (2, 120),
        (3, 240),
        (4, 480),
        (5, 960),
        (8, 7680),
        (9, 15360),
        (10, 6 * 3600),
        (30, 6 * 3600),
    ],
)
def test_backoff_doubles_from_the_base_up_to_six_hours(attempts, seconds):
    assert backoff(attempts, 60) == timedelta(seconds=seconds)


def test_backoff_follows_the_configured_base():
    assert backoff(1, 5) == timedelta(seconds=5)
    assert backoff(3, 5) == timedelta(seconds=20)
    assert backoff(1, 0) == timedelta(0)


def test_message_fails_after_ten_transient_failures(app, runner, register, smtp):
    smtp.handler.reply = "451 4.3.0 try later"
    app.config.update(MAIL_RETRY_BASE_SECONDS=0)
    registered(register)

    for attempt in range(1, MAX_ATTEMPTS):
        deliver(runner)
        row = only_row(app)
        assert (row.status, row.attempts) == ("queued", attempt)
    deliver(runner)

    row = only_row(app)
    assert MAX_ATTEMPTS == 10
    assert (row.status, row.attempts) == ("failed", 10)
    assert "451 4.3.0 try later" in row.last_error
    smtp.handler.reply = None
    deliver(runner)
    assert smtp.messages == []
    assert only_row(app).attempts == 10


# --- 4. permanent and transient answers --------------------------------------


@pytest.mark.parametrize("stage", ["DATA", "RCPT"])
def test_permanent_refusal_marks_the_message_failed(app, runner, register, smtp, stage):
    refusal = "550 5.1.1 mailbox unavailable"
    if stage == "DATA":
        smtp.handler.reply = refusal
    else:
        smtp.handler.rcpt_reply = refusal
    registered(register)

    output = deliver(runner)

    assert "failed 1" in output
    row = only_row(app)
    assert row.status == "failed"
    assert row.attempts == 1
    assert refusal in row.last_error
    assert row.sent_at is None

    # Later runs leave it alone, even once the server would accept it.
    smtp.handler.reply = smtp.handler.rcpt_reply = None
    make_due_now(app)
    deliver(runner)
    deliver(runner)
    assert smtp.messages == []
    row = only_row(app)
    assert (row.status, row.attempts) == ("failed", 1)


def test_busy_server_leaves_the_message_queued(app, runner, register, smtp):
    smtp.handler.reply = "451 4.3.0 try later"
    registered(register)

    output = deliver(runner)

    assert "to retry 1" in output
    row = only_row(app)
    assert (row.status, row.attempts) == ("queued", 1)
    assert "451 4.3.0 try later" in row.last_error
    assert row.next_attempt_at > utcnow()
    assert smtp.messages == []


# --- 5. two workers at once ----------------------------------------------------


def _worker_env(database_uri: str, smtp) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_uri,
        SECRET_KEY="test-secret-key",
        BASE_URL=BASE_URL,
        MAIL_SERVER=HOST,
        MAIL_PORT=str(smtp.port),
        MAIL_USE_TLS="",
        MAIL_USE_SSL="",
        MAIL_USERNAME="",
        MAIL_PASSWORD="",
        MAIL_TIMEOUT="20",
        APP_ENV="development",
    )
    env.pop("FLASK_APP", None)
    return env


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="two workers claim rows with FOR UPDATE SKIP LOCKED on PostgreSQL",
)
def test_two_workers_deliver_every_message_exactly_once(app, event, database_uri, smtp):
    delegates = 30
    with app.app_context():
        for number in range(delegates):
            sign_up(country="GH", email=f"worker-test-{number}@example.org")
    queued = outbox(app)
    assert len(queued) == delegates
    # Slow enough that the workers overlap; each first message is held until
    # both workers are sending, so each must have claimed a different row.
    smtp.handler.delay = 0.02
    smtp.handler.wait_for_clients = 2

    env = _worker_env(database_uri, smtp)
    workers = [
        subprocess.Popen(
            [*WORKER, "--once"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = []
    for worker in workers:
        try:
            out, err = worker.communicate(timeout=WORKER_TIMEOUT)
        except subprocess.TimeoutExpired:
            worker.kill()
            out, err = worker.communicate()
        assert worker.returncode == 0, err
        outputs.append(out)

    ids = Counter(parse(m.content)["Message-ID"] for m in smtp.messages)
    assert set(ids) == {row.message_id for row in queued}
    assert [n for n in ids.values() if n != 1] == []
    rows = outbox(app)
    assert {row.status for row in rows} == {"sent"}
    assert {row.attempts for row in rows} == {1}
    sent_by = [int(re.search(r"sent (\d+)", out).group(1)) for out in outputs]
    assert sum(sent_by) == delegates
    assert all(sent_by), f"the workers did not overlap: {sent_by}"


# --- 6. edit, cancel, roll back ---------------------------------------------------


def test_edit_sends_an_update_and_cancel_a_cancellation(
    app, client, runner, register, smtp
):
    registered(register)
    deliver(runner)
    first = only_message(smtp)
    token = manage_token(first)
    uid = str(only_event(invitation(first)[0])["UID"])
    smtp.handler.clear()

    edit_url = f"/r/{token}/edit"
    form = valid_registration(arrival_date="2011-04-02", consent=None)
    form["csrf_token"] = csrf_token(client, edit_url)
    response = client.post(edit_url, data=form)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert registration_row(app).arrival_date == date(2011, 4, 2)
    deliver(runner)

    update_message = only_message(smtp)
    assert calendar_part(update_message).get_param("method") == "REQUEST"
    cal, independent, _ = invitation(update_message)
    vevent = only_event(cal)
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(vevent["UID"]) == uid
    assert vevent["SEQUENCE"] == 1
    assert independent.vevent.uid.value == uid
    assert int(independent.vevent.sequence.value) == 1
    assert update_message["Message-ID"] != first["Message-ID"]
    smtp.handler.clear()

    cancel_url = f"/r/{token}/cancel"
    confirmation = client.get(cancel_url)
    assert confirmation.status_code == 200
    assert "Cancel your registration?" in confirmation.get_data(as_text=True)
    assert registration_row(app).status == "confirmed"
    assert outbox(app)[-1].kind == "updated"
    response = client.post(
        cancel_url, data={"csrf_token": csrf_token(client, cancel_url)}
    )
    assert response.status_code == 303
    assert registration_row(app).status == "cancelled"
    deliver(runner)

    cancellation = only_message(smtp)
    assert smtp.messages[0].rcpt_tos == [DELEGATE]
    part = calendar_part(cancellation)
    assert part.get_param("method") == "CANCEL"
    cal, independent, _ = invitation(cancellation)
    vevent = only_event(cal)
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert str(vevent["UID"]) == uid
    assert vevent["SEQUENCE"] > 1
    assert independent.method.value == "CANCEL"
    assert independent.vevent.status.value == "CANCELLED"
    assert independent.vevent.uid.value == uid
    assert int(independent.vevent.sequence.value) > 1
    [attachment] = list(cancellation.iter_attachments())
    assert attachment.get_filename() == "invite.ics"
    assert [row.status for row in outbox(app)] == ["sent"] * 3


def test_cancelling_gives_the_seat_and_an_invitation_to_the_next_in_line(
    app, client, runner, register, smtp
):
    with app.app_context():
        set_quota(the_event(), "VN", 1, Actor.command_line())
        db.session.commit()
    registered(register)
    registered(register, email="waiting@example.org", full_name="Waiting Delegate")
    assert registration_row(app, "waiting@example.org").status == "waitlisted"
    deliver(runner)
    first, waiting = sorted(received(smtp), key=lambda m: str(m["To"]))
    assert first["To"].addresses[0].addr_spec == "nam@example.org"
    assert [p for p in waiting.walk() if p.get_content_type() == "text/calendar"] == []
    token = manage_token(first)
    smtp.handler.clear()

    cancel_url = f"/r/{token}/cancel"
    response = client.post(
        cancel_url, data={"csrf_token": csrf_token(client, cancel_url)}
    )
    assert response.status_code == 303
    deliver(runner)

    by_recipient = {m.rcpt_tos[0]: parse(m.content) for m in smtp.messages}
    assert sorted(by_recipient) == [DELEGATE, "waiting@example.org"]
    assert calendar_part(by_recipient[DELEGATE]).get_param("method") == "CANCEL"
    promoted = by_recipient["waiting@example.org"]
    assert calendar_part(promoted).get_param("method") == "REQUEST"
    cal, _, _ = invitation(promoted)
    promoted_row = registration_row(app, "waiting@example.org")
    assert promoted_row.status == "confirmed"
    vevent = only_event(cal)
    assert str(vevent["UID"]) == f"registration-{promoted_row.id}@{UID_HOST}"
    assert str(vevent["ATTENDEE"]) == "mailto:waiting@example.org"
    page = client.get(f"/r/{manage_token(promoted)}")
    assert page.status_code == 200
    assert "You are registered" in page.get_data(as_text=True)


def test_cancelling_without_the_csrf_token_sends_nothing(
    app, client, runner, register, smtp
):
    registered(register)
    deliver(runner)
    token = manage_token(only_message(smtp))
    smtp.handler.clear()

    response = client.post(f"/r/{token}/cancel", data={})

    assert response.status_code == 400
    assert registration_row(app).status == "confirmed"
    deliver(runner)
    assert smtp.messages == []


def test_rolled_back_registration_sends_nothing(app, runner, event, smtp):
    with app.app_context():
        details = DelegateDetails(
            full_name="Rolled Back",
            email="rolled-back@example.org",
            country="GH",
            organisation="SCORE",
            category="score_team",
        )
        register_delegate(the_event(), details, privacy_notice_version="1")
        # The message is written in the registration's own transaction...
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1
        db.session.rollback()
        # ...and goes with it.
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
        assert db.session.scalar(select(func.count(Registration.id))) == 0

    output = deliver(runner)

    assert output == ""
    assert smtp.messages == []
    assert outbox(app) == []


# --- 7. lost link ---------------------------------------------------------------


def test_lost_link_answers_alike_and_mails_only_the_registered(
    app, client, runner, register, smtp
):
    registered(register)
    deliver(runner)
    old_token = manage_token(only_message(smtp))
    smtp.handler.clear()

    known = ask_for_link(client, DELEGATE)
    unknown = ask_for_link(client, "nobody-here@example.org")

    assert known.status_code == unknown.status_code == 200
    assert without_csrf(known.get_data(as_text=True)) == without_csrf(
        unknown.get_data(as_text=True)
    )
    deliver(runner)
    message = only_message(smtp)
    assert smtp.messages[0].rcpt_tos == [DELEGATE]
    assert outbox(app)[-1].kind == "lost_link"
    new_token = manage_token(message)
    assert new_token != old_token
    reference = registration_row(app).reference
    for token in (new_token, old_token):
        page = client.get(f"/r/{token}")
        assert page.status_code == 200
        assert reference in page.get_data(as_text=True)


def test_lost_link_reaches_a_cancelled_registration(
    app, client, runner, register, smtp
):
    registered(register)
    deliver(runner)
    token = manage_token(only_message(smtp))
    cancel_url = f"/r/{token}/cancel"
    response = client.post(
        cancel_url, data={"csrf_token": csrf_token(client, cancel_url)}
    )
    assert response.status_code == 303
    deliver(runner)
    smtp.handler.clear()

    response = ask_for_link(client, DELEGATE.upper())

    assert response.status_code == 200
    deliver(runner)
    message = only_message(smtp)
    assert smtp.messages[0].rcpt_tos == [DELEGATE]
    new_token = manage_token(message)
    page = client.get(f"/r/{new_token}")
    assert page.status_code == 200
    assert "This registration is cancelled." in page.get_data(as_text=True)


def test_lost_link_requests_are_rate_limited(app, client, register):
    registered(register)
    answers = Counter(ask_for_link(client, DELEGATE).status_code for _ in range(30))

    mailed = [row for row in outbox(app) if row.kind == "lost_link"]
    # Three an hour for one address; the rest get the friendly 429 page.
    assert len(mailed) == 3, answers
    assert answers == Counter({200: 3, 429: 27})


# --- 8. development: files instead of SMTP -----------------------------------------


def test_without_a_mail_server_messages_become_eml_files(
    app, runner, register, tmp_path
):
    app.config.update(MAIL_SERVER="")
    app.instance_path = str(tmp_path)
    registered(register)

    output = deliver(runner)

    assert "sent 1" in output
    [path] = sorted((tmp_path / "mail").glob("*.eml"))
    row = only_row(app)
    assert row.status == "sent"
    message = parse(path.read_bytes())
    assert message["Message-ID"] == row.message_id
    assert message["To"].addresses[0].addr_spec == DELEGATE
    assert message.get_content_type() == "multipart/mixed"
    assert calendar_part(message).get_param("method") == "REQUEST"
    cal, _, _ = invitation(message)
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(only_event(cal)["ATTENDEE"]) == f"mailto:{DELEGATE}"
    deliver(runner)
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1


# --- 9. no working link at rest ---------------------------------------------------


def test_no_table_holds_a_working_manage_link(app, client, runner, register, smtp):
    """Read access to the database (or a backup) opens no delegate's page."""
    answer = register()
    tokens = {answer.headers["Location"].rsplit("/", 1)[1]}
    ask_for_link(client, DELEGATE)
    deliver(runner)
    tokens |= {manage_token(message) for message in received(smtp)}
    assert len(tokens) == 3  # the page after registering, and two e-mails
    for token in tokens:
        assert client.get(f"/r/{token}").status_code == 200

    stored = every_stored_text(app)

    assert not [text for text in stored for token in tokens if token in text]
    assert not [text for text in stored if MANAGE_LINK.search(text)]


def test_the_link_is_minted_when_the_message_is_sent(app, runner, register, smtp):
    registered(register)
    with app.app_context():
        assert db.session.scalar(select(func.count(RegistrationToken.id))) == 1

    deliver(runner)

    with app.app_context():
        assert db.session.scalar(select(func.count(RegistrationToken.id))) == 2


def test_a_message_queued_before_an_address_change_carries_no_link(
    app, client, runner, register, smtp
):
    """The confirmation still reaches the old address (it was queued for it),
    but without a way into the registration that now belongs elsewhere."""
    path = register().headers["Location"]
    edit = f"{path}/edit"
    form = valid_registration(email="nam.tran@example.org", consent=None)
    form["csrf_token"] = csrf_token(client, edit)
    assert client.post(edit, data=form).status_code == 303

    deliver(runner)

    to_old = [m for m in smtp.messages if m.rcpt_tos == [DELEGATE]]
    assert len(to_old) == 2  # the confirmation, and the notice of the change
    for message in to_old:
        assert not MANAGE_LINK.search(parse(message.content).as_string())
    to_new = [m for m in smtp.messages if m.rcpt_tos == ["nam.tran@example.org"]]
    assert MANAGE_LINK.search(text_of(parse(to_new[0].content)))


def test_an_internationalised_domain_is_written_in_idna_2008(
    app, runner, register, smtp
):
    registered(register, email="nam@straße.de")

    deliver(runner)

    [arrived] = smtp.messages
    assert arrived.rcpt_tos == ["nam@xn--strae-oqa.de"]  # not strasse.de
    assert "nam@xn--strae-oqa.de" in parse(arrived.content)["To"]


def test_a_message_reports_the_facts_of_when_it_was_queued(
    app, client, runner, register, smtp
):
    """Confirmed, then cancelled before the worker ran: the delegate gets the
    invitation, then its cancellation, in that order of SEQUENCE."""
    path = register().headers["Location"]
    cancel = f"{path}/cancel"
    client.post(cancel, data={"csrf_token": csrf_token(client, cancel)})

    deliver(runner)

    [invited, cancelled] = received(smtp)
    assert "is confirmed" in text_of(invited)
    assert calendar_part(invited).get_param("method") == "REQUEST"
    assert calendar_part(cancelled).get_param("method") == "CANCEL"
    first = only_event(invitation(invited)[0])["SEQUENCE"]
    assert only_event(invitation(cancelled)[0])["SEQUENCE"] == first + 1


def test_lost_link_does_the_same_work_for_any_address(app, client, register):
    """Registered or not, the request runs the very same statements: its
    timing cannot tell who is registered."""
    registered(register)
    token = csrf_token(client, f"/events/{SLUG}/lost-link")

    def ask(address):
        return lambda: client.post(
            f"/events/{SLUG}/lost-link", data={"email": address, "csrf_token": token}
        )

    known = statements_during(app, ask(DELEGATE))
    unknown = statements_during(app, ask("nobody-here@example.org"))

    assert known == unknown
    assert [row.kind for row in outbox(app)][-2:] == ["lost_link", "lost_link"]


def test_lost_link_for_an_unknown_address_is_skipped_and_forgotten(
    app, client, runner, event, smtp
):
    ask_for_link(client, "nobody-here@example.org")

    assert "skipped 1" in deliver(runner)

    assert smtp.messages == []
    row = only_row(app)
    assert row.status == "skipped"
    assert "nobody-here" not in row.recipient + str(row.facts)


def test_the_old_address_is_told_of_a_new_one_without_a_link(
    app, client, runner, register, smtp
):
    path = register().headers["Location"]
    deliver(runner)
    smtp.handler.clear()
    edit = f"{path}/edit"
    form = valid_registration(email="nam.tran@example.org", consent=None)
    form["csrf_token"] = csrf_token(client, edit)

    assert client.post(edit, data=form).status_code == 303
    deliver(runner)

    by_recipient = {m.rcpt_tos[0]: parse(m.content) for m in smtp.messages}
    notice = by_recipient[DELEGATE]
    assert "has been changed to nam.tran@example.org" in text_of(notice)
    assert not MANAGE_LINK.search(notice.as_string())
    assert "/r/" not in notice.as_string()
    assert calendar_part(by_recipient["nam.tran@example.org"]) is not None
