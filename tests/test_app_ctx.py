"""Application and request contexts, context globals, streaming with context, lazy session."""

from __future__ import annotations

import threading

import flask
import pytest

import erlen
from erlen.ctx import _UNBOUND
from erlen.globals import _cv_app, _cv_request

NO_APP = "Working outside of application context."
NO_REQ = "Working outside of request context."


# -- proxies and their unbound messages ---------------------------------------------------


@pytest.mark.parametrize(
    ("proxy", "message"),
    [
        (erlen.current_app, NO_APP),
        (erlen.g, NO_APP),
        (erlen.request, NO_REQ),
        (erlen.session, NO_REQ),
    ],
    ids=["current_app", "g", "request", "session"],
)
def test_unbound_proxies(proxy, message):
    with pytest.raises(RuntimeError) as exc:
        proxy.anything  # noqa: B018
    assert str(exc.value).startswith(message)
    assert (
        str(exc.value)
        == {
            NO_APP: flask.globals._no_app_msg,
            NO_REQ: flask.globals._no_req_msg,
        }[message]
    )


def test_request_needs_request_context_even_with_app_context(app_ctx):
    assert erlen.current_app.name == "test_app_ctx"
    with pytest.raises(RuntimeError, match=NO_REQ):
        erlen.request.path  # noqa: B018


def test_proxies_bound_in_request(app, req_ctx):
    assert erlen.current_app._get_current_object() is app
    assert erlen.request._get_current_object() is req_ctx.request
    assert erlen.g._get_current_object() is _cv_app.get().g
    assert erlen.request.path == "/"


def test_has_context_functions(app):
    assert not erlen.has_app_context()
    assert not erlen.has_request_context()
    with app.app_context():
        assert erlen.has_app_context()
        assert not erlen.has_request_context()
    with app.test_request_context():
        assert erlen.has_app_context()
        assert erlen.has_request_context()
    assert not erlen.has_app_context()


# -- g ------------------------------------------------------------------------------------


def test_g_namespace(app_ctx):
    g = erlen.g
    assert "x" not in g
    g.x = 1
    assert "x" in g
    assert g.get("x") == 1
    assert g.get("y") is None
    assert g.get("y", 5) == 5
    assert g.setdefault("x", 9) == 1
    assert g.setdefault("z", 3) == 3
    assert g.z == 3
    assert sorted(g) == ["x", "z"]
    assert g.pop("x") == 1
    assert g.pop("x", "gone") == "gone"
    with pytest.raises(KeyError):
        g.pop("x")
    with pytest.raises(AttributeError):
        g.missing  # noqa: B018
    del g.z
    with pytest.raises(AttributeError):
        del g.z
    assert list(g) == []
    assert repr(g) == "<erlen.g of 'test_app_ctx'>"


def test_g_per_app_context(app):
    with app.app_context():
        erlen.g.value = "outer"
        with app.app_context():
            assert "value" not in erlen.g
            erlen.g.value = "inner"
        assert erlen.g.value == "outer"


def test_g_shared_between_request_and_pushed_app_context(app):
    with app.app_context():
        erlen.g.shared = 1
        with app.test_request_context():
            # The request reuses the active app context of the same app.
            assert erlen.g.shared == 1


def test_request_context_pushes_own_app_context_for_other_app(app):
    other = erlen.Flask("other")
    with app.app_context():
        erlen.g.mine = True
        with other.test_request_context():
            assert erlen.current_app._get_current_object() is other
            assert "mine" not in erlen.g
        assert erlen.current_app._get_current_object() is app


def test_nested_app_context_teardown_once(app):
    calls = []
    app.teardown_appcontext(calls.append)
    ctx = app.app_context()
    ctx.push()
    ctx.push()
    ctx.pop()
    assert calls == []
    ctx.pop()
    assert calls == [None]


def test_app_context_teardown_gets_exception(app):
    calls = []
    app.teardown_appcontext(calls.append)
    with pytest.raises(ValueError):
        with app.app_context():
            raise ValueError("in ctx")
    assert len(calls) == 1
    assert isinstance(calls[0], ValueError)


