"""Tests for erlen.wrappers.request.Request (Werkzeug's Request API) on hand-built environs."""

from __future__ import annotations

import io
import sys
import types
import typing as t
from datetime import datetime, timezone

import pytest
from _timing import assert_linear
from hypothesis import given, strategies as st

from erlen.datastructures import (
    Accept,
    CharsetAccept,
    CombinedMultiDict,
    EnvironHeaders,
    ETags,
    FileStorage,
    ImmutableList,
    ImmutableMultiDict,
    LanguageAccept,
    MIMEAccept,
    MultiDict,
    RequestCacheControl,
)
from erlen.exceptions import (
    BadRequest,
    ClientDisconnected,
    NotFound,
    RequestEntityTooLarge,
    SecurityError,
    UnsupportedMediaType,
)
from erlen.formparser import FormDataParser
from erlen.http import parse_options_header
from erlen.sansio.request import Request as SansIORequest
from erlen.user_agent import UserAgent
from erlen.wrappers.request import Request
from erlen.wsgi import LimitedStream

BOUNDARY = "xYzZY"


def make_environ(
    path: str = "/",
    method: str = "GET",
    query: str = "",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    content_length: str | None = "auto",
    **extra: object,
) -> dict[str, object]:
    """A minimal PEP 3333 environ; header names are given in HTTP form."""
    environ: dict[str, object] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if body and content_length == "auto":
        environ["CONTENT_LENGTH"] = str(len(body))
    elif content_length not in (None, "auto"):
        environ["CONTENT_LENGTH"] = content_length
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        environ[key] = value
    environ.update(extra)
    return environ


def req(**kwargs: object) -> Request:
    return Request(make_environ(**kwargs))  # type: ignore[arg-type]


def json_req(body: bytes, content_type: str = "application/json") -> Request:
    return req(method="POST", body=body, headers={"Content-Type": content_type})


def multipart_body(*parts: tuple[str, bytes, str | None]) -> bytes:
    out = b""
    for name, data, filename in parts:
        disp = f'form-data; name="{name}"' + (
            f'; filename="{filename}"' if filename is not None else ""
        )
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disp}\r\n\r\n".encode() + data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


class ExplodingStream(io.RawIOBase):
    """A wsgi.input that fails the test if anything reads it."""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body must not be read")

    def readinto(self, b: object) -> int:
        raise AssertionError("the body must not be read")


class TerminatedStream:
    """A chunked body the server terminates (``wsgi.input_terminated``)."""

    def __init__(self, data: bytes, chunk: int = 1000) -> None:
        self._data = io.BytesIO(data)
        self.chunk = chunk

    def read(self, size: int = -1) -> bytes:
        if size >= 0:
            size = min(size, self.chunk)
        return self._data.read(size)

    @property
    def consumed(self) -> int:
        return self._data.tell()


# construction


def test_init_only_stores_environ() -> None:
    environ = make_environ()
    request = Request(environ)  # type: ignore[arg-type]
    assert request.environ is environ
    assert environ["werkzeug.request"] is request
    # Only what routing reads from every request is set up front; the rest is lazy.
    assert set(request.__dict__) <= {
        "environ",
        "shallow",
        "method",
        "scheme",
        "path",
        "websocket_upgrade",
        "cookies",
        "host",
    }
    assert request.shallow is False


def test_init_populate_request_false_and_shallow() -> None:
    environ = make_environ()
    Request(environ, populate_request=False)  # type: ignore[arg-type]
    assert "werkzeug.request" not in environ
    Request(environ, shallow=True)  # type: ignore[arg-type]
    assert "werkzeug.request" not in environ


def test_init_reads_only_the_routing_values() -> None:
    read: list[object] = []

    class Recording(dict):  # type: ignore[type-arg]
        def __getitem__(self, key: object) -> object:
            read.append(key)
            return super().__getitem__(key)

        def get(self, key: object, default: object = None) -> object:
            read.append(key)
            return super().get(key, default)

    request = Request(Recording(), populate_request=False)  # type: ignore[arg-type]
    assert set(read) <= {"REQUEST_METHOD", "wsgi.url_scheme", "PATH_INFO", "HTTP_HOST"}
    assert (request.method, request.path, request.query_string) == ("GET", "/", b"")


def test_repr() -> None:
    assert repr(req(path="/a", query="b=1")) == "<Request 'http://localhost/a?b=1' [GET]>"
    bad = Request(make_environ(HTTP_HOST="evil.com"))  # type: ignore[arg-type]
    bad.trusted_hosts = ["example.com"]
    assert "invalid URL" in repr(bad)


# method / scheme / server / paths


def test_method_upper_and_default() -> None:
    assert req(method="post").method == "POST"
    environ = make_environ()
    del environ["REQUEST_METHOD"]
    assert Request(environ).method == "GET"  # type: ignore[arg-type]


def test_method_is_cached_and_assignable() -> None:
    request = req(method="PUT")
    assert request.method == "PUT"
    request.environ["REQUEST_METHOD"] = "DELETE"
    assert request.method == "PUT"
    request.method = "PATCH"
    assert request.method == "PATCH"


def test_scheme_and_is_secure() -> None:
    assert req().scheme == "http" and not req().is_secure
    for scheme in ("https", "wss"):
        request = req(**{"wsgi.url_scheme": scheme})
        assert request.scheme == scheme and request.is_secure
    environ = make_environ()
    del environ["wsgi.url_scheme"]
    assert Request(environ).scheme == "http"  # type: ignore[arg-type]


def test_server() -> None:
    assert req().server == ("localhost", 80)
    assert req(SERVER_NAME="/run/app.sock", SERVER_PORT="").server == ("/run/app.sock", None)
    environ = make_environ()
    del environ["SERVER_NAME"]
    assert Request(environ).server is None  # type: ignore[arg-type]


def test_root_path_and_script_root() -> None:
    request = req(SCRIPT_NAME="/app/")
    assert request.root_path == "/app"
    assert request.script_root == "/app"
    assert req().root_path == ""
    assert req(SCRIPT_NAME="/caf\xc3\xa9").root_path == "/café"


