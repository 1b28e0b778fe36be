"""erlen.ext.restful.reqparse through real requests: locations, types, choices, actions,
required arguments, bundled errors, strict parsing, and the 400 answers bad input gets."""

from __future__ import annotations

import decimal
import io

import pytest

from erlen.datastructures import FileStorage, MultiDict
from erlen.exceptions import BadRequest
from erlen.ext.restful import Api, Resource, inputs, reqparse
from erlen.ext.restful.reqparse import Argument, Namespace, RequestParser
from erlen.wrappers.request import Request


@pytest.fixture
def parse(app, client):
    """parse(parser, **request) -> (status, JSON body): the parser run in a real view."""
    api = Api(app)
    holder = {}

    class Parse(Resource):
        def _run(self):
            return dict(holder["parser"].parse_args(**holder.get("options", {})))

        get = post = put = _run

    api.add_resource(Parse, "/parse")

    def run(parser, method="get", options=None, **kwargs):
        holder["parser"] = parser
        holder["options"] = options or {}
        resp = client.open("/parse", method=method, **kwargs)
        return resp.status_code, resp.json

    return run


def test_default_locations_read_json_query_and_form(parse):
    parser = RequestParser().add_argument("a").add_argument("b", type=int)
    assert parse(parser, query_string="a=x&b=2") == (200, {"a": "x", "b": 2})
    assert parse(parser, method="post", data={"a": "form", "b": "3"}) == (200, {"a": "form", "b": 3})
    assert parse(parser, method="post", json={"a": "json", "b": 4}) == (200, {"a": "json", "b": 4})
    # JSON body and query string together
    assert parse(parser, method="post", query_string="a=q", json={"b": 5}) == (200, {"a": "q", "b": 5})
    assert parse(parser) == (200, {"a": None, "b": None})


def test_json_location_without_a_json_body(parse):
    parser = RequestParser().add_argument("a", location="json")
    # a form or empty body is simply "no JSON" (Flask-RESTful's intent), not a 415
    assert parse(parser, method="post", data={"a": "form"}) == (200, {"a": None})
    assert parse(parser, method="post", json={"a": [1, 2]}) == (200, {"a": "[1, 2]"})


def test_malformed_json_body_is_400(parse):
    parser = RequestParser().add_argument("a")
    status, body = parse(parser, method="post", data="{not json", content_type="application/json")
    assert status == 400
    assert parse(parser, method="post", json={"a": "ok"}) == (200, {"a": "ok"})


@pytest.mark.parametrize("body", [[1, 2], "a", 3, None, [["a", "b"]]])
def test_json_bodies_that_are_not_objects(parse, body):
    parser = RequestParser().add_argument("a", required=True)
    status, answer = parse(parser, method="post", json=body, query_string="a=q")
    assert (status, answer) == (200, {"a": "q"})
    only_json = RequestParser().add_argument("a", required=True, location="json")
    status, answer = parse(only_json, method="post", json=body)
    assert (status, answer) == (400, {"message": {"a": "Missing required parameter in the JSON body"}})


@pytest.mark.parametrize("value", [{"x": 1}, [1], "9" * 5000, "1e9999", "\x00"])
def test_hostile_values_get_400(parse, value):
    parser = RequestParser().add_argument("n", type=int, location="json")
    status, body = parse(parser, method="post", json={"n": value})
    assert status == 400
    assert list(body["message"]) == ["n"]
    flag = RequestParser().add_argument("f", type=inputs.boolean, location="json")
    assert parse(flag, method="post", json={"f": value})[0] == 400
    assert parse(parser, method="post", json={"n": 1}) == (200, {"n": 1})


@pytest.mark.parametrize(
    ("location", "kwargs", "expected"),
    [
        ("args", {"query_string": "v=q"}, "q"),
        ("form", {"method": "post", "data": {"v": "f"}}, "f"),
        ("headers", {"headers": {"V": "h"}}, "h"),
        ("values", {"method": "post", "query_string": "v=q", "data": {"x": "1"}}, "q"),
    ],
)
def test_single_locations(parse, location, kwargs, expected):
    name = "V" if location == "headers" else "v"
    parser = RequestParser().add_argument(name, location=location, dest="v")
    assert parse(parser, **kwargs) == (200, {"v": expected})


def test_cookies_and_view_args(app, client):
    api = Api(app)
    parser = RequestParser()
    parser.add_argument("theme", location="cookies")
    parser.add_argument("id", location="view_args", type=int)

    class Page(Resource):
        def get(self, id):
            return dict(parser.parse_args())

    api.add_resource(Page, "/pages/<id>")
    client.set_cookie("theme", "dark")
    assert client.get("/pages/7").json == {"theme": "dark", "id": 7}


def test_files(parse):
    parser = RequestParser().add_argument("doc", type=FileStorage, location="files")
    parser.add_argument("title", location="form")

    def describe_upload(value):
        return f"{value.filename}:{value.read().decode()}"

    status, body = parse(
        RequestParser().add_argument("doc", type=describe_upload, location="files"),
        method="post",
        data={"doc": (io.BytesIO(b"hello"), "a.txt")},
    )
    assert (status, body) == (200, {"doc": "a.txt:hello"})

    with_file = RequestParser().add_argument("doc", type=FileStorage, location="files")
    with_file.add_argument("title", location="form", required=True)
    status, body = parse(with_file, method="post", data={"title": "t"})
    assert (status, body) == (200, {"doc": None, "title": "t"})


