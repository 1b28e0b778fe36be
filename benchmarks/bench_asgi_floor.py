"""How fast erlen's ASGI request could be without Flask's request semantics: a floor.

Run: ``.venv-bench/bin/python benchmarks/bench_asgi_floor.py [--rounds N]`` (the venv
``./scripts/bench`` builds, which holds Starlette).

The async hello and JSON + int param scenarios of ``bench_asgi.py`` are timed on erlen and
Starlette in this one process, beside a floor: an ASGI callable made of erlen's own request
and response objects that does only what any framework must do to answer:

- the request object from the scope (``Request.from_asgi``);
- the route lookup (the compiled matcher erlen's map runs);
- the view called and awaited;
- the response made from its value (``Flask.make_response``), its status, headers and body
  taken as the adapter sends them (``erlen.asgi.http._outgoing``), and the two messages sent.

The floor has none of Flask's semantics around the view: no app or request context (so no
``request``, ``g``, ``current_app`` or ``session`` in the view), no request mode for
bridging sync code, no ``before_request``/``after_request``/teardown steps, no signals,
none of the overridable dispatch methods (``full_dispatch_request``, ``dispatch_request``,
``finalize_request``, ``process_response``). The gap between erlen and the floor is what
those cost; the floor's ratio to Starlette bounds what any change to that machinery alone can
reach. The alternatives run in turn, round after round, each keeping its best time, and the
printed spread is between rounds.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from types import CoroutineType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench, environment_summary, format_time, print_table, spread  # noqa: E402
from apps import erlen_app, starlette_app  # noqa: E402
from scenarios import ASGI_SCENARIOS, ASGIDriver  # noqa: E402

from erlen.asgi.http import _outgoing  # noqa: E402
from erlen.ctx import RequestContext  # noqa: E402

#: The scenarios issue 13 sets an in-process target for (1.2x Starlette).
SCENARIOS = [s for s in ASGI_SCENARIOS if s.name in ("hello", "json_param")]
#: The floor's variants: (name, floor_app keyword arguments).
VARIANTS: list[tuple[str, dict[str, bool]]] = [
    ("floor (no Flask semantics)", {}),
    ("floor + contexts", {"contexts": True}),
    ("floor + contexts + finalize", {"contexts": True, "finalize": True}),
]
#: Requests served per timed call (one loop run each), as in ``bench_asgi.py``.
BATCH = 50


def floor_app(app: Any, contexts: bool = False, finalize: bool = False) -> Callable[..., Any]:
    """An ASGI callable answering ``app``'s routes with erlen's request and response
    objects and nothing else (see the module docstring); with ``contexts``, also erlen's
    request context (which is the app context too) made, matched, pushed and popped around
    the view; with ``finalize`` as well, the response made by ``Flask.finalize_request``
    (``make_response``, then ``process_response``: the ``after_request`` functions and the
    session's save) instead of ``make_response`` alone."""
    url_map = app.url_map
    view_functions = app.view_functions
    make_response = app.finalize_request if finalize else app.make_response
    from_asgi = app.request_class.from_asgi

    async def floor(scope: dict[str, Any], receive: Any, send: Any) -> None:
        request = from_asgi(scope)
        if contexts:
            ctx = RequestContext(app, None, request)
            ctx.match_request()
            ctx._matched = True
            ctx.push()
            rule, args = request.url_rule, request.view_args
        else:
            # What RequestContext.match_request runs for an HTTP request on the default host.
            rule, args = url_map._lookups[False]("", request.path, request.method)
            request.url_rule, request.view_args = rule, args
        try:
            view = view_functions[rule.endpoint]
            rv = view(**args) if args else view()
            if type(rv) is CoroutineType:
                rv = await rv
            status, headers, _kind, body, _closer = _outgoing(request, make_response(rv))
        finally:
            if contexts:
                ctx.pop(None)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return floor


def main() -> None:
    """Check every answer, time erlen, Starlette and the floor; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds of all (default 5)")
    args = parser.parse_args()

    drivers = {"erlen": ASGIDriver(erlen_app.asgi_app)}
    drivers["Starlette"] = ASGIDriver(starlette_app.asgi_app)
    for driver in drivers.values():
        driver.lifespan_startup()
    for name, options in VARIANTS:
        drivers[name] = ASGIDriver(floor_app(erlen_app.asgi_app, **options))
    rows: list[list[Any]] = []
    for scenario in SCENARIOS:
        runs: dict[str, Callable[[], object]] = {}
        for name, driver in drivers.items():
            driver.check(scenario)
            run = driver.runner(scenario)
            runs[name] = lambda run=run: run(BATCH)
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.rounds):
            for name, run in runs.items():
                times[name].append(bench(run, repeat=3) / BATCH)
        best = {name: min(values) for name, values in times.items()}
        rows.extend(
            [
                scenario.label,
                name,
                format_time(best[name]),
                f"{best['Starlette'] / best[name]:.2f}x",
                f"±{spread([1 / v for v in values]) / 2:.0f}%",
            ]
            for name, values in times.items()
        )
    for driver in drivers.values():
        driver.close()
    print_table(
        rows,
        ["scenario", "app", "time/req", "vs Starlette", "spread"],
        title=f"ASGI floor, best of {args.rounds} rounds ({environment_summary()})",
    )
    print(
        "The floor has erlen's request and response objects and none of Flask's semantics"
        " around the view: its ratio bounds what a change to that machinery alone can reach"
        " (the issue's target: 1.2x Starlette)."
    )


if __name__ == "__main__":
    main()
