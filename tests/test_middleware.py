"""Tests for erlen.middleware: ProxyFix, DispatcherMiddleware, SharedDataMiddleware,
ProfilerMiddleware and ProxyMiddleware, compared with werkzeug.middleware where they agree."""

from __future__ import annotations

import io
import os
import pstats
import sys
import threading
import time
import warnings
import zipfile
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware as WzDispatcher
from werkzeug.middleware.proxy_fix import ProxyFix as WzProxyFix
from werkzeug.middleware.shared_data import SharedDataMiddleware as WzSharedData

import erlen
from erlen.datastructures import Headers
from erlen.exceptions import NotFound
from erlen.http import http_date
from erlen.middleware.dispatcher import DispatcherMiddleware
from erlen.middleware.http_proxy import ProxyMiddleware
from erlen.middleware.lint import LintMiddleware
from erlen.middleware.profiler import ProfilerMiddleware
from erlen.middleware.proxy_fix import ProxyFix
from erlen.middleware.shared_data import SharedDataMiddleware
from erlen.test import create_environ

# --------------------------------------------------------------------------- helpers


def make_environ(path: str = "/", **extra: object) -> dict[str, object]:
    environ: dict[str, object] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "internal",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.1",
        "HTTP_HOST": "internal:8000",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
    }
    environ.update(extra)
    return environ


def call(app, environ):
    """Call a WSGI app; return ``(status, headers dict, body)``."""
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = status
        seen["headers"] = headers
        return lambda data: None

    app_iter = app(environ, start_response)
    try:
        body = b"".join(app_iter)
    finally:
        if hasattr(app_iter, "close"):
            app_iter.close()
    return seen["status"], dict(seen["headers"]), body


def capture_environ(environ, start_response):
    """A WSGI app that records the environ it was called with."""
    capture_environ.last = dict(environ)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"app"]


def not_found_app(environ, start_response):
    start_response("404 NOT FOUND", [("Content-Type", "text/plain")])
    return [b"fallback"]


PROXY_KEYS = ("REMOTE_ADDR", "wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT")
PROXY_KEYS += ("SCRIPT_NAME", "werkzeug.proxy_fix.orig")


def proxied(middleware_cls, kwargs, **headers):
    environ = make_environ(**headers)
    call(middleware_cls(capture_environ, **kwargs), environ)
    return {key: capture_environ.last.get(key) for key in PROXY_KEYS}


# --------------------------------------------------------------------------- ProxyFix

