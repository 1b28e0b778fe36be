"""Web servers for the tests: an app module served by uvicorn, hypercorn, granian (ASGI and
WSGI), gunicorn (sync or uvicorn workers) or waitress as a subprocess on a free loopback
port.

Each server is started exactly as the deployment docs say (``uvicorn mod:app``, ``gunicorn
mod:app``, ...: no wrapper, no flag choosing the interface), runs in its own process group
with its output in a log file, is waited for within :data:`START_TIMEOUT` (an HTTP request
must be answered, not just the port bound) and is always stopped: SIGTERM to the whole group,
then SIGKILL after :data:`STOP_TIMEOUT`.

Servers find the app modules of ``tests/servers`` on their ``PYTHONPATH`` (``served_app:app``
is :mod:`served_app` here) and run in the folder of their log. :class:`ServedApp` also gives the app a folder of its own, where the
app records what happened (``events.log``: lifespan, teardown, closed generators), so tests
observe it through a file instead of timing.
"""

from __future__ import annotations

import dataclasses
import http.client
import os
import signal
import subprocess
import sys
import time
import typing as t
from pathlib import Path

from servers import free_port

__all__ = [
    "ASGI_SERVERS",
    "IO_TIMEOUT",
    "SERVERS",
    "START_TIMEOUT",
    "WSGI_SERVERS",
    "ServedApp",
    "ServerKind",
    "ServerProcess",
    "free_port",
    "start_server",
]

HERE = Path(__file__).resolve().parent
BIN_DIR = Path(sys.executable).parent
#: Seconds a server has to answer its first request (the machine is shared: be generous).
START_TIMEOUT = 40.0
#: Seconds a server has to exit after SIGTERM before it is killed.
STOP_TIMEOUT = 15.0
#: Seconds any single network operation of a test may take.
IO_TIMEOUT = 15.0


@dataclasses.dataclass(frozen=True)
class ServerKind:
    """How to start one server for an app on a port, as docs/deployment.md says."""

    name: str
    #: ``"asgi"`` or ``"wsgi"``: the interface the server speaks.
    interface: str
    #: The server's script (in the tests' virtualenv) and its options before the app.
    options: tuple[str, ...]
    #: ``port -> options`` binding ``127.0.0.1:port``.
    bind: t.Callable[[int], list[str]]
    #: ``"pkg:create_app" -> arguments`` naming an app factory to call.
    factory: t.Callable[[str], list[str]] = lambda target: [f"{target}()"]

    def argv(self, target: str, port: int, *, factory: bool = False) -> list[str]:
        """The command line serving ``target`` (``module:app``, or with ``factory``
        ``module:create_app``) on ``127.0.0.1:port``."""
        script, *options = self.options
        app = self.factory(target) if factory else [target]
        return [str(BIN_DIR / script), *options, *self.bind(port), *app]


def _host_port(port: int) -> list[str]:
    return ["--host", "127.0.0.1", "--port", str(port)]


def _flag_factory(target: str) -> list[str]:
    return ["--factory", target]


SERVERS: dict[str, ServerKind] = {
    kind.name: kind
    for kind in (
        ServerKind(
            "uvicorn",
            "asgi",
            ("uvicorn",),
            _host_port,
            factory=_flag_factory,
        ),
        ServerKind(
            "hypercorn",
            "asgi",
            ("hypercorn",),
            lambda port: ["--bind", f"127.0.0.1:{port}"],
        ),
        ServerKind(
            "granian-asgi",
            "asgi",
            ("granian", "--interface", "asgi"),
            _host_port,
            factory=_flag_factory,
        ),
        ServerKind(
            "gunicorn-uvicorn",
            "asgi",
            ("gunicorn", "--worker-class", "uvicorn_worker.UvicornWorker"),
            lambda port: ["--bind", f"127.0.0.1:{port}"],
        ),
        ServerKind(
            "gunicorn",
            "wsgi",
            ("gunicorn",),
            lambda port: ["--bind", f"127.0.0.1:{port}"],
        ),
        ServerKind(
            "waitress",
            "wsgi",
            ("waitress-serve",),
            lambda port: [f"--listen=127.0.0.1:{port}"],
            factory=lambda target: ["--call", target],
        ),
        ServerKind(
            "granian-wsgi",
            "wsgi",
            ("granian", "--interface", "wsgi"),
            _host_port,
            factory=_flag_factory,
        ),
    )
}
ASGI_SERVERS = [name for name, kind in SERVERS.items() if kind.interface == "asgi"]
WSGI_SERVERS = [name for name, kind in SERVERS.items() if kind.interface == "wsgi"]


