"""The development server, over real sockets on the loopback interface."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import typing as t

import pytest

from erlen import serving
from erlen.middleware.shared_data import SharedDataMiddleware

TIMEOUT = 5.0


def _app(environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> t.Iterable[bytes]:
    path = environ["PATH_INFO"]
    if path == "/echo":
        body = environ["wsgi.input"].read()
        info = f"{environ.get('CONTENT_LENGTH')}|{environ.get('wsgi.input_terminated')}|"
        data = info.encode() + body
        start_response(
            "200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))]
        )
        return [data]
    if path == "/ignore-body":
        start_response("413 Request Entity Too Large", [("Content-Length", "4")])
        return [b"nope"]
    if path == "/stream":
        gate: threading.Event = environ["test.gate"]

        def generate() -> t.Iterator[bytes]:
            yield b"first"
            # Only sent once the client has seen the first part: proves it is streamed.
            if not gate.wait(TIMEOUT):
                raise RuntimeError("the client never read the first part")
            yield b"second"

        start_response("200 OK", [("Content-Type", "text/plain")])
        return generate()
    if path == "/write":
        write = start_response("200 OK", [("Content-Length", "10")])
        write(b"legacy")
        return [b"", b"api!"]
    if path == "/fail":
        raise ValueError("boom")
    if path.startswith("/env/"):
        keys = ("PATH_INFO", "QUERY_STRING", "REQUEST_URI", "SCRIPT_NAME", "SERVER_PROTOCOL")
        lines = [f"{k}={environ[k]!r}" for k in keys]
        lines += [f"{k}={v!r}" for k, v in sorted(environ.items()) if k.startswith("HTTP_")]
        lines.append(f"multithread={environ['wsgi.multithread']!r}")
        data = "\n".join(lines).encode("utf-8")
        start_response("200 OK", [("Content-Length", str(len(data)))])
        return [data]
    data = f"hello {environ['REQUEST_METHOD']} {path}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
    return [data]


class _Gated:
    """Adds a per-test event to the environ, for the streaming view."""

    def __init__(self) -> None:
        self.gate = threading.Event()

    def __call__(self, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> t.Any:
        environ["test.gate"] = self.gate
        return _app(environ, start_response)


@pytest.fixture
def gated() -> _Gated:
    return _Gated()


@contextlib.contextmanager
def _serving(
    monkeypatch: pytest.MonkeyPatch, app: t.Any, hostname: str = "127.0.0.1", **kwargs: t.Any
) -> t.Iterator[serving.BaseWSGIServer]:
    """``run_simple`` in a thread (port 0: a free one); shut down afterwards."""
    monkeypatch.setenv("ERLEN_SERVER_FD", "")  # run_simple sets it; restored afterwards
    created: list[serving.BaseWSGIServer] = []
    real_make_server = serving.make_server

    def capture(*args: t.Any, **kwargs: t.Any) -> serving.BaseWSGIServer:
        srv = real_make_server(*args, **kwargs)
        created.append(srv)
        return srv

    monkeypatch.setattr(serving, "make_server", capture)
    thread = threading.Thread(target=serving.run_simple, args=(hostname, 0, app), kwargs=kwargs)
    thread.start()
    deadline = time.monotonic() + TIMEOUT
    while not created and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert created, "the server did not start"
    try:
        yield created[0]
    finally:
        created[0].shutdown()
        thread.join(TIMEOUT)
        assert not thread.is_alive()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, gated: _Gated) -> t.Iterator[serving.BaseWSGIServer]:
    """``run_simple`` (threaded) in a thread on a free port; shut down afterwards."""
    with _serving(monkeypatch, gated, threaded=True) as srv:
        yield srv


def _connect(srv: serving.BaseWSGIServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=TIMEOUT)
    return sock


class _Reader:
    """Reads HTTP responses from a socket (a minimal client for the assertions)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buffer += data
        return bool(data)

    def read_until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            if not self._fill():
                raise AssertionError(f"connection closed before {marker!r}: {self.buffer!r}")
        head, _, self.buffer = self.buffer.partition(marker)
        return head + marker

    def read_exactly(self, n: int) -> bytes:
        while len(self.buffer) < n:
            if not self._fill():
                raise AssertionError("connection closed early")
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read_head(self) -> tuple[int, dict[str, str]]:
        head = self.read_until(b"\r\n\r\n").decode("latin-1")
        status_line, *header_lines = head.strip().split("\r\n")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(status_line.split()[1]), headers

    def read_chunk(self) -> bytes:
        """One chunk of a chunked body (``b""`` for the last one, trailers not expected)."""
        size = int(self.read_until(b"\r\n").strip(), 16)
        data = self.read_exactly(size)
        assert self.read_exactly(2) == b"\r\n"
        return data

    def read_response(self) -> tuple[int, dict[str, str], bytes]:
        status, headers = self.read_head()
        if "content-length" in headers:
            body = self.read_exactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            body = b""
            while chunk := self.read_chunk():
                body += chunk
        else:
            while self._fill():
                pass
            body, self.buffer = self.buffer, b""
        return status, headers, body

    def at_eof(self) -> bool:
        return not self.buffer and not self._fill()


