"""Blueprints registered on an application: prefixes, subdomains, nesting, names, static and
template folders, deferred setup, hooks, handlers, app-wide variants and CLI groups."""

from __future__ import annotations

import io
import os

import click
import pytest

import erlen
from erlen import Blueprint
from erlen.blueprints import BlueprintSetupState
from erlen.exceptions import NotFound

SITE = os.path.join(os.path.dirname(__file__), "apps", "site")
BP_ROOT = os.path.join(SITE, "bp")


@pytest.fixture
def app():
    app = erlen.Flask("test_app_blueprints", root_path=SITE)
    app.config.update(TESTING=True, SECRET_KEY="bp secret")
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def endpoints(app):
    return {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()}


# -- prefixes and names -------------------------------------------------------------------


def test_routes_get_prefix_and_dotted_endpoint(app, client):
    bp = Blueprint("shop", __name__, url_prefix="/shop")

    @bp.route("/")
    def index():
        return f"index {erlen.request.blueprint} {erlen.request.endpoint}"

    @bp.route("/item/<int:n>")
    def item(n):
        return erlen.url_for(".item", n=n + 1)

    app.register_blueprint(bp)
    assert endpoints(app)["/shop/"] == "shop.index"
    assert client.get("/shop/").text == "index shop shop.index"
    assert client.get("/shop/item/1").text == "/shop/item/2"
    assert client.get("/item/1").status_code == 404
    assert app.blueprints == {"shop": bp}


@pytest.mark.parametrize(
    ("bp_prefix", "reg_prefix", "rule", "expected"),
    [
        (None, None, "/x", "/x"),
        ("/bp", None, "/x", "/bp/x"),
        ("/bp/", None, "/x", "/bp/x"),
        ("/bp", None, "x", "/bp/x"),
        ("/bp", "/reg", "/x", "/reg/x"),
        (None, "/reg/", "/x", "/reg/x"),
        ("/bp", "/reg", "", "/reg"),
        ("/bp", "", "/x", "/x"),
        ("/bp", "/", "/x", "/x"),
    ],
)
def test_url_prefix_combinations(app, bp_prefix, reg_prefix, rule, expected):
    bp = Blueprint("bp", __name__, url_prefix=bp_prefix)
    bp.add_url_rule(rule, "view", lambda: "v")
    options = {} if reg_prefix is None else {"url_prefix": reg_prefix}
    app.register_blueprint(bp, **options)
    assert endpoints(app)[expected] == "bp.view"


def test_registration_url_prefix_override_serves(app, client):
    bp = Blueprint("api", __name__, url_prefix="/api")
    bp.get("/ping")(lambda: "pong")
    app.register_blueprint(bp, url_prefix="/v2")
    assert client.get("/v2/ping").text == "pong"
    assert client.get("/api/ping").status_code == 404


def test_register_twice_with_different_names(app, client):
    bp = Blueprint("pages", __name__)

    @bp.route("/p")
    def page():
        return f"{erlen.request.blueprint}:{erlen.url_for('.page')}"

    app.register_blueprint(bp, url_prefix="/a")
    app.register_blueprint(bp, url_prefix="/b", name="pages_b")
    assert client.get("/a/p").text == "pages:/a/p"
    assert client.get("/b/p").text == "pages_b:/b/p"
    assert set(app.blueprints) == {"pages", "pages_b"}
    assert app.blueprints["pages_b"] is bp
    with app.test_request_context():
        assert erlen.url_for("pages_b.page") == "/b/p"


def test_register_same_name_twice_fails(app):
    bp = Blueprint("dup", __name__)
    bp.get("/")(lambda: "")
    app.register_blueprint(bp)
    with pytest.raises(ValueError) as exc_info:
        app.register_blueprint(bp)
    assert str(exc_info.value) == (
        "The name 'dup' is already registered for this blueprint."
        " Use 'name=' to provide a unique name."
    )


def test_different_blueprint_same_name_fails(app):
    app.register_blueprint(Blueprint("dup", __name__))
    with pytest.raises(ValueError) as exc_info:
        app.register_blueprint(Blueprint("dup", __name__))
    assert str(exc_info.value) == (
        "The name 'dup' is already registered for a different blueprint."
        " Use 'name=' to provide a unique name."
    )


