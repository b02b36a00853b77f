"""Production defaults that gunicorn reads by itself from the working directory.

Workers from the CPU count, each with a few threads; the access log on
standard output, and the secret manage links (/r/<token>) redacted in the
access and error logs.

Threaded workers (``gthread``) tell the master they are alive from their main
loop while a request runs in a thread, so a long download (the attendee CSV
of a large event) is not killed by ``timeout``, which then only catches a
worker that is truly stuck.
"""

import multiprocessing
import os

from gunicorn.glogging import Logger

from app.log_redaction import redact

workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


class RedactingLogger(Logger):
    """Gunicorn's logger with manage links taken out of every line."""

    def atoms(self, resp, req, environ, request_time):
        values = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in values.items()}

    def log(self, lvl, msg, *args, **kwargs):
        super().log(lvl, *_clean(msg, args), **kwargs)

    def error(self, msg, *args, **kwargs):
        super().error(*_clean(msg, args), **kwargs)

    def warning(self, msg, *args, **kwargs):
        super().warning(*_clean(msg, args), **kwargs)

    def info(self, msg, *args, **kwargs):
        super().info(*_clean(msg, args), **kwargs)

    def debug(self, msg, *args, **kwargs):
        super().debug(*_clean(msg, args), **kwargs)

    def exception(self, msg, *args, **kwargs):
        super().exception(*_clean(msg, args), **kwargs)

    def critical(self, msg, *args, **kwargs):
        super().critical(*_clean(msg, args), **kwargs)


def _clean(msg, args):
    return (redact(str(msg)), *(redact(a) if isinstance(a, str) else a for a in args))


logger_class = RedactingLogger
