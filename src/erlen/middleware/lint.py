"""Check that a WSGI server and application follow PEP 3333, and warn about HTTP mistakes.

Problems are reported with :mod:`warnings` (:class:`WSGIWarning`, :class:`HTTPWarning`);
the request itself goes on unchanged.
"""

from __future__ import annotations

import typing as t
from warnings import warn

from ..datastructures import Headers
from ..http import is_entity_header
from ..wsgi import FileWrapper

if t.TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = [
    "ErrorStream",
    "GuardedIterator",
    "GuardedWrite",
    "HTTPWarning",
    "InputStream",
    "LintMiddleware",
    "WSGIWarning",
    "check_type",
]

_REQUIRED_ENVIRON_KEYS = (
    "REQUEST_METHOD",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.version",
    "wsgi.input",
    "wsgi.errors",
    "wsgi.multithread",
    "wsgi.multiprocess",
    "wsgi.run_once",
)


class WSGIWarning(Warning):
    """A violation of the WSGI protocol (PEP 3333)."""


class HTTPWarning(Warning):
    """A response that breaks HTTP rules."""


def check_type(context: str, obj: object, need: type = str) -> None:
    """Warn with :class:`WSGIWarning` unless ``obj`` is exactly of type ``need``."""
    if type(obj) is not need:
        warn(
            f"{context!r} requires {need.__name__!r}, got {type(obj).__name__!r}.",
            WSGIWarning,
            stacklevel=3,
        )


class InputStream:
    """``wsgi.input`` wrapper that warns about reads PEP 3333 does not make safe."""

    def __init__(self, stream: t.IO[bytes]) -> None:
        self._stream = stream

    def read(self, *args: t.Any) -> bytes:
        """Read, warning if no size is given (the stream need not end)."""
        if not args:
            warn(
                "WSGI does not guarantee an EOF marker on the input stream, thus making"
                " calls to 'wsgi.input.read()' unsafe. Conforming servers may never"
                " return from this call.",
                WSGIWarning,
                stacklevel=2,
            )
        elif len(args) != 1:
            warn("Too many parameters passed to 'wsgi.input.read()'.", WSGIWarning, stacklevel=2)
        return self._stream.read(*args)

    def readline(self, *args: t.Any) -> bytes:
        """Read a line, warning either way: without a size it is unsafe, with one, non-standard."""
        if not args:
            warn(
                "Calls to 'wsgi.input.readline()' without arguments are unsafe. Use"
                " 'wsgi.input.read()' instead.",
                WSGIWarning,
                stacklevel=2,
            )
        elif len(args) == 1:
            warn(
                "'wsgi.input.readline()' was called with a size hint. WSGI does not"
                " support this, although it's available on all major servers.",
                WSGIWarning,
                stacklevel=2,
            )
        else:
            raise TypeError("Too many arguments passed to 'wsgi.input.readline()'.")
        return self._stream.readline(*args)

    def __iter__(self) -> t.Iterator[bytes]:
        try:
            return iter(self._stream)
        except TypeError:
            warn("'wsgi.input' is not iterable.", WSGIWarning, stacklevel=2)
            return iter(())

    def close(self) -> None:
        """Close the stream, warning: it belongs to the server."""
        warn("The application closed the input stream!", WSGIWarning, stacklevel=2)
        self._stream.close()


class ErrorStream:
    """``wsgi.errors`` wrapper that checks that only text is written."""

    def __init__(self, stream: t.IO[str]) -> None:
        self._stream = stream

    def write(self, s: str) -> None:
        """Write ``s``, warning unless it is a ``str``."""
        check_type("wsgi.error.write()", s, str)
        self._stream.write(s)

    def flush(self) -> None:
        """Flush the stream."""
        self._stream.flush()

    def writelines(self, seq: t.Iterable[str]) -> None:
        """Write each string of ``seq``."""
        for line in seq:
            self.write(line)

    def close(self) -> None:
        """Close the stream, warning: it belongs to the server."""
        warn("The application closed the error stream!", WSGIWarning, stacklevel=2)
        self._stream.close()


class GuardedWrite:
    """The ``write()`` callable, checking for bytes and counting what is sent."""

    def __init__(self, write: t.Callable[[bytes], object], chunks: list[int]) -> None:
        self._write = write
        self._chunks = chunks

    def __call__(self, s: bytes) -> None:
        """Write ``s``, warning unless it is ``bytes``."""
        check_type("write()", s, bytes)
        self._write(s)
        self._chunks.append(len(s))


