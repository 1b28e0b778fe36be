"""erlen.ext.cors on WebSocket handshakes: ``CORS(app)`` registers its origin check on
``before_websocket``, so a handshake from an origin the matching resource doesn't allow is
refused with 403 (browsers don't apply CORS to websockets)."""

from __future__ import annotations

import pytest

from erlen import Blueprint, websocket
from erlen.asgi.testing_ws import WebSocketRejected
from erlen.ext.cors import CORS


def _status(client, path, origin=None):
    """The handshake's outcome: 101 when accepted, else the refusal's status."""
    headers = {"Origin": origin} if origin is not None else None
    try:
        with client.websocket(path, headers=headers) as ws:
            assert ws.receive() == "hi"
    except WebSocketRejected as e:
        return e.status_code
    return 101


@pytest.fixture
def hello():
    async def hello():
        await websocket.send("hi")

    return hello


def test_app_wide_cors_checks_handshake_origins(app, client, hello):
    CORS(app, resources={r"/ws/*": {"origins": ["https://good.test"]}})
    app.websocket("/ws/chat")(hello)
    app.websocket("/open", endpoint="open")(hello)

    assert _status(client, "/ws/chat", "https://good.test") == 101
    assert _status(client, "/ws/chat", "https://evil.test") == 403
    assert _status(client, "/ws/chat") == 101  # not from a browser page
    assert _status(client, "/ws/chat", "http://localhost") == 101  # the app's own pages
    assert _status(client, "/open", "https://evil.test") == 101  # outside the resources


def test_refusal_is_403_with_or_without_the_http_response_extension(app, client, hello):
    CORS(app, origins="https://good.test")
    app.websocket("/ws")(hello)

    for http_response in (True, False):
        with pytest.raises(WebSocketRejected) as exc_info:
            with client.websocket(
                "/ws", headers={"Origin": "https://evil.test"}, http_response=http_response
            ):
                pass
        assert exc_info.value.status_code == 403
    assert exc_info.value.response is None
    with pytest.raises(WebSocketRejected) as exc_info:
        with client.websocket("/ws", headers={"Origin": "https://evil.test"}):
            pass
    assert exc_info.value.response is not None
    assert exc_info.value.response.status_code == 403


def test_blueprint_cors_checks_only_its_websockets(app, client, hello):
    bp = Blueprint("api", __name__, url_prefix="/api")
    bp.websocket("/ws")(hello)
    CORS(bp, origins="https://good.test")
    app.register_blueprint(bp)
    app.websocket("/ws")(hello)

    assert _status(client, "/api/ws", "https://evil.test") == 403
    assert _status(client, "/api/ws", "https://good.test") == 101
    assert _status(client, "/ws", "https://evil.test") == 101
