"""Run one caching algorithm for both sync and ``async def`` functions.

``@cached`` and ``@memoize`` are written once, as generators that yield each call of user
code (the decorated function, ``unless``, ``forced_update``, ...) as ``(func, args,
kwargs)`` and receive its result (or have its exception thrown in). :func:`drive_sync`
runs such a generator in a sync wrapper, calling async callbacks through the app's
``ensure_sync``; :func:`drive_async` runs it in an ``async def`` wrapper, awaiting what
returns an awaitable. The cache backend calls inside the generator are plain sync calls.
"""

from __future__ import annotations

import functools
import inspect
import typing as t
from collections.abc import Callable, Generator

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask

#: One call of user code: the callable and its positional and keyword arguments.
Call = tuple[Callable[..., t.Any], tuple[t.Any, ...], dict[str, t.Any]]
#: A caching algorithm: yields calls, receives their results, returns the final value.
Steps = Generator[Call, t.Any, t.Any]


def drive_sync(app: Flask, steps: Steps) -> t.Any:
    """Run ``steps`` to its end, calling each yielded callable in this thread."""
    try:
        call = next(steps)
        while True:
            func, args, kwargs = call
            try:
                result = app.ensure_sync(func)(*args, **kwargs)
            except Exception as exc:
                call = steps.throw(exc)
            else:
                call = steps.send(result)
    except StopIteration as stop:
        return stop.value


async def drive_async(steps: Steps) -> t.Any:
    """Run ``steps`` to its end on the running event loop, awaiting awaitable results."""
    try:
        call = next(steps)
        while True:
            func, args, kwargs = call
            try:
                result = func(*args, **kwargs)
                if inspect.isawaitable(result):
                    result = await result
            except Exception as exc:
                call = steps.throw(exc)
            else:
                call = steps.send(result)
    except StopIteration as stop:
        return stop.value


def wrap(
    f: Callable[..., t.Any],
    current_app: Callable[[], Flask],
    steps: Callable[[Flask, tuple[t.Any, ...], dict[str, t.Any]], Steps],
) -> t.Any:
    """The wrapper of ``f`` that runs ``steps(app, args, kwargs)``: an ``async def`` one
    for a coroutine function, else a plain one."""

    async def async_wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        return await drive_async(steps(current_app(), args, kwargs))

    def sync_wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        app = current_app()
        return drive_sync(app, steps(app, args, kwargs))

    return functools.wraps(f)(async_wrapper if inspect.iscoroutinefunction(f) else sync_wrapper)
