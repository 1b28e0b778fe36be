"""The development server (Werkzeug's ``werkzeug.serving``).

:func:`run_simple` serves a WSGI application for local development, optionally with the
reloader (:mod:`erlen._reloader`) and the debugger (``erlen.debug``). It is built on the
standard library's :mod:`http.server`: threaded, HTTP/1.1 with keep-alive, chunked request
bodies, streamed (chunked) responses and ``Expect: 100-continue``.

:func:`run_asgi` serves an ASGI application (an erlen app with websocket routes, under
``erlen run``) on uvicorn (the ``erlen[asgi]`` extra) with the same reloader, listening
socket and TLS options, and the ASGI debugger (:mod:`erlen.asgi.debug`).

Do not use it in production: it is meant to be convenient, not fast, hardened or robust.

Request and startup messages go to the ``erlen.serving`` logger (at ``INFO``); a handler
writing to standard error is added when the logger has none.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import signal
import socket
import socketserver
import sys
import threading
import time
import traceback
import typing as t
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import unquote, unquote_to_bytes, urlsplit

try:
    import ssl
except ImportError:  # pragma: no cover - Python built without OpenSSL
    ssl = None  # type: ignore[assignment]

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = [
    "BaseWSGIServer",
    "ForkingWSGIServer",
    "ThreadedWSGIServer",
    "WSGIRequestHandler",
    "generate_adhoc_ssl_context",
    "generate_adhoc_ssl_pair",
    "get_interface_ip",
    "get_sockaddr",
    "is_running_from_reloader",
    "is_ssl_error",
    "load_ssl_context",
    "make_server",
    "make_ssl_devcert",
    "run_asgi",
    "run_simple",
    "select_address_family",
]

#: Backlog of the listening socket.
LISTEN_QUEUE = 128

#: Seconds an idle keep-alive connection is kept open waiting for the next request.
KEEP_ALIVE_TIMEOUT = 15.0

#: Default seconds a client has to send a request line and headers: counted from the
#: connection's start for its first request, and from the first byte of each later one
#: (after the keep-alive wait). Bodies and responses are not timed.
HEADER_TIMEOUT = 10.0

#: Default bound on the connections the threaded server serves at once (one thread
#: each); a connection beyond it is answered ``503`` at once and closed.
MAX_CONNECTIONS = 100

#: At most this many unread request body bytes are discarded to keep a connection alive;
#: past that the connection is closed instead.
_MAX_DRAIN = 10 * 1024 * 1024

can_fork = hasattr(os, "fork")
af_unix: socket.AddressFamily | None = getattr(socket, "AF_UNIX", None)

_SSLContextArg = t.Union["ssl.SSLContext", "tuple[str, str | None]", t.Literal["adhoc"]]

if ssl is not None:
    _dropped_errors: tuple[type[BaseException], ...] = (
        ConnectionError,
        TimeoutError,
        ssl.SSLEOFError,
    )
else:  # pragma: no cover
    _dropped_errors = (ConnectionError, TimeoutError)


# -- logging ---------------------------------------------------------------------------------

_logger: logging.Logger | None = None


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the record (it may be replaced)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> t.TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: t.Any) -> None:
        pass


def _has_level_handler(logger: logging.Logger) -> bool:
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current is not None:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


def _log(type: str, message: str, *args: t.Any) -> None:
    global _logger
    if _logger is None:
        _logger = logging.getLogger("erlen.serving")
        if _logger.level == logging.NOTSET:
            _logger.setLevel(logging.INFO)
        if not _has_level_handler(_logger):
            _logger.addHandler(_StderrHandler())
    getattr(_logger, type)(message.rstrip(), *args)


def _ansi_style(value: str, *styles: str) -> str:
    stream = sys.stderr
    if os.environ.get("NO_COLOR") or not (hasattr(stream, "isatty") and stream.isatty()):
        return value
    codes = {"bold": 1, "red": 31, "green": 32, "yellow": 33, "magenta": 35, "cyan": 36}
    for style in styles:
        value = f"\x1b[{codes[style]}m{value}"
    return f"{value}\x1b[0m"


# -- reading from the connection -------------------------------------------------------------


class _ReadTimeout(Exception):
    """The deadline of :class:`_ConnectionReader` passed (not a ``TimeoutError``, which
    ``http.server`` would catch and log as an error)."""


class _ConnectionReader(io.RawIOBase):
    """The reading side of a connection, whose reads fail once a deadline has passed.

    A socket timeout bounds each ``recv``, so a client sending a byte now and then would
    never time out; the deadline bounds the total time of the request line and headers.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._deadline: float | None = None
        #: Bytes received since the deadline was set.
        self.received = 0

    def readable(self) -> bool:
        return True

    def set_deadline(self, seconds: float | None) -> None:
        """Fail reads ``seconds`` from now (``None``: no limit, the socket blocks again)."""
        if seconds is None:
            if self._deadline is not None:
                self._deadline = None
                self._sock.settimeout(None)
            return
        self._deadline = time.monotonic() + seconds
        self.received = 0

    def readinto(self, buffer: t.Any) -> int:
        if self._deadline is None:
            return self._sock.recv_into(buffer)
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise _ReadTimeout()
        self._sock.settimeout(left)
        try:
            n = self._sock.recv_into(buffer)
        except TimeoutError:
            raise _ReadTimeout() from None
        self.received += n
        return n


# -- request bodies --------------------------------------------------------------------------


class _BodyReader(io.RawIOBase):
    """Base of the request body streams: sends ``100 Continue`` before the first read."""

    def __init__(self, rfile: t.BinaryIO, on_first_read: t.Callable[[], None] | None) -> None:
        self._rfile = rfile
        self._on_first_read = on_first_read
        self.done = False

    def readable(self) -> bool:
        return True

    def _started(self) -> None:
        if self._on_first_read is not None:
            callback, self._on_first_read = self._on_first_read, None
            callback()

    def _read_some(self, size: int) -> bytes:
        # read1 returns what has arrived (at least one byte), so streamed uploads are
        # handed to the application as they come.
        read1 = getattr(self._rfile, "read1", None)
        data = read1(size) if read1 is not None else self._rfile.read(size)
        if not data:
            raise ConnectionError("The client closed the connection before sending the body.")
        return data

    def drain(self, limit: int) -> bool:
        """Discard the rest of the body; False if more than ``limit`` bytes were left."""
        total = 0
        while not self.done:
            data = self.read(min(65536, limit - total + 1))
            if not data:
                break
            total += len(data)
            if total > limit:
                return False
        return True


