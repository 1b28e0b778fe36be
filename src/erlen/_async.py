"""Running ``async def`` views and hooks from synchronous (WSGI) code.

Flask starts a new event loop for every call through asgiref. erlen keeps one event loop
in a daemon thread for the whole process and submits each coroutine to it; the caller's
context variables are copied along, so ``request``, ``g`` and ``session`` work inside.
"""

from __future__ import annotations

import asyncio
import threading
import typing as t
from functools import wraps

__all__ = ["async_to_sync", "get_loop"]

_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None
_lock = threading.Lock()


def get_loop() -> asyncio.AbstractEventLoop:
    """The process-wide event loop that runs coroutines for sync callers (started once)."""
    global _loop, _thread
    loop = _loop
    if loop is not None and _thread is not None and _thread.is_alive():
        return loop
    with _lock:
        if _loop is None or _thread is None or not _thread.is_alive():
            new_loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=new_loop.run_forever, name="erlen-async-loop", daemon=True
            )
            thread.start()
            _loop, _thread = new_loop, thread
        return _loop


def async_to_sync(
    func: t.Callable[..., t.Coroutine[t.Any, t.Any, t.Any]],
) -> t.Callable[..., t.Any]:
    """Wrap a coroutine function so that calling it blocks until the coroutine finishes.

    Calling the wrapper from a thread that is itself running an event loop raises
    :class:`RuntimeError` (that would deadlock); use ``await`` there instead.
    """

    @wraps(func)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError(
                "An async view or hook was called synchronously from a thread that is"
                " running an event loop; await it instead."
            )
        # run_coroutine_threadsafe schedules with a copy of this thread's context, so the
        # coroutine sees the same request and app contexts.
        future = asyncio.run_coroutine_threadsafe(func(*args, **kwargs), get_loop())
        return future.result()

    return wrapper
