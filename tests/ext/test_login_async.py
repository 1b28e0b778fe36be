"""erlen.ext.login in async code: ``async def`` loaders and handlers, decorated ``async def``
views, ``aget_user``, and the error that names the fix when async code reads an unloaded
user."""

from __future__ import annotations

import asyncio
import inspect
import threading

import pytest

from erlen import request
from erlen.ext.login import (
    LoginManager,
    UserMixin,
    aget_user,
    current_user,
    fresh_login_required,
    login_required,
    login_user,
)


class User(UserMixin):
    def __init__(self, id: int, name: str) -> None:
        self.id = id
        self.name = name


USERS = {1: User(1, "ada"), 2: User(2, "bob")}


@pytest.fixture
def calls():
    """(callback name, thread it ran on, whether it ran inside an event loop)."""
    return []


def _record(calls, name):
    try:
        asyncio.get_running_loop()
        on_loop = True
    except RuntimeError:
        on_loop = False
    calls.append((name, threading.current_thread(), on_loop))


@pytest.fixture
def manager(app, calls):
    manager = LoginManager(app)

    @manager.user_loader
    async def load_user(user_id):
        await asyncio.sleep(0)
        _record(calls, "user_loader")
        return USERS.get(int(user_id))

    @app.route("/login/<int:uid>")
    def login(uid):
        return str(login_user(USERS[uid], remember="remember" in request.args))

    return manager


def test_decorators_keep_coroutine_functions():
    async def view():
        return ""

    def sync_view():
        return ""

    assert inspect.iscoroutinefunction(login_required(view))
    assert inspect.iscoroutinefunction(fresh_login_required(view))
    assert not inspect.iscoroutinefunction(login_required(sync_view))
    assert login_required(view).__name__ == "view"


def test_async_loader_from_a_sync_view(manager, app, client, calls):
    @app.route("/me")
    def me():
        return current_user.name if current_user.is_authenticated else "anonymous"

    client.get("/login/1")
    assert client.get("/me").text == "ada"
    # The sync view ran the async loader to completion on erlen's loop thread.
    ((name, thread, on_loop),) = calls
    assert name == "user_loader" and on_loop and thread is not threading.current_thread()


def test_login_required_async_view_awaits_the_loader(manager, app, client, calls):
    @app.route("/secret")
    @login_required
    async def secret():
        await asyncio.sleep(0)
        return f"secret for {current_user.name}"

    assert client.get("/secret").status_code == 401
    client.get("/login/2")
    assert client.get("/secret").text == "secret for bob"
    ((name, _, on_loop),) = calls
    assert name == "user_loader" and on_loop


def test_async_view_with_aget_user(manager, app, client):
    @app.route("/me")
    async def me():
        user = await aget_user()
        # Loaded now: current_user reads it without another call.
        assert user is current_user._get_current_object()
        return user.name if user.is_authenticated else "anonymous"

    assert client.get("/me").text == "anonymous"
    client.get("/login/1")
    assert client.get("/me").text == "ada"


def test_aget_user_outside_a_request(app):
    assert asyncio.run(aget_user()) is None


def test_unloaded_user_in_async_code_names_the_fix(manager, app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.route("/me")
    async def me():
        return current_user.name

    client.get("/login/1")
    with pytest.raises(RuntimeError, match=r"await aget_user\(\)"):
        client.get("/me")


def test_async_handlers_in_async_views(manager, app, client, calls):
    @manager.unauthorized_handler
    async def unauthorized():
        await asyncio.sleep(0)
        _record(calls, "unauthorized")
        return {"error": "log in"}, 401

    @manager.needs_refresh_handler
    async def needs_refresh():
        _record(calls, "needs_refresh")
        return {"error": "log in again"}, 401

    @app.route("/secret")
    @login_required
    async def secret():
        return "secret"

    @app.route("/very-secret")
    @fresh_login_required
    async def very_secret():
        return "very secret"

    assert client.get("/secret").json == {"error": "log in"}
    client.get("/login/1?remember")
    assert client.get("/very-secret").text == "very secret"
    client.delete_cookie("session", domain="localhost")
    assert client.get("/very-secret").json == {"error": "log in again"}
    assert [name for name, _, _ in calls if name != "user_loader"] == [
        "unauthorized",
        "needs_refresh",
    ]


def test_async_handler_from_a_sync_view(manager, app, client):
    @manager.unauthorized_handler
    async def unauthorized():
        return "go away", 403

    @app.route("/secret")
    @login_required
    def secret():
        return "secret"

    assert client.get("/secret").status_code == 403


def test_sync_loader_in_async_view(app, client):
    manager = LoginManager(app)

    @manager.user_loader
    def load_user(user_id):
        return USERS.get(int(user_id))

    @app.route("/login")
    def login():
        return str(login_user(USERS[1]))

    @app.route("/me")
    async def me():
        # A sync loader is simply called, even from the event loop.
        return current_user.name if current_user.is_authenticated else "anonymous"

    client.get("/login")
    assert client.get("/me").text == "ada"


def test_async_request_loader(app, client):
    manager = LoginManager(app)

    @manager.request_loader
    async def from_token(request):
        await asyncio.sleep(0)
        return USERS[2] if request.headers.get("Authorization") == "Bearer bob" else None

    @app.route("/api")
    @login_required
    async def api():
        return {"user": current_user.name}

    assert client.get("/api").status_code == 401
    assert client.get("/api", headers={"Authorization": "Bearer bob"}).json == {"user": "bob"}


def test_concurrent_async_requests_keep_their_own_user(manager, app, calls):
    """Two users' requests interleaved on the loop each see their own user."""
    started = threading.Barrier(2, timeout=5)

    @app.route("/me")
    @login_required
    async def me():
        await asyncio.get_running_loop().run_in_executor(None, started.wait)
        await asyncio.sleep(0)
        return current_user.name

    clients = [app.test_client(), app.test_client()]
    clients[0].get("/login/1")
    clients[1].get("/login/2")
    results = {}

    def fetch(i):
        results[i] = clients[i].get("/me").text

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(10)
    assert results == {0: "ada", 1: "bob"}
