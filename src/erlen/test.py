"""Build WSGI environments and drive WSGI applications without a server.

This module mirrors ``werkzeug.test`` (Werkzeug 3.1): :class:`EnvironBuilder`,
:func:`create_environ`, :func:`run_wsgi_app`, the cookie-aware :class:`Client`
and the :class:`TestResponse` it returns, plus the multipart helpers
:func:`stream_encode_multipart` and :func:`encode_multipart`.

:class:`Client` identifies itself with ``User-Agent: erlen/<version>`` (:data:`USER_AGENT`)
unless the request already has one; Werkzeug's client sends none. :class:`EnvironBuilder`
and :func:`create_environ`, like Werkzeug's, add no ``User-Agent`` of their own.

A few deliberate improvements over Werkzeug, all invisible for ordinary use:

- ``307``/``308`` redirects followed by :meth:`Client.open` resend the original
  body even when the application already consumed it (the input stream is
  rewound when it is seekable).
- Cookies whose ``Expires``/``Max-Age`` lies in the past are dropped, both
  when received and when they expire later while stored in the jar.
- Relative ``Location`` headers are resolved against the request URL.
- ``run_wsgi_app(..., buffered=True)`` keeps data sent through ``write()``.
- :meth:`EnvironBuilder.from_environ` keeps a decoded ``?``, ``#`` or ``%``
  in ``PATH_INFO`` intact, and ``PATH_INFO`` holds the raw bytes of
  percent-escapes that are not valid UTF-8, as a real server would.
"""

from __future__ import annotations

import dataclasses
import json as _json
import mimetypes
import sys
import typing as t
from base64 import b64encode
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from functools import lru_cache
from io import BytesIO
from itertools import chain
from random import random
from tempfile import TemporaryFile
from time import time
from urllib.parse import quote, unquote_to_bytes, urljoin, urlsplit, urlunsplit

from erlen import __version__
from erlen.datastructures import (
    Authorization,
    CallbackDict,
    FileMultiDict,
    FileStorage,
    Headers,
    MultiDict,
)
from erlen.http import (
    dump_cookie,
    dump_options_header,
    get_content_type,
    parse_cookie,
    parse_date,
    parse_options_header,
)
from erlen.urls import _urlencode, iri_to_uri
from erlen.utils import cached_property
from erlen.wrappers.request import Request
from erlen.wrappers.response import Response
from erlen.wsgi import ClosingIterator, _wsgi_decode, get_current_url

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = [
    "USER_AGENT",
    "Client",
    "ClientRedirectError",
    "Cookie",
    "EnvironBuilder",
    "TestResponse",
    "create_environ",
    "encode_multipart",
    "run_wsgi_app",
    "stream_encode_multipart",
]
#: The ``User-Agent`` :class:`Client` sends when a request has none.
USER_AGENT = f"erlen/{__version__}"


_REDIRECT_CODES = frozenset((301, 302, 303, 305, 307, 308))

_PATH_SAFE = "/!$&'()*+,:;=@"


# --------------------------------------------------------------------- helpers


def _wsgi_encode(value: str) -> str:
    """Return ``value`` as a WSGI "bytes-as-latin-1" string (UTF-8 encoded)."""
    if value.isascii():  # PERF: the round trip leaves ASCII unchanged; skip it
        return value
    return value.encode().decode("latin1")


def _path_from_wsgi(path_info: str) -> str:
    """The ``path`` argument that gives back ``path_info`` (and its raw URI) unchanged.

    Text is kept as text, so a non-ASCII path round-trips ``REQUEST_URI`` too; only the
    characters the constructor would read as URL syntax (``%``, ``?``, ``#``) are escaped.
    A path that is not valid UTF-8 is percent-encoded byte for byte.
    """
    raw = path_info.encode("latin1")
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        return quote(raw, safe=_PATH_SAFE)
    return text.replace("%", "%25").replace("?", "%3F").replace("#", "%23")


def _path_to_wsgi(path: str) -> str:
    """Percent-decode a URI path into the latin-1 form used by ``PATH_INFO``."""
    if "%" not in path:
        return _wsgi_encode(path)
    # Raw bytes, like a real server: "%FF" stays the single byte 0xFF.
    return unquote_to_bytes(path).decode("latin1")


def _iter_data(data: Mapping[str, t.Any]) -> Iterator[tuple[str, t.Any]]:
    """Iterate over form data yielding all ``(key, value)`` pairs.

    Only lists (not tuples) are expanded into several values, because a tuple
    describes a file: ``(stream, filename[, content_type])``.
    """
    if isinstance(data, MultiDict):
        yield from data.items(multi=True)
    else:
        for key, value in data.items():
            if isinstance(value, list):
                for item in value:
                    yield key, item
            else:
                yield key, value


# PERF: iri_to_uri is pure; the builder converts the same few paths and base
# URLs again and again (Flask's builder passes base_url on every request).
_iri_to_uri = lru_cache(maxsize=512)(iri_to_uri)


def _basic_auth_header(username: str, password: str) -> str:
    """Return the ``Authorization`` header value for HTTP Basic auth."""
    token = b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


# ------------------------------------------------------------------- multipart


class _SpoolingWriter:
    """Write to memory until ``threshold`` bytes, then spill to a temp file."""

    __slots__ = ("on_disk", "stream", "threshold", "total")

    def __init__(self, use_tempfile: bool, threshold: int) -> None:
        self.stream: t.IO[bytes] = BytesIO()
        self.threshold = threshold if use_tempfile else -1
        self.total = 0
        self.on_disk = False

    def write(self, data: bytes) -> None:
        self.total += len(data)
        if not self.on_disk and self.threshold >= 0 and self.total > self.threshold:
            # The spooled file is handed to the caller, who owns closing it.
            spilled = t.cast(t.IO[bytes], TemporaryFile("wb+"))  # noqa: SIM115
            spilled.write(t.cast(BytesIO, self.stream).getvalue())
            self.stream = spilled
            self.on_disk = True
        self.stream.write(data)


