"""erlen.ext.restful's Api and Resource through real apps and the test client: routing,
prefixes and blueprints, representations and content negotiation, error handling, abort."""

from __future__ import annotations

import json
import logging

import pytest
from no_flask import run_without_flask

from erlen import Blueprint, Flask, abort as erlen_abort, make_response, redirect, request
from erlen.exceptions import BadRequest, HTTPException, Unauthorized
from erlen.ext.restful import Api, OrderedDict, Resource, abort, fields, marshal_with
from erlen.ext.restful.utils import cors, http_status_message, unpack
from erlen.signals import got_request_exception


class Hello(Resource):
    def get(self):
        return {"hello": "world"}


class Todo(Resource):
    todos = {1: "write tests"}

    def get(self, todo_id):
        if todo_id not in self.todos:
            abort(404, message=f"Todo {todo_id} doesn't exist")
        return {"id": todo_id, "task": self.todos[todo_id]}

    def put(self, todo_id):
        return {"id": todo_id, "task": request.get_json()["task"]}, 201, {"X-Created": "yes"}

    def delete(self, todo_id):
        return "", 204


@pytest.fixture
def api(app):
    return Api(app)


def test_resource_methods_and_return_values(app, api, client):
    api.add_resource(Todo, "/todos/<int:todo_id>")
    resp = client.get("/todos/1")
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    assert resp.data == b'{"id": 1, "task": "write tests"}\n'

    resp = client.put("/todos/2", json={"task": "ship"})
    assert (resp.status_code, resp.headers["X-Created"]) == (201, "yes")
    assert resp.json == {"id": 2, "task": "ship"}

    assert client.delete("/todos/1").status_code == 204
    assert client.head("/todos/1").status_code == 200


def test_405_answers_json_with_allow(app, api, client):
    api.add_resource(Todo, "/todos/<int:todo_id>", endpoint="todo")
    resp = client.post("/todos/1")
    assert resp.status_code == 405
    assert resp.mimetype == "application/json"
    assert set(resp.headers["Allow"].split(", ")) == {"GET", "PUT", "DELETE", "HEAD", "OPTIONS"}
    assert resp.json == {"message": "The method is not allowed for the requested URL."}


def test_abort_with_data_and_plain_abort(app, api, client):
    api.add_resource(Todo, "/todos/<int:todo_id>")

    class Plain(Resource):
        def get(self):
            erlen_abort(403)

    api.add_resource(Plain, "/plain")
    assert client.get("/todos/9").json == {"message": "Todo 9 doesn't exist"}
    assert client.get("/todos/9").status_code == 404
    resp = client.get("/plain")
    assert (resp.status_code, resp.mimetype) == (403, "application/json")
    assert resp.json["message"].startswith("You don't have the permission")


def test_abort_helper():
    with pytest.raises(HTTPException) as info:
        abort(418, message="teapot", extra=1)
    assert (info.value.code, info.value.data) == (418, {"message": "teapot", "extra": 1})
    with pytest.raises(HTTPException) as info:
        abort(404)
    assert not hasattr(info.value, "data")


def test_endpoint_names_and_url_for(app, api, client):
    api.add_resource(Hello, "/", "/hello")
    api.add_resource(Todo, "/todos/<int:todo_id>", endpoint="todo_ep")
    assert client.get("/hello").json == {"hello": "world"}
    assert client.get("/").json == {"hello": "world"}
    with app.test_request_context():
        assert api.url_for(Todo, todo_id=3) == "/todos/3"
        assert api.url_for(Hello) == "/"
        assert app.url_map.bind("").match("/todos/3") == ("todo_ep", {"todo_id": 3})


def test_resource_decorator_and_class_arguments(app, api, client):
    @api.resource("/greet/<name>", resource_class_kwargs={"greeting": "Hi"})
    class Greet(Resource):
        def __init__(self, greeting):
            self.greeting = greeting

        def get(self, name):
            return f"{self.greeting} {name}"

    assert client.get("/greet/ada").data == b'"Hi ada"\n'


def test_conflicting_endpoint_raises(app, api, client):
    class Other(Resource):
        def get(self):
            return "other"

    api.add_resource(Hello, "/a", endpoint="shared")
    api.add_resource(Hello, "/b", endpoint="shared")  # same class: another URL
    with pytest.raises(ValueError, match=r"This endpoint \(shared\) is already set to the class Hello"):
        api.add_resource(Other, "/c", endpoint="shared")
    assert client.get("/b").json == {"hello": "world"}


