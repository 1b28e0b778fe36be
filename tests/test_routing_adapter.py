"""Tests for binding maps to WSGI environs and the fast ``Map._match`` entry."""

from __future__ import annotations

import typing as t

import pytest

import erlen.routing as r
from erlen.exceptions import BadHost, NotFound


def make_environ(
    path: str = "/",
    host: str | None = "localhost",
    *,
    scheme: str = "http",
    method: str = "GET",
    script_name: str = "",
    query: str = "",
    server_name: str | None = "localhost",
    server_port: str | None = "80",
    **extra: t.Any,
) -> dict[str, t.Any]:
    """A WSGI environ with the given request line and host."""
    env: dict[str, t.Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "wsgi.url_scheme": scheme,
    }
    if host is not None:
        env["HTTP_HOST"] = host
    if server_name is not None:
        env["SERVER_NAME"] = server_name
    if server_port is not None:
        env["SERVER_PORT"] = server_port
    env.update(extra)
    return env


# -- bind_to_environ ---------------------------------------------------------------


def test_bind_to_environ_takes_request_details() -> None:
    m = r.Map([r.Rule("/bar/", endpoint="bar"), r.Rule("/foo", endpoint="foo", methods=["POST"])])
    env = make_environ("/bar", "example.org", query="foo=bar", script_name="/app")
    a = m.bind_to_environ(env)
    assert a.server_name == "example.org"
    assert a.script_name == "/app/"
    assert a.path_info == "/bar"
    assert a.query_args == "foo=bar"
    assert a.default_method == "GET"
    with pytest.raises(r.RequestRedirect) as exc:
        a.match()
    assert exc.value.new_url == "http://example.org/app/bar/?foo=bar"
    post = m.bind_to_environ(make_environ("/foo", method="POST"))
    assert post.match() == ("foo", {})
    assert post.match(return_rule=True)[0].rule == "/foo"


def test_bind_to_environ_accepts_request_objects() -> None:
    from erlen.wrappers.request import Request

    m = r.Map([r.Rule("/", endpoint="index")])
    assert m.bind_to_environ(Request(make_environ())).match() == ("index", {})
    with pytest.raises(TypeError, match="not a WSGI environment"):
        m.bind_to_environ(object())


def test_bind_to_environ_host_and_ports() -> None:
    m = r.Map()
    cases = [
        (make_environ(host="Example.ORG:80"), "example.org"),
        (make_environ(host="example.org:8080"), "example.org:8080"),
        (make_environ(host="example.org:443", scheme="https"), "example.org"),
        (make_environ(host="example.org:80", scheme="https"), "example.org:80"),
        (make_environ(host=None, server_name="srv.local", server_port="8000"), "srv.local:8000"),
        (make_environ(host=None, server_name="srv.local", server_port="80"), "srv.local"),
        (make_environ(host=None, server_name="::1", server_port="8000"), "[::1]:8000"),
        (make_environ(host="[::1]:5000"), "[::1]:5000"),
        (make_environ(host=None, server_name="/tmp/sock", server_port=""), ""),
        (make_environ(host=None, server_name=None, server_port=None), ""),
    ]
    for env, expected in cases:
        assert m.bind_to_environ(env).server_name == expected, env


def test_bind_to_environ_invalid_host_is_empty() -> None:
    m = r.Map([r.Rule("/", endpoint="index")])
    for bad in ("evil.com/path", "a b", "x:0", "x:70000", "ex\u00e4mple.org", "h\r\nx: y", ""):
        a = m.bind_to_environ(make_environ(host=bad))
        assert a.server_name == "", bad
        assert a.match("/") == ("index", {})


def test_bind_to_environ_subdomain_from_server_name() -> None:
    m = r.Map(
        [r.Rule("/", endpoint="index"), r.Rule("/", endpoint="alt", subdomain="alt")],
    )
    env = make_environ(host="example.invalid")
    a = m.bind_to_environ(env, server_name="example.invalid")
    assert a.subdomain == "" and a.match() == ("index", {})
    a = m.bind_to_environ(make_environ(host="alt.example.invalid"), server_name="example.invalid")
    assert a.subdomain == "alt" and a.match() == ("alt", {})
    a = m.bind_to_environ(make_environ(host="a.b.example.invalid"), server_name="Example.Invalid")
    assert a.subdomain == "a.b"
    a = m.bind_to_environ(
        make_environ(host="example.invalid:8080"), server_name="example.invalid:8080"
    )
    assert a.subdomain == ""
    a = m.bind_to_environ(make_environ(host="example.org"), server_name="example.org:80")
    assert a.server_name == "example.org" and a.subdomain == ""
    a = m.bind_to_environ(
        make_environ(host="example.org", scheme="https"), server_name="example.org:443"
    )
    assert a.server_name == "example.org" and a.subdomain == ""


def test_bind_to_environ_server_name_mismatch_is_invalid_with_warning() -> None:
    m = r.Map([r.Rule("/", endpoint="index")])
    with pytest.warns(UserWarning, match="doesn't match configured server name"):
        a = m.bind_to_environ(make_environ(host="127.0.0.1"), server_name="example.com")
    assert a.subdomain == "<invalid>"
    with pytest.raises(NotFound):
        a.match("/")
    a = m.bind_to_environ(make_environ(host="127.0.0.1"), server_name="example.com", subdomain="")
    assert a.match("/") == ("index", {})


