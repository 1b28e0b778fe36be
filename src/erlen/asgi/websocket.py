"""WebSocket connections under ASGI: the ``websocket`` object and how a connection to a
WebSocket route is served (routes registered with ``@app.websocket(rule)``).

The server speaks the protocol (the HTTP upgrade, framing, ping/pong); erlen exchanges
ASGI messages with it and never parses a frame. A connection runs:

1. the handshake becomes a request of the app's ``request_class`` and a request context
   is pushed, so ``request``, ``session`` (from the handshake's cookie), ``g``,
   ``current_app`` and ``websocket`` work throughout;
2. URL value preprocessors, then ``before_websocket`` functions (app first, then
   blueprints) run; a non-None return value or an HTTP error refuses the handshake;
3. the handler is awaited with the URL values as keyword arguments; the connection is
   accepted by ``await websocket.accept()`` or implicitly by the first send or receive;
4. ``after_websocket`` functions run with the response that answers the handshake (or
   ``None`` once the connection was accepted);
5. the context pops: ``teardown_request`` and ``teardown_appcontext`` functions run.

A handshake that is refused (an HTTP error such as ``abort(401)``, a routing error, a
response returned by a hook or the handler before accepting) is answered with that HTTP
response when the server offers the ``websocket.http.response`` extension, else closed,
which servers answer with 403. After acceptance, an unhandled exception closes the
connection with 1011 (logged and sent to ``got_request_exception``), an HTTP error with 1008
(4xx) or 1011 (5xx). The connection runs in the ASGI adapter's loop mode
(:mod:`erlen.asgi.bridge`): ``async def`` functions on the server's loop, synchronous hooks,
error handlers and teardown functions in the connection's lane (one pool thread).
"""

from __future__ import annotations

import contextvars
import inspect
import typing as t
from itertools import chain
from types import TracebackType

from .. import ctx as _ctx, globals as _globals, signals as _signals
from ..ctx import RequestContext
from ..datastructures import Headers
from ..exceptions import BadRequest, HTTPException, InternalServerError
from ..sansio.utils import get_current_url
from . import bridge
from .lifespan import serving_runtime

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Flask
    from ..datastructures import ImmutableMultiDict, MultiDict
    from ..json.provider import JSONProvider
    from ..wrappers import Request, Response

__all__ = ["WebSocket", "WebSocketDisconnect", "data_message", "handle_websocket", "message_data"]

# PERF: bound by assignment, not import: see erlen.globals (method calls on 3.11).
_cv_asgi_mode = _ctx._cv_asgi_mode
_cv_websocket = _globals._cv_websocket
_cv_request = _globals._cv_request

#: An ASGI message.
Message = t.MutableMapping[str, t.Any]
#: An ASGI ``receive`` callable.
Receive = t.Callable[[], t.Awaitable[Message]]
#: An ASGI ``send`` callable.
Send = t.Callable[[Message], t.Awaitable[None]]

_T = t.TypeVar("_T")

# Connection states.
_PENDING = "pending"  # handshake not answered yet
_OPEN = "open"  # accepted
_CLOSED = "closed"  # accepted, then closed by either side
_REFUSED = "refused"  # handshake answered without accepting

# RFC 6455 7.4.1: the close codes erlen sends on its own.
_CLOSE_NORMAL = 1000
_CLOSE_ABNORMAL = 1006  # never sent: reported when the client vanished without a close
_CLOSE_POLICY = 1008
_CLOSE_ERROR = 1011
# A close frame's payload is at most 125 bytes: 2 for the code, 123 for the reason.
_MAX_REASON = 123