@pytest.mark.parametrize(
    ("path_info", "expected"),
    [
        ("/", "/"),
        ("", "/"),
        ("/a/b", "/a/b"),
        ("a/b", "/a/b"),
        ("//a//b", "/a//b"),
        ("/caf\xc3\xa9", "/café"),
        ("/\xff\xfe/x", "/\ufffd\ufffd/x"),
        ("/\xc3", "/\ufffd"),
        ("/%2F", "/%2F"),
    ],
)
def test_path_decoding(path_info: str, expected: str) -> None:
    assert req(path=path_info).path == expected


def test_path_missing_path_info() -> None:
    environ = make_environ()
    del environ["PATH_INFO"]
    assert Request(environ).path == "/"  # type: ignore[arg-type]


def test_path_non_latin1_environ_value_is_kept() -> None:
    # A server that put decoded text (not PEP 3333 latin-1) in PATH_INFO.
    assert req(path="/☃").path == "/☃"


def test_full_path_and_query_string() -> None:
    request = req(path="/a b", query="x=1&y=%C3%A9")
    assert request.full_path == "/a b?x=1&y=%C3%A9"
    assert request.query_string == b"x=1&y=%C3%A9"
    assert req(path="/x").full_path == "/x?"
    assert req(query="q=\xc3\xa9").query_string == "q=é".encode()
    assert req(query="q=\xff").full_path == "/?q=\ufffd"


# args


def test_args_basic() -> None:
    args = req(query="a=1&b=2&a=3&blank=&flag&&=novalue&sp=a+b&enc=%C3%A9%26%3D").args
    assert isinstance(args, ImmutableMultiDict)
    assert args.getlist("a") == ["1", "3"]
    assert args["b"] == "2"
    assert args["blank"] == ""
    assert args["flag"] == ""
    assert args[""] == "novalue"
    assert args["sp"] == "a b"
    assert args["enc"] == "é&="
    assert args.get("missing") is None
    with pytest.raises(BadRequest):
        args["missing"]
    with pytest.raises(TypeError):
        args["x"] = "y"  # type: ignore[index]


def test_args_fast_path_matches_parse_qsl() -> None:
    from urllib.parse import parse_qsl

    for query in ["a=1&b=&c&&d=x=y", "&&x", "=", "a=1&a=2&a=", "k=v&%61=2", "a+b=c+d"]:
        args = req(query=query).args
        expected = MultiDict(parse_qsl(query, keep_blank_values=True))
        assert sorted(args.lists()) == sorted(expected.lists()), query


def test_args_empty() -> None:
    assert len(req().args) == 0
    environ = make_environ()
    del environ["QUERY_STRING"]
    assert len(Request(environ).args) == 0  # type: ignore[arg-type]


def test_args_invalid_utf8_replaced() -> None:
    args = req(query="a=%ff%fe&b=\xff&c=%C3").args
    assert args["a"] == "\ufffd\ufffd"
    assert args["b"] == "\ufffd"
    assert args["c"] == "\ufffd"
    assert req(query="k=caf\xc3\xa9").args["k"] == "café"


def test_args_encoding_errors_can_keep_escapes() -> None:
    class Quoting(Request):
        encoding_errors = "erlen.url_quote"

    request = Quoting(make_environ(query="a=%ff&b=%C3%A9"))  # type: ignore[arg-type]
    assert request.args["a"] == "%FF"
    assert request.args["b"] == "é"


def test_args_custom_storage_class() -> None:
    class Mutable(Request):
        parameter_storage_class = MultiDict

    args = Mutable(make_environ(query="a=1")).args  # type: ignore[arg-type]
    args["b"] = "2"
    assert type(args) is MultiDict and args["b"] == "2"


def test_args_storage_class_with_its_own_init() -> None:
    class Counting(MultiDict):  # type: ignore[type-arg]
        def __init__(self, mapping: t.Any = None) -> None:
            super().__init__(mapping)
            self.built_by_init = True

    class Custom(Request):
        parameter_storage_class = Counting

    args = Custom(make_environ(query="a=1&b=2&a=3")).args  # type: ignore[arg-type]
    assert type(args) is Counting and args.built_by_init
    assert args.getlist("a") == ["1", "3"] and args["b"] == "2"


def test_args_storage_class_gets_the_pairs_in_order() -> None:
    class Pairs(list):  # type: ignore[type-arg]
        pass

    class Custom(Request):
        parameter_storage_class = Pairs  # type: ignore[assignment]

    args = Custom(make_environ(query="b=1&a=2&b=3")).args  # type: ignore[arg-type]
    assert args == [("b", "1"), ("a", "2"), ("b", "3")]

    class Plain(Request):
        parameter_storage_class = dict  # type: ignore[assignment]

    assert Plain(make_environ(query="x=1")).args == {"x": "1"}  # type: ignore[arg-type]


def args_of(query: str) -> MultiDict:
    return req(query=query).args


def test_args_100k_params_is_fast() -> None:
    def plain(n: int) -> str:
        return "&".join(f"k{i}=v{i}" for i in range(n))

    def encoded(n: int) -> str:
        return "&".join(f"k%20{i}=v+{i}" for i in range(n))

    args = args_of(plain(100_000))
    assert len(args) == 100_000 and args["k99999"] == "v99999"
    assert_linear(args_of, plain, 1_000)
    assert args_of(encoded(100_000))["k 5"] == "v 5"
    assert_linear(args_of, encoded, 1_000)


def test_args_hostile_separators_are_fast() -> None:
    assert len(args_of("&" * 1_000_000)) == 0
    assert_linear(args_of, lambda n: "&" * n, 10_000)
    assert len(args_of("=" * 1_000_000)) == 1
    assert_linear(args_of, lambda n: "=" * n, 10_000)
    assert len(args_of("%" * 200_000)) == 1
    assert_linear(args_of, lambda n: "%" * n, 10_000)


# URLs and host


