"""``async def`` views, hooks and error handlers on erlen's long-lived loop thread."""

from __future__ import annotations

import asyncio
import threading

import pytest

import erlen
from erlen import _async
from erlen.views import MethodView, View


def test_async_view(app, client):
    @app.get("/")
    async def view():
        await asyncio.sleep(0)
        return {"path": erlen.request.path, "arg": erlen.request.args.get("a")}

    assert client.get("/?a=1").json == {"path": "/", "arg": "1"}


def test_all_async_code_runs_on_one_loop_thread(app, client):
    threads = []
    loops = []

    def record(what):
        threads.append((what, threading.current_thread()))
        loops.append(asyncio.get_running_loop())

    @app.before_request
    async def before():
        record("before")

    @app.after_request
    async def after(resp):
        record("after")
        return resp

    @app.teardown_request
    async def teardown(exc):
        record("teardown")

    @app.get("/")
    async def view():
        record("view")
        return "ok"

    for _ in range(3):
        assert client.get("/").data == b"ok"

    assert [w for w, _ in threads] == ["before", "view", "after", "teardown"] * 3
    thread_set = {th for _, th in threads}
    assert len(thread_set) == 1
    (loop_thread,) = thread_set
    assert loop_thread is not threading.main_thread()
    assert loop_thread is not threading.current_thread()
    assert loop_thread.daemon
    assert len(set(map(id, loops))) == 1
    assert loops[0] is _async.get_loop()


def test_loop_shared_between_apps(app, client):
    other = erlen.Flask("other")
    seen = []

    async def view():
        seen.append(threading.get_ident())
        return "x"

    app.add_url_rule("/", "v", view)
    other.add_url_rule("/", "v", view)
    client.get("/")
    other.test_client().get("/")
    assert len(set(seen)) == 1
    assert seen[0] != threading.get_ident()


def test_contextvars_visible_in_async_code(app, client):
    @app.before_request
    async def before():
        erlen.g.before = "set in async before"

    @app.get("/")
    async def view():
        await asyncio.sleep(0)
        erlen.session["k"] = "v"
        return {
            "g": erlen.g.before,
            "app": erlen.current_app.name,
            "endpoint": erlen.request.endpoint,
            "has_req": erlen.has_request_context(),
        }

    rv = client.get("/")
    assert rv.json == {
        "g": "set in async before",
        "app": "test_app_async",
        "endpoint": "view",
        "has_req": True,
    }
    assert "session=" in rv.headers["Set-Cookie"]


def test_g_set_in_async_view_visible_to_sync_hook(app, client):
    @app.get("/")
    async def view():
        erlen.g.from_async = 42
        return "x"

    @app.after_request
    def after(resp):
        resp.headers["X-G"] = str(erlen.g.from_async)
        return resp

    assert client.get("/").headers["X-G"] == "42"


def test_async_before_request_short_circuit(app, client):
    @app.before_request
    async def before():
        return "from async before", 401

    @app.get("/")
    async def view():
        raise AssertionError("view must not run")

    rv = client.get("/")
    assert (rv.status_code, rv.data) == (401, b"from async before")


def test_async_after_request_replaces(app, client):
    @app.after_request
    async def after(resp):
        return erlen.Response("replaced", status=203)

    app.get("/")(lambda: "orig")
    rv = client.get("/")
    assert (rv.status_code, rv.data) == (203, b"replaced")


def test_async_error_handler(app, client):
    @app.errorhandler(KeyError)
    async def on_key(e):
        await asyncio.sleep(0)
        return f"async handled {e.args[0]} at {erlen.request.path}", 409

    @app.get("/k")
    async def view():
        raise KeyError("kk")

    rv = client.get("/k")
    assert (rv.status_code, rv.data) == (409, b"async handled kk at /k")


