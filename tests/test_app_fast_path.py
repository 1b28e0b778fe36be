"""The fused dispatch path and the lazily bound URL adapter behave like the generic path.

erlen runs Flask's dispatch methods fused (``Flask._dispatch_plain``) for app classes that
override none of them, and matches default-routing requests without binding a URL adapter.
These tests pin the cases where that could differ from calling each method in turn.
"""

from __future__ import annotations

import pytest

import erlen
from erlen import signals
from erlen.ctx import _LAZY
from erlen.globals import request_ctx
from erlen.routing import Rule


@pytest.fixture
def app():
    app = erlen.Flask(__name__)
    app.testing = True
    return app


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


def test_subclass_overriding_a_dispatch_method_takes_the_generic_path(app):
    calls = []

    class Traced(erlen.Flask):
        def make_response(self, rv):
            calls.append(rv)
            return super().make_response(rv)

    traced = Traced(__name__)

    @traced.route("/")
    def index():
        return "hi"

    assert traced.test_client().get("/").text == "hi"
    assert calls == ["hi"]


def test_adapter_is_bound_only_when_needed(app):
    seen = {}

    @app.route("/plain")
    def plain():
        seen["plain"] = request_ctx._url_adapter is _LAZY
        return "ok"

    @app.route("/link")
    def link():
        url = erlen.url_for("plain", _external=True)
        seen["link"] = request_ctx._url_adapter is not _LAZY
        return url

    client = app.test_client()
    client.get("/plain")
    assert seen["plain"] is True
    assert client.get("/link").text == "http://localhost/plain"
    assert seen["link"] is True


def test_lazy_adapter_still_redirects_and_answers_options(app):
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


@pytest.mark.parametrize("setting", ["SERVER_NAME", "subdomain_matching"])
def test_special_routing_binds_the_adapter_up_front(app, setting):
    if setting == "SERVER_NAME":
        app.config["SERVER_NAME"] = "example.test"
    else:
        app.subdomain_matching = True
        app.config["SERVER_NAME"] = "example.test"

    @app.route("/")
    def index():
        return str(request_ctx._url_adapter is _LAZY)

    assert app.test_client().get("/", "http://example.test/").text == "False"


def test_hooks_and_signals_registered_late_are_honoured(app):
    events = []

    @app.route("/")
    def index():
        return "ok"

    client = app.test_client()
    assert client.get("/").text == "ok"

    # Appended to the registries directly after the first request (the decorators refuse).
    app.teardown_request_funcs.setdefault(None, []).append(lambda exc: events.append("td"))
    app.teardown_appcontext_funcs.append(lambda exc: events.append("tdapp"))
    app.after_request_funcs.setdefault(None, []).append(
        lambda r: (events.append("after"), r)[1]
    )

    def started(sender, **kw):
        events.append("started")

    def finished(sender, response, **kw):
        events.append("finished")

    with signals.request_started.connected_to(started, app), signals.request_finished.connected_to(
        finished, app
    ):
        assert client.get("/").text == "ok"
    assert events == ["started", "after", "finished", "td", "tdapp"]


def test_async_view_on_fused_path(app):
    @app.route("/a")
    async def a():
        return {"path": erlen.request.path}

    assert app.test_client().get("/a").get_json() == {"path": "/a"}


def test_unrelated_cookies_do_not_open_an_untouched_session(app):
    app.secret_key = "k"

    @app.route("/")
    def index():
        return "ok"

    @app.post("/login")
    def login():
        erlen.session["user"] = "ada"
        erlen.session.permanent = True
        return "in"

    client = app.test_client()
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
