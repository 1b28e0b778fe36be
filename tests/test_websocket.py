"""WebSocket routes (``@app.websocket``): messages, routing, hooks, refusals, errors and
disconnects, driven in-process through the test client's ASGI WebSocket transport."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest

import erlen
from erlen import (
    Blueprint,
    abort,
    g,
    got_request_exception,
    request,
    session,
    url_for,
    websocket,
)
from erlen.asgi.testing_ws import WebSocketRejected
from erlen.asgi.websocket import WebSocketDisconnect


def test_echo_text_and_bytes(app, client):
    @app.websocket("/echo")
    async def echo():
        while True:
            message = await websocket.receive()
            await websocket.send(message)

    with client.websocket("/echo") as ws:
        ws.send("hello")
        assert ws.receive() == "hello"
        ws.send(b"\x00\xff")
        assert ws.receive() == b"\x00\xff"


def test_async_for_ends_at_disconnect_and_teardown_runs(app, client):
    seen = []

    @app.websocket("/ws")
    async def handler():
        async for message in websocket:
            seen.append(message)
        seen.append(("closed", websocket.close_code, websocket.close_reason))

    @app.teardown_request
    def teardown(exc):
        seen.append(("teardown", exc))

    with client.websocket("/ws") as ws:
        ws.send("a")
        ws.send("b")
        ws.close(1001, "going away")
        # close() returns once the app has finished: teardown has run.
        assert seen == ["a", "b", ("closed", 1001, "going away"), ("teardown", None)]
    assert ws.close_code == 1001


def test_disconnect_raises_in_receive_with_code(app, client):
    caught = []

    @app.websocket("/ws")
    async def handler():
        try:
            await websocket.receive()
        except WebSocketDisconnect as e:
            caught.append((e.code, e.reason))
            # The connection is over: sending and receiving raise again.
            with pytest.raises(WebSocketDisconnect):
                await websocket.send("too late")
            with pytest.raises(WebSocketDisconnect):
                await websocket.receive()
            raise

    with client.websocket("/ws") as ws:
        ws.close(4000, "bye")
    assert caught == [(4000, "bye")]
    assert erlen.WebSocketDisconnect is WebSocketDisconnect


def test_handler_closes_with_code_and_reason(app, client):
    @app.websocket("/ws")
    async def handler():
        await websocket.accept()
        await websocket.send("last")
        await websocket.close(4001, "done here")

    with client.websocket("/ws") as ws:
        assert ws.receive() == "last"
        with pytest.raises(WebSocketDisconnect) as exc_info:
            ws.receive()
    assert (exc_info.value.code, exc_info.value.reason) == (4001, "done here")
    assert (ws.close_code, ws.close_reason) == (4001, "done here")


def test_handler_returning_closes_normally(app, client):
    @app.websocket("/ws")
    async def handler():
        await websocket.send("only")

    with client.websocket("/ws") as ws:
        assert ws.receive() == "only"
        with pytest.raises(WebSocketDisconnect) as exc_info:
            ws.receive()
    assert exc_info.value.code == 1000


def test_json_messages(app, client):
    @app.websocket("/ws")
    async def handler():
        data = await websocket.receive_json()
        await websocket.send_json({"sum": sum(data["n"]), "echo": data})

    with client.websocket("/ws") as ws:
        ws.send_json({"n": [1, 2, 3]})
        assert ws.receive_json() == {"sum": 6, "echo": {"n": [1, 2, 3]}}


def test_invalid_json_closes_with_1008_and_is_not_logged(app, client, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.websocket("/ws")
    async def handler():
        await websocket.receive_json()

    with client.websocket("/ws") as ws:
        ws.send("{not json")
        with pytest.raises(WebSocketDisconnect) as exc_info:
            ws.receive()
    assert exc_info.value.code == 1008
    assert "not valid JSON" in exc_info.value.reason
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_send_rejects_other_types(app, client):
    errors = []

    @app.websocket("/ws")
    async def handler():
        try:
            await websocket.send({"a": 1})  # type: ignore[arg-type]
        except TypeError as e:
            errors.append(str(e))
        await websocket.send("ok")

    with client.websocket("/ws") as ws:
        assert ws.receive() == "ok"
    assert "send_json" in errors[0]


def test_converters_pass_values_to_the_handler(app, client):
    @app.websocket("/rooms/<int:room>/<name>")
    async def room(room, name):
        await websocket.send_json(
            {
                "room": room,
                "name": name,
                "view_args": websocket.view_args,
                "type": type(room).__name__,
            }
        )

    with client.websocket("/rooms/7/ada") as ws:
        assert ws.receive_json() == {
            "room": 7,
            "name": "ada",
            "view_args": {"room": 7, "name": "ada"},
            "type": "int",
        }
    with pytest.raises(WebSocketRejected) as exc_info:
        with client.websocket("/rooms/seven/ada"):
            pass
    assert exc_info.value.status_code == 404


def test_handshake_attributes(app, client):
    client.set_cookie("flavour", "oat")

    @app.websocket("/ws/<int:n>", endpoint="numbered")
    async def handler(n):
        await websocket.accept(subprotocol="chat.v2", headers={"X-Server": "erlen"})
        await websocket.send_json(
            {
                "args": websocket.args.to_dict(),
                "header": websocket.headers.get("X-Token"),
                "cookie": websocket.cookies.get("flavour"),
                "path": websocket.path,
                "full_path": websocket.full_path,
                "url": websocket.url,
                "base_url": websocket.base_url,
                "scheme": websocket.scheme,
                "host": websocket.host,
                "remote_addr": websocket.remote_addr,
                "endpoint": websocket.endpoint,
                "subprotocols": websocket.requested_subprotocols,
                "chosen": websocket.subprotocol,
                "request_path": request.path,
                "is_request": websocket.request is request._get_current_object(),
            }
        )

    with client.websocket(
        "/ws/3?q=1&r=two",
        headers={"X-Token": "t0k"},
        subprotocols=["chat.v1", "chat.v2"],
    ) as ws:
        data = ws.receive_json()
        assert ws.subprotocol == "chat.v2"
        assert ws.accept_headers["X-Server"] == "erlen"
    assert data == {
        "args": {"q": "1", "r": "two"},
        "header": "t0k",
        "cookie": "oat",
        "path": "/ws/3",
        "full_path": "/ws/3?q=1&r=two",
        "url": "ws://localhost/ws/3?q=1&r=two",
        "base_url": "ws://localhost/ws/3",
        "scheme": "ws",
        "host": "localhost",
        "remote_addr": "127.0.0.1",
        "endpoint": "numbered",
        "subprotocols": ["chat.v1", "chat.v2"],
        "chosen": "chat.v2",
        "request_path": "/ws/3",
        "is_request": True,
    }


def test_secure_scheme_and_application_root(app, client):
    app.config["APPLICATION_ROOT"] = "/mount"

    @app.websocket("/ws")
    async def handler():
        await websocket.send_json([websocket.url, websocket.root_path, url_for("handler")])

    with client.websocket("/ws", base_url="https://example.test/mount") as ws:
        assert ws.receive_json() == [
            "wss://example.test/mount/ws",
            "/mount",
            "wss://example.test/mount/ws",
        ]


def test_accept_with_a_subprotocol_not_offered_is_an_error(app, client):
    errors = []

    @app.websocket("/ws")
    async def handler():
        try:
            await websocket.accept(subprotocol="nope")
        except ValueError as e:
            errors.append(str(e))
        await websocket.accept()
        with pytest.raises(RuntimeError, match="cannot be accepted"):
            await websocket.accept()
        await websocket.send("accepted")

    with client.websocket("/ws", subprotocols=["chat"]) as ws:
        assert ws.receive() == "accepted"
        assert ws.subprotocol is None
    assert "did not offer the subprotocol 'nope'" in errors[0]


def test_url_for_builds_websocket_urls(app, client):
    @app.websocket("/live/<int:room>")
    async def live(room):
        await websocket.send(url_for("page", _external=False))

    @app.route("/page")
    def page():
        return {
            "ws": url_for("live", room=3),
            "wss": url_for("live", room=3, _scheme="https", _external=True),
        }

    assert client.get("/page").json == {
        "ws": "ws://localhost/live/3",
        "wss": "wss://localhost/live/3",
    }
    assert client.get("/page", base_url="https://localhost").json["ws"] == "wss://localhost/live/3"
    with client.websocket("/live/1") as ws:
        assert ws.receive() == "/page"


def test_blueprint_websocket_with_prefix_and_subdomain(app, client):
    app.config["SERVER_NAME"] = "example.test"
    app.subdomain_matching = True
    bp = Blueprint("chat", __name__, url_prefix="/chat", subdomain="live")

    @bp.websocket("/<room>")
    async def room(room):
        await websocket.send_json(
            {"room": room, "endpoint": websocket.endpoint, "blueprint": websocket.blueprint}
        )

    @app.route("/links")
    def links():
        return {"room": url_for("chat.room", room="lobby")}

    app.register_blueprint(bp)

    with client.websocket("/chat/lobby", subdomain="live") as ws:
        assert ws.receive_json() == {
            "room": "lobby",
            "endpoint": "chat.room",
            "blueprint": "chat",
        }
    # Another subdomain does not match the route.
    with pytest.raises(WebSocketRejected) as exc_info:
        with client.websocket("/chat/lobby"):
            pass
    assert exc_info.value.status_code == 404
    assert client.get("/links").json == {"room": "ws://live.example.test/chat/lobby"}


def test_blueprint_registered_twice_with_url_prefix_option(app, client):
    bp = Blueprint("feed", __name__)

    @bp.websocket("/feed")
    async def feed():
        await websocket.send(websocket.endpoint or "")

    app.register_blueprint(bp, url_prefix="/a")
    app.register_blueprint(bp, url_prefix="/b", name="feed_b")

    for path, endpoint in (("/a/feed", "feed.feed"), ("/b/feed", "feed_b.feed")):
        with client.websocket(path) as ws:
            assert ws.receive() == endpoint


def test_session_and_g_in_the_handler(app, client):
    @app.route("/login/<name>")
    def login(name):
        session["user"] = name
        return "ok"

    @app.before_websocket
    def load_user():
        g.user = session.get("user")

    @app.websocket("/ws")
    async def handler():
        await websocket.send_json({"g": g.user, "session": session.get("user")})

    with client.websocket("/ws") as ws:
        assert ws.receive_json() == {"g": None, "session": None}
    client.get("/login/ada")
    with client.websocket("/ws") as ws:
        assert ws.receive_json() == {"g": "ada", "session": "ada"}


def test_abort_before_accept_answers_the_handshake(app, client):
    @app.websocket("/ws")
    async def handler():
        if websocket.args.get("token") != "secret":
            abort(401)
        await websocket.send("welcome")

    with pytest.raises(WebSocketRejected) as exc_info:
        with client.websocket("/ws"):
            pass
    assert exc_info.value.status_code == 401
    assert exc_info.value.response is not None
    assert exc_info.value.response.status_code == 401
    assert b"Unauthorized" in exc_info.value.response.data

    # A server without the websocket.http.response extension: the handshake is closed (403).
    with pytest.raises(WebSocketRejected) as exc_info:
        with client.websocket("/ws", http_response=False):
            pass
    assert exc_info.value.status_code == 403
    assert exc_info.value.response is None

    with client.websocket("/ws?token=secret") as ws:
        assert ws.receive() == "welcome"


def test_error_handler_answers_a_refused_handshake(app, client):
    @app.errorhandler(401)
    def unauthorized(e):
        return {"error": "log in first"}, 401, {"WWW-Authenticate": "Bearer"}

    @app.before_websocket
    def check():
        if "Authorization" not in request.headers:
            abort(401)

    @app.websocket("/ws")
    async def handler():
        await websocket.send("in")

    with pytest.raises(WebSocketRejected) as exc_info:
        with client.websocket("/ws"):
            pass
    response = exc_info.value.response
    assert response is not None
    assert response.json == {"error": "log in first"}
    assert response.headers["WWW-Authenticate"] == "Bearer"

    with client.websocket("/ws", headers={"Authorization": "Bearer x"}) as ws:
        assert ws.receive() == "in"


def test_before_websocket_return_value_refuses(app, client):
    @app.before_websocket
    async def gate():
        if websocket.args.get("closed"):
            return "maintenance", 503

    @app.websocket("/ws")
    async def handler():
        await websocket.send("open")

    with pytest.raises(WebSocketRejected) as exc_info:
        with client.websocket("/ws?closed=1"):
            pass
    assert exc_info.value.status_code == 503
    assert exc_info.value.response.text == "maintenance"
    with client.websocket("/ws") as ws:
        assert ws.receive() == "open"


def test_handler_return_value_before_accepting_is_the_answer(app, client):
    @app.websocket("/ws")
    async def handler():
        return {"reason": "not today"}, 409

    with pytest.raises(WebSocketRejected) as exc_info:
        with client.websocket("/ws"):
            pass
    assert exc_info.value.status_code == 409
    assert exc_info.value.response.json == {"reason": "not today"}


def test_handler_returning_none_without_accepting_is_refused(app, client):
    @app.websocket("/ws")
    async def handler():
        return None

    with pytest.raises(WebSocketRejected) as exc_info:
        with client.websocket("/ws"):
            pass
    assert exc_info.value.status_code == 403


def test_close_before_accepting_refuses(app, client):
    @app.websocket("/ws")
    async def handler():
        await websocket.close()
        assert websocket.closed and not websocket.accepted

    with pytest.raises(WebSocketRejected) as exc_info:
        with client.websocket("/ws"):
            pass
    assert exc_info.value.status_code == 403


def test_session_change_is_saved_into_a_refusal(app, client):
    @app.websocket("/ws")
    async def handler():
        session["tries"] = session.get("tries", 0) + 1
        abort(429)

    @app.route("/tries")
    def tries():
        return str(session.get("tries"))

    for _ in range(2):
        with pytest.raises(WebSocketRejected) as exc_info:
            with client.websocket("/ws"):
                pass
        assert exc_info.value.status_code == 429
    assert client.get("/tries").text == "2"


def test_unknown_path_and_http_only_route_are_refused(app, client):
    @app.route("/page")
    def page():
        return "page"

    with pytest.raises(WebSocketRejected) as exc_info:
        with client.websocket("/missing"):
            pass
    assert exc_info.value.status_code == 404

    with pytest.raises(WebSocketRejected) as exc_info:
        with client.websocket("/page"):
            pass
    assert exc_info.value.status_code == 400
    assert b"wrong protocol" in exc_info.value.response.data


def test_same_path_for_a_view_and_a_handler(app, client):
    @app.route("/chat")
    def chat_page():
        return "page"

    @app.websocket("/chat")
    async def chat_socket():
        await websocket.send("socket")

    assert client.get("/chat").text == "page"
    with client.websocket("/chat") as ws:
        assert ws.receive() == "socket"


def test_plain_http_request_to_a_websocket_route_is_400(app, client):
    @app.websocket("/ws")
    async def handler():
        await websocket.send("never")

    for response in (
        client.get("/ws"),
        # An upgrade request over WSGI matches the WebSocket rule, but WSGI cannot serve it.
        client.get("/ws", headers={"Connection": "Upgrade", "Upgrade": "websocket"}),
    ):
        assert response.status_code == 400
        assert b"WebSocket route accepts only WebSocket connections" in response.data
    # Another method: the router's 405, as for any route (Werkzeug's order of checks).
    assert client.post("/ws").status_code == 405


@pytest.mark.interface("wsgi", reason="the warning is the WSGI adapter's")
def test_wsgi_logs_a_warning_at_the_first_request(app, client, caplog):
    @app.websocket("/ws")
    async def handler():
        pass

    @app.route("/")
    def index():
        return "index"

    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        assert client.get("/").text == "index"
        assert client.get("/").text == "index"
    warnings = [r.getMessage() for r in caplog.records if "WebSocket routes" in r.getMessage()]
    assert len(warnings) == 1
    assert "/ws" in warnings[0] and "ASGI" in warnings[0]


def test_wsgi_without_websocket_routes_logs_nothing(app, client, caplog):
    @app.route("/")
    def index():
        return "index"

    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        client.get("/")
    assert not caplog.records


def test_handler_must_be_async(app):
    bp = Blueprint("bp", __name__)

    def sync_handler():
        pass

    with pytest.raises(TypeError, match="not an 'async def' function"):
        app.websocket("/ws")(sync_handler)
    with pytest.raises(TypeError, match="not an 'async def' function"):
        bp.websocket("/ws")(sync_handler)
    with pytest.raises(TypeError, match="no 'methods'"):
        app.websocket("/ws", methods=["POST"])


def test_sync_handler_added_as_a_rule_fails_at_connection(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def sync_handler():
        return None

    app.add_url_rule("/ws", view_func=sync_handler, websocket=True)
    with pytest.raises(WebSocketRejected) as exc_info:
        with client.websocket("/ws"):
            pass
    assert exc_info.value.status_code == 500


def test_exception_after_accept_closes_1011_logs_and_signals(app, client, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    signalled = []

    def on_exception(sender, exception, **kwargs):
        signalled.append((sender, type(exception)))

    @app.websocket("/ws")
    async def handler():
        message = await websocket.receive()
        if message == "boom":
            raise ZeroDivisionError("boom")
        await websocket.send(f"echo {message}")

    with got_request_exception.connected_to(on_exception, app):
        with client.websocket("/ws") as ws:
            ws.send("boom")
            with pytest.raises(WebSocketDisconnect) as exc_info:
                ws.receive()
        assert exc_info.value.code == 1011
        assert signalled == [(app, ZeroDivisionError)]
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert [r.getMessage() for r in errors] == ["Exception on /ws [GET]"]
        assert errors[0].exc_info[0] is ZeroDivisionError

        # The app keeps serving.
        with client.websocket("/ws") as ws:
            ws.send("hi")
            assert ws.receive() == "echo hi"


def test_exception_before_accept_answers_500(app, client, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.errorhandler(500)
    def server_error(e):
        return {"error": type(e.original_exception).__name__}, 500

    @app.websocket("/ws")
    async def handler():
        raise KeyError("missing")

    with pytest.raises(WebSocketRejected) as exc_info:
        with client.websocket("/ws"):
            pass
    assert exc_info.value.status_code == 500
    assert exc_info.value.response.json == {"error": "KeyError"}
    assert any(r.getMessage() == "Exception on /ws [GET]" for r in caplog.records)


def test_exception_propagates_to_the_test_client_in_testing_mode(app, client):
    torn_down = []

    @app.teardown_request
    def teardown(exc):
        torn_down.append(exc)

    @app.websocket("/ws")
    async def handler():
        await websocket.receive()
        raise LookupError("from the handler")

    with client.websocket("/ws") as ws:
        ws.send("go")
        with pytest.raises(LookupError, match="from the handler"):
            ws.receive()
    assert len(torn_down) == 1 and isinstance(torn_down[0], LookupError)
    assert ws.close_code == 1011


def test_hook_exception_propagates_at_the_handshake_in_testing_mode(app, client):
    torn_down = []

    @app.teardown_request
    def teardown(exc):
        torn_down.append(type(exc))

    @app.before_websocket
    def broken():
        raise ValueError("hook")

    @app.websocket("/ws")
    async def handler():
        await websocket.send("never")

    with pytest.raises(ValueError, match="hook"):
        with client.websocket("/ws"):
            pass
    assert torn_down == [ValueError]


def test_should_ignore_error_hides_it_from_teardown(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.should_ignore_error = lambda error: isinstance(error, ValueError)  # type: ignore[method-assign]
    torn_down = []

    @app.teardown_request
    def teardown(exc):
        torn_down.append(exc)

    @app.websocket("/ws")
    async def handler():
        await websocket.accept()
        raise ValueError("ignored")

    with client.websocket("/ws") as ws:
        with pytest.raises(WebSocketDisconnect):
            ws.receive()
    assert torn_down == [None]


def test_http_error_after_accept_closes_with_1008_or_1011(app, client, caplog):
    @app.websocket("/ws/<int:status>")
    async def handler(status):
        await websocket.accept()
        abort(status)

    for status, code in ((403, 1008), (503, 1011)):
        with client.websocket(f"/ws/{status}") as ws:
            with pytest.raises(WebSocketDisconnect) as exc_info:
                ws.receive()
        assert exc_info.value.code == code
        assert exc_info.value.reason  # the error's description, cut to fit a close frame
        assert len(exc_info.value.reason.encode()) <= 123
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _on_loop() -> bool:
    """Whether the calling thread is running an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def test_hooks_order_scopes_and_threads(app, client):
    calls = []
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @app.before_request
    def http_only():
        calls.append("before_request")

    @app.before_websocket
    def app_before():
        calls.append(("app_before", _on_loop()))

    @bp.before_websocket
    async def bp_before():
        calls.append(("bp_before", _on_loop()))

    @bp.before_app_websocket
    def bp_app_wide_before():
        calls.append("bp_app_wide_before")

    @app.after_websocket
    def app_after(response):
        calls.append(("app_after", response))
        return response

    @bp.after_websocket
    async def bp_after(response):
        calls.append(("bp_after", response))
        return response

    @bp.after_app_websocket
    def bp_app_wide_after(response):
        calls.append(("bp_app_wide_after", response))
        return response

    @app.websocket("/ws")
    async def app_ws():
        await websocket.send("app")

    @bp.websocket("/ws")
    async def bp_ws():
        await websocket.send("bp")

    @app.url_value_preprocessor
    def preprocess(endpoint, values):
        calls.append(("preprocess", endpoint))

    app.register_blueprint(bp)

    with client.websocket("/ws") as ws:
        assert ws.receive() == "app"
    assert calls == [
        ("preprocess", "app_ws"),
        ("app_before", False),
        "bp_app_wide_before",
        ("bp_app_wide_after", None),
        ("app_after", None),
    ]
    calls.clear()

    with client.websocket("/bp/ws") as ws:
        assert ws.receive() == "bp"
    assert calls == [
        ("preprocess", "bp.bp_ws"),
        ("app_before", False),  # sync hooks run in the thread pool, off the loop
        "bp_app_wide_before",
        ("bp_before", True),  # async hooks run on the server's loop
        ("bp_after", None),
        ("bp_app_wide_after", None),
        ("app_after", None),
    ]
    assert "before_request" not in calls


