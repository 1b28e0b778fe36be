"""The file system backend."""

from __future__ import annotations

import hashlib
import typing as t
from datetime import timedelta

import cachelib

from .base import BaseCache, _keep_errors_setting, _seconds
from .simplecache import _deprecated_ignore_errors

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask

__all__ = ["FileSystemCache"]


class FileSystemCache(BaseCache, cachelib.FileSystemCache):
    """One file per item in ``cache_dir`` (shared by the processes of one machine). The
    cache owns that directory: it deletes files there that it did not write.

    :param cache_dir: the directory (``CACHE_DIR``), created if missing.
    :param threshold: the number of files kept before old ones are dropped; ``0`` for no
        limit (``CACHE_THRESHOLD``).
    :param default_timeout: see :class:`~erlen.ext.caching.backends.BaseCache`.
    :param mode: the files' permission bits (default ``0o600``).
    :param hash_method: hashes keys into file names (``CACHE_FILE_HASH_METHOD``).
    :param ignore_delete_many_errors: see :class:`~erlen.ext.caching.backends.BaseCache`.
    :param ignore_errors: deprecated name of ``ignore_delete_many_errors``.
    """

    def __init__(
        self,
        cache_dir: str,
        threshold: int = 500,
        default_timeout: int | timedelta = 300,
        mode: int | None = 0o600,
        hash_method: t.Any = hashlib.sha256,
        ignore_delete_many_errors: bool = False,
        ignore_errors: bool | None = None,
    ) -> None:
        ignore_delete_many_errors = _deprecated_ignore_errors(
            ignore_errors, ignore_delete_many_errors
        )
        cachelib.FileSystemCache.__init__(
            self,
            cache_dir,
            threshold=threshold,
            default_timeout=_seconds(default_timeout),
            mode=mode,
            hash_method=hash_method,
        )
        _keep_errors_setting(self, ignore_delete_many_errors)

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, t.Any], args: list[t.Any], kwargs: dict[str, t.Any]
    ) -> FileSystemCache:
        """Build it with ``CACHE_DIR``, ``CACHE_THRESHOLD`` and ``CACHE_FILE_HASH_METHOD``."""
        if config["CACHE_DIR"] is None and not args:
            raise ValueError(
                "CACHE_TYPE is FileSystemCache but CACHE_DIR is not set: set CACHE_DIR to"
                " the directory the cache may own."
            )
        if config["CACHE_DIR"] is not None:
            args.insert(0, config["CACHE_DIR"])
        kwargs.update(
            threshold=config["CACHE_THRESHOLD"], hash_method=config["CACHE_FILE_HASH_METHOD"]
        )
        return cls(*args, **kwargs)
