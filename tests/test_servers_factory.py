"""An app factory served by each server with the form docs/deployment.md gives:
``'factory_pkg:create_app()'`` for gunicorn and hypercorn, ``--factory`` for uvicorn and
granian, ``--call`` for waitress (tests/servers/factory_pkg)."""

from __future__ import annotations

import http.client

import pytest
from servers.app_servers import IO_TIMEOUT, SERVERS, start_server


@pytest.mark.parametrize("name", list(SERVERS))
def test_app_factory(name, tmp_path):
    server = start_server(
        name,
        "factory_pkg:create_app",
        tmp_path / "server.log",
        {"FACTORY_GREETING": "Bonjour"},
        factory=True,
    )
    with server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=IO_TIMEOUT)
        try:
            conn.request("GET", "/")
            response = conn.getresponse()
            assert (response.status, response.read()) == (200, b"Bonjour from the factory")
        finally:
            conn.close()
        assert server.argv[-1] in ("factory_pkg:create_app()", "factory_pkg:create_app")
