"""erlen.ext.jwt at WebSocket handshakes: a token in the query string or the
``Authorization`` header, checked by ``@jwt_required()`` on an ``async def`` handler or by
``verify_jwt_in_request()`` in a ``before_websocket`` function; a missing or bad token
refuses the handshake with the extension's 401/422 answer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from erlen import websocket
from erlen.asgi.testing_ws import WebSocketRejected
from erlen.ext.jwt import (
    JWTManager,
    create_access_token,
    current_user,
    get_jwt_identity,
    get_jwt_request_location,
    jwt_required,
    verify_jwt_in_request,
)

SECRET = "s" * 64


@pytest.fixture
def manager(app):
    app.config["JWT_SECRET_KEY"] = SECRET
    app.config["JWT_TOKEN_LOCATION"] = ["headers", "query_string"]
    return JWTManager(app)


def _token(app, identity="ada", **kwargs):
    with app.app_context():
        return create_access_token(identity, **kwargs)


def _refusal(client, path, **kwargs):
    with pytest.raises(WebSocketRejected) as exc_info:
        with client.websocket(path, **kwargs):
            pass
    return exc_info.value


def test_jwt_required_on_an_async_handler(app, client, manager):
    @app.websocket("/ws")
    @jwt_required()
    async def handler():
        await websocket.send_json(
            {"identity": get_jwt_identity(), "location": get_jwt_request_location()}
        )

    token = _token(app)
    with client.websocket(f"/ws?jwt={token}") as ws:
        assert ws.receive_json() == {"identity": "ada", "location": "query_string"}
    with client.websocket("/ws", headers={"Authorization": f"Bearer {token}"}) as ws:
        assert ws.receive_json() == {"identity": "ada", "location": "headers"}

    refused = _refusal(client, "/ws")
    assert refused.status_code == 401
    assert refused.response.json["msg"].startswith("Missing JWT in headers or query_string")

    refused = _refusal(client, "/ws?jwt=not.a.token")
    assert refused.status_code == 422

    expired = _token(app, expires_delta=timedelta(seconds=-1))
    refused = _refusal(client, f"/ws?jwt={expired}")
    assert refused.status_code == 401
    assert refused.response.json == {"msg": "Token has expired"}


def test_verify_in_before_websocket_and_current_user(app, client, manager):
    users = {"ada": {"name": "Ada Lovelace"}}

    @manager.user_lookup_loader
    def lookup(header, payload):
        return users.get(payload["sub"])

    @app.before_websocket
    def check_token():
        verify_jwt_in_request()

    @app.websocket("/ws")
    async def handler():
        async for message in websocket:
            await websocket.send(f"{current_user['name']}: {message}")

    with client.websocket("/ws", query_string={"jwt": _token(app)}) as ws:
        ws.send("hello")
        assert ws.receive() == "Ada Lovelace: hello"

    refused = _refusal(client, "/ws", query_string={"jwt": _token(app, "nobody")})
    assert refused.status_code == 401
    assert refused.response.json == {"msg": "Error loading the user nobody"}
