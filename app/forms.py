"""The base of every form in the app."""

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted


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
