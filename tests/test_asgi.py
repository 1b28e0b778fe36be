"""The ASGI adapter over raw scope/receive/send: entry points and server detection, thread and
loop modes, request bodies, streamed responses, disconnects, pathsend, lifespan and background
tasks. (Every app-level test also runs over ASGI through the test client: see conftest.)"""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

import erlen
from erlen import g, request, stream_with_context
from erlen.asgi import stream_body

# These tests call the ASGI application directly or pick the test client's interface
# themselves: running them once is enough.
pytestmark = pytest.mark.interface("asgi", reason="each test chooses its interface itself")


def make_scope(path: str = "/", method: str = "GET", headers=(), query: bytes = b"", **kw):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
    }
    scope.update(kw)
    return scope


class Conversation:
    """A client on the other side of receive/send: body chunks in, messages out."""

    def __init__(self, body_chunks=(b"",), on_send=None):
        self.incoming = [
            {"type": "http.request", "body": chunk, "more_body": i < len(body_chunks) - 1}
            for i, chunk in enumerate(body_chunks)
        ]
        self.received = 0  # messages the app took from receive()
        self.sent: list[dict] = []
        self.disconnect = asyncio.Event()
        self.on_send = on_send

    async def receive(self):
        if self.received < len(self.incoming):
            self.received += 1
            return self.incoming[self.received - 1]
        await self.disconnect.wait()
        return {"type": "http.disconnect"}

    async def send(self, message):
        self.sent.append(message)
        if self.on_send is not None:
            await self.on_send(message)

    @property
    def status(self):
        return self.sent[0]["status"]

    @property
    def headers(self):
        return {k.decode(): v.decode() for k, v in self.sent[0]["headers"]}

    @property
    def body(self):
        return b"".join(m.get("body", b"") for m in self.sent[1:])

    @property
    def chunks(self):
        return [m["body"] for m in self.sent[1:] if m.get("body")]


def run(coro):
    return asyncio.run(coro)


async def call(app, scope, conversation=None):
    conversation = conversation or Conversation()
    await app(scope, conversation.receive, conversation.send)
    return conversation


# -- entry points and detection ---------------------------------------------------------


def test_uvicorn_and_hypercorn_detect_asgi3(app):
    import hypercorn.utils
    import uvicorn.config

    config = uvicorn.config.Config(app)
    config.load()
    assert config.interface == "asgi3"
    assert hypercorn.utils.is_asgi(app)


def test_the_asgi_entry_makes_no_reference_cycle():
    import gc
    import weakref

    gc.disable()
    try:
        app = erlen.Flask(__name__)
        assert asyncio.iscoroutinefunction(app.__call__)
        ref = weakref.ref(app)
        del app
        assert ref() is None  # freed by reference counting alone
    finally:
        gc.enable()


def test_wsgi_servers_still_call_the_app_with_two_arguments(app):
    app.get("/")(lambda: "wsgi")
    started = []
    body = app(
        {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/",
            "SERVER_NAME": "x",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
        },
        lambda status, headers: started.append(status),
    )
    assert started == ["200 OK"] and b"".join(body) == b"wsgi"


def test_a_subclass_with_its_own_call_keeps_its_detection():
    class WSGIOnly(erlen.Flask):
        def __call__(self, environ, start_response):
            return self.wsgi_app(environ, start_response)

    app = WSGIOnly(__name__)
    assert "__call__" not in app.__dict__
    assert not asyncio.iscoroutinefunction(app.__call__)


def test_asgi_app_is_wrappable(app):
    app.get("/")(lambda: "inner")
    seen = []
    inner = app.asgi_app

    async def middleware(scope, receive, send):
        seen.append(scope["path"])
        await inner(scope, receive, send)

    app.asgi_app = middleware
    conv = run(call(app, make_scope("/")))
    assert seen == ["/"] and conv.body == b"inner"


def test_unknown_scope_type_is_an_error(app):
    with pytest.raises(ValueError, match="scope type"):
        run(call(app, {"type": "tcp"}))


# -- thread mode and loop mode ----------------------------------------------------------


def test_async_view_runs_on_the_loop_thread_sync_view_in_the_pool(app):
    threads = {}

    @app.get("/async")
    async def on_loop():
        threads["async"] = threading.current_thread().name
        return "a"

    @app.get("/sync")
    def in_thread():
        threads["sync"] = threading.current_thread().name
        return "s"

    async def main():
        threads["main"] = threading.current_thread().name
        await call(app, make_scope("/async"))
        await call(app, make_scope("/sync"))

    run(main())
    assert threads["async"] == threads["main"]
    assert threads["sync"].startswith("erlen-asgi")


