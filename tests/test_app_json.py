"""JSON through the application: jsonify, extra types in responses, request.get_json via
the app's provider, custom providers and OrjsonJSONProvider end to end."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import json
import uuid

import pytest
from markupsafe import Markup

import erlen
from erlen.exceptions import BadRequest
from erlen.json.provider import DefaultJSONProvider, JSONProvider, OrjsonJSONProvider


@pytest.fixture
def app():
    app = erlen.Flask("test_app_json", root_path="/tmp")
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@dataclasses.dataclass
class Point:
    x: int
    y: int


class HTMLOnly:
    def __html__(self):
        return "<em>html</em>"


# -- jsonify ------------------------------------------------------------------------------


def test_jsonify_kwargs(app, client):
    app.get("/")(lambda: erlen.jsonify(b=1, a="x"))
    rv = client.get("/")
    assert rv.status_code == 200
    assert rv.mimetype == "application/json"
    assert rv.headers["Content-Type"] == "application/json"
    assert rv.data == b'{"a":"x","b":1}\n'


@pytest.mark.parametrize(
    ("args", "body"),
    [
        ((), b"null\n"),
        ((1,), b"1\n"),
        (("text",), b'"text"\n'),
        (([1, 2],), b"[1,2]\n"),
        (({"z": 1, "a": 2},), b'{"a":2,"z":1}\n'),
        ((1, 2, "x"), b'[1,2,"x"]\n'),
        ((None,), b"null\n"),
    ],
)
def test_jsonify_args(app, args, body):
    with app.app_context():
        assert erlen.jsonify(*args).data == body


def test_jsonify_args_and_kwargs_rejected(app):
    with app.app_context():
        with pytest.raises(
            TypeError, match="app.json.response\\(\\) takes either args or kwargs, not both"
        ):
            erlen.jsonify(1, a=2)


def test_jsonify_needs_app_context():
    with pytest.raises(RuntimeError, match="application context"):
        erlen.jsonify(a=1)


def test_jsonify_debug_indents(app):
    app.debug = True
    with app.app_context():
        rv = erlen.jsonify(b=[1], a=1)
    assert rv.data == b'{\n  "a": 1,\n  "b": [\n    1\n  ]\n}\n'


@pytest.mark.parametrize(
    ("compact", "debug", "body"),
    [
        (True, True, b'{"a":1}\n'),
        (False, False, b'{\n  "a": 1\n}\n'),
        (None, False, b'{"a":1}\n'),
        (None, True, b'{\n  "a": 1\n}\n'),
    ],
)
def test_provider_compact(app, compact, debug, body):
    app.json.compact = compact
    app.debug = debug
    with app.app_context():
        assert erlen.jsonify(a=1).data == body


def test_provider_mimetype_and_sort_keys(app, client):
    app.json.mimetype = "application/vnd.api+json"
    app.json.sort_keys = False
    app.get("/")(lambda: {"z": 1, "a": 2})
    rv = client.get("/")
    assert rv.headers["Content-Type"] == "application/vnd.api+json"
    assert rv.data == b'{"z":1,"a":2}\n'
    assert rv.is_json


def test_ensure_ascii(app):
    with app.app_context():
        assert erlen.jsonify("é☃").data == b'"\\u00e9\\u2603"\n'
        app.json.ensure_ascii = False
        assert erlen.jsonify("é☃").data == '"é☃"\n'.encode()


def test_view_returning_dict_and_list(app, client):
    app.get("/d", endpoint="d")(lambda: {"k": [1, 2]})
    app.get("/l", endpoint="l")(lambda: [{"a": 1}, 2])
    app.get("/t", endpoint="t")(lambda: ({"err": "x"}, 400, {"X-A": "1"}))
    assert client.get("/d").json == {"k": [1, 2]}
    assert client.get("/l").json == [{"a": 1}, 2]
    rv = client.get("/t")
    assert (rv.status_code, rv.json, rv.headers["X-A"]) == (400, {"err": "x"}, "1")


# -- extra types ----------------------------------------------------------------------------


def test_extra_types_in_response(app, client):
    uid = uuid.UUID("12345678-1234-5678-1234-567812345678")

    @app.route("/")
    def index():
        return {
            "datetime": datetime.datetime(2021, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc),
            "naive": datetime.datetime(2021, 2, 3, 4, 5, 6),
            "date": datetime.date(2020, 12, 31),
            "decimal": decimal.Decimal("1.10"),
            "uuid": uid,
            "point": Point(1, 2),
            "markup": Markup("<b>safe</b>"),
            "html": HTMLOnly(),
        }

    assert client.get("/").json == {
        "datetime": "Wed, 03 Feb 2021 04:05:06 GMT",
        "naive": "Wed, 03 Feb 2021 04:05:06 GMT",
        "date": "Thu, 31 Dec 2020 00:00:00 GMT",
        "decimal": "1.10",
        "uuid": "12345678-1234-5678-1234-567812345678",
        "point": {"x": 1, "y": 2},
        "markup": "<b>safe</b>",
        "html": "<em>html</em>",
    }


def test_timezone_converted_to_gmt(app):
    tz = datetime.timezone(datetime.timedelta(hours=2))
    with app.app_context():
        rv = erlen.jsonify(datetime.datetime(2021, 1, 1, 2, 0, tzinfo=tz))
    assert rv.json == "Fri, 01 Jan 2021 00:00:00 GMT"


def test_unserializable_type_raises(app, client):
    app.get("/")(lambda: {"x": object()})
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        client.get("/")


def test_custom_default(app, client):
    class Provider(DefaultJSONProvider):
        @staticmethod
        def default(o):
            if isinstance(o, set):
                return sorted(o)
            return DefaultJSONProvider.default(o)

    app.json = Provider(app)
    app.get("/")(lambda: {"s": {3, 1, 2}, "d": decimal.Decimal("2")})
    assert client.get("/").json == {"s": [1, 2, 3], "d": "2"}


def test_circular_response_raises_like_json_dumps(app, client):
    loop: list[object] = []
    loop.append(loop)
    shared = [1]
    app.get("/loop", endpoint="loop")(lambda: {"loop": loop})
    app.get("/ok", endpoint="ok")(lambda: {"ok": [loop is loop]})
    app.get("/shared", endpoint="shared")(lambda: {"a": shared, "b": shared})
    with pytest.raises(ValueError, match="Circular reference detected"):
        client.get("/loop")
    # The shared encoder is not left in a bad state: the same list, shared but not
    # circular, and other responses still serialize.
    assert client.get("/ok").json == {"ok": [True]}
    assert client.get("/shared").json == {"a": [1], "b": [1]}


def test_provider_options_changed_between_responses(app, client):
    app.get("/")(lambda: {"b": "é", "a": 1})
    assert client.get("/").data == b'{"a":1,"b":"\\u00e9"}\n'
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    assert client.get("/").data == '{"b":"é","a":1}\n'.encode()


def test_json_module_functions_use_app(app):
    app.json.sort_keys = False
    with app.app_context():
        assert erlen.json.dumps({"b": 1, "a": 2}) == '{"b": 1, "a": 2}'
        assert erlen.json.loads('{"a": [1]}') == {"a": [1]}
    # without an app: standard defaults (sorted keys off, extra types on)
    assert erlen.json.dumps({"b": decimal.Decimal("1")}) == '{"b": "1"}'


# -- request.get_json -------------------------------------------------------------------------


def test_get_json(app, client):
    @app.route("/", methods=["POST"])
    def index():
        return {"data": erlen.request.get_json(), "json": erlen.request.json}

    rv = client.post("/", data='{"a": [1, 2]}', content_type="application/json")
    assert rv.json == {"data": {"a": [1, 2]}, "json": {"a": [1, 2]}}
    rv = client.post("/", data='"s"', content_type="application/vnd.thing+json")
    assert rv.json == {"data": "s", "json": "s"}


def test_get_json_wrong_content_type(app, client):
    @app.route("/", methods=["POST"])
    def index():
        return {
            "silent": erlen.request.get_json(silent=True),
            "forced": erlen.request.get_json(force=True),
        }

    app.post("/strict")(lambda: erlen.request.get_json())

    rv = client.post("/", data='{"a": 1}', content_type="text/plain")
    assert rv.json == {"silent": None, "forced": {"a": 1}}
    rv = client.post("/strict", data='{"a": 1}', content_type="text/plain")
    assert rv.status_code == 415


def test_get_json_invalid(app, client):
    app.post("/", endpoint="strict")(lambda: erlen.request.get_json())
    app.post("/silent", endpoint="silent")(lambda: {"v": erlen.request.get_json(silent=True)})
    rv = client.post("/", data="{not json", content_type="application/json")
    assert rv.status_code == 400
    rv = client.post("/silent", data="{not json", content_type="application/json")
    assert rv.json == {"v": None}


def test_get_json_invalid_debug_message(app):
    app.debug = True
    with app.test_request_context("/", data="{bad", content_type="application/json"):
        with pytest.raises(BadRequest) as exc_info:
            erlen.request.get_json()
    assert "Failed to decode JSON object" in exc_info.value.description


def test_get_json_uses_app_provider_loads(app, client):
    class Provider(DefaultJSONProvider):
        def loads(self, s, **kwargs):
            return json.loads(s, parse_float=decimal.Decimal, **kwargs)

    app.json = Provider(app)

    @app.route("/", methods=["POST"])
    def index():
        value = erlen.request.get_json()["price"]
        return f"{type(value).__name__} {value}"

    assert client.post("/", json={"price": 1.1}).text == "Decimal 1.1"


def test_get_json_cached(app):
    with app.test_request_context("/", json={"a": 1}):
        first = erlen.request.get_json()
        assert erlen.request.get_json() is first


# -- custom providers ---------------------------------------------------------------------


def test_json_provider_class(client):
    class UpperProvider(JSONProvider):
        def dumps(self, obj, **kwargs):
            return json.dumps(obj, **kwargs).upper()

        def loads(self, s, **kwargs):
            return {"loaded": json.loads(s, **kwargs)}

    class App(erlen.Flask):
        json_provider_class = UpperProvider

    app = App("custom", root_path="/tmp")
    assert isinstance(app.json, UpperProvider)

    @app.route("/", methods=["POST"])
    def index():
        return erlen.jsonify(echo=erlen.request.get_json())

    rv = app.test_client().post("/", json={"k": "v"})
    assert rv.mimetype == "application/json"
    assert rv.data == b'{"ECHO": {"LOADED": {"K": "V"}}}'
    with app.app_context():
        assert erlen.json.dumps("x") == '"X"'
        assert erlen.render_template_string("{{ 'a'|tojson }}") == '"A"'


def test_orjson_provider_end_to_end():

    class App(erlen.Flask):
        json_provider_class = OrjsonJSONProvider

    app = App("orjson_app", root_path="/tmp")
    app.config["TESTING"] = True
    assert isinstance(app.json, OrjsonJSONProvider)

    @app.route("/", methods=["POST"])
    def index():
        data = erlen.request.get_json()
        return {
            "echo": data,
            "z": 1,
            "a": [datetime.date(2020, 1, 2), decimal.Decimal("3.5"), Point(1, 2)],
            "text": "é",
        }

    client = app.test_client()
    rv = client.post("/", json={"in": "ü", "n": 1})
    assert rv.mimetype == "application/json"
    assert (
        rv.data
        == (
            '{"a":["Thu, 02 Jan 2020 00:00:00 GMT","3.5",{"x":1,"y":2}],'
            '"echo":{"in":"ü","n":1},"text":"é","z":1}\n'
        ).encode()
    )
    assert rv.json["echo"] == {"in": "ü", "n": 1}

    app.debug = True
    with app.app_context():
        assert erlen.jsonify(b=1, a=2).data == b'{\n  "a": 2,\n  "b": 1\n}\n'
        assert erlen.render_template_string("{{ {'b': '<', 'a': 1}|tojson }}") == (
            '{"a":1,"b":"\\u003c"}'
        )


def test_orjson_provider_assigned_on_instance(app, client):
    app.json = OrjsonJSONProvider(app)
    app.json.sort_keys = False

    @app.route("/", methods=["POST"])
    def index():
        return erlen.jsonify(erlen.request.get_json())

    rv = client.post("/", json={"b": 1, "a": 2})
    assert rv.data == b'{"b":1,"a":2}\n'
    assert rv.json == {"b": 1, "a": 2}
    rv = client.post("/", data="[1", content_type="application/json")
    assert rv.status_code == 400
