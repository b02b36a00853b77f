"""Secret links never reach a log: ``/r/<token>`` becomes ``/r/[redacted]``,
the address check's ``/confirm/<token>`` becomes ``/confirm/[redacted]``, and
the codes of documents and badges (``/verify/<code>``, ``/check-in/<code>``)
go the same way."""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

SECRET_LINK = re.compile(r"/(r|confirm|verify|check-in)/[^/\s?\"'#]+", re.IGNORECASE)
REDACTED = r"/\1/[redacted]"
_EXTRA_SLASHES = re.compile(r"/{2,}")
_UNPRINTABLE = re.compile(r"[^\x21-\x7e ]")


def redact(text: str) -> str:
    """The text with every manage link taken out, however it was written.

    The server routes ``/%72/<token>``, ``/r%2F<token>`` and ``//r//<token>``
    to the manage page too: a line that holds a link only once decoded is
    logged decoded, with the link taken out.
    """
    # Every access-log atom passes here: most hold no link at all.
    text = SECRET_LINK.sub(REDACTED, text)
    if "%" not in text and "//" not in text:
        return text
    decoded = _decoded(text)
    redacted = SECRET_LINK.sub(REDACTED, decoded)
    if redacted == decoded:
        return text
    # What decoding let out stays escaped: no line breaks forged into a log.
    return _UNPRINTABLE.sub(_escaped, redacted)


def _escaped(match: re.Match) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode())


def _decoded(text: str) -> str:
    """Percent-decoding undone (twice-encoded too), repeated slashes merged."""
    for _ in range(3):
        once = unquote(text)
        if once == text:
            break
        text = once
    return _EXTRA_SLASHES.sub("/", text)


class RedactManageLinks(logging.Filter):
    """Rewrites a log record's message and arguments before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact(a) if isinstance(a, str) else a for a in record.args
            )
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v
                for k, v in record.args.items()
            }
        return True


def init_app(app) -> None:
    # The development server logs every request line through "werkzeug".
    for name in ("werkzeug", app.logger.name):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactManageLinks) for f in logger.filters):
            logger.addFilter(RedactManageLinks())
