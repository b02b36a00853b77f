"""Organiser forms. The login fields ``email`` and ``password`` are a contract."""

from flask import abort, flash
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length

from app.forms import Form
from app.models.organisers import Role
from app.validation import NoControlCharacters, normalised_email


class LoginForm(Form):
    email = EmailField(
        "E-mail address",
        validators=[
            DataRequired(message="Enter your e-mail address."),
            Length(max=254),
            NoControlCharacters(),
        ],
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(message="Enter your password."), Length(max=1000)],
    )


class ActionForm(Form):
    """An organiser's action behind a button: only CSRF, and an admin override."""

    override_quota = BooleanField("Confirm even if the delegation is full (admin)")

    def act(self, change) -> bool:
        """``submit`` for a button: True when the change went through; a
        refusal is flashed, and a form without its token answers 400."""
        if self.submit(change):
            return True
        if not self.form_errors:
            abort(400, description="The form was incomplete; go back and try again.")
        flash(" ".join(self.form_errors))
        return False


class PasswordForm(Form):
    current = PasswordField(
        "Current password",
        validators=[DataRequired(message="Enter your current password.")],
    )
    new = PasswordField(
        "New password",
        validators=[
            DataRequired(message="Enter a new password."),
            Length(min=10, max=1000, message="Use 10 characters or more."),
        ],
    )
    confirm = PasswordField(
        "New password again",
        validators=[EqualTo("new", message="The two new passwords differ.")],
    )


class AccountForm(Form):
    email = EmailField(
        "E-mail address",
        validators=[DataRequired(message="Enter an e-mail address."), Length(max=254)],
    )

    def validate_email(self, field):
        field.data = normalised_email(field.data)

    role = SelectField(
        "Role",
        validators=[DataRequired(message="Choose a role.")],
        choices=[
            SelectChoice("", "Choose a role"),
            SelectChoice(Role.ORGANISER, "Organiser (all registrations)"),
            SelectChoice(Role.COORDINATOR, "Coordinator of one country programme"),
            SelectChoice(Role.ADMIN, "Admin (everything, accounts and settings)"),
        ],
    )
    country = StringField(
        "Country programme code (coordinators)",
        filters=[lambda v: v.strip().upper() if isinstance(v, str) else v],
        validators=[Length(max=2, message="Use the two-letter code, e.g. GH.")],
    )
    password = PasswordField(
        "Initial password",
        validators=[
            DataRequired(message="Enter a password."),
            Length(min=10, max=1000, message="Use 10 characters or more."),
        ],
    )
