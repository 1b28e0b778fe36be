"""Class-based views (View, MethodView) registered on a real application."""

from __future__ import annotations

import asyncio
import functools

import pytest

import erlen
from erlen.views import MethodView, View


@pytest.fixture
def app():
    app = erlen.Flask("test_app_views", root_path="/tmp")
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def test_view_as_view(app, client):
    class Hello(View):
        def dispatch_request(self, name):
            return f"hello {name}"

    view = Hello.as_view("hello")
    assert view.__name__ == "hello"
    assert view.view_class is Hello
    app.add_url_rule("/hello/<name>", view_func=view)
    assert client.get("/hello/ann").text == "hello ann"
    assert client.post("/hello/ann").status_code == 405
    with app.test_request_context():
        assert erlen.url_for("hello", name="x") == "/hello/x"


def test_view_methods_attribute(app, client):
    class Form(View):
        methods = ["GET", "POST"]

        def dispatch_request(self):
            return erlen.request.method

    app.add_url_rule("/form", view_func=Form.as_view("form"))
    assert client.get("/form").text == "GET"
    assert client.post("/form").text == "POST"
    assert client.put("/form").status_code == 405
    rv = client.open("/form", method="OPTIONS")
    assert sorted(rv.allow) == ["GET", "HEAD", "OPTIONS", "POST"]


def test_route_methods_override_view_methods(app, client):
    class Form(View):
        methods = ["GET", "POST"]

        def dispatch_request(self):
            return erlen.request.method

    app.add_url_rule("/form", view_func=Form.as_view("form"), methods=["PUT"])
    assert client.put("/form").text == "PUT"
    assert client.get("/form").status_code == 405


def test_view_doc_and_module_copied():
    class Documented(View):
        """The docs."""

        def dispatch_request(self):
            return ""

    view = Documented.as_view("doc")
    assert view.__doc__ == "The docs."
    assert view.__module__ == __name__


def test_view_class_args(app, client):
    class Greeter(View):
        def __init__(self, greeting, punctuation="!"):
            self.greeting = greeting
            self.punctuation = punctuation

        def dispatch_request(self):
            return f"{self.greeting}{self.punctuation}"

    app.add_url_rule("/a", view_func=Greeter.as_view("a", "hi"))
    app.add_url_rule("/b", view_func=Greeter.as_view("b", "yo", punctuation="?"))
    assert client.get("/a").text == "hi!"
    assert client.get("/b").text == "yo?"


def test_init_every_request_true_by_default(app, client):
    instances = []

    class Counter(View):
        def __init__(self):
            instances.append(self)
            self.count = 0

        def dispatch_request(self):
            self.count += 1
            return str(self.count)

    app.add_url_rule("/", view_func=Counter.as_view("counter"))
    assert [client.get("/").text for _ in range(3)] == ["1", "1", "1"]
    assert len(instances) == 3


def test_init_every_request_false(app, client):
    instances = []

    class Counter(View):
        init_every_request = False

        def __init__(self, start):
            instances.append(self)
            self.count = start

        def dispatch_request(self):
            self.count += 1
            return str(self.count)

    view = Counter.as_view("counter", 10)
    assert view.view_class is Counter
    app.add_url_rule("/", view_func=view)
    assert len(instances) == 1
    assert [client.get("/").text for _ in range(3)] == ["11", "12", "13"]
    assert len(instances) == 1


def test_decorators_applied(app, client):
    def add_header(name, value):
        def decorator(f):
            @functools.wraps(f)
            def wrapper(*args, **kwargs):
                rv = erlen.make_response(f(*args, **kwargs))
                rv.headers.add(name, value)
                return rv

            return wrapper

        return decorator

    class Decorated(View):
        decorators = [add_header("X-Order", "inner"), add_header("X-Order", "outer")]

        def dispatch_request(self):
            return "body"

    view = Decorated.as_view("decorated")
    assert view.view_class is Decorated
    assert view.__name__ == "decorated"
    app.add_url_rule("/", view_func=view)
    rv = client.get("/")
    assert rv.text == "body"
    # the first decorator is applied first (innermost)
    assert rv.headers.getlist("X-Order") == ["inner", "outer"]


def test_decorator_can_block(app, client):
    def deny(f):
        def wrapper(*args, **kwargs):
            erlen.abort(403)

        return wrapper

    class Secret(MethodView):
        decorators = [deny]

        def get(self):
            return "secret"

    app.add_url_rule("/", view_func=Secret.as_view("secret"))
    assert client.get("/").status_code == 403


def test_provide_automatic_options(app, client):
    class NoOptions(View):
        provide_automatic_options = False
        methods = ["GET", "OPTIONS"]

        def dispatch_request(self):
            return f"custom {erlen.request.method}"

    app.add_url_rule("/", view_func=NoOptions.as_view("no_options"))
    rv = client.open("/", method="OPTIONS")
    assert rv.text == "custom OPTIONS"
    assert "Allow" not in rv.headers


def test_provide_automatic_options_disabled_without_options_method(app, client):
    class NoOptions(View):
        provide_automatic_options = False

        def dispatch_request(self):
            return "get"

    app.add_url_rule("/", view_func=NoOptions.as_view("no_options"))
    assert client.open("/", method="OPTIONS").status_code == 405


