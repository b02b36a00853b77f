"""Many events: created, cloned and published by admins, each with its own
programmes, zone, team and life cycle; none sees another's delegates."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import icalendar
import pytest
import vobject
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEntry,
    Event,
    EventStatus,
    Organiser,
    OutboxMessage,
    ProgrammeSession,
    Registration,
    TeamMember,
)
from app.services.notifications import compose
from tests.conftest import (
    ORGANISER_PASSWORD,
    SLUG,
    csrf_token,
    log_in,
    valid_registration,
)
from tests.helpers import add_organiser

BOGOTA = "score-bogota-2012"
BOGOTA_TITLE = "SCORE National Workshop, Bogotá, 2012"


def post_form(client, url: str, page: str | None = None, **data):
    """POST with the session's CSRF token, read from ``page`` (a button's
    address has no page of its own) or the form's own page."""
    token = csrf_token(client, page or url)
    return client.post(url, data={"csrf_token": token, **data})


@pytest.fixture
def admin_client(app, event):
    with app.app_context():
        add_organiser("admin@example.org", ORGANISER_PASSWORD, "admin")
        db.session.commit()
    client = app.test_client()
    log_in(client, "admin@example.org", ORGANISER_PASSWORD)
    return client


def clone_bogota(admin_client) -> None:
    """The issue's story: Bogor cloned into Bogotá, America/Bogota, three
    programmes, published."""
    answer = post_form(
        admin_client,
        f"/admin/events/{SLUG}/clone",
        slug=BOGOTA,
        title=BOGOTA_TITLE,
        starts_on="2012-05-14",
        timezone="America/Bogota",
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)
    for code in ("CN", "ID", "ZA", "VN"):
        removed = post_form(
            admin_client,
            f"/admin/events/{BOGOTA}/settings/programmes/{code}/remove",
            page="/admin/",
        )
        assert removed.status_code == 303
    published = post_form(
        admin_client,
        f"/admin/events/{BOGOTA}/settings/status",
        status="published",
    )
    assert published.status_code == 303


@pytest.fixture
def bogota(admin_client):
    clone_bogota(admin_client)
    return BOGOTA


def register_at(client, slug: str, email: str, country: str, **overrides):
    """The form's POST; the token from the lost-link form when the event's
    own form is not shown (registration closed)."""
    url = f"/events/{slug}/register"
    page = client.get(url)
    token_page = (
        url if 'name="csrf_token"' in page.text else f"/events/{slug}/lost-link"
    )
    data = {
        "full_name": f"Delegate {email}",
        "email": email,
        "country": country,
        "organisation": "SCORE",
        "category": "score_team",
        "gender": "undisclosed",
        "dietary": "none",
        "consent": "y",
        **overrides,
    }
    return client.post(url, data={"csrf_token": csrf_token(client, token_page), **data})


def attendee_emails(client, slug: str) -> set[str]:
    text = client.get(f"/admin/events/{slug}/attendees.csv").get_data(as_text=True)
    return {row["email"] for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}


def event_row(slug: str) -> Event:
    return db.session.scalar(select(Event).where(Event.slug == slug))


def statuses_of(slug: str) -> dict[str, int]:
    return dict(
        db.session.execute(
            select(Registration.status, func.count())
            .join(Event)
            .where(Event.slug == slug)
            .group_by(Registration.status)
        ).all()
    )


# --- creating, cloning -------------------------------------------------------


