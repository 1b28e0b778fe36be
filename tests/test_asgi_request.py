"""``Request.from_asgi``: the attributes of a request made from an ASGI scope, set up front
or computed from the scope on first access, equal those of a WSGI request made from the
environ built from the same scope."""

from __future__ import annotations

import typing as t

import pytest

from erlen.asgi.environ import environ_from_scope
from erlen.datastructures import EnvironHeaders
from erlen.exceptions import SecurityError
from erlen.sansio.utils import _host_cache
from erlen.wrappers.request import Request, _asgi_hosts

# Every attribute a transport gives (plus a few derived from them).
ATTRIBUTES = (
    "method",
    "scheme",
    "root_path",
    "path",
    "query_string",
    "remote_addr",
    "host",
    "cookies",
    "content_length",
    "args",
    "full_path",
    "url",
)


def scope(
    path: str = "/",
    *,
    headers: list[tuple[bytes, bytes]] | None = None,
    **extra: t.Any,
) -> dict[str, t.Any]:
    s: dict[str, t.Any] = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"example.com:8000")] if headers is None else headers,
        "client": ("10.0.0.1", 50000),
        "server": ("example.com", 8000),
    }
    s.update(extra)
    return s


SCOPES = {
    "plain": scope(),
    "query": scope("/a/b", query_string=b"x=1&y=%C3%A9&x=2"),
    "root path": scope("/app/users/1", root_path="/app"),
    "root path with slash": scope("/app/", root_path="/app/"),
    "root path, path /": scope("/", root_path="/app"),
    "path is the root path": scope("/app", root_path="/app"),
    "path outside root path": scope("/other", root_path="/app"),
    "non-ASCII path": scope("/caf\u00e9/\u4e2d"),
    "double slash": scope("//evil.com/x"),
    "empty path": scope(""),
    "odd method": scope(method="propfind"),
    "no method key": {k: v for k, v in scope().items() if k != "method"},
    "no scheme key": {k: v for k, v in scope().items() if k != "scheme"},
    "empty scheme": scope(scheme=""),
    "no http_version key": {k: v for k, v in scope().items() if k != "http_version"},
    "https default port": scope(scheme="https", headers=[(b"host", b"example.com:443")]),
    "no host header": scope(headers=[]),
    "repeated host": scope(headers=[(b"host", b"a.example"), (b"host", b"b.example")]),
    "invalid host": scope(headers=[(b"host", b"exa mple.com")]),
    "cookies": scope(headers=[(b"host", b"h"), (b"cookie", b"a=1; b=2")]),
    "repeated cookie headers": scope(headers=[(b"cookie", b"a=1"), (b"cookie", b"b=2")]),
    "content length": scope(method="POST", headers=[(b"content-length", b"12")]),
    "chunked": scope(
        method="POST",
        headers=[(b"content-length", b"12"), (b"transfer-encoding", b"chunked")],
    ),
    "bad content length": scope(method="POST", headers=[(b"content-length", b"-3")]),
    "repeated content length": scope(
        method="POST", headers=[(b"content-length", b"5"), (b"content-length", b"5")]
    ),
    "transfer coding with an underscore": scope(
        method="POST", headers=[(b"content-length", b"5"), (b"transfer_encoding", b"chunked")]
    ),
    "headers": scope(
        method="POST",
        headers=[
            (b"host", b"h"),
            (b"authorization", b"Bearer abc"),
            (b"Accept", b"text/html"),
            (b"accept", b"*/*"),
            (b"content-type", b"application/json"),
            (b"content-length", b"2"),
            (b"x-forwarded-for", b"1.2.3.4"),
            (b"x_under", b"u"),
            (b"x-latin", "caf\u00e9".encode("latin-1")),
            (b"x-empty", b""),
        ],
    ),
    "empty content type": scope(headers=[(b"content-type", b""), (b"accept", b"*/*")]),
    "http/2": scope(http_version="2", headers=[(b"host", b"example.com")]),
    "no client": scope(client=None),
    "websocket": {k: v for k, v in scope(type="websocket", scheme="wss").items() if k != "method"},
}


def wsgi_twin(s: t.Mapping[str, t.Any]) -> Request:
    return Request(environ_from_scope(s, b""), populate_request=False)


# Header names looked up in every request's headers (present or not in the scopes).
HEADER_NAMES = (
    *("Host", "authorization", "ACCEPT", "Content-Type", "Content-Length", "X-Under"),
    *("x_under", "X-Latin", "X-Empty", "Cookie", "Transfer-Encoding", "missing"),
)