def test_a_blocking_sync_view_never_delays_other_requests(app):
    release = threading.Event()
    entered = threading.Event()

    @app.get("/block")
    def block():
        entered.set()
        assert release.wait(30)
        return "unblocked"

    @app.get("/fast")
    def fast():
        return "fast"

    @app.get("/fast-async")
    async def fast_async():
        return "fast async"

    async def main():
        blocked = asyncio.ensure_future(call(app, make_scope("/block")))
        await asyncio.get_running_loop().run_in_executor(None, entered.wait, 30)
        fast_conv = await call(app, make_scope("/fast"))
        fast_async_conv = await call(app, make_scope("/fast-async"))
        # Both answered while /block still holds its thread.
        assert not blocked.done()
        release.set()
        return fast_conv, fast_async_conv, await blocked

    fast_conv, fast_async_conv, blocked_conv = run(main())
    assert fast_conv.body == b"fast" and fast_async_conv.body == b"fast async"
    assert blocked_conv.body == b"unblocked"


def test_context_and_hooks_in_both_modes(app):
    order = []

    @app.before_request
    async def async_before():
        g.seen = [threading.current_thread().name]
        order.append("before")

    @app.after_request
    def sync_after(response):
        response.headers["X-Thread"] = threading.current_thread().name
        return response

    @app.teardown_request
    async def async_teardown(exc):
        order.append(("teardown", request.path))

    @app.get("/sync/<name>")
    def sync_view(name):
        session_value = erlen.session.setdefault("n", name)
        return {"view": threading.current_thread().name, "g": g.seen, "s": session_value}

    @app.get("/async/<name>")
    async def async_view(name):
        return {"view": threading.current_thread().name, "g": g.seen, "path": request.path}

    async def main():
        return await call(app, make_scope("/sync/x")), await call(app, make_scope("/async/y"))

    sync_conv, async_conv = run(main())
    import json

    sync_data = json.loads(sync_conv.body)
    assert sync_data["view"].startswith("erlen-asgi")
    assert sync_data["g"] == ["MainThread"]  # the async hook ran on the loop
    assert sync_data["s"] == "x" and "set-cookie" in sync_conv.headers
    async_data = json.loads(async_conv.body)
    assert async_data == {"view": "MainThread", "g": ["MainThread"], "path": "/async/y"}
    # In loop mode a sync hook goes to the pool.
    assert async_conv.headers["x-thread"].startswith("erlen-asgi")
    assert order == ["before", ("teardown", "/sync/x"), "before", ("teardown", "/async/y")]


def test_sync_inline_runs_sync_views_on_the_loop(app):
    app.config["ASGI_SYNC_INLINE"] = True
    app.get("/")(lambda: threading.current_thread().name)

    async def main():
        return threading.current_thread().name, await call(app, make_scope("/"))

    name, conv = run(main())
    assert conv.body.decode() == name


def test_pool_size_from_config(app):
    app.config["ASGI_THREAD_POOL_SIZE"] = 3
    app.get("/")(lambda: "ok")
    run(call(app, make_scope("/")))
    assert app._asgi_runtime.pool._max_workers == 3


def test_a_subclass_overriding_dispatch_runs_in_a_thread():
    class Custom(erlen.Flask):
        def dispatch_request(self):
            g.dispatched_in = threading.current_thread().name
            return super().dispatch_request()

    app = Custom(__name__)

    @app.get("/")
    async def view():
        return {"dispatch": g.dispatched_in, "view": threading.current_thread().name}

    async def main():
        return threading.current_thread().name, await call(app, make_scope("/"))

    loop_thread, conv = run(main())
    import json

    data = json.loads(conv.body)
    assert data["dispatch"].startswith("erlen-asgi")
    assert data["view"] == loop_thread  # the async view itself still ran on the loop


def test_method_view_with_async_methods_runs_in_loop_mode(app):
    from erlen.views import MethodView

    class Items(MethodView):
        async def get(self):
            return threading.current_thread().name

    app.add_url_rule("/items", view_func=Items.as_view("items"))

    async def main():
        return threading.current_thread().name, await call(app, make_scope("/items"))

    name, conv = run(main())
    assert conv.body.decode() == name