def test_prefix_and_add_url_rule_options(app, client):
    api = Api(app, prefix="/v1")

    class Item(Resource):
        def get(self, kind):
            return kind

    api.add_resource(Item, "/items", defaults={"kind": "all"})
    api.add_resource(Item, "/items/<kind>", endpoint="item_kind")
    assert client.get("/v1/items").json == "all"
    assert client.get("/v1/items/books").json == "books"
    assert client.get("/items").status_code == 404


def test_init_app_later_and_resources_added_after(app, client):
    api = Api()
    api.add_resource(Hello, "/before")
    api.init_app(app)
    api.add_resource(Todo, "/after/<int:todo_id>")
    assert client.get("/before").json == {"hello": "world"}
    assert client.get("/after/1").json == {"id": 1, "task": "write tests"}


def test_decorators_of_the_api(app, client):
    calls = []

    def record(view):
        def wrapper(*args, **kwargs):
            calls.append(view.__name__)
            return view(*args, **kwargs)

        wrapper.__name__ = view.__name__
        return wrapper

    api = Api(app, decorators=[record])
    api.add_resource(Hello, "/hello")
    client.get("/hello")
    assert calls == ["hello"]


def test_method_decorators_list_and_mapping(app, api, client):
    def deny(f):
        def wrapper(*args, **kwargs):
            if request.headers.get("X-Token") != "ok":
                abort(401, message="token needed")
            return f(*args, **kwargs)

        return wrapper

    class Secret(Resource):
        method_decorators = {"get": [deny]}

        def get(self):
            return "secret"

        def post(self):
            return "posted"

    class AllSecret(Resource):
        method_decorators = [deny]

        def get(self):
            return "all"

    api.add_resource(Secret, "/secret")
    api.add_resource(AllSecret, "/all")
    assert client.get("/secret").status_code == 401
    # HEAD is served by get, so get's decorators guard it too
    assert client.head("/secret").status_code == 401
    assert client.get("/secret", headers={"X-Token": "ok"}).json == "secret"
    assert client.post("/secret").json == "posted"
    assert client.get("/all").json == {"message": "token needed"}


def test_response_objects_pass_through(app, api, client):
    class Raw(Resource):
        def get(self):
            return make_response("plain text", 202)

        def post(self):
            return redirect("/elsewhere")

    api.add_resource(Raw, "/raw")
    resp = client.get("/raw")
    assert (resp.status_code, resp.data, resp.mimetype) == (202, b"plain text", "text/html")
    assert client.post("/raw").headers["Location"] == "/elsewhere"


def test_marshal_with_in_a_resource(app, api, client):
    todo_fields = {"id": fields.Integer, "task": fields.String, "uri": fields.Url("todo_item")}

    class TodoItem(Resource):
        @marshal_with(todo_fields, envelope="data")
        def get(self, id):
            return {"id": id, "task": "x", "secret": "hidden"}, 200, {"X-Id": str(id)}

    api.add_resource(TodoItem, "/todo/<int:id>", endpoint="todo_item")
    resp = client.get("/todo/5")
    assert resp.json == {"data": {"id": 5, "task": "x", "uri": "/todo/5"}}
    assert resp.headers["X-Id"] == "5"


def test_json_settings_and_debug_indent(app, api, client):
    api.add_resource(Hello, "/hello")
    app.config["RESTFUL_JSON"] = {"indent": 2, "sort_keys": True}
    assert client.get("/hello").data == b'{\n  "hello": "world"\n}\n'
    app.config["RESTFUL_JSON"] = {}
    app.debug = True
    assert client.get("/hello").data == b'{\n    "hello": "world"\n}\n'
    assert app.config["RESTFUL_JSON"] == {}  # the config is not changed


def test_custom_json_encoder(app, api, client):
    class Encoder(json.JSONEncoder):
        def default(self, o):
            return sorted(o)

    class Tags(Resource):
        def get(self):
            return {"tags": {"b", "a"}}

    app.config["RESTFUL_JSON"] = {"cls": Encoder}
    api.add_resource(Tags, "/tags")
    assert client.get("/tags").json == {"tags": ["a", "b"]}