def header_view(headers: EnvironHeaders) -> list[t.Any]:
    """What reading ``headers`` gives: its items in order, size and every lookup."""
    seen: list[t.Any] = [list(headers), len(headers), bool(headers), list(headers.keys(True))]
    for name in HEADER_NAMES:
        seen.append((headers.get(name), headers.getlist(name), name in headers))
        seen.append(headers.get(name, type=int))
    return seen


@pytest.mark.parametrize("warm", [False, True], ids=["first", "host seen before"])
@pytest.mark.parametrize("name", list(SCOPES))
def test_attributes_equal_those_of_the_environ(name: str, warm: bool) -> None:
    s = SCOPES[name]
    if not warm:
        _host_cache.clear()
        _asgi_hosts.clear()
    else:
        # Every Host header value validated (and so cached) before, alone too, over
        # both interfaces.
        for validate in (wsgi_twin, Request.from_asgi):
            validate(s).host  # noqa: B018
            for header, value in s["headers"]:
                if header == b"host":
                    validate(scope(headers=[(header, value)])).host  # noqa: B018
    request = Request.from_asgi(s)
    if warm and s["headers"] == [(b"host", b"example.com:8000")]:
        assert "host" in request.__dict__  # taken from the cache by from_asgi
    twin = wsgi_twin(s)
    for attr in ATTRIBUTES:
        assert getattr(request, attr) == getattr(twin, attr), attr
    assert type(request.headers) is EnvironHeaders
    assert header_view(request.headers) == header_view(twin.headers)
    # The environ, built when read, agrees with what was taken from the scope.
    again = Request(request.environ, populate_request=False)
    for attr in ATTRIBUTES:
        assert getattr(request, attr) == getattr(again, attr), attr
    # (each with its own wsgi.input)
    same = {"wsgi.input": twin.environ["wsgi.input"], "werkzeug.request": request}
    assert request.environ | same == twin.environ | same
    assert list(request.environ) == list(twin.environ) + ["werkzeug.request"]
    # The headers read before now read that environ.
    assert request.headers.environ is request.environ
    assert header_view(request.headers) == header_view(again.headers)


def test_server_from_the_scope() -> None:
    assert Request.from_asgi(scope()).server == ("example.com", 8000)
    assert Request.from_asgi(scope()).server == wsgi_twin(scope()).server
    # A Unix socket: the path and no port.
    assert Request.from_asgi(scope(server=("/run/app.sock", None))).server == (
        "/run/app.sock",
        None,
    )
    assert Request.from_asgi(scope(server=None)).server is None


def test_values_of_a_plain_request() -> None:
    request = Request.from_asgi(scope("/app/users/1", root_path="/app", query_string=b"q=1"))
    assert (request.method, request.scheme, request.root_path, request.path) == (
        "GET",
        "http",
        "/app",
        "/users/1",
    )
    assert request.query_string == b"q=1"
    assert request.args["q"] == "1"
    assert request.remote_addr == "10.0.0.1"
    assert request.host == "example.com:8000"
    assert request.url == "http://example.com:8000/app/users/1?q=1"
    assert request.websocket_upgrade is False
    assert not request.cookies
    assert request.content_length is None


def test_websocket_scope() -> None:
    request = Request.from_asgi(SCOPES["websocket"])
    assert request.websocket_upgrade is True
    assert (request.method, request.scheme) == ("GET", "wss")
    assert Request.from_asgi(scope()).websocket_upgrade is False


def test_reading_the_attributes_does_not_build_the_environ() -> None:
    request = Request.from_asgi(
        scope(
            "/x",
            query_string=b"a=1",
            method="POST",
            headers=[(b"host", b"h"), (b"cookie", b"c=1"), (b"content-length", b"3")],
        )
    )
    for attr in ATTRIBUTES + ("server",):
        getattr(request, attr)
    assert request.headers["Host"] == "h"
    assert request.headers.get("Content-Length", type=int) == 3
    assert list(request.headers) == [("Host", "h"), ("Cookie", "c=1"), ("Content-Length", "3")]
    assert "environ" not in request.__dict__


def test_headers_are_read_only() -> None:
    request = Request.from_asgi(scope())
    with pytest.raises(TypeError):
        request.headers["X-Foo"] = "1"
    with pytest.raises(KeyError):
        request.headers["X-Foo"]  # noqa: B018


