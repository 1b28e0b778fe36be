"""``erlen.asgi.websocket.handle_websocket`` driven with raw ASGI messages, for what the test
client cannot express: a client that leaves before the handshake, a server whose ``send``
fails, a cancelled connection, scopes as different servers build them, hostile handshakes."""

from __future__ import annotations

import asyncio
import logging
import typing as t

import pytest

from erlen import request, websocket
from erlen.asgi.websocket import WebSocketDisconnect, handle_websocket


def _scope(path: str = "/ws", **overrides: t.Any) -> dict[str, t.Any]:
    scope: dict[str, t.Any] = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "path": path,
        "query_string": b"",
        "headers": [(b"host", b"example.test")],
        "client": ("10.0.0.7", 5123),
        "server": ("example.test", 80),
        "subprotocols": [],
    }
    scope.update(overrides)
    return scope


class Peer:
    """The server's side: scripted incoming messages, recorded outgoing ones."""

    def __init__(self, *incoming: dict[str, t.Any], fail_send_after: int | None = None) -> None:
        self.incoming: asyncio.Queue[dict[str, t.Any]] = asyncio.Queue()
        for message in incoming:
            self.incoming.put_nowait(message)
        self.sent: list[dict[str, t.Any]] = []
        self.fail_send_after = fail_send_after

    async def receive(self) -> dict[str, t.Any]:
        return await self.incoming.get()

    async def send(self, message: dict[str, t.Any]) -> None:
        if self.fail_send_after is not None and len(self.sent) >= self.fail_send_after:
            raise OSError("the client has gone")
        self.sent.append(message)


def _run(app, scope, peer):
    asyncio.run(handle_websocket(app, scope, peer.receive, peer.send))


CONNECT = {"type": "websocket.connect"}


def test_client_gone_before_the_handshake(app):
    ran = []

    @app.websocket("/ws")
    async def handler():
        ran.append(True)

    peer = Peer({"type": "websocket.disconnect", "code": 1006})
    _run(app, _scope(), peer)
    assert peer.sent == [] and ran == []