def xml(data, code, headers=None):
    resp = make_response(f"<data>{data}</data>", code)
    resp.headers.extend(headers or {})
    return resp


@pytest.mark.parametrize(
    ("accept", "status", "mimetype"),
    [
        ("application/json", 200, "application/json"),
        ("application/xml", 200, "application/xml"),
        ("application/json;q=0.5, application/xml", 200, "application/xml"),
        ("text/csv", 200, "application/json"),  # the default media type
        ("*/*", 200, "application/json"),  # the first representation
        (None, 200, "application/json"),
    ],
)
def test_content_negotiation(app, api, client, accept, status, mimetype):
    api.representation("application/xml")(xml)
    api.add_resource(Hello, "/hello")
    resp = client.get("/hello", headers={"Accept": accept} if accept else {})
    assert (resp.status_code, resp.mimetype) == (status, mimetype)
    if mimetype == "application/xml":
        assert resp.data == b"<data>{'hello': 'world'}</data>"


def test_no_default_mediatype_answers_406(app, client):
    api = Api(app, default_mediatype=None)
    api.add_resource(Hello, "/hello")
    resp = client.get("/hello", headers={"Accept": "text/csv"})
    assert (resp.status_code, resp.mimetype) == (406, "application/json")
    assert client.get("/hello", headers={"Accept": "application/json;q=0"}).status_code == 406
    assert client.get("/hello", headers={"Accept": "application/json"}).status_code == 200


def test_text_plain_without_a_representation(app, client):
    api = Api(app, default_mediatype="text/plain")
    api.representations = OrderedDict()
    api.add_resource(Hello, "/hello")
    resp = client.get("/hello")
    assert (resp.status_code, resp.mimetype, resp.text) == (200, "text/plain", "{'hello': 'world'}")


def test_resource_representations(app, api, client):
    class Csv(Resource):
        representations = {"text/csv": lambda data, code, headers: make_response(
            ",".join(data), code, headers)}

        def get(self):
            return ["a", "b"], 200, {"X-Rows": "1"}

    api.add_resource(Csv, "/csv")
    resp = client.get("/csv", headers={"Accept": "text/csv"})
    assert (resp.mimetype, resp.text, resp.headers["X-Rows"]) == ("text/csv", "a,b", "1")
    assert client.get("/csv").json == ["a", "b"]


def test_errors_of_other_views_keep_the_app_handling(app, api, client):
    api.add_resource(Hello, "/hello")

    @app.route("/page")
    def page():
        erlen_abort(400)

    @app.errorhandler(404)
    def not_found(e):
        return "custom 404", 404

    assert client.get("/page").mimetype == "text/html"
    assert client.get("/nowhere").text == "custom 404"
    assert client.post("/hello").mimetype == "application/json"  # the API's 405


def test_catch_all_404s(app, client):
    api = Api(app, catch_all_404s=True)
    api.add_resource(Hello, "/hello")
    resp = client.get("/nowhere")
    assert (resp.status_code, resp.mimetype) == (404, "application/json")
    assert "message" in resp.json


def test_server_errors_are_logged_and_answered_as_json(app, api, client, caplog):
    app.config["TESTING"] = False

    class Boom(Resource):
        def get(self):
            raise ZeroDivisionError("oops")

    api.add_resource(Boom, "/boom")
    with caplog.at_level(logging.ERROR):
        resp = client.get("/boom")
    assert (resp.status_code, resp.json) == (500, {"message": "Internal Server Error"})
    assert "ZeroDivisionError" in caplog.text
    assert client.get("/boom").status_code == 500  # and again


def test_testing_mode_propagates_exceptions(app, api, client):
    class Boom(Resource):
        def get(self):
            raise ZeroDivisionError("oops")

    api.add_resource(Boom, "/boom")
    with pytest.raises(ZeroDivisionError):
        client.get("/boom")


def test_errors_dict_customises_the_answer(app, client):
    class Gone(Exception):
        pass

    class Conflict(HTTPException):
        code = 409

    errors = {
        "Gone": {"message": "it left", "status": 410},
        "Conflict": {"message": "try again", "status": 409, "retry": True},
    }
    app.config["TESTING"] = False
    api = Api(app, errors=errors)

    class Thing(Resource):
        def get(self):
            raise Gone()

        def post(self):
            raise Conflict()

    api.add_resource(Thing, "/thing")
    resp = client.get("/thing")
    assert (resp.status_code, resp.json) == (410, {"message": "it left", "status": 410})
    resp = client.post("/thing")
    assert resp.status_code == 409
    assert resp.json == {"message": "try again", "status": 409, "retry": True}


