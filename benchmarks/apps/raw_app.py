"""The ceiling of the server runs: bare WSGI and ASGI callables that answer hello."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from apps.common import HELLO

_BODY = HELLO.encode()
_HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(_BODY)))]
_ASGI_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(k.lower().encode(), v.encode()) for k, v in _HEADERS],
}
_ASGI_BODY = {"type": "http.response.body", "body": _BODY}


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Answer every request with hello, nothing else."""
    start_response("200 OK", _HEADERS)
    return [_BODY]


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer every HTTP request with hello (and accept lifespan)."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send(_ASGI_START)
    await send(_ASGI_BODY)