def test_after_websocket_receives_and_replaces_a_refusal(app, client):
    @app.after_websocket
    def tag(response):
        if response is not None:
            response.headers["X-Refused"] = "yes"
        return response

    @app.websocket("/ws")
    async def handler():
        abort(403)

    with pytest.raises(WebSocketRejected) as exc_info:
        with client.websocket("/ws"):
            pass
    assert exc_info.value.response.headers["X-Refused"] == "yes"


def test_async_teardown_and_g_cleanup(app, client):
    torn_down = []

    @app.teardown_appcontext
    async def close_resources(exc):
        await asyncio.sleep(0)
        torn_down.append(g.get("resource"))

    @app.websocket("/ws")
    async def handler():
        g.resource = "db"
        await websocket.send("x")

    with client.websocket("/ws") as ws:
        assert ws.receive() == "x"
    assert torn_down == ["db"]


def test_concurrent_connections_talk_through_the_loop(app, client):
    rooms: dict[str, list[asyncio.Queue[str]]] = {}

    @app.websocket("/room/<name>")
    async def room(name):
        inbox: asyncio.Queue[str] = asyncio.Queue()
        members = rooms.setdefault(name, [])
        members.append(inbox)
        await websocket.send("joined")

        async def forward():
            while True:
                await websocket.send(await inbox.get())

        forwarder = asyncio.ensure_future(forward())
        try:
            async for message in websocket:
                for other in members:
                    if other is not inbox:
                        other.put_nowait(message)
        finally:
            forwarder.cancel()
            members.remove(inbox)

    with client.websocket("/room/a") as ada, client.websocket("/room/a") as bob:
        assert ada.receive() == "joined"
        assert bob.receive() == "joined"
        ada.send("hi bob")
        assert bob.receive() == "hi bob"
        bob.send("hi ada")
        assert ada.receive() == "hi ada"
    assert rooms == {"a": []}


