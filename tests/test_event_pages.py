"""The public event page: the workshop's facts, its programme and calendar links."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import update

from app.extensions import db
from app.models import Event
from tests.conftest import BASE_URL, SLUG


def page_text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def test_home_shows_the_workshop(client, event):
    response = client.get("/")
    assert response.status_code == 200
    text = page_text(response)
    assert "<h1>SCORE Global Knowledge Sharing Workshop</h1>" in text
    assert "4\u2009–\u20098 April 2011" in text
    assert "Bogor, West Java, Indonesia" in text
    assert "ILO SCORE Programme in Indonesia" in text
    assert "monitoring and evaluation" in text


def test_event_page_by_slug_matches_home(client, event):
    by_slug = client.get(f"/events/{SLUG}/").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)

    # Only the language switcher differs: each page links to itself.
    assert by_slug.replace(f'href="/events/{SLUG}/?lang=', 'href="/?lang=') == home


def test_the_event_page_links_to_the_lost_link_form(client, event):
    page = client.get("/").get_data(as_text=True)

    assert f'href="/events/{SLUG}/lost-link"' in page
    assert client.get(f"/events/{SLUG}/lost-link").status_code == 200


def test_unknown_event_is_a_404_page(client, event):
    response = client.get("/events/no-such-event/")
    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert "no event at this address" in response.get_data(as_text=True)


def test_home_without_any_event_is_a_404_not_a_crash(client):
    assert client.get("/").status_code == 404


def test_the_programme_is_marked_provisional_with_times_in_wib(client, event):
    text = page_text(client.get("/"))
    assert "Provisional programme" in text
    assert "WIB (Asia/Jakarta" in text
    for day in ["Monday, 4 April 2011", "Friday, 8 April 2011"]:
        assert day in text
    # 09:00 WIB shown as such, with a machine-readable instant carrying +07:00.
    assert '<time datetime="2011-04-04T09:00:00+07:00">09:00</time>' in text


def test_all_seven_programmes_contacts_and_funders_are_listed(client, event):
    text = page_text(client.get("/"))
    for name in [
        "China",
        "Colombia",
        "Ghana",
        "India",
        "Indonesia",
        "South Africa",
        "Viet Nam",
    ]:
        assert f'<th scope="row">{name}</th>' in text
    for contact in ["Januar Rustandie", "Fasrul", "Gita Lingga", "januar@ilo.org"]:
        assert contact in text
    assert "+62 21 3913112 ext. 118" in text
    for supporter in ["SECO", "NORAD", "Apindo", "Yayasan Dharma Bhakti Astra"]:
        assert supporter in text


def test_register_button_and_calendar_links(client, event):
    text = page_text(client.get("/"))
    assert f'href="/events/{SLUG}/register">Register</a>' in text
    assert f'href="/events/{SLUG}/event.ics" download' in text
    host = urlsplit(BASE_URL).netloc
    assert f'href="webcal://{host}/events/{SLUG}/agenda.ics"' in text
    google = re.search(r'href="(https://calendar\.google\.com/[^"]+)"', text)
    assert google
    query = parse_qs(urlsplit(google.group(1)).query)
    assert query["action"] == ["TEMPLATE"]
    assert query["dates"] == ["20110404/20110409"]
    assert query["ctz"] == ["Asia/Jakarta"]


def test_seat_counts_are_live(client, register):
    before = page_text(client.get("/"))
    assert "0 of 6" in before
    register(country="GH", email="kofi@example.org")
    after = page_text(client.get("/"))
    row = re.search(
        r'<th scope="row">Ghana</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td>', after
    )
    assert row and row.groups() == ("1 of 6", "5")


def test_no_asset_comes_from_another_site(client, event):
    text = client.get("/").get_data(as_text=True)
    assets = re.findall(r'<(?:link|script|img)[^>]+(?:href|src)="([^"]+)"', text)
    assert assets, "the page has its own stylesheet"
    assert all(url.startswith("/") for url in assets), assets
    with client.get("/static/style.css") as css:
        assert css.status_code == 200 and b"@import" not in css.data


def test_privacy_notice_page(client, event):
    response = client.get(f"/events/{SLUG}/privacy")
    assert response.status_code == 200
    assert "Privacy notice" in response.get_data(as_text=True)


def rename_the_event(app, title: str) -> None:
    """A change the app is not told of (as another server's would be)."""
    with app.app_context():
        db.session.execute(update(Event).values(title=title))
        db.session.commit()


def test_the_event_page_and_calendars_are_kept_for_a_while(caching_app, event):
    client = caching_app.test_client()
    first = client.get("/")
    agenda = client.get(f"/events/{SLUG}/agenda.ics")

    rename_the_event(caching_app, "A renamed workshop")

    assert client.get("/").get_data() == first.get_data()
    assert client.get(f"/events/{SLUG}/agenda.ics").get_data() == agenda.get_data()
    assert "max-age=60" in first.headers["Cache-Control"]


def test_a_settings_change_shows_on_the_kept_pages_at_once(
    caching_app, event, organiser
):
    from tests.conftest import csrf_token, log_in
    from tests.helpers import add_organiser

    with caching_app.app_context():
        add_organiser("admin@example.org", "correct horse battery", role="admin")
        db.session.commit()
    caching_app.test_client().get("/")  # now kept
    client = caching_app.test_client()
    log_in(client, "admin@example.org", "correct horse battery")
    url = f"/admin/events/{SLUG}/settings/details"
    form = dict(
        title="SCORE Workshop, new title",
        summary="s",
        location="Bogor, West Java, Indonesia",
        host="ILO",
        starts_on="2011-04-04",
        ends_on="2011-04-08",
        csrf_token=csrf_token(client, url),
    )

    assert client.post(url, data=form).status_code == 303

    # A visitor without a session: the page as the cache keeps it.
    visitor = caching_app.test_client()
    assert "SCORE Workshop, new title" in visitor.get("/").get_data(as_text=True)


def test_a_visitor_with_a_session_gets_a_private_answer(caching_app, event):
    client = caching_app.test_client()
    client.set_cookie("session", "anything")

    assert client.get("/").headers["Cache-Control"] == "private, no-cache"
