"""Application-level throughput: the same app code on erlen and on Flask, in one process.

Run: ``.venv/bin/python benchmarks/bench_app.py`` (Flask is a dev dependency; without it only
erlen's numbers are printed).

Each case calls the WSGI app in-process with a prebuilt environ, reads the whole body and
closes it, like a WSGI server would. Reported: time per request (best of several repeats,
measured in interleaved rounds so machine load affects both frameworks alike), requests per second, the speed-up over Flask, and the Python function calls one
request makes (cProfile), the budget the project's design notes set (<= 60 calls, <= 5 us).
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

from _common import (
    bench_interleaved,
    environment_summary,
    format_rate,
    format_ratio,
    format_time,
    print_table,
)


def make_app(fw: ModuleType) -> Any:
    """Build the benchmark app with framework module ``fw`` (``flask`` or ``erlen``)."""
    app = fw.Flask(__name__)

    @app.route("/")
    def hello() -> str:
        return "Hello, World!"

    @app.route("/user/<int:user_id>")
    def user(user_id: int) -> dict[str, Any]:
        name = fw.request.args.get("name", "anonymous")
        return {"id": user_id, "name": name, "active": True}

    return app


def make_environ(path: str, query: str = "") -> dict[str, Any]:
    """A minimal WSGI environ as a server would pass it."""
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost:8000",
        "HTTP_USER_AGENT": "bench/1.0",
        "HTTP_ACCEPT": "*/*",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    return None


def request_runner(app: Any, environ: dict[str, Any]) -> Callable[[], bytes]:
    """A callable that serves one request and returns the body."""

    def run() -> bytes:
        env = environ.copy()
        body_iter = app(env, _start_response)
        try:
            return b"".join(body_iter)
        finally:
            close = getattr(body_iter, "close", None)
            if close is not None:
                close()

    return run


def count_calls(fn: Callable[[], object]) -> int:
    """Python function calls made by one call of ``fn`` (after warm-up)."""
    for _ in range(3):
        fn()
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    stats = pstats.Stats(profiler)
    # The profiler's own disable() call is counted once; leave it out.
    return int(stats.total_calls) - 1  # type: ignore[attr-defined]


CASES = [
    ("hello world", "/", ""),
    ("JSON with URL parameter", "/user/42", "name=ada"),
]


def main() -> None:
    """Run every case on erlen and (if installed) Flask and print the comparison."""
    import erlen

    frameworks: list[tuple[str, ModuleType]] = [("erlen", erlen)]
    try:
        import flask
    except ImportError:
        print("flask is not installed: showing erlen only\n")
    else:
        frameworks.append(("flask", flask))

    print(f"erlen app benchmark — {environment_summary()}\n")
    rows = []
    for label, path, query in CASES:
        runners = {
            name: request_runner(make_app(fw), make_environ(path, query)) for name, fw in frameworks
        }
        bodies = {name: run() for name, run in runners.items()}
        # Interleaved rounds: a burst of machine load hits both frameworks alike.
        times = bench_interleaved(runners, rounds=5)
        results = {name: (times[name], count_calls(run)) for name, run in runners.items()}
        if len({b.strip() for b in bodies.values()}) > 1:
            raise SystemExit(f"{label}: the frameworks answered differently: {bodies}")
        erlen_t, erlen_calls = results["erlen"]
        flask_t, flask_calls = results.get("flask", (None, None))  # type: ignore[assignment]
        rows.append(
            [
                label,
                format_time(erlen_t),
                format_rate(erlen_t),
                erlen_calls,
                format_time(flask_t) if flask_t else None,
                format_rate(flask_t) if flask_t else None,
                flask_calls,
                format_ratio(flask_t, erlen_t),
            ]
        )
    print_table(
        rows,
        [
            "case",
            "erlen",
            "erlen req/s",
            "calls",
            "flask",
            "flask req/s",
            "calls",
            "speed-up",
        ],
    )


if __name__ == "__main__":
    main()
