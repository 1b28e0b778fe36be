"""Tests for erlen.wrappers.response.Response (Werkzeug's Response API).

Werkzeug is imported inside some tests only, as an oracle for exact header strings.
"""

from __future__ import annotations

import hashlib
import io
import json
from datetime import datetime, timedelta, timezone
from http import HTTPStatus

import pytest
from _timing import assert_linear

from erlen.datastructures import ContentRange, Headers, ResponseCacheControl
from erlen.exceptions import (
    BadRequest,
    MethodNotAllowed,
    NotFound,
    RequestedRangeNotSatisfiable,
)
from erlen.routing import RequestRedirect
from erlen.wrappers.response import Response, ResponseStream


def make_environ(method: str = "GET", **extra: str) -> dict:
    env = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": "/path",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "wsgi.url_scheme": "http",
    }
    env.update(extra)
    return env


def run(resp: Response, environ: dict | None = None) -> tuple[str, list[tuple[str, str]], bytes]:
    """Call ``resp`` as a WSGI app; return status, header list and body (closed)."""
    started: list = []

    def start_response(status, headers, exc_info=None):
        started[:] = [status, headers]

    app_iter = resp(environ or make_environ(), start_response)
    try:
        body = b"".join(app_iter)
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    return started[0], started[1], body


def header_dict(headers: list[tuple[str, str]]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers}


# ---------------------------------------------------------------------------
# construction, status


def test_defaults():
    resp = Response()
    assert resp.status == "200 OK"
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert resp.data == b""
    assert resp.response == []
    assert resp.direct_passthrough is False
    assert Response.default_status == 200
    assert Response.default_mimetype == "text/plain"
    assert Response.max_cookie_size == 4093
    assert Response.automatically_set_content_length is True
    assert Response.autocorrect_location_header is False
    assert Response.implicit_sequence_conversion is True
    assert Response.json_module is json


def test_str_body_encoded_once_with_length():
    resp = Response("Hällo")
    assert resp.response == ["Hällo".encode()]
    assert resp.headers.to_wsgi_list() == [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", "6"),
    ]
    assert resp.get_data(as_text=True) == "Hällo"


@pytest.mark.parametrize("body", [b"abc", bytearray(b"abc")])
def test_bytes_body(body):
    resp = Response(body)
    assert resp.data == b"abc"
    assert resp.content_length == 3


def test_matches_werkzeug_headers_for_common_constructions():
    from werkzeug.wrappers import Response as WResponse

    cases = [
        dict(response="hi"),
        dict(response="hi", status=404),
        dict(response=b"{}", mimetype="application/json"),
        dict(response="x", content_type="text/csv"),
        dict(response="x", headers={"X-A": "1"}),
        dict(response="x", headers=[("Content-Type", "image/png")]),
        dict(response="x", mimetype="image/svg+xml"),
        dict(response="x", mimetype="application/javascript"),
        dict(response=["a", b"b"]),
        dict(response=None, status=204),
        dict(response="x", status=304, headers={"ETag": '"a"', "Expires": "0"}),
    ]
    for kwargs in cases:
        ours = run(Response(**kwargs))
        theirs = run(WResponse(**kwargs))
        assert ours == theirs, kwargs


@pytest.mark.parametrize(
    ("value", "status", "code"),
    [
        (200, "200 OK", 200),
        (404, "404 NOT FOUND", 404),
        (HTTPStatus.CREATED, "201 CREATED", 201),
        ("404", "404 NOT FOUND", 404),
        ("404 Custom Reason", "404 Custom Reason", 404),
        ("999 X", "999 X", 999),
        (999, "999 UNKNOWN", 999),
        ("999", "999 UNKNOWN", 999),
        ("  200  ", "200 OK", 200),
        ("abc", "0 abc", 0),
        (418, "418 I'M A TEAPOT", 418),
    ],
)
def test_status_forms(value, status, code):
    from werkzeug.wrappers import Response as WResponse

    resp = Response(status=value)
    assert (resp.status, resp.status_code) == (status, code)
    w = WResponse(status=value)
    assert (w.status, w.status_code) == (status, code)
    resp2 = Response()
    resp2.status = value
    assert resp2.status == status


def test_status_code_setter_updates_status():
    resp = Response()
    resp.status_code = 404
    assert resp.status == "404 NOT FOUND"
    resp.status_code = 299
    assert resp.status == "299 UNKNOWN"


@pytest.mark.parametrize("bad", ["", "   "])
def test_empty_status_is_value_error(bad):
    with pytest.raises(ValueError, match="Empty status"):
        Response(status=bad)


@pytest.mark.parametrize("bad", ["200 OK\r\nX-Evil: 1", "200\nX", "O\rK", "200 O\x00K"])
def test_status_with_newline_rejected(bad):
    with pytest.raises(ValueError, match="newline"):
        Response(status=bad)
    resp = Response()
    with pytest.raises(ValueError):
        resp.status = bad
    assert resp.status == "200 OK"


@pytest.mark.parametrize("bad", [None, 2.5, b"200"])
def test_status_wrong_type(bad):
    resp = Response()
    with pytest.raises(TypeError, match="Status must be"):
        resp.status = bad


@pytest.mark.parametrize("bad", [200.0, 404.0, 299.0])
def test_constructor_refuses_a_number_that_only_equals_a_code(bad):
    # A float equal to a known code is not taken for it by the constructor's
    # lookup of known codes: it is the setter's error, whatever the number.
    with pytest.raises(TypeError, match="Status must be"):
        Response(status=bad)


def test_headers_argument_forms():
    h = Headers([("X-A", "1")])
    resp = Response("x", headers=h)
    assert resp.headers is h
    assert resp.headers["Content-Type"] == "text/plain; charset=utf-8"
    resp = Response("x", headers={"X-B": "2"})
    assert resp.headers["X-B"] == "2"
    resp = Response("x", headers=[("X-C", "3"), ("X-C", "4")])
    assert resp.headers.getlist("X-C") == ["3", "4"]
    resp = Response("x", headers={})
    assert resp.headers["Content-Length"] == "1"


def test_content_type_in_headers_wins_over_default():
    resp = Response("x", headers={"content-type": "application/xml"})
    assert resp.headers.getlist("Content-Type") == ["application/xml"]
    assert resp.mimetype == "application/xml"


def test_mimetype_and_content_type_arguments():
    assert Response(mimetype="application/json").content_type == "application/json"
    assert Response(mimetype="text/html").content_type == "text/html; charset=utf-8"
    assert Response(mimetype="image/svg+xml").content_type == "image/svg+xml; charset=utf-8"
    resp = Response(mimetype="text/html", content_type="text/csv; charset=latin-1")
    assert resp.content_type == "text/csv; charset=latin-1"
    assert resp.mimetype == "text/csv"
    assert resp.mimetype_params == {"charset": "latin-1"}


def test_no_default_mimetype_subclass():
    class Bare(Response):
        default_mimetype = None

    resp = Bare("abc")
    assert "Content-Type" not in resp.headers
    assert resp.headers.to_wsgi_list() == [("Content-Length", "3")]
    assert resp.mimetype is None


def test_flask_like_subclass_overrides():
    class HTMLResponse(Response):
        default_mimetype = "text/html"
        autocorrect_location_header = False

        @property
        def max_cookie_size(self):
            return 10

    resp = HTMLResponse("<p>")
    assert resp.content_type == "text/html; charset=utf-8"
    with pytest.warns(UserWarning, match="cookie"):
        resp.set_cookie("k", "a" * 20)
    resp.extra_attribute = 1  # instances keep a __dict__
    assert resp.extra_attribute == 1