def test_an_admin_creates_a_draft_event_in_its_own_zone(app, admin_client):
    answer = post_form(
        admin_client,
        "/admin/events/new",
        slug="score-accra-2013",
        title="SCORE Workshop, Accra",
        starts_on="2013-06-03",
        ends_on="2013-06-05",
        timezone="Africa/Accra",
        venue="Accra",
        capacity="30",
    )
    assert answer.status_code == 303
    with app.app_context():
        event = event_row("score-accra-2013")
        assert event.status is EventStatus.DRAFT
        assert (event.timezone, event.capacity, event.location) == (
            "Africa/Accra",
            30,
            "Accra",
        )
        assert db.session.scalar(
            select(AuditEntry.action).where(AuditEntry.event_id == event.id)
        ) == ("event_created")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("slug", "Bad slug!", "lower-case letters, digits and single hyphens"),
        ("slug", SLUG, "Another event already has this address"),
        ("slug", "", "Enter the event"),
        ("timezone", "Mars/Olympus", "IANA name"),
        ("ends_on", "2013-06-01", "cannot be before the first"),
        ("capacity", "-1", "Enter 0 to"),
    ],
)
def test_a_new_event_with_a_bad_field_is_refused_next_to_it(
    app, admin_client, field, value, message
):
    data = {
        "slug": "score-accra-2013",
        "title": "SCORE Workshop, Accra",
        "starts_on": "2013-06-03",
        "ends_on": "2013-06-05",
        "timezone": "Africa/Accra",
        "venue": "Accra",
        field: value,
    }
    answer = post_form(admin_client, "/admin/events/new", **data)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    error = re.search(rf'id="{field}-error">(.*?)</p>', page, re.S)
    assert error and message in error.group(1)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event)) == 1


@pytest.mark.parametrize("role", ["organiser", "coordinator"])
def test_only_admins_create_and_clone_events(app, event, role):
    staff = app.test_client()
    with app.app_context():
        add_organiser("staff@example.org", ORGANISER_PASSWORD, role, "GH")
        db.session.commit()
    log_in(staff, "staff@example.org", ORGANISER_PASSWORD)
    for path, data in [
        ("/admin/events/new", {"slug": "x", "title": "x", "timezone": "UTC"}),
        (f"/admin/events/{SLUG}/clone", {"slug": "x", "title": "x"}),
        (f"/admin/events/{SLUG}/settings/status", {"status": "draft"}),
        (f"/admin/events/{SLUG}/settings/programmes", {"code": "BR", "quota": "2"}),
        (
            f"/admin/events/{SLUG}/team",
            {"email": "me@example.org", "role": "organiser"},
        ),
    ]:
        assert staff.get(path).status_code == 403, path
        answer = post_form(staff, path, page="/admin/", **data)
        assert answer.status_code == 403, path
    with app.app_context():
        assert event_row(SLUG).status is EventStatus.PUBLISHED
        assert db.session.scalar(select(func.count()).select_from(Event)) == 1
        assert len(event_row(SLUG).programmes) == 7


def test_a_clone_has_no_registrations_and_its_sessions_at_the_same_local_times(
    app, admin_client, register
):
    assert register().status_code == 303  # the source has a registration
    with app.app_context():
        # Bogor's registration: 1 March 2011 09:00 to 31 March 23:59 WIB.
        bogor = event_row(SLUG)
        bogor.registration_opens_at = datetime(2011, 3, 1, 2, 0, tzinfo=UTC)
        bogor.registration_closes_at = datetime(2011, 3, 31, 16, 59, tzinfo=UTC)
        db.session.commit()
    clone_bogota(admin_client)
    with app.app_context():
        bogor, clone = event_row(SLUG), event_row(BOGOTA)
        assert (clone.starts_on, clone.ends_on) == (
            date(2012, 5, 14),
            date(2012, 5, 18),
        )
        assert clone.timezone == "America/Bogota"
        assert [p.code for p in clone.programmes] == ["CO", "GH", "IN"]
        assert all(p.quota == 6 for p in clone.programmes)
        assert clone.capacity == bogor.capacity
        assert clone.letter_signatory_name == bogor.letter_signatory_name
        assert [c.name for c in clone.contacts] == [c.name for c in bogor.contacts]
        count = select(func.count()).select_from(Registration)
        assert db.session.scalar(count.where(Registration.event_id == bogor.id)) == 1
        assert db.session.scalar(count.where(Registration.event_id == clone.id)) == 0
        # The window keeps its local times, 406 days on: 09:00 and 23:59 in
        # Bogotá, not the same instants.
        opens = clone.registration_opens_at.astimezone(clone.zone)
        closes = clone.registration_closes_at.astimezone(clone.zone)
        assert opens.replace(tzinfo=None) == datetime(2012, 4, 10, 9, 0)
        assert closes.replace(tzinfo=None) == datetime(2012, 5, 10, 23, 59)
        # The opening at 09:00 in Bogor (WIB) opens at 09:00 in Bogotá.
        pairs = zip(bogor.sessions, clone.sessions, strict=True)
        for old, new in pairs:
            old_local = old.starts_at.astimezone(bogor.zone)
            new_local = new.starts_at.astimezone(clone.zone)
            assert new_local.time() == old_local.time()
            assert (new_local.date() - old_local.date()).days == (
                date(2012, 5, 14) - date(2011, 4, 4)
            ).days
            assert new.title == old.title and new.id != old.id
        # The texts keep their translations; the new title is its own.
        assert "title" not in clone.translations.get("id", {})
        assert (
            clone.translations["id"]["summary"] == bogor.translations["id"]["summary"]
        )