class ServerProcess:
    """A server subprocess in its own process group, its output in ``log``.

    :param argv: The command line.
    :param port: The port it serves on (127.0.0.1).
    :param log: The file its standard output and error go to.
    :param env: Extra environment variables.
    :param cwd: Its working directory.
    """

    def __init__(
        self,
        argv: list[str],
        port: int,
        log: Path,
        env: dict[str, str] | None = None,
        cwd: Path = HERE,
    ) -> None:
        self.argv = argv
        self.port = port
        self.log = log
        base = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("FLASK_", "ERLEN_", "WERKZEUG_"))
        }
        self.env = {**base, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(HERE), **(env or {})}
        self._log_file = log.open("wb")
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        """What the server printed so far."""
        self._log_file.flush()
        return self.log.read_text(errors="replace")

    def wait_ready(self, path: str = "/", timeout: float = START_TIMEOUT) -> None:
        """Wait until ``GET path`` gets an answer (any status); raise with the server's
        output if it exits or does not answer within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.argv[0]} exited with {self.proc.returncode}:\n{self.output()}"
                )
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2.0)
            try:
                conn.request("GET", path)
                conn.getresponse().read()
                return
            except OSError:  # refused, reset, or not answering yet
                time.sleep(0.1)
            finally:
                conn.close()
        raise RuntimeError(f"no answer on port {self.port} after {timeout}s:\n{self.output()}")

    def terminate(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM the server's main process (as ``docker stop`` does; its workers are its
        business) and wait up to ``timeout`` seconds for it to exit; its exit code, or
        ``None`` if it is still running."""
        try:
            self.proc.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        """Stop the whole process group: SIGTERM, then SIGKILL; always closes the log."""
        try:
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    self.proc.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    pass
            # Workers may outlive their parent: make sure the group is gone.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)
            self._log_file.close()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class ServedApp:
    """The folder an app module served by a real server records its events in.

    The app reads the folder from ``ERLEN_SERVED_DIR`` (see :mod:`served_app`).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.events_file = directory / "events.log"

    @property
    def env(self) -> dict[str, str]:
        """The environment variables telling the app where its folder is."""
        return {"ERLEN_SERVED_DIR": str(self.directory)}

    def events(self) -> list[str]:
        """The events recorded so far, oldest first."""
        try:
            return self.events_file.read_text().splitlines()
        except FileNotFoundError:
            return []

    def wait_for_events(self, *expected: str, timeout: float = IO_TIMEOUT) -> list[str]:
        """Wait until every ``expected`` event is recorded; all events, or raise with them."""
        deadline = time.monotonic() + timeout
        while True:
            events = self.events()
            if all(event in events for event in expected):
                return events
            if time.monotonic() > deadline:
                raise AssertionError(f"events {expected} not all recorded; got {events}")
            time.sleep(0.05)

    def release(self, name: str) -> None:
        """Create the file ``name`` that a waiting view of the app polls for."""
        (self.directory / name).touch()

    def start(self, kind: ServerKind | str, target: str = "served_app:app") -> ServerProcess:
        """Serve ``target`` with this folder under the server ``kind`` (see
        :func:`start_server`), logging to ``<kind>.log`` here; use it as a context manager
        to stop it."""
        name = kind if isinstance(kind, str) else kind.name
        return start_server(kind, target, self.directory / f"{name}.log", self.env)


def start_server(
    kind: ServerKind | str,
    target: str,
    log: Path,
    env: dict[str, str] | None = None,
    *,
    factory: bool = False,
    ready_path: str = "/",
) -> ServerProcess:
    """Start ``target`` under a server on a free port and wait until it answers.

    With ``factory``, ``target`` names an app factory (``pkg:create_app``) the server calls.
    The server is stopped if it does not become ready.
    """
    if isinstance(kind, str):
        kind = SERVERS[kind]
    port = free_port()
    # Run from the log's folder: from tests/servers (a package) granian would import the
    # module as servers.<module>.
    server = ServerProcess(kind.argv(target, port, factory=factory), port, log, env, log.parent)
    try:
        server.wait_ready(ready_path)
    except BaseException:
        server.stop()
        raise
    return server