def test_plain_response_accepts_attributes():
    resp = Response()
    resp.request = "anything"
    assert resp.request == "anything"


# ---------------------------------------------------------------------------
# header injection and hostile values


def test_header_injection_via_headers_setitem():
    resp = Response()
    with pytest.raises(ValueError):
        resp.headers["X-Test"] = "a\r\nSet-Cookie: evil=1"
    with pytest.raises(ValueError):
        resp.headers.add("X-Test", "a\nb")
    assert "X-Test" not in resp.headers


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(headers={"X": "a\r\nb"}),
        dict(headers=[("X", "a\nb")]),
        dict(mimetype="text/html\r\nX-Evil: 1"),
        dict(content_type="text/html\nX-Evil: 1"),
    ],
)
def test_header_injection_via_constructor(kwargs):
    with pytest.raises(ValueError):
        Response("x", **kwargs)


def test_header_injection_via_properties():
    resp = Response()
    with pytest.raises(ValueError):
        resp.location = "/a\r\nX-Evil: 1"
    with pytest.raises(ValueError):
        resp.mimetype = "text/plain\nX: y"
    with pytest.raises(ValueError):
        resp.content_type = "text/plain\r\n"
    assert list(resp.headers) == [("Content-Type", "text/plain; charset=utf-8")]


def test_bad_mimetype_not_cached():
    with pytest.raises(ValueError):
        Response(mimetype="a/b\nc")
    with pytest.raises(ValueError):
        Response(mimetype="a/b\nc")


# ---------------------------------------------------------------------------
# body


def test_set_data_and_data_property():
    resp = Response("abc")
    resp.data = "zzzz"
    assert resp.content_length == 4
    assert resp.get_data() == b"zzzz"
    resp.set_data(b"12")
    assert resp.headers["Content-Length"] == "2"
    assert resp.get_data(as_text=True) == "12"


def test_set_data_without_automatic_length():
    class NoLength(Response):
        automatically_set_content_length = False

    resp = NoLength("abc")
    assert "Content-Length" not in resp.headers
    status, headers, body = run(resp)
    assert "content-length" not in header_dict(headers)
    assert body == b"abc"


def test_overridden_set_data_is_used_by_constructor():
    calls = []

    class Custom(Response):
        def set_data(self, value):
            calls.append(value)
            super().set_data(value.upper() if isinstance(value, str) else value)

    resp = Custom("abc")
    assert calls == ["abc"]
    assert resp.data == b"ABC"


def test_list_and_tuple_bodies_are_sequences():
    resp = Response(["a", "bc", b"d"])
    assert resp.is_sequence
    assert not resp.is_streamed
    assert resp.calculate_content_length() == 4
    assert list(resp.iter_encoded()) == [b"a", b"bc", b"d"]
    assert resp.data == b"abcd"
    assert Response(("x", "y")).is_sequence


def test_generator_is_streamed_not_buffered_on_call():
    produced = []

    def gen():
        for part in ("a", "b", "c"):
            produced.append(part)
            yield part

    resp = Response(gen())
    assert resp.is_streamed
    assert not resp.is_sequence
    started = []
    app_iter = resp(make_environ(), lambda s, h, e=None: started.append((s, h)))
    assert produced == []  # nothing consumed before the server iterates
    assert "content-length" not in header_dict(started[0][1])
    it = iter(app_iter)
    assert next(it) == b"a"
    assert produced == ["a"]
    assert list(it) == [b"b", b"c"]
    app_iter.close()


def test_streamed_body_close_called():
    closed = []

    class Body:
        def __iter__(self):
            yield b"x"
            yield b"y"

        def close(self):
            closed.append(True)

    resp = Response(Body())
    on_close = []
    resp.call_on_close(lambda: on_close.append(1))
    status, headers, body = run(resp)
    assert body == b"xy"
    assert closed == [True]
    assert on_close == [1]


def test_close_called_even_when_not_iterated():
    closed = []

    def gen():
        try:
            yield b"never"
        finally:
            closed.append("gen")

    resp = Response(gen())
    resp.call_on_close(lambda: closed.append("cb"))
    app_iter = resp(make_environ(), lambda *a: None)
    app_iter.close()
    assert closed == ["cb"]


def test_make_sequence_keeps_close():
    closed = []

    class Body:
        def __iter__(self):
            return iter(["a", "b"])

        def close(self):
            closed.append(True)

    resp = Response(Body())
    resp.make_sequence()
    assert resp.response == [b"a", b"b"]
    assert closed == []
    resp.close()
    assert closed == [True]


def test_get_data_buffers_stream():
    resp = Response(x for x in ["a", "b"])
    assert resp.get_data() == b"ab"
    assert resp.is_sequence


def test_implicit_sequence_conversion_disabled():
    class Strict(Response):
        implicit_sequence_conversion = False

    resp = Strict(x for x in [b"a"])
    with pytest.raises(RuntimeError, match="make_sequence"):
        resp.get_data()
    assert resp.calculate_content_length() is None
    resp.make_sequence()
    assert resp.get_data() == b"a"


def test_direct_passthrough():
    body = iter([b"a", b"b"])
    resp = Response(body, direct_passthrough=True)
    assert resp.direct_passthrough is True
    assert resp.get_app_iter(make_environ()) is body
    with pytest.raises(RuntimeError, match="direct passthrough"):
        resp.get_data()
    assert resp.calculate_content_length() is None


def test_call_on_close_decorator_and_order():
    resp = Response("x")
    order = []

    @resp.call_on_close
    def first():
        order.append(1)

    assert first.__name__ == "first"
    resp.call_on_close(lambda: order.append(2))
    run(resp)
    assert order == [1, 2]


def test_fixed_body_with_nothing_to_close_is_sent_as_is():
    resp = Response("x")
    app_iter = resp.get_app_iter(make_environ())
    assert app_iter is resp.response
    assert list(app_iter) == [b"x"]


def test_fixed_body_closes_when_closing_does_something():
    closed = []
    resp = Response("x")
    resp.call_on_close(lambda: closed.append("callback"))
    app_iter = resp.get_app_iter(make_environ())
    assert list(app_iter) == [b"x"]
    app_iter.close()  # type: ignore[attr-defined]
    assert closed == ["callback"]

    class Logged(Response):
        def close(self) -> None:
            closed.append("override")
            super().close()

    app_iter = Logged("x").get_app_iter(make_environ())
    app_iter.close()  # type: ignore[attr-defined]
    assert closed == ["callback", "override"]


def test_context_manager_closes():
    closed = []
    with Response("x") as resp:
        resp.call_on_close(lambda: closed.append(1))
    assert closed == [1]


def test_freeze():
    resp = Response(x for x in ["a", "bc"])
    resp.freeze()
    assert resp.response == [b"a", b"bc"]
    assert resp.headers["Content-Length"] == "3"
    assert resp.get_etag() == (hashlib.sha1(b"abc").hexdigest(), False)
    resp2 = Response((x for x in [b"a"]), direct_passthrough=True)
    resp2.freeze()
    assert resp2.data == b"a"


def test_repr():
    assert repr(Response("abc")) == "<Response 3 bytes [200 OK]>"
    assert repr(Response(x for x in "a")) == "<Response streamed [200 OK]>"

    class Sized:
        def __len__(self):
            return 1

        def __iter__(self):
            return iter([b"a"])

    assert repr(Response(Sized(), status=404)) == "<Response likely-streamed [404 NOT FOUND]>"