def test_the_clone_s_agenda_has_its_zone_and_new_uids(client, bogota, event):
    bogor = client.get(f"/events/{SLUG}/agenda.ics").data
    agenda = client.get(f"/events/{BOGOTA}/agenda.ics")
    assert agenda.status_code == 200
    calendar = icalendar.Calendar.from_ical(agenda.data)
    [zone] = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "America/Bogota"
    assert b"X-WR-TIMEZONE:America/Bogota" in agenda.data
    # Checked with a second, independent parser: 09:00 in Bogotá is 14:00 UTC.
    starts = sorted(
        e.dtstart.value.astimezone(UTC)
        for e in vobject.readOne(agenda.data.decode()).vevent_list
    )
    assert starts[0] == datetime(2012, 5, 14, 14, 0, tzinfo=UTC)
    ours = set(re.findall(rb"UID:(\S+)", agenda.data))
    assert ours and not ours & set(re.findall(rb"UID:(\S+)", bogor))


# --- two events, apart ---------------------------------------------------------


def test_two_events_never_share_seats_waiting_lists_or_lists(
    app, client, admin_client, bogota
):
    for n in range(7):
        assert (
            register_at(client, SLUG, f"gh{n}@bogor.example", "GH").status_code == 303
        )
    for n in range(2):
        assert (
            register_at(client, BOGOTA, f"gh{n}@bogota.example", "GH").status_code
            == 303
        )
    # The same address registers for both events, once in each.
    assert register_at(client, BOGOTA, "gh0@bogor.example", "GH").status_code == 303
    with app.app_context():
        assert statuses_of(SLUG) == {"confirmed": 6, "waitlisted": 1}
        assert statuses_of(BOGOTA) == {"confirmed": 3}
    bogor_emails = attendee_emails(admin_client, SLUG)
    bogota_emails = attendee_emails(admin_client, BOGOTA)
    assert len(bogor_emails) == 7 and len(bogota_emails) == 3
    assert bogor_emails & bogota_emails == {"gh0@bogor.example"}
    assert not any(e.endswith("@bogota.example") for e in bogor_emails)
    # A programme the clone left out takes no registrations there.
    refused = register_at(client, BOGOTA, "vn@bogota.example", "VN")
    assert refused.status_code == 422


def test_a_coordinator_of_one_event_sees_nothing_of_the_other(
    app, client, admin_client, bogota
):
    register_at(client, SLUG, "kofi@bogor.example", "GH")
    register_at(client, BOGOTA, "ama@bogota.example", "GH")
    added = post_form(
        admin_client,
        f"/admin/events/{BOGOTA}/team",
        email="gh@example.org",
        role="coordinator",
        country="GH",
    )
    assert added.status_code == 303
    with app.app_context():
        coordinator = db.session.scalar(
            select(Organiser).where(Organiser.email == "gh@example.org")
        )
        from app.services.organisers import set_password

        set_password(coordinator, ORGANISER_PASSWORD)
        db.session.commit()
        bogor_id = db.session.scalar(
            select(Registration.id).where(Registration.email == "kofi@bogor.example")
        )
    gh = app.test_client()
    log_in(gh, "gh@example.org", ORGANISER_PASSWORD)
    home = gh.get("/admin/").get_data(as_text=True)
    assert BOGOTA_TITLE in home and "Global Knowledge Sharing" not in home
    assert "ama@bogota.example" in gh.get(f"/admin/events/{BOGOTA}/attendees").text
    for path in (
        "/",
        "/attendees",
        "/attendees.csv",
        "/attendees.xlsx",
        "/lists/visa-letters.csv",
        "/badges.pdf",
        "/log",
        "/outbox",
        f"/registrations/{bogor_id}",
        "/import",
        "/check-in",
    ):
        assert gh.get(f"/admin/events/{SLUG}{path}").status_code == 404, path