WERKZEUG_PROXY_CASES = [
    ({}, {}),
    ({}, {"HTTP_X_FORWARDED_FOR": "1.2.3.4", "HTTP_X_FORWARDED_PROTO": "https"}),
    ({"x_for": 2}, {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 1.2.3.4, 10.0.0.2"}),
    ({"x_for": 3}, {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 10.0.0.2"}),
    ({"x_host": 1}, {"HTTP_X_FORWARDED_HOST": "example.com"}),
    ({"x_host": 1}, {"HTTP_X_FORWARDED_HOST": "example.com:8443"}),
    ({"x_host": 1}, {"HTTP_X_FORWARDED_HOST": "[::1]"}),
    ({"x_host": 1}, {"HTTP_X_FORWARDED_HOST": "[2001:db8::1]:8080"}),
    ({"x_port": 1}, {"HTTP_X_FORWARDED_PORT": "8443"}),
    (
        {"x_port": 1, "x_host": 1},
        {"HTTP_X_FORWARDED_HOST": "a.com:1", "HTTP_X_FORWARDED_PORT": "2"},
    ),
    ({"x_port": 1}, {"HTTP_X_FORWARDED_PORT": "8443", "HTTP_HOST": "[::1]:80"}),
    ({"x_port": 1}, {"HTTP_X_FORWARDED_PORT": "8443", "HTTP_HOST": "[::1]"}),
    ({"x_port": 1}, {"HTTP_X_FORWARDED_PORT": "8443", "HTTP_HOST": ""}),
    ({"x_prefix": 1}, {"HTTP_X_FORWARDED_PREFIX": "/app"}),
    ({"x_prefix": 2}, {"HTTP_X_FORWARDED_PREFIX": "/evil, /outer, /inner"}),
    ({"x_proto": 2}, {"HTTP_X_FORWARDED_PROTO": "http, https, http"}),
    (
        {"x_for": 0, "x_proto": 0},
        {"HTTP_X_FORWARDED_FOR": "1.2.3.4", "HTTP_X_FORWARDED_PROTO": "https"},
    ),
    (
        {"x_for": 1, "x_proto": 1, "x_host": 1, "x_port": 1, "x_prefix": 1},
        {
            "HTTP_X_FORWARDED_FOR": "1.2.3.4",
            "HTTP_X_FORWARDED_PROTO": "https",
            "HTTP_X_FORWARDED_HOST": "example.com",
            "HTTP_X_FORWARDED_PORT": "443",
            "HTTP_X_FORWARDED_PREFIX": "/prefix",
        },
    ),
]


@pytest.mark.parametrize(("kwargs", "headers"), WERKZEUG_PROXY_CASES)
def test_proxy_fix_matches_werkzeug(kwargs, headers):
    assert proxied(ProxyFix, kwargs, **headers) == proxied(WzProxyFix, kwargs, **headers)


def test_proxy_fix_defaults_and_orig():
    fix = ProxyFix(capture_environ)
    assert (fix.x_for, fix.x_proto, fix.x_host, fix.x_port, fix.x_prefix) == (1, 1, 0, 0, 0)
    env = proxied(ProxyFix, {}, HTTP_X_FORWARDED_FOR="1.2.3.4", HTTP_X_FORWARDED_HOST="evil")
    assert env["REMOTE_ADDR"] == "1.2.3.4"
    assert env["HTTP_HOST"] == "internal:8000"  # x_host is off by default
    assert env["werkzeug.proxy_fix.orig"] == {
        "REMOTE_ADDR": "10.0.0.1",
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "internal:8000",
        "SERVER_NAME": "internal",
        "SERVER_PORT": "8000",
        "SCRIPT_NAME": "",
    }


def test_proxy_fix_takes_value_from_the_right_ignoring_spoofed_values():
    # The client sent "X-Forwarded-For: 6.6.6.6, 7.7.7.7"; two proxies appended theirs.
    header = "6.6.6.6, 7.7.7.7, 1.2.3.4, 10.0.0.2"
    assert proxied(ProxyFix, {"x_for": 2}, HTTP_X_FORWARDED_FOR=header)["REMOTE_ADDR"] == "1.2.3.4"
    assert proxied(ProxyFix, {"x_for": 1}, HTTP_X_FORWARDED_FOR=header)["REMOTE_ADDR"] == "10.0.0.2"


@pytest.mark.parametrize("header", ["1.2.3.4", "", " ", "1.2.3.4, 5.6.7.8"])
def test_proxy_fix_ignores_header_with_too_few_values(header):
    env = proxied(ProxyFix, {"x_for": 3}, HTTP_X_FORWARDED_FOR=header)
    assert env["REMOTE_ADDR"] == "10.0.0.1"


@pytest.mark.parametrize(
    ("header", "trusted", "expected"),
    [
        ("1.2.3.4, ", 1, "10.0.0.1"),  # the proxy's value is empty: ignore, don't shift
        (", , ", 2, "10.0.0.1"),
        ("6.6.6.6,,1.2.3.4", 2, "10.0.0.1"),
        (" ,1.2.3.4", 1, "1.2.3.4"),
        ("\t1.2.3.4\t", 1, "1.2.3.4"),
        ("6.6.6.6 , 1.2.3.4 ", 1, "1.2.3.4"),
        (",,,,,,,,1.2.3.4", 1, "1.2.3.4"),
    ],
)
def test_proxy_fix_empty_values_and_whitespace(header, trusted, expected):
    env = proxied(ProxyFix, {"x_for": trusted}, HTTP_X_FORWARDED_FOR=header)
    assert env["REMOTE_ADDR"] == expected


def test_proxy_fix_client_quote_cannot_hide_the_proxy_value():
    # A client-sent unclosed quote must not swallow what the proxy appended after it.
    header = '"6.6.6.6, 1.2.3.4'
    assert proxied(ProxyFix, {}, HTTP_X_FORWARDED_FOR=header)["REMOTE_ADDR"] == "1.2.3.4"
    header = '"6.6.6.6", "7.7.7.7, 1.2.3.4, 10.0.0.2'
    env = proxied(ProxyFix, {"x_for": 2}, HTTP_X_FORWARDED_FOR=header)
    assert env["REMOTE_ADDR"] == "1.2.3.4"


def test_proxy_fix_long_hostile_header():
    header = "6.6.6.6," * 50_000 + "1.2.3.4"
    assert proxied(ProxyFix, {}, HTTP_X_FORWARDED_FOR=header)["REMOTE_ADDR"] == "1.2.3.4"


@pytest.mark.parametrize(
    "port", ["abc", "0", "65536", "99999999", "+80", "-1", "8_0", "\u0663", "1e3", "80/x"]
)
def test_proxy_fix_ignores_junk_ports(port):
    env = proxied(ProxyFix, {"x_port": 1}, HTTP_X_FORWARDED_PORT=port)
    assert env["SERVER_PORT"] == "8000"
    assert env["HTTP_HOST"] == "internal:8000"


def test_proxy_fix_port_whitespace_is_stripped():
    env = proxied(ProxyFix, {"x_port": 1}, HTTP_X_FORWARDED_PORT=" 8443 ")
    assert (env["SERVER_PORT"], env["HTTP_HOST"]) == ("8443", "internal:8443")


@pytest.mark.parametrize(
    "host",
    [
        "evil.com/path",
        "user@evil.com",
        "a b.com",
        "host:99999",
        "host:abc",
        "host:",
        "[::1",
        "h\x00",
    ],
)
def test_proxy_fix_ignores_junk_hosts(host):
    env = proxied(ProxyFix, {"x_host": 1}, HTTP_X_FORWARDED_HOST=host)
    assert (env["HTTP_HOST"], env["SERVER_NAME"], env["SERVER_PORT"]) == (
        "internal:8000",
        "internal",
        "8000",
    )


@pytest.mark.parametrize(
    ("proto", "expected"),
    [
        ("HTTPS", "https"),
        ("wss", "wss"),
        ("ht tp", "http"),
        ("javascript:", "http"),
        ("1http", "http"),
        ("javascript", "http"),
        ("ftp", "http"),
        ("https\x00", "http"),
    ],
)
def test_proxy_fix_proto_must_be_a_scheme(proto, expected):
    assert proxied(ProxyFix, {}, HTTP_X_FORWARDED_PROTO=proto)["wsgi.url_scheme"] == expected


@pytest.mark.parametrize(
    "prefix", ["//evil.com", "/\\evil.com", "relative", "/a?b", "/a#b", "/a b", "/a\\b"]
)
def test_proxy_fix_ignores_prefixes_that_are_not_paths(prefix):
    assert proxied(ProxyFix, {"x_prefix": 1}, HTTP_X_FORWARDED_PREFIX=prefix)["SCRIPT_NAME"] == ""


def test_proxy_fix_negative_counts_trust_nothing():
    env = proxied(
        ProxyFix,
        {"x_for": -1, "x_proto": -2},
        HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2",
        HTTP_X_FORWARDED_PROTO="https, http",
    )
    assert (env["REMOTE_ADDR"], env["wsgi.url_scheme"]) == ("10.0.0.1", "http")


def test_proxy_fix_get_real_value():
    fix = ProxyFix(capture_environ)
    assert fix._get_real_value(1, "a, b") == "b"
    assert fix._get_real_value(2, "a, b") == "a"
    assert fix._get_real_value(3, "a, b") is None
    assert fix._get_real_value(0, "a") is None
    assert fix._get_real_value(1, None) is None


@pytest.fixture
def proxied_app(app):
    @app.route("/where")
    def where():
        return {
            "remote_addr": erlen.request.remote_addr,
            "url": erlen.request.url,
            "host": erlen.request.host,
            "scheme": erlen.request.scheme,
            "secure": erlen.request.is_secure,
            "script_root": erlen.request.script_root,
            "external": erlen.url_for("where", _external=True),
        }

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)
    return app


@pytest.mark.interface(
    "wsgi", reason="WSGI middleware on app.wsgi_app is not part of the ASGI application"
)
def test_proxy_fix_erlen_app(proxied_app):
    client = proxied_app.test_client()
    rv = client.get(
        "/where?q=1",
        headers={
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "www.example.com",
            "X-Forwarded-Prefix": "/shop",
        },
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert rv.get_json() == {
        "remote_addr": "203.0.113.9",
        "url": "https://www.example.com/shop/where?q=1",
        "host": "www.example.com",
        "scheme": "https",
        "secure": True,
        "script_root": "/shop",
        "external": "https://www.example.com/shop/where",
    }


@pytest.mark.interface(
    "wsgi", reason="WSGI middleware on app.wsgi_app is not part of the ASGI application"
)
def test_proxy_fix_erlen_app_with_forged_client_values(proxied_app):
    client = proxied_app.test_client()
    rv = client.get(
        "/where",
        headers={
            # The client forged the first values; the proxy appended the last.
            "X-Forwarded-For": "127.0.0.1, 198.51.100.7",
            "X-Forwarded-Proto": "http, https",
            "X-Forwarded-Host": "evil.example, www.example.com:8443",
        },
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    data = rv.get_json()
    assert data["remote_addr"] == "198.51.100.7"
    assert data["external"] == "https://www.example.com:8443/where"


def test_proxy_fix_erlen_app_without_headers(proxied_app):
    rv = proxied_app.test_client().get("/where", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    data = rv.get_json()
    assert (data["remote_addr"], data["url"]) == ("10.0.0.1", "http://localhost/where")


# --------------------------------------------------------------------------- Dispatcher


def named_app(name):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{name}|{environ['SCRIPT_NAME']}|{environ['PATH_INFO']}".encode("latin-1")]

    return app


DISPATCH_PATHS = [
    "",
    "/",
    "/api",
    "/api/",
    "/api/users/1",
    "/apix",
    "/apix/y",
    "/admin",
    "/admin/api",
    "/admin/api/x",
    "/admin/apix",
    "//api",
    "/api//x",
    "/caf\xc3\xa9/menu",
    "no-slash",
]


@pytest.mark.parametrize("path", DISPATCH_PATHS)
@pytest.mark.parametrize("script_name", ["", "/root"])
def test_dispatcher_matches_werkzeug(path, script_name):
    def mounts():
        return {
            "/api": named_app("api"),
            "/admin": named_app("admin"),
            "/admin/api": named_app("admin-api"),
            "/caf\xc3\xa9": named_app("cafe"),
        }

    ours = call(
        DispatcherMiddleware(named_app("default"), mounts()),
        make_environ(path, SCRIPT_NAME=script_name),
    )
    theirs = call(
        WzDispatcher(named_app("default"), mounts()), make_environ(path, SCRIPT_NAME=script_name)
    )
    assert ours == theirs


def test_dispatcher_longest_prefix_and_mount_at_root():
    app = DispatcherMiddleware(
        named_app("default"), {"/a": named_app("a"), "/a/b": named_app("ab"), "": named_app("root")}
    )
    assert call(app, make_environ("/a/b/c"))[2] == b"ab|/a/b|/c"
    assert call(app, make_environ("/a/c"))[2] == b"a|/a|/c"
    # An empty mount takes every request no other mount matches.
    assert call(app, make_environ("/x/y"))[2] == b"root||/x/y"


def test_dispatcher_mounts_default_and_mutation():
    dispatcher = DispatcherMiddleware(named_app("default"))
    assert dispatcher.mounts == {}
    assert call(dispatcher, make_environ("/late/x"))[2] == b"default||/late/x"
    dispatcher.mounts["/late"] = named_app("late")
    assert call(dispatcher, make_environ("/late/x"))[2] == b"late|/late|/x"


@pytest.mark.interface(
    "wsgi", reason="WSGI middleware on app.wsgi_app is not part of the ASGI application"
)
def test_dispatcher_with_erlen_apps():
    frontend = erlen.Flask("frontend")
    api = erlen.Flask("api")

    @frontend.route("/")
    def index():
        return "frontend"

    @api.route("/users/<int:id>")
    def user(id):
        return {"id": id, "url": erlen.url_for("user", id=id)}

    frontend.wsgi_app = DispatcherMiddleware(frontend.wsgi_app, {"/api": api})
    client = frontend.test_client()
    assert client.get("/").data == b"frontend"
    assert client.get("/api/users/3").get_json() == {"id": 3, "url": "/api/users/3"}
    # A path under a mount that the mounted app doesn't know is that app's 404 ...
    assert client.get("/api/nothing").status_code == 404
    # ... and a path under no mount is the default app's.
    rv = client.get("/nothing")
    assert rv.status_code == 404


def test_dispatcher_404_matches_werkzeug():
    mounts = {"/api": named_app("api")}
    for path in ("/apis", "/nothing", "/"):
        ours = call(DispatcherMiddleware(not_found_app, dict(mounts)), make_environ(path))
        theirs = call(WzDispatcher(not_found_app, dict(mounts)), make_environ(path))
        assert ours == theirs
        assert ours[0] == "404 NOT FOUND"


# --------------------------------------------------------------------------- SharedData


@pytest.fixture
def static_dir(tmp_path):
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "css" / "site.css").write_text("body { color: red }")
    (root / "hello.txt").write_text("hello")
    (root / "data.unknownext").write_bytes(b"\x00\x01")
    (root / "secret.py").write_text("KEY = 1")
    (root / "caf\u00e9.txt").write_text("cafe")
    (tmp_path / "outside.txt").write_text("outside")
    mtime = 1_700_000_000
    for path in root.rglob("*"):
        os.utime(path, (mtime, mtime))
    return root


def strip_volatile(headers):
    return {k: v for k, v in headers.items() if k not in ("Date", "Expires")}


@pytest.mark.parametrize(
    "path",
    [
        "/static/hello.txt",
        "/static/css/site.css",
        "/static/data.unknownext",
        "/static/missing",
        "/static/",
        "/static",
        "/static/css",
        "/other",
    ],
)
def test_shared_data_matches_werkzeug(static_dir, path):
    exports = {"/static": str(static_dir)}
    ours = call(SharedDataMiddleware(not_found_app, exports), make_environ(path))
    theirs = call(WzSharedData(not_found_app, exports), make_environ(path))
    assert (ours[0], strip_volatile(ours[1]), ours[2]) == (
        theirs[0],
        strip_volatile(theirs[1]),
        theirs[2],
    )


def test_shared_data_headers(static_dir):
    app = SharedDataMiddleware(not_found_app, {"/static": str(static_dir)}, cache_timeout=60)
    before = time.time()
    status, headers, body = call(app, make_environ("/static/hello.txt"))
    assert (status, body) == ("200 OK", b"hello")
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert headers["Content-Length"] == "5"
    assert headers["Last-Modified"] == http_date(1_700_000_000)
    assert headers["Cache-Control"] == "max-age=60, public"
    assert headers["Etag"].startswith('"wzsdm-1700000000.0-5-')
    expires = datetime.strptime(headers["Expires"], "%a, %d %b %Y %H:%M:%S GMT").replace(
        tzinfo=timezone.utc
    )
    assert abs(expires.timestamp() - (before + 60)) < 5


def test_shared_data_conditional_requests(static_dir):
    app = SharedDataMiddleware(not_found_app, {"/static": str(static_dir)})
    etag = call(app, make_environ("/static/hello.txt"))[1]["Etag"]
    status, headers, body = call(app, make_environ("/static/hello.txt", HTTP_IF_NONE_MATCH=etag))
    assert (status, body) == ("304 Not Modified", b"")
    assert headers["Etag"] == etag and "Content-Length" not in headers
    ims = http_date(1_700_000_000)
    assert (
        call(app, make_environ("/static/hello.txt", HTTP_IF_MODIFIED_SINCE=ims))[0]
        == "304 Not Modified"
    )
    old = http_date(1_600_000_000)
    assert call(app, make_environ("/static/hello.txt", HTTP_IF_MODIFIED_SINCE=old))[0] == "200 OK"
    assert call(app, make_environ("/static/hello.txt", HTTP_IF_NONE_MATCH='"other"'))[0] == "200 OK"


def test_shared_data_without_cache(static_dir):
    app = SharedDataMiddleware(not_found_app, {"/static": str(static_dir)}, cache=False)
    status, headers, body = call(
        app, make_environ("/static/hello.txt", HTTP_IF_MODIFIED_SINCE=http_date())
    )
    assert (status, body) == ("200 OK", b"hello")
    assert headers["Cache-Control"] == "public"
    assert "Etag" not in headers and "Expires" not in headers


def test_shared_data_head(static_dir):
    app = SharedDataMiddleware(not_found_app, {"/static": str(static_dir)})
    status, headers, body = call(app, make_environ("/static/hello.txt", REQUEST_METHOD="HEAD"))
    assert (status, body, headers["Content-Length"]) == ("200 OK", b"", "5")


@pytest.mark.parametrize(
    "path",
    [
        "/static/../outside.txt",
        "/static/css/../../outside.txt",
        "/static//etc/passwd",
        "/static/..",
        "/static/..\\outside.txt",
        "/static/css\\..\\..\\outside.txt",
        "/static/hello.txt\x00.png",
        "/static/\x00",
        "/static/" + "a/" * 5000,
    ],
)
def test_shared_data_traversal_falls_through(static_dir, path):
    exports = {"/static": str(static_dir)}
    ours = call(SharedDataMiddleware(not_found_app, exports), make_environ(path))
    assert ours == ("404 NOT FOUND", {"Content-Type": "text/plain"}, b"fallback")
    if "\\" not in path and "\x00" not in path:
        assert call(WzSharedData(not_found_app, exports), make_environ(path)) == ours


def test_shared_data_outside_file_not_reachable_with_root_mount(static_dir):
    app = SharedDataMiddleware(not_found_app, {"/": str(static_dir)})
    assert call(app, make_environ("/hello.txt"))[2] == b"hello"
    assert call(app, make_environ("/../outside.txt"))[2] == b"fallback"


def test_shared_data_disallow(static_dir):
    exports = {"/static": str(static_dir)}
    app = SharedDataMiddleware(not_found_app, exports, disallow="*.py")
    assert call(app, make_environ("/static/secret.py"))[2] == b"fallback"
    assert call(app, make_environ("/static/hello.txt"))[2] == b"hello"
    assert (
        call(
            WzSharedData(not_found_app, exports, disallow="*.py"), make_environ("/static/secret.py")
        )[2]
        == b"fallback"
    )
    app = SharedDataMiddleware(not_found_app, exports, disallow=["*.py", "hello.*"])
    assert call(app, make_environ("/static/hello.txt"))[2] == b"fallback"
    assert call(app, make_environ("/static/css/site.css"))[0] == "200 OK"


def test_shared_data_is_allowed_override(static_dir):
    class OnlyCss(SharedDataMiddleware):
        def is_allowed(self, filename):
            return filename.endswith(".css")

    app = OnlyCss(not_found_app, {"/static": str(static_dir)}, disallow="site.*")
    assert call(app, make_environ("/static/hello.txt"))[2] == b"fallback"
    assert call(app, make_environ("/static/css/site.css"))[2] == b"fallback"
    assert SharedDataMiddleware(not_found_app, {}).is_allowed("anything") is True


def test_shared_data_file_export(static_dir):
    exports = {"/robots.txt": str(static_dir / "hello.txt")}
    app = SharedDataMiddleware(not_found_app, exports)
    assert call(app, make_environ("/robots.txt"))[2] == b"hello"
    # As in Werkzeug, a file export also answers every path below it.
    for path in ("/robots.txt/x", "/robots.txtx"):
        assert call(app, make_environ(path)) == call(
            WzSharedData(not_found_app, exports), make_environ(path)
        )


def test_shared_data_exports_in_order_and_pathlike(static_dir, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "hello.txt").write_text("other")
    (other / "only.txt").write_text("only")
    app = SharedDataMiddleware(not_found_app, [("/s", static_dir), ("/s", other)])
    assert call(app, make_environ("/s/hello.txt"))[2] == b"hello"
    assert call(app, make_environ("/s/only.txt"))[2] == b"only"


def test_shared_data_unknown_export_type():
    with pytest.raises(TypeError, match="unknown def"):
        SharedDataMiddleware(not_found_app, {"/x": 42})


def test_shared_data_mimetypes(static_dir):
    app = SharedDataMiddleware(
        not_found_app, {"/static": str(static_dir)}, fallback_mimetype="text/x-custom"
    )
    assert (
        call(app, make_environ("/static/css/site.css"))[1]["Content-Type"]
        == "text/css; charset=utf-8"
    )
    assert (
        call(app, make_environ("/static/data.unknownext"))[1]["Content-Type"]
        == "text/x-custom; charset=utf-8"
    )


def test_shared_data_non_ascii_name(static_dir):
    app = SharedDataMiddleware(not_found_app, {"/static": str(static_dir)})
    path = "/static/caf\u00e9.txt".encode().decode("latin-1")  # PEP 3333 form
    assert call(app, make_environ(path))[2] == b"cafe"
    assert call(app, make_environ("/static/caf\xff.txt"))[2] == b"fallback"


def test_shared_data_uses_server_file_wrapper(static_dir):
    wrapped = []

    class Wrapper:
        def __init__(self, f, size):
            wrapped.append(size)
            self.f = f

        def __iter__(self):
            return iter([self.f.read()])

        def close(self):
            self.f.close()

    app = SharedDataMiddleware(not_found_app, {"/static": str(static_dir)})
    assert (
        call(app, make_environ("/static/hello.txt", **{"wsgi.file_wrapper": Wrapper}))[2]
        == b"hello"
    )
    assert wrapped == [8192]


def test_shared_data_unopenable_file_falls_through(static_dir, monkeypatch):
    import erlen.middleware.shared_data as shared_data

    def deny(*args, **kwargs):
        raise PermissionError("denied")

    monkeypatch.setattr(shared_data, "open", deny, raising=False)
    app = SharedDataMiddleware(not_found_app, {"/static": str(static_dir)})
    assert call(app, make_environ("/static/hello.txt"))[2] == b"fallback"


def make_package(root, name):
    pkg = root / name
    (pkg / "static" / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "static" / "app.js").write_text("let x = 1;")
    (pkg / "static" / "sub" / "a.txt").write_text("a")
    (pkg / "secret.txt").write_text("secret")
    return pkg


@pytest.fixture
def sys_path(monkeypatch):
    def add(path):
        monkeypatch.syspath_prepend(str(path))

    yield add
    for name in [n for n in sys.modules if n.startswith("erlen_mw_pkg")]:
        del sys.modules[name]


def test_shared_data_package(tmp_path, sys_path):
    make_package(tmp_path, "erlen_mw_pkg_fs")
    sys_path(tmp_path)
    app = SharedDataMiddleware(not_found_app, {"/assets": ("erlen_mw_pkg_fs", "static")})
    status, headers, body = call(app, make_environ("/assets/app.js"))
    assert (status, body) == ("200 OK", b"let x = 1;")
    assert headers["Content-Type"].startswith(("text/javascript", "application/javascript"))
    assert call(app, make_environ("/assets/sub/a.txt"))[2] == b"a"
    for path in (
        "/assets/../secret.txt",
        "/assets",
        "/assets/sub",
        "/assets/missing",
        "/assets/..\\secret.txt",
    ):
        assert call(app, make_environ(path))[2] == b"fallback", path


def test_shared_data_zipped_package(tmp_path, sys_path):
    pkg = make_package(tmp_path / "src", "erlen_mw_pkg_zip")
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in pkg.rglob("*"):
            if path.is_file():
                zf.write(path, path.relative_to(tmp_path / "src").as_posix())
    sys_path(archive)
    app = SharedDataMiddleware(not_found_app, {"/assets": ("erlen_mw_pkg_zip", "static")})
    status, headers, body = call(app, make_environ("/assets/sub/a.txt"))
    assert (status, body, headers["Content-Length"]) == ("200 OK", b"a", "1")
    etag = headers["Etag"]
    assert (
        call(app, make_environ("/assets/sub/a.txt", HTTP_IF_NONE_MATCH=etag))[0]
        == "304 Not Modified"
    )
    assert call(app, make_environ("/assets/../secret.txt"))[2] == b"fallback"


@pytest.mark.interface(
    "wsgi", reason="WSGI middleware on app.wsgi_app is not part of the ASGI application"
)
def test_shared_data_with_erlen_app(app, static_dir):
    @app.route("/")
    def index():
        return "index"

    app.wsgi_app = SharedDataMiddleware(app.wsgi_app, {"/files": str(static_dir)})
    client = app.test_client()
    assert client.get("/").data == b"index"
    with client.get("/files/hello.txt") as rv:
        assert (rv.status_code, rv.data, rv.mimetype) == (200, b"hello", "text/plain")
    assert (
        client.get("/files/hello.txt", headers={"If-None-Match": rv.headers["ETag"]}).status_code
        == 304
    )
    assert client.get("/files/../outside.txt").status_code == 404
    assert client.get("/files/missing").status_code == 404


def test_shared_data_with_not_found_app(static_dir):
    app = SharedDataMiddleware(NotFound(), {"/": str(static_dir)})
    assert call(app, create_environ("/nope"))[0].startswith("404")


# --------------------------------------------------------------------------- Profiler


def streaming_app(environ, start_response):
    write = start_response("201 CREATED", [("X-Test", "1")])
    write(b"written-")
    return iter([b"a", b"b"])


def test_profiler_stream_and_body():
    stream = io.StringIO()
    status, headers, body = call(
        ProfilerMiddleware(streaming_app, stream=stream), make_environ("/some/path")
    )
    assert (status, headers, body) == ("201 CREATED", {"X-Test": "1"}, b"written-ab")
    output = stream.getvalue()
    assert "PATH: '/some/path'" in output
    assert "function calls" in output
    assert output.startswith("-" * 80)


def test_profiler_restrictions_and_sort():
    stream = io.StringIO()
    app = ProfilerMiddleware(
        streaming_app, stream=stream, sort_by=("cumulative",), restrictions=(1,)
    )
    call(app, make_environ())
    assert "Ordered by: cumulative time" in stream.getvalue()
    assert "due to restriction <1>" in stream.getvalue()


def test_profiler_profile_dir(tmp_path):
    app = ProfilerMiddleware(streaming_app, stream=None, profile_dir=str(tmp_path))
    call(app, make_environ("/a/b/", REQUEST_METHOD="POST"))
    call(app, make_environ("/"))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2
    assert names[0].startswith("GET.root.") and names[0].endswith(".prof")
    assert names[1].startswith("POST.a.b.")
    pstats.Stats(str(tmp_path / names[0]))  # a valid profile file


def test_profiler_hostile_names_stay_in_profile_dir(tmp_path):
    profile_dir = tmp_path / "profiles"
    profile_dir.mkdir()
    app = ProfilerMiddleware(streaming_app, stream=None, profile_dir=str(profile_dir))
    call(app, make_environ("/x/" + "y" * 500, REQUEST_METHOD="../../evil"))
    call(app, make_environ("/..\\..\\evil\x00"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["profiles"]
    assert len(list(profile_dir.iterdir())) == 2
    assert all(len(p.name) < 255 for p in profile_dir.iterdir())


def test_profiler_callable_filename(tmp_path):
    seen = {}

    def name(environ):
        seen.update(environ["werkzeug.profiler"])
        return "custom.prof"

    call(
        ProfilerMiddleware(
            streaming_app, stream=None, profile_dir=str(tmp_path), filename_format=name
        ),
        make_environ(),
    )
    assert (tmp_path / "custom.prof").is_file()
    assert set(seen) == {"elapsed", "time"} and seen["elapsed"] >= 0


def test_profiler_closes_app_iter():
    closed = []

    class Body:
        def __iter__(self):
            return iter([b"x"])

        def close(self):
            closed.append(True)

    def app(environ, start_response):
        start_response("200 OK", [])
        return Body()

    assert call(ProfilerMiddleware(app, stream=None), make_environ())[2] == b"x"
    assert closed == [True]


@pytest.mark.interface(
    "wsgi", reason="WSGI middleware on app.wsgi_app is not part of the ASGI application"
)
def test_profiler_with_erlen_app(app):
    @app.route("/")
    def index():
        return "profiled"

    stream = io.StringIO()
    app.wsgi_app = ProfilerMiddleware(app.wsgi_app, stream=stream)
    assert app.test_client().get("/").data == b"profiled"
    assert "PATH: '/'" in stream.getvalue()


# --------------------------------------------------------------------------- ProxyMiddleware


class EchoHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self):
        length = self.headers.get("Content-Length")
        if length is not None:
            body = self.rfile.read(int(length))
        elif self.headers.get("Transfer-Encoding") == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().strip(), 16)
                chunk = self.rfile.read(size + 2)[:-2]
                if not size:
                    break
                body += chunk
        else:
            body = b""
        lines = [f"{self.command} {self.path}"]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        data = ("\n".join(lines) + "\n\n").encode() + body
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Keep-Alive", "timeout=5")
        self.send_header("X-Echo", "yes")
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = _answer


@pytest.fixture
def echo_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_http_proxy_forwards(echo_server):
    app = ProxyMiddleware(
        not_found_app, {"/api": {"target": f"{echo_server}/base/", "headers": {"X-Extra": "1"}}}
    )
    assert list(app.targets) == ["/api/"]
    environ = create_environ(
        "/api/x y",
        query_string="a=1&b=%20",
        headers={"X-Custom": "v", "Connection": "X-Custom, keep-alive", "Keep-Alive": "1"},
    )
    status, headers, body = call(app, environ)
    assert status == "200 OK" and headers["X-Echo"] == "yes"
    assert "Keep-Alive" not in headers
    text = body.decode()
    assert text.startswith("GET /api/x%20y?a=1&b=%20\n")
    port = echo_server.rsplit(":", 1)[1]
    assert f"Host: 127.0.0.1:{port}" in text
    assert "X-Extra: 1" in text and "Connection: close" in text
    assert "X-Custom" not in text and "Keep-Alive" not in text  # named by Connection


def test_http_proxy_remove_prefix_and_host_options(echo_server):
    app = ProxyMiddleware(
        not_found_app,
        {
            "/a/": {"target": f"{echo_server}/base/", "remove_prefix": True, "host": None},
            "/b": {"target": echo_server, "host": "custom.example"},
        },
    )
    text = call(app, create_environ("/a/x/y", "http://client.example/"))[2].decode()
    assert text.startswith("GET /base/x/y\n") and "Host: client.example" in text
    text = call(app, create_environ("/b/z"))[2].decode()
    assert text.startswith("GET /b/z\n") and "Host: custom.example" in text
    assert call(app, create_environ("/a"))[2] == b"fallback"


def test_http_proxy_request_bodies(echo_server):
    app = ProxyMiddleware(not_found_app, {"/up": {"target": echo_server}}, chunk_size=4)
    body = call(app, create_environ("/up/x", method="POST", data=b"0123456789"))[2]
    assert body.endswith(b"\n\n0123456789") and b"Content-Length: 10" in body
    environ = make_environ(
        "/up/chunked",
        REQUEST_METHOD="PUT",
        **{"wsgi.input": io.BytesIO(b"abcdefghij"), "wsgi.input_terminated": True},
    )
    body = call(app, environ)[2]
    assert b"Transfer-Encoding: chunked" in body and body.endswith(b"\n\nabcdefghij")


def test_http_proxy_bad_gateway():
    app = ProxyMiddleware(not_found_app, {"/x": {"target": "http://127.0.0.1:1/"}}, timeout=2)
    assert call(app, create_environ("/x/y"))[0].startswith("502")


def test_http_proxy_bad_scheme():
    app = ProxyMiddleware(not_found_app, {"/x": {"target": "ftp://127.0.0.1/"}})
    with pytest.raises(RuntimeError, match="scheme"):
        call(app, create_environ("/x/y"))


# --------------------------------------------------------------------------- LintMiddleware


def lint_messages(middleware_cls, app, environ=None):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        environ = environ if environ is not None else create_environ("/")
        app_iter = middleware_cls(app)(environ, lambda status, headers, exc_info=None: len)
        try:
            list(app_iter)
        finally:
            app_iter.close()
    return [(w.category.__name__, str(w.message)) for w in caught]


def simple_app(status="200 OK", headers=None, body=(b"ok",), write=None):
    def app(environ, start_response):
        w = start_response(status, headers if headers is not None else [("Content-Length", "2")])
        if write is not None:
            w(write)
        return list(body)

    return app


LINT_CASES = {
    "clean": simple_app(),
    "bad status": simple_app(status="20 OK"),
    "no reason": simple_app(status="200"),
    "wrong length": simple_app(headers=[("Content-Length", "5")]),
    "304 body": simple_app(status="304 Not Modified", headers=[("Content-Type", "text/plain")]),
    "204 body": simple_app(status="204 No Content", headers=[]),
    "status header": simple_app(headers=[("Status", "200"), ("Content-Length", "2")]),
    "str body": simple_app(body=["ok"]),
    "str write": simple_app(headers=[], write="x"),
    "unquoted etag": simple_app(headers=[("ETag", "abc"), ("Content-Length", "2")]),
    "weak lower etag": simple_app(headers=[("ETag", 'w/"abc"'), ("Content-Length", "2")]),
    "header not str": simple_app(headers=[("X-Num", 1), ("Content-Length", "2")]),
}


@pytest.mark.parametrize("case", sorted(LINT_CASES))
def test_lint_matches_werkzeug(case):
    from werkzeug.middleware.lint import LintMiddleware as WzLint

    ours = lint_messages(LintMiddleware, LINT_CASES[case])
    assert ours == lint_messages(WzLint, LINT_CASES[case])
    assert bool(ours) == (case != "clean")


def test_lint_environ_and_input_checks():
    def reader(environ, start_response):
        environ["wsgi.input"].read()
        environ["wsgi.input"].readline()
        with pytest.raises(TypeError):  # the wrapped StringIO refuses it after the warning
            environ["wsgi.errors"].write(b"bytes")
        start_response("200 OK", [])
        return []

    environ = create_environ("/", data=b"x")
    del environ["wsgi.run_once"]
    environ["PATH_INFO"] = "relative"
    messages = [m for _, m in lint_messages(LintMiddleware, reader, environ)]
    assert "Required environment key 'wsgi.run_once' not found" in messages
    assert "'PATH_INFO' does not start with a slash: 'relative'" in messages
    assert any("unsafe" in m and "read()" in m for m in messages)
    assert any("readline()" in m for m in messages)
    assert "'wsgi.error.write()' requires 'str', got 'bytes'." in messages


def test_lint_hostile_status_and_headers_warn_instead_of_crashing():
    app = simple_app(
        status="abc", headers=[("X-Bad", "a\r\nb"), ("X-Triple", "a", "b"), ("Content-Length", "2")]
    )
    messages = lint_messages(LintMiddleware, app)
    assert ("WSGIWarning", "Status code must be three digits.") in messages
    assert ("HTTPWarning", "Header 'X-Bad' contains CR, LF or NUL characters.") in messages
    assert ("WSGIWarning", "Header items must be 2-item tuples.") in messages


def test_lint_relative_location_and_erlen_app(app):
    @app.route("/")
    def index():
        return erlen.redirect("/target")

    @app.route("/target")
    def target():
        return "target"

    app.wsgi_app = LintMiddleware(app.wsgi_app)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client = app.test_client()
        assert client.get("/").status_code == 302
        assert client.get("/", follow_redirects=True).data == b"target"
        assert client.head("/target").status_code == 200


def test_lint_unclosed_iterator_warns_without_raising():
    from erlen.middleware.lint import GuardedIterator

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        guarded = GuardedIterator([b"x"], (200, Headers()), [])
        guarded.__del__()
        guarded.closed = True
    assert [str(w.message) for w in caught] == [
        "Iterator was garbage collected before it was closed."
    ]
