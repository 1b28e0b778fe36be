"""The ASGI development server: ``serving.run_asgi`` (uvicorn on the socket erlen holds, with
erlen's reloader), the ASGI debug page (``erlen.asgi.debug``) and how ``erlen run`` chooses
between WSGI and ASGI.

Servers run as subprocesses in their own process group, bounded in time and always killed;
what an app did is read from files it writes, not from timing.
"""

from __future__ import annotations

import asyncio
import http.client
import sys
import textwrap
import time
import typing as t
from pathlib import Path

import pytest
from click.testing import CliRunner
from servers.app_servers import IO_TIMEOUT, START_TIMEOUT, ServedApp, ServerProcess, free_port

from erlen import Flask, serving
from erlen.asgi.debug import DebuggedASGIApplication, request_info_from_scope
from erlen.cli import FlaskGroup
from erlen.routing import Rule

Scope = dict[str, t.Any]
Message = t.MutableMapping[str, t.Any]


def http_scope(**extra: t.Any) -> Scope:
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/shop/cart",
        "raw_path": b"/shop/cart",
        "root_path": "/shop",
        "query_string": b"item=42&size=xl",
        "headers": [
            (b"host", b"example.test:8080"),
            (b"authorization", b"Bearer secret-token"),
            (b"cookie", b"session=secret-cookie; theme=dark"),
        ],
        "client": ("203.0.113.5", 40000),
        "server": ("127.0.0.1", 8080),
    }
    scope.update(extra)
    return scope


def call_asgi(app: t.Any, scope: Scope) -> list[Message]:
    """Run one ASGI call with an empty request body; the messages the app sent."""
    sent: list[Message] = []
    body = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> Message:
        if body:
            return body.pop()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


class Boom(Exception):
    pass


async def failing_app(scope: Scope, receive: t.Any, send: t.Any) -> None:
    def deep_in_the_view() -> None:
        raise Boom("<b>the cart</b> is broken")

    deep_in_the_view()


# -- the debug page ----------------------------------------------------------------------------


def test_debug_page_for_an_error_before_the_response(capsys: pytest.CaptureFixture[str]) -> None:
    sent = call_asgi(DebuggedASGIApplication(failing_app), http_scope())
    start, body = sent
    assert start["type"] == "http.response.start" and start["status"] == 500
    headers = dict(start["headers"])
    assert headers[b"content-type"] == b"text/html; charset=utf-8"
    assert headers[b"content-security-policy"] == b"default-src 'none'; style-src 'unsafe-inline'"
    assert headers[b"cache-control"] == b"no-store"
    page = body["body"].decode()
    assert body["more_body"] is False and int(headers[b"content-length"]) == len(body["body"])
    assert "your ASGI application" in page
    assert "&lt;b&gt;the cart&lt;/b&gt; is broken" in page and "<b>the cart</b>" not in page
    assert "deep_in_the_view" in page and "<script" not in page
    assert "http://example.test:8080/shop/cart?item=42&amp;size=xl" in page
    assert "203.0.113.5" in page
    # Credentials are named, never shown.
    assert "secret-token" not in page and "secret-cookie" not in page
    assert "session, theme (cookie values hidden)" in page
    err = capsys.readouterr().err
    assert "Error on request POST http://example.test:8080/shop/cart?item=42&size=xl" in err
    assert "Boom: <b>the cart</b> is broken" in err and "deep_in_the_view" in err


def test_error_after_the_response_started_is_re_raised(capsys: pytest.CaptureFixture[str]) -> None:
    async def half_sent(scope: Scope, receive: t.Any, send: t.Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        raise Boom("mid-stream")

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    with pytest.raises(Boom):
        asyncio.run(DebuggedASGIApplication(half_sent)(http_scope(), receive, send))
    # No second response start: the server closes the connection instead.
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert "failed after the response started" in capsys.readouterr().err


def test_a_working_app_passes_through_untouched() -> None:
    async def ok(scope: Scope, receive: t.Any, send: t.Any) -> None:
        await send({"type": "http.response.start", "status": 201, "headers": [(b"x-a", b"1")]})
        await send({"type": "http.response.body", "body": b"made"})

    sent = call_asgi(DebuggedASGIApplication(ok), http_scope())
    assert sent == [
        {"type": "http.response.start", "status": 201, "headers": [(b"x-a", b"1")]},
        {"type": "http.response.body", "body": b"made"},
    ]


@pytest.mark.parametrize("kind", ["websocket", "lifespan"])
def test_other_scopes_pass_through(kind: str) -> None:
    seen: list[tuple[Scope, t.Any, t.Any]] = []

    async def app(scope: Scope, receive: t.Any, send: t.Any) -> None:
        seen.append((scope, receive, send))
        raise Boom("not turned into a page")

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        raise AssertionError("nothing may be sent for the app")

    scope = {"type": kind, "asgi": {"version": "3.0"}}
    with pytest.raises(Boom):
        asyncio.run(DebuggedASGIApplication(app)(scope, receive, send))
    assert seen == [(scope, receive, send)]


def test_request_info_from_scope() -> None:
    info = request_info_from_scope(http_scope())
    assert (info.method, info.url, info.client, info.interface) == (
        "POST",
        "http://example.test:8080/shop/cart?item=42&size=xl",
        "203.0.113.5",
        "ASGI",
    )
    assert ("Host", "example.test:8080") in info.headers
    # Without a Host header or raw_path: the server address and the quoted path.
    bare = http_scope(headers=[], raw_path=None, path="/ça va", query_string=b"")
    assert request_info_from_scope(bare).url == "http://127.0.0.1:8080/%C3%A7a%20va"
    default_port = http_scope(headers=[], scheme="https", server=("example.test", 443))
    assert request_info_from_scope(default_port).url.startswith("https://example.test/shop")


# -- erlen run: WSGI or ASGI -------------------------------------------------------------------


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[t.Any, ...], dict[str, t.Any]]]:
    """The calls ``erlen run`` makes to ``run_simple`` (WSGI) and ``run_asgi``."""
    calls: list[tuple[str, tuple[t.Any, ...], dict[str, t.Any]]] = []
    monkeypatch.setattr(serving, "run_simple", lambda *a, **kw: calls.append(("wsgi", a, kw)))
    monkeypatch.setattr(serving, "run_asgi", lambda *a, **kw: calls.append(("asgi", a, kw)))
    return calls


