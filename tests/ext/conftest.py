"""Fixtures for the batteries' tests: controllable clocks (for the whole process, or for
cachelib's in-process caches) and erlen.ext.caching helpers. The real Redis and PostgreSQL
servers come from ``tests/servers`` (registered in ``tests/conftest.py``).

Battery libraries are imported inside the fixtures, so one battery's missing dependency
never breaks another battery's tests."""

from __future__ import annotations

import itertools
import time

import pytest


class Clock:
    """A clock that moves only when told to."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """``time.time`` for every module (limits' storages and strategies, response headers),
    at the start of a minute, so fixed windows of a minute begin with the test."""
    clock = Clock(1_800_000_000.0)
    monkeypatch.setattr(time, "time", clock)
    return clock


@pytest.fixture
def cachelib_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The time seen by cachelib's SimpleCache and FileSystemCache (they import ``time``
    from the ``time`` module, so the name in their modules is replaced)."""
    import cachelib.file
    import cachelib.simple

    clock = Clock(1_800_000_000.0)
    monkeypatch.setattr(cachelib.simple, "time", clock)
    monkeypatch.setattr(cachelib.file, "time", clock)
    return clock


@pytest.fixture
def cache(app):
    """An ``erlen.ext.caching.Cache`` on the test app, with a ``SimpleCache`` backend."""
    from erlen.ext.caching import Cache

    return Cache(app, config={"CACHE_TYPE": "SimpleCache"})


@pytest.fixture
def counter():
    """0, 1, 2, ...: a view returning ``next(counter)`` shows whether it ran again."""
    return itertools.count()