def test_nested_duplicate_name_mentions_full_name(app):
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)
    parent.register_blueprint(child)
    parent.register_blueprint(child)
    with pytest.raises(ValueError) as exc_info:
        app.register_blueprint(parent)
    assert str(exc_info.value) == (
        "The name 'child' is already registered for this blueprint"
        " 'parent.child'. Use 'name=' to provide a unique name."
    )


@pytest.mark.parametrize("name", ["a.b", ".a", "a."])
def test_dotted_blueprint_name_rejected(name):
    with pytest.raises(ValueError, match=r"'name' may not contain a dot '\.' character\."):
        Blueprint(name, __name__)


def test_empty_blueprint_name_rejected():
    with pytest.raises(ValueError, match="'name' may not be empty."):
        Blueprint("", __name__)


def test_dotted_endpoint_and_view_name_rejected():
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="'endpoint' may not contain a dot"):
        bp.add_url_rule("/", "a.b", lambda: "")

    def view():
        return ""

    view.__name__ = "a.b"
    with pytest.raises(ValueError, match="'view_func' name may not contain a dot"):
        bp.add_url_rule("/", view_func=view)
    with pytest.raises(ValueError, match="'view_func' name may not contain a dot"):
        bp.route("/")(view)


def test_register_blueprint_on_itself_rejected():
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="Cannot register a blueprint on itself"):
        bp.register_blueprint(bp)


def test_setup_after_registration_fails(app):
    bp = Blueprint("late", __name__)
    app.register_blueprint(bp)
    with pytest.raises(AssertionError) as exc_info:
        bp.route("/late")(lambda: "")
    assert str(exc_info.value) == (
        "The setup method 'route' can no longer be called on the blueprint"
        " 'late'. It has already been registered at least once, any changes"
        " will not be applied consistently.\n"
        "Make sure all imports, decorators, functions, etc. needed to set up"
        " the blueprint are done before registering it."
    )
    for call in [
        lambda: bp.before_request(lambda: None),
        lambda: bp.errorhandler(404),
        lambda: bp.record(lambda s: None),
        lambda: bp.app_template_filter(),
        lambda: bp.register_blueprint(Blueprint("child", __name__)),
    ]:
        with pytest.raises(AssertionError, match="can no longer be called on the blueprint"):
            call()


def test_endpoint_decorator(app, client):
    bp = Blueprint("bp", __name__)
    bp.add_url_rule("/e", "thing")

    # Like Flask, the name is used as given: a blueprint's view needs its full endpoint.
    @bp.endpoint("bp.thing")
    def thing():
        return "thing"

    assert bp.view_functions == {"bp.thing": thing}
    app.register_blueprint(bp)
    assert app.view_functions["bp.thing"] is thing
    assert client.get("/e").text == "thing"


def test_blueprint_repr_and_defaults():
    bp = Blueprint("bp", __name__)
    assert repr(bp) == "<Blueprint 'bp'>"
    assert bp.url_prefix is None
    assert bp.subdomain is None
    assert bp.has_static_folder is False
    assert bp.jinja_loader is None
    assert bp.root_path == os.path.dirname(os.path.abspath(__file__))


# -- subdomains ---------------------------------------------------------------------------


def test_subdomain(app, client):
    app.config["SERVER_NAME"] = "example.test"
    app.subdomain_matching = True
    bp = Blueprint("api", __name__, subdomain="api")
    bp.get("/")(lambda: "api root")
    app.get("/")(lambda: "main root")
    app.register_blueprint(bp)

    assert client.get("/", base_url="http://example.test/").text == "main root"
    assert client.get("/", base_url="http://api.example.test/").text == "api root"
    assert client.get("/", subdomain="api").text == "api root"
    with app.app_context():
        assert erlen.url_for("api.<lambda>") == "http://api.example.test/"


def test_subdomain_registration_override(app, client):
    app.config["SERVER_NAME"] = "example.test"
    app.subdomain_matching = True
    bp = Blueprint("bp", __name__, subdomain="one")
    bp.get("/")(lambda: "bp")
    app.register_blueprint(bp, subdomain="two")
    assert client.get("/", subdomain="two").text == "bp"
    assert client.get("/", subdomain="one").status_code == 404


