"""Running Flask's synchronous dispatch pipeline under ASGI, and user code the right way.

erlen keeps one dispatch pipeline: Flask's sync methods, calling every user function through
``app.ensure_sync``. Under ASGI a request runs that pipeline in one of two modes:

- **thread mode** (a sync view, or an app class overriding a sync dispatch method): the
  pipeline runs in a worker thread of the app's bounded pool
  (:func:`run_in_thread`); an ``async def`` hook met on the way is sent to the server's
  loop with :func:`asyncio.run_coroutine_threadsafe` and waited for.
- **loop mode** (an ``async def`` view, or ``ASGI_SYNC_INLINE``): the pipeline runs in a
  greenlet on the server's loop thread (:func:`run_in_greenlet`); ``ensure_sync(async_f)``
  switches to the task that started the greenlet, which awaits the coroutine natively and
  switches back with its result. ``ensure_sync(sync_f)`` runs ``sync_f`` in the pool the same
  way (a blocking hook never blocks the loop), or inline with ``ASGI_SYNC_INLINE``.

The greenlet shares the asyncio task's :class:`contextvars.Context`, so the contexts the
pipeline pushes are visible to the coroutines it awaits, and concurrent requests (separate
tasks) stay apart. Which mode applies is a :class:`Mode` in ``erlen.ctx._cv_asgi_mode``, set
for the request's context only; under WSGI it is ``None`` and ``ensure_sync`` is unchanged.

For erlen's other ASGI code (websockets): :func:`call` runs a sync or async user function
from async code, :func:`run_in_greenlet` / :func:`run_in_thread` run sync code that calls
user code through ``ensure_sync``, and :func:`get_runtime` gives the app's pool and modes.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import typing as t
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from inspect import iscoroutinefunction

from greenlet import GreenletExit, getcurrent, greenlet

from ..ctx import _cv_asgi_mode

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Flask

__all__ = [
    "Mode",
    "Runtime",
    "await_",
    "call",
    "get_runtime",
    "run_in_greenlet",
    "run_in_thread",
]

_T = t.TypeVar("_T")

#: Default size of an app's thread pool (``ASGI_THREAD_POOL_SIZE``), as asgiref's and
#: Starlette's (anyio) default limit of 40 threads.
DEFAULT_POOL_SIZE = 40

# Messages a worker greenlet sends to the task that runs it.
_DONE, _FAILED, _AWAIT = 0, 1, 2


class _Worker(greenlet):
    """A long-lived greenlet that runs pipeline jobs on the loop thread.

    PERF: creating a greenlet per request costs several times the four switches a pooled
    worker needs per job.
    """


def _worker_main(func: t.Callable[..., t.Any], args: tuple[t.Any, ...]) -> None:
    while True:
        try:
            message: tuple[int, t.Any] = (_DONE, func(*args))
        except GreenletExit:
            raise
        except BaseException as e:  # noqa: BLE001 - handed to the awaiting task
            message = (_FAILED, e)
        func = args = None  # type: ignore[assignment]
        func, args = getcurrent().parent.switch(message)  # type: ignore[union-attr]


_local = threading.local()
_MAX_IDLE_WORKERS = 64


def _idle_workers() -> list[_Worker]:
    try:
        return _local.workers
    except AttributeError:
        workers: list[_Worker] = []
        _local.workers = workers
        return workers


async def run_in_greenlet(func: t.Callable[..., _T], *args: t.Any) -> _T:
    """Run the sync ``func(*args)`` in a worker greenlet on this loop thread and return
    its result (or raise its exception). Inside it, :func:`await_` awaits on the loop.

    The greenlet runs in the calling task's context (ContextVars set inside stay set).
    """
    idle = _idle_workers()
    worker = idle.pop() if idle else _Worker(_worker_main)
    current = getcurrent()
    worker.parent = current
    worker.gr_context = current.gr_context
    message = worker.switch(func, args)
    while True:
        kind, value = message
        if kind == _AWAIT:
            try:
                result = await value
            except GeneratorExit:
                # The task is being closed, not cancelled: abandon the worker.
                raise
            except BaseException as e:  # noqa: BLE001 - raised inside the greenlet
                message = worker.switch((_FAILED, e))
            else:
                message = worker.switch((_DONE, result))
            continue
        worker.gr_context = None
        if len(idle) < _MAX_IDLE_WORKERS:
            idle.append(worker)
        if kind == _FAILED:
            raise value
        return value


def in_greenlet() -> bool:
    """Whether the caller runs in a pipeline greenlet (so :func:`await_` may be used)."""
    return type(getcurrent()) is _Worker


def await_(awaitable: t.Awaitable[_T]) -> _T:
    """From sync code in a pipeline greenlet: await ``awaitable`` on the loop and return
    its result (or raise its exception)."""
    kind, value = getcurrent().parent.switch((_AWAIT, awaitable))  # type: ignore[union-attr]
    if kind == _FAILED:
        raise value
    return value


class Mode:
    """How user code runs for one ASGI request: which loop, which pool, and whether sync
    functions are moved off the loop (``wraps_sync``)."""

    __slots__ = ("loop", "pool", "thread_id", "wraps_sync")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        pool: ThreadPoolExecutor,
        thread_id: int,
        wraps_sync: bool,
    ) -> None:
        self.loop = loop
        self.pool = pool
        self.thread_id = thread_id
        #: True in loop mode without ``ASGI_SYNC_INLINE``: sync functions go to the pool.
        self.wraps_sync = wraps_sync

    def wrap_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """``ensure_sync`` of a sync function in loop mode: runs it in the pool when called
        from the pipeline greenlet (the loop is not blocked), directly elsewhere."""
        loop, pool = self.loop, self.pool

        def run_in_pool(*args: t.Any, **kwargs: t.Any) -> t.Any:
            if type(getcurrent()) is not _Worker:
                return func(*args, **kwargs)
            ctx = contextvars.copy_context()
            return await_(loop.run_in_executor(pool, partial(ctx.run, func, *args, **kwargs)))

        return run_in_pool

    def wrap_async(
        self, func: t.Callable[..., t.Coroutine[t.Any, t.Any, t.Any]]
    ) -> t.Callable[..., t.Any]:
        """``ensure_sync`` of a coroutine function: awaited on the server's loop, from the
        pipeline greenlet (loop mode) or from a pool thread (thread mode)."""
        loop, thread_id = self.loop, self.thread_id

        def run_on_loop(*args: t.Any, **kwargs: t.Any) -> t.Any:
            if type(getcurrent()) is _Worker:
                return await_(func(*args, **kwargs))
            if threading.get_ident() == thread_id:
                raise RuntimeError(
                    "An async function was called synchronously on the event loop's thread"
                    " (from async code, outside erlen's pipeline); await it instead."
                )
            # The coroutine runs with a copy of this thread's context (request, g, ...).
            return asyncio.run_coroutine_threadsafe(func(*args, **kwargs), loop).result()

        return run_on_loop


class Runtime:
    """An app's ASGI state: its thread pool, the modes for the running loop, the
    lifespan and background tasks."""

    def __init__(self, app: Flask) -> None:
        size = app.config.get("ASGI_THREAD_POOL_SIZE", DEFAULT_POOL_SIZE)
        self.pool = ThreadPoolExecutor(max_workers=int(size), thread_name_prefix="erlen-asgi")
        self.sync_inline = bool(app.config.get("ASGI_SYNC_INLINE", False))
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread_mode: Mode
        self.loop_mode: Mode
        #: Whether ``before_serving`` functions ran (lifespan startup or first request).
        self.serving = False
        #: Whether the server runs the lifespan protocol (then shutdown comes from it).
        self.lifespan = False
        self.serving_lock: asyncio.Lock | None = None
        #: Background tasks still running (awaited at lifespan shutdown).
        self.tasks: set[asyncio.Future[t.Any]] = set()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Make the modes for ``loop`` (the server's loop, or a new one in tests)."""
        self.loop = loop
        thread_id = threading.get_ident()
        self.thread_mode = Mode(loop, self.pool, thread_id, False)
        self.loop_mode = Mode(loop, self.pool, thread_id, not self.sync_inline)
        self.serving_lock = None