def test_keep_alive_two_requests_one_connection(server: serving.BaseWSGIServer) -> None:
    with _connect(server) as sock:
        reader = _Reader(sock)
        sock.sendall(b"GET /a HTTP/1.1\r\nHost: localhost\r\n\r\n")
        status, headers, body = reader.read_response()
        assert (status, body) == (200, b"hello GET /a")
        assert "close" not in headers.get("connection", "")
        assert headers["server"].startswith("erlen/")
        sock.sendall(b"GET /b HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert reader.read_response()[2] == b"hello GET /b"
        # A client asking to close gets its answer, then the server closes.
        sock.sendall(b"GET /c HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        status, headers, body = reader.read_response()
        assert body == b"hello GET /c"
        assert headers["connection"] == "close"
        assert reader.at_eof()


def test_pipelined_requests_after_unread_body(server: serving.BaseWSGIServer) -> None:
    """A body the app ignored is discarded, so the next request on the connection works."""
    with _connect(server) as sock:
        reader = _Reader(sock)
        sock.sendall(
            b"POST /ignore-body HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        assert reader.read_response()[:1] == (413,)
        assert reader.read_response()[2] == b"hello GET /after"


def test_chunked_upload_is_decoded(server: serving.BaseWSGIServer) -> None:
    with _connect(server) as sock:
        reader = _Reader(sock)
        sock.sendall(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n"
            b"7;ext=1\r\n, world\r\n"
            b"0\r\nX-Trailer: yes\r\n\r\n"
        )
        status, _, body = reader.read_response()
        # No CONTENT_LENGTH, and the input stream ends by itself.
        assert (status, body) == (200, b"None|True|hello, world")
        # The connection is still in a good state.
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        assert reader.read_response()[2] == b"3|None|abc"


def test_chunked_upload_with_a_content_length_keeps_it_and_closes(
    server: serving.BaseWSGIServer,
) -> None:
    with _connect(server) as sock:
        reader = _Reader(sock)
        sock.sendall(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Length: invalid\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        )
        status, headers, body = reader.read_response()
        # The body is read chunked (the length is ignored), the header stays in the
        # environ as sent, and the connection is not reused (RFC 9112, 6.3).
        assert (status, body) == (200, b"invalid|True|hello")
        assert headers["connection"] == "close"
        assert reader.at_eof()


def test_streamed_response_is_read_incrementally(
    server: serving.BaseWSGIServer, gated: _Gated
) -> None:
    with _connect(server) as sock:
        reader = _Reader(sock)
        sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers = reader.read_head()
        assert status == 200
        assert headers["transfer-encoding"] == "chunked"
        assert "content-length" not in headers
        assert reader.read_chunk() == b"first"
        gated.gate.set()
        assert reader.read_chunk() == b"second"
        assert reader.read_chunk() == b""  # the last chunk (no trailers)
        sock.sendall(b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
        assert reader.read_response()[2] == b"hello GET /next"


def test_http10_client_gets_body_until_close(server: serving.BaseWSGIServer, gated: _Gated) -> None:
    gated.gate.set()
    with _connect(server) as sock:
        reader = _Reader(sock)
        sock.sendall(b"GET /stream HTTP/1.0\r\n\r\n")
        status, headers, body = reader.read_response()
        assert status == 200
        assert "transfer-encoding" not in headers
        assert body == b"firstsecond"


def test_expect_100_continue(server: serving.BaseWSGIServer) -> None:
    with _connect(server) as sock:
        reader = _Reader(sock)
        sock.sendall(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
        )
        # The interim response comes before the client sends anything more.
        assert reader.read_until(b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"data")
        status, _, body = reader.read_response()
        assert (status, body) == (200, b"4|None|data")


def test_expect_100_continue_not_sent_when_body_unused(server: serving.BaseWSGIServer) -> None:
    with _connect(server) as sock:
        reader = _Reader(sock)
        sock.sendall(
            b"POST /ignore-body HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        status, headers, body = reader.read_response()
        assert (status, body) == (413, b"nope")
        # The announced body never came, so the connection can't be reused.
        assert headers["connection"] == "close"
        assert reader.at_eof()


def test_head_has_no_body(server: serving.BaseWSGIServer) -> None:
    with _connect(server) as sock:
        reader = _Reader(sock)
        sock.sendall(b"HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers = reader.read_head()
        assert status == 200
        assert headers["content-length"] == str(len(b"hello HEAD /x"))
        # The body was not sent: the next response follows directly.
        sock.sendall(b"GET /y HTTP/1.1\r\nHost: x\r\n\r\n")
        assert reader.read_response()[2] == b"hello GET /y"


def test_environ(server: serving.BaseWSGIServer) -> None:
    with _connect(server) as sock:
        reader = _Reader(sock)
        sock.sendall(
            b"GET /env/caf%C3%A9/a%2Fb?q=%20x&r=1 HTTP/1.1\r\nHost: example.test\r\n"
            b"X-Custom: 1\r\nX-Custom: 2\r\nX_Spoofed: yes\r\n"
            b"X-Spaced: a \r\nX-Other: o\r\nX-Spaced:  b\r\nX-Spaced: c \r\n\r\n"
        )
        body = reader.read_response()[2].decode("utf-8")
    # PEP 3333: the percent-decoded bytes as latin-1; the query string stays encoded.
    assert "PATH_INFO='/env/caf\xc3\xa9/a/b'" in body  # latin-1 chars of UTF-8 bytes
    assert "QUERY_STRING='q=%20x&r=1'" in body
    assert "REQUEST_URI='/env/caf%C3%A9/a%2Fb?q=%20x&r=1'" in body
    assert "SCRIPT_NAME=''" in body
    assert "SERVER_PROTOCOL='HTTP/1.1'" in body
    assert "HTTP_HOST='example.test'" in body
    assert "HTTP_X_CUSTOM='1,2'" in body
    # Repeated headers are joined with commas, each value as parsed (leading blanks
    # dropped, trailing ones kept), as Werkzeug's server does.
    assert "HTTP_X_SPACED='a ,b,c '" in body
    assert "SPOOFED" not in body  # header names with "_" are dropped
    assert "multithread=True" in body


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="needs Unix sockets")
def test_unix_socket(tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "app.sock"
    with _serving(monkeypatch, _app, f"unix://{path}", threaded=True) as srv:
        assert srv.address_family == socket.AF_UNIX
        for _ in range(2):  # two connections, two requests each
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(TIMEOUT)
                sock.connect(str(path))
                reader = _Reader(sock)
                sock.sendall(b"GET /one HTTP/1.1\r\nHost: x\r\n\r\n")
                assert reader.read_response()[::2] == (200, b"hello GET /one")
                sock.sendall(b"GET /two HTTP/1.1\r\nHost: x\r\n\r\n")
                assert reader.read_response()[::2] == (200, b"hello GET /two")


def test_app_error_gives_500_and_is_logged(
    server: serving.BaseWSGIServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="erlen.serving"):
        with _connect(server) as sock:
            reader = _Reader(sock)
            sock.sendall(b"GET /fail HTTP/1.1\r\nHost: x\r\n\r\n")
            status, _, body = reader.read_response()
            assert status == 500
            assert b"Internal Server Error" in body
            sock.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
            assert reader.read_response()[2] == b"hello GET /ok"
    messages = [r.getMessage() for r in caplog.records]
    assert any("Error on request" in m and "ValueError: boom" in m for m in messages)
    # One log line per request, with the status.
    assert any('"GET /fail HTTP/1.1" 500' in m for m in messages)
    assert any('"GET /ok HTTP/1.1" 200' in m for m in messages)


def test_port_in_use_message(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as exc_info:
            serving.run_simple("127.0.0.1", port, _app)
    assert exc_info.value.code == 1
    err = capsys.readouterr().err
    assert "Address already in use" in err
    assert f"Port {port} is in use by another program." in err


def test_port_must_be_int() -> None:
    with pytest.raises(TypeError, match="port must be an integer"):
        serving.run_simple("127.0.0.1", "5000", _app)  # type: ignore[arg-type]


def test_make_server_rejects_threads_and_processes() -> None:
    with pytest.raises(ValueError, match="multi-thread and multi-process"):
        serving.make_server("127.0.0.1", 0, _app, threaded=True, processes=2)


def test_inherited_socket_is_adopted(monkeypatch: pytest.MonkeyPatch) -> None:
    """In a reloader child the server uses the socket bound by the watching process."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
        monkeypatch.delenv("ERLEN_SERVER_FD", raising=False)
        monkeypatch.setenv("WERKZEUG_SERVER_FD", str(os.dup(listener.fileno())))
        monkeypatch.setenv("ERLEN_RUN_MAIN", "")
        assert serving.is_running_from_reloader()
        assert serving._inherited_fd() == int(os.environ["WERKZEUG_SERVER_FD"])
        srv = serving.make_server("127.0.0.1", 1, _app, fd=serving._inherited_fd())
        try:
            assert srv.port == port
            thread = threading.Thread(target=srv.serve_forever)
            thread.start()
            with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
                sock.sendall(b"GET /fd HTTP/1.0\r\n\r\n")
                assert _Reader(sock).read_response()[2] == b"hello GET /fd"
        finally:
            srv.shutdown()
            thread.join(TIMEOUT)


def test_debugger_wrapping(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[t.Any] = []

    def fake_make_server(host: str, port: int, app: t.Any, *args: t.Any, **kwargs: t.Any) -> t.Any:
        seen.append(app)
        raise KeyboardInterrupt  # stop run_simple here

    monkeypatch.setattr(serving, "make_server", fake_make_server)
    # erlen.debug missing: the app is served unwrapped.
    monkeypatch.setitem(sys.modules, "erlen.debug", None)
    with pytest.raises(KeyboardInterrupt):
        serving.run_simple("127.0.0.1", 0, _app, use_debugger=True)
    assert seen.pop() is _app

    class FakeDebugged:
        def __init__(self, app: t.Any, evalex: bool = False) -> None:
            self.app, self.evalex = app, evalex
            self.trusted_hosts = [".localhost"]

    fake_module = type(sys)("erlen.debug")
    fake_module.DebuggedApplication = FakeDebugged  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "erlen.debug", fake_module)
    with pytest.raises(KeyboardInterrupt):
        serving.run_simple("127.0.0.1", 0, _app, use_debugger=True, use_evalex=False)
    wrapped = seen.pop()
    assert isinstance(wrapped, FakeDebugged)
    assert (wrapped.app, wrapped.evalex) == (_app, False)
    assert wrapped.trusted_hosts == [".localhost", "127.0.0.1"]


def test_static_files_are_served_by_shared_data_middleware(
    tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = bytes(range(256)) * 4096  # 1 MiB: sent in chunks, not read whole
    (tmp_path / "style.css").write_text("body {}")
    (tmp_path / "big.bin").write_bytes(big)
    with _serving(monkeypatch, _app, static_files={"/static": str(tmp_path)}) as srv:
        with _connect(srv) as sock:
            sock.sendall(b"GET /static/style.css HTTP/1.0\r\n\r\n")
            status, headers, body = _Reader(sock).read_response()
        assert (status, body) == (200, b"body {}")
        assert headers["content-type"] == "text/css; charset=utf-8"
        etag = headers["etag"]

        # A conditional request for the unchanged file: 304, no body.
        with _connect(srv) as sock:
            sock.sendall(
                f"GET /static/style.css HTTP/1.0\r\nIf-None-Match: {etag}\r\n\r\n".encode()
            )
            status, headers, body = _Reader(sock).read_response()
        assert (status, body) == (304, b"")

        with _connect(srv) as sock:
            sock.sendall(b"GET /static/big.bin HTTP/1.0\r\n\r\n")
            status, headers, body = _Reader(sock).read_response()
        assert (status, int(headers["content-length"]), body) == (200, len(big), big)

        # Outside the folder, or not a file: the wrapped app answers.
        for path in (b"/static/../etc/passwd", b"/static/missing.css", b"/other"):
            with _connect(srv) as sock:
                sock.sendall(b"GET " + path + b" HTTP/1.0\r\n\r\n")
                status, _, body = _Reader(sock).read_response()
            assert (status, body) == (200, b"hello GET " + path), path


def test_static_files_stream_through_the_file_wrapper(
    tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # run_simple's static_files is SharedDataMiddleware: it hands the open file to the
    # server's wsgi.file_wrapper instead of reading it into memory.
    (tmp_path / "page.html").write_text("<p>hi</p>")
    seen: list[t.Any] = []

    def fake_make_server(host: str, port: int, app: t.Any, *args: t.Any, **kwargs: t.Any) -> t.Any:
        seen.append(app)
        raise KeyboardInterrupt  # stop run_simple here

    monkeypatch.setattr(serving, "make_server", fake_make_server)
    with pytest.raises(KeyboardInterrupt):
        serving.run_simple("127.0.0.1", 0, _app, static_files={"/": str(tmp_path)})
    wrapped = seen.pop()
    assert isinstance(wrapped, SharedDataMiddleware) and wrapped.app is _app
    wrappers: list[t.Any] = []

    def file_wrapper(file: t.Any, size: int = 8192) -> t.Any:
        wrappers.append(file)
        with file:
            return iter([file.read()])

    env = {"REQUEST_METHOD": "GET", "PATH_INFO": "/page.html", "wsgi.file_wrapper": file_wrapper}
    assert b"".join(wrapped(env, lambda status, headers: None)) == b"<p>hi</p>"
    assert len(wrappers) == 1


def test_adhoc_ssl_needs_cryptography(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cryptography", None)
    with pytest.raises(TypeError, match="requires the cryptography library"):
        serving.generate_adhoc_ssl_context()


def test_run_simple_subprocess_startup_and_ctrl_c(tmp_path: t.Any) -> None:
    """The real command: startup messages, default loopback bind, clean stop on Ctrl-C."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = tmp_path / "serve.py"
    script.write_text(
        "import sys\n"
        "from erlen.serving import run_simple\n"
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Length', '2')])\n"
        "    return [b'ok']\n"
        f"run_simple('127.0.0.1', {port}, app, threaded=True)\n"
        "print('stopped cleanly', flush=True)\n"
    )
    log = tmp_path / "out.txt"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(script)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                assert proc.poll() is None, log.read_text()
                time.sleep(0.05)
        with sock:
            sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
            assert _Reader(sock).read_response()[2] == b"ok"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(TIMEOUT) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    output = log.read_text()
    assert "WARNING: This is a development server." in output
    assert f"Running on http://127.0.0.1:{port}" in output
    assert "Press CTRL+C to quit" in output
    assert '"GET / HTTP/1.0" 200' in output
    assert "stopped cleanly" in output


def test_write_callable(server: serving.BaseWSGIServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /write HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _Reader(sock).read_response()[2] == b"legacyapi!"


def test_invalid_content_length_closes_connection(server: serving.BaseWSGIServer) -> None:
    with _connect(server) as sock:
        reader = _Reader(sock)
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\nxxxxx")
        status, headers, body = reader.read_response()
        assert (status, body) == (200, b"-5|None|")
        assert headers["connection"] == "close"
        assert reader.at_eof()
