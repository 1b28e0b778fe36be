"""The request-time algorithm is written once, as generators of *steps*, and run by the
sync or the async driver of :mod:`erlen.ext._steps`.

A step is either a call of user code (:class:`Call`: a key function, a limit provider,
``exempt_when``, an ``on_breach`` callback, ...) or an operation on the rate limit
storage (:class:`Op`: ``hit``, ``test``, ``get_window_stats``, or ``check`` of the
storage itself). The generator receives each step's result (or has its exception
thrown in) and returns its own result at the end.

:func:`run_sync` serves sync views and the request hooks: user code through
:func:`erlen.ext._steps.call_sync` (so callbacks may be ``async def``) and the storage
through limits' sync strategy. :func:`run_async` serves ``async def`` views: awaitable results of user
code are awaited and the storage goes through limits' async strategy (``limits.aio``),
so the event loop never waits on the storage.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Generator

from .._steps import call_sync, run_async as drive_async, run_sync as drive_sync

if t.TYPE_CHECKING:  # pragma: no cover
    from ._extension import Limiter

__all__ = ["Call", "Op", "Steps", "run_async", "run_sync"]

T = t.TypeVar("T")


class Call(t.NamedTuple):
    """Call user code: ``func(*args)``."""

    func: Callable[..., t.Any]
    args: tuple[t.Any, ...] = ()


class Op(t.NamedTuple):
    """Call ``method(*args)`` on the rate limiting strategy (with ``cost=`` when given), or
    on the primary storage itself when ``primary`` (used to probe a dead storage)."""

    method: str
    args: tuple[t.Any, ...] = ()
    cost: int | None = None
    primary: bool = False


Step = Call | Op
Steps = Generator[Step, t.Any, T]


def run_sync(limiter: Limiter, steps: Steps[T]) -> T:
    """Run ``steps`` to the end in this thread."""

    def perform(step: Step) -> t.Any:
        if type(step) is Call:
            return call_sync(step.func, step.args)
        return limiter._sync_op(step)  # type: ignore[arg-type]

    return drive_sync(steps, perform)


async def run_async(limiter: Limiter, steps: Steps[T]) -> T:
    """Run ``steps`` to the end on the running event loop."""

    def perform(step: Step) -> t.Any:
        if type(step) is Call:
            return step.func(*step.args)
        return limiter._async_op(step)  # type: ignore[arg-type]

    return await drive_async(steps, perform)
