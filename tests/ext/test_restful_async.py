"""erlen.ext.restful in async code: ``async def`` resource methods, method decorators (sync and
async), marshalling decorators, representations and ``crossdomain`` on coroutines, errors
raised from async methods."""

from __future__ import annotations

import asyncio
import functools
import inspect

import pytest

from erlen import g, make_response, request
from erlen.ext.restful import (
    Api,
    Resource,
    abort,
    fields,
    marshal_with,
    marshal_with_field,
)
from erlen.ext.restful.utils import cors


def on_a_running_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.fixture
def api(app):
    return Api(app)


def test_async_methods(api, client):
    class Item(Resource):
        async def get(self, id):
            await asyncio.sleep(0)
            return {"id": id, "loop": on_a_running_loop(), "path": request.path}

        async def post(self, id):
            return {"created": request.get_json()}, 201, {"X-Id": str(id)}

    api.add_resource(Item, "/items/<int:id>")
    assert client.get("/items/3").json == {"id": 3, "loop": True, "path": "/items/3"}
    resp = client.post("/items/4", json={"a": 1})
    assert (resp.status_code, resp.json, resp.headers["X-Id"]) == (201, {"created": {"a": 1}}, "4")
    assert client.head("/items/3").status_code == 200


def test_sync_and_async_method_decorators_on_async_methods(api, client):
    def sync_tag(f):
        # a plain decorator: returns f's coroutine without awaiting it
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            g.tags = [*g.get("tags", []), "sync"]
            return f(*args, **kwargs)

        return wrapper

    def async_guard(f):
        @functools.wraps(f)
        async def wrapper(*args, **kwargs):
            await asyncio.sleep(0)
            if request.args.get("token") != "ok":
                abort(403, message="no token")
            return await f(*args, **kwargs)

        return wrapper

    class Guarded(Resource):
        method_decorators = {"get": [async_guard, sync_tag]}

        async def get(self):
            return {"tags": g.get("tags", [])}

        def post(self):
            return "sync post"

    api.add_resource(Guarded, "/guarded")
    assert client.get("/guarded?token=ok").json == {"tags": ["sync"]}
    resp = client.get("/guarded")
    assert (resp.status_code, resp.json) == (403, {"message": "no token"})
    assert client.post("/guarded").json == "sync post"


def test_marshalling_decorators_keep_coroutines(api, client):
    @marshal_with({"id": fields.Integer, "name": fields.String}, envelope="data")
    async def fetch():
        return {"id": "1", "name": "n", "secret": "s"}, 200

    @marshal_with_field(fields.List(fields.Integer))
    async def numbers():
        return ["1", 2]

    assert inspect.iscoroutinefunction(fetch)
    assert inspect.iscoroutinefunction(numbers)
    assert asyncio.run(fetch()) == ({"data": {"id": 1, "name": "n"}}, 200, {})
    assert asyncio.run(numbers()) == [1, 2]

    class User(Resource):
        @marshal_with({"id": fields.Integer, "url": fields.Url("user")})
        async def get(self, id):
            await asyncio.sleep(0)
            return {"id": id, "password": "hidden"}

    api.add_resource(User, "/users/<int:id>", endpoint="user")
    assert client.get("/users/5").json == {"id": 5, "url": "/users/5"}


def test_async_representation(app, api, client):
    @api.representation("text/csv")
    async def csv(data, code, headers=None):
        await asyncio.sleep(0)
        return make_response(",".join(map(str, data)), code, headers)

    class Row(Resource):
        async def get(self):
            return [1, 2, 3]

    api.add_resource(Row, "/row")
    resp = client.get("/row", headers={"Accept": "text/csv"})
    assert (resp.mimetype, resp.text) == ("text/csv", "1,2,3")
    assert client.get("/row").json == [1, 2, 3]


def test_async_resource_representations(api, client):
    async def text(data, code, headers):
        return make_response(f"text: {data}", code, headers)

    class Doc(Resource):
        representations = {"text/plain": text}

        async def get(self):
            return "hello"

    api.add_resource(Doc, "/doc")
    resp = client.get("/doc", headers={"Accept": "text/plain"})
    assert (resp.mimetype, resp.text) == ("text/plain", "text: hello")


def test_output_wraps_async_views(app, api, client):
    async def view():
        return {"ok": True}, 202

    wrapped = api.output(view)
    assert inspect.iscoroutinefunction(wrapped)
    app.add_url_rule("/raw-async", "raw_async", wrapped)
    resp = client.get("/raw-async")
    assert (resp.status_code, resp.json) == (202, {"ok": True})


def test_crossdomain_on_async_method(api, client):
    class Shared(Resource):
        @cors.crossdomain(origin="*", methods=["GET"])
        async def get(self):
            return "data"

    api.add_resource(Shared, "/shared")
    resp = client.get("/shared")
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.headers["Access-Control-Allow-Methods"] == "GET"


def test_errors_from_async_methods(app, api, client):
    class Broken(Resource):
        async def get(self):
            abort(404, message="nothing here")

        async def post(self):
            raise RuntimeError("boom")

    api.add_resource(Broken, "/broken")
    assert client.get("/broken").json == {"message": "nothing here"}
    with pytest.raises(RuntimeError, match="boom"):
        client.post("/broken")  # TESTING propagates
    app.config["TESTING"] = False
    resp = client.post("/broken")
    assert (resp.status_code, resp.json) == (500, {"message": "Internal Server Error"})
