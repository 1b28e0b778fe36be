"""The Redis fixture itself: skips locally, fails under CI, and always stops its server."""

from __future__ import annotations

import socket

import pytest

from servers import redis_server


def test_missing_binary_skips_locally_with_a_hint(monkeypatch, tmp_path):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(redis_server.shutil, "which", lambda name: None)
    with pytest.raises(pytest.skip.Exception, match="apt-get install redis-server"):
        redis_server.start_redis(tmp_path)


def test_missing_binary_fails_under_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(redis_server.shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match="CI must run the Redis tests"):
        redis_server.start_redis(tmp_path)


def test_server_answers_then_stops(tmp_path):
    server = redis_server.start_redis(tmp_path)
    try:
        assert redis_server._command(server.port, b"PING") == b"+PONG\r\n"
        # Nothing is kept on disk.
        assert redis_server._command(server.port, b"CONFIG GET save").endswith(b"$0\r\n\r\n")
    finally:
        server.stop()
    assert server.process.returncode is not None
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", server.port), 1):
        pass