class _LimitedInput(_BodyReader):
    """A request body of ``Content-Length`` bytes: EOF after them, never reading further."""

    def __init__(
        self, rfile: t.BinaryIO, length: int, on_first_read: t.Callable[[], None] | None
    ) -> None:
        super().__init__(rfile, on_first_read)
        self.remaining = length
        self.done = length == 0

    def readinto(self, buffer: t.Any) -> int:
        if self.remaining <= 0 or len(buffer) == 0:
            self.done = self.remaining <= 0
            return 0
        self._started()
        data = self._read_some(min(len(buffer), self.remaining))
        n = len(data)
        buffer[:n] = data
        self.remaining -= n
        self.done = self.remaining == 0
        return n


class _ChunkedInput(_BodyReader):
    """Decodes a ``Transfer-Encoding: chunked`` request body."""

    def __init__(self, rfile: t.BinaryIO, on_first_read: t.Callable[[], None] | None) -> None:
        super().__init__(rfile, on_first_read)
        self._chunk_left = 0

    def _next_chunk_size(self) -> int:
        line = self._rfile.readline(1024)
        if not line.endswith(b"\n"):
            raise OSError("Invalid chunk header: the line is missing or too long.")
        size_text = line.split(b";", 1)[0].strip()  # drop chunk extensions
        try:
            size = int(size_text, 16)
        except ValueError:
            raise OSError(f"Invalid chunk size {size_text!r}.") from None
        if size < 0:
            raise OSError("Negative chunk size.")
        return size

    def _end_of_chunk(self) -> None:
        if self._rfile.readline(3) not in (b"\r\n", b"\n"):
            raise OSError("A chunk is not followed by a line break.")

    def readinto(self, buffer: t.Any) -> int:
        if self.done or len(buffer) == 0:
            return 0
        self._started()
        if self._chunk_left == 0:
            size = self._next_chunk_size()
            if size == 0:
                # Skip the trailer section up to the empty line ending the body.
                while True:
                    line = self._rfile.readline(65537)
                    if line in (b"\r\n", b"\n", b""):
                        break
                self.done = True
                return 0
            self._chunk_left = size
        data = self._read_some(min(len(buffer), self._chunk_left))
        n = len(data)
        buffer[:n] = data
        self._chunk_left -= n
        if self._chunk_left == 0:
            self._end_of_chunk()
        return n


# -- the request handler ---------------------------------------------------------------------

_INTERNAL_ERROR_BODY = (
    b"<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
    b"<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was"
    b" unable to complete your request. Either the server is overloaded or there is an"
    b" error in the application.</p>\n"
)


def _internal_server_error(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    start_response(
        "500 INTERNAL SERVER ERROR",
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(_INTERNAL_ERROR_BODY))),
        ],
    )
    return [_INTERNAL_ERROR_BODY]


_control_chars = str.maketrans(
    {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)]} | {ord("\\"): "\\\\"}
)


