"""In-process throughput: each framework in its own worker process, requests per CPU-second.

Run: ``python benchmarks/bench_inprocess.py [wsgi|asgi] [--quick] [--only NAME]`` (from
``./scripts/bench``, whose venv has every framework). The WSGI part serves issue 13's scenarios
on erlen, Flask, Bottle and Falcon; the ASGI part erlen (once it speaks ASGI), Starlette,
FastAPI and Quart. Each worker checks its app's answers first (``worker.py``). The frameworks
are timed in turn, scenario by scenario, over several rounds, so a burst of load from other
processes hits all of them; each cell is the best round and the spread is (best - worst) / best.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import environment_summary, print_table, spread  # noqa: E402
from scenarios import ASGI_SCENARIOS, WSGI_SCENARIOS, Scenario  # noqa: E402
from targets import ASGI_TARGETS, Check, wsgi_target  # noqa: E402

FRAMEWORKS = {
    "wsgi": ["erlen", "flask", "bottle", "falcon"],
    "asgi": ["erlen", "starlette", "fastapi", "quart"],
}
SCENARIOS: dict[str, list[Scenario]] = {"wsgi": WSGI_SCENARIOS, "asgi": ASGI_SCENARIOS}


class WorkerProcess:
    """A ``worker.py`` process serving one framework; ``ask`` sends a command, waits the reply."""

    def __init__(self, kind: str, framework: str) -> None:
        self.framework = framework
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "worker.py"), kind, framework],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=HERE,
        )
        self.hello: dict[str, Any] = self._read()

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            return {"ready": False, "error": f"worker exited ({self.proc.wait()})"}
        return json.loads(line)  # type: ignore[no-any-return]

    def ask(self, **command: Any) -> dict[str, Any]:
        """Send one command; return the worker's reply."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        """End the worker (closing stdin ends its command loop)."""
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_workers(kind: str, frameworks: list[str]) -> dict[str, WorkerProcess]:
    """One worker per framework; report the ones that cannot serve (not installed, pending)."""
    workers = {}
    for framework in frameworks:
        worker = WorkerProcess(kind, framework)
        hello = worker.hello
        if not hello.get("ready"):
            print(f"  {framework}: not run ({hello.get('error')})")
            worker.close()
            continue
        if hello.get("pending"):
            print(f"  {hello['pending']}")
        for error in hello.get("errors", {}).values():
            print(f"  {framework}: WRONG ANSWER, not timed: {error}")
        workers[framework] = worker
    return workers


def measure(
    kind: str, scenarios: list[Scenario], rounds: int, seconds: float
) -> tuple[dict[tuple[str, str], list[float]], dict[str, WorkerProcess]]:
    """Rates per (framework, scenario), one per round; and the workers' hello lines."""
    workers = start_workers(kind, FRAMEWORKS[kind])
    rates: dict[tuple[str, str], list[float]] = {}
    try:
        for r in range(rounds):
            order = list(workers.values())
            order = order[r % len(order) :] + order[: r % len(order)] if order else order
            for scenario in scenarios:
                for worker in order:
                    if scenario.name not in worker.hello["scenarios"]:
                        continue
                    reply = worker.ask(cmd="time", scenario=scenario.name, seconds=seconds)
                    rates.setdefault((worker.framework, scenario.name), []).append(reply["rate"])
            print(f"  round {r + 1}/{rounds} done", file=sys.stderr)
    finally:
        for worker in workers.values():
            worker.close()
    return rates, workers


def _rate(value: float) -> str:
    return f"{value / 1000:.1f}k" if value < 100_000 else f"{value / 1000:.0f}k"


def report(
    kind: str,
    scenarios: list[Scenario],
    rates: dict[tuple[str, str], list[float]],
    workers: dict[str, WorkerProcess],
) -> list[Check]:
    """Print the table of rates and ratios; return the checks against the issue's targets."""
    frameworks = FRAMEWORKS[kind]
    peers = frameworks[1:]
    pending = {fw for fw, w in workers.items() if w.hello.get("pending")}
    best = {key: max(values) for key, values in rates.items()}
    rows: list[list[object]] = []
    checks: list[Check] = []
    for scenario in scenarios:
        row: list[object] = [scenario.label]
        for fw in frameworks:
            values = rates.get((fw, scenario.name))
            row.append(
                f"{_rate(max(values))} ±{spread(values):.0f}%"
                if values
                else ("pending" if fw in pending else "-")
            )
        ours = best.get(("erlen", scenario.name))
        for peer in peers:
            theirs = best.get((peer, scenario.name))
            ratio = ours / theirs if ours and theirs else None
            target = (
                wsgi_target(scenario.name, peer)
                if kind == "wsgi"
                else ASGI_TARGETS.get((scenario.name, peer))
            )
            cell = "-" if ratio is None else f"{ratio:.2f}x"
            if target is not None and ratio is not None:
                cell += f" ({'ok' if ratio >= target else 'MISS'} {target:g}x)"
            row.append(cell)
            if target is not None and theirs is not None:
                checks.append(
                    Check(
                        f"in-process {kind.upper()}",
                        f"{scenario.name}: erlen/{peer}",
                        ratio,
                        target,
                        spread=_spreads(rates, scenario.name, peer),
                        note="erlen pending" if "erlen" in pending else "",
                    )
                )
        rows.append(row)
    headers = ["scenario", *frameworks, *(f"erlen/{p}" for p in peers)]
    print_table(
        rows,
        headers,
        title=f"In-process {kind.upper()}, requests per CPU-second (best round ±spread);"
        " (target) beside each ratio the issue sets",
    )
    return checks


def _spreads(rates: dict[tuple[str, str], list[float]], scenario: str, peer: str) -> str:
    ours = rates.get(("erlen", scenario))
    theirs = rates.get((peer, scenario))
    if not ours or not theirs:
        return ""
    return f"±{spread(ours):.0f}% / ±{spread(theirs):.0f}%"


def run(kind: str, quick: bool, only: set[str] | None = None) -> list[Check]:
    """Measure and report one part (``wsgi`` or ``asgi``); return its checks."""
    scenarios = [s for s in SCENARIOS[kind] if not only or s.name in only or kind in only]
    if not scenarios:
        return []
    rounds, seconds = (2, 0.1) if quick else (5, 0.4)
    print(
        f"\n== in-process {kind.upper()}: {rounds} rounds of {seconds}s CPU per cell"
        f" ({environment_summary()})"
    )
    rates, workers = measure(kind, scenarios, rounds, seconds)
    return report(kind, scenarios, rates, workers)


def main() -> None:
    """Command line: the part(s) to run, --quick, --only SCENARIO."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("parts", nargs="*", help="wsgi, asgi (default: both)")
    parser.add_argument("--quick", action="store_true", help="2 short rounds (a smoke run)")
    parser.add_argument("--only", action="append", help="scenario name(s) to run")
    args = parser.parse_args()
    for kind in args.parts or ["wsgi", "asgi"]:
        run(kind, args.quick, set(args.only) if args.only else None)


if __name__ == "__main__":
    main()
