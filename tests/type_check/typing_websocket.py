"""Type-checked, never run: WebSocket handlers, their hooks, the proxy and the test client."""

from __future__ import annotations

import typing as t

from typing_extensions import assert_type

from erlen import Blueprint, Flask, Response, WebSocketDisconnect, websocket
from erlen.asgi.testing_ws import WebSocketRejected, WebSocketTestSession

app = Flask(__name__)
bp = Blueprint("live", __name__, url_prefix="/live")


@app.websocket("/echo/<int:room>")
async def echo(room: int) -> None:
    await websocket.accept(subprotocol="chat", headers={"X-Room": str(room)})
    message = await websocket.receive()
    assert_type(message, str | bytes)
    await websocket.send(message)
    data = await websocket.receive_json()
    await websocket.send_json({"room": room, "data": data})
    async for other in websocket:
        assert_type(other, str | bytes)
    try:
        await websocket.receive()
    except WebSocketDisconnect as e:
        assert_type(e.code, int)
    await websocket.close(1000, "bye")


# The decorator keeps the handler's signature.
handler: t.Callable[[int], t.Awaitable[None]] = echo


@bp.websocket("/feed")
async def feed() -> tuple[str, int] | None:
    if "token" not in websocket.args:
        return "log in first", 401
    await websocket.send(websocket.url)
    return None


@app.before_websocket
def check() -> None:
    assert_type(websocket.requested_subprotocols, list[str])


@bp.before_websocket
async def acheck() -> str | None:
    return None if websocket.origin is None else "refused"


@app.after_websocket
def after(response: Response | None) -> Response | None:
    return response


@bp.after_app_websocket
async def aafter(response: Response | None) -> Response | None:
    return response


client = app.test_client()
session = client.websocket("/echo/1", headers={"Origin": "http://x"}, subprotocols=["chat"])
assert_type(session, WebSocketTestSession)
with session as ws:
    ws.send("hi")
    ws.send(b"\x00")
    assert_type(ws.receive(), str | bytes)
    ws.send_json({"a": 1})
    ws.close(1001)
    assert_type(ws.close_code, int | None)
try:
    with client.websocket("/live/feed"):
        pass
except WebSocketRejected as e:
    assert_type(e.status_code, int)