class WSGIRequestHandler(BaseHTTPRequestHandler):
    """Serves each HTTP request of a connection by calling the server's WSGI application."""

    server: BaseWSGIServer
    # TCP_NODELAY is set in setup(), for TCP connections only.
    disable_nagle_algorithm = False

    environ: WSGIEnvironment
    _expect_continue = False
    _body: _BodyReader | None = None
    _waited_for_request = False
    _reader: _ConnectionReader
    _handshake_failed = False
    _headers_buffer: list[bytes]  # BaseHTTPRequestHandler's, which typeshed does not declare

    @property
    def server_version(self) -> str:  # type: ignore[override]
        """The ``Server`` header value (``erlen/<version>``)."""
        return self.server._server_version

    def setup(self) -> None:
        """Prepare the connection (TLS handshake within the header timeout) and register it."""
        super().setup()
        if self.connection.family in (socket.AF_INET, socket.AF_INET6):
            # Headers and the first body bytes go out in separate writes; without this
            # the client's delayed ACK stalls keep-alive responses. (A TCP option: a
            # Unix socket refuses it.)
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)
        self._handshake_failed = False
        if ssl is not None and isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.settimeout(self.server.header_timeout or None)
                self.connection.do_handshake()
                self.connection.settimeout(None)
            except (OSError, ValueError) as e:  # ssl.SSLError and TimeoutError included
                self._handshake_failed = True
                self.log("info", "TLS handshake failed: %s", e)
        # Reads go through a reader that can enforce the header timeout.
        self.rfile.close()
        self._reader = _ConnectionReader(self.connection)
        self.rfile = io.BufferedReader(self._reader)
        self.server._track_connection(self.connection, add=True)

    def finish(self) -> None:
        """Flush and unregister the connection."""
        try:
            super().finish()
        finally:
            self.server._track_connection(self.connection, add=False)

    def handle(self) -> None:
        """Serve the requests of the connection, ignoring connections dropped by clients."""
        if self._handshake_failed:
            return
        try:
            super().handle()
        except _dropped_errors as e:
            self.connection_dropped(e)
        except Exception as e:
            if self.server.ssl_context is not None and is_ssl_error(e):
                self.log_error("SSL error occurred: %s", e)
            else:
                raise

    def handle_one_request(self) -> None:
        """Wait (up to :data:`KEEP_ALIVE_TIMEOUT`) for the next request of a kept-alive
        connection, then read its request line and headers within the server's
        ``header_timeout`` and serve it."""
        reader = self._reader
        started = False
        if self._waited_for_request:
            reader.set_deadline(KEEP_ALIVE_TIMEOUT)
            try:
                started = bool(t.cast(io.BufferedReader, self.rfile).peek(1))
            except (_ReadTimeout, OSError, ValueError):
                pass
            if not started:
                reader.set_deadline(None)
                self.close_connection = True
                return
        self._waited_for_request = True
        timeout = self.server.header_timeout
        reader.set_deadline(timeout if timeout else None)
        try:
            super().handle_one_request()
        except _ReadTimeout:
            reader.set_deadline(None)
            self.close_connection = True
            if started or reader.received:
                self._send_request_timeout()
            self.log("info", "No complete request within %ss: connection closed", timeout)

    def parse_request(self) -> bool:
        """Parse the request line and headers, then lift the header timeout."""
        try:
            return super().parse_request()
        finally:
            self._reader.set_deadline(None)

    def _send_request_timeout(self) -> None:
        body = b"Request Timeout: the request line and headers took too long.\n"
        head = (
            "HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        try:
            # A client that does not read must not hold the thread here either.
            self.connection.settimeout(1.0)
            self.connection.sendall(head.encode("latin-1") + body)
        except OSError:
            pass

    def handle_expect_100(self) -> bool:
        """Defer ``100 Continue`` until the application reads the body (see ``make_environ``)."""
        return True

    def _send_continue(self) -> None:
        if self._expect_continue:
            self._expect_continue = False
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def make_environ(self) -> WSGIEnvironment:
        """Build the WSGI environ (PEP 3333) of the current request."""
        target = self.path
        environ_host = None
        if target.startswith("/") or target == "*":
            path, _, query = target.partition("?")
        else:
            # absolute-form request target (a request to a proxy): its host wins
            parts = urlsplit(target)
            path, query = parts.path or "/", parts.query
            if parts.scheme and parts.netloc:
                environ_host = parts.netloc
        path = path.partition("#")[0]

        if isinstance(self.client_address, tuple) and self.client_address:
            remote_addr, remote_port = self.client_address[0], self.client_address[1]
        else:
            remote_addr, remote_port = "<local>", 0
        server_address = self.server.server_address
        if isinstance(server_address, tuple):
            server_name, server_port = str(server_address[0]), str(server_address[1])
        else:
            server_name, server_port = str(server_address), ""

        environ: WSGIEnvironment = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http" if self.server.ssl_context is None else "https",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": self.server.multithread,
            "wsgi.multiprocess": self.server.multiprocess,
            "wsgi.run_once": False,
            "werkzeug.socket": self.connection,
            "SERVER_SOFTWARE": self.server_version,
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            # http.server decoded the request line as latin-1, so these strings already
            # hold the raw bytes; the path is percent-decoded at the byte level.
            "PATH_INFO": unquote_to_bytes(path.encode("latin-1")).decode("latin-1"),
            "QUERY_STRING": query,
            "REQUEST_URI": target,
            "RAW_URI": target,
            "REMOTE_ADDR": remote_addr,
            "REMOTE_PORT": remote_port,
            "SERVER_NAME": server_name,
            "SERVER_PORT": server_port,
            "SERVER_PROTOCOL": self.request_version,
        }

        for key, value in self.headers.items():
            # "X_Forwarded_For" would otherwise be read as "X-Forwarded-For"
            if "_" in key:
                continue
            key = key.upper().replace("-", "_")
            # As http.server parsed it (leading blanks dropped, trailing ones kept), an
            # obsolete line folding unfolded; repeated headers are joined with commas.
            value = value.replace("\r\n", "")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = f"HTTP_{key}"
            if key in environ:
                value = f"{environ[key]},{value}"
            environ[key] = value

        if environ_host is not None:
            environ["HTTP_HOST"] = environ_host

        transfer_encoding = environ.get("HTTP_TRANSFER_ENCODING", "")
        chunked = "chunked" in (p.strip().lower() for p in transfer_encoding.split(","))
        has_body = chunked
        length = 0
        if not chunked and "CONTENT_LENGTH" in environ:
            try:
                length = int(environ["CONTENT_LENGTH"])
            except ValueError:
                length = -1
            if length < 0:
                # Where the body ends is unknown, so where the next request starts too.
                length = 0
                self.close_connection = True
            has_body = length > 0

        expect = self.headers.get("Expect", "").strip().lower()
        self._expect_continue = (
            has_body and expect == "100-continue" and self.request_version >= "HTTP/1.1"
        )
        on_read = self._send_continue if self._expect_continue else None
        if chunked:
            # Transfer-Encoding wins over a Content-Length sent alongside it: the body is
            # read chunked and marked terminated, so readers ignore CONTENT_LENGTH, which
            # stays as the client sent it (as with Werkzeug). Such a request may be an
            # attempt at request smuggling: the connection is closed after the response
            # (RFC 9112, section 6.3).
            if "CONTENT_LENGTH" in environ:
                self.close_connection = True
            environ["wsgi.input_terminated"] = True
            self._body = _ChunkedInput(self.rfile, on_read)  # type: ignore[arg-type]
        else:
            self._body = _LimitedInput(self.rfile, length, on_read)  # type: ignore[arg-type]
        environ["wsgi.input"] = io.BufferedReader(self._body)

        if ssl is not None:
            getpeercert = getattr(self.connection, "getpeercert", None)
            if getpeercert is not None:
                try:
                    peer_cert = getpeercert(binary_form=True)
                except ValueError:
                    self.server.log("error", "Cannot fetch SSL peer certificate info")
                else:
                    if peer_cert is not None:
                        environ["SSL_CLIENT_CERT"] = ssl.DER_cert_to_PEM_cert(peer_cert)
        return environ

    def run_wsgi(self) -> None:
        """Serve the current request with the WSGI application."""
        self.environ = environ = self.make_environ()
        method = self.command
        status_set: str | None = None
        headers_set: list[tuple[str, str]] | None = None
        headers_sent = False
        chunked = False
        no_body = False
        declared: int | None = None
        body_bytes = 0

        def send_headers(first_data: bytes) -> None:
            nonlocal headers_sent, chunked, no_body, declared
            assert status_set is not None and headers_set is not None
            code_text, _, reason = status_set.strip().partition(" ")
            code = int(code_text)
            no_body = method == "HEAD" or code < 200 or code in (204, 304)
            self._headers_buffer = []  # drop what a failed attempt left
            self.send_response_only(code, reason or None)
            self.log_request(code)
            names = set()
            for name, value in headers_set:
                lname = name.lower()
                if lname in ("connection", "transfer-encoding"):
                    # Hop-by-hop headers belong to the server (PEP 3333); the app may only
                    # ask for the connection to be closed.
                    if lname == "connection" and "close" in value.lower():
                        self.close_connection = True
                    continue
                if lname == "content-length":
                    try:
                        declared = int(value)
                    except ValueError:
                        self.close_connection = True
                names.add(lname)
                self._add_header_line(name, value)
            if "date" not in names:
                self._add_header_line("Date", self.date_time_string())
            if "server" not in names:
                self._add_header_line("Server", self.version_string())
            if declared is None and not no_body:
                if self.request_version >= "HTTP/1.1" and self.protocol_version >= "HTTP/1.1":
                    chunked = True
                    self._add_header_line("Transfer-Encoding", "chunked")
                else:
                    # The body ends when the connection does.
                    self.close_connection = True
            body = self._body
            if body is not None and not body.done and self._expect_continue:
                # The client waits for "100 Continue" before sending the body it announced;
                # it won't come now, so the connection can't be reused.
                self.close_connection = True
            if self.close_connection:
                self._add_header_line("Connection", "close")
            elif self.request_version < "HTTP/1.1":
                self._add_header_line("Connection", "keep-alive")
            head = b""
            if self.request_version != "HTTP/0.9":
                lines = self._headers_buffer
                head = b"".join(lines) + b"\r\n"
                self._headers_buffer = []
            headers_sent = True
            self.wfile.write(head + _frame(first_data))

        def _frame(data: bytes) -> bytes:
            nonlocal body_bytes, declared
            if no_body or not data:
                return b""
            if declared is not None:
                room = declared - body_bytes
                if len(data) > room:
                    data = data[: max(room, 0)]
                    self.close_connection = True
            body_bytes += len(data)
            if chunked and data:
                return b"%x\r\n%b\r\n" % (len(data), data)
            return data

        def write(data: bytes) -> None:
            if status_set is None:
                raise AssertionError("write() called before start_response()")
            if not isinstance(data, bytes):
                raise TypeError("Applications must write bytes.")
            if not headers_sent:
                send_headers(data)
            else:
                framed = _frame(data)
                if framed:
                    self.wfile.write(framed)

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
        ) -> t.Callable[[bytes], None]:
            nonlocal status_set, headers_set
            if exc_info:
                try:
                    if headers_sent:
                        raise exc_info[1].with_traceback(exc_info[2])
                finally:
                    exc_info = None
            elif status_set is not None:
                raise AssertionError("start_response() was already called.")
            status_set = status
            headers_set = list(headers)
            return write

        def execute(app: WSGIApplication) -> None:
            app_iter = app(environ, start_response)
            try:
                for data in app_iter:
                    if data:
                        write(data)
                if not headers_sent:
                    write(b"")
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")
                if declared is not None and body_bytes < declared and not no_body:
                    # The client waits for bytes that will never come.
                    self.close_connection = True
            finally:
                close = getattr(app_iter, "close", None)
                if close is not None:
                    close()

        try:
            execute(self.server.app)
        except _dropped_errors as e:
            self.close_connection = True
            self.connection_dropped(e, environ)
        except Exception:
            if self.server.passthrough_errors:
                raise
            text = traceback.format_exc()
            if headers_sent:
                # Mid-response: the only way to tell the client is to cut the connection.
                self.close_connection = True
            else:
                status_set = headers_set = None
                try:
                    execute(_internal_server_error)
                except Exception:
                    self.close_connection = True
            self.server.log("error", f"Error on request:\n{text}")
        finally:
            if not self.close_connection:
                self._finish_body()

    def _add_header_line(self, name: str, value: str) -> None:
        if self.request_version != "HTTP/0.9":
            if not hasattr(self, "_headers_buffer"):
                self._headers_buffer = []
            self._headers_buffer.append(f"{name}: {value}\r\n".encode("latin-1", "strict"))

    def _finish_body(self) -> None:
        body = self._body
        if body is None or body.done:
            return
        if self._expect_continue:
            self.close_connection = True
            return
        try:
            if not body.drain(_MAX_DRAIN):
                self.close_connection = True
        except (OSError, ValueError):
            self.close_connection = True

    def connection_dropped(
        self, error: BaseException, environ: WSGIEnvironment | None = None
    ) -> None:
        """Called when the client closed the connection; does nothing by default."""

    def __getattr__(self, name: str) -> t.Any:
        # http.server looks up do_<METHOD>: every method is handled by run_wsgi.
        if name.startswith("do_"):
            return self.run_wsgi
        raise AttributeError(name)

    def address_string(self) -> str:
        """The client's address, for the log."""
        environ = getattr(self, "environ", None)
        if environ:
            return str(environ["REMOTE_ADDR"])
        if not self.client_address or not isinstance(self.client_address, tuple):
            return "<local>"
        return str(self.client_address[0])

    def port_integer(self) -> int:
        """The client's port."""
        return int(self.client_address[1])

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log one line for the request, colored by status when logging to a terminal."""
        try:
            msg = f"{self.command} {unquote(self.path, errors='replace')} {self.request_version}"
        except AttributeError:
            msg = self.requestline  # the request line could not be parsed
        msg = msg.translate(_control_chars)
        code = str(code)
        if code.startswith("1"):
            msg = _ansi_style(msg, "bold")
        elif code == "200":
            pass
        elif code == "304":
            msg = _ansi_style(msg, "cyan")
        elif code.startswith("3"):
            msg = _ansi_style(msg, "green")
        elif code == "404":
            msg = _ansi_style(msg, "yellow")
        elif code.startswith("4"):
            msg = _ansi_style(msg, "bold", "red")
        else:
            msg = _ansi_style(msg, "bold", "magenta")
        self.log("info", '"%s" %s %s', msg, code, size)

    def log_error(self, format: str, *args: t.Any) -> None:
        """Log an error about the connection."""
        self.log("error", format, *args)

    def log_message(self, format: str, *args: t.Any) -> None:
        """Log an informational message about the connection."""
        self.log("info", format, *args)

    def log(self, type: str, message: str, *args: t.Any) -> None:
        """Log ``message % args`` prefixed with the client address and the time."""
        address = self.address_string().replace("%", "%%")
        _log(type, f"{address} - - [{self.log_date_time_string()}] {message}\n", *args)


# -- TLS -------------------------------------------------------------------------------------


def generate_adhoc_ssl_pair(cn: str | None = None) -> tuple[t.Any, t.Any]:
    """A self-signed certificate and its private key (requires ``cryptography``)."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID
    except ImportError:
        raise TypeError("Using ad-hoc certificates requires the cryptography library.") from None

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cn = cn or "*"
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Dummy Certificate"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(cn), x509.DNSName(f"*.{cn}")]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _pem_pair(cert: t.Any, key: t.Any) -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives import serialization

    return (
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PrivateFormat.TraditionalOpenSSL,
            encryption_algorithm=serialization.NoEncryption(),
        ),
    )


