"""The part of :class:`~erlen.ext.caching.Cache` that sets up backends and proxies them."""

from __future__ import annotations

import hashlib
import inspect
import logging
import typing as t
import warnings
from collections.abc import Callable

import cachelib
from cachelib.serializers import BaseSerializer

from erlen.globals import current_app
from erlen.utils import import_string

from .backends.base import BaseCache
from .utils import normalize_timeout

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask

logger = logging.getLogger("erlen.ext.caching")

# Config read by init_app, with Flask-Caching's defaults.
_DEFAULTS: dict[str, t.Any] = {
    "CACHE_DEFAULT_TIMEOUT": 300,
    "CACHE_IGNORE_ERRORS": False,
    "CACHE_THRESHOLD": 500,
    "CACHE_KEY_PREFIX": "flask_cache_",
    "CACHE_MEMCACHED_SERVERS": None,
    "CACHE_DIR": None,
    "CACHE_FILE_HASH_METHOD": hashlib.sha256,
    "CACHE_HASH_METHOD": hashlib.sha256,
    "CACHE_OPTIONS": None,
    "CACHE_ARGS": [],
    "CACHE_TYPE": "NullCache",
    "CACHE_NO_NULL_WARNING": False,
    "CACHE_SOURCE_CHECK": False,
    "CACHE_ENABLE_SIGNALS": False,
    "CACHE_SERIALIZER": None,
}

_BACKENDS = "erlen.ext.caching.backends"