def test_stream_write():
    resp = Response("a")
    stream = resp.stream
    assert isinstance(stream, ResponseStream)
    assert resp.stream is stream
    assert stream.write(b"bc") == 2
    stream.writelines([b"d", b"e"])
    assert stream.tell() == 5
    assert "Content-Length" not in resp.headers
    assert resp.get_data() == b"abcde"
    assert stream.encoding == "utf-8"
    assert stream.isatty() is False
    stream.flush()
    stream.close()
    with pytest.raises(ValueError, match="closed"):
        stream.write(b"x")
    with pytest.raises(ValueError):
        stream.flush()


# ---------------------------------------------------------------------------
# WSGI


def test_call_basic():
    status, headers, body = run(Response("Hello"))
    assert status == "200 OK"
    assert headers == [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "5")]
    assert body == b"Hello"


def test_call_header_list_is_a_copy():
    resp = Response("Hello")
    _, headers, _ = run(resp)
    headers.append(("X-Server-Added", "1"))
    assert "X-Server-Added" not in resp.headers


def test_head_has_empty_body_but_length():
    closed = []
    resp = Response("Hello")
    resp.call_on_close(lambda: closed.append(1))
    status, headers, body = run(resp, make_environ("HEAD"))
    assert body == b""
    assert header_dict(headers)["content-length"] == "5"
    assert closed == [1]


def test_head_does_not_consume_generator():
    consumed = []

    def gen():
        consumed.append(1)
        yield b"x"

    status, headers, body = run(Response(gen()), make_environ("HEAD"))
    assert body == b""
    assert consumed == []


@pytest.mark.parametrize("code", [100, 101, 204])
def test_no_content_length_for_1xx_and_204(code):
    resp = Response("body", status=code)
    status, headers, body = run(resp)
    assert body == b""
    assert "content-length" not in header_dict(headers)
    assert resp.headers["Content-Length"] == "4"  # the response itself is untouched


def test_304_removes_entity_headers():
    resp = Response(
        "body",
        status=304,
        headers={"ETag": '"x"', "Expires": "Thu, 01 Jan 1970 00:00:00 GMT", "Allow": "GET"},
    )
    resp.content_location = "/c"
    resp.last_modified = datetime(2020, 1, 1, tzinfo=timezone.utc)
    status, headers, body = run(resp)
    assert body == b""
    names = {k.lower() for k, _ in headers}
    assert names == {"etag", "expires", "content-location"}


def test_get_wsgi_headers_no_copy_when_unchanged():
    resp = Response("Hello")
    assert resp.get_wsgi_headers(make_environ()) is resp.headers


def test_get_wsgi_headers_adds_length_without_touching_response():
    resp = Response(["a", "bb"])
    assert "Content-Length" not in resp.headers
    headers = resp.get_wsgi_headers(make_environ())
    assert headers is not resp.headers
    assert headers["Content-Length"] == "3"
    assert "Content-Length" not in resp.headers
    resp.response = ["abcd"]
    assert resp.get_wsgi_headers(make_environ())["Content-Length"] == "4"


def test_get_wsgi_response():
    app_iter, status, headers = Response("x", status=201).get_wsgi_response(make_environ())
    assert status == "201 CREATED"
    assert isinstance(headers, list)
    assert list(app_iter) == [b"x"]


def test_location_kept_relative_and_iri_encoded():
    resp = Response(status=302)
    resp.location = "/fü?q=ä b"
    status, headers, body = run(resp)
    assert header_dict(headers)["location"] == "/f%C3%BC?q=%C3%A4%20b"
    assert resp.location == "/fü?q=ä b"

    resp = Response(status=302, headers={"Location": "/plain/path?x=1"})
    assert header_dict(run(resp)[1])["location"] == "/plain/path?x=1"

    resp = Response(status=302, headers={"Location": "http://☃.net/x"})
    assert header_dict(run(resp)[1])["location"] == "http://xn--n3h.net/x"


def test_location_matches_werkzeug():
    from werkzeug.wrappers import Response as WResponse

    for loc in ["/a b", "/ä", "//evil.com", "/\\evil.com", "http://Ex.com:8080/p?q#f", "x/y"]:
        ours = header_dict(run(Response(headers={"Location": loc}, status=302))[1])
        theirs = header_dict(run(WResponse(headers={"Location": loc}, status=302))[1])
        assert ours["location"] == theirs["location"], loc


def test_hostile_location_does_not_raise():
    for loc in ["http://[::1/x", "http://a:99999999/x", "http://" + "a" * 100 + ".com/"]:
        resp = Response(status=302, headers={"Location": loc})
        status, headers, body = run(resp)
        value = header_dict(headers)["location"]
        assert value.isascii()
        assert "\n" not in value


def test_autocorrect_location_header():
    class Absolute(Response):
        autocorrect_location_header = True

    resp = Absolute(status=302, headers={"Location": "/next"})
    env = make_environ(PATH_INFO="/a/b", QUERY_STRING="x=1")
    assert header_dict(run(resp, env)[1])["location"] == "http://localhost/next"
    resp = Absolute(status=302, headers={"Location": "rel"})
    assert header_dict(run(resp, env)[1])["location"] == "http://localhost/a/rel"


def test_duplicate_location_collapsed_like_werkzeug():
    resp = Response(status=302, headers=[("Location", "/a"), ("Location", "/b")])
    _, headers, _ = run(resp)
    assert [v for k, v in headers if k == "Location"] == ["/b"]


def test_content_location_encoded():
    resp = Response(headers={"Content-Location": "/ü"})
    assert header_dict(run(resp)[1])["content-location"] == "/%C3%BC"


def test_subclass_get_wsgi_headers_used_by_call():
    class Extra(Response):
        def get_wsgi_headers(self, environ):
            headers = Headers(super().get_wsgi_headers(environ))
            headers["X-Extra"] = "1"
            return headers

    resp = Extra("x")
    status, headers, body = run(resp)
    assert ("X-Extra", "1") in headers
    assert body == b"x"
    assert "X-Extra" not in resp.headers


@pytest.mark.parametrize("size", [0, 1, 2047, 2048, 5000])
def test_content_length_of_str_and_bytes_bodies(size):
    assert Response("é" * size).headers["Content-Length"] == str(2 * size)
    assert Response(b"x" * size).headers["Content-Length"] == str(size)
    resp = Response(b"x" * size, headers={"X-Given": "1"})
    assert resp.headers["Content-Length"] == str(size)


def test_content_length_items_remembered_for_short_bodies_only():
    from erlen.sansio import response as sansio_response

    for size in range(0, 6000, 7):
        Response(b"x" * size)
    assert len(sansio_response._LENGTH_ITEMS) <= sansio_response._LENGTH_ITEMS_MAX


def test_subclass_get_app_iter_used_by_call():
    class Wrapped(Response):
        def get_app_iter(self, environ):
            return [b"<", *super().get_app_iter(environ), b">"]

    resp = Wrapped("x")
    status, headers, body = run(resp)
    assert body == b"<x>"
    assert header_dict(headers)["content-length"] == "1"  # what get_wsgi_headers says


