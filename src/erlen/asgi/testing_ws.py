"""The test client's WebSocket connections: ``client.websocket(path)``.

A :class:`WebSocketTestSession` plays the ASGI server for one connection: it builds a
``websocket`` scope from the same environ builder and scope as the client's HTTP requests
over ASGI (the client's cookies included), runs ``app.asgi_app`` on the test client's event
loop thread and exchanges ASGI messages with it through queues, so a synchronous test can
drive it.
"""

from __future__ import annotations

import asyncio
import queue
import typing as t
from concurrent.futures import TimeoutError as _FutureTimeout
from types import TracebackType

from .._async import get_loop
from ..datastructures import Headers
from ..test import _cookie_target
from .testing import scope_from_environ
from .websocket import WebSocketDisconnect, data_message, message_data

if t.TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import Future

    from ..test import TestResponse
    from ..testing import FlaskClient

__all__ = ["WebSocketRejected", "WebSocketTestSession", "open_websocket"]

Message = t.MutableMapping[str, t.Any]

# Put in the app's outbox when its ASGI callable has returned (or raised).
_APP_DONE: Message = {"type": "erlen.test.app_done"}


class WebSocketRejected(Exception):
    """The app refused the handshake (raised when entering ``client.websocket(...)``).

    :attr:`status_code` is the HTTP status the client would see; :attr:`response` the
    response the app answered with (through the ``websocket.http.response`` extension),
    or ``None`` when it closed the handshake (status 403) or ended without an answer
    (status 500).
    """

    def __init__(self, status_code: int, response: TestResponse | None = None) -> None:
        super().__init__(f"The WebSocket handshake was refused with status {status_code}.")
        #: The HTTP status of the refusal.
        self.status_code = status_code
        #: The app's HTTP response, if it sent one.
        self.response = response


class _ClientDisconnected(OSError):
    """What the app's ``send`` raises once the test's side has closed (as servers do)."""