def test_route_subdomain_option_wins(app, client):
    app.config["SERVER_NAME"] = "example.test"
    app.subdomain_matching = True
    bp = Blueprint("bp", __name__, subdomain="bp")
    bp.get("/", subdomain="other")(lambda: "other")
    app.register_blueprint(bp)
    assert client.get("/", subdomain="other").text == "other"


def test_nested_subdomains_combine(app, client):
    app.config["SERVER_NAME"] = "example.test"
    app.subdomain_matching = True
    parent = Blueprint("parent", __name__, subdomain="parent")
    child = Blueprint("child", __name__, subdomain="child")
    child.get("/")(lambda: "child")
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert client.get("/", subdomain="child.parent").text == "child"
    with app.app_context():
        assert erlen.url_for("parent.child.<lambda>") == "http://child.parent.example.test/"


def test_nested_subdomain_inherited(app, client):
    app.config["SERVER_NAME"] = "example.test"
    app.subdomain_matching = True
    parent = Blueprint("parent", __name__, subdomain="parent")
    child = Blueprint("child", __name__)
    child.get("/c")(lambda: "c")
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert client.get("/c", subdomain="parent").text == "c"


# -- url defaults -------------------------------------------------------------------------


def test_url_defaults_option(app, client):
    bp = Blueprint("bp", __name__, url_defaults={"lang": "en"})

    @bp.route("/page")
    def page(lang):
        return lang

    @bp.route("/other", defaults={"lang": "fr", "extra": 1})
    def other(lang, extra):
        return f"{lang}{extra}"

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="de", url_prefix="/de", url_defaults={"lang": "de"})
    assert client.get("/page").text == "en"
    assert client.get("/other").text == "fr1"
    assert client.get("/de/page").text == "de"
    with app.test_request_context():
        assert erlen.url_for("bp.page") == "/page"
        assert erlen.url_for("de.page") == "/de/page"


def test_setup_state():
    app = erlen.Flask("state", root_path=SITE)
    bp = Blueprint("bp", __name__, url_prefix="/bp", subdomain="sub", url_defaults={"a": 1})
    state = bp.make_setup_state(app, {"url_defaults": {"b": 2}}, first_registration=True)
    assert isinstance(state, BlueprintSetupState)
    assert state.app is app
    assert state.blueprint is bp
    assert state.first_registration is True
    assert state.url_prefix == "/bp"
    assert state.subdomain == "sub"
    assert state.name == "bp"
    assert state.name_prefix == ""
    assert state.url_defaults == {"a": 1, "b": 2}
    # the blueprint's defaults are not modified
    assert bp.url_values_defaults == {"a": 1}

    state = bp.make_setup_state(
        app, {"url_prefix": "/o", "subdomain": "s2", "name": "n", "name_prefix": "p"}
    )
    assert (state.url_prefix, state.subdomain, state.name, state.name_prefix) == (
        "/o",
        "s2",
        "n",
        "p",
    )
    assert state.first_registration is False


def test_setup_state_add_url_rule(app, client):
    bp = Blueprint("bp", __name__, url_prefix="/pre")

    @bp.record
    def add(state):
        state.add_url_rule("/direct", "direct", lambda: "direct")
        state.add_url_rule("", "root", lambda: "root")

    app.register_blueprint(bp)
    assert endpoints(app)["/pre/direct"] == "bp.direct"
    assert endpoints(app)["/pre"] == "bp.root"
    assert client.get("/pre/direct").text == "direct"


# -- nesting ------------------------------------------------------------------------------


def test_nested_blueprints(app, client):
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")
    grandchild = Blueprint("grandchild", __name__, url_prefix="/gc")

    @parent.route("/")
    def parent_index():
        return "parent"

    @child.route("/")
    def child_index():
        return f"{erlen.request.blueprint}|{erlen.request.blueprints}"

    @grandchild.route("/")
    def gc_index():
        return erlen.url_for(".gc_index") + " " + erlen.url_for("parent.parent_index")

    child.register_blueprint(grandchild)
    parent.register_blueprint(child)
    app.register_blueprint(parent)

    assert client.get("/parent/").text == "parent"
    assert client.get("/parent/child/").text == "parent.child|['parent.child', 'parent']"
    assert client.get("/parent/child/gc/").text == "/parent/child/gc/ /parent/"
    assert set(app.blueprints) == {"parent", "parent.child", "parent.child.grandchild"}
    assert endpoints(app)["/parent/child/gc/"] == "parent.child.grandchild.gc_index"


