"""The same module-level ``app`` (tests/servers/served_app.py) served, without wrappers or
flags, by every server erlen documents: uvicorn, hypercorn, ``granian --interface asgi`` and
gunicorn with uvicorn workers (ASGI), gunicorn, waitress and ``granian --interface wsgi``
(WSGI), each a real subprocess on a free loopback port (see tests/servers/app_servers.py).
One server per module and kind, always stopped.
"""

from __future__ import annotations

import http.client
import json
import typing as t
import urllib.parse
from pathlib import Path

import pytest
from servers.app_servers import IO_TIMEOUT, SERVERS, ServedApp, ServerProcess


@pytest.fixture(scope="module", params=list(SERVERS))
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> t.Iterator[tuple[str, ServerProcess, ServedApp]]:
    """``(server name, running server, its app folder)`` for each server in turn."""
    name = request.param
    folder = ServedApp(tmp_path_factory.mktemp(f"served-{name}"))
    with folder.start(name) as server:
        yield name, server, folder


def fetch(
    server: ServerProcess,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request on a new connection: ``(status, headers, body)``."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=IO_TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def test_hello(served):
    _, server, _ = served
    status, headers, body = fetch(server, "GET", "/")
    assert (status, body) == (200, b"Hello from erlen!")
    assert headers["Content-Type"] == "text/html; charset=utf-8"


def test_json_with_url_and_query_values(served):
    _, server, _ = served
    status, headers, body = fetch(server, "GET", "/json/%C3%A9t%C3%A9?n=42")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"name": "été", "n": 42, "method": "GET"}


def test_form_post(served):
    _, server, _ = served
    form = urllib.parse.urlencode([("name", "Ada"), ("tag", "a"), ("tag", "b")]).encode()
    status, _, body = fetch(
        server,
        "POST",
        "/form",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (status, json.loads(body)) == (200, {"name": "Ada", "tags": ["a", "b"]})


def test_session_cookie_round_trip(served):
    _, server, _ = served
    status, headers, _ = fetch(server, "GET", "/session/set/kept")
    assert status == 200
    cookie = headers["Set-Cookie"]
    assert cookie.startswith("session=") and "HttpOnly" in cookie
    status, _, body = fetch(server, "GET", "/session/get", headers={"Cookie": cookie.split(";")[0]})
    assert (status, json.loads(body)) == (200, {"value": "kept"})
    # A cookie signed with another key is not trusted.
    status, _, body = fetch(server, "GET", "/session/get", headers={"Cookie": "session=forged.x.y"})
    assert (status, json.loads(body)) == (200, {"value": None})


def test_not_found(served):
    _, server, _ = served
    status, headers, body = fetch(server, "GET", "/no/such/page")
    assert status == 404
    assert b"Not Found" in body and headers["Content-Type"].startswith("text/html")


def test_method_not_allowed(served):
    _, server, _ = served
    status, headers, _ = fetch(server, "DELETE", "/")
    assert status == 405
    assert set(headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}


def test_async_view(served):
    _, server, _ = served
    status, _, body = fetch(server, "GET", "/async")
    assert (status, json.loads(body)) == (200, {"async": True, "loop_running": True})


def test_before_serving_ran_once(served):
    # ASGI: at lifespan startup; WSGI: before the first request.
    _, server, folder = served
    status, _, body = fetch(server, "GET", "/lifespan")
    assert (status, json.loads(body)) == (200, {"started": ["startup"]})
    assert folder.events().count("startup") == 1


def test_head_has_no_body(served):
    _, server, _ = served
    status, headers, body = fetch(server, "HEAD", "/")
    assert (status, body) == (200, b"")
    assert headers["Content-Length"] == str(len("Hello from erlen!"))


def test_body_over_max_content_length(served):
    _, server, _ = served
    status, _, _ = fetch(server, "POST", "/upload", body=b"x" * 4096)
    assert status == 413
    status, _, body = fetch(server, "POST", "/upload", body=b"x" * 1000)
    assert (status, json.loads(body)) == (200, {"received": 1000})


def test_websocket_route_over_plain_http_is_a_client_error(served):
    _, server, _ = served
    status, _, _ = fetch(server, "GET", "/ws/echo")
    assert 400 <= status < 500


def test_server_log_has_no_traceback(served, tmp_path: Path):
    _, server, _ = served
    assert "Traceback" not in server.output()
