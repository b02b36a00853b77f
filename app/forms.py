"""The base of every form in the app."""

from collections.abc import Callable
from typing import Any

from flask import request
from flask_babel import format_number, get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from wtforms import DateField, EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.extensions import db
from app.services import Refused
from app.validation import NoControlCharacters, clean_text

# What a field without a length limit of its own shows back at most (a date,
# a number): more than anything valid, far less than a request can carry.
ECHO_LIMIT = 254


class Form(FlaskForm):
    """A Flask-WTF form that reads only the submitted text fields.

    Flask-WTF would also mix uploaded files and JSON bodies into the form
    data; no form here takes either, and a file part where text belongs
    must be refused like any other bad input, not reach the validators.
    """

    class Meta:
        def wrap_formdata(self, form, formdata):
            if formdata is _Auto:
                return request.form if _is_submitted() else None
            return formdata

        def get_translations(self, form):
            # WTForms' own messages ("Not a valid choice.") come from our
            # catalogue: WTForms ships no Indonesian or Vietnamese.
            return _WTFormsMessages()

    # What the change of the last successful ``submit`` returned.
    result: Any = None

    def submit(self, change: Callable[[], Any]) -> bool:
        """Run ``change`` once the form is valid, and commit; True when it went
        through (its return value in ``result``). A change the service refuses
        is rolled back and its reason shown next to the field it names."""
        if not self.validate_on_submit():
            return False
        try:
            self.result = change()
        except Refused as refusal:
            db.session.rollback()
            self.refuse(refusal)
            return False
        db.session.commit()
        return True

    def refuse(self, refusal: Refused) -> None:
        field = self._fields.get(refusal.field or "")
        if field is None:
            self.form_errors.append(str(refusal))
        else:
            field.errors = [*field.errors, str(refusal)]

    @property
    def status_code(self) -> int:
        """How a page showing this form answers: 422 when a submission failed."""
        return 422 if request.method == "POST" else 200

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not valid:
            self._cut_to_limits()
        return valid

    def _cut_to_limits(self) -> None:
        """Shown back next to its error, a value is cut to what its field
        allows: a page never echoes more than anyone may type."""
        for field in self:
            limit = max_length(field)
            if field.raw_data:
                field.raw_data = [
                    value[:limit] if isinstance(value, str) else value
                    for value in field.raw_data
                ]
            if isinstance(field.data, str):
                field.data = field.data[:limit]


class _WTFormsMessages:
    """WTForms' translations object, reading the app's catalogue in the
    reader's language (the messages are listed in ``app.form_messages``)."""

    def gettext(self, string: str) -> str:
        return _(string) if string else string

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        # Not flask_babel.ngettext: it fills in %(num)d at once and would fail
        # on WTForms' own placeholders (%(max)d), which WTForms fills in later.
        return get_translations().ungettext(singular, plural, n)


def max_length(field) -> int:
    limits = [v.max for v in field.validators if isinstance(v, Length) and v.max != -1]
    return min(limits, default=ECHO_LIMIT)


# --- fields declared once ------------------------------------------------------


def required(message) -> DataRequired:
    return DataRequired(message=message)


def _bounded(max_length: int, too_long: str | None) -> Length:
    return Length(max=max_length, message=too_long or keep_under(max_length))


def keep_under(max_length: int) -> LazyString:
    """The message of a text that is too long, its number written the
    reader's way (1,000 in English, 1.000 in Indonesian)."""
    return LazyString(
        lambda: _("Keep this under %(max)s characters.", max=format_number(max_length))
    )


def line(
    label: str, max_length: int, *validators, too_long: str | None = None, **kwargs
) -> StringField:
    """A one-line text field: cleaned, bounded, no control characters."""
    return StringField(
        label,
        filters=[clean_text],
        validators=[*validators, _bounded(max_length, too_long), NoControlCharacters()],
        **kwargs,
    )


def paragraphs(
    label: str, max_length: int, *validators, too_long: str | None = None, **kwargs
) -> TextAreaField:
    """Multi-line text: line breaks allowed, other control characters not."""
    return TextAreaField(
        label,
        filters=[clean_text],
        validators=[
            *validators,
            _bounded(max_length, too_long),
            NoControlCharacters(multiline=True),
        ],
        **kwargs,
    )


def email_address(label: str, *validators, **kwargs) -> EmailField:
    """An e-mail address field; checking it is the form's ``validate_<name>``."""
    return EmailField(
        label,
        filters=[clean_text],
        validators=[
            *validators,
            _bounded(254, _l("An e-mail address has at most 254 characters.")),
            NoControlCharacters(),
        ],
        **kwargs,
    )


class IsoDateField(DateField):
    """A date typed or picked as YYYY-MM-DD, with a message a person understands."""

    def __init__(self, label: str, *validators, **kwargs):
        # TRANSLATORS: the placeholder of a date field; the date is typed as
        # digits, year-month-day (2011-04-03), whatever the language.
        kwargs.setdefault("render_kw", {"placeholder": _l("YYYY-MM-DD")})
        super().__init__(label, validators=list(validators) or [Optional()], **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(
                _("Enter the date as YYYY-MM-DD, for example 2011-04-03.")
            ) from error
