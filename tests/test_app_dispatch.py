"""Dispatch core of the application: view return values, hooks, signals, routing in the app."""

from __future__ import annotations

import pytest

import erlen
from erlen import signals
from erlen.datastructures import Headers
from erlen.routing import BuildError
from erlen.test import EnvironBuilder
from erlen.views import MethodView, View

# -- return values ------------------------------------------------------------------------


def test_return_str(app, client):
    app.get("/", endpoint="/")(lambda: "héllo")
    rv = client.get("/")
    assert rv.status_code == 200
    assert rv.data == "héllo".encode()
    assert rv.mimetype == "text/html"
    assert rv.headers["Content-Type"] == "text/html; charset=utf-8"


def test_return_bytes_and_bytearray(app, client):
    app.get("/b", endpoint="/b")(lambda: b"\x00\xffraw")
    app.get("/ba", endpoint="/ba")(lambda: bytearray(b"arr"))
    assert client.get("/b").data == b"\x00\xffraw"
    assert client.get("/ba").data == b"arr"


def test_return_dict_and_list_are_json(app, client):
    app.get("/d", endpoint="/d")(lambda: {"a": 1, "b": [1, 2]})
    app.get("/l", endpoint="/l")(lambda: [1, "x", None])
    rv = client.get("/d")
    assert rv.mimetype == "application/json"
    assert rv.json == {"a": 1, "b": [1, 2]}
    rv = client.get("/l")
    assert rv.mimetype == "application/json"
    assert rv.json == [1, "x", None]


def test_return_tuple_body_status(app, client):
    app.get("/int", endpoint="/int")(lambda: ("created", 201))
    app.get("/str", endpoint="/str")(lambda: ("teapot", "418 I'M A TEAPOT"))
    app.get("/strcode", endpoint="/strcode")(lambda: ("gone", "410"))
    app.get("/json", endpoint="/json")(lambda: ({"ok": False}, 400))
    rv = client.get("/int")
    assert (rv.status_code, rv.data) == (201, b"created")
    assert rv.status == "201 CREATED"
    rv = client.get("/str")
    assert rv.status_code == 418
    assert rv.status == "418 I'M A TEAPOT"
    rv = client.get("/strcode")
    assert rv.status_code == 410
    rv = client.get("/json")
    assert rv.status_code == 400
    assert rv.json == {"ok": False}


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Foo": "bar"},
        [("X-Foo", "bar")],
        Headers({"X-Foo": "bar"}),
    ],
    ids=["dict", "list", "Headers"],
)
def test_return_tuple_body_headers(app, client, headers):
    app.get("/", endpoint="/")(lambda: ("body", headers))
    rv = client.get("/")
    assert rv.status_code == 200
    assert rv.headers["X-Foo"] == "bar"
    assert rv.data == b"body"


def test_return_tuple_body_status_headers(app, client, interface):
    app.get("/a", endpoint="/a")(lambda: ("body", 202, {"X-A": "1"}))
    app.get("/b", endpoint="/b")(lambda: ("body", "203 WHATEVER", [("X-B", "2"), ("X-B", "3")]))
    app.get("/c", endpoint="/c")(
        lambda: (erlen.Response("r", status=500), 201, Headers([("X-C", "c")]))
    )
    rv = client.get("/a")
    assert (rv.status_code, rv.headers["X-A"]) == (202, "1")
    rv = client.get("/b")
    # ASGI carries the status code only, not a reason phrase.
    assert rv.status == (
        "203 WHATEVER" if interface == "wsgi" else "203 NON AUTHORITATIVE INFORMATION"
    )
    assert rv.headers.getlist("X-B") == ["2", "3"]
    rv = client.get("/c")
    assert (rv.status_code, rv.headers["X-C"], rv.data) == (201, "c", b"r")


def test_tuple_headers_extend_response_headers(app, client):
    @app.get("/")
    def view():
        resp = erlen.Response("x", headers={"X-Keep": "1"})
        return resp, {"X-Add": "2", "Content-Type": "text/plain"}

    rv = client.get("/")
    assert rv.headers["X-Keep"] == "1"
    assert rv.headers["X-Add"] == "2"
    # headers.update replaces the content type rather than adding a second one
    assert rv.headers.getlist("Content-Type") == ["text/plain"]


