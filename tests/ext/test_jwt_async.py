"""erlen.ext.jwt in async code: ``async def`` views under ``@jwt_required``, ``async def``
loaders awaited on the running loop, the async forms (averify_jwt_in_request,
acreate_access_token, acreate_refresh_token, adecode_token), and the error that names them
when sync code on the loop meets an async loader."""

from __future__ import annotations

import asyncio
import inspect
import threading

import pytest

from erlen import jsonify
from erlen.ext.jwt import (
    JWTManager,
    acreate_access_token,
    acreate_refresh_token,
    adecode_token,
    averify_jwt_in_request,
    create_access_token,
    current_user,
    decode_token,
    get_jwt,
    get_jwt_identity,
    jwt_required,
)

SECRET = "s" * 64


def _on_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.fixture
def calls():
    """(loader name, whether it ran inside a running event loop, its thread)."""
    return []


@pytest.fixture
def jwt(app, calls):
    app.config["JWT_SECRET_KEY"] = SECRET
    manager = JWTManager(app)
    revoked = {"gone"}

    @manager.user_lookup_loader
    async def lookup(header, data):
        await asyncio.sleep(0)
        calls.append(("user_lookup", _on_loop(), threading.current_thread()))
        return None if data["sub"] == "nobody" else {"name": data["sub"]}

    @manager.token_in_blocklist_loader
    async def in_blocklist(header, data):
        await asyncio.sleep(0)
        calls.append(("blocklist", _on_loop(), threading.current_thread()))
        return data["sub"] in revoked

    @manager.token_verification_loader
    async def verify(header, data):
        calls.append(("verify", _on_loop(), threading.current_thread()))
        return data["sub"] != "mallory"

    @manager.decode_key_loader
    async def decode_key(header, data):
        calls.append(("decode_key", _on_loop(), threading.current_thread()))
        return SECRET

    @manager.additional_claims_loader
    async def claims(identity):
        await asyncio.sleep(0)
        return {"role": "admin" if identity == "ada" else "user"}

    return manager


def token(app, identity="ada"):
    with app.test_request_context():
        return create_access_token(identity)


def bearer(value):
    return {"Authorization": f"Bearer {value}"}


def test_decorator_keeps_the_kind_of_function():
    async def async_view():
        return ""

    def sync_view():
        return ""

    assert inspect.iscoroutinefunction(jwt_required()(async_view))
    assert inspect.iscoroutinefunction(jwt_required(optional=True)(async_view))
    assert not inspect.iscoroutinefunction(jwt_required()(sync_view))
    assert jwt_required()(async_view).__name__ == "async_view"


def test_async_view_awaits_async_loaders_on_the_loop(jwt, app, client, calls):
    @app.route("/me")
    @jwt_required()
    async def me():
        await asyncio.sleep(0)
        return jsonify(name=current_user["name"], role=get_jwt()["role"])

    response = client.get("/me", headers=bearer(token(app)))
    assert response.json == {"name": "ada", "role": "admin"}
    names = [name for name, _, _ in calls]
    assert names == ["decode_key", "blocklist", "verify", "user_lookup"]
    # All awaited inside the view's coroutine: on the loop, on one thread.
    assert all(on_loop for _, on_loop, _ in calls)
    assert len({thread for _, _, thread in calls}) == 1


def test_async_view_answers(jwt, app, client):
    @app.route("/me")
    @jwt_required()
    async def me():
        return "unreachable"

    response = client.get("/me")
    assert (response.status_code, response.json) == (401, {"msg": "Missing Authorization Header"})
    response = client.get("/me", headers=bearer(token(app, "gone")))
    assert (response.status_code, response.json) == (401, {"msg": "Token has been revoked"})
    response = client.get("/me", headers=bearer(token(app, "mallory")))
    assert (response.status_code, response.json) == (
        400,
        {"msg": "User claims verification failed"},
    )
    response = client.get("/me", headers=bearer(token(app, "nobody")))
    assert (response.status_code, response.json) == (401, {"msg": "Error loading the user nobody"})
    response = client.get("/me", headers=bearer("xxx"))
    assert (response.status_code, response.json) == (422, {"msg": "Not enough segments"})