# --- the life cycle --------------------------------------------------------------


def test_a_draft_is_invisible_to_the_public_and_to_search_engines(
    app, client, admin_client, event
):
    post_form(
        admin_client,
        f"/admin/events/{SLUG}/clone",
        slug=BOGOTA,
        title=BOGOTA_TITLE,
        starts_on="2012-05-14",
    )
    for path in ("/", "/register", "/agenda.ics", "/event.ics", "/participants"):
        assert client.get(f"/events/{BOGOTA}{path}").status_code == 404, path
    # Only the Bogor workshop is public: / still shows it alone.
    home = client.get("/").text
    assert "Global Knowledge Sharing" in home and BOGOTA_TITLE not in home
    preview = admin_client.get(f"/events/{BOGOTA}/")
    assert preview.status_code == 200
    assert preview.headers["X-Robots-Tag"] == "noindex"
    assert "no-store" in preview.headers["Cache-Control"]
    assert '<meta name="robots" content="noindex">' in preview.text
    # Its form takes no registration, not even an organiser's.
    refused = register_at(admin_client, BOGOTA, "x@example.org", "GH")
    assert refused.status_code == 403
    with app.app_context():
        assert statuses_of(BOGOTA) == {}


def test_the_front_page_lists_the_public_events_once_there_are_several(
    app, client, bogota
):
    page = client.get("/")
    assert page.status_code == 200
    assert BOGOTA_TITLE in page.text
    assert "SCORE Global Knowledge Sharing Workshop" in page.text
    # Both are past (2011, 2012): listed under past workshops, latest first.
    assert page.text.index(BOGOTA_TITLE) < page.text.index("Global Knowledge")
    app.config["DEFAULT_EVENT_SLUG"] = SLUG
    forced = app.test_client().get("/")
    assert "Provisional programme" in forced.text and BOGOTA_TITLE not in forced.text


def test_a_closed_event_keeps_its_pages_but_takes_no_registration(
    app, client, admin_client, event
):
    answer = post_form(
        admin_client, f"/admin/events/{SLUG}/settings/status", status="closed"
    )
    assert answer.status_code == 303
    assert client.get(f"/events/{SLUG}/").status_code == 200
    refused = register_at(client, SLUG, "late@example.org", "GH")
    assert "Registration is closed" in refused.text
    with app.app_context():
        assert statuses_of(SLUG) == {}
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "status_changed")
        )
        assert (entry.before, entry.after) == (
            {"status": "published"},
            {"status": "closed"},
        )
        assert entry.actor == "organiser:admin@example.org"


def test_an_archived_event_is_read_only_but_exportable(
    app, client, admin_client, register
):
    token = register().headers["Location"].rsplit("/", 1)[1]
    post_form(admin_client, f"/admin/events/{SLUG}/settings/status", status="archived")
    dashboard = admin_client.get(f"/admin/events/{SLUG}/")
    assert "purge-personal-data score-bogor-2011" in dashboard.text
    assert admin_client.get(f"/admin/events/{SLUG}/attendees.csv").status_code == 200
    with app.app_context():
        registration_id = db.session.scalar(select(Registration.id))
    refused = post_form(
        admin_client,
        f"/admin/events/{SLUG}/registrations/{registration_id}/cancel",
        page="/admin/",
    )
    assert refused.status_code == 409
    changed = post_form(client, f"/r/{token}/cancel")
    assert changed.status_code == 409
    assert "archived" in changed.text
    with app.app_context():
        assert statuses_of(SLUG) == {"confirmed": 1}
    # The delegate may still erase their data (the seat no longer moves),
    # but not change it.
    edit_url = f"/r/{token}/edit"
    changed = client.post(
        edit_url,
        data={
            **valid_registration(full_name="Someone Else"),
            "csrf_token": csrf_token(client, edit_url),
        },
    )
    assert changed.status_code == 422 and "archived" in changed.text
    erased = post_form(client, f"/r/{token}/delete")
    assert erased.status_code == 200
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        assert registration.anonymised_at is not None
        assert registration.full_name != "Trần Văn Nam"
    # It can still be copied, and its status can change.
    copied = post_form(
        admin_client,
        f"/admin/events/{SLUG}/clone",
        slug="score-bogor-2012",
        title="Again",
        starts_on="2012-04-02",
    )
    assert copied.status_code == 303
    answer = post_form(
        admin_client, f"/admin/events/{SLUG}/settings/status", status="published"
    )
    assert answer.status_code == 303


