"""The base class of erlen's cache backends: cachelib's, plus a factory for ``CACHE_TYPE``."""

from __future__ import annotations

import typing as t
from datetime import timedelta

import cachelib

from ..utils import normalize_timeout

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask

__all__ = ["BaseCache"]


class BaseCache(cachelib.BaseCache):
    """The interface every cache backend implements (cachelib's ``BaseCache``).

    A backend named by ``CACHE_TYPE`` is built with its :meth:`factory`, which reads the
    app's ``CACHE_*`` config. Subclass it (and override :meth:`factory`) for a backend of
    your own.

    :param default_timeout: seconds (or a ``timedelta``) used when ``set`` is given no
        timeout; ``0`` means "never expires".
    :param ignore_delete_many_errors: when false, ``delete_many`` raises
        :exc:`RuntimeError` if a key is still there after the delete.
    """

    #: Whether :meth:`delete_many` returns quietly when a key survives the delete
    #: (``CACHE_IGNORE_ERRORS``) instead of raising :exc:`RuntimeError`.
    ignore_delete_many_errors: bool

    def __init__(
        self, default_timeout: int | timedelta = 300, ignore_delete_many_errors: bool = False
    ) -> None:
        cachelib.BaseCache.__init__(self, _seconds(default_timeout))
        self.ignore_delete_many_errors = ignore_delete_many_errors

    def _normalize_timeout(self, timeout: int | timedelta | None) -> int:
        # cachelib before 0.17 (0.14 is the newest for Python 3.10) takes only an int.
        return super()._normalize_timeout(normalize_timeout(timeout))

    def delete_many(self, *keys: str) -> list[t.Any]:
        """Delete ``keys`` one by one; the list of keys now absent (a key that was not
        stored counts as deleted). Unless ``ignore_delete_many_errors``, raises
        :exc:`RuntimeError` naming the keys still there."""
        # cachelib before 0.16 (0.14 is the newest for Python 3.10) leaves absent keys out
        # of the list and never raises: the loop is ours so every version behaves alike.
        return self._checked_deletion(
            keys, [key for key in keys if self.delete(key) or not self.has(key)]
        )

    def _checked_deletion(self, keys: tuple[str, ...], deleted: list[t.Any]) -> list[t.Any]:
        # ``deleted``: the keys a delete_many removed or found absent.
        if not self.ignore_delete_many_errors and len(deleted) != len(keys):
            done = set(deleted)
            failed = [key for key in keys if key not in done and self.has(key)]
            if failed:
                raise RuntimeError(f"Failed to delete keys: {failed}")
        return deleted

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, t.Any], args: list[t.Any], kwargs: dict[str, t.Any]
    ) -> BaseCache:
        """Build the backend for ``app`` from its merged cache ``config``, ``CACHE_ARGS``
        (``args``) and the cache options (``kwargs``). The base class takes no options."""
        return cls()


def _seconds(timeout: int | timedelta) -> int:
    # cachelib before 0.17 takes only an int.
    seconds = normalize_timeout(timeout)
    return 300 if seconds is None else seconds


def _keep_errors_setting(cache: BaseCache, ignore_delete_many_errors: bool) -> None:
    # Set after cachelib's __init__: before 0.16 its constructors don't take the argument,
    # and from 0.16 its default (True) differs from Flask-Caching's (False).
    cache.ignore_delete_many_errors = ignore_delete_many_errors
