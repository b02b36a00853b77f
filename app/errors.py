"""Error pages: a plain, helpful page for every 4xx and 5xx."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from app.extensions import db

TITLES = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    # Werkzeug's name of the status, as the page has always shown it.
    409: _l("Conflict"),
    410: _l("This link has expired"),
    413: _l("Too much data"),
    422: _l("Could not process this request"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Service unavailable"),
}
# Werkzeug's own descriptions (exactly its English), shown where a view gave
# none of its own: an unknown address, a method not allowed, a crash.
DESCRIPTIONS = {
    400: _l(
        "The browser (or proxy) sent a request that this server could not understand."
    ),
    403: _l(
        "You don't have the permission to access the requested resource. It is "
        "either read-protected or not readable by the server."
    ),
    404: _l(
        "The requested URL was not found on the server. If you entered the URL "
        "manually please check your spelling and try again."
    ),
    405: _l("The method is not allowed for the requested URL."),
    500: _l(
        "The server encountered an internal error and was unable to complete "
        "your request. Either the server is overloaded or there is an error in "
        "the application."
    ),
}


def _description(error: HTTPException) -> str:
    """The view's own description, else ours for Werkzeug's default."""
    if error.description == type(error).description and error.code in DESCRIPTIONS:
        return str(DESCRIPTIONS[error.code])
    return error.description


def render_error(error: HTTPException):
    code = error.code or 500
    response = error.get_response()
    body = render_template(
        "errors/error.html",
        code=code,
        title=TITLES.get(code, error.name),
        description=_description(error),
    )
    response.set_data(body)
    response.content_type = "text/html; charset=utf-8"
    return response


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        error.description = _(
            "Your form could not be accepted because its security token was "
            "missing or had expired. Go back, reload the page and send it again."
        )
        return render_error(error)

    @app.errorhandler(429)
    def too_many_requests(error: HTTPException):
        error.description = _(
            "You have sent this form too many times in a short while. Nothing "
            "was lost: please wait a little (the limit resets within the hour) "
            "and try again."
        )
        return render_error(error)

    @app.errorhandler(413)
    def too_large(error: HTTPException):
        error.description = _(
            "This request carried more data than any form here takes. Nothing "
            "was saved: go back, shorten what you typed and send it again."
        )
        return render_error(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return render_error(error)

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        db.session.rollback()
        app.logger.error("database unavailable: %s", error.orig)
        return render_error(
            ServiceUnavailable(
                _(
                    "The registration system cannot reach its database just now. "
                    "Nothing was saved; please try again in a minute."
                )
            )
        )