def test_http_exception_with_a_response(app, api, client):
    class Teapot(Resource):
        def get(self):
            raise HTTPException(response=make_response("short and stout", 418))

    api.add_resource(Teapot, "/tea")
    resp = client.get("/tea")
    assert (resp.status_code, resp.text) == (418, "short and stout")


def test_unauthorized_challenge(app, client):
    app.config["HTTP_BASIC_AUTH_REALM"] = "api"
    plain = Api(app)
    challenging = Api(serve_challenge_on_401=True)

    class Private(Resource):
        def get(self):
            abort(401, message="log in")

    plain.add_resource(Private, "/plain", endpoint="plain")
    resp = client.get("/plain")
    assert (resp.status_code, resp.json) == (401, {"message": "log in"})
    assert "WWW-Authenticate" not in resp.headers
    with app.test_request_context():
        resp = challenging.handle_error(Unauthorized())
    assert resp.headers["WWW-Authenticate"] == 'Basic realm="api"'


def test_handle_error_sends_the_signal(app, api):
    seen = []

    def record(sender, exception):
        seen.append((sender, exception))

    error = BadRequest("bad")
    with got_request_exception.connected_to(record, app), app.test_request_context():
        resp = api.handle_error(error)
    assert seen == [(app, error)]
    assert resp.data == b'{"message": "bad"}\n'
    assert resp.headers.getlist("Content-Length") == ["19"]


def test_blueprint_api_with_prefixes(app, client):
    bp = Blueprint("v2", __name__, url_prefix="/bp")
    api = Api(bp, prefix="/api")
    api.add_resource(Todo, "/todos/<int:todo_id>", endpoint="todo")

    @api.resource("/hello")
    class BpHello(Hello):
        pass

    app.register_blueprint(bp)
    assert client.get("/bp/api/todos/1").json == {"id": 1, "task": "write tests"}
    assert client.get("/bp/api/hello").json == {"hello": "world"}
    assert client.post("/bp/api/hello").mimetype == "application/json"
    assert client.get("/bp/api/todos/7").json == {"message": "Todo 7 doesn't exist"}
    with app.test_request_context():
        assert api.url_for(Todo, todo_id=1) == "/bp/api/todos/1"
    with app.test_request_context("/bp/api/hello"):
        assert request.endpoint == "v2.bphello"


def test_blueprint_registration_prefix_and_part_order(app, client):
    bp = Blueprint("parts", __name__, url_prefix="/bp/")
    api = Api(bp, prefix="/api", url_part_order="aeb")
    api.add_resource(Hello, "/hi")
    app.register_blueprint(bp, url_prefix="/reg")
    assert client.get("/api/hi/reg").json == {"hello": "world"}


def test_blueprint_resources_added_after_registration(app, client):
    bp = Blueprint("late", __name__)
    api = Api()
    api.init_app(bp)
    app.register_blueprint(bp, url_prefix="/late")
    api.add_resource(Hello, "/hello")
    assert client.get("/late/hello").json == {"hello": "world"}


def test_blueprint_api_on_several_apps():
    # Regression: an app factory registers the blueprint on each app it makes; the routes
    # were added to the first app only.
    bp = Blueprint("factory", __name__)
    Api(bp).add_resource(Todo, "/todos/<int:todo_id>", endpoint="todo")
    for _ in range(2):
        app = Flask(__name__)
        app.register_blueprint(bp, url_prefix="/v1")
        client = app.test_client()
        assert client.get("/v1/todos/1").json == {"id": 1, "task": "write tests"}
        assert client.get("/v1/todos/7").json == {"message": "Todo 7 doesn't exist"}


def test_blueprint_registered_twice_refused(app):
    bp = Blueprint("once", __name__)
    Api(bp).add_resource(Hello, "/hello")
    app.register_blueprint(bp)
    with pytest.raises(ValueError, match="can only be registered once"):
        app.register_blueprint(bp, name="again")