def test_subclass_get_wsgi_response_used_by_call():
    class Tagged(Response):
        def get_wsgi_response(self, environ):
            app_iter, status, headers = super().get_wsgi_response(environ)
            return app_iter, "299 TAGGED", [*headers, ("X-Tag", "1")]

    status, headers, body = run(Tagged("x"))
    assert status == "299 TAGGED"
    assert ("X-Tag", "1") in headers
    assert body == b"x"


def test_call_sends_a_copy_of_the_header_list():
    resp = Response("x")
    status, headers, body = run(resp)
    headers.append(("X-Server", "1"))  # servers may add to the list they get
    assert "X-Server" not in resp.headers
    assert run(resp)[1] == resp.headers.to_wsgi_list()


def test_headers_subclass_to_wsgi_list_used_by_call():
    class Extra(Headers):
        def to_wsgi_list(self):
            return [*super().to_wsgi_list(), ("X-Extra", "1")]

    resp = Response("x")
    resp.headers = Extra(resp.headers)
    assert ("X-Extra", "1") in run(resp)[1]
    assert ("X-Extra", "1") in resp.get_wsgi_response(make_environ())[2]


@pytest.mark.parametrize("spelling", ["Location", "location", "LOCATION", "LoCaTiOn"])
def test_location_fixed_whatever_the_spelling(spelling):
    resp = Response(status=302, headers=[(spelling, "/fü"), ("X-Other", "1")])
    assert header_dict(run(resp)[1])["location"] == "/f%C3%BC"


@pytest.mark.parametrize("spelling", ["Content-Length", "content-length", "CONTENT-LENGTH"])
def test_given_content_length_kept_whatever_the_spelling(spelling):
    resp = Response(["ab", "c"], headers=[(spelling, "3"), ("X-Other", "1")])
    headers = run(resp)[1]
    assert [v for k, v in headers if k.lower() == "content-length"] == ["3"]


def test_two_header_list_changed_in_place_is_still_fixed():
    # Two headers again after the change, but no longer the constructor's pair.
    resp = Response("x", status=302)
    del resp.headers["Content-Type"]
    resp.headers["Location"] = "/fü"
    assert [k for k, _ in resp.headers] == ["Content-Length", "Location"]
    assert header_dict(run(resp)[1])["location"] == "/f%C3%BC"
    resp = Response("x")
    resp.headers._list[0] = ("Content-Location", "/ü")
    assert header_dict(run(resp)[1])["content-location"] == "/%C3%BC"


def test_given_headers_get_the_body_length_in_place_of_theirs():
    resp = Response(
        "abc", headers=[("Content-Length", "99"), ("X-A", "1"), ("content-length", "7")]
    )
    assert resp.headers.to_wsgi_list() == [
        ("Content-Length", "3"),
        ("X-A", "1"),
        ("Content-Type", "text/plain; charset=utf-8"),
    ]


def test_given_headers_subclass_sets_the_body_length_through_its_methods():
    seen = []

    class Recording(Headers):
        __slots__ = ()

        def __setitem__(self, key, value):
            seen.append(key)
            super().__setitem__(key, value)

    resp = Response("abcd", headers=Recording([("X-A", "1")]))
    assert seen == ["Content-Type", "Content-Length"]
    assert resp.headers["Content-Length"] == "4"


def test_direct_passthrough_fixed_body_sent_as_is():
    resp = Response(direct_passthrough=True)
    resp.response = [b"x"]
    assert resp.get_app_iter(make_environ()) is resp.response
    closed = []
    resp.call_on_close(lambda: closed.append(1))
    assert resp.get_app_iter(make_environ()) is resp.response  # Werkzeug's: never wrapped


def test_response_class_overriding_wsgi_methods_is_sent_through_them(app, client):
    class Wrapped(app.response_class):
        def get_app_iter(self, environ):
            return [b"<", *super().get_app_iter(environ), b">"]

        def get_wsgi_headers(self, environ):
            headers = Headers(super().get_wsgi_headers(environ))
            headers["X-Wrapped"] = environ["REQUEST_METHOD"]
            return headers

    app.response_class = Wrapped
    app.get("/")(lambda: "x")
    rv = client.get("/")
    assert rv.data == b"<x>"
    assert rv.headers["X-Wrapped"] == "GET"


def test_response_class_overriding_close_is_closed_after_sending(app, client):
    closed = []

    class Closing(app.response_class):
        def close(self):
            closed.append(self.get_data())
            super().close()

    app.response_class = Closing
    app.get("/")(lambda: "x")
    rv = client.get("/")
    assert rv.data == b"x"
    rv.close()
    assert closed == [b"x"]


def test_subclass_iter_encoded_used_by_call():
    class Upper(Response):
        def iter_encoded(self):
            for chunk in super().iter_encoded():
                yield chunk.upper()

    assert run(Upper("abc"))[2] == b"ABC"


def test_force_type_response():
    class Sub(Response):
        pass

    resp = Response("x")
    forced = Sub.force_type(resp)
    assert forced is resp
    assert type(forced) is Sub
    assert run(forced)[2] == b"x"


def test_force_type_wsgi_app():
    def app(environ, start_response):
        start_response("201 CREATED", [("X-App", "1")])
        return [b"from app"]

    resp = Response.force_type(app, make_environ())
    assert resp.status_code == 201
    assert resp.headers["X-App"] == "1"
    assert resp.get_data() == b"from app"
    with pytest.raises(TypeError, match="environ"):
        Response.force_type(app)


def _as_wsgi_app(error):
    """``error`` behind a plain function, so force_type runs it as any WSGI application."""

    def app(environ, start_response):
        return error(environ, start_response)

    return app


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize(
    "make_error",
    [
        lambda: NotFound(),
        lambda: MethodNotAllowed(["GET", "POST"]),
        lambda: BadRequest("bad <input>\nsecond line"),
        lambda: RequestRedirect("http://example.test/\u00e9t\u00e9"),
        lambda: NotFound(response=Response("custom", 404, {"X-Own": "1"})),
    ],
)
def test_force_type_of_http_error_is_what_it_sends(make_error, method):
    class AppResponse(Response):
        pass

    error = make_error()
    own_response = error.response
    forced = AppResponse.force_type(error, make_environ(method))
    ran = AppResponse.force_type(_as_wsgi_app(make_error()), make_environ(method))
    assert type(forced) is AppResponse
    assert forced.status == ran.status
    assert list(forced.headers) == list(ran.headers)
    assert forced.get_data() == ran.get_data()
    assert run(forced, make_environ(method)) == run(ran, make_environ(method))
    if own_response is not None:
        # A response the raiser made is run, never changed in place.
        assert forced is not own_response
        assert type(own_response) is Response


def test_from_app_with_write_and_close():
    closed = []

    class Body:
        def __init__(self):
            self.items = iter([b"b", b"c"])

        def __iter__(self):
            return self.items

        def close(self):
            closed.append(True)

    def app(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"a")
        return Body()

    resp = Response.from_app(app, make_environ())
    assert resp.get_data() == b"abc"
    resp.close()
    assert closed == [True]
    closed.clear()
    resp = Response.from_app(app, make_environ(), buffered=True)
    assert closed == [True]
    # Werkzeug drops the write() output here (b"bc"); erlen keeps it.
    assert resp.get_data() == b"abc"


def test_from_app_lazy_start_response():
    def app(environ, start_response):
        start_response("404 NOT FOUND", [])
        yield b"x"
        yield b"y"

    resp = Response.from_app(app, make_environ())
    assert resp.status_code == 404
    assert resp.get_data() == b"xy"