def make_ssl_devcert(
    base_path: str, host: str | None = None, cn: str | None = None
) -> tuple[str, str]:
    """Write a development certificate to ``base_path + '.crt'`` and its key to ``'.key'``.

    Reusing these files avoids the new certificate of every ``'adhoc'`` start.
    """
    cert, key = generate_adhoc_ssl_pair(cn=host if host is not None else cn)
    cert_pem, key_pem = _pem_pair(cert, key)
    cert_file, key_file = f"{base_path}.crt", f"{base_path}.key"
    with open(cert_file, "wb") as f:
        f.write(cert_pem)
    with open(key_file, "wb") as f:
        f.write(key_pem)
    return cert_file, key_file


def generate_adhoc_ssl_context() -> ssl.SSLContext:
    """An SSL context with a new self-signed certificate (requires ``cryptography``)."""
    import atexit
    import tempfile

    cert, key = generate_adhoc_ssl_pair()
    cert_pem, key_pem = _pem_pair(cert, key)
    cert_handle, cert_file = tempfile.mkstemp()
    key_handle, key_file = tempfile.mkstemp()
    atexit.register(os.remove, key_file)
    atexit.register(os.remove, cert_file)
    os.write(cert_handle, cert_pem)
    os.write(key_handle, key_pem)
    os.close(cert_handle)
    os.close(key_handle)
    return load_ssl_context(cert_file, key_file)