@pytest.mark.parametrize(
    ("parent_prefix", "child_prefix", "reg_child_prefix", "expected"),
    [
        ("/parent", "/child", None, "/parent/child/x"),
        ("/parent/", "/child/", None, "/parent/child/x"),
        ("/parent", None, None, "/parent/x"),
        (None, "/child", None, "/child/x"),
        ("/parent", "/child", "/reg", "/parent/reg/x"),
        ("/parent", None, "/reg", "/parent/reg/x"),
    ],
)
def test_nested_prefixes(app, parent_prefix, child_prefix, reg_child_prefix, expected):
    parent = Blueprint("parent", __name__, url_prefix=parent_prefix)
    child = Blueprint("child", __name__, url_prefix=child_prefix)
    child.add_url_rule("/x", "x", lambda: "")
    options = {} if reg_child_prefix is None else {"url_prefix": reg_child_prefix}
    parent.register_blueprint(child, **options)
    app.register_blueprint(parent)
    assert endpoints(app)[expected] == "parent.child.x"


def test_nested_registered_twice_under_parent_names(app, client):
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__, url_prefix="/child")
    child.get("/")(lambda: erlen.request.blueprint)
    parent.register_blueprint(child)
    app.register_blueprint(parent, url_prefix="/one")
    app.register_blueprint(parent, url_prefix="/two", name="alt")
    assert client.get("/one/child/").text == "parent.child"
    assert client.get("/two/child/").text == "alt.child"
    assert "alt.child" in app.blueprints


def test_nested_child_registered_twice_with_name(app, client):
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__)
    child.get("/c")(lambda: erlen.request.blueprint)
    parent.register_blueprint(child, url_prefix="/a")
    parent.register_blueprint(child, url_prefix="/b", name="child2")
    app.register_blueprint(parent)
    assert client.get("/p/a/c").text == "parent.child"
    assert client.get("/p/b/c").text == "parent.child2"


def test_nested_hooks_order(app, client):
    calls = []
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__, url_prefix="/c")

    app.before_request(lambda: calls.append("app before"))
    parent.before_request(lambda: calls.append("parent before"))
    child.before_request(lambda: calls.append("child before"))

    def after(name):
        def func(response):
            calls.append(f"{name} after")
            return response

        return func

    app.after_request(after("app"))
    parent.after_request(after("parent"))
    child.after_request(after("child"))
    app.teardown_request(lambda e: calls.append("app teardown"))
    parent.teardown_request(lambda e: calls.append("parent teardown"))
    child.teardown_request(lambda e: calls.append("child teardown"))

    child.get("/")(lambda: calls.append("view") or "ok")
    parent.register_blueprint(child)
    app.register_blueprint(parent)

    assert client.get("/p/c/").text == "ok"
    assert calls == [
        "app before",
        "parent before",
        "child before",
        "view",
        "child after",
        "parent after",
        "app after",
        "child teardown",
        "parent teardown",
        "app teardown",
    ]


def test_nested_error_handler_lookup(app, client):
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__, url_prefix="/c")
    grandchild = Blueprint("grandchild", __name__, url_prefix="/g")

    @parent.errorhandler(403)
    def parent_403(e):
        return "parent handler", 403

    @child.errorhandler(403)
    def child_403(e):
        return "child handler", 403

    @app.errorhandler(403)
    def app_403(e):
        return "app handler", 403

    grandchild.get("/")(lambda: erlen.abort(403))
    child.get("/")(lambda: erlen.abort(403))
    parent.get("/")(lambda: erlen.abort(403))
    app.get("/")(lambda: erlen.abort(403))
    child.register_blueprint(grandchild)
    parent.register_blueprint(child)
    app.register_blueprint(parent)

    assert client.get("/p/c/g/").text == "child handler"
    assert client.get("/p/c/").text == "child handler"
    assert client.get("/p/").text == "parent handler"
    assert client.get("/").text == "app handler"