def test_websocket_proxy_outside_a_connection(app, client):
    @app.route("/")
    def index():
        try:
            websocket.path  # noqa: B018
        except RuntimeError as e:
            return str(e)
        return "bound"

    assert "Working outside of websocket context" in client.get("/").text


def test_receive_timeout_when_the_app_sends_nothing(app, client):
    @app.websocket("/ws")
    async def handler():
        await websocket.accept()
        async for _ in websocket:
            pass

    with client.websocket("/ws", timeout=0.2) as ws:
        with pytest.raises(TimeoutError, match="no WebSocket message"):
            ws.receive()


def test_client_context_does_not_leak_into_the_test(app, client):
    @app.websocket("/ws")
    async def handler():
        await websocket.send(str(erlen.has_request_context()))

    with client.websocket("/ws") as ws:
        assert ws.receive() == "True"
    assert not erlen.has_request_context()
    assert not erlen.has_app_context()


def test_sync_hooks_share_one_thread_per_connection(app, client):
    threads = []

    @app.before_websocket
    def before():
        threads.append(threading.get_ident())

    @app.after_websocket
    def after(response):
        threads.append(threading.get_ident())
        return response

    @app.websocket("/ws")
    async def handler():
        threads.append(("loop", threading.get_ident()))
        await websocket.send("x")

    with client.websocket("/ws") as ws:
        assert ws.receive() == "x"
    before_thread, (_, loop_thread), after_thread = threads
    assert before_thread == after_thread != loop_thread


def test_sync_inline_runs_sync_hooks_on_the_loop(app, client):
    app.config["ASGI_SYNC_INLINE"] = True
    seen = []

    @app.before_websocket
    def before():
        seen.append(_on_loop())

    @app.websocket("/ws")
    async def handler():
        await websocket.send("x")

    with client.websocket("/ws") as ws:
        assert ws.receive() == "x"
    assert seen == [True]
