"""Templating through the application: render/stream functions, autoescaping, the default
context, context processors, template helpers, reloading, loader explanations, signals."""

from __future__ import annotations

import collections
import logging
import os

import jinja2
import pytest
from markupsafe import Markup

import erlen
from erlen import signals
from erlen.templating import DispatchingJinjaLoader, Environment

SITE = os.path.join(os.path.dirname(__file__), "apps", "site")


@pytest.fixture
def app():
    app = erlen.Flask("test_app_templating", root_path=SITE)
    app.config.update(TESTING=True, SECRET_KEY="template secret")
    return app


@pytest.fixture
def client(app):
    return app.test_client()


# -- render functions ---------------------------------------------------------------------


def test_render_template_in_view(app, client):
    @app.route("/")
    def index():
        return erlen.render_template("hello.html", name="World")

    rv = client.get("/")
    assert rv.status_code == 200
    assert rv.data == b"Hello World!"
    assert rv.mimetype == "text/html"


def test_render_template_from_subfolder_and_list(app):
    with app.test_request_context():
        assert erlen.render_template("sub/page.html", name="x") == "sub x"
        # A list renders the first template that exists.
        rv = erlen.render_template(["missing.html", "hello.html"], name="list")
        assert rv == "Hello list!"
        with pytest.raises(jinja2.TemplatesNotFound):
            erlen.render_template(["nope.html", "nada.html"])
        with pytest.raises(jinja2.TemplateNotFound) as exc_info:
            erlen.render_template("nope.html")
        assert exc_info.value.name == "nope.html"


def test_render_template_accepts_template_object(app):
    with app.app_context():
        tmpl = app.jinja_env.get_template("hello.html")
        assert erlen.render_template(tmpl, name="obj") == "Hello obj!"


def test_render_template_string(app):
    with app.test_request_context():
        rv = erlen.render_template_string("{{ a }}+{{ b }}={{ a + b }}", a=1, b=2)
    assert rv == "1+2=3"


def test_render_template_string_autoescapes(app):
    with app.test_request_context():
        rv = erlen.render_template_string("{{ v }}", v="<b>&'\"")
        assert rv == "&lt;b&gt;&amp;&#39;&#34;"
        assert erlen.render_template_string("{{ v }}", v=Markup("<b>")) == "<b>"
        assert erlen.render_template_string("{{ v|safe }}", v="<i>") == "<i>"
        assert (
            erlen.render_template_string(
                "{% autoescape false %}{{ v }}{% endautoescape %}", v="<i>"
            )
            == "<i>"
        )


def test_render_outside_app_context_fails(app):
    with pytest.raises(RuntimeError, match="application context"):
        erlen.render_template_string("x")
    with pytest.raises(RuntimeError, match="application context"):
        erlen.render_template("hello.html")


def test_render_in_app_context_without_request(app):
    with app.app_context():
        assert erlen.render_template("hello.html", name="ctx") == "Hello ctx!"
        # `request` and `session` are still names in the environment (unbound proxies).
        assert erlen.render_template_string("{{ g.x is defined }}") == "False"


def test_stream_template(app, client):
    @app.route("/stream")
    def stream():
        return erlen.stream_template("stream.html", items=[1, 2, 3])

    rv = client.get("/stream")
    assert rv.status_code == 200
    assert rv.is_streamed
    assert rv.data == b"[1][2][3]"


def test_stream_template_string_keeps_request_context(app, client):
    @app.route("/s")
    def s():
        return erlen.stream_template_string(
            "{% for i in range(n) %}{{ request.args['p'] }}{{ i }}{% endfor %}", n=3
        )

    rv = client.get("/s?p=x")
    assert rv.data == b"x0x1x2"


def test_stream_template_is_lazy(app):
    seen = []

    def gen_items():
        for i in range(3):
            seen.append(i)
            yield i

    with app.test_request_context():
        it = erlen.stream_template("stream.html", items=gen_items())
        assert seen == []
        assert "".join(it) == "[0][1][2]"
    assert seen == [0, 1, 2]


def test_stream_template_without_request_context(app):
    with app.app_context():
        it = erlen.stream_template_string("{{ a }}{{ b }}", a=1, b=2)
        assert "".join(it) == "12"


