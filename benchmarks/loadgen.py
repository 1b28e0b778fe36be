"""A small HTTP/1.1 load generator, used when ``wrk`` is not on PATH.

``run_load(host, port, path, connections, seconds)`` keeps ``connections`` keep-alive
connections busy with ``GET path`` for ``seconds`` and returns the requests completed per
second and the count of non-2xx answers. One Python process drives the load, so it saturates
before a fast server does: its figures are lower bounds, and ratios between servers measured
with it compress towards 1. Prefer wrk (Debian package ``wrk``).
"""

from __future__ import annotations

import asyncio
import time


async def _client(host: str, port: int, request: bytes, deadline: float, counts: list[int]) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while time.monotonic() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            assert reader is not None
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status_line, *lines = head.split(b"\r\n")
            version, status, _ = status_line.split(b" ", 2)
            length = None
            keep_alive = version == b"HTTP/1.1"
            for line in lines:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection":
                    keep_alive = value.strip().lower() == b"keep-alive"
            if length is None:
                await reader.read()  # the body ends with the connection
                keep_alive = False
            elif length:
                await reader.readexactly(length)
            counts[0] += 1
            if not 200 <= int(status) < 300:
                counts[1] += 1
        except (OSError, asyncio.IncompleteReadError, ValueError):
            counts[2] += 1
            keep_alive = False
        if not keep_alive and writer is not None:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def _run(host: str, port: int, path: str, connections: int, seconds: float) -> list[int]:
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    counts = [0, 0, 0]  # responses, non-2xx, connection errors
    deadline = time.monotonic() + seconds
    await asyncio.gather(
        *(_client(host, port, request, deadline, counts) for _ in range(connections))
    )
    return counts


def run_load(host: str, port: int, path: str, connections: int, seconds: float) -> dict[str, float]:
    """Load ``http://host:port/path``; return ``requests_per_second``, ``non_2xx``, ``errors``."""
    start = time.monotonic()
    responses, non_2xx, errors = asyncio.run(_run(host, port, path, connections, seconds))
    elapsed = time.monotonic() - start
    return {"requests_per_second": responses / elapsed, "non_2xx": non_2xx, "errors": errors}
