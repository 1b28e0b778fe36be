"""The reloader: a real server process restarted on edits, and the watch helpers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import typing as t
from pathlib import Path

import pytest

from erlen import _reloader

APP_TEMPLATE = """\
import sys
from erlen.serving import run_simple

MESSAGE = {message!r}

def app(environ, start_response):
    body = MESSAGE.encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]

if __name__ == "__main__":
    run_simple(
        "127.0.0.1", int(sys.argv[1]), app, use_reloader=True, threaded=True,
        reloader_interval=0.1, reloader_type=sys.argv[2],
    )
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int) -> tuple[int, str] | None:
    """One request; None if nothing answers (yet)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
    except OSError:
        return None
    if not data:
        return None
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode()


def _write(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns if path.exists() else None
    path.write_text(text)
    # Coarse file system clocks: make sure the change is visible to stat polling.
    if before is not None and path.stat().st_mtime_ns <= before:
        os.utime(path, ns=(before + 10**9, before + 10**9))


@pytest.mark.parametrize("reloader_type", ["stat", "auto"])
def test_reload_on_change_and_survive_syntax_error(tmp_path: Path, reloader_type: str) -> None:
    module = tmp_path / "reload_app.py"
    _write(module, APP_TEMPLATE.format(message="one"))
    port = _free_port()
    log = tmp_path / "server.log"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "NO_COLOR": "1"}
    for name in ("ERLEN_RUN_MAIN", "WERKZEUG_RUN_MAIN", "ERLEN_SERVER_FD", "WERKZEUG_SERVER_FD"):
        env.pop(name, None)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(module), str(port), reloader_type],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 12

    def wait_for(check: t.Callable[[tuple[int, str] | None], bool]) -> tuple[int, str] | None:
        while True:
            answer = _get(port)
            if check(answer):
                return answer
            assert proc.poll() is None, f"the server exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"last answer {answer!r}\n{log.read_text()}"
            time.sleep(0.05)

    try:
        assert wait_for(lambda a: a is not None) == (200, "one")

        _write(module, APP_TEMPLATE.format(message="two"))
        wait_for(lambda a: a == (200, "two"))

        # A syntax error kills the server process; the watcher keeps the port and answers
        # with an error until the file is fixed.
        _write(module, APP_TEMPLATE.format(message="three") + "\ndef broken(:\n")
        status, body = t.cast(tuple, wait_for(lambda a: a is not None and a[0] == 500))
        assert "failed to start" in body

        _write(module, APP_TEMPLATE.format(message="three"))
        wait_for(lambda a: a == (200, "three"))
        assert proc.poll() is None
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()

    output = log.read_text()
    assert "Restarting with" in output
    assert f"Detected change in {str(module)!r}, reloading" in output
    assert "SyntaxError" in output
    assert "Waiting for a file change" in output


def test_restart_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Code 3 restarts at once, a failure waits for a change, code 0 ends the loop."""
    codes = iter([3, 1, 0])
    spawned: list[dict[str, str]] = []
    events: list[str] = []

    def fake_run_child(args: list[str], env: dict[str, str], pass_fds: tuple[int, ...]) -> int:
        assert args[0] == sys.executable
        assert pass_fds == (7,)
        spawned.append(env)
        return next(codes)

    def fake_wait(self: _reloader.ReloaderLoop, before: dict[str, float]) -> str:
        events.append("wait")
        return __file__

    def while_waiting(code: int) -> t.Callable[[], None]:
        events.append(f"serving error page for {code}")
        return lambda: events.append("stopped")

    monkeypatch.setattr(_reloader, "_run_child", fake_run_child)
    monkeypatch.setattr(_reloader.StatReloaderLoop, "wait_for_change", fake_wait)
    monkeypatch.setenv("ERLEN_SERVER_FD", "7")
    loop = _reloader.StatReloaderLoop()
    assert loop.restart_with_reloader(while_waiting) == 0
    assert len(spawned) == 3
    assert all(e["ERLEN_RUN_MAIN"] == e["WERKZEUG_RUN_MAIN"] == "true" for e in spawned)
    assert events == ["serving error page for 1", "wait", "stopped"]


