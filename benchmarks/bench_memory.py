"""Memory per hello request: tracemalloc, and a worker's RSS after 50k and 100k requests.

Run: ``python benchmarks/bench_memory.py [--quick]`` (from ``./scripts/bench``). Each framework
(erlen, Flask, Bottle, Falcon) gets a fresh ``worker.py`` process serving hello in-process:

- *peak B/req*: tracemalloc's peak above the live memory before the request, averaged over
  requests: the most memory one request holds at once.
- *kept B/req*: memory still traced after all the requests (after a GC), per request: a leak
  shows here.
- *RSS*: the process's resident set size after a warm-up, after 50k and after 100k requests,
  and its growth between 50k and 100k (the issue wants it flat, within 5%).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import print_table  # noqa: E402
from bench_inprocess import WorkerProcess  # noqa: E402
from targets import RSS_GROWTH_LIMIT, Check  # noqa: E402

FRAMEWORKS = ["erlen", "flask", "bottle", "falcon"]


def _mib(value: int) -> str:
    return f"{value / 2**20:.1f} MiB"


def run(quick: bool, only: set[str] | None = None) -> list[Check]:
    """Measure every framework; print the table; return erlen's checks."""
    if only and "memory" not in only:
        return []
    counts = [5_000, 10_000] if quick else [50_000, 100_000]
    alloc_n = 50 if quick else 500
    print(f"\n== memory: hello, tracemalloc over {alloc_n} requests; RSS at {counts}")
    rows: list[list[object]] = []
    checks: list[Check] = []
    for framework in FRAMEWORKS:
        worker = WorkerProcess("wsgi", framework)
        try:
            if not worker.hello.get("ready") or "hello" not in worker.hello["scenarios"]:
                rows.append([framework, "not run", "", "", "", "", ""])
                continue
            alloc = worker.ask(cmd="alloc", scenario="hello", n=alloc_n)
        finally:
            worker.close()
        # A fresh process for RSS: the tracemalloc run above leaves its own memory behind.
        worker = WorkerProcess("wsgi", framework)
        try:
            rss = worker.ask(cmd="rss", scenario="hello", counts=counts)
        finally:
            worker.close()
        low, high = rss[str(counts[0])], rss[str(counts[1])]
        growth = (high - low) / low * 100
        rows.append(
            [
                framework,
                f"{alloc['peak']:,.0f}",
                f"{alloc['kept'] / alloc['n']:,.1f}",
                _mib(rss["start"]),
                _mib(low),
                _mib(high),
                f"{growth:+.2f}%",
            ]
        )
        if framework == "erlen":
            checks.append(
                Check(
                    "memory", "erlen hello: peak bytes per request", alloc["peak"], None, unit=" B"
                )
            )
            checks.append(
                Check(
                    "memory",
                    f"erlen RSS growth {counts[0] // 1000}k->{counts[1] // 1000}k",
                    growth,
                    RSS_GROWTH_LIMIT,
                    sense="<=",
                    unit="%",
                    spread=f"{_mib(low)} -> {_mib(high)}",
                )
            )
    print_table(
        rows,
        [
            "framework",
            "peak B/req",
            "kept B/req",
            "RSS warm",
            f"RSS {counts[0] // 1000}k",
            f"RSS {counts[1] // 1000}k",
            "growth",
        ],
        title="Memory, hello in-process",
    )
    return checks


def main() -> None:
    """Command line: --quick for 5k/10k requests instead of 50k/100k."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    run(args.quick)


if __name__ == "__main__":
    main()
