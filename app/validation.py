"""Field checks shared by the delegate and organiser forms."""

from __future__ import annotations

import unicodedata

import phonenumbers
from email_validator import (
    EmailNotValidError,
    EmailUndeliverableError,
    validate_email,
)
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
