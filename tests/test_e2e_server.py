"""End to end: the ``erlen`` console script serving real HTTP in a subprocess.

Every server started here runs in its own process group, is bounded in time and is killed
(SIGTERM, then SIGKILL) in a ``finally``.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BIN_DIR = Path(sys.executable).parent
HTTP_TIMEOUT = 10.0
START_TIMEOUT = 20.0
RELOAD_TIMEOUT = 20.0


def erlen_script() -> str:
    path = shutil.which("erlen", path=str(BIN_DIR))
    assert path is not None, f"the erlen console script is not installed in {BIN_DIR}"
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FLASK_", "ERLEN_", "WERKZEUG_", "NOTES_"))
    }
    # No .pyc files: an edit within the same second could otherwise load stale bytecode.
    env.update(PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


class Server:
    """An ``erlen ... run`` subprocess with its output in a log file."""

    def __init__(self, args: list[str], cwd: Path, log: Path, env: dict[str, str]) -> None:
        self.log = log
        self._log_file = log.open("wb")
        self.proc = subprocess.Popen(
            [erlen_script(), *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        self._log_file.flush()
        return self.log.read_text(errors="replace")

    def wait_for_port(self, port: int, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"server exited with {self.proc.returncode}:\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"server not listening on port {port} after {timeout}s:\n{self.output()}")

    def stop(self) -> None:
        """SIGTERM the whole process group (the reloader has a child), then SIGKILL."""
        try:
            for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    continue
                # The group may outlive its leader (a reloader child): make sure it is gone.
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                break
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=5)
            self._log_file.close()


def run_cli(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [erlen_script(), *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


TINY_APP = """
from __future__ import annotations

import os
import time

from erlen import Flask, request

import greeting

app = Flask(__name__)
RELEASE = {release!r}


@app.get("/")
def index():
    return f"hello {{greeting.WORD}}"


@app.post("/echo")
def echo():
    data = request.get_data()
    return data, 200, {{"Content-Type": "application/octet-stream", "X-Length": str(len(data))}}


@app.get("/stream")
def stream():
    def generate():
        yield "first\\n"
        # Only continue once the client has read "first": proves nothing is buffered.
        deadline = time.monotonic() + 10
        while not os.path.exists(RELEASE) and time.monotonic() < deadline:
            time.sleep(0.02)
        yield "released\\n" if os.path.exists(RELEASE) else "timed out\\n"
        for number in range(3):
            yield f"line {{number}}\\n"

    return app.response_class(generate(), mimetype="text/plain")


@app.post("/boom")
def boom():
    fields = sorted(request.form)
    raise ZeroDivisionError(f"broken <b>{{fields}}</b>")


@app.get("/broken-stream")
def broken_stream():
    def generate():
        yield "partial\\n"
        raise LookupError("stream failed midway")

    return app.response_class(generate(), mimetype="text/plain")
