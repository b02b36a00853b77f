"""Guards on what a request may carry before any view sees it."""

from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

# Ids are 32-bit integers in the database; a larger number in a URL is simply
# a page that does not exist, not an overflow in the driver.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` that matches only numbers an id column can hold."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def refuse_nul_characters():
    """NUL is never part of a valid address or search, and PostgreSQL text
    cannot hold it: answer 400 rather than let it reach a query."""
    if "\x00" in request.path or any(
        "\x00" in key or "\x00" in value
        for key, values in request.args.lists()
        for value in values
    ):
        abort(
            400,
            description=_("The address contains a character that is not allowed."),
        )


def init_app(app) -> None:
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_characters)