def app_with_websocket_rule() -> Flask:
    app = Flask("ws_app")
    app.url_map.add(Rule("/ws", endpoint="ws", websocket=True))
    return app


def test_run_serves_asgi_when_the_app_has_websocket_routes(runs: list[t.Any]) -> None:
    app = app_with_websocket_rule()
    result = CliRunner().invoke(FlaskGroup(create_app=lambda: app), ["run", "--port", "5099"])
    assert result.exit_code == 0, result.output
    ((interface, args, kwargs),) = runs
    assert (interface, args) == ("asgi", ("127.0.0.1", 5099, app))
    assert kwargs == {
        "use_reloader": False,
        "use_debugger": False,
        "ssl_context": None,
        "extra_files": None,
        "exclude_patterns": None,
        "max_connections": serving.MAX_CONNECTIONS,
    }


def test_run_flags_and_variables_choose_the_interface(
    runs: list[t.Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    plain, with_ws = Flask("plain_app"), app_with_websocket_rule()
    runner = CliRunner()
    assert runner.invoke(FlaskGroup(create_app=lambda: plain), ["run"]).exit_code == 0
    assert runner.invoke(FlaskGroup(create_app=lambda: plain), ["run", "--asgi"]).exit_code == 0
    assert runner.invoke(FlaskGroup(create_app=lambda: with_ws), ["run", "--wsgi"]).exit_code == 0
    monkeypatch.setenv("ERLEN_RUN_ASGI", "1")
    assert runner.invoke(FlaskGroup(create_app=lambda: plain), ["run"]).exit_code == 0
    monkeypatch.setenv("ERLEN_RUN_ASGI", "0")
    assert runner.invoke(FlaskGroup(create_app=lambda: with_ws), ["run"]).exit_code == 0
    assert [call[0] for call in runs] == ["wsgi", "asgi", "wsgi", "asgi", "wsgi"]


def test_run_debug_turns_on_reloader_and_debugger_for_asgi(runs: list[t.Any]) -> None:
    app = app_with_websocket_rule()
    result = CliRunner().invoke(FlaskGroup(create_app=lambda: app), ["run", "--debug"])
    assert result.exit_code == 0, result.output
    kwargs = runs[0][2]
    assert (kwargs["use_reloader"], kwargs["use_debugger"]) == (True, True)


def test_run_asgi_without_uvicorn_says_how_to_install_it(
    runs: list[t.Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if not installed
    app = app_with_websocket_rule()
    result = CliRunner().invoke(FlaskGroup(create_app=lambda: app), ["run"])
    assert result.exit_code == 1
    assert "needs uvicorn" in result.output and "pip install 'erlen[asgi]'" in result.output
    assert "Traceback" not in result.output
    assert runs == []


def test_run_asgi_function_without_uvicorn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    with pytest.raises(RuntimeError, match=r"pip install 'erlen\[asgi\]'"):
        serving.run_asgi("127.0.0.1", 0, failing_app)


# -- run_asgi in a real process ----------------------------------------------------------------

# A raw ASGI app whose lifespan and answers are recorded in the folder given in argv.
RAW_APP = """
import sys
from pathlib import Path

from erlen.serving import run_asgi

FOLDER = Path(sys.argv[1])
VERSION = "one"


def record(event):
    with open(FOLDER / "events.log", "a") as f:
        f.write(event + "\\n")


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if (FOLDER / "fail-startup").exists():
                    raise RuntimeError("the database is down")
                record(f"startup {VERSION}")
                await send({"type": "lifespan.startup.complete"})
            else:
                record(f"shutdown {VERSION}")
                await send({"type": "lifespan.shutdown.complete"})
                return
    await receive()
    body = f"version {VERSION}".encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


run_asgi("127.0.0.1", int(sys.argv[2]), app, use_reloader=sys.argv[3] == "reload",
         reloader_type="stat", reloader_interval=0.2)
"""


def start_raw(tmp_path: Path, reload: bool) -> tuple[ServerProcess, ServedApp, Path]:
    folder = ServedApp(tmp_path / "app")
    script = tmp_path / "raw_app.py"
    script.write_text(RAW_APP)
    port = free_port()
    argv = [sys.executable, str(script), str(folder.directory), str(port)]
    argv.append("reload" if reload else "once")
    server = ServerProcess(argv, port, tmp_path / "server.log", cwd=tmp_path)
    return server, folder, script


def get(server: ServerProcess, path: str = "/") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=IO_TIMEOUT)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_run_asgi_lifespan_and_graceful_stop(tmp_path: Path) -> None:
    server, folder, _ = start_raw(tmp_path, reload=False)
    with server:
        server.wait_ready()
        assert get(server) == (200, b"version one")
        assert folder.events() == ["startup one"]
        assert server.terminate() is not None, server.output()
        assert folder.events() == ["startup one", "shutdown one"]
        output = server.output()
        assert "Use a production ASGI server instead." in output
        assert f"Running on http://127.0.0.1:{server.port}" in output
        assert "Serving over ASGI with uvicorn" in output


def test_run_asgi_reloads_after_an_edit(tmp_path: Path) -> None:
    server, folder, script = start_raw(tmp_path, reload=True)
    with server:
        server.wait_ready()
        assert get(server) == (200, b"version one")
        script.write_text(RAW_APP.replace('VERSION = "one"', 'VERSION = "two"'))
        folder.wait_for_events("startup two", timeout=30)
        assert get(server) == (200, b"version two")
        # The old server process ran its lifespan shutdown before the new one started.
        assert folder.events() == ["startup one", "shutdown one", "startup two"]
        # SIGTERM to the watcher: it stops its server process, gracefully.
        assert server.terminate() is not None, server.output()
        assert folder.events()[-1] == "shutdown two"


def test_run_asgi_failing_startup_waits_for_a_fix(tmp_path: Path) -> None:
    server, folder, script = start_raw(tmp_path, reload=True)
    folder.release("fail-startup")
    with server:
        server.wait_ready()
        # The server process exited; the watcher answers on the same port meanwhile.
        status, body = get(server)
        assert status == 500
        assert b"The application failed to start (its process exited with code 1)" in body
        assert "RuntimeError: the database is down" in server.output()
        (folder.directory / "fail-startup").unlink()
        script.write_text(RAW_APP + "\n# fixed\n")
        folder.wait_for_events("startup one", timeout=30)
        assert get(server) == (200, b"version one")


def test_run_asgi_failing_startup_without_reloader_exits(tmp_path: Path) -> None:
    server, folder, _ = start_raw(tmp_path, reload=False)
    folder.release("fail-startup")
    with server:
        assert server.proc.wait(timeout=IO_TIMEOUT * 2) == 1
        assert "RuntimeError: the database is down" in server.output()
        assert "Application startup failed" in server.output()


def test_run_asgi_serves_tls(tmp_path: Path) -> None:
    import ssl

    cert, key = serving.make_ssl_devcert(str(tmp_path / "dev"), host="localhost")
    script = tmp_path / "tls_app.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            from erlen.serving import run_asgi

            async def app(scope, receive, send):
                if scope["type"] == "lifespan":
                    while True:
                        message = await receive()
                        kind = message["type"].rpartition(".")[2]
                        await send({{"type": f"lifespan.{{kind}}.complete"}})
                        if kind == "shutdown":
                            return
                await send({{"type": "http.response.start", "status": 200, "headers": []}})
                await send({{"type": "http.response.body", "body": scope["scheme"].encode()}})

            run_asgi("127.0.0.1", int(sys.argv[1]), app, ssl_context=({cert!r}, {key!r}))
            """
        )
    )
    port = free_port()
    context = ssl.create_default_context(cafile=cert)
    context.check_hostname = False  # the certificate names "localhost", we use 127.0.0.1
    with ServerProcess([sys.executable, str(script), str(port)], port, tmp_path / "log") as server:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            conn = http.client.HTTPSConnection(
                "127.0.0.1", port, timeout=IO_TIMEOUT, context=context
            )
            try:
                conn.request("GET", "/")
                response = conn.getresponse()
                assert (response.status, response.read()) == (200, b"https")
                break
            except OSError:
                assert server.proc.poll() is None, server.output()
                assert time.monotonic() < deadline, server.output()
                time.sleep(0.1)
            finally:
                conn.close()
        assert f"Running on https://127.0.0.1:{port}" in server.output()
