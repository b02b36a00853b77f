"""Organiser forms. The login fields ``email`` and ``password`` are a contract."""

from flask import abort, flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length

from app.forms import Form
from app.models.organisers import Role
from app.validation import NoControlCharacters, normalised_email


class LoginForm(Form):
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(message=_l("Enter your e-mail address.")),
            Length(max=254),
            NoControlCharacters(),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=1000)],
    )


class ActionForm(Form):
    """An organiser's action behind a button: CSRF, an admin override, and
    the reason of a refusal."""

    override_quota = BooleanField(_l("Confirm even if the delegation is full (admin)"))
    override_status = BooleanField(_l("Check in although this delegate has no seat"))
    reason = TextAreaField(
        _l("Reason, for the delegate"),
        validators=[Length(max=1000), NoControlCharacters()],
    )

    def act(self, change) -> bool:
        """``submit`` for a button: True when the change went through; a
        refusal is flashed, and a form without its token answers 400."""
        if self.submit(change):
            return True
        self.refused()
        return False

    def refused(self) -> None:
        """Flash why the change was refused (400 for a form without its token)."""
        if not self.form_errors:
            abort(400, description=_("The form was incomplete; go back and try again."))
        flash(" ".join(self.form_errors))


class PasswordForm(Form):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password."))],
    )
    new = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(message=_l("Enter a new password.")),
            Length(min=10, max=1000, message=_l("Use 10 characters or more.")),
        ],
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[EqualTo("new", message=_l("The two new passwords differ."))],
    )


class AccountForm(Form):
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(message=_l("Enter an e-mail address.")),
            Length(max=254),
        ],
    )

    def validate_email(self, field):
        field.data = normalised_email(field.data)

    role = SelectField(
        _l("Role"),
        validators=[DataRequired(message=_l("Choose a role."))],
        choices=[
            SelectChoice("", _l("Choose a role")),
            SelectChoice(Role.ORGANISER, _l("Organiser (all registrations)")),
            SelectChoice(Role.COORDINATOR, _l("Coordinator of one country programme")),
            SelectChoice(Role.ADMIN, _l("Admin (everything, accounts and settings)")),
        ],
    )
    country = StringField(
        _l("Country programme code (coordinators)"),
        filters=[lambda v: v.strip().upper() if isinstance(v, str) else v],
        validators=[Length(max=2, message=_l("Use the two-letter code, e.g. GH."))],
    )
    password = PasswordField(
        _l("Initial password"),
        validators=[
            DataRequired(message=_l("Enter a password.")),
            Length(min=10, max=1000, message=_l("Use 10 characters or more.")),
        ],
    )