def test_from_app_without_start_response():
    def app(environ, start_response):
        return [b"x"]

    with pytest.raises(RuntimeError, match="start_response"):
        Response.from_app(app, make_environ())


# ---------------------------------------------------------------------------
# cookies (Werkzeug is the oracle for exact strings)

COOKIE_CASES = [
    dict(key="a"),
    dict(key="a", value="b"),
    dict(key="a", value='b c;d,"e'),
    dict(key="a", value="x\r\ny"),
    dict(key="a", value="ü"),
    dict(key="a", value="b", max_age=60),
    dict(key="a", value="b", max_age=timedelta(hours=1)),
    dict(key="a", value="b", expires=datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
    dict(key="a", value="b", expires=1_700_000_000),
    dict(key="a", value="b", expires="Thu, 01 Jan 2030 00:00:00 GMT"),
    dict(key="a", value="b", path=None),
    dict(key="a", value="b", path="/sub path/ü"),
    dict(key="a", value="b", domain="example.com"),
    dict(key="a", value="b", domain=".example.com"),
    dict(key="a", value="b", secure=True, httponly=True),
    dict(key="a", value="b", samesite="Lax"),
    dict(key="a", value="b", samesite="strict"),
    dict(key="a", value="b", samesite="None", secure=True),
    dict(key="a", value="b", partitioned=True),
    dict(
        key="session",
        value="x" * 100,
        max_age=0,
        path="/p",
        domain="d.org",
        secure=True,
        httponly=True,
        samesite="Strict",
        partitioned=True,
    ),
]


@pytest.mark.parametrize("kwargs", COOKIE_CASES)
def test_set_cookie_matches_werkzeug(kwargs):
    from werkzeug.wrappers import Response as WResponse

    ours = Response()
    ours.set_cookie(**kwargs)
    theirs = WResponse()
    theirs.set_cookie(**kwargs)
    assert ours.headers.getlist("Set-Cookie") == theirs.headers.getlist("Set-Cookie")


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),
        dict(path="/x", domain="example.com"),
        dict(secure=True, samesite="Lax"),
        dict(httponly=True, partitioned=True),
    ],
)
def test_delete_cookie_matches_werkzeug(kwargs):
    from werkzeug.wrappers import Response as WResponse

    ours = Response()
    ours.delete_cookie("gone", **kwargs)
    theirs = WResponse()
    theirs.delete_cookie("gone", **kwargs)
    assert ours.headers.getlist("Set-Cookie") == theirs.headers.getlist("Set-Cookie")
    assert "Max-Age=0" in ours.headers["Set-Cookie"]
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in ours.headers["Set-Cookie"]


def test_multiple_cookies_are_separate_headers():
    resp = Response()
    resp.set_cookie("a", "1")
    resp.set_cookie("b", "2")
    _, headers, _ = run(resp)
    assert [v for k, v in headers if k == "Set-Cookie"] == ["a=1; Path=/", "b=2; Path=/"]


def test_oversized_cookie_warns_but_is_set():
    resp = Response()
    with pytest.warns(UserWarning):
        resp.set_cookie("big", "x" * 5000)
    assert resp.headers["Set-Cookie"].startswith("big=")


def test_max_cookie_size_zero_disables_warning():
    class NoLimit(Response):
        max_cookie_size = 0

    resp = NoLimit()
    resp.set_cookie("big", "x" * 5000)  # filterwarnings=error would fail on a warning
    assert len(resp.headers["Set-Cookie"]) > 5000


@pytest.mark.parametrize(
    "kwargs",
    [dict(key="a\r\nSet-Cookie: x=1"), dict(key="a", domain="e.com\r\nX: y")],
)
def test_set_cookie_newline_rejected(kwargs):
    resp = Response()
    with pytest.raises(ValueError):
        resp.set_cookie(**kwargs)
    assert "Set-Cookie" not in resp.headers


def test_set_cookie_invalid_samesite():
    with pytest.raises(ValueError, match="SameSite"):
        Response().set_cookie("a", samesite="Lax\r\n")


# ---------------------------------------------------------------------------
# conditional requests


def _etagged(body: str = "hello world") -> Response:
    resp = Response(body)
    resp.set_etag("abc")
    resp.last_modified = datetime(2020, 1, 1, tzinfo=timezone.utc)
    return resp


CONDITIONAL_ENVIRONS = [
    {},
    {"HTTP_IF_NONE_MATCH": '"abc"'},
    {"HTTP_IF_NONE_MATCH": 'W/"abc"'},
    {"HTTP_IF_NONE_MATCH": '"other"'},
    {"HTTP_IF_NONE_MATCH": "*"},
    {"HTTP_IF_MODIFIED_SINCE": "Wed, 01 Jan 2020 00:00:00 GMT"},
    {"HTTP_IF_MODIFIED_SINCE": "Tue, 31 Dec 2019 00:00:00 GMT"},
    {"HTTP_IF_MODIFIED_SINCE": "garbage"},
    {"HTTP_IF_MATCH": '"abc"'},
    {"HTTP_IF_MATCH": '"xyz"'},
    {"HTTP_IF_NONE_MATCH": '"abc"', "HTTP_IF_MATCH": '"abc"'},
    {"HTTP_IF_UNMODIFIED_SINCE": "Tue, 31 Dec 2019 00:00:00 GMT"},
    {"HTTP_RANGE": "bytes=0-4"},
    {"HTTP_RANGE": "bytes=-3"},
    {"HTTP_RANGE": "bytes=6-"},
    {"HTTP_RANGE": "bytes=0-100"},
    {"HTTP_RANGE": "bytes=0-4", "HTTP_IF_RANGE": '"abc"'},
    {"HTTP_RANGE": "bytes=0-4", "HTTP_IF_RANGE": '"old"'},
    {"HTTP_RANGE": "bytes=0-4", "HTTP_IF_RANGE": "Wed, 01 Jan 2020 00:00:00 GMT"},
    {"HTTP_RANGE": "bytes=0-4", "HTTP_IF_RANGE": "Tue, 31 Dec 2019 00:00:00 GMT"},
    {"HTTP_RANGE": "bytes=0-4", "HTTP_IF_NONE_MATCH": '"other"'},
]


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
@pytest.mark.parametrize("extra", CONDITIONAL_ENVIRONS)
def test_make_conditional_matches_werkzeug(method, extra):
    from werkzeug.wrappers import Response as WResponse

    env = make_environ(method, **extra)
    ours = _etagged().make_conditional(env, accept_ranges=True, complete_length=11)
    theirs = WResponse("hello world")
    theirs.set_etag("abc")
    theirs.last_modified = datetime(2020, 1, 1, tzinfo=timezone.utc)
    theirs = theirs.make_conditional(dict(env), accept_ranges=True, complete_length=11)
    o_status, o_headers, o_body = run(ours, env)
    t_status, t_headers, t_body = run(theirs, dict(env))
    assert o_status == t_status
    assert o_body == t_body
    strip = lambda hs: sorted((k, v) for k, v in hs if k != "Date")  # noqa: E731
    assert strip(o_headers) == strip(t_headers)


def test_make_conditional_range_with_matching_if_none_match_is_304():
    # Werkzeug answers 206 here; RFC 9110 13.2.2 evaluates If-None-Match first.
    env = make_environ("GET", HTTP_RANGE="bytes=0-4", HTTP_IF_NONE_MATCH='"abc"')
    status, headers, body = run(_etagged().make_conditional(env, True, 11), env)
    assert status == "304 NOT MODIFIED"
    assert body == b""
    assert "Content-Range" not in dict(headers)