# --- teams -----------------------------------------------------------------------


def test_an_invited_organiser_sets_a_password_by_the_link_and_sees_the_event(
    app, admin_client, bogota
):
    answer = post_form(
        admin_client,
        f"/admin/events/{BOGOTA}/team",
        email="Lucia@Example.org",
        role="organiser",
        country="",
    )
    assert answer.status_code == 303
    with app.app_context():
        row = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == "team_invitation")
        )
        message = compose(row)
        db.session.commit()
    assert "lucia@example.org" in str(message["To"])
    body = message.get_body(("plain",)).get_content()
    assert BOGOTA_TITLE in body
    link = re.search(r"https?://\S+/admin/set-password/\S+", body).group(0)
    path = link.split("register.example.org", 1)[-1]
    lucia = app.test_client()
    page = lucia.get(path)
    assert page.status_code == 200
    short = post_form(lucia, path, new="short", confirm="short")
    assert short.status_code == 422
    chosen = post_form(
        lucia, path, new="a long new password", confirm="a long new password"
    )
    assert chosen.status_code == 303
    # The link works once.
    assert lucia.get(path).status_code == 404
    log_in(lucia, "lucia@example.org", "a long new password")
    assert lucia.get(f"/admin/events/{BOGOTA}/attendees").status_code == 200
    assert lucia.get(f"/admin/events/{SLUG}/attendees").status_code == 404


def test_taking_someone_off_the_team_ends_their_access(app, admin_client, event):
    with app.app_context():
        add_organiser("staff@example.org", ORGANISER_PASSWORD, "organiser")
        db.session.commit()
        member_id = db.session.scalar(select(TeamMember.id))
    staff = app.test_client()
    log_in(staff, "staff@example.org", ORGANISER_PASSWORD)
    assert staff.get(f"/admin/events/{SLUG}/").status_code == 200
    removed = post_form(
        admin_client, f"/admin/events/{SLUG}/team/{member_id}/remove", page="/admin/"
    )
    assert removed.status_code == 303
    assert staff.get(f"/admin/events/{SLUG}/").status_code == 404


def test_a_coordinator_needs_a_programme_of_the_event(app, admin_client, bogota):
    answer = post_form(
        admin_client,
        f"/admin/events/{BOGOTA}/team",
        email="vn@example.org",
        role="coordinator",
        country="VN",
    )
    assert answer.status_code == 422
    with app.app_context():
        assert (
            db.session.scalar(
                select(Organiser).where(Organiser.email == "vn@example.org")
            )
            is None
        )


# --- the command line ------------------------------------------------------------


def test_the_commands_add_and_remove_programmes_and_set_the_status(app, runner, event):
    added = runner.invoke(args=["add-programme", SLUG, "br", "4"])
    assert added.exit_code == 0, added.output
    assert "Brazil (BR) takes part, quota 4." in added.output
    twice = runner.invoke(args=["add-programme", SLUG, "BR", "4"])
    assert twice.exit_code == 1 and "already takes part" in twice.output
    unknown = runner.invoke(args=["add-programme", SLUG, "XX", "4"])
    assert unknown.exit_code == 1 and "not an ISO 3166-1" in unknown.output
    with app.app_context():
        from tests.seats_helpers import sign_up

        sign_up("GH")
    busy = runner.invoke(args=["remove-programme", SLUG, "GH"])
    assert busy.exit_code == 1
    assert "registration" in busy.output
    gone = runner.invoke(args=["remove-programme", SLUG, "BR"])
    assert gone.exit_code == 0, gone.output
    status = runner.invoke(args=["set-status", SLUG, "closed"])
    assert status.exit_code == 0 and "is now closed" in status.output
    wrong = runner.invoke(args=["set-status", SLUG, "finished"])
    assert wrong.exit_code == 2
    with app.app_context():
        event_now = event_row(SLUG)
        assert event_now.status is EventStatus.CLOSED
        assert [p.code for p in event_now.programmes] == [
            "CN",
            "CO",
            "GH",
            "IN",
            "ID",
            "ZA",
            "VN",
        ]


