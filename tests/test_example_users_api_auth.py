"""The users API's authentication (``/api/v1/auth``): login with its rate limit, refresh,
logout and the blocklist, the fresh-token-only password change, token errors, the role
guards, and CORS."""

from __future__ import annotations

import typing as t
from datetime import timedelta

import jwt as pyjwt
import pytest
import sqlalchemy as sa
from _example_users_api import (
    PASSWORD,
    RevokedToken,
    User,
    bearer,
    db,
    login,
    make_app,
    make_user,
    token_pair,
    users_api,
)

from erlen import Flask, jsonify
from erlen.ext.jwt import create_access_token, get_jwt
from erlen.testing import FlaskClient

admin_required = users_api.security.admin_required
roles_required = users_api.security.roles_required


@pytest.fixture
def app() -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def ada(app: Flask) -> int:
    return make_user(app, "ada@example.org", name="Ada")


def claims_of(app: Flask, token: str) -> dict[str, t.Any]:
    return pyjwt.decode(token, app.config["JWT_SECRET_KEY"], algorithms=["HS256"])


# -- login


def test_login(app: Flask, client: FlaskClient, ada: int) -> None:
    response = login(client, "  ADA@example.org ")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in", "user"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["user"]["id"] == ada and body["user"]["email"] == "ada@example.org"
    access, refresh = claims_of(app, body["access_token"]), claims_of(app, body["refresh_token"])
    assert access["sub"] == str(ada) and access["type"] == "access" and access["fresh"] is True
    assert access["roles"] == ["user"] and access["ver"] == 1
    assert access["exp"] - access["iat"] == 900
    assert refresh["type"] == "refresh" and refresh["exp"] - refresh["iat"] == 30 * 24 * 3600
    me = client.get("/api/v1/users/me", headers=bearer(body["access_token"]))
    assert me.get_json()["id"] == ada


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ada@example.org", "wrong password"),
        ("nobody@example.org", PASSWORD),
        ("gone@example.org", PASSWORD),
    ],
)
def test_login_refuses_wrong_credentials_alike(
    app: Flask, client: FlaskClient, ada: int, email: str, password: str
) -> None:
    make_user(app, "gone@example.org", deleted=True)
    response = login(client, email, password)
    assert response.status_code == 401
    assert response.get_json() == {
        "error": "authentication_failed",
        "message": "The email address or the password is wrong.",
    }


def test_sample_users_cannot_log_in(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        db.session.add(User(email="sample@example.com", name="Sample"))
        db.session.commit()
    for password in ("", PASSWORD, "!"):
        assert login(client, "sample@example.com", password).status_code == 401


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"email": "ada@example.org"},
        {"email": 1, "password": 2},
        {"email": "a", "password": "b", "extra": 1},
    ],
)
def test_login_refuses_bad_bodies(client: FlaskClient, payload: dict[str, t.Any]) -> None:
    response = client.post("/api/v1/auth/login", json=payload)
    assert response.status_code == 400 and response.get_json()["error"] == "validation_failed"


def test_login_is_rate_limited_per_address(app: Flask, client: FlaskClient, ada: int) -> None:
    for remaining in (4, 3, 2, 1, 0):
        response = login(client, "ada@example.org", "wrong password")
        assert response.status_code == 401
        assert response.headers["X-RateLimit-Limit"] == "5"
        assert response.headers["X-RateLimit-Remaining"] == str(remaining)
    response = login(client, "ada@example.org")  # even the right password
    assert response.status_code == 429
    assert response.get_json() == {
        "error": "too_many_requests",
        "message": "Too many login attempts: try again later.",
    }
    assert response.headers["X-RateLimit-Limit"] == "5"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert int(response.headers["X-RateLimit-Reset"]) > 0
    assert 0 < int(response.headers["Retry-After"]) <= 60
    # Another address has its own budget; other routes are not limited.
    assert login(client, "ada@example.org", address="10.0.0.2").status_code == 200
    assert client.get("/health").status_code == 200
    assert "X-RateLimit-Limit" not in client.get("/health").headers


def test_login_rate_limit_is_a_setting() -> None:
    app = make_app({"LOGIN_RATE_LIMIT": "2 per hour"})
    make_user(app, "ada@example.org")
    client = app.test_client()
    assert [login(client, "ada@example.org").status_code for _ in range(3)] == [200, 200, 429]


# -- refresh, logout, password


