"""Real servers for the tests, started by session-scoped fixtures at most once per run.

``tests/conftest.py`` registers :mod:`servers.redis_server` and :mod:`servers.pg_server` as
plugins, so their fixtures (``redis_url``, ``redis_client``, ``redis_sentinel``,
``redis_cluster_url``, ``postgresql_server``, ``postgresql_url``,
``fresh_postgresql_url``) serve every test folder from one definition each.

:mod:`servers.app_servers` starts web servers (uvicorn, hypercorn, granian, gunicorn,
waitress) serving an app module such as :mod:`servers.served_app`, for
``tests/test_servers_*.py``.
"""

from __future__ import annotations

import socket


def free_port() -> int:
    """A loopback TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