def test_popping_wrong_context(app):
    ctx1 = app.app_context()
    ctx2 = app.app_context()
    ctx1.push()
    ctx2.push()
    with pytest.raises(AssertionError, match="Popped wrong app context"):
        ctx1.pop()
    # As in Flask, the failed pop still resets to the state from before ctx1 was pushed.
    assert _cv_app.get(None) is None


def test_test_request_context_arguments(app):
    with app.test_request_context("/p/a?x=1", method="POST", data={"f": "v"}, headers={"X-H": "h"}):
        r = erlen.request
        assert r.method == "POST"
        assert r.path == "/p/a"
        assert r.args["x"] == "1"
        assert r.form["f"] == "v"
        assert r.headers["X-H"] == "h"
        assert r.url == "http://localhost/p/a?x=1"
    app.config["SERVER_NAME"] = "srv.test"
    with app.test_request_context("/", subdomain="api", url_scheme="https"):
        assert erlen.request.url == "https://api.srv.test/"


def test_request_context_teardown(app):
    calls = []
    app.teardown_request(calls.append)
    with app.test_request_context():
        assert calls == []
    assert calls == [None]


# -- copy_current_request_context and stream_with_context ---------------------------------


def test_copy_current_request_context_in_thread(app, client):
    results = {}

    @app.get("/")
    def view():
        erlen.g.x = "from view"

        @erlen.copy_current_request_context
        def work():
            results["path"] = erlen.request.path
            results["arg"] = erlen.request.args["a"]
            results["app"] = erlen.current_app.name
            results["thread"] = threading.current_thread().name

        th = threading.Thread(target=work, name="worker")
        th.start()
        th.join()
        return "ok"

    assert client.get("/?a=1").data == b"ok"
    assert results == {"path": "/", "arg": "1", "app": "test_app_ctx", "thread": "worker"}


def test_copy_current_request_context_session(app, client):
    seen = {}

    @app.get("/set")
    def set_():
        erlen.session["k"] = "v"
        return "set"

    @app.get("/read")
    def read():
        @erlen.copy_current_request_context
        def work():
            seen["k"] = erlen.session.get("k")

        th = threading.Thread(target=work)
        th.start()
        th.join()
        return "read"

    client.get("/set")
    client.get("/read")
    assert seen == {"k": "v"}


def test_copied_context_shares_unopened_session(app, client):
    # The view never touches the session before copying the context: the copy must still
    # share the request's session object, so what the thread stores is saved (as in Flask).
    @app.get("/")
    def view():
        @erlen.copy_current_request_context
        def work():
            erlen.session["from_thread"] = 1

        th = threading.Thread(target=work)
        th.start()
        th.join()
        return "ok"

    @app.get("/read")
    def read():
        return str(erlen.session.get("from_thread"))

    rv = client.get("/")
    assert rv.headers["Set-Cookie"].startswith("session=")
    assert client.get("/read").data == b"1"


def test_copied_context_outside_push_keeps_session_unopened(app):
    ctx = app.test_request_context()
    # Not pushed: copying must not open the session.
    assert ctx.copy()._session is None


def test_copy_current_request_context_outside_request():
    with pytest.raises(RuntimeError, match="'copy_current_request_context' can only be used"):
        erlen.copy_current_request_context(lambda: None)


def test_stream_with_context(app, client):
    @app.get("/")
    def view():
        def gen():
            yield "path=" + erlen.request.path
            yield ";arg=" + erlen.request.args["q"]
            yield ";g=" + erlen.g.value

        erlen.g.value = "gv"
        return erlen.stream_with_context(gen())

    rv = client.get("/?q=x", buffered=False)
    assert rv.get_data() == b"path=/;arg=x;g=gv"
    rv.close()


def test_stream_with_context_decorator(app, client):
    torn_down = []
    app.teardown_request(lambda e: torn_down.append(erlen.request.path))

    @app.get("/")
    def view():
        @erlen.stream_with_context
        def gen(prefix):
            yield prefix
            yield erlen.request.args["name"]
            # Teardown has not run yet: the context is kept for the generator. (Flask 3.1.3
            # runs teardown once before streaming and again after; erlen runs it once, after.)
            yield str(len(torn_down))

        return gen("hello ")

    rv = client.get("/?name=bob")
    assert rv.data == b"hello bob0"
    assert torn_down == ["/"]