def test_refresh_gives_a_token_that_is_not_fresh(app: Flask, client: FlaskClient, ada: int) -> None:
    pair = token_pair(app, ada)
    response = client.post("/api/v1/auth/refresh", headers=bearer(pair["refresh_token"]))
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    claims = claims_of(app, body["access_token"])
    assert claims["fresh"] is False and claims["sub"] == str(ada) and claims["roles"] == ["user"]
    assert client.get("/api/v1/users/me", headers=bearer(body["access_token"])).status_code == 200
    # An access token is not a refresh token, and the other way round.
    wrong = client.post("/api/v1/auth/refresh", headers=bearer(pair["access_token"]))
    assert wrong.status_code == 401
    assert wrong.get_json() == {
        "error": "invalid_token",
        "message": "Only refresh tokens are allowed",
    }
    assert client.get("/api/v1/users/me", headers=bearer(pair["refresh_token"])).status_code == 401


def test_logout_revokes_each_token(app: Flask, client: FlaskClient, ada: int) -> None:
    pair = token_pair(app, ada)
    other = token_pair(app, ada)  # another device
    access, refresh = bearer(pair["access_token"]), bearer(pair["refresh_token"])

    response = client.post("/api/v1/auth/logout", headers=access)
    assert response.status_code == 200
    assert response.get_json() == {"message": "The access token is revoked."}
    revoked = client.get("/api/v1/users/me", headers=access)
    assert revoked.status_code == 401
    assert revoked.get_json() == {
        "error": "token_revoked",
        "message": "The token has been revoked.",
    }
    assert client.post("/api/v1/auth/logout", headers=access).status_code == 401
    # The refresh token still works until it is logged out too.
    assert client.post("/api/v1/auth/refresh", headers=refresh).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=refresh).get_json() == {
        "message": "The refresh token is revoked."
    }
    assert client.post("/api/v1/auth/refresh", headers=refresh).status_code == 401
    # The other device's tokens are not affected.
    assert client.get("/api/v1/users/me", headers=bearer(other["access_token"])).status_code == 200
    with app.app_context():
        rows = db.session.scalars(sa.select(RevokedToken).order_by(RevokedToken.id)).all()
        assert [(r.token_type, r.user_id) for r in rows] == [("access", ada), ("refresh", ada)]
        assert rows[0].jti == claims_of(app, pair["access_token"])["jti"]
        assert rows[0].expires_at is not None and rows[0].expires_at > rows[0].revoked_at


def test_password_change_needs_a_fresh_token(app: Flask, client: FlaskClient, ada: int) -> None:
    pair = token_pair(app, ada)
    refreshed = client.post("/api/v1/auth/refresh", headers=bearer(pair["refresh_token"]))
    not_fresh = bearer(refreshed.get_json()["access_token"])
    change = {"current_password": PASSWORD, "new_password": "a brand new secret"}

    response = client.post("/api/v1/auth/password", json=change, headers=not_fresh)
    assert response.status_code == 401
    assert response.get_json() == {
        "error": "fresh_token_required",
        "message": "Log in again with your password to do this.",
    }
    fresh = bearer(pair["access_token"])
    wrong = client.post(
        "/api/v1/auth/password", json={**change, "current_password": "guess"}, headers=fresh
    )
    assert wrong.status_code == 400
    assert wrong.get_json()["fields"] == {"current_password": ["This is not your password."]}
    short = client.post(
        "/api/v1/auth/password", json={**change, "new_password": "short"}, headers=fresh
    )
    assert short.status_code == 400 and set(short.get_json()["fields"]) == {"new_password"}
    same = client.post(
        "/api/v1/auth/password", json={**change, "new_password": PASSWORD}, headers=fresh
    )
    assert same.status_code == 400
    assert same.get_json()["message"] == "The new password is the current one."

    response = client.post("/api/v1/auth/password", json=change, headers=fresh)
    assert response.status_code == 200
    new = response.get_json()
    assert claims_of(app, new["access_token"])["ver"] == 2
    # Every earlier token is revoked; the new ones work; so does the new password.
    for token in (pair["access_token"], pair["refresh_token"], not_fresh["Authorization"][7:]):
        assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/users/me", headers=bearer(new["access_token"])).status_code == 200
    assert (
        client.post("/api/v1/auth/refresh", headers=bearer(new["refresh_token"])).status_code == 200
    )
    assert login(client, "ada@example.org").status_code == 401
    assert login(client, "ada@example.org", "a brand new secret").status_code == 200


# -- token errors


def test_token_errors_are_json(app: Flask, client: FlaskClient, ada: int) -> None:
    def error(headers: dict[str, str]) -> tuple[int, str]:
        response = client.get("/api/v1/users/me", headers=headers)
        return response.status_code, response.get_json()["error"]

    assert error({}) == (401, "authorization_required")
    assert client.get("/api/v1/users/me").get_json()["message"] == "Missing Authorization Header"
    assert error({"Authorization": "Basic YWRhOnB3"}) == (401, "authorization_required")
    assert error(bearer("not-a-token")) == (401, "invalid_token")
    assert error(bearer("a.b.c")) == (401, "invalid_token")
    with app.test_request_context():
        user = db.session.get(User, ada)
        expired = create_access_token(user, expires_delta=timedelta(seconds=-60))
        unsigned = create_access_token(user)
    assert error(bearer(expired)) == (401, "token_expired")
    forged = pyjwt.encode(
        claims_of(app, unsigned) | {"roles": ["admin"]}, "another key " * 4, "HS256"
    )
    assert error(bearer(forged)) == (401, "invalid_token")
    none_alg = pyjwt.encode(claims_of(app, unsigned), None, "none")  # type: ignore[arg-type]
    assert error(bearer(none_alg)) == (401, "invalid_token")
    # A token of a user that has gone entirely (not just deleted).
    with app.app_context():
        db.session.execute(sa.delete(User).where(User.id == ada))
        db.session.commit()
    assert error(bearer(unsigned)) == (401, "token_revoked")