def test_bind_to_environ_http_host_before_server_name() -> None:
    env = make_environ("", "wiki.example.com", server_name="web0.example.com")
    m = r.Map([r.Rule("/", endpoint="index", subdomain="wiki")])
    a = m.bind_to_environ(env, server_name="example.com")
    assert a.match("/") == ("index", {})
    assert a.build("index", force_external=True) == "http://wiki.example.com/"
    assert a.build("index") == "/"
    env["HTTP_HOST"] = "admin.example.com"
    a = m.bind_to_environ(env, server_name="example.com")
    assert a.build("index") == "http://wiki.example.com/"


def test_bind_to_environ_websocket_upgrade() -> None:
    m = r.Map([r.Rule("/ws", endpoint="ws", websocket=True), r.Rule("/h", endpoint="h")])
    env = make_environ("/ws", HTTP_CONNECTION="keep-alive, Upgrade", HTTP_UPGRADE="WebSocket")
    a = m.bind_to_environ(env)
    assert a.url_scheme == "ws" and a.websocket
    assert a.match() == ("ws", {})
    env = make_environ("/ws", scheme="https", HTTP_CONNECTION="upgrade", HTTP_UPGRADE="websocket")
    assert m.bind_to_environ(env).url_scheme == "wss"
    env = make_environ("/h", HTTP_CONNECTION="upgraded", HTTP_UPGRADE="websocket")
    assert m.bind_to_environ(env).url_scheme == "http"
    env = make_environ("/h", HTTP_CONNECTION="upgrade", HTTP_UPGRADE="h2c")
    assert m.bind_to_environ(env).match() == ("h", {})


def test_bind_to_environ_decodes_wsgi_strings() -> None:
    m = r.Map([r.Rule("/", endpoint="index"), r.Rule("/лошадь", endpoint="horse")])
    raw = "/лошадь".encode().decode("latin1")
    a = m.bind_to_environ(make_environ(raw, query="q=%C3%A4&x=\u00c3\u00a4"))
    assert a.path_info == "/лошадь"
    assert a.query_args == "q=%C3%A4&x=ä"
    assert a.match() == ("horse", {})
    with pytest.raises(NotFound):
        a.match("/барсук")
    broken = m.bind_to_environ(make_environ("/\xff\xfe"))
    assert broken.path_info == "/\ufffd\ufffd"


def test_bind_to_environ_host_matching() -> None:
    m = r.Map(
        [
            r.Rule("/", endpoint="a", host="a.example.com"),
            r.Rule("/", endpoint="b", host="<x>.org"),
        ],
        host_matching=True,
    )
    assert m.bind_to_environ(make_environ(host="a.example.com")).match() == ("a", {})
    assert m.bind_to_environ(make_environ(host="zz.org:80")).match() == ("b", {"x": "zz"})
    with pytest.raises(RuntimeError):
        m.bind_to_environ(make_environ(host="a.example.com"), subdomain="x")


def test_bind_encodes_idna_and_rejects_bad_hosts() -> None:
    m = r.Map()
    assert m.bind("EXAMPLE.com").server_name == "example.com"
    assert m.bind("münchen.de:8080").server_name == "xn--mnchen-3ya.de:8080"
    assert m.bind("a" * 63 + ".com").server_name == "a" * 63 + ".com"
    with pytest.raises(BadHost):
        m.bind("a" * 64 + ".com")
    with pytest.raises(BadHost):
        m.bind("a..b")
    with pytest.raises(BadHost):
        m.bind(".a")


# -- bind_to_request ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "host", "extra"),
    [
        ("/a/b", "Example.TEST:8080", {}),
        ("/", "xn--bcher-kva.example", {"QUERY_STRING": "q=1&r=%C3%A9"}),
        ("/x", "localhost", {"SCRIPT_NAME": "/mount/"}),
        ("/ws", "localhost", {"HTTP_CONNECTION": "Upgrade", "HTTP_UPGRADE": "websocket"}),
    ],
)
def test_bind_to_request_makes_the_adapter_bind_would(
    path: str, host: str, extra: dict[str, str]
) -> None:
    from erlen.wrappers.request import Request

    m = r.Map([r.Rule("/a/b", endpoint="ab")])
    request = Request(make_environ(path, host, **extra))
    adapter = m.bind_to_request(request, subdomain="")
    expected = r.MapAdapter(
        m,
        request.host.lower(),
        request.root_path,
        "",
        "ws" if request.websocket_upgrade else request.scheme,
        request.path,
        request.method,
        request.query_string.decode(),
    )
    # Built without MapAdapter.__init__ (see bind_to_request): the same attributes.
    assert type(adapter) is r.MapAdapter
    assert vars(adapter) == vars(expected)


def test_bind_to_request_rejects_hosts_idna_refuses() -> None:
    from erlen.wrappers.request import Request

    m = r.Map([r.Rule("/", endpoint="index")])
    with pytest.raises(BadHost):
        m.bind_to_request(Request(make_environ("/", "a..example")), subdomain="")
