"""The delegates' e-mails: MIME structure, headers, bodies and the invitation.

Every message is serialised and parsed back with the standard ``email``
package, as a mail client would see it; calendars are read with icalendar and
vobject.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import re
from datetime import UTC, date, datetime

import icalendar
import pytest
import vobject
from conftest import BASE_URL
from sqlalchemy import func, select

from app.extensions import db
from app.mail import (
    DEFAULT_SENDER_NAME,
    MESSAGE_KINDS,
    MessageFacts,
    build_account_locked,
    build_address_check,
    build_message,
    new_message_id,
)
from app.models import Event, Registration

HOST = "register.example.org"
SENDER = "workshop@register.example.org"
MANAGE_URL = f"{BASE_URL}/r/tok_3xAmPlE-Secret"
EVENT_URL = f"{BASE_URL}/events/score-bogor-2011/"
NAME = "Trần Văn Nam"
# The status a registration has when each kind of message is sent.
STATUS_FOR = {
    "confirmed": "confirmed",
    "waitlisted": "waitlisted",
    "promoted": "confirmed",
    "pending": "pending",
    "approved": "confirmed",
    "rejected": "rejected",
    "updated": "confirmed",
    "cancelled": "cancelled",
    "lost_link": "confirmed",
    "already_registered": "confirmed",
    "email_changed": "confirmed",
    "visa_letter": "confirmed",
    "visa_letter_refused": "confirmed",
}
WITH_REQUEST = ("confirmed", "promoted", "approved", "updated")
WITHOUT_CALENDAR = (
    "waitlisted",
    "pending",
    "rejected",
    "lost_link",
    "already_registered",
    "email_changed",
)
NEW_EMAIL = "nam.tran@example.org"


@pytest.fixture
def workshop(app, event):
    """The seeded Event, loaded inside an application context."""
    with app.app_context():
        yield db.session.scalar(select(Event))
        # The registrations built here are transient: nothing was written.
        assert db.session.scalar(select(func.count(Registration.id))) == 0


def delegate(workshop: Event, **overrides) -> Registration:
    """A registration that is never added to the session."""
    fields = {
        "id": 42,
        "event": workshop,
        "programme": workshop.programme_by_code("VN"),
        "reference": "SCR-ABC234",
        "full_name": NAME,
        "email": "nam@example.org",
        "organisation": "SCORE Viet Nam",
        "category": "score_team",
        "dietary": "halal",
        "dietary_detail": "",
        "status": "confirmed",
        "sequence": 0,
        "created_at": datetime(2011, 3, 1, 3, 0, tzinfo=UTC),
        "updated_at": datetime(2011, 3, 1, 3, 0, tzinfo=UTC),
    }
    fields.update(overrides)
    return Registration(**fields)


def build(
    kind: str,
    registration: Registration,
    *,
    waitlist_place: int | None = None,
    with_calendar: bool = True,
    sender_name: str = DEFAULT_SENDER_NAME,
    message_id: str | None = None,
):
    """The message as the mail worker builds it from a queued row's facts."""
    facts = MessageFacts.of(
        registration,
        place=waitlist_place,
        with_calendar=with_calendar,
        new_email=NEW_EMAIL if kind == "email_changed" else None,
    )
    return build_message(
        kind,
        registration,
        facts,
        message_id=message_id or new_message_id(BASE_URL),
        recipient=registration.email,
        manage_url=None if kind == "email_changed" else MANAGE_URL,
        event_url=EVENT_URL,
        sender=SENDER,
        sender_name=sender_name,
    )


def round_trip(message) -> email.message.EmailMessage:
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def parts(message) -> list[str]:
    return [part.get_content_type() for part in message.walk()]


def text_of(message) -> str:
    # The wire's CRLF line endings survive decoding; compare with plain "\n".
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html_of(message) -> str:
    return message.get_body(("html",)).get_content().replace("\r\n", "\n")


def calendar_parts(message):
    """The inline text/calendar part and the invite.ics attachment."""
    [alternative, attachment] = message.iter_parts()
    calendar = list(alternative.iter_parts())[2]
    return calendar, attachment


def ics_of(message) -> bytes:
    calendar, _ = calendar_parts(message)
    return calendar.get_payload(decode=True)


def the_vevent(ics: bytes) -> icalendar.Event:
    [vevent] = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    return vevent


