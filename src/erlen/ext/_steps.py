"""Logic that calls user code, written once and run from sync or async code.

A battery writes the logic that calls user callbacks (loaders, key functions, ``unless``,
the decorated function itself) once, as a generator of *steps*: it yields a step, is sent
the step's result (or has the step's exception thrown in where it yielded) and returns its
own result at the end. What a step is (a callback and its arguments, an operation on a
storage, ...) and how it is done is the battery's: the ``perform`` function given to the
driver.

:func:`run_sync` drives such a generator from synchronous code (``perform`` typically
calls callbacks through ``app.ensure_sync``, so they may be ``async def``);
:func:`run_async` drives it from a coroutine and awaits what ``perform`` returns when it is
awaitable, so an ``async def`` view never blocks on an ``async def`` callback.
:func:`call_sync` is the one way a battery calls user code from synchronous code (a
``perform`` for :func:`run_sync`, or a callback outside any steps).
:func:`wrap` gives a decorator the wrapper that matches the function it decorates.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import typing as t
from collections.abc import Awaitable, Callable, Generator, Mapping

from erlen.globals import current_app

__all__ = ["Call", "Steps", "call", "call_sync", "loop_running", "run_async", "run_sync", "wrap"]

S = t.TypeVar("S")
T = t.TypeVar("T")
F = t.TypeVar("F", bound=Callable[..., t.Any])

#: Logic that calls user code: yields steps of type ``S``, is sent each step's result and
#: returns a ``T``.
Steps = Generator[S, t.Any, T]
#: The usual step: a callback and its positional arguments.
Call = tuple[Callable[..., t.Any], tuple[t.Any, ...]]


def run_sync(steps: Steps[S, T], perform: Callable[[S], t.Any]) -> T:
    """Run ``steps`` to its end in this thread and return its result.

    Each step is done by ``perform(step)``; its result is sent into the generator, or the
    exception it raised is thrown in there (so the logic may catch it).
    """
    try:
        step = next(steps)
        while True:
            try:
                result = perform(step)
            except Exception as exc:
                step = steps.throw(exc)
            else:
                step = steps.send(result)
    except StopIteration as stop:
        return t.cast(T, stop.value)
    finally:
        steps.close()


async def run_async(steps: Steps[S, T], perform: Callable[[S], t.Any]) -> T:
    """Run ``steps`` to its end on the running event loop and return its result.

    Like :func:`run_sync`, and an awaitable result of ``perform(step)`` is awaited first.
    A synchronous callback still runs inline on the loop, as it would under Flask; make it
    ``async def`` to keep slow I/O off the loop.
    """
    try:
        step = next(steps)
        while True:
            try:
                result = perform(step)
                if inspect.isawaitable(result):
                    result = await result
            except Exception as exc:
                step = steps.throw(exc)
            else:
                step = steps.send(result)
    except StopIteration as stop:
        return t.cast(T, stop.value)
    finally:
        steps.close()


def call(step: Call) -> t.Any:
    """Do a :data:`Call` step as is: ``callback(*args)`` (a ``perform`` for
    :func:`run_async`, which awaits what an ``async def`` callback returns)."""
    func, args = step
    return func(*args)


def call_sync(
    func: Callable[..., t.Any],
    args: tuple[t.Any, ...] = (),
    kwargs: Mapping[str, t.Any] | None = None,
    *,
    async_forms: str = "",
) -> t.Any:
    """Call user code ``func(*args, **kwargs)`` from synchronous code and return its result.

    An awaitable result (an ``async def`` callback's coroutine, or what a sync wrapper of
    one returned) runs to its end on erlen's loop through ``current_app.ensure_sync``. On a
    thread that runs an event loop that would deadlock: the coroutine is closed and a
    RuntimeError names the callback, followed by ``async_forms`` (what to await there).
    """
    result = func(*args, **kwargs) if kwargs else func(*args)
    if not inspect.isawaitable(result):
        return result
    if loop_running():
        if inspect.iscoroutine(result):
            result.close()  # never awaited, and no warning saying so
        name = getattr(func, "__qualname__", repr(func))
        raise RuntimeError(
            f"The callback {name}() is 'async def' and was called from synchronous code"
            f" running on the event loop. {async_forms}".rstrip()
        )
    return current_app.ensure_sync(_await)(result)


async def _await(awaitable: Awaitable[T]) -> T:
    return await awaitable


def loop_running() -> bool:
    """Whether this thread runs an event loop: synchronous code here cannot wait for an
    ``async def`` callback (``app.ensure_sync`` would deadlock), so it must be awaited."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def wrap(
    f: F,
    sync_wrapper: Callable[..., t.Any],
    async_wrapper: Callable[..., Awaitable[t.Any]],
) -> F:
    """The wrapper a decorator returns for ``f``: ``async_wrapper`` when ``f`` is a
    coroutine function (an ``async def`` view stays one and runs on the loop), else
    ``sync_wrapper``; either gets ``f``'s name, docstring and ``__wrapped__``."""
    wrapper = async_wrapper if inspect.iscoroutinefunction(f) else sync_wrapper
    return t.cast(F, functools.update_wrapper(wrapper, f))
