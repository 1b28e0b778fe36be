"""Wrapping user code that may be ``async def``."""

from __future__ import annotations

import typing as t

from .. import _steps

__all__ = ["wrap_result"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def wrap_result(f: F, transform: t.Callable[[t.Any], t.Any]) -> F:
    """``f`` with ``transform`` applied to its return value, keeping its name and
    docstring; an ``async def`` ``f`` gives an ``async def``."""

    async def async_wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        return transform(await f(*args, **kwargs))

    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        return transform(f(*args, **kwargs))

    return _steps.wrap(f, wrapper, async_wrapper)