# -- autoescaping -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("escape.html", "<p>&lt;br&gt;</p>"),
        ("escape.htm", "<p>&lt;br&gt;</p>"),
        ("escape.xml", "<x>&lt;br&gt;</x>"),
        ("escape.xhtml", "<p>&lt;br&gt;</p>"),
        ("escape.svg", "<svg>&lt;br&gt;</svg>"),
        ("escape.txt", "<br>"),
    ],
)
def test_autoescape_by_extension(app, name, expected):
    with app.test_request_context():
        assert erlen.render_template(name, value="<br>") == expected


def test_select_jinja_autoescape(app):
    assert app.select_jinja_autoescape(None) is True
    assert app.select_jinja_autoescape("a.html") is True
    assert app.select_jinja_autoescape("a.HTML") is False
    assert app.select_jinja_autoescape("a.txt") is False
    assert app.select_jinja_autoescape("a.html.j2") is False


def test_select_jinja_autoescape_override(app):
    class App(erlen.Flask):
        def select_jinja_autoescape(self, filename):
            return True

    app = App("custom", root_path=SITE)
    with app.app_context():
        assert erlen.render_template("escape.txt", value="<br>") == "&lt;br&gt;"


# -- tojson -------------------------------------------------------------------------------


def test_tojson_is_safe_in_script(app):
    data = {"x": "</script><script>alert('&')</script>"}
    with app.test_request_context():
        rv = erlen.render_template("script.html", data=data)
    assert "</script><script>" not in rv
    assert rv == (
        '<script>var data = {"x": "\\u003c/script\\u003e\\u003cscript\\u003e'
        'alert(\\u0027\\u0026\\u0027)\\u003c/script\\u003e"};</script>'
    )


def test_tojson_uses_app_json_provider(app):
    import datetime

    app.json.sort_keys = True
    with app.test_request_context():
        rv = erlen.render_template_string(
            "{{ d|tojson }}", d={"b": datetime.date(2020, 1, 2), "a": Markup("<m>")}
        )
    # sorted keys, dates as HTTP dates, __html__ objects through the provider's default
    assert rv == '{"a": "\\u003cm\\u003e", "b": "Thu, 02 Jan 2020 00:00:00 GMT"}'


def test_tojson_with_indent(app):
    with app.app_context():
        rv = erlen.render_template_string("{{ [1]|tojson(2) }}")
    assert rv == "[\n  1\n]"


# -- default context ----------------------------------------------------------------------


def test_default_context(app, client):
    app.config["MARK"] = "m1"

    @app.route("/", endpoint="index")
    def index():
        erlen.g.who = "gee"
        erlen.session["user"] = "ann"
        return erlen.render_template("context.html")

    rv = client.get("/")
    assert rv.data == b"req=/ g=gee sess=ann cfg=m1 url=/"


def test_default_context_flashes(app, client):
    @app.route("/set")
    def set_():
        erlen.flash("one")
        erlen.flash("two", "warn")
        return ""

    @app.route("/show")
    def show():
        return erlen.render_template_string(
            "{{ get_flashed_messages()|join(',') }}|"
            "{{ get_flashed_messages(with_categories=true)|list }}"
        )

    client.get("/set")
    rv = client.get("/show")
    assert (
        rv.text == "one,two|[(&#39;message&#39;, &#39;one&#39;), (&#39;warn&#39;, &#39;two&#39;)]"
    )
    # popped on the first read
    assert client.get("/show").text == "|[]"


def test_config_and_url_for_available_without_request(app):
    app.config["SERVER_NAME"] = "example.test"
    app.add_url_rule("/page", "page", lambda: "")
    with app.app_context():
        rv = erlen.render_template_string("{{ config.SERVER_NAME }} {{ url_for('page') }}")
    assert rv == "example.test http://example.test/page"


def test_request_globals_are_real_objects_in_context(app):
    captured = {}

    def record(sender, template, context, **extra):
        captured.update(context)

    with signals.template_rendered.connected_to(record, app):
        with app.test_request_context("/x?y=1"):
            erlen.render_template_string("{{ request.path }}")
            assert captured["request"] is erlen.request._get_current_object()
            assert captured["g"] is erlen.g._get_current_object()
            # The session is not read for the context (that would mark it accessed).
            assert "session" not in captured


