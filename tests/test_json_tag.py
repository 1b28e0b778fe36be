"""Tests for erlen.json.tag; flask.json.tag is the byte-for-byte oracle."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest
from markupsafe import Markup

from erlen import Flask
from erlen.ctx import AppContext
from erlen.json.tag import (
    JSONTag,
    PassDict,
    PassList,
    TagBytes,
    TagDateTime,
    TagDict,
    TaggedJSONSerializer,
    TagMarkup,
    TagTuple,
    TagUUID,
)


def app_context() -> AppContext:
    """The context of a real app with the default JSON provider."""
    return Flask("json_tag_app").app_context()


@pytest.fixture
def flask_serializer():
    from flask.json.tag import TaggedJSONSerializer as FlaskSerializer

    return FlaskSerializer()


@pytest.fixture
def flask_app():
    import flask

    return flask.Flask("oracle")


class MyDict(dict):
    pass


class MyList(list):
    pass


class MyStr(str):
    pass


class HTMLThing:
    def __html__(self) -> str:
        return "<i>x</i>"


VALUES = [
    None,
    True,
    0,
    -12,
    3.5,
    "",
    "text",
    "ünïcödé \u2603 \U0001f600",
    [],
    {},
    [1, [2, [3]]],
    (),
    (1, 2, "x"),
    ((1,), [2, (3,)]),
    b"",
    b"\x00\xffbytes",
    Markup("<b>safe</b>"),
    HTMLThing(),
    UUID("12345678-1234-5678-1234-567812345678"),
    datetime(2024, 2, 29, 23, 59, 58),
    datetime(2024, 2, 29, 23, 59, 58, tzinfo=timezone(timedelta(hours=-5))),
    {" t": 1},
    {" di": {" t": (1,)}},
    {" x": 1},
    {"z": 1, "a": 2, "m": {"b": (1, b"2"), "a": [Markup("m")]}},
    {"user_id": 42, "_permanent": True, "_flashes": [("message", "hi")], "csrf": "abc"},
    OrderedDict([("b", 1), ("a", 2)]),
    MyDict(b=(1,), a=2),
    MyList([1, (2,)]),
    MyStr("sub"),
    [{" u": "not a uuid"}],
]


@pytest.mark.parametrize("value", VALUES)
def test_dumps_byte_identical_to_flask_without_app(value, flask_serializer):
    ours = TaggedJSONSerializer()
    assert ours.dumps(value) == flask_serializer.dumps(value)


@pytest.mark.parametrize("value", VALUES)
def test_dumps_byte_identical_to_flask_in_app_context(value, flask_serializer, flask_app):
    ours = TaggedJSONSerializer()
    with app_context():
        ours_out = ours.dumps(value)
    with flask_app.app_context():
        theirs_out = flask_serializer.dumps(value)
    assert ours_out == theirs_out


def _normalize(value):
    """What a value looks like after a tagged round trip."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
    if isinstance(value, HTMLThing):
        return Markup(value.__html__())
    if isinstance(value, dict):
        return {k: _normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_normalize(v) for v in value)
    return value