def test_confirmation_has_the_imip_structure(workshop):
    message = round_trip(build("confirmed", delegate(workshop)))

    assert message.get_content_type() == "multipart/mixed"
    [alternative, attachment] = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    [plain, html, calendar] = alternative.iter_parts()

    assert plain.get_content_type() == "text/plain"
    assert plain.get_content_charset() == "utf-8"
    assert html.get_content_type() == "text/html"
    assert html.get_content_charset() == "utf-8"

    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_param("charset") == "UTF-8"
    assert calendar["Content-Transfer-Encoding"] == "base64"
    # Inline and nameless: Outlook reads the calendar from this part only.
    assert calendar.get_content_disposition() is None
    assert calendar.get_filename() is None

    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_param("name") == "invite.ics"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "invite.ics"
    assert attachment["Content-Transfer-Encoding"] == "base64"

    inline_bytes = calendar.get_payload(decode=True)
    assert inline_bytes == attachment.get_payload(decode=True)
    assert inline_bytes.startswith(b"BEGIN:VCALENDAR\r\n")
    assert inline_bytes.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in inline_bytes.replace(b"\r\n", b"")
    assert b"\r\r\n" not in inline_bytes


def test_invitation_is_a_request_to_the_delegate(workshop):
    registration = delegate(workshop, sequence=3)
    ics = ics_of(round_trip(build("confirmed", registration)))

    calendar = icalendar.Calendar.from_ical(ics)
    assert calendar["METHOD"] == "REQUEST"
    vevent = the_vevent(ics)
    assert "METHOD" not in vevent
    assert vevent["UID"] == f"registration-42@{HOST}"
    assert vevent["SEQUENCE"] == 3
    assert vevent["STATUS"] == "CONFIRMED"
    assert vevent["ORGANIZER"] == f"mailto:{SENDER}"
    assert vevent["ORGANIZER"].params["CN"] == "SCORE Workshop organisers"
    attendee = vevent["ATTENDEE"]
    assert attendee == "mailto:nam@example.org"
    assert attendee.params["CN"] == NAME
    assert attendee.params["RSVP"] == "TRUE"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    # The whole workshop, all-day: DTEND of a DATE is exclusive.
    assert vevent.decoded("DTSTART") == date(2011, 4, 4)
    assert not isinstance(vevent.decoded("DTSTART"), datetime)
    assert vevent.decoded("DTEND") == date(2011, 4, 9)
    assert "tok_3xAmPlE-Secret" in str(vevent["DESCRIPTION"]).replace("\n", "")

    [independent] = list(vobject.readComponents(ics.decode("utf-8")))
    assert independent.method.value == "REQUEST"
    event = independent.vevent
    assert event.uid.value == f"registration-42@{HOST}"
    assert int(event.sequence.value) == 3
    assert event.organizer.value == f"mailto:{SENDER}"
    assert event.attendee.value == "mailto:nam@example.org"
    assert event.attendee.params["CN"] == [NAME]
    assert event.attendee.params["RSVP"] == ["TRUE"]
    assert event.dtstart.value == date(2011, 4, 4)
    assert not isinstance(event.dtstart.value, datetime)


def test_update_is_a_request_with_the_same_uid_and_a_higher_sequence(workshop):
    registration = delegate(workshop)
    first = the_vevent(ics_of(round_trip(build("confirmed", registration))))
    registration.sequence += 1
    update = round_trip(build("updated", registration))

    assert calendar_parts(update)[0].get_param("method") == "REQUEST"
    ics = ics_of(update)
    assert icalendar.Calendar.from_ical(ics)["METHOD"] == "REQUEST"
    again = the_vevent(ics)
    assert again["UID"] == first["UID"]
    assert again["SEQUENCE"] == first["SEQUENCE"] + 1