def test_rendering_does_not_touch_session(app, client):
    @app.route("/plain")
    def plain():
        return erlen.render_template("hello.html", name="x")

    @app.route("/uses")
    def uses():
        return erlen.render_template_string("{{ session.get('k', 'none') }}")

    rv = client.get("/plain")
    assert rv.data == b"Hello x!"
    assert "Vary" not in rv.headers
    rv = client.get("/uses")
    assert rv.data == b"none"
    assert rv.headers["Vary"] == "Cookie"


def test_context_processor(app):
    @app.context_processor
    def add_values():
        return {"who": "processor", "shout": lambda s: s.upper()}

    with app.test_request_context():
        assert erlen.render_template_string("{{ who }} {{ shout('x') }}") == "processor X"
        # explicit values win over context processors
        assert erlen.render_template_string("{{ who }}", who="explicit") == "explicit"


def test_context_processor_overrides_default_names_but_not_explicit(app):
    @app.context_processor
    def override():
        return {"request": "fake-request"}

    with app.test_request_context():
        assert erlen.render_template_string("{{ request }}") == "fake-request"
        assert erlen.render_template_string("{{ request }}", request="mine") == "mine"


def test_context_processors_run_in_order(app):
    @app.context_processor
    def first():
        return {"v": "first", "only_first": 1}

    @app.context_processor
    def second():
        return {"v": "second"}

    with app.test_request_context():
        assert erlen.render_template_string("{{ v }}{{ only_first }}") == "second1"


def test_async_context_processor(app):
    @app.context_processor
    async def add():
        return {"from_async": "yes"}

    with app.test_request_context():
        assert erlen.render_template_string("{{ from_async }}") == "yes"


def test_update_template_context(app):
    @app.context_processor
    def proc():
        return {"a": 1, "b": 2}

    with app.test_request_context():
        context = {"b": "explicit"}
        app.update_template_context(context)
        assert context["a"] == 1
        assert context["b"] == "explicit"
        assert context["request"] is erlen.request._get_current_object()


# -- filters, tests and globals -----------------------------------------------------------


def test_template_filter_decorators(app):
    @app.template_filter()
    def reverse(s):
        return s[::-1]

    @app.template_filter("twice")
    def double(s):
        return s * 2

    def shout(s):
        return s.upper()

    app.add_template_filter(shout)
    app.add_template_filter(shout, "yell")

    assert app.jinja_env.filters["reverse"] is reverse
    assert app.jinja_env.filters["twice"] is double
    assert "double" not in app.jinja_env.filters
    assert app.jinja_env.filters["yell"] is shout
    with app.app_context():
        rv = erlen.render_template_string("{{ 'ab'|reverse }} {{ 'ab'|twice }} {{ 'a'|shout }}")
    assert rv == "ba abab A"


def test_template_test_decorators(app):
    @app.template_test()
    def boolean(value):
        return isinstance(value, bool)

    @app.template_test("even_len")
    def check(value):
        return len(value) % 2 == 0

    def positive(n):
        return n > 0

    app.add_template_test(positive)
    app.add_template_test(positive, name="plus")

    assert app.jinja_env.tests["boolean"] is boolean
    assert app.jinja_env.tests["plus"] is positive
    with app.app_context():
        rv = erlen.render_template_string(
            "{{ false is boolean }} {{ 1 is boolean }} {{ 'ab' is even_len }}"
            " {{ 3 is positive }} {{ -1 is plus }}"
        )
    assert rv == "True False True True False"


def test_template_global_decorators(app):
    @app.template_global()
    def add(a, b):
        return a + b

    @app.template_global("mul")
    def multiply(a, b):
        return a * b

    app.add_template_global(lambda: "lam", "lam")
    assert app.jinja_env.globals["add"] is add
    assert "multiply" not in app.jinja_env.globals
    with app.app_context():
        assert (
            erlen.render_template_string("{{ add(1, 2) }} {{ mul(2, 3) }} {{ lam() }}") == "3 6 lam"
        )


