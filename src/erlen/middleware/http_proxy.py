"""Proxy requests under given path prefixes to other HTTP servers, for development."""

from __future__ import annotations

import typing as t
from http import client
from urllib.parse import quote, urlsplit

from ..datastructures import EnvironHeaders
from ..exceptions import BadGateway
from ..http import is_hop_by_hop_header, parse_list_header
from ..wsgi import ClosingIterator, _wsgi_bytes, get_content_length, get_input_stream

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["ProxyMiddleware"]

# Characters kept as they are in the forwarded path: a URL path segment's characters
# (https://url.spec.whatwg.org/#url-path-segment-string), "/" and "%" for what is
# already quoted.
_PATH_SAFE = "!$&'()*+,/:;=@%"
# Every visible ASCII character: the query string is forwarded as sent, only bytes
# that can't appear in a request line are quoted.
_QUERY_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))


def _drop_hop_by_hop(headers: t.Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Remove hop-by-hop headers, including those named by ``Connection``."""
    headers = list(headers)
    named = {
        name.lower()
        for key, value in headers
        if key.lower() == "connection"
        for name in parse_list_header(value)
    }
    return [
        (key, value)
        for key, value in headers
        if not is_hop_by_hop_header(key) and key.lower() not in named
    ]


class ProxyMiddleware:
    """Proxy requests under given path prefixes to other HTTP(S) servers.

    Only HTTP requests can be proxied (not WebSocket): use it in development, with a
    real proxy server in production. ``targets`` maps a path prefix to the options of a
    target::

        app.wsgi_app = ProxyMiddleware(app.wsgi_app, {
            "/static/": {"target": "http://127.0.0.1:5001/"},
        })

    Options:

    ``target``
        The URL to send requests to (required).
    ``remove_prefix``
        Remove the prefix from the path and append the rest to the target's path
        (default ``False``: the path is sent unchanged and the target's path is unused).
    ``host``
        ``"<auto>"`` (default) sends the target's host as ``Host``; ``None`` keeps the
        client's ``Host``; any other value is sent as ``Host``.
    ``headers``
        A dict of extra headers to send to the target (default ``{}``).
    ``ssl_context``
        An :class:`ssl.SSLContext` to verify an HTTPS target (default ``None``).

    Prefixes are normalized to ``/prefix/``, so ``/prefix`` itself is not proxied. The
    request is forwarded without its hop-by-hop headers, its response likewise; a target
    that can't be reached or answers badly gives a 502 Bad Gateway.

    Differences from Werkzeug: headers named in ``Connection`` are dropped too; the
    ``"<auto>"`` host includes the target's port when the URL gives one; a request body
    without a length (chunked, which the server has decoded) is sent chunked with its
    final chunk (Werkzeug omits it); the query string and a non-ASCII path are sent as
    bytes, percent-encoded; a malformed response is a 502 rather than an error; the
    connection is closed when the response is closed.

    :param app: The WSGI application for paths under no prefix.
    :param targets: Maps path prefixes to target options, see above.
    :param chunk_size: Bytes per read from the request body and the response.
    :param timeout: Seconds before an operation on a target fails.
    """

    def __init__(
        self,
        app: WSGIApplication,
        targets: t.Mapping[str, dict[str, t.Any]],
        chunk_size: int = 2 << 13,
        timeout: int = 10,
    ) -> None:
        def _set_defaults(opts: dict[str, t.Any]) -> dict[str, t.Any]:
            opts.setdefault("remove_prefix", False)
            opts.setdefault("host", "<auto>")
            opts.setdefault("headers", {})
            opts.setdefault("ssl_context", None)
            return opts

        self.app = app
        self.targets = {f"/{k.strip('/')}/": _set_defaults(v) for k, v in targets.items()}
        self.chunk_size = chunk_size
        self.timeout = timeout

    def proxy_to(self, opts: dict[str, t.Any], path: str, prefix: str) -> WSGIApplication:
        """Return a WSGI application that forwards the request for ``path`` to a target.

        :param opts: The target's options.
        :param path: The request's ``PATH_INFO``.
        :param prefix: The matched prefix, as normalized in :attr:`targets`.
        """
        target = urlsplit(opts["target"])
        # The socket takes a unicode host, but the Host header must be ASCII.
        host = (target.hostname or "").encode("idna").decode("ascii")
        host_header = f"[{host}]" if ":" in host else host
        if target.port is not None:
            host_header = f"{host_header}:{target.port}"

        def application(
            environ: WSGIEnvironment, start_response: StartResponse
        ) -> t.Iterable[bytes]:
            headers = [
                (k, v)
                for k, v in _drop_hop_by_hop(EnvironHeaders(environ).items())
                if k.lower() not in ("content-length", "host")
            ]
            headers.append(("Connection", "close"))

            if opts["host"] == "<auto>":
                headers.append(("Host", host_header))
            elif opts["host"] is None:
                headers.append(("Host", environ.get("HTTP_HOST") or environ["SERVER_NAME"]))
            else:
                headers.append(("Host", opts["host"]))

            headers.extend(opts["headers"].items())
            remote_path = path

            if opts["remove_prefix"]:
                remote_path = remote_path[len(prefix) :].lstrip("/")
                remote_path = f"{target.path.rstrip('/')}/{remote_path}"

            content_length = get_content_length(environ)
            chunked = content_length is None and "wsgi.input_terminated" in environ

            if content_length is not None:
                headers.append(("Content-Length", str(content_length)))
            elif chunked:
                headers.append(("Transfer-Encoding", "chunked"))

            con: client.HTTPConnection | None = None

            try:
                if target.scheme == "http":
                    con = client.HTTPConnection(host, target.port or 80, timeout=self.timeout)
                elif target.scheme == "https":
                    con = client.HTTPSConnection(
                        host,
                        target.port or 443,
                        timeout=self.timeout,
                        context=opts["ssl_context"],
                    )
                else:
                    raise RuntimeError(
                        f"Target scheme must be 'http' or 'https', got {target.scheme!r}."
                    )

                con.connect()
                remote_url = quote(_wsgi_bytes(remote_path), safe=_PATH_SAFE)
                query = environ.get("QUERY_STRING", "")

                if query:
                    remote_url = f"{remote_url}?{quote(_wsgi_bytes(query), safe=_QUERY_SAFE)}"

                con.putrequest(environ["REQUEST_METHOD"], remote_url, skip_host=True)

                for k, v in headers:
                    con.putheader(k, v)

                con.endheaders()
                stream = get_input_stream(environ)

                if content_length is not None or chunked:
                    while True:
                        data = stream.read(self.chunk_size)

                        if not data:
                            break

                        if chunked:
                            con.send(b"%x\r\n%s\r\n" % (len(data), data))
                        else:
                            con.send(data)

                    if chunked:
                        con.send(b"0\r\n\r\n")

                resp = con.getresponse()
            except (OSError, client.HTTPException, ValueError):
                # ValueError: http.client refuses a header or method it can't send.
                if con is not None:
                    con.close()
                return BadGateway()(environ, start_response)

            start_response(
                f"{resp.status} {resp.reason}",
                [(k.title(), v) for k, v in _drop_hop_by_hop(resp.getheaders())],
            )

            def read() -> t.Iterator[bytes]:
                while True:
                    try:
                        data = resp.read(self.chunk_size)
                    except (OSError, client.HTTPException):
                        break

                    if not data:
                        break

                    yield data

            return ClosingIterator(read(), con.close)

        return application

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        """Proxy the request if its path is under a prefix, else call the wrapped app."""
        path = environ["PATH_INFO"]
        app = self.app

        for prefix, opts in self.targets.items():
            if path.startswith(prefix):
                app = self.proxy_to(opts, path, prefix)
                break

        return app(environ, start_response)
