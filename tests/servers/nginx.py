"""A real nginx for the tests: Debian's ``nginx`` binary started in a temporary folder on a
free loopback port, in front of an app server, with the site configuration that
docs/deployment.md shows (examples/deploy/nginx.conf).

The site file is used as it is, but for its two addresses: ``listen 80;`` becomes the test
port and the upstream's ``server 127.0.0.1:8000;`` the app server's port (both must be
present, so an edit of the documented file cannot go untested). When nginx is not installed
the tests skip, saying how to install it; under CI (``CI`` set) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from servers import free_port
from servers.app_servers import ServerProcess

REPO = Path(__file__).resolve().parents[2]
SITE_CONF = REPO / "examples" / "deploy" / "nginx.conf"
INSTALL_HINT = "nginx is not installed: apt-get install nginx"

_MAIN_CONF = """
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
{user}
events {{
    worker_connections 128;
}}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/site.conf;
}}
"""


def nginx_binary() -> str:
    """The nginx executable; skip (fail under CI) without it."""
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail(INSTALL_HINT, pytrace=False)
        pytest.skip(INSTALL_HINT)
    return binary


def site_conf(listen_port: int, app_port: int) -> str:
    """The documented site configuration with the test's addresses."""
    text = SITE_CONF.read_text()
    for old in ("    listen 80;\n", "    server 127.0.0.1:8000;\n"):
        assert text.count(old) == 1, f"{SITE_CONF} no longer has {old.strip()!r}"
    text = text.replace("    listen 80;\n", f"    listen 127.0.0.1:{listen_port};\n")
    return text.replace("    server 127.0.0.1:8000;\n", f"    server 127.0.0.1:{app_port};\n")


def start_nginx(prefix: Path, app_port: int) -> ServerProcess:
    """nginx in front of the app on ``app_port``, checked with ``nginx -t`` first, and
    answering (through to the app) before this returns."""
    binary = nginx_binary()
    prefix.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (prefix / "site.conf").write_text(site_conf(port, app_port))
    # As root nginx would hand its workers to "nobody", who cannot use this folder.
    user = "user root;" if os.geteuid() == 0 else ""
    conf = prefix / "nginx.conf"
    conf.write_text(_MAIN_CONF.format(prefix=prefix, user=user))
    argv = [binary, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    check = subprocess.run([*argv, "-t"], capture_output=True, text=True, timeout=30, check=False)
    assert check.returncode == 0, check.stderr
    server = ServerProcess(argv, port, prefix / "stderr.log", cwd=prefix)
    try:
        server.wait_ready()
    except BaseException:
        server.stop()
        raise
    return server