def test_restart_loop_child_killed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_reloader, "_run_child", lambda *args: -signal.SIGKILL)
    assert _reloader.StatReloaderLoop().restart_with_reloader() == 128 + signal.SIGKILL


def test_wait_for_change(tmp_path: Path) -> None:
    watched = tmp_path / "settings.toml"
    watched.write_text("a = 1")
    loop = _reloader.ReloaderLoop(extra_files=[str(watched)], interval=0.01)
    before = loop.snapshot()
    assert before[str(watched)] == watched.stat().st_mtime
    os.utime(watched, (1, 1))
    assert loop.wait_for_change(before) == str(watched)


def test_stat_paths_extra_files_and_excludes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    (project / "pkg").mkdir(parents=True)
    (project / "pkg" / "__init__.py").write_text("")
    (project / "pkg" / "views.py").write_text("")
    (project / "pkg" / "__pycache__").mkdir()
    (project / "pkg" / "__pycache__" / "views.cpython.pyc").write_text("")
    (project / "notes.txt").write_text("")
    templates = tmp_path / "templates"
    (templates / "sub").mkdir(parents=True)
    (templates / "sub" / "page.html").write_text("")
    monkeypatch.syspath_prepend(str(project))

    paths = _reloader._find_stat_paths({str(templates)}, set())
    assert str(project / "pkg" / "views.py") in paths
    assert str(templates / "sub" / "page.html") in paths  # every file of an extra folder
    assert str(project / "notes.txt") not in paths
    assert not any("__pycache__" in p for p in paths)

    paths = _reloader._find_stat_paths({str(templates)}, {"*/views.py", "*.html"})
    assert str(project / "pkg" / "views.py") not in paths
    assert str(templates / "sub" / "page.html") not in paths
    assert str(project / "pkg" / "__init__.py") in paths


def test_wants_reload(tmp_path: Path) -> None:
    extra_dir = tmp_path / "templates"
    extra_dir.mkdir()
    loop = _reloader.ReloaderLoop(
        extra_files=[str(extra_dir), str(tmp_path / "config.yml")],
        exclude_patterns=["*/migrations/*"],
    )
    assert loop.wants_reload(str(tmp_path / "app.py"))
    assert loop.wants_reload(str(tmp_path / "config.yml"))
    assert loop.wants_reload(str(extra_dir / "index.html"))
    assert not loop.wants_reload(str(tmp_path / "data.json"))
    assert not loop.wants_reload(str(tmp_path / "__pycache__" / "app.cpython-311.pyc"))
    assert not loop.wants_reload(str(tmp_path / "migrations" / "0001.py"))


def test_watch_roots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "c").mkdir()
    monkeypatch.setattr(sys, "path", [str(tmp_path / "a" / "b"), str(tmp_path / "a")])
    roots = _reloader._find_watch_roots({str(tmp_path / "c" / "conf.ini")}, set())
    assert str(tmp_path / "a") in roots
    assert str(tmp_path / "c") in roots
    assert str(tmp_path / "a" / "b") not in roots  # inside a watched root
    assert not any(r.startswith(sys.base_prefix + os.sep) for r in roots)
    assert _reloader._find_common_roots(["/x/y", "/x", "/z/w"]) == {"/x", "/z/w"}


def test_args_for_reloading() -> None:
    assert _reloader._get_args_for_reloading() == [sys.executable, *sys.orig_argv[1:]]


def test_reloader_types() -> None:
    import importlib.util

    has_watchfiles = importlib.util.find_spec("watchfiles") is not None
    assert _reloader.reloader_loops["stat"] is _reloader.StatReloaderLoop
    assert _reloader.reloader_loops["auto"] is (
        _reloader.WatchfilesReloaderLoop if has_watchfiles else _reloader.StatReloaderLoop
    )
    with pytest.raises(ValueError, match="Unknown reloader type"):
        _reloader.run_with_reloader(lambda: None, reloader_type="nope")
