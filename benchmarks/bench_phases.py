"""The cost of each phase of a request on erlen, beside the stdlib work it cannot avoid.

Run: ``.venv-bench/bin/python benchmarks/bench_phases.py``. Public API only, so it keeps working
while the dispatch core changes: each line times one step in isolation (best of several
repeats of this process's CPU time, ``_common.bench``) and, where there is one, the bare library call that does the same
job (``json.loads``, ``urllib.parse.parse_qsl``, a Jinja2 render, itsdangerous) so the
framework's overhead on top shows. ``benchmarks/PROFILE.md`` quotes it.
"""

from __future__ import annotations

import io
import json
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import jinja2  # noqa: E402
from _common import bench, environment_summary, print_table  # noqa: E402
from apps.common import ITEMS, TEMPLATE_FOLDER  # noqa: E402
from apps.erlen_app import app, session_app  # noqa: E402
from scenarios import (  # noqa: E402
    WSGI_SCENARIOS,
    Recorder,
    prepare_wsgi,
    wsgi_environ,
)

import erlen  # noqa: E402
from erlen.exceptions import NotFound  # noqa: E402
from erlen.wrappers.request import Request  # noqa: E402
from erlen.wrappers.response import Response  # noqa: E402

SCENARIO = {s.name: s for s in WSGI_SCENARIOS}


def environ_for(name: str, cookie: str | None = None) -> Callable[[], dict[str, Any]]:
    """A factory of fresh environs (with a fresh body stream) for scenario ``name``."""
    scenario = SCENARIO[name]
    base = wsgi_environ(scenario, cookie)
    body = scenario.body

    def make() -> dict[str, Any]:
        env = base.copy()
        env["wsgi.input"] = io.BytesIO(body)
        return env

    return make


def rows() -> list[list[object]]:
    """Time every phase; return the table rows (phase, erlen, bare library, overhead)."""
    out: list[list[object]] = []

    def add(phase: str, ours: Callable[[], object], bare: Callable[[], object] | None) -> None:
        t_ours = bench(ours, repeat=7, timer=time.process_time)
        t_bare = bench(bare, repeat=7, timer=time.process_time) if bare is not None else None
        out.append(
            [
                phase,
                f"{t_ours * 1e6:.2f}",
                "" if t_bare is None else f"{t_bare * 1e6:.2f}",
                "" if t_bare is None else f"+{(t_ours - t_bare) * 1e6:.2f}",
            ]
        )

    hello_env = environ_for("hello")
    recorder = Recorder()
    for name in ("hello", "form", "json_post", "template", "not_found"):
        run, _ = prepare_wsgi(app, SCENARIO[name])
        add(f"whole request: {name}", run, None)
    run, _ = prepare_wsgi(session_app, SCENARIO["session"])
    add("whole request: session", run, None)

    add("env copy + BytesIO (the harness)", hello_env, None)
    add("Request(environ)", lambda: Request(hello_env()), None)
    query_env = environ_for("query")
    add(
        "Request.args (3 args)",
        lambda: Request(query_env()).args,
        lambda: urllib.parse.parse_qsl(query_env()["QUERY_STRING"]),
    )
    form_env = environ_for("form")
    add(
        "Request.form (url-encoded, 3 fields)",
        lambda: Request(form_env()).form,
        lambda: urllib.parse.parse_qsl(form_env()["wsgi.input"].read().decode()),
    )
    json_env = environ_for("json_post")
    with app.app_context():
        add(
            "Request.get_json()",
            lambda: Request(json_env()).get_json(),
            lambda: json.loads(json_env()["wsgi.input"].read()),
        )
        data = {"id": 42, "name": "user 42", "active": True}
        add(
            "app.json.response(dict)",
            lambda: app.json.response(data),
            lambda: json.dumps(data, separators=(",", ":"), sort_keys=True).encode(),
        )
    add("Response('Hello, World!')", lambda: Response("Hello, World!"), None)
    add(
        "Response(...)(environ, start_response)",
        lambda: b"".join(Response("Hello, World!")(hello_env(), recorder)),
        None,
    )
    add(
        "NotFound().get_response(environ)",
        lambda: NotFound().get_response(hello_env()),
        None,
    )
    with app.test_request_context("/missing/page"):
        add("app.make_response(NotFound())", lambda: app.make_response(NotFound()), None)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_FOLDER), autoescape=True)
    template = env.get_template("items.html")
    with app.test_request_context("/template"):
        add(
            "render_template('items.html')",
            lambda: erlen.render_template("items.html", title="Items", items=ITEMS),
            lambda: template.render(title="Items", items=ITEMS),
        )
    interface = session_app.session_interface
    with session_app.test_request_context("/session"):
        serializer = interface.get_signing_serializer(session_app)
        assert serializer is not None
        cookie = serializer.dumps({"count": 1})
    cookie_env = wsgi_environ(SCENARIO["session"], f"session={cookie}")
    with session_app.test_request_context("/session", environ_base=cookie_env):
        request = erlen.request._get_current_object()  # type: ignore[attr-defined]
        add(
            "session_interface.get_signing_serializer",
            lambda: interface.get_signing_serializer(session_app),
            None,
        )
        add(
            "session_interface.open_session (valid cookie)",
            lambda: interface.open_session(session_app, Request(dict(request.environ))),
            lambda: serializer.loads(cookie),
        )
        opened = interface.open_session(session_app, request)
        assert opened is not None
        opened["count"] = 2

        def save() -> None:
            interface.save_session(session_app, opened, Response("count 2"))

        add("session_interface.save_session (modified)", save, lambda: serializer.dumps(opened))
        add("Response.vary.add('Cookie')", lambda: Response("x").vary.add("Cookie"), None)
        add(
            "Response.set_cookie(name, value)",
            lambda: Response("x").set_cookie("session", cookie, httponly=True),
            None,
        )
    return out


def main() -> None:
    """Print the table of phases."""
    print(f"erlen request phases, µs per call ({environment_summary()})\n")
    print_table(rows(), ["phase", "erlen µs", "bare library µs", "erlen overhead µs"])


if __name__ == "__main__":
    main()
