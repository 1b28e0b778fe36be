"""Running Flask's synchronous dispatch pipeline under ASGI, and user code the right way.

erlen keeps one dispatch pipeline: Flask's sync methods, calling every user function through
``app.ensure_sync``. Under ASGI a request runs that pipeline in one of two modes:

- **thread mode** (a sync view, or an app class overriding a sync dispatch method): the
  pipeline runs in a worker thread of the app's bounded pool (the request's lane,
  see :class:`Mode`); an ``async def`` hook met on the way is sent to the server's loop with
  :func:`asyncio.run_coroutine_threadsafe` and waited for.
- **loop mode** (an ``async def`` view, or ``ASGI_SYNC_INLINE``): the pipeline runs in a
  greenlet on the server's loop thread (:func:`run_in_greenlet`); ``ensure_sync(async_f)``
  steps the coroutine in the greenlet as the task would, and each time it suspends hands
  what it waits for to the task that started the greenlet (:func:`await_`): a coroutine
  that finishes without suspending costs no switch. ``ensure_sync(sync_f)`` runs
  ``sync_f`` in the request's lane, the greenlet waiting for it the same way (a blocking
  hook never blocks the loop), or inline with ``ASGI_SYNC_INLINE``. Code that the
  coroutine itself calls runs as in any task on the loop, not as the pipeline.

Every request's sync work (the thread-mode pipeline, sync hooks, a streamed sync body and
its closing) runs in one thread, its lane, as a WSGI server gives a request one thread.

The greenlet shares the asyncio task's :class:`contextvars.Context`, so the contexts the
pipeline pushes are visible to the coroutines it awaits, and concurrent requests (separate
tasks) stay apart. Which mode applies is a :class:`Mode` in ``erlen.ctx._cv_asgi_mode``, set
for the request's context only; under WSGI it is ``None`` and ``ensure_sync`` is unchanged.

For erlen's other ASGI code (websockets): :func:`call` runs a sync or async user function
from async code; :func:`run_pipeline` runs sync code that calls user code through
``ensure_sync`` in loop or thread mode, with a :class:`Mode` from
``get_runtime(app).mode(loop_mode)`` (close it when the connection ends).
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
import types
import typing as t
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from inspect import iscoroutinefunction
from types import CoroutineType

from greenlet import GreenletExit, getcurrent, greenlet

from .. import ctx as _ctx

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Flask

# PERF: bound by assignment, not import: see erlen.globals (method calls on 3.11).
_cv_asgi_mode = _ctx._cv_asgi_mode

__all__ = [
    "Mode",
    "Runtime",
    "await_",
    "call",
    "get_runtime",
    "run_in_greenlet",
    "run_pipeline",
]

_T = t.TypeVar("_T")

#: Default size of an app's thread pool (``ASGI_THREAD_POOL_SIZE``), as asgiref's and
#: Starlette's (anyio) default limit of 40 threads.
DEFAULT_POOL_SIZE = 40

# Messages a worker greenlet sends to the task that runs it.
_DONE, _FAILED, _AWAIT = 0, 1, 2


class _Worker(greenlet):
    """A long-lived greenlet that runs pipeline jobs on the loop thread.

    PERF: creating a greenlet per request costs several times the two switches a pooled
    worker needs per job.
    """

    #: True while the worker steps a coroutine (:func:`await_`): user code then runs as
    #: in a task on the loop, not as the pipeline (a sync function it calls is not moved
    #: to the lane, an ``ensure_sync``-ed async function is refused as on the loop).
    driving = False


def _in_pipeline() -> bool:
    current = getcurrent()
    return type(current) is _Worker and not current.driving


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


def _new_idle_workers() -> list[_Worker]:
    """This thread's list of idle workers, made on its first request."""
    workers: list[_Worker] = []
    _local.workers = workers
    return workers


async def run_in_greenlet(func: t.Callable[..., _T], *args: t.Any) -> _T:
    """Run the sync ``func(*args)`` in a worker greenlet on this loop thread and return
    its result (or raise its exception). Inside it, :func:`await_` awaits on the loop.

    The greenlet runs in the calling task's context (ContextVars set inside stay set).
    """
    try:
        idle: list[_Worker] = _local.workers
    except AttributeError:
        idle = _new_idle_workers()
    worker = idle.pop() if idle else _Worker(_worker_main)
    current = getcurrent()
    if worker.parent is not current:
        worker.parent = current
    worker.gr_context = current.gr_context
    message = worker.switch(func, args)
    while True:
        kind, value = message
        if kind == _AWAIT:
            try:
                result = await _suspend(value)
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