def test_cancellation_is_a_cancel_with_the_same_uid(workshop):
    registration = delegate(workshop)
    invitation = the_vevent(ics_of(round_trip(build("confirmed", registration))))
    registration.status = "cancelled"
    registration.sequence += 1
    message = round_trip(build("cancelled", registration))

    assert message.get_content_type() == "multipart/mixed"
    calendar, attachment = calendar_parts(message)
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "CANCEL"
    assert attachment.get_filename() == "invite.ics"
    ics = calendar.get_payload(decode=True)
    assert ics == attachment.get_payload(decode=True)

    assert icalendar.Calendar.from_ical(ics)["METHOD"] == "CANCEL"
    cancelled = the_vevent(ics)
    assert cancelled["STATUS"] == "CANCELLED"
    assert cancelled["UID"] == invitation["UID"]
    assert cancelled["SEQUENCE"] == invitation["SEQUENCE"] + 1
    [independent] = list(vobject.readComponents(ics.decode("utf-8")))
    assert independent.method.value == "CANCEL"
    assert independent.vevent.status.value == "CANCELLED"
    assert independent.vevent.uid.value == f"registration-42@{HOST}"


@pytest.mark.parametrize("kind", WITHOUT_CALENDAR)
def test_messages_without_a_seat_carry_no_calendar(workshop, kind):
    message = round_trip(build(kind, delegate(workshop, status=STATUS_FOR[kind])))

    assert message.get_content_type() == "multipart/alternative"
    assert parts(message) == ["multipart/alternative", "text/plain", "text/html"]
    assert not list(message.iter_attachments())
    assert "Add to calendar" not in text_of(message)


@pytest.mark.parametrize("kind", WITH_REQUEST)
def test_confirmation_kinds_carry_no_invitation_unless_confirmed(workshop, kind):
    message = round_trip(build(kind, delegate(workshop, status="waitlisted")))

    assert "text/calendar" not in parts(message)
    assert "application/ics" not in parts(message)


@pytest.mark.parametrize("kind", WITH_REQUEST)
def test_confirmation_kinds_invite_a_confirmed_delegate(workshop, kind):
    message = round_trip(build(kind, delegate(workshop, status=STATUS_FOR[kind])))

    assert parts(message) == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
        "application/ics",
    ]
    assert calendar_parts(message)[0].get_param("method") == "REQUEST"
    for body in (text_of(message), html_of(message)):
        assert "Gmail" in body
        assert "Add to calendar" in body


@pytest.mark.parametrize("kind", WITH_REQUEST)
def test_confirmation_kinds_show_the_programme_in_local_time(workshop, kind):
    message = round_trip(build(kind, delegate(workshop, status=STATUS_FOR[kind])))
    text = text_of(message)

    # The first session starts at 02:00Z, which is 09:00 WIB.
    assert "Monday, 4 April 2011" in text
    assert "09:00–10:30  Opening and introductions" in text
    assert "02:00" not in text
    assert "WIB" in text
    assert "Provisional programme" in text
    assert "Opening and introductions" in html_of(message)


def test_a_final_programme_has_no_provisional_note(workshop):
    workshop.programme_is_provisional = False
    message = round_trip(build("confirmed", delegate(workshop)))

    assert "Provisional" not in text_of(message)
    assert "Provisional" not in html_of(message)
    db.session.rollback()


@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_every_message_names_the_event_and_how_to_reach_the_organisers(workshop, kind):
    message = round_trip(build(kind, delegate(workshop, status=STATUS_FOR[kind])))

    for body in (text_of(message), html_of(message)):
        assert "SCORE Global Knowledge Sharing Workshop" in body
        assert "4\u2009–\u20098 April 2011" in body
        assert "Bogor, West Java, Indonesia" in body
        assert "SCR-ABC234" in body
        if kind == "email_changed":
            # Told to the old address, which must not get a way in.
            assert "/r/" not in body
            assert NEW_EMAIL in body
        else:
            assert MANAGE_URL in body
        assert "Januar Rustandie" in body
        assert "januar@ilo.org" in body
        assert "gita@ilo.org" in body
        assert SENDER in body
    subject = str(message["Subject"]).strip()
    assert "SCORE Global Knowledge Sharing Workshop" in subject
    assert "(SCR-ABC234)" in subject


@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_every_message_is_ready_for_smtp(workshop, kind):
    raw = build(kind, delegate(workshop, status=STATUS_FOR[kind])).as_bytes()

    # Handed to sendmail() as is: 7-bit only, CRLF only, short lines.
    assert raw.isascii()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_subjects_name_the_kind(workshop):
    subjects = {
        kind: str(
            round_trip(build(kind, delegate(workshop, status=STATUS_FOR[kind])))[
                "Subject"
            ]
        ).strip()
        for kind in MESSAGE_KINDS
    }

    assert subjects["confirmed"] == (
        "Registration confirmed: SCORE Global Knowledge Sharing Workshop (SCR-ABC234)"
    )
    assert subjects["cancelled"].startswith("Registration cancelled:")
    assert len(set(subjects.values())) == len(MESSAGE_KINDS)