def test_missing_required(parse):
    parser = RequestParser().add_argument("name", required=True)
    assert parse(parser) == (
        400,
        {"message": {"name": "Missing required parameter in the JSON body or the post body or"
                             " the query string"}},
    )
    only_args = RequestParser().add_argument("name", required=True, location="args")
    assert parse(only_args)[1] == {"message": {"name": "Missing required parameter in the query"
                                                       " string"}}
    assert parse(only_args, query_string="name=x") == (200, {"name": "x"})


def test_type_errors_and_help(parse):
    parser = RequestParser()
    parser.add_argument("n", type=int, help="n must be a number: {error_msg}")
    assert parse(parser, query_string="n=zz") == (
        400,
        {"message": {"n": "n must be a number: invalid literal for int() with base 10: 'zz'"}},
    )
    plain = RequestParser().add_argument("n", type=inputs.natural)
    assert parse(plain, query_string="n=-1") == (
        400,
        {"message": {"n": "Invalid n: -1. n must be a non-negative integer"}},
    )


def test_custom_http_error_code(parse):
    # as in Flask-RESTful, the code applies to bundled errors
    parser = RequestParser(bundle_errors=True).add_argument("n", type=int)
    status, body = parse(parser, query_string="n=x", options={"http_error_code": 422})
    assert status == 422
    assert set(body["message"]) == {"n"}


def test_choices_and_case(parse):
    parser = RequestParser().add_argument("color", choices=("red", "blue"))
    assert parse(parser, query_string="color=red") == (200, {"color": "red"})
    assert parse(parser, query_string="color=RED") == (
        400,
        {"message": {"color": "RED is not a valid choice"}},
    )
    loose = RequestParser().add_argument("color", choices=("Red", "Blue"), case_sensitive=False)
    assert parse(loose, query_string="color=BLUE") == (200, {"color": "blue"})
    assert loose.args[0].choices == ("Red", "Blue")  # the argument is left as it was
    numbers = RequestParser().add_argument("n", type=int, choices=range(10))
    assert parse(numbers, method="post", json={"n": 10})[0] == 400
    assert parse(numbers, method="post", json={"n": 9}) == (200, {"n": 9})


def test_actions_operators_and_defaults(parse):
    parser = RequestParser()
    parser.add_argument("tag", action="append", location="args")
    parser.add_argument("size", operators=[">=", "<="], action="append", type=int,
                        location="args")
    parser.add_argument("page", type=int, default=1, location="args")
    parser.add_argument("sort", default=lambda: "name", location="args")
    parser.add_argument("hidden", store_missing=False, location="args")
    assert parse(parser, query_string="tag=a&tag=b&size>=2&size<=9") == (
        200,
        {"tag": ["a", "b"], "size": [2, 9], "page": 1, "sort": "name"},
    )
    store = RequestParser().add_argument("tag", location="args")
    assert parse(store, query_string="tag=a&tag=b") == (200, {"tag": "a"})
    json_list = RequestParser().add_argument("ids", action="append", type=int, location="json")
    assert parse(json_list, method="post", json={"ids": [1, "2"]}) == (200, {"ids": [1, 2]})


def test_trim_ignore_nullable(parse):
    parser = RequestParser(trim=True)
    parser.add_argument("name", location="args")
    parser.add_argument("raw", location="args", trim=False)
    parser.add_argument("n", type=int, ignore=True, location="args")
    assert parse(parser, query_string="name=+x+&raw=+y+&n=zz") == (
        200,
        {"name": "x", "raw": " y ", "n": None},
    )
    strict_null = RequestParser().add_argument("v", nullable=False, location="json")
    assert parse(strict_null, method="post", json={"v": None}) == (
        400,
        {"message": {"v": "Must not be null!"}},
    )
    nullable = RequestParser().add_argument("v", type=int, location="json")
    assert parse(nullable, method="post", json={"v": None}) == (200, {"v": None})


def test_bundled_errors(app, parse):
    parser = RequestParser(bundle_errors=True)
    parser.add_argument("a", type=int, required=True)
    parser.add_argument("b", choices=("x",))
    parser.add_argument("c")
    status, body = parse(parser, query_string="b=y&c=ok")
    assert status == 400
    assert body == {
        "message": {
            "a": "Missing required parameter in the JSON body or the post body or the query"
                 " string",
            "b": "y is not a valid choice",
        }
    }
    app.config["BUNDLE_ERRORS"] = True
    unbundled = RequestParser().add_argument("a", type=int).add_argument("b", type=int)
    assert set(parse(unbundled, query_string="a=x&b=y")[1]["message"]) == {"a", "b"}


