"""Organiser forms. The login fields ``email`` and ``password`` are a contract."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(
        "E-mail address",
        validators=[
            DataRequired(message="Enter your e-mail address."),
            Length(max=254),
        ],
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(message="Enter your password."), Length(max=1000)],
    )
