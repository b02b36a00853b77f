"""Absolute addresses on the site's public address, ``BASE_URL``.

E-mails and calendar files are read far from any request (the mail worker
builds messages in a command), and behind a proxy a request's own host may
not be the public one: every absolute link comes from here, built by the
app's own routes on ``BASE_URL``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` with ``values``, on ``BASE_URL``."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def check_in_url(registration) -> str:
    """What a badge's QR code carries: the delegate's check-in card."""
    return external_url(
        "admin.check_in_card",
        slug=registration.event.slug,
        code=registration.check_in_code,
    )
