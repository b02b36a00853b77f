"""Rendered pages, calendar files and aggregates, kept in each server process.

An entry is kept with the version of the data it was built from (the event's
``updated_at``, its programme's version, the seats; see the views). It is
served without asking the database for ``PAGE_CACHE_SECONDS`` (1 s) after it
was built or last found current; after that the next request reads the
version again (one or two statements of index reads) and builds the entry
anew only if the version moved. Every commit made by this process empties
its cache at once, so what a request changes shows on its own process's
next page; a change made by another process shows within that second.

Even the cheapest version check costs one or two round trips to the
database, which on a busy two-core machine took longer than the rest of the
request: the second between checks is what lets the public pages run at the
speed of Flask itself. Seats are only shown here; the quota guarantee is
enforced under locks when registering, whatever a page said.

The organisers' pages use ``kept``: no second without a check, because an
organiser expects to see their own change at once, whichever process served
it; the version they check is ``data_versions.registrations_version``.

One entry per page, event and viewer's scope (and, for the attendee list,
filter choice and page number); at most ``max_entries``, the least recently
used going first, whatever the traffic.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import event as sa_event

from app.extensions import db

# The longest an organiser page's entry is kept, whatever its version: a
# bound for changes the version does not see (raw SQL; see data_versions).
KEPT_SECONDS = 300.0


@dataclass
class _Entry:
    version: Hashable
    value: Any
    checked_at: float
    built_at: float


class RenderedCache:
    def __init__(self, seconds: float, max_entries: int = 256) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        # Reads and single assignments of a dict are atomic in CPython, so
        # threaded workers need no lock: at worst two build the same entry.
        self._entries: dict[Hashable, _Entry] = {}

    def fresh(self, key: Hashable) -> Any | None:
        """The value, if built or found current less than ``seconds`` ago."""
        entry = self._entries.get(key)
        if entry is not None and time.monotonic() - entry.checked_at < self.seconds:
            self._touch(key)
            return entry.value
        return None

    def get_or_build(
        self,
        key: Hashable,
        version: Hashable,
        build: Callable[[], Any],
        max_age: float | None = None,
    ) -> Any:
        """The value kept for ``version``, or ``build()`` kept for it now.

        With ``max_age``, an entry built longer ago than that is built again
        even if its version is current.
        """
        now = time.monotonic()
        entry = self._entries.get(key)
        if (
            entry is not None
            and entry.version == version
            and (max_age is None or now - entry.built_at < max_age)
        ):
            entry.checked_at = now
            self._touch(key)
            return entry.value
        value = build()
        self._entries.pop(key, None)
        self._entries[key] = _Entry(version, value, now, now)
        if len(self._entries) > self.max_entries:
            # The least recently used goes (another thread may have taken it).
            with suppress(RuntimeError, KeyError, StopIteration):
                del self._entries[next(iter(self._entries))]
        return value

    def _touch(self, key: Hashable) -> None:
        """Move the entry to the end: the dict's order is the order of use."""
        with suppress(KeyError):
            self._entries[key] = self._entries.pop(key)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self, *_) -> None:
        self._entries.clear()


def cached(key: Hashable, load: Callable[[], tuple[Hashable, Callable[[], Any]]]):
    """The value kept under ``key``, checked against the database when due.

    ``load()`` reads the current version and returns it with the function
    that builds the value; it runs only when the entry is not fresh.
    """
    cache: RenderedCache = current_app.extensions["rendered_cache"]
    value = cache.fresh(key)
    if value is None:
        version, build = load()
        value = cache.get_or_build(key, version, build)
    return value


def kept(key: Hashable, version: Hashable, build: Callable[[], Any]) -> Any:
    """The value kept under ``key`` for ``version``, built now if it moved
    (or if it was built more than ``KEPT_SECONDS`` ago)."""
    cache: RenderedCache = current_app.extensions["rendered_cache"]
    return cache.get_or_build(key, version, build, max_age=KEPT_SECONDS)


def init_app(app) -> None:
    cache = RenderedCache(app.config["PAGE_CACHE_SECONDS"])
    app.extensions["rendered_cache"] = cache
    with app.app_context():
        # Any commit of this process (through the session or not) may have
        # changed what a page shows.
        sa_event.listen(db.engine, "commit", cache.clear)
