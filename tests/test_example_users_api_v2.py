"""The users API's ``/api/v2``: the accounts as Flask-RESTful resources (erlen.ext.restful),
with ``reqparse`` arguments, marshalled fields and the same JSON errors as version 1."""

from __future__ import annotations

import pytest
from _example_users_api import auth_headers, bearer, make_app, make_user, token_pair

from erlen import Flask
from erlen.testing import FlaskClient


@pytest.fixture
def app() -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_list_users(app: Flask, client: FlaskClient) -> None:
    admin = auth_headers(app, "admin@example.org", "admin")
    for number in range(4):
        make_user(app, f"user{number}@example.org")
    make_user(app, "gone@example.org", deleted=True)
    response = client.get("/api/v2/users?per_page=2&page=2", headers=admin)
    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == "5"
    body = response.get_json()
    assert {key: body[key] for key in ("page", "per_page", "total")} == {
        "page": 2,
        "per_page": 2,
        "total": 5,
    }
    assert [u["email"] for u in body["users"]] == ["user1@example.org", "user2@example.org"]
    user = body["users"][0]
    assert user == {
        "id": 3,
        "email": "user1@example.org",
        "name": "User1",
        "role": "user",
        "created_at": user["created_at"],
        "uri": "http://localhost/api/v2/users/3",
    }
    assert user["created_at"].endswith("+00:00")
    support = auth_headers(app, "help@example.org", "support")
    assert client.get("/api/v2/users", headers=support).get_json()["per_page"] == 20


@pytest.mark.parametrize("query", ["per_page=0", "per_page=101", "page=0", "page=x"])
def test_list_arguments_are_checked(app: Flask, client: FlaskClient, query: str) -> None:
    admin = auth_headers(app, "admin@example.org", "admin")
    response = client.get(f"/api/v2/users?{query}", headers=admin)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "validation_failed"
    name = query.split("=")[0]
    assert list(body["fields"]) == [name] and body["fields"][name][0]


def test_user_and_me(app: Flask, client: FlaskClient) -> None:
    ada = make_user(app, "ada@example.org", name="Ada")
    bob = make_user(app, "bob@example.org")
    headers = bearer(token_pair(app, ada)["access_token"])
    me = client.get("/api/v2/me", headers=headers)
    assert me.status_code == 200
    assert me.get_json()["email"] == "ada@example.org"
    assert me.get_json()["uri"] == f"http://localhost/api/v2/users/{ada}"
    assert client.get(f"/api/v2/users/{ada}", headers=headers).get_json() == me.get_json()
    other = client.get(f"/api/v2/users/{bob}", headers=headers)
    assert other.status_code == 403
    assert other.get_json() == {
        "error": "forbidden",
        "message": "You may only read your own account.",
    }
    admin = auth_headers(app, "admin@example.org", "admin")
    assert client.get(f"/api/v2/users/{bob}", headers=admin).get_json()["name"] == "Bob"


def test_errors_answer_like_version_1(app: Flask, client: FlaskClient) -> None:
    admin = auth_headers(app, "admin@example.org", "admin")
    user = auth_headers(app, "user@example.org")
    # Token errors of erlen.ext.jwt, not Flask-RESTful 500s.
    missing = client.get("/api/v2/me")
    assert missing.status_code == 401
    assert missing.get_json() == {
        "error": "authorization_required",
        "message": "Missing Authorization Header",
    }
    assert client.get("/api/v2/me", headers=bearer("x.y.z")).get_json()["error"] == "invalid_token"
    forbidden = client.get("/api/v2/users", headers=user)
    assert forbidden.status_code == 403 and forbidden.get_json()["error"] == "forbidden"
    not_found = client.get("/api/v2/users/999", headers=admin)
    assert not_found.status_code == 404
    assert not_found.get_json() == {"error": "not_found", "message": "There is no user 999."}
    wrong_method = client.delete("/api/v2/me", headers=admin)
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["error"] == "method_not_allowed"
    assert wrong_method.headers["Allow"] == "GET, HEAD, OPTIONS"
    nowhere = client.get("/api/v2/nowhere", headers=admin)
    assert nowhere.status_code == 404 and nowhere.get_json()["error"] == "not_found"