def test_make_conditional_304_and_date():
    resp = _etagged()
    env = make_environ(HTTP_IF_NONE_MATCH='"abc"')
    assert resp.make_conditional(env) is resp
    assert resp.status_code == 304
    assert "Date" in resp.headers
    status, headers, body = run(resp, env)
    assert body == b""
    assert "content-length" not in header_dict(headers)


def test_make_conditional_keeps_existing_date():
    resp = Response("x", headers={"Date": "Mon, 01 Jan 2001 00:00:00 GMT"})
    resp.make_conditional(make_environ())
    assert resp.headers.getlist("Date") == ["Mon, 01 Jan 2001 00:00:00 GMT"]


def test_make_conditional_412_with_if_match():
    resp = _etagged()
    resp.make_conditional(make_environ(HTTP_IF_MATCH='"nope"'))
    assert resp.status_code == 412


def test_make_conditional_accepts_request_object():
    from erlen.wrappers.request import Request

    resp = _etagged().make_conditional(Request(make_environ(HTTP_IF_NONE_MATCH='"abc"')))
    assert resp.status_code == 304
    with pytest.raises(TypeError, match="WSGI environment"):
        _etagged().make_conditional(object())


def test_make_conditional_post_untouched():
    resp = _etagged()
    resp.make_conditional(make_environ("POST", HTTP_IF_NONE_MATCH='"abc"'))
    assert resp.status_code == 200
    assert "Date" not in resp.headers


def test_range_206():
    resp = Response("hello world")
    env = make_environ(HTTP_RANGE="bytes=0-4")
    resp.make_conditional(env, accept_ranges=True, complete_length=11)
    assert resp.status_code == 206
    assert resp.headers["Content-Range"] == "bytes 0-4/11"
    assert resp.content_length == 5
    assert resp.accept_ranges == "bytes"
    status, headers, body = run(resp, env)
    assert status == "206 PARTIAL CONTENT"
    assert body == b"hello"
    assert header_dict(headers)["content-length"] == "5"


def test_range_custom_accept_ranges_value():
    resp = Response("hello")
    resp.make_conditional(make_environ(), accept_ranges="none")
    assert resp.headers["Accept-Ranges"] == "none"
    assert resp.status_code == 200


def test_range_without_complete_length_is_ignored():
    resp = Response("hello world")
    resp.make_conditional(make_environ(HTTP_RANGE="bytes=0-4"), accept_ranges=True)
    assert resp.status_code == 200
    assert resp.data == b"hello world"


def test_range_without_accept_ranges_is_ignored():
    resp = Response("hello world")
    resp.make_conditional(make_environ(HTTP_RANGE="bytes=0-4"), complete_length=11)
    assert resp.status_code == 200
    assert "Accept-Ranges" not in resp.headers


@pytest.mark.parametrize(
    "rng",
    ["bytes=20-30", "bytes=abc", "items=0-1", "bytes=4-2", "bytes=0-1,3-4", "bytes=", "bytes=-0"],
)
def test_range_416(rng):
    resp = Response("hello world")
    with pytest.raises(RequestedRangeNotSatisfiable) as info:
        resp.make_conditional(make_environ(HTTP_RANGE=rng), accept_ranges=True, complete_length=11)
    assert info.value.length == 11
    assert info.value.code == 416
    err = info.value.get_response(make_environ())
    assert err.headers["Content-Range"] == "bytes */11"


def test_range_hostile_header_bounded():
    def ranges(n):
        return make_environ(HTTP_RANGE="bytes=" + ",".join(f"{i}-{i}" for i in range(n)))

    def unsatisfiable(environ):
        with pytest.raises(RequestedRangeNotSatisfiable):
            Response("hello world").make_conditional(
                environ, accept_ranges=True, complete_length=11
            )

    unsatisfiable(ranges(20_000))
    assert_linear(unsatisfiable, ranges, 1_000)
    huge = Response("hello world")
    with pytest.raises(RequestedRangeNotSatisfiable):
        huge.make_conditional(
            make_environ(HTTP_RANGE="bytes=" + "9" * 5000 + "-"),
            accept_ranges=True,
            complete_length=11,
        )


def test_range_on_streamed_body_and_str_chunks():
    resp = Response(x for x in ["hé", "llo", " wo", "rld"])
    env = make_environ(HTTP_RANGE="bytes=2-6")
    resp.make_conditional(env, accept_ranges=True, complete_length=12)
    assert resp.status_code == 206
    assert run(resp, env)[2] == "héllo world".encode()[2:7]


def test_range_on_seekable_file():
    from erlen.wsgi import wrap_file

    data = bytes(range(256)) * 100
    env = make_environ(HTTP_RANGE="bytes=1000-20999")
    f = io.BytesIO(data)
    resp = Response(wrap_file(env, f), direct_passthrough=True)
    resp.make_conditional(env, accept_ranges=True, complete_length=len(data))
    status, headers, body = run(resp, env)
    assert status.startswith("206")
    assert body == data[1000:21000]
    assert header_dict(headers)["content-range"] == f"bytes 1000-20999/{len(data)}"
    assert f.closed


def test_range_on_unseekable_iterable_skips_chunks():
    chunks = [b"0123", b"4567", b"89ab", b"cdef"]
    resp = Response(iter(chunks), direct_passthrough=True)
    env = make_environ(HTTP_RANGE="bytes=5-10")
    resp.make_conditional(env, accept_ranges=True, complete_length=16)
    assert run(resp, env)[2] == b"56789a"


def test_empty_complete_length_skips_range():
    resp = Response("")
    resp.make_conditional(
        make_environ(HTTP_RANGE="bytes=0-1"), accept_ranges=True, complete_length=0
    )
    assert resp.status_code == 200


def test_make_conditional_sets_length_for_sequence():
    resp = Response(["ab", "c"])
    resp.make_conditional(make_environ())
    assert resp.headers["Content-Length"] == "3"


# ---------------------------------------------------------------------------
# ETags


def test_etag_methods():
    resp = Response("abc")
    assert resp.get_etag() == (None, None)
    resp.set_etag("v1")
    assert resp.headers["ETag"] == '"v1"'
    assert resp.get_etag() == ("v1", False)
    resp.set_etag("v2", weak=True)
    assert resp.headers["ETag"] == 'W/"v2"'
    assert resp.get_etag() == ("v2", True)
    resp.add_etag()
    assert resp.get_etag() == ("v2", True)
    resp.add_etag(overwrite=True)
    from werkzeug.http import generate_etag

    assert resp.get_etag() == (generate_etag(b"abc"), False)
    resp.add_etag(overwrite=True, weak=True)
    assert resp.headers["ETag"].startswith("W/")


# ---------------------------------------------------------------------------
# header properties


def test_cache_control_writes_back():
    resp = Response()
    cc = resp.cache_control
    assert isinstance(cc, ResponseCacheControl)
    cc.max_age = 60
    cc.public = True
    assert resp.headers["Cache-Control"] in ("max-age=60, public", "public, max-age=60")
    resp.cache_control.no_store = True
    assert "no-store" in resp.headers["Cache-Control"]
    cc = resp.cache_control
    cc.max_age = None
    cc.public = None
    cc.no_store = None
    assert "Cache-Control" not in resp.headers


