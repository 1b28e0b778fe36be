"""Calling user code that may be ``async def``, from erlen's sync dispatch."""

from __future__ import annotations

import inspect
import typing as t

from erlen import current_app

from .. import _steps

__all__ = ["call_sync", "wrap_result"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def call_sync(func: t.Callable[..., t.Any], *args: t.Any, **kwargs: t.Any) -> t.Any:
    """Call a user function and return its result: an ``async def`` function (or a sync
    wrapper that returned an awaitable) runs through ``current_app.ensure_sync``."""
    # PERF: a sync function is called directly, as erlen's own dispatch does, which saves
    # the current_app lookup (ensure_sync returns sync functions unchanged anyway).
    if inspect.iscoroutinefunction(func):
        return current_app.ensure_sync(func)(*args, **kwargs)
    result = func(*args, **kwargs)
    if inspect.isawaitable(result):

        async def wait() -> t.Any:
            return await result

        result = current_app.ensure_sync(wait)()
    return result


def wrap_result(f: F, transform: t.Callable[[t.Any], t.Any]) -> F:
    """``f`` with ``transform`` applied to its return value, keeping its name and
    docstring; an ``async def`` ``f`` gives an ``async def``."""

    async def async_wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        return transform(await f(*args, **kwargs))

    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        return transform(f(*args, **kwargs))

    return _steps.wrap(f, wrapper, async_wrapper)
