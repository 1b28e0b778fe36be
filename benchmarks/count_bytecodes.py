"""Bytecodes executed per request, per function (or per line): where a scenario's
interpreter work goes.

Run: ``.venv-bench/bin/python benchmarks/count_bytecodes.py wsgi erlen hello`` (WSGI
scenarios by name, see ``scenarios.WSGI_SCENARIOS``) or ``... asgi erlen 0`` (ASGI
scenarios by index). The app is ``benchmarks/apps/<APP>_app.py`` (``erlen``, ``flask``,
``bottle``, ``falcon``, ``starlette``, ...). ``--lines`` counts per source line.

On CPython 3.11 most of a request's cost is the interpreter loop running bytecodes (and the
cache misses and mispredicted branches they bring), so the count is a deterministic guide
to where time goes; ``sys.settrace`` opcode events count them (the count includes the
harness's own ~40-190 bytecodes per request).
"""

from __future__ import annotations

import argparse
import collections
import importlib
import os
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

from scenarios import ASGI_SCENARIOS, WSGI_SCENARIOS, ASGIDriver, prepare_wsgi

#: Requests served before counting (warm-up), and counted.
WARMUP, COUNTED = 300, 200


def serve(kind: str, app_name: str, scenario: str) -> Callable[[int], None]:
    """A callable serving ``n`` requests of the scenario with the app."""
    module = importlib.import_module(f"apps.{app_name}_app")
    if kind == "asgi":
        case = ASGI_SCENARIOS[int(scenario)]
        driver = ASGIDriver(module.asgi_app)
        driver.lifespan_startup()
        driver.check(case)
        return driver.runner(case)
    case = next(s for s in WSGI_SCENARIOS if s.name == scenario)
    run, _ = prepare_wsgi(module.session_app if case.name == "session" else module.app, case)

    def many(n: int) -> None:
        for _ in range(n):
            run()

    return many


def count(go: Callable[[int], None], lines: bool) -> collections.Counter[tuple[str, int, str]]:
    """Bytecodes per (file, line of the function or of the bytecode, function name)."""
    counts: collections.Counter[tuple[str, int, str]] = collections.Counter()

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "opcode":
            code = frame.f_code
            line = frame.f_lineno if lines else code.co_firstlineno
            counts[(code.co_filename, line or 0, code.co_name)] += 1
        return local

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        frame.f_trace_opcodes = True
        frame.f_trace_lines = False
        return local

    sys.settrace(tracer)
    try:
        go(COUNTED)
    finally:
        sys.settrace(None)
    return counts


def main() -> None:
    """Print the total and the top functions (or lines)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["wsgi", "asgi"])
    parser.add_argument("app")
    parser.add_argument("scenario")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--lines", action="store_true", help="count per source line")
    args = parser.parse_args()
    go = serve(args.kind, args.app, args.scenario)
    go(WARMUP)
    counts = count(go, args.lines)
    print(f"bytecodes per request: {sum(counts.values()) / COUNTED:.0f}")
    for (filename, line, name), n in counts.most_common(args.top):
        print(f"{n / COUNTED:8.1f}  {os.path.relpath(filename)}:{line} {name}")


if __name__ == "__main__":
    main()
    os._exit(0)  # an ASGI app's lifespan task may still be waiting