def load_ssl_context(
    cert_file: str, pkey_file: str | None = None, protocol: int | None = None
) -> ssl.SSLContext:
    """A server SSL context for a certificate file and its key (``pkey_file`` defaults to
    the key inside ``cert_file``); ``protocol`` defaults to ``ssl.PROTOCOL_TLS_SERVER``."""
    if ssl is None:  # pragma: no cover
        raise RuntimeError("SSL is unavailable: this Python was built without SSL support.")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if protocol is None else protocol)
    ctx.load_cert_chain(cert_file, pkey_file)
    return ctx


def is_ssl_error(error: BaseException | None = None) -> bool:
    """Whether ``error`` (default: the exception being handled) is an SSL error."""
    if error is None:
        error = sys.exc_info()[1]
    return ssl is not None and isinstance(error, ssl.SSLError)


# -- addresses -------------------------------------------------------------------------------


def select_address_family(host: str, port: int) -> socket.AddressFamily:
    """``AF_UNIX`` for ``unix://path``, ``AF_INET6`` for an address with ``:``, else ``AF_INET``."""
    if host.startswith("unix://") and af_unix is not None:
        return af_unix
    if ":" in host and hasattr(socket, "AF_INET6"):
        return socket.AF_INET6
    return socket.AF_INET


def get_sockaddr(host: str, port: int, family: socket.AddressFamily) -> tuple[t.Any, ...] | str:
    """The address to bind for ``host``/``port`` (a path for a Unix socket)."""
    if family == af_unix:
        return os.path.abspath(host.partition("://")[2])
    try:
        info = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    except socket.gaierror:
        return host, port
    return info[0][4]


def get_interface_ip(family: socket.AddressFamily) -> str:
    """The address of the interface used to reach outside (to display for ``0.0.0.0``)."""
    target = "fd31:f903:5ab5:1::1" if family == socket.AF_INET6 else "10.253.155.219"
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        try:
            s.connect((target, 58162))  # UDP: nothing is sent
        except OSError:
            return "::1" if family == socket.AF_INET6 else "127.0.0.1"
        return str(s.getsockname()[0])


# -- servers ---------------------------------------------------------------------------------


