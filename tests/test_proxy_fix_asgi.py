"""ProxyFix wrapping an ASGI application: the scope is rewritten by the same trust rules as
the WSGI environ (checked case by case against the WSGI middleware), for ``http`` and
``websocket`` scopes, and an erlen app's ``asgi_app`` sees the client's view of the request."""

from __future__ import annotations

import asyncio
import inspect
import json
import typing as t

import pytest
from test_middleware import WERKZEUG_PROXY_CASES, call, capture_environ, make_environ

import erlen
from erlen.middleware.proxy_fix import ProxyFix

Scope = dict[str, t.Any]


def scope_from_environ(environ: dict[str, t.Any], kind: str = "http") -> Scope:
    """The ASGI scope a server would pass for the request described by a WSGI environ."""
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
            headers.append((name.encode("latin-1"), str(value).encode("latin-1")))
    scheme = environ["wsgi.url_scheme"]
    if kind == "websocket":
        scheme = "wss" if scheme == "https" else "ws"
    path = environ["SCRIPT_NAME"] + environ["PATH_INFO"]
    return {
        "type": kind,
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": environ["REQUEST_METHOD"],
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode("latin-1"),
        "root_path": environ["SCRIPT_NAME"],
        "query_string": environ["QUERY_STRING"].encode("latin-1"),
        "headers": headers,
        "client": (environ["REMOTE_ADDR"], 50123),
        "server": (environ["SERVER_NAME"], int(environ["SERVER_PORT"])),
    }


async def _no_receive() -> dict[str, t.Any]:
    raise AssertionError("the middleware must not receive")


async def _no_send(message: t.MutableMapping[str, t.Any]) -> None:
    raise AssertionError("the middleware must not send")


def seen_scope(kwargs: dict[str, int], scope: Scope) -> Scope:
    """The scope the wrapped ASGI app is called with."""
    seen: list[Scope] = []

    async def app(scope: Scope, receive: t.Any, send: t.Any) -> None:
        seen.append(scope)

    asyncio.run(ProxyFix(app, **kwargs)(scope, _no_receive, _no_send))
    (result,) = seen
    return result


def host_header(scope: Scope) -> str | None:
    values = [v.decode("latin-1") for n, v in scope["headers"] if n == b"host"]
    assert len(values) <= 1
    return values[0] if values else None


def as_environ_view(scope: Scope) -> dict[str, t.Any]:
    """The scope's values under the WSGI names ProxyFix sets, to compare with WSGI."""
    scheme = scope["scheme"]
    if scope["type"] == "websocket":
        scheme = {"ws": "http", "wss": "https"}[scheme]
    return {
        "REMOTE_ADDR": scope["client"][0],
        "wsgi.url_scheme": scheme,
        "HTTP_HOST": host_header(scope),
        "SERVER_NAME": scope["server"][0],
        "SERVER_PORT": str(scope["server"][1]),
        "SCRIPT_NAME": scope["root_path"],
    }


def wsgi_view(kwargs: dict[str, int], environ: dict[str, t.Any]) -> dict[str, t.Any]:
    call(ProxyFix(capture_environ, **kwargs), environ)
    seen = capture_environ.last  # type: ignore[attr-defined]
    view = {key: seen.get(key) for key in ("REMOTE_ADDR", "wsgi.url_scheme", "SCRIPT_NAME")}
    view |= {key: seen.get(key) for key in ("HTTP_HOST", "SERVER_NAME", "SERVER_PORT")}
    # WSGI keeps "ws"/"wss" as sent; an ASGI scope's scheme follows its type, so compare
    # what they mean: secure or not.
    view["wsgi.url_scheme"] = {"ws": "http", "wss": "https"}.get(
        view["wsgi.url_scheme"], view["wsgi.url_scheme"]
    )
    return view


