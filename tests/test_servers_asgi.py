"""What only an ASGI server gives, over real uvicorn, hypercorn and ``granian --interface
asgi`` subprocesses serving tests/servers/served_app.py: server-sent events arriving one by
one, a client disconnect closing the response generator and running teardown, lifespan
startup and shutdown, websockets (echo, subprotocols, close codes, a refused handshake).

What the app did is read from the events file it writes (``ServedApp``), never from timing;
every wait is bounded.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import typing as t

import pytest
from servers.app_servers import (
    ASGI_SERVERS,
    IO_TIMEOUT,
    SERVERS,
    START_TIMEOUT,
    ServedApp,
    ServerProcess,
    free_port,
)
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect


@pytest.fixture(scope="module", params=ASGI_SERVERS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> t.Iterator[tuple[str, ServerProcess, ServedApp]]:
    """``(server name, running server, its app folder)`` for each ASGI server in turn."""
    name = request.param
    folder = ServedApp(tmp_path_factory.mktemp(f"asgi-{name}"))
    with folder.start(name) as server:
        yield name, server, folder


def open_stream(server: ServerProcess, path: str) -> tuple[http.client.HTTPConnection, t.Any]:
    """Start a GET whose body is read as it arrives: ``(connection, response)``."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=IO_TIMEOUT)
    conn.request("GET", path)
    return conn, conn.getresponse()


def ws_url(server: ServerProcess, path: str) -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


def test_sse_events_arrive_one_by_one(served):
    _, server, folder = served
    conn, response = open_stream(server, "/sse?release=sse-go")
    try:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        # The generator waits for the release file before its second event: reading the
        # first one now shows it was sent as soon as it was produced.
        assert response.readline() == b"data: first\n"
        assert response.readline() == b"\n"
        folder.release("sse-go")
        assert response.readline() == b"data: second\n"
        assert response.readline() == b"\n"
        assert response.read() == b""
    finally:
        conn.close()


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_client_disconnect_closes_the_generator_and_runs_teardown(served, kind):
    _, server, folder = served
    path = f"/stream/{kind}"
    conn, response = open_stream(server, path)
    try:
        assert response.status == 200
        assert response.readline() == b"chunk 0\n"
    finally:
        # Drop the connection mid-stream (the generator would go on for 30 s).
        sock = conn.sock
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
        conn.close()
    events = folder.wait_for_events(f"closed {path}", f"teardown {path}")
    if kind == "sync":
        # stream_with_context kept the request context for the body: it is torn down
        # once the generator was closed, by the disconnect.
        assert events.index(f"closed {path}") < events.index(f"teardown {path}")


def test_body_over_the_limit_without_content_length(served):
    # A chunked body has no length to check up front: 413 once the limit is passed.
    _, server, _ = served
    chunk = b"x" * 512
    request = (
        b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"%x\r\n%b\r\n" % (len(chunk), chunk) * 8
        + b"0\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=IO_TIMEOUT) as sock:
        # All of it fits the socket buffers: sent even if the server answers early.
        sock.sendall(request)
        status_line = sock.makefile("rb").readline()
    assert status_line.startswith(b"HTTP/1.1 413 ")


def test_websocket_echo_with_subprotocol(served):
    _, server, _ = served
    with connect(
        ws_url(server, "/ws/echo"),
        subprotocols=["other", "chat.v2"],  # type: ignore[list-item]
        proxy=None,
        open_timeout=IO_TIMEOUT,
    ) as ws:
        assert ws.subprotocol == "chat.v2"
        ws.send("héllo")
        assert ws.recv(timeout=IO_TIMEOUT) == "héllo"
        ws.send(b"\x00\x01binary")
        assert ws.recv(timeout=IO_TIMEOUT) == b"\x00\x01binary"


def test_websocket_without_subprotocol(served):
    _, server, _ = served
    with connect(ws_url(server, "/ws/echo"), proxy=None, open_timeout=IO_TIMEOUT) as ws:
        assert ws.subprotocol is None
        ws.send("plain")
        assert ws.recv(timeout=IO_TIMEOUT) == "plain"


def test_websocket_closed_by_the_app_with_its_code(served):
    _, server, _ = served
    with connect(ws_url(server, "/ws/echo"), proxy=None, open_timeout=IO_TIMEOUT) as ws:
        ws.send("close please")
        with pytest.raises(ConnectionClosed) as info:
            ws.recv(timeout=IO_TIMEOUT)
    assert info.value.rcvd is not None
    assert (info.value.rcvd.code, info.value.rcvd.reason) == (4001, "asked to close")


def test_websocket_closed_by_the_client(served):
    _, server, _ = served
    with connect(ws_url(server, "/ws/echo"), proxy=None, open_timeout=IO_TIMEOUT) as ws:
        ws.send("one")
        assert ws.recv(timeout=IO_TIMEOUT) == "one"
        ws.close(code=1000, reason="done")
    assert ws.close_code == 1000
    # The server goes on serving.
    with connect(ws_url(server, "/ws/echo"), proxy=None, open_timeout=IO_TIMEOUT) as ws:
        ws.send("two")
        assert ws.recv(timeout=IO_TIMEOUT) == "two"


def test_websocket_handshake_refused(served):
    _, server, _ = served
    with pytest.raises(InvalidStatus) as info:
        with connect(ws_url(server, "/ws/private"), proxy=None, open_timeout=IO_TIMEOUT):
            pass
    # abort(401) before accepting: every server here offers the websocket.http.response
    # extension, so the client gets the app's status (without it: the server's 403).
    assert info.value.response.status_code == 401
    with connect(
        ws_url(server, "/ws/private?token=let-me-in"), proxy=None, open_timeout=IO_TIMEOUT
    ) as ws:
        assert ws.recv(timeout=IO_TIMEOUT) == "welcome"


def test_websocket_unknown_path_refused(served):
    _, server, _ = served
    with pytest.raises(InvalidStatus) as info:
        with connect(ws_url(server, "/ws/nowhere"), proxy=None, open_timeout=IO_TIMEOUT):
            pass
    assert 400 <= info.value.response.status_code < 500


@pytest.mark.parametrize("name", ASGI_SERVERS)
def test_lifespan_startup_and_shutdown(name, tmp_path):
    folder = ServedApp(tmp_path)
    with folder.start(name) as server:
        assert folder.events() == ["startup"]  # before the first request was answered
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=IO_TIMEOUT)
        conn.request("GET", "/lifespan")
        assert json.loads(conn.getresponse().read()) == {"started": ["startup"]}
        conn.close()
        # SIGTERM to the main process is a graceful stop: the lifespan shutdown runs
        # after_serving.
        assert server.terminate() is not None, server.output()
        assert folder.events() == ["startup", "shutdown"], server.output()


@pytest.mark.parametrize("name", ASGI_SERVERS)
def test_failing_startup_fails_the_server_start(name, tmp_path):
    folder = ServedApp(tmp_path)
    kind = SERVERS[name]
    port = free_port()
    env = {**folder.env, "SERVED_APP_FAIL_STARTUP": "1"}
    argv = kind.argv("served_app:app", port)
    with ServerProcess(argv, port, tmp_path / "server.log", env, cwd=tmp_path) as server:
        try:
            code = server.proc.wait(timeout=START_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{name} kept running:\n{server.output()}")
        # hypercorn 0.18 stops too, but with status 0 (its main process reports the worker
        # as finished); the others exit with an error status.
        assert code == 0 if name == "hypercorn" else code != 0
        assert "RuntimeError: the served app refuses to start" in server.output()
        assert folder.events() == []