class BaseWSGIServer(HTTPServer):
    """A WSGI server handling one request at a time (see :func:`make_server`).

    ``fd`` adopts an already bound listening socket (the reloader passes it to its child).
    """

    multithread = False
    multiprocess = False
    request_queue_size = LISTEN_QUEUE
    allow_reuse_address = True

    def __init__(
        self,
        host: str,
        port: int,
        app: WSGIApplication,
        handler: type[WSGIRequestHandler] | None = None,
        passthrough_errors: bool = False,
        ssl_context: _SSLContextArg | None = None,
        fd: int | None = None,
        *,
        header_timeout: float | None = HEADER_TIMEOUT,
        max_connections: int | None = MAX_CONNECTIONS,
    ) -> None:
        if handler is None:
            handler = WSGIRequestHandler
        # Keep-alive (HTTP/1.1) needs concurrent workers: a single-threaded server would
        # be blocked by an idle connection.
        if "protocol_version" not in vars(handler) and (self.multithread or self.multiprocess):
            handler = type(handler.__name__, (handler,), {"protocol_version": "HTTP/1.1"})

        self.host = host
        self.port = port
        self.app = app
        self.passthrough_errors = passthrough_errors
        #: Seconds for a request line and headers (``None``: no limit).
        self.header_timeout = header_timeout
        #: The most connections served at once by the threaded server (``None``: no limit).
        self.max_connections = max_connections
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._active = 0  # connections accepted and not yet finished (threaded server)

        self.address_family = family = select_address_family(host, port)
        server_address = get_sockaddr(host, int(port), family)
        if family == af_unix and fd is None:
            # A socket file left over by an earlier run.
            if os.path.exists(t.cast(str, server_address)):
                os.unlink(t.cast(str, server_address))

        super().__init__(server_address, handler, bind_and_activate=False)  # type: ignore[arg-type]

        if fd is None:
            try:
                self.server_bind()
                self.server_activate()
            except OSError as e:
                self.server_close()
                print(e.strerror, file=sys.stderr)
                if e.errno == errno.EADDRINUSE:
                    print(
                        f"Port {port} is in use by another program. Either identify and"
                        " stop that program, or start the server with a different port.",
                        file=sys.stderr,
                    )
                    if sys.platform == "darwin" and port == 5000:
                        print(
                            "On macOS, try searching for and disabling 'AirPlay Receiver'"
                            " in System Settings.",
                            file=sys.stderr,
                        )
                sys.exit(1)
            except BaseException:
                self.server_close()
                raise
        else:
            # TCPServer created a socket of its own; adopt the inherited one instead.
            self.socket.close()
            self.socket = socket.socket(fileno=fd)
            self.server_address = self.socket.getsockname()

        if family != af_unix:
            self.port = self.server_address[1]  # the real port when 0 was asked for

        if ssl_context is not None:
            if isinstance(ssl_context, tuple):
                ssl_context = load_ssl_context(*ssl_context)
            elif ssl_context == "adhoc":
                ssl_context = generate_adhoc_ssl_context()
            # The handshake happens in the connection's thread (see WSGIRequestHandler.setup):
            # done in accept(), one silent client would block the whole server.
            self.socket = ssl_context.wrap_socket(
                self.socket, server_side=True, do_handshake_on_connect=False
            )
            self.ssl_context: ssl.SSLContext | None = ssl_context
        else:
            self.ssl_context = None

        from . import __version__

        self._server_version = f"erlen/{__version__}"

    def server_bind(self) -> None:
        """Bind the socket (without HTTPServer's slow reverse DNS lookup of the host)."""
        socketserver.TCPServer.server_bind(self)
        if isinstance(self.server_address, tuple):
            self.server_name = str(self.server_address[0])
            self.server_port = int(self.server_address[1])
        else:
            self.server_name, self.server_port = str(self.server_address), 0

    def _track_connection(self, conn: socket.socket, add: bool) -> None:
        with self._connections_lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def log(self, type: str, message: str, *args: t.Any) -> None:
        """Log to the ``erlen.serving`` logger."""
        _log(type, message, *args)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Serve until :meth:`shutdown` or Ctrl-C, then close the server."""
        try:
            super().serve_forever(poll_interval=poll_interval)
        except KeyboardInterrupt:
            pass
        finally:
            self.server_close()

    def server_close(self) -> None:
        """Close the listening socket and end the connections still open."""
        super().server_close()
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: t.Any, client_address: t.Any) -> None:
        """Re-raise with ``passthrough_errors``, else print the traceback."""
        if self.passthrough_errors:
            raise
        super().handle_error(request, client_address)

    def log_startup(self, interface: str = "WSGI") -> None:
        """Log the development server warning and the address(es) served.

        :param interface: ``"WSGI"`` or ``"ASGI"``, named in the warning.
        """
        warning = _ansi_style(
            "WARNING: This is a development server. Do not use it in a production"
            f" deployment. Use a production {interface} server instead.",
            "bold",
            "red",
        )
        messages = [warning]
        if self.address_family == af_unix:
            messages.append(f" * Running on {self.host}")
        else:
            scheme = "http" if self.ssl_context is None else "https"
            display = self.host
            if self.host in {"0.0.0.0", "::"}:
                messages.append(f" * Running on all addresses ({self.host})")
                if self.host == "0.0.0.0":
                    localhost = "127.0.0.1"
                    display = get_interface_ip(socket.AF_INET)
                else:
                    localhost = "[::1]"
                    display = get_interface_ip(socket.AF_INET6)
                messages.append(f" * Running on {scheme}://{localhost}:{self.port}")
            if ":" in display:
                display = f"[{display}]"
            messages.append(f" * Running on {scheme}://{display}:{self.port}")
        _log("info", "\n".join(messages))


class ThreadedWSGIServer(socketserver.ThreadingMixIn, BaseWSGIServer):
    """A WSGI server handling each connection in a thread (see :func:`make_server`).

    At most :attr:`max_connections` connections are served at once; one more is answered
    ``503 Service Unavailable`` (with ``Retry-After: 1``) and closed without a thread.
    """

    multithread = True
    daemon_threads = True

    def process_request(self, request: t.Any, client_address: t.Any) -> None:
        """Serve the connection in a new thread, or refuse it if the bound is reached."""
        with self._connections_lock:
            full = self.max_connections is not None and self._active >= self.max_connections
            if not full:
                self._active += 1
        if full:
            self._refuse(request, client_address)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._release()
            raise

    def process_request_thread(self, request: t.Any, client_address: t.Any) -> None:
        """Serve the connection (in its thread), then free its place."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release()

    def _release(self) -> None:
        with self._connections_lock:
            self._active -= 1

    def _refuse(self, request: t.Any, client_address: t.Any) -> None:
        body = b"Service Unavailable: the development server has too many connections.\n"
        head = (
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
        )
        try:
            request.settimeout(0)  # never wait for a client in the accepting thread
            request.sendall(head.encode("latin-1") + body)
        except OSError:
            pass
        self.shutdown_request(request)
        self.log(
            "warning",
            "Refused a connection from %s: %d connections already (max_connections).",
            client_address[0] if isinstance(client_address, tuple) else "<local>",
            self.max_connections,
        )


if can_fork:

    class ForkingWSGIServer(socketserver.ForkingMixIn, BaseWSGIServer):
        """A WSGI server handling each connection in a forked process (see :func:`make_server`)."""

        multiprocess = True

        def __init__(
            self,
            host: str,
            port: int,
            app: WSGIApplication,
            processes: int = 40,
            handler: type[WSGIRequestHandler] | None = None,
            passthrough_errors: bool = False,
            ssl_context: _SSLContextArg | None = None,
            fd: int | None = None,
            *,
            header_timeout: float | None = HEADER_TIMEOUT,
            max_connections: int | None = MAX_CONNECTIONS,
        ) -> None:
            super().__init__(
                host,
                port,
                app,
                handler,
                passthrough_errors,
                ssl_context,
                fd,
                header_timeout=header_timeout,
                max_connections=max_connections,
            )
            self.max_children = processes

else:  # pragma: no cover - Windows

    class ForkingWSGIServer(BaseWSGIServer):  # type: ignore[no-redef]
        """Unavailable: this platform cannot fork."""

        multiprocess = True

        def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
            raise ValueError("Your platform does not support forking.")


def make_server(
    host: str,
    port: int,
    app: WSGIApplication,
    threaded: bool = False,
    processes: int = 1,
    request_handler: type[WSGIRequestHandler] | None = None,
    passthrough_errors: bool = False,
    ssl_context: _SSLContextArg | None = None,
    fd: int | None = None,
    header_timeout: float | None = HEADER_TIMEOUT,
    max_connections: int | None = MAX_CONNECTIONS,
) -> BaseWSGIServer:
    """Create a bound server: threaded, forking (``processes > 1``) or single-threaded.

    Use it instead of :func:`run_simple` to control the server, e.g. to run it in a thread
    and call ``server.shutdown()``. See :func:`run_simple` for the parameters.
    """
    if threaded and processes > 1:
        raise ValueError("Cannot have a multi-thread and multi-process server.")
    options: dict[str, t.Any] = {
        "fd": fd,
        "header_timeout": header_timeout,
        "max_connections": max_connections,
    }
    if threaded:
        return ThreadedWSGIServer(
            host, port, app, request_handler, passthrough_errors, ssl_context, **options
        )
    if processes > 1:
        return ForkingWSGIServer(
            host, port, app, processes, request_handler, passthrough_errors, ssl_context, **options
        )
    return BaseWSGIServer(
        host, port, app, request_handler, passthrough_errors, ssl_context, **options
    )


