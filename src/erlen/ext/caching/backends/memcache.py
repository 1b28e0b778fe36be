"""The memcached backend (cachelib's, with whichever memcached client is installed).

erlen's tests don't run a memcached server, so this backend is only checked for being
built from the config; the SASL variants of Flask-Caching (on ``pylibmc``, which has no
wheels for current Pythons) are not provided.
"""

from __future__ import annotations

import typing as t
from datetime import timedelta

import cachelib

from .base import BaseCache, _keep_errors_setting, _seconds

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask

__all__ = ["MemcachedCache", "SASLMemcachedCache", "SpreadSASLMemcachedCache"]


class MemcachedCache(BaseCache, cachelib.MemcachedCache):
    """Items in memcached, through ``pylibmc``, ``pymemcache``-compatible ``memcache`` or
    ``libmc`` (the first one installed), or a client object you pass as ``servers``.

    :param servers: ``["host:port", ...]`` (``CACHE_MEMCACHED_SERVERS``) or a client.
    :param default_timeout: see :class:`~erlen.ext.caching.backends.BaseCache`.
    :param key_prefix: put before every key (``CACHE_KEY_PREFIX``).
    :param ignore_delete_many_errors: see :class:`~erlen.ext.caching.backends.BaseCache`.
    :param kwargs: further options of the installed cachelib version (``pool_size``, ...).
    """

    def __init__(
        self,
        servers: t.Any = None,
        default_timeout: int | timedelta = 300,
        key_prefix: str | None = None,
        ignore_delete_many_errors: bool = False,
        **kwargs: t.Any,
    ) -> None:
        cachelib.MemcachedCache.__init__(
            self, servers, _seconds(default_timeout), key_prefix, **kwargs
        )
        _keep_errors_setting(self, ignore_delete_many_errors)

    def delete_many(self, *keys: str) -> list[t.Any]:
        """Delete ``keys`` with one ``delete_multi``; the list of keys now absent (keys
        memcached cannot hold are left out). Unless ``ignore_delete_many_errors``, raises
        :exc:`RuntimeError` naming the keys still there."""
        return self._checked_deletion(keys, cachelib.MemcachedCache.delete_many(self, *keys))

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, t.Any], args: list[t.Any], kwargs: dict[str, t.Any]
    ) -> MemcachedCache:
        """Build it from ``CACHE_MEMCACHED_SERVERS`` and ``CACHE_KEY_PREFIX``."""
        args.append(config["CACHE_MEMCACHED_SERVERS"])
        kwargs["key_prefix"] = config["CACHE_KEY_PREFIX"]
        return cls(*args, **kwargs)


class SASLMemcachedCache(MemcachedCache):
    """Not provided by erlen: Flask-Caching builds it on ``pylibmc``, which does not install
    on current Pythons. Pass an authenticated client to :class:`MemcachedCache` instead."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        raise RuntimeError(
            f"{type(self).__name__} is not provided by erlen.ext.caching; build a memcached"
            " client with SASL authentication and pass it as MemcachedCache(servers=client)."
        )

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, t.Any], args: list[t.Any], kwargs: dict[str, t.Any]
    ) -> MemcachedCache:
        """Raises :exc:`RuntimeError` (see the class)."""
        return cls()


class SpreadSASLMemcachedCache(SASLMemcachedCache):
    """Not provided by erlen (see :class:`SASLMemcachedCache`)."""
