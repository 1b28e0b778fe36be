"""WebSocket echo over a real uvicorn: erlen beside Starlette (issue 10).

Run: ``./scripts/bench --only ws``, or ``.venv-bench/bin/python benchmarks/bench_ws.py`` (the
venv ``./scripts/bench`` builds: Starlette, uvicorn and websockets are bench dependencies).

Each framework's echo app runs in its own ``uvicorn`` process (one worker, uvicorn's default
websocket protocol) on a free loopback port. This process is the client: for each round it opens a
connection, sends ``MESSAGES`` text messages one at a time and waits for each echo, then closes;
and it opens and closes ``HANDSHAKES`` connections with one echo each. Rounds alternate between
the frameworks so machine load touches both alike.

Reported per framework, best of the rounds: the *server's* CPU time per echoed message and per
handshake (read from ``/proc/<pid>/stat``, so the client's own cost does not count), messages
per server CPU-second, and erlen's ratio to Starlette (above 1.0x: erlen does the same work with
less CPU). Linux only (``/proc``).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import websockets
from _common import environment_summary, format_ratio, print_table
from targets import Check

MESSAGES = 20_000
HANDSHAKES = 1_000
ROUNDS = 5

APPS = {
    "erlen": """
from erlen import Flask, websocket

app = Flask(__name__)


@app.websocket("/ws")
async def echo():
    async for message in websocket:
        await websocket.send(message)
""",
    "starlette": """
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocketDisconnect


async def echo(ws):
    await ws.accept()
    try:
        while True:
            await ws.send_text(await ws.receive_text())
    except WebSocketDisconnect:
        pass


app = Starlette(routes=[WebSocketRoute("/ws", echo)])
""",
}


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """One framework's echo app under a uvicorn subprocess."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        (folder / f"ws_{name}.py").write_text(APPS[name])
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                f"ws_{name}:app",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-access-log",
                "--lifespan",
                "off",
            ],
            cwd=folder,
        )
        self.url = f"ws://127.0.0.1:{self.port}/ws"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"uvicorn for {name} exited") from None
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"uvicorn for {name} did not start")

    def stop(self) -> None:
        """Stop the server (it is always stopped, even when the run fails)."""
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


async def echo_round(url: str, messages: int) -> None:
    """One connection, ``messages`` echoes, one at a time."""
    async with websockets.connect(url) as ws:
        for i in range(messages):
            text = f"message {i}"
            await ws.send(text)
            if await ws.recv() != text:
                raise AssertionError("the echo differs from what was sent")


async def handshake_round(url: str, handshakes: int) -> None:
    """``handshakes`` connections, each with one echo."""
    for _ in range(handshakes):
        async with websockets.connect(url) as ws:
            await ws.send("hi")
            if await ws.recv() != "hi":
                raise AssertionError("the echo differs from what was sent")


def measure(server: Server, work: object) -> float:
    """Server CPU seconds spent while the client runs ``work``."""
    before = cpu_seconds(server.process.pid)
    asyncio.run(work)  # type: ignore[arg-type]
    time.sleep(0.05)  # let the server finish the close it was sent
    return cpu_seconds(server.process.pid) - before


def run(quick: bool) -> list[Check]:
    """Run the rounds, print the table, return erlen's ratios to Starlette."""
    messages, handshakes, rounds = (500, 50, 2) if quick else (MESSAGES, HANDSHAKES, ROUNDS)
    print(
        f"\n== ws: WebSocket echo over uvicorn ({messages} messages and {handshakes} "
        f"handshakes per round, best of {rounds} rounds; server CPU time)"
    )
    per_message: dict[str, list[float]] = {name: [] for name in APPS}
    per_handshake: dict[str, list[float]] = {name: [] for name in APPS}
    with tempfile.TemporaryDirectory() as tmp:
        servers: list[Server] = []
        try:
            for name in APPS:
                servers.append(Server(name, Path(tmp)))
            for server in servers:  # warm up: imports, first connections
                asyncio.run(handshake_round(server.url, 20))
            for _ in range(rounds):
                for server in servers:
                    cpu = measure(server, echo_round(server.url, messages))
                    per_message[server.name].append(cpu / messages)
                    cpu = measure(server, handshake_round(server.url, handshakes))
                    per_handshake[server.name].append(cpu / handshakes)
        finally:
            for server in servers:
                server.stop()
    # /proc counts clock ticks: the best round is the least disturbed one.
    best_msg = {name: min(v) for name, v in per_message.items()}
    best_hs = {name: min(v) for name, v in per_handshake.items()}
    rows = [
        [
            name,
            f"{best_msg[name] * 1e6:.1f} us",
            f"{1 / best_msg[name]:,.0f}",
            format_ratio(best_msg["starlette"], best_msg[name]),
            f"{best_hs[name] * 1e6:.0f} us",
            format_ratio(best_hs["starlette"], best_hs[name]),
        ]
        for name in APPS
    ]
    print_table(
        rows,
        [
            "framework",
            "CPU/message",
            "messages/CPU-s",
            "vs Starlette",
            "CPU/handshake",
            "vs Starlette",
        ],
    )
    return [
        Check(
            "ws",
            "echo message vs Starlette (uvicorn)",
            best_msg["starlette"] / best_msg["erlen"],
            None,
        ),
        Check(
            "ws",
            "handshake + echo vs Starlette (uvicorn)",
            best_hs["starlette"] / best_hs["erlen"],
            None,
        ),
    ]


if __name__ == "__main__":
    print(environment_summary())
    run(bool(os.environ.get("ERLEN_BENCH_QUICK")))