def is_running_from_reloader() -> bool:
    """True in the server process started by the reloader (``ERLEN_RUN_MAIN`` or
    ``WERKZEUG_RUN_MAIN`` is ``"true"``)."""
    return (
        os.environ.get("ERLEN_RUN_MAIN") == "true" or os.environ.get("WERKZEUG_RUN_MAIN") == "true"
    )


def _inherited_fd() -> int | None:
    for name in ("ERLEN_SERVER_FD", "WERKZEUG_SERVER_FD"):
        value = os.environ.get(name)
        if value:
            try:
                return int(value)
            except ValueError:
                continue
    return None


def run_simple(
    hostname: str,
    port: int,
    application: WSGIApplication,
    use_reloader: bool = False,
    use_debugger: bool = False,
    use_evalex: bool = True,
    extra_files: t.Iterable[str] | None = None,
    exclude_patterns: t.Iterable[str] | None = None,
    reloader_interval: int | float = 1,
    reloader_type: str = "auto",
    threaded: bool = False,
    processes: int = 1,
    request_handler: type[WSGIRequestHandler] | None = None,
    static_files: dict[str, str | tuple[str, str]] | None = None,
    passthrough_errors: bool = False,
    ssl_context: _SSLContextArg | None = None,
    header_timeout: float | None = HEADER_TIMEOUT,
    max_connections: int | None = MAX_CONNECTIONS,
) -> None:
    """Serve ``application`` for development (Werkzeug's ``run_simple``).

    :param hostname: the host to bind (``"127.0.0.1"`` is local only; ``"0.0.0.0"`` is every
        interface; ``"unix://path"`` a Unix socket).
    :param port: the port; ``0`` lets the OS pick a free one.
    :param use_reloader: restart the server process when a source file changes
        (:mod:`erlen._reloader`). The socket is bound once, in the watching process, and
        handed to each server process, so the port stays reserved across restarts.
    :param use_debugger: wrap the app in ``erlen.debug.DebuggedApplication`` (skipped if
        that module is not available).
    :param use_evalex: let the debugger evaluate code in frames.
    :param extra_files: more files (or folders, e.g. templates) the reloader watches.
    :param exclude_patterns: :mod:`fnmatch` patterns of paths the reloader ignores.
    :param reloader_interval: seconds between the reloader's checks.
    :param reloader_type: ``"auto"`` (watchfiles if installed, else ``"stat"``), ``"stat"``
        or ``"watchfiles"``.
    :param threaded: handle each connection in a thread (enables HTTP/1.1 keep-alive).
    :param processes: handle each connection in a forked process (at most this many).
    :param request_handler: a :class:`WSGIRequestHandler` subclass.
    :param static_files: URL prefix -> folder, file or ``(package, folder)`` to serve files
        from, through :class:`~erlen.middleware.shared_data.SharedDataMiddleware` (files are
        streamed, with ETags and 304 answers).
    :param passthrough_errors: let exceptions from the app crash the server.
    :param ssl_context: serve HTTPS with an :class:`ssl.SSLContext`, a ``(cert, key)`` pair
        of file names, or ``"adhoc"`` (a temporary self-signed certificate; needs
        ``cryptography``).
    :param header_timeout: seconds a client has to send a request line and headers
        (from the connection's start, or from the first byte of a kept-alive
        connection's next request); then the connection is closed, after a ``408`` if
        part of a request arrived. ``None`` or ``0``: no limit. Request bodies,
        responses (streamed ones too) and the keep-alive wait are not cut by it.
        Not in Werkzeug.
    :param max_connections: with ``threaded``, the most connections served at once;
        one more is answered ``503`` (``Retry-After: 1``) at once and closed. ``None``:
        no limit. (``processes`` bounds the forking server, which waits instead.)
        Not in Werkzeug.
    """
    if not isinstance(port, int):
        raise TypeError("port must be an integer")

    if static_files:
        from .middleware.shared_data import SharedDataMiddleware

        application = SharedDataMiddleware(application, static_files)

    if use_debugger:
        try:
            from .debug import DebuggedApplication  # type: ignore[import-not-found,unused-ignore]
        except ImportError as e:
            if e.name not in ("erlen.debug", __package__ + ".debug"):
                raise
            _log("warning", " * The debugger is not available (erlen.debug is missing).")
        else:
            application = DebuggedApplication(application, evalex=use_evalex)
            trusted_hosts = getattr(application, "trusted_hosts", None)
            if isinstance(trusted_hosts, list):
                trusted_hosts.append(hostname)

    fd = _inherited_fd() if is_running_from_reloader() else None
    srv = make_server(
        hostname,
        port,
        application,
        threaded,
        processes,
        request_handler,
        passthrough_errors,
        ssl_context,
        fd=fd,
        header_timeout=header_timeout,
        max_connections=max_connections,
    )
    _run_server(
        srv,
        srv.serve_forever,
        use_reloader,
        extra_files=extra_files,
        exclude_patterns=exclude_patterns,
        reloader_interval=reloader_interval,
        reloader_type=reloader_type,
    )