def test_waiting_list_message_gives_the_place(workshop):
    registration = delegate(workshop, status="waitlisted")
    with_place = round_trip(build("waitlisted", registration, waitlist_place=3))
    without_place = round_trip(build("waitlisted", registration))

    assert "waiting list, in place 3." in text_of(with_place)
    assert "place 3" in html_of(with_place)
    assert "in place" not in text_of(without_place)
    assert "Viet Nam" in text_of(without_place)


def test_pending_message_says_the_seat_is_held_until_approval(workshop):
    message = round_trip(build("pending", delegate(workshop, status="pending")))
    text = text_of(message)

    assert "awaits approval by the organisers" in text
    assert "Your seat is held" in text


def test_rejection_is_polite_and_gives_the_contacts(workshop):
    text = text_of(round_trip(build("rejected", delegate(workshop, status="rejected"))))

    assert "Thank you for your interest" in text
    assert "not able to accept" in text
    assert "fasrul@ilo.org" in text


def test_cancellation_message_confirms_the_cancellation(workshop):
    registration = delegate(workshop, status="cancelled", sequence=1)
    text = text_of(round_trip(build("cancelled", registration)))

    assert "SCR-ABC234 for the SCORE Global Knowledge Sharing Workshop" in text
    assert "has been cancelled" in text
    assert "removes the workshop from your calendar" in text


def test_lost_link_message_gives_the_link_again(workshop):
    text = text_of(round_trip(build("lost_link", delegate(workshop))))

    assert "asked for the link to your registration" in text
    assert f"\n{MANAGE_URL}\n" in text


@pytest.mark.parametrize(
    "full_name", [NAME, "Fasrul", 'Nguyễn, "Bé" Thị', "Zhāng Wěi 张伟"]
)
def test_display_names_survive_the_round_trip(workshop, full_name):
    message = round_trip(build("confirmed", delegate(workshop, full_name=full_name)))

    [to] = message["To"].addresses
    assert to.display_name == full_name
    assert to.addr_spec == "nam@example.org"
    [sender] = message["From"].addresses
    assert sender.display_name == "SCORE Workshop organisers"
    assert sender.addr_spec == SENDER
    assert text_of(message).startswith(f"Dear {full_name},\n")


def test_sender_name_is_configurable(workshop):
    message = round_trip(
        build("confirmed", delegate(workshop), sender_name="Panitia Lokakarya SCORE")
    )

    assert message["From"].addresses[0].display_name == "Panitia Lokakarya SCORE"
    assert the_vevent(ics_of(message))["ORGANIZER"].params["CN"] == (
        "Panitia Lokakarya SCORE"
    )


def test_headers_mark_an_automatic_message(workshop):
    message = round_trip(build("confirmed", delegate(workshop)))

    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"].datetime.tzinfo is not None
    assert message["MIME-Version"] == "1.0"


def test_message_carries_the_message_id_it_was_queued_with(workshop):
    registration = delegate(workshop)
    message_id = new_message_id(BASE_URL)
    first = build("confirmed", registration, message_id=message_id)
    again = build("confirmed", registration, message_id=message_id)

    # Built again for a retry, it is the same message to the mail server.
    assert round_trip(first)["Message-ID"] == message_id
    assert round_trip(again)["Message-ID"] == message_id


def test_html_escapes_what_delegates_typed(workshop):
    registration = delegate(
        workshop,
        full_name="<script>alert(1)</script> Nam",
        organisation='ACME & Sons <img src=x onerror="alert(2)">',
    )
    message = round_trip(build("confirmed", registration))
    html = html_of(message)

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Nam" in html
    assert "<img" not in html
    assert "ACME &amp; Sons &lt;img" in html
    # The plain text is not HTML: it shows what was typed.
    assert "Dear <script>alert(1)</script> Nam," in text_of(message)


def test_header_injection_through_the_name_is_neutralised(workshop):
    registration = delegate(workshop, full_name="Nam\r\nBcc: victim@example.org")
    message = round_trip(build("confirmed", registration))

    assert message["Bcc"] is None
    assert message["To"].addresses[0].display_name == ("Nam Bcc: victim@example.org")