class WebSocketTestSession:
    """A WebSocket connection from a test to the app; use it as a context manager
    (``with client.websocket("/ws") as ws:``), which performs the handshake on entry and
    closes the connection (code 1000) on exit.

    Messages: :meth:`send` (``str`` text or ``bytes`` binary), :meth:`receive`,
    :meth:`send_json`, :meth:`receive_json`, :meth:`close`. When the app closes the
    connection, :meth:`receive` raises :class:`~erlen.asgi.websocket.WebSocketDisconnect`
    and :attr:`close_code` / :attr:`close_reason` say how. An exception the app
    propagates (testing mode) is re-raised by the call that sees the connection end.

    ``timeout`` bounds every wait for the app (seconds): a test that waits for a message
    the app never sends fails with :exc:`TimeoutError` instead of hanging.
    """

    def __init__(
        self,
        client: FlaskClient,
        scope: dict[str, t.Any],
        environ: dict[str, t.Any],
        timeout: float,
    ) -> None:
        self._client = client
        self._app = client.application
        self._scope = scope
        self._environ = environ
        self.timeout = timeout
        self._loop = get_loop()
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._outbox: queue.Queue[Message] = queue.Queue()
        self._future: Future[None] | None = None
        self._client_closed = False
        self._app_done = False
        #: The subprotocol the app accepted, if any.
        self.subprotocol: str | None = None
        #: The extra headers the app sent when accepting.
        self.accept_headers = Headers()
        #: The close code once the connection is closed (by either side), else ``None``.
        self.close_code: int | None = None
        #: The close reason once the connection is closed, else ``None``.
        self.close_reason: str | None = None

    # -- the server side ---------------------------------------------------------------

    async def _run(self) -> None:
        try:
            await self._app.asgi_app(self._scope, self._receive, self._send)
        finally:
            self._outbox.put(_APP_DONE)

    async def _receive(self) -> Message:
        return await self._inbox.get()

    async def _send(self, message: Message) -> None:
        if self._client_closed:
            raise _ClientDisconnected("The test client has closed the WebSocket connection.")
        self._outbox.put(message)

    def _put(self, message: Message) -> None:
        self._loop.call_soon_threadsafe(self._inbox.put_nowait, message)

    def _next(self) -> Message:
        """The app's next message (``_APP_DONE`` once it has returned)."""
        if self._app_done:
            return _APP_DONE
        try:
            message = self._outbox.get(timeout=self.timeout)
        except queue.Empty:
            raise TimeoutError(
                f"The app sent no WebSocket message within {self.timeout} seconds."
            ) from None
        if message is _APP_DONE:
            self._app_done = True
        return message

    def _wait_app(self) -> None:
        """Wait for the app's ASGI callable to return; re-raise what it raised."""
        assert self._future is not None
        try:
            self._future.result(timeout=self.timeout)
        except _FutureTimeout:
            if not self._future.done():
                raise TimeoutError(
                    f"The app did not finish within {self.timeout} seconds after the"
                    " WebSocket connection closed."
                ) from None
            raise

    # -- the handshake -----------------------------------------------------------------

    def __enter__(self) -> WebSocketTestSession:
        self._future = asyncio.run_coroutine_threadsafe(self._run(), self._loop)
        self._put({"type": "websocket.connect"})
        message = self._next()
        kind = message["type"]
        if kind == "websocket.accept":
            self.subprotocol = message.get("subprotocol")
            for name, value in message.get("headers") or ():
                self.accept_headers.add(name.decode("latin-1"), value.decode("latin-1"))
            return self
        if kind == "websocket.http.response.start":
            raise WebSocketRejected(message["status"], self._read_refusal(message))
        self._client_closed = True
        self._wait_app()
        # Closed before accepting: servers answer 403; no answer at all: 500.
        raise WebSocketRejected(403 if kind == "websocket.close" else 500)

    def _read_refusal(self, start: Message) -> TestResponse:
        body = []
        while True:
            message = self._next()
            if message["type"] != "websocket.http.response.body":
                break
            body.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        self._client_closed = True
        self._wait_app()
        headers = Headers(
            [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start.get("headers") or ()]
        )
        set_cookies = headers.getlist("Set-Cookie")
        if set_cookies:
            self._client._update_cookies_from_response(*_cookie_target(self._environ), set_cookies)
        from ..wrappers.request import Request

        response = self._client.response_wrapper(
            body, start["status"], headers, request=Request(self._environ)
        )
        response.json_module = self._app.json
        return response

    # -- messages ----------------------------------------------------------------------

    def send(self, data: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message to the app."""
        message = data_message("websocket.receive", data)
        if self._client_closed or self.close_code is not None:
            raise WebSocketDisconnect(self.close_code or 1000, self.close_reason or "")
        self._put(message)

    def send_json(self, obj: t.Any) -> None:
        """Send ``obj`` as a JSON text message (the app's JSON provider)."""
        self.send(self._app.json.dumps(obj))

    def receive(self) -> str | bytes:
        """The app's next message: ``str`` (text) or ``bytes`` (binary).

        :raise WebSocketDisconnect: the app closed the connection (or ended, code 1000).
        """
        if self.close_code is not None:
            raise WebSocketDisconnect(self.close_code, self.close_reason or "")
        message = self._next()
        kind = message["type"]
        if kind == "websocket.send":
            return message_data(message)
        if kind == "websocket.close":
            self.close_code = message.get("code", 1000)
            self.close_reason = message.get("reason") or ""
        else:  # the app returned without closing: the server closes normally
            self.close_code, self.close_reason = 1000, ""
        self._client_closed = True
        self._wait_app()
        raise WebSocketDisconnect(t.cast(int, self.close_code), self.close_reason or "")

    def receive_json(self) -> t.Any:
        """The app's next message, parsed as JSON."""
        return self._app.json.loads(self.receive())

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection from the client's side and wait for the app to finish
        (its teardown functions have run when this returns)."""
        if self._client_closed:
            return
        self._client_closed = True
        self._put({"type": "websocket.disconnect", "code": code, "reason": reason})
        while (message := self._next()) is not _APP_DONE:
            # Messages the app sent before it saw the disconnect.
            if message["type"] == "websocket.close" and self.close_code is None:
                self.close_code = message.get("code", 1000)
                self.close_reason = message.get("reason") or ""
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason
        self._wait_app()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
            return
        try:
            self.close()
        except Exception:  # noqa: BLE001 - the test's own exception is the one to show
            pass


def open_websocket(
    client: FlaskClient,
    path: str = "/",
    *,
    headers: t.Any = None,
    subprotocols: t.Sequence[str] | None = None,
    http_response: bool = True,
    timeout: float = 30.0,
    **kwargs: t.Any,
) -> WebSocketTestSession:
    """Build the connection of ``client.websocket(...)`` (see there)."""
    from ..testing import EnvironBuilder

    builder = EnvironBuilder(
        client.application,
        path,
        headers=headers,
        environ_base=client._copy_environ(kwargs.pop("environ_base", {})),
        **kwargs,
    )
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    client._add_cookies_to_wsgi(environ)
    scope = _scope_from_environ(environ, subprotocols or [], http_response)
    return WebSocketTestSession(client, scope, environ, timeout)


def _scope_from_environ(
    environ: dict[str, t.Any], subprotocols: t.Sequence[str], http_response: bool
) -> dict[str, t.Any]:
    """The ``websocket`` scope of a handshake: the client's ``http`` scope for the same
    environ, with the upgrade headers, the subprotocols and the extensions."""
    scope = scope_from_environ(environ)
    del scope["method"]
    headers = [
        (name, value) for name, value in scope["headers"] if name not in (b"connection", b"upgrade")
    ]
    headers += [
        (b"connection", b"Upgrade"),
        (b"upgrade", b"websocket"),
        (b"sec-websocket-version", b"13"),
        (b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ=="),
    ]
    if subprotocols:
        headers.append((b"sec-websocket-protocol", ", ".join(subprotocols).encode("latin-1")))
    extensions = {k: v for k, v in scope["extensions"].items() if k.startswith("erlen.")}
    if http_response:
        extensions["websocket.http.response"] = {}
    scope.update(
        type="websocket",
        scheme="wss" if scope["scheme"] == "https" else "ws",
        headers=headers,
        subprotocols=list(subprotocols),
        extensions=extensions,
    )
    return scope