def test_optional_async_view(jwt, app, client, calls):
    @app.route("/maybe")
    @jwt_required(optional=True)
    async def maybe():
        return jsonify(identity=get_jwt_identity(), user=current_user._get_current_object())

    assert client.get("/maybe").json == {"identity": None, "user": None}
    assert calls == []
    assert client.get("/maybe", headers=bearer(token(app))).json == {
        "identity": "ada",
        "user": {"name": "ada"},
    }


def test_sync_view_runs_async_loaders_through_ensure_sync(jwt, app, client, calls):
    @app.route("/me")
    @jwt_required()
    def me():
        return current_user["name"]

    assert client.get("/me", headers=bearer(token(app))).text == "ada"
    # The request thread is not a loop thread; async loaders ran on erlen's loop thread.
    assert [name for name, _, _ in calls] == ["decode_key", "blocklist", "verify", "user_lookup"]
    assert all(on_loop for _, on_loop, _ in calls)
    assert all(thread is not threading.current_thread() for _, _, thread in calls)


def test_async_error_loaders(jwt, app, client):
    @jwt.unauthorized_loader
    async def unauthorized(reason):
        await asyncio.sleep(0)
        return jsonify(reason=reason), 401

    @app.route("/me")
    @jwt_required()
    async def me():
        return "unreachable"

    assert client.get("/me").json == {"reason": "Missing Authorization Header"}


def test_async_forms_in_an_async_view(jwt, app, client):
    @app.route("/login")
    async def login():
        access = await acreate_access_token("ada", fresh=True)
        refresh = await acreate_refresh_token("bob")
        return jsonify(
            access=(await adecode_token(access))["role"],
            refresh=(await adecode_token(refresh))["type"],
            token=access,
        )

    @app.route("/check")
    async def check():
        header, data = await averify_jwt_in_request(fresh=True)
        return jsonify(alg=header["alg"], sub=data["sub"], user=current_user["name"])

    body = client.get("/login").json
    assert (body["access"], body["refresh"]) == ("admin", "refresh")
    assert client.get("/check", headers=bearer(body["token"])).json == {
        "alg": "HS256",
        "sub": "ada",
        "user": "ada",
    }
    assert client.get("/check", headers=bearer(token(app))).json == {"msg": "Fresh token required"}


def test_sync_form_on_the_loop_names_the_async_one(jwt, app, client):
    value = token(app)  # made off the loop: the async claims loader runs on erlen's loop

    @app.route("/login")
    async def login():
        return create_access_token("ada")

    @app.route("/decode")
    async def decode():
        return decode_token(value)

    with pytest.raises(RuntimeError, match="acreate_access_token"):
        client.get("/login")
    with pytest.raises(RuntimeError, match="adecode_token"):
        client.get("/decode")


def test_sync_code_with_sync_loaders_works_on_the_loop(app, client):
    app.config["JWT_SECRET_KEY"] = SECRET
    JWTManager(app)

    @app.route("/login")
    async def login():
        return decode_token(create_access_token("ada"))["sub"]

    assert client.get("/login").text == "ada"


def test_concurrent_async_requests_keep_their_own_token(jwt, app):
    # Two requests verified at once on one loop: each sees its own token in g.
    results = {}

    @app.route("/slow")
    @jwt_required()
    async def slow():
        await asyncio.sleep(0.05)
        return get_jwt_identity()

    def call(name):
        results[name] = app.test_client().get("/slow", headers=bearer(token(app, name))).text

    threads = [threading.Thread(target=call, args=(n,)) for n in ("ada", "bob", "cy")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {"ada": "ada", "bob": "bob", "cy": "cy"}