def test_create_organiser_joins_the_seeded_event_or_the_one_named(
    app, runner, admin_client, bogota, monkeypatch
):
    monkeypatch.setenv("ORGANISER_PASSWORD", ORGANISER_PASSWORD)
    plain = runner.invoke(args=["create-organiser", "a@example.org"])
    assert plain.exit_code == 0, plain.output
    named = runner.invoke(
        args=[
            "create-organiser",
            "co@example.org",
            "--role",
            "coordinator",
            "--country",
            "CO",
            "--event",
            BOGOTA,
        ]
    )
    assert named.exit_code == 0, named.output
    nowhere = runner.invoke(args=["create-organiser", "b@example.org", "--event", "no"])
    assert nowhere.exit_code == 1 and "No event with slug" in nowhere.output
    with app.app_context():
        places = set(
            db.session.execute(
                select(Organiser.email, Event.slug, TeamMember.country_code)
                .join(TeamMember, TeamMember.organiser_id == Organiser.id)
                .join(Event, Event.id == TeamMember.event_id)
            ).all()
        )
    assert places == {("a@example.org", SLUG, None), ("co@example.org", BOGOTA, "CO")}


def test_the_seeded_workshop_is_published_as_it_was(app, event):
    with app.app_context():
        seeded = event_row(SLUG)
        assert seeded.status is EventStatus.PUBLISHED
        assert seeded.timezone == "Asia/Jakarta" and seeded.capacity == 48
        assert len(seeded.programmes) == 7
        assert db.session.scalar(
            select(func.count()).select_from(ProgrammeSession)
        ) == len(seeded.sessions)


def test_the_new_pages_are_valid_html(app, client, admin_client, bogota, tmp_path):
    from tests.test_html_validity import validation_errors

    pages = {
        "the list of workshops": client.get("/").text,
        "a new event with errors": post_form(
            admin_client, "/admin/events/new", slug="Bad slug!"
        ).text,
        "the team with errors": post_form(
            admin_client, f"/admin/events/{BOGOTA}/team", email="x"
        ).text,
        "programmes with errors": post_form(
            admin_client, f"/admin/events/{BOGOTA}/settings/programmes", code="XX"
        ).text,
        "a clone with errors": post_form(
            admin_client, f"/admin/events/{BOGOTA}/clone", slug=SLUG
        ).text,
    }
    assert "Past workshops" in pages["the list of workshops"]
    errors = validation_errors(pages, tmp_path)
    assert not errors, "\n".join(errors)


def test_a_new_event_is_written_in_its_language_and_given_contacts(
    app, client, admin_client
):
    created = post_form(
        admin_client,
        "/admin/events/new",
        slug="score-lima-2013",
        title="Taller SCORE, Lima",
        starts_on="2013-09-02",
        ends_on="2013-09-04",
        timezone="America/Lima",
        venue="Lima",
        language="es",
    )
    assert created.status_code == 303
    contacts = "/admin/events/score-lima-2013/settings/contacts"
    bad = post_form(admin_client, contacts, name="", email="not an address")
    assert bad.status_code == 422
    added = post_form(
        admin_client,
        contacts,
        name="Ana <b>Pérez</b>",
        role="Coordinadora",
        phone="+51 1 615 0300",
        email="ana@example.org",
    )
    assert added.status_code == 303
    post_form(
        admin_client,
        "/admin/events/score-lima-2013/settings/status",
        status="published",
    )
    page = client.get("/events/score-lima-2013/").text
    assert "Ana &lt;b&gt;Pérez&lt;/b&gt;" in page and "<b>Pérez" not in page
    with app.app_context():
        lima = event_row("score-lima-2013")
        assert lima.default_language == "es"
        [contact] = lima.contacts
        contact_id = contact.id
    removed = post_form(admin_client, f"{contacts}/{contact_id}/remove", page="/admin/")
    assert removed.status_code == 303
    with app.app_context():
        assert event_row("score-lima-2013").contacts == []