def test_async_error_handler_for_an_error_raised_calling_the_view(app, client):
    """Calling the view itself raises (its arguments don't match the URL's): the async
    error handler is awaited, not handed over as the view's coroutine would be."""

    @app.errorhandler(TypeError)
    async def on_type_error(e):
        await asyncio.sleep(0)
        return "handled", 418

    @app.get("/t")
    async def view(missing):
        return "never"

    rv = client.get("/t")
    assert (rv.status_code, rv.data) == (418, b"handled")


def test_async_http_error_handler(app, client):
    @app.errorhandler(404)
    async def nf(e):
        return "async 404", 404

    assert client.get("/missing").data == b"async 404"


def test_async_teardown_receives_exception(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.logger.disabled = True
    seen = []

    @app.teardown_request
    async def td(exc):
        seen.append(exc)

    @app.teardown_appcontext
    async def td_app(exc):
        seen.append(exc)

    @app.get("/")
    async def view():
        raise ValueError("async boom")

    assert client.get("/").status_code == 500
    assert len(seen) == 2
    assert all(isinstance(e, ValueError) for e in seen)


def test_async_exception_handled_like_sync(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.logger.disabled = True
    originals = []

    @app.errorhandler(500)
    def on_500(e):
        originals.append(e.original_exception)
        return "500 page", 500

    @app.get("/async")
    async def async_view():
        raise ZeroDivisionError("async")

    @app.get("/sync")
    def sync_view():
        raise ZeroDivisionError("sync")

    rv_async = client.get("/async")
    rv_sync = client.get("/sync")
    assert (rv_async.status_code, rv_async.data) == (rv_sync.status_code, rv_sync.data)
    assert [str(e) for e in originals] == ["async", "sync"]
    assert all(type(e) is ZeroDivisionError for e in originals)


def test_async_exception_propagates_in_testing(app, client):
    @app.get("/")
    async def view():
        raise LookupError("propagated")

    with pytest.raises(LookupError, match="propagated"):
        client.get("/")


def test_async_abort(app, client):
    @app.get("/")
    async def view():
        erlen.abort(418)

    assert client.get("/").status_code == 418


def test_async_class_views(app, client):
    class Items(MethodView):
        async def get(self):
            await asyncio.sleep(0)
            return "async get"

    class Plain(View):
        async def dispatch_request(self):
            return "async plain"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    app.add_url_rule("/plain", view_func=Plain.as_view("plain"))
    assert client.get("/items").data == b"async get"
    assert client.get("/plain").data == b"async plain"


def test_sync_url_value_preprocessor_with_async_view(app, client):
    @app.url_value_preprocessor
    def pull(endpoint, values):
        erlen.g.item = values.pop("item")

    @app.get("/<item>")
    async def view():
        return erlen.g.item

    assert client.get("/thing").data == b"thing"


def test_ensure_sync_and_async_to_sync(app):
    def sync():
        return 1

    async def coro(x):
        return x * 2

    assert app.ensure_sync(sync) is sync
    wrapped = app.ensure_sync(coro)
    assert wrapped is not coro
    assert wrapped(21) == 42
    assert app.async_to_sync(coro)(2) == 4


def test_async_to_sync_inside_running_loop_raises(app):
    async def inner():
        return 1

    async def outer():
        return app.ensure_sync(inner)()

    with pytest.raises(RuntimeError, match="running an event loop"):
        asyncio.run(outer())


def test_concurrent_async_requests_in_threads(app):
    @app.get("/<int:n>")
    async def view(n):
        await asyncio.sleep(0.01)
        return {"n": n, "path": erlen.request.path}

    results = {}

    def worker(n):
        results[n] = app.test_client().get(f"/{n}").json

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results == {i: {"n": i, "path": f"/{i}"} for i in range(8)}


def test_async_signal_receiver(app, client):
    received = []

    async def on_started(sender, **kw):
        received.append((sender, erlen.request.path, threading.current_thread().name))

    app.get("/")(lambda: "x")
    with erlen.request_started.connected_to(on_started, app):
        client.get("/")
    # WSGI: erlen's loop thread; ASGI: the server's loop, which for the test client is the
    # same thread.
    assert received == [(app, "/", "erlen-async-loop")]
