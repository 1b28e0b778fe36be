"""The test client's ASGI transport: a request built as a WSGI environ, sent as ASGI.

:class:`erlen.test.Client` (and so ``app.test_client()``) sends its requests through
:func:`run_asgi_app` when made with ``interface="asgi"``, or when the environment variable
``ERLEN_TEST_INTERFACE=asgi`` is set and the application is an ASGI application too (an
erlen app). The environ that :class:`~erlen.test.EnvironBuilder` made becomes a scope
(method, path, root path, query string, headers, client, server, scheme) and the body is
sent in ``http.request`` messages; environ keys a scope cannot carry (``environ_base``
extras, ``werkzeug.debug.preserve_context`` for ``with client:``) travel in the test-only
scope extension ``erlen.environ``, which the request's compatibility ``environ`` shows.

The application runs on erlen's one event loop thread (the one WSGI async views use); the
caller waits.
The response body is pulled as the test reads it (a streamed body advances chunk by
chunk); closing the response before the end disconnects the client, as a browser
leaving would.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
import typing as t
from urllib.parse import quote_from_bytes

from .. import _async
from .._async import get_loop
from ..datastructures import Headers
from ..sansio.response import _STATUS_LINES

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment

__all__ = ["interface_from_env", "run_asgi_app"]

_CHUNK = 65536
# Environ keys that the scope itself carries.
_SCOPE_KEYS = frozenset(
    {
        "REQUEST_METHOD",
        "SCRIPT_NAME",
        "PATH_INFO",
        "QUERY_STRING",
        "SERVER_NAME",
        "SERVER_PORT",
        "SERVER_PROTOCOL",
        "REMOTE_ADDR",
        "REMOTE_PORT",
        "CONTENT_TYPE",
        "CONTENT_LENGTH",
        "REQUEST_URI",
        "RAW_URI",
    }
)


def interface_from_env() -> str:
    """``"asgi"`` if ``ERLEN_TEST_INTERFACE`` says so, else ``"wsgi"``."""
    value = os.environ.get("ERLEN_TEST_INTERFACE", "wsgi").strip().lower()
    if value not in ("wsgi", "asgi"):
        raise ValueError(f"ERLEN_TEST_INTERFACE must be 'wsgi' or 'asgi', not {value!r}.")
    return value


def _wsgi_to_text(value: str) -> str:
    try:
        return value.encode("latin-1").decode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return value


def scope_from_environ(environ: WSGIEnvironment) -> dict[str, t.Any]:
    """The ASGI ``http`` scope for a test request's WSGI environ."""
    script = environ.get("SCRIPT_NAME", "")
    path_info = environ.get("PATH_INFO", "")
    headers: list[tuple[bytes, bytes]] = []
    extra: dict[str, t.Any] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].lower().replace("_", "-").encode("latin-1")
            headers.append((name, str(value).encode("latin-1")))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if value:
                name = key.lower().replace("_", "-").encode("latin-1")
                headers.append((name, str(value).encode("latin-1")))
        elif key not in _SCOPE_KEYS and (key == "wsgi.errors" or not key.startswith("wsgi.")):
            extra[key] = value
    protocol = environ.get("SERVER_PROTOCOL", "HTTP/1.1")
    scope: dict[str, t.Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": protocol.partition("/")[2] or "1.1",
        "method": environ.get("REQUEST_METHOD", "GET"),
        "scheme": environ.get("wsgi.url_scheme", "http"),
        "path": _wsgi_to_text(script + path_info),
        "raw_path": quote_from_bytes(
            (script + path_info).encode("latin-1", "replace"), safe="/:@!$&'()*+,;=-._~"
        ).encode("ascii"),
        "query_string": environ.get("QUERY_STRING", "").encode("latin-1", "replace"),
        "root_path": _wsgi_to_text(script),
        "headers": headers,
        "server": (environ.get("SERVER_NAME", "localhost"), int(environ.get("SERVER_PORT") or 80)),
        "extensions": {"http.response.pathsend": {}, "erlen.environ": extra},
        "state": {},
    }
    remote = environ.get("REMOTE_ADDR")
    if remote:
        scope["client"] = (remote, int(environ.get("REMOTE_PORT") or 0))
    return scope


