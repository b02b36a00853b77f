"""Calendar files as served: headers, caching, and instants read by two parsers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import icalendar
import vobject

from tests.conftest import SLUG


def test_event_ics_is_one_all_day_event_downloaded_as_a_file(client, event):
    response = client.get(f"/events/{SLUG}/event.ics")
    assert response.status_code == 200
    assert response.content_type == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    cal = icalendar.Calendar.from_ical(response.data)
    assert cal["METHOD"] == "PUBLISH"
    [vevent] = cal.walk("VEVENT")
    assert vevent.decoded("DTSTART") == date(2011, 4, 4)
    assert vevent.decoded("DTEND") == date(2011, 4, 9)
    assert "ORGANIZER" not in vevent and "ATTENDEE" not in vevent
    parsed = vobject.readOne(response.data.decode())
    assert parsed.vevent.dtstart.value == date(2011, 4, 4)
    assert parsed.vevent.dtend.value == date(2011, 4, 9)


def test_agenda_sessions_are_at_the_right_instants_for_both_parsers(client, event):
    response = client.get(f"/events/{SLUG}/agenda.ics")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT12H\r\n" in response.data
    cal = icalendar.Calendar.from_ical(response.data)
    assert cal.get_missing_tzids() == set()
    starts = sorted(e.decoded("DTSTART").astimezone(UTC) for e in cal.walk("VEVENT"))
    assert len(starts) == 11
    assert starts[0] == datetime(2011, 4, 4, 2, 0, tzinfo=UTC)  # 09:00 WIB
    assert starts[-1] == datetime(2011, 4, 8, 4, 30, tzinfo=UTC)  # 11:30 WIB
    independent = sorted(
        e.dtstart.value.astimezone(UTC)
        for e in vobject.readOne(response.data.decode()).vevent_list
    )
    assert independent == starts
    uids = re.findall(rb"UID:(session-\d+@register\.example\.org)", response.data)
    assert len(set(uids)) == 11


def test_agenda_answers_conditional_get_and_head(client, event):
    first = client.get(f"/events/{SLUG}/agenda.ics")
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    assert "max-age" in first.headers["Cache-Control"]
    again = client.get(f"/events/{SLUG}/agenda.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    since = client.get(
        f"/events/{SLUG}/agenda.ics",
        headers={"If-Modified-Since": first.headers["Last-Modified"]},
    )
    assert since.status_code == 304
    head = client.head(f"/events/{SLUG}/agenda.ics")
    assert head.status_code == 200
    assert head.headers["Content-Type"] == "text/calendar; charset=utf-8"
    # The same bytes twice: UIDs and DTSTAMPs do not change per request.
    assert client.get(f"/events/{SLUG}/agenda.ics").data == first.data


def test_personal_invite_has_a_stable_uid_and_no_organizer(client, register, app):
    token = register().headers["Location"].rsplit("/", 1)[1]
    response = client.get(f"/r/{token}/invite.ics")
    assert response.status_code == 200
    assert response.content_type == "text/calendar; charset=utf-8"
    assert 'filename="invite.ics"' in response.headers["Content-Disposition"]
    assert "private" in response.headers["Cache-Control"]
    cal = icalendar.Calendar.from_ical(response.data)
    assert cal["METHOD"] == "PUBLISH"
    [vevent] = cal.walk("VEVENT")
    assert re.fullmatch(r"registration-\d+@register\.example\.org", vevent["UID"])
    assert "ORGANIZER" not in vevent and "ATTENDEE" not in vevent
    assert vevent.decoded("DTSTART") == date(2011, 4, 4)
    assert client.get(f"/r/{token}/invite.ics").data == response.data


def test_calendar_files_for_an_unknown_event_are_404(client, event):
    assert client.get("/events/nope/event.ics").status_code == 404
    assert client.get("/events/nope/agenda.ics").status_code == 404
