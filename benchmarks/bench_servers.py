"""Hello behind real servers: granian (WSGI and ASGI, 1 worker) and gunicorn (sync worker).

Run: ``python benchmarks/bench_servers.py [--quick]`` (from ``./scripts/bench``). Each server
serves erlen, Flask, Falcon and a raw WSGI callable (the ceiling), and under granian's ASGI
interface erlen (once it speaks ASGI), Starlette and a raw ASGI callable, on a free loopback
port. Load comes from ``wrk`` (1 thread, 32 connections, fixed duration) when it is on PATH,
else from ``loadgen.py``. Every server is killed (its whole process group) after its run.
Reported: requests per second and requests per CPU-second of the server's processes (best of
the rounds, ±spread), each with its ratio to raw; the targets are checked on requests per
second, with the CPU ratio beside them.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import print_table, spread  # noqa: E402
from loadgen import run_load  # noqa: E402
from scenarios import speaks_asgi  # noqa: E402
from targets import SERVER_TARGETS, Check  # noqa: E402

BIN = Path(sys.executable).parent
CONNECTIONS = 32
HELLO = b"Hello, World!"


@dataclass(frozen=True)
class Server:
    """How to start one server on a port for an ``module:attr`` target."""

    name: str
    interface: str  # "wsgi" or "asgi": which attribute of the app module it serves
    #: Extra command-line options (the same for every app under this server).
    options: tuple[str, ...] = ()

    def command(self, target: str, port: int) -> list[str]:
        """The server's command line."""
        if self.name.startswith("granian"):
            return [
                str(BIN / "granian"),
                "--interface",
                self.interface,
                "--workers",
                "1",
                *self.options,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--http",
                "1",
                "--no-ws",
                "--log-level",
                "warning",
                "--working-dir",
                str(HERE),
                target,
            ]
        return [
            str(BIN / "gunicorn"),
            "--workers",
            "1",
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--chdir",
            str(HERE),
            target,
        ]


SERVERS = [
    Server("granian-wsgi", "wsgi"),
    # granian's default runs a WSGI app in several blocking threads, which contend for the
    # GIL; with one, each worker runs Python code without handing the GIL back and forth.
    # Shown beside the default (the target is measured on the default).
    Server("granian-wsgi-1t", "wsgi", ("--blocking-threads", "1")),
    Server("gunicorn-sync", "wsgi"),
    Server("granian-asgi", "asgi"),
]
APPS = {"wsgi": ["erlen", "flask", "falcon", "raw"], "asgi": ["erlen", "starlette", "raw"]}


def free_port() -> int:
    """A loopback TCP port that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(proc: subprocess.Popen[bytes], port: int, timeout: float = 30.0) -> None:
    """Wait until the server answers hello on ``port``; raise if it exits or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/")
            response = conn.getresponse()
            body = response.read()
            conn.close()
            if response.status == 200 and body == HELLO:
                return
            raise RuntimeError(f"server answered {response.status} {body[:80]!r}")
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not answer in time")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End the server and every process it started (its own process group)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        proc.wait()