@types.coroutine
def _suspend(yielded: t.Any) -> t.Generator[t.Any, t.Any, t.Any]:
    """Hand what a coroutine stepped in a worker yielded (a future, or ``None``) to the
    task, and return what the task sends back (or raise what it throws in)."""
    return (yield yielded)


def in_greenlet() -> bool:
    """Whether the caller runs in a pipeline greenlet (so :func:`await_` may be used)."""
    return _in_pipeline()


def await_(awaitable: t.Awaitable[_T]) -> _T:
    """From sync code in a pipeline greenlet: await ``awaitable`` on the loop and return
    its result (or raise its exception).

    The worker steps the coroutine itself, as the task would (``send`` / ``throw``), and
    switches to the task only when it suspends, handing over what it waits for.
    PERF: a coroutine that finishes without suspending (a view that only computes) costs
    no switch at all. Stepping it in the worker, never in the task, keeps greenlets that
    the coroutine starts (SQLAlchemy's asyncio) returning to the greenlet that awaits
    them.
    """
    return _drive(getcurrent(), awaitable)  # type: ignore[arg-type]


def _drive(worker: _Worker, awaitable: t.Awaitable[_T]) -> _T:
    step: t.Any = awaitable if type(awaitable) is CoroutineType else awaitable.__await__()
    parent = worker.parent
    worker.driving = True
    try:
        sent: t.Any = None
        error: BaseException | None = None
        while True:
            try:
                if error is None:
                    yielded = step.send(sent)
                else:
                    yielded = step.throw(error)
                    error = None
            except StopIteration as stop:
                return stop.value
            kind, sent = parent.switch((_AWAIT, yielded))  # type: ignore[union-attr]
            if kind == _FAILED:
                error, sent = sent, None
    finally:
        worker.driving = False


def _set_result(future: asyncio.Future[t.Any], result: t.Any) -> None:
    if not future.done():
        future.set_result(result)


