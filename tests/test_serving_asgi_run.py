"""``erlen run`` serving an erlen app over ASGI, end to end: the ``erlen`` console script in
a subprocess on a free loopback port (its own process group, bounded, always killed), an
``async def`` view, a websocket echo, a reload after an edit, the debug page in debug mode and
the plain 500 without it."""

from __future__ import annotations

import http.client
import json
import sys
import time
from pathlib import Path

import pytest
from servers.app_servers import IO_TIMEOUT, START_TIMEOUT, ServerProcess, free_port
from websockets.sync.client import connect

ERLEN = str(Path(sys.executable).parent / "erlen")

APP = """
import asyncio

from erlen import Flask, request, websocket

app = Flask(__name__)
VERSION = "one"


@app.get("/async")
async def async_view():
    await asyncio.sleep(0)
    return {"version": VERSION, "loop": asyncio.get_running_loop().is_running()}


@app.get("/boom")
def boom():
    raise LookupError("the <cart> is missing")


@app.post("/order")
def order():
    item = request.form["item"]
    raise LookupError(f"no {len(item)}-letter items left")


@app.websocket("/ws")
async def echo():
    async for message in websocket:
        await websocket.send(f"{VERSION}: {message}")
"""


def start_run(tmp_path: Path, *options: str, source: str = APP) -> ServerProcess:
    """``erlen --app wsapp run <options>`` from ``tmp_path``, answering before it returns."""
    (tmp_path / "wsapp.py").write_text(source)
    port = free_port()
    argv = [ERLEN, "--app", "wsapp", "run", "--port", str(port), *options]
    server = ServerProcess(
        argv, port, tmp_path / "server.log", {"PYTHONDONTWRITEBYTECODE": "1"}, cwd=tmp_path
    )
    try:
        server.wait_ready("/async")
    except BaseException:
        server.stop()
        raise
    return server


def get(server: ServerProcess, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=IO_TIMEOUT)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def ws_echo(server: ServerProcess, message: str) -> str:
    url = f"ws://127.0.0.1:{server.port}/ws"
    with connect(url, proxy=None, open_timeout=IO_TIMEOUT) as ws:
        ws.send(message)
        reply = ws.recv(timeout=IO_TIMEOUT)
    assert isinstance(reply, str)
    return reply


@pytest.mark.parametrize("options", [(), ("--asgi",)], ids=["auto", "flag"])
def test_async_view_and_websocket(tmp_path: Path, options: tuple[str, ...]) -> None:
    with start_run(tmp_path, "--no-reload", *options) as server:
        status, _, body = get(server, "/async")
        assert (status, json.loads(body)) == (200, {"version": "one", "loop": True})
        assert ws_echo(server, "hello") == "one: hello"
        output = server.output()
        assert "Serving over ASGI with uvicorn" in output
        assert "Use a production ASGI server instead." in output


def test_reload_after_an_edit(tmp_path: Path) -> None:
    with start_run(tmp_path, "--reload") as server:
        assert ws_echo(server, "before") == "one: before"
        (tmp_path / "wsapp.py").write_text(APP.replace('VERSION = "one"', 'VERSION = "two"'))
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                status, _, body = get(server, "/async")
            except OSError:  # the moment between two server processes
                status, body = 0, b""
            if status == 200 and json.loads(body)["version"] == "two":
                break
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.2)
        assert ws_echo(server, "after") == "two: after"
        assert "Detected change in" in server.output()


def test_debug_page_in_debug_mode(tmp_path: Path) -> None:
    with start_run(tmp_path, "--debug", "--no-reload") as server:
        status, headers, body = get(server, "/boom?x=1")
        assert status == 500
        assert headers["content-type"] == "text/html; charset=utf-8"
        page = body.decode()
        assert "your ASGI application" in page
        assert "LookupError" in page and "the &lt;cart&gt; is missing" in page
        assert "raise LookupError" in page  # the source line of the failing frame
        assert f"http://127.0.0.1:{server.port}/boom?x=1" in page
        # The traceback is in the terminal too, and the server goes on serving.
        assert "LookupError: the <cart> is missing" in server.output()
        assert get(server, "/async")[0] == 200


def test_debug_page_lists_the_parsed_form_fields(tmp_path: Path) -> None:
    with start_run(tmp_path, "--debug", "--no-reload") as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=IO_TIMEOUT)
        try:
            conn.request(
                "POST",
                "/order",
                body="item=secret-widget&qty=2",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            response = conn.getresponse()
            page = response.read().decode()
        finally:
            conn.close()
        assert response.status == 500
        assert "no 13-letter items left" in page
        # The names of the fields the view parsed, never their values.
        assert "<li><code>item</code></li>" in page and "<li><code>qty</code></li>" in page
        assert "secret-widget" not in page


def test_plain_500_without_debug(tmp_path: Path) -> None:
    with start_run(tmp_path, "--no-reload", "--asgi") as server:
        status, _, body = get(server, "/boom")
        assert status == 500
        assert b"Internal Server Error" in body
        assert b"LookupError" not in body and b"Traceback" not in body
        # The app logged the error; the server goes on serving.
        assert "LookupError: the <cart> is missing" in server.output()
        assert get(server, "/async")[0] == 200


def test_websocket_routes_under_wsgi_are_a_client_error(tmp_path: Path) -> None:
    with start_run(tmp_path, "--no-reload", "--wsgi") as server:
        status, _, _ = get(server, "/ws")
        assert status == 400
        assert get(server, "/async")[0] == 200
        assert "Use a production WSGI server instead." in server.output()


def test_serves_the_factory_form(tmp_path: Path) -> None:
    source = APP.replace(
        "app = Flask(__name__)", "def create_app():\n    return app\n\n\napp = Flask(__name__)"
    )
    (tmp_path / "wsapp.py").write_text(source)
    port = free_port()
    argv = [ERLEN, "--app", "wsapp:create_app()", "run", "--port", str(port), "--no-reload"]
    with ServerProcess(argv, port, tmp_path / "server.log", cwd=tmp_path) as server:
        server.wait_ready("/async")
        assert ws_echo(server, "factory") == "one: factory"
