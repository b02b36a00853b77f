"""Five languages: how one is chosen, that every word the app writes is
translated, and that the catalogues are complete and current."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import icalendar
import pytest
from babel.messages.pofile import read_po
from babel.support import Translations
from conftest import (
    CSRF_PATTERN,
    SLUG,
    add_delegate,
    csrf_token,
    log_in,
    valid_registration,
)
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage, Registration
from tests.helpers import built_message, every_stored_text
from tests.pseudo import ROOT, extract_messages, outside_markers

TAGS = ("en", "id", "zh-Hans", "es", "vi")
VIETNAMESE_TITLE = "Hội thảo Chia sẻ Kiến thức Toàn cầu SCORE"
CATALOGUES = {"id": "id", "zh-Hans": "zh_Hans", "es": "es", "vi": "vi"}
NATIVE = ("English", "Bahasa Indonesia", "中文（简体）", "Español", "Tiếng Việt")
TRANSLATIONS = ROOT / "app" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def html_lang(page) -> str:
    return re.search(r'<html lang="([^"]+)"', page.get_data(as_text=True)).group(1)


# --- choosing the language ----------------------------------------------------


@pytest.mark.parametrize("tag", TAGS)
def test_lang_parameter_chooses_the_language_and_is_remembered(client, event, tag):
    page = client.get(f"/events/{SLUG}/?lang={tag}")
    assert page.status_code == 200
    assert html_lang(page) == tag
    # It sets the visitor's cookie: no shared cache may keep it.
    assert f"lang={tag}" in page.headers["Set-Cookie"]
    assert "public" not in page.headers["Cache-Control"]
    assert page.headers["Content-Language"] == tag
    # The next page, without the parameter, stays in that language.
    later = client.get(f"/events/{SLUG}/register")
    assert html_lang(later) == tag
    assert later.headers["Content-Language"] == tag


@pytest.mark.parametrize(
    ("accept", "tag"),
    [
        ("zh-CN,zh;q=0.9", "zh-Hans"),
        ("es-CO", "es"),
        ("vi-VN,vi;q=0.8,en;q=0.5", "vi"),
        ("id-ID", "id"),
        ("fr-FR,de;q=0.8", "en"),
        ("de;q=0.9,id;q=0.5", "id"),
        ("en-GB", "en"),
    ],
)
def test_browser_language_is_matched_to_the_nearest_one(client, event, accept, tag):
    page = client.get(f"/events/{SLUG}/", headers={"Accept-Language": accept})
    assert html_lang(page) == tag
    assert "Accept-Language" in page.headers["Vary"]


def test_the_remembered_choice_wins_over_the_browser(client, event):
    client.get(f"/events/{SLUG}/?lang=vi")
    page = client.get(f"/events/{SLUG}/", headers={"Accept-Language": "es"})
    assert html_lang(page) == "vi"


def test_an_unknown_language_is_ignored_not_an_error(client, event):
    page = client.get(
        f"/events/{SLUG}/?lang=xx-Nope", headers={"Accept-Language": "es"}
    )
    assert page.status_code == 200
    assert html_lang(page) == "es"
    assert "lang=" not in page.headers.get("Set-Cookie", "")


def test_every_page_has_a_switcher_naming_each_language_in_itself(
    client, event, public_urls
):
    for name, url in public_urls.items():
        text = client.get(url).get_data(as_text=True)
        nav = re.search(
            r'<nav class="languages" aria-label="[^"]+">(.*?)</nav>', text, re.S
        )
        assert nav, name
        for tag, native in zip(TAGS, NATIVE, strict=True):
            assert f'lang="{tag}"' in nav.group(1), name
            assert html.escape(native) in nav.group(1) or native in nav.group(1), name


def test_the_switcher_links_to_the_same_page_alone(client, event):
    """Not with the rest of the query: a cached page is the same for everyone."""
    text = client.get(f"/events/{SLUG}/?utm_source=x").get_data(as_text=True)
    assert f'href="/events/{SLUG}/?lang=vi"' in text
    assert "utm_source" not in text


# --- content -------------------------------------------------------------------


def test_dates_and_countries_are_written_the_readers_way(client, event):
    spanish = client.get(f"/events/{SLUG}/?lang=es").get_data(as_text=True)
    assert "lunes, 4 de abril de 2011" in spanish
    chinese = client.get(f"/events/{SLUG}/?lang=zh-Hans").get_data(as_text=True)
    assert "2011年4月4日星期一" in chinese
    assert "越南" in chinese
    vietnamese = client.get(f"/events/{SLUG}/?lang=vi").get_data(as_text=True)
    assert "Thứ Hai, 4 tháng 4, 2011" in vietnamese
    assert "Trung Quốc" in vietnamese
    indonesian = client.get(f"/events/{SLUG}/?lang=id").get_data(as_text=True)
    assert "Tiongkok" in indonesian


def test_the_event_speaks_indonesian_from_the_press_release(client, event):
    text = client.get(f"/events/{SLUG}/?lang=id").get_data(as_text=True)
    assert "<h1>Lokakarya SCORE Global untuk Berbagi Pengetahuan</h1>" in text
    assert "Pembukaan dan perkenalan" in text


def _translation_form(client, language: str) -> tuple[str, dict]:
    """The translation page's address and its fields as a browser sends them."""
    url = f"/admin/events/{SLUG}/settings/translations/{language}"
    page = client.get(url).get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]* name="([^"]+)"[^>]* value="([^"]*)"', page))
    fields.update(
        (name, html.unescape(text))
        for name, text in re.findall(
            r'<textarea[^>]* name="([^"]+)"[^>]*>\n?(.*?)</textarea>', page, re.S
        )
    )
    return url, fields


def test_the_seeded_workshop_speaks_every_language(client, event):
    for tag, title in [
        ("zh-Hans", "SCORE全球知识分享研讨会"),
        ("es", "Taller mundial SCORE de intercambio de conocimientos"),
        ("vi", "Hội thảo Chia sẻ Kiến thức Toàn cầu SCORE"),
    ]:
        page = client.get(f"/events/{SLUG}/?lang={tag}").get_data(as_text=True)
        assert f"<h1>{title}</h1>" in page, tag
        assert '<span lang="en">' not in page, tag


def test_an_untranslated_text_is_marked_with_its_own_language(client, event, admin):
    log_in(client, *admin)
    url, fields = _translation_form(client, "vi")
    assert client.post(url, data={**fields, "title": ""}).status_code == 303
    text = client.get(f"/events/{SLUG}/?lang=vi").get_data(as_text=True)
    assert (
        '<h1><span lang="en">SCORE Global Knowledge Sharing Workshop</span></h1>'
        in text
    )
    # The page title cannot hold markup: the text alone.
    assert "<title>SCORE Global Knowledge Sharing Workshop</title>" in text
    english = client.get(f"/events/{SLUG}/?lang=en").get_data(as_text=True)
    assert "<h1>SCORE Global Knowledge Sharing Workshop</h1>" in english


def test_the_event_page_is_cached_per_language(caching_app, event):
    client = caching_app.test_client()
    english = client.get(f"/events/{SLUG}/?lang=en", headers={"Cookie": ""})
    indonesian = caching_app.test_client().get(f"/events/{SLUG}/?lang=id")
    assert html_lang(english) == "en"
    assert html_lang(indonesian) == "id"
    assert "Lokakarya SCORE Global" in indonesian.get_data(as_text=True)


def test_calendar_links_carry_the_language(client, event):
    """A calendar app subscribing sends no cookie: the address says it."""
    text = client.get(f"/events/{SLUG}/?lang=vi").get_data(as_text=True)
    assert f'href="/events/{SLUG}/event.ics?lang=vi" download' in text
    assert f"/events/{SLUG}/agenda.ics?lang=vi" in text
    assert "Hội+thảo" in text or "H%E1%BB%99i+th%E1%BA%A3o" in text  # Google's


def test_public_calendars_follow_the_language(client, event):
    indonesian = client.get(f"/events/{SLUG}/agenda.ics?lang=id").get_data(as_text=True)
    assert "SUMMARY:Pembukaan dan perkenalan" in indonesian
    assert "Lokakarya SCORE Global untuk Berbagi Pengetahuan" in indonesian
    english = client.get(f"/events/{SLUG}/event.ics?lang=en").get_data(as_text=True)
    assert "SUMMARY:SCORE Global Knowledge Sharing Workshop" in english


def test_organisers_translate_the_events_texts(client, event, admin, app):
    log_in(client, *admin)
    url, fields = _translation_form(client, "vi")
    assert fields["title"] == "Hội thảo Chia sẻ Kiến thức Toàn cầu SCORE"
    fields.update(title="Hội thảo SCORE <Toàn cầu>", purpose="")
    assert client.post(url, data=fields).status_code == 303
    page = client.get(f"/events/{SLUG}/?lang=vi").get_data(as_text=True)
    assert "<h1>Hội thảo SCORE &lt;Toàn cầu&gt;</h1>" in page
    # The purpose was emptied: English, marked as such.
    assert '<p><span lang="en">The workshop gives delegates' in page
    log = client.get(f"/admin/events/{SLUG}/log").get_data(as_text=True)
    assert "event_translated" in log


def test_the_default_language_cannot_be_translated(client, event, admin):
    log_in(client, *admin)
    assert (
        client.get(f"/admin/events/{SLUG}/settings/translations/en").status_code == 404
    )
    assert (
        client.get(f"/admin/events/{SLUG}/settings/translations/xx").status_code == 404
    )


# --- e-mails in the delegate's language ----------------------------------------


def _in_catalogue(tag: str, english: str) -> str:
    """What the committed catalogue of ``tag`` says for ``english``."""
    catalogue = Translations.load(str(TRANSLATIONS), [CATALOGUES[tag]])
    translated = catalogue.gettext(english)
    assert translated != english, f"{english!r} is not translated into {tag}"
    return translated


def _queued(app, registration_id: int, kind: str):
    return db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.registration_id == registration_id,
            OutboxMessage.kind == kind,
        )
    )