def test_nested_url_defaults_and_preprocessors(app, client):
    parent = Blueprint("parent", __name__, url_prefix="/<lang>")
    child = Blueprint("child", __name__, url_prefix="/docs")

    @parent.url_value_preprocessor
    def pull_lang(endpoint, values):
        erlen.g.lang = values.pop("lang")

    @parent.url_defaults
    def add_lang(endpoint, values):
        values.setdefault("lang", erlen.g.lang)

    @child.route("/<page>")
    def doc(page):
        return f"{erlen.g.lang}:{page}:{erlen.url_for('.doc', page='next')}"

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert client.get("/de/docs/intro").text == "de:intro:/de/docs/next"


# -- static folders -----------------------------------------------------------------------


def test_blueprint_static_folder(app, client):
    bp = Blueprint("bp", __name__, root_path=BP_ROOT, static_folder="static", url_prefix="/bp")
    app.register_blueprint(bp)
    assert bp.has_static_folder
    assert bp.static_folder == os.path.join(BP_ROOT, "static")
    assert bp.static_url_path == "/static"

    rv = client.get("/bp/static/bp.css")
    assert rv.status_code == 200
    assert rv.data == b".bp { color: red; }\n"
    assert rv.mimetype == "text/css"
    rv.close()
    assert client.get("/bp/static/missing.css").status_code == 404
    with app.test_request_context():
        assert erlen.url_for("bp.static", filename="bp.css") == "/bp/static/bp.css"


def test_blueprint_static_url_path(app, client):
    bp = Blueprint(
        "bp", __name__, root_path=BP_ROOT, static_folder="static", static_url_path="/assets/"
    )
    app.register_blueprint(bp, url_prefix="/x")
    assert bp.static_url_path == "/assets"
    rv = client.get("/x/assets/bp.css")
    assert rv.status_code == 200
    rv.close()
    with app.test_request_context():
        assert erlen.url_for("bp.static", filename="bp.css") == "/x/assets/bp.css"


def test_blueprint_without_prefix_static_shadowed_by_app(app, client):
    # Without a prefix the blueprint's static route equals the app's; the app's wins.
    bp = Blueprint("bp", __name__, root_path=BP_ROOT, static_folder="static")
    app.register_blueprint(bp)
    rv = client.get("/static/hello.txt")
    assert rv.data == b"Hello static\n"
    rv.close()
    assert client.get("/static/bp.css").status_code == 404


def test_blueprint_send_static_file_and_max_age(app):
    bp = Blueprint("bp", __name__, root_path=BP_ROOT, static_folder="static")
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 123
    with app.test_request_context():
        rv = bp.send_static_file("bp.css")
        assert rv.cache_control.max_age == 123
        assert rv.cache_control.public is True
        rv.close()
        with pytest.raises(NotFound):
            bp.send_static_file("../templates/shared.html")
    no_static = Blueprint("none", __name__)
    with app.test_request_context(), pytest.raises(RuntimeError, match="static_folder"):
        no_static.send_static_file("x")


def test_blueprint_open_resource():
    bp = Blueprint("bp", __name__, root_path=BP_ROOT)
    with bp.open_resource("static/bp.css") as f:
        assert f.read() == b".bp { color: red; }\n"
    with bp.open_resource("static/bp.css", "r", encoding="utf-8") as f:
        assert f.read() == ".bp { color: red; }\n"
    with pytest.raises(ValueError, match="Resources can only be opened for reading"):
        bp.open_resource("static/bp.css", "w")


def test_blueprint_open_resource_text_defaults_to_utf8(monkeypatch):
    # Like Flask, a blueprint decodes text resources as UTF-8 whatever the locale says.
    from erlen import scaffold

    calls = []

    def fake_open(path, mode, encoding=None):
        calls.append((path, mode, encoding))
        return io.StringIO("x")

    monkeypatch.setattr(scaffold, "open", fake_open, raising=False)
    bp = Blueprint("bp", __name__, root_path=BP_ROOT)
    bp.open_resource("static/bp.css", "r")
    bp.open_resource("static/bp.css", "rt", encoding="latin-1")
    assert calls == [
        (os.path.join(BP_ROOT, "static/bp.css"), "r", "utf-8"),
        (os.path.join(BP_ROOT, "static/bp.css"), "rt", "latin-1"),
    ]


# -- templates ----------------------------------------------------------------------------