class GuardedIterator:
    """The application's iterable, checking its items and, on close, the response size."""

    def __init__(
        self,
        iterator: t.Iterable[bytes],
        headers_set: tuple[int, Headers],
        chunks: list[int],
    ) -> None:
        self._iterator = iterator
        self._next = iter(iterator).__next__
        self.closed = False
        self.headers_set = headers_set
        self.chunks = chunks

    def __iter__(self) -> GuardedIterator:
        return self

    def __next__(self) -> bytes:
        if self.closed:
            warn("Iterated over closed 'app_iter'.", WSGIWarning, stacklevel=2)
        rv = self._next()
        if not self.headers_set:
            warn(
                "The application returned before it started the response.",
                WSGIWarning,
                stacklevel=2,
            )
        check_type("application iterator items", rv, bytes)
        self.chunks.append(len(rv))
        return rv

    def close(self) -> None:
        """Close the application's iterable and check the body against the headers."""
        self.closed = True
        close = getattr(self._iterator, "close", None)
        if close is not None:
            close()
        if not self.headers_set:
            return
        status_code, headers = self.headers_set
        bytes_sent = sum(self.chunks)
        content_length = headers.get("content-length", type=int)

        if status_code == 304:
            for key, _value in headers:
                key = key.lower()
                if key not in ("expires", "content-location") and is_entity_header(key):
                    warn(f"Entity header {key!r} found in 304 response.", HTTPWarning, stacklevel=2)
            if bytes_sent:
                warn("304 responses must not have a body.", HTTPWarning, stacklevel=2)
        elif 100 <= status_code < 200 or status_code == 204:
            if content_length != 0:
                warn(
                    f"{status_code} responses must have an empty content length.",
                    HTTPWarning,
                    stacklevel=2,
                )
            if bytes_sent:
                warn(f"{status_code} responses must not have a body.", HTTPWarning, stacklevel=2)
        elif content_length is not None and content_length != bytes_sent:
            warn(
                "Content-Length and the number of bytes sent to the client do not match.",
                WSGIWarning,
                stacklevel=2,
            )

    def __del__(self) -> None:
        if not self.closed:
            try:
                warn(
                    "Iterator was garbage collected before it was closed.",
                    WSGIWarning,
                    stacklevel=2,
                )
            except Exception:
                # Warnings turned into errors can't propagate out of __del__.
                pass


