"""Fixtures for the batteries' tests: real servers started on demand (redis_server.py) and
a controllable clock for cachelib's in-process caches."""

from __future__ import annotations

import cachelib.file
import cachelib.simple
import pytest
from redis_server import redis_cluster_url, redis_sentinel, redis_url

__all__ = ["cachelib_clock", "redis_cluster_url", "redis_sentinel", "redis_url"]


class Clock:
    """A clock that moves only when told to."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def cachelib_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The time seen by cachelib's SimpleCache and FileSystemCache (they import ``time``
    from the ``time`` module, so the name in their modules is replaced)."""
    clock = Clock(1_800_000_000.0)
    monkeypatch.setattr(cachelib.simple, "time", clock)
    monkeypatch.setattr(cachelib.file, "time", clock)
    return clock