def test_blueprint_templates(app, client):
    bp = Blueprint("admin", __name__, root_path=BP_ROOT, template_folder="templates")

    @bp.route("/admin")
    def admin():
        return erlen.render_template("admin/index.html", who="root")

    @bp.route("/shared")
    def shared():
        return erlen.render_template("shared.html")

    app.register_blueprint(bp)
    assert client.get("/admin").text == "admin root"
    # the app's template folder is searched first
    assert client.get("/shared").text == "app shared"


def test_blueprint_template_used_when_app_has_none(client):
    app = erlen.Flask("notemplates", root_path=SITE, template_folder=None)
    bp = Blueprint("admin", __name__, root_path=BP_ROOT, template_folder="templates")
    app.register_blueprint(bp)
    with app.app_context():
        assert erlen.render_template("shared.html") == "blueprint shared"


def test_earlier_blueprint_templates_win():
    app = erlen.Flask("order", root_path=SITE, template_folder=None)
    first = Blueprint("first", __name__, root_path=BP_ROOT, template_folder="templates")
    second = Blueprint("second", __name__, root_path=SITE, template_folder="templates")
    app.register_blueprint(first)
    app.register_blueprint(second)
    with app.app_context():
        assert erlen.render_template("shared.html") == "blueprint shared"
        assert erlen.render_template("hello.html", name="b") == "Hello b!"


# -- deferred functions -------------------------------------------------------------------


def test_record_and_record_once(app):
    seen = []
    bp = Blueprint("bp", __name__)

    @bp.record
    def every(state):
        seen.append(("every", state.name, state.first_registration, state.app is app))

    def once(state):
        seen.append(("once", state.name, state.first_registration))

    bp.record_once(once)
    assert len(bp.deferred_functions) == 2
    assert bp.deferred_functions[1].__name__ == "once"

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="again")
    assert seen == [
        ("every", "bp", True, True),
        ("once", "bp", True),
        ("every", "again", False, True),
    ]

    other = erlen.Flask("other", root_path=SITE)
    other.register_blueprint(bp)
    assert seen[-2:] == [("every", "bp", True, False), ("once", "bp", True)]


def test_record_receives_options(app):
    received = {}
    bp = Blueprint("bp", __name__)
    bp.record(lambda state: received.update(state.options))
    app.register_blueprint(bp, url_prefix="/x", custom_option=42)
    assert received == {"url_prefix": "/x", "custom_option": 42}


# -- hooks --------------------------------------------------------------------------------


def test_blueprint_hooks_only_for_own_requests(app, client):
    calls = []
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.before_request
    def before():
        calls.append(("before", erlen.request.path))

    @bp.after_request
    def after(response):
        response.headers["X-BP"] = "yes"
        return response

    @bp.teardown_request
    def teardown(exc):
        calls.append(("teardown", exc))

    bp.get("/")(lambda: "bp")
    app.get("/")(lambda: "app")
    app.register_blueprint(bp)

    rv = client.get("/")
    assert rv.text == "app"
    assert "X-BP" not in rv.headers
    assert calls == []

    rv = client.get("/bp/")
    assert rv.headers["X-BP"] == "yes"
    assert calls == [("before", "/bp/"), ("teardown", None)]


def test_blueprint_before_request_short_circuits(app, client):
    bp = Blueprint("bp", __name__)
    bp.before_request(lambda: ("blocked", 403))
    bp.get("/bp")(lambda: "view")
    app.register_blueprint(bp)
    rv = client.get("/bp")
    assert rv.status_code == 403
    assert rv.text == "blocked"


def test_app_request_hooks(app, client):
    calls = []
    bp = Blueprint("bp", __name__)

    @bp.before_app_request
    def before():
        calls.append("before")

    @bp.after_app_request
    def after(response):
        response.headers["X-App-Hook"] = "1"
        return response

    @bp.teardown_app_request
    def teardown(exc):
        calls.append("teardown")

    app.get("/")(lambda: "app")
    app.register_blueprint(bp)
    app.register_blueprint(bp, name="second")  # app-wide hooks are added only once

    rv = client.get("/")
    assert rv.headers["X-App-Hook"] == "1"
    assert calls == ["before", "teardown"]
    assert app.before_request_funcs[None] == [before]


