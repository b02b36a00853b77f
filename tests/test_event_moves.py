"""When the organisers move the event, its programme and its delegates follow."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from app.extensions import db
from app.models import ProgrammeSession
from app.services.audit import SYSTEM
from app.services.event_settings import (
    EventDetails,
    SettingsError,
    update_event_details,
)
from tests.conftest import csrf_token
from tests.seats_helpers import the_event


def move(starts_on: date, ends_on: date) -> None:
    event = the_event()
    details = EventDetails.of(event)
    details.starts_on, details.ends_on = starts_on, ends_on
    update_event_details(event, details, SYSTEM)
    db.session.commit()


def test_sessions_move_with_the_event_keeping_their_local_times(app, event):
    with app.app_context():
        move(date(2011, 6, 6), date(2011, 6, 10))
        first = db.session.scalars(
            select(ProgrammeSession).order_by(ProgrammeSession.starts_at)
        ).first()
        assert first.starts_at == datetime(2011, 6, 6, 2, 0, tzinfo=UTC)  # 09:00 WIB
        assert first.sequence == 1


def test_shortening_the_event_under_its_sessions_is_refused(app, event):
    with app.app_context():
        try:
            move(date(2011, 4, 4), date(2011, 4, 6))
        except SettingsError as error:
            assert error.field == "ends_on"
            db.session.rollback()
        else:
            raise AssertionError("the event was shortened under its sessions")
        assert the_event().ends_on == date(2011, 4, 8)


def test_a_delegate_keeps_their_dates_when_the_event_moves(app, client, register):
    path = register().headers["Location"]
    with app.app_context():
        move(date(2011, 6, 6), date(2011, 6, 10))
    edit = path + "/edit"
    form = {
        "full_name": "Trần Văn Nam",
        "email": "nam@example.org",
        "country": "VN",
        "organisation": "SCORE Viet Nam (renamed)",
        "category": "score_team",
        "gender": "male",
        "dietary": "none",
        "arrival_date": "2011-04-03",  # as registered, before the move
        "departure_date": "2011-04-09",
        "csrf_token": csrf_token(client, edit),
    }
    assert client.post(edit, data=form).status_code == 303
    # New dates must still fit the event as it now is.
    form["arrival_date"] = "2011-04-02"
    assert client.post(edit, data=form).status_code == 422
