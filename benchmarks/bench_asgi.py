"""ASGI in one process: erlen beside Starlette, FastAPI and Quart over the same in-process calls.

Run: ``.venv-bench/bin/python benchmarks/bench_asgi.py`` (the venv ``./scripts/bench`` builds,
which holds the peers). ``./scripts/bench --only asgi`` measures the same scenarios with each
framework in a worker process of its own (issue 13's method); this script puts every framework
in this one process (issue 10's), so both readings of "as fast as Starlette" are at hand.

Each framework serves the apps of ``benchmarks/apps`` (the same request shapes: an ``async def``
hello, JSON with an int URL parameter, a sync hello) through :class:`scenarios.ASGIDriver`: one
event loop, the body given once, the response read whole, after the app's lifespan startup.
Every answer is checked before timing. Reported per scenario: time per request (best of
interleaved rounds, so machine load touches every framework alike), requests per second, and
each framework's speed relative to Starlette (above 1.00x: faster than Starlette).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

from _common import (
    bench_interleaved,
    environment_summary,
    format_rate,
    format_ratio,
    format_time,
    print_table,
)
from scenarios import ASGI_SCENARIOS, ASGIDriver

FRAMEWORKS = ["erlen", "starlette", "fastapi", "quart"]
#: Requests served per timed call (one loop run each), so the loop's own start is amortised.
BATCH = 50


def load_drivers() -> dict[str, ASGIDriver]:
    """An :class:`ASGIDriver` per installed framework, its lifespan started."""
    drivers = {}
    for name in FRAMEWORKS:
        try:
            module = importlib.import_module(f"apps.{name}_app")
        except ImportError as e:
            print(f"{name}: not installed ({e})", file=sys.stderr)
            continue
        driver = ASGIDriver(module.asgi_app)
        driver.lifespan_startup()
        drivers[name] = driver
    return drivers


def main() -> None:
    """Check every answer, time every scenario, print the table."""
    print(environment_summary())
    drivers = load_drivers()
    if "starlette" not in drivers or "erlen" not in drivers:
        raise SystemExit("erlen and Starlette are needed (./scripts/bench installs the peers)")
    rows: list[list[Any]] = []
    for scenario in ASGI_SCENARIOS:
        runners: dict[str, Callable[[], object]] = {}
        for name, driver in drivers.items():
            driver.check(scenario)
            run = driver.runner(scenario)
            runners[name] = lambda run=run: run(BATCH)
        best = {name: seconds / BATCH for name, seconds in bench_interleaved(runners).items()}
        for name in drivers:
            rows.append(
                [
                    scenario.label,
                    name,
                    format_time(best[name]),
                    format_rate(best[name]),
                    format_ratio(best["starlette"], best[name]),
                ]
            )
    for driver in drivers.values():
        driver.close()
    print_table(rows, ["scenario", "framework", "time/req", "req/s", "vs Starlette"])


if __name__ == "__main__":
    main()
