"""erlen's ASGI adapter: the same app object serves ASGI 3 (``await app(scope, receive,
send)``) and WSGI (``app(environ, start_response)``).

- :mod:`erlen.asgi.http`: HTTP requests over the one dispatch pipeline;
- :mod:`erlen.asgi.bridge`: thread mode / loop mode, how user code runs under ASGI;
- :mod:`erlen.asgi.lifespan`: ``before_serving`` / ``after_serving``, background tasks;
- :mod:`erlen.asgi.environ`: the WSGI-style ``request.environ`` of an ASGI request;
- :mod:`erlen.asgi.testing`: the test client's ASGI transport.

See ``docs/asgi.md``.
"""

from __future__ import annotations

import typing as t

from .http import handle_http, stream_body

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Flask

__all__ = ["handle", "stream_body"]


def handle(
    app: Flask,
    scope: t.MutableMapping[str, t.Any],
    receive: t.Callable[[], t.Awaitable[t.MutableMapping[str, t.Any]]],
    send: t.Callable[[t.MutableMapping[str, t.Any]], t.Awaitable[None]],
) -> t.Coroutine[t.Any, t.Any, None]:
    """Serve one ASGI connection (``http``, ``websocket`` or ``lifespan`` scope): returns
    the coroutine to await."""
    # PERF: a plain function returning the scope's coroutine, so that an HTTP request
    # runs no coroutine frame between the app's entry point and the adapter.
    kind = scope["type"]
    if kind == "http":
        return handle_http(app, scope, receive, send)
    if kind == "websocket":
        return _handle_websocket(app, scope, receive, send)
    if kind == "lifespan":
        from .lifespan import handle_lifespan

        return handle_lifespan(app, scope, receive, send)
    raise ValueError(f"erlen cannot serve the ASGI scope type {kind!r}.")


async def _handle_websocket(
    app: Flask,
    scope: t.MutableMapping[str, t.Any],
    receive: t.Callable[[], t.Awaitable[t.MutableMapping[str, t.Any]]],
    send: t.Callable[[t.MutableMapping[str, t.Any]], t.Awaitable[None]],
) -> None:
    try:
        from .websocket import handle_websocket  # type: ignore[import-not-found,unused-ignore]
    except ImportError as e:
        if e.name != __name__ + ".websocket":
            raise
        # No websocket support in this build: refuse the handshake (403).
        await receive()
        await send({"type": "websocket.close", "code": 1000})
        return
    await handle_websocket(app, scope, receive, send)