"""


def write_greeting(path: Path, word: str, mtime_offset: float = 0.0) -> None:
    path.write_text(f'WORD = "{word}"\n')
    if mtime_offset:
        # The reloader compares modification times; make the change visible even on file
        # systems with coarse timestamps.
        stamp = time.time() + mtime_offset
        os.utime(path, (stamp, stamp))


def get_text(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def test_keep_alive_chunked_upload_streaming_and_reload(tmp_path: Path) -> None:
    release = tmp_path / "release-stream"
    (tmp_path / "tinyapp.py").write_text(TINY_APP.format(release=str(release)))
    greeting = tmp_path / "greeting.py"
    write_greeting(greeting, "world")
    port = free_port()
    server = Server(
        ["--app", str(tmp_path / "tinyapp.py"), "run", "--port", str(port), "--reload"],
        cwd=tmp_path,
        log=tmp_path / "server.log",
        env=clean_env(),
    )
    try:
        server.wait_for_port(port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
        try:
            # Keep-alive: two requests answered on one connection.
            conn.request("GET", "/")
            first = conn.getresponse()
            assert first.status == 200, server.output()
            assert first.read() == b"hello world"
            assert not first.will_close
            sock = conn.sock
            assert sock is not None
            conn.request("GET", "/?again=1")
            second = conn.getresponse()
            assert second.status == 200
            assert second.read() == b"hello world"
            assert conn.sock is sock, "the server closed the keep-alive connection"

            # Chunked request body, echoed back.
            parts = [b"alpha-", b"beta-" * 1000, b"gamma"]
            conn.request(
                "POST",
                "/echo",
                body=iter(parts),
                headers={"Content-Type": "application/octet-stream"},
                encode_chunked=True,
            )
            echoed = conn.getresponse()
            assert echoed.status == 200, server.output()
            assert echoed.read() == b"".join(parts)
            assert echoed.headers["X-Length"] == str(len(b"".join(parts)))
            assert conn.sock is sock

            # Streamed response, read incrementally: the second part is only produced after
            # the first one has arrived here.
            conn.request("GET", "/stream")
            streamed = conn.getresponse()
            assert streamed.status == 200
            assert streamed.readline() == b"first\n"
            release.touch()
            assert streamed.readline() == b"released\n"
            assert streamed.read() == b"line 0\nline 1\nline 2\n"
        finally:
            conn.close()

        # Edit an imported module: the reloader restarts the app with the new code.
        write_greeting(greeting, "reloaded", mtime_offset=2.0)
        deadline = time.monotonic() + RELOAD_TIMEOUT
        answer: tuple[int, str] | None = None
        while time.monotonic() < deadline:
            try:
                answer = get_text(port, "/")
            except (OSError, http.client.HTTPException):
                answer = None  # restarting
            if answer == (200, "hello reloaded"):
                break
            time.sleep(0.25)
        assert answer == (200, "hello reloaded"), f"last answer {answer!r}\n{server.output()}"
    finally:
        server.stop()


def test_example_app_from_the_command_line(tmp_path: Path) -> None:
    env = clean_env(NOTES_DATABASE=str(tmp_path / "instance" / "notes.sqlite"))
    result = run_cli(["--app", "examples/notes", "init-db"], cwd=REPO, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Initialised the database" in result.stdout
    assert (tmp_path / "instance" / "notes.sqlite").is_file()

    port = free_port()
    server = Server(
        ["--app", "examples/notes", "run", "--port", str(port), "--no-reload"],
        cwd=REPO,
        log=tmp_path / "server.log",
        env=env,
    )
    try:
        server.wait_for_port(port)
        assert get_text(port, "/")[0] == 200, server.output()
        status, css = get_text(port, "/static/style.css")
        assert status == 200 and ".topbar" in css

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
        try:
            form = {"Content-Type": "application/x-www-form-urlencoded"}
            body = urllib.parse.urlencode({"username": "e2e-user", "password": "long password"})
            conn.request("POST", "/auth/register", body=body, headers=form)
            response = conn.getresponse()
            response.read()
            assert response.status == 302, server.output()
            conn.request("POST", "/auth/login", body=body, headers=form)
            response = conn.getresponse()
            response.read()
            assert response.status == 302
            cookie = response.headers["Set-Cookie"].split(";", 1)[0]
            conn.request("GET", "/api/notes", headers={"Cookie": cookie})
            response = conn.getresponse()
            assert response.status == 200
            assert json.loads(response.read()) == {"notes": []}
            conn.request("GET", "/api/notes")
            response = conn.getresponse()
            assert response.status == 401
            response.read()
        finally:
            conn.close()
    finally:
        server.stop()


def test_debugger_page_over_http(tmp_path: Path) -> None:
    (tmp_path / "tinyapp.py").write_text(TINY_APP.format(release=str(tmp_path / "unused")))
    write_greeting(tmp_path / "greeting.py", "debug")
    port = free_port()
    server = Server(
        [
            "--app",
            str(tmp_path / "tinyapp.py"),
            "run",
            "--port",
            str(port),
            "--debug",
            "--no-reload",
        ],
        cwd=tmp_path,
        log=tmp_path / "server.log",
        env=clean_env(),
    )
    try:
        server.wait_for_port(port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
        try:
            conn.request(
                "POST",
                "/boom",
                body="card=4111-secret-value&name=x",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            response = conn.getresponse()
            page = response.read().decode()
        finally:
            conn.close()
        assert response.status == 500, server.output()
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "ZeroDivisionError" in page
        assert "broken &lt;b&gt;['card', 'name']&lt;/b&gt;" in page
        assert 'raise ZeroDivisionError(f"broken &lt;b&gt;{fields}&lt;/b&gt;")' in page
        assert "<code>card</code>" in page and "4111-secret-value" not in page

        # Failing after the body started: the connection is cut, the client sees it.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
        try:
            conn.request("GET", "/broken-stream")
            response = conn.getresponse()
            assert response.status == 200
            assert response.readline() == b"partial\n"
            with pytest.raises(http.client.IncompleteRead):
                response.read()
        finally:
            conn.close()
        deadline = time.monotonic() + 5
        while "stream failed midway" not in server.output() and time.monotonic() < deadline:
            time.sleep(0.05)
        log = server.output()
        assert "Traceback (most recent call last)" in log
        assert "ZeroDivisionError: broken <b>['card', 'name']</b>" in log
        assert "LookupError: stream failed midway" in log
    finally:
        server.stop()