def test_template_registration_after_first_request_fails(app, client):
    app.get("/")(lambda: "")
    client.get("/")
    with pytest.raises(AssertionError, match="setup method 'add_template_filter'"):
        app.add_template_filter(str.upper, "up")


# -- get_template_attribute -----------------------------------------------------------------


def test_get_template_attribute(app):
    with app.app_context():
        greet = erlen.get_template_attribute("macros.html", "greet")
        assert greet("Ann") == "Hi Ann!"
        assert erlen.get_template_attribute("macros.html", "answer") == 42
        with pytest.raises(AttributeError):
            erlen.get_template_attribute("macros.html", "nothing")


def test_macro_output_is_escaped_markup(app):
    with app.app_context():
        greet = erlen.get_template_attribute("macros.html", "greet")
        rv = greet("<b>")
    assert isinstance(rv, Markup)
    assert rv == "Hi &lt;b&gt;!"


# -- environment ----------------------------------------------------------------------------


def test_jinja_env_type_and_loader(app):
    env = app.jinja_env
    assert isinstance(env, Environment)
    assert env.app is app
    assert isinstance(env.loader, DispatchingJinjaLoader)
    assert app.jinja_env is env
    assert "hello.html" in env.list_templates()
    assert "sub/page.html" in env.list_templates()


def test_jinja_options(app):
    class App(erlen.Flask):
        jinja_options = {"trim_blocks": True, "extensions": ["jinja2.ext.do"]}

    app = App("opts", root_path=SITE)
    assert app.jinja_env.trim_blocks is True
    with app.app_context():
        rv = erlen.render_template_string("{% set l = [] %}{% do l.append(1) %}{{ l }}")
        assert rv == "[1]"
        assert erlen.render_template_string("{% if true %}\nx{% endif %}") == "x"


def test_jinja_options_can_disable_autoescape(app):
    class App(erlen.Flask):
        jinja_options = {"autoescape": False}

    app = App("noescape", root_path=SITE)
    with app.app_context():
        assert erlen.render_template("escape.html", value="<br>") == "<p><br></p>"


def test_custom_jinja_environment_class():
    class MyEnvironment(Environment):
        marker = "custom"

        def __init__(self, app, **options):
            options.setdefault("variable_start_string", "[[")
            options.setdefault("variable_end_string", "]]")
            super().__init__(app, **options)

    class App(erlen.Flask):
        jinja_environment = MyEnvironment

    app = App("env", root_path=SITE)
    assert type(app.jinja_env) is MyEnvironment
    with app.test_request_context("/p"):
        assert erlen.render_template_string("[[ request.path ]] {{ x }}") == "/p {{ x }}"


def test_custom_global_loader(app):
    class App(erlen.Flask):
        def create_global_jinja_loader(self):
            return jinja2.DictLoader({"only.html": "from dict {{ n }}"})

    app = App("loader", root_path=SITE)
    with app.app_context():
        assert erlen.render_template("only.html", n=1) == "from dict 1"
        with pytest.raises(jinja2.TemplateNotFound):
            erlen.render_template("hello.html")


def test_template_folder_none():
    app = erlen.Flask("none", root_path=SITE, template_folder=None)
    assert app.jinja_loader is None
    with app.app_context(), pytest.raises(jinja2.TemplateNotFound):
        erlen.render_template("hello.html")


def test_custom_template_folder():
    app = erlen.Flask("custom_tf", root_path=SITE, template_folder="bp/templates")
    with app.app_context():
        assert erlen.render_template("shared.html") == "blueprint shared"


# -- auto reload ------------------------------------------------------------------------------


def test_templates_auto_reload_defaults_to_debug(app):
    assert app.config["TEMPLATES_AUTO_RELOAD"] is None
    app.debug = False
    assert app.jinja_env.auto_reload is False
    app.debug = True
    assert app.jinja_env.auto_reload is True
    app.debug = False
    assert app.jinja_env.auto_reload is False


def test_templates_auto_reload_debug_before_env_created(app):
    app.config["DEBUG"] = True
    assert app.jinja_env.auto_reload is True


