"""Bare WSGI request/response round trip: erlen vs Werkzeug, in one process.

Run with ``.venv/bin/python benchmarks/bench_wsgi.py``.

For each framework a plain WSGI app builds a ``Request`` from the environ,
reads a query argument (or a form field) and the ``User-Agent`` header, and
returns ``Response(f"Hello {name}")`` through ``response(environ,
start_response)``. The harness consumes the body iterable and calls
``close()``, exactly like a WSGI server. Both frameworks get the same prebuilt
environ (a cheap dict copy per call plus a fresh ``BytesIO`` for
``wsgi.input``). Werkzeug is imported only here and is skipped if missing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from io import BytesIO
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    bench_interleaved,
    environment_summary,
    format_ratio,
    print_table,
)

Environ = dict[str, Any]
WSGIApp = Callable[[Environ, Callable[..., Any]], Iterable[bytes]]

FORM_BODY = b"name=World&lang=en&remember=1"


def base_environ(method: str, query: str, body: bytes, content_type: str | None) -> Environ:
    """Return a WSGI environ like the one a server builds for a simple request."""
    environ: Environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": "/hello",
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost:8000",
        "HTTP_USER_AGENT": "bench/1.0 (+https://example.invalid)",
        "HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8",
        "HTTP_ACCEPT_ENCODING": "gzip, deflate",
        "HTTP_CONNECTION": "keep-alive",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def make_apps(request_cls: Any, response_cls: Any) -> tuple[WSGIApp, WSGIApp]:
    """Build the GET and POST apps for one framework's Request/Response pair."""

    def get_app(environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = request_cls(environ)
        name = request.args.get("name")
        request.headers.get("User-Agent")
        return response_cls(f"Hello {name}")(environ, start_response)

    def post_app(environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = request_cls(environ)
        name = request.form.get("name")
        request.headers.get("User-Agent")
        return response_cls(f"Hello {name}")(environ, start_response)

    return get_app, post_app


def start_response(
    status: str, headers: list[tuple[str, str]], exc_info: Any = None
) -> Callable[[bytes], None]:
    """A do-nothing server ``start_response``."""
    return _write


def _write(data: bytes) -> None:
    pass


def round_trip(app: WSGIApp, environ: Environ, body: bytes) -> Callable[[], bytes]:
    """Return a zero-argument callable doing one full server-style request."""

    def call() -> bytes:
        env = environ.copy()
        env["wsgi.input"] = BytesIO(body)
        app_iter = app(env, start_response)
        try:
            data = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
        return data

    return call


def frameworks() -> list[tuple[str, Any, Any]]:
    """Return ``(name, Request, Response)`` for erlen and, if installed, Werkzeug."""
    from erlen.wrappers.request import Request
    from erlen.wrappers.response import Response

    found: list[tuple[str, Any, Any]] = [("erlen", Request, Response)]
    try:
        from werkzeug.wrappers import Request as WRequest, Response as WResponse
    except ImportError:
        print("werkzeug not installed: its column is skipped\n")
    else:
        found.append(("werkzeug", WRequest, WResponse))
    return found


def main() -> None:
    """Run both scenarios and print a comparison table."""
    scenarios = [
        ("GET ?name=World", "GET", "name=World&x=1", b"", None),
        ("POST urlencoded form", "POST", "", FORM_BODY, "application/x-www-form-urlencoded"),
    ]
    impls = frameworks()
    names = [name for name, _, _ in impls]
    print(f"bare WSGI round trip ({environment_summary()})\n")
    rows: list[list[object]] = []
    for label, method, query, body, content_type in scenarios:
        environ = base_environ(method, query, body, content_type)
        calls = {}
        for name, request_cls, response_cls in impls:
            get_app, post_app = make_apps(request_cls, response_cls)
            call = round_trip(get_app if method == "GET" else post_app, environ, body)
            result = call()
            if result != b"Hello World":
                raise SystemExit(f"{name}: unexpected body {result!r} for {label}")
            calls[name] = call
        timings = bench_interleaved(calls)
        row: list[object] = [label]
        for name in names:
            row += [f"{timings[name] * 1e6:.2f}", f"{1 / timings[name]:,.0f}"]
        row.append(format_ratio(timings.get("werkzeug"), timings["erlen"]))
        rows.append(row)
    headers = ["scenario"]
    for name in names:
        headers += [f"{name} µs/req", f"{name} req/s"]
    headers.append("werkzeug/erlen")
    print_table(rows, headers)


if __name__ == "__main__":
    main()
