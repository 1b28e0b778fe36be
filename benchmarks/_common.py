"""Shared timing and reporting helpers for erlen's benchmarks.

Usage from a benchmark script in this directory::

    from _common import bench, format_rate, format_time, print_table

    seconds = bench(lambda: handle(environ))
    print_table([["erlen", format_time(seconds), format_rate(seconds)]],
                ["framework", "time/op", "ops/s"])

Every benchmark should report the *minimum* over several repeats: the minimum
is the least noisy estimate of the true cost (anything above it is
interference from the OS, the GC or other processes).
"""

from __future__ import annotations

import gc
import os
import platform
import sys
import timeit
from collections.abc import Callable, Mapping, Sequence

__all__ = [
    "bench",
    "bench_interleaved",
    "environment_summary",
    "format_rate",
    "format_ratio",
    "format_time",
    "print_table",
    "spread",
]

#: Target wall time for one repeat when ``number`` is auto-scaled.
TARGET_SECONDS = 0.2


def bench(
    fn: Callable[[], object],
    number: int | None = None,
    repeat: int = 5,
    *,
    target: float = TARGET_SECONDS,
    warmup: int = 3,
    timer: Callable[[], float] | None = None,
) -> float:
    """Return the best (minimum) time in seconds of one call to ``fn``.

    ``fn`` is called ``number`` times per repeat. When ``number`` is ``None``
    it is scaled so that one repeat takes about ``target`` seconds. Each
    repeat runs with the garbage collector disabled (``timeit``'s default),
    after ``warmup`` untimed calls.

    ``timer`` replaces the wall clock, e.g. ``time.process_time`` to count
    this process's CPU time only (steadier on a machine shared with others).

    Set the environment variable ``ERLEN_BENCH_QUICK=1`` to shrink the
    target (handy for smoke-testing the benchmark scripts).
    """
    if os.environ.get("ERLEN_BENCH_QUICK"):
        target = min(target, 0.01)
        repeat = min(repeat, 2)
    for _ in range(warmup):
        fn()
    timer = timeit.Timer(fn, timer=timer) if timer is not None else timeit.Timer(fn)
    if number is None:
        number = 1
        while True:
            elapsed = timer.timeit(number)
            if elapsed >= target / 10:
                number = max(1, int(number * target / elapsed))
                break
            number *= 10
    gc.collect()
    return min(timer.repeat(repeat=repeat, number=number)) / number


def bench_interleaved(
    fns: Mapping[str, Callable[[], object]], rounds: int = 3, repeat: int = 3
) -> dict[str, float]:
    """Time several alternatives fairly; return ``{name: best seconds per call}``.

    The alternatives are measured in turn, ``rounds`` times over, and each
    keeps its best result, so a burst of machine load penalises all of them
    rather than whichever happened to be running.
    """
    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, fn in fns.items():
            seconds = bench(fn, repeat=repeat)
            best[name] = min(seconds, best.get(name, seconds))
    return best


def spread(values: Sequence[float]) -> float:
    """How far a list of rates scatters: (best - worst) / best, in percent."""
    return (max(values) - min(values)) / max(values) * 100 if values else 0.0


def format_time(seconds: float) -> str:
    """Format a per-call duration with a fitting unit (ns, µs, ms or s)."""
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def format_rate(seconds: float) -> str:
    """Format the calls per second implied by a per-call duration."""
    return f"{1 / seconds:,.0f}/s" if seconds > 0 else "inf"


def format_ratio(baseline: float | None, candidate: float | None) -> str:
    """Format how many times faster ``candidate`` is than ``baseline``."""
    if not baseline or not candidate:
        return "n/a"
    return f"{baseline / candidate:.2f}x"


def print_table(
    rows: Sequence[Sequence[object]],
    headers: Sequence[str],
    *,
    title: str | None = None,
    file: object = None,
    left: int = 1,
) -> None:
    """Print ``rows`` as an aligned plain-text table under ``headers``.

    The first ``left`` columns are left-aligned (labels), the others
    right-aligned (numbers). ``None`` cells are shown as ``-``.
    """
    out = file if file is not None else sys.stdout
    cells = [[str(h) for h in headers]] + [
        ["-" if c is None else str(c) for c in row] for row in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [
            cell.ljust(widths[i]) if i < left else cell.rjust(widths[i])
            for i, cell in enumerate(row)
        ]
        return "  ".join(parts).rstrip()

    if title:
        print(title, file=out)  # type: ignore[call-overload]
    print(line(cells[0]), file=out)  # type: ignore[call-overload]
    print("  ".join("-" * w for w in widths), file=out)  # type: ignore[call-overload]
    for row in cells[1:]:
        print(line(row), file=out)  # type: ignore[call-overload]
    print(file=out)  # type: ignore[call-overload]


def environment_summary() -> str:
    """Return a one-line description of the interpreter and machine."""
    return (
        f"{platform.python_implementation()} {platform.python_version()}"
        f" on {platform.system()} {platform.machine()}"
    )