def test_urls() -> None:
    request = req(path="/hello wörld".encode().decode("latin-1"), query="a=1", SCRIPT_NAME="/app")
    assert request.url == "http://localhost/app/hello%20wörld?a=1"
    assert request.base_url == "http://localhost/app/hello%20wörld"
    assert request.url_root == "http://localhost/app/"
    assert request.root_url == "http://localhost/app/"
    assert request.host_url == "http://localhost/"


def test_url_with_invalid_utf8_does_not_crash() -> None:
    request = req(path="/\xff", query="q=%ff&r=\xfe")
    assert request.url == "http://localhost/\ufffd?q=%FF&r=%FE"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"HTTP_HOST": "example.com:80"}, "example.com"),
        ({"HTTP_HOST": "example.com:8080"}, "example.com:8080"),
        ({"HTTP_HOST": "example.com:443", "wsgi.url_scheme": "https"}, "example.com"),
        ({"HTTP_HOST": "bad host!"}, ""),
        ({"HTTP_HOST": "h\xc3\xa9.com"}, ""),
    ],
)
def test_host(environ: dict[str, str], expected: str) -> None:
    assert Request(make_environ(**environ)).host == expected  # type: ignore[arg-type]


def test_host_from_server_when_no_header() -> None:
    environ = make_environ(SERVER_NAME="srv", SERVER_PORT="8000")
    del environ["HTTP_HOST"]
    assert Request(environ).host == "srv:8000"  # type: ignore[arg-type]


def test_trusted_hosts() -> None:
    class Trusting(Request):
        trusted_hosts = [".example.com"]

    assert Trusting(make_environ(HTTP_HOST="a.example.com")).host == "a.example.com"  # type: ignore[arg-type]
    request = Trusting(make_environ(HTTP_HOST="evil.com"))  # type: ignore[arg-type]
    with pytest.raises(SecurityError) as exc_info:
        request.host
    assert exc_info.value.code == 400
    with pytest.raises(SecurityError):
        request.url


# client info


def test_remote_addr_access_route_remote_user() -> None:
    request = req(REMOTE_USER="alice")
    assert request.remote_addr == "127.0.0.1"
    assert request.access_route == ["127.0.0.1"]
    assert isinstance(request.access_route, ImmutableList)
    assert request.remote_user == "alice"
    request = req(headers={"X-Forwarded-For": "1.1.1.1, 2.2.2.2"})
    assert request.access_route == ["1.1.1.1", "2.2.2.2"]
    environ = make_environ()
    del environ["REMOTE_ADDR"]
    request = Request(environ)  # type: ignore[arg-type]
    assert request.remote_addr is None and request.access_route == []
    assert request.remote_user is None
    with pytest.raises(AttributeError):
        request.remote_user = "x"  # type: ignore[misc]


def test_wsgi_flags() -> None:
    request = req()
    assert request.is_multithread is False
    assert request.is_multiprocess is True
    assert request.is_run_once is False


# headers


def test_headers_are_environ_headers() -> None:
    request = req(headers={"X-Custom": "v", "Content-Type": "text/plain"}, body=b"abc")
    assert isinstance(request.headers, EnvironHeaders)
    assert request.headers["X-Custom"] == "v"
    assert request.headers["Content-Type"] == "text/plain"
    assert request.headers["Content-Length"] == "3"
    assert request.headers.get("Missing") is None


def test_invalid_utf8_in_headers_does_not_crash() -> None:
    raw = "caf\xc3\xa9 \xff\xfe"
    request = req(
        headers={
            "User-Agent": raw,
            "Referer": raw,
            "Accept": raw,
            "Accept-Language": raw,
            "Cache-Control": raw,
            "If-None-Match": raw,
            "If-Modified-Since": raw,
            "Range": raw,
            "Authorization": raw,
            "Content-Type": raw,
            "Origin": raw,
            "Pragma": raw,
            "X-Forwarded-For": raw,
        }
    )
    assert request.user_agent.string == raw
    assert request.referrer == raw
    assert isinstance(request.accept_mimetypes, MIMEAccept)
    assert isinstance(request.accept_languages, LanguageAccept)
    assert isinstance(request.cache_control, RequestCacheControl)
    assert isinstance(request.if_none_match, ETags)
    assert request.if_modified_since is None
    assert request.range is None
    scheme, _, token = raw.partition(" ")
    assert request.authorization is not None
    assert (request.authorization.type, request.authorization.token) == (scheme.lower(), token)
    assert request.mimetype == raw.lower()
    assert request.origin == raw
    assert list(request.pragma) == [raw]
    assert request.access_route == [raw]
    assert request.url == "http://localhost/"
    assert repr(request) == "<Request 'http://localhost/' [GET]>"


def test_content_type_mimetype_params() -> None:
    request = req(headers={"Content-Type": "Text/HTML; Charset=utf-8; x=y"})
    assert request.content_type == "Text/HTML; Charset=utf-8; x=y"
    assert request.mimetype == "text/html"
    assert request.mimetype_params == {"charset": "utf-8", "x": "y"}
    request = req()
    assert request.content_type is None
    assert request.mimetype == ""
    assert request.mimetype_params == {}


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/json", True),
        ("application/JSON; charset=utf-8", True),
        ("application/vnd.api+json", True),
        ("application/problem+json", True),
        ("text/json", False),
        ("application/jsonp", False),
        ("text/plain", False),
        (None, False),
    ],
)
def test_is_json(content_type: str | None, expected: bool) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    assert req(headers=headers).is_json is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("10", 10),
        ("-1", 0),
        ("abc", 0),
        ("", 0),
        ("99999999999999999999", 99999999999999999999),
        ("9" * 10_000, 0),
    ],
)
def test_content_length(value: str | None, expected: int | None) -> None:
    assert req(content_length=value).content_length == expected


def test_content_length_chunked() -> None:
    request = req(content_length="10", headers={"Transfer-Encoding": "chunked"})
    assert request.content_length is None


