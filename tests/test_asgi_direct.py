"""The ASGI adapter's direct mode: an ``async def`` view awaited on the request's own task.

When nothing before the view needs bridging, the pipeline runs on the task, hands the
view's coroutine over (``Flask._preprocess_and_dispatch``) and the adapter awaits it; the steps after
the view run there too, or in the pipeline greenlet when they have user code (hooks, error
handlers, signal receivers). These tests pin both: that the view really runs on the task,
not in a greenlet, and that everything around it behaves as in the greenlet path.
"""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from greenlet import getcurrent
from test_asgi import Conversation, call, make_scope, run

import erlen
from erlen import after_this_request, g, request, session
from erlen.asgi import bridge

pytestmark = pytest.mark.interface("asgi", reason="each test calls the ASGI application itself")


def _where() -> str:
    """``task`` for the task's own greenlet, ``worker`` for the pipeline greenlet."""
    return "worker" if isinstance(getcurrent(), bridge._Worker) else "task"


def test_an_async_view_with_nothing_around_it_runs_on_the_task(app):
    @app.get("/")
    async def view():
        return {"where": _where(), "path": request.path}

    conv = run(call(app, make_scope("/")))
    assert json.loads(conv.body) == {"where": "task", "path": "/"}


def test_a_view_that_awaits_is_resumed_with_its_context(app):
    @app.get("/<int:n>")
    async def view(n):
        g.n = n
        await asyncio.sleep(0)
        await asyncio.sleep(0.001)
        return {"n": g.n, "arg": request.view_args["n"], "where": _where()}

    async def main():
        return await asyncio.gather(*(call(app, make_scope(f"/{i}")) for i in range(5)))

    for i, conv in enumerate(run(main())):
        assert json.loads(conv.body) == {"n": i, "arg": i, "where": "task"}


def test_before_request_makes_the_request_use_the_greenlet(app):
    @app.before_request
    def before():
        g.before = threading.current_thread().name

    @app.get("/")
    async def view():
        return {"before": g.before, "view": threading.current_thread().name}

    async def main():
        return threading.current_thread().name, await call(app, make_scope("/"))

    loop_thread, conv = run(main())
    data = json.loads(conv.body)
    assert data["before"].startswith("erlen-asgi")  # a sync hook still leaves the loop
    assert data["view"] == loop_thread


def test_after_request_functions_run_in_the_lane_after_a_direct_view(app):
    @app.after_request
    def after(response):
        response.headers["X-After"] = threading.current_thread().name
        return response

    @app.get("/")
    async def view():
        @after_this_request
        def once(response):
            response.headers["X-Once"] = threading.current_thread().name
            return response

        return _where()

    conv = run(call(app, make_scope("/")))
    assert conv.body == b"task"
    assert conv.headers["x-after"].startswith("erlen-asgi")
    assert conv.headers["x-once"].startswith("erlen-asgi")


@pytest.mark.parametrize("handler_kind", ["sync", "async"])
def test_an_error_in_a_direct_view_reaches_the_error_handlers(app, handler_kind):
    class Boom(Exception):
        pass

    if handler_kind == "sync":

        @app.errorhandler(Boom)
        def on_boom(e):
            return f"handled {threading.current_thread().name}", 418

    else:

        @app.errorhandler(Boom)
        async def on_boom(e):
            await asyncio.sleep(0)
            return f"handled {threading.current_thread().name}", 418

    @app.get("/")
    async def view():
        await asyncio.sleep(0)
        raise Boom()

    async def main():
        return threading.current_thread().name, await call(app, make_scope("/"))

    loop_thread, conv = run(main())
    assert conv.status == 418
    body = conv.body.decode()
    if handler_kind == "sync":
        assert body.startswith("handled erlen-asgi")
    else:
        assert body == f"handled {loop_thread}"


