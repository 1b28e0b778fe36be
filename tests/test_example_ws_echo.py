"""The WebSocket echo example in ``examples/ws_echo``: its page and its echo, through the
test client (real servers and the browser: see the ASGI serving tests)."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import pytest

from erlen.asgi.websocket import WebSocketDisconnect

APP_PATH = Path(__file__).resolve().parent.parent / "examples" / "ws_echo" / "app.py"


def _load_example() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("ws_echo_example", APP_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def client():
    app = _load_example().app
    app.testing = True
    return app.test_client()


def test_page_connects_to_the_echo_route(client):
    page = client.get("/", base_url="http://127.0.0.1:5000").text
    assert 'new WebSocket("ws://127.0.0.1:5000/echo")' in page
    page = client.get("/", base_url="https://echo.example").text
    assert 'new WebSocket("wss://echo.example/echo")' in page


def test_echo(client):
    with client.websocket("/echo") as ws:
        assert ws.receive() == "connected"
        for message in ("hello", "héllo wörld", b"\x01\x02"):
            ws.send(message)
            assert ws.receive() == message
        ws.close()
    assert ws.close_code == 1000


def test_echo_ends_when_the_client_leaves(client):
    with client.websocket("/echo") as ws:
        assert ws.receive() == "connected"
        ws.close(1001)
        with pytest.raises(WebSocketDisconnect):
            ws.receive()