def test_headers_read_the_environ_once_built_or_assigned() -> None:
    request = Request.from_asgi(scope(headers=[(b"accept", b"*/*")]))
    headers = request.headers
    request.environ["HTTP_X_ADDED"] = "1"  # what a WSGI request's headers would see too
    assert headers.get("X-Added") == "1"
    assert request.headers is headers

    built = Request.from_asgi(scope(headers=[(b"accept", b"*/*")]))
    built.environ["HTTP_ACCEPT"] = "text/plain"
    assert built.headers["Accept"] == "text/plain"

    assigned = Request.from_asgi(scope(headers=[(b"accept", b"*/*")]))
    assigned.environ = {"HTTP_ACCEPT": "text/html"}
    assert list(assigned.headers) == [("Accept", "text/html")]


def test_headers_include_the_environ_keys_of_the_test_extension() -> None:
    s = scope(extensions={"erlen.environ": {"HTTP_USER_AGENT": "test", "CONTENT_TYPE": "a/b"}})
    request = Request.from_asgi(s)
    assert request.headers["User-Agent"] == "test"
    assert request.headers["Content-Type"] == "a/b"
    assert header_view(request.headers) == header_view(wsgi_twin(s).headers)


def test_bodyless_only_for_http1_get_and_head_without_length() -> None:
    def bodyless(**kw: t.Any) -> bool:
        return Request.from_asgi(scope(**kw))._asgi_bodyless

    assert bodyless()
    assert bodyless(method="HEAD")
    assert not bodyless(method="POST")
    assert not bodyless(http_version="2")
    assert not bodyless(headers=[(b"content-length", b"0")])
    assert not bodyless(headers=[(b"transfer-encoding", b"chunked")])


def test_lazy_attributes_are_assignable_and_cached() -> None:
    request = Request.from_asgi(scope("/a", query_string=b"x=1"))
    for attr, value in [
        ("method", "PUT"),
        ("scheme", "https"),
        ("path", "/b"),
        ("root_path", "/r"),
        ("query_string", b"y=2"),
        ("remote_addr", "1.2.3.4"),
        ("server", ("s", 1)),
        ("host", "other"),
        ("websocket_upgrade", True),
    ]:
        setattr(request, attr, value)
        assert getattr(request, attr) == value
    assert request.url == "https://other/r/b?y=2"


def test_host_seen_before_is_rechecked_with_trusted_hosts() -> None:
    wsgi_twin(scope()).host  # noqa: B018 (cached as valid)
    Request.from_asgi(scope()).host  # noqa: B018 (and by its bytes)

    class Trusting(Request):
        trusted_hosts = ["trusted.example"]

    with pytest.raises(SecurityError):
        Trusting.from_asgi(scope()).host  # noqa: B018
    request = Request.from_asgi(scope())
    request.trusted_hosts = ["trusted.example"]
    with pytest.raises(SecurityError):
        request.host  # noqa: B018


def test_the_received_body_is_the_wsgi_input_of_the_environ_built_before_or_after() -> None:
    before = Request.from_asgi(scope(method="POST", headers=[(b"content-length", b"3")]))
    environ = before.environ
    before._set_asgi_body(b"abc")
    assert before.get_data() == b"abc"
    assert environ["wsgi.input"].tell() == 3
    after = Request.from_asgi(scope(method="POST", headers=[(b"content-length", b"3")]))
    after._set_asgi_body(b"xyz")
    assert after.environ["wsgi.input"].read() == b"xyz"


def test_header_attributes_read_the_environ_once_built() -> None:
    # As a WSGI request reads its environ: a key changed before the first read shows
    # (for the attributes not set when the request is made).
    _host_cache.clear()
    _asgi_hosts.clear()
    s = scope(headers=[(b"host", b"h"), (b"cookie", b"a=0"), (b"content-type", b"a/b")])
    request, twin = Request.from_asgi(s), wsgi_twin(s)
    for env in (request.environ, twin.environ):
        env.update(HTTP_COOKIE="a=1", HTTP_HOST="other.example", CONTENT_TYPE="c/d")
    for attr in ("cookies", "host", "content_type"):
        assert getattr(request, attr) == getattr(twin, attr), attr
    assert list(request.headers) == list(twin.headers)
    assert (request.cookies["a"], request.host, request.mimetype) == ("1", "other.example", "c/d")


def test_body_header_attributes_include_the_environ_keys_of_the_test_extension() -> None:
    s = scope(extensions={"erlen.environ": {"CONTENT_TYPE": "text/plain; charset=utf-8"}})
    request, twin = Request.from_asgi(s), wsgi_twin(s)
    for attr in ("content_type", "mimetype", "mimetype_params"):
        assert getattr(request, attr) == getattr(twin, attr), attr
    assert request.mimetype == "text/plain"
    assert "environ" not in request.__dict__