def test_blueprint_context_processor(app, client):
    bp = Blueprint("bp", __name__)

    @bp.context_processor
    def bp_ctx():
        return {"scope": "bp-only"}

    @bp.app_context_processor
    def app_ctx():
        return {"everywhere": "yes"}

    bp.get("/bp")(lambda: erlen.render_template_string("{{ scope }} {{ everywhere }}"))
    app.get("/")(lambda: erlen.render_template_string("{{ scope }} {{ everywhere }}"))
    app.register_blueprint(bp)

    assert client.get("/bp").text == "bp-only yes"
    assert client.get("/").text == " yes"


def test_blueprint_url_value_preprocessor_and_defaults(app, client):
    bp = Blueprint("bp", __name__, url_prefix="/<lang>")

    @bp.url_value_preprocessor
    def pull(endpoint, values):
        erlen.g.lang = values.pop("lang")

    @bp.url_defaults
    def push(endpoint, values):
        if "lang" not in values and "lang" in erlen.g:
            values["lang"] = erlen.g.lang

    @bp.route("/page")
    def page():
        return f"{erlen.g.lang} {erlen.url_for('.page')}"

    @app.route("/plain")
    def plain():
        return str(erlen.g.get("lang"))

    app.register_blueprint(bp)
    assert client.get("/fr/page").text == "fr /fr/page"
    assert client.get("/plain").text == "None"


def test_app_url_value_preprocessor_and_defaults(app, client):
    bp = Blueprint("bp", __name__)

    @bp.app_url_value_preprocessor
    def pull(endpoint, values):
        if values:
            erlen.g.v = values.pop("v", None)

    @bp.app_url_defaults
    def push(endpoint, values):
        values.setdefault("v", "dflt")

    @app.route("/<v>/x")
    def x():
        return f"{erlen.g.v} {erlen.url_for('x')}"

    app.register_blueprint(bp)
    assert client.get("/given/x").text == "given /dflt/x"


# -- error handlers -----------------------------------------------------------------------