def test_cache_control_matches_werkzeug():
    from werkzeug.wrappers import Response as WResponse

    ours, theirs = Response(), WResponse()
    for r in (ours, theirs):
        r.cache_control.no_cache = True
        r.cache_control.private = True
        r.cache_control.max_age = 10
        r.cache_control.immutable = True
    assert ours.headers["Cache-Control"] == theirs.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("attr", "header"),
    [("vary", "Vary"), ("allow", "Allow"), ("content_language", "Content-Language")],
)
def test_header_set_properties(attr, header):
    resp = Response()
    hs = getattr(resp, attr)
    assert len(hs) == 0
    hs.add("A")
    assert resp.headers[header] == "A"
    hs.add("B")
    assert resp.headers[header] == "A, B"
    assert "b" in getattr(resp, attr)
    getattr(resp, attr).discard("A")
    assert resp.headers[header] == "B"
    getattr(resp, attr).clear()
    assert header not in resp.headers
    setattr(resp, attr, ["X", "Y"])
    assert resp.headers[header] == "X, Y"
    setattr(resp, attr, "Z")
    assert resp.headers[header] == "Z"
    setattr(resp, attr, None)
    assert header not in resp.headers
    setattr(resp, attr, "Q")
    delattr(resp, attr)
    assert header not in resp.headers


def test_access_control_properties():
    resp = Response()
    assert resp.access_control_allow_credentials is False
    assert resp.access_control_allow_methods is None
    assert resp.access_control_allow_origin is None
    assert resp.access_control_max_age is None
    resp.access_control_allow_credentials = True
    assert resp.headers["Access-Control-Allow-Credentials"] == "true"
    resp.access_control_allow_credentials = False
    assert "Access-Control-Allow-Credentials" not in resp.headers
    resp.access_control_allow_methods = ["GET", "POST"]
    assert resp.headers["Access-Control-Allow-Methods"] == "GET, POST"
    methods = resp.access_control_allow_methods
    assert "post" in methods
    methods.add("PUT")
    assert resp.headers["Access-Control-Allow-Methods"] == "GET, POST, PUT"
    resp.access_control_allow_headers = ["X-A"]
    resp.access_control_expose_headers = ["X-B"]
    assert resp.headers["Access-Control-Allow-Headers"] == "X-A"
    assert resp.headers["Access-Control-Expose-Headers"] == "X-B"
    resp.access_control_allow_origin = "*"
    resp.access_control_max_age = 600
    assert resp.access_control_max_age == 600
    assert resp.headers["Access-Control-Max-Age"] == "600"
    resp.headers["Access-Control-Max-Age"] = "nope"
    assert resp.access_control_max_age is None