def test_bundled_errors_of_any_kind_are_errors(parse):
    # A type failing with a TypeError, not a ValueError, is still a 400, never the value.
    parser = RequestParser(bundle_errors=True)
    parser.add_argument("d", type=dict, location="json")
    parser.add_argument("n", type=int, location="json")
    status, body = parse(parser, method="post", json={"d": [1], "n": {"a": 1}})
    assert status == 400
    assert set(body["message"]) == {"d", "n"}
    assert parse(parser, method="post", json={"d": {"a": 1}, "n": 2}) == (
        200,
        {"d": {"a": 1}, "n": 2},
    )


def test_strict(parse):
    parser = RequestParser().add_argument("a", location="args")
    assert parse(parser, query_string="a=1&b=2") == (200, {"a": "1"})
    status, body = parse(parser, query_string="a=1&b=2&c=3", options={"strict": True})
    assert status == 400
    assert body["message"] == "Unknown arguments: b, c"
    assert parse(parser, query_string="a=1", options={"strict": True}) == (200, {"a": "1"})


def test_decimal_and_list_types():
    parser = RequestParser()
    parser.add_argument("price", type=decimal.Decimal, location="json")
    parser.add_argument("items", type=list, location="json")
    req = Request.from_values(
        method="POST", data='{"price": 89.92, "items": [{"a": 1}]}',
        content_type="application/json",
    )
    args = parser.parse_args(req)
    assert args == {"price": decimal.Decimal("89.92"), "items": [{"a": 1}]}


def test_type_called_with_the_arguments_it_takes():
    calls = []

    def three(value, name, op):
        calls.append((value, name, op))
        return value

    def two(value, name):
        calls.append((value, name))
        return value

    def one(value):
        calls.append(value)
        raise TypeError("one's own error")

    req = Request.from_values("/?x<=1&x=2")
    assert RequestParser().add_argument("x", type=three, operators=["<=", "="],
                                        action="append").parse_args(req) == {"x": ["1", "2"]}
    assert RequestParser().add_argument("x", type=two).parse_args(req) == {"x": "2"}
    assert calls == [("1", "x", "<="), ("2", "x", "="), ("2", "x")]
    parser = RequestParser().add_argument("x", type=one, ignore=True, store_missing=False)
    assert parser.parse_args(req) == {}
    assert calls[-1] == "2"


def test_type_arity_is_remembered_per_type():
    arg = Argument("n", type=int)
    assert arg.convert("5", "=") == 5
    assert arg.convert("6", "=") == 6
    arg.type = lambda value, name: f"{name}={value}"
    assert arg.convert("7", "=") == "n=7"
    with pytest.raises(ValueError):
        Argument("n", type=int).convert("x", "=")


def test_parse_args_on_request_objects(app):
    req = Request.from_values("/?foo=bar&n=3")
    parser = RequestParser().add_argument("foo").add_argument("n", type=int)
    args = parser.parse_args(req)
    assert isinstance(args, Namespace)
    assert (args.foo, args["n"]) == ("bar", 3)
    with pytest.raises(AttributeError):
        args.missing  # noqa: B018
    assert type(RequestParser(namespace_class=dict).parse_args(req)) is dict
    with app.app_context(), pytest.raises(BadRequest) as info:
        RequestParser().add_argument("n", type=int, choices=[1]).parse_args(req)
    assert info.value.data == {"message": {"n": "3 is not a valid choice"}}


def test_source_merges_locations_in_order():
    req = Request.from_values("/?a=1", method="POST", data={"a": "2", "b": "3"})
    arg = Argument("a", location=["args", "form"])
    assert arg.source(req) == MultiDict([("a", "1"), ("a", "2"), ("b", "3")])
    assert Argument("a", location="nowhere").source(req) == MultiDict()


def test_copy_replace_remove():
    parser = RequestParser(trim=True, bundle_errors=True)
    parser.add_argument("a", type=int).add_argument("b")
    copy = parser.copy()
    assert (copy.trim, copy.bundle_errors) == (True, True)
    assert [a.name for a in copy.args] == ["a", "b"]
    assert copy.args[0] is not parser.args[0]
    copy.replace_argument("a", type=str, location="args")
    copy.remove_argument("b")
    assert [(a.name, a.type) for a in copy.args] == [("a", str)]
    assert [a.name for a in parser.args] == ["a", "b"]
    regex_copy = RequestParser().add_argument("c", type=inputs.regex("^x", 0)).copy()
    assert regex_copy.args[0].type("xy") == "xy"


def test_argument_repr_and_str():
    arg = Argument("foo", choices=[1, 2, 3, 4, 5, 6])
    assert repr(arg).startswith("Argument('foo', default=None, dest=None, required=False")
    assert str(arg) == "Name: foo, type: " + str(arg.type) + ", choices: [1, 2, 3, '...', 6]"
    assert Argument("foo").type("x") == "x"
    assert reqparse.text_type(3) == "3"


def test_parser_in_an_async_resource(app, client):
    api = Api(app)
    parser = RequestParser().add_argument("q", required=True, location="args")

    class Search(Resource):
        async def get(self):
            return {"q": parser.parse_args().q}

    api.add_resource(Search, "/search")
    assert client.get("/search?q=cats").json == {"q": "cats"}
    assert client.get("/search").status_code == 400
