"""Running the extension's logic once for sync and async callers.

The logic that calls user callbacks (``user_loader``, ``request_loader``,
``unauthorized_handler``, ``needs_refresh_handler``) is written once, as a generator that
yields ``(callback, args)`` and is sent back the callback's result (see
:mod:`erlen.ext._steps`). :func:`run_sync` drives it from synchronous code (an ``async
def`` callback goes through ``app.ensure_sync``); :func:`run_async` drives it from a
coroutine and awaits ``async def`` callbacks on the running loop, so an async view never
blocks on them.
"""

from __future__ import annotations

import typing as t

from .. import _steps

T = t.TypeVar("T")
#: A callback to call and its positional arguments.
Call = _steps.Call
#: The logic: yields calls, receives their results, returns its own result.
Steps = t.Generator[Call, t.Any, T]

__all__ = ["Call", "Steps", "run_async", "run_sync"]


#: What the error for an ``async def`` callback needed by sync code on the loop suggests.
_ASYNC_FORMS = (
    "Await the async forms instead: 'await aget_user()' before reading 'current_user' in an"
    " async view (or decorate the view with @login_required), 'await"
    " login_manager.aunauthorized()', 'await login_manager.aneeds_refresh()'."
)


def _call_sync(call: Call) -> t.Any:
    func, args = call
    return _steps.call_sync(func, args, async_forms=_ASYNC_FORMS)


def run_sync(steps: Steps[T]) -> T:
    """Run ``steps`` to completion from synchronous code and return its result."""
    return _steps.run_sync(steps, _call_sync)


async def run_async(steps: Steps[T]) -> T:
    """Run ``steps`` to completion in a coroutine, awaiting callbacks that return awaitables.

    A synchronous callback runs inline on the loop, as it would under Flask; make it
    ``async def`` to keep slow I/O off the loop.
    """
    return await _steps.run_async(steps, _steps.call)
