"""The cache backends, by the names ``CACHE_TYPE`` accepts (Flask-Caching's
``flask_caching.backends``): cachelib's caches with a factory reading the app's config."""

from __future__ import annotations

from ..contrib.uwsgicache import UWSGICache
from .base import BaseCache
from .filesystemcache import FileSystemCache
from .memcache import MemcachedCache, SASLMemcachedCache, SpreadSASLMemcachedCache
from .nullcache import NullCache
from .rediscache import RedisCache, RedisClusterCache, RedisSentinelCache
from .simplecache import SimpleCache

__all__ = [
    "BaseCache",
    "FileSystemCache",
    "MemcachedCache",
    "NullCache",
    "RedisCache",
    "RedisClusterCache",
    "RedisSentinelCache",
    "SASLMemcachedCache",
    "SimpleCache",
    "SpreadSASLMemcachedCache",
    "UWSGICache",
]