class WebSocketDisconnect(Exception):
    """The WebSocket connection is closed: raised by :meth:`WebSocket.receive` when the
    client disconnects, and by receiving or sending on a connection closed before.

    A handler may let it propagate: the connection ends normally (it is not logged) and
    teardown functions run. The test client's connection raises it too when the app
    closes the connection.
    """

    def __init__(self, code: int = _CLOSE_NORMAL, reason: str = "") -> None:
        super().__init__(code, reason)
        #: The close code (1000 normal, 1001 going away, 1005 none given, ...).
        self.code = code
        #: The close reason, possibly empty.
        self.reason = reason

    def __str__(self) -> str:
        if self.reason:
            return f"WebSocket closed with code {self.code}: {self.reason}"
        return f"WebSocket closed with code {self.code}"


class WebSocket:
    """One WebSocket connection: :data:`erlen.websocket` inside a handler and its
    ``before_websocket``/``after_websocket`` functions.

    The URL, headers, query arguments and cookies are the handshake request's
    (:attr:`request`, also ``erlen.request`` in the handler).
    """

    def __init__(
        self,
        request: Request,
        scope: t.Mapping[str, t.Any],
        receive: Receive,
        send: Send,
        json: JSONProvider,
    ) -> None:
        #: The handshake request (the app's ``request_class``).
        self.request = request
        self._scope = scope
        self._receive = receive
        self._send = send
        self._json = json
        self._state = _PENDING
        #: The subprotocol chosen by :meth:`accept`, if any.
        self.subprotocol: str | None = None
        #: The close code once the connection is closed (by either side), else ``None``.
        self.close_code: int | None = None
        #: The close reason once the connection is closed, else ``None``.
        self.close_reason: str | None = None

    def __repr__(self) -> str:
        try:
            url = self.url
        except Exception:  # noqa: BLE001 - e.g. an untrusted host: still show something
            url = self.request.path
        return f"<{type(self).__name__} {url!r} [{self._state}]>"

    # -- the handshake request ----------------------------------------------------------

    @property
    def args(self) -> MultiDict[str, str]:
        """The handshake's query arguments."""
        return self.request.args

    @property
    def headers(self) -> Headers:
        """The handshake's headers."""
        return self.request.headers

    @property
    def cookies(self) -> ImmutableMultiDict[str, str]:
        """The cookies sent with the handshake."""
        return self.request.cookies

    @property
    def path(self) -> str:
        """The path requested, after the app's root path."""
        return self.request.path

    @property
    def full_path(self) -> str:
        """The path and query string."""
        return self.request.full_path

    @property
    def root_path(self) -> str:
        """The prefix the app is mounted under."""
        return self.request.root_path

    @property
    def query_string(self) -> bytes:
        """The raw query string."""
        return self.request.query_string

    @property
    def host(self) -> str:
        """The host the client connected to (``Host`` header), validated like
        ``request.host``."""
        return self.request.host

    @property
    def remote_addr(self) -> str | None:
        """The client's address."""
        return self.request.remote_addr

    @property
    def origin(self) -> str | None:
        """The handshake's ``Origin`` header (sent by browsers)."""
        return self.request.origin

    @property
    def scheme(self) -> str:
        """``wss`` over TLS, else ``ws``."""
        return "wss" if self.request.is_secure else "ws"

    @property
    def url(self) -> str:
        """The full URL, with the ``ws``/``wss`` scheme."""
        req = self.request
        return get_current_url(self.scheme, req.host, req.root_path, req.path, req.query_string)

    @property
    def base_url(self) -> str:
        """:attr:`url` without the query string."""
        req = self.request
        return get_current_url(self.scheme, req.host, req.root_path, req.path)

    @property
    def view_args(self) -> dict[str, t.Any] | None:
        """The URL values matched by the route (also passed to the handler)."""
        return self.request.view_args

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched route."""
        return self.request.endpoint

    @property
    def blueprint(self) -> str | None:
        """The (dotted) blueprint name of the matched route, if any."""
        return self.request.blueprint

    @property
    def requested_subprotocols(self) -> list[str]:
        """The subprotocols the client offered (``Sec-WebSocket-Protocol``), in its order
        of preference."""
        return list(self._scope.get("subprotocols") or ())

    # -- state -------------------------------------------------------------------------

    @property
    def accepted(self) -> bool:
        """Whether the connection was accepted (it may have been closed since)."""
        return self._state in (_OPEN, _CLOSED)

    @property
    def closed(self) -> bool:
        """Whether the connection is over: closed by either side, or refused."""
        return self._state in (_CLOSED, _REFUSED)

    def _closed_error(self) -> WebSocketDisconnect:
        if self._state == _REFUSED:
            return WebSocketDisconnect(
                self.close_code or _CLOSE_POLICY, "the handshake was refused"
            )
        return WebSocketDisconnect(
            self.close_code if self.close_code is not None else _CLOSE_NORMAL,
            self.close_reason or "",
        )

    def _mark_closed(self, code: int, reason: str) -> None:
        self._state = _REFUSED if self._state == _PENDING else _CLOSED
        self.close_code = code
        self.close_reason = reason

    # -- messages ----------------------------------------------------------------------

    async def accept(
        self,
        subprotocol: str | None = None,
        headers: Headers | t.Mapping[str, str] | t.Iterable[tuple[str, str]] | None = None,
    ) -> None:
        """Accept the connection, choosing ``subprotocol`` (one of
        :attr:`requested_subprotocols`) and adding ``headers`` to the handshake's answer.

        Sending or receiving accepts implicitly (no subprotocol, no extra headers).
        :raise RuntimeError: the connection was already accepted, closed or refused.
        :raise ValueError: the client did not offer ``subprotocol``.
        """
        if self._state != _PENDING:
            raise RuntimeError(f"The WebSocket connection cannot be accepted: it is {self._state}.")
        if subprotocol is not None and subprotocol not in self.requested_subprotocols:
            raise ValueError(
                f"The client did not offer the subprotocol {subprotocol!r}; it offered"
                f" {self.requested_subprotocols!r}."
            )
        message: Message = {"type": "websocket.accept", "subprotocol": subprotocol}
        if headers:
            message["headers"] = _encode_headers(Headers(headers).to_wsgi_list())
        # The state changes before the await: a concurrent send must not accept again.
        self._state = _OPEN
        self.subprotocol = subprotocol
        await self._send(message)

    async def receive(self) -> str | bytes:
        """Wait for the next message: ``str`` for a text message, ``bytes`` for a binary
        one. Accepts the connection first if needed.

        :raise WebSocketDisconnect: the client disconnected (its code and reason), or the
            connection was closed before.
        """
        if self._state == _PENDING:
            await self.accept()
        elif self._state != _OPEN:
            raise self._closed_error()
        message = await self._receive()
        kind = message["type"]
        if kind == "websocket.receive":
            return message_data(message)
        if kind == "websocket.disconnect":
            self._mark_closed(message.get("code", 1005), message.get("reason") or "")
            raise self._closed_error()
        raise RuntimeError(f"Unexpected ASGI message {kind!r} on a WebSocket connection.")

    async def send(self, data: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message. Accepts the connection
        first if needed.

        :raise TypeError: ``data`` is neither (use :meth:`send_json` for other values).
        :raise WebSocketDisconnect: the connection is closed.
        """
        message = data_message("websocket.send", data)
        if self._state == _PENDING:
            await self.accept()
        elif self._state != _OPEN:
            raise self._closed_error()
        try:
            await self._send(message)
        except OSError as e:
            # ASGI servers raise an OSError subclass when the client has gone.
            self._mark_closed(_CLOSE_ABNORMAL, "")
            raise self._closed_error() from e

    async def receive_json(self) -> t.Any:
        """Receive a message and parse it as JSON with the app's JSON provider.

        :raise BadRequest: the message is not valid JSON; unhandled, it closes the
            connection with 1008.
        """
        data = await self.receive()
        try:
            return self._json.loads(data)
        except ValueError as e:
            raise BadRequest("The WebSocket message is not valid JSON.") from e

    async def send_json(self, obj: t.Any) -> None:
        """Send ``obj`` as a JSON text message (the app's JSON provider)."""
        await self.send(self._json.dumps(obj))

    async def close(self, code: int = _CLOSE_NORMAL, reason: str = "") -> None:
        """Close the connection with ``code`` and ``reason``; nothing happens if it is
        already closed. Before acceptance this refuses the handshake (servers answer 403).
        """
        if self._state in (_CLOSED, _REFUSED):
            return
        self._mark_closed(code, reason)
        try:
            await self._send({"type": "websocket.close", "code": code, "reason": reason})
        except OSError:
            pass  # the client has gone already

    def __aiter__(self) -> WebSocket:
        return self

    async def __anext__(self) -> str | bytes:
        """``async for message in websocket``: the messages until the client disconnects."""
        try:
            return await self.receive()
        except WebSocketDisconnect:
            raise StopAsyncIteration from None

    async def _refuse(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        """Answer the handshake with an HTTP response, or close it where the server lacks
        the ``websocket.http.response`` extension (the client then sees 403)."""
        if "websocket.http.response" not in (self._scope.get("extensions") or {}):
            await self.close(_CLOSE_POLICY)
            return
        self._state = _REFUSED
        self.close_code = _CLOSE_POLICY
        await self._send(
            {
                "type": "websocket.http.response.start",
                "status": status,
                "headers": _encode_headers(headers),
            }
        )
        await self._send({"type": "websocket.http.response.body", "body": body})


def data_message(kind: str, data: str | bytes) -> Message:
    """The ASGI message ``kind`` (``websocket.send`` or ``websocket.receive``) carrying
    ``data``: ``text`` for ``str``, ``bytes`` for bytes-like values.

    :raise TypeError: ``data`` is neither.
    """
    if isinstance(data, str):
        return {"type": kind, "text": data}
    if isinstance(data, (bytes, bytearray, memoryview)):
        return {"type": kind, "bytes": bytes(data)}
    raise TypeError(
        f"A WebSocket message is str or bytes, not {type(data).__name__};"
        " use send_json() for other values."
    )


def message_data(message: Message) -> str | bytes:
    """The data of a ``websocket.send``/``websocket.receive`` message: its ``text``, else
    its ``bytes``."""
    text = message.get("text")
    if text is not None:
        return t.cast(str, text)
    return t.cast(bytes, message.get("bytes") or b"")


def _encode_headers(headers: t.Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]


# -- serving a connection -----------------------------------------------------------------


async def _run(mode: bridge.Mode, func: t.Callable[..., _T], *args: t.Any) -> _T:
    """Run a framework step (sync code that calls user code through ``ensure_sync``) in
    loop mode: in a greenlet on the loop, sharing the connection's context; sync user
    functions go to the connection's lane, ``async def`` ones are awaited on the loop."""
    return await bridge.run_pipeline(mode, True, func, *args)


async def handle_websocket(app: Flask, scope: t.Any, receive: Receive, send: Send) -> None:
    """Serve one WebSocket connection to ``app`` (an ASGI ``websocket`` scope).

    Called by the app's ASGI entry point for ``scope["type"] == "websocket"``. With
    ``PROPAGATE_EXCEPTIONS`` (testing or debug mode by default) an unhandled exception is
    re-raised after the connection was closed and teardown ran, else it is logged.
    """
    message = await receive()
    if message["type"] != "websocket.connect":
        return  # the client left before the handshake
    # The first connection of a server without lifespan runs the before_serving
    # functions, as the first HTTP request does.
    runtime = await serving_runtime(app)
    request = _handshake_request(app, scope)
    ws = WebSocket(request, scope, receive, send, app.json)
    ctx = RequestContext(app, None, request=request)
    # The whole connection runs in loop mode, its sync work in one lane (one thread).
    mode = runtime.mode(True)
    mode_token = _cv_asgi_mode.set(mode)
    unhandled: Exception | None = None
    propagate = False
    try:
        token = await _run(mode, _push, ctx, ws)
        try:
            unhandled, propagate = await _serve(app, ws, mode)
        finally:
            teardown_error = unhandled
            if teardown_error is not None and app.should_ignore_error(teardown_error):
                teardown_error = None
            await _run(mode, _pop, ctx, token, teardown_error)
    finally:
        _cv_asgi_mode.reset(mode_token)
        mode.close()
    if unhandled is not None and propagate:
        raise unhandled


def _push(ctx: RequestContext, ws: WebSocket) -> contextvars.Token[WebSocket]:
    ctx.push()
    return _cv_websocket.set(ws)


def _pop(ctx: RequestContext, token: contextvars.Token[WebSocket], exc: Exception | None) -> None:
    _cv_websocket.reset(token)
    ctx.pop(exc)


async def _serve(app: Flask, ws: WebSocket, mode: bridge.Mode) -> tuple[Exception | None, bool]:
    """Run the hooks and the handler, then answer or close the connection. Returns the
    unhandled exception, if any, and whether it propagates (``PROPAGATE_EXCEPTIONS``)."""
    request = ws.request
    response: Response | None = None
    unhandled: Exception | None = None
    try:
        if request.routing_exception is not None:
            raise request.routing_exception
        rv = await _preprocess(app, request)
        if rv is None:
            rv = await _call_handler(app, request)
        if rv is not None and ws._state == _PENDING:
            response = await _run(mode, app.make_response, rv)
    except WebSocketDisconnect:
        pass  # the client has gone: nothing to answer
    except Exception as e:
        if ws._state == _PENDING:
            # Refused before accepting: HTTP errors and registered error handlers answer.
            try:
                response = await _run(mode, _handle_user_exception, app, e)
            except Exception as e2:
                unhandled = e2
        elif isinstance(e, HTTPException):
            code = _CLOSE_ERROR if (e.code or 500) >= 500 else _CLOSE_POLICY
            await ws.close(code, _close_reason(e.description or e.name))
        else:
            unhandled = e

    if unhandled is None:
        try:
            response = await _postprocess(app, request, response)
        except Exception as e:
            unhandled, response = e, None

    propagate = False
    if unhandled is not None:
        propagate = await _run(mode, _report_exception, app, unhandled)
        if ws._state == _PENDING:
            try:
                response = await _run(mode, _server_error_response, app, unhandled)
            except Exception:
                app.logger.exception("Answering a WebSocket handshake with 500 failed")
                response = None
        else:
            await ws.close(_CLOSE_ERROR, "Internal Server Error")

    try:
        if ws._state == _PENDING:
            if response is None:
                await ws.close(_CLOSE_POLICY)  # the handler returned without accepting
            else:
                status, headers, body = await _run(mode, _finish_response, app, response)
                await ws._refuse(status, headers, body)
        elif ws._state == _OPEN:
            await ws.close(_CLOSE_NORMAL)
    except OSError:
        pass  # the client has gone while we answered
    return unhandled, propagate


async def _preprocess(app: Flask, request: Request) -> t.Any:
    """URL value preprocessors, then ``before_websocket`` functions (app first): the first
    non-None return value, or ``None``."""
    if not app.url_value_preprocessors and not app.before_websocket_funcs:
        return None
    names = (None, *reversed(request.blueprints))
    for name in names:
        for url_func in app.url_value_preprocessors.get(name, ()):
            await bridge.call(app, url_func, request.endpoint, request.view_args)
    for name in names:
        for before_func in app.before_websocket_funcs.get(name, ()):
            rv = await bridge.call(app, before_func)
            if rv is not None:
                return rv
    return None


async def _call_handler(app: Flask, request: Request) -> t.Any:
    rule = request.url_rule
    assert rule is not None
    handler = app.view_functions[rule.endpoint]
    rv = handler(**(request.view_args or {}))
    if not inspect.isawaitable(rv):
        raise TypeError(
            f"The WebSocket handler for the endpoint {rule.endpoint!r} is not an 'async def'"
            " function. Define it with 'async def'."
        )
    return await rv


async def _postprocess(app: Flask, request: Request, response: Response | None) -> Response | None:
    """``after_websocket`` functions, blueprints first, each in reverse registration order."""
    if not app.after_websocket_funcs:
        return response
    for name in chain(request.blueprints, (None,)):
        for func in reversed(app.after_websocket_funcs.get(name, ())):
            response = await bridge.call(app, func, response)
    return response


def _handle_user_exception(app: Flask, error: Exception) -> Response:
    """The response of ``app.handle_user_exception`` to ``error`` (HTTP errors, registered
    handlers); re-raises it when nothing handles it."""
    try:
        # Flask's method re-raises with a bare ``raise``: it needs the exception active.
        raise error
    except Exception as e:
        return app.make_response(app.handle_user_exception(e))


def _close_reason(text: str) -> str:
    """``text`` cut to what fits a close frame (123 UTF-8 bytes)."""
    data = text.encode("utf-8")
    if len(data) <= _MAX_REASON:
        return text
    return data[:_MAX_REASON].decode("utf-8", "ignore")


def _report_exception(app: Flask, error: Exception) -> bool:
    """Send ``got_request_exception`` and log ``error`` unless exceptions propagate
    (``PROPAGATE_EXCEPTIONS``, by default in testing or debug mode); return whether they do."""
    if _signals.got_request_exception.receivers:
        _signals.got_request_exception.send(app, _async_wrapper=app.ensure_sync, exception=error)
    propagate = app.config["PROPAGATE_EXCEPTIONS"]
    if propagate is None:
        propagate = app.testing or app.debug
    if not propagate:
        app.log_exception((type(error), error, t.cast(TracebackType, error.__traceback__)))
    return bool(propagate)


def _server_error_response(app: Flask, error: Exception) -> Response:
    """The 500 answer to a refused handshake: the ``InternalServerError`` handler's
    response, if one is registered."""
    server_error: t.Any = InternalServerError(original_exception=error)
    handler = app._find_error_handler(server_error, _cv_request.get().request.blueprints)
    if handler is not None:
        server_error = app.ensure_sync(handler)(server_error)
    return app.make_response(server_error)


def _finish_response(app: Flask, response: Response) -> tuple[int, list[tuple[str, str]], bytes]:
    """Save the session into the handshake's response; return its status, final headers
    and body."""
    ctx = _cv_request.get()
    session = ctx._session_obj
    interface = app.session_interface
    if session is not None and not interface.is_null_session(session):
        interface.save_session(app, session, response)
    try:
        body = b"".join(response.iter_encoded())
        headers = response._final_headers() or response.headers.to_wsgi_list()
    finally:
        response.close()
    return response.status_code, headers, body


def _handshake_request(app: Flask, scope: t.Any) -> Request:
    """The handshake as a request of the app's ``request_class``. Its scheme is the
    handshake's HTTP one (``http``/``https``, as under WSGI), so code comparing it with
    an ``Origin`` or building HTTP URLs sees what a browser sees; ``websocket.url`` has
    the ``ws``/``wss`` scheme."""
    secure = scope.get("scheme") in ("wss", "https")
    return app.request_class.from_asgi({**scope, "scheme": "https" if secure else "http"})


def warn_websocket_routes_under_wsgi(app: Flask) -> None:
    """Log a warning (once per app) when ``app``, served over WSGI, has WebSocket routes:
    they are served only over ASGI."""
    if app.__dict__.get("_websocket_wsgi_warned"):
        return
    app.__dict__["_websocket_wsgi_warned"] = True
    rules = [rule.rule for rule in app.url_map.iter_rules() if rule.websocket]
    if rules:
        app.logger.warning(
            "The app has WebSocket routes (%s), which are not served over WSGI: connections"
            " to them are answered 400. Serve the app with an ASGI server (for example"
            " 'uvicorn module:app') to serve them.",
            ", ".join(rules),
        )