def test_simple_header_properties() -> None:
    request = req(
        headers={
            "Content-Encoding": "gzip",
            "Content-MD5": "Q2hlY2sgSW50ZWdyaXR5IQ==",
            "Referer": "http://example.com/from",
            "Origin": "http://example.com",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "X-A, x-b",
            "Max-Forwards": "5",
        }
    )
    assert request.content_encoding == "gzip"
    assert request.content_md5 == "Q2hlY2sgSW50ZWdyaXR5IQ=="
    assert request.referrer == "http://example.com/from"
    assert request.origin == "http://example.com"
    assert request.access_control_request_method == "PUT"
    assert "x-a" in request.access_control_request_headers  # type: ignore[operator]
    assert "X-B" in request.access_control_request_headers  # type: ignore[operator]
    assert request.max_forwards == 5
    with pytest.raises(AttributeError):
        request.referrer = "x"  # type: ignore[misc]


def test_missing_simple_headers_are_none() -> None:
    request = req()
    for name in (
        "content_encoding",
        "content_md5",
        "referrer",
        "origin",
        "date",
        "max_forwards",
        "access_control_request_headers",
        "access_control_request_method",
        "authorization",
        "if_modified_since",
        "if_unmodified_since",
        "range",
    ):
        assert getattr(request, name) is None, name


def test_max_forwards_invalid() -> None:
    assert req(headers={"Max-Forwards": "many"}).max_forwards is None
    assert req(headers={"Max-Forwards": "-3"}).max_forwards is None


def test_dates() -> None:
    http_date = "Wed, 21 Oct 2015 07:28:00 GMT"
    expected = datetime(2015, 10, 21, 7, 28, tzinfo=timezone.utc)
    request = req(
        headers={
            "Date": http_date,
            "If-Modified-Since": http_date,
            "If-Unmodified-Since": http_date,
        }
    )
    assert request.date == expected
    assert request.if_modified_since == expected
    assert request.if_unmodified_since == expected
    assert req(headers={"Date": "yesterday"}).date is None


def test_etags_and_ranges() -> None:
    request = req(
        headers={
            "If-Match": '"a", W/"b"',
            "If-None-Match": "*",
            "If-Range": '"etag"',
            "Range": "bytes=0-99",
        }
    )
    assert isinstance(request.if_match, ETags)
    assert "a" in request.if_match
    assert request.if_match.contains_weak("b")
    assert request.if_none_match.star_tag
    assert request.if_range.etag == "etag"
    assert request.range is not None
    assert request.range.units == "bytes"
    assert request.range.ranges == [(0, 100)]
    empty = req()
    assert not empty.if_match and not empty.if_none_match
    assert empty.if_range.etag is None and empty.if_range.date is None
    assert req(headers={"Range": "bytes=abc"}).range is None


def test_cache_control_and_pragma() -> None:
    request = req(headers={"Cache-Control": "no-cache, max-age=10", "Pragma": "no-cache"})
    assert isinstance(request.cache_control, RequestCacheControl)
    assert request.cache_control.no_cache
    assert request.cache_control.max_age == 10
    assert "no-cache" in request.pragma
    assert not req().cache_control.no_cache


def test_accept_headers() -> None:
    request = req(
        headers={
            "Accept": "text/html, application/json;q=0.5",
            "Accept-Charset": "utf-8, iso-8859-1;q=0.2",
            "Accept-Encoding": "gzip, br;q=0.9",
            "Accept-Language": "de-DE, en;q=0.5",
        }
    )
    assert isinstance(request.accept_mimetypes, MIMEAccept)
    assert request.accept_mimetypes.best == "text/html"
    assert request.accept_mimetypes["application/json"] == 0.5
    assert isinstance(request.accept_charsets, CharsetAccept)
    assert request.accept_charsets.best == "utf-8"
    assert isinstance(request.accept_encodings, Accept)
    assert "gzip" in request.accept_encodings
    assert isinstance(request.accept_languages, LanguageAccept)
    assert request.accept_languages.best == "de-DE"
    assert not req().accept_mimetypes


def test_authorization() -> None:
    request = req(headers={"Authorization": "Basic dXNlcjpwYXNz"})
    auth = request.authorization
    assert auth is not None and auth.type == "basic"
    assert auth.username == "user" and auth.password == "pass"
    bearer = req(headers={"Authorization": "Bearer tok.en"}).authorization
    assert bearer is not None and bearer.token == "tok.en"
    assert req(headers={"Authorization": "Basic !!!notbase64"}).authorization is None


def test_user_agent() -> None:
    request = req(headers={"User-Agent": "Mozilla/5.0 test"})
    ua = request.user_agent
    assert isinstance(ua, UserAgent)
    assert ua.string == "Mozilla/5.0 test" == str(ua) == ua.to_header()
    assert ua.platform is None and ua.browser is None
    assert ua.version is None and ua.language is None
    assert not ua
    assert repr(ua) == "<UserAgent None/None>"
    assert req().user_agent.string == ""


def test_custom_user_agent_class() -> None:
    class Parsed(UserAgent):
        def __init__(self, string: str) -> None:
            super().__init__(string)
            self.browser, _, self.version = string.partition("/")

    class R(Request):
        user_agent_class = Parsed

    ua = R(make_environ(headers={"User-Agent": "Firefox/120"})).user_agent  # type: ignore[arg-type]
    assert ua.browser == "Firefox" and ua.version == "120" and ua


def test_cookies() -> None:
    request = req(headers={"Cookie": 'a=1; b="quoted value"; a=2; empty='})
    cookies = request.cookies
    assert isinstance(cookies, ImmutableMultiDict)
    assert cookies["a"] == "1"
    assert cookies.getlist("a") == ["1", "2"]
    assert cookies["b"] == "quoted value"
    assert cookies["empty"] == ""
    assert len(req().cookies) == 0


def test_cookies_invalid_utf8_do_not_crash() -> None:
    cookies = req(headers={"Cookie": "k=\xff\xfe; ok=caf\xc3\xa9; \x00junk"}).cookies
    assert cookies["ok"] == "café"
    assert cookies["k"] == "\ufffd\ufffd"


