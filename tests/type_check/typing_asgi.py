"""Type-checked, never run: the app as a WSGI and an ASGI application, ASGI features.

The ``typing_*.py`` names keep pytest from collecting these files.
"""

from __future__ import annotations

import typing as t
from collections.abc import AsyncIterator, Iterable

from typing_extensions import assert_type

from erlen import Flask, request
from erlen.asgi import stream_body

app = Flask(__name__)


def start_response(status: str, headers: list[tuple[str, str]], exc_info: t.Any = None) -> t.Any:
    return None


body = app({"REQUEST_METHOD": "GET"}, start_response)
assert_type(body, Iterable[bytes])


async def serve(
    scope: t.MutableMapping[str, t.Any],
    receive: t.Callable[[], t.Awaitable[t.MutableMapping[str, t.Any]]],
    send: t.Callable[[t.MutableMapping[str, t.Any]], t.Awaitable[None]],
) -> None:
    await app(scope, receive, send)
    await app.asgi_app(scope, receive, send)


@app.before_serving
async def connect() -> None:
    app.add_background_task(warm_up, 3)


@app.after_serving
def disconnect() -> None:
    return None


def warm_up(n: int) -> None:
    return None


@app.post("/upload")
@stream_body
async def upload() -> str:
    size = 0
    async for chunk in request.iter_body():
        assert_type(chunk, bytes)
        size += len(chunk)
    return str(size)


@app.get("/events")
async def events() -> tuple[AsyncIterator[str], dict[str, str]]:
    async def gen() -> AsyncIterator[str]:
        yield "data: 1\n\n"

    return gen(), {"Content-Type": "text/event-stream"}


client = app.test_client(interface="asgi")