@pytest.mark.parametrize("value", [True, False])
def test_templates_auto_reload_explicit(app, value):
    app.config["TEMPLATES_AUTO_RELOAD"] = value
    app.debug = not value
    assert app.jinja_env.auto_reload is value
    app.debug = value
    assert app.jinja_env.auto_reload is value


def test_templates_auto_reload_picks_up_changes(tmp_path):
    (tmp_path / "templates").mkdir()
    path = tmp_path / "templates" / "page.html"
    path.write_text("version 1")
    app = erlen.Flask("reload", root_path=str(tmp_path))
    app.config["TEMPLATES_AUTO_RELOAD"] = True
    with app.app_context():
        assert erlen.render_template("page.html") == "version 1"
        path.write_text("version 2")
        stat = path.stat()
        os.utime(path, (stat.st_atime + 10, stat.st_mtime + 10))
        assert erlen.render_template("page.html") == "version 2"


def test_templates_cached_without_auto_reload(tmp_path):
    (tmp_path / "templates").mkdir()
    path = tmp_path / "templates" / "page.html"
    path.write_text("version 1")
    app = erlen.Flask("noreload", root_path=str(tmp_path))
    app.config["TEMPLATES_AUTO_RELOAD"] = False
    with app.app_context():
        assert erlen.render_template("page.html") == "version 1"
        path.write_text("version 2")
        stat = path.stat()
        os.utime(path, (stat.st_atime + 10, stat.st_mtime + 10))
        assert erlen.render_template("page.html") == "version 1"


# -- EXPLAIN_TEMPLATE_LOADING ----------------------------------------------------------------


def test_explain_template_loading(app, caplog):
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    bp = erlen.Blueprint(
        "admin", __name__, root_path=os.path.join(SITE, "bp"), template_folder="templates"
    )
    app.register_blueprint(bp)

    with caplog.at_level(logging.INFO, logger=app.logger.name), app.app_context():
        assert erlen.render_template("shared.html") == "app shared"

    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1
    text = messages[0]
    assert text.startswith("Locating template 'shared.html':")
    assert "trying loader of application 'test_app_templating'" in text
    assert "trying loader of blueprint 'admin'" in text
    assert "found (" in text
    assert "Warning: multiple loaders returned a match for the template." in text


def test_explain_template_loading_not_found(app, caplog):
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    bp = erlen.Blueprint(
        "admin", __name__, root_path=os.path.join(SITE, "bp"), template_folder="templates"
    )

    @bp.route("/x")
    def x():
        return erlen.render_template("missing.html")

    app.register_blueprint(bp)
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        with pytest.raises(jinja2.TemplateNotFound):
            app.test_client().get("/x")

    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "Locating template 'missing.html':" in text
    assert "no match" in text
    assert "Error: the template could not be found." in text
    assert "belongs to the blueprint 'admin'" in text


def test_no_explanation_by_default(app, caplog):
    with caplog.at_level(logging.DEBUG, logger=app.logger.name), app.app_context():
        erlen.render_template("hello.html", name="q")
    assert not [r for r in caplog.records if "Locating template" in r.getMessage()]


# -- signals ----------------------------------------------------------------------------------


def test_render_signals(app, client):
    events = []

    def before(sender, template, context, **extra):
        events.append(("before", sender, template.name, dict(context)))
        context["injected"] = "late"

    def after(sender, template, context, **extra):
        events.append(("after", sender, template.name, context.get("name")))

    @app.route("/")
    def index():
        return erlen.render_template_string("{{ injected }}") + erlen.render_template(
            "hello.html", name="sig"
        )

    with signals.before_render_template.connected_to(before, app):
        with signals.template_rendered.connected_to(after, app):
            rv = client.get("/")

    # a before_render_template receiver can change the context
    assert rv.data == b"lateHello sig!"
    assert [e[0] for e in events] == ["before", "after", "before", "after"]
    assert events[0][1] is app
    assert events[2][2] == "hello.html"
    assert events[2][3]["name"] == "sig"
    assert events[3] == ("after", app, "hello.html", "sig")


