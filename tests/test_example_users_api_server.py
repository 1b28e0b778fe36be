"""The users API served by a real ``erlen --app examples/users_api run`` on a free loopback
port: the committed migrations through ``erlen db upgrade``, then sign-up, login, a
protected read, logout, readiness and a CORS preflight over HTTP. The server runs in its own
process group and is always stopped."""

from __future__ import annotations

import json
import secrets
import typing as t
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from test_e2e_server import REPO, Server, clean_env, free_port, run_cli


@pytest.fixture
def api_url(tmp_path: Path) -> t.Iterator[str]:
    """The API served on a SQLite database in ``tmp_path``, with the development settings."""
    # Without the caller's USERS_API_* settings.
    env = {key: value for key, value in clean_env().items() if not key.startswith("USERS_API_")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'users.sqlite'}",
        USERS_API_CONFIG="development",
        USERS_API_JWT_SECRET_KEY=secrets.token_hex(32),
    )
    result = run_cli(["--app", "examples/users_api", "db", "upgrade"], cwd=REPO, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    port = free_port()
    server = Server(
        ["--app", "examples/users_api", "run", "--port", str(port), "--no-reload"],
        cwd=REPO,
        log=tmp_path / "server.log",
        env=env,
    )
    try:
        server.wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def call(
    url: str, method: str = "GET", body: t.Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], t.Any]:
    """One HTTP request; returns the status, the headers and the JSON body (or ``None``)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, response_headers, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, response_headers, raw = error.code, dict(error.headers), error.read()
    return status, response_headers, json.loads(raw) if raw else None


def test_the_api_over_http(api_url: str) -> None:
    account = {"email": "Ada@Example.org", "name": "Ada", "password": "correct horse battery"}
    status, headers, body = call(f"{api_url}/api/v1/users", "POST", account)
    assert status == 201 and body["email"] == "ada@example.org"
    assert headers["Location"] == f"{api_url}/api/v1/users/{body['id']}"

    credentials = {"email": "ada@example.org", "password": account["password"]}
    status, headers, tokens = call(f"{api_url}/api/v1/auth/login", "POST", credentials)
    assert status == 200 and headers["X-RateLimit-Remaining"] == "4"
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    status, _, me = call(f"{api_url}/api/v1/users/me", headers=auth)
    assert status == 200 and me["name"] == "Ada"
    assert call(f"{api_url}/api/v2/me", headers=auth)[2]["email"] == "ada@example.org"
    assert call(f"{api_url}/api/v1/auth/logout", "POST", headers=auth)[0] == 200
    status, _, error = call(f"{api_url}/api/v1/users/me", headers=auth)
    assert status == 401 and error["error"] == "token_revoked"

    assert call(f"{api_url}/health/ready")[2] == {"status": "ok", "checks": {"database": "ok"}}
    preflight = {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "PATCH"}
    status, headers, _ = call(f"{api_url}/api/v1/users/1", "OPTIONS", headers=preflight)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    status, _, error = call(f"{api_url}/nowhere")
    assert status == 404 and error["error"] == "not_found"
