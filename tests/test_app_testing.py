"""The application's test tools: FlaskClient (cookies, redirects, bodies, preserved
contexts, session_transaction), the EnvironBuilder defaults from config, and FlaskCliRunner."""

from __future__ import annotations

import io

import click
import pytest

import erlen
from erlen.json.provider import DefaultJSONProvider
from erlen.testing import EnvironBuilder, FlaskClient, FlaskCliRunner


@pytest.fixture
def app():
    app = erlen.Flask("test_app_testing", root_path="/tmp")
    app.config.update(TESTING=True, SECRET_KEY="testing secret")
    return app


@pytest.fixture
def client(app):
    return app.test_client()


# -- client basics --------------------------------------------------------------------------


def test_client_class(app, client):
    assert isinstance(client, FlaskClient)
    assert client.application is app

    class MyClient(FlaskClient):
        marker = True

    app.test_client_class = MyClient
    assert isinstance(app.test_client(), MyClient)


def test_user_agent_and_remote_addr(app, client):
    @app.route("/")
    def index():
        return {"ua": erlen.request.user_agent.string, "addr": erlen.request.remote_addr}

    assert client.get("/").json == {"ua": f"erlen/{erlen.__version__}", "addr": "127.0.0.1"}
    rv = client.get("/", headers={"User-Agent": "custom/1.0"})
    assert rv.json["ua"] == "custom/1.0"
    rv = client.get("/", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert rv.json["addr"] == "10.0.0.1"


def test_environ_base_on_client(app, client):
    app.get("/")(lambda: erlen.request.environ.get("HTTP_X_TEST", "none"))
    client.environ_base["HTTP_X_TEST"] = "from base"
    assert client.get("/").text == "from base"


def test_cookie_persistence(app, client):
    @app.route("/set")
    def set_cookie():
        rv = erlen.make_response("set")
        rv.set_cookie("flavour", "oat")
        return rv

    @app.route("/get")
    def get_cookie():
        return erlen.request.cookies.get("flavour", "none")

    @app.route("/del")
    def del_cookie():
        rv = erlen.make_response("deleted")
        rv.delete_cookie("flavour")
        return rv

    assert client.get("/get").text == "none"
    client.get("/set")
    assert client.get_cookie("flavour").value == "oat"
    assert client.get("/get").text == "oat"
    client.get("/del")
    assert client.get_cookie("flavour") is None
    assert client.get("/get").text == "none"


def test_client_set_cookie(app, client):
    app.get("/")(lambda: erlen.request.cookies.get("k", "none"))
    client.set_cookie("k", "v")
    assert client.get("/").text == "v"
    client.delete_cookie("k")
    assert client.get("/").text == "none"


def test_no_cookies_client(app):
    client = app.test_client(use_cookies=False)

    @app.route("/set")
    def set_cookie():
        rv = erlen.make_response("set")
        rv.set_cookie("k", "v")
        return rv

    app.get("/get")(lambda: erlen.request.cookies.get("k", "none"))
    client.get("/set")
    assert client.get("/get").text == "none"


def test_follow_redirects_history(app, client):
    @app.route("/start")
    def start():
        return erlen.redirect(erlen.url_for("middle"))

    @app.route("/middle")
    def middle():
        return erlen.redirect(erlen.url_for("end"), 301)

    @app.route("/end")
    def end():
        return f"end {erlen.request.method}"

    rv = client.get("/start", follow_redirects=True)
    assert rv.text == "end GET"
    assert rv.request.path == "/end"
    assert [r.status_code for r in rv.history] == [302, 301]
    assert [r.request.path for r in rv.history] == ["/start", "/middle"]
    assert rv.history[0].location == "/middle"

    rv = client.get("/start")
    assert rv.status_code == 302
    assert rv.history == ()


def test_follow_redirects_method_rules(app, client):
    @app.route("/form", methods=["POST"])
    def form():
        return erlen.redirect("/target", erlen.request.args.get("code", 302, type=int))

    @app.route("/target", methods=["GET", "POST"])
    def target():
        return f"{erlen.request.method} {erlen.request.get_data(as_text=True)}"

    assert client.post("/form", data="body", follow_redirects=True).text == "GET "
    assert client.post("/form?code=307", data="body", follow_redirects=True).text == "POST body"
    assert client.post("/form?code=308", data="body", follow_redirects=True).text == "POST body"


def test_follow_redirect_keeps_cookies(app, client):
    @app.route("/login")
    def login():
        erlen.session["user"] = "ann"
        return erlen.redirect("/me")

    @app.route("/me")
    def me():
        return erlen.session.get("user", "anonymous")

    assert client.get("/login", follow_redirects=True).text == "ann"


def test_redirect_loop_detected(app, client):
    app.get("/loop")(lambda: erlen.redirect("/loop"))
    with pytest.raises(Exception, match="loop"):
        client.get("/loop", follow_redirects=True)


def test_json_request(app, client):
    @app.route("/echo", methods=["POST"])
    def echo():
        return {
            "mimetype": erlen.request.mimetype,
            "is_json": erlen.request.is_json,
            "data": erlen.request.get_json(),
        }

    rv = client.post("/echo", json={"b": [1, 2], "a": None})
    assert rv.json == {
        "mimetype": "application/json",
        "is_json": True,
        "data": {"b": [1, 2], "a": None},
    }
    assert rv.get_json() == rv.json


def test_json_request_uses_app_provider(app, client):
    @app.route("/raw", methods=["POST"])
    def raw():
        return erlen.request.get_data(as_text=True)

    import datetime

    rv = client.post("/raw", json={"b": 1, "a": datetime.date(2021, 3, 4)})
    # the default provider sorts keys and serializes dates
    assert rv.text == '{"a": "Thu, 04 Mar 2021 00:00:00 GMT", "b": 1}'
    app.json.sort_keys = False
    assert client.post("/raw", json={"b": 1, "a": 2}).text == '{"b": 1, "a": 2}'


def test_response_json_uses_app_provider(app, client):
    class Provider(DefaultJSONProvider):
        def loads(self, s, **kwargs):
            rv = super().loads(s, **kwargs)
            if isinstance(rv, dict):
                rv["decoded_by"] = "custom"
            return rv

    app.json = Provider(app)
    app.get("/")(lambda: {"a": 1})
    assert client.get("/").json == {"a": 1, "decoded_by": "custom"}


def test_form_data_and_files(app, client):
    @app.route("/upload", methods=["POST"])
    def upload():
        files = erlen.request.files
        return {
            "form": erlen.request.form.to_dict(flat=False),
            "files": {
                key: [(f.filename, f.content_type, f.read().decode()) for f in files.getlist(key)]
                for key in files
            },
        }

    rv = client.post(
        "/upload",
        data={
            "name": "ann",
            "tags": ["a", "b"],
            "doc": (io.BytesIO(b"file body"), "doc.txt"),
            "typed": (io.BytesIO(b"{}"), "x.json", "application/json"),
            "many": [(io.BytesIO(b"1"), "one.txt"), (io.BytesIO(b"2"), "two.txt")],
        },
    )
    assert rv.json == {
        "form": {"name": ["ann"], "tags": ["a", "b"]},
        "files": {
            "doc": [["doc.txt", "text/plain", "file body"]],
            "typed": [["x.json", "application/json", "{}"]],
            "many": [["one.txt", "text/plain", "1"], ["two.txt", "text/plain", "2"]],
        },
    }


def test_urlencoded_form(app, client):
    app.post("/f")(lambda: {"ct": erlen.request.mimetype, "form": erlen.request.form.to_dict()})
    rv = client.post("/f", data={"a": "1", "b": "x y"})
    assert rv.json == {"ct": "application/x-www-form-urlencoded", "form": {"a": "1", "b": "x y"}}


def test_query_string_forms(app, client):
    app.get("/q")(lambda: erlen.request.args.to_dict(flat=False))
    assert client.get("/q?a=1&a=2").json == {"a": ["1", "2"]}
    assert client.get("/q", query_string={"b": "é"}).json == {"b": ["é"]}
    assert client.get("/q", query_string="c=3").json == {"c": ["3"]}


# -- preserved contexts -----------------------------------------------------------------------


def test_with_client_preserves_context(app, client):
    @app.route("/")
    def index():
        erlen.g.value = "kept"
        erlen.session["who"] = "ann"
        return "ok"

    with client:
        client.get("/?x=1")
        assert erlen.request.args["x"] == "1"
        assert erlen.request.path == "/"
        assert erlen.g.value == "kept"
        assert erlen.session["who"] == "ann"
        assert erlen.current_app._get_current_object() is app

    assert not erlen.has_request_context()
    assert not erlen.has_app_context()


def test_with_client_next_request_replaces_context(app, client):
    app.get("/<n>")(lambda n: n)
    with client:
        client.get("/one")
        assert erlen.request.path == "/one"
        client.get("/two")
        assert erlen.request.path == "/two"
    assert not erlen.has_request_context()


def test_with_client_teardown_runs_on_exit(app, client):
    torn_down = []
    app.teardown_request(lambda exc: torn_down.append("request"))
    app.teardown_appcontext(lambda exc: torn_down.append("app"))
    app.get("/")(lambda: "")

    # As in Flask: teardown runs when the request ends; the preserved contexts are pushed
    # again for inspection, and popping them (next request, or leaving the block) tears
    # down again.
    with client:
        client.get("/")
        assert torn_down == ["request", "app"]
        assert erlen.has_request_context()
    assert torn_down == ["request", "app"] * 2


def test_without_with_no_context_remains(app, client):
    app.get("/")(lambda: "")
    client.get("/")
    assert not erlen.has_request_context()


def test_nested_with_client_fails(app, client):
    with client:
        with pytest.raises(RuntimeError, match="Cannot nest client invocations"):
            with client:
                pass


def test_with_client_preserves_context_after_error_response(app, client):
    @app.route("/")
    def index():
        erlen.g.before_abort = True
        erlen.abort(404)

    with client:
        assert client.get("/").status_code == 404
        assert erlen.g.before_abort is True


# -- session_transaction ---------------------------------------------------------------------


def test_session_transaction(app, client):
    @app.route("/")
    def index():
        return str(erlen.session.get("counter", "missing"))

    @app.route("/inc")
    def inc():
        erlen.session["counter"] = erlen.session.get("counter", 0) + 1
        return ""

    assert client.get("/").text == "missing"
    with client.session_transaction() as sess:
        assert len(sess) == 0
        sess["counter"] = 41
    client.get("/inc")
    assert client.get("/").text == "42"
    with client.session_transaction() as sess:
        assert sess["counter"] == 42
        del sess["counter"]
    assert client.get("/").text == "missing"


def test_session_transaction_not_saved_without_changes(app, client):
    with client.session_transaction() as sess:
        assert sess.modified is False
    assert client.get_cookie("session") is None


def test_session_transaction_needs_cookies(app):
    client = app.test_client(use_cookies=False)
    with pytest.raises(TypeError, match="Cookies are disabled"):
        with client.session_transaction():
            pass


def test_session_transaction_without_secret_key(app, client):
    app.secret_key = None
    with pytest.raises(RuntimeError, match="Session backend did not open a session"):
        with client.session_transaction():
            pass


def test_session_transaction_null_session(app, client):
    class NullInterface(erlen.sessions.SecureCookieSessionInterface):
        def open_session(self, app, request):
            return self.make_null_session(app)

    app.session_interface = NullInterface()
    with client.session_transaction() as sess:
        assert app.session_interface.is_null_session(sess)
    assert client.get_cookie("session") is None


def test_session_transaction_arguments(app, client):
    app.config["SESSION_COOKIE_PATH"] = "/scoped"

    @app.route("/scoped/read")
    def read():
        return erlen.session.get("k", "none")

    app.get("/other")(lambda: erlen.session.get("k", "none"))

    with client.session_transaction("/scoped/") as sess:
        sess["k"] = "v"
    assert client.get("/scoped/read").text == "v"
    assert client.get("/other").text == "none"


def test_session_transaction_does_not_leak_context(app, client):
    with client.session_transaction() as sess:
        sess["a"] = 1
    assert not erlen.has_request_context()
    assert not erlen.has_app_context()


# -- test_request_context / EnvironBuilder ------------------------------------------------


def test_test_request_context_defaults(app):
    with app.test_request_context():
        assert erlen.request.url == "http://localhost/"
        assert erlen.request.host == "localhost"
        assert erlen.request.scheme == "http"


def test_test_request_context_subdomain_scheme_base_url(app):
    app.config["SERVER_NAME"] = "example.test"
    with app.test_request_context("/p", subdomain="api"):
        assert erlen.request.url == "http://api.example.test/p"
    with app.test_request_context("/p", url_scheme="https"):
        assert erlen.request.url == "https://example.test/p"
    with app.test_request_context("/p", subdomain="x", url_scheme="https"):
        assert erlen.request.url == "https://x.example.test/p"
    with app.test_request_context("/p", base_url="http://other.test:8080/root"):
        assert erlen.request.url == "http://other.test:8080/root/p"
        assert erlen.request.script_root == "/root"


def test_base_url_conflicts_with_subdomain(app):
    with pytest.raises(
        AssertionError, match='Cannot pass "subdomain" or "url_scheme" with "base_url"'
    ):
        app.test_request_context(base_url="http://x.test", subdomain="a")
    with pytest.raises(
        AssertionError, match='Cannot pass "subdomain" or "url_scheme" with "base_url"'
    ):
        app.test_request_context(base_url="http://x.test", url_scheme="https")


def test_environ_builder_config_defaults(app):
    app.config.update(
        SERVER_NAME="example.test:8443", APPLICATION_ROOT="/app", PREFERRED_URL_SCHEME="https"
    )
    builder = EnvironBuilder(app, "/page?a=1")
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    assert environ["wsgi.url_scheme"] == "https"
    assert environ["HTTP_HOST"] == "example.test:8443"
    assert environ["SCRIPT_NAME"] == "/app"
    assert environ["PATH_INFO"] == "/page"
    assert environ["QUERY_STRING"] == "a=1"


def test_environ_builder_full_url_path(app):
    builder = EnvironBuilder(app, "https://full.test/x?y=2")
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    assert environ["wsgi.url_scheme"] == "https"
    assert environ["HTTP_HOST"] == "full.test"
    assert environ["PATH_INFO"] == "/x"
    assert environ["QUERY_STRING"] == "y=2"


def test_environ_builder_json_uses_app_provider(app):
    app.json.sort_keys = True
    builder = EnvironBuilder(app, json={"z": 1, "a": 2})
    try:
        request = builder.get_request()
        assert request.get_data() == b'{"a": 2, "z": 1}'
        assert request.mimetype == "application/json"
    finally:
        builder.close()
    assert builder.json_dumps({"b": 1, "a": 1}) == '{"a": 1, "b": 1}'


def test_client_with_app_root_and_server_name(app, client):
    app.config.update(SERVER_NAME="example.test", APPLICATION_ROOT="/root")

    @app.route("/where")
    def where():
        return f"{erlen.request.host} {erlen.request.script_root} {erlen.url_for('where')}"

    assert client.get("/where").text == "example.test /root /root/where"


def test_client_open_with_builder_and_environ(app, client):
    app.get("/b")(lambda: f"{erlen.request.host} {erlen.request.user_agent.string}")
    builder = EnvironBuilder(app, "/b", base_url="http://built.test")
    try:
        assert client.open(builder).text == f"built.test erlen/{erlen.__version__}"
        environ = builder.get_environ()
    finally:
        builder.close()
    assert client.open(environ).text == f"built.test erlen/{erlen.__version__}"


# -- CLI runner -----------------------------------------------------------------------------


def test_cli_runner(app):
    @app.cli.command("hello")
    @click.option("--name", default="World")
    def hello(name):
        click.echo(f"Hello {name} from {erlen.current_app.name}")

    runner = app.test_cli_runner()
    assert isinstance(runner, FlaskCliRunner)
    assert runner.app is app
    result = runner.invoke(args=["hello"])
    assert result.exit_code == 0
    assert result.output == "Hello World from test_app_testing\n"
    result = runner.invoke(args=["hello", "--name", "Ann"])
    assert result.output == "Hello Ann from test_app_testing\n"


def test_cli_runner_explicit_command(app):
    @app.cli.command("ctx")
    def ctx():
        click.echo(str(erlen.has_app_context()))

    @click.command()
    def standalone():
        click.echo("standalone")

    runner = app.test_cli_runner()
    assert runner.invoke(ctx).output == "True\n"
    assert runner.invoke(standalone).output == "standalone\n"


def test_cli_runner_error_exit_code(app):
    @app.cli.command("fail")
    def fail():
        raise click.ClickException("broken")

    result = app.test_cli_runner().invoke(args=["fail"])
    assert result.exit_code == 1
    assert "broken" in result.output


def test_cli_runner_class(app):
    class Runner(FlaskCliRunner):
        pass

    app.test_cli_runner_class = Runner
    runner = app.test_cli_runner()
    assert type(runner) is Runner