def test_without_stream_with_context_request_is_gone(app):
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.get("/")
    def view():
        def gen():
            yield erlen.request.path

        return gen()

    # The client reads the first chunk, after the request context was popped.
    with pytest.raises(RuntimeError, match=NO_REQ):
        app.test_client().get("/")


def test_stream_with_context_outside_request():
    def gen():
        yield "x"

    with pytest.raises(RuntimeError, match="'stream_with_context' can only be used"):
        erlen.stream_with_context(gen())


def test_stream_with_context_closes_generator(app, client):
    closed = []

    @app.get("/")
    def view():
        def gen():
            try:
                yield "a"
                yield "b"
            finally:
                closed.append(True)

        return erlen.stream_with_context(gen())

    rv = client.get("/", buffered=False)
    it = iter(rv.response)
    assert next(it) == b"a"
    rv.close()
    assert closed == [True]
    assert _cv_request.get(None) is None


# -- lazy session -------------------------------------------------------------------------


def _session_app(module, secret="test key"):
    app = module.Flask("session_oracle", root_path="/tmp")
    app.config.update(TESTING=True, SECRET_KEY=secret)
    s = module.session

    @app.get("/untouched")
    def untouched():
        return "u"

    @app.get("/set")
    def set_():
        s["k"] = "v"
        return "set"

    @app.get("/set-permanent")
    def set_permanent():
        s.permanent = True
        s["k"] = "p"
        return "setp"

    @app.get("/in")
    def in_():
        return str("k" in s)

    @app.get("/len")
    def len_():
        return str(len(s))

    @app.get("/get")
    def get():
        return str(s.get("k"))

    @app.get("/iter")
    def iter_():
        return ",".join(s)

    return app


def _summary(rv):
    cookie = rv.headers.get("Set-Cookie")
    return {
        "status": rv.status_code,
        "body": rv.data,
        "set_cookie": cookie is not None,
        "expires": cookie is not None and "Expires=" in cookie,
        "vary": sorted(rv.vary),
    }


@pytest.mark.parametrize("path", ["/untouched", "/in", "/len", "/get", "/iter", "/set"])
def test_session_fresh_client_matches_flask(path):
    e = _session_app(erlen).test_client().get(path)
    f = _session_app(flask).test_client().get(path)
    assert _summary(e) == _summary(f)


def test_untouched_session_sends_nothing(app, client):
    app.get("/", endpoint="/")(lambda: "x")
    rv = client.get("/")
    assert "Set-Cookie" not in rv.headers
    assert "Vary" not in rv.headers


@pytest.mark.parametrize("path", ["/in", "/len", "/get", "/iter"])
def test_reading_session_adds_vary_cookie(path):
    rv = _session_app(erlen).test_client().get(path)
    assert "Cookie" in rv.vary
    assert "Set-Cookie" not in rv.headers


@pytest.mark.parametrize("first", ["/set", "/set-permanent"])
@pytest.mark.parametrize("path", ["/untouched", "/in", "/get", "/len", "/iter"])
def test_session_with_cookie_matches_flask(first, path):
    results = []
    for module in (erlen, flask):
        c = _session_app(module).test_client()
        c.get(first)
        results.append(_summary(c.get(path)))
    assert results[0] == results[1]


def test_permanent_session_refreshed_without_access():
    c = _session_app(erlen).test_client()
    c.get("/set-permanent")
    rv = c.get("/untouched")
    assert rv.data == b"u"
    cookie = rv.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "Expires=" in cookie
    assert "Cookie" in rv.vary
    # The refreshed cookie still carries the data.
    assert c.get("/get").data == b"p"


def test_permanent_session_not_refreshed_when_disabled():
    results = []
    for module in (erlen, flask):
        app = _session_app(module)
        app.config["SESSION_REFRESH_EACH_REQUEST"] = False
        c = app.test_client()
        c.get("/set-permanent")
        rv = c.get("/untouched")
        results.append(_summary(rv))
        assert "Set-Cookie" not in rv.headers
    assert results[0] == results[1]


def test_non_permanent_cookie_untouched_sends_nothing():
    c = _session_app(erlen).test_client()
    c.get("/set")
    rv = c.get("/untouched")
    assert "Set-Cookie" not in rv.headers
    assert "Vary" not in rv.headers