def _part_header(
    boundary: bytes, name: str, filename: str | None, headers: list[tuple[str, str]]
) -> bytes:
    """Return the delimiter and header block (incl. blank line) of one part."""
    out = [
        b"\r\n--",
        boundary,
        b'\r\nContent-Disposition: form-data; name="',
        name.encode(),
        b'"',
    ]
    if filename is not None:
        out += [b'; filename="', filename.encode(), b'"']
    out.append(b"\r\n")
    for key, value in headers:
        out.append(f"{key}: {value}\r\n".encode())
    out.append(b"\r\n")
    return b"".join(out)


def stream_encode_multipart(
    data: Mapping[str, t.Any],
    use_tempfile: bool = True,
    threshold: int = 1024 * 500,
    boundary: str | None = None,
) -> tuple[t.IO[bytes], int, str]:
    """Encode form values and files as ``multipart/form-data``.

    ``data`` maps names to strings (or other values, which are ``str()``-ed),
    to file-like objects or :class:`~erlen.datastructures.FileStorage`
    objects, or to lists of those. The body is kept in memory until it grows
    beyond ``threshold`` bytes, after which it continues in a temporary file
    (unless ``use_tempfile`` is false).

    Returns ``(stream, length, boundary)`` with the stream positioned at 0.
    Only meant for tests, never to build bodies for untrusted peers.
    """
    return _encode_multipart_items(_iter_data(data), use_tempfile, threshold, boundary)


def _encode_multipart_items(
    items: Iterable[tuple[str, t.Any]],
    use_tempfile: bool,
    threshold: int,
    boundary: str | None,
) -> tuple[t.IO[bytes], int, str]:
    """Implement :func:`stream_encode_multipart` over ``(key, value)`` pairs."""
    if boundary is None:
        boundary = f"---------------ErlenFormPart_{time()}{random()}"
    bound = boundary.encode()
    out = _SpoolingWriter(use_tempfile, threshold)

    for key, value in items:
        if isinstance(value, FileStorage):
            reader = value.stream.read
            filename = value.filename
            content_type = value.content_type
            extra = [
                (k, v)
                for k, v in value.headers.items()
                if k.lower() not in ("content-type", "content-disposition")
            ]
        elif hasattr(value, "read"):
            reader = value.read
            filename = getattr(value, "filename", getattr(value, "name", None))
            if not isinstance(filename, str):
                filename = None
            content_type = getattr(value, "content_type", None)
            extra = []
        else:
            text = value if isinstance(value, str) else str(value)
            out.write(_part_header(bound, key, None, []))
            out.write(text.encode())
            continue

        if content_type is None:
            content_type = (
                filename and mimetypes.guess_type(filename)[0]
            ) or "application/octet-stream"
        out.write(_part_header(bound, key, filename, [("Content-Type", content_type), *extra]))
        while True:
            chunk = reader(16384)
            if not chunk:
                break
            out.write(chunk)

    out.write(b"\r\n--" + bound + b"--\r\n")
    stream = out.stream
    length = stream.tell()
    stream.seek(0)
    return stream, length, boundary


def encode_multipart(values: Mapping[str, t.Any], boundary: str | None = None) -> tuple[str, bytes]:
    """Like :func:`stream_encode_multipart` but return ``(boundary, body_bytes)``."""
    stream, _length, boundary = stream_encode_multipart(
        values, use_tempfile=False, boundary=boundary
    )
    return boundary, stream.read()


# ------------------------------------------------------------- EnvironBuilder


