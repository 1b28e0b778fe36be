"""Timing checks for hostile input without wall-clock limits.

A limit such as ``elapsed < 0.5`` fails on a loaded machine and passes a quadratic algorithm
on a fast one. :func:`assert_linear` instead compares the time for an input of size ``n``
with the time for ``10 * n``: linear work takes about 10 times as long, quadratic work about
100 times. A slow machine slows both sides alike, and the time measured is the thread's CPU
time (:func:`time.thread_time`), which other processes on a busy machine do not add to: with
wall-clock time (``time.perf_counter``) the ratio of linear work reached 100 under load.
"""

from __future__ import annotations

import gc
import time
import typing as t

T = t.TypeVar("T")

#: The largest ratio accepted for 10 times the input: linear is ~10, quadratic ~100.
MAX_RATIO = 30.0
#: CPU seconds one measurement lasts at least: a fast call is repeated until it takes this long.
MIN_TIME = 0.005
#: Measurements per input; the fastest counts (disturbances such as caches emptied by other
#: processes only ever add time).
REPEAT = 5


def assert_linear(func: t.Callable[[T], object], make_input: t.Callable[[int], T], n: int) -> None:
    """Assert that ``func(make_input(10 * n))`` takes less than :data:`MAX_RATIO` times as
    long as ``func(make_input(n))``: the cost grows linearly (or slower), not quadratically.

    The inputs are built before timing starts. ``func`` runs several times per input, so it
    must not consume its input (build a fresh request inside it, for example); its results are
    discarded: check them separately. Keep ``10 * n`` items within a few MiB of memory: beyond
    the CPU caches each item costs several times more, which looks like superlinear growth.
    """
    small, large = make_input(n), make_input(10 * n)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # a collection would land in one of the measurements at random
    try:
        small_number, large_number = _calls_per_run(func, small), _calls_per_run(func, large)
        small_time = large_time = float("inf")
        # Alternate the two, so that a disturbed spell is likely to hit both.
        for _ in range(REPEAT):
            small_time = min(small_time, _run(func, small, small_number) / small_number)
            large_time = min(large_time, _run(func, large, large_number) / large_number)
    finally:
        if gc_was_enabled:
            gc.enable()
    ratio = large_time / small_time
    assert ratio < MAX_RATIO, (
        f"10x the input (n={n}) took {ratio:.1f}x as long"
        f" ({small_time * 1e3:.3f} ms -> {large_time * 1e3:.3f} ms): not linear"
    )


def _calls_per_run(func: t.Callable[[T], object], arg: T) -> int:
    """How many calls of ``func(arg)`` take at least :data:`MIN_TIME` (the first warms up)."""
    number = 1
    while _run(func, arg, number) < MIN_TIME:
        number *= 2
    return number


def _run(func: t.Callable[[T], object], arg: T, number: int) -> float:
    """The CPU seconds that ``number`` calls of ``func(arg)`` take in this thread."""
    start = time.thread_time()
    for _ in range(number):
        func(arg)
    return time.thread_time() - start
