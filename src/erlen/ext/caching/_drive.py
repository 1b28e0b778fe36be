"""Run one caching algorithm for both sync and ``async def`` functions.

``@cached`` and ``@memoize`` are written once, as generators that yield each call of user
code (the decorated function, ``unless``, ``forced_update``, ...) as ``(func, args,
kwargs)`` and receive its result (or have its exception thrown in). :func:`wrap` runs such
a generator with the drivers of :mod:`erlen.ext._steps`: in a sync wrapper, calling async
callbacks through :func:`erlen.ext._steps.call_sync`; in an ``async def`` wrapper, awaiting what
returns an awaitable. The cache backend calls inside the generator are plain sync calls.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Generator

from .. import _steps

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask

#: One call of user code: the callable and its positional and keyword arguments.
Call = tuple[Callable[..., t.Any], tuple[t.Any, ...], dict[str, t.Any]]
#: A caching algorithm: yields calls, receives their results, returns the final value.
Steps = Generator[Call, t.Any, t.Any]


def _call(call: Call) -> t.Any:
    func, args, kwargs = call
    return func(*args, **kwargs)


def _call_sync(call: Call) -> t.Any:
    func, args, kwargs = call
    return _steps.call_sync(func, args, kwargs)


def wrap(
    f: Callable[..., t.Any],
    current_app: Callable[[], Flask],
    steps: Callable[[Flask, tuple[t.Any, ...], dict[str, t.Any]], Steps],
) -> t.Any:
    """The wrapper of ``f`` that runs ``steps(app, args, kwargs)``: an ``async def`` one
    for a coroutine function, else a plain one."""

    async def async_wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        return await _steps.run_async(steps(current_app(), args, kwargs), _call)

    def sync_wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        return _steps.run_sync(steps(current_app(), args, kwargs), _call_sync)

    return _steps.wrap(f, sync_wrapper, async_wrapper)