def test_unrelated_cookie_does_not_create_session():
    c = _session_app(erlen).test_client()
    c.set_cookie("other", "value")
    rv = c.get("/untouched")
    assert "Set-Cookie" not in rv.headers
    assert "Vary" not in rv.headers


def test_session_in_request_context(app):
    with app.test_request_context():
        assert erlen.session.get("x") is None
        erlen.session["x"] = 1
        assert erlen.session.modified
        assert erlen.session.accessed


def test_session_interface_set_after_requests_opens_at_push(app, client):
    """Laziness is remembered per app, and set back when ``session_interface`` is set:
    a custom interface (with side effects in ``open_session``) is opened at each push."""
    opened = []

    class Recording(erlen.sessions.SecureCookieSessionInterface):
        def open_session(self, app, request):
            opened.append(request.path)
            return super().open_session(app, request)

    @app.get("/<name>")
    def index(name):
        return name

    assert client.get("/a").text == "a"
    assert opened == []  # erlen's own interface: opened on first access only
    app.session_interface = Recording()
    assert client.get("/b").text == "b"
    assert client.get("/c").text == "c"
    assert opened == ["/b", "/c"]
    app.session_interface = erlen.sessions.SecureCookieSessionInterface()
    assert client.get("/d").text == "d"
    assert opened == ["/b", "/c"]


def test_no_secret_key_session_is_null(app):
    app.config["SECRET_KEY"] = None

    @app.get("/read")
    def read():
        return str(erlen.session.get("x"))

    @app.get("/write")
    def write():
        erlen.session["x"] = 1
        return "w"

    c = app.test_client()
    assert c.get("/read").data == b"None"
    with pytest.raises(RuntimeError, match="The session is unavailable because no secret key"):
        c.get("/write")


# -- the URL adapter, bound on first use ----------------------------------------------------


class _EagerBinding(erlen.Flask):
    """Binds the URL map when the request context is made, as Flask does (an overridden
    create_url_adapter is always called at once)."""

    def create_url_adapter(self, request):
        self.bound = getattr(self, "bound", 0) + 1
        return super().create_url_adapter(request)


def _routing_app(cls):
    app = cls(__name__)
    app.url_map.merge_slashes = True

    @app.route("/plain", methods=["GET", "POST"])
    def plain():
        return "plain"

    @app.route("/branch/")
    def branch():
        return "branch"

    @app.route("/user/<int:uid>")
    def user(uid):
        return f"user {uid}"

    @app.route("/page/", defaults={"n": 1})
    @app.route("/page/<int:n>")
    def page(n):
        return f"page {n}"

    app.add_url_rule("/old/<int:n>", "old", redirect_to="/page/<n>")

    @app.route("/ws-only", websocket=True)
    def ws_only():
        return "ws"

    return app


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/plain", {}),
        ("POST", "/plain", {}),
        ("PUT", "/plain", {}),
        ("GET", "/branch", {}),
        ("GET", "/branch/", {}),
        ("GET", "/branch//", {}),
        ("GET", "/user//7", {}),
        ("GET", "/user/7", {}),
        ("GET", "/user/x", {}),
        ("GET", "/page/1", {}),
        ("GET", "/page/", {}),
        ("GET", "/old/3", {}),
        ("GET", "/missing", {}),
        ("OPTIONS", "/plain", {}),
        ("GET", "/ws-only", {}),
        ("GET", "/plain", {"Host": "a..b"}),
        ("GET", "/branch?q=1", {"Host": "Example.TEST:8080"}),
    ],
)
def test_routing_answers_as_an_adapter_bound_at_once(method, path, headers):
    lazy, eager = _routing_app(erlen.Flask), _routing_app(_EagerBinding)
    answers = []
    for app in (lazy, eager):
        rv = app.test_client().open(path, method=method, headers=headers)
        answers.append(
            (rv.status_code, rv.headers.get("Location"), rv.headers.get("Allow"), rv.data)
        )
    assert answers[0] == answers[1]
    assert eager.bound == 1


def test_url_adapter_is_bound_on_first_use_only(app):
    @app.route("/a")
    def a():
        return erlen.url_for("a", _external=True)

    with app.test_request_context("/a") as ctx:
        assert vars(ctx)["_adapter"] is _UNBOUND  # matched without it
        adapter = ctx.url_adapter
        assert isinstance(adapter, erlen.routing.MapAdapter)
        assert ctx.url_adapter is adapter
        assert erlen.request.url_rule.rule == "/a"
    assert app.test_client().get("/a").text == "http://localhost/a"