class EnvironBuilder:
    """Conveniently create a WSGI environment for testing purposes.

    The constructor signature is also used by :func:`create_environ` and
    :meth:`Client.open`. ``data`` may be:

    - ``str`` or ``bytes``: becomes the body (:attr:`input_stream`) and sets
      :attr:`content_length`; give a :attr:`content_type` yourself.
    - a ``dict`` or :class:`~erlen.datastructures.MultiDict` whose values (or
      lists of values) are strings (form fields), file-like objects,
      ``(stream, filename[, content_type])`` tuples or ``FileStorage``
      objects (files). Without files the body is URL-encoded, with files it
      is ``multipart/form-data``.
    - a file-like object: read into memory and used as ``bytes``.

    ``json`` serializes an object with :attr:`json_dumps` as the body and
    defaults the content type to ``application/json``. ``auth`` is an
    :class:`~erlen.datastructures.Authorization` or a ``(username, password)``
    tuple for Basic auth. ``path`` and ``base_url`` may be IRIs (non-ASCII);
    they are converted with :func:`~erlen.urls.iri_to_uri`.
    """

    #: The server protocol to use, ``HTTP/1.1`` by default.
    server_protocol = "HTTP/1.1"

    #: The WSGI version to use, ``(1, 0)`` by default.
    wsgi_version = (1, 0)

    #: The default request class used by :meth:`get_request`.
    request_class: type[Request] = Request

    #: The serialization function used when ``json`` is passed.
    json_dumps = staticmethod(_json.dumps)

    _args: MultiDict[str, str] | None
    _query_string: str | None
    _input_stream: t.IO[bytes] | None
    _form: MultiDict[str, t.Any] | None
    _files: FileMultiDict | None

    def __init__(
        self,
        path: str = "/",
        base_url: str | None = None,
        query_string: Mapping[str, str] | str | None = None,
        method: str = "GET",
        input_stream: t.IO[bytes] | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        errors_stream: t.IO[str] | None = None,
        multithread: bool = False,
        multiprocess: bool = False,
        run_once: bool = False,
        headers: Headers | Iterable[tuple[str, str]] | None = None,
        data: t.IO[bytes] | str | bytes | Mapping[str, t.Any] | None = None,
        environ_base: Mapping[str, t.Any] | None = None,
        environ_overrides: Mapping[str, t.Any] | None = None,
        mimetype: str | None = None,
        json: t.Any = None,
        auth: Authorization | tuple[str, str] | None = None,
    ) -> None:
        if "?" in path:
            if query_string is not None:
                raise ValueError("Query string is defined in the path and as an argument")
            split = urlsplit(path)
            query_string = split.query
            path_part = split.path
        elif path[:1] == "/" and path[:2] != "//" and "#" not in path:
            path_part = path  # what urlsplit would return, without the cost
        else:
            path_part = urlsplit(path).path

        self.path = _iri_to_uri(path_part)
        self.request_uri = path
        if base_url is not None:
            base_url = _iri_to_uri(base_url)
        self.base_url = base_url

        self._query_string = None
        self._args = None
        if isinstance(query_string, str):
            self.query_string = query_string
        elif query_string is not None:
            self.args = (
                query_string if isinstance(query_string, MultiDict) else MultiDict(query_string)
            )

        self.method = method
        if headers is None:
            headers = Headers()
        elif not isinstance(headers, Headers):
            headers = Headers(headers)
        self.headers = headers
        if content_type is not None:
            self.content_type = content_type
        if errors_stream is None:
            errors_stream = sys.stderr
        self.errors_stream = errors_stream
        self.multithread = multithread
        self.multiprocess = multiprocess
        self.run_once = run_once
        self.environ_base = environ_base
        self.environ_overrides = environ_overrides
        self.input_stream = input_stream
        self.content_length = content_length
        self.closed = False

        if auth is not None:
            if isinstance(auth, tuple):
                value = _basic_auth_header(auth[0], auth[1])
            else:
                value = auth.to_header()
            self.headers.set("Authorization", value)

        if json is not None:
            if data is not None:
                raise TypeError("can't provide both json and data")
            data = self.json_dumps(json)
            if self.content_type is None:
                self.content_type = "application/json"

        if data:
            if input_stream is not None:
                raise TypeError("can't provide input stream and data")
            if hasattr(data, "read"):
                data = data.read()
            if isinstance(data, str):
                data = data.encode()
            if isinstance(data, bytes):
                self.input_stream = BytesIO(data)
                if self.content_length is None:
                    self.content_length = len(data)
            else:
                for key, value in _iter_data(t.cast(Mapping[str, t.Any], data)):
                    if isinstance(value, (tuple, dict)) or hasattr(value, "read"):
                        self._add_file_from_data(key, value)
                    else:
                        self.form.add(key, value)

        if mimetype is not None:
            self.mimetype = mimetype

    @classmethod
    def from_environ(cls, environ: WSGIEnvironment, **kwargs: t.Any) -> EnvironBuilder:
        """Turn an environ dict back into a builder.

        Extra keyword arguments override the values taken from the environ.
        """
        headers = Headers()
        for key, value in environ.items():
            if key.startswith("HTTP_") and key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                headers.add(key[5:].replace("_", "-").title(), value)
        host = headers.pop("Host", None)
        if host is None:
            host = environ.get("SERVER_NAME", "localhost")
            port = environ.get("SERVER_PORT")
            default = "443" if environ["wsgi.url_scheme"] == "https" else "80"
            if port and port != default:
                host = f"{host}:{port}"
        path = _path_from_wsgi(environ.get("PATH_INFO", ""))
        out: dict[str, t.Any] = {
            "path": path,
            "base_url": cls._make_base_url(
                environ["wsgi.url_scheme"], host, _wsgi_decode(environ.get("SCRIPT_NAME", ""))
            ),
            "query_string": _wsgi_decode(environ.get("QUERY_STRING", "")),
            "method": environ["REQUEST_METHOD"],
            "input_stream": environ.get("wsgi.input"),
            "content_type": environ.get("CONTENT_TYPE") or None,
            "content_length": environ.get("CONTENT_LENGTH") or None,
            "errors_stream": environ.get("wsgi.errors"),
            "multithread": environ.get("wsgi.multithread", False),
            "multiprocess": environ.get("wsgi.multiprocess", False),
            "run_once": environ.get("wsgi.run_once", False),
            "headers": headers,
        }
        out.update(kwargs)
        return cls(**out)

    def _add_file_from_data(self, key: str, value: t.Any) -> None:
        """Add a file given in the ``data`` dict to :attr:`files`."""
        if isinstance(value, tuple):
            self.files.add_file(key, *value)
        elif isinstance(value, dict):
            self.files.add_file(key, **value)
        else:
            self.files.add_file(key, value)

    @staticmethod
    def _make_base_url(scheme: str, host: str, script_root: str) -> str:
        return urlunsplit((scheme, host, script_root, "", "")).rstrip("/") + "/"

    @property
    def base_url(self) -> str:
        """The base URL: scheme, host (name and port) and script root."""
        return self._make_base_url(self.url_scheme, self.host, self.script_root)

    @base_url.setter
    def base_url(self, value: str | None) -> None:
        if value is None:
            scheme = "http"
            netloc = "localhost"
            script_root = ""
        else:
            scheme, netloc, script_root, qs, anchor = urlsplit(value)
            if qs or anchor:
                raise ValueError("base url must not contain a query string or fragment")
        self.script_root = script_root.rstrip("/")
        self.host = netloc
        self.url_scheme = scheme

    @property
    def content_type(self) -> str | None:
        """The request content type, reflected from and to :attr:`headers`.

        Without an explicit value it is detected from :attr:`files` and
        :attr:`form`.
        """
        ct = self.headers.get("Content-Type")
        if ct is None and not self._input_stream:
            if self._files:
                return "multipart/form-data"
            if self._form:
                return "application/x-www-form-urlencoded"
            return None
        return ct

    @content_type.setter
    def content_type(self, value: str | None) -> None:
        if value is None:
            # PERF: test first; a missing-key pop() builds a KeyError.
            if "Content-Type" in self.headers:
                del self.headers["Content-Type"]
        else:
            self.headers["Content-Type"] = value

    @property
    def mimetype(self) -> str | None:
        """The content type without parameters such as ``charset``."""
        ct = self.content_type
        return ct.partition(";")[0].strip() if ct else None

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        self.content_type = get_content_type(value, "utf-8")

    @property
    def mimetype_params(self) -> Mapping[str, str]:
        """The content type parameters as a dict; changes update the header."""

        def on_update(d: Mapping[str, str]) -> None:
            self.headers["Content-Type"] = dump_options_header(self.mimetype or "", d)

        params = parse_options_header(self.headers.get("Content-Type", ""))[1]
        return CallbackDict(params, on_update)

    @property
    def content_length(self) -> int | None:
        """The content length as an int, reflected from and to :attr:`headers`."""
        value = self.headers.get("Content-Length")
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            return None

    @content_length.setter
    def content_length(self, value: int | None) -> None:
        if value is None:
            if "Content-Length" in self.headers:
                del self.headers["Content-Length"]
        else:
            self.headers["Content-Length"] = str(value)

    def _get_form(self, name: str, storage: type[t.Any]) -> t.Any:
        """Return (creating on demand) the ``_form`` or ``_files`` storage."""
        if self._input_stream is not None:
            raise AttributeError("an input stream is defined")
        rv = getattr(self, name)
        if rv is None:
            rv = storage()
            setattr(self, name, rv)
        return rv

    def _set_form(self, name: str, value: MultiDict[str, t.Any]) -> None:
        self._input_stream = None
        setattr(self, name, value)

    @property
    def form(self) -> MultiDict[str, t.Any]:
        """A :class:`~erlen.datastructures.MultiDict` of form values."""
        return t.cast("MultiDict[str, t.Any]", self._get_form("_form", MultiDict))

    @form.setter
    def form(self, value: MultiDict[str, t.Any]) -> None:
        self._set_form("_form", value)

    @property
    def files(self) -> FileMultiDict:
        """A :class:`~erlen.datastructures.FileMultiDict` of uploaded files."""
        return t.cast(FileMultiDict, self._get_form("_files", FileMultiDict))

    @files.setter
    def files(self, value: FileMultiDict) -> None:
        self._set_form("_files", value)

    @property
    def input_stream(self) -> t.IO[bytes] | None:
        """An optional raw body stream; setting it clears :attr:`form` and :attr:`files`."""
        return self._input_stream

    @input_stream.setter
    def input_stream(self, value: t.IO[bytes] | None) -> None:
        self._input_stream = value
        self._form = None
        self._files = None

    @property
    def query_string(self) -> str:
        """The query string; setting it makes :attr:`args` unavailable."""
        if self._query_string is None:
            if self._args is not None:
                return _urlencode(self._args)
            return ""
        return self._query_string

    @query_string.setter
    def query_string(self, value: str | None) -> None:
        self._query_string = value
        self._args = None

    @property
    def args(self) -> MultiDict[str, str]:
        """The URL arguments as a :class:`~erlen.datastructures.MultiDict`."""
        if self._query_string is not None:
            raise AttributeError("a query string is defined")
        if self._args is None:
            self._args = MultiDict()
        return self._args

    @args.setter
    def args(self, value: MultiDict[str, str] | None) -> None:
        self._query_string = None
        self._args = value

    @property
    def server_name(self) -> str:
        """The server name (read-only, set :attr:`host` instead)."""
        return self.host.partition(":")[0]

    @property
    def server_port(self) -> int:
        """The server port (read-only, set :attr:`host` instead)."""
        _, sep, port = self.host.partition(":")
        if sep:
            try:
                return int(port)
            except ValueError:
                pass
        return 443 if self.url_scheme == "https" else 80

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def close(self) -> None:
        """Close all files added to :attr:`files`."""
        if self.closed:
            return
        files = self._files
        if files is not None:
            for _key, value in files.items(multi=True):
                try:
                    value.close()
                except Exception:
                    pass
        self.closed = True

    def get_environ(self) -> WSGIEnvironment:
        """Return the built WSGI environ dict.

        ``CONTENT_TYPE`` and ``CONTENT_LENGTH`` are derived from the body
        (form, files or input stream) and are not duplicated as ``HTTP_*``
        keys. Repeated headers are joined with ``", "``.
        """
        input_stream = self._input_stream
        content_length = self.content_length
        content_type = self.content_type
        mimetype = content_type.partition(";")[0].strip() if content_type else None

        if input_stream is not None:
            try:
                start = input_stream.tell()
                input_stream.seek(0, 2)
                end = input_stream.tell()
                input_stream.seek(start)
            except (AttributeError, OSError, ValueError):
                pass  # not seekable: trust the given content length
            else:
                content_length = end - start
        elif mimetype == "multipart/form-data":
            input_stream, content_length, boundary = _encode_multipart_items(
                chain(self.form.items(multi=True), self.files.items(multi=True)),
                True,
                1024 * 500,
                None,
            )
            content_type = f'{mimetype}; boundary="{boundary}"'
        elif mimetype == "application/x-www-form-urlencoded":
            body = _urlencode(self.form).encode("ascii")
            content_length = len(body)
            input_stream = BytesIO(body)
        else:
            input_stream = BytesIO()

        result: dict[str, t.Any] = {}
        if self.environ_base:
            result.update(self.environ_base)

        raw_uri = _wsgi_encode(self.request_uri)
        result.update(
            {
                "REQUEST_METHOD": self.method,
                "SCRIPT_NAME": _path_to_wsgi(self.script_root),
                "PATH_INFO": _path_to_wsgi(self.path),
                "QUERY_STRING": _wsgi_encode(self.query_string),
                # Non-standard, added by mod_wsgi and uWSGI.
                "REQUEST_URI": raw_uri,
                # Non-standard, added by gunicorn.
                "RAW_URI": raw_uri,
                "SERVER_NAME": self.server_name,
                "SERVER_PORT": str(self.server_port),
                "HTTP_HOST": self.host,
                "SERVER_PROTOCOL": self.server_protocol,
                "wsgi.version": self.wsgi_version,
                "wsgi.url_scheme": self.url_scheme,
                "wsgi.input": input_stream,
                "wsgi.errors": self.errors_stream,
                "wsgi.multithread": self.multithread,
                "wsgi.multiprocess": self.multiprocess,
                "wsgi.run_once": self.run_once,
            }
        )

        if content_type is not None:
            result["CONTENT_TYPE"] = content_type
        if content_length is not None:
            result["CONTENT_LENGTH"] = str(content_length)

        seen: set[str] = set()
        for key, value in self.headers.to_wsgi_list():
            name = key.upper().replace("-", "_")
            if name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                continue
            name = "HTTP_" + name
            if name in seen:
                result[name] = f"{result[name]}, {value}"
            else:
                seen.add(name)
                result[name] = value

        if self.environ_overrides:
            result.update(self.environ_overrides)

        return result

    def get_request(self, cls: type[Request] | None = None) -> Request:
        """Return a request object for the built environ.

        :param cls: The request class to use, :attr:`request_class` by default.
        """
        if cls is None:
            cls = self.request_class
        return cls(self.get_environ())


