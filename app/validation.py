"""Field checks shared by the delegate and organiser forms."""

from __future__ import annotations

import calendar
import functools
import re
import unicodedata
from datetime import date

import phonenumbers
from babel import Locale
from email_validator import (
    EmailNotValidError,
    EmailUndeliverableError,
    validate_email,
)
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from wtforms import ValidationError

# Newlines and tabs are fine in multi-line text; every other control is not.
MULTILINE_ALLOWED = {"\n", "\r", "\t"}


def clean_text(value):
    """Form filter: Unicode NFC and no surrounding white space."""
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFC", value).strip()


def has_control_characters(value: str, multiline: bool = False) -> bool:
    allowed = MULTILINE_ALLOWED if multiline else set()
    return any(
        unicodedata.category(char) in ("Cc", "Cs") and char not in allowed
        for char in value
    )


class NoControlCharacters:
    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field):
        if isinstance(field.data, str) and has_control_characters(
            field.data, self.multiline
        ):
            raise ValidationError(_("Remove the invisible control characters."))


MAX_EMAIL_LENGTH = 254


def normalised_email(address: str, check_deliverability: bool = False) -> str:
    """The address in email-validator's normal form, or ValidationError.

    The part before the @ must be ASCII: messages go out without SMTPUTF8,
    which many mail servers still lack.
    """
    try:
        result = validate_email(
            address,
            check_deliverability=check_deliverability,
            allow_smtputf8=False,
        )
    except EmailNotValidError as error:
        raise ValidationError(email_problem(address, error)) from error
    # Lower-casing can lengthen some letters (İ becomes two characters).
    if len(result.normalized.lower()) > MAX_EMAIL_LENGTH:
        raise ValidationError(_("An e-mail address has at most 254 characters."))
    return result.normalized


def email_problem(address: str, error: EmailNotValidError) -> str:
    """What is wrong with the address, in the reader's language.

    email-validator explains in English only, so its reason only chooses
    one of a few messages of our own; each begins "Enter a valid e-mail
    address" in English.
    """
    reason = str(error).lower()
    if isinstance(error, EmailUndeliverableError):
        if "error while checking" in reason:  # the DNS did not answer
            return _("Enter a valid e-mail address, like name@example.org.")
        return _(
            "Enter a valid e-mail address: the domain %(domain)s does not exist "
            "or does not receive e-mail.",
            domain=address.rpartition("@")[2],
        )
    if "must have an @-sign" in reason or "regular at-sign" in reason:
        return _(
            "Enter a valid e-mail address: it needs an @ sign, like name@example.org."
        )
    if "something before the @-sign" in reason:
        return _(
            "Enter a valid e-mail address: something must come before the @ sign, "
            "like name@example.org."
        )
    if "something after the @-sign" in reason:
        return _(
            "Enter a valid e-mail address: something must come after the @ sign, "
            "like name@example.org."
        )
    if "too long" in reason or "so many characters" in reason:
        return _("Enter a valid e-mail address: this one is too long.")
    if "character" in reason or "ascii" in reason:
        return _(
            "Enter a valid e-mail address: it contains a character that is not "
            "allowed (a space, a second @ sign, or an accented letter before "
            "the @ sign, for example)."
        )
    if "after the @-sign" in reason or "domain" in reason:
        return _(
            "Enter a valid e-mail address: the part after the @ sign is not a "
            "valid domain, like example.org."
        )
    return _("Enter a valid e-mail address, like name@example.org.")


def international_phone(number: str, country_code: str | None) -> str:
    """The number in E.164 form, read as a local number of the country if needed."""
    try:
        parsed = phonenumbers.parse(number, country_code or None)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(
            _("Enter a phone number with its country code, for example +62 21 3913112.")
        ) from error
    if not phonenumbers.is_possible_number(parsed):
        raise ValidationError(
            _("This does not look like a phone number; include the country code.")
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# --- passport details for a visa letter ------------------------------------------

PASSPORT_NUMBER = re.compile(r"[A-Z0-9]{6,12}")
# Not countries, though Babel's territories list them.
NOT_COUNTRIES = {
    *("EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"),
    # Islands and areas with codes of their own that no passport names.
    *("AC", "CP", "CQ", "DG", "EA", "IC", "TA"),
}
# Indonesia admits a visitor whose passport stays valid this long after the stay.
VALID_AFTER_STAY_MONTHS = 6
YOUNGEST, OLDEST = 16, 100


@functools.cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes of the countries Babel knows."""
    return frozenset(
        code
        for code in Locale.parse("en").territories
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    )


def country_choices() -> list[tuple[str, str]]:
    """(code, name) of every country, named and sorted in the reader's language."""
    return _country_choices(str(get_locale() or "en"))


@functools.cache
def _country_choices(locale: str) -> list[tuple[str, str]]:
    names = Locale.parse(locale).territories
    return sorted(
        ((code, names.get(code, code)) for code in country_codes()),
        key=lambda choice: choice[1].casefold(),
    )


def normalised_passport_number(text: str | None) -> str:
    """Upper-case, without the spaces and dashes people type in. Only plain
    ASCII is upper-cased: "ß" must not become a valid-looking "SS"."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(
        char
        for char in text
        if not char.isspace() and unicodedata.category(char) != "Pd"
    )
    return text.upper() if text.isascii() else text


# Besides letters: what names in passports are written with.
NAME_PUNCTUATION = set(" '-.,\u2019")


def in_latin_letters(text: str) -> bool:
    """Latin letters (accents allowed), spaces and a name's punctuation."""
    for char in text:
        category = unicodedata.category(char)
        if char in NAME_PUNCTUATION or category.startswith("M") or category == "Lm":
            continue
        if not (
            category.startswith("L") and unicodedata.name(char, "").startswith("LATIN")
        ):
            return False
    return True


def months_after(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def passport_problems(
    event, *, name, nationality, number, expiry, birth, embassy
) -> dict[str, str]:
    """What keeps the passport details from going on a visa letter, by field."""
    problems = {}
    if not name:
        problems["passport_name"] = _(
            "Enter your name as it is written in your passport."
        )
    elif not in_latin_letters(name):
        problems["passport_name"] = _(
            "Write the name in Latin letters, as on the passport's data page."
        )
    if not nationality:
        problems["nationality"] = _("Choose your nationality.")
    elif nationality not in country_codes():
        problems["nationality"] = _("Choose one of the countries listed.")
    number = normalised_passport_number(number)
    if not number:
        problems["passport_number"] = _("Enter your passport number.")
    elif not PASSPORT_NUMBER.fullmatch(number):
        problems["passport_number"] = _(
            "A passport number has 6 to 12 letters and digits."
        )
    valid_until = months_after(event.ends_on, VALID_AFTER_STAY_MONTHS)
    if expiry is None:
        problems["passport_expiry"] = _("Enter the date your passport expires.")
    elif expiry < valid_until:
        problems["passport_expiry"] = _(
            "Indonesia requires a passport valid for six months after the stay: "
            "until %(date)s at least.",
            date=format_date(valid_until, "long"),
        )
    if birth is None:
        problems["date_of_birth"] = _("Enter your date of birth.")
    elif not YOUNGEST <= age_on(birth, event.starts_on) <= OLDEST:
        problems["date_of_birth"] = _(
            "Check your date of birth: delegates are between %(youngest)s and "
            "%(oldest)s years old on the first day.",
            youngest=YOUNGEST,
            oldest=OLDEST,
        )
    if not embassy:
        problems["visa_embassy"] = _(
            "Enter the embassy or consulate where you will apply for the visa."
        )
    return problems
