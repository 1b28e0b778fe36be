"""erlen.ext.login in WebSocket handlers: ``current_user`` comes from the handshake's session
(or remember-me) cookie, ``@login_required`` refuses the handshake, and an ``async def``
``user_loader`` is awaited with ``aget_user()``."""

from __future__ import annotations

import asyncio

import pytest

from erlen import websocket
from erlen.asgi.testing_ws import WebSocketRejected
from erlen.ext.login import (
    LoginManager,
    UserMixin,
    aget_user,
    current_user,
    login_required,
    login_user,
)


class User(UserMixin):
    def __init__(self, id: int, name: str) -> None:
        self.id = id
        self.name = name


USERS = {1: User(1, "ada"), 2: User(2, "bob")}


def _login_route(app):
    @app.route("/login/<int:uid>")
    def login(uid):
        login_user(USERS[uid], remember=bool(uid == 2))
        return "ok"


@pytest.fixture
def manager(app):
    manager = LoginManager(app)

    @manager.user_loader
    def load_user(user_id):
        return USERS.get(int(user_id))

    _login_route(app)
    return manager


def test_current_user_from_the_handshake_session(app, client, manager):
    @app.websocket("/ws")
    async def handler():
        await websocket.send_json(
            {"auth": current_user.is_authenticated, "name": getattr(current_user, "name", None)}
        )

    with client.websocket("/ws") as ws:
        assert ws.receive_json() == {"auth": False, "name": None}
    client.get("/login/1")
    with client.websocket("/ws") as ws:
        assert ws.receive_json() == {"auth": True, "name": "ada"}


def test_remember_cookie_logs_the_handshake_in(app, client, manager):
    @app.websocket("/ws")
    async def handler():
        await websocket.send(current_user.name)

    client.get("/login/2")
    client.delete_cookie("session")  # only the remember-me cookie is left
    assert client.get_cookie("remember_token") is not None
    with client.websocket("/ws") as ws:
        assert ws.receive() == "bob"


def test_login_required_refuses_the_handshake(app, client, manager):
    @app.websocket("/ws")
    @login_required
    async def handler():
        await websocket.send(f"hello {current_user.name}")

    with pytest.raises(WebSocketRejected) as exc_info:
        with client.websocket("/ws"):
            pass
    assert exc_info.value.status_code == 401

    @app.route("/login")
    def login_page():
        return "log in"

    manager.login_view = "login_page"
    with pytest.raises(WebSocketRejected) as exc_info:
        with client.websocket("/ws"):
            pass
    assert exc_info.value.status_code == 302
    assert exc_info.value.response.location.startswith("/login")

    client.get("/login/1")
    with client.websocket("/ws") as ws:
        assert ws.receive() == "hello ada"


def test_async_user_loader_with_aget_user(app, client):
    manager = LoginManager(app)

    @manager.user_loader
    async def load_user(user_id):
        await asyncio.sleep(0)
        return USERS.get(int(user_id))

    _login_route(app)

    @app.websocket("/ws")
    async def handler():
        user = await aget_user()
        await websocket.send(user.name if user.is_authenticated else "anonymous")

    with client.websocket("/ws") as ws:
        assert ws.receive() == "anonymous"
    client.get("/login/1")
    with client.websocket("/ws") as ws:
        assert ws.receive() == "ada"
