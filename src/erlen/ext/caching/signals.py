"""Cache hit and miss signals (sent only when ``CACHE_ENABLE_SIGNALS`` is true).

Each is sent with no sender and the keyword arguments ``cache`` (the
:class:`~erlen.ext.caching.Cache`), ``cache_key``, ``args`` and ``kwargs`` (the call's
arguments); the memoize signals also pass ``f``, the undecorated function.
"""

from __future__ import annotations

from blinker import Namespace

__all__ = ["cache_memoize_hit", "cache_memoize_miss", "cache_view_hit", "cache_view_miss"]

_signals = Namespace()

#: A :meth:`~erlen.ext.caching.Cache.cached` function answered from the cache.
cache_view_hit = _signals.signal("cache-view-hit")
#: A :meth:`~erlen.ext.caching.Cache.cached` function ran because nothing was cached.
cache_view_miss = _signals.signal("cache-view-miss")
#: A :meth:`~erlen.ext.caching.Cache.memoize` function answered from the cache.
cache_memoize_hit = _signals.signal("cache-memoize-hit")
#: A :meth:`~erlen.ext.caching.Cache.memoize` function ran because nothing was cached.
cache_memoize_miss = _signals.signal("cache-memoize-miss")