def test_concurrent_async_requests_keep_their_own_context(app):
    gate = asyncio.Event

    @app.get("/<name>")
    async def view(name):
        g.name = name
        await app.extensions["gate"].wait()
        return {"g": g.name, "path": request.path}

    async def main():
        app.extensions["gate"] = gate()
        tasks = [asyncio.ensure_future(call(app, make_scope(f"/{n}"))) for n in "abc"]
        await asyncio.sleep(0.01)
        app.extensions["gate"].set()
        return await asyncio.gather(*tasks)

    import json

    for name, conv in zip("abc", run(main()), strict=True):
        assert json.loads(conv.body) == {"g": name, "path": f"/{name}"}


def test_async_view_suspending_with_errors_thrown_in_and_caught(app):
    @app.get("/")
    async def view():
        steps = [asyncio.current_task() is not None]
        await asyncio.sleep(0)  # a bare yield to the task
        try:
            await asyncio.wait_for(asyncio.Event().wait(), 0.01)  # a future that fails
        except asyncio.TimeoutError:
            steps.append("timeout")
        steps.append(await asyncio.get_running_loop().run_in_executor(None, lambda: "pool"))
        return {"steps": steps}

    import json

    assert json.loads(run(call(app, make_scope("/"))).body) == {"steps": [True, "timeout", "pool"]}


def test_cancelling_the_request_cancels_a_waiting_async_view_and_runs_teardown(app):
    seen = []

    @app.get("/")
    async def view():
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            seen.append("cancelled in view")
            raise
        return "never"

    @app.teardown_request
    def teardown(exc):
        seen.append(("teardown", type(exc).__name__))

    async def main():
        task = asyncio.ensure_future(call(app, make_scope("/")))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())
    assert seen == ["cancelled in view", ("teardown", "CancelledError")]


def test_greenlets_started_by_an_async_view_return_to_it(app):
    # The shape of SQLAlchemy's asyncio bridge (greenlet_spawn / await_only): a child
    # greenlet, whose parent is the greenlet running the view's coroutine, hands awaitables
    # up to it. Each time the child ends or hands one up, it must land where the view waits,
    # even after the view suspended.
    from greenlet import getcurrent, greenlet

    async def spawn(fn):
        child = greenlet(fn, getcurrent())
        result = child.switch()
        while not child.dead:
            result = child.switch(await result)
        return result

    def child_work():
        first = getcurrent().parent.switch(asyncio.sleep(0.001, "a"))
        second = getcurrent().parent.switch(asyncio.sleep(0, "b"))
        return first + second

    @app.get("/")
    async def view():
        return await spawn(child_work) + await spawn(child_work)

    assert run(call(app, make_scope("/"))).body == b"abab"


def test_sync_code_called_inside_an_async_view_runs_as_on_the_loop(app):
    # A sync function that the async view calls (not the pipeline) runs right there, and
    # an ensure_sync-ed coroutine function is refused as anywhere on the loop's thread:
    # before and after the view's first suspension alike.
    async def helper():
        return "never"

    def sync_part():
        return threading.get_ident()

    @app.get("/")
    async def view():
        seen = []
        for _ in range(2):
            seen.append(app.ensure_sync(sync_part)() == threading.get_ident())
            with pytest.raises(RuntimeError, match="await it instead"):
                app.ensure_sync(helper)()
            await asyncio.sleep(0)
        return {"inline": seen}

    import json

    assert json.loads(run(call(app, make_scope("/"))).body) == {"inline": [True, True]}


def test_an_unhashable_callable_object_as_view(app):
    import dataclasses

    @dataclasses.dataclass
    class Greeter:  # eq=True: instances are unhashable
        name: str

        def __call__(self):
            return f"hello {self.name}"

    app.add_url_rule("/", "greet", Greeter("ada"))
    for _ in range(2):
        assert run(call(app, make_scope("/"))).body == b"hello ada"


def test_unhandled_error_is_a_500_and_propagates_when_testing(app):
    @app.get("/")
    async def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert run(call(app, make_scope("/"))).status == 500
    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(RuntimeError, match="boom"):
        run(call(app, make_scope("/")))


# -- request bodies ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_body_in_chunks_reaches_json_form_and_data(app, kind):
    def view():
        return {"json": request.get_json(), "data": len(request.get_data())}

    async def async_view():
        return view()

    app.post("/")(view if kind == "sync" else async_view)
    conv = Conversation([b'{"a": ', b"[1, 2", b"]}"])
    scope = make_scope("/", "POST", [(b"content-type", b"application/json")])
    run(call(app, scope, conv))
    import json

    assert json.loads(conv.body) == {"json": {"a": [1, 2]}, "data": 13}


