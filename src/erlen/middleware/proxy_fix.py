"""Trust the ``X-Forwarded-*`` headers set by the proxies in front of the application.

Behind a reverse proxy, the server sees the proxy as the client, and the URL the proxy
requested rather than the one the client did. Proxies record the originals in
``X-Forwarded-For``, ``-Proto``, ``-Host``, ``-Port`` and ``-Prefix``. Each proxy appends its
value to the right of what it received, so only the rightmost values were written by
proxies; anything to their left came from the client and may be forged. :class:`ProxyFix`
must therefore be told how many proxies set each header.

:class:`ProxyFix` wraps a WSGI application (``app.wsgi_app``) or an ASGI one
(``app.asgi_app``), with the same trust rules for both.
"""

from __future__ import annotations

import inspect
import re
import typing as t
from dataclasses import dataclass

from ..sansio.utils import host_is_trusted

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    _Scope = t.MutableMapping[str, t.Any]
    _Receive = t.Callable[[], t.Awaitable[t.MutableMapping[str, t.Any]]]
    _Send = t.Callable[[t.MutableMapping[str, t.Any]], t.Awaitable[None]]
    ASGIApplication = t.Callable[[_Scope, _Receive, _Send], t.Awaitable[None]]

__all__ = ["ProxyFix"]

# The schemes a request through a proxy can have been made with.
_SCHEMES = frozenset(("http", "https", "ws", "wss"))
# A path that cannot turn into a different origin ("//host", "/\host") or carry a query.
_prefix_re = re.compile(r"/(?![/\\])[^\x00-\x20\x7f\\?#]*", re.ASCII)


