"""Template filters: dates, times and lists written the reader's way, times
on the event's clocks."""

from __future__ import annotations

from datetime import date, datetime

from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton
from babel.lists import format_list
from flask_babel import format_datetime, get_locale

from app.i18n import DEFAULT_LANGUAGE, LANGUAGES
from app.mail import SUBJECTS
from app.models.documents import VisaLetterState, visa_letter_state
from app.models.outbox import OutboxStatus
from app.models.registrations import RegistrationStatus
from app.qr import qr_img, qr_svg
from app.services.verification import DocumentKind
from app.services.visa_letters import letter_is_outdated
from app.urls import check_in_url


def event_time(instant: datetime, event, pattern: str = "yyyy-MM-dd HH:mm") -> str:
    """An instant on the event's clocks, with the zone's name:
    ``2011-04-04 09:00 WIB`` (``pattern`` in Babel's date-pattern syntax)."""
    local = instant.astimezone(event.zone)
    return f"{format_datetime(local, pattern, rebase=False)} {local.tzname()}"


def event_moment(instant: datetime, event, day: str = "full") -> str:
    """An instant on the event's clocks, written the reader's way: the day in
    Babel's ``full`` form (``Monday, 4 April 2011, 09:00 WIB``, ``2011年4月4日
    星期一 09:00 WIB``), or with the parts a skeleton names (``MMMd``)."""
    local = instant.astimezone(event.zone)
    locale = get_locale()
    if day in ("full", "long", "medium", "short"):
        day = format_date(local, day, locale=locale)
    else:
        day = format_skeleton(day, local, locale=locale)
    moment = locale.datetime_formats["medium"].format(local.strftime("%H:%M"), day)
    return f"{moment} {local.tzname()}"


def date_as(day: date, skeleton: str) -> str:
    """A day written the reader's way with the parts ``skeleton`` names
    (``MMMEd``: ``Mon 4 Apr``, ``4月4日周一``)."""
    return format_skeleton(skeleton, day, locale=get_locale())


def local_time(instant: datetime, event) -> datetime:
    """The instant on the event's clocks, to take apart (its date, its hour)."""
    return instant.astimezone(event.zone)


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


def list_of(names) -> str:
    """Names as a list in the reader's language: "A, B and C", "A、B和C"."""
    return format_list(list(names), locale=get_locale())


def field_attrs(field, **extra) -> dict:
    """HTML attributes tying a form field to its hint and error messages."""
    described = []
    if field.description:
        described.append(f"{field.id}-hint")
    if field.errors:
        described.append(f"{field.id}-error")
    attrs = {k: v for k, v in extra.items() if v is not None and v is not False}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return attrs


def message_kind(kind: str) -> str:
    """What a queued e-mail is, as the organisers' outbox names it: its subject."""
    return str(SUBJECTS.get(kind, kind))


def init_app(app) -> None:
    app.add_template_global(field_attrs)
    app.add_template_global(qr_img)
    app.add_template_global(RegistrationStatus)
    app.add_template_global(OutboxStatus)
    app.add_template_global(VisaLetterState)
    app.add_template_global(visa_letter_state)
    app.add_template_global(DocumentKind)
    app.add_template_global(letter_is_outdated)
    app.add_template_filter(local_time)
    app.add_template_filter(event_time)
    app.add_template_filter(event_moment)
    app.add_template_filter(date_as)
    app.add_template_filter(long_date)
    app.add_template_filter(date_range)
    app.add_template_filter(list_of)
    app.add_template_global(message_kind)
    app.add_template_global(qr_svg)
    app.add_template_global(check_in_url)
