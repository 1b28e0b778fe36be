"""The one dispatch pipeline: every request goes through Flask's methods, as patched.

``wsgi_app`` -> ``request_context`` -> ``push`` -> ``full_dispatch_request`` ->
``preprocess_request`` / ``dispatch_request`` / ``finalize_request`` -> ``make_response`` /
``process_response``: each step is looked up on the app every time, so a method replaced on
the app instance or overridden in a subclass is called, as in Flask.
"""

from __future__ import annotations

import inspect
import sys

import pytest

import erlen
from erlen import signals
from erlen.datastructures import Headers, MultiDict
from erlen.globals import request_ctx
from erlen.routing import Rule

STEPS = (
    "make_response",
    "process_response",
    "dispatch_request",
    "full_dispatch_request",
    # Skipped while nothing is registered, unless replaced (Flask._own_steps).
    "preprocess_request",
    "do_teardown_request",
    "do_teardown_appcontext",
)


@pytest.fixture
def hello(app):
    @app.route("/")
    def index():
        return "hello"

    return app


@pytest.mark.parametrize("step", STEPS)
def test_method_patched_on_the_instance_is_called(hello, step):
    calls = []
    original = getattr(hello, step)

    def traced(*args, **kwargs):
        calls.append(step)
        return original(*args, **kwargs)

    setattr(hello, step, traced)
    rv = hello.test_client().get("/")
    assert rv.text == "hello"
    assert calls == [step]


@pytest.mark.parametrize("step", STEPS)
def test_method_overridden_in_a_subclass_is_called(step):
    calls = []

    def traced(self, *args, **kwargs):
        calls.append(step)
        return getattr(erlen.Flask, step)(self, *args, **kwargs)

    traced_app = type("Traced", (erlen.Flask,), {step: traced})(__name__)
    traced_app.add_url_rule("/", "index", lambda: "hello")
    assert traced_app.test_client().get("/").text == "hello"
    assert calls == [step]


@pytest.mark.parametrize(
    "step", ("preprocess_request", "do_teardown_request", "do_teardown_appcontext")
)
def test_step_patched_after_the_first_request_is_called(hello, step):
    client = hello.test_client()
    assert client.get("/").text == "hello"
    calls = []
    original = getattr(hello, step)

    def traced(*args, **kwargs):
        calls.append(step)
        return original(*args, **kwargs)

    setattr(hello, step, traced)
    assert client.get("/").text == "hello"
    assert calls == [step]


@pytest.mark.parametrize(
    "step", ("preprocess_request", "do_teardown_request", "do_teardown_appcontext")
)
def test_step_patched_on_the_class_is_called(hello, monkeypatch, step):
    calls = []
    original = getattr(erlen.Flask, step)

    def traced(self, *args, **kwargs):
        calls.append(step)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(erlen.Flask, step, traced)
    assert hello.test_client().get("/").text == "hello"
    assert calls == [step]


def test_instance_patches_change_the_response(hello):
    def make_response(rv):
        return erlen.Flask.make_response(hello, rv.upper())

    def process_response(response):
        response.headers["X-Processed"] = "yes"
        return response

    hello.make_response = make_response
    hello.process_response = process_response
    rv = hello.test_client().get("/")
    assert rv.text == "HELLO"
    assert rv.headers["X-Processed"] == "yes"


def test_patched_dispatch_request_replaces_the_view(hello):
    hello.dispatch_request = lambda: ("patched", 201)
    rv = hello.test_client().get("/")
    assert (rv.status_code, rv.text) == (201, "patched")


def test_patched_ensure_sync_wraps_views_and_hooks(hello):
    wrapped = []
    original = hello.ensure_sync

    def ensure_sync(func):
        wrapped.append(getattr(func, "__name__", func))
        return original(func)

    @hello.before_request
    def before():
        return None

    hello.ensure_sync = ensure_sync
    assert hello.test_client().get("/").text == "hello"
    assert wrapped == ["before", "index"]


@pytest.mark.skipif(
    sys.version_info < (3, 12), reason="inspect.markcoroutinefunction is new in Python 3.12"
)
def test_view_marked_with_markcoroutinefunction_is_awaited(app):
    async def answer():
        return "from a coroutine"

    def view():
        return answer()

    app.add_url_rule("/", "view", inspect.markcoroutinefunction(view))
    rv = app.test_client().get("/")
    assert rv.status_code == 200
    assert rv.text == "from a coroutine"


def _plain():
    return None


async def _coro():
    return None


async def _agen():
    yield None


class _CallableObject:
    def __call__(self):
        return None


class _AsyncCallable:
    async def __call__(self):
        return None


@pytest.mark.parametrize(
    "func",
    [_plain, _coro, _agen, _CallableObject(), _AsyncCallable(), len, _CallableObject().__call__],
)
def test_ensure_sync_agrees_with_inspect(app, func):
    wrapped = app.ensure_sync(func)
    assert (wrapped is not func) == inspect.iscoroutinefunction(func)


def test_rule_added_to_url_map_directly_is_served(app):
    app.url_map.add(Rule("/direct", endpoint="direct"))
    app.view_functions["direct"] = lambda: "direct"
    client = app.test_client()
    assert client.get("/direct").text == "direct"
    # No automatic OPTIONS for a rule without Flask's attribute: the view itself answers
    # (a rule without methods accepts any method).
    rv = client.open("/direct", method="OPTIONS")
    assert rv.status_code == 200
    assert rv.text == "direct"
    assert "Allow" not in rv.headers