def test_template_rendered_after_stream_consumed(app):
    events = []

    def after(sender, template, context, **extra):
        events.append(template.name)

    with signals.template_rendered.connected_to(after, app), app.test_request_context():
        it = erlen.stream_template("stream.html", items=[1])
        assert events == []
        assert "".join(it) == "[1]"
        assert events == ["stream.html"]


def test_signal_sender_filtering(app):
    other = erlen.Flask("other", root_path=SITE)
    events = []

    def rec(sender, **extra):
        events.append(sender)

    with signals.template_rendered.connected_to(rec, other):
        with app.app_context():
            erlen.render_template_string("x")
        with other.app_context():
            erlen.render_template_string("y")
    assert events == [other]


# -- the environment's attribute lookup and template globals -------------------------------


class _Record:
    name = "record"

    def __getitem__(self, key):
        if key == "extra":
            return "from item"
        raise KeyError(key)


class _Lookups(dict):
    pass


_GETATTR_CASES = [
    ({"name": "Ada"}, "name"),
    ({"name": "Ada"}, "missing"),
    ({"items": "shadowed"}, "items"),  # the dict method wins, as in Jinja
    ({"get": 1, "__class__": 2}, "__class__"),
    ({}, "keys"),
    (_Lookups(name="sub"), "name"),
    (_Lookups(name="sub"), "missing"),
    (_Record(), "name"),
    (_Record(), "extra"),
    (_Record(), "missing"),
    ([1, 2], "append"),
    ([1, 2], "missing"),
    (42, "real"),
    (None, "missing"),
]


@pytest.mark.parametrize(("obj", "name"), _GETATTR_CASES)
def test_getattr_answers_as_jinja(app, obj, name):
    plain = jinja2.Environment()
    rv = app.jinja_env.getattr(obj, name)
    expected = plain.getattr(obj, name)
    if isinstance(expected, jinja2.Undefined):
        assert isinstance(rv, jinja2.Undefined)
        assert rv._undefined_obj is obj
        assert rv._undefined_name == name
    else:
        assert rv == expected
        assert type(rv) is type(expected)


def test_dict_keys_as_attributes_in_templates(app):
    app.jinja_env.undefined = jinja2.StrictUndefined
    data = {"name": "Ada", "items": [1, 2]}
    with app.app_context():
        assert erlen.render_template_string("{{ d.name }}", d=data) == "Ada"
        # A dict method's name gives the method (Jinja's order: attribute, then item).
        assert erlen.render_template_string("{{ d.items()|list|length }}", d=data) == "2"
        with pytest.raises(jinja2.UndefinedError, match="'dict object' has no attribute 'age'"):
            erlen.render_template_string("{{ d.age }}", d=data)


def test_sandbox_after_the_app_environment_still_checks_attributes(app):
    from jinja2.sandbox import SandboxedEnvironment, SecurityError

    class SandboxedAppEnvironment(Environment, SandboxedEnvironment):
        pass

    app.jinja_environment = SandboxedAppEnvironment

    def view():
        pass

    with app.app_context():
        assert erlen.render_template_string("{{ d.name }}", d={"name": "Ada"}) == "Ada"
        with pytest.raises(SecurityError):
            erlen.render_template_string("{{ f.__code__.co_name }}", f=view)
    # Without the sandbox, the same template reads the attribute.
    plain = Environment(erlen.Flask("plain", root_path=SITE))
    assert plain.from_string("{{ f.__code__.co_name }}").render(f=view) == "view"


def test_template_globals_follow_the_environment(app):
    env = app.jinja_env
    template = env.from_string("{{ late }} {{ own }}", globals={"own": "mine"})
    assert isinstance(template.globals, collections.ChainMap)
    names = template.globals.keys()
    assert "late" not in names
    env.globals["late"] = "added later"
    assert "late" in names
    assert list(names)[-2:] == ["late", "own"]
    assert dict(template.globals)["own"] == "mine"
    with app.app_context():
        assert template.render() == "added later mine"
    # A template's own global hides the environment's of the same name.
    template.globals["late"] = "own value"
    assert env.globals["late"] == "added later"
    with app.app_context():
        assert template.render() == "own value mine"
        assert env.from_string("{{ late }}").render() == "added later"