def create_environ(*args: t.Any, **kwargs: t.Any) -> WSGIEnvironment:
    """Create a WSGI environ dict; accepts :class:`EnvironBuilder` arguments."""
    builder = EnvironBuilder(*args, **kwargs)
    try:
        return builder.get_environ()
    finally:
        builder.close()


def run_wsgi_app(
    app: WSGIApplication, environ: WSGIEnvironment, buffered: bool = False
) -> tuple[Iterable[bytes], str, Headers]:
    """Call a WSGI application and return ``(app_iter, status, headers)``.

    Data passed to the ``write()`` callable returned by ``start_response`` is
    emitted before the application's iterable. Applications that only call
    ``start_response`` while iterating are advanced until it is called. With
    ``buffered=True`` the iterable is consumed into a list and its ``close()``
    called right away; otherwise ``close()`` is kept on the returned iterable.
    """
    env = getattr(environ, "environ", environ)
    if not isinstance(env, dict):
        raise TypeError(f"{type(environ).__name__!r} is not a WSGI environment (has to be a dict)")
    # Copy so mutations by the app (ProxyFix, ...) don't leak into redirects.
    env = env.copy()
    response: tuple[str, list[tuple[str, str]]] | None = None
    buffer: list[bytes] = []

    def start_response(
        status: str,
        headers: list[tuple[str, str]],
        exc_info: t.Any = None,
    ) -> t.Callable[[bytes], object]:
        nonlocal response
        if exc_info:
            try:
                raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        response = (status, headers)
        return buffer.append

    app_rv = app(env, t.cast("StartResponse", start_response))
    close_func = getattr(app_rv, "close", None)
    app_iter: Iterable[bytes] = iter(app_rv)

    if buffered:
        try:
            app_iter = list(app_iter)
        finally:
            if close_func is not None:
                close_func()
        if buffer:
            app_iter = buffer + t.cast(list, app_iter)
    else:
        # Like Werkzeug, pull at least the first item (apps may call
        # start_response lazily, from inside their generator).
        for item in app_iter:
            buffer.append(item)
            if response is not None:
                break
        if buffer:
            app_iter = chain(buffer, app_iter)
        if close_func is not None and app_iter is not app_rv:
            app_iter = ClosingIterator(app_iter, close_func)

    if response is None:
        raise RuntimeError("The application did not call start_response.")
    status, headers = response
    return app_iter, status, Headers(headers)