def test_bodyless_get_is_answered_without_receiving(app):
    @app.get("/")
    def view():
        return {"data": request.get_data().decode()}

    @app.route("/any", methods=["GET", "POST"])
    def any_method():
        return request.get_data()

    conv = run(call(app, make_scope("/")))
    assert (conv.status, conv.received) == (200, 0)
    assert conv.body == b'{"data":""}\n'
    # A body announced by a length or a transfer coding, any body of a POST, and any
    # body over HTTP/2 (no transfer coding there) are received.
    for method, headers, http_version in [
        ("GET", [(b"content-length", b"5")], "1.1"),
        ("GET", [(b"transfer-encoding", b"chunked")], "1.1"),
        ("POST", [], "1.1"),
        ("GET", [], "2"),
    ]:
        conv = Conversation([b"he", b"llo"])
        scope = make_scope("/any", method, headers, http_version=http_version)
        run(call(app, scope, conv))
        assert (conv.received, conv.body) == (2, b"hello"), (method, headers, http_version)


def test_declared_length_over_the_limit_is_413_without_reading(app):
    app.config["MAX_CONTENT_LENGTH"] = 10
    read = []

    @app.post("/")
    def upload():
        read.append(request.get_data())
        return "never"

    @app.errorhandler(413)
    def too_large(e):
        return "too large", 413

    conv = Conversation([b"x" * 100])
    scope = make_scope("/", "POST", [(b"content-length", b"100")])
    run(call(app, scope, conv))
    assert (conv.status, conv.body) == (413, b"too large")
    assert conv.received == 0 and read == []


def test_growing_body_stops_being_read_past_the_limit(app):
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/")
    def upload():
        return request.get_data()

    conv = Conversation([b"x" * 6] * 100)  # no Content-Length: chunked
    run(call(app, make_scope("/", "POST"), conv))
    assert conv.status == 413
    # Reading stopped as soon as the limit was passed.
    assert conv.received == 2


@pytest.mark.parametrize("declared", [True, False])
def test_a_limit_raised_by_the_view_cannot_exceed_the_received_body(app, declared):
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/")
    def upload():
        request.max_content_length = 1000
        return request.get_data()

    headers = [(b"content-length", b"60")] if declared else []
    conv = Conversation([b"x" * 6] * 10)
    run(call(app, make_scope("/", "POST", headers), conv))
    # The body was received only up to MAX_CONTENT_LENGTH: a 413, not a cut body's 400.
    assert conv.status == 413


def test_large_bodies_are_spooled_to_disk(app):
    app.config["ASGI_BODY_SPOOL_SIZE"] = 1000

    @app.post("/")
    def upload():
        stream = request.environ["wsgi.input"]
        return {"rolled": getattr(stream, "_rolled", False), "size": len(request.get_data())}

    conv = Conversation([b"y" * 700] * 5)
    run(call(app, make_scope("/", "POST"), conv))
    import json

    assert json.loads(conv.body) == {"rolled": True, "size": 3500}


def test_form_and_files_under_asgi(app):
    @app.post("/")
    async def upload():
        f = request.files["f"]
        return {"name": request.form["name"], "file": f.read().decode(), "fn": f.filename}

    client = app.test_client(interface="asgi")
    import io

    rv = client.post("/", data={"name": "n", "f": (io.BytesIO(b"content"), "a.txt")})
    assert rv.json == {"name": "n", "file": "content", "fn": "a.txt"}


def test_stream_body_consumes_the_upload_as_it_arrives(app):
    seen = []

    @app.post("/")
    @stream_body
    async def upload():
        async for chunk in request.iter_body():
            seen.append((chunk, conv.received))
        return str(sum(len(c) for c, _ in seen))

    conv = Conversation([b"ab", b"cd", b"ef"])
    run(call(app, make_scope("/", "POST"), conv))
    assert conv.body == b"6"
    # Each chunk reached the view before the next one was received.
    assert seen == [(b"ab", 1), (b"cd", 2), (b"ef", 3)]


def test_stream_body_limit_and_no_sync_body_api(app):
    app.config["MAX_CONTENT_LENGTH"] = 3

    @app.post("/limited")
    @stream_body
    async def limited():
        return str(sum([len(c) async for c in request.iter_body()]))

    @app.post("/sync-api")
    @stream_body
    async def sync_api():
        try:
            request.get_data()
        except RuntimeError as e:
            return str(e)
        return "read"

    conv = run(call(app, make_scope("/limited", "POST"), Conversation([b"ab", b"cd"])))
    assert conv.status == 413
    conv = run(call(app, make_scope("/sync-api", "POST"), Conversation([b"ab"])))
    assert b"iter_body" in conv.body


