"""WTForms' own messages that our forms can show, so that extraction finds them.

WTForms writes these itself (a field's built-in check, a validator given no
message of its own) and asks ``Form.Meta.get_translations`` (``app.forms``) for
them in the reader's language. WTForms ships no Indonesian or Vietnamese, so
they are translated in our catalogue; nothing imports this module, it only
lists them. Each is WTForms' exact English text (wtforms 3.3): a msgid that
differs by a character is never looked up.

Only what a form of ours can show is here. Not listed, because no field of
ours can produce them: "This field is required." (every DataRequired and
InputRequired has a message), "Not a valid date value." (IsoDateField says it
its own way), the time and date-time values (their fields have a message),
"Field must be between %(min)d and %(max)d characters long." (Length with
both bounds always has a message) and the CSRF messages (CSRFProtect refuses
the request first, with the error page of ``app.errors``, and the form's own
summary says it its own way).
"""

from flask_babel import lazy_gettext as _l


def ngettext(singular: str, plural: str) -> tuple[str, str]:
    """A singular and plural pair, named so that extraction takes both."""
    return singular, plural


MESSAGES = [
    # A choice not in the list (SelectField; the organiser account's role).
    _l("Not a valid choice."),
    # IntegerField (the capacity and quotas).
    _l("Not a valid integer value."),
    # Length with only a maximum and no message (login, accounts).
    ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
    ),
]
