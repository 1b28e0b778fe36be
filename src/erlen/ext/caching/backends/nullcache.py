"""A backend that stores nothing."""

from __future__ import annotations

import cachelib

from .base import BaseCache

__all__ = ["NullCache"]


class NullCache(BaseCache, cachelib.NullCache):
    """A cache that doesn't cache: every ``get`` misses. Useful for tests and development
    (``CACHE_TYPE = "NullCache"``, the default, which warns unless
    ``CACHE_NO_NULL_WARNING`` is set)."""

    def has(self, key: str) -> bool:
        """Always false: nothing is stored."""
        return False