def test_date_properties():
    resp = Response()
    when = datetime(2021, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    for attr, header in [
        ("date", "Date"),
        ("expires", "Expires"),
        ("last_modified", "Last-Modified"),
    ]:
        assert getattr(resp, attr) is None
        setattr(resp, attr, when)
        assert resp.headers[header] == "Thu, 06 May 2021 07:08:09 GMT"
        assert getattr(resp, attr) == when
        setattr(resp, attr, 0)
        assert resp.headers[header] == "Thu, 01 Jan 1970 00:00:00 GMT"
        resp.headers[header] = "garbage"
        assert getattr(resp, attr) is None
        setattr(resp, attr, None)
        assert header not in resp.headers
        setattr(resp, attr, when)
        delattr(resp, attr)
        assert header not in resp.headers


def test_age():
    resp = Response()
    assert resp.age is None
    resp.age = 30
    assert resp.headers["Age"] == "30"
    assert resp.age == timedelta(seconds=30)
    resp.age = timedelta(minutes=1)
    assert resp.headers["Age"] == "60"
    resp.headers["Age"] = "-1"
    assert resp.age is None
    resp.headers["Age"] = "x"
    assert resp.age is None
    resp.headers["Age"] = "9" * 30
    assert resp.age is None
    with pytest.raises(ValueError):
        resp.age = -5


def test_retry_after():
    resp = Response()
    assert resp.retry_after is None
    resp.retry_after = 120
    assert resp.headers["Retry-After"] == "120"
    delta = resp.retry_after - datetime.now(timezone.utc)
    assert timedelta(seconds=110) < delta <= timedelta(seconds=120)
    when = datetime(2030, 1, 1, tzinfo=timezone.utc)
    resp.retry_after = when
    assert resp.headers["Retry-After"] == "Tue, 01 Jan 2030 00:00:00 GMT"
    assert resp.retry_after == when
    resp.headers["Retry-After"] = "9" * 40
    assert resp.retry_after is None
    resp.retry_after = None
    assert "Retry-After" not in resp.headers


def test_simple_string_properties():
    resp = Response()
    for attr, header in [
        ("location", "Location"),
        ("content_location", "Content-Location"),
        ("content_encoding", "Content-Encoding"),
        ("content_md5", "Content-MD5"),
        ("accept_ranges", "Accept-Ranges"),
        ("access_control_allow_origin", "Access-Control-Allow-Origin"),
    ]:
        setattr(resp, attr, "v")
        assert resp.headers[header] == "v"
        assert getattr(resp, attr) == "v"
        setattr(resp, attr, None)
        assert header not in resp.headers


def test_content_length_property():
    resp = Response("abc")
    assert resp.content_length == 3
    resp.content_length = 10
    assert resp.headers["Content-Length"] == "10"
    resp.headers["Content-Length"] = "bogus"
    assert resp.content_length is None
    del resp.content_length
    assert "Content-Length" not in resp.headers


def test_mimetype_property():
    resp = Response()
    resp.mimetype = "application/json"
    assert resp.content_type == "application/json"
    resp.mimetype = "text/csv"
    assert resp.content_type == "text/csv; charset=utf-8"
    assert resp.mimetype == "text/csv"
    resp.content_type = "  text/x ; a=b"
    assert resp.mimetype == "text/x"


def test_mimetype_params_write_back():
    resp = Response(content_type="text/html; charset=utf-8; level=1")
    params = resp.mimetype_params
    assert params == {"charset": "utf-8", "level": "1"}
    params["charset"] = "latin-1"
    assert resp.headers["Content-Type"] == "text/html; charset=latin-1; level=1"
    del params["level"]
    assert resp.headers["Content-Type"] == "text/html; charset=latin-1"
    params.update(a="b")
    assert resp.content_type == "text/html; charset=latin-1; a=b"
    params.pop("a")
    params.setdefault("x", "y")
    assert resp.content_type == "text/html; charset=latin-1; x=y"
    params.popitem()
    params.clear()
    assert resp.content_type == "text/html"


def test_content_range_property():
    resp = Response()
    rng = resp.content_range
    assert isinstance(rng, ContentRange)
    assert rng.units is None
    rng.set(0, 10, 100)
    assert resp.headers["Content-Range"] == "bytes 0-9/100"
    assert resp.content_range.stop == 10
    resp.content_range = "bytes 5-6/7"
    assert resp.content_range.start == 5
    resp.content_range = ContentRange("bytes", 1, 3, 10)
    assert resp.headers["Content-Range"] == "bytes 1-2/10"
    resp.content_range.unset()
    assert "Content-Range" not in resp.headers
    resp.content_range = None
    assert "Content-Range" not in resp.headers


def test_www_authenticate():
    from erlen.datastructures import WWWAuthenticate

    resp = Response(status=401)
    auth = resp.www_authenticate
    assert auth.type == "basic"
    assert "WWW-Authenticate" not in resp.headers
    resp.www_authenticate = WWWAuthenticate("basic", {"realm": "r"})
    assert resp.headers["WWW-Authenticate"] == "Basic realm=r"
    resp.www_authenticate.parameters["realm"] = "other place"
    assert resp.headers["WWW-Authenticate"] == 'Basic realm="other place"'
    resp.www_authenticate = [
        WWWAuthenticate("basic", {"realm": "a"}),
        WWWAuthenticate("bearer", {"realm": "b"}),
    ]
    assert resp.headers.getlist("WWW-Authenticate") == ["Basic realm=a", "Bearer realm=b"]
    del resp.www_authenticate
    assert "WWW-Authenticate" not in resp.headers
    resp.www_authenticate = WWWAuthenticate("basic", {"realm": "r"})
    resp.www_authenticate = None
    assert "WWW-Authenticate" not in resp.headers


def test_content_security_policy():
    resp = Response()
    csp = resp.content_security_policy
    csp.default_src = "'self'"
    assert resp.headers["Content-Security-Policy"] == "default-src 'self'"
    resp.content_security_policy = "script-src 'none'"
    assert resp.content_security_policy.script_src == "'none'"
    resp.content_security_policy = None
    assert "Content-Security-Policy" not in resp.headers
    resp.content_security_policy_report_only.img_src = "*"
    assert resp.headers["Content-Security-Policy-Report-Only"] == "img-src *"


def test_cross_origin_policies():
    from erlen.http import COEP, COOP

    resp = Response()
    assert resp.cross_origin_opener_policy is COOP.UNSAFE_NONE
    resp.cross_origin_opener_policy = COOP.SAME_ORIGIN
    assert resp.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert resp.cross_origin_opener_policy is COOP.SAME_ORIGIN
    resp.headers["Cross-Origin-Opener-Policy"] = "bogus"
    assert resp.cross_origin_opener_policy is COOP.UNSAFE_NONE
    resp.cross_origin_embedder_policy = COEP.REQUIRE_CORP
    assert resp.cross_origin_embedder_policy is COEP.REQUIRE_CORP
    resp.cross_origin_embedder_policy = None
    assert "Cross-Origin-Embedder-Policy" not in resp.headers


# ---------------------------------------------------------------------------
# JSON


def test_json():
    resp = Response('{"a": [1, 2]}', mimetype="application/json")
    assert resp.is_json
    assert resp.json == {"a": [1, 2]}
    assert Response("{}", mimetype="application/vnd.api+json").is_json
    plain = Response('{"a": 1}')
    assert not plain.is_json
    assert plain.json is None
    assert plain.get_json(force=True) == {"a": 1}


def test_get_json_invalid():
    resp = Response("{nope", mimetype="application/json")
    with pytest.raises(ValueError):
        resp.get_json()
    assert resp.get_json(silent=True) is None


def test_json_module_override():
    class Loader:
        @staticmethod
        def loads(data):
            return ("custom", data)

        dumps = staticmethod(json.dumps)

    class Custom(Response):
        json_module = Loader

    assert Custom("1", mimetype="application/json").json == ("custom", b"1")


def test_subclass_iter_encoded_used_for_content_length():
    class Doubled(Response):
        def iter_encoded(self):
            for chunk in super().iter_encoded():
                yield chunk * 2

    resp = Doubled(["abc"])
    status, headers, body = run(resp)
    assert body == b"abcabc"
    assert header_dict(headers)["content-length"] == "6"


def test_length_computed_for_replaced_single_chunk_body():
    resp = Response("x")
    resp.response = [b"abcd"]
    del resp.headers["Content-Length"]
    status, headers, body = run(resp)
    assert header_dict(headers)["content-length"] == "4"
    assert body == b"abcd"


def test_range_skips_empty_chunks():
    resp = Response(iter([b"", b"ab", b"", b"cd", b""]), direct_passthrough=True)
    env = make_environ(HTTP_RANGE="bytes=1-2")
    resp.make_conditional(env, accept_ranges=True, complete_length=4)
    assert run(resp, env)[2] == b"bc"


def test_from_app_start_response_exc_info_reraises():
    def app(environ, start_response):
        try:
            raise KeyError("boom")
        except KeyError:
            import sys

            start_response("500 INTERNAL SERVER ERROR", [], sys.exc_info())
        return [b""]

    with pytest.raises(KeyError, match="boom"):
        Response.from_app(app, make_environ())


def test_stream_on_tuple_body_and_closed_isatty():
    resp = Response(("a", "b"))
    resp.stream.write(b"c")
    assert resp.response == ["a", "b", b"c"]
    resp.stream.close()
    with pytest.raises(ValueError):
        resp.stream.isatty()


def test_content_security_policy_clear_and_object():
    from erlen.datastructures import ContentSecurityPolicy

    resp = Response()
    csp = resp.content_security_policy
    csp.default_src = "'self'"
    csp.pop("default-src")
    assert "Content-Security-Policy" not in resp.headers
    resp.content_security_policy = ContentSecurityPolicy([("img-src", "*")])
    assert resp.headers["Content-Security-Policy"] == "img-src *"
    del resp.content_security_policy
    assert "Content-Security-Policy" not in resp.headers


def test_www_authenticate_read_value_writes_back():
    resp = Response(headers={"WWW-Authenticate": "Basic realm=a"})
    resp.www_authenticate.parameters["realm"] = "b c"
    assert resp.headers["WWW-Authenticate"] == 'Basic realm="b c"'


def test_cross_origin_policy_edges():
    from erlen.http import COEP, COOP

    resp = Response()
    resp.cross_origin_opener_policy = COOP.SAME_ORIGIN
    resp.cross_origin_opener_policy = None
    assert "Cross-Origin-Opener-Policy" not in resp.headers
    resp.headers["Cross-Origin-Embedder-Policy"] = "bogus"
    assert resp.cross_origin_embedder_policy is COEP.UNSAFE_NONE


def test_header_property_descriptor_on_class():
    descriptor = next(c.__dict__["location"] for c in Response.__mro__ if "location" in c.__dict__)
    assert Response.location is descriptor
    assert repr(descriptor) == "<_HeaderProperty Location>"
    assert "Location" in Response.location.__doc__


def test_status_code_stored_as_int():
    resp = Response(status=HTTPStatus.CREATED)
    assert type(resp.status_code) is int
    assert (resp.status, resp.status_code) == ("201 CREATED", 201)


@pytest.mark.parametrize("bad", [None, [200], object()])
def test_status_of_another_type_is_type_error(bad):
    class NoDefault(Response):
        default_status = bad  # type: ignore[assignment]

    with pytest.raises(TypeError):
        NoDefault()


def test_body_changed_in_place_after_construction_is_sent_encoded():
    resp = Response("a")
    resp.response[0] = "é"  # type: ignore[index]
    resp.headers["Content-Length"] = "2"
    assert run(resp)[2] == "é".encode()
    resp = Response(b"a")
    resp.response.append("b")  # type: ignore[attr-defined]
    del resp.headers["Content-Length"]
    status, headers, body = run(resp)
    assert body == b"ab"
    assert ("Content-Length", "2") in headers


def test_body_replaced_after_construction_is_sent():
    resp = Response("old")
    resp.response = [b"new"]
    resp.headers["Content-Length"] = "3"
    assert run(resp)[2] == b"new"
    resp.set_data("newer")
    assert resp.get_app_iter(make_environ()) is resp.response
    assert run(resp)[2] == b"newer"
