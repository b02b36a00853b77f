"""The reader's language: which one, how it is remembered, how it is shown.

Languages are named by their BCP 47 tags (the contract: ``<html lang>``,
``Content-Language``, ``?lang=``); Babel names the same locales with an
underscore. English is written the British way, as the ILO writes it.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlencode

from babel import Locale
from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import force_locale, get_locale, refresh
from markupsafe import Markup, escape

from app.extensions import babel

DEFAULT_LANGUAGE = "en"
# Tag -> Babel locale; the order is the switcher's.
LANGUAGES = {
    "en": "en_GB",
    "id": "id",
    "zh-Hans": "zh_Hans",
    "es": "es",
    "vi": "vi",
}
# Each language named in itself.
NATIVE_NAMES = {
    "en": "English",
    "id": "Bahasa Indonesia",
    "zh-Hans": "中文（简体）",
    "es": "Español",
    "vi": "Tiếng Việt",
}
COOKIE_NAME = "lang"
COOKIE_SECONDS = 365 * 24 * 3600


def languages() -> dict[str, str]:
    """The languages this app speaks (tests add a pseudo-language)."""
    if not has_app_context():
        return LANGUAGES
    return {**LANGUAGES, **current_app.config.get("EXTRA_LANGUAGES", {})}


@dataclass(frozen=True)
class LocalText:
    """An organiser's text and the language it is written in. On a page in
    another language (a missing translation) it is marked with its own
    ``lang``, so screen readers switch voice."""

    text: str
    language: str

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    def __html__(self) -> str:
        if self.language == current_language():
            return str(escape(self.text))
        return Markup('<span lang="{}">{}</span>').format(self.language, self.text)


def known_language(tag: str | None) -> str | None:
    """The tag as the app spells it, for any spelling of a language it speaks
    (``zh-hans``, ``zh_Hans``); None otherwise."""
    if not tag:
        return None
    wanted = tag.replace("_", "-").lower()
    return next((known for known in languages() if known.lower() == wanted), None)


def _accepted_language() -> str | None:
    """The best of the browser's languages: ``zh-CN`` reads Chinese,
    ``es-CO`` Spanish, ``id-ID`` Indonesian."""
    by_primary = {tag.split("-")[0].lower(): tag for tag in languages()}
    for value, _quality in request.accept_languages:
        exact = known_language(value)
        if exact:
            return exact
        primary = value.replace("_", "-").split("-")[0].lower()
        if primary in by_primary:
            return by_primary[primary]
    return None


def requested_language() -> str | None:
    """The language asked for by ``?lang=``, if the app speaks it."""
    return known_language(request.args.get("lang"))


def current_language() -> str:
    """The language of what is being written now: inside ``in_language``, that
    one; in a request, the reader's (``?lang=``, the remembered choice, the
    browser's, English); otherwise English."""
    if not has_app_context():
        return DEFAULT_LANGUAGE
    if "language" not in g:
        g.language = _readers_language() if has_request_context() else DEFAULT_LANGUAGE
    return g.language


def _readers_language() -> str:
    return (
        requested_language()
        or known_language(request.cookies.get(COOKIE_NAME))
        or _accepted_language()
        or DEFAULT_LANGUAGE
    )


def _select_locale() -> str:
    return languages()[current_language()]


@contextmanager
def in_language(tag: str | None):
    """Everything written inside speaks ``tag`` (a delegate's e-mail while an
    organiser works in another language): the catalogue, Babel's formats and
    the organisers' translated texts alike."""
    tag = tag if tag in languages() else DEFAULT_LANGUAGE
    if not has_app_context():
        yield
        return
    outer = g.get("language")
    g.language = tag
    try:
        with force_locale(languages()[tag]):
            yield
    finally:
        if outer is None:
            g.pop("language", None)
        else:
            g.language = outer


def language_query(tag: str) -> dict[str, str]:
    """The query that opens a page in ``tag`` whatever the browser prefers
    (none for the default language): for links a cookie cannot follow, such
    as a calendar subscription or a link in an e-mail."""
    return {} if tag == DEFAULT_LANGUAGE else {"lang": tag}


def switcher_links() -> list[tuple[str, str, str]]:
    """(tag, name, address) for each language: this page with ``?lang=``.
    The rest of the query is left out: a cached page is shared by everyone."""
    return [
        (tag, NATIVE_NAMES[tag], f"{request.path}?{urlencode({'lang': tag})}")
        for tag in LANGUAGES
    ]


def forget_language() -> None:
    """Each request chooses afresh, even in an application context that an
    earlier request (or a shell) already used."""
    g.pop("language", None)
    refresh()


def remember_language(response):
    """Say which language the page is in; keep a ``?lang=`` choice."""
    if not has_request_context() or request.endpoint == "static":
        return response
    chosen = requested_language()
    if chosen and request.cookies.get(COOKIE_NAME) != chosen:
        # An answer that sets a cookie is this visitor's alone.
        response.cache_control.public = False
        response.cache_control.private = True
        response.set_cookie(
            COOKIE_NAME,
            chosen,
            max_age=COOKIE_SECONDS,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    response.headers["Content-Language"] = current_language()
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def country_name(code: str) -> str:
    """A country's name in the reader's language, from Babel's locale data."""
    locale = get_locale() or Locale.parse(LANGUAGES[DEFAULT_LANGUAGE])
    return locale.territories.get(code.upper(), code)


def event_text(owner, field: str):
    """An event's or session's text in the reader's language, or in the
    event's own language where it has no translation (``LocalText``)."""
    return owner.text_in(field, current_language())


def original_text(owner, field: str):
    """An event's or session's text as the organisers wrote it, in the event's
    own language (marked with its ``lang`` on a page in another one)."""
    return owner.text_in(field, owner.content_language)


def programme_name(programme) -> str:
    """A country programme's name: as the organisers wrote it on English
    pages ("Viet Nam", the UN's spelling), Babel's name in other languages."""
    if current_language() == DEFAULT_LANGUAGE:
        return programme.name
    return country_name(programme.code)


def language_name(tag: str) -> str:
    """A language named in itself: "Tiếng Việt"."""
    return NATIVE_NAMES.get(tag, tag)


def init_app(app) -> None:
    babel.init_app(app, locale_selector=_select_locale)
    app.before_request(forget_language)
    app.after_request(remember_language)
    app.add_template_global(current_language)
    app.add_template_global(switcher_links)
    app.add_template_global(event_text)
    app.add_template_global(original_text)
    app.add_template_global(programme_name)
    app.add_template_global(language_name)
    app.add_template_filter(country_name)
