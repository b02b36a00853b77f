"""Secret manage links never reach a log: ``/r/<token>`` becomes ``/r/[redacted]``."""

from __future__ import annotations

import logging
import re

MANAGE_LINK = re.compile(r"/r/[^/\s?\"'#]+")
REDACTED = "/r/[redacted]"


def redact(text: str) -> str:
    # Every access-log atom passes here: most hold no link at all.
    return MANAGE_LINK.sub(REDACTED, text) if "/r/" in text else text


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