HOSTILE_CASES = [
    ({"x_for": 2}, {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 7.7.7.7, 1.2.3.4, 10.0.0.2"}),
    ({"x_for": 3}, {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 5.6.7.8"}),
    ({"x_for": 1}, {"HTTP_X_FORWARDED_FOR": "1.2.3.4, "}),
    ({"x_for": 1}, {"HTTP_X_FORWARDED_FOR": '"6.6.6.6, 1.2.3.4'}),
    ({"x_for": -1, "x_proto": -2}, {"HTTP_X_FORWARDED_PROTO": "https, http"}),
    ({"x_port": 1}, {"HTTP_X_FORWARDED_PORT": "65536"}),
    ({"x_port": 1}, {"HTTP_X_FORWARDED_PORT": " 8443 "}),
    ({"x_host": 1}, {"HTTP_X_FORWARDED_HOST": "evil.com/path"}),
    ({"x_host": 1}, {"HTTP_X_FORWARDED_HOST": "host:99999"}),
    ({"x_host": 1}, {"HTTP_X_FORWARDED_HOST": "evil.example, www.example.com:8443"}),
    ({}, {"HTTP_X_FORWARDED_PROTO": "javascript:"}),
    ({}, {"HTTP_X_FORWARDED_PROTO": "WSS"}),
    ({"x_prefix": 1}, {"HTTP_X_FORWARDED_PREFIX": "//evil.com"}),
    ({"x_prefix": 1}, {"HTTP_X_FORWARDED_PREFIX": "/a?b"}),
]


@pytest.mark.parametrize("kind", ["http", "websocket"])
@pytest.mark.parametrize(("kwargs", "headers"), WERKZEUG_PROXY_CASES + HOSTILE_CASES)
def test_asgi_scope_follows_the_wsgi_rules(kind, kwargs, headers):
    environ = make_environ(**headers)
    asgi = as_environ_view(seen_scope(kwargs, scope_from_environ(dict(environ), kind)))
    assert asgi == wsgi_view(kwargs, environ)


def test_every_forwarded_header_with_the_originals_kept():
    environ = make_environ(
        "/cart",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_HOST="www.example.com",
        HTTP_X_FORWARDED_PORT="8443",
        HTTP_X_FORWARDED_PREFIX="/shop",
    )
    original = scope_from_environ(environ)
    kwargs = {"x_for": 1, "x_proto": 1, "x_host": 1, "x_port": 1, "x_prefix": 1}
    scope = seen_scope(kwargs, original)
    assert scope["client"] == ("203.0.113.9", 50123)
    assert scope["scheme"] == "https"
    assert scope["server"] == ("www.example.com", 8443)
    assert host_header(scope) == "www.example.com:8443"
    assert (scope["root_path"], scope["path"], scope["raw_path"]) == (
        "/shop",
        "/shop/cart",
        b"/shop/cart",
    )
    assert scope["erlen.proxy_fix.orig"] == {
        "client": ("10.0.0.1", 50123),
        "scheme": "http",
        "server": ("internal", 8000),
        "host": "internal:8000",
        "root_path": "",
        "path": "/cart",
        "raw_path": b"/cart",
    }
    # The server's scope is left as it was: the app got a copy.
    assert original["client"] == ("10.0.0.1", 50123) and original["path"] == "/cart"
    assert host_header(original) == "internal:8000"


def test_prefix_replaces_a_root_path_the_server_set():
    scope = scope_from_environ(make_environ("/cart", HTTP_X_FORWARDED_PREFIX="/shop"))
    scope |= {"root_path": "/old", "path": "/old/cart", "raw_path": b"/old/cart"}
    seen = seen_scope({"x_prefix": 1}, scope)
    assert (seen["root_path"], seen["path"], seen["raw_path"]) == (
        "/shop",
        "/shop/cart",
        b"/shop/cart",
    )


@pytest.mark.parametrize(
    ("kind", "proto", "scheme"),
    [
        ("websocket", "https", "wss"),
        ("websocket", "wss", "wss"),
        ("websocket", "http", "ws"),
        ("http", "wss", "https"),
        ("http", "ws", "http"),
    ],
)
def test_scheme_fits_the_scope_type(kind, proto, scheme):
    scope = scope_from_environ(make_environ(HTTP_X_FORWARDED_PROTO=proto), kind)
    assert seen_scope({}, scope)["scheme"] == scheme


def test_repeated_headers_read_as_one_list():
    # Two X-Forwarded-For lines: the proxy's line comes last, as a WSGI server joins them.
    scope = scope_from_environ(make_environ())
    scope["headers"] += [(b"x-forwarded-for", b"6.6.6.6"), (b"x-forwarded-for", b"1.2.3.4")]
    assert seen_scope({"x_for": 1}, scope)["client"][0] == "1.2.3.4"
    assert seen_scope({"x_for": 2}, scope)["client"][0] == "6.6.6.6"


def test_host_header_added_when_missing_and_unix_socket_server():
    scope = scope_from_environ(make_environ(HTTP_X_FORWARDED_HOST="www.example.com"))
    scope["headers"] = [(n, v) for n, v in scope["headers"] if n != b"host"]
    scope["server"] = ("/run/app.sock", None)
    seen = seen_scope({"x_host": 1}, scope)
    assert host_header(seen) == "www.example.com"
    assert seen["server"] == ("www.example.com", 80)


def test_lifespan_passes_through_untouched():
    received: list[t.Any] = []

    async def app(scope: Scope, receive: t.Any, send: t.Any) -> None:
        received.append(scope)
        received.append(await receive())

    async def receive() -> dict[str, t.Any]:
        return {"type": "lifespan.startup"}

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
    asyncio.run(ProxyFix(app)(scope, receive, _no_send))
    assert received == [scope, {"type": "lifespan.startup"}]
    assert received[0] is scope


def test_servers_detect_asgi3_only_for_an_asgi_app():
    async def asgi_app(scope: Scope, receive: t.Any, send: t.Any) -> None:
        pass

    wrapped = ProxyFix(asgi_app)
    assert inspect.iscoroutinefunction(wrapped.__call__)
    assert asyncio.iscoroutinefunction(wrapped.__call__)  # uvicorn's test (Python < 3.14)
    assert not inspect.iscoroutinefunction(ProxyFix(capture_environ).__call__)
    # Called with two arguments the middleware is still WSGI.
    status, _, body = call(ProxyFix(capture_environ), make_environ())
    assert (status, body) == ("200 OK", b"app")


def test_uvicorn_and_hypercorn_detect_the_wrapped_asgi_app():
    uvicorn_config = pytest.importorskip("uvicorn.config")
    hypercorn_utils = pytest.importorskip("hypercorn.utils")

    async def asgi_app(scope: Scope, receive: t.Any, send: t.Any) -> None:
        pass

    config = uvicorn_config.Config(ProxyFix(asgi_app), lifespan="off")
    config.load()
    assert config.interface == "asgi3"
    assert hypercorn_utils.is_asgi(ProxyFix(asgi_app))
    assert not hypercorn_utils.is_asgi(ProxyFix(capture_environ))


# -- an erlen app served over ASGI ---------------------------------------------------------


def run_asgi(app: t.Any, scope: Scope) -> tuple[int, dict[str, str], bytes]:
    """Serve one bodyless HTTP request through ``app`` (an ASGI 3 callable)."""
    messages: list[t.MutableMapping[str, t.Any]] = []
    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict[str, t.Any]:
        if requests:
            return requests.pop()
        await asyncio.Event().wait()  # the client stays connected
        raise AssertionError("unreachable")

    async def send(message: t.MutableMapping[str, t.Any]) -> None:
        messages.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in start["headers"]}
    return start["status"], headers, body


@pytest.fixture
def where_app() -> erlen.Flask:
    app = erlen.Flask(__name__)

    @app.route("/where")
    def where() -> dict[str, t.Any]:
        return {
            "remote_addr": erlen.request.remote_addr,
            "url": erlen.request.url,
            "host": erlen.request.host,
            "scheme": erlen.request.scheme,
            "secure": erlen.request.is_secure,
            "script_root": erlen.request.script_root,
            "path": erlen.request.path,
            "external": erlen.url_for("where", _external=True),
        }

    app.asgi_app = ProxyFix(app.asgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)
    return app


def test_erlen_app_over_asgi_sees_the_client_view(where_app):
    environ = make_environ(
        "/where",
        QUERY_STRING="q=1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_HOST="www.example.com",
        HTTP_X_FORWARDED_PREFIX="/shop",
    )
    status, _, body = run_asgi(where_app, scope_from_environ(environ))
    assert status == 200
    assert json.loads(body) == {
        "remote_addr": "203.0.113.9",
        "url": "https://www.example.com/shop/where?q=1",
        "host": "www.example.com",
        "scheme": "https",
        "secure": True,
        "script_root": "/shop",
        "path": "/where",
        "external": "https://www.example.com/shop/where",
    }


def test_erlen_app_over_asgi_ignores_forged_client_values(where_app):
    environ = make_environ(
        "/where",
        HTTP_X_FORWARDED_FOR="127.0.0.1, 198.51.100.7",
        HTTP_X_FORWARDED_PROTO="http, https",
        HTTP_X_FORWARDED_HOST="evil.example, www.example.com:8443",
    )
    status, _, body = run_asgi(where_app, scope_from_environ(environ))
    data = json.loads(body)
    assert status == 200
    assert (data["remote_addr"], data["scheme"], data["host"]) == (
        "198.51.100.7",
        "https",
        "www.example.com:8443",
    )
    assert data["external"] == "https://www.example.com:8443/where"
