"""The benchmark apps of ``benchmarks/`` answer right on every framework (no timing here).

``./scripts/bench`` checks each answer again before it times anything; these tests keep the
apps and the harness correct between benchmark runs. The peer frameworks are dev dependencies.
"""

from __future__ import annotations

import importlib
import sys
import threading
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from loadgen import run_load  # noqa: E402
from scenarios import (  # noqa: E402
    ASGI_SCENARIOS,
    UNSUPPORTED,
    WSGI_SCENARIOS,
    ASGIDriver,
    Scenario,
    WrongAnswer,
    prepare_wsgi,
    speaks_asgi,
)

WSGI_FRAMEWORKS = ["erlen", "flask", "bottle", "falcon"]
ASGI_FRAMEWORKS = ["erlen", "starlette", "fastapi", "quart"]


def _wsgi_app(framework: str, scenario: Scenario) -> Any:
    module = importlib.import_module(f"apps.{framework}_app")
    return getattr(module, "session_app", module.app) if scenario.session else module.app


@pytest.mark.parametrize("framework", WSGI_FRAMEWORKS)
@pytest.mark.parametrize("scenario", WSGI_SCENARIOS, ids=lambda s: s.name)
def test_wsgi_app_answers_right(framework: str, scenario: Scenario) -> None:
    if (framework, scenario.name) in UNSUPPORTED:
        # Falcon has no session: the benchmark shows "-" for it; its app has no such route.
        app = _wsgi_app(framework, scenario)
        with pytest.raises(WrongAnswer, match="status 404"):
            prepare_wsgi(app, scenario)
        return
    run, recorder = prepare_wsgi(_wsgi_app(framework, scenario), scenario)
    run()  # a third answer, after the two that prepare_wsgi checked
    assert recorder.status_code == scenario.status


@pytest.mark.parametrize("framework", ASGI_FRAMEWORKS)
@pytest.mark.parametrize("scenario", ASGI_SCENARIOS, ids=lambda s: s.name)
def test_asgi_app_answers_right(framework: str, scenario: Scenario) -> None:
    app = importlib.import_module(f"apps.{framework}_app").asgi_app
    if framework == "erlen" and not speaks_asgi(app):
        # Until erlen speaks ASGI, the same app answers over WSGI (async views included).
        prepare_wsgi(app, scenario)
        return
    assert speaks_asgi(app)
    _answers_right(app, scenario)


def _answers_right(app: Any, scenario: Scenario) -> None:
    """Check ``app``'s answer to ``scenario`` before and after three timed-style runs."""
    driver = ASGIDriver(app)
    try:
        driver.check(scenario)
        driver.runner(scenario)(3)
        driver.check(scenario)
    finally:
        driver.close()


@pytest.mark.parametrize("variant", range(3), ids=["bare", "contexts", "finalize"])
@pytest.mark.parametrize("scenario", ["hello", "json_param"])
def test_asgi_floor_answers_right(variant: int, scenario: str) -> None:
    # bench_asgi_floor.py times these beside erlen and Starlette: they must answer as the
    # apps do, whatever part of Flask's machinery each leaves out.
    import apps.erlen_app
    from bench_asgi_floor import SCENARIOS, VARIANTS, floor_app

    case = next(s for s in SCENARIOS if s.name == scenario)
    _answers_right(floor_app(apps.erlen_app.asgi_app, **VARIANTS[variant][1]), case)


def test_a_wrong_answer_is_caught() -> None:
    import apps.raw_app

    json_scenario = next(s for s in WSGI_SCENARIOS if s.name == "json_param")
    with pytest.raises(WrongAnswer, match="JSON body"):
        prepare_wsgi(apps.raw_app.app, json_scenario)
    driver = ASGIDriver(apps.raw_app.asgi_app)
    try:
        with pytest.raises(WrongAnswer, match="JSON body"):
            driver.check(next(s for s in ASGI_SCENARIOS if s.name == "json_param"))
    finally:
        driver.close()


def test_speaks_asgi_tells_the_interfaces_apart() -> None:
    import apps.raw_app
    import apps.starlette_app

    assert not speaks_asgi(apps.raw_app.app)
    assert speaks_asgi(apps.raw_app.asgi_app)
    assert speaks_asgi(apps.starlette_app.asgi_app)
    assert not speaks_asgi(importlib.import_module("apps.flask_app").app)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_loadgen_counts_answers_of_a_real_server() -> None:
    import apps.raw_app

    server = make_server("127.0.0.1", 0, apps.raw_app.app, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = run_load("127.0.0.1", server.server_port, "/", connections=2, seconds=0.3)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert result["requests_per_second"] > 0
    assert result["non_2xx"] == 0
    assert result["errors"] == 0