def test_cookies_many_is_fast() -> None:
    def cookies(n: int) -> str:
        return "; ".join(f"c{i}=v{i}" for i in range(n))

    assert req(headers={"Cookie": cookies(50_000)}).cookies["c49999"] == "v49999"
    assert_linear(lambda header: req(headers={"Cookie": header}).cookies, cookies, 1_000)


# body: stream, data, get_data


def test_get_data_and_data() -> None:
    request = req(method="POST", body=b"raw body", headers={"Content-Type": "text/plain"})
    assert request.get_data() == b"raw body"
    assert request.get_data() == b"raw body"  # cached
    assert request.data == b"raw body"
    assert request.get_data(as_text=True) == "raw body"


def test_get_data_without_cache() -> None:
    request = req(method="POST", body=b"once")
    assert request.get_data(cache=False) == b"once"
    assert request.get_data(cache=False) == b""


class PieceStream:
    """A wsgi.input that returns at most ``piece`` bytes per read, as a socket may."""

    def __init__(self, data: bytes, piece: int) -> None:
        self._data = io.BytesIO(data)
        self.piece = piece

    def read(self, size: int = -1) -> bytes:
        return self._data.read(self.piece if size < 0 else min(size, self.piece))


class GreedyStream:
    """A misbehaving wsgi.input that returns more than asked."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int = -1) -> bytes:
        return self.data


class FailingStream:
    """A wsgi.input whose connection breaks after ``good`` bytes."""

    def __init__(self, good: bytes) -> None:
        self._data = io.BytesIO(good)

    def read(self, size: int = -1) -> bytes:
        data = self._data.read(size)
        if not data:
            raise OSError("connection reset")
        return data


def test_stream_after_get_data_is_at_its_end() -> None:
    request = req(method="POST", body=b"0123456789", headers={"Content-Type": "text/plain"})
    assert request.get_data() == b"0123456789"
    stream = request.stream
    assert isinstance(stream, LimitedStream)
    assert stream.read() == b""
    assert stream.tell() == 10
    assert request.get_data(cache=False) == b"0123456789"  # the cached bytes


def test_get_data_after_partial_stream_read_gives_the_rest() -> None:
    request = req(method="POST", body=b"0123456789")
    assert request.stream.read(4) == b"0123"
    assert request.get_data() == b"456789"


@pytest.mark.parametrize("piece", [1, 3, 7])
def test_get_data_of_a_body_arriving_in_pieces(piece: int) -> None:
    environ = make_environ(
        method="POST", content_length="10", **{"wsgi.input": PieceStream(b"0123456789", piece)}
    )
    assert Request(environ).get_data() == b"0123456789"  # type: ignore[arg-type]


def test_get_data_never_reads_past_content_length() -> None:
    environ = make_environ(
        method="POST", content_length="4", **{"wsgi.input": GreedyStream(b"0123456789")}
    )
    assert Request(environ).get_data() == b"0123"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "source",
    [PieceStream(b"0123", 3), FailingStream(b"0123"), FailingStream(b"")],
    ids=["ends early", "breaks mid-body", "breaks at once"],
)
def test_get_data_of_a_cut_body_is_client_disconnected(source: object) -> None:
    environ = make_environ(method="POST", content_length="10", **{"wsgi.input": source})
    with pytest.raises(ClientDisconnected) as exc_info:
        Request(environ).get_data()  # type: ignore[arg-type]
    assert exc_info.value.code == 400


class RecordingStream:
    """A wsgi.input that records the size of every read."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.sizes: list[int] = []

    def read(self, size: int = -1) -> bytes:
        self.sizes.append(size)
        return self._data.read(size)


@pytest.mark.parametrize("declared", [200_000, 10**12])
@pytest.mark.parametrize("attr", ["data", "form"])
def test_a_large_declared_length_is_never_one_large_read(declared: int, attr: str) -> None:
    # A server's buffered read(n) allocates n bytes first: a false Content-Length must not
    # choose that size.
    source = RecordingStream(b"a=" + b"x" * 150_000)
    content_type = "text/plain" if attr == "data" else "application/x-www-form-urlencoded"
    environ = make_environ(
        method="POST",
        content_length=str(declared),
        headers={"Content-Type": content_type},
        **{"wsgi.input": source},
    )
    request = Request(environ)  # type: ignore[arg-type]
    request.max_form_memory_size = None
    with pytest.raises(ClientDisconnected):
        request.get_data() if attr == "data" else request.form
    assert source.sizes and max(source.sizes) <= 64 * 1024


def test_get_data_reads_through_an_overridden_stream() -> None:
    class Upper(Request):
        @property
        def stream(self) -> t.IO[bytes]:  # type: ignore[override]
            return io.BytesIO(b"REPLACED")

    request = Upper(make_environ(method="POST", body=b"original"))  # type: ignore[arg-type]
    assert request.get_data() == b"REPLACED"


def test_get_data_reads_a_stream_set_on_the_request() -> None:
    request = req(method="POST", body=b"original")
    request.stream = io.BytesIO(b"set by middleware")
    assert request.get_data() == b"set by middleware"


def test_get_data_as_text_invalid_utf8() -> None:
    request = req(method="POST", body=b"\xff\xfeok")
    assert request.get_data(as_text=True) == "\ufffd\ufffdok"


