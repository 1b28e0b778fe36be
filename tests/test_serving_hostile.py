"""Hostile clients against the development server, over real sockets on the loopback.

Broken request bodies are a 400 (not an application error), slow or idle clients do not
pin a thread (header timeout), and the threaded server serves a bounded number of
connections at once.
"""

from __future__ import annotations

import io
import logging
import socket
import ssl
import subprocess
import threading
import time
import typing as t

import pytest

import erlen
from erlen import request, serving, stream_with_context
from erlen.test import EnvironBuilder

# A guard against a hanging test, not a measured limit.
TIMEOUT = 10.0


class Served:
    """An erlen app served by ``make_server`` in a thread, with what its views saw."""

    def __init__(self, **options: t.Any) -> None:
        self.teardowns: list[BaseException | None] = []
        self.app = app = erlen.Flask(__name__)

        @app.post("/upload")
        def upload() -> str:
            return f"got {len(request.get_data())}"

        @app.post("/form")
        def form() -> str:
            return f"fields {len(request.form)}"

        @app.get("/stream")
        def stream() -> t.Any:
            def generate() -> t.Iterator[str]:
                for i in range(4):
                    time.sleep(0.25)
                    yield f"part {i}\n"

            return stream_with_context(generate())

        @app.get("/")
        def index() -> str:
            return "hello"

        @app.teardown_request
        def teardown(exc: BaseException | None) -> None:
            self.teardowns.append(exc)

        options.setdefault("threaded", True)
        self.server = serving.make_server("127.0.0.1", 0, app, **options)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,))

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.server.port), timeout=TIMEOUT)

    def __enter__(self) -> Served:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive()


def read_response(sock: socket.socket) -> tuple[int, bytes]:
    """Read one response that has a Content-Length or ends with the connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before a response: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    if "content-length" in headers:
        while len(body) < int(headers["content-length"]):
            chunk = sock.recv(65536)
            assert chunk, "connection closed inside the body"
            body += chunk
    elif headers.get("transfer-encoding") == "chunked":
        while not body.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(65536)
            assert chunk, "connection closed inside the body"
            body += chunk
    else:
        while chunk := sock.recv(65536):
            body += chunk
    return int(lines[0].split()[1]), body


def closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def wait_until(condition: t.Callable[[], bool]) -> bool:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# -- broken request bodies (issue 9, bug 2) ----------------------------------------------------

CHUNKED_POST = (
    b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
    b"Content-Type: application/octet-stream\r\n\r\n"
)


def test_malformed_chunk_size_is_400_and_not_an_app_error(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO), Served() as served, served.connect() as sock:
        sock.sendall(CHUNKED_POST + b"zz\r\nhello\r\n0\r\n\r\n")
        status, _ = read_response(sock)
    assert status == 400
    assert served.teardowns == [None]
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert errors == [], [r.getMessage() for r in errors]


def test_chunked_upload_cut_mid_body_is_not_an_app_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO), Served() as served:
        with served.connect() as sock:
            sock.sendall(CHUNKED_POST + b"400\r\n" + b"x" * 100)
            sock.shutdown(socket.SHUT_WR)  # the client goes away mid-chunk
            status, _ = read_response(sock)
        assert status == 400
        assert wait_until(lambda: served.teardowns == [None])
        # The server still answers.
        with served.connect() as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_response(sock) == (200, b"hello")
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert errors == [], [r.getMessage() for r in errors]


def test_form_cut_mid_body_is_400() -> None:
    with Served() as served, served.connect() as sock:
        sock.sendall(
            b"POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\na=1&b=2"
        )
        sock.shutdown(socket.SHUT_WR)
        assert read_response(sock)[0] == 400
    assert served.teardowns == [None]


class _ServerParseError(Exception):
    """Like gunicorn's InvalidChunkSize: a server's own error, no OSError."""


class _BrokenInput(io.RawIOBase):
    """A server's terminated input stream that fails after some data."""

    def __init__(self, data: bytes, error: Exception | None) -> None:
        self.data = data
        self.error = error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: t.Any) -> int:
        if not self.data:
            if self.error is not None:
                raise self.error
            return 0
        n = min(len(buffer), len(self.data))
        buffer[:n], self.data = self.data[:n], self.data[n:]
        return n


