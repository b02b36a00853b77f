"""Field checks shared by the delegate and organiser forms."""

from __future__ import annotations

import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email
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
            raise ValidationError("Remove the invisible control characters.")


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
        raise ValidationError(f"Enter a valid e-mail address: {error}") from error
    # Lower-casing can lengthen some letters (İ becomes two characters).
    if len(result.normalized.lower()) > MAX_EMAIL_LENGTH:
        raise ValidationError("An e-mail address has at most 254 characters.")
    return result.normalized


def international_phone(number: str, country_code: str | None) -> str:
    """The number in E.164 form, read as a local number of the country if needed."""
    try:
        parsed = phonenumbers.parse(number, country_code or None)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(
            "Enter a phone number with its country code, for example +62 21 3913112."
        ) from error
    if not phonenumbers.is_possible_number(parsed):
        raise ValidationError(
            "This does not look like a phone number; include the country code."
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