def test_blueprint_errorhandler_first_then_app(app, client):
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.errorhandler(ZeroDivisionError)
    def bp_zero(e):
        return "bp zero", 500

    @app.errorhandler(ZeroDivisionError)
    def app_zero(e):
        return "app zero", 500

    @app.errorhandler(KeyError)
    def app_key(e):
        return "app key", 400

    @bp.errorhandler(404)
    def bp_404(e):
        return "bp 404", 404

    bp.get("/zero", endpoint="zero")(lambda: 1 // 0)
    bp.get("/key", endpoint="key")(lambda: {}["k"])
    bp.get("/abort", endpoint="abort")(lambda: erlen.abort(404))
    app.get("/zero", endpoint="zero")(lambda: 1 // 0)
    app.register_blueprint(bp)

    assert client.get("/bp/zero").text == "bp zero"
    assert client.get("/zero").text == "app zero"
    rv = client.get("/bp/key")
    assert (rv.status_code, rv.text) == (400, "app key")
    assert client.get("/bp/abort").text == "bp 404"
    # routing 404s have no blueprint: the blueprint's handler is not used
    rv = client.get("/bp/nothing-here")
    assert rv.status_code == 404
    assert rv.text != "bp 404"


def test_blueprint_register_error_handler(app, client):
    bp = Blueprint("bp", __name__)
    bp.register_error_handler(418, lambda e: ("teapot from bp", 418))
    bp.get("/tea")(lambda: erlen.abort(418))
    app.register_blueprint(bp)
    rv = client.get("/tea")
    assert (rv.status_code, rv.text) == (418, "teapot from bp")


def test_app_errorhandler(app, client):
    bp = Blueprint("bp", __name__)

    @bp.app_errorhandler(404)
    def not_found(e):
        return "custom 404 everywhere", 404

    @bp.app_errorhandler(ValueError)
    def value_error(e):
        return f"value error: {e}", 400

    app.get("/bad")(lambda: int("x"))
    app.register_blueprint(bp)
    assert client.get("/nothing").text == "custom 404 everywhere"
    rv = client.get("/bad")
    assert rv.status_code == 400
    assert rv.text.startswith("value error: invalid literal")
    assert app.error_handler_spec[None][404]


def test_errorhandler_invalid_code():
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="'999' is not a recognized HTTP error code"):
        bp.errorhandler(999)(lambda e: "")
    with pytest.raises(TypeError, match="is an instance, not a class"):
        bp.register_error_handler(ValueError(), lambda e: "")  # type: ignore[arg-type]


def test_blueprint_handlers_isolated_per_registration_name(app, client):
    bp = Blueprint("bp", __name__)

    @bp.errorhandler(500)
    def handler(e):
        return f"handled in {erlen.request.blueprint}", 500

    bp.get("/boom")(lambda: erlen.abort(500))
    app.register_blueprint(bp, url_prefix="/a")
    app.register_blueprint(bp, url_prefix="/b", name="b")
    assert client.get("/a/boom").text == "handled in bp"
    assert client.get("/b/boom").text == "handled in b"


# -- app-wide template helpers --------------------------------------------------------------


def test_app_template_filter_test_global(app):
    bp = Blueprint("bp", __name__)

    @bp.app_template_filter()
    def rev(s):
        return s[::-1]

    @bp.app_template_filter("upper2")
    def up(s):
        return s.upper()

    @bp.app_template_test()
    def odd(n):
        return n % 2 == 1

    @bp.app_template_test("big")
    def is_big(n):
        return n > 100

    @bp.app_template_global()
    def hello():
        return "hello"

    @bp.app_template_global("bye")
    def goodbye():
        return "bye"

    bp.add_app_template_filter(len, "length2")
    bp.add_app_template_test(callable)
    bp.add_app_template_global(max, "maximum")

    assert "rev" not in app.jinja_env.filters
    app.register_blueprint(bp)
    env = app.jinja_env
    assert env.filters["rev"] is rev
    assert env.filters["upper2"] is up
    assert env.filters["length2"] is len
    assert env.tests["odd"] is odd
    assert env.tests["big"] is is_big
    assert env.tests["callable"] is callable
    assert env.globals["hello"] is hello
    assert env.globals["bye"] is goodbye
    with app.app_context():
        rv = erlen.render_template_string(
            "{{ 'ab'|rev }} {{ 'x'|upper2 }} {{ 'abc'|length2 }} {{ 3 is odd }} {{ 5 is big }}"
            " {{ hello() }} {{ bye() }} {{ maximum(1, 4) }}"
        )
    assert rv == "ba X 3 True False hello bye 4"


# -- CLI ----------------------------------------------------------------------------------


def test_cli_group_default_is_blueprint_name(app):
    bp = Blueprint("tools", __name__)

    @bp.cli.command("greet")
    def greet():
        click.echo("hello from tools")

    app.register_blueprint(bp)
    assert "tools" in app.cli.commands
    assert "greet" not in app.cli.commands
    result = app.test_cli_runner().invoke(args=["tools", "greet"])
    assert result.exit_code == 0, result.output
    assert result.output == "hello from tools\n"


def test_cli_group_custom_name(app):
    bp = Blueprint("tools", __name__, cli_group="admin")

    @bp.cli.command("greet")
    def greet():
        click.echo("hi admin")

    app.register_blueprint(bp)
    assert "admin" in app.cli.commands
    assert "tools" not in app.cli.commands
    result = app.test_cli_runner().invoke(args=["admin", "greet"])
    assert result.output == "hi admin\n"


def test_cli_group_none_merges_commands(app):
    bp = Blueprint("tools", __name__, cli_group=None)

    @bp.cli.command("greet")
    def greet():
        click.echo(f"merged {erlen.current_app.name}")

    app.register_blueprint(bp)
    assert "greet" in app.cli.commands
    assert "tools" not in app.cli.commands
    result = app.test_cli_runner().invoke(args=["greet"])
    assert result.output == "merged test_app_blueprints\n"


def test_cli_group_registration_option(app):
    bp = Blueprint("tools", __name__)
    bp.cli.command("a")(lambda: click.echo("a"))
    app.register_blueprint(bp, cli_group="other")
    assert "other" in app.cli.commands
    result = app.test_cli_runner().invoke(args=["other", "a"])
    assert result.output == "a\n"


def test_cli_group_without_commands_not_added(app):
    bp = Blueprint("tools", __name__)
    app.register_blueprint(bp)
    assert "tools" not in app.cli.commands
