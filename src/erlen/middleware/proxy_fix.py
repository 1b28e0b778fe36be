"""Trust the ``X-Forwarded-*`` headers set by the proxies in front of the application.

Behind a reverse proxy, the WSGI server sees the proxy as the client, and the URL the proxy
requested rather than the one the client did. Proxies record the originals in
``X-Forwarded-For``, ``-Proto``, ``-Host``, ``-Port`` and ``-Prefix``. Each proxy appends its
value to the right of what it received, so only the rightmost values were written by
proxies; anything to their left came from the client and may be forged. :class:`ProxyFix`
must therefore be told how many proxies set each header.
"""

from __future__ import annotations

import re
import typing as t

from ..sansio.utils import host_is_trusted

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["ProxyFix"]

# The schemes a request through a proxy can have been made with.
_SCHEMES = frozenset(("http", "https", "ws", "wss"))
# A path that cannot turn into a different origin ("//host", "/\host") or carry a query.
_prefix_re = re.compile(r"/(?![/\\])[^\x00-\x20\x7f\\?#]*", re.ASCII)


def _valid_port(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= 5 and 0 < int(value) <= 65535


def _split_host(host: str) -> tuple[str, str | None]:
    """Split ``host[:port]``; a bracketed IPv6 address without a port has no port."""
    # "]" at the end: an IPv6 address whose colons are not a port separator.
    if ":" in host and not host.endswith("]"):
        name, _, port = host.rpartition(":")
        return name, port
    return host, None


class ProxyFix:
    """Adjust the WSGI environ from the ``X-Forwarded-*`` headers that proxies set.

    - ``X-Forwarded-For`` sets ``REMOTE_ADDR``.
    - ``X-Forwarded-Proto`` sets ``wsgi.url_scheme``.
    - ``X-Forwarded-Host`` sets ``HTTP_HOST``, ``SERVER_NAME`` and ``SERVER_PORT``.
    - ``X-Forwarded-Port`` sets the port of ``HTTP_HOST`` and ``SERVER_PORT``.
    - ``X-Forwarded-Prefix`` sets ``SCRIPT_NAME``.

    Each ``x_*`` argument is the number of proxies that set that header, and so the number
    of values, counted from the right, that are trusted: the value used is the
    ``x_*``-th from the right. A header with fewer values than that is ignored, as is one
    whose chosen value is empty; ``0`` disables a header. Trusting more values than there
    are proxies lets a client pick the value, which is a security hole.

    The environ values before the change are kept in the dict
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

    :param app: The WSGI application to wrap.
    :param x_for: Number of values to trust for ``X-Forwarded-For``.
    :param x_proto: Number of values to trust for ``X-Forwarded-Proto``.
    :param x_host: Number of values to trust for ``X-Forwarded-Host``.
    :param x_port: Number of values to trust for ``X-Forwarded-Port``.
    :param x_prefix: Number of values to trust for ``X-Forwarded-Prefix``.

    .. code-block:: python

        from erlen.middleware.proxy_fix import ProxyFix

        # The app is behind one proxy that sets the -For, -Proto and -Host headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    """

    def __init__(
        self,
        app: WSGIApplication,
        x_for: int = 1,
        x_proto: int = 1,
        x_host: int = 0,
        x_port: int = 0,
        x_prefix: int = 0,
    ) -> None:
        self.app = app
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

    def __call__(
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

        x_for = self._get_real_value(self.x_for, get("HTTP_X_FORWARDED_FOR"))
        if x_for:
            environ["REMOTE_ADDR"] = x_for

        x_proto = self._get_real_value(self.x_proto, get("HTTP_X_FORWARDED_PROTO"))
        if x_proto and x_proto.lower() in _SCHEMES:
            environ["wsgi.url_scheme"] = x_proto.lower()

        x_host = self._get_real_value(self.x_host, get("HTTP_X_FORWARDED_HOST"))
        if x_host and host_is_trusted(x_host):
            environ["HTTP_HOST"] = x_host
            name, port = _split_host(x_host)
            environ["SERVER_NAME"] = name
            if port is not None:
                environ["SERVER_PORT"] = port

        x_port = self._get_real_value(self.x_port, get("HTTP_X_FORWARDED_PORT"))
        if x_port and _valid_port(x_port):
            host = get("HTTP_HOST")
            if host:
                environ["HTTP_HOST"] = f"{_split_host(host)[0]}:{x_port}"
            environ["SERVER_PORT"] = x_port

        x_prefix = self._get_real_value(self.x_prefix, get("HTTP_X_FORWARDED_PREFIX"))
        if x_prefix and _prefix_re.fullmatch(x_prefix):
            environ["SCRIPT_NAME"] = x_prefix

        return self.app(environ, start_response)