def test_iter_body_under_wsgi_reads_the_input_stream(app):
    @app.post("/")
    @stream_body
    async def upload():
        return b"|".join([c async for c in request.iter_body(chunk_size=2)])

    rv = app.test_client(interface="wsgi").post("/", data=b"abcde")
    assert rv.data == b"ab|cd|e"


def test_client_leaving_before_the_body_ends_gets_no_response(app):
    called = []
    app.post("/")(lambda: called.append(1) or "x")

    async def main():
        conv = Conversation([b"a", b"b"])
        conv.incoming[1] = {"type": "http.disconnect"}
        await app(make_scope("/", "POST"), conv.receive, conv.send)
        return conv

    conv = run(main())
    assert conv.sent == [] and called == []


# -- responses --------------------------------------------------------------------------


def test_sync_generator_streams_chunk_by_chunk(app):
    @app.get("/")
    def stream():
        def gen():
            yield "a"
            yield "b"
            yield "c"

        return gen()

    conv = run(call(app, make_scope("/")))
    assert conv.chunks == [b"a", b"b", b"c"]
    assert [m.get("more_body", False) for m in conv.sent[1:]] == [True, True, True, False]


@pytest.mark.parametrize("pool_size", [1, 4])
def test_a_sync_request_keeps_one_thread_for_its_view_stream_and_closing(app, pool_size):
    app.config["ASGI_THREAD_POOL_SIZE"] = pool_size
    threads = {}

    @app.get("/stream")
    def stream():
        threads["view"] = threading.get_ident()

        def gen():
            threads["body"] = threading.get_ident()
            yield "a"

        response = app.response_class(gen())
        response.call_on_close(lambda: threads.setdefault("close", threading.get_ident()))
        return response

    @app.get("/plain")
    def plain():
        return str(threading.get_ident())

    async def main():
        # Plain answers give their thread back at once, so even a pool of one serves
        # them one after another, and the streamed request still gets one thread.
        plain_threads = {(await call(app, make_scope("/plain"))).body for _ in range(5)}
        streamed = await call(app, make_scope("/stream"))
        more = await asyncio.gather(*(call(app, make_scope("/plain")) for _ in range(5)))
        return plain_threads, streamed, more

    plain_threads, streamed, more = run(main())
    assert streamed.body == b"a"
    assert threads["view"] == threads["body"] == threads["close"]
    assert len(plain_threads) <= pool_size
    assert all(conv.status == 200 for conv in more)


def test_a_lane_ending_after_a_job_runs_work_queued_meanwhile_first(app):
    from erlen.asgi import bridge

    async def main():
        runtime = bridge.get_runtime(app)
        mode = runtime.mode(False)
        started, release = threading.Event(), threading.Event()

        def first():
            started.set()
            release.wait(5)
            return threading.get_ident()

        ending = mode.run_ending(lambda result: False, first)
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
        queued = mode.run(threading.get_ident)  # queued while the last job runs
        release.set()
        ids = [await ending, await queued]
        after = await mode.run(threading.get_ident)
        mode.close()
        return ids, after

    (first_id, queued_id), after = run(main())
    assert first_id == queued_id  # the lane stayed for the queued job
    assert isinstance(after, int)


def test_requests_follow_the_loop_that_runs_them_across_threads(app):
    # The runtime is bound to one loop at a time; a request on another loop, here one
    # running in another thread while the first keeps running, rebinds it. A runtime
    # taken as ready for the wrong loop would hand the sync view's result to the other
    # loop, and the request would never finish.
    @app.route("/async")
    async def on_loop():
        return str(id(asyncio.get_running_loop()))

    @app.route("/sync")
    def in_thread():
        return "sync"

    async def serve_both():
        loop_id = str(id(asyncio.get_running_loop()))
        served = [
            await asyncio.wait_for(call(app, make_scope(path)), 5) for path in ("/async", "/sync")
        ]
        assert [conv.body for conv in served] == [loop_id.encode(), b"sync"]
        assert app._asgi_runtime.loop is asyncio.get_running_loop()

    background = asyncio.new_event_loop()
    thread = threading.Thread(target=background.run_forever)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(serve_both(), background).result(10)
        run(serve_both())  # another loop, in this thread, while the first still runs
        asyncio.run_coroutine_threadsafe(serve_both(), background).result(10)
        run(serve_both())
    finally:
        background.call_soon_threadsafe(background.stop)
        thread.join(5)
        background.close()


