"""Where each in-process scenario spends erlen's time: cProfile, as Markdown.

Run: ``.venv-bench/bin/python benchmarks/profile_scenarios.py [SCENARIO ...] [--top N]``.
For each WSGI scenario (default: all) it serves the request ``REQUESTS`` times under cProfile
on erlen and prints the Python function calls per request (beside Flask's, Bottle's and
Falcon's), then erlen's top functions by own time with their calls per request. The tables
of ``benchmarks/PROFILE.md`` come from here; the diagnosis beside them is written by hand.
Profiling inflates the cost of each call, so read shares of time, not absolute times.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import pstats
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scenarios import UNSUPPORTED, WSGI_SCENARIOS, Scenario, prepare_wsgi  # noqa: E402

REQUESTS = 2000
PEERS = ["flask", "bottle", "falcon"]


def _app_for(framework: str, scenario: Scenario) -> Any:
    module = importlib.import_module(f"apps.{framework}_app")
    return getattr(module, "session_app", module.app) if scenario.session else module.app


def profile(framework: str, scenario: Scenario, n: int = REQUESTS) -> pstats.Stats:
    """cProfile ``n`` requests of ``scenario`` on ``framework`` (after a warm-up)."""
    run, _ = prepare_wsgi(_app_for(framework, scenario), scenario)
    for _ in range(50):
        run()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        run()
    profiler.disable()
    return pstats.Stats(profiler)


def calls_per_request(stats: pstats.Stats, n: int = REQUESTS) -> float:
    """Python (and C) function calls per request, less the harness's own."""
    return stats.total_calls / n  # type: ignore[attr-defined,no-any-return]


def _where(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":  # a builtin, e.g. <method 'join' of 'bytes' objects>
        return re.sub(r" at 0x[0-9a-f]+", "", name)
    path = filename.replace("\\", "/")
    for marker in ("/src/", "/site-packages/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    path = path.split("/benchmarks/", 1)[-1]
    return f"{path}:{line} {name}"


def top_table(stats: pstats.Stats, top: int, n: int = REQUESTS) -> list[str]:
    """Markdown rows: the ``top`` functions by own time."""
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in entries.values()) or 1.0
    ranked = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)[:top]
    lines = ["| own time | calls/req | function |", "|---:|---:|---|"]
    for func, (_cc, nc, tt, _ct, _callers) in ranked:
        lines.append(f"| {tt / total * 100:.1f}% | {nc / n:g} | `{_where(func)}` |")
    return lines


#: The entry points, whose cumulative time is the whole request.
_ENTRY = {"__call__", "wsgi_app", "run"}


def cumulative_table(stats: pstats.Stats, top: int, n: int = REQUESTS) -> list[str]:
    """Markdown rows: erlen's functions by cumulative time (callees included), below the
    entry points: which step of the request costs what."""
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in entries.values()) or 1.0
    ours = [
        (func, value)
        for func, value in entries.items()
        if "/erlen/" in func[0].replace("\\", "/") and func[2] not in _ENTRY
    ]
    ranked = sorted(ours, key=lambda item: item[1][3], reverse=True)[:top]
    lines = ["| cumulative | calls/req | erlen function |", "|---:|---:|---|"]
    for func, (_cc, nc, _tt, ct, _callers) in ranked:
        lines.append(f"| {ct / total * 100:.1f}% | {nc / n:g} | `{_where(func)}` |")
    return lines


def harness_calls() -> float:
    """Calls per request of the harness itself, measured on the raw WSGI callable."""
    import apps.raw_app

    run, _ = prepare_wsgi(apps.raw_app.app, WSGI_SCENARIOS[0])
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(100):
        run()
    profiler.disable()
    return calls_per_request(pstats.Stats(profiler), 100)


def report(scenarios: list[Scenario], top: int) -> str:
    """The Markdown of every scenario's profile."""
    out = [
        f"Each call count includes the harness's {harness_calls():.0f} calls per request"
        " (the raw WSGI callable's count).\n"
    ]
    for scenario in scenarios:
        erlen_stats = profile("erlen", scenario)
        counts = [f"erlen {calls_per_request(erlen_stats):.0f}"]
        for peer in PEERS:
            if (peer, scenario.name) in UNSUPPORTED:
                continue
            counts.append(f"{peer} {calls_per_request(profile(peer, scenario, 500), 500):.0f}")
        out.append(f"### {scenario.label} (`{scenario.name}`)\n")
        out.append(f"Function calls per request: {', '.join(counts)}.\n")
        out.append("Top functions by own time:\n")
        out.extend(top_table(erlen_stats, top))
        out.append("\nerlen's steps by cumulative time:\n")
        out.extend(cumulative_table(erlen_stats, top))
        out.append("")
    return "\n".join(out)


def main() -> None:
    """Command line: scenario names (default all), --top N."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("scenarios", nargs="*", help="scenario names (default: all)")
    parser.add_argument("--top", type=int, default=12, help="functions per table")
    args = parser.parse_args()
    chosen = [s for s in WSGI_SCENARIOS if not args.scenarios or s.name in args.scenarios]
    print(report(chosen, args.top))


if __name__ == "__main__":
    main()