def test_redirects_and_automatic_options(app):
    @app.route("/folder/", methods=["GET", "POST"])
    def folder():
        return "folder"

    client = app.test_client()
    rv = client.get("/folder?x=1")
    assert rv.status_code == 308
    assert rv.headers["Location"] == "http://localhost/folder/?x=1"
    rv = client.open("/folder/", method="OPTIONS")
    assert sorted(rv.allow) == ["GET", "HEAD", "OPTIONS", "POST"]
    assert client.put("/folder/").status_code == 405


def test_url_adapter_is_bound_to_the_request(app):
    @app.route("/where")
    def where():
        adapter = request_ctx.url_adapter
        return f"{adapter.url_scheme}://{adapter.server_name}{adapter.script_name}"

    rv = app.test_client().get("/where", "https://example.test:8443/mount")
    assert rv.text == "https://example.test:8443/mount/"


def test_hooks_and_signals_registered_late_are_honoured(hello):
    events = []
    client = hello.test_client()
    assert client.get("/").text == "hello"

    # Appended to the registries directly after the first request (the decorators refuse).
    hello.url_value_preprocessors.setdefault(None, []).append(
        lambda endpoint, values: events.append("urlvalues")
    )
    hello.before_request_funcs.setdefault(None, []).append(lambda: events.append("before"))
    hello.teardown_request_funcs.setdefault(None, []).append(lambda exc: events.append("td"))
    hello.teardown_appcontext_funcs.append(lambda exc: events.append("tdapp"))
    hello.after_request_funcs.setdefault(None, []).append(lambda r: (events.append("after"), r)[1])

    def started(sender, **kw):
        events.append("started")

    def finished(sender, response, **kw):
        events.append("finished")

    def tearing_down(sender, **kw):
        events.append("tearing_down")

    def app_tearing_down(sender, **kw):
        events.append("app_tearing_down")

    with (
        signals.request_started.connected_to(started, hello),
        signals.request_finished.connected_to(finished, hello),
        signals.request_tearing_down.connected_to(tearing_down, hello),
        signals.appcontext_tearing_down.connected_to(app_tearing_down, hello),
    ):
        assert client.get("/").text == "hello"
    assert events == [
        "started",
        "urlvalues",
        "before",
        "after",
        "finished",
        "td",
        "tearing_down",
        "tdapp",
        "app_tearing_down",
    ]


@pytest.mark.parametrize(
    "signal", [signals.request_tearing_down, signals.appcontext_tearing_down]
)
def test_teardown_signal_alone_is_sent(hello, signal):
    client = hello.test_client()
    assert client.get("/").text == "hello"
    sent = []
    with signal.connected_to(lambda sender, **kw: sent.append(kw["exc"]), hello):
        assert client.get("/").text == "hello"
    assert sent == [None]


def test_async_view(app):
    @app.route("/a")
    async def a():
        return {"path": erlen.request.path}

    assert app.test_client().get("/a").get_json() == {"path": "/a"}


def test_unrelated_cookies_do_not_open_an_untouched_session(hello):
    @hello.post("/login")
    def login():
        erlen.session["user"] = "ada"
        erlen.session.permanent = True
        return "in"

    client = hello.test_client()
    client.set_cookie("tracking", "abc")
    with client:
        rv = client.get("/")
        assert request_ctx._session_obj is None  # never decoded
        assert "Set-Cookie" not in rv.headers

    # A permanent session cookie is still refreshed on a request that ignores it.
    client.post("/login")
    with client:
        rv = client.get("/")
        assert request_ctx._session_obj is not None
        assert rv.headers["Set-Cookie"].startswith("session=")


# Response headers replaced by another mapping (Flask-CORS does this in after_request).


def _replacements():
    return {
        "dict": lambda h: dict(h),
        "MultiDict": lambda h: MultiDict(list(h.items())),
        "list": lambda h: list(h.items()),
    }


@pytest.mark.parametrize("kind", ["dict", "MultiDict", "list"])
def test_headers_replaced_in_after_request(hello, kind):
    @hello.after_request
    def replace(response):
        new = _replacements()[kind](response.headers)
        if isinstance(new, list):
            new.append(("X-Replaced", kind))
        else:
            new["X-Replaced"] = kind
        response.headers = new
        return response

    rv = hello.test_client().get("/")
    assert rv.status_code == 200
    assert rv.text == "hello"
    assert rv.headers["X-Replaced"] == kind
    assert rv.headers["Content-Type"] == "text/html; charset=utf-8"
    assert rv.headers["Content-Length"] == "5"


@pytest.mark.parametrize("kind", ["dict", "MultiDict", "list"])
def test_headers_assignment_copies_into_headers(kind):
    response = erlen.Response("body")
    response.headers = _replacements()[kind]({"X-A": "1", "Content-Type": "text/plain"})
    assert isinstance(response.headers, Headers)
    assert response.headers["X-A"] == "1"
    response.headers.add("X-B", "2")
    assert response.get_wsgi_headers({"REQUEST_METHOD": "GET"})["Content-Length"] == "4"


def test_headers_object_is_kept_as_is():
    response = erlen.Response("body")
    headers = Headers({"X-A": "1"})
    response.headers = headers
    assert response.headers is headers