@dataclass(frozen=True)
class Measured:
    """One load run: requests per wall second, and per CPU-second of the server's processes."""

    per_second: float
    per_cpu_second: float


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) used so far by the live processes of process group ``pgid``."""
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue  # the process ended meanwhile
        # After the command name: state, ppid, pgrp, ... utime (14th field), stime (15th).
        if int(fields[2]) == pgid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def load(port: int, seconds: float) -> tuple[int, float]:
    """Load the server for ``seconds``; return (2xx answers, requests per wall second)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        result = run_load("127.0.0.1", port, "/", CONNECTIONS, seconds)
        if result["non_2xx"]:
            raise RuntimeError(f"{result['non_2xx']:.0f} non-2xx answers")
        return int(result["requests_per_second"] * seconds), result["requests_per_second"]
    out = subprocess.run(
        [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{seconds:g}s", f"http://127.0.0.1:{port}/"],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise RuntimeError(f"{bad.group(1)} non-2xx answers")
    count = re.search(r"(\d+) requests in", out)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if count is None or rate is None:
        raise RuntimeError(f"unexpected wrk output: {out!r}")
    return int(count.group(1)), float(rate.group(1))


def serve_and_load(server: Server, app: str, seconds: float, warmup: float) -> Measured:
    """Start ``server`` on ``app``, load it, always kill it; return what was measured."""
    attr = "app" if server.interface == "wsgi" else "asgi_app"
    port = free_port()
    proc = subprocess.Popen(
        server.command(f"apps.{app}_app:{attr}", port),
        cwd=HERE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        wait_ready(proc, port)
        if warmup:
            load(port, warmup)
        cpu_before = group_cpu_seconds(proc.pid)
        count, per_second = load(port, seconds)
        cpu = group_cpu_seconds(proc.pid) - cpu_before
        return Measured(per_second, count / cpu if cpu > 0 else 0.0)
    except (RuntimeError, subprocess.SubprocessError) as exc:
        stop(proc)
        err = proc.stderr.read().decode(errors="replace")[-500:] if proc.stderr else ""
        raise RuntimeError(f"{server.name} {app}: {exc} {err}".strip()) from None
    finally:
        stop(proc)


def erlen_speaks_asgi() -> bool:
    """Whether erlen's app takes ``(scope, receive, send)`` yet."""
    from apps.erlen_app import asgi_app

    return speaks_asgi(asgi_app)


def run(quick: bool, only: set[str] | None = None) -> list[Check]:
    """Run every server on every app; print the table; return the checks."""
    if only and not ({"server", "servers"} & only):
        return []
    seconds, warmup, rounds = (2.0, 0.0, 1) if quick else (3.0, 1.0, 5)
    tool = "wrk" if shutil.which("wrk") else "loadgen.py (wrk not found: lower bounds)"
    print(f"\n== servers: hello, {tool}, {CONNECTIONS} connections, {seconds:g}s x {rounds} rounds")
    asgi_ready = erlen_speaks_asgi()
    if not asgi_ready:
        print("  erlen: no ASGI yet (granian-asgi runs the peers only)")
    runs: dict[tuple[str, str], list[Measured]] = {}
    errors: dict[tuple[str, str], str] = {}
    for _ in range(rounds):
        for server in SERVERS:
            for app in APPS[server.interface]:
                if server.interface == "asgi" and app == "erlen" and not asgi_ready:
                    continue
                try:
                    measured = serve_and_load(server, app, seconds, warmup)
                except RuntimeError as exc:
                    errors[(server.name, app)] = str(exc)
                    print(f"  FAILED {exc}")
                    continue
                runs.setdefault((server.name, app), []).append(measured)
    return report(runs, asgi_ready)


def report(runs: dict[tuple[str, str], list[Measured]], asgi_ready: bool) -> list[Check]:
    """Print both rates and their ratios to raw per server and app; return the checks.

    The checks use requests per second, the issue's measure; the ratio per server CPU-second
    is shown beside it. On a machine shared with other work (and with wrk itself) the
    wall-clock rate also measures the neighbours; the CPU figure is steadier for gunicorn's
    sync worker (one request at a time) but not for granian, whose CPU per request changes with
    how many requests each wake-up of its runtime finds.
    """
    wall = {key: [m.per_second for m in ms] for key, ms in runs.items()}
    cpu = {key: [m.per_cpu_second for m in ms] for key, ms in runs.items()}
    rows: list[list[object]] = []
    checks: list[Check] = []
    for server in SERVERS:
        raw_wall = max(wall.get((server.name, "raw"), [0.0])) or None
        raw_cpu = max(cpu.get((server.name, "raw"), [0.0])) or None
        for app in APPS[server.interface]:
            key = (server.name, app)
            if key not in runs:
                pending = app == "erlen" and server.interface == "asgi" and not asgi_ready
                rows.append([server.name, app, "pending" if pending else "failed", "", "", ""])
                continue
            rows.append(
                [
                    server.name,
                    app,
                    f"{max(wall[key]):,.0f} ±{spread(wall[key]):.0f}%",
                    f"{max(wall[key]) / raw_wall:.2f}" if raw_wall else "-",
                    f"{max(cpu[key]):,.0f} ±{spread(cpu[key]):.0f}%",
                    f"{max(cpu[key]) / raw_cpu:.2f}" if raw_cpu else "-",
                ]
            )
        for (name, peer), target in SERVER_TARGETS.items():
            if name != server.name:
                continue
            ours = wall.get((name, "erlen"))
            theirs = wall.get((name, peer))
            ratio = max(ours) / max(theirs) if ours and theirs else None
            note = "erlen pending" if server.interface == "asgi" and not asgi_ready else ""
            scatter = ""
            if ours and theirs:
                per_cpu = max(cpu[(name, "erlen")]) / max(cpu[(name, peer)])
                scatter = f"±{spread(ours):.0f}% / ±{spread(theirs):.0f}%; per CPU-s {per_cpu:.2f}x"
            checks.append(
                Check(
                    "server",
                    f"{name} hello: erlen/{peer}",
                    ratio,
                    target,
                    spread=scatter,
                    note=note,
                )
            )
    print_table(
        rows,
        ["server", "app", "requests/s", "/raw", "req per server CPU-s", "/raw"],
        title="Servers, hello: best round ±spread; wall-clock rate, and per CPU-second of the"
        " server's processes",
        left=2,
    )
    return checks


def main() -> None:
    """Command line: --quick for one short round."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    run(args.quick)


if __name__ == "__main__":
    main()
