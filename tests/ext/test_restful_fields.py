"""erlen.ext.restful's marshalling (marshal, marshal_with, marshal_with_field, fields) and the
argument types of erlen.ext.restful.inputs."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from erlen import Blueprint
from erlen.ext.restful import (
    OrderedDict,
    fields,
    inputs,
    marshal,
    marshal_with,
    marshal_with_field,
)
from erlen.ext.restful.fields import MarshallingException

UTC = timezone.utc


class Obj:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


def test_marshal_filters_and_orders():
    data = {"b": 2, "a": 1, "secret": "x"}
    out = marshal(data, OrderedDict([("a", fields.Raw), ("b", fields.Raw())]))
    assert out == {"a": 1, "b": 2}
    assert list(out) == ["a", "b"]
    assert isinstance(out, OrderedDict)
    assert marshal(data, {"a": fields.Raw}, envelope="data") == {"data": {"a": 1}}
    assert marshal([data, data], {"b": fields.Raw}) == [{"b": 2}, {"b": 2}]
    assert marshal((data,), {"b": fields.Raw}, envelope="items") == {"items": [{"b": 2}]}


def test_marshal_nested_dicts_and_objects():
    obj = Obj(name="n", x=1, y=2)
    out = marshal(obj, {"name": fields.String, "point": {"x": fields.Integer, "y": fields.Integer}})
    assert out == {"name": "n", "point": {"x": 1, "y": 2}}


def test_nested_field():
    spec = {"a": fields.Raw, "child": fields.Nested({"x": fields.String, "y": fields.String})}
    assert marshal({"a": 1, "child": {"x": "v"}}, spec) == {"a": 1, "child": {"x": "v", "y": None}}
    assert marshal({"a": 1, "child": None}, spec) == {"a": 1, "child": {"x": None, "y": None}}
    nullable = {"child": fields.Nested({"x": fields.String}, allow_null=True)}
    assert marshal({"child": None}, nullable) == {"child": None}
    with_default = {"child": fields.Nested({"x": fields.String}, default={})}
    assert marshal({}, with_default) == {"child": {}}


def test_list_field():
    assert fields.List(fields.String).output("l", {"l": [1, "b"]}) == ["1", "b"]
    assert sorted(fields.List(fields.String).output("l", {"l": {"a", "b"}})) == ["a", "b"]
    assert fields.List(fields.String).output("l", {"l": None}) is None
    assert fields.List(fields.Integer(attribute="a")).output("l", {"l": [{"a": 1}, {"a": 2}]}) == [1, 2]
    items = [Obj(v="x"), Obj(v="y")]
    assert fields.List(fields.String(attribute="v"), attribute="items").output(
        "other", Obj(items=items)
    ) == ["x", "y"]
    nested = fields.List(fields.Nested({"a": fields.Integer}))
    assert nested.output("l", {"l": [{"a": 1, "b": 2}]}) == [{"a": 1}]
    assert nested.output("l", {"l": {"a": 5}}) == [{"a": 5}]  # one object: a list of one
    assert fields.List(fields.Raw).output("l", {"l": [{"a": 1}, 2]}) == [{"a": 1}, 2]
    assert fields.List(fields.List(fields.Integer)).output("l", {"l": [["1"], ["2", 3]]}) == [
        [1],
        [2, 3],
    ]
    with pytest.raises(MarshallingException, match="subclass of erlen.ext.restful.fields.Raw"):
        fields.List(str)


def test_value_lookup():
    obj = Obj(a=Obj(b={"c": 3}), n=None)
    assert fields.Raw().output("a.b.c", obj) == 3
    assert fields.Raw(attribute="a.b.c").output("x", obj) == 3
    assert fields.Raw(attribute=lambda o: o.a.b["c"] * 2).output("x", obj) == 6
    assert fields.Raw(default="d").output("missing", obj) == "d"
    assert fields.Raw(default="d").output("n", obj) == "d"
    assert fields.Raw().output(1, ["a", "b"]) == "b"
    assert fields.get_value("a.z.q", obj) is None
    assert fields.to_marshallable_type(obj) == obj.__dict__
    assert fields.to_marshallable_type(None) is None

    class Custom:
        def __marshallable__(self):
            return {"k": "v"}

    assert fields.to_marshallable_type(Custom()) == {"k": "v"}


def test_scalar_fields():
    assert fields.String().output("v", {"v": 3}) == "3"
    assert fields.Integer().output("v", {"v": "7"}) == 7
    assert fields.Integer().output("v", {"v": None}) == 0
    assert fields.Integer(default=None).output("v", {}) is None
    assert fields.Float().output("v", {"v": "1.5"}) == 1.5
    assert fields.Boolean().output("v", {"v": ""}) is False
    assert fields.Boolean().output("v", {"v": "false"}) is True
    assert fields.Arbitrary().output("v", {"v": Decimal("1.10")}) == "1.10"
    for field, value in [(fields.Integer(), "x"), (fields.Float(), "x")]:
        with pytest.raises(MarshallingException):
            field.output("v", {"v": value})


def test_fixed_and_price():
    assert fields.Fixed(2).output("v", {"v": "3.14159"}) == "3.14"
    assert fields.Fixed(2).output("v", {"v": 2.675}) == "2.67"  # the float's exact value
    assert fields.Fixed(1).output("v", {"v": "0.25"}) == "0.2"  # half to even
    assert fields.Fixed().output("v", {"v": 0}) == "0.00000"
    assert fields.Price is fields.Fixed
    for bad in ("inf", "-inf", "NaN", "abc"):
        with pytest.raises(MarshallingException):
            fields.Fixed().output("v", {"v": bad})


def test_formatted_string():
    field = fields.FormattedString("/users/{id}/{name}")
    assert field.output("x", {"id": 1, "name": "ada"}) == "/users/1/ada"
    assert field.output("x", Obj(id=2, name="bo")) == "/users/2/bo"
    for bad in (None, {"id": 1}, (1, 2)):
        with pytest.raises(MarshallingException):
            field.output("x", bad)


def test_datetime_field():
    naive = datetime(2011, 1, 1, 23, 59, 59)
    aware = datetime(2011, 1, 1, 23, 59, 59, tzinfo=timezone(timedelta(hours=1)))
    assert fields.DateTime().output("d", {"d": naive}) == "Sat, 01 Jan 2011 23:59:59 -0000"
    assert fields.DateTime().output("d", {"d": aware}) == "Sat, 01 Jan 2011 22:59:59 -0000"
    iso = fields.DateTime(dt_format="iso8601")
    assert iso.output("d", {"d": naive}) == "2011-01-01T23:59:59"
    assert iso.output("d", {"d": aware}) == "2011-01-01T23:59:59+01:00"
    assert iso.output("d", {}) is None
    with pytest.raises(MarshallingException):
        fields.DateTime().output("d", {"d": "not a date"})
    with pytest.raises(MarshallingException, match="Unsupported date format raw"):
        fields.DateTime(dt_format="raw").output("d", {"d": naive})


def test_url_field(app):
    app.add_url_rule("/users/<int:id>", "user", view_func=lambda id: "")
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    bp.add_url_rule("/items/<int:id>", "item", view_func=lambda id: "")
    app.register_blueprint(bp)
    with app.test_request_context("/users/1", base_url="http://api.local"):
        assert fields.Url("user").output("u", {"id": 5, "other": "dropped"}) == "/users/5"
        assert fields.Url().output("u", Obj(id=6)) == "/users/6"  # the request's endpoint
        assert fields.Url("user", absolute=True).output("u", {"id": 7}) == "http://api.local/users/7"
        assert fields.Url("user", absolute=True, scheme="https").output("u", {"id": 8}) == (
            "https://api.local/users/8"
        )
        with pytest.raises(MarshallingException):
            fields.Url("user").output("u", None)
    with app.test_request_context("/bp/items/1"):
        assert fields.Url().output("u", {"id": 2}) == "/bp/items/2"


def test_marshal_with_decorators():
    @marshal_with({"a": fields.Raw})
    def plain():
        return {"a": 1, "b": 2}

    @marshal_with({"a": fields.Raw}, envelope="data")
    def with_status():
        return {"a": 1, "b": 2}, 201, {"X": "y"}

    @marshal_with_field(fields.List(fields.Integer))
    def numbers():
        return ["1", 2, 3.0]

    @marshal_with_field(fields.Raw)
    def raw_with_status():
        return "x", 202

    assert plain() == {"a": 1}
    assert plain.__name__ == "plain"
    assert with_status() == ({"data": {"a": 1}}, 201, {"X": "y"})
    assert numbers() == [1, 2, 3]
    assert raw_with_status() == ("x", 202, {})


def test_booleans_and_numbers():
    assert inputs.boolean("TRUE") is True
    assert inputs.boolean("0") is False
    assert inputs.boolean(False) is False
    for bad in ("", "yes", None):
        with pytest.raises(ValueError):
            inputs.boolean(bad)
    assert inputs.natural("0") == 0
    assert inputs.positive(3) == 3
    with pytest.raises(ValueError, match="Invalid page: 0. page must be a positive integer"):
        inputs.positive("0", "page")
    with pytest.raises(ValueError, match="x is not a valid integer"):
        inputs.natural("x")
    size = inputs.int_range(1, 10, "size")
    assert (size(1), size("10")) == (1, 10)
    with pytest.raises(ValueError, match="Invalid size: 11. size must be within the range 1 - 10"):
        size(11)


def test_dates():
    assert inputs.date("2008-08-01") == datetime(2008, 8, 1)
    with pytest.raises(ValueError):
        inputs.date("2008-13-13")
    assert inputs.datetime_from_rfc822("Sat, 01 Jan 2011 21:59:59 -0200") == datetime(
        2011, 1, 1, 23, 59, 59, tzinfo=UTC
    )
    assert inputs.datetime_from_rfc822("Sat, 01 Jan 2011 00:00:00 -0000") == datetime(
        2011, 1, 1, tzinfo=UTC
    )
    assert inputs.datetime_from_iso8601("2011-01-01T23:59:59+02:00") == datetime(
        2011, 1, 1, 21, 59, 59, tzinfo=UTC
    )
    with pytest.raises(ValueError):
        inputs.datetime_from_iso8601("yesterday")


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2013-01-01T12:30:00Z/P1Y2M3DT4H5M6S", datetime(2013, 1, 1, 12, 30),
         datetime(2014, 3, 5, 16, 35, 6)),  # aniso8601's calendar arithmetic
        ("2013-01-01T17:00-05:00/P2W", datetime(2013, 1, 1, 22), datetime(2013, 1, 15, 22)),
        ("2013-01-01/P3D", datetime(2013, 1, 1), datetime(2013, 1, 4)),
        ("2013-01-01/2013-06-30", datetime(2013, 1, 1), datetime(2013, 6, 30)),
        ("2013-01-01", datetime(2013, 1, 1), datetime(2013, 1, 2)),
        ("2013-01-01T12", datetime(2013, 1, 1, 12), datetime(2013, 1, 1, 13)),
        ("2013-01-01T12-07:00", datetime(2013, 1, 1, 19), datetime(2013, 1, 1, 20)),
        ("2013-01-01T12:30+04:00", datetime(2013, 1, 1, 8, 30), datetime(2013, 1, 1, 8, 31)),
        ("2013-01-01T12:30:45", datetime(2013, 1, 1, 12, 30, 45),
         datetime(2013, 1, 1, 12, 30, 46)),
    ],
)
def test_iso8601_intervals(value, start, end):
    assert inputs.iso8601interval(value) == (start.replace(tzinfo=UTC), end.replace(tzinfo=UTC))
    got_start, got_end = inputs.iso8601interval(value)
    assert got_start.tzinfo is UTC and got_end.tzinfo is UTC


@pytest.mark.parametrize("value", ["2013-01-01/blah", "", "asdf", "01/01/2013", "2013-01T14:"])
def test_bad_iso8601_intervals(value):
    with pytest.raises(ValueError, match=re.escape(f"Invalid when: {value}. when must be a valid")):
        inputs.iso8601interval(value, "when")


@pytest.mark.parametrize(
    "value",
    [
        "http://www.example.com/",
        "https://localhost:8000/x?y=1",
        "http://200.8.9.10:8000/test",
        "http://valid-----hyphens.com/",
        "http://foo:bar@example.com",
        "http://foo:@2001:db8:85a3::8a2e:370:7334",
        "ftps://files.example.org/a",
        "http://[::1]:80/",
    ],
)
def test_good_urls(value):
    assert inputs.url(value) == value


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("foo", False),
        ("http://", False),
        ("http://example", False),
        ("http://-invalid.com", False),
        ("http://invalid-.com", False),
        ("http://@foo:bar@example.com", False),
        ("http://bar:bar:bar@example.com", False),
        ("foo \u2713", False),
        ("http://example.com/a b", False),
        ("google.com", True),
        ("user:pass@example.com/path?q", True),
    ],
)
def test_bad_urls(value, hint):
    expected = f"{value} is not a valid URL" + (f". Did you mean: http://{value}" if hint else "")
    with pytest.raises(ValueError) as info:
        inputs.url(value)
    assert str(info.value) == expected


def test_regex():
    digits = inputs.regex(r"^[0-9]+$")
    assert digits("123") == "123"
    with pytest.raises(ValueError, match=r'Value does not match pattern: "\^\[0-9\]\+\$"'):
        digits("12a")
    loose = inputs.regex(r"^[A-Z]+$", re.IGNORECASE)
    assert loose("abc") == "abc"
    with pytest.raises(re.error):
        inputs.regex("[")


def test_intervals_of_dates_are_midnight_to_midnight():
    start, end = inputs.iso8601interval("2020-02-28/P2D")
    assert (start.date(), end.date()) == (date(2020, 2, 28), date(2020, 3, 1))