def _valid_port(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= 5 and 0 < int(value) <= 65535


def _is_async_callable(app: object) -> bool:
    """Whether ``app`` is an ASGI 3 application (a coroutine function or an object whose
    ``__call__`` attribute is one, as servers detect it)."""
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(
        getattr(app, "__call__", None)  # noqa: B004 - the attribute is what servers read
    )


def _split_host(host: str) -> tuple[str, str | None]:
    """Split ``host[:port]``; a bracketed IPv6 address without a port has no port."""
    # "]" at the end: an IPv6 address whose colons are not a port separator.
    if ":" in host and not host.endswith("]"):
        name, _, port = host.rpartition(":")
        return name, port
    return host, None


@dataclass(frozen=True)
class _Forwarded:
    """The trusted, valid values of the ``X-Forwarded-*`` headers of one request."""

    for_: str | None
    proto: str | None  # lowercased
    host: str | None
    port: str | None
    prefix: str | None


class ProxyFix:
    """Adjust the request from the ``X-Forwarded-*`` headers that proxies set.

    Under WSGI (``app.wsgi_app = ProxyFix(app.wsgi_app, ...)``) the environ changes:

    - ``X-Forwarded-For`` sets ``REMOTE_ADDR``.
    - ``X-Forwarded-Proto`` sets ``wsgi.url_scheme``.
    - ``X-Forwarded-Host`` sets ``HTTP_HOST``, ``SERVER_NAME`` and ``SERVER_PORT``.
    - ``X-Forwarded-Port`` sets the port of ``HTTP_HOST`` and ``SERVER_PORT``.
    - ``X-Forwarded-Prefix`` sets ``SCRIPT_NAME``.

    Under ASGI (``app.asgi_app = ProxyFix(app.asgi_app, ...)``), for ``http`` and
    ``websocket`` scopes, a copy of the scope changes the same way (``lifespan`` passes
    through untouched):

    - ``X-Forwarded-For`` sets the host of ``scope["client"]`` (its port is kept, as
      ``REMOTE_PORT`` is under WSGI).
    - ``X-Forwarded-Proto`` sets ``scope["scheme"]``: ``https`` or ``wss`` make it
      ``https`` for HTTP and ``wss`` for websockets, ``http`` or ``ws`` make it ``http`` or
      ``ws``.
    - ``X-Forwarded-Host`` replaces the ``Host`` header and ``scope["server"]`` (its port
      only if the value has one).
    - ``X-Forwarded-Port`` sets the port of the ``Host`` header and of ``scope["server"]``.
    - ``X-Forwarded-Prefix`` sets ``scope["root_path"]`` and puts the prefix in front of
      ``path`` and ``raw_path`` (in ASGI the path includes the root path; the proxy
      removed the prefix from the path it forwarded).

    The scope values before the change are kept in ``scope["erlen.proxy_fix.orig"]``
    (keys ``client``, ``scheme``, ``server``, ``host`` (the header, decoded),
    ``root_path``, ``path`` and ``raw_path``).

    Each ``x_*`` argument is the number of proxies that set that header, and so the number
    of values, counted from the right, that are trusted: the value used is the
    ``x_*``-th from the right. A header with fewer values than that is ignored, as is one
    whose chosen value is empty; ``0`` disables a header. Trusting more values than there
    are proxies lets a client pick the value, which is a security hole.

    Under WSGI the environ values before the change are kept in the dict
    ``environ["werkzeug.proxy_fix.orig"]`` (Werkzeug's key, so code reading it ports
    unchanged).

    Differences from Werkzeug, so that a value a trusted proxy could not have written is
    never used:

    - Values are split on every comma; double quotes have no meaning. The values written by
      the proxies are then always the rightmost ones, whatever the client sent, while
      Werkzeug's quote-aware parsing lets a client's unclosed quote swallow them.
    - Empty values count as values (Werkzeug drops them), so they can't shift which value
      is chosen; an empty chosen value is ignored.
    - A chosen value is ignored if it is not valid for its header: ``X-Forwarded-Proto`` must
      be ``http``, ``https``, ``ws`` or ``wss`` in any case (it is lowercased), ``X-Forwarded-Host`` a host with an optional port
      in 1-65535, ``X-Forwarded-Port`` a port in 1-65535, and ``X-Forwarded-Prefix`` a path
      starting with a single ``/`` with no whitespace, control characters, ``\\``, ``?`` or
      ``#``.

    :param app: The WSGI or ASGI application to wrap. Called with two arguments the
        middleware is a WSGI application, with three an ASGI 3 one. When ``app`` is an
        ASGI application (a coroutine function, or an object whose ``__call__`` is one,
        like ``app.asgi_app`` or an erlen app), servers that inspect the middleware
        (uvicorn, hypercorn) detect it as ASGI 3 too.
    :param x_for: Number of values to trust for ``X-Forwarded-For``.
    :param x_proto: Number of values to trust for ``X-Forwarded-Proto``.
    :param x_host: Number of values to trust for ``X-Forwarded-Host``.
    :param x_port: Number of values to trust for ``X-Forwarded-Port``.
    :param x_prefix: Number of values to trust for ``X-Forwarded-Prefix``.

    .. code-block:: python

        from erlen.middleware.proxy_fix import ProxyFix

        # The app is behind one proxy that sets the -For, -Proto and -Host headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
        # The same under an ASGI server:
        app.asgi_app = ProxyFix(app.asgi_app, x_for=1, x_proto=1, x_host=1)
    """

    def __init__(
        self,
        app: WSGIApplication | ASGIApplication,
        x_for: int = 1,
        x_proto: int = 1,
        x_host: int = 0,
        x_port: int = 0,
        x_prefix: int = 0,
    ) -> None:
        self.app = app
        if _is_async_callable(app):
            # Servers decide between ASGI 3, ASGI 2 and WSGI by inspecting the *attribute*
            # ``__call__`` (uvicorn: asyncio.iscoroutinefunction, hypercorn: inspect's),
            # while calling the object uses ``type(self).__call__``. An async function in
            # the instance dict makes the detection say ASGI 3 and leaves calls alone.
            self.__dict__["__call__"] = self._asgi_call
        self.x_for = x_for
        self.x_proto = x_proto
        self.x_host = x_host
        self.x_port = x_port
        self.x_prefix = x_prefix

    def _get_real_value(self, trusted: int, value: str | None) -> str | None:
        """Return the ``trusted``-th value from the right of a comma list header.

        :param trusted: Number of values to trust in the header.
        :param value: The header value, a comma separated list.
        :return: The stripped value, or ``None`` if ``trusted`` is not positive, the
            header is missing, it has fewer than ``trusted`` values or the value is empty.
        """
        if trusted <= 0 or not value:
            return None
        # At most trusted + 1 pieces: the rightmost ``trusted`` are single values, the
        # first (if any) is the untrusted rest, never looked at.
        values = value.rsplit(",", trusted)
        if len(values) < trusted:
            return None
        return values[-trusted].strip(" \t") or None

    def _forwarded(self, get: t.Callable[[str], str | None]) -> _Forwarded:
        """The values to use, each trusted and valid for its header, else ``None``.

        :param get: Looks a header up by its WSGI environ key (``HTTP_X_FORWARDED_FOR``).
        """
        x_proto = self._get_real_value(self.x_proto, get("HTTP_X_FORWARDED_PROTO"))
        x_host = self._get_real_value(self.x_host, get("HTTP_X_FORWARDED_HOST"))
        x_port = self._get_real_value(self.x_port, get("HTTP_X_FORWARDED_PORT"))
        x_prefix = self._get_real_value(self.x_prefix, get("HTTP_X_FORWARDED_PREFIX"))
        return _Forwarded(
            for_=self._get_real_value(self.x_for, get("HTTP_X_FORWARDED_FOR")),
            proto=x_proto.lower() if x_proto and x_proto.lower() in _SCHEMES else None,
            host=x_host if x_host and host_is_trusted(x_host) else None,
            port=x_port if x_port and _valid_port(x_port) else None,
            prefix=x_prefix if x_prefix and _prefix_re.fullmatch(x_prefix) else None,
        )

    @t.overload
    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse, /
    ) -> t.Iterable[bytes]: ...
    @t.overload
    def __call__(
        self, scope: _Scope, receive: _Receive, send: _Send, /
    ) -> t.Coroutine[t.Any, t.Any, None]: ...
    def __call__(self, *args: t.Any) -> t.Any:
        """Serve a WSGI call (two arguments) or return the ASGI call's coroutine (three)."""
        if len(args) == 3:
            return self._asgi_call(*args)
        return self._wsgi_call(*args)

    def _wsgi_call(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        """Rewrite the environ from the trusted headers, then call the wrapped app."""
        get = environ.get
        environ["werkzeug.proxy_fix.orig"] = {
            "REMOTE_ADDR": get("REMOTE_ADDR"),
            "wsgi.url_scheme": get("wsgi.url_scheme"),
            "HTTP_HOST": get("HTTP_HOST"),
            "SERVER_NAME": get("SERVER_NAME"),
            "SERVER_PORT": get("SERVER_PORT"),
            "SCRIPT_NAME": get("SCRIPT_NAME"),
        }
        fwd = self._forwarded(get)
        if fwd.for_:
            environ["REMOTE_ADDR"] = fwd.for_
        if fwd.proto:
            environ["wsgi.url_scheme"] = fwd.proto
        if fwd.host:
            environ["HTTP_HOST"] = fwd.host
            name, port = _split_host(fwd.host)
            environ["SERVER_NAME"] = name
            if port is not None:
                environ["SERVER_PORT"] = port
        if fwd.port:
            host = get("HTTP_HOST")
            if host:
                environ["HTTP_HOST"] = f"{_split_host(host)[0]}:{fwd.port}"
            environ["SERVER_PORT"] = fwd.port
        if fwd.prefix:
            environ["SCRIPT_NAME"] = fwd.prefix
        return t.cast("WSGIApplication", self.app)(environ, start_response)

    async def _asgi_call(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        """Call the wrapped ASGI app with a copy of ``scope`` rewritten from the trusted
        headers (``http`` and ``websocket`` scopes; others pass through)."""
        app = t.cast("ASGIApplication", self.app)
        kind = scope.get("type")
        if kind != "http" and kind != "websocket":
            await app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or ())
        joined: dict[str, str] = {}
        for raw_name, raw_value in headers:
            key = "HTTP_" + raw_name.decode("latin-1").upper().replace("-", "_")
            value = raw_value.decode("latin-1")
            # Repeated headers read as one comma list, as WSGI servers join them.
            joined[key] = f"{joined[key]},{value}" if key in joined else value
        fwd = self._forwarded(joined.get)

        scope = dict(scope)
        host = joined.get("HTTP_HOST")
        scope["erlen.proxy_fix.orig"] = {
            "client": scope.get("client"),
            "scheme": scope.get("scheme"),
            "server": scope.get("server"),
            "host": host,
            "root_path": scope.get("root_path", ""),
            "path": scope.get("path"),
            "raw_path": scope.get("raw_path"),
        }
        if fwd.for_:
            client = scope.get("client")
            scope["client"] = (fwd.for_, client[1] if client else 0)
        if fwd.proto:
            secure = fwd.proto in ("https", "wss")
            if kind == "http":
                scope["scheme"] = "https" if secure else "http"
            else:
                scope["scheme"] = "wss" if secure else "ws"
        server = scope.get("server")
        new_host = host
        if fwd.host:
            new_host = fwd.host
            name, port = _split_host(fwd.host)
            if port is not None:
                server_port = int(port)
            elif server and server[1] is not None:
                server_port = server[1]
            else:  # a Unix socket has no port: the scheme's default
                server_port = 443 if scope.get("scheme") in ("https", "wss") else 80
            scope["server"] = server = (name, server_port)
        if fwd.port:
            if new_host:
                new_host = f"{_split_host(new_host)[0]}:{fwd.port}"
            name = server[0] if server and server[1] is not None else _split_host(new_host or "")[0]
            scope["server"] = (name, int(fwd.port))
        if new_host != host and new_host is not None:
            encoded = new_host.encode("latin-1")
            headers = [(n, v) for n, v in headers if n.lower() != b"host"]
            headers.append((b"host", encoded))
            scope["headers"] = headers
        if fwd.prefix:
            old_root = scope.get("root_path", "")
            path = scope.get("path", "")
            if old_root and path.startswith(old_root):
                path = path[len(old_root) :]
            scope["root_path"] = fwd.prefix
            scope["path"] = fwd.prefix + path
            raw_path = scope.get("raw_path")
            if raw_path is not None:
                raw_root = old_root.encode("utf-8")
                if raw_root and raw_path.startswith(raw_root):
                    raw_path = raw_path[len(raw_root) :]
                scope["raw_path"] = fwd.prefix.encode("utf-8") + raw_path
        await app(scope, receive, send)
