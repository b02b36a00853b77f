"""The base of every form in the app."""

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from wtforms.validators import Length

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


def max_length(field) -> int:
    limits = [v.max for v in field.validators if isinstance(v, Length) and v.max != -1]
    return min(limits, default=ECHO_LIMIT)