def test_the_organiser_mailbox_is_never_the_recipient(workshop):
    registration = delegate(workshop, email=SENDER.upper())

    for kind in ("confirmed", "waitlisted"):
        with pytest.raises(ValueError, match="organiser"):
            build(kind, registration)


def test_unknown_kinds_are_refused(workshop):
    with pytest.raises(ValueError, match="unknown message kind"):
        build("reminder", delegate(workshop))


# --- header injection (hostile names and titles) --------------------------------

HOSTILE_TEXTS = [
    # What the review sent: decoded by the email package into raw CR/LF.
    "=?utf-8?q?D=0D=0AReply-To:_pay@evil.example=0D=0A=0D=0APay_at_http://evil.example?=",
    "=?UTF-8?B?RA0KQmNjOiB2aWN0aW1AZXhhbXBsZS5vcmcNCg0KYm9keQ==?=",
    "Trần =?utf-8?q?=0ABcc:_victim@example.org?= Văn",
    "=?utf-8?q?" + "A" * 120 + "=0D=0ABcc:_x@evil.example?=",
    "Nam\r\nBcc: victim@example.org",
    "Nam\u2028Bcc: victim@example.org",
]
# Every header the app sets on the top level, and no other.
APP_HEADERS = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Auto-Submitted",
    "MIME-Version",
    "Content-Type",
]


def header_names(raw: bytes) -> list[str]:
    """The names in the top-level header block, as a mail server reads them."""
    block = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    return [
        line.split(":", 1)[0]
        for line in block.split("\r\n")
        if not line.startswith((" ", "\t"))
    ]


def decoded(value: str) -> str:
    """A header's text as an RFC 2047 reader shows it (unfolded, decoded)."""
    unfolded = re.sub(r"\r?\n([ \t])", r"\1", value)
    return str(email.header.make_header(email.header.decode_header(unfolded)))


def display_name(value: str) -> str:
    """The display name of a one-address header, decoded or unquoted."""
    phrase = re.sub(r"\s*<[^<>]+>$", "", value.strip())
    if phrase.startswith('"'):
        return re.sub(r"\\(.)", r"\1", phrase[1:-1])
    return decoded(phrase)


def every_kind_of_message(workshop: Event, name: str) -> dict:
    """One message of every kind the app sends, to a delegate called ``name``."""
    registration = delegate(workshop, full_name=name)
    messages = {
        kind: build(kind, delegate(workshop, full_name=name, status=STATUS_FOR[kind]))
        for kind in MESSAGE_KINDS
    }
    messages["confirm_email"] = build_address_check(
        workshop,
        message_id=new_message_id(BASE_URL),
        recipient=registration.email,
        name=name,
        confirm_url=f"{BASE_URL}/events/x/confirm/secret",
        event_url=EVENT_URL,
        sender=SENDER,
        valid_hours=48,
    )
    messages["account_locked"] = build_account_locked(
        message_id=new_message_id(BASE_URL),
        recipient="organiser@example.org",
        client_address="203.0.113.9",
        failures=5,
        locked_until=datetime(2011, 4, 4, 3, 0, tzinfo=UTC),
        sender=SENDER,
        sender_name=name,
    )
    return messages


@pytest.mark.parametrize("hostile", HOSTILE_TEXTS)
def test_hostile_names_and_titles_never_add_a_header(workshop, hostile):
    workshop.title = hostile
    try:
        for kind, message in every_kind_of_message(workshop, hostile).items():
            raw = message.as_bytes()

            assert header_names(raw) == APP_HEADERS, kind
            parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
            assert parsed["Reply-To"] is None and parsed["Bcc"] is None, kind
            shown = " ".join(hostile.split())  # line breaks become spaces
            names = [display_name(parsed["To"]), display_name(parsed["From"])]
            # Read back exactly as typed: nothing decoded twice, nothing lost.
            assert shown in names, kind
            if kind != "account_locked":
                assert shown in decoded(parsed["Subject"]), kind
    finally:
        db.session.rollback()


def test_plain_names_are_written_as_they_are(workshop):
    raw = build("confirmed", delegate(workshop, full_name="Kofi Mensah")).as_bytes()

    assert b"\r\nTo: Kofi Mensah <nam@example.org>\r\n" in raw