async def _ready_here(runtime) -> bool:
    return runtime.ready_thread() == threading.get_ident()


def test_a_runtime_not_serving_is_not_ready_anywhere(app):
    from erlen.asgi import bridge

    async def main():
        runtime = bridge.get_runtime(app)
        assert runtime.ready_thread() is None  # bound, but before_serving has not run
        runtime.serving = True
        assert runtime.ready_thread() == threading.get_ident()
        # Asked on another thread running its own loop: not ready there.
        elsewhere = await asyncio.get_running_loop().run_in_executor(
            None, lambda: asyncio.run(_ready_here(runtime))
        )
        assert elsewhere is False
        runtime.serving = False
        assert runtime.ready_thread() is None

    run(main())


async def _bound_here(app) -> bool:
    from erlen.asgi import bridge

    return bridge.get_runtime(app).loop is asyncio.get_running_loop()


def test_get_runtime_binds_the_asking_loop_while_serving_on_another(app):
    from erlen.asgi import bridge

    async def main():
        runtime = bridge.get_runtime(app)
        runtime.serving = True
        assert await _bound_here(app)
        # A loop in another thread takes the runtime over, though it is serving here...
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, lambda: asyncio.run(_bound_here(app)))
        assert runtime.loop is not loop
        # ...and this loop takes it back on its next ask.
        assert await _bound_here(app)
        assert bridge.get_runtime(app) is runtime

    run(main())


def test_async_generator_events_are_sent_as_produced(app):
    produced = []

    @app.get("/events")
    async def events():
        async def gen():
            for i in range(3):
                produced.append(i)
                yield f"data: {i}\n\n"
                # Waits until the client has the event just yielded.
                await app.extensions["sent"][i].wait()

        return gen(), {"Content-Type": "text/event-stream"}

    async def on_send(message):
        if message.get("body"):
            index = int(message["body"].split()[1])
            assert produced == list(range(index + 1))  # sent before the next is produced
            app.extensions["sent"][index].set()

    async def main():
        app.extensions["sent"] = [asyncio.Event() for _ in range(3)]
        return await call(app, make_scope("/events"), Conversation(on_send=on_send))

    conv = run(main())
    assert conv.headers["content-type"].startswith("text/event-stream")
    assert conv.chunks == [b"data: 0\n\n", b"data: 1\n\n", b"data: 2\n\n"]


def test_stream_with_context_keeps_the_request(app):
    torn_down = []
    app.teardown_request(lambda exc: torn_down.append(request.path))

    @app.get("/")
    def stream():
        def gen():
            yield request.path
            yield request.args["q"]

        return stream_with_context(gen())

    conv = run(call(app, make_scope("/", query=b"q=1")))
    assert conv.body == b"/1" and torn_down == ["/"]


def test_head_sends_no_body(app):
    app.get("/")(lambda: "body text")
    conv = run(call(app, make_scope("/", "HEAD")))
    assert conv.headers["content-length"] == "9" and conv.body == b""


@pytest.mark.parametrize("pathsend", [True, False])
def test_send_file_uses_pathsend_when_offered(app, tmp_path, pathsend):
    target = tmp_path / "f.txt"
    target.write_bytes(b"file content")
    app.get("/")(lambda: erlen.send_file(str(target)))
    extensions = {"http.response.pathsend": {}} if pathsend else {}
    conv = run(call(app, make_scope("/", extensions=extensions)))
    assert conv.status == 200 and conv.headers["content-length"] == "12"
    if pathsend:
        assert conv.sent[1] == {"type": "http.response.pathsend", "path": str(target)}
    else:
        assert conv.body == b"file content"


def test_disconnect_cancels_an_async_stream_and_runs_its_cleanup(app):
    cleanup = []

    @app.get("/")
    async def events():
        async def gen():
            try:
                yield "first"
                await asyncio.Event().wait()  # never set: only a disconnect ends this
                yield "never"
            finally:
                cleanup.append("generator closed")

        return gen()

    async def on_send(message):
        if message.get("body") == b"first":
            conv.disconnect.set()

    conv = Conversation(on_send=on_send)
    run(call(app, make_scope("/"), conv))
    assert conv.chunks == [b"first"] and cleanup == ["generator closed"]
    assert conv.sent[-1]["more_body"] is True  # no end of body after the client left


