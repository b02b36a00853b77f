"""Calendar files: the rules of ICAL.md, checked on the bytes and with two parsers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
import vobject

from app import ical
from app.models.events import Event, ProgrammeSession
from app.models.registrations import Registration

BASE_URL = "https://register.score-workshop.example:8443/"
EVENT_URL = BASE_URL + "events/score-bogor-2011/"
HOST = "register.score-workshop.example"
ORGANISER = {"organiser_email": "score@ilo.example", "organiser_name": "SCORE team"}


@pytest.fixture
def workshop() -> Event:
    return Event(
        id=1,
        slug="score-bogor-2011",
        title="SCORE Global Knowledge Sharing Workshop",
        starts_on=date(2011, 4, 4),
        ends_on=date(2011, 4, 8),
        timezone="Asia/Jakarta",
        location="Bogor, West Java, Indonesia",
        host="ILO Jakarta Office",
        # Long and multilingual, so that lines are folded inside UTF-8 text.
        summary=(
            "Five days of sharing what works in SCORE: Sustaining Competitive "
            "and Responsible Enterprises. Chia sẻ kinh nghiệm giữa các quốc "
            "gia; 可持续竞争力和负责任企业项目的全球知识分享研讨会。"
        ),
        sequence=0,
        updated_at=datetime(2011, 2, 1, 8, 30, tzinfo=UTC),
        programme_is_provisional=True,
    )


@pytest.fixture
def sessions(workshop: Event) -> list[ProgrammeSession]:
    return [
        # Given out of order: the feed lists them by start.
        ProgrammeSession(
            id=12,
            event=workshop,
            starts_at=datetime(2011, 4, 4, 6, 0, tzinfo=UTC),
            ends_at=datetime(2011, 4, 4, 8, 0, tzinfo=UTC),
            title="Field visit: factories in Bogor",
            description="Buses leave from the hotel lobby.\nBring a hat.",
            location="Bogor industrial estate",
            sequence=3,
            updated_at=datetime(2011, 3, 20, 4, 0, tzinfo=UTC),
        ),
        ProgrammeSession(
            id=11,
            event=workshop,
            # 09:00 WIB
            starts_at=datetime(2011, 4, 4, 2, 0, tzinfo=UTC),
            ends_at=datetime(2011, 4, 4, 3, 30, tzinfo=UTC),
            title="Opening and welcome",
            description="Welcome by the ILO and the host; the week ahead.",
            location=None,
            sequence=0,
            updated_at=datetime(2011, 3, 1, tzinfo=UTC),
        ),
    ]


@pytest.fixture
def registration(workshop: Event) -> Registration:
    return Registration(
        id=42,
        event=workshop,
        reference="SC-7Q4K2M",
        full_name="Trần Văn Nam",
        email="nam.tran@example.vn",
        sequence=0,
        updated_at=datetime(2011, 3, 5, tzinfo=UTC),
    )


def every_file(workshop, sessions, registration) -> dict[str, bytes]:
    return {
        "event": ical.event_calendar(workshop, EVENT_URL),
        "agenda": ical.agenda_calendar(workshop, sessions, EVENT_URL),
        "invite": ical.personal_invitation(registration, EVENT_URL),
        "request": ical.personal_invitation(
            registration, EVENT_URL, "REQUEST", **ORGANISER
        ),
        "cancel": ical.personal_invitation(
            registration, EVENT_URL, "CANCEL", **ORGANISER
        ),
    }


KINDS = ["event", "agenda", "invite", "request", "cancel"]


@pytest.fixture(params=KINDS)
def any_file(request, workshop, sessions, registration) -> bytes:
    return every_file(workshop, sessions, registration)[request.param]


def content_lines(ics: bytes) -> list[str]:
    """The unfolded content lines, decoded."""
    return ics.decode("utf-8").replace("\r\n ", "").split("\r\n")[:-1]


def vevent_of(ics: bytes) -> icalendar.Event:
    [event] = icalendar.Calendar.from_ical(ics).events
    return event


def vobject_calendar(ics: bytes):
    [calendar] = list(vobject.readComponents(ics.decode("utf-8")))
    return calendar


def in_utc(value: datetime) -> datetime:
    assert value.tzinfo is not None, "a timed value must carry its zone"
    return value.astimezone(UTC)


# Every file


def test_every_line_ends_in_crlf_without_bare_lf(any_file):
    assert any_file.endswith(b"END:VCALENDAR\r\n")
    assert any_file.count(b"\n") == any_file.count(b"\r\n")
    assert any_file.count(b"\r") == any_file.count(b"\r\n")


def test_no_line_is_longer_than_75_octets_nor_splits_a_character(any_file):
    lines = any_file.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # raises if a fold cut a character in two


def test_the_summary_is_folded_and_unfolds_to_the_original_text(workshop, sessions):
    ics = ical.event_calendar(workshop, EVENT_URL)
    assert b"\r\n " in ics
    assert "可持续竞争力和负责任企业项目" in str(vevent_of(ics)["DESCRIPTION"])


def test_version_and_prodid_appear_once(any_file):
    lines = content_lines(any_file)
    assert lines.count("VERSION:2.0") == 1
    assert lines.count(f"PRODID:{ical.PRODID}") == 1


def test_no_control_characters_but_crlf(any_file):
    assert re.search(rb"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]", any_file) is None


def test_every_event_has_a_dtstamp_in_utc_and_a_sequence(any_file):
    for event in icalendar.Calendar.from_ical(any_file).events:
        assert event["DTSTAMP"].dt.tzinfo is not None
        assert event["DTSTAMP"].dt.utcoffset() == timedelta(0)
        assert "SEQUENCE" in event
    for line in content_lines(any_file):
        if line.startswith("DTSTAMP"):
            assert re.fullmatch(r"DTSTAMP:\d{8}T\d{6}Z", line)


def test_method_is_on_the_calendar_never_inside_the_event(any_file):
    calendar = icalendar.Calendar.from_ical(any_file)
    assert calendar["METHOD"] in ical.METHODS
    assert all("METHOD" not in event for event in calendar.events)


@pytest.mark.parametrize(
    ("kind", "method"),
    [
        ("event", "PUBLISH"),
        ("agenda", "PUBLISH"),
        ("invite", "PUBLISH"),
        ("request", "REQUEST"),
        ("cancel", "CANCEL"),
    ],
)
def test_method_of_each_kind_of_file(workshop, sessions, registration, kind, method):
    ics = every_file(workshop, sessions, registration)[kind]
    assert f"METHOD:{method}" in content_lines(ics)
    assert vobject_calendar(ics).method.value == method


@pytest.mark.parametrize("kind", ["event", "agenda", "invite"])
def test_published_files_name_no_organiser_and_no_attendee(
    workshop, sessions, registration, kind
):
    ics = every_file(workshop, sessions, registration)[kind]
    assert b"ORGANIZER" not in ics
    assert b"ATTENDEE" not in ics


@pytest.mark.parametrize("kind", ["event", "invite", "request", "cancel"])
def test_downloads_and_invitations_do_not_ask_for_a_calendar_of_their_own(
    workshop, sessions, registration, kind
):
    # With a calendar name, Outlook and Apple Calendar open a file as a new
    # calendar instead of adding the event to the delegate's own.
    ics = every_file(workshop, sessions, registration)[kind]
    assert b"X-WR-CALNAME" not in ics


def test_published_files_are_stamped_with_their_last_change(
    workshop, sessions, registration
):
    # Not the time of the request: the same data gives the same bytes and ETag.
    files = every_file(workshop, sessions, registration)
    stamps = {
        kind: {e["DTSTAMP"].dt for e in icalendar.Calendar.from_ical(ics).events}
        for kind, ics in files.items()
        if kind in ("event", "agenda", "invite")
    }
    assert stamps == {
        "event": {datetime(2011, 2, 1, 8, 30, tzinfo=UTC)},
        "agenda": {datetime(2011, 3, 20, 4, 0, tzinfo=UTC)},
        "invite": {datetime(2011, 3, 5, tzinfo=UTC)},
    }


# The whole workshop


def test_event_calendar_is_one_all_day_event_with_exclusive_end(workshop):
    ics = ical.event_calendar(workshop, EVENT_URL)
    lines = content_lines(ics)
    assert "DTSTART;VALUE=DATE:20110404" in lines
    assert "DTEND;VALUE=DATE:20110409" in lines
    assert "TRANSP:TRANSPARENT" in lines

    event = vevent_of(ics)
    assert event.start == date(2011, 4, 4)
    assert event.end == date(2011, 4, 9)
    assert not isinstance(event.start, datetime)
    assert str(event["UID"]) == f"event-1@{HOST}"
    assert event["SEQUENCE"] == 0
    assert str(event["SUMMARY"]) == "SCORE Global Knowledge Sharing Workshop"
    assert str(event["LOCATION"]) == "Bogor, West Java, Indonesia"
    assert event["LAST-MODIFIED"].dt == datetime(2011, 2, 1, 8, 30, tzinfo=UTC)

    vevent = vobject_calendar(ics).vevent
    assert vevent.dtstart.value == date(2011, 4, 4)
    assert vevent.dtend.value == date(2011, 4, 9)
    assert vevent.location.value == "Bogor, West Java, Indonesia"


def test_event_calendar_links_to_the_event_page(workshop):
    ics = ical.event_calendar(workshop, EVENT_URL)
    page = "https://register.score-workshop.example:8443/events/score-bogor-2011/"
    event = vevent_of(ics)
    assert str(event["URL"]) == page
    assert page in str(event["DESCRIPTION"])
    assert str(event["DESCRIPTION"]).startswith("Five days of sharing")


def test_event_calendar_is_identical_across_requests(workshop):
    first = ical.event_calendar(workshop, EVENT_URL)
    assert ical.event_calendar(workshop, EVENT_URL) == first
    assert ical.calendar_etag(ical.event_calendar(workshop, EVENT_URL)) == (
        ical.calendar_etag(first)
    )


def test_event_calendar_sequence_follows_the_event(workshop):
    before = ical.event_calendar(workshop, EVENT_URL)
    workshop.sequence = 1
    workshop.updated_at = datetime(2011, 2, 15, tzinfo=UTC)
    after = ical.event_calendar(workshop, EVENT_URL)
    assert vevent_of(before)["SEQUENCE"] < vevent_of(after)["SEQUENCE"] == 1
    assert vevent_of(after)["UID"] == vevent_of(before)["UID"]
    assert vevent_of(after)["DTSTAMP"].dt > vevent_of(before)["DTSTAMP"].dt
    assert ical.calendar_etag(after) != ical.calendar_etag(before)


# The programme feed


def test_agenda_has_one_event_per_session_in_order_of_start(workshop, sessions):
    calendar = icalendar.Calendar.from_ical(
        ical.agenda_calendar(workshop, sessions, EVENT_URL)
    )
    assert [str(e["UID"]) for e in calendar.events] == [
        f"session-11@{HOST}",
        f"session-12@{HOST}",
    ]
    assert [e["SEQUENCE"] for e in calendar.events] == [0, 3]


def test_nine_o_clock_in_bogor_is_two_o_clock_utc_for_both_parsers(workshop, sessions):
    ics = ical.agenda_calendar(workshop, sessions, EVENT_URL)
    assert "DTSTART;TZID=Asia/Jakarta:20110404T090000" in content_lines(ics)
    assert "DTEND;TZID=Asia/Jakarta:20110404T103000" in content_lines(ics)

    opening = icalendar.Calendar.from_ical(ics).events[0]
    assert in_utc(opening.start) == datetime(2011, 4, 4, 2, 0, tzinfo=UTC)
    assert in_utc(opening.end) == datetime(2011, 4, 4, 3, 30, tzinfo=UTC)

    by_uid = {e.uid.value: e for e in vobject_calendar(ics).vevent_list}
    opening = by_uid[f"session-11@{HOST}"]
    assert in_utc(opening.dtstart.value) == datetime(2011, 4, 4, 2, 0, tzinfo=UTC)
    assert in_utc(opening.dtend.value) == datetime(2011, 4, 4, 3, 30, tzinfo=UTC)
    visit = by_uid[f"session-12@{HOST}"]
    assert in_utc(visit.dtstart.value) == datetime(2011, 4, 4, 6, 0, tzinfo=UTC)


def test_agenda_has_a_vtimezone_for_every_tzid(workshop, sessions):
    ics = ical.agenda_calendar(workshop, sessions, EVENT_URL)
    calendar = icalendar.Calendar.from_ical(ics)
    assert calendar.get_used_tzids() == {"Asia/Jakarta"}
    assert calendar.get_missing_tzids() == set()
    [timezone] = calendar.timezones
    assert timezone.tz_name == "Asia/Jakarta"
    [standard] = timezone.standard
    assert standard["TZOFFSETTO"].td == timedelta(hours=7)
    assert str(standard["TZNAME"]) == "WIB"
    # The VTIMEZONE comes before the events that use it.
    assert ics.index(b"BEGIN:VTIMEZONE") < ics.index(b"BEGIN:VEVENT")


def test_agenda_has_one_vtimezone_and_the_same_bytes_each_time(workshop, sessions):
    first = ical.agenda_calendar(workshop, sessions, EVENT_URL)
    second = ical.agenda_calendar(workshop, sessions, EVENT_URL)
    assert first == second
    assert first.count(b"BEGIN:VTIMEZONE") == 1


def test_agenda_feed_headers_for_subscribers(workshop, sessions):
    ics = ical.agenda_calendar(workshop, sessions, EVENT_URL)
    lines = content_lines(ics)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT12H" in lines
    assert "X-PUBLISHED-TTL:PT12H" in lines
    assert "X-WR-TIMEZONE:Asia/Jakarta" in lines
    assert "X-WR-CALNAME:SCORE Global Knowledge Sharing Workshop — programme" in lines
    calendar = vobject_calendar(ics)
    assert calendar.x_wr_timezone.value == "Asia/Jakarta"
    assert calendar.refresh_interval.params["VALUE"] == ["DURATION"]


def test_agenda_marks_a_provisional_programme(workshop, sessions):
    provisional = ical.agenda_calendar(workshop, sessions, EVENT_URL)
    for event in icalendar.Calendar.from_ical(provisional).events:
        assert ical.provisional_note() in str(event["DESCRIPTION"])
    visit = icalendar.Calendar.from_ical(provisional).events[1]
    assert str(visit["DESCRIPTION"]).startswith(
        "Buses leave from the hotel lobby.\nBring a hat."
    )

    workshop.programme_is_provisional = False
    final = ical.agenda_calendar(workshop, sessions, EVENT_URL)
    assert ical.provisional_note().encode() not in final
    visit = icalendar.Calendar.from_ical(final).events[1]
    assert (
        str(visit["DESCRIPTION"]) == "Buses leave from the hotel lobby.\nBring a hat."
    )


def test_a_session_without_a_room_takes_the_event_location(workshop, sessions):
    by_uid = {
        e.uid.value: e
        for e in vobject_calendar(
            ical.agenda_calendar(workshop, sessions, EVENT_URL)
        ).vevent_list
    }
    assert by_uid[f"session-11@{HOST}"].location.value == "Bogor, West Java, Indonesia"
    assert by_uid[f"session-12@{HOST}"].location.value == "Bogor industrial estate"


def test_a_rescheduled_session_keeps_its_uid_and_raises_its_sequence(
    workshop, sessions
):
    before = ical.agenda_calendar(workshop, sessions, EVENT_URL)
    opening = sessions[1]
    opening.starts_at += timedelta(minutes=30)
    opening.ends_at += timedelta(minutes=30)
    opening.sequence += 1
    opening.updated_at = datetime(2011, 3, 25, tzinfo=UTC)
    after = ical.agenda_calendar(workshop, sessions, EVENT_URL)

    old, new = (icalendar.Calendar.from_ical(ics).events[0] for ics in (before, after))
    assert old["UID"] == new["UID"] == f"session-11@{HOST}"
    assert (old["SEQUENCE"], new["SEQUENCE"]) == (0, 1)
    assert in_utc(new.start) == datetime(2011, 4, 4, 2, 30, tzinfo=UTC)
    assert new["LAST-MODIFIED"].dt == datetime(2011, 3, 25, tzinfo=UTC)
    assert ical.calendar_etag(after) != ical.calendar_etag(before)


def test_an_agenda_without_sessions_is_still_a_valid_calendar(workshop):
    ics = ical.agenda_calendar(workshop, [], EVENT_URL)
    calendar = icalendar.Calendar.from_ical(ics)
    assert calendar.events == []
    assert [tz.tz_name for tz in calendar.timezones] == ["Asia/Jakarta"]
    assert vobject_calendar(ics).vtimezone.tzid.value == "Asia/Jakarta"


# The delegate's invitation


def test_invite_download_is_the_all_day_workshop_with_the_registration_uid(
    registration,
):
    ics = ical.personal_invitation(registration, EVENT_URL)
    lines = content_lines(ics)
    assert "METHOD:PUBLISH" in lines
    assert "DTSTART;VALUE=DATE:20110404" in lines
    assert "DTEND;VALUE=DATE:20110409" in lines
    assert "TRANSP:TRANSPARENT" in lines
    event = vevent_of(ics)
    assert str(event["UID"]) == f"registration-42@{HOST}"
    assert event["SEQUENCE"] == 0
    assert "SC-7Q4K2M" in str(event["DESCRIPTION"])
    assert "confirmation e-mail" in str(event["DESCRIPTION"])
    vevent = vobject_calendar(ics).vevent
    assert vevent.dtstart.value == date(2011, 4, 4)
    assert vevent.dtend.value == date(2011, 4, 9)


def test_invite_includes_the_manage_link_when_given(registration):
    manage = "https://register.score-workshop.example/r/SC-7Q4K2M/manage?t=abc"
    event = vevent_of(
        ical.personal_invitation(registration, EVENT_URL, manage_url=manage)
    )
    assert f"Manage your registration: {manage}" in str(event["DESCRIPTION"])


def test_request_names_the_organiser_and_the_delegate(registration):
    ics = ical.personal_invitation(registration, EVENT_URL, "REQUEST", **ORGANISER)
    event = vevent_of(ics)
    assert str(event["ORGANIZER"]) == "mailto:score@ilo.example"
    assert event["ORGANIZER"].params["CN"] == "SCORE team"
    [attendee] = event.attendees
    assert str(attendee) == "mailto:nam.tran@example.vn"
    assert dict(attendee.params) == {
        "CN": "Trần Văn Nam",
        "CUTYPE": "INDIVIDUAL",
        "ROLE": "REQ-PARTICIPANT",
        "PARTSTAT": "NEEDS-ACTION",
        "RSVP": "TRUE",
    }
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["UID"]) == f"registration-42@{HOST}"

    vevent = vobject_calendar(ics).vevent
    assert vevent.organizer.value == "mailto:score@ilo.example"
    assert vevent.attendee.value == "mailto:nam.tran@example.vn"
    assert vevent.attendee.params["CN"] == ["Trần Văn Nam"]


def test_a_request_is_stamped_when_it_is_made(registration):
    before = datetime.now(UTC).replace(microsecond=0)
    event = vevent_of(
        ical.personal_invitation(registration, EVENT_URL, "REQUEST", **ORGANISER)
    )
    assert before <= event["DTSTAMP"].dt <= datetime.now(UTC)


def test_cancel_is_cancelled_with_the_same_uid_and_parties(registration):
    ics = ical.personal_invitation(registration, EVENT_URL, "CANCEL", **ORGANISER)
    lines = content_lines(ics)
    assert "METHOD:CANCEL" in lines
    assert "STATUS:CANCELLED" in lines
    event = vevent_of(ics)
    assert str(event["UID"]) == f"registration-42@{HOST}"
    assert str(event["ORGANIZER"]) == "mailto:score@ilo.example"
    assert [str(a) for a in event.attendees] == ["mailto:nam.tran@example.vn"]
    assert vobject_calendar(ics).vevent.status.value == "CANCELLED"


def test_invitation_uid_is_stable_and_sequence_grows_through_update_and_cancel(
    registration,
):
    sent = []
    invitation = ical.personal_invitation(
        registration, EVENT_URL, "REQUEST", **ORGANISER
    )
    sent.append(invitation)
    assert ical.personal_invitation(registration, EVENT_URL) == (
        ical.personal_invitation(registration, EVENT_URL)
    )
    registration.sequence += 1
    sent.append(
        ical.personal_invitation(registration, EVENT_URL, "REQUEST", **ORGANISER)
    )
    registration.sequence += 1
    sent.append(
        ical.personal_invitation(registration, EVENT_URL, "CANCEL", **ORGANISER)
    )

    events = [vevent_of(ics) for ics in sent]
    assert {str(e["UID"]) for e in events} == {f"registration-42@{HOST}"}
    assert [e["SEQUENCE"] for e in events] == [0, 1, 2]
    assert [vobject_calendar(ics).vevent.sequence.value for ics in sent] == [
        "0",
        "1",
        "2",
    ]


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_invitations_by_mail_need_an_organiser(registration, method):
    with pytest.raises(ValueError, match="organiser_email"):
        ical.personal_invitation(registration, EVENT_URL, method)


def test_the_delegate_is_never_the_organiser(registration):
    with pytest.raises(ValueError, match="organiser"):
        ical.personal_invitation(
            registration,
            EVENT_URL,
            "REQUEST",
            organiser_email="Nam.Tran@example.vn",
            organiser_name="SCORE team",
        )


def test_an_unknown_method_is_refused(registration):
    with pytest.raises(ValueError, match="METHOD"):
        ical.personal_invitation(registration, EVENT_URL, "COUNTER", **ORGANISER)


def test_control_characters_are_stripped_from_the_name(registration):
    registration.full_name = "Nam\x00\x07"
    ics = ical.personal_invitation(registration, EVENT_URL, "REQUEST", **ORGANISER)
    [attendee] = vevent_of(ics).attendees
    assert attendee.params["CN"] == "Nam"
    assert vobject_calendar(ics).vevent.attendee.params["CN"] == ["Nam"]


def test_a_line_break_in_the_name_cannot_add_an_attendee(registration):
    registration.full_name = 'Eve\r\nATTENDEE:mailto:eve@evil.example\r\n"'
    ics = ical.personal_invitation(registration, EVENT_URL, "REQUEST", **ORGANISER)
    assert not any(
        line.startswith("ATTENDEE:mailto:eve") for line in content_lines(ics)
    )
    [attendee] = vevent_of(ics).attendees
    assert str(attendee) == "mailto:nam.tran@example.vn"
    assert "\n" not in attendee.params["CN"]
    assert attendee.params["CN"].startswith("Eve ATTENDEE:mailto:eve@evil.example")


@pytest.mark.parametrize("name", ["Trần Văn Nam", "张伟", "Nguyễn Thị Hương-Giang"])
def test_names_in_any_script_round_trip_in_the_attendee_cn(registration, name):
    registration.full_name = name
    ics = ical.personal_invitation(registration, EVENT_URL, "REQUEST", **ORGANISER)
    assert name.encode("utf-8") in ics
    [attendee] = vevent_of(ics).attendees
    assert attendee.params["CN"] == name
    assert vobject_calendar(ics).vevent.attendee.params["CN"] == [name]


# Helpers


def test_uid_host_comes_from_the_event_url_without_port_or_path(workshop):
    for url in ("https://Register.Score-Workshop.example:8443/events/x/", EVENT_URL):
        event = vevent_of(ical.event_calendar(workshop, url))
        assert str(event["UID"]) == f"event-1@{HOST}"


def test_an_event_url_without_a_host_is_refused(workshop):
    with pytest.raises(ValueError, match="event_url"):
        ical.event_calendar(workshop, "register.score-workshop.example")


def test_calendar_etag_is_a_strong_quoted_hash_of_the_bytes():
    etag = ical.calendar_etag(b"BEGIN:VCALENDAR\r\n")
    assert re.fullmatch(r'"[0-9a-f]{64}"', etag)
    assert etag == ical.calendar_etag(b"BEGIN:VCALENDAR\r\n")
    assert etag != ical.calendar_etag(b"BEGIN:VCALENDAR\r\n ")
