"""The steps ``@cached`` and ``@memoize`` share, as generators of user-code calls (see
:mod:`._drive`): bypassing, looking up, filtering, and what a backend error does."""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Generator

from ._core import CacheCore, logger
from ._drive import Call
from .utils import wants_args, wants_extra_args

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask

#: A looked-up entry: ``(key, found, value)``.
Lookup = tuple[str, bool, t.Any]


def _with_arity(
    func: Callable[..., t.Any] | None, wants: Callable[[Callable[..., t.Any]], bool]
) -> tuple[Callable[..., t.Any], bool] | None:
    # A callback and whether it takes the call's arguments, inspected once at decoration.
    return (func, wants(func)) if callable(func) else None


class Callbacks:
    """A decorator's callbacks and ``cache_none``, inspected once at decoration."""

    __slots__ = ("cache_none", "forced_update", "is_stale", "response_filter", "unless")

    def __init__(
        self,
        unless: Callable[..., t.Any] | None,
        forced_update: Callable[..., t.Any] | None,
        is_stale: Callable[..., t.Any] | None,
        response_filter: Callable[..., t.Any] | None,
        cache_none: bool,
    ) -> None:
        self.unless = _with_arity(unless, wants_args)
        self.forced_update = _with_arity(forced_update, wants_args)
        self.is_stale = _with_arity(is_stale, wants_extra_args)
        self.response_filter = response_filter
        self.cache_none = cache_none


def lookup(
    cache: CacheCore,
    app: Flask,
    callbacks: Callbacks,
    f: Callable[..., t.Any],
    args: tuple[t.Any, ...],
    kwargs: dict[str, t.Any],
    make_key: Callable[[], str],
) -> Generator[Call, t.Any, Lookup | None]:
    """Ask ``unless``, build the key, ask ``forced_update``, read the cache and ask
    ``is_stale``. ``None`` means: run ``f`` uncached (bypassed, or the backend failed)."""
    if callbacks.unless is not None:
        func, takes_args = callbacks.unless
        if (yield (func, (f, *args), kwargs) if takes_args else (func, (), {})) is True:
            return None
    try:
        key = make_key()
        forced = False
        if callbacks.forced_update is not None:
            func, takes_args = callbacks.forced_update
            forced = (yield (func, args, kwargs) if takes_args else (func, (), {})) is True
        if forced:
            return key, False, None
        # The public get/has: subclasses of Cache that instrument them see this traffic.
        value = cache.get(key)
        found = value is not None or (callbacks.cache_none and cache.has(key))
        if found and callbacks.is_stale is not None:
            func, takes_args = callbacks.is_stale
            call = (func, (value, *args), kwargs) if takes_args else (func, (value,), {})
            if (yield call) is True:
                return key, False, None
    except Exception:
        backend_error(app)
        return None
    return key, found, value


def keep(
    callbacks: Callbacks, value: t.Any, shown_as: Callable[[t.Any], t.Any] | None = None
) -> Generator[Call, t.Any, bool]:
    """Whether ``response_filter`` lets ``value`` into the cache; it is given
    ``shown_as(value)`` when ``shown_as`` is set."""
    if callbacks.response_filter is None:
        return True
    shown = value if shown_as is None else shown_as(value)
    return bool((yield callbacks.response_filter, (shown,), {}))


def backend_error(app: Flask) -> None:
    """Called in an ``except`` block around cache calls: re-raise in debug mode, else log
    (the caller then goes on without the cache)."""
    if app.debug:
        raise  # the exception the caller is handling
    logger.exception("Exception possibly due to cache backend.")