def test_disconnect_closes_a_sync_stream_and_runs_teardown(app):
    events = []
    app.teardown_request(lambda exc: events.append("teardown"))

    @app.get("/")
    def stream():
        def gen():
            try:
                for i in range(1000):
                    yield f"{i},"
            finally:
                events.append("closed")

        return stream_with_context(gen())

    async def on_send(message):
        if message.get("body") == b"1,":
            conv.disconnect.set()
            await asyncio.sleep(0)

    conv = Conversation(on_send=on_send)
    run(call(app, make_scope("/"), conv))
    assert len(conv.chunks) < 1000
    assert events == ["closed", "teardown"]


def test_websocket_scope_without_websocket_support_is_refused(app, monkeypatch):
    import sys

    # As in a build without erlen.asgi.websocket.
    monkeypatch.setitem(sys.modules, "erlen.asgi.websocket", None)
    messages = []

    async def receive():
        return {"type": "websocket.connect"}

    async def send(message):
        messages.append(message)

    run(app({"type": "websocket", "path": "/", "headers": []}, receive, send))
    assert messages == [{"type": "websocket.close", "code": 1000}]


def test_request_environ_is_a_compatibility_mapping(app):
    @app.get("/x")
    def view():
        env = request.environ
        return {
            "path": env["PATH_INFO"],
            "qs": env["QUERY_STRING"],
            "host": env["HTTP_HOST"],
            "scope": env["asgi.scope"]["type"],
            "remote": request.remote_addr,
        }

    import json

    conv = run(call(app, make_scope("/x", query=b"a=1")))
    assert json.loads(conv.body) == {
        "path": "/x",
        "qs": "a=1",
        "host": "testserver",
        "scope": "http",
        "remote": "127.0.0.1",
    }


def test_root_path_is_stripped_from_the_path(app):
    app.get("/x")(lambda: {"path": request.path, "root": request.root_path, "url": request.url})
    import json

    conv = run(call(app, make_scope("/mount/x", root_path="/mount")))
    assert json.loads(conv.body) == {
        "path": "/x",
        "root": "/mount",
        "url": "http://testserver/mount/x",
    }


# -- lifespan and background tasks ------------------------------------------------------


async def lifespan(app, *messages):
    queue: asyncio.Queue = asyncio.Queue()
    for m in messages:
        queue.put_nowait({"type": m})
    sent = []

    async def send(message):
        sent.append(message)

    await app({"type": "lifespan", "asgi": {"version": "3.0"}}, queue.get, send)
    return sent


def test_lifespan_runs_serving_functions_sync_and_async(app):
    events = []

    @app.before_serving
    def sync_start():
        events.append(("start sync", erlen.current_app.name))

    @app.before_serving
    async def async_start():
        events.append("start async")

    @app.after_serving
    async def async_stop():
        events.append("stop async")

    @app.after_serving
    def sync_stop():
        events.append("stop sync")

    sent = run(lifespan(app, "lifespan.startup", "lifespan.shutdown"))
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert events == [("start sync", app.name), "start async", "stop async", "stop sync"]


def test_failing_startup_fails_the_server_start(app):
    @app.before_serving
    async def broken():
        raise LookupError("database unreachable")

    sent = run(lifespan(app, "lifespan.startup"))
    assert sent[0]["type"] == "lifespan.startup.failed"
    assert "LookupError: database unreachable" in sent[0]["message"]


def test_shutdown_waits_for_background_tasks(app):
    done = []

    async def slow_job(value):
        for _ in range(5):
            await asyncio.sleep(0)
        done.append((value, erlen.current_app.name))

    def sync_job():
        done.append("sync")

    @app.get("/")
    async def view():
        app.add_background_task(slow_job, "async")
        app.add_background_task(sync_job)
        return "queued"

    @app.after_serving
    def stop():
        done.append("after_serving")

    async def main():
        queue: asyncio.Queue = asyncio.Queue()
        sent = []

        async def send(message):
            sent.append(message)

        server = asyncio.ensure_future(
            app({"type": "lifespan", "asgi": {"version": "3.0"}}, queue.get, send)
        )
        queue.put_nowait({"type": "lifespan.startup"})
        conv = await call(app, make_scope("/"))
        queue.put_nowait({"type": "lifespan.shutdown"})
        await server
        return conv, sent

    conv, sent = run(main())
    assert conv.body == b"queued"
    assert sent[-1]["type"] == "lifespan.shutdown.complete"
    assert set(done[:2]) == {("async", app.name), "sync"} and done[2] == "after_serving"


