"""Scale-out on Redis: two gunicorn server processes of one app, against one real
``redis-server``, share a rate limit (erlen.ext.limiter), a cached value
(erlen.ext.caching's RedisCache) and a session (erlen.ext.session).

Each server runs in its own process group, is bounded in time and is killed (SIGTERM,
then SIGKILL) in a ``finally``. gunicorn loads :func:`create_app` from this module.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import erlen
from erlen import session
from erlen.ext.caching import Cache
from erlen.ext.limiter import Limiter
from erlen.ext.limiter.util import get_remote_address
from erlen.ext.session import Session

HERE = Path(__file__).resolve().parent
START_TIMEOUT = 30.0
HTTP_TIMEOUT = 10.0


def create_app() -> erlen.Flask:
    """The app both servers run; Redis comes from ``SCALEOUT_REDIS_URL``."""
    url = os.environ["SCALEOUT_REDIS_URL"]
    app = erlen.Flask("scaleout")
    app.config.update(
        SECRET_KEY="scale-out test key",
        SESSION_TYPE="redis",
        SESSION_REDIS=url,
        CACHE_TYPE="RedisCache",
        CACHE_REDIS_URL=url,
        RATELIMIT_STORAGE_URI=url,
        RATELIMIT_HEADERS_ENABLED=True,
    )
    Session(app)
    cache = Cache(app)
    limiter = Limiter(get_remote_address, app=app)

    @app.get("/pid")
    def pid():
        return {"pid": os.getpid()}

    @app.get("/limited")
    @limiter.limit("3/minute")
    def limited():
        return {"pid": os.getpid()}

    @app.get("/limited-async")
    @limiter.limit("3/minute")
    async def limited_async():
        return {"pid": os.getpid()}

    @app.get("/cached")
    @cache.cached(timeout=300)
    def cached():
        return {"pid": os.getpid(), "made": time.time()}

    @app.post("/login/<name>")
    def login(name):
        session["user"] = name
        return {"pid": os.getpid()}

    @app.get("/me")
    def me():
        return {"pid": os.getpid(), "user": session.get("user")}

    return app


class Server:
    """One gunicorn process (one sync worker) serving create_app() on a loopback port."""

    def __init__(self, redis_url: str, log: Path) -> None:
        # Imported here: gunicorn imports this module without tests/ on its path.
        from servers import free_port

        self.port = free_port()
        self.log = log
        self._log_file = log.open("wb")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "ERLEN_"))}
        env.update(SCALEOUT_REDIS_URL=redis_url, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--chdir",
                str(HERE),
                "--timeout",
                "30",
                "--graceful-timeout",
                "2",
                "test_redis_scaleout:create_app()",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
        try:
            conn.request(method, path, headers=headers or {})
            response = conn.getresponse()
            body = response.read()
            data = (
                json.loads(body) if response.getheader("Content-Type") == "application/json" else {}
            )
            return response.status, dict(response.getheaders()), data
        finally:
            conn.close()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if self.request("GET", "/pid")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(
            f"gunicorn did not start:\n{self.log.read_text(errors='replace')[-3000:]}"
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        self._log_file.close()


@pytest.fixture
def servers(redis_url, redis_client, tmp_path):
    started: list[Server] = []
    try:
        for name in ("a", "b"):
            started.append(Server(redis_url, tmp_path / f"gunicorn-{name}.log"))
        for server in started:
            server.wait_ready()
        yield started
    finally:
        for server in started:
            server.stop()


def test_two_processes_share_limits_cache_and_sessions(servers):
    a, b = servers
    pid_a, pid_b = a.request("GET", "/pid")[2]["pid"], b.request("GET", "/pid")[2]["pid"]
    assert pid_a != pid_b

    # A rate limit of 3/minute, counted across both processes (sync and async views).
    for path in ("/limited", "/limited-async"):
        results = [server.request("GET", path) for server in (a, b, a, b)]
        assert [status for status, _, _ in results] == [200, 200, 200, 429]
        assert [headers["X-RateLimit-Remaining"] for _, headers, _ in results] == [
            "2",
            "1",
            "0",
            "0",
        ]

    # A value cached by one process is served by the other.
    status, _, first = a.request("GET", "/cached")
    assert status == 200 and first["pid"] == pid_a
    status, _, second = b.request("GET", "/cached")
    assert second == first

    # A session started on one process is read by the other.
    status, headers, _ = a.request("POST", "/login/ada")
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    status, _, me = b.request("GET", "/me", headers={"Cookie": cookie})
    assert status == 200
    assert me == {"pid": pid_b, "user": "ada"}