def test_a_token_without_a_user_is_refused(app: Flask, client: FlaskClient) -> None:
    claims = {
        "sub": "not a number",
        "type": "access",
        "fresh": False,
        "jti": "x",
        "ver": 1,
        "roles": ["admin"],
    }
    token = pyjwt.encode(claims, app.config["JWT_SECRET_KEY"], "HS256")
    response = client.get("/api/v1/users", headers=bearer(token))
    assert response.status_code == 401 and response.get_json()["error"] == "token_revoked"


# -- the role guards


def test_role_guards_on_sync_and_async_views(app: Flask, ada: int) -> None:
    @app.get("/test/admin")
    @admin_required
    def admin_view() -> t.Any:
        return jsonify(roles=get_jwt()["roles"])

    @app.get("/test/staff")
    @roles_required("admin", "support")
    async def staff_view() -> t.Any:
        return jsonify(async_view=True, roles=get_jwt()["roles"])

    client = app.test_client()
    user = bearer(token_pair(app, ada)["access_token"])
    support = bearer(token_pair(app, make_user(app, "help@example.org", "support"))["access_token"])
    admin = bearer(token_pair(app, make_user(app, "boss@example.org", "admin"))["access_token"])

    assert client.get("/test/admin", headers=admin).get_json() == {"roles": ["admin"]}
    assert client.get("/test/admin", headers=support).status_code == 403
    assert client.get("/test/admin").status_code == 401
    assert client.get("/test/staff", headers=support).get_json() == {
        "async_view": True,
        "roles": ["support"],
    }
    assert client.get("/test/staff", headers=admin).status_code == 200
    refused = client.get("/test/staff", headers=user)
    assert refused.status_code == 403
    assert refused.get_json()["message"] == "This needs one of the roles: admin, support."
    assert client.get("/test/staff").get_json()["error"] == "authorization_required"
    # The role claim of a refresh token does not open the guard: it is not an access token.
    refresh = bearer(token_pair(app, make_user(app, "b2@example.org", "admin"))["refresh_token"])
    assert client.get("/test/admin", headers=refresh).status_code == 401


# -- CORS


def test_cors_for_the_configured_origins(client: FlaskClient, app: Flask, ada: int) -> None:
    preflight = client.options(
        "/api/v1/users/me",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "PATCH" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"] == "Authorization, Content-Type"
    assert preflight.headers["Access-Control-Max-Age"] == "600"
    assert "Access-Control-Allow-Credentials" not in preflight.headers

    headers = {"Origin": "http://localhost:3000", **bearer(token_pair(app, ada)["access_token"])}
    response = client.get("/api/v1/users/me", headers=headers)
    assert response.headers.getlist("Access-Control-Allow-Origin") == ["http://localhost:3000"]
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert "X-Total-Count" in exposed and "X-RateLimit-Remaining" in exposed
    assert "Origin" in response.headers["Vary"]
    # Errors carry the headers too, so the browser app can read them.
    unauthorized = client.get("/api/v1/users/me", headers={"Origin": "http://localhost:3000"})
    assert unauthorized.status_code == 401
    assert unauthorized.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"

    other = client.get("/api/v1/users/me", headers={**headers, "Origin": "https://evil.example"})
    assert other.status_code == 200 and "Access-Control-Allow-Origin" not in other.headers
    no_origin = client.get("/api/v1/users/me", headers=bearer(token_pair(app, ada)["access_token"]))
    assert "Access-Control-Allow-Origin" not in no_origin.headers
    health = client.get("/health", headers={"Origin": "http://localhost:3000"})
    assert "Access-Control-Allow-Origin" not in health.headers  # only /api/ is shared


def test_cors_origins_are_a_setting() -> None:
    app = make_app({"CORS_ORIGINS": ["https://app.example.com"]})
    response = app.test_client().get(
        "/api/v1/users/me", headers={"Origin": "https://app.example.com"}
    )
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    localhost = app.test_client().get(
        "/api/v1/users/me", headers={"Origin": "http://localhost:3000"}
    )
    assert "Access-Control-Allow-Origin" not in localhost.headers
