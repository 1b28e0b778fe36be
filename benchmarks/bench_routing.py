"""Router micro-benchmark: erlen.routing vs werkzeug.routing.

Run with ``.venv/bin/python benchmarks/bench_routing.py``.  For maps of 10,
100 and 1,000 rules (half static ``/static{i}``, half ``/resource{i}/<int:id>``,
all ``methods=["GET", "OPTIONS"]`` like Flask's) it times matching a static
path, the first and the last dynamic rule, a 404, ``build`` of a rule with
one int argument, and the per-request ``bind_to_environ`` + ``match``.  The
minimum of many short ``timeit`` samples is reported in microseconds per call,
with the werkzeug/erlen ratio and erlen's 1,000-rule/10-rule ratio (flatness).
"""

from __future__ import annotations

import sys
import timeit
import types
import typing as t

import erlen.routing as erlen_routing

SIZES = (10, 100, 1000)
# Many short samples and the minimum: robust against a busy machine.
REPEAT = 40
SAMPLE_SECONDS = 0.004


def make_map(routing: types.ModuleType, n: int) -> t.Any:
    """A map of ``n`` rules, half static and half with an int converter."""
    rules = []
    for i in range(n // 2):
        rules.append(routing.Rule(f"/static{i}", endpoint=f"s{i}", methods=["GET", "OPTIONS"]))
        rules.append(
            routing.Rule(f"/resource{i}/<int:id>", endpoint=f"r{i}", methods=["GET", "OPTIONS"])
        )
    return routing.Map(rules)


def environ(path: str) -> dict[str, t.Any]:
    """A minimal WSGI environ for ``GET path``."""
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "wsgi.url_scheme": "http",
    }


def per_call(func: t.Callable[[], object]) -> float:
    """Best time of one call of ``func`` in microseconds."""
    timer = timeit.Timer(func)
    number = 100
    while timer.timeit(number) < SAMPLE_SECONDS:
        number *= 2
    return min(timer.repeat(REPEAT, number)) / number * 1e6


def cases(routing: types.ModuleType, n: int) -> dict[str, float]:
    """Time every case on a fresh map of ``n`` rules."""
    url_map = make_map(routing, n)
    adapter = url_map.bind("localhost", "/")
    last = n // 2 - 1
    static_path = f"/static{last}"
    first_path = "/resource0/42"
    last_path = f"/resource{last}/42"
    endpoint = f"r{last}"
    env = environ(last_path)
    adapter.match(static_path)  # compile outside the timing

    def not_found() -> None:
        try:
            adapter.match("/nothing/here")
        except Exception:  # noqa: BLE001 - NotFound of either library
            pass

    return {
        "match static": per_call(lambda: adapter.match(static_path)),
        "match dynamic (first)": per_call(lambda: adapter.match(first_path)),
        "match dynamic (last)": per_call(lambda: adapter.match(last_path)),
        "match 404": per_call(not_found),
        "build 1 int arg": per_call(lambda: adapter.build(endpoint, {"id": 42})),
        "bind_to_environ+match": per_call(
            lambda: url_map.bind_to_environ(env).match(return_rule=True)
        ),
    }


def main() -> None:
    """Print the comparison table."""
    try:
        import werkzeug.routing as werkzeug_routing
    except ImportError:
        werkzeug_routing = None
        print("werkzeug not installed: erlen only", file=sys.stderr)

    results: dict[int, tuple[dict[str, float], dict[str, float] | None]] = {}
    for n in SIZES:
        mine = cases(erlen_routing, n)
        theirs = cases(werkzeug_routing, n) if werkzeug_routing is not None else None
        results[n] = (mine, theirs)

    header = f"{'case':<24}{'rules':>6}{'erlen us':>10}{'werkzeug us':>13}{'ratio':>8}"
    print(header)
    print("-" * len(header))
    for name in results[SIZES[0]][0]:
        for n in SIZES:
            mine, theirs = results[n]
            ours = mine[name]
            if theirs is None:
                print(f"{name:<24}{n:>6}{ours:>10.3f}{'-':>13}{'-':>8}")
            else:
                print(
                    f"{name:<24}{n:>6}{ours:>10.3f}{theirs[name]:>13.3f}"
                    f"{theirs[name] / ours:>7.1f}x"
                )
    print()
    print("erlen flatness (1,000 rules / 10 rules):")
    for name in results[SIZES[0]][0]:
        ratio = results[SIZES[-1]][0][name] / results[SIZES[0]][0][name]
        print(f"  {name:<24}{ratio:>6.2f}")

    # What the app does per request: bind the map to the request, then match.
    from erlen.test import EnvironBuilder
    from erlen.wrappers.request import Request

    url_map = make_map(erlen_routing, SIZES[-1])
    path = f"/resource{SIZES[-1] // 2 - 1}/42"

    environs = {p: EnvironBuilder(p).get_environ() for p in ("/static0", path)}

    def bind_and_match(p: str) -> object:
        request = Request(environs[p].copy(), populate_request=False)
        return url_map.bind_to_request(request, subdomain="").match(return_rule=True)

    bind_and_match("/static0")
    print()
    print(
        f"erlen Request + bind_to_request + match (the app's routing), 1,000 rules: "
        f"static {per_call(lambda: bind_and_match('/static0')):.3f} us, "
        f"dynamic {per_call(lambda: bind_and_match(path)):.3f} us"
    )

if __name__ == "__main__":
    main()
