"""docs/deployment.md's nginx configuration (examples/deploy/nginx.conf), tested for real: a
Debian nginx on a free loopback port in front of the app under uvicorn (ASGI) and gunicorn
(WSGI), with ``ProxyFix`` trusting one proxy (tests/servers/proxied_app.py). HTTP, a path
prefix, server-sent events and websockets go through it."""

from __future__ import annotations

import http.client
import json
import typing as t

import pytest
from servers.app_servers import IO_TIMEOUT, ServedApp, ServerProcess
from servers.nginx import start_nginx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

HOST = "shop.example.test"


@pytest.fixture(scope="module", params=["uvicorn", "gunicorn"])
def behind_nginx(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> t.Iterator[tuple[str, ServerProcess, ServedApp]]:
    """``(app server name, nginx, the app's folder)``."""
    name = request.param
    folder = ServedApp(tmp_path_factory.mktemp(f"nginx-{name}"))
    with folder.start(name, "proxied_app:app") as app:
        with start_nginx(folder.directory / "nginx", app.port) as nginx:
            yield name, nginx, folder


def get_json(nginx: ServerProcess, path: str, headers: dict[str, str]) -> t.Any:
    conn = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=IO_TIMEOUT)
    try:
        conn.request("GET", path, headers={"Host": f"{HOST}:{nginx.port}", **headers})
        response = conn.getresponse()
        assert response.status == 200, response.read()
        return json.loads(response.read())
    finally:
        conn.close()


def test_the_app_sees_the_client_view(behind_nginx):
    _, nginx, _ = behind_nginx
    # Forged by the client: nginx appends the real address and replaces the scheme.
    forged = {"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https"}
    assert get_json(nginx, "/where", forged) == {
        "remote_addr": "127.0.0.1",
        "scheme": "http",
        "host": f"{HOST}:{nginx.port}",
        "script_root": "",
        "path": "/where",
        "external": f"http://{HOST}:{nginx.port}/where",
    }


def test_path_prefix(behind_nginx):
    _, nginx, _ = behind_nginx
    data = get_json(nginx, "/app/where", {})
    assert (data["script_root"], data["path"]) == ("/app", "/where")
    assert data["external"] == f"http://{HOST}:{nginx.port}/app/where"


def test_body_limits(behind_nginx):
    _, nginx, _ = behind_nginx
    conn = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=IO_TIMEOUT)
    try:
        conn.request("POST", "/upload", body=b"x" * 4096)
        response = conn.getresponse()
        response.read()
        assert response.status == 413  # the app's MAX_CONTENT_LENGTH, under nginx's limit
    finally:
        conn.close()


# Streaming async generators and websockets need ASGI: uvicorn only.
@pytest.mark.parametrize("behind_nginx", ["uvicorn"], indirect=True)
def test_server_sent_events_are_not_buffered(behind_nginx):
    _, nginx, folder = behind_nginx
    conn = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=IO_TIMEOUT)
    try:
        conn.request("GET", "/sse?release=nginx-sse")
        response = conn.getresponse()
        assert response.status == 200
        assert response.readline() == b"data: first\n"  # before the generator can go on
        assert response.readline() == b"\n"
        folder.release("nginx-sse")
        assert response.readline() == b"data: second\n"
    finally:
        conn.close()


@pytest.mark.parametrize("behind_nginx", ["uvicorn"], indirect=True)
@pytest.mark.parametrize("prefix", ["", "/app"])
def test_websocket_through_nginx(behind_nginx, prefix):
    _, nginx, _ = behind_nginx
    url = f"ws://127.0.0.1:{nginx.port}{prefix}/ws/echo"
    with connect(url, subprotocols=["chat.v2"], proxy=None, open_timeout=IO_TIMEOUT) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "chat.v2"
        ws.send("through nginx")
        assert ws.recv(timeout=IO_TIMEOUT) == "through nginx"
        ws.send("close please")
        with pytest.raises(ConnectionClosed) as info:
            ws.recv(timeout=IO_TIMEOUT)
    assert info.value.rcvd is not None and info.value.rcvd.code == 4001