def test_provide_automatic_options_explicit_argument(app, client):
    class Plain(View):
        def dispatch_request(self):
            return "get"

    app.add_url_rule("/a", view_func=Plain.as_view("a"), provide_automatic_options=False)
    app.add_url_rule("/b", view_func=Plain.as_view("b"))
    assert client.open("/a", method="OPTIONS").status_code == 405
    rv = client.open("/b", method="OPTIONS")
    assert rv.status_code == 200
    assert sorted(rv.allow) == ["GET", "HEAD", "OPTIONS"]


# -- MethodView ---------------------------------------------------------------------------


class Items(MethodView):
    def get(self, item_id=None):
        if item_id is None:
            return "list"
        return f"item {item_id}"

    def post(self):
        return "created", 201

    def delete(self, item_id):
        return "", 204


def test_method_view_methods_inferred():
    assert Items.methods == {"GET", "POST", "DELETE"}

    class Sub(Items):
        def put(self, item_id):
            return "put"

    assert Sub.methods == {"GET", "POST", "DELETE", "PUT"}


def test_method_view_dispatch(app, client):
    view = Items.as_view("items")
    app.add_url_rule("/items", view_func=view, methods=["GET", "POST"])
    app.add_url_rule("/items/<int:item_id>", view_func=view, methods=["GET", "DELETE"])

    assert client.get("/items").text == "list"
    assert client.get("/items/3").text == "item 3"
    rv = client.post("/items")
    assert (rv.status_code, rv.text) == (201, "created")
    assert client.delete("/items/3").status_code == 204
    assert client.put("/items").status_code == 405
    rv = client.head("/items/1")
    assert rv.status_code == 200
    assert rv.data == b""
    rv = client.open("/items", method="OPTIONS")
    assert sorted(rv.allow) == ["GET", "HEAD", "OPTIONS", "POST"]


def test_method_view_methods_used_for_rule(app, client):
    app.add_url_rule("/items", view_func=Items.as_view("items"))
    rules = list(app.url_map.iter_rules("items"))
    assert rules[0].methods == {"GET", "HEAD", "POST", "DELETE", "OPTIONS"}
    assert client.post("/items").status_code == 201


def test_method_view_head_falls_back_to_get(app, client):
    class Head(MethodView):
        def get(self):
            return "body", {"X-From": "get"}

    app.add_url_rule("/", view_func=Head.as_view("head"))
    rv = client.head("/")
    assert rv.headers["X-From"] == "get"
    assert rv.data == b""


def test_method_view_explicit_head(app, client):
    class Head(MethodView):
        def get(self):
            return "get"

        def head(self):
            return "", {"X-From": "head"}

    app.add_url_rule("/", view_func=Head.as_view("head"))
    assert client.head("/").headers["X-From"] == "head"


def test_method_view_missing_method_asserts(app, client):
    class OnlyGet(MethodView):
        def get(self):
            return "get"

    app.add_url_rule("/", view_func=OnlyGet.as_view("only"), methods=["GET", "POST"])
    with pytest.raises(AssertionError, match="Unimplemented method 'POST'"):
        client.post("/")


def test_method_view_inherits_methods_through_mixins():
    class GetMixin:
        def get(self):
            return "get"

    class PostMixin:
        def post(self):
            return "post"

    class Combined(GetMixin, PostMixin, MethodView):
        pass

    assert Combined.methods == {"GET", "POST"}


def test_method_view_async(app, client):
    class AsyncItems(MethodView):
        async def get(self):
            await asyncio.sleep(0)
            return f"async get {erlen.request.args.get('q', '')}"

        async def post(self):
            data = erlen.request.get_json()
            await asyncio.sleep(0)
            return {"got": data}

    app.add_url_rule("/", view_func=AsyncItems.as_view("async_items"))
    assert client.get("/?q=1").text == "async get 1"
    assert client.post("/", json={"a": 1}).json == {"got": {"a": 1}}


def test_async_view_dispatch(app, client):
    class AsyncView(View):
        async def dispatch_request(self):
            await asyncio.sleep(0)
            return "async view"

    app.add_url_rule("/", view_func=AsyncView.as_view("async_view"))
    assert client.get("/").text == "async view"


def test_method_view_in_blueprint(app, client):
    bp = erlen.Blueprint("api", __name__, url_prefix="/api")
    bp.add_url_rule("/items/<int:item_id>", view_func=Items.as_view("item"))
    app.register_blueprint(bp)
    assert client.get("/api/items/7").text == "item 7"
    with app.test_request_context():
        assert erlen.url_for("api.item", item_id=7) == "/api/items/7"


def test_method_view_per_request_instance_state(app, client):
    class Stateful(MethodView):
        def __init__(self):
            self.calls = []

        def get(self):
            self.calls.append("get")
            return str(len(self.calls))

    app.add_url_rule("/", view_func=Stateful.as_view("stateful"))
    assert [client.get("/").text for _ in range(2)] == ["1", "1"]


def test_as_view_endpoint_name_conflict(app):
    class A(View):
        def dispatch_request(self):
            return "a"

    class B(View):
        def dispatch_request(self):
            return "b"

    app.add_url_rule("/a", view_func=A.as_view("same"))
    with pytest.raises(AssertionError, match="overwriting an existing endpoint function: same"):
        app.add_url_rule("/b", view_func=B.as_view("same"))