def test_url_adapter_assigned_before_push_matches(app):
    @app.route("/a")
    def a():
        return "a"

    @app.route("/b")
    def b():
        return "b"

    ctx = app.test_request_context("/a")
    ctx.url_adapter = app.url_map.bind("localhost", path_info="/b")
    with ctx:
        assert erlen.request.endpoint == "b"
    ctx = app.test_request_context("/a")
    ctx.url_adapter = None
    with ctx:
        assert erlen.request.url_rule is None
        assert erlen.request.routing_exception is None


@pytest.mark.parametrize(
    "config",
    [{"SERVER_NAME": "example.test"}, {"TRUSTED_HOSTS": ["example.test"]}],
    ids=["server_name", "trusted_hosts"],
)
def test_configured_binding_happens_at_once(app, config):
    app.config.update(config)
    calls = []
    app.create_url_adapter = lambda request, orig=app.create_url_adapter: (
        calls.append(request) or orig(request)
    )
    ctx = app.test_request_context("/", "http://example.test/")
    assert calls == [ctx.request]
    assert vars(ctx)["_adapter"].server_name == "example.test"


def test_untrusted_host_is_refused_before_matching(app):
    app.config["TRUSTED_HOSTS"] = ["good.test"]

    @app.route("/")
    def index():
        return "ok"

    client = app.test_client()
    assert client.get("/", "http://good.test/").status_code == 200
    assert client.get("/", "http://evil.test/").status_code == 400
    assert client.get("/", "http://good.test/").status_code == 200


# -- the app context a request pushes -------------------------------------------------------


def test_each_request_has_its_own_app_context(app, client):
    events = []
    app.teardown_appcontext(lambda exc: events.append("teardown"))

    @app.route("/set")
    def set_g():
        assert "x" not in erlen.g
        erlen.g.x = erlen.request.args["x"]
        return erlen.g.x

    with (
        erlen.appcontext_pushed.connected_to(lambda s, **kw: events.append("pushed"), app),
        erlen.appcontext_popped.connected_to(lambda s, **kw: events.append("popped"), app),
    ):
        assert client.get("/set?x=1").text == "1"
        assert client.get("/set?x=2").text == "2"
    assert events == ["pushed", "teardown", "popped"] * 2
    assert not erlen.has_app_context()


def test_request_inside_app_context_shares_its_g(app):
    torn_down = []
    app.teardown_appcontext(torn_down.append)
    with app.app_context() as app_ctx:
        erlen.g.x = 1
        with app.test_request_context("/"):
            assert _cv_app.get() is app_ctx
            assert erlen.g.x == 1
            erlen.g.y = 2
        assert torn_down == []
        assert erlen.g.y == 2
    assert torn_down == [None]


class _TaggedAppContext(erlen.ctx.AppContext):
    pass


class _TaggingApp(erlen.Flask):
    def app_context(self):
        return _TaggedAppContext(self)


def test_overridden_app_context_is_pushed_by_requests(tmp_path):
    app = _TaggingApp(__name__, root_path=str(tmp_path))

    @app.route("/")
    def index():
        return type(_cv_app.get()).__name__

    client = app.test_client()
    assert client.get("/").text == "_TaggedAppContext"
    assert client.get("/").text == "_TaggedAppContext"


def test_app_context_patched_after_first_request_is_used(app, client):
    @app.route("/")
    def index():
        return type(_cv_app.get()).__name__

    client.get("/")
    app.app_context = lambda: _TaggedAppContext(app)
    assert client.get("/").text == "_TaggedAppContext"


def test_request_context_pushed_again_under_another_app(app):
    other = erlen.Flask("other")
    with app.test_request_context("/") as ctx:
        erlen.g.x = "first"
        with other.app_context():
            assert erlen.current_app._get_current_object() is other
            with ctx:
                assert erlen.current_app._get_current_object() is app
                assert erlen.request._get_current_object() is ctx.request
            assert erlen.current_app._get_current_object() is other
        assert erlen.current_app._get_current_object() is app
        assert erlen.g.x == "first"
    assert not erlen.has_app_context()
