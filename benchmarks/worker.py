"""One framework's benchmark worker: a process of its own, driven over stdin/stdout.

Run by ``bench_inprocess.py`` and ``bench_memory.py`` as ``python worker.py KIND FRAMEWORK``
(KIND ``wsgi`` or ``asgi``). It imports the framework's app from ``apps/``, checks every
scenario's answer, prints one JSON line (``ready``, the scenarios it serves, or why not), then
answers JSON-line commands:

- ``{"cmd": "time", "scenario": NAME, "seconds": S}``: serve NAME for at least S CPU-seconds;
  reply ``{"rate": requests per CPU-second, "n": requests}``.
- ``{"cmd": "alloc", "scenario": NAME, "n": N}``: tracemalloc over N requests; reply the mean
  peak bytes above the baseline during one request and the bytes still held after all N.
- ``{"cmd": "rss", "scenario": NAME, "counts": [...]}``: serve requests up to each count and
  reply the process's resident set size (bytes) at each.
"""

from __future__ import annotations

import gc
import importlib
import json
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scenarios import (  # noqa: E402
    ASGI_SCENARIOS,
    UNSUPPORTED,
    WSGI_SCENARIOS,
    ASGIDriver,
    WrongAnswer,
    prepare_wsgi,
    speaks_asgi,
)

#: CPU time of one timed batch; the batch size is scaled to it.
BATCH_SECONDS = 0.02


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    import resource

    return pages * resource.getpagesize()


class Worker:
    """Holds one framework's app and a ``run(n)`` per scenario it serves."""

    def __init__(self, kind: str, framework: str) -> None:
        self.kind = kind
        self.framework = framework
        module = importlib.import_module(f"apps.{framework}_app")
        self.runners: dict[str, Callable[[int], None]] = {}
        self.errors: dict[str, str] = {}
        self.pending: str | None = None
        if kind == "wsgi":
            self._prepare_wsgi(module.app, getattr(module, "session_app", module.app))
        else:
            self._prepare_asgi(module.asgi_app)

    def _prepare_wsgi(self, app: Any, session_app: Any) -> None:
        for scenario in WSGI_SCENARIOS:
            if (self.framework, scenario.name) in UNSUPPORTED:
                continue
            try:
                run, _ = prepare_wsgi(session_app if scenario.session else app, scenario)
            except WrongAnswer as exc:
                self.errors[scenario.name] = str(exc)
                continue
            self.runners[scenario.name] = _repeat(run)

    def _prepare_asgi(self, app: Any) -> None:
        if not speaks_asgi(app):
            self.pending = f"{self.framework}: no ASGI yet"
            return
        driver = ASGIDriver(app)
        for scenario in ASGI_SCENARIOS:
            try:
                driver.check(scenario)
                driver.check(scenario)
            except WrongAnswer as exc:
                self.errors[scenario.name] = str(exc)
                continue
            self.runners[scenario.name] = driver.runner(scenario)

    def time(self, scenario: str, seconds: float) -> dict[str, Any]:
        """Serve ``scenario`` for at least ``seconds`` of this process's CPU time."""
        run = self.runners[scenario]
        clock = time.process_time
        run(20)  # warm caches (compiled templates, routers) outside the timing
        n = 1
        while True:  # size a batch to about BATCH_SECONDS
            start = clock()
            run(n)
            elapsed = clock() - start
            if elapsed >= BATCH_SECONDS / 4:
                n = max(1, int(n * BATCH_SECONDS / elapsed))
                break
            n *= 4
        total_n, total_cpu = 0, 0.0
        while total_cpu < seconds:
            start = clock()
            run(n)
            total_cpu += clock() - start
            total_n += n
        return {"rate": total_n / total_cpu, "n": total_n}

    def alloc(self, scenario: str, n: int) -> dict[str, Any]:
        """Peak bytes allocated during one request and bytes kept after ``n`` (tracemalloc)."""
        run = self.runners[scenario]
        run(200)
        gc.collect()
        tracemalloc.start()
        try:
            run(50)  # tracemalloc's own first allocations
            gc.collect()
            baseline = tracemalloc.get_traced_memory()[0]
            peaks = 0
            for _ in range(n):
                tracemalloc.reset_peak()
                before = tracemalloc.get_traced_memory()[0]
                run(1)
                peaks += tracemalloc.get_traced_memory()[1] - before
            gc.collect()
            kept = tracemalloc.get_traced_memory()[0] - baseline
        finally:
            tracemalloc.stop()
        return {"peak": peaks / n, "kept": kept, "n": n}

    def rss(self, scenario: str, counts: list[int]) -> dict[str, Any]:
        """Resident set size after serving ``scenario`` up to each of ``counts`` requests."""
        run = self.runners[scenario]
        run(1000)
        result = {"start": _rss_bytes()}
        done = 0
        for count in counts:
            run(count - done)
            done = count
            result[str(count)] = _rss_bytes()
        return result


def _repeat(run: Callable[[], bytes]) -> Callable[[int], None]:
    def many(n: int) -> None:
        for _ in range(n):
            run()

    return many


def main() -> None:
    """Answer the orchestrator's commands until stdin closes."""
    kind, framework = sys.argv[1], sys.argv[2]
    out = sys.stdout
    try:
        worker = Worker(kind, framework)
    except Exception as exc:  # noqa: BLE001 - reported to the orchestrator, which goes on
        print(json.dumps({"ready": False, "error": f"{type(exc).__name__}: {exc}"}), file=out)
        return
    print(
        json.dumps(
            {
                "ready": True,
                "scenarios": list(worker.runners),
                "errors": worker.errors,
                "pending": worker.pending,
            }
        ),
        file=out,
        flush=True,
    )
    for line in sys.stdin:
        command = json.loads(line)
        cmd = command["cmd"]
        if cmd == "time":
            reply = worker.time(command["scenario"], command["seconds"])
        elif cmd == "alloc":
            reply = worker.alloc(command["scenario"], command["n"])
        elif cmd == "rss":
            reply = worker.rss(command["scenario"], command["counts"])
        else:
            reply = {"error": f"unknown command {cmd!r}"}
        print(json.dumps(reply), file=out, flush=True)


if __name__ == "__main__":
    main()