def test_failed_send_is_a_disconnect(app, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    seen = []

    @app.websocket("/ws")
    async def handler():
        await websocket.accept()
        try:
            await websocket.send("lost")
        except WebSocketDisconnect as e:
            seen.append(e.code)
            raise

    peer = Peer(CONNECT, fail_send_after=1)  # the accept goes out, the message fails
    _run(app, _scope(), peer)
    assert [m["type"] for m in peer.sent] == ["websocket.accept"]
    assert seen == [1006]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_cancelled_connection_runs_teardown(app):
    torn_down = []
    started = asyncio.Event()

    @app.teardown_request
    def teardown(exc):
        torn_down.append(exc)

    @app.websocket("/ws")
    async def handler():
        started.set()
        await websocket.receive()  # never answered

    async def main():
        peer = Peer(CONNECT)
        task = asyncio.ensure_future(handle_websocket(app, _scope(), peer.receive, peer.send))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return peer

    peer = asyncio.run(main())
    assert torn_down == [None]
    assert [m["type"] for m in peer.sent] == ["websocket.accept"]


def test_scope_shapes(app):
    @app.websocket("/ws/<name>")
    async def handler(name):
        await websocket.send_json(
            {
                "name": name,
                "url": websocket.url,
                "root": websocket.root_path,
                "remote": websocket.remote_addr,
                "cookies": websocket.cookies.to_dict(),
                "upgrade": request.websocket_upgrade,
                "secure": request.is_secure,
            }
        )

    # The root path included in ``path`` (as uvicorn sends it) or not; no Upgrade header
    # passed on; repeated Cookie headers; wss.
    for path in ("/app/ws/ada", "/ws/ada"):
        peer = Peer(CONNECT)
        scope = _scope(
            path,
            root_path="/app",
            scheme="wss",
            headers=[(b"host", b"example.test"), (b"cookie", b"a=1"), (b"cookie", b"b=2")],
        )
        _run(app, scope, peer)
        assert peer.sent[0]["type"] == "websocket.accept"
        assert app.json.loads(peer.sent[1]["text"]) == {
            "name": "ada",
            "url": "wss://example.test/app/ws/ada",
            "root": "/app",
            "remote": "10.0.0.7",
            "cookies": {"a": "1", "b": "2"},
            "upgrade": True,
            "secure": True,
        }


def test_no_client_no_server_in_scope(app):
    @app.websocket("/ws")
    async def handler():
        await websocket.send(f"{websocket.host}|{websocket.remote_addr}")

    peer = Peer(CONNECT)
    _run(app, _scope(headers=[], client=None, server=None), peer)
    # Neither a Host header nor a server address: the request's host is empty.
    assert peer.sent[1]["text"] == "|None"


def test_untrusted_host_is_refused_with_400(app):
    app.config["TRUSTED_HOSTS"] = ["good.test"]

    reprs = []

    @app.before_websocket
    def remember():
        reprs.append(repr(websocket._get_current_object()))

    @app.websocket("/ws")
    async def handler():
        await websocket.send("in")

    peer = Peer(CONNECT)
    _run(
        app,
        _scope(headers=[(b"host", b"evil.test")], extensions={"websocket.http.response": {}}),
        peer,
    )
    assert [m["type"] for m in peer.sent] == [
        "websocket.http.response.start",
        "websocket.http.response.body",
    ]
    assert peer.sent[0]["status"] == 400

    peer = Peer(CONNECT)
    _run(app, _scope(headers=[(b"host", b"good.test")]), peer)
    assert peer.sent[1]["text"] == "in"
    # The refused connection ran no hook; the accepted one shows its URL.
    assert reprs == ["<WebSocket 'ws://good.test/ws' [pending]>"]


def test_refusal_without_the_extension_closes(app):
    peer = Peer(CONNECT)
    _run(app, _scope("/missing"), peer)
    assert peer.sent == [{"type": "websocket.close", "code": 1008, "reason": ""}]


def test_hostile_path_and_query(app):
    @app.websocket("/ws/<path:rest>")
    async def handler(rest):
        await websocket.send_json([rest, websocket.args.getlist("q")])

    peer = Peer(CONNECT)
    _run(
        app,
        _scope("/ws/../../etc/pässwd\x00", query_string=b"q=%ff%fe&q=%zz&q"),
        peer,
    )
    assert peer.sent[0]["type"] == "websocket.accept"
    rest, q = app.json.loads(peer.sent[1]["text"])
    assert rest == "../../etc/pässwd\x00"
    assert q == ["\ufffd\ufffd", "%zz", ""]


def test_long_close_reason_is_cut_to_fit_a_frame(app):
    @app.websocket("/ws")
    async def handler():
        await websocket.accept()
        from erlen import abort

        abort(400, "é" * 200)

    peer = Peer(CONNECT)
    _run(app, _scope(), peer)
    close = peer.sent[-1]
    assert close["type"] == "websocket.close" and close["code"] == 1008
    assert len(close["reason"].encode()) <= 123
    assert close["reason"] == "é" * 61


def test_repr_survives_an_untrusted_host(app):
    from erlen.asgi.websocket import WebSocket, _handshake_request

    scope = _scope(headers=[(b"host", b"evil.test")])
    req = _handshake_request(app, scope)
    req.trusted_hosts = ["good.test"]
    peer = Peer()
    ws = WebSocket(req, scope, peer.receive, peer.send, app.json)
    assert repr(ws) == "<WebSocket '/ws' [pending]>"


def test_before_serving_without_lifespan_runs_before_the_first_connection(app):
    # A server without lifespan (uvicorn --lifespan off, granian's asginl) whose first
    # request is a websocket connection: the before_serving functions run before its
    # handler, once, as before a first HTTP request. ASGI only: websockets and the
    # lifespan protocol do not exist under WSGI.
    events = []
    app.before_serving(lambda: events.append("start"))

    @app.websocket("/ws")
    async def handler():
        await websocket.accept()
        events.append(await websocket.receive())

    @app.get("/")
    def index():
        events.append("index")
        return "ok"

    async def main():
        for text in ("one", "two"):
            peer = Peer(CONNECT, {"type": "websocket.receive", "text": text})
            await handle_websocket(app, _scope(), peer.receive, peer.send)
            assert peer.sent[0]["type"] == "websocket.accept"
        sent = []

        async def receive():
            return {"type": "http.request", "body": b""}

        async def send(message):
            sent.append(message)

        http_scope = {**_scope("/"), "type": "http", "method": "GET", "scheme": "http"}
        await app(http_scope, receive, send)
        assert sent[0]["status"] == 200

    asyncio.run(main())
    assert events == ["start", "one", "two", "index"]
