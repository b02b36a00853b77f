"""The per-process cache of rendered pages: versions, age and its bound."""

from __future__ import annotations

import time

from app.page_cache import RenderedCache


def builder(value):
    calls = []

    def build():
        calls.append(value)
        return value

    return build, calls


def test_an_entry_is_built_again_only_when_its_version_moves():
    cache = RenderedCache(seconds=1)
    build, calls = builder("page")
    assert cache.get_or_build("key", 1, build) == "page"
    assert cache.get_or_build("key", 1, build) == "page"
    assert calls == ["page"]
    cache.get_or_build("key", 2, build)
    assert calls == ["page", "page"]


def test_an_entry_older_than_max_age_is_built_again():
    cache = RenderedCache(seconds=1)
    build, calls = builder("page")
    cache.get_or_build("key", 1, build, max_age=0.05)
    cache.get_or_build("key", 1, build, max_age=0.05)
    assert len(calls) == 1
    time.sleep(0.06)
    cache.get_or_build("key", 1, build, max_age=0.05)
    assert len(calls) == 2


def test_the_least_recently_used_entry_goes_first():
    cache = RenderedCache(seconds=60, max_entries=3)
    for key in ("event page", "agenda", "list page 1"):
        cache.get_or_build(key, 1, builder(key)[0])
    # The event page is used again (a fresh hit), then a fourth entry comes.
    assert cache.fresh("event page") == "event page"
    cache.get_or_build("list page 2", 1, builder("list page 2")[0])

    assert len(cache) == 3
    assert cache.fresh("agenda") is None  # the least recently used
    assert cache.fresh("event page") == "event page"
    assert cache.fresh("list page 1") == "list page 1"