def invitation_link(app) -> str | None:
    """The set-password path of the latest invitation, as the worker writes
    it now (None when it would send nothing)."""
    with app.app_context():
        row = db.session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "team_invitation")
            .order_by(OutboxMessage.id.desc())
        )
        message = compose(row)
        db.session.commit()
    if message is None:
        return None
    body = message.get_body(("plain",)).get_content()
    return re.search(r"/admin/set-password/\S+", body).group(0)


def test_an_expired_or_unsent_invitation_is_sent_again_by_inviting_again(
    app, admin_client, bogota
):
    team = f"/admin/events/{BOGOTA}/team"
    invite = {"email": "lucia@example.org", "role": "organiser", "country": ""}
    assert post_form(admin_client, team, **invite).status_code == 303
    with app.app_context():
        member_id = db.session.scalar(select(TeamMember.id))
    # Taken off the team before the worker got to it: nothing is sent.
    post_form(admin_client, f"{team}/{member_id}/remove", page="/admin/")
    assert invitation_link(app) is None
    assert post_form(admin_client, team, **invite).status_code == 303
    first = invitation_link(app)
    with app.app_context():
        lucia = db.session.scalar(
            select(Organiser).where(Organiser.email == "lucia@example.org")
        )
        lucia.password_token_expires_at = datetime(2020, 1, 1, tzinfo=UTC)
        db.session.commit()
    lucia_client = app.test_client()
    assert lucia_client.get(first).status_code == 404  # expired
    # Invited again: a new link that works.
    assert post_form(admin_client, team, **invite).status_code == 303
    second = invitation_link(app)
    assert second != first
    assert lucia_client.get(second).status_code == 200
    chosen = post_form(
        lucia_client, second, new="a long new password", confirm="a long new password"
    )
    assert chosen.status_code == 303
    # Once the password is chosen, inviting again sends nothing more.
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    post_form(admin_client, team, **invite)
    with app.app_context():
        after = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    assert after == before


def test_a_switched_off_account_is_not_invited_and_its_link_stops(
    app, admin_client, bogota
):
    team = f"/admin/events/{BOGOTA}/team"
    post_form(
        admin_client, team, email="lucia@example.org", role="organiser", country=""
    )
    link = invitation_link(app)
    with app.app_context():
        lucia_id = db.session.scalar(
            select(Organiser.id).where(Organiser.email == "lucia@example.org")
        )
    post_form(admin_client, f"/admin/accounts/{lucia_id}/active", page="/admin/")
    assert app.test_client().get(link).status_code == 404
    again = post_form(
        admin_client, team, email="lucia@example.org", role="organiser", country=""
    )
    assert again.status_code == 422 and "switched off" in again.text


def test_a_draft_previewed_by_its_organisers_is_never_cached_for_the_public(
    app, caching_app, admin_client, event
):
    post_form(
        admin_client,
        f"/admin/events/{SLUG}/clone",
        slug=BOGOTA,
        title=BOGOTA_TITLE,
        starts_on="2012-05-14",
    )
    organiser = caching_app.test_client()
    log_in(organiser, "admin@example.org", ORGANISER_PASSWORD)
    for path in ("/", "/agenda.ics", "/event.ics"):
        assert organiser.get(f"/events/{BOGOTA}{path}").status_code == 200, path
    public = caching_app.test_client()
    for path in ("/", "/agenda.ics", "/event.ics"):
        assert public.get(f"/events/{BOGOTA}{path}").status_code == 404, path


def test_the_seats_page_adds_and_removes_programmes(app, admin_client, event):
    seats = f"/admin/events/{SLUG}/settings/seats"
    page = admin_client.get(seats).text
    assert f'action="/admin/events/{SLUG}/settings/programmes"' in page
    assert f'action="/admin/events/{SLUG}/settings/programmes/GH/remove"' in page
    added = post_form(
        admin_client,
        f"/admin/events/{SLUG}/settings/programmes",
        page=seats,
        code="BR",
        quota="3",
    )
    assert added.status_code == 303 and added.headers["Location"].endswith(seats)
    assert "Brazil (BR)" in admin_client.get(seats).text
    removed = post_form(
        admin_client, f"/admin/events/{SLUG}/settings/programmes/BR/remove", page=seats
    )
    assert removed.status_code == 303
    with app.app_context():
        assert "BR" not in [p.code for p in event_row(SLUG).programmes]