@pytest.mark.parametrize(
    ("error", "content_length"),
    [
        (_ServerParseError("Invalid chunk size: 'zz'"), None),
        (ConnectionResetError(), None),
        (None, "100"),  # a declared length the server's stream ends before
    ],
)
@pytest.mark.parametrize("path", ["/upload", "/form"])
def test_server_input_errors_are_400(
    error: Exception | None, content_length: str | None, path: str
) -> None:
    app = erlen.Flask(__name__)
    seen: list[BaseException | None] = []
    app.add_url_rule("/upload", "upload", lambda: str(len(request.get_data())), methods=["POST"])
    app.add_url_rule("/form", "form", lambda: str(len(request.form)), methods=["POST"])
    app.teardown_request(seen.append)
    environ = EnvironBuilder(
        path=path, method="POST", content_type="application/x-www-form-urlencoded"
    ).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    if content_length is not None:
        environ["CONTENT_LENGTH"] = content_length
    environ["wsgi.input"] = io.BufferedReader(_BrokenInput(b"a=1&b=2", error))
    environ["wsgi.input_terminated"] = True
    statuses: list[str] = []
    body = b"".join(app(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    assert statuses == ["400 BAD REQUEST"], body
    assert seen == [None]


# -- header timeout (issue 9, bug 6) -----------------------------------------------------------


def test_silent_connection_is_closed_after_the_header_timeout() -> None:
    with Served(header_timeout=0.3) as served, served.connect() as sock:
        assert closed_by_server(sock)


def test_slowloris_headers_get_408_although_bytes_keep_coming() -> None:
    with Served(header_timeout=0.5) as served, served.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\n")
        sock.settimeout(0.1)
        received = b""
        for _ in range(int(TIMEOUT / 0.1)):
            try:
                sock.sendall(b"X")  # one header byte at a time, never finishing
                received += sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if b"\r\n\r\n" in received:
                break
        assert received.startswith(b"HTTP/1.1 408 ")


def test_header_timeout_does_not_cut_a_long_streamed_response() -> None:
    with Served(header_timeout=0.2) as served, served.connect() as sock:
        sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        status, body = read_response(sock)
    assert status == 200
    assert body.count(b"part ") == 4


def test_header_timeout_does_not_cut_a_slow_body() -> None:
    with Served(header_timeout=0.2) as served, served.connect() as sock:
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n")
        for byte in b"abcd":
            time.sleep(0.15)
            sock.sendall(bytes([byte]))
        assert read_response(sock) == (200, b"got 4")


def test_keep_alive_wait_longer_than_the_header_timeout_is_kept() -> None:
    with Served(header_timeout=0.2) as served, served.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock) == (200, b"hello")
        time.sleep(0.6)  # idle between requests: the keep-alive timeout applies
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock) == (200, b"hello")


def test_header_timeout_protects_the_single_threaded_server() -> None:
    with Served(threaded=False, header_timeout=0.3) as served:
        with served.connect() as idle, served.connect() as sock:
            sock.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
            # Served once the idle connection ahead of it is dropped.
            assert read_response(sock) == (200, b"hello")
            assert closed_by_server(idle)


def test_no_header_timeout() -> None:
    with Served(header_timeout=None) as served, served.connect() as sock:
        sock.settimeout(0.5)
        with pytest.raises(TimeoutError):
            sock.recv(1)  # still open
        sock.settimeout(TIMEOUT)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock) == (200, b"hello")


# -- connection bound (issue 9, bug 6) ---------------------------------------------------------


def test_connections_beyond_the_bound_get_503_at_once() -> None:
    with Served(header_timeout=None, max_connections=3) as served:
        idle = [served.connect() for _ in range(3)]
        try:
            assert wait_until(lambda: served.server._active == 3)
            with served.connect() as extra:
                status, body = read_response(extra)
            assert status == 503
            assert b"too many connections" in body
            idle.pop().close()
            # Its place is freed when its thread ends; then a new client is served.
            assert wait_until(lambda: served.server._active == 2)
            with served.connect() as sock:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                assert read_response(sock) == (200, b"hello")
        finally:
            for sock in idle:
                sock.close()


def test_many_slow_clients_use_a_bounded_number_of_threads() -> None:
    before = threading.active_count()
    with Served(header_timeout=None, max_connections=5) as served:
        clients = [served.connect() for _ in range(40)]
        try:
            for sock in clients:
                sock.sendall(b"GET / HTTP/1.1\r\n")  # never finished
            assert wait_until(lambda: served.server._active == 5)
            # The serving thread plus one per served connection.
            assert threading.active_count() <= before + 1 + 5
            refused = sum(closed_or_503(sock) for sock in clients)
            assert refused == 35
        finally:
            for sock in clients:
                sock.close()


def closed_or_503(sock: socket.socket) -> bool:
    sock.settimeout(0.2)
    try:
        data = sock.recv(65536)
    except TimeoutError:
        return False  # being served: waits for the rest of its headers
    except ConnectionResetError:
        return True
    return data == b"" or data.startswith(b"HTTP/1.1 503 ")


def test_run_simple_passes_the_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, t.Any] = {}

    class Stop(Exception):
        pass

    def capture(*args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        seen.update(kwargs)
        raise Stop

    monkeypatch.setattr(serving, "make_server", capture)
    with pytest.raises(Stop):
        serving.run_simple(
            "127.0.0.1", 0, erlen.Flask(__name__), header_timeout=1.5, max_connections=9
        )
    assert (seen["header_timeout"], seen["max_connections"]) == (1.5, 9)


@pytest.fixture
def certificate(tmp_path: t.Any) -> tuple[str, str]:
    """A throwaway self-signed certificate and key, made by the openssl command."""
    cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def test_a_silent_client_does_not_block_the_https_server(certificate: tuple[str, str]) -> None:
    # The TLS handshake runs in the connection's thread, within the header timeout; in
    # accept() a client that never sends its hello would hold every other client back.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with Served(header_timeout=0.5, ssl_context=certificate) as served:
        with served.connect() as idle:
            with served.connect() as raw, context.wrap_socket(raw) as sock:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                assert read_response(sock) == (200, b"hello")
            assert closed_by_server(idle)