class _Exchange:
    """One request/response exchange between the test thread and the application."""

    def __init__(self, body: t.Iterator[bytes]) -> None:
        self.body = body
        self.events: queue.Queue[tuple[str, t.Any]] = queue.Queue()
        self.loop = get_loop()
        self.pull: asyncio.Event | None = None
        self.gone = False  # the test closed the response early (or the input failed)
        self.sent_last = False
        self.done: asyncio.Event | None = None

    async def receive(self) -> dict[str, t.Any]:
        if not self.gone and not self.sent_last:
            try:
                chunk = next(self.body)
            except StopIteration:
                pass
            except Exception:  # noqa: BLE001 - the input stream failed: the client left
                self.gone = True
            else:
                return {"type": "http.request", "body": chunk, "more_body": True}
            if not self.gone and not self.sent_last:
                self.sent_last = True
                return {"type": "http.request", "body": b"", "more_body": False}
        assert self.done is not None
        await self.done.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: t.MutableMapping[str, t.Any]) -> None:
        kind = message["type"]
        if self.gone:
            raise OSError("The test client closed the response.")
        if kind == "http.response.start":
            self.events.put(("start", message))
        elif kind == "http.response.body":
            more = message.get("more_body", False)
            self.events.put(("body", (bytes(message.get("body", b"")), more)))
            if more:
                # Wait until the test reads on (so a stream advances as it is read).
                assert self.pull is not None
                await self.pull.wait()
                self.pull.clear()
                if self.gone:
                    raise OSError("The test client closed the response.")
        elif kind == "http.response.pathsend":
            with open(message["path"], "rb") as f:
                data = f.read()
            self.events.put(("body", (data, False)))
        else:
            raise RuntimeError(f"Unexpected ASGI message {kind!r} for an HTTP request.")

    async def run(self, app: t.Any, scope: dict[str, t.Any]) -> None:
        self.pull = asyncio.Event()
        self.done = asyncio.Event()
        try:
            await app(scope, self.receive, self.send)
        except BaseException as e:  # noqa: BLE001 - handed to the test thread
            self.events.put(("error", e))
        else:
            self.events.put(("end", None))
        finally:
            self.done.set()

    def next_event(self) -> tuple[str, t.Any]:
        return self.events.get()

    def ask_more(self) -> None:
        self.loop.call_soon_threadsafe(self._set_pull)

    def _set_pull(self) -> None:
        assert self.pull is not None
        self.pull.set()

    def close(self) -> None:
        """The test is done with the response: disconnect and wait for the app to end
        (an error it raises then is dropped, as a WSGI server would drop it)."""
        self.gone = True
        self.loop.call_soon_threadsafe(self._disconnect)
        while True:
            kind, value = self.events.get()
            if kind in ("end", "error"):
                return

    def _disconnect(self) -> None:
        assert self.pull is not None and self.done is not None
        self.pull.set()
        self.done.set()


def _iter_input(environ: WSGIEnvironment) -> t.Iterator[bytes]:
    stream = environ.get("wsgi.input")
    if stream is None:
        return
    length = environ.get("CONTENT_LENGTH")
    remaining = int(length) if length and str(length).isdigit() else None
    while remaining is None or remaining > 0:
        size = _CHUNK if remaining is None else min(_CHUNK, remaining)
        chunk = stream.read(size)
        if not chunk:
            return
        if remaining is not None:
            remaining -= len(chunk)
        yield chunk


class _ResponseBody:
    """The response body iterable handed to the test client: pulls chunks as read."""

    def __init__(self, exchange: _Exchange, first: list[bytes], more: bool, ended: bool) -> None:
        self._exchange = exchange
        self._first = first
        self._more = more
        self._ended = ended

    def __iter__(self) -> t.Iterator[bytes]:
        yield from self._first
        self._first = []
        exchange = self._exchange
        while self._more:
            exchange.ask_more()
            kind, value = exchange.next_event()
            if kind == "body":
                chunk, self._more = value
                if chunk:
                    yield chunk
            else:
                self._more = False
                self._ended = True
                if kind == "error":
                    raise value
        self._finish()

    def _finish(self) -> None:
        """Wait for the application to return (closing the body, teardown)."""
        while not self._ended:
            kind, value = self._exchange.next_event()
            if kind in ("end", "error"):
                self._ended = True
                if kind == "error":
                    raise value

    def __del__(self) -> None:
        # A response dropped unread: the client is gone (don't wait here, this may run
        # anywhere the garbage collector runs).
        if self._more and not self._exchange.gone:
            self._exchange.gone = True
            self._exchange.loop.call_soon_threadsafe(self._exchange._disconnect)

    def close(self) -> None:
        """Disconnect if the body was not read to its end; wait for the application."""
        if self._more:
            self._more = False
            self._ended = True
            self._exchange.close()
        else:
            self._finish()


def run_asgi_app(
    app: t.Any, environ: WSGIEnvironment, buffered: bool = False
) -> tuple[t.Iterable[bytes], str, Headers]:
    """Send a test request (a WSGI environ) to the ASGI application ``app`` and return
    ``(body iterable, status line, headers)``, as :func:`erlen.test.run_wsgi_app` does."""
    loop = get_loop()
    if threading.current_thread() is _async._thread:
        raise RuntimeError(
            "The ASGI test client cannot be used from code running on its own event loop"
            " (an async view calling the test client)."
        )
    exchange = _Exchange(_iter_input(environ))
    scope = scope_from_environ(environ)
    # run_coroutine_threadsafe runs the request with a copy of this thread's context, as
    # a WSGI test request would run in it (an app context pushed by the test is reused).
    asyncio.run_coroutine_threadsafe(exchange.run(app, scope), loop)
    kind, value = exchange.next_event()
    if kind == "error":
        raise value
    if kind == "end":
        raise RuntimeError("The ASGI application returned without sending a response.")
    status = value["status"]
    headers = Headers(
        [(k.decode("latin-1"), v.decode("latin-1")) for k, v in value.get("headers", ())]
    )
    status_line = _STATUS_LINES.get(status) or f"{status} UNKNOWN"
    first: list[bytes] = []
    kind, value = exchange.next_event()
    if kind == "error":
        raise value
    if kind == "body":
        chunk, more = value
        if chunk:
            first.append(chunk)
    body = _ResponseBody(exchange, first, kind == "body" and more, kind != "body")
    if buffered:
        try:
            return list(body), status_line, headers
        finally:
            body.close()
    return body, status_line, headers
