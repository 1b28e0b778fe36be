"""The debug page under ASGI: :class:`DebuggedASGIApplication`.

``erlen run`` wraps an app it serves over ASGI (websocket routes, or ``--asgi``) in this
middleware when the debugger is on. It is the ASGI twin of the WSGI
:class:`erlen.debug.DebuggedApplication`, sharing its page: when the app raises before the
response started (in debug mode erlen apps let exceptions propagate instead of answering the
stock 500 page), the middleware answers the page rendered by
:meth:`erlen.debug.tbtools.DebugTraceback.render_page` for a
:class:`~erlen.debug.tbtools.RequestInfo` built from the scope, and writes the plain-text
traceback to standard error. As with the WSGI page, nothing on it runs code, and it shows
source code and request headers: never enable it in production.

Websocket and lifespan scopes pass through: a websocket handler's error closes the
connection with 1011 and is logged by the app.
"""

from __future__ import annotations

import sys
import typing as t
from urllib.parse import quote

from ..debug.tbtools import DebugTraceback, RequestInfo, _parsed_form_fields

__all__ = ["DebuggedASGIApplication", "request_info_from_scope"]

_Scope = t.MutableMapping[str, t.Any]
_Message = t.MutableMapping[str, t.Any]
_Receive = t.Callable[[], t.Awaitable[_Message]]
_Send = t.Callable[[_Message], t.Awaitable[None]]
_ASGIApp = t.Callable[[_Scope, _Receive, _Send], t.Awaitable[None]]


def _header(scope: _Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _url(scope: _Scope) -> str:
    scheme = scope.get("scheme", "http")
    host = _header(scope, b"host")
    if not host:
        server = scope.get("server")
        if server and server[1] is not None:
            name, port = server
            default = (scheme, port) in (("http", 80), ("https", 443), ("ws", 80), ("wss", 443))
            host = name if default else f"{name}:{port}"
        else:
            host = "localhost"
    raw_path = scope.get("raw_path")
    if raw_path:
        # As the client sent it (percent-encoded); the path includes the root path.
        path = bytes(raw_path).decode("latin-1")
    else:
        path = quote(scope.get("path", "/").encode("utf-8"), safe="/;:@&=+$,!~*'()%")
    query = bytes(scope.get("query_string") or b"").decode("latin-1")
    return f"{scheme}://{host}{path}" + (f"?{query}" if query else "")


def request_info_from_scope(scope: _Scope, request: object = None) -> RequestInfo:
    """What the debug page shows of the ASGI request ``scope``: method, URL, headers,
    client (see :class:`~erlen.debug.tbtools.RequestInfo`). The body is never read.

    :param request: The request object, to list the names of the form fields the
        application parsed.
    """
    headers = [
        (bytes(name).decode("latin-1").title(), bytes(value).decode("latin-1"))
        for name, value in scope.get("headers") or ()
    ]
    client = scope.get("client")
    return RequestInfo(
        method=scope.get("method", "GET"),
        url=_url(scope),
        headers=headers,
        client=client[0] if client else None,
        form_fields=_parsed_form_fields(request),
        interface="ASGI",
    )


class DebuggedASGIApplication:
    """ASGI middleware answering the debug page when the wrapped app raises.

    The ASGI counterpart of :class:`erlen.debug.DebuggedApplication` (no console, nothing
    runs code). If the exception comes after the response started, no page can be sent:
    the error is logged and re-raised, so the server closes the connection and the client
    cannot take a partial body for a whole one.

    :param app: The ASGI 3 application to wrap (e.g. an erlen app, or its ``asgi_app``).
    :param show_hidden_frames: Include frames that set ``__traceback_hide__``.
    """

    def __init__(self, app: _ASGIApp, show_hidden_frames: bool = False) -> None:
        self.app = app
        self.show_hidden_frames = show_hidden_frames

    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        """Serve the request through the wrapped app, answering the debug page on errors."""
        __traceback_hide__ = True  # noqa: F841 - hides this frame from the page
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        # An erlen app hands its contexts to this hook before popping them, as under WSGI
        # (``werkzeug.debug.preserve_context``, passed in the ``erlen.environ`` extension,
        # whose keys the request's compatibility environ shows): the page can then list
        # the parsed form's field names.
        contexts: list[t.Any] = []
        extensions = dict(scope.get("extensions") or {})
        environ_extra = dict(extensions.get("erlen.environ") or {})
        environ_extra["werkzeug.debug.preserve_context"] = contexts.append
        extensions["erlen.environ"] = environ_extra
        scope = {**scope, "extensions": extensions}

        async def tracking_send(message: _Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as e:
            request = next((c.request for c in contexts if hasattr(c, "request")), None)
            info = request_info_from_scope(scope, request)
            if started:
                _write(
                    f"erlen debugger: {info.method} {info.url} failed after the response"
                    " started; no debug page can be sent, closing the connection.\n"
                )
                raise
            tb = DebugTraceback(e, hide=not self.show_hidden_frames)
            _write(f"Error on request {info.method} {info.url}:\n{tb.render_traceback_text()}")
            page = tb.render_page(info).encode("utf-8")
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"text/html; charset=utf-8"),
                        (b"content-length", str(len(page)).encode("ascii")),
                        (b"cache-control", b"no-store"),
                        (
                            b"content-security-policy",
                            b"default-src 'none'; style-src 'unsafe-inline'",
                        ),
                        (b"x-content-type-options", b"nosniff"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": page, "more_body": False})


def _write(text: str) -> None:
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - logging must not hide the original error
        pass