def test_an_unhandled_error_is_a_500_with_teardown_and_signal(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    seen = []

    @app.teardown_request
    def teardown(exc):
        seen.append(("teardown", type(exc).__name__))

    def on_exception(sender, exception, **kw):
        seen.append(("signal", type(exception).__name__))

    @app.get("/")
    async def view():
        raise KeyError("x")

    with erlen.got_request_exception.connected_to(on_exception, app):
        conv = run(call(app, make_scope("/")))
    assert conv.status == 500
    assert seen == [("signal", "KeyError"), ("teardown", "KeyError")]


def test_an_http_error_without_a_handler_is_its_response(app):
    @app.get("/")
    async def view():
        erlen.abort(409)

    conv = run(call(app, make_scope("/")))
    assert conv.status == 409
    assert b"Conflict" in conv.body


def test_an_invalid_return_value_is_a_500(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/")
    async def view():
        return None

    conv = run(call(app, make_scope("/")))
    assert conv.status == 500


def test_teardown_functions_and_session_after_a_direct_view(app):
    torn = []

    @app.teardown_appcontext
    async def teardown(exc):
        torn.append(("app", exc))

    @app.get("/")
    async def view():
        session["seen"] = True
        return _where()

    conv = run(call(app, make_scope("/")))
    assert conv.body == b"task"
    assert "set-cookie" in conv.headers and conv.headers["vary"] == "Cookie"
    assert torn == [("app", None)]


def test_request_finished_receivers_see_the_response(app):
    seen = []

    def finished(sender, response, **kw):
        seen.append(response.get_data())

    @app.get("/")
    async def view():
        return "done"

    with erlen.request_finished.connected_to(finished, app):
        run(call(app, make_scope("/")))
    assert seen == [b"done"]


def test_a_request_started_receiver_makes_the_request_use_the_greenlet(app):
    @app.get("/")
    async def view():
        return g.started

    def started(sender, **kw):
        g.started = _where()

    with erlen.request_started.connected_to(started, app):
        conv = run(call(app, make_scope("/")))
    assert conv.body == b"worker"  # (blinker calls a sync receiver where it sends)


def test_dispatch_request_patched_on_the_instance_is_honoured(app):
    @app.get("/")
    async def view():
        return "view"

    original = app.dispatch_request

    def patched():
        rv = original()
        return f"patched {rv}"

    app.dispatch_request = patched
    conv = run(call(app, make_scope("/")))
    assert conv.body == b"patched view"


def test_cancelled_direct_view_pops_its_context(app):
    entered = asyncio.Event

    @app.get("/")
    async def view():
        app.config["ENTERED"].set()
        await asyncio.sleep(30)
        return "never"

    torn = []
    app.teardown_request(lambda exc: torn.append(type(exc).__name__))

    async def main():
        app.config["ENTERED"] = entered()
        task = asyncio.ensure_future(call(app, make_scope("/"), Conversation()))
        await app.config["ENTERED"].wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())
    assert torn == ["CancelledError"]
    assert erlen.globals._cv_request.get(None) is None


def test_the_same_app_over_wsgi_runs_async_views_as_before(app):
    @app.get("/")
    async def view():
        await asyncio.sleep(0)
        return "wsgi"

    assert app.test_client(interface="wsgi").get("/").data == b"wsgi"


def test_full_dispatch_request_called_by_hand_still_runs_the_view(app):
    @app.get("/")
    def view():
        return "by hand"

    with app.test_request_context("/"):
        assert app.full_dispatch_request().get_data() == b"by hand"


def test_a_wrapped_or_overridden_asgi_app_is_called(app):
    seen = []

    @app.get("/")
    async def view():
        return "ok"

    inner = app.asgi_app

    async def wrapper(scope, receive, send):
        seen.append("instance")
        await inner(scope, receive, send)

    app.asgi_app = wrapper
    assert run(call(app, make_scope("/"))).body == b"ok"

    class Custom(erlen.Flask):
        async def asgi_app(self, scope, receive, send):
            seen.append("subclass")
            await super().asgi_app(scope, receive, send)

    custom = Custom(__name__)
    custom.get("/")(view)
    assert run(call(custom, make_scope("/"))).body == b"ok"
    assert seen == ["instance", "subclass"]


def test_concurrent_direct_requests_that_need_a_lane_each_get_their_own(app):
    # Direct-mode requests share the runtime's modes until one needs the lane (a sync
    # after_request function, a call_on_close callback): it then takes a mode of its own.
    # Concurrent requests never share a lane, and the modes they shared never get one.
    app.config["ASGI_THREAD_POOL_SIZE"] = 4
    seen = {}

    @app.after_request
    def after(response):
        seen.setdefault(request.args["n"], {})["after"] = threading.get_ident()
        return response

    @app.get("/")
    async def view():
        n = request.args["n"]
        await asyncio.sleep(0.001 * (5 - int(n)))
        response = app.make_response(_where())
        response.call_on_close(
            lambda: seen.setdefault(n, {}).__setitem__("close", threading.get_ident())
        )
        return response

    async def main():
        convs = await asyncio.gather(
            *(call(app, make_scope("/", query=f"n={i}".encode())) for i in range(5))
        )
        return convs, erlen.ctx._cv_asgi_mode.get()

    convs, mode_after = run(main())
    assert [conv.body for conv in convs] == [b"task"] * 5
    assert sorted(seen) == ["0", "1", "2", "3", "4"]
    for threads in seen.values():
        # One request's sync work stays in its one lane thread, off the loop.
        assert threads["after"] == threads["close"] != threading.get_ident()
    assert mode_after is None  # the request's mode does not outlive it
    runtime = app.__dict__["_asgi_runtime"]
    assert runtime.task_mode._jobs is None


def test_the_modes_that_requests_share_have_no_lane(app):
    @app.get("/")
    async def view():
        mode = erlen.ctx._cv_asgi_mode.get()
        with pytest.raises(RuntimeError, match="no lane"):
            mode.run(print)
        return "shared" if mode.shared else "own"

    assert run(call(app, make_scope("/"))).body == b"shared"


def test_asgi_app_set_on_the_app_later_is_called(app):
    @app.get("/")
    async def view():
        return "ok"

    assert run(call(app, make_scope("/"))).body == b"ok"
    seen = []
    inner = app.asgi_app

    async def wrapper(scope, receive, send):
        seen.append(scope["type"])
        await inner(scope, receive, send)

    app.asgi_app = wrapper
    assert run(call(app, make_scope("/"))).body == b"ok"
    del app.asgi_app  # Flask's own again
    assert run(call(app, make_scope("/"))).body == b"ok"
    assert seen == ["http"]


def test_ensure_sync_in_a_thread_of_a_direct_view_runs_the_coroutine_on_the_loop(app):
    # Only the steps up to this request's view get the view's coroutine function itself
    # (Mode.handing_over); code of the view, here in a thread it started, gets a function
    # that runs the coroutine on the loop and returns its result.
    async def answer():
        await asyncio.sleep(0)
        return threading.current_thread().name

    @app.get("/")
    async def view():
        in_thread = await asyncio.to_thread(lambda: app.ensure_sync(answer)())
        return {"ran_on": in_thread, "loop": threading.current_thread().name}

    data = json.loads(run(call(app, make_scope("/"))).body)
    assert data["ran_on"] == data["loop"]
