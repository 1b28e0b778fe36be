"""The in-process memory backend."""

from __future__ import annotations

import typing as t
import warnings
from datetime import timedelta

import cachelib

from .base import BaseCache, _keep_errors_setting, _seconds

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask

__all__ = ["SimpleCache"]


class SimpleCache(BaseCache, cachelib.SimpleCache):
    """A dict in this process's memory, guarded by a lock (safe across threads, not shared
    between processes: use :class:`~erlen.ext.caching.backends.RedisCache` for that).

    :param threshold: the number of items kept before old ones are dropped
        (``CACHE_THRESHOLD``).
    :param default_timeout: see :class:`~erlen.ext.caching.backends.BaseCache`.
    :param ignore_delete_many_errors: see :class:`~erlen.ext.caching.backends.BaseCache`.
    :param ignore_errors: deprecated name of ``ignore_delete_many_errors``.
    """

    def __init__(
        self,
        threshold: int = 500,
        default_timeout: int | timedelta = 300,
        ignore_delete_many_errors: bool = False,
        ignore_errors: bool | None = None,
    ) -> None:
        ignore_delete_many_errors = _deprecated_ignore_errors(
            ignore_errors, ignore_delete_many_errors
        )
        cachelib.SimpleCache.__init__(self, threshold, _seconds(default_timeout))
        _keep_errors_setting(self, ignore_delete_many_errors)

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, t.Any], args: list[t.Any], kwargs: dict[str, t.Any]
    ) -> SimpleCache:
        """Build it with ``CACHE_THRESHOLD``."""
        kwargs["threshold"] = config["CACHE_THRESHOLD"]
        return cls(*args, **kwargs)


def _deprecated_ignore_errors(ignore_errors: bool | None, ignore_delete_many_errors: bool) -> bool:
    if ignore_errors is None:
        return ignore_delete_many_errors
    warnings.warn(
        "'ignore_errors' is deprecated: use 'ignore_delete_many_errors' instead.",
        DeprecationWarning,
        stacklevel=3,
    )
    return ignore_errors