def test_background_task_error_is_logged(app, caplog):
    async def fails():
        raise ValueError("task failed")

    @app.get("/")
    async def view():
        app.add_background_task(fails)
        return "ok"

    async def main():
        await call(app, make_scope("/"))
        runtime = app._asgi_runtime
        while runtime.tasks:
            await asyncio.wait(list(runtime.tasks))

    run(main())
    assert "Background task" in caplog.text and "task failed" in caplog.text


def test_before_serving_without_lifespan_runs_before_the_first_request(app):
    events = []
    app.before_serving(lambda: events.append("start"))
    app.get("/")(lambda: events.append("view") or "ok")
    run(call(app, make_scope("/")))
    run(call(app, make_scope("/")))
    assert events == ["start", "view", "view"]


def test_before_serving_under_wsgi_runs_before_the_first_request(app):
    events = []
    app.before_serving(lambda: events.append("start"))
    app.get("/")(lambda: events.append("view") or "ok")
    client = app.test_client(interface="wsgi")
    client.get("/")
    client.get("/")
    assert events == ["start", "view", "view"]


def test_background_task_under_wsgi_runs_in_a_thread(app):
    finished = threading.Event()
    names = []

    def job():
        names.append((threading.current_thread().name, erlen.current_app.name))
        finished.set()

    @app.get("/")
    def view():
        app.add_background_task(job)
        return "ok"

    app.test_client(interface="wsgi").get("/")
    assert finished.wait(30)
    assert names[0][0].startswith("erlen-background") and names[0][1] == app.name


# -- the test client's ASGI transport ---------------------------------------------------


def test_client_interface_argument_and_environment(app, monkeypatch):
    app.get("/")(lambda: "asgi" if "asgi.scope" in request.environ else "wsgi")
    assert app.test_client(interface="asgi").get("/").data == b"asgi"
    assert app.test_client(interface="wsgi").get("/").data == b"wsgi"
    monkeypatch.setenv("ERLEN_TEST_INTERFACE", "asgi")
    assert app.test_client().get("/").data == b"asgi"
    monkeypatch.setenv("ERLEN_TEST_INTERFACE", "wsgi")
    assert app.test_client().get("/").data == b"wsgi"
    with pytest.raises(ValueError):
        app.test_client(interface="http3")


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_client_preserves_context_and_session_transaction(app, kind):
    def view():
        erlen.session["seen"] = erlen.session.get("seen", 0) + 1
        g.value = "kept"
        return str(erlen.session["seen"])

    async def async_view():
        return view()

    app.get("/")(view if kind == "sync" else async_view)
    client = app.test_client(interface="asgi")
    with client.session_transaction() as sess:
        sess["seen"] = 41
    with client:
        assert client.get("/").data == b"42"
        assert request.path == "/" and g.value == "kept"
        assert erlen.session["seen"] == 42


def test_client_closing_a_stream_early_disconnects(app):
    events = []

    @app.get("/")
    def stream():
        def gen():
            try:
                for i in range(100):
                    yield f"{i}"
            finally:
                events.append("closed")

        return gen()

    rv = app.test_client(interface="asgi").get("/", buffered=False)
    first = next(iter(rv.response))
    rv.close()
    assert first == b"0" and events == ["closed"]


# -- a real server ----------------------------------------------------------------------


APP_SOURCE = """
import asyncio
from erlen import Flask, request

app = Flask(__name__)

@app.get("/")
def index():
    return "hello from erlen"

@app.get("/async/<int:n>")
async def twice(n):
    await asyncio.sleep(0)
    return {"n": n * 2, "q": request.args.get("q")}

@app.get("/events")
async def events():
    async def gen():
        for i in range(3):
            yield f"data: {i}\\n\\n"
    return gen(), {"Content-Type": "text/event-stream"}

@app.post("/echo")
async def echo():
    return request.get_json()
"""


def test_uvicorn_serves_the_app(tmp_path):
    import json
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    (tmp_path / "asgi_smoke_app.py").write_text(APP_SOURCE)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "asgi_smoke_app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=5) as r:
                    assert r.read() == b"hello from erlen"
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        with urllib.request.urlopen(base + "/async/21?q=x", timeout=5) as r:
            assert json.loads(r.read()) == {"n": 42, "q": "x"}
        with urllib.request.urlopen(base + "/events", timeout=5) as r:
            assert r.headers["Content-Type"].startswith("text/event-stream")
            assert r.read() == b"data: 0\n\ndata: 1\n\ndata: 2\n\n"
        req = urllib.request.Request(
            base + "/echo", data=b'{"a": [1]}', headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=5) as r:
            assert json.loads(r.read()) == {"a": [1]}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
