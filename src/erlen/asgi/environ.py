"""The WSGI-style ``request.environ`` of an ASGI request: a compatibility mapping.

Under ASGI the request's attributes come from the scope; code that reads
``request.environ`` (extensions, ``send_file``, middleware-minded helpers) gets this
mapping, built from the scope on first access: the CGI keys, ``HTTP_*`` headers, the
``wsgi.*`` keys (``wsgi.input`` is the received body) and ``asgi.scope``.

Test-only: the keys of ``scope["extensions"]["erlen.environ"]`` are added as they are
(the ASGI test client carries there what a test put in the environ that a scope cannot
express, such as ``environ_base`` entries or ``werkzeug.debug.preserve_context``).
"""

from __future__ import annotations

import sys
import typing as t
from io import BytesIO
from operator import methodcaller

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment

__all__ = ["environ_from_scope", "header_environ", "header_key", "scope_paths"]

_CONTENT_KEYS = {b"content-type": "CONTENT_TYPE", b"content-length": "CONTENT_LENGTH"}
_CONTENT_KEYS_SET = frozenset(_CONTENT_KEYS.values())
_HEADER_KEYS: dict[bytes, str] = {}
_HEADER_KEYS_MAX = 512
_latin1 = methodcaller("decode", "latin-1")


def header_key(name: bytes) -> str:
    """The environ key of a header name as the scope has it (``b"x-foo"`` ->
    ``HTTP_X_FOO``; content type and length without the prefix)."""
    key = _HEADER_KEYS.get(name)
    if key is None:
        key = _CONTENT_KEYS.get(name.lower())
        if key is None:
            key = "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        if len(_HEADER_KEYS) < _HEADER_KEYS_MAX:
            _HEADER_KEYS[name] = key
    return key


def to_wsgi_str(value: str) -> str:
    """A decoded URL part in the WSGI form (its UTF-8 bytes as latin-1)."""
    if value.isascii():
        return value
    return value.encode("utf-8", "surrogateescape").decode("latin-1")


def scope_paths(scope: t.Mapping[str, t.Any]) -> tuple[str, str]:
    """``SCRIPT_NAME`` and ``PATH_INFO`` of the environ built from ``scope``."""
    root_path = scope.get("root_path") or ""
    path = scope.get("path") or "/"
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    return to_wsgi_str(root_path), to_wsgi_str(path)


def header_environ(scope: t.Mapping[str, t.Any]) -> dict[str, str]:
    """The header keys of the environ built from ``scope`` (``HTTP_*``,
    ``CONTENT_TYPE``, ``CONTENT_LENGTH``), in its order, repeated headers joined as a
    proxy would (cookies with ``"; "``), test-only environ keys included (see the
    module's docstring)."""
    keys = _header_keys(scope.get("headers") or ())
    extensions = scope.get("extensions")
    extra = extensions.get("erlen.environ") if extensions else None
    if extra:
        for key, value in extra.items():
            if key.startswith("HTTP_") or key in _CONTENT_KEYS_SET:
                keys[key] = value
    return keys


def _header_keys(headers: t.Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    try:
        # PERF: built by C code (zip, map, dict) when every name was seen before and
        # none is repeated, which is nearly always; else by the loop below.
        names, values = zip(*headers, strict=True)
        environ = dict(zip(map(_HEADER_KEYS.__getitem__, names), map(_latin1, values), strict=True))
        if len(environ) == len(names):
            return environ
    except (KeyError, ValueError):  # a name not seen before, or no headers
        pass
    environ = {}
    known = _HEADER_KEYS
    for name, value in headers:
        key = known.get(name) or header_key(name)
        if key in environ:
            # Repeated headers are joined as a proxy would (cookies with "; ").
            environ[key] += ("; " if key == "HTTP_COOKIE" else ",") + value.decode("latin-1")
        else:
            environ[key] = value.decode("latin-1")
    return environ


def environ_from_scope(
    scope: t.Mapping[str, t.Any],
    body: bytes | t.IO[bytes],
    headers: t.Mapping[str, str] | None = None,
) -> WSGIEnvironment:
    """Build the WSGI environ equivalent of an ASGI HTTP or websocket ``scope``; ``body``
    (bytes or a file) is its ``wsgi.input``; ``headers``, if given, is what
    :func:`header_environ` returned for the scope."""
    script_name, path_info = scope_paths(scope)
    server = scope.get("server")
    client = scope.get("client")
    http_version = scope.get("http_version") or "1.1"
    scheme = scope.get("scheme") or ("ws" if scope.get("type") == "websocket" else "http")
    environ: dict[str, t.Any] = {
        "REQUEST_METHOD": scope.get("method") or "GET",
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info,
        "QUERY_STRING": (scope.get("query_string") or b"").decode("latin-1"),
        "SERVER_NAME": server[0] if server else "localhost",
        "SERVER_PORT": str(server[1]) if server and server[1] is not None else "80",
        "SERVER_PROTOCOL": f"HTTP/{http_version}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": BytesIO(body) if type(body) is bytes else body,
        # ASGI servers end every body themselves (chunked ones too).
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "asgi.scope": scope,
    }
    if client:
        environ["REMOTE_ADDR"] = client[0]
        environ["REMOTE_PORT"] = str(client[1])
    environ.update(_header_keys(scope.get("headers") or ()) if headers is None else headers)
    extra = (scope.get("extensions") or {}).get("erlen.environ")
    if extra:
        environ.update(extra)
    return environ
