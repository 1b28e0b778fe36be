"""A real PostgreSQL server for the tests that need one (fixtures ``postgresql_url`` and
``fresh_postgresql_url``).

The server is started once per test session from the Debian binaries
(``/usr/lib/postgresql/<version>/bin``, or ``PG_BINDIR``) in a temporary directory, listening on
a free loopback port, with trust authentication for the user ``erlen``. PostgreSQL refuses to run
as root, so under root it runs as ``nobody`` (through ``runuser``), owning the data directory. It
is always stopped and its directory removed at the end of the session.

Without the binaries the tests skip with a message saying how to install them, except under CI
(``CI`` set), where they fail: CI must run them.
"""

from __future__ import annotations

import itertools
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
import typing as t
from pathlib import Path

import pytest

from . import free_port

_INSTALL_HINT = (
    "PostgreSQL server binaries not found: install them with"
    " 'apt-get install postgresql' (Debian/Ubuntu; .ci/run does it), or set PG_BINDIR"
    " to the folder holding initdb and postgres."
)
_STARTUP_LIMIT = 60.0  # seconds to wait for the server to accept connections
_USER = "erlen"
_TOOLS = ("initdb", "postgres", "pg_isready", "createdb", "dropdb")
_db_numbers = itertools.count(1)


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name))


def find_bindir() -> Path | None:
    """The folder with ``initdb`` and ``postgres``: ``PG_BINDIR``, PATH, or the newest
    ``/usr/lib/postgresql/*/bin``."""
    candidates: list[Path] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)  # often a symlink into .../bin
    candidates.extend(
        sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    )
    for folder in candidates:
        if all((folder / tool).is_file() for tool in _TOOLS):
            return folder
    return None


def _as_server_user(argv: list[str]) -> list[str]:
    """``argv`` run as ``nobody`` when we are root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "nobody", "--", *argv]


def _unavailable(message: str) -> t.NoReturn:
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


class PostgresServer:
    """One running ``postgres`` process in a temporary directory."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="erlen-pg-"))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def _run(self, *argv: str) -> None:
        subprocess.run(
            _as_server_user([str(self.bindir / argv[0]), *argv[1:]]),
            check=True,
            capture_output=True,
            cwd=self.root,
        )

    def start(self) -> None:
        """initdb, start the server and wait until it accepts connections."""
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.root, nobody.pw_uid, nobody.pw_gid)
        os.chmod(self.root, 0o755)
        data = self.root / "data"
        self._run("initdb", "-D", str(data), "-U", _USER, "--auth=trust", "-E", "UTF8", "--no-sync")
        log = open(self.root / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self._log = log
        self.process = subprocess.Popen(
            _as_server_user(
                [
                    str(self.bindir / "postgres"),
                    "-D", str(data),
                    "-p", str(self.port),
                    "-h", "127.0.0.1",
                    "-k", str(self.root),
                    "-c", "fsync=off",
                    "-c", "synchronous_commit=off",
                    "-c", "full_page_writes=off",
                ]
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + _STARTUP_LIMIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited: {self.log_text()}")
            ready = subprocess.run(
                [str(self.bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"postgres did not start in {_STARTUP_LIMIT:.0f}s: {self.log_text()}")

    def log_text(self) -> str:
        """The server's log so far."""
        return (self.root / "server.log").read_text(errors="replace")

    def url(self, database: str = "postgres") -> str:
        """A driver-less SQLAlchemy URL (``postgresql://...``) for ``database``."""
        return f"postgresql://{_USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; returns its name."""
        name = f"test_{os.getpid()}_{next(_db_numbers)}"
        self._client("createdb", name)
        return name

    def drop_database(self, name: str) -> None:
        """Drop ``name``, closing connections still open to it."""
        self._client("dropdb", "--force", name)

    def _client(self, tool: str, *args: str) -> None:
        subprocess.run(
            [str(self.bindir / tool), "-h", "127.0.0.1", "-p", str(self.port), "-U", _USER, *args],
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        """Stop the server (fast shutdown, then kill) and remove its directory."""
        process = self.process
        if process is not None and process.poll() is None:
            # The whole process group: runuser does not pass signals on to postgres.
            os.killpg(process.pid, signal.SIGINT)  # postgres' "fast" shutdown
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if getattr(self, "_log", None) is not None:
            self._log.close()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgresql_server() -> t.Iterator[PostgresServer]:
    """A running PostgreSQL server for the whole test session."""
    bindir = find_bindir()
    if bindir is None:
        _unavailable(_INSTALL_HINT)
    server = PostgresServer(bindir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgresql_url(postgresql_server: PostgresServer) -> str:
    """URL (``postgresql://erlen@127.0.0.1:<port>/postgres``, no driver) of the session's
    server; pick a driver with ``sqlalchemy.engine.make_url(url).set(drivername=...)``."""
    return postgresql_server.url()


@pytest.fixture
def fresh_postgresql_url(postgresql_server: PostgresServer) -> t.Iterator[str]:
    """URL of a new empty database on the session's server, dropped after the test."""
    name = postgresql_server.create_database()
    try:
        yield postgresql_server.url(name)
    finally:
        postgresql_server.drop_database(name)
