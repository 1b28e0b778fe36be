"""Run every benchmark of issue 13 and print one summary table: ``./scripts/bench``.

Usage: ``python benchmarks/run.py [--quick] [--only NAME ...]``. NAME is a part (``wsgi``,
``asgi``, ``server``, ``memory``, ``ws``) or an in-process scenario (``hello``, ``form``, ...: the
in-process parts then run that scenario only). ``--quick`` makes every part short: a smoke run
whose figures are rough. The parts print their own tables first; the summary sets each figure
beside the issue's target with a pass/MISS mark.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_inprocess  # noqa: E402
import bench_memory  # noqa: E402
import bench_servers  # noqa: E402
import bench_ws  # noqa: E402
from _common import environment_summary  # noqa: E402
from scenarios import ASGI_SCENARIOS, WSGI_SCENARIOS  # noqa: E402
from targets import Check, print_summary  # noqa: E402

PARTS = ["wsgi", "asgi", "server", "memory", "ws"]
PACKAGES = [
    "erlen",
    "flask",
    "bottle",
    "falcon",
    "starlette",
    "fastapi",
    "quart",
    "granian",
    "gunicorn",
    "uvicorn",
]


def versions() -> str:
    """The installed version of each framework and server (and whether Falcon is compiled)."""
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} missing")
    try:
        import falcon

        compiled = any((Path(falcon.__file__).parent / "cyutil").glob("*.so"))
        found[PACKAGES.index("falcon")] += " (Cython)" if compiled else " (pure Python)"
    except ImportError:
        pass
    return ", ".join(found)


def main() -> None:
    """Parse the command line, run the chosen parts, print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="short runs (a smoke test)")
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help=f"a part ({', '.join(PARTS)}) or a scenario; repeatable",
    )
    args = parser.parse_args()
    only = set(args.only) if args.only else None
    known = set(PARTS) | {s.name for s in WSGI_SCENARIOS + ASGI_SCENARIOS}
    if only and only - known:
        parser.error(f"unknown --only {sorted(only - known)}; choose from {sorted(known)}")
    print(
        f"erlen benchmarks: {environment_summary()}, {os.cpu_count()} CPUs,"
        f" load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print(versions())
    scenario_only = only - set(PARTS) if only else set()
    part_only = only & set(PARTS) if only else set()
    checks: list[Check] = []
    for kind in ("wsgi", "asgi"):
        if not part_only or kind in part_only:
            checks += bench_inprocess.run(kind, args.quick, scenario_only or None)
    if not only or "server" in part_only or "hello" in scenario_only:
        checks += bench_servers.run(args.quick)
    if not only or "memory" in part_only or "hello" in scenario_only:
        checks += bench_memory.run(args.quick)
    if not only or "ws" in part_only:
        checks += bench_ws.run(args.quick)
    print()
    print_summary(checks)
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
