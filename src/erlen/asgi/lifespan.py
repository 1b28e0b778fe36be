"""Serving lifetime: ``before_serving`` / ``after_serving`` functions and background tasks.

Under ASGI the server's ``lifespan`` scope runs the ``before_serving`` functions at startup
(a failure fails the server's start, with the error shown) and, at shutdown, waits for the
background tasks and runs the ``after_serving`` functions. A server without lifespan
support (or the test client) gets the ``before_serving`` functions before the first request.

Under WSGI there is no such signal: the ``before_serving`` functions run before the first
request, and the background tasks are waited for and the ``after_serving`` functions run
at interpreter exit.

Every function runs inside an application context of the app; sync ones in the app's
thread pool (ASGI) and ``async def`` ones on the loop.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import threading
import traceback
import typing as t
from concurrent.futures import Future, ThreadPoolExecutor

from .. import ctx as _ctx
from . import bridge

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Flask

__all__ = ["add_background_task", "handle_lifespan", "serving_runtime", "start_serving"]

# PERF: bound by assignment, not import: see erlen.globals (method calls on 3.11).
_cv_asgi_mode = _ctx._cv_asgi_mode


def _run_funcs(app: Flask, funcs: list[t.Callable[[], t.Any]]) -> None:
    """Call each function (through ``ensure_sync``) in an application context."""
    with app.app_context():
        for func in funcs:
            app.ensure_sync(func)()


async def _run_on_loop(runtime: bridge.Runtime, func: t.Callable[..., t.Any], *args: t.Any) -> None:
    """Run ``func`` (which calls user functions through ``ensure_sync``) in loop mode."""
    mode = runtime.mode(True)
    try:
        await bridge.run_pipeline(mode, True, func, *args)
    finally:
        mode.close()


async def start_serving(app: Flask, runtime: bridge.Runtime) -> None:
    """Run the ``before_serving`` functions once (lifespan startup, else first request)."""
    if runtime.serving:
        return
    if runtime.serving_lock is None:
        runtime.serving_lock = asyncio.Lock()
    async with runtime.serving_lock:
        if runtime.serving:
            return
        if app.before_serving_funcs:
            await _run_on_loop(runtime, _run_funcs, app, app.before_serving_funcs)
        runtime.serving = True
        if not runtime.lifespan and app.after_serving_funcs:
            # No lifespan shutdown will come: stop at exit, as under WSGI.
            atexit.register(stop_serving_at_exit, app)


async def serving_runtime(app: Flask) -> bridge.Runtime:
    """The app's runtime bound to the running loop, its ``before_serving`` functions run:
    at once when it serves on this thread's loop already; else (the first request or
    connection of a server without lifespan, or a new loop) after binding and starting it.
    The HTTP adapter makes the ready test itself first (PERF: no coroutine per request)."""
    runtime = bridge.get_runtime(app)
    if not runtime.serving:
        await start_serving(app, runtime)
    return runtime


async def stop_serving(app: Flask, runtime: bridge.Runtime) -> None:
    """Wait for the background tasks, then run the ``after_serving`` functions."""
    while runtime.tasks:
        await asyncio.wait(list(runtime.tasks))
    if runtime.serving and app.after_serving_funcs:
        await _run_on_loop(runtime, _run_funcs, app, app.after_serving_funcs)
    runtime.serving = False


async def handle_lifespan(
    app: Flask,
    scope: t.MutableMapping[str, t.Any],
    receive: t.Callable[[], t.Awaitable[t.MutableMapping[str, t.Any]]],
    send: t.Callable[[t.MutableMapping[str, t.Any]], t.Awaitable[None]],
) -> None:
    """Serve the ASGI ``lifespan`` scope."""
    runtime = bridge.get_runtime(app)
    runtime.lifespan = True
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await start_serving(app, runtime)
            except Exception:
                await send({"type": "lifespan.startup.failed", "message": traceback.format_exc()})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            try:
                await stop_serving(app, runtime)
            except Exception:
                await send({"type": "lifespan.shutdown.failed", "message": traceback.format_exc()})
                return
            await send({"type": "lifespan.shutdown.complete"})
            return


# -- WSGI -------------------------------------------------------------------------------

_wsgi_lock = threading.Lock()
_wsgi_pool: ThreadPoolExecutor | None = None
_wsgi_tasks: set[Future[t.Any]] = set()
_wsgi_exit_hook = False


def start_serving_wsgi(app: Flask) -> None:
    """Under WSGI: run the ``before_serving`` functions before the first request and
    arrange the shutdown work for interpreter exit."""
    with _wsgi_lock:
        if not app._serving_pending:
            return
        _run_funcs(app, app.before_serving_funcs)
        app._serving_pending = False
        atexit.register(stop_serving_at_exit, app)


def stop_serving_at_exit(app: Flask) -> None:
    """Wait for the app's WSGI background tasks, then run the ``after_serving`` functions
    (registered with :mod:`atexit`)."""
    _wait_wsgi_tasks()
    _run_funcs(app, app.after_serving_funcs)


# -- background tasks -------------------------------------------------------------------


def _run_task(app: Flask, func: t.Any, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> None:
    with app.app_context():
        try:
            if asyncio.iscoroutine(func):
                if bridge.in_greenlet():
                    bridge.await_(func)
                else:
                    from .._async import get_loop

                    asyncio.run_coroutine_threadsafe(func, get_loop()).result()
            else:
                app.ensure_sync(func)(*args, **kwargs)
        except Exception:
            app.logger.exception("Background task %r failed", func)


def add_background_task(app: Flask, func: t.Any, *args: t.Any, **kwargs: t.Any) -> None:
    """Run ``func(*args, **kwargs)`` (sync or async), or await a coroutine object, in the
    background, in an application context of ``app``; an exception is logged.

    Under ASGI the task runs on the server's loop (a sync function in the thread pool)
    and lifespan shutdown waits for it; under WSGI it runs in a background thread and
    interpreter exit waits for it.
    """
    mode = _cv_asgi_mode.get()
    runtime: bridge.Runtime | None = app.__dict__.get("_asgi_runtime")
    loop = None
    if mode is not None:
        loop = mode.loop
    elif runtime is not None and runtime.lifespan:
        loop = runtime.loop
    # A fresh context: the task must not see the request that started it.
    ctx = contextvars.Context()
    if loop is not None and runtime is not None:
        asgi_runtime = runtime

        def spawn() -> None:
            coro = _run_on_loop(asgi_runtime, _run_task, app, func, args, kwargs)
            task = loop.create_task(coro)
            asgi_runtime.tasks.add(task)
            task.add_done_callback(asgi_runtime.tasks.discard)

        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            ctx.run(spawn)
        else:
            loop.call_soon_threadsafe(spawn, context=ctx)
        return

    global _wsgi_pool, _wsgi_exit_hook
    with _wsgi_lock:
        if _wsgi_pool is None:
            _wsgi_pool = ThreadPoolExecutor(thread_name_prefix="erlen-background")
        if not _wsgi_exit_hook:
            _wsgi_exit_hook = True
            atexit.register(_wait_wsgi_tasks)
        future = _wsgi_pool.submit(ctx.run, _run_task, app, func, args, kwargs)
    _wsgi_tasks.add(future)
    future.add_done_callback(_wsgi_tasks.discard)


def _wait_wsgi_tasks() -> None:
    """Wait for the WSGI background tasks (at interpreter exit)."""
    for future in list(_wsgi_tasks):
        future.exception()