class LintMiddleware:
    """Warn about common errors in the WSGI and HTTP behaviour of a server and app.

    Among the checks: invalid status lines, non-bytes body data, a string returned as the
    body, bodies on 1xx, 204 and 304 responses, entity headers on 304 responses,
    ``Content-Length`` not matching the body, unquoted ETags, unsafe calls on
    ``wsgi.input``, and iterables that are never closed. Problems are reported with
    :func:`warnings.warn` as :class:`WSGIWarning` or :class:`HTTPWarning`.

    Differences from Werkzeug: a relative ``Location`` is not warned about (RFC 9110
    allows it, and erlen's and Flask's redirects send one); a ``bytes`` body is warned about
    like a ``str`` one; a status line without a number,
    a header that is not a pair of strings and a header value with CR, LF or NUL are
    warned about instead of raising an error in the linter itself.

    :param app: The WSGI application to wrap.

    .. code-block:: python

        from erlen.middleware.lint import LintMiddleware

        app.wsgi_app = LintMiddleware(app.wsgi_app)
    """

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def check_environ(self, environ: WSGIEnvironment) -> None:
        """Warn about a missing required key or a malformed path in ``environ``."""
        if type(environ) is not dict:
            warn("WSGI environment is not a standard Python dict.", WSGIWarning, stacklevel=4)

        for key in _REQUIRED_ENVIRON_KEYS:
            if key not in environ:
                warn(f"Required environment key {key!r} not found", WSGIWarning, stacklevel=3)

        if environ.get("wsgi.version") != (1, 0):
            warn("Environ is not a WSGI 1.0 environ.", WSGIWarning, stacklevel=3)

        script_name = environ.get("SCRIPT_NAME", "")
        path_info = environ.get("PATH_INFO", "")

        if script_name and script_name[0] != "/":
            warn(
                f"'SCRIPT_NAME' does not start with a slash: {script_name!r}",
                WSGIWarning,
                stacklevel=3,
            )

        if path_info and path_info[0] != "/":
            warn(
                f"'PATH_INFO' does not start with a slash: {path_info!r}",
                WSGIWarning,
                stacklevel=3,
            )

    def check_start_response(
        self,
        status: str,
        headers: list[tuple[str, str]],
        exc_info: OptExcInfo | None,
    ) -> tuple[int, Headers]:
        """Check the arguments of ``start_response``; return the status code and headers."""
        check_type("status", status, str)
        status = str(status)
        code_str = status.split(None, 1)[0] if status.strip() else ""

        if len(code_str) != 3 or not code_str.isdecimal() or not code_str.isascii():
            warn("Status code must be three digits.", WSGIWarning, stacklevel=3)

        if len(status) < 4 or status[3] != " ":
            warn(
                f"Invalid value for status {status!r}. Valid status strings are three"
                " digits, a space and a status explanation.",
                WSGIWarning,
                stacklevel=3,
            )

        status_code = int(code_str) if code_str.isascii() and code_str.isdecimal() else 0

        if status_code < 100:
            warn("Status code < 100 detected.", WSGIWarning, stacklevel=3)

        if type(headers) is not list:
            warn("Header list is not a list.", WSGIWarning, stacklevel=3)

        valid: list[tuple[str, str]] = []

        for item in headers:
            if type(item) is not tuple or len(item) != 2:
                warn("Header items must be 2-item tuples.", WSGIWarning, stacklevel=3)
                continue
            name, value = item
            if type(name) is not str or type(value) is not str:
                warn("Header keys and values must be strings.", WSGIWarning, stacklevel=3)
                continue
            if name.lower() == "status":
                warn(
                    "The status header is not supported due to conflicts with the CGI spec.",
                    WSGIWarning,
                    stacklevel=3,
                )
            if any(c in name or c in value for c in "\r\n\x00"):
                warn(
                    f"Header {name!r} contains CR, LF or NUL characters.",
                    HTTPWarning,
                    stacklevel=3,
                )
                continue
            valid.append((name, value))

        if exc_info is not None and not isinstance(exc_info, tuple):
            warn("Invalid value for exc_info.", WSGIWarning, stacklevel=3)

        headers_obj = Headers(valid)
        self.check_headers(headers_obj)
        return status_code, headers_obj

    def check_headers(self, headers: Headers) -> None:
        """Warn about an unquoted ETag or a lower case weak ETag prefix."""
        etag = headers.get("etag")

        if etag is not None:
            if etag.startswith(("W/", "w/")):
                if etag.startswith("w/"):
                    warn("Weak etag indicator should be upper case.", HTTPWarning, stacklevel=4)
                etag = etag[2:]

            if not (len(etag) >= 2 and etag[0] == etag[-1] == '"'):
                warn("Unquoted etag emitted.", HTTPWarning, stacklevel=4)

    def check_iterator(self, app_iter: t.Iterable[bytes]) -> None:
        """Warn if the application returned a string as its body."""
        if isinstance(app_iter, (str, bytes)):
            warn(
                "The application returned a string. The response will send one"
                " character at a time to the client, which will kill performance."
                " Return a list or iterable instead.",
                WSGIWarning,
                stacklevel=3,
            )

    def __call__(self, *args: t.Any, **kwargs: t.Any) -> t.Iterable[bytes]:
        """Check the call, wrap the streams and ``start_response``, and call the app."""
        if len(args) != 2:
            warn("A WSGI app takes two arguments.", WSGIWarning, stacklevel=2)

        if kwargs:
            warn("A WSGI app does not take keyword arguments.", WSGIWarning, stacklevel=2)

        environ: WSGIEnvironment = args[0]
        start_response: StartResponse = args[1]

        self.check_environ(environ)
        environ["wsgi.input"] = InputStream(environ["wsgi.input"])
        environ["wsgi.errors"] = ErrorStream(environ["wsgi.errors"])
        # Our own file wrapper, so files are iterated here and their length is checked.
        environ["wsgi.file_wrapper"] = FileWrapper

        headers_set: list[t.Any] = []
        chunks: list[int] = []

        def checking_start_response(*args: t.Any, **kwargs: t.Any) -> t.Callable[[bytes], None]:
            if len(args) not in (2, 3):
                warn(
                    f"Invalid number of arguments: {len(args)}, expected 2 or 3.",
                    WSGIWarning,
                    stacklevel=2,
                )

            if kwargs:
                warn("'start_response' does not take keyword arguments.", WSGIWarning, stacklevel=2)

            status: str = args[0]
            headers: list[tuple[str, str]] = args[1]
            exc_info: OptExcInfo | None = args[2] if len(args) == 3 else None

            headers_set[:] = self.check_start_response(status, headers, exc_info)
            return GuardedWrite(start_response(status, headers, exc_info), chunks)

        app_iter = self.app(environ, t.cast("StartResponse", checking_start_response))
        self.check_iterator(app_iter)
        return GuardedIterator(app_iter, t.cast("tuple[int, Headers]", headers_set), chunks)
