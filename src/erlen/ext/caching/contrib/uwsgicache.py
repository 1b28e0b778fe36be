"""The uWSGI cache backend (works only inside a uWSGI server with ``cache2`` enabled)."""

from __future__ import annotations

import typing as t
from datetime import timedelta

import cachelib

from ..backends.base import BaseCache, _keep_errors_setting, _seconds

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask

__all__ = ["UWSGICache"]


class UWSGICache(BaseCache, cachelib.UWSGICache):
    """Items in uWSGI's cache framework; raises :exc:`RuntimeError` outside uWSGI.

    :param default_timeout: see :class:`~erlen.ext.caching.backends.BaseCache`.
    :param cache: the uWSGI cache's name, e.g. ``mycache@localhost:3031``
        (``CACHE_UWSGI_NAME``); empty for the local instance's first cache.
    :param ignore_delete_many_errors: see :class:`~erlen.ext.caching.backends.BaseCache`.
    """

    def __init__(
        self,
        default_timeout: int | timedelta = 300,
        cache: str = "",
        ignore_delete_many_errors: bool = False,
    ) -> None:
        cachelib.UWSGICache.__init__(self, _seconds(default_timeout), cache)
        _keep_errors_setting(self, ignore_delete_many_errors)

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, t.Any], args: list[t.Any], kwargs: dict[str, t.Any]
    ) -> UWSGICache:
        """Build it from ``CACHE_UWSGI_NAME``."""
        kwargs["cache"] = config.get("CACHE_UWSGI_NAME", "")
        return cls(*args, **kwargs)