class CacheCore:
    """Configuration, backend construction and the proxy methods of the cache object."""

    def __init__(
        self,
        app: Flask | None = None,
        with_jinja2_ext: bool = True,
        config: dict[str, t.Any] | None = None,
    ) -> None:
        if not (config is None or isinstance(config, dict)):
            raise ValueError("`config` must be an instance of dict or None")
        #: Whether :meth:`init_app` adds the ``{% cache %}`` tag to the app's Jinja env.
        self.with_jinja2_ext = with_jinja2_ext
        #: The config given to the constructor (overrides the app's ``CACHE_*`` keys).
        self.config = config
        #: ``CACHE_SOURCE_CHECK`` of the last app initialised.
        self.source_check: bool | None = None
        #: ``CACHE_HASH_METHOD`` of the last app initialised (read when keys are built).
        self.hash_method: Callable[..., t.Any] | None = None
        #: ``CACHE_SERIALIZER`` of the last app initialised.
        self.serializer: BaseSerializer | None = None
        #: ``CACHE_ENABLE_SIGNALS`` of the last app initialised.
        self.enable_signals = False
        if app is not None:
            self.init_app(app, config)

    def init_app(self, app: Flask, config: dict[str, t.Any] | None = None) -> None:
        """Set up a backend for ``app`` from its ``CACHE_*`` config, updated with the
        constructor's ``config`` and then this ``config``. One cache object may serve
        several apps: each gets its own backend, found through the current app."""
        if not (config is None or isinstance(config, dict)):
            raise ValueError("`config` must be an instance of dict or None")
        merged = dict(_DEFAULTS)
        merged.update(app.config)
        merged.update(self.config or {})
        merged.update(config or {})
        if merged["CACHE_TYPE"] == "NullCache" and not merged["CACHE_NO_NULL_WARNING"]:
            warnings.warn(
                "erlen.ext.caching: CACHE_TYPE is NullCache (the default), caching is"
                " effectively disabled. Set CACHE_TYPE, or CACHE_NO_NULL_WARNING to silence"
                " this.",
                stacklevel=3,
            )
        if not callable(merged["CACHE_HASH_METHOD"]):
            raise ValueError(
                "`CACHE_HASH_METHOD` must be a hash constructor such as `hashlib.sha256`,"
                f" not {merged['CACHE_HASH_METHOD']!r}"
            )
        serializer = _serializer(merged["CACHE_SERIALIZER"])
        self.source_check = merged["CACHE_SOURCE_CHECK"]
        self.enable_signals = merged["CACHE_ENABLE_SIGNALS"]
        self.hash_method = merged["CACHE_HASH_METHOD"]
        self.serializer = serializer
        if self.with_jinja2_ext:
            from .jinja2ext import JINJA_CACHE_ATTR_NAME, CacheExtension

            setattr(app.jinja_env, JINJA_CACHE_ATTR_NAME, self)
            app.jinja_env.add_extension(CacheExtension)
        self._set_cache(app, merged)

    def _set_cache(self, app: Flask, config: dict[str, t.Any]) -> None:
        cache_type = config["CACHE_TYPE"]
        if not isinstance(cache_type, str):
            factory: t.Any = cache_type
        else:
            if "." not in cache_type:
                cache_type = f"{_BACKENDS}.{cache_type}"
            elif cache_type.startswith("flask_caching."):
                # A Flask app's config names Flask-Caching's modules: they are ours.
                cache_type = "erlen.ext.caching." + cache_type[len("flask_caching.") :]
            factory = import_string(cache_type)
        args = list(config["CACHE_ARGS"])
        options: dict[str, t.Any] = {
            "default_timeout": config["CACHE_DEFAULT_TIMEOUT"],
            "ignore_delete_many_errors": config["CACHE_IGNORE_ERRORS"],
        }
        options.update(config["CACHE_OPTIONS"] or {})
        options["default_timeout"] = normalize_timeout(options["default_timeout"])
        config["CACHE_DEFAULT_TIMEOUT"] = options["default_timeout"]
        backend: cachelib.BaseCache
        if isinstance(factory, type) and issubclass(factory, BaseCache):
            backend = factory.factory(app, config, args, options)
        elif isinstance(factory, type) and issubclass(factory, cachelib.BaseCache):
            # A cachelib class named directly takes the options as they are. cachelib
            # before 0.16 (0.14 is the newest for Python 3.10) has no
            # ignore_delete_many_errors, so CACHE_IGNORE_ERRORS is not passed to a class
            # that doesn't take it (the option set in CACHE_OPTIONS still is).
            if "ignore_delete_many_errors" not in (config["CACHE_OPTIONS"] or {}) and not (
                _takes_keyword(factory, "ignore_delete_many_errors")
            ):
                del options["ignore_delete_many_errors"]
            backend = factory(*args, **options)
        else:
            backend = factory(app, config, args, options)
        if self.serializer is not None:
            if hasattr(backend, "serializer"):
                backend.serializer = self.serializer
            else:
                warnings.warn(
                    f"CACHE_SERIALIZER is set but {type(backend).__name__} does not use a"
                    " serializer.",
                    stacklevel=4,
                )
        app.extensions.setdefault("cache", {})[self] = backend
        #: The app initialised last: used where no app context is active.
        self.app = app

    def _current_app(self) -> Flask:
        try:
            return current_app._get_current_object()  # type: ignore[attr-defined]
        except RuntimeError:
            pass
        try:
            return self.app
        except AttributeError:
            raise RuntimeError(
                "The cache is not set up: call cache.init_app(app) (or pass the app to"
                " Cache()) before using it."
            ) from None

    @property
    def cache(self) -> cachelib.BaseCache:
        """The backend of the current app (or of the app initialised last, outside an app
        context), for what the proxy methods don't cover."""
        app = self._current_app()
        try:
            return app.extensions["cache"][self]
        except KeyError:
            raise RuntimeError(
                f"The cache is not set up for the app {app.name!r}: call cache.init_app(app)."
            ) from None

    def get(self, key: str) -> t.Any:
        """The value stored under ``key``, or ``None``."""
        return self.cache.get(key)

    def has(self, key: str) -> bool:
        """Whether ``key`` is stored (without loading its value)."""
        return self.cache.has(key)

    def set(self, key: str, value: t.Any, timeout: t.Any = None) -> bool | None:
        """Store ``value`` under ``key`` for ``timeout`` seconds (default
        ``CACHE_DEFAULT_TIMEOUT``; ``0`` for no expiry)."""
        return self.cache.set(key, value, timeout=timeout)

    def add(self, key: str, value: t.Any, timeout: t.Any = None) -> bool:
        """Like :meth:`set`, but only when ``key`` is not stored yet."""
        return self.cache.add(key, value, timeout=timeout)

    def delete(self, key: str) -> bool:
        """Delete ``key``; whether it existed."""
        return self.cache.delete(key)

    def delete_many(self, *keys: str) -> list[t.Any]:
        """Delete ``keys``; the list of keys deleted (absent keys count as deleted)."""
        return self.cache.delete_many(*keys)

    def clear(self) -> bool:
        """Delete everything this cache stored (with a Redis key prefix, only its keys)."""
        return self.cache.clear()

    def get_many(self, *keys: str) -> list[t.Any]:
        """The values of ``keys``, in order (``None`` for a miss)."""
        return self.cache.get_many(*keys)

    def set_many(self, mapping: dict[str, t.Any], timeout: t.Any = None) -> list[t.Any]:
        """Store every item of ``mapping``; the list of keys stored."""
        return self.cache.set_many(mapping, timeout=timeout)

    def get_dict(self, *keys: str) -> dict[str, t.Any]:
        """Like :meth:`get_many`, as a dict."""
        return self.cache.get_dict(*keys)

    def inc(self, key: str, delta: int = 1) -> int | None:
        """Add ``delta`` to the number under ``key`` (atomically on Redis); the new value.
        A missing key counts as 0."""
        return self.cache.inc(key, delta)

    def dec(self, key: str, delta: int = 1) -> int | None:
        """Subtract ``delta`` from the number under ``key``; the new value."""
        return self.cache.dec(key, delta)

    def unlink(self, *keys: str) -> t.Any:
        """Delete ``keys`` with Redis's non-blocking ``UNLINK``; on other backends the same
        as :meth:`delete_many`."""
        unlink = getattr(self.cache, "unlink", None)
        if callable(unlink):
            return unlink(*keys)
        return self.delete_many(*keys)

    def _hash(self, hash_method: Callable[..., t.Any] | None) -> Callable[..., t.Any]:
        return hash_method or self.hash_method or hashlib.sha256

    def _source_check(self, source_check: bool | None) -> bool:
        return bool(self.source_check if source_check is None else source_check)


def _takes_keyword(cls: type, name: str) -> bool:
    parameters = inspect.signature(cls).parameters.values()
    return any(p.name == name or p.kind is p.VAR_KEYWORD for p in parameters)


def _serializer(serializer: t.Any) -> BaseSerializer | None:
    if serializer is None:
        return None
    if isinstance(serializer, type) and issubclass(serializer, BaseSerializer):
        try:
            return serializer()
        except TypeError as e:
            raise ValueError(f"Couldn't instantiate serializer: {serializer!r}!") from e
    if not isinstance(serializer, BaseSerializer):
        raise ValueError(
            "`CACHE_SERIALIZER` must be a `cachelib.serializers.BaseSerializer` subclass or"
            " instance."
        )
    return serializer