def test_return_response_object(app, client):
    resp = erlen.Response("made", status=299, mimetype="text/plain")
    app.get("/", endpoint="/")(lambda: resp)
    rv = client.get("/")
    assert (rv.status_code, rv.data, rv.mimetype) == (299, b"made", "text/plain")


def test_return_base_response_is_converted(app, client):
    from erlen.wrappers.response import Response as BaseResponse

    app.get("/", endpoint="/")(lambda: BaseResponse("base", status=203))
    rv = client.get("/")
    assert rv.status_code == 203
    assert rv.data == b"base"


def test_generator_is_streamed_lazily(app):
    consumed = []

    def gen():
        for chunk in ("a", "b", "c"):
            consumed.append(chunk)
            yield chunk

    app.get("/", endpoint="/")(lambda: gen())
    started = []
    environ = EnvironBuilder("/").get_environ()
    app_iter = app(environ, lambda status, headers, exc_info=None: started.append(status))
    # The view has returned and the response started, but no chunk was produced yet.
    assert started == ["200 OK"]
    assert consumed == []
    it = iter(app_iter)
    assert next(it) == b"a"
    assert consumed == ["a"]
    assert b"".join(it) == b"bc"
    assert consumed == ["a", "b", "c"]
    app_iter.close()


def test_generator_streamed_through_client(app, client):
    consumed = []

    def gen():
        for chunk in ("a", "b", "c"):
            consumed.append(chunk)
            yield chunk

    app.get("/", endpoint="/")(lambda: gen())
    rv = client.get("/", buffered=False)
    # The client reads until the response has started, at most the first chunk.
    assert consumed in ([], ["a"])
    assert rv.get_data() == b"abc"
    assert consumed == ["a", "b", "c"]
    rv.close()


def test_iterator_with_status_and_headers(app, client):
    app.get("/", endpoint="/")(lambda: (iter([b"x", b"y"]), 206, {"X-It": "1"}))
    rv = client.get("/")
    assert (rv.status_code, rv.data, rv.headers["X-It"]) == (206, b"xy", "1")


def test_return_wsgi_callable(app, client):
    def wsgi(environ, start_response):
        start_response("207 MULTI", [("Content-Type", "text/x-wsgi"), ("X-W", "w")])
        return [b"from ", environ["PATH_INFO"].encode()]

    app.get("/w", endpoint="/w")(lambda: wsgi)
    rv = client.get("/w")
    assert rv.status_code == 207
    assert rv.mimetype == "text/x-wsgi"
    assert rv.headers["X-W"] == "w"
    assert rv.data == b"from /w"


def test_return_none_is_type_error(app, client):
    @app.get("/")
    def nothing():
        pass

    with pytest.raises(TypeError) as exc:
        client.get("/")
    msg = str(exc.value)
    assert "The view function for 'nothing' did not return a valid response." in msg
    assert "returned None or ended without a return statement" in msg


def test_return_none_in_tuple_is_type_error(app, client):
    app.get("/", endpoint="ep")(lambda: (None, 200))
    with pytest.raises(TypeError, match="The view function for 'ep' did not return"):
        client.get("/")


@pytest.mark.parametrize("rv", [(), ("a",), ("a", 200, {}, "extra")])
def test_invalid_tuple_length(app, client, rv):
    app.get("/", endpoint="/")(lambda: rv)
    with pytest.raises(TypeError, match=r"did not return a valid response tuple"):
        client.get("/")


@pytest.mark.parametrize("rv", [42, 1.5, object(), {1, 2}])
def test_invalid_return_type(app, client, rv):
    app.get("/", endpoint="/")(lambda: rv)
    with pytest.raises(TypeError) as exc:
        client.get("/")
    assert "The return type must be a string, dict, list, tuple with headers or status" in str(
        exc.value
    )
    assert f"but it was a {type(rv).__name__}" in str(exc.value)


