"""The reader's language: which one, how it is remembered, how it is shown.

Languages are named by their BCP 47 tags (the contract: ``<html lang>``,
``Content-Language``, ``?lang=``); Babel names the same locales with an
underscore. English is written the British way, as the ILO writes it.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from babel import Locale
from babel.dates import format_date, format_interval
from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import force_locale, get_locale

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
    """The reader's language: ``?lang=``, then the remembered choice, then the
    browser's, then English. Outside a request (the mail worker), whatever
    ``force_locale`` set, else English."""
    if not has_request_context():
        return tag_of(str(get_locale() or LANGUAGES[DEFAULT_LANGUAGE]))
    if "language" not in g:
        g.language = (
            requested_language()
            or known_language(request.cookies.get(COOKIE_NAME))
            or _accepted_language()
            or DEFAULT_LANGUAGE
        )
    return g.language


def tag_of(locale_name: str) -> str:
    """The BCP 47 tag of a Babel locale name."""
    for tag, name in languages().items():
        if name == locale_name:
            return tag
    return DEFAULT_LANGUAGE


def _select_locale() -> str:
    if has_request_context():
        return languages()[current_language()]
    return LANGUAGES[DEFAULT_LANGUAGE]


def in_language(tag: str | None):
    """Everything rendered inside speaks ``tag`` (a delegate's e-mail while an
    organiser works in another language)."""
    return force_locale(languages().get(tag or "", LANGUAGES[DEFAULT_LANGUAGE]))


def switcher_links() -> list[tuple[str, str, str]]:
    """(tag, name, address) for each language: this page with ``?lang=``."""
    args = request.args.to_dict()
    links = []
    for tag in LANGUAGES:
        query = urlencode({**args, "lang": tag})
        links.append((tag, NATIVE_NAMES[tag], f"{request.path}?{query}"))
    return links


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


def long_date(day: date) -> str:
    """``Monday, 4 April 2011``, ``lunes, 4 de abril de 2011``,
    ``2011年4月4日星期一``."""
    return format_date(day, "full", locale=get_locale())


def date_range(start: date, end: date) -> str:
    """``4 – 8 April 2011``, ``4–8 de abril de 2011``, ``2011年4月4日至8日``.

    Most locales have no interval pattern with the month written out, and
    Babel then falls back to the abbreviated one ("Apr"): the month's full
    name is put back in.
    """
    locale = get_locale() or Locale.parse(LANGUAGES[DEFAULT_LANGUAGE])
    if "yMMMMd" in locale.interval_formats:
        return format_interval(start, end, "yMMMMd", locale=locale)
    text = format_interval(start, end, "yMMMd", locale=locale)
    months = locale.months["format"]
    for month in {start.month, end.month}:
        short, wide = months["abbreviated"][month], months["wide"][month]
        # Not where the short name is the number ("4月") and the long one a word.
        if _has_digit(short) == _has_digit(wide):
            text = text.replace(short, wide)
    return text


def _has_digit(text: str) -> bool:
    return any(char.isdigit() for char in text)


def country_name(code: str) -> str:
    """A country's name in the reader's language, from Babel's locale data."""
    locale = get_locale() or Locale.parse(LANGUAGES[DEFAULT_LANGUAGE])
    return locale.territories.get(code.upper(), code)


def event_text(owner, field: str):
    """An event's or session's text in the reader's language, or in the
    event's own language where it has no translation (``LocalText``)."""
    return owner.text_in(field, current_language())


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
    app.after_request(remember_language)
    app.add_template_global(current_language)
    app.add_template_global(switcher_links)
    app.add_template_global(event_text)
    app.add_template_global(programme_name)
    app.add_template_global(language_name)
    app.add_template_filter(long_date)
    app.add_template_filter(date_range)
    app.add_template_filter(country_name)
