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
import shutil
import tempfile

from gunicorn.glogging import Logger

from app.log_redaction import redact

workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
# With LOG_FORMAT=json the app writes one JSON line per request itself.
accesslog = None if os.environ.get("LOG_FORMAT", "").lower() == "json" else "-"
errorlog = "-"
# /metrics adds up every worker's counters: each writes them to this folder,
# made afresh for this master (prometheus-client's multiprocess mode, which
# reads the variable when the app first imports prometheus_client).
_OWN_METRICS_DIR = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _OWN_METRICS_DIR = tempfile.mkdtemp(prefix="score-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _OWN_METRICS_DIR


def on_exit(server):
    """The master stops: the folder it made for the counters goes too."""
    if _OWN_METRICS_DIR:
        shutil.rmtree(_OWN_METRICS_DIR, ignore_errors=True)


def child_exit(server, worker):
    """A worker gone: its live gauges no longer count."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


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
