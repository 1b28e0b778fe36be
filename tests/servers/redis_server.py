"""Real Redis servers for the tests: started on free loopback ports in temporary folders.

Fixtures (each server is started once per session and stopped at its end):

- ``redis_url``: ``redis://127.0.0.1:<port>/0`` of a plain ``redis-server``.
- ``redis_client`` (per test): a redis-py client of that server, emptied (``FLUSHALL``)
  before the test and closed after it.
- ``redis_sentinel``: ``(sentinel_host, sentinel_port, master_name)`` of a Redis Sentinel
  watching its own master (for ``RedisSentinelCache``-style clients).
- ``redis_cluster_url``: ``redis://127.0.0.1:<port>/0`` of a one-node Redis Cluster that
  owns every hash slot.

Servers keep nothing on disk (``--save "" --appendonly no``). When ``redis-server`` is not
installed the tests that need it skip with a message saying how to install it; under CI
(the ``CI`` environment variable set) they fail instead, since CI must run them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import free_port

INSTALL_HINT = "install it with: apt-get install redis-server"
START_TIMEOUT = 15.0


def _missing(what: str) -> None:
    message = f"{what} is not available; {INSTALL_HINT}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI must run the Redis tests)")
    pytest.skip(message)


def _command(port: int, command: bytes, timeout: float = 2.0) -> bytes:
    """Send one inline command to the server on ``port``; its raw reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(command + b"\r\n")
        return sock.recv(65536)


class RedisProcess:
    """One ``redis-server`` process (plain, sentinel or cluster node)."""

    def __init__(self, directory: Path, args: list[str], config: Path | None = None) -> None:
        self.directory = directory
        self.port = free_port()
        self.log = directory / "redis.log"
        binary = shutil.which("redis-server")
        assert binary is not None
        # Errors from before the log file is open (bad arguments) go to stderr.
        self.stderr = (directory / "stderr.log").open("wb")
        self.process = subprocess.Popen(
            [
                binary,
                *([str(config)] if config is not None else []),
                *args,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(directory),
                "--logfile",
                str(self.log),
                "--daemonize",
                "no",
            ],
            cwd=directory,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.stderr,
        )

    def wait_ready(self) -> None:
        """Return once the server answers ``PING``; raise if it exited or never answered."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if _command(self.port, b"PING", timeout=0.5).startswith(b"+PONG"):
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        log = "".join(
            path.read_text(errors="replace")
            for path in (self.directory / "stderr.log", self.log)
            if path.exists()
        )
        raise RuntimeError(f"redis-server on port {self.port} did not start:\n{log[-2000:]}")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s) and reap it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.stderr.close()


def start_redis(directory: Path, *args: str, config: Path | None = None) -> RedisProcess:
    """Start a ``redis-server`` with ``args`` (after the ``config`` file, if any) in
    ``directory`` and wait until it answers.

    A port another process took between choosing and binding it makes the server exit:
    then it is started again on another port (three tries).
    """
    if shutil.which("redis-server") is None:
        _missing("redis-server")
    for attempt in range(3):
        server = RedisProcess(directory, ["--save", "", "--appendonly", "no", *args], config)
        try:
            server.wait_ready()
        except RuntimeError:
            if attempt == 2:
                raise
            continue
        return server
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a real ``redis-server`` for this test session (database 0)."""
    server = start_redis(tmp_path_factory.mktemp("redis"))
    try:
        yield f"redis://127.0.0.1:{server.port}/0"
    finally:
        server.stop()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[t.Any]:
    """A client (``redis.Redis``) of the session's server, which it empties first."""
    import redis  # only the tests that use Redis need redis-py

    client = redis.Redis.from_url(redis_url)
    client.flushall()
    yield client
    client.close()


@pytest.fixture(scope="session")
def redis_sentinel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, str]]:
    """``(host, port, master_name)`` of a Redis Sentinel that monitors a master of its own
    (no replicas, so reads fall back to the master)."""
    master = start_redis(tmp_path_factory.mktemp("redis-master"))
    try:
        directory = tmp_path_factory.mktemp("redis-sentinel")
        # A sentinel rewrites its config file, so it gets one of its own.
        config = directory / "sentinel.conf"
        config.write_text(f"sentinel monitor erlen 127.0.0.1 {master.port} 1\n")
        sentinel = start_redis(directory, "--sentinel", config=config)
        try:
            yield "127.0.0.1", sentinel.port, "erlen"
        finally:
            sentinel.stop()
    finally:
        master.stop()


@pytest.fixture(scope="session")
def redis_cluster_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a one-node Redis Cluster that serves all 16384 hash slots."""
    node = start_redis(
        tmp_path_factory.mktemp("redis-cluster"),
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        "nodes.conf",
    )
    try:
        reply = _command(node.port, b"CLUSTER ADDSLOTSRANGE 0 16383")
        if not reply.startswith(b"+OK"):
            raise RuntimeError(f"CLUSTER ADDSLOTSRANGE failed: {reply!r}")
        deadline = time.monotonic() + START_TIMEOUT
        while b"cluster_state:ok" not in _command(node.port, b"CLUSTER INFO"):
            if time.monotonic() > deadline:
                raise RuntimeError("the one-node Redis Cluster never reached cluster_state:ok")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{node.port}/0"
    finally:
        node.stop()
