"""Tests for erlen.json and erlen.json.provider, with flask.json as an oracle."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import gc
import io
import json
import typing as t
import uuid
import weakref

import pytest
from hypothesis import given, strategies as st
from markupsafe import Markup

import erlen.json as ejson
from erlen import Flask
from erlen.json.provider import DefaultJSONProvider, JSONProvider, OrjsonJSONProvider


def make_app(debug: bool = False, provider: type[JSONProvider] = DefaultJSONProvider) -> Flask:
    """A real app in the given debug mode, with the given JSON provider."""
    app = Flask("json_app")
    app.debug = debug
    app.json = provider(app)
    return app


@pytest.fixture
def flask_app():
    import flask

    return flask.Flask("oracle")


@dataclasses.dataclass
class Point:
    x: int
    y: list[int]


class HTMLThing:
    def __html__(self) -> str:
        return "<b>thing</b>"


SAMPLES = [
    None,
    1,
    1.5,
    "plain",
    "ünïcödé ☃",
    [1, "a", None],
    {"b": 1, "a": [2, {"d": 4, "c": 3}]},
    datetime.datetime(2024, 2, 29, 13, 45, 10),
    datetime.datetime(
        2024, 2, 29, 13, 45, 10, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    ),
    datetime.date(2021, 1, 3),
    decimal.Decimal("12.3400"),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    Point(1, [2, 3]),
    Markup("<em>hi</em>"),
    HTMLThing(),
    {"when": datetime.date(2000, 1, 1), "id": uuid.UUID(int=5), "n": decimal.Decimal("1")},
]


@pytest.mark.parametrize("value", SAMPLES)
def test_dumps_without_app_matches_flask(value):
    import flask.json

    assert ejson.dumps(value) == flask.json.dumps(value)
    assert ejson.dumps(value, indent=1) == flask.json.dumps(value, indent=1)


@pytest.mark.parametrize("value", SAMPLES)
@pytest.mark.parametrize("debug", [False, True])
def test_app_dumps_and_response_match_flask(value, debug, flask_app):
    import flask.json

    flask_app.debug = debug
    app = make_app(debug=debug)
    with app.app_context():
        ours = ejson.dumps(value)
        ours_resp = ejson.jsonify(value)
    with flask_app.app_context():
        theirs = flask.json.dumps(value)
        theirs_resp = flask.json.jsonify(value)
    assert ours == theirs
    assert ours_resp.get_data() == theirs_resp.get_data()
    assert ours_resp.mimetype == theirs_resp.mimetype == "application/json"


def test_default_rejects_unknown_types():
    provider = make_app().json
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        provider.dumps(object())
    with pytest.raises(TypeError, match="Object of type type is not JSON serializable"):
        provider.dumps(Point)  # a dataclass *class* is not serializable
    with pytest.raises(TypeError):
        ejson.dumps({1j})


def test_default_conversions_explicitly():
    provider = make_app().json
    assert provider.dumps(datetime.date(2021, 1, 3)) == '"Sun, 03 Jan 2021 00:00:00 GMT"'
    aware = datetime.datetime(
        2021, 1, 3, 2, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    )
    assert provider.dumps(aware) == '"Sun, 03 Jan 2021 00:00:00 GMT"'
    assert provider.dumps(decimal.Decimal("0.10")) == '"0.10"'
    assert provider.dumps(uuid.UUID(int=1)) == '"00000000-0000-0000-0000-000000000001"'
    assert provider.dumps(Point(1, [2])) == '{"x": 1, "y": [2]}'
    assert provider.dumps(HTMLThing()) == '"<b>thing</b>"'


def test_dumps_uses_current_app_provider():
    calls = []

    class Recording(JSONProvider):
        def dumps(self, obj, **kwargs):
            calls.append(("dumps", obj, kwargs))
            return "D"

        def loads(self, s, **kwargs):
            calls.append(("loads", s, kwargs))
            return "L"

    app = make_app(provider=Recording)
    with app.app_context():
        assert ejson.dumps({"a": 1}, indent=3) == "D"
        assert ejson.loads("[1]", parse_int=str) == "L"
        out = io.StringIO()
        ejson.dump([1], out)
        assert out.getvalue() == "D"
        assert ejson.load(io.StringIO("x")) == "L"
        resp = ejson.jsonify(a=1)
    assert calls == [
        ("dumps", {"a": 1}, {"indent": 3}),
        ("loads", "[1]", {"parse_int": str}),
        ("dumps", [1], {}),
        ("loads", "x", {}),
        ("dumps", {"a": 1}, {}),
    ]
    # The base JSONProvider.response adds no trailing newline.
    assert resp.get_data() == b"D"
    assert resp.mimetype == "application/json"


def test_functions_without_app():
    assert ejson.loads('{"a": [1, 2]}') == {"a": [1, 2]}
    assert ejson.loads(b'{"a": 1}') == {"a": 1}
    assert ejson.load(io.StringIO("[true]")) == [True]
    assert ejson.load(io.BytesIO(b"[null]")) == [None]
    out = io.StringIO()
    ejson.dump({"d": datetime.date(2020, 5, 17)}, out)
    assert out.getvalue() == '{"d": "Sun, 17 May 2020 00:00:00 GMT"}'
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        ejson.jsonify(1)


def test_provider_dump_and_load_roundtrip():
    provider = make_app().json
    out = io.StringIO()
    provider.dump({"b": 1, "a": "é"}, out)
    assert out.getvalue() == '{"a": "\\u00e9", "b": 1}'
    assert provider.load(io.StringIO(out.getvalue())) == {"a": "é", "b": 1}
    assert provider.loads(b"[1]") == [1]


def test_response_argument_rules():
    app = make_app()
    provider = app.json
    assert provider.response().get_data() == b"null\n"
    assert provider.response(1).get_data() == b"1\n"
    assert provider.response([1, 2]).get_data() == b"[1,2]\n"
    assert provider.response(1, "two").get_data() == b'[1,"two"]\n'
    assert provider.response(b=1, a=2).get_data() == b'{"a":2,"b":1}\n'
    with pytest.raises(TypeError, match="either args or kwargs, not both"):
        provider.response(1, a=2)


def test_response_compact_modes():
    app = make_app()
    provider = app.json
    data = {"a": [1, 2]}
    assert provider.response(data).get_data() == b'{"a":[1,2]}\n'
    app.debug = True
    assert provider.response(data).get_data() == b'{\n  "a": [\n    1,\n    2\n  ]\n}\n'
    provider.compact = True
    assert provider.response(data).get_data() == b'{"a":[1,2]}\n'
    app.debug = False
    provider.compact = False
    assert provider.response(data).get_data() == b'{\n  "a": [\n    1,\n    2\n  ]\n}\n'
    provider.mimetype = "application/vnd.api+json"
    assert provider.response(data).mimetype == "application/vnd.api+json"


def test_provider_attribute_changes_are_honoured():
    provider = make_app().json
    data = {"b": "é", "a": 1}
    assert provider.dumps(data) == '{"a": 1, "b": "\\u00e9"}'
    provider.sort_keys = False
    assert provider.dumps(data) == '{"b": "\\u00e9", "a": 1}'
    provider.ensure_ascii = False
    assert provider.dumps(data) == '{"b": "é", "a": 1}'
    provider.default = lambda o: "DEFAULT"
    assert provider.dumps(object()) == '"DEFAULT"'
    # Explicit keyword arguments win over the attributes.
    assert provider.dumps(data, sort_keys=True, ensure_ascii=True) == '{"a": 1, "b": "\\u00e9"}'

    class Unsorted(DefaultJSONProvider):
        sort_keys = False

    assert Unsorted(make_app()).dumps(data) == '{"b": "\\u00e9", "a": 1}'


def test_dumps_other_kwargs_fall_back_to_json_dumps():
    provider = make_app().json
    with pytest.raises(ValueError):
        provider.dumps(float("nan"), allow_nan=False)
    assert provider.dumps(float("nan")) == "NaN"
    # Unhashable separators take the uncached path with identical output.
    assert provider.dumps({"a": 1}, separators=[",", ":"]) == '{"a":1}'
    assert provider.dumps({"a": 1}, separators=(",", ":")) == '{"a":1}'
    assert provider.dumps([1], indent=2) == json.dumps([1], indent=2)

    class Encoder(json.JSONEncoder):
        def default(self, o):
            return "custom"

    assert provider.dumps(object(), cls=Encoder, default=None) == '"custom"'


def test_provider_holds_weak_reference():
    app = make_app()
    provider = app.json
    assert isinstance(provider._app, weakref.CallableProxyType)  # an app is callable
    assert provider._app.debug is False
    del app
    gc.collect()  # an app holds reference cycles (its own bound view functions)
    with pytest.raises(ReferenceError):
        provider.response(1)


def test_base_provider_is_abstract():
    provider = JSONProvider(make_app())
    with pytest.raises(NotImplementedError):
        provider.dumps(1)
    with pytest.raises(NotImplementedError):
        provider.loads("1")


# --- orjson -----------------------------------------------------------------

ASCII_SAMPLES = [s for s in SAMPLES if not (isinstance(s, str) and not s.isascii())] + [
    {"nested": {"z": 1, "a": [Point(0, []), (1, 2)]}},
    1.25,
]


@pytest.mark.parametrize("value", ASCII_SAMPLES)
def test_orjson_matches_default_for_ascii_data(value):
    std_app, fast_app = make_app(), make_app(provider=OrjsonJSONProvider)
    std, fast = std_app.json, fast_app.json
    assert fast.dumps(value, separators=(",", ":")) == std.dumps(value, separators=(",", ":"))
    assert fast.dumps(value, indent=2) == std.dumps(value, indent=2)
    assert fast.response(value).get_data() == std.response(value).get_data()
    std_app.debug = fast_app.debug = True
    assert fast.response(value).get_data() == std.response(value).get_data()


def test_orjson_differences_and_options():
    import orjson

    app = make_app(provider=OrjsonJSONProvider)
    provider = app.json
    assert provider.ensure_ascii is False
    assert provider.dumps({"b": "é", "a": 1}) == '{"a":1,"b":"é"}'
    assert provider.dumps({"b": 1, "a": 2}, sort_keys=False) == '{"b":1,"a":2}'
    assert provider.dumps({1: "x"}) == '{"1":"x"}'
    assert provider.dumps(float("nan")) == "null"
    assert provider.dumps([1], option=orjson.OPT_APPEND_NEWLINE) == "[1]\n"
    assert provider.dumps(object(), default=lambda o: "D") == '"D"'
    # Unsupported keyword arguments fall back to the standard library.
    assert provider.dumps({"a": 1}, indent=4) == '{\n    "a": 1\n}'
    assert provider.dumps({"a": 1}, separators=(", ", ": ")) == '{"a": 1}'
    assert provider.loads('{"a": [1]}') == {"a": [1]}
    assert provider.loads(b"[2]") == [2]
    assert provider.loads("[1.5]", parse_float=decimal.Decimal) == [decimal.Decimal("1.5")]
    resp = provider.response(x="é")
    assert resp.get_data() == '{"x":"é"}\n'.encode()
    assert resp.mimetype == "application/json"
    with pytest.raises(TypeError):
        provider.dumps(object())
    with pytest.raises(TypeError, match="either args or kwargs"):
        provider.response(1, a=1)


def test_orjson_response_uses_overridden_dumps():
    class Custom(OrjsonJSONProvider):
        def dumps(self, obj, **kwargs):
            return "custom"

    app = make_app(provider=Custom)
    assert app.json.response([1]).get_data() == b"custom\n"


def test_orjson_used_by_module_functions():
    app = make_app(provider=OrjsonJSONProvider)
    with app.app_context():
        assert ejson.dumps({"b": 1, "a": "é"}) == '{"a":"é","b":1}'
        assert ejson.loads("[1]") == [1]
        assert ejson.jsonify([1, 2]).get_data() == b"[1,2]\n"


def _outcome(loads: t.Callable[[bytes], t.Any], data: bytes) -> tuple[str, t.Any]:
    try:
        return "value", loads(data)
    except json.JSONDecodeError as e:
        return "error", (e.msg, e.pos, e.lineno, e.colno)
    except (ValueError, RecursionError) as e:  # invalid UTF-8, nesting
        return "error", type(e).__name__


_JSON_EDGES = [
    b"",
    b" ",
    b"\t\n\r ",
    b"1",
    b" 1 ",
    b"1 2",
    b"[1,",
    b'{"a": 1}  x',
    b"\n[]\n",
    b"nul",
    b'"\\ud800"',
    b"1e400",
    b"NaN",
    b"-Infinity",
    b"[] ]",
    b"\xff",
    b'"\xc3\xa9" ',
    b"\x0c1",
    b"[" * 5000,
]


@pytest.mark.parametrize("data", _JSON_EDGES)
def test_provider_loads_of_bytes_is_json_loads(data: bytes) -> None:
    provider = DefaultJSONProvider(Flask(__name__))
    assert _outcome(provider.loads, data) == _outcome(json.loads, data)


@given(
    st.one_of(
        st.binary(max_size=60),
        st.text(st.sampled_from(' \t\n\r0123456789[]{}",:.-eEnultrfa\\'), max_size=40).map(
            str.encode
        ),
    )
)
def test_provider_loads_of_any_bytes_is_json_loads(data: bytes) -> None:
    provider = DefaultJSONProvider(Flask(__name__))
    assert _outcome(provider.loads, data) == _outcome(json.loads, data)


def _text_outcome(loads: t.Callable[[str], t.Any], text: str) -> tuple[str, t.Any]:
    try:
        return "value", loads(text)
    except json.JSONDecodeError as e:
        return "error", (e.msg, e.pos, e.lineno, e.colno)
    except RecursionError as e:
        return "error", type(e).__name__


@pytest.mark.parametrize(
    "text",
    ["", " ", "1", " [1, 2] ", "1 2", "\ufeff1", "\ufeff", '"\\ud800"', "NaN", "[" * 5000, "{}x"],
)
def test_provider_loads_of_text_is_json_loads(text: str) -> None:
    provider = DefaultJSONProvider(Flask(__name__))
    assert _text_outcome(provider.loads, text) == _text_outcome(json.loads, text)


@given(st.text(st.sampled_from(' \t\n\r0123456789[]{}",:.-eEnultrfa\\\ufeff'), max_size=40))
def test_provider_loads_of_any_text_is_json_loads(text: str) -> None:
    provider = DefaultJSONProvider(Flask(__name__))
    assert _text_outcome(provider.loads, text) == _text_outcome(json.loads, text)


def test_provider_loads_of_a_str_subclass_or_bytearray_is_json_loads() -> None:
    class Text(str):
        pass

    provider = DefaultJSONProvider(Flask(__name__))
    assert provider.loads(Text('{"a": [1]}')) == {"a": [1]}
    assert provider.loads(bytearray(b'\xef\xbb\xbf{"a": 1}')) == {"a": 1}
    with pytest.raises(json.JSONDecodeError, match="Unexpected UTF-8 BOM"):
        provider.loads(Text('\ufeff{"a": 1}'))


def test_response_goes_through_a_subclass_dumps():
    class Tagged(DefaultJSONProvider):
        def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
            return "[" + super().dumps(obj, **kwargs) + "]"

    class Plain(DefaultJSONProvider):
        pass

    app = make_app(provider=Tagged)
    with app.app_context():
        assert app.json.response({"b": 1, "a": 2}).get_data() == b'[{"a":2,"b":1}]\n'
        app.debug = True
        assert app.json.response([1]).get_data() == b"[[\n  1\n]]\n"
    plain = make_app(provider=Plain)
    with plain.app_context():
        assert plain.json.response({"b": 1, "a": 2}).get_data() == b'{"a":2,"b":1}\n'


def test_response_goes_through_dumps_patched_on_the_instance(monkeypatch):
    app = make_app()
    provider = app.json
    with app.app_context():
        monkeypatch.setattr(provider, "dumps", lambda obj, **kwargs: f"<{sorted(kwargs)}>")
        assert provider.response({"a": 1}).get_data() == b"<['separators']>\n"
        monkeypatch.undo()
        assert provider.response({"a": 1}).get_data() == b'{"a":1}\n'


def test_orjson_response_goes_through_dumps_patched_on_the_instance(monkeypatch):
    app = make_app(provider=OrjsonJSONProvider)
    provider = app.json
    with app.app_context():
        monkeypatch.setattr(provider, "dumps", lambda obj, **kwargs: "patched")
        assert provider.response({"a": 1}).get_data() == b"patched\n"
        monkeypatch.undo()
        assert provider.response({"b": 1, "a": "é"}).get_data() == '{"a":"é","b":1}\n'.encode()
        provider.sort_keys = False
        app.debug = True
        assert provider.response({"b": 1, "a": 2}).get_data() == b'{\n  "b": 1,\n  "a": 2\n}\n'