def test_nested_blueprint_error_routing(app, client):
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__, url_prefix="/c")
    api = Api(child)
    api.add_resource(Todo, "/todos/<int:todo_id>", endpoint="todo")
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert client.get("/p/c/todos/9").json == {"message": "Todo 9 doesn't exist"}
    assert client.post("/p/c/todos/1").mimetype == "application/json"
    with app.test_request_context():
        assert api.url_for(Todo, todo_id=1) == "/p/c/todos/1"


def test_two_apis_on_one_app(app, client):
    bp = Blueprint("bp", __name__)
    bp_api = Api(bp)
    bp_api.add_resource(Hello, "/hello", endpoint="hello")
    app.register_blueprint(bp, url_prefix="/blueprint")
    app_api = Api(app)
    app_api.add_resource(Todo, "/todos/<int:todo_id>", endpoint="todo")

    @app.get("/page")
    def page():
        return "page"

    assert client.post("/blueprint/hello").json["message"].startswith("The method")
    assert client.post("/todos/1").json["message"].startswith("The method")
    assert client.get("/todos/8").json == {"message": "Todo 8 doesn't exist"}
    assert client.post("/page").mimetype == "text/html"  # neither API's route


def test_mediatypes(app, api):
    with app.test_request_context(headers={"Accept": "application/xml;q=0.5, text/csv"}):
        assert api.mediatypes() == ["text/csv", "application/xml"]
        assert api.mediatypes_method()(Hello) == ["text/csv", "application/xml", "application/json"]


def test_crossdomain(app, api, client):
    class Shared(Resource):
        @cors.crossdomain(origin="*", expose_headers=["X-Total"], headers=["Content-Type"])
        def get(self):
            return "data"

        @cors.crossdomain(origin=["https://a.example", "https://b.example"], methods=["get", "put"],
                          credentials=True, max_age=60)
        def put(self):
            return "put"

    api.add_resource(Shared, "/shared")
    resp = client.get("/shared")
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS, PUT"
    assert resp.headers["Access-Control-Max-Age"] == "21600"
    assert resp.headers["Access-Control-Expose-Headers"] == "X-TOTAL"
    assert resp.headers["Access-Control-Allow-Headers"] == "CONTENT-TYPE"
    resp = client.put("/shared")
    assert resp.headers["Access-Control-Allow-Origin"] == "https://a.example, https://b.example"
    assert resp.headers["Access-Control-Allow-Methods"] == "GET, PUT"
    assert resp.headers["Access-Control-Allow-Credentials"] == "true"
    assert resp.headers["Access-Control-Max-Age"] == "60"


def test_utils():
    assert http_status_message(404) == "Not Found"
    assert http_status_message(999) == ""
    assert unpack("x") == ("x", 200, {})
    assert unpack(("x", 201)) == ("x", 201, {})
    assert unpack(("x", 201, {"a": "b"})) == ("x", 201, {"a": "b"})
    assert unpack(("x",)) == (("x",), 200, {})
    assert unpack(["x", 201]) == (["x", 201], 200, {})


def test_an_app_without_errors_keeps_its_dispatch(app, client):
    """Api only patches the error path: a plain view's response is untouched."""
    Api(app).add_resource(Hello, "/hello")

    @app.get("/plain")
    def plain():
        return "plain"

    resp = client.get("/plain")
    assert (resp.text, resp.mimetype) == ("plain", "text/html")


def test_works_without_flask_or_werkzeug():
    script = """
        import erlen
        from erlen.ext.restful import Api, Resource, fields, inputs, marshal_with, reqparse

        app = erlen.Flask(__name__)
        api = Api(app, prefix="/v1")
        parser = reqparse.RequestParser()
        parser.add_argument("n", type=inputs.positive, required=True, location="args")

        class Item(Resource):
            @marshal_with({"n": fields.Integer, "when": fields.DateTime(dt_format="iso8601")})
            async def get(self):
                args = parser.parse_args()
                return {"n": args.n, "when": inputs.iso8601interval("2024-01-02")[0]}

        api.add_resource(Item, "/item")
        c = app.test_client()
        assert c.get("/v1/item?n=3").json == {"n": 3, "when": "2024-01-02T00:00:00+00:00"}
        assert c.get("/v1/item?n=0").status_code == 400
        """
    run_without_flask(script)