def _run_server(
    srv: BaseWSGIServer,
    serve: t.Callable[[], None],
    use_reloader: bool,
    *,
    extra_files: t.Iterable[str] | None,
    exclude_patterns: t.Iterable[str] | None,
    reloader_interval: int | float,
    reloader_type: str,
    stop: t.Callable[[], None] | None = None,
    interface: str = "WSGI",
    server_note: str | None = None,
) -> None:
    """Run ``serve`` (which serves on ``srv``'s socket until stopped), under the reloader
    if asked: the socket, bound here, is handed to every reloaded server process.

    :param stop: With the reloader, called in the server process before it exits (for a
        restart or Ctrl-C) to stop ``serve`` gracefully.
    :param interface: ``"WSGI"`` or ``"ASGI"``, for the startup messages.
    :param server_note: A line for the startup messages (which server serves).
    """
    srv.socket.set_inheritable(True)
    os.environ["ERLEN_SERVER_FD"] = str(srv.fileno())

    if not is_running_from_reloader():
        srv.log_startup(interface)
        if server_note is not None:
            _log("info", f" * {server_note}")
        _log("info", _ansi_style("Press CTRL+C to quit", "yellow"))

    if not use_reloader:
        serve()
        return

    from ._reloader import run_with_reloader

    def serve_while_broken(exit_code: int) -> t.Callable[[], None]:
        # The server process died (e.g. a syntax error): answer with an error page,
        # from this process, until a change restarts it.
        srv.app = _child_failed_app(exit_code)
        worker = threading.Thread(
            target=socketserver.BaseServer.serve_forever, args=(srv, 0.1), daemon=True
        )
        worker.start()

        def stop() -> None:
            srv.shutdown()
            worker.join()

        return stop

    try:
        run_with_reloader(
            serve,
            extra_files=extra_files,
            exclude_patterns=exclude_patterns,
            interval=reloader_interval,
            reloader_type=reloader_type,
            while_waiting=serve_while_broken,
            stop_func=stop,
        )
    finally:
        srv.server_close()


#: Seconds uvicorn waits for open connections (websockets, streams) when the ASGI
#: development server stops or reloads, before closing them and running the app's
#: lifespan shutdown (the reloader's watcher kills a server process still running 3 s
#: after asking it to stop).
ASGI_GRACEFUL_SHUTDOWN = 2

#: The message when serving over ASGI without uvicorn installed.
UVICORN_MISSING = (
    "Serving over ASGI (an app with websocket routes, or 'erlen run --asgi') needs uvicorn:"
    " install it with pip install 'erlen[asgi]'."
)


def run_asgi(
    hostname: str,
    port: int,
    application: t.Callable[..., t.Awaitable[None]],
    use_reloader: bool = False,
    use_debugger: bool = False,
    extra_files: t.Iterable[str] | None = None,
    exclude_patterns: t.Iterable[str] | None = None,
    reloader_interval: int | float = 1,
    reloader_type: str = "auto",
    ssl_context: _SSLContextArg | None = None,
    max_connections: int | None = MAX_CONNECTIONS,
    log_level: str = "info",
) -> None:
    """Serve the ASGI 3 ``application`` for development on uvicorn (not in Werkzeug).

    ``erlen run`` uses it for apps with websocket routes (or with ``--asgi``). As with
    :func:`run_simple`, erlen binds the listening socket (in the reloader's watching
    process, so the port stays reserved across restarts) and each server process runs
    uvicorn's ``Server`` on it; the reloader, ``ssl_context`` and the startup messages are
    :func:`run_simple`'s. The app's lifespan runs (``before_serving`` /
    ``after_serving``; a failing startup stops the server, or, under the reloader, waits
    for a fix); on a reload or Ctrl-C open connections get
    :data:`ASGI_GRACEFUL_SHUTDOWN` seconds to finish.

    :param application: An ASGI 3 application, e.g. an erlen app.
    :param use_debugger: Answer errors with the debug page
        (:class:`erlen.asgi.debug.DebuggedASGIApplication`).
    :param max_connections: uvicorn's ``limit_concurrency``: past it new connections and
        requests are answered ``503``. ``None``: no limit.
    :param log_level: uvicorn's log level.
    :raises RuntimeError: uvicorn is not installed (the ``erlen[asgi]`` extra).

    The other parameters are :func:`run_simple`'s.
    """
    if not isinstance(port, int):
        raise TypeError("port must be an integer")
    try:
        import uvicorn
    except ImportError as e:
        if e.name != "uvicorn":
            raise
        raise RuntimeError(UVICORN_MISSING) from None

    if use_debugger:
        from .asgi.debug import DebuggedASGIApplication

        application = DebuggedASGIApplication(application)

    fd = _inherited_fd() if is_running_from_reloader() else None
    # The socket holder: its (WSGI) app only serves the reloader's "failed to start" page.
    srv = make_server(hostname, port, _internal_server_error, ssl_context=ssl_context, fd=fd)
    config = uvicorn.Config(
        application,
        interface="asgi3",
        lifespan="on",  # a failing before_serving fails the start, as in production
        # As the WSGI development server: X-Forwarded-* are the app's business (ProxyFix).
        proxy_headers=False,
        log_level=log_level,
        limit_concurrency=max_connections,
        timeout_graceful_shutdown=ASGI_GRACEFUL_SHUTDOWN,
    )
    config.load()
    # uvicorn builds TLS contexts from files only; the holder's context has the certificate
    # (a file pair, an SSLContext or "adhoc").
    config.ssl = srv.ssl_context
    server = uvicorn.Server(config)
    threads: list[threading.Thread] = []

    def serve() -> None:
        threads.append(threading.current_thread())
        # A second socket object on the holder's listening socket, for asyncio.
        sock = socket.socket(fileno=os.dup(srv.fileno()))
        try:
            server.run(sockets=[sock])
        except SystemExit:  # uvicorn's answer to a failed lifespan startup (logged)
            pass
        if not server.started:
            # Not uvicorn's exit code 3, which asks the reloader for a restart.
            if threading.current_thread() is threading.main_thread():
                sys.exit(1)
            # The reloader's server process: exit so the watcher shows the failure and
            # waits for a change (sys.exit would only end this thread).
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(1)

    def stop() -> None:
        # The reloader's server process, about to exit. A terminal's SIGTERM to the group
        # is followed by the watcher's own: one is enough, let the graceful stop finish
        # (the watcher kills this process if it takes too long).
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        server.should_exit = True
        for thread in threads:
            thread.join(ASGI_GRACEFUL_SHUTDOWN + 5.0)

    _run_server(
        srv,
        serve,
        use_reloader,
        extra_files=extra_files,
        exclude_patterns=exclude_patterns,
        reloader_interval=reloader_interval,
        reloader_type=reloader_type,
        stop=stop,
        interface="ASGI",
        server_note=f"Serving over ASGI with uvicorn {uvicorn.__version__}",
    )


def _child_failed_app(exit_code: int) -> WSGIApplication:
    body = (
        "The application failed to start (its process exited with code"
        f" {exit_code}); the error is shown in the terminal running the server.\n"
        "The server restarts when a watched file is saved.\n"
    ).encode()

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        start_response(
            "500 INTERNAL SERVER ERROR",
            [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Connection", "close"),  # later requests must reach the restarted server
                ("Retry-After", "1"),
            ],
        )
        return [body]

    return app
