"""Error pages: a plain, helpful page for every 4xx and 5xx."""

from __future__ import annotations

from flask import render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from app.extensions import db

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    405: "Method not allowed",
    410: "This link has expired",
    413: "Too much data",
    422: "Could not process this request",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Service unavailable",
}


def render_error(error: HTTPException):
    code = error.code or 500
    response = error.get_response()
    body = render_template(
        "errors/error.html",
        code=code,
        title=TITLES.get(code, error.name),
        description=error.description,
    )
    response.set_data(body)
    response.content_type = "text/html; charset=utf-8"
    return response


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        error.description = (
            "Your form could not be accepted because its security token was "
            "missing or had expired. Go back, reload the page and send it again."
        )
        return render_error(error)

    @app.errorhandler(429)
    def too_many_requests(error: HTTPException):
        error.description = (
            "You have sent this form too many times in a short while. Nothing "
            "was lost: please wait a little (the limit resets within the hour) "
            "and try again."
        )
        return render_error(error)

    @app.errorhandler(413)
    def too_large(error: HTTPException):
        error.description = (
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
                "The registration system cannot reach its database just now. "
                "Nothing was saved; please try again in a minute."
            )
        )