def test_data_is_empty_for_form_bodies() -> None:
    request = req(
        method="POST", body=b"a=1", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert request.data == b""
    assert request.form["a"] == "1"


def test_form_parsed_from_cached_data() -> None:
    request = req(
        method="POST", body=b"a=1", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert request.get_data() == b"a=1"
    assert request.form["a"] == "1"


def test_stream_limited_to_content_length() -> None:
    environ = make_environ(method="POST", body=b"0123456789", content_length="4")
    request = Request(environ)  # type: ignore[arg-type]
    assert request.stream.read() == b"0123"
    assert request.input_stream is environ["wsgi.input"]


def test_stream_without_content_length_is_empty() -> None:
    request = req(method="POST", body=b"unbounded", content_length=None)
    assert request.get_data() == b""


@pytest.mark.parametrize("bad", ["-1", "abc", "1.5", "0x10", " "])
def test_invalid_content_length_reads_nothing(bad: str) -> None:
    request = req(method="POST", body=b"secret", content_length=bad)
    assert request.content_length == 0
    assert request.get_data() == b""
    assert request.form == {}


def test_absurd_content_length_is_client_disconnect_not_500() -> None:
    request = req(method="POST", body=b"short", content_length="99999999999999999999")
    with pytest.raises(ClientDisconnected) as exc_info:
        request.get_data()
    assert exc_info.value.code == 400


def test_shallow_request_refuses_to_read() -> None:
    request = Request(make_environ(method="POST", body=b"x"), shallow=True)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="shallow"):
        request.stream
    with pytest.raises(RuntimeError):
        request.get_data()
    assert request.args is not None  # non-body attributes still work


def test_input_stream_is_read_only() -> None:
    request = req()
    with pytest.raises(AttributeError):
        request.input_stream = io.BytesIO()  # type: ignore[misc]


# max_content_length


class Limited(Request):
    max_content_length = 100


@pytest.mark.parametrize("attr", ["stream", "data", "form", "files", "values", "json"])
def test_max_content_length_rejects_without_reading(attr: str) -> None:
    environ = make_environ(
        method="POST",
        content_length="101",
        headers={"Content-Type": "application/json"},
        **{"wsgi.input": ExplodingStream()},
    )
    request = Limited(environ)  # type: ignore[arg-type]
    with pytest.raises(RequestEntityTooLarge) as exc_info:
        getattr(request, attr)
    assert exc_info.value.code == 413


def test_max_content_length_huge_declared_length() -> None:
    environ = make_environ(
        method="POST", content_length="99999999999999999999", **{"wsgi.input": ExplodingStream()}
    )
    with pytest.raises(RequestEntityTooLarge):
        Limited(environ).get_data()  # type: ignore[arg-type]


def test_max_content_length_within_limit() -> None:
    request = Limited(make_environ(method="POST", body=b"x" * 100))  # type: ignore[arg-type]
    assert request.get_data() == b"x" * 100


def test_max_content_length_as_property_like_flask() -> None:
    class PerRequest(Request):
        @property
        def max_content_length(self) -> int | None:  # type: ignore[override]
            return 5

    request = PerRequest(make_environ(method="POST", body=b"123456"))  # type: ignore[arg-type]
    with pytest.raises(RequestEntityTooLarge):
        request.get_data()


def test_chunked_body_over_limit_raises_mid_stream() -> None:
    source = TerminatedStream(b"c" * 10_000, chunk=64)
    environ = make_environ(
        method="POST", content_length=None, **{"wsgi.input": source, "wsgi.input_terminated": True}
    )
    request = Limited(environ)  # type: ignore[arg-type]
    with pytest.raises(RequestEntityTooLarge):
        request.get_data()
    assert source.consumed <= 101 + 64  # stopped just after the limit


def test_chunked_body_at_limit_is_fine() -> None:
    environ = make_environ(
        method="POST",
        content_length=None,
        **{"wsgi.input": TerminatedStream(b"c" * 100, chunk=30), "wsgi.input_terminated": True},
    )
    assert Limited(environ).get_data() == b"c" * 100  # type: ignore[arg-type]


def test_chunked_body_without_limit_is_read_fully() -> None:
    environ = make_environ(
        method="POST",
        content_length=None,
        **{"wsgi.input": TerminatedStream(b"d" * 5000), "wsgi.input_terminated": True},
    )
    assert Request(environ).get_data() == b"d" * 5000  # type: ignore[arg-type]


# forms


def test_form_urlencoded_and_values() -> None:
    request = req(
        method="POST",
        query="q=1&both=arg",
        body=b"f=2&both=form",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert isinstance(request.form, ImmutableMultiDict)
    assert request.form["f"] == "2"
    assert len(request.files) == 0
    values = request.values
    assert isinstance(values, CombinedMultiDict)
    assert values["q"] == "1" and values["f"] == "2"
    assert values.getlist("both") == ["arg", "form"]


def test_values_for_get_ignores_body() -> None:
    request = req(
        method="GET",
        query="q=1",
        body=b"f=2",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert request.values["q"] == "1"
    assert "f" not in request.values


def test_values_with_non_multidict_storage() -> None:
    class PlainArgs(Request):
        @property
        def args(self) -> dict[str, str]:  # type: ignore[override]
            return {"a": "1"}

    assert PlainArgs(make_environ()).values["a"] == "1"  # type: ignore[arg-type]


def test_form_without_content_type_is_empty() -> None:
    request = req(method="POST", body=b"a=1")
    assert len(request.form) == 0
    assert request.get_data() == b"a=1"  # stream left unread


def test_form_unknown_content_type_leaves_data() -> None:
    request = req(method="POST", body=b"<xml/>", headers={"Content-Type": "application/xml"})
    assert len(request.form) == 0
    assert request.data == b"<xml/>"


def test_form_over_max_form_memory_size() -> None:
    class Small(Request):
        max_form_memory_size = 10

    body = b"a=" + b"x" * 20
    request = Small(
        make_environ(
            method="POST", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
    )  # type: ignore[arg-type]
    with pytest.raises(RequestEntityTooLarge):
        request.form


def test_form_over_max_form_memory_size_is_refused_without_reading() -> None:
    class Small(Request):
        max_form_memory_size = 10

    environ = make_environ(
        method="POST",
        content_length="21",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        **{"wsgi.input": ExplodingStream()},
    )
    with pytest.raises(RequestEntityTooLarge):
        Small(environ).form  # type: ignore[arg-type]


def test_stream_after_form_is_at_its_end() -> None:
    request = req(
        method="POST",
        body=b"a=1&b=2",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert request.form.to_dict() == {"a": "1", "b": "2"}
    stream = request.stream
    assert isinstance(stream, LimitedStream)
    assert stream.read() == b""
    assert stream.tell() == 7
    assert request.get_data() == b""


def test_cut_form_body_is_client_disconnected() -> None:
    environ = make_environ(
        method="POST",
        content_length="10",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        **{"wsgi.input": PieceStream(b"a=1", 2)},
    )
    with pytest.raises(ClientDisconnected):
        Request(environ).form  # type: ignore[arg-type]


def test_form_of_a_body_arriving_in_pieces() -> None:
    environ = make_environ(
        method="POST",
        content_length="11",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        **{"wsgi.input": PieceStream(b"a=1&b=2&c=3", 2)},
    )
    assert Request(environ).form.to_dict() == {"a": "1", "b": "2", "c": "3"}  # type: ignore[arg-type]


def test_stream_returned_by_a_custom_parser_is_kept() -> None:
    replaced = io.BytesIO(b"left over")

    class Parser(FormDataParser):
        def parse(self, stream, mimetype, content_length, options=None):  # type: ignore[no-untyped-def]
            stream.read()
            return replaced, self.cls({"custom": "yes"}), self.cls()

    class Custom(Request):
        form_data_parser_class = Parser

    request = Custom(
        make_environ(
            method="POST",
            body=b"a=1",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    )  # type: ignore[arg-type]
    assert request.form["custom"] == "yes"
    assert request.stream is replaced


def test_urlencoded_form_is_not_limited_by_max_form_parts() -> None:
    # MAX_FORM_PARTS limits multipart parts only, as in Werkzeug.
    body = "&".join(f"k{i}=v" for i in range(1001)).encode()
    request = req(
        method="POST", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert len(request.form) == 1001


def test_multipart_files_and_close() -> None:
    body = multipart_body(("field", b"value", None), ("upload", b"\rfile\r\n data", "../../a.txt"))
    request = req(
        method="POST",
        body=body,
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    with request:
        assert request.form["field"] == "value"
        upload = request.files["upload"]
        assert isinstance(upload, FileStorage)
        assert upload.filename == "../../a.txt"
        assert upload.read() == b"\rfile\r\n data"
        assert request.values["field"] == "value"
    assert upload.stream.closed


def test_multipart_10k_parts_is_413_fast() -> None:
    def parts(n: int) -> bytes:
        return multipart_body(*((f"f{i}", b"v", None) for i in range(n)))

    def form_413(body: bytes) -> None:
        request = req(
            method="POST",
            body=body,
            headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
        with pytest.raises(RequestEntityTooLarge):
            request.form

    form_413(parts(10_000))
    assert_linear(form_413, parts, 2_000)


def test_multipart_missing_boundary_is_empty_form() -> None:
    body = multipart_body(("a", b"1", None))
    request = req(method="POST", body=body, headers={"Content-Type": "multipart/form-data"})
    assert len(request.form) == 0 and len(request.files) == 0


def test_custom_file_stream() -> None:
    streams: list[io.BytesIO] = []

    class Custom(Request):
        def _get_file_stream(
            self, total_content_length, content_type, filename=None, content_length=None
        ):  # type: ignore[no-untyped-def]
            streams.append(io.BytesIO())
            return streams[-1]

    body = multipart_body(("f", b"abc", "x.txt"))
    request = Custom(
        make_environ(
            method="POST",
            body=body,
            headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
    )  # type: ignore[arg-type]
    assert request.files["f"].stream is streams[0]
    assert request.files["f"].read() == b"abc"


def test_want_form_data_parsed() -> None:
    assert not req().want_form_data_parsed
    assert req(headers={"Content-Type": "text/plain"}).want_form_data_parsed


def test_close_without_files() -> None:
    request = req()
    request.close()
    with request as same:
        assert same is request


# JSON


def test_json() -> None:
    request = json_req(b'{"a": [1, 2, {"b": null}]}')
    assert request.json == {"a": [1, 2, {"b": None}]}
    assert request.get_json() is request.json  # cached
    assert json_req(b'"\xc3\xa9"', "application/vnd.x+json; charset=utf-8").json == "é"


def test_json_wrong_content_type_is_415() -> None:
    request = json_req(b'{"a": 1}', "text/plain")
    with pytest.raises(UnsupportedMediaType) as exc_info:
        request.json
    assert exc_info.value.code == 415
    assert exc_info.value.description == (
        "Did not attempt to load JSON data because the request Content-Type was not 'application/json'."
    )
    assert request.get_json(silent=True) is None
    assert request.get_json(force=True) == {"a": 1}


def test_json_missing_content_type_is_415() -> None:
    with pytest.raises(UnsupportedMediaType):
        req(method="POST", body=b"{}").get_json()


def test_json_invalid_is_400() -> None:
    request = json_req(b"{not json")
    with pytest.raises(BadRequest) as exc_info:
        request.get_json()
    assert exc_info.value.code == 400
    assert exc_info.value.description.startswith("Failed to decode JSON object: ")
    assert request.get_json(silent=True) is None


@pytest.mark.parametrize("body", [b"\xff\xfe\xfd", b"", b"[1,", b"NaNx", b"\x00"])
def test_json_undecodable_is_400(body: bytes) -> None:
    with pytest.raises(BadRequest):
        json_req(body).get_json()


@pytest.mark.parametrize(
    "nested",
    [lambda n: b"[" * n, lambda n: b'{"a":' * n, lambda n: b"[" * n + b"]" * n],
    ids=["arrays", "objects", "closed"],
)
def test_json_deeply_nested_is_400_not_500(nested: t.Callable[[int], bytes]) -> None:
    body = nested(100_000)
    request = json_req(body)
    with pytest.raises(BadRequest) as exc_info:
        request.get_json()
    assert exc_info.value.code == 400
    assert "nested too deeply" in exc_info.value.description
    assert json_req(body).get_json(silent=True) is None
    assert_linear(lambda data: json_req(data).get_json(silent=True), nested, 10_000)


def test_json_caching_rules() -> None:
    request = json_req(b"{broken")
    assert request.get_json(silent=True) is None
    # A silent failure is cached for silent calls only.
    assert request._cached_json == (Ellipsis, None)
    with pytest.raises(BadRequest):
        request.get_json()

    ok = json_req(b"[1]")
    first = ok.get_json()
    assert ok.get_json(silent=True) is first
    assert ok._cached_json == (first, first)

    uncached = json_req(b"[1]")
    assert uncached.get_json(cache=False) == [1]
    assert uncached._cached_json == (Ellipsis, Ellipsis)


def test_json_cache_false_rereads_nothing() -> None:
    request = json_req(b"[1]")
    assert request.get_json(cache=False) == [1]
    # The body was not cached either, so a second uncached parse sees an empty body.
    with pytest.raises(BadRequest):
        request.get_json(cache=False)


def test_on_json_loading_failed_override() -> None:
    class Lenient(Request):
        def on_json_loading_failed(self, e: ValueError | None) -> object:
            return {"error": None if e is None else type(e).__name__}

    bad = Lenient(
        make_environ(method="POST", body=b"{x", headers={"Content-Type": "application/json"})
    )  # type: ignore[arg-type]
    assert bad.get_json() == {"error": "JSONDecodeError"}
    assert bad.get_json() == {"error": "JSONDecodeError"}  # cached
    wrong = Lenient(make_environ(method="POST", body=b"{}", headers={"Content-Type": "text/plain"}))  # type: ignore[arg-type]
    assert wrong.get_json() == {"error": None}
    nested = Lenient(
        make_environ(
            method="POST", body=b"[" * 50_000, headers={"Content-Type": "application/json"}
        )
    )  # type: ignore[arg-type]
    result = nested.get_json()
    assert isinstance(result, dict) and result["error"] is not None


def test_custom_json_module() -> None:
    calls = []

    class Module:
        @staticmethod
        def loads(data: bytes) -> object:
            calls.append(data)
            return "custom"

    class R(Request):
        json_module = Module

    request = R(
        make_environ(method="POST", body=b"{}", headers={"Content-Type": "application/json"})
    )  # type: ignore[arg-type]
    assert request.json == "custom"
    assert calls == [b"{}"]


def test_get_json_after_get_data() -> None:
    request = json_req(b'{"k": "v"}')
    assert request.get_data() == b'{"k": "v"}'
    assert request.get_json() == {"k": "v"}


# classmethods


def test_from_values_uses_environ_builder(monkeypatch: pytest.MonkeyPatch) -> None:
    log: list[object] = []

    class FakeBuilder:
        def __init__(self, *args: object, **kwargs: object) -> None:
            log.append(("init", args, kwargs))

        def get_request(self, cls: type[Request]) -> Request:
            log.append(("get_request", cls))
            return cls(make_environ(path="/built"))  # type: ignore[arg-type]

        def close(self) -> None:
            log.append("close")

    fake = types.ModuleType("erlen.test")
    fake.EnvironBuilder = FakeBuilder  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "erlen.test", fake)

    class Sub(Request):
        pass

    request = Sub.from_values("/built", method="POST")
    assert isinstance(request, Sub) and request.path == "/built"
    assert log == [("init", ("/built",), {"method": "POST"}), ("get_request", Sub), "close"]


def test_application_decorator() -> None:
    seen: list[Request] = []
    statuses: list[str] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: object = None
    ) -> None:
        statuses.append(status)

    @Request.application
    def app(request: Request):  # type: ignore[no-untyped-def]
        seen.append(request)
        if request.path == "/missing":
            raise NotFound()

        def respond(environ: object, sr: object) -> list[bytes]:
            sr("200 OK", [("Content-Type", "text/plain")])  # type: ignore[operator]
            return [request.path.encode()]

        return respond

    assert app(make_environ(path="/ok"), start_response) == [b"/ok"]
    assert isinstance(seen[0], Request) and statuses == ["200 OK"]
    body = b"".join(app(make_environ(path="/missing"), start_response))
    assert statuses[-1].startswith("404")
    assert b"Not Found" in body
    assert app.__name__ == "app"


def test_application_decorator_on_method() -> None:
    class Handler:
        @Request.application
        def __call__(self, request: Request):  # type: ignore[no-untyped-def]
            def respond(environ: object, sr: object) -> list[bytes]:
                return [request.method.encode()]

            return respond

    assert Handler()(make_environ(method="put"), lambda *a: None) == [b"PUT"]


# sans-IO base


def test_sansio_request() -> None:
    from erlen.datastructures import Headers

    request = SansIORequest(
        method="post",
        scheme="https",
        server=("example.com", 443),
        root_path="/root/",
        path="x/y",
        query_string=b"a=1&b=%ff",
        headers=Headers(
            {"Host": "example.com", "Content-Type": "application/json", "Cookie": "c=1"}
        ),
        remote_addr="10.0.0.1",
    )
    assert request.method == "POST"
    assert request.root_path == "/root"
    assert request.path == "/x/y"
    assert request.url == "https://example.com/root/x/y?a=1&b=%FF"
    assert request.args["a"] == "1" and request.args["b"] == "\ufffd"
    assert request.is_json and request.is_secure
    assert request.cookies["c"] == "1"
    assert request.content_length is None
    assert request.access_route == ["10.0.0.1"]
    assert repr(request) == "<Request 'https://example.com/root/x/y?a=1&b=%FF' [POST]>"


def test_trusted_hosts_set_after_the_host_was_read() -> None:
    environ = make_environ(HTTP_HOST="elsewhere.test")
    assert Request(dict(environ)).host == "elsewhere.test"  # type: ignore[arg-type]
    request = Request(dict(environ))  # type: ignore[arg-type]
    assert request.host == "elsewhere.test"
    request.trusted_hosts = ["example.test"]
    with pytest.raises(SecurityError):
        request.host  # noqa: B018


@given(st.text(st.sampled_from(' \t;=/"+-*%aAjJsSoOnN\u00e9'), max_size=30))
def test_mimetype_and_params_are_the_parsed_content_type(content_type: str) -> None:
    request = req(method="POST", headers={"Content-Type": content_type})
    mimetype, params = parse_options_header(content_type)
    assert request.mimetype == mimetype.lower()
    assert request.mimetype_params == params