def _calendar_description(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            return str(calendar.walk("VEVENT")[0]["DESCRIPTION"])
    raise AssertionError("no calendar in the message")


@pytest.mark.parametrize("tag", CATALOGUES)
def test_a_delegate_is_written_to_in_the_language_they_registered_in(
    client, app, event, tag
):
    client.get(f"/events/{SLUG}/?lang={tag}")
    url = f"/events/{SLUG}/register"
    address = f"{tag.lower()}@example.org"
    form = valid_registration(email=address, csrf_token=csrf_token(client, url))
    assert client.post(url, data=form).status_code == 303
    with app.app_context():
        registration = db.session.scalar(
            select(Registration).where(Registration.email_normalised == address)
        )
        assert registration.language == tag
        reference = registration.reference
        message = built_message(_queued(app, registration.id, "confirmed"))
    assert message["Subject"].startswith(_in_catalogue(tag, "Registration confirmed"))
    text = message.get_body(("plain",)).get_content()
    assert _in_catalogue(tag, "Dear %(name)s,") % {"name": "Trần Văn Nam"} in text
    assert "is confirmed. We look forward to welcoming you" not in text
    # Its links open the pages in that language, whatever the mail reader's
    # browser prefers.
    assert re.search(rf"/r/[\w-]+\?lang={tag}\b", text)
    description = _calendar_description(message)
    reference_line = _in_catalogue(tag, "Your registration reference: %(reference)s")
    assert reference_line % {"reference": reference} in description


def test_an_organiser_working_in_english_promotes_a_delegate_who_reads_vietnamese(
    client, app, event, admin
):
    seated = [add_delegate(app, f"Ama {n}", f"ama{n}@gh.example.org") for n in range(6)]
    waiting = add_delegate(app, "Nguyễn Văn An", "an@vn.example.org", language="vi")
    log_in(client, *admin)
    url = f"/admin/events/{SLUG}/registrations/{seated[0].id}/cancel"
    confirm = client.get(url)
    assert html_lang(confirm) == "en"
    token = CSRF_PATTERN.search(confirm.get_data(as_text=True))
    assert client.post(url, data={"csrf_token": token.group(1)}).status_code == 303
    with app.app_context():
        assert db.session.get(Registration, waiting.id).status == "confirmed"
        row = _queued(app, waiting.id, "promoted")
        queued_subject = row.subject
        promoted = built_message(row)
        cancelled = built_message(_queued(app, seated[0].id, "cancelled"))
    # Queued while the organiser's page was in English, written in Vietnamese:
    # the app's words and the organisers' translated title alike.
    wanted = f"{_in_catalogue('vi', 'A seat is yours')}: {VIETNAMESE_TITLE}"
    assert queued_subject.startswith(wanted)
    assert promoted["Subject"].startswith(wanted)
    text = promoted.get_body(("plain",)).get_content()
    assert _in_catalogue("vi", "Dear %(name)s,") % {"name": "Nguyễn Văn An"} in text
    assert cancelled["Subject"].startswith(
        "Registration cancelled: SCORE Global Knowledge Sharing Workshop"
    )


def test_the_delegate_changes_their_language_on_their_own_page(client, app, event):
    delegate = add_delegate(app, "Siti Rahma", "siti@id.example.org", "ID")
    url = f"/r/{delegate.token}/edit"
    page = client.get(url).get_data(as_text=True)
    assert '<option lang="en" selected value="en">English</option>' in page
    form = valid_registration(
        full_name="Siti Rahma",
        email="siti@id.example.org",
        country="ID",
        language="id",
        csrf_token=csrf_token(client, url),
    )
    assert client.post(url, data=form).status_code == 303
    with app.app_context():
        assert db.session.get(Registration, delegate.id).language == "id"
        updated = built_message(_queued(app, delegate.id, "updated"))
    assert updated["Subject"].startswith(_in_catalogue("id", "Registration updated"))


# --- the catalogues ------------------------------------------------------------


def _catalogue(tag: str):
    path = TRANSLATIONS / CATALOGUES[tag] / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as file:
        return read_po(file, locale=CATALOGUES[tag])


@pytest.mark.parametrize("tag", CATALOGUES)
def test_every_message_is_translated_with_its_placeholders(tag):
    catalogue = _catalogue(tag)
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = (
            message.string if isinstance(message.string, tuple) else (message.string,)
        )
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        # A plural form may leave the number out ("a seat" for one).
        optional = {"num"} if isinstance(message.id, tuple) else set()
        for string in strings:
            if not string:
                problems.append(f"empty: {ids[0]!r}")
            elif set(PLACEHOLDER.findall(string)) - optional != wanted - optional:
                problems.append(f"placeholders differ: {ids[0]!r} -> {string!r}")
            elif ids[0].count("<") != string.count("<"):
                problems.append(f"markup differs: {ids[0]!r} -> {string!r}")
    assert not problems, "\n".join(problems)


def test_the_catalogues_hold_exactly_the_messages_of_the_sources(tmp_path):
    """Fails when a message was added or changed without `make translations`."""
    extracted = extract_messages(tmp_path / "messages.pot")
    wanted = {(m.context, m.id) for m in extracted if m.id}
    for tag in CATALOGUES:
        held = {(m.context, m.id) for m in _catalogue(tag) if m.id}
        missing = sorted(map(str, wanted - held))[:5]
        stale = sorted(map(str, held - wanted))[:5]
        assert held == wanted, f"{tag}: run `make translations`: {missing} {stale}"


@pytest.mark.parametrize("tag", CATALOGUES)
def test_the_compiled_catalogue_is_the_current_one(tag):
    """The committed .mo says what the .po says (`make translations` compiles)."""
    directory = TRANSLATIONS / CATALOGUES[tag] / "LC_MESSAGES"
    with (directory / "messages.mo").open("rb") as file:
        compiled = Translations(file)
    for message in _catalogue(tag):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            for n in range(len(message.string)):
                # The number that picks plural form n, as the catalogue counts.
                numbers = (1, 2, 0, 5, 1_000_000)
                count = next(c for c in numbers if compiled.plural(c) == n)
                found = compiled.ngettext(*message.id, count)
                assert found == message.string[n], message.id
        elif message.context:
            found = compiled.pgettext(message.context, message.id)
            assert found == message.string, message.id
        else:
            assert compiled.gettext(message.id) == message.string, message.id


# --- nothing left in English: the pseudo-language --------------------------------

# Names that stay as they are in every language.
PROPER_NAMES = {
    "ilo",
    "score",
    "wib",
    "utc",
    "csv",
    "ics",
    "google",
    "outlook",
    "apple",
    "thunderbird",
    "excel",
    "https",
    "http",
    "webcal",
    "iso",
    "sme",
    "smes",
    "english",
    "bahasa",
    "indonesia",
    "español",
    "tiếng",
    "việt",
    "ical",
}


class _PageText(HTMLParser):
    """The text a reader meets: text nodes and the attributes read aloud,
    except in elements marked ``translate="no"`` (codes, stored values)."""

    READ_ATTRIBUTES = frozenset({"title", "aria-label", "placeholder", "alt"})

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        # The element that hides its content, and how deep it is nested.
        self._hiding: tuple[str, int] | None = None

    def handle_starttag(self, tag, attrs):
        if self._hiding:
            hiding, depth = self._hiding
            self._hiding = (hiding, depth + (tag == hiding))
            return
        attributes = dict(attrs)
        if tag in ("script", "style") or attributes.get("translate") == "no":
            self._hiding = (tag, 1)
            return
        for name, value in attrs:
            if name in self.READ_ATTRIBUTES and value:
                self.parts.append(f" {value} ")

    def handle_endtag(self, tag):
        if self._hiding and tag == self._hiding[0]:
            hiding, depth = self._hiding
            self._hiding = (hiding, depth - 1) if depth > 1 else None

    def handle_data(self, data):
        if not self._hiding:
            self.parts.append(data)


def english_left(page_html: str, data: list[str], vocabulary: set[str]) -> list[str]:
    """The runs of text outside the markers that hold words of the app's
    English messages, once the data (anything stored) is taken out."""
    parser = _PageText()
    parser.feed(page_html)
    text = outside_markers("".join(parser.parts))
    for value in data:
        text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", text)
    left = []
    for run in re.split(r"\s{2,}|\n", text):
        words = re.findall(r"[A-Za-z][A-Za-z']{2,}", run)
        if any(w.lower() in vocabulary - PROPER_NAMES for w in words):
            left.append(run.strip())
    return left


@pytest.fixture
def vocabulary(tmp_path) -> set[str]:
    words = set()
    for message in extract_messages(tmp_path / "messages.pot"):
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            # Placeholder names and markup are not words a reader sees.
            text = re.sub(r"%\(\w+\)[sd]|<[^>]+>", " ", text or "")
            words.update(w.lower() for w in re.findall(r"[A-Za-z']{3,}", text))
    return words


def _stored_data(app) -> list[str]:
    texts = set()
    for value in every_stored_text(app):
        if re.fullmatch(r"[a-z][a-z_]*", value):
            continue  # a code ("confirmed"): shown as a code, it is a finding
        texts.add(value)
        texts.update(line.strip() for line in value.splitlines() if line.strip())
    return sorted((t for t in texts if len(t) > 2), key=len, reverse=True)


def test_every_public_page_is_translated(pseudo_app, app, public_urls, vocabulary):
    client = pseudo_app.test_client()
    client.set_cookie("lang", "eo")
    data = _stored_data(app)
    found = {}
    for name, url in public_urls.items():
        page = client.get(url)
        assert page.headers["Content-Language"] == "eo", name
        left = english_left(page.get_data(as_text=True), data, vocabulary)
        if left:
            found[name] = left
    register_url = f"/events/{SLUG}/register"
    refused = client.post(
        register_url, data={"csrf_token": csrf_token(client, register_url)}
    )
    assert refused.status_code == 422
    left = english_left(refused.get_data(as_text=True), data, vocabulary)
    if left:
        found["registration form with errors"] = left
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_every_organiser_page_is_translated(
    pseudo_app, app, admin, organiser_urls, vocabulary
):
    client = pseudo_app.test_client()
    client.set_cookie("lang", "eo")
    log_in(client, *admin)
    data = _stored_data(app)
    found = {}
    for name, url in organiser_urls.items():
        page = client.get(url)
        left = english_left(page.get_data(as_text=True), data, vocabulary)
        if left:
            found[name] = left
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_the_pseudo_language_shows_what_is_left_in_english(
    pseudo_app, app, event, vocabulary
):
    """The check above can fail: an English word outside the markers is found."""
    data = _stored_data(app)
    assert "Register now" in english_left(
        "<p>⟦Register⟧ Register now</p>", data, vocabulary
    )
    assert english_left("<p>⟦Register ⟦now⟧⟧</p>", data, vocabulary) == []
    assert (
        english_left('<p translate="no">status: confirmed</p>', data, vocabulary) == []
    )


def test_the_login_page_is_translated(pseudo_app, app, vocabulary):
    client = pseudo_app.test_client()
    client.set_cookie("lang", "eo")
    page = client.get("/admin/login").get_data(as_text=True)
    assert not english_left(page, _stored_data(app), vocabulary)