def test_invalid_return_type_answers_500_when_not_propagating(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.get("/", endpoint="/")(lambda: 42)
    app.get("/ok", endpoint="/ok")(lambda: "ok")
    app.logger.disabled = True
    rv = client.get("/")
    assert rv.status_code == 500
    assert client.get("/ok").data == b"ok"


def test_make_response_helper_forms(app):
    with app.test_request_context():
        rv = erlen.make_response()
        assert isinstance(rv, erlen.Response)
        assert (rv.status_code, rv.data) == (200, b"")

        rv = erlen.make_response("text")
        assert rv.data == b"text"

        rv = erlen.make_response("text", 404)
        assert (rv.status_code, rv.data) == (404, b"text")

        rv = erlen.make_response("text", 201, {"X-A": "a"})
        assert (rv.status_code, rv.headers["X-A"]) == (201, "a")

        rv = erlen.make_response(("tuple", 202))
        assert rv.status_code == 202

        rv = erlen.make_response({"k": "v"}, 400)
        assert (rv.status_code, rv.json) == (400, {"k": "v"})

        rv = erlen.make_response(["l"])
        assert rv.json == ["l"]

        resp = erlen.Response("same")
        assert erlen.make_response(resp) is resp

        rv = erlen.make_response(iter([b"g", b"h"]))
        assert rv.get_data() == b"gh"


def test_make_response_outside_app_context_raises():
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        erlen.make_response("x")


def test_app_make_response_custom_response_class(app, client):
    class MyResponse(erlen.Response):
        pass

    app.response_class = MyResponse
    app.get("/s", endpoint="/s")(lambda: "s")
    app.get("/r", endpoint="/r")(lambda: erlen.Response("r"))
    with app.test_request_context():
        assert type(app.make_response("s")) is MyResponse
        assert type(app.make_response(erlen.Response("r"))) is MyResponse
        assert type(app.make_response({"a": 1})) is MyResponse


# -- hooks --------------------------------------------------------------------------------


def test_hook_order(app, client):
    calls = []

    @app.before_request
    def before1():
        calls.append("before1")

    @app.before_request
    def before2():
        calls.append("before2")

    @app.after_request
    def after1(resp):
        calls.append("after1")
        return resp

    @app.after_request
    def after2(resp):
        calls.append("after2")
        return resp

    @app.teardown_request
    def teardown1(exc):
        calls.append(("teardown1", exc))

    @app.teardown_request
    def teardown2(exc):
        calls.append(("teardown2", exc))

    @app.teardown_appcontext
    def teardown_app(exc):
        calls.append(("teardown_app", exc))

    @app.get("/")
    def view():
        calls.append("view")

        @erlen.after_this_request
        def this(resp):
            calls.append("this")
            resp.headers["X-This"] = "1"
            return resp

        return "ok"

    rv = client.get("/")
    assert rv.headers["X-This"] == "1"
    assert calls == [
        "before1",
        "before2",
        "view",
        "this",
        "after2",
        "after1",
        ("teardown2", None),
        ("teardown1", None),
        ("teardown_app", None),
    ]


def test_before_request_short_circuits(app, client):
    calls = []

    @app.before_request
    def first():
        calls.append("first")
        return "intercepted", 403

    @app.before_request
    def second():
        calls.append("second")

    @app.after_request
    def after(resp):
        calls.append("after")
        resp.headers["X-After"] = "yes"
        return resp

    @app.get("/")
    def view():
        calls.append("view")
        return "view"

    rv = client.get("/")
    assert (rv.status_code, rv.data) == (403, b"intercepted")
    assert rv.headers["X-After"] == "yes"
    assert calls == ["first", "after"]


def test_after_request_replaces_response(app, client):
    @app.after_request
    def replace(resp):
        return erlen.Response("replaced:" + resp.get_data(as_text=True), status=202)

    app.get("/", endpoint="/")(lambda: "orig")
    rv = client.get("/")
    assert (rv.status_code, rv.data) == (202, b"replaced:orig")


def test_after_this_request_outside_request():
    with pytest.raises(RuntimeError, match="'after_this_request' can only be used"):
        erlen.after_this_request(lambda r: r)


def test_teardown_receives_exception_and_always_runs(app, client):
    seen = []
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.logger.disabled = True

    @app.teardown_request
    def td(exc):
        seen.append(("request", exc))

    @app.teardown_appcontext
    def td_app(exc):
        seen.append(("app", exc))

    @app.get("/boom")
    def boom():
        raise ValueError("boom")

    rv = client.get("/boom")
    assert rv.status_code == 500
    assert [kind for kind, _ in seen] == ["request", "app"]
    assert all(isinstance(exc, ValueError) and str(exc) == "boom" for _, exc in seen)


def test_teardown_runs_when_exception_propagates(app, client):
    seen = []

    @app.teardown_request
    def td(exc):
        seen.append(exc)

    @app.get("/")
    def boom():
        raise KeyError("k")

    with pytest.raises(KeyError):
        client.get("/")
    assert len(seen) == 1
    assert isinstance(seen[0], KeyError)


def test_teardown_gets_none_for_handled_http_exception(app, client):
    seen = []
    app.teardown_request(seen.append)

    @app.get("/")
    def view():
        erlen.abort(404)

    assert client.get("/").status_code == 404
    assert seen == [None]


def test_after_request_not_run_on_unhandled_error_but_teardown_is(app, client):
    calls = []
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.logger.disabled = True

    @app.after_request
    def after(resp):
        calls.append(("after", resp.status_code))
        return resp

    app.teardown_request(lambda e: calls.append(("teardown", type(e).__name__)))

    @app.get("/")
    def view():
        raise RuntimeError("x")

    assert client.get("/").status_code == 500
    # Flask finalizes the 500 response through process_response too.
    assert calls == [("after", 500), ("teardown", "RuntimeError")]


def test_url_value_preprocessor_and_defaults(app, client):
    @app.url_defaults
    def add_lang(endpoint, values):
        if "lang" in values or not app.url_map.is_endpoint_expecting(endpoint, "lang"):
            return
        values["lang"] = erlen.g.lang

    @app.url_value_preprocessor
    def pull_lang(endpoint, values):
        erlen.g.lang = values.pop("lang", None)

    @app.get("/<lang>/page")
    def page():
        return erlen.url_for("page") + " " + erlen.g.lang

    rv = client.get("/de/page")
    assert rv.data == b"/de/page de"
    with app.test_request_context():
        erlen.g.lang = "fr"
        assert erlen.url_for("page") == "/fr/page"
        assert erlen.url_for("page", lang="it") == "/it/page"


def test_url_value_preprocessor_runs_before_before_request(app, client):
    calls = []
    app.url_value_preprocessor(lambda ep, values: calls.append(("uvp", ep, dict(values))))
    app.before_request(lambda: calls.append("before"))
    app.get("/x/<int:n>", endpoint="/x/<int:n>")(lambda n: str(n))
    assert client.get("/x/5").data == b"5"
    assert calls == [("uvp", "/x/<int:n>", {"n": 5}), "before"]


def test_blueprint_hooks_order(app, client):
    calls = []
    bp = erlen.Blueprint("bp", __name__)
    app.before_request(lambda: calls.append("app-before"))
    bp.before_request(lambda: calls.append("bp-before"))

    def app_after(r):
        calls.append("app-after")
        return r

    def bp_after(r):
        calls.append("bp-after")
        return r

    app.after_request(app_after)
    bp.after_request(bp_after)
    app.teardown_request(lambda e: calls.append("app-teardown"))
    bp.teardown_request(lambda e: calls.append("bp-teardown"))
    bp.get("/")(lambda: calls.append("view") or "v")
    app.register_blueprint(bp, url_prefix="/bp")

    assert client.get("/bp/").data == b"v"
    assert calls == [
        "app-before",
        "bp-before",
        "view",
        "bp-after",
        "app-after",
        "bp-teardown",
        "app-teardown",
    ]


def test_setup_method_after_first_request(app, client):
    app.get("/", endpoint="/")(lambda: "ok")
    client.get("/")
    with pytest.raises(AssertionError) as exc:
        app.add_url_rule("/late", "late", lambda: "late")
    assert str(exc.value).startswith(
        "The setup method 'add_url_rule' can no longer be called on the application."
        " It has already handled its first request, any changes will not be applied"
        " consistently.\nMake sure all imports, decorators, functions, etc. needed to set"
        " up the application are done before running it."
    )
    with pytest.raises(AssertionError, match="The setup method 'before_request'"):
        app.before_request(lambda: None)
    with pytest.raises(AssertionError, match="The setup method 'errorhandler'"):
        app.errorhandler(404)
    with pytest.raises(AssertionError, match="The setup method 'teardown_appcontext'"):
        app.teardown_appcontext(lambda e: None)


# -- signals ------------------------------------------------------------------------------


def test_request_signals_received(app, client):
    received = []

    def started(sender, **kw):
        received.append(("started", sender, erlen.request.path))

    def finished(sender, response, **kw):
        received.append(("finished", sender, response.status_code))

    def tearing_down(sender, exc, **kw):
        received.append(("tearing_down", sender, exc))

    def exception(sender, exception, **kw):
        received.append(("exception", sender, type(exception)))

    app.get("/ok", endpoint="/ok")(lambda: "ok")

    @app.get("/fail")
    def fail():
        raise ZeroDivisionError

    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.logger.disabled = True
    with (
        signals.request_started.connected_to(started, app),
        signals.request_finished.connected_to(finished, app),
        signals.request_tearing_down.connected_to(tearing_down, app),
        signals.got_request_exception.connected_to(exception, app),
    ):
        client.get("/ok")
        assert received == [
            ("started", app, "/ok"),
            ("finished", app, 200),
            ("tearing_down", app, None),
        ]
        received.clear()
        assert client.get("/fail").status_code == 500
        assert [r[0] for r in received] == ["started", "exception", "finished", "tearing_down"]
        assert received[1][2] is ZeroDivisionError
        assert isinstance(received[3][2], ZeroDivisionError)

    received.clear()
    client.get("/ok")
    assert received == []


def test_appcontext_signals(app):
    received = []
    with (
        signals.appcontext_pushed.connected_to(lambda s, **kw: received.append("pushed"), app),
        signals.appcontext_popped.connected_to(lambda s, **kw: received.append("popped"), app),
        signals.appcontext_tearing_down.connected_to(
            lambda s, exc=None, **kw: received.append(("teardown", exc)), app
        ),
    ):
        with app.app_context():
            assert received == ["pushed"]
    assert received == ["pushed", ("teardown", None), "popped"]


def test_template_signals(app, client):
    received = []

    def before(sender, template, context, **kw):
        received.append(("before", template.name, context["x"]))

    def rendered(sender, template, context, **kw):
        received.append(("rendered", template.name, context["x"]))

    app.get("/", endpoint="/")(lambda: erlen.render_template_string("{{ x }}!", x=3))
    with (
        signals.before_render_template.connected_to(before, app),
        signals.template_rendered.connected_to(rendered, app),
    ):
        assert client.get("/").data == b"3!"
    assert received == [("before", None, 3), ("rendered", None, 3)]


def test_no_signal_sent_without_receivers(app, client, monkeypatch):
    def fail(*a, **kw):
        raise AssertionError("signal sent without receivers")

    for sig in (
        signals.request_started,
        signals.request_finished,
        signals.request_tearing_down,
        signals.appcontext_pushed,
        signals.appcontext_popped,
        signals.appcontext_tearing_down,
    ):
        assert not sig.receivers
        monkeypatch.setattr(sig, "send", fail)
    app.get("/", endpoint="/")(lambda: "ok")
    assert client.get("/").data == b"ok"


# -- routing in the app -------------------------------------------------------------------


def test_automatic_options(app, client):
    app.route("/", methods=["GET", "POST"])(lambda: "x")
    rv = client.options("/")
    assert rv.status_code == 200
    assert rv.data == b""
    assert sorted(rv.allow) == ["GET", "HEAD", "OPTIONS", "POST"]


def test_automatic_options_disabled(app, client):
    app.add_url_rule("/", "a", lambda: "a", provide_automatic_options=False)

    def custom():
        return "custom options"

    custom.provide_automatic_options = False
    custom.methods = ["GET", "OPTIONS"]
    app.add_url_rule("/c", "c", custom)
    rv = client.options("/")
    assert rv.status_code == 405
    assert "OPTIONS" not in rv.allow
    rv = client.options("/c")
    assert rv.data == b"custom options"


def test_automatic_options_config_off(app, client):
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    app.get("/", endpoint="/")(lambda: "x")
    assert client.options("/").status_code == 405


def test_head_implied_by_get(app, client):
    calls = []

    @app.get("/")
    def view():
        calls.append(erlen.request.method)
        return "body text", {"X-H": "h"}

    rv = client.head("/")
    assert rv.status_code == 200
    assert rv.data == b""
    assert rv.headers["X-H"] == "h"
    assert rv.headers["Content-Length"] == str(len(b"body text"))
    assert calls == ["HEAD"]


def test_method_not_allowed(app, client):
    app.route("/", methods=["POST", "PUT"])(lambda: "x")
    rv = client.get("/")
    assert rv.status_code == 405
    assert sorted(rv.allow) == ["OPTIONS", "POST", "PUT"]
    assert client.delete("/").status_code == 405
    assert client.post("/").data == b"x"


def test_strict_slashes_redirect(app, client):
    app.get("/dir/", endpoint="/dir/")(lambda: "dir")
    app.get("/file", endpoint="/file")(lambda: "file")
    rv = client.get("/dir?q=1")
    assert rv.status_code == 308
    assert rv.headers["Location"] == "http://localhost/dir/?q=1"
    rv = client.get("/dir", follow_redirects=True)
    assert rv.data == b"dir"
    assert client.get("/file/").status_code == 404


def test_redirect_not_given_to_error_handlers(app, client):
    handled = []

    @app.errorhandler(Exception)
    def any_error(e):
        handled.append(e)
        return "handled", 599

    app.get("/dir/", endpoint="/dir/")(lambda: "dir")
    assert client.get("/dir").status_code == 308
    assert handled == []


def test_methods_from_view_class(app, client):
    class Items(MethodView):
        def get(self):
            return "get"

        def post(self):
            return "post"

    app.add_url_rule("/items", view_func=Items.as_view("items"))

    class Plain(View):
        methods = ["PATCH"]

        def dispatch_request(self):
            return "patched"

    app.add_url_rule("/plain", view_func=Plain.as_view("plain"))
    assert client.get("/items").data == b"get"
    assert client.post("/items").data == b"post"
    rv = client.put("/items")
    assert rv.status_code == 405
    assert sorted(rv.allow) == ["GET", "HEAD", "OPTIONS", "POST"]
    assert client.patch("/plain").data == b"patched"
    assert client.get("/plain").status_code == 405


def test_methods_as_string_rejected(app):
    with pytest.raises(TypeError, match="Allowed methods must be a list of strings"):
        app.route("/", methods="POST")(lambda: "x")


def test_overwriting_endpoint_rejected(app):
    app.add_url_rule("/a", "same", lambda: "a")
    with pytest.raises(AssertionError, match="overwriting an existing endpoint function: same"):
        app.add_url_rule("/b", "same", lambda: "b")


def test_request_routing_attributes(app, client):
    bp = erlen.Blueprint("outer", __name__)
    inner = erlen.Blueprint("inner", __name__)

    def info(**kw):
        r = erlen.request
        return {
            "endpoint": r.endpoint,
            "blueprint": r.blueprint,
            "blueprints": r.blueprints,
            "rule": r.url_rule.rule,
            "view_args": r.view_args,
        }

    inner.add_url_rule("/<int:id>", "leaf", info)
    bp.register_blueprint(inner, url_prefix="/in")
    app.register_blueprint(bp, url_prefix="/out")
    app.add_url_rule("/top/<name>", "top", info)

    assert client.get("/out/in/7").json == {
        "endpoint": "outer.inner.leaf",
        "blueprint": "outer.inner",
        "blueprints": ["outer.inner", "outer"],
        "rule": "/out/in/<int:id>",
        "view_args": {"id": 7},
    }
    assert client.get("/top/x").json == {
        "endpoint": "top",
        "blueprint": None,
        "blueprints": [],
        "rule": "/top/<name>",
        "view_args": {"name": "x"},
    }


def test_request_routing_attributes_on_404(app):
    with app.test_request_context("/missing"):
        r = erlen.request
        assert r.url_rule is None
        assert r.endpoint is None
        assert r.blueprint is None
        assert r.blueprints == []
        assert r.view_args is None
        assert r.routing_exception.code == 404


def test_url_for_in_request(app):
    app.get("/user/<name>", endpoint="user")(lambda name: name)
    app.add_url_rule("/m", "m", lambda: "", methods=["POST"])
    app.add_url_rule("/m2", "m", methods=["GET"])
    with app.test_request_context("/"):
        assert erlen.url_for("user", name="bob") == "/user/bob"
        assert erlen.url_for("user", name="a b", q="x") == "/user/a%20b?q=x"
        assert erlen.url_for("user", name="b", _external=True) == "http://localhost/user/b"
        assert erlen.url_for("user", name="b", _scheme="https") == "https://localhost/user/b"
        assert erlen.url_for("user", name="b", _anchor="x y") == "/user/b#x%20y"
        assert erlen.url_for("m", _method="POST") == "/m"
        assert erlen.url_for("m", _method="GET") == "/m2"
        with pytest.raises(ValueError, match="When specifying '_scheme', '_external' must be"):
            erlen.url_for("user", name="b", _scheme="https", _external=False)


def test_url_for_blueprint_relative(app):
    bp = erlen.Blueprint("bp", __name__)
    bp.get("/x")(lambda: "")
    bp.add_url_rule("/y", "y", lambda: "")
    app.add_url_rule("/y", "y", lambda: "")
    app.register_blueprint(bp, url_prefix="/bp")
    with app.test_request_context("/bp/x"):
        assert erlen.url_for(".y") == "/bp/y"
        assert erlen.url_for("y") == "/y"
    with app.test_request_context("/y"):
        assert erlen.url_for(".y") == "/y"


def test_url_for_outside_request(app):
    app.get("/p", endpoint="/p")(lambda: "")
    with app.app_context():
        with pytest.raises(RuntimeError, match="Unable to build URLs outside an active request"):
            erlen.url_for("/p")
    app.config.update(SERVER_NAME="example.org", PREFERRED_URL_SCHEME="https")
    with app.app_context():
        assert erlen.url_for("/p") == "https://example.org/p"
        assert erlen.url_for("/p", _external=False) == "/p"
    app.config["APPLICATION_ROOT"] = "/root"
    with app.app_context():
        assert erlen.url_for("/p") == "https://example.org/root/p"
    # Outside any context, app.url_for still works with SERVER_NAME.
    assert app.url_for("/p", _scheme="http") == "http://example.org/root/p"


def test_url_for_outside_app_context():
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        erlen.url_for("x")


def test_url_build_error_handlers(app):
    seen = []

    def fallback(error, endpoint, values):
        seen.append((type(error), endpoint, values.get("x")))
        if endpoint == "ext":
            return "https://ext.example/" + values["x"]
        return None

    app.url_build_error_handlers.append(fallback)
    with app.test_request_context():
        assert erlen.url_for("ext", x="1") == "https://ext.example/1"
        with pytest.raises(BuildError):
            erlen.url_for("nope", x="2")
    assert seen == [(BuildError, "ext", "1"), (BuildError, "nope", "2")]


def test_url_build_error_handler_raising_new_error(app):
    def handler(error, endpoint, values):
        raise BuildError(endpoint + "-2", values, None)

    app.url_build_error_handlers.append(handler)
    with app.test_request_context():
        with pytest.raises(BuildError) as exc:
            erlen.url_for("missing")
    assert exc.value.endpoint == "missing-2"


def test_subdomain_matching(client):
    app = erlen.Flask(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"
    app.get("/", subdomain="<user>", endpoint="sub")(lambda user: "user " + user)
    app.get("/", endpoint="/")(lambda: "root")
    c = app.test_client()
    assert c.get("/").data == b"root"
    assert c.get("/", subdomain="alice").data == b"user alice"
    assert c.get("/", "http://bob.example.test/").data == b"user bob"
    with app.test_request_context():
        assert erlen.url_for("sub", user="eve") == "http://eve.example.test/"


def test_subdomain_ignored_without_subdomain_matching():
    app = erlen.Flask(__name__)
    app.config["SERVER_NAME"] = "example.test"
    app.get("/", endpoint="/")(lambda: "root")
    c = app.test_client()
    assert c.get("/").data == b"root"
    # Flask 3.1: without subdomain_matching, SERVER_NAME does not restrict the host.
    assert c.get("/", "http://other.example.test/").data == b"root"
    assert c.get("/", "http://unrelated.invalid/").data == b"root"


def test_host_matching():
    app = erlen.Flask(__name__, host_matching=True, static_host="static.test")
    app.get("/", host="a.test")(lambda: "a")
    app.add_url_rule("/", "b", lambda: "b", host="b.test")
    app.add_url_rule("/", "h", lambda host: host, host="<host>.dyn")
    c = app.test_client()
    assert c.get("/", "http://a.test/").data == b"a"
    assert c.get("/", "http://b.test/").data == b"b"
    assert c.get("/", "http://xyz.dyn/").data == b"xyz"
    assert c.get("/", "http://c.test/").status_code == 404
    with app.test_request_context("/", "http://a.test/"):
        assert erlen.url_for("b") == "http://b.test/"
        assert erlen.url_for("static", filename="x") == "http://static.test/static/x"


def test_static_host_requires_host_matching():
    with pytest.raises(AssertionError, match="Invalid static_host/host_matching combination"):
        erlen.Flask(__name__, static_host="s.test")


def test_static_route(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "hello.txt").write_text("static hello")
    app = erlen.Flask(__name__, root_path=str(tmp_path))
    c = app.test_client()
    rv = c.get("/static/hello.txt")
    assert rv.status_code == 200
    assert rv.data == b"static hello"
    assert rv.mimetype == "text/plain"
    rv.close()
    assert c.get("/static/missing.txt").status_code == 404
    assert c.get("/static/../hello.txt").status_code == 404
    with app.test_request_context():
        assert erlen.url_for("static", filename="hello.txt") == "/static/hello.txt"


def test_static_url_path_and_no_static_folder(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "a.css").write_text("body{}")
    app = erlen.Flask(
        __name__, root_path=str(tmp_path), static_folder="assets", static_url_path="/s"
    )
    rv = app.test_client().get("/s/a.css")
    assert (rv.status_code, rv.mimetype) == (200, "text/css")
    rv.close()

    app2 = erlen.Flask(__name__, root_path=str(tmp_path), static_folder=None)
    assert "static" not in app2.view_functions
    assert app2.test_client().get("/static/a.css").status_code == 404


def test_rules_added_to_url_map_directly(app, client):
    from erlen.routing import Rule, Submount

    app.url_map.add(Submount("/sub", [Rule("/a", endpoint="a"), Rule("/", endpoint="idx")]))
    app.url_map.add(Rule("/get-only", endpoint="get_only", methods=["GET"]))

    @app.endpoint("a")
    def a():
        return "a " + erlen.request.method

    app.endpoint("idx")(lambda: "idx")
    app.endpoint("get_only")(lambda: "get")
    assert client.get("/sub/").data == b"idx"
    assert client.get("/sub/a").data == b"a GET"
    # No methods given: every method reaches the view, OPTIONS included.
    assert client.options("/sub/a").data == b"a OPTIONS"
    # Such a rule has no automatic OPTIONS.
    assert client.options("/get-only").status_code == 405


def test_werkzeug_rules_in_erlen_map(app, client):
    from werkzeug.routing import Rule, Submount

    app.url_map.add(Submount("/wz", [Rule("/bar", endpoint="bar")]))
    app.endpoint("bar")(lambda: "bar")
    assert client.get("/wz/bar").data == b"bar"
    assert client.post("/wz/bar").data == b"bar"