def get_runtime(app: Flask) -> Runtime:
    """The app's :class:`Runtime`, bound to the running loop (created on first use)."""
    runtime: Runtime | None = app.__dict__.get("_asgi_runtime")
    if runtime is None:
        runtime = app.__dict__["_asgi_runtime"] = Runtime(app)
    loop = asyncio.get_running_loop()
    if runtime.loop is not loop:
        runtime.bind(loop)
    return runtime


async def run_in_thread(runtime: Runtime, func: t.Callable[..., _T], *args: t.Any) -> _T:
    """Run the sync ``func(*args)`` in the app's pool in thread mode, in a copy of the
    current context, and return its result."""
    ctx = contextvars.copy_context()
    return await runtime.loop.run_in_executor(  # type: ignore[union-attr]
        runtime.pool, partial(ctx.run, _with_mode, runtime.thread_mode, func, *args)
    )


def _with_mode(mode: Mode, func: t.Callable[..., _T], *args: t.Any) -> _T:
    token = _cv_asgi_mode.set(mode)
    try:
        return func(*args)
    finally:
        _cv_asgi_mode.reset(token)


async def run_pipeline(
    runtime: Runtime, loop_mode: bool, func: t.Callable[..., _T], *args: t.Any
) -> _T:
    """Run the sync ``func(*args)`` (code calling user code through ``ensure_sync``) in
    loop mode (a greenlet on this loop) or thread mode (the pool)."""
    if loop_mode:
        return await run_in_greenlet(_with_mode, runtime.loop_mode, func, *args)
    return await run_in_thread(runtime, func, *args)


async def call(app: Flask, func: t.Callable[..., t.Any], *args: t.Any, **kwargs: t.Any) -> t.Any:
    """From async code on the server's loop: run a user function the right way and return
    its result. A coroutine function is awaited here; a sync function runs in the app's
    pool with a copy of the current context (inline with ``ASGI_SYNC_INLINE``)."""
    if iscoroutinefunction(func):
        return await func(*args, **kwargs)
    runtime = get_runtime(app)
    if runtime.sync_inline:
        return func(*args, **kwargs)
    return await run_in_thread(runtime, partial(func, **kwargs), *args)