def _set_exception(future: asyncio.Future[t.Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


class Mode:
    """How user code runs for one ASGI request (``erlen.ctx._cv_asgi_mode``): the server's
    loop, whether sync functions called from the pipeline are moved off the loop
    (``wraps_sync``: loop mode without ``ASGI_SYNC_INLINE``), and the request's *lane*.

    The lane is one thread of the app's pool for all the sync work of the request, as a
    WSGI server gives a request one thread: the thread-mode pipeline, the sync hooks of a
    loop-mode request, a streamed sync body and its closing all run in it (:meth:`run`),
    so objects bound to a thread (a SQLite connection in ``g``, thread-locals) keep
    working. The thread is taken on first use and given back by :meth:`close` (or after
    the job that :meth:`run_ending` says is the last).
    """

    __slots__ = ("_jobs", "handing_over", "loop", "pool", "shared", "thread_id", "wraps_sync")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        pool: ThreadPoolExecutor,
        thread_id: int,
        wraps_sync: bool,
        shared: bool = False,
    ) -> None:
        self.loop = loop
        self.pool = pool
        self.thread_id = thread_id
        self.wraps_sync = wraps_sync
        #: The request context whose pipeline the HTTP adapter runs on its own task up to
        #: the view (direct mode, :mod:`erlen.asgi.http`), while it does (a synchronous
        #: step on the loop's thread), else None. ``ensure_sync`` of an ``async def``
        #: function in that request's context then returns the function itself, so the
        #: steps up to the view hand its coroutine to the adapter to await
        #: (``Flask._preprocess_and_dispatch``). Compared with the current request context, it
        #: tells nothing to the code of another request sharing this mode.
        self.handing_over: t.Any = None
        #: True for the mode of a :class:`Runtime` that requests share while their
        #: pipeline runs on their own task (:attr:`Runtime.task_mode`): it has no lane
        #: (:meth:`run` refuses); the adapter sets a mode of the request's own before
        #: anything needs one.
        self.shared = shared
        self._jobs: queue.SimpleQueue[t.Any] | None = None

    def run(self, func: t.Callable[..., _T], *args: t.Any) -> asyncio.Future[_T]:
        """Run ``func(*args)`` in the request's lane; await the returned future (on the
        loop's thread)."""
        return self.run_ending(None, func, *args)

    def run_ending(
        self, keep: t.Callable[[_T], bool] | None, func: t.Callable[..., _T], *args: t.Any
    ) -> asyncio.Future[_T]:
        """:meth:`run`, giving the lane's thread back to the pool right after ``func``
        returns unless ``keep(result)`` says more sync work follows (or more was queued
        meanwhile); a later :meth:`run` takes a thread again.

        PERF: the thread then needs no second wake-up (the one :meth:`close` gives) to
        return to the pool.
        """
        future: asyncio.Future[_T] = self.loop.create_future()
        jobs = self._jobs
        if jobs is None:
            if self.shared:
                raise RuntimeError("A mode shared by requests has no lane.")
            jobs = self._jobs = queue.SimpleQueue()
            self.pool.submit(self._lane, jobs)
        jobs.put((func, args, future, keep))
        return future

    def close(self) -> None:
        """Give the lane's thread back to the pool once its queued work is done."""
        if self._jobs is not None:
            self._jobs.put(None)
            self._jobs = None

    def _lane(self, jobs: queue.SimpleQueue[t.Any]) -> None:
        call_soon = self.loop.call_soon_threadsafe
        while True:
            job = jobs.get()
            if job is None:
                return
            func, args, future, keep = job
            job = None
            try:
                result = func(*args)
            except BaseException as e:  # noqa: BLE001 - handed to the awaiting task
                call_soon(_set_exception, future, e)
            else:
                if keep is not None and not keep(result) and jobs.empty():
                    call_soon(self._lane_ended, jobs, future, result)
                    return
                call_soon(_set_result, future, result)
            func = args = future = result = None

    def _lane_ended(
        self, jobs: queue.SimpleQueue[t.Any], future: asyncio.Future[t.Any], result: t.Any
    ) -> None:
        # On the loop's thread, before the awaiting task resumes: the next run() takes a
        # new thread. Work queued after the lane's last look restarts it.
        if self._jobs is jobs:
            if jobs.empty():
                self._jobs = None
            else:
                self.pool.submit(self._lane, jobs)
        _set_result(future, result)

    def wrap_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """``ensure_sync`` of a sync function in loop mode: runs it in the lane of the
        request whose pipeline greenlet calls it (the loop is not blocked), directly
        elsewhere."""

        def run_in_lane(*args: t.Any, **kwargs: t.Any) -> t.Any:
            if not _in_pipeline():
                return func(*args, **kwargs)
            ctx = contextvars.copy_context()
            # The mode of the request running now (a pipeline greenlet always has one of
            # its own), not necessarily the one this wrapper was made in.
            mode: Mode = _cv_asgi_mode.get()
            return await_(mode.run(partial(ctx.run, func, *args, **kwargs)))

        return run_in_lane

    def wrap_async(
        self, func: t.Callable[..., t.Coroutine[t.Any, t.Any, t.Any]]
    ) -> t.Callable[..., t.Any]:
        """``ensure_sync`` of a coroutine function outside direct mode: awaited on the
        server's loop, from the pipeline greenlet (loop mode) or from a pool thread
        (thread mode)."""
        loop, thread_id = self.loop, self.thread_id

        def run_on_loop(*args: t.Any, **kwargs: t.Any) -> t.Any:
            current = getcurrent()
            if type(current) is _Worker and not current.driving:
                return _drive(current, func(*args, **kwargs))
            if threading.get_ident() == thread_id:
                raise RuntimeError(
                    "An async function was called synchronously on the event loop's thread"
                    " (from async code, outside erlen's pipeline); await it instead."
                )
            # The coroutine runs with a copy of this thread's context (request, g, ...).
            return asyncio.run_coroutine_threadsafe(func(*args, **kwargs), loop).result()

        return run_on_loop


class Runtime:
    """An app's ASGI state: its thread pool, the running loop, the lifespan and the
    background tasks."""

    def __init__(self, app: Flask) -> None:
        size = app.config.get("ASGI_THREAD_POOL_SIZE", DEFAULT_POOL_SIZE)
        self.pool = ThreadPoolExecutor(max_workers=int(size), thread_name_prefix="erlen-asgi")
        self.sync_inline = bool(app.config.get("ASGI_SYNC_INLINE", False))
        self.loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]
        self.thread_id = 0
        #: Asked on a thread running a loop: that thread's ident if the runtime is
        #: :attr:`serving` (ready) on that loop, else something else (None when not
        #: serving). The HTTP adapter compares it with its own thread's ident.
        self.ready_thread: t.Callable[[], int | None] = _not_ready
        self._serving = False
        #: Whether the server runs the lifespan protocol (then shutdown comes from it).
        self.lifespan = False
        self.serving_lock: asyncio.Lock | None = None
        #: Background tasks still running (awaited at lifespan shutdown).
        self.tasks: set[asyncio.Future[t.Any]] = set()
        #: What the HTTP adapter needs to know of each view (``erlen.asgi.http``), by view.
        self.view_kinds: dict[t.Any, int] = {}
        #: The loop mode shared by the requests whose pipeline runs on their own task
        #: (direct mode, :mod:`erlen.asgi.http`); made by :meth:`bind`. PERF: such a
        #: request builds no mode and sets the mode's context variable once, unless it
        #: needs a lane or the pipeline greenlet.
        self.task_mode: Mode = None  # type: ignore[assignment]

    @property
    def serving(self) -> bool:
        """Whether ``before_serving`` functions ran (lifespan startup or first request)."""
        return self._serving

    @serving.setter
    def serving(self, value: bool) -> None:
        self._serving = value
        self._set_ready_thread()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Use ``loop`` (the server's loop, or a new one in tests)."""
        self.loop = loop
        self.thread_id = thread_id = threading.get_ident()
        self._set_ready_thread()
        self.serving_lock = None
        self.task_mode = Mode(loop, self.pool, thread_id, not self.sync_inline, shared=True)

    def _set_ready_thread(self) -> None:
        # PERF: on Python 3.10 and 3.11, asyncio.get_running_loop() makes a system call
        # (getpid, its check for a fork) each time, a cost that shows per request on a
        # virtual machine. An asyncio loop records the ident of the thread running it
        # (None when stopped), and a thread runs one loop at a time, so the loop is the
        # running one exactly when that ident is the caller's thread. A loop that keeps
        # no such record (another implementation) is asked through asyncio.
        loop = self.loop
        if not self._serving or loop is None:
            self.ready_thread = _not_ready
        elif (
            isinstance(loop, asyncio.BaseEventLoop)
            and getattr(loop, "_thread_id", None) == threading.get_ident()
        ):
            self.ready_thread = partial(getattr, loop, "_thread_id")
        else:
            self.ready_thread = partial(_thread_if_running, loop)

    def mode(self, loop_mode: bool) -> Mode:
        """A new :class:`Mode` for one request in loop or thread mode (close it at the
        request's end)."""
        return Mode(self.loop, self.pool, self.thread_id, loop_mode and not self.sync_inline)


def _not_ready() -> None:
    """:attr:`Runtime.ready_thread` of a runtime not serving on a loop."""
    return None


def _thread_if_running(loop: asyncio.AbstractEventLoop) -> int | None:
    """The caller's thread ident if ``loop`` is the loop running there, else None."""
    return threading.get_ident() if asyncio.get_running_loop() is loop else None


def get_runtime(app: Flask) -> Runtime:
    """The app's :class:`Runtime`, bound to the running loop (created on first use)."""
    runtime: Runtime | None = app.__dict__.get("_asgi_runtime")
    if runtime is None:
        runtime = app.__dict__["_asgi_runtime"] = Runtime(app)
    elif runtime.ready_thread() == threading.get_ident():
        # Serving on the loop running in this thread, so bound to it. PERF: no
        # asyncio.get_running_loop() (a system call on 3.10 and 3.11, see
        # Runtime._set_ready_thread) per websocket connection or bridged call.
        return runtime
    loop = asyncio.get_running_loop()
    if runtime.loop is not loop:
        runtime.bind(loop)
    return runtime


async def run_pipeline(mode: Mode, loop_mode: bool, func: t.Callable[..., _T], *args: t.Any) -> _T:
    """Run the sync ``func(*args)`` (code calling user code through ``ensure_sync``) with
    ``mode``: in a greenlet on this loop (loop mode) or in the mode's lane, in a copy of
    the current context (thread mode)."""
    if loop_mode:
        return await run_in_greenlet(_with_mode, mode, func, *args)
    ctx = contextvars.copy_context()
    return await mode.run(partial(ctx.run, _with_mode, mode, func, *args))


async def call(app: Flask, func: t.Callable[..., t.Any], *args: t.Any, **kwargs: t.Any) -> t.Any:
    """From async code on the server's loop: run a user function the right way and return
    its result. A coroutine function is awaited here; a sync function runs in the current
    request's lane (else a thread of the app's pool) with a copy of the current context,
    or inline with ``ASGI_SYNC_INLINE``."""
    if iscoroutinefunction(func):
        return await func(*args, **kwargs)
    runtime = get_runtime(app)
    if runtime.sync_inline:
        return func(*args, **kwargs)
    mode = _cv_asgi_mode.get()
    own = mode is None or mode.shared
    if own:
        mode = runtime.mode(False)
    try:
        ctx = contextvars.copy_context()
        return await mode.run(partial(ctx.run, _with_mode, mode, func, *args, **kwargs))
    finally:
        if own:
            mode.close()


def _with_mode(mode: Mode, func: t.Callable[..., _T], *args: t.Any) -> _T:
    token = _cv_asgi_mode.set(mode)
    try:
        return func(*args)
    finally:
        _cv_asgi_mode.reset(token)