def _types(value):
    if isinstance(value, dict):
        return (dict, {k: _types(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return (type(value), [_types(v) for v in value])
    return type(value)


@pytest.mark.parametrize("value", VALUES)
def test_round_trip_and_cross_compatibility(value, flask_serializer):
    ours = TaggedJSONSerializer()
    expected = _normalize(value)
    data = ours.dumps(value)
    loaded = ours.loads(data)
    assert loaded == expected
    theirs = flask_serializer.loads(data)
    assert loaded == theirs
    assert _types(loaded) == _types(theirs)
    assert ours.loads(flask_serializer.dumps(value)) == expected


def test_specific_encodings():
    s = TaggedJSONSerializer()
    assert s.dumps((1, 2)) == '{" t":[1,2]}'
    assert s.dumps(b"hi") == '{" b":"aGk="}'
    assert s.dumps(Markup("<x>")) == '{" m":"<x>"}'
    assert s.dumps(UUID(int=255)) == '{" u":"000000000000000000000000000000ff"}'
    assert s.dumps(datetime(2020, 1, 2, 3, 4, 5)) == '{" d":"Thu, 02 Jan 2020 03:04:05 GMT"}'
    assert s.dumps({" t": 1}) == '{" di":{" t__":1}}'
    assert s.dumps({" other": 1}) == '{" other":1}'


def test_loads_types():
    s = TaggedJSONSerializer()
    assert s.loads('{" t":[1,{" b":"aGk="}]}') == (1, b"hi")
    markup = s.loads('{" m":"<x>"}')
    assert type(markup) is Markup and markup == "<x>"
    assert s.loads('{" u":"000000000000000000000000000000ff"}') == UUID(int=255)
    when = s.loads('{" d":"Thu, 02 Jan 2020 03:04:05 GMT"}')
    assert when == datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert s.loads('{" di":{" t__":[1]}}') == {" t": [1]}
    assert s.loads(b'{"a":{" t":[]}}') == {"a": ()}


def test_untag_passthrough():
    s = TaggedJSONSerializer()
    assert s.untag({"a": 1, "b": 2}) == {"a": 1, "b": 2}
    assert s.untag({"unknown": 1}) == {"unknown": 1}
    assert s.untag({" t": [1]}) == (1,)
    assert s.untag({}) == {}


def test_default_tags_and_registration():
    assert TaggedJSONSerializer.default_tags == [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]
    s = TaggedJSONSerializer()
    assert [type(tag) for tag in s.order] == TaggedJSONSerializer.default_tags
    assert sorted(s.tags) == [" b", " d", " di", " m", " t", " u"]
    assert all(tag.serializer is s for tag in s.order)

    with pytest.raises(KeyError, match="Tag ' t' is already registered."):
        s.register(TagTuple)

    class ListTuple(TagTuple):
        __slots__ = ()

        def to_python(self, value):
            return list(value)

    s.register(ListTuple, force=True)
    assert type(s.tags[" t"]) is ListTuple
    assert s.loads('{" t":[1]}') == [1]
    # The original TagTuple still comes first in the check order.
    assert s.dumps((1,)) == '{" t":[1]}'


class TagOrderedDict(JSONTag):
    __slots__ = ("serializer",)
    key = " od"

    def check(self, value):
        return isinstance(value, OrderedDict)

    def to_json(self, value):
        return [[k, self.serializer.tag(v)] for k, v in value.items()]

    def to_python(self, value):
        return OrderedDict(value)


def test_custom_tag_with_index_matches_flask(flask_serializer):
    ours = TaggedJSONSerializer()
    ours.register(TagOrderedDict, index=0)
    flask_serializer.register(TagOrderedDict, index=0)
    value = {"o": OrderedDict([("b", (1,)), ("a", 2)]), "plain": {"x": 1}}
    data = ours.dumps(value)
    assert data == flask_serializer.dumps(value)
    assert data == '{"o":{" od":[["b",{" t":[1]}],["a",2]]},"plain":{"x":1}}'
    loaded = ours.loads(data)
    assert type(loaded["o"]) is OrderedDict
    assert list(loaded["o"].items()) == [("b", (1,)), ("a", 2)]
    # A one-key dict whose key is the new tag is escaped too.
    assert ours.dumps({" od": 1}) == '{" di":{" od__":1}}'


def test_tag_catching_plain_types_is_honoured():
    class TagBigInt(JSONTag):
        __slots__ = ()
        key = " big"

        def check(self, value):
            return type(value) is int and value > 2**53

        def to_json(self, value):
            return str(value)

        def to_python(self, value):
            return int(value)

    s = TaggedJSONSerializer()
    s.register(TagBigInt, index=0)
    assert s.dumps([2**60, 1]) == '[{" big":"1152921504606846976"},1]'
    assert s.loads(s.dumps({"n": 2**60})) == {"n": 2**60}


def test_direct_order_mutation_is_honoured():
    class Upper(JSONTag):
        __slots__ = ()
        key = ""

        def check(self, value):
            return isinstance(value, str)

        def to_json(self, value):
            return value.upper()

        tag = to_json

    s = TaggedJSONSerializer()
    s.order.insert(0, Upper(s))
    assert s.dumps(["a", ("b",)]) == '["A",{" t":["B"]}]'


def test_subclass_with_custom_default_tags():
    class OnlyTuples(TaggedJSONSerializer):
        __slots__ = ()
        default_tags = [TagTuple, PassList, PassDict]

    s = OnlyTuples()
    assert s.dumps({"a": (1,)}) == '{"a":{" t":[1]}}'
    with pytest.raises(TypeError):
        s.dumps(b"bytes")  # no TagBytes and no JSON default for bytes


def test_json_tag_base_is_abstract():
    tag = JSONTag(TaggedJSONSerializer())
    for method in (tag.check, tag.to_json, tag.to_python):
        with pytest.raises(NotImplementedError):
            method(1)
    assert JSONTag.key == ""


@pytest.mark.parametrize("value", VALUES)
def test_round_trip_in_app_context(value):
    s = TaggedJSONSerializer()
    with app_context():
        assert s.loads(s.dumps(value)) == _normalize(value)


def test_loads_with_other_provider_and_overrides():
    from erlen.json.provider import OrjsonJSONProvider

    s = TaggedJSONSerializer()
    payload = '{"a":{" t":[1,{" b":"aGk="}]},"b":[{" di":{" t__":2}}]}'
    expected = {"a": (1, b"hi"), "b": [{" t": 2}]}
    app = Flask("orjson_app")
    app.json = OrjsonJSONProvider(app)
    with app.app_context():
        assert s.loads(payload) == expected

    seen: list[object] = []

    class Spying(TaggedJSONSerializer):
        __slots__ = ()

        def untag(self, value):
            seen.append(dict(value))
            return super().untag(value)

    assert Spying().loads(payload) == expected
    assert {" b": "aGk="} in seen and {" t__": 2} in seen

    class Scanning(TaggedJSONSerializer):
        __slots__ = ()

        def _untag_scan(self, value):
            return ("scanned", value)

    assert Scanning().loads("[1]") == ("scanned", [1])


@pytest.mark.parametrize("in_app", [False, True])
def test_loads_parses_like_json_loads(in_app):
    import contextlib
    import json

    from flask.json.tag import TaggedJSONSerializer as FlaskSerializer

    s = TaggedJSONSerializer()
    payload = '{"a":{" t":[1,{" b":"aGk="}]},"b":[{" di":{" t__":2}}]}'
    with app_context() if in_app else contextlib.nullcontext():
        # The serializer keeps one decoder; it must not keep state between calls.
        for _ in range(2):
            assert s.loads(payload) == FlaskSerializer().loads(payload)
            assert s.loads(payload.encode()) == FlaskSerializer().loads(payload)
        # json.loads refuses text that starts with a BOM, and so does loads.
        with pytest.raises(json.JSONDecodeError, match="BOM"):
            s.loads("\ufeff" + payload)
        with pytest.raises(json.JSONDecodeError):
            s.loads('{"a":')


def _provider_variants():
    """(name, configure) pairs applied to an erlen app and a Flask app alike."""

    def no_sort(app):
        app.json.sort_keys = False

    def unicode(app):
        app.json.ensure_ascii = False

    def custom_default(app):
        app.json.default = lambda o: f"<{type(o).__name__}>"

    return [("no_sort", no_sort), ("unicode", unicode), ("custom_default", custom_default)]


class Opaque:
    pass


@pytest.mark.parametrize(("name", "configure"), _provider_variants())
def test_dumps_follows_the_app_provider_settings(name, configure, flask_serializer, flask_app):
    value: dict[str, object] = {"z": "é", "a": [("t", "ü")]}
    if name == "custom_default":
        value["o"] = Opaque()
    app = Flask("provider_settings")
    configure(app)
    configure(flask_app)
    with app.app_context():
        ours = TaggedJSONSerializer().dumps(value)
    with flask_app.app_context():
        theirs = flask_serializer.dumps(value)
    assert ours == theirs
    if name == "no_sort":
        assert ours.startswith('{"z"')
    if name == "unicode":
        assert "é" in ours


def test_dumps_through_an_overridden_provider_dumps():
    from erlen.json.provider import DefaultJSONProvider

    calls = []

    class Recording(DefaultJSONProvider):
        def dumps(self, obj, **kwargs):
            calls.append(kwargs)
            return super().dumps(obj, **kwargs)

    app = Flask("recording")
    app.json = Recording(app)
    with app.app_context():
        assert TaggedJSONSerializer().dumps({"a": (1,)}) == '{"a":{" t":[1]}}'
    assert calls == [{"separators": (",", ":")}]


def test_dumps_through_a_provider_dumps_set_on_the_instance():
    calls = []
    app = Flask("patched")
    plain_dumps = app.json.dumps

    def dumps(obj, **kwargs):
        calls.append(kwargs)
        return plain_dumps(obj, **kwargs)

    app.json.dumps = dumps
    with app.app_context():
        assert TaggedJSONSerializer().dumps({"a": (1,)}) == '{"a":{" t":[1]}}'
    assert calls == [{"separators": (",", ":")}]


def test_dumps_with_the_orjson_provider_is_its_dumps():
    pytest.importorskip("orjson")
    from erlen.json.provider import OrjsonJSONProvider

    app = Flask("orjson")
    app.json = OrjsonJSONProvider(app)
    with app.app_context():
        value = {"b": 1.0, "a": "\u00e9"}
        assert TaggedJSONSerializer().dumps(value) == app.json.dumps(
            value, separators=(",", ":")
        )


class Loop:
    pass


class TagLoop(JSONTag):
    __slots__ = ()
    key = " loop"

    def check(self, value):
        return isinstance(value, Loop)

    def to_json(self, value):
        cycle: list[object] = []
        cycle.append(cycle)
        return cycle

    def to_python(self, value):
        return Loop()


def test_dumps_reports_a_cycle_as_json_dumps(flask_serializer, flask_app):
    ours = TaggedJSONSerializer()
    ours.register(TagLoop)
    flask_serializer.register(TagLoop)
    with app_context(), pytest.raises(ValueError, match="Circular reference detected"):
        ours.dumps({"x": Loop()})
    with flask_app.app_context(), pytest.raises(ValueError, match="Circular reference detected"):
        flask_serializer.dumps({"x": Loop()})


@pytest.mark.parametrize(
    "text", [' {"a":1}', '{"a":1} ', '{"a":{" t":[1]}}\n', '{"a":1}x', "", " ", '{"a":', "[1] [2]"]
)
def test_loads_whitespace_and_errors_as_json_loads(text, flask_serializer):
    import json

    s = TaggedJSONSerializer()
    with app_context():
        try:
            expected = flask_serializer.loads(text)
        except json.JSONDecodeError as e:
            with pytest.raises(json.JSONDecodeError) as info:
                s.loads(text)
            assert (info.value.msg, info.value.pos) == (e.msg, e.pos)
        else:
            assert s.loads(text) == expected