# ---------------------------------------------------------------------- Client


def _cookie_target(environ: WSGIEnvironment) -> tuple[str, str]:
    """Return the ``(host name, decoded path)`` a request's cookies are matched on.

    Equivalent to ``urlsplit(get_current_url(environ))``'s ``hostname`` and
    ``path`` for real requests. PERF: that URL round trip was a large share of a
    ``Client.get`` with a non-empty jar.
    """
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or ""
    if host.startswith("["):
        name = host[1 : host.find("]")]
    else:
        name = host.partition(":")[0]
    path = (
        environ.get("SCRIPT_NAME", "").rstrip("/") + "/" + environ.get("PATH_INFO", "").lstrip("/")
    )
    return name.lower() or "localhost", _wsgi_decode(path)


class ClientRedirectError(Exception):
    """Raised by :class:`Client` when ``follow_redirects`` detects a loop."""


class Client:
    """Simulate requests to a WSGI application without a server.

    :param application: The WSGI application to call.
    :param response_wrapper: Response class to wrap results in; it is combined
        with :class:`TestResponse` if it is not already a subclass of it.
    :param use_cookies: Keep cookies from ``Set-Cookie`` response headers and
        send matching ones (by domain and path) with later requests.
    :param allow_subdomain_redirects: Allow following redirects to subdomains.
    :param interface: ``"wsgi"`` or ``"asgi"``: send requests to the application
        as WSGI or as ASGI 3 (an application that is both, such as an erlen app).
        Default: ``ERLEN_TEST_INTERFACE`` from the environment for an application
        with an ``asgi_app`` (an erlen app), else WSGI. An erlen addition.
    """

    def __init__(
        self,
        application: WSGIApplication,
        response_wrapper: type[Response] | None = None,
        use_cookies: bool = True,
        allow_subdomain_redirects: bool = False,
        interface: str | None = None,
    ) -> None:
        self.application = application
        if interface is None:
            interface = "wsgi"
            if hasattr(application, "asgi_app"):
                from .asgi.testing import interface_from_env

                interface = interface_from_env()
        elif interface not in ("wsgi", "asgi"):
            raise ValueError(f"interface must be 'wsgi' or 'asgi', not {interface!r}.")
        #: ``"wsgi"`` or ``"asgi"``: how requests are sent to the application.
        self.interface = interface

        if response_wrapper is None or response_wrapper is Response:
            response_wrapper = TestResponse
        elif not issubclass(response_wrapper, TestResponse):
            response_wrapper = type("WrapperTestResponse", (TestResponse, response_wrapper), {})

        self.response_wrapper = t.cast("type[TestResponse]", response_wrapper)
        #: Sent as ``User-Agent`` when a request has none.
        self.user_agent = USER_AGENT
        self._cookies: dict[tuple[str, str, str], Cookie] | None = {} if use_cookies else None
        self.allow_subdomain_redirects = allow_subdomain_redirects

    def _cookie_jar(self) -> dict[tuple[str, str, str], Cookie]:
        if self._cookies is None:
            raise TypeError("Cookies are disabled. Create a client with 'use_cookies=True'.")
        return self._cookies

    def get_cookie(self, key: str, domain: str = "localhost", path: str = "/") -> Cookie | None:
        """Return the stored :class:`Cookie` identified by ``(domain, path, key)``."""
        cookie = self._cookie_jar().get((domain, path, key))
        if cookie is not None and cookie._is_expired():
            del self._cookie_jar()[(domain, path, key)]
            return None
        return cookie

    def set_cookie(
        self,
        key: str,
        value: str = "",
        *,
        domain: str = "localhost",
        origin_only: bool = True,
        path: str = "/",
        **kwargs: t.Any,
    ) -> None:
        """Store a cookie to be sent with subsequent requests.

        ``domain`` must match the request host exactly when ``origin_only``
        is true, otherwise it may be a parent domain. ``path`` matches
        exactly or as a prefix. Other ``kwargs`` go to
        :func:`~erlen.http.dump_cookie`.
        """
        jar = self._cookie_jar()
        cookie = Cookie._from_response_header(
            domain, "/", dump_cookie(key, value, domain=domain, path=path, **kwargs)
        )
        cookie.origin_only = origin_only
        if cookie._should_delete:
            jar.pop(cookie._storage_key, None)
        else:
            jar[cookie._storage_key] = cookie

    def delete_cookie(
        self, key: str, *, domain: str = "localhost", path: str = "/", **kwargs: t.Any
    ) -> None:
        """Delete the cookie identified by ``(domain, path, key)`` if it exists.

        Extra ``kwargs`` (such as the ``secure`` or ``httponly`` flags older
        callers pass) are accepted and ignored.
        """
        self._cookie_jar().pop((domain, path, key), None)

    def _add_cookies_to_wsgi(self, environ: WSGIEnvironment) -> None:
        """Set ``HTTP_COOKIE`` in ``environ`` to the cookies matching the request.

        Any ``HTTP_COOKIE`` already present is replaced (or removed when no
        stored cookie applies), like Werkzeug.
        """
        jar = self._cookies
        if jar is None:
            return
        if not jar:
            environ.pop("HTTP_COOKIE", None)
            return
        server_name, path = _cookie_target(environ)
        parts = []
        for storage_key, cookie in list(jar.items()):
            if cookie._is_expired():
                del jar[storage_key]
            elif cookie._should_send(server_name, path):
                parts.append(cookie._to_request_header())
        if parts:
            environ["HTTP_COOKIE"] = "; ".join(parts)
        else:
            environ.pop("HTTP_COOKIE", None)

    def _update_cookies_from_response(
        self, server_name: str, path: str, headers: list[str]
    ) -> None:
        """Store or delete cookies from ``Set-Cookie`` header values."""
        jar = self._cookies
        if jar is None:
            return
        for header in headers:
            cookie = Cookie._from_response_header(server_name, path, header)
            if cookie._should_delete:
                jar.pop(cookie._storage_key, None)
            else:
                jar[cookie._storage_key] = cookie

    def run_wsgi_app(
        self, environ: WSGIEnvironment, buffered: bool = False
    ) -> tuple[Iterable[bytes], str, Headers]:
        """Run the application with cookie handling around it (over ASGI with
        :attr:`interface` ``"asgi"``)."""
        self._add_cookies_to_wsgi(environ)
        if self.interface == "asgi":
            from .asgi.testing import run_asgi_app

            rv = run_asgi_app(self.application, environ, buffered=buffered)
        else:
            rv = run_wsgi_app(self.application, environ, buffered=buffered)
        if self._cookies is not None:
            set_cookies = rv[2].getlist("Set-Cookie")
            if set_cookies:
                self._update_cookies_from_response(*_cookie_target(environ), set_cookies)
        return rv

    def resolve_redirect(self, response: TestResponse, buffered: bool = False) -> TestResponse:
        """Make the request for the ``Location`` of a redirect response."""
        request_env = response.request.environ
        location = response.location or ""
        if not location.startswith("/") and "://" not in location:
            location = urljoin(get_current_url(request_env), location)
        scheme, netloc, path, qs, _anchor = urlsplit(location)
        builder = EnvironBuilder.from_environ(request_env, path=path, query_string=qs)

        to_parts = netloc.partition(":")[0].split(".")
        from_parts = builder.server_name.split(".")

        if to_parts != [""]:
            if scheme:
                builder.url_scheme = scheme
            builder.host = netloc
        else:
            to_parts = from_parts

        if to_parts != from_parts:
            if to_parts[-len(from_parts) :] == from_parts:
                if not self.allow_subdomain_redirects:
                    raise RuntimeError("Following subdomain redirects is not enabled.")
            else:
                raise RuntimeError("Following external redirects is not supported.")

        root_parts = builder.script_root.split("/")
        if path.split("/")[: len(root_parts)] == root_parts:
            builder.path = path[len(builder.script_root) :]
        else:
            builder.path = path
            builder.script_root = ""
        builder.request_uri = f"{path}?{qs}" if qs else path

        if response.status_code not in (307, 308):
            # Only 307 and 308 keep method and body; HEAD stays HEAD.
            if builder.method != "HEAD":
                builder.method = "GET"
            if builder.input_stream is not None:
                builder.input_stream.close()
                builder.input_stream = None
            builder.content_type = None
            builder.content_length = None
            builder.headers.pop("Transfer-Encoding", None)

        return self.open(builder, buffered=buffered)

    def open(
        self,
        *args: t.Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: t.Any,
    ) -> TestResponse:
        """Make a request to the application and return the response.

        :param args: An :class:`EnvironBuilder`, an environ dict or a
            :class:`~erlen.wrappers.request.Request`, or arguments for
            :class:`EnvironBuilder`.
        :param buffered: Consume the application iterable into a list (and
            call its ``close()``) before returning.
        :param follow_redirects: Follow redirects until a non-redirect
            response; :attr:`TestResponse.history` lists the intermediate ones.
        """
        request: Request | None = None

        if not kwargs and len(args) == 1:
            arg = args[0]
            if isinstance(arg, EnvironBuilder):
                request = arg.get_request()
            elif isinstance(arg, dict):
                request = EnvironBuilder.from_environ(arg).get_request()
            elif isinstance(arg, Request):
                request = arg

        if request is None:
            builder = EnvironBuilder(*args, **kwargs)
            try:
                request = builder.get_request()
            finally:
                builder.close()

        if self.user_agent:
            request.environ.setdefault("HTTP_USER_AGENT", self.user_agent)
        input_stream = request.environ.get("wsgi.input")
        input_start: int | None = None
        if follow_redirects and input_stream is not None:
            try:
                input_start = input_stream.tell()
            except (AttributeError, OSError, ValueError):
                input_start = None

        response = self.response_wrapper(
            *self.run_wsgi_app(request.environ, buffered=buffered), request=request
        )
        if not follow_redirects:
            return response

        redirects: set[tuple[str | None, int]] = set()
        history: list[TestResponse] = []

        while response.status_code in _REDIRECT_CODES:
            if not buffered:
                # Exhaust intermediate bodies so iterator cleanup code runs.
                response.make_sequence()
                response.close()

            entry = (response.location, response.status_code)
            if entry in redirects:
                raise ClientRedirectError(
                    f"Loop detected: A {response.status_code} redirect"
                    f" to {response.location} was already made."
                )
            redirects.add(entry)
            response.history = tuple(history)
            history.append(response)

            if response.status_code in (307, 308):
                # Rewind the body the application consumed so it is resent.
                prev_input = response.request.environ.get("wsgi.input")
                start = input_start if prev_input is input_stream else 0
                try:
                    prev_input.seek(start or 0)  # type: ignore[union-attr]
                except (AttributeError, OSError, ValueError):
                    pass
            response = self.resolve_redirect(response, buffered=buffered)

        response.history = tuple(history)
        if input_stream is not None and hasattr(input_stream, "close"):
            # Close the input when the response closes, e.g. a spooled temp file.
            response.call_on_close(input_stream.close)
        return response

    def get(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """Call :meth:`open` with ``method`` set to ``GET``."""
        kw["method"] = "GET"
        return self.open(*args, **kw)

    def post(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """Call :meth:`open` with ``method`` set to ``POST``."""
        kw["method"] = "POST"
        return self.open(*args, **kw)

    def put(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """Call :meth:`open` with ``method`` set to ``PUT``."""
        kw["method"] = "PUT"
        return self.open(*args, **kw)

    def delete(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """Call :meth:`open` with ``method`` set to ``DELETE``."""
        kw["method"] = "DELETE"
        return self.open(*args, **kw)

    def patch(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """Call :meth:`open` with ``method`` set to ``PATCH``."""
        kw["method"] = "PATCH"
        return self.open(*args, **kw)

    def options(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """Call :meth:`open` with ``method`` set to ``OPTIONS``."""
        kw["method"] = "OPTIONS"
        return self.open(*args, **kw)

    def head(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """Call :meth:`open` with ``method`` set to ``HEAD``."""
        kw["method"] = "HEAD"
        return self.open(*args, **kw)

    def trace(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """Call :meth:`open` with ``method`` set to ``TRACE``."""
        kw["method"] = "TRACE"
        return self.open(*args, **kw)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.application!r}>"


# ---------------------------------------------------------------- TestResponse


class TestResponse(Response):
    """The response returned by :class:`Client` requests.

    Adds :attr:`request` (the request that produced it), :attr:`history`
    (intermediate redirect responses) and :attr:`text`. No mimetype is
    assumed when the application sends none. Call :meth:`close` when the
    request uploaded large files or the app streamed a file.
    """

    default_mimetype = None

    request: Request
    """The request object for the environ that produced this response."""

    history: tuple[TestResponse, ...]
    """Intermediate responses when ``follow_redirects`` was used."""

    # Not a pytest test class despite the name.
    __test__ = False

    def __init__(
        self,
        response: Iterable[bytes],
        status: str,
        headers: Headers,
        request: Request,
        history: tuple[TestResponse, ...] = (),
        **kwargs: t.Any,
    ) -> None:
        super().__init__(response, status, headers, **kwargs)
        self.request = request
        self.history = history
        self._compat_tuple = response, status, headers

    @cached_property
    def text(self) -> str:
        """The response body decoded as text (``get_data(as_text=True)``)."""
        return self.get_data(as_text=True)


# ---------------------------------------------------------------------- Cookie


def _to_timestamp(value: datetime) -> float:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


@dataclasses.dataclass
class Cookie:
    """A cookie stored by :class:`Client`, as returned by :meth:`Client.get_cookie`.

    The attributes are for inspection; the class itself is not meant to be
    constructed by users.
    """

    key: str
    """The cookie key, encoded as a client would see it."""

    value: str
    """The cookie value, encoded as a client would see it."""

    decoded_key: str
    """The cookie key, decoded as the application would set and see it."""

    decoded_value: str
    """The cookie value, decoded as the application would set and see it."""

    expires: datetime | None
    """The time at which the cookie is no longer valid."""

    max_age: int | None
    """Seconds from when the cookie was set after which it is no longer valid."""

    domain: str
    """The domain the cookie was set for, or the request domain if not set."""

    origin_only: bool
    """Whether only exact domain matches get the cookie (no ``Domain`` given)."""

    path: str
    """The path the cookie was set for."""

    secure: bool | None
    """The ``Secure`` parameter."""

    http_only: bool | None
    """The ``HttpOnly`` parameter."""

    same_site: str | None
    """The ``SameSite`` parameter."""

    _expires_at: float | None = dataclasses.field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        deadline = None if self.expires is None else _to_timestamp(self.expires)
        if self.max_age is not None:
            # Max-Age takes precedence over Expires (RFC 6265 5.3 step 3).
            deadline = time() + self.max_age
        self._expires_at = deadline

    def _should_send(self, server_name: str, path: str) -> bool:
        """Whether this cookie applies to a request for ``server_name`` and ``path``."""
        domain = self.domain
        if server_name != domain and (
            self.origin_only
            or not server_name.endswith(domain)
            or not server_name[: -len(domain)].endswith(".")
        ):
            return False
        cpath = self.path
        return path == cpath or (
            path.startswith(cpath) and path[len(cpath) - cpath.endswith("/") :].startswith("/")
        )

    # Werkzeug 3.1's name for the same check.
    _matches_request = _should_send

    def _to_request_header(self) -> str:
        """Return ``key=value`` for the request ``Cookie`` header."""
        return f"{self.key}={self.value}"

    @classmethod
    def _from_response_header(cls, server_name: str, path: str, header: str) -> Cookie:
        """Parse one ``Set-Cookie`` header value received for ``server_name``/``path``."""
        pair, _, params_str = header.partition(";")
        key, _, value = pair.partition("=")
        key = key.strip(" \t")
        value = value.strip(" \t")
        parsed = parse_cookie(pair)
        decoded = next(iter(parsed.items()), None)
        decoded_key, decoded_value = decoded if decoded is not None else (key, value)

        params: dict[str, str | None] = {}
        for item in params_str.split(";"):
            k, sep, v = item.partition("=")
            params[k.strip(" \t").lower()] = v.strip(" \t") if sep else None

        expires_raw = params.get("expires")
        max_age: int | None = None
        if "max-age" in params:
            try:
                max_age = int(params["max-age"] or 0)
            except ValueError:
                max_age = None

        return cls(
            key=key,
            value=value,
            decoded_key=decoded_key,
            decoded_value=decoded_value,
            expires=parse_date(expires_raw) if expires_raw else None,
            max_age=max_age,
            domain=params.get("domain") or server_name,
            origin_only="domain" not in params,
            path=params.get("path") or path.rpartition("/")[0] or "/",
            secure="secure" in params,
            http_only="httponly" in params,
            same_site=params.get("samesite"),
        )

    @property
    def _storage_key(self) -> tuple[str, str, str]:
        return self.domain, self.path, self.decoded_key

    def _is_expired(self) -> bool:
        return self._expires_at is not None and self._expires_at <= time()

    @property
    def _should_delete(self) -> bool:
        """Whether receiving this cookie removes it (``Max-Age<=0`` or past ``Expires``)."""
        return (self.max_age is not None and self.max_age <= 0) or self._is_expired()
