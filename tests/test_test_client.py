"""Tests for erlen.test: EnvironBuilder, multipart encoding, run_wsgi_app, Client."""

from __future__ import annotations

import io
import json
import sys
import typing as t
from datetime import datetime, timedelta, timezone
from email.parser import BytesParser
from email.policy import HTTP

import pytest

import erlen
import erlen.test as etest
from erlen.datastructures import Authorization, FileStorage, Headers, MultiDict
from erlen.test import (
    USER_AGENT,
    Client,
    ClientRedirectError,
    Cookie,
    EnvironBuilder,
    TestResponse,
    create_environ,
    encode_multipart,
    run_wsgi_app,
    stream_encode_multipart,
)
from erlen.wrappers.request import Request
from erlen.wrappers.response import Response

# ------------------------------------------------------------------ tiny apps


def echo_app(environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
    """Echo the interesting parts of the request back as JSON."""
    request = Request(environ)
    body = request.get_data(as_text=True)
    data = {
        "method": request.method,
        "path": request.path,
        "script_root": request.script_root,
        "args": request.args.to_dict(flat=False),
        "body": body,
        "content_type": environ.get("CONTENT_TYPE"),
        "cookie": environ.get("HTTP_COOKIE"),
        "host": environ.get("HTTP_HOST"),
        "ua": environ.get("HTTP_USER_AGENT"),
    }
    response = Response(json.dumps(data), mimetype="application/json")
    return response(environ, start_response)


def form_app(environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
    """Return the parsed form fields and uploaded files as JSON."""
    with Request(environ) as request:  # closes the uploaded files' streams
        files = {
            key: [f.filename, f.content_type, f.read().decode()]
            for key, f in request.files.items(multi=True)
        }
        data = {"form": request.form.to_dict(flat=False), "files": files}
    response = Response(json.dumps(data), mimetype="application/json")
    return response(environ, start_response)


def make_redirect_app(
    routes: dict[str, tuple[int, str]],
) -> t.Callable[[dict[str, t.Any], t.Any], t.Any]:
    """App redirecting ``path -> (status, location)``; other paths use echo_app."""

    def app(environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
        target = routes.get(environ["PATH_INFO"])
        if target is None:
            return echo_app(environ, start_response)
        # Read the body like a real view would, so 307/308 must rewind it.
        environ["wsgi.input"].read()
        status, location = target
        response = Response("redirecting", status=status, headers={"Location": location})
        return response(environ, start_response)

    return app


def cookie_app(environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
    """Set the ``Set-Cookie`` values given as ``?h=...`` args, echo the Cookie header."""
    request = Request(environ)
    response = Response(environ.get("HTTP_COOKIE", ""))
    for value in request.args.getlist("h"):
        response.headers.add("Set-Cookie", value)
    return response(environ, start_response)


def parse_multipart(body: bytes, content_type: str) -> list[tuple[str, str | None, str, bytes]]:
    """Independently parse a multipart body with the stdlib email parser."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    assert message.is_multipart()
    parts = []
    for part in message.iter_parts():
        parts.append(
            (
                part.get_param("name", header="content-disposition"),
                part.get_filename(),
                part.get_content_type(),
                part.get_payload(decode=True),
            )
        )
    return parts


# ------------------------------------------------------- EnvironBuilder basics


def test_default_environ() -> None:
    env = EnvironBuilder().get_environ()
    assert env["REQUEST_METHOD"] == "GET"
    assert env["SCRIPT_NAME"] == ""
    assert env["PATH_INFO"] == "/"
    assert env["QUERY_STRING"] == ""
    assert env["SERVER_NAME"] == "localhost"
    assert env["SERVER_PORT"] == "80"
    assert env["HTTP_HOST"] == "localhost"
    assert env["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert env["REQUEST_URI"] == env["RAW_URI"] == "/"
    assert env["wsgi.version"] == (1, 0)
    assert env["wsgi.url_scheme"] == "http"
    assert env["wsgi.errors"] is sys.stderr
    assert env["wsgi.input"].read() == b""
    assert env["wsgi.multithread"] is False
    assert env["wsgi.multiprocess"] is False
    assert env["wsgi.run_once"] is False
    assert "CONTENT_TYPE" not in env
    assert "CONTENT_LENGTH" not in env
    # Like Werkzeug's EnvironBuilder, no User-Agent unless given.
    assert "HTTP_USER_AGENT" not in env


def test_wsgi_flags_and_errors_stream() -> None:
    errors = io.StringIO()
    env = create_environ(errors_stream=errors, multithread=True, multiprocess=True, run_once=True)
    assert env["wsgi.errors"] is errors
    assert env["wsgi.multithread"] is True
    assert env["wsgi.multiprocess"] is True
    assert env["wsgi.run_once"] is True


def test_class_attributes_override() -> None:
    class Builder(EnvironBuilder):
        server_protocol = "HTTP/1.0"
        wsgi_version = (1, 1)

    env = Builder().get_environ()
    assert env["SERVER_PROTOCOL"] == "HTTP/1.0"
    assert env["wsgi.version"] == (1, 1)


def test_method() -> None:
    assert create_environ(method="PATCH")["REQUEST_METHOD"] == "PATCH"


def test_path_with_query_string() -> None:
    builder = EnvironBuilder("/search?q=a+b&x=1")
    assert builder.path == "/search"
    assert builder.query_string == "q=a+b&x=1"
    env = builder.get_environ()
    assert env["PATH_INFO"] == "/search"
    assert env["QUERY_STRING"] == "q=a+b&x=1"
    assert env["REQUEST_URI"] == "/search?q=a+b&x=1"


def test_query_string_in_path_and_argument_is_error() -> None:
    with pytest.raises(ValueError, match="Query string is defined"):
        EnvironBuilder("/?a=1", query_string="b=2")


def test_query_string_dict_becomes_args() -> None:
    builder = EnvironBuilder(query_string={"a": "1", "b": ["2", "3"]})
    assert builder.args.getlist("b") == ["2", "3"]
    assert builder.get_environ()["QUERY_STRING"] == "a=1&b=2&b=3"


def test_query_string_multidict_kept() -> None:
    args = MultiDict([("x", "1"), ("x", "2")])
    builder = EnvironBuilder(query_string=args)
    assert builder.args is args
    assert builder.query_string == "x=1&x=2"


def test_query_string_str_disables_args() -> None:
    builder = EnvironBuilder(query_string="raw=1")
    with pytest.raises(AttributeError, match="query string is defined"):
        builder.args  # noqa: B018
    builder.args = MultiDict({"z": "9"})
    assert builder.query_string == "z=9"
    builder.query_string = "y=2"
    with pytest.raises(AttributeError):
        builder.args  # noqa: B018


def test_args_are_mutable_and_encoded() -> None:
    builder = EnvironBuilder()
    builder.args["name"] = "J\xfcrgen & co"
    builder.args.add("tag", "a/b")
    assert builder.get_environ()["QUERY_STRING"] == "name=J%C3%BCrgen+%26+co&tag=a/b"


def test_args_none_values_skipped() -> None:
    builder = EnvironBuilder(query_string={"a": None, "b": "1"})  # type: ignore[dict-item]
    assert builder.query_string == "b=1"


def test_unicode_query_string_wsgi_encoded() -> None:
    env = create_environ("/", query_string="q=\u2603")
    assert env["QUERY_STRING"] == "q=\u2603".encode().decode("latin1")


def test_unicode_path() -> None:
    builder = EnvironBuilder("/f\xfc\xdf/\u2603")
    assert builder.path == "/f%C3%BC%C3%9F/%E2%98%83"
    env = builder.get_environ()
    assert env["PATH_INFO"] == "/f\xfc\xdf/\u2603".encode().decode("latin1")
    assert env["REQUEST_URI"] == env["PATH_INFO"]
    assert Request(env).path == "/f\xfc\xdf/\u2603"


def test_percent_encoded_path_decoded() -> None:
    env = create_environ("/a%20b/%C3%A4%2F")
    assert env["PATH_INFO"] == "/a b/\xc3\xa4/"
    assert env["REQUEST_URI"] == "/a%20b/%C3%A4%2F"


def test_path_with_space_is_quoted_then_decoded() -> None:
    builder = EnvironBuilder("/a b")
    assert builder.path == "/a%20b"
    assert builder.get_environ()["PATH_INFO"] == "/a b"


def test_path_fragment_is_dropped() -> None:
    env = create_environ("/page#section")
    assert env["PATH_INFO"] == "/page"


def test_full_url_as_path_uses_its_path() -> None:
    env = create_environ("http://example.com/x/y")
    assert env["PATH_INFO"] == "/x/y"
    assert env["HTTP_HOST"] == "localhost"


def test_base_url_with_script_root() -> None:
    builder = EnvironBuilder("/page", base_url="https://example.org:8443/app/")
    assert builder.script_root == "/app"
    assert builder.host == "example.org:8443"
    assert builder.url_scheme == "https"
    assert builder.base_url == "https://example.org:8443/app/"
    assert builder.server_name == "example.org"
    assert builder.server_port == 8443
    env = builder.get_environ()
    assert env["SCRIPT_NAME"] == "/app"
    assert env["PATH_INFO"] == "/page"
    assert env["SERVER_NAME"] == "example.org"
    assert env["SERVER_PORT"] == "8443"
    assert env["HTTP_HOST"] == "example.org:8443"
    assert env["wsgi.url_scheme"] == "https"
    request = Request(env)
    assert request.url == "https://example.org:8443/app/page"


def test_base_url_default_ports() -> None:
    assert EnvironBuilder(base_url="https://secure.test").server_port == 443
    assert EnvironBuilder(base_url="http://plain.test").server_port == 80
    builder = EnvironBuilder()
    builder.host = "bad.test:abc"
    assert builder.server_port == 80


def test_base_url_rejects_query_and_fragment() -> None:
    with pytest.raises(ValueError, match="base url"):
        EnvironBuilder(base_url="http://localhost/?a=b")
    with pytest.raises(ValueError, match="base url"):
        EnvironBuilder(base_url="http://localhost/#frag")


def test_base_url_setter_and_default() -> None:
    builder = EnvironBuilder()
    assert builder.base_url == "http://localhost/"
    builder.base_url = "http://other:81/root"  # type: ignore[assignment]
    assert builder.get_environ()["SCRIPT_NAME"] == "/root"
    builder.base_url = None  # type: ignore[assignment]
    assert builder.base_url == "http://localhost/"


def test_unicode_script_root_and_host() -> None:
    env = create_environ("/x", base_url="http://\u2603.net/r\xe4t/")
    assert env["HTTP_HOST"] == "xn--n3h.net"
    assert env["SCRIPT_NAME"] == "/r\xe4t".encode().decode("latin1")


def test_headers_forms() -> None:
    for headers in (
        [("X-Foo", "1")],
        Headers([("X-Foo", "1")]),
        {"X-Foo": "1"},
    ):
        assert create_environ(headers=headers)["HTTP_X_FOO"] == "1"


def test_repeated_headers_joined() -> None:
    env = create_environ(headers=[("Accept", "a/b"), ("X-Dash-Name", "v"), ("Accept", "c/d")])
    assert env["HTTP_ACCEPT"] == "a/b, c/d"
    assert env["HTTP_X_DASH_NAME"] == "v"


def test_user_agent_only_when_given() -> None:
    env = create_environ(headers={"User-Agent": "erlen/0.1"})
    assert env["HTTP_USER_AGENT"] == "erlen/0.1"


def test_content_type_not_duplicated_as_http_header() -> None:
    env = create_environ(data="x", content_type="text/plain", headers={"X-A": "b"})
    assert env["CONTENT_TYPE"] == "text/plain"
    assert env["CONTENT_LENGTH"] == "1"
    assert "HTTP_CONTENT_TYPE" not in env
    assert "HTTP_CONTENT_LENGTH" not in env


def test_environ_base_and_overrides() -> None:
    env = create_environ(
        environ_base={"REMOTE_ADDR": "10.0.0.1", "REQUEST_METHOD": "IGNORED", "x.base": 1},
        environ_overrides={"REQUEST_METHOD": "PUT", "wsgi.url_scheme": "https"},
        method="POST",
    )
    assert env["REMOTE_ADDR"] == "10.0.0.1"
    assert env["x.base"] == 1
    # The builder's own values beat environ_base, overrides beat everything.
    assert env["REQUEST_METHOD"] == "PUT"
    assert env["wsgi.url_scheme"] == "https"


# ------------------------------------------------------------------ body data


def test_data_str() -> None:
    env = create_environ(method="POST", data="h\xe9llo", content_type="text/plain")
    assert env["wsgi.input"].read() == "h\xe9llo".encode()
    assert env["CONTENT_LENGTH"] == "6"
    assert env["CONTENT_TYPE"] == "text/plain"


def test_data_bytes() -> None:
    builder = EnvironBuilder(method="POST", data=b"\x00\x01\x02")
    assert builder.content_length == 3
    assert builder.content_type is None
    env = builder.get_environ()
    assert env["wsgi.input"].read() == b"\x00\x01\x02"
    assert env["CONTENT_LENGTH"] == "3"
    assert "CONTENT_TYPE" not in env


def test_data_file_like_is_read() -> None:
    env = create_environ(method="POST", data=io.BytesIO(b"from a file"))
    assert env["wsgi.input"].read() == b"from a file"
    assert env["CONTENT_LENGTH"] == "11"


def test_explicit_content_length_kept_for_data() -> None:
    builder = EnvironBuilder(data=b"abc", content_length=2)
    assert builder.content_length == 2


def test_empty_data_ignored() -> None:
    env = create_environ(data={})
    assert "CONTENT_TYPE" not in env
    assert env["wsgi.input"].read() == b""


def test_data_dict_is_urlencoded_form() -> None:
    builder = EnvironBuilder(method="POST", data={"name": "J\xfcrgen", "tags": ["a", "b c"]})
    assert builder.content_type == "application/x-www-form-urlencoded"
    assert builder.mimetype == "application/x-www-form-urlencoded"
    assert builder.form.getlist("tags") == ["a", "b c"]
    env = builder.get_environ()
    body = env["wsgi.input"].read()
    env["wsgi.input"].seek(0)
    assert body == b"name=J%C3%BCrgen&tags=a&tags=b+c"
    assert env["CONTENT_LENGTH"] == str(len(body))
    assert env["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
    request = Request(env)
    assert request.form.getlist("tags") == ["a", "b c"]
    assert request.form["name"] == "J\xfcrgen"


def test_data_multidict() -> None:
    data = MultiDict([("k", "1"), ("k", "2")])
    env = create_environ(method="POST", data=data)
    assert env["wsgi.input"].read() == b"k=1&k=2"


def test_form_property_mutation_before_environ() -> None:
    builder = EnvironBuilder(method="POST")
    assert builder.content_type is None
    builder.form["a"] = "1"
    assert builder.content_type == "application/x-www-form-urlencoded"
    assert builder.get_environ()["wsgi.input"].read() == b"a=1"


def test_input_stream_and_data_conflict() -> None:
    with pytest.raises(TypeError, match="input stream and data"):
        EnvironBuilder(input_stream=io.BytesIO(b"x"), data=b"y")


def test_input_stream_blocks_form_access_until_replaced() -> None:
    builder = EnvironBuilder(input_stream=io.BytesIO(b"raw"))
    with pytest.raises(AttributeError, match="input stream"):
        builder.form  # noqa: B018
    with pytest.raises(AttributeError, match="input stream"):
        builder.files  # noqa: B018
    builder.form = MultiDict({"a": "b"})
    assert builder.input_stream is None
    assert builder.get_environ()["wsgi.input"].read() == b"a=b"


def test_input_stream_length_from_position() -> None:
    stream = io.BytesIO(b"0123456789")
    stream.seek(4)
    env = create_environ(method="POST", input_stream=stream, content_length=99)
    assert env["CONTENT_LENGTH"] == "6"
    assert env["wsgi.input"].read() == b"456789"


def test_json_body() -> None:
    builder = EnvironBuilder(method="POST", json={"a": [1, 2], "b": "\u2603"})
    assert builder.content_type == "application/json"
    env = builder.get_environ()
    assert json.loads(env["wsgi.input"].getvalue()) == {"a": [1, 2], "b": "\u2603"}
    assert Request(env).get_json() == {"a": [1, 2], "b": "\u2603"}


def test_json_scalar_and_list() -> None:
    assert create_environ(json=[1, 2])["wsgi.input"].read() == b"[1, 2]"
    assert create_environ(json="s")["wsgi.input"].read() == b'"s"'


def test_json_keeps_explicit_content_type() -> None:
    builder = EnvironBuilder(json={}, content_type="application/vnd.api+json")
    assert builder.content_type == "application/vnd.api+json"


def test_json_and_data_conflict() -> None:
    with pytest.raises(TypeError, match="both json and data"):
        EnvironBuilder(json={"a": 1}, data="x")


def test_json_dumps_overridable() -> None:
    class Builder(EnvironBuilder):
        def json_dumps(self, obj: t.Any, **kwargs: t.Any) -> str:  # type: ignore[override]
            return json.dumps(obj, separators=(",", ":"), sort_keys=True)

    env = Builder(json={"b": 1, "a": 2}).get_environ()
    assert env["wsgi.input"].read() == b'{"a":2,"b":1}'
    assert EnvironBuilder.json_dumps({"x": 1}) == '{"x": 1}'


def test_auth_tuple_is_basic() -> None:
    env = create_environ(auth=("aladdin", "open sesame"))
    assert env["HTTP_AUTHORIZATION"] == "Basic YWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    authorization = Request(env).authorization
    assert authorization is not None
    assert authorization.username == "aladdin"
    assert authorization.password == "open sesame"


def test_auth_object() -> None:
    auth = Authorization("bearer", token="abc.def")
    env = create_environ(auth=auth)
    assert env["HTTP_AUTHORIZATION"] == "Bearer abc.def"


def test_mimetype_adds_charset_for_text() -> None:
    builder = EnvironBuilder(mimetype="text/plain")
    assert builder.content_type == "text/plain; charset=utf-8"
    assert builder.mimetype == "text/plain"
    builder.mimetype = "application/json"
    assert builder.content_type == "application/json"
    builder.mimetype = "image/svg+xml"
    assert builder.content_type == "image/svg+xml; charset=utf-8"


def test_mimetype_params_roundtrip() -> None:
    builder = EnvironBuilder(content_type='text/html; charset="latin-1"')
    params = builder.mimetype_params
    assert dict(params) == {"charset": "latin-1"}
    params["level"] = "1"  # type: ignore[index]
    assert builder.content_type == "text/html; charset=latin-1; level=1"


def test_content_type_and_length_setters() -> None:
    builder = EnvironBuilder(content_type="text/csv", content_length=5)
    assert builder.headers["Content-Type"] == "text/csv"
    assert builder.content_length == 5
    builder.content_type = None
    builder.content_length = None
    assert "Content-Type" not in builder.headers
    assert builder.content_length is None


# ------------------------------------------------------------------ multipart


def test_files_tuple_makes_multipart() -> None:
    builder = EnvironBuilder(
        method="POST",
        data={"field": "value", "upload": (io.BytesIO(b"file body"), "notes.txt")},
    )
    assert builder.content_type == "multipart/form-data"
    assert builder.files["upload"].filename == "notes.txt"
    env = builder.get_environ()
    content_type = env["CONTENT_TYPE"]
    assert content_type.startswith('multipart/form-data; boundary="')
    body = env["wsgi.input"].read()
    assert env["CONTENT_LENGTH"] == str(len(body))
    parts = parse_multipart(body, content_type)
    assert parts == [
        ("field", None, "text/plain", b"value"),
        ("upload", "notes.txt", "text/plain", b"file body"),
    ]


def test_multipart_roundtrip_through_request() -> None:
    env = create_environ(
        method="POST",
        data={
            "name": "\u2603 snow",
            "many": ["1", "2"],
            "a": (io.BytesIO(b"\x00\xffbinary"), "a.bin", "application/x-custom"),
            "b": (io.BytesIO(b"<p>hi</p>"), "page.html"),
            "c": FileStorage(io.BytesIO(b"storage"), filename="s.dat"),
        },
    )
    with Request(env) as request:
        assert request.form["name"] == "\u2603 snow"
        assert request.form.getlist("many") == ["1", "2"]
        assert request.files["a"].filename == "a.bin"
        assert request.files["a"].content_type == "application/x-custom"
        assert request.files["a"].read() == b"\x00\xffbinary"
        assert request.files["b"].content_type == "text/html"
        assert request.files["b"].read() == b"<p>hi</p>"
        assert request.files["c"].filename == "s.dat"
        assert request.files["c"].read() == b"storage"


def test_file_object_with_name(tmp_path: t.Any) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG data")
    with open(path, "rb") as fh:
        env = create_environ(method="POST", data={"img": fh})
    with Request(env) as request:
        upload = request.files["img"]
        assert upload.read() == b"\x89PNG data"
        assert upload.content_type == "image/png"
        assert upload.filename is not None and upload.filename.endswith("photo.png")


def test_file_dict_spec() -> None:
    env = create_environ(
        method="POST",
        data={"f": {"file": io.BytesIO(b"d"), "filename": "d.json", "content_type": "x/y"}},
    )
    with Request(env) as request:
        upload = request.files["f"]
        assert (upload.filename, upload.content_type, upload.read()) == ("d.json", "x/y", b"d")


def test_file_without_filename_defaults_octet_stream() -> None:
    boundary, body = encode_multipart({"blob": io.BytesIO(b"zz")}, boundary="B")
    assert b"Content-Type: application/octet-stream\r\n" in body
    assert b'name="blob"\r\n' in body


def test_explicit_multipart_content_type_with_form_only() -> None:
    builder = EnvironBuilder(method="POST", data={"a": "1"}, content_type="multipart/form-data")
    env = builder.get_environ()
    assert Request(env).form["a"] == "1"


def test_encode_multipart_exact_bytes() -> None:
    boundary, body = encode_multipart({"x": "1", "y": "\u2603"}, boundary="BOUND")
    assert boundary == "BOUND"
    assert body == (
        b'\r\n--BOUND\r\nContent-Disposition: form-data; name="x"\r\n\r\n1'
        b'\r\n--BOUND\r\nContent-Disposition: form-data; name="y"\r\n\r\n\xe2\x98\x83'
        b"\r\n--BOUND--\r\n"
    )


def test_encode_multipart_fields_and_file() -> None:
    _, body = encode_multipart(
        MultiDict(
            [
                ("n", 5),
                ("file", FileStorage(io.BytesIO(b"xyz"), filename="t.txt", content_type="a/b")),
            ]
        ),
        boundary="zzz",
    )
    assert body == (
        b'\r\n--zzz\r\nContent-Disposition: form-data; name="n"\r\n\r\n5'
        b'\r\n--zzz\r\nContent-Disposition: form-data; name="file"; filename="t.txt"\r\n'
        b"Content-Type: a/b\r\n\r\nxyz"
        b"\r\n--zzz--\r\n"
    )
    parts = parse_multipart(body, 'multipart/form-data; boundary="zzz"')
    assert parts == [("n", None, "text/plain", b"5"), ("file", "t.txt", "a/b", b"xyz")]


def test_encode_multipart_list_values_and_empty_file() -> None:
    _, body = encode_multipart(
        {"a": ["1", "2"], "e": FileStorage(io.BytesIO(b""), filename="e.txt")}, boundary="q"
    )
    parts = parse_multipart(body, "multipart/form-data; boundary=q")
    assert parts == [
        ("a", None, "text/plain", b"1"),
        ("a", None, "text/plain", b"2"),
        ("e", "e.txt", "text/plain", b""),
    ]


def test_stream_encode_multipart_generates_boundary() -> None:
    stream, length, boundary = stream_encode_multipart({"a": "b"})
    data = stream.read()
    assert len(data) == length
    assert boundary.encode() in data
    _, _, other = stream_encode_multipart({"a": "b"})
    assert other != boundary


def test_stream_encode_multipart_spills_to_tempfile() -> None:
    big = b"x" * 5000
    stream, length, boundary = stream_encode_multipart(
        {"f": FileStorage(io.BytesIO(big), filename="big.bin")}, threshold=1000, boundary="b"
    )
    try:
        assert not isinstance(stream, io.BytesIO)
        assert stream.tell() == 0
        data = stream.read()
        assert len(data) == length > 5000
        assert parse_multipart(data, "multipart/form-data; boundary=b")[0][3] == big
    finally:
        stream.close()


def test_stream_encode_multipart_in_memory_without_tempfile() -> None:
    stream, length, _ = stream_encode_multipart(
        {"f": FileStorage(io.BytesIO(b"y" * 5000), filename="big.bin")},
        use_tempfile=False,
        threshold=10,
    )
    assert isinstance(stream, io.BytesIO)
    assert len(stream.getvalue()) == length


def test_close_closes_files() -> None:
    stream = io.BytesIO(b"data")
    builder = EnvironBuilder(method="POST", data={"f": (stream, "f.txt")})
    builder.close()
    assert stream.closed
    assert builder.closed
    builder.close()  # idempotent


# ------------------------------------------------------- from_environ/request


def test_from_environ_roundtrip() -> None:
    original = EnvironBuilder(
        "/p\xe4th",
        base_url="https://example.com:444/root",
        query_string="a=1&b=%C3%BC",
        method="PUT",
        headers={"X-Thing": "yes", "Authorization": "Bearer t"},
        data=b"body",
        content_type="text/plain",
    ).get_environ()
    builder = EnvironBuilder.from_environ(original)
    assert builder.method == "PUT"
    assert builder.base_url == "https://example.com:444/root/"
    assert builder.headers["X-Thing"] == "yes"
    assert "Host" not in builder.headers
    assert builder.content_type == "text/plain"
    env = builder.get_environ()
    for key in (
        "PATH_INFO",
        "SCRIPT_NAME",
        "QUERY_STRING",
        "HTTP_HOST",
        "HTTP_X_THING",
        "HTTP_AUTHORIZATION",
        "CONTENT_TYPE",
        "CONTENT_LENGTH",
        "wsgi.url_scheme",
    ):
        assert env[key] == original[key], key
    assert env["wsgi.input"].read() == b"body"


def test_from_environ_round_trips_a_non_ascii_path() -> None:
    original = create_environ(
        "/\u3131", base_url="https://example.com/base", headers={"X-Foo": "\u3137"}
    )
    builder = EnvironBuilder.from_environ(original)
    try:
        env = builder.get_environ()
    finally:
        builder.close()
    assert env["PATH_INFO"] == original["PATH_INFO"] == "/\u3131".encode().decode("latin1")
    assert env["REQUEST_URI"] == original["REQUEST_URI"]
    assert env["RAW_URI"] == original["RAW_URI"]
    # Invalid UTF-8 survives byte for byte.
    original = create_environ("/%FF")
    assert EnvironBuilder.from_environ(original).get_environ()["PATH_INFO"] == "/\xff"


def test_from_environ_keeps_special_characters_in_path() -> None:
    original = create_environ("/a%3Fb%23c%25d")
    assert original["PATH_INFO"] == "/a?b#c%d"
    env = EnvironBuilder.from_environ(original).get_environ()
    assert env["PATH_INFO"] == "/a?b#c%d"
    assert env["QUERY_STRING"] == ""


def test_from_environ_kwargs_override() -> None:
    original = create_environ("/old", method="POST")
    env = EnvironBuilder.from_environ(original, path="/new", method="GET").get_environ()
    assert env["PATH_INFO"] == "/new"
    assert env["REQUEST_METHOD"] == "GET"


def test_get_request_classes() -> None:
    class MyRequest(Request):
        pass

    builder = EnvironBuilder("/x?y=1")
    request = builder.get_request()
    assert type(request) is Request
    assert request.args["y"] == "1"
    assert isinstance(builder.get_request(MyRequest), MyRequest)

    class Builder(EnvironBuilder):
        request_class = MyRequest

    assert isinstance(Builder().get_request(), MyRequest)


def test_create_environ_positional_base_url() -> None:
    env = create_environ("/foo", "http://example.org/app")
    assert env["SCRIPT_NAME"] == "/app"
    assert env["PATH_INFO"] == "/foo"
    assert env["HTTP_HOST"] == "example.org"


# --------------------------------------------------------------- run_wsgi_app


def test_run_wsgi_app_simple() -> None:
    app_iter, status, headers = run_wsgi_app(echo_app, create_environ("/hi?a=b"))
    assert status == "200 OK"
    assert isinstance(headers, Headers)
    assert headers["Content-Type"] == "application/json"
    assert json.loads(b"".join(app_iter))["args"] == {"a": ["b"]}


def test_run_wsgi_app_write_callable() -> None:
    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"one ")
        write(b"two ")
        return [b"three"]

    app_iter, status, _ = run_wsgi_app(app, create_environ())
    assert b"".join(app_iter) == b"one two three"
    app_iter, _, _ = run_wsgi_app(app, create_environ(), buffered=True)
    assert list(app_iter) == [b"one ", b"two ", b"three"]


class ClosingBody:
    """An app iterable that records whether close() was called."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.closed = False

    def __iter__(self) -> t.Iterator[bytes]:
        return iter(self.chunks)

    def close(self) -> None:
        self.closed = True


def test_run_wsgi_app_close_called_unbuffered() -> None:
    body = ClosingBody([b"a", b"b"])

    def app(environ: dict[str, t.Any], start_response: t.Any) -> ClosingBody:
        start_response("200 OK", [])
        return body

    app_iter, _, _ = run_wsgi_app(app, create_environ())
    assert not body.closed
    assert b"".join(app_iter) == b"ab"
    app_iter.close()  # type: ignore[attr-defined]
    assert body.closed


def test_run_wsgi_app_close_called_buffered() -> None:
    body = ClosingBody([b"a", b"b"])

    def app(environ: dict[str, t.Any], start_response: t.Any) -> ClosingBody:
        start_response("200 OK", [])
        return body

    app_iter, _, _ = run_wsgi_app(app, create_environ(), buffered=True)
    assert body.closed
    assert app_iter == [b"a", b"b"]


def test_run_wsgi_app_lazy_start_response_generator() -> None:
    events: list[str] = []

    def app(environ: dict[str, t.Any], start_response: t.Any) -> t.Iterator[bytes]:
        try:
            events.append("start")
            start_response("201 Created", [("X-Lazy", "1")])
            yield b"first"
            yield b"second"
        finally:
            events.append("closed")

    app_iter, status, headers = run_wsgi_app(app, create_environ())
    assert status == "201 Created"
    assert headers["X-Lazy"] == "1"
    assert list(app_iter) == [b"first", b"second"]
    app_iter.close()  # type: ignore[attr-defined]
    assert events == ["start", "closed"]


def test_run_wsgi_app_generator_closed_early() -> None:
    events: list[str] = []

    def app(environ: dict[str, t.Any], start_response: t.Any) -> t.Iterator[bytes]:
        start_response("200 OK", [])
        try:
            yield b"a"
            yield b"b"
        finally:
            events.append("closed")

    app_iter, _, _ = run_wsgi_app(app, create_environ())
    app_iter.close()  # type: ignore[attr-defined]
    assert events == ["closed"]


def test_run_wsgi_app_exc_info_reraised() -> None:
    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        try:
            raise KeyError("boom")
        except KeyError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        return []

    with pytest.raises(KeyError, match="boom"):
        run_wsgi_app(app, create_environ())


def test_run_wsgi_app_without_start_response() -> None:
    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        return []

    with pytest.raises(RuntimeError, match="start_response"):
        run_wsgi_app(app, create_environ())


def test_run_wsgi_app_copies_environ_and_accepts_request() -> None:
    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        environ["PATH_INFO"] = "/mutated"
        start_response("204 No Content", [])
        return []

    environ = create_environ("/original")
    run_wsgi_app(app, environ)
    assert environ["PATH_INFO"] == "/original"
    _, status, _ = run_wsgi_app(app, Request(create_environ()))  # type: ignore[arg-type]
    assert status == "204 No Content"
    with pytest.raises(TypeError, match="WSGI environment"):
        run_wsgi_app(app, "nope")  # type: ignore[arg-type]


# --------------------------------------------------------------------- Client


def test_client_get_returns_test_response() -> None:
    client = Client(echo_app)
    response = client.get("/hello", query_string={"q": "1"})
    assert isinstance(response, TestResponse)
    assert response.status_code == 200
    assert response.json["path"] == "/hello"
    assert response.get_json()["args"] == {"q": ["1"]}
    assert json.loads(response.text)["method"] == "GET"
    assert response.request.path == "/hello"
    assert response.history == ()
    assert response.json["ua"] == USER_AGENT == f"erlen/{erlen.__version__}"


def test_client_user_agent_given_or_disabled_wins() -> None:
    client = Client(echo_app)
    assert client.get("/", headers={"User-Agent": "probe/2"}).json["ua"] == "probe/2"
    client.user_agent = ""
    assert client.get("/").json["ua"] is None


@pytest.mark.parametrize(
    "name", ["get", "post", "put", "patch", "delete", "options", "head", "trace"]
)
def test_client_method_helpers(name: str) -> None:
    seen: list[str] = []

    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        seen.append(environ["REQUEST_METHOD"])
        start_response("200 OK", [])
        return [b""]

    getattr(Client(app), name)("/")
    assert seen == [name.upper()]


def test_client_post_form_and_json() -> None:
    client = Client(form_app)
    response = client.post("/", data={"a": "1", "f": (io.BytesIO(b"content"), "c.txt")})
    assert response.json == {
        "form": {"a": ["1"]},
        "files": {"f": ["c.txt", "text/plain", "content"]},
    }
    echoed = Client(echo_app).post("/", json={"k": "v"}).json
    assert echoed["content_type"] == "application/json"
    assert json.loads(echoed["body"]) == {"k": "v"}


def test_client_open_with_builder_environ_and_request() -> None:
    client = Client(echo_app)
    builder = EnvironBuilder("/from-builder", method="PUT")
    assert client.open(builder).json["path"] == "/from-builder"
    assert client.open(builder).json["method"] == "PUT"
    environ = create_environ("/from-environ", method="DELETE")
    response = client.open(environ)
    assert response.json == {**response.json, "path": "/from-environ", "method": "DELETE"}
    request = Request(create_environ("/from-request"))
    response = client.open(request)
    assert response.json["path"] == "/from-request"
    assert response.request is request


def test_client_buffered_closes_app_iter() -> None:
    bodies: list[ClosingBody] = []

    def app(environ: dict[str, t.Any], start_response: t.Any) -> ClosingBody:
        start_response("200 OK", [("Content-Type", "text/plain")])
        bodies.append(ClosingBody([b"x", b"y"]))
        return bodies[-1]

    response = Client(app).get("/", buffered=True)
    assert bodies[0].closed
    assert response.get_data() == b"xy"
    response = Client(app).get("/")
    assert response.get_data() == b"xy"
    response.close()
    assert bodies[1].closed


def test_client_response_wrapper() -> None:
    class MyResponse(Response):
        marker = "mine"

    client = Client(echo_app, response_wrapper=MyResponse)
    response = client.get("/")
    assert isinstance(response, TestResponse)
    assert isinstance(response, MyResponse)
    assert response.marker == "mine"  # type: ignore[attr-defined]
    assert Client(echo_app, response_wrapper=Response).response_wrapper is TestResponse

    class MyTestResponse(TestResponse):
        pass

    assert Client(echo_app, response_wrapper=MyTestResponse).response_wrapper is MyTestResponse


def test_test_response_has_no_default_mimetype() -> None:
    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"no type"]

    response = Client(app).get("/")
    assert TestResponse.default_mimetype is None
    assert response.mimetype is None
    assert "Content-Type" not in response.headers
    assert response.text == "no type"


def test_test_response_direct_construction() -> None:
    request = EnvironBuilder().get_request()
    response = TestResponse(
        [b'{"a": 1}'], "200 OK", Headers({"Content-Type": "application/json"}), request
    )
    assert response.json == {"a": 1}
    assert response.get_json() == {"a": 1}
    assert response.text == '{"a": 1}'
    assert response.request is request
    assert response.history == ()
    assert TestResponse.__test__ is False


def test_client_repr() -> None:
    assert repr(Client(echo_app)).startswith("<Client <function echo_app")


# -------------------------------------------------------------------- cookies


def test_cookie_set_from_response_and_sent_back() -> None:
    client = Client(cookie_app)
    response = client.get("/", query_string={"h": "sid=abc123; Path=/; HttpOnly"})
    assert response.text == ""
    cookie = client.get_cookie("sid")
    assert cookie is not None
    assert cookie.value == "abc123"
    assert cookie.decoded_value == "abc123"
    assert cookie.http_only is True
    assert cookie.secure is False
    assert cookie.origin_only is True
    assert cookie.domain == "localhost"
    assert client.get("/other").text == "sid=abc123"


def test_cookie_attributes_parsed() -> None:
    cookie = Cookie._from_response_header(
        "example.com",
        "/a/b",
        "k=v; Domain=example.com; Path=/a; Secure; SameSite=Lax; Max-Age=60",
    )
    assert (cookie.key, cookie.value) == ("k", "v")
    assert cookie.domain == "example.com"
    assert cookie.origin_only is False
    assert cookie.path == "/a"
    assert cookie.secure is True
    assert cookie.http_only is False
    assert cookie.same_site == "Lax"
    assert cookie.max_age == 60
    assert cookie._storage_key == ("example.com", "/a", "k")
    assert cookie._to_request_header() == "k=v"
    assert not cookie._should_delete


def test_cookie_default_path_from_request_path() -> None:
    assert Cookie._from_response_header("h", "/dir/page", "a=b").path == "/dir"
    assert Cookie._from_response_header("h", "/page", "a=b").path == "/"


def test_cookie_quoted_value_decoded() -> None:
    cookie = Cookie._from_response_header("h", "/", 'q="a\\"b"')
    assert cookie.value == '"a\\"b"'
    assert cookie.decoded_value == 'a"b'
    assert cookie._to_request_header() == 'q="a\\"b"'


def test_cookie_path_matching() -> None:
    cookie = Cookie._from_response_header("localhost", "/", "a=1; Path=/app")
    assert cookie._should_send("localhost", "/app")
    assert cookie._should_send("localhost", "/app/sub")
    assert not cookie._should_send("localhost", "/application")
    assert not cookie._should_send("localhost", "/")
    slash = Cookie._from_response_header("localhost", "/", "a=1; Path=/app/")
    assert slash._should_send("localhost", "/app/x")
    assert not slash._should_send("localhost", "/app")
    assert cookie._matches_request("localhost", "/app")


def test_cookie_domain_matching() -> None:
    origin = Cookie._from_response_header("example.com", "/", "a=1")
    assert origin._should_send("example.com", "/")
    assert not origin._should_send("www.example.com", "/")
    wide = Cookie._from_response_header("example.com", "/", "a=1; Domain=example.com")
    assert wide._should_send("example.com", "/")
    assert wide._should_send("www.example.com", "/")
    assert not wide._should_send("badexample.com", "/")
    assert not wide._should_send("example.org", "/")


def test_client_path_scoped_cookies() -> None:
    client = Client(cookie_app)
    client.get("/", query_string={"h": "scoped=1; Path=/admin"})
    assert client.get("/").text == ""
    assert client.get("/admin/users").text == "scoped=1"


def test_client_domain_scoped_cookies() -> None:
    client = Client(cookie_app)
    client.get(
        "/",
        base_url="http://example.com",
        query_string={"h": ["host=1", "wide=2; Domain=example.com"]},
    )
    assert client.get_cookie("host", domain="example.com") is not None
    assert client.get("/", base_url="http://example.com").text == "host=1; wide=2"
    assert client.get("/", base_url="http://api.example.com").text == "wide=2"
    assert client.get("/", base_url="http://other.com").text == ""


def test_cookie_deleted_by_max_age_zero() -> None:
    client = Client(cookie_app)
    client.get("/", query_string={"h": "gone=1"})
    assert client.get_cookie("gone") is not None
    client.get("/", query_string={"h": "gone=; Max-Age=0"})
    assert client.get_cookie("gone") is None


def test_cookie_deleted_by_past_expires() -> None:
    client = Client(cookie_app)
    client.get("/", query_string={"h": "old=1"})
    client.get("/", query_string={"h": "old=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"})
    assert client.get_cookie("old") is None
    client.get("/", query_string={"h": "past=1; Expires=Mon, 01 Jan 2001 00:00:00 GMT"})
    assert client.get_cookie("past") is None


def test_cookie_expires_over_time(monkeypatch: pytest.MonkeyPatch) -> None:
    client = Client(cookie_app)
    future = datetime.now(timezone.utc) + timedelta(hours=1)
    expires = future.strftime("%a, %d %b %Y %H:%M:%S GMT")
    client.get("/", query_string={"h": ["short=1; Max-Age=10", f"long=2; Expires={expires}"]})
    assert client.get("/").text == "short=1; long=2"
    now = etest.time()
    monkeypatch.setattr(etest, "time", lambda: now + 60)
    assert client.get("/").text == "long=2"
    assert client.get_cookie("short") is None
    monkeypatch.setattr(etest, "time", lambda: now + 7200)
    assert client.get("/").text == ""
    assert client.get_cookie("long") is None


def test_client_set_and_delete_cookie() -> None:
    client = Client(cookie_app)
    client.set_cookie("manual", "v1")
    cookie = client.get_cookie("manual")
    assert cookie is not None and cookie.value == "v1"
    assert cookie.origin_only is True
    assert client.get("/").text == "manual=v1"
    client.delete_cookie("manual")
    assert client.get_cookie("manual") is None
    assert client.get("/").text == ""
    client.delete_cookie("never-set")  # no error


def test_client_set_cookie_domain_and_path() -> None:
    client = Client(cookie_app)
    client.set_cookie("wide", "1", domain="example.com", origin_only=False, path="/api")
    assert client.get_cookie("wide", domain="example.com", path="/api") is not None
    assert client.get("/api/x", base_url="http://sub.example.com").text == "wide=1"
    assert client.get("/x", base_url="http://sub.example.com").text == ""
    client.set_cookie("wide", "", domain="example.com", path="/api", max_age=0)
    assert client.get_cookie("wide", domain="example.com", path="/api") is None


def test_client_set_cookie_encodes_value() -> None:
    client = Client(cookie_app)
    client.set_cookie("msg", "a b;c")
    cookie = client.get_cookie("msg")
    assert cookie is not None
    assert cookie.decoded_value == "a b;c"
    received = Request(create_environ(headers={"Cookie": client.get("/").text}))
    assert received.cookies["msg"] == "a b;c"


def test_cookie_header_replaced_by_jar() -> None:
    client = Client(cookie_app)
    assert client.get("/", headers={"Cookie": "manual=1"}).text == ""
    no_jar = Client(cookie_app, use_cookies=False)
    assert no_jar.get("/", headers={"Cookie": "manual=1"}).text == "manual=1"


def test_cookies_disabled() -> None:
    client = Client(cookie_app, use_cookies=False)
    client.get("/", query_string={"h": "a=1"})
    assert client._cookies is None
    assert client.get("/").text == ""
    for call in (
        lambda: client.get_cookie("a"),
        lambda: client.set_cookie("a", "1"),
        lambda: client.delete_cookie("a"),
    ):
        with pytest.raises(TypeError, match="Cookies are disabled"):
            call()


def test_cookie_private_helpers() -> None:
    client = Client(cookie_app)
    client._update_cookies_from_response("localhost", "/", ["a=1", "b=2; Path=/x"])
    assert set(client._cookies or {}) == {("localhost", "/", "a"), ("localhost", "/x", "b")}
    environ = create_environ("/x/y")
    client._add_cookies_to_wsgi(environ)
    assert environ["HTTP_COOKIE"] == "a=1; b=2"
    environ = create_environ("/", base_url="http://elsewhere")
    environ["HTTP_COOKIE"] = "stale=1"
    client._add_cookies_to_wsgi(environ)
    assert "HTTP_COOKIE" not in environ
    client._update_cookies_from_response("localhost", "/", ["a=; Max-Age=0"])
    assert set(client._cookies or {}) == {("localhost", "/x", "b")}


def test_cookie_same_key_different_paths() -> None:
    client = Client(cookie_app)
    client.set_cookie("k", "root")
    client.set_cookie("k", "sub", path="/sub")
    assert client.get_cookie("k").value == "root"  # type: ignore[union-attr]
    assert client.get_cookie("k", path="/sub").value == "sub"  # type: ignore[union-attr]
    assert client.get("/sub/page").text == "k=root; k=sub"


# ------------------------------------------------------------------ redirects


def test_follow_redirects_history() -> None:
    app = make_redirect_app({"/a": (301, "/b"), "/b": (302, "/c?x=1")})
    client = Client(app)
    response = client.get("/a", follow_redirects=True)
    assert response.status_code == 200
    assert response.json["path"] == "/c"
    assert response.json["args"] == {"x": ["1"]}
    assert [r.status_code for r in response.history] == [301, 302]
    assert [r.request.path for r in response.history] == ["/a", "/b"]
    assert response.history[1].history == (response.history[0],)
    assert response.request.path == "/c"


def test_no_follow_returns_redirect() -> None:
    app = make_redirect_app({"/a": (302, "/b")})
    response = Client(app).get("/a")
    assert response.status_code == 302
    assert response.location == "/b"
    assert response.history == ()


@pytest.mark.parametrize("status", [301, 302, 303])
def test_redirect_post_becomes_get_without_body(status: int) -> None:
    app = make_redirect_app({"/form": (status, "/done")})
    response = Client(app).post("/form", data={"a": "1"}, follow_redirects=True)
    assert response.json["method"] == "GET"
    assert response.json["body"] == ""
    assert response.json["content_type"] is None
    assert response.request.environ.get("CONTENT_LENGTH") is None


@pytest.mark.parametrize("status", [307, 308])
def test_redirect_keeps_method_and_body(status: int) -> None:
    app = make_redirect_app({"/form": (status, "/done")})
    response = Client(app).post(
        "/form", data=b"payload", content_type="text/plain", follow_redirects=True
    )
    assert response.json["method"] == "POST"
    assert response.json["body"] == "payload"
    assert response.json["content_type"] == "text/plain"
    assert [r.status_code for r in response.history] == [status]


def test_redirect_307_chain_keeps_form_body() -> None:
    app = make_redirect_app({"/1": (307, "/2"), "/2": (308, "/3")})
    response = Client(app).put("/1", data={"k": "v"}, follow_redirects=True)
    assert response.json["method"] == "PUT"
    assert response.json["body"] == "k=v"


def test_redirect_head_stays_head() -> None:
    seen: list[str] = []
    inner = make_redirect_app({"/a": (302, "/b")})

    def app(environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
        seen.append(environ["REQUEST_METHOD"])
        return inner(environ, start_response)

    Client(app).head("/a", follow_redirects=True)
    assert seen == ["HEAD", "HEAD"]


def test_redirect_loop_detected() -> None:
    app = make_redirect_app({"/a": (302, "/b"), "/b": (302, "/a")})
    with pytest.raises(ClientRedirectError, match="Loop detected"):
        Client(app).get("/a", follow_redirects=True)


def test_redirect_to_self_loop_detected() -> None:
    app = make_redirect_app({"/a": (302, "/a")})
    with pytest.raises(ClientRedirectError, match="Loop detected"):
        Client(app).get("/a", follow_redirects=True)


def test_redirect_external_host_refused() -> None:
    app = make_redirect_app({"/a": (302, "http://other.example/x")})
    with pytest.raises(RuntimeError, match="external redirects"):
        Client(app).get("/a", follow_redirects=True)


def test_redirect_subdomain_needs_opt_in() -> None:
    app = make_redirect_app({"/a": (302, "http://api.localhost/x")})
    with pytest.raises(RuntimeError, match="subdomain redirects"):
        Client(app).get("/a", follow_redirects=True)
    response = Client(app, allow_subdomain_redirects=True).get("/a", follow_redirects=True)
    assert response.json["host"] == "api.localhost"
    assert response.json["path"] == "/x"


def test_redirect_absolute_same_host_and_scheme_change() -> None:
    app = make_redirect_app({"/a": (301, "https://localhost/secure")})
    response = Client(app).get("/a", follow_redirects=True)
    assert response.request.url == "https://localhost/secure"


def test_redirect_within_script_root() -> None:
    app = make_redirect_app({"/a": (302, "/root/b"), "/b": (302, "/elsewhere")})
    response = Client(app).get("/a", base_url="http://localhost/root", follow_redirects=True)
    assert response.json["path"] == "/elsewhere"
    assert response.json["script_root"] == ""
    assert [r.request.script_root for r in response.history] == ["/root", "/root"]


def test_redirect_relative_location() -> None:
    app = make_redirect_app({"/dir/a": (302, "b?z=9")})
    response = Client(app).get("/dir/a", follow_redirects=True)
    assert response.json["path"] == "/dir/b"
    assert response.json["args"] == {"z": ["9"]}


def test_redirect_keeps_cookies_and_headers() -> None:
    def app(environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
        if environ["PATH_INFO"] == "/login":
            response = Response("", status=302, headers={"Location": "/home"})
            response.headers.add("Set-Cookie", "session=xyz; Path=/")
            return response(environ, start_response)
        return echo_app(environ, start_response)

    response = Client(app).get("/login", headers={"User-Agent": "t/1"}, follow_redirects=True)
    assert response.json["cookie"] == "session=xyz"
    assert response.json["ua"] == "t/1"


def test_redirect_buffered() -> None:
    app = make_redirect_app({"/a": (302, "/b")})
    response = Client(app).get("/a", follow_redirects=True, buffered=True)
    assert response.json["path"] == "/b"
    assert response.history[0].get_data() == b"redirecting"


def test_follow_redirects_closes_input_on_close() -> None:
    response = Client(echo_app).post("/", data=b"abc", follow_redirects=True)
    stream = response.request.environ["wsgi.input"]
    assert not stream.closed
    response.close()
    assert stream.closed


def test_resolve_redirect_direct() -> None:
    app = make_redirect_app({"/a": (303, "/b")})
    client = Client(app)
    first = client.post("/a", data="x")
    second = client.resolve_redirect(first)
    assert second.json["method"] == "GET"
    assert second.json["path"] == "/b"
