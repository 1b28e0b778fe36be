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

from .http import Receive, Scope, Send, handle_http, stream_body
from .lifespan import handle_lifespan

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Flask

__all__ = ["HANDLERS", "stream_body"]


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


class _Handlers(dict[str, t.Any]):
    def __missing__(self, kind: t.Any) -> t.NoReturn:
        raise ValueError(f"erlen cannot serve the ASGI scope type {kind!r}.")


#: The coroutine function serving each ASGI scope type, called with ``(app, scope,
#: receive, send)`` (what :func:`handle` and ``Flask.__call__`` look up); ``ValueError``
#: for another type.
#: PERF: one lookup, no call in between, from the app's entry point to the adapter.
HANDLERS: dict[str, t.Callable[[Flask, Scope, Receive, Send], t.Coroutine[t.Any, t.Any, None]]]
HANDLERS = _Handlers(http=handle_http, websocket=_handle_websocket, lifespan=handle_lifespan)
