"""The users API example (``examples/users_api``) through the test client: the factory and
settings, ``/api/v1/users`` (list envelope, read, sign-up, changes, soft delete and restore),
JSON errors and the health checks."""

from __future__ import annotations

import os
import stat
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from _example_users_api import (
    PASSWORD,
    User,
    auth_headers,
    bearer,
    db,
    login,
    make_app,
    make_user,
    token_pair,
    users_api,
)

from erlen import Flask
from erlen.testing import FlaskClient


@pytest.fixture
def app() -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def admin(app: Flask) -> dict[str, str]:
    return auth_headers(app, "admin@example.org", "admin")


def add_users(app: Flask, count: int) -> None:
    """Users ``user00@example.org`` ... with names ``User 00`` ..."""
    with app.app_context():
        for number in range(count):
            user = User(email=f"user{number:02}@example.org", name=f"User {number:02}")
            db.session.add(user)
        db.session.commit()


def user_row(app: Flask, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        db.session.expunge(user)
        return user


# -- the factory and settings


def test_configs_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Unknown configuration 'staging'"):
        users_api.create_app("staging")
    testing = make_app()
    assert testing.testing and testing.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"
    assert len(testing.config["JWT_SECRET_KEY"]) == 64
    assert make_app().config["JWT_SECRET_KEY"] != testing.config["JWT_SECRET_KEY"]

    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/users")
    monkeypatch.setenv("USERS_API_JWT_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("USERS_API_CORS_ORIGINS", '["https://app.example.com"]')
    monkeypatch.setenv("USERS_API_MAX_USERS_PER_PAGE", "50")
    production = users_api.create_app("production")
    assert production.config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://u:p@db.example:5432/users"
    )
    assert production.config["JWT_SECRET_KEY"] == "k" * 40
    assert production.config["CORS_ORIGINS"] == ["https://app.example.com"]
    assert production.config["MAX_USERS_PER_PAGE"] == 50
    # The testing settings ignore the environment.
    assert make_app().config["MAX_USERS_PER_PAGE"] == 100

    monkeypatch.setenv("USERS_API_CONFIG", "development")
    assert users_api.create_app().config["CORS_ORIGINS"] == ["https://app.example.com"]


def test_installation_key_is_made_once_and_private(tmp_path: Path) -> None:
    key = users_api.installation_key(str(tmp_path / "instance"))
    path = tmp_path / "instance" / "users-api-jwt-key"
    assert len(key) == 64 and path.read_text() == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert users_api.installation_key(str(tmp_path / "instance")) == key
    assert list(path.parent.iterdir()) == [path]  # no draft left behind


# -- listing


def test_list_envelope_paging_and_headers(
    app: Flask, client: FlaskClient, admin: dict[str, str]
) -> None:
    add_users(app, 44)  # 45 users with the admin
    response = client.get("/api/v1/users?per_page=10&page=2", headers=admin)
    assert response.status_code == 200
    body = response.get_json()
    assert [u["email"] for u in body["data"]] == [f"user{n:02}@example.org" for n in range(9, 19)]
    assert body["meta"] == {"page": 2, "per_page": 10, "total": 45, "pages": 5}
    base = "http://localhost/api/v1/users?sort=id&per_page=10&page="
    assert body["links"] == {
        "self": base + "2",
        "first": base + "1",
        "prev": base + "1",
        "next": base + "3",
        "last": base + "5",
    }
    assert response.headers["X-Total-Count"] == "45"
    assert response.headers["Link"] == (
        f'<{base}1>; rel="first", <{base}1>; rel="prev", <{base}3>; rel="next", <{base}5>; rel="last"'
    )
    user = body["data"][0]
    assert set(user) == {
        "id",
        "email",
        "name",
        "role",
        "created_at",
        "updated_at",
        "deleted_at",
        "_links",
    }
    assert user["_links"] == {"self": f"http://localhost/api/v1/users/{user['id']}"}
    assert user["created_at"].endswith("+00:00") and user["deleted_at"] is None

    default = client.get("/api/v1/users", headers=admin).get_json()
    assert default["meta"]["per_page"] == 20 and len(default["data"]) == 20
    last = client.get("/api/v1/users?per_page=10&page=5", headers=admin).get_json()
    assert len(last["data"]) == 5 and last["links"]["next"] is None
    past = client.get("/api/v1/users?per_page=10&page=9", headers=admin)
    assert past.status_code == 200 and past.get_json()["data"] == []
    assert past.get_json()["links"]["prev"] == base + "5"


def test_list_filters_and_sorting(app: Flask, client: FlaskClient, admin: dict[str, str]) -> None:
    add_users(app, 12)
    make_user(app, "helper@example.org", "support", name="Help Desk")
    gone = make_user(app, "gone@example.org", name="Gone 100%", deleted=True)

    def emails(query: str) -> list[str]:
        response = client.get(f"/api/v1/users?{query}", headers=admin)
        assert response.status_code == 200, response.get_json()
        return [u["email"] for u in response.get_json()["data"]]

    assert emails("q=user 1") == ["user10@example.org", "user11@example.org"]
    assert emails("q=HELP") == ["helper@example.org"]
    assert emails("q=%25") == []  # a LIKE wildcard is searched for literally
    assert emails("q=100%25&include_deleted=true") == ["gone@example.org"]
    assert emails("role=support") == ["helper@example.org"]
    assert emails("role=admin&sort=-email") == ["admin@example.org"]
    assert emails("sort=-email&per_page=3") == [
        "user11@example.org",
        "user10@example.org",
        "user09@example.org",
    ]
    assert "gone@example.org" not in emails("per_page=100")
    with_deleted = client.get("/api/v1/users?include_deleted=1&q=gone", headers=admin).get_json()
    assert with_deleted["data"][0]["id"] == gone and with_deleted["data"][0]["deleted_at"]
    assert with_deleted["links"]["self"].endswith(
        "?q=gone&include_deleted=true&sort=id&per_page=20&page=1"
    )
    # Unknown arguments are ignored (e.g. a cache buster).
    assert len(emails("_=123&per_page=2")) == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("page=99999999999999999999", "page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("per_page=-3", "per_page"),
        ("role=root", "role"),
        ("sort=password_hash", "sort"),
        ("include_deleted=perhaps", "include_deleted"),
        (f"q={'x' * 101}", "q"),
    ],
)
def test_list_arguments_are_checked(
    client: FlaskClient, admin: dict[str, str], query: str, field: str
) -> None:
    response = client.get(f"/api/v1/users?{query}", headers=admin)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "validation_failed" and list(body["fields"]) == [field]


def test_list_is_for_admins_and_support(app: Flask, client: FlaskClient) -> None:
    assert client.get("/api/v1/users").status_code == 401
    user = client.get("/api/v1/users", headers=auth_headers(app, "u@example.org"))
    assert user.status_code == 403
    assert user.get_json() == {
        "error": "forbidden",
        "message": "This needs one of the roles: admin, support.",
    }
    support = client.get("/api/v1/users", headers=auth_headers(app, "s@example.org", "support"))
    assert support.status_code == 200 and support.get_json()["meta"]["total"] == 2


# -- reading


def test_get_and_me(app: Flask, client: FlaskClient, admin: dict[str, str]) -> None:
    ada = make_user(app, "ada@example.org", name="Ada")
    bob = make_user(app, "bob@example.org")
    ada_headers = bearer(token_pair(app, ada)["access_token"])

    me = client.get("/api/v1/users/me", headers=ada_headers)
    assert me.status_code == 200 and me.get_json()["email"] == "ada@example.org"
    own = client.get(f"/api/v1/users/{ada}", headers=ada_headers)
    assert own.get_json() == me.get_json()
    assert "password" not in str(own.get_json())
    other = client.get(f"/api/v1/users/{bob}", headers=ada_headers)
    assert other.status_code == 403
    assert other.get_json()["message"] == "You may only read your own account."
    assert (
        client.get(f"/api/v1/users/{bob}", headers=admin).get_json()["email"] == "bob@example.org"
    )
    support = auth_headers(app, "help@example.org", "support")
    assert client.get(f"/api/v1/users/{bob}", headers=support).status_code == 200
    missing = client.get("/api/v1/users/999", headers=admin)
    assert missing.status_code == 404
    assert missing.get_json() == {"error": "not_found", "message": "There is no user 999."}
    assert client.get("/api/v1/users/999", headers=ada_headers).status_code == 403  # no leak
    assert client.get("/api/v1/users/me").status_code == 401
    assert client.get("/api/v1/users/abc", headers=admin).status_code == 404


# -- sign-up


def test_create_user(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/users",
        json={
            "email": "  Grace.Hopper@Example.ORG ",
            "name": "  Grace Hopper ",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["email"] == "grace.hopper@example.org" and body["name"] == "Grace Hopper"
    assert body["role"] == "user"
    assert response.headers["Location"] == f"http://localhost/api/v1/users/{body['id']}"
    assert body["_links"]["self"] == response.headers["Location"]
    # The new account can log in, with its address in any case.
    assert login(client, "GRACE.hopper@example.org").status_code == 200
    with app.app_context():
        user = db.session.get(User, body["id"])
        assert user is not None and user.password_hash.startswith("pbkdf2:sha256:1000$")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"email": "not-an-address", "name": "N", "password": PASSWORD}, {"email"}),
        ({"email": "n@example.org", "name": "   ", "password": PASSWORD}, {"name"}),
        ({"email": "n@example.org", "name": "N" * 101, "password": PASSWORD}, {"name"}),
        ({"email": "n@example.org", "name": "N", "password": "short"}, {"password"}),
        ({"email": "n@example.org", "name": "N", "password": "p" * 129}, {"password"}),
        ({"email": "n@example.org", "name": "N"}, {"password"}),
        ({}, {"email", "name", "password"}),
        ({"email": 7, "name": ["N"], "password": None}, {"email", "name", "password"}),
        ({"email": "n@example.org", "name": "N", "password": PASSWORD, "role": "admin"}, {"role"}),
        ({"email": "n@example.org", "name": "N", "password": PASSWORD, "id": 1}, {"id"}),
        ({"email": "TAKEN@example.org", "name": "N", "password": PASSWORD}, {"email"}),
    ],
)
def test_create_user_refuses_bad_fields(
    app: Flask, client: FlaskClient, payload: dict[str, t.Any], fields: set[str]
) -> None:
    make_user(app, "taken@example.org")
    response = client.post("/api/v1/users", json=payload)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "validation_failed" and set(body["fields"]) == fields
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_create_user_messages(app: Flask, client: FlaskClient) -> None:
    make_user(app, "taken@example.org")
    taken = client.post(
        "/api/v1/users", json={"email": "taken@example.org", "name": "N", "password": PASSWORD}
    )
    assert taken.get_json()["fields"] == {"email": ["This email address is already registered."]}
    unknown = client.post(
        "/api/v1/users",
        json={"email": "x@example.org", "name": "N", "password": PASSWORD, "role": "admin"},
    )
    assert unknown.get_json()["fields"] == {"role": ["Unknown field."]}


@pytest.mark.parametrize(
    ("kwargs", "status", "error"),
    [
        ({"data": "email=a@example.org"}, 415, "unsupported_media_type"),
        ({"data": "{not json", "content_type": "application/json"}, 400, "bad_request"),
        ({"json": ["a", "list"]}, 400, "bad_request"),
        ({"json": "a string"}, 400, "bad_request"),
        ({"data": "\xff\xfe", "content_type": "application/json"}, 400, "bad_request"),
        (
            {"data": "{}" + " " * 70_000, "content_type": "application/json"},
            413,
            "request_entity_too_large",
        ),
    ],
)
def test_create_user_refuses_bad_bodies(
    client: FlaskClient, kwargs: dict[str, t.Any], status: int, error: str
) -> None:
    response = client.post("/api/v1/users", **kwargs)
    assert response.status_code == status
    assert response.get_json()["error"] == error
    assert client.get("/health").status_code == 200  # still answering


def test_admins_create_users_with_a_role(
    app: Flask, client: FlaskClient, admin: dict[str, str]
) -> None:
    payload = {"email": "new@example.org", "name": "New", "password": PASSWORD, "role": "support"}
    response = client.post("/api/v1/users", json=payload, headers=admin)
    assert response.status_code == 201 and response.get_json()["role"] == "support"
    payload = {**payload, "email": "other@example.org", "role": "emperor"}
    refused = client.post("/api/v1/users", json=payload, headers=admin)
    assert refused.status_code == 400 and set(refused.get_json()["fields"]) == {"role"}
    # A token that is sent must be valid, even where none is required.
    bad = client.post("/api/v1/users", json=payload, headers=bearer("not.a.token"))
    assert bad.status_code == 401 and bad.get_json()["error"] == "invalid_token"


# -- changes


def test_users_change_their_own_account(app: Flask, client: FlaskClient) -> None:
    ada = make_user(app, "ada@example.org")
    make_user(app, "bob@example.org")
    headers = bearer(token_pair(app, ada)["access_token"])
    before = user_row(app, ada)

    response = client.patch(
        f"/api/v1/users/{ada}",
        json={"name": " Ada L. ", "email": "ADA.L@example.org"},
        headers=headers,
    )
    assert response.status_code == 200
    assert (
        response.get_json()["name"] == "Ada L."
        and response.get_json()["email"] == "ada.l@example.org"
    )
    after = user_row(app, ada)
    assert after.updated_at > before.updated_at and after.created_at == before.created_at
    assert client.get("/api/v1/users/me", headers=headers).status_code == 200  # token still valid

    conflict = client.patch(
        f"/api/v1/users/{ada}", json={"email": "Bob@example.org"}, headers=headers
    )
    assert conflict.status_code == 409
    assert conflict.get_json() == {
        "error": "conflict",
        "message": "This email address is already registered.",
    }
    same = client.patch(
        f"/api/v1/users/{ada}", json={"email": "ada.l@example.org"}, headers=headers
    )
    assert same.status_code == 200
    role = client.patch(f"/api/v1/users/{ada}", json={"role": "admin"}, headers=headers)
    assert role.status_code == 400 and role.get_json()["fields"] == {"role": ["Unknown field."]}
    bad = client.patch(f"/api/v1/users/{ada}", json={"email": "nope", "name": ""}, headers=headers)
    assert bad.status_code == 400 and set(bad.get_json()["fields"]) == {"email", "name"}
    assert user_row(app, ada).email == "ada.l@example.org"


def test_only_admins_change_other_accounts(
    app: Flask, client: FlaskClient, admin: dict[str, str]
) -> None:
    ada = make_user(app, "ada@example.org")
    bob = make_user(app, "bob@example.org")
    ada_headers = bearer(token_pair(app, ada)["access_token"])
    support = auth_headers(app, "help@example.org", "support")
    for headers in (ada_headers, support):
        response = client.patch(f"/api/v1/users/{bob}", json={"name": "Hacked"}, headers=headers)
        assert response.status_code == 403
    assert user_row(app, bob).name == "Bob"
    response = client.patch(f"/api/v1/users/{bob}", json={"name": "Robert"}, headers=admin)
    assert response.status_code == 200 and response.get_json()["name"] == "Robert"
    assert client.patch("/api/v1/users/999", json={"name": "X"}, headers=admin).status_code == 404
    assert client.patch(f"/api/v1/users/{bob}", json={"name": "X"}).status_code == 401


def test_a_new_role_revokes_the_users_tokens(
    app: Flask, client: FlaskClient, admin: dict[str, str]
) -> None:
    ada = make_user(app, "ada@example.org")
    old = token_pair(app, ada)
    response = client.patch(f"/api/v1/users/{ada}", json={"role": "support"}, headers=admin)
    assert response.status_code == 200 and response.get_json()["role"] == "support"
    for token in (old["access_token"], old["refresh_token"]):
        refused = client.post("/api/v1/auth/logout", headers=bearer(token))
        assert refused.status_code == 401 and refused.get_json()["error"] == "token_revoked"
    # A new token carries the new role.
    new = bearer(token_pair(app, ada)["access_token"])
    assert client.get("/api/v1/users", headers=new).status_code == 200
    # Setting the same role again changes nothing.
    client.patch(f"/api/v1/users/{ada}", json={"role": "support"}, headers=admin)
    assert client.get("/api/v1/users", headers=new).status_code == 200


def test_admins_keep_their_own_admin_role(app: Flask, client: FlaskClient) -> None:
    boss = make_user(app, "boss@example.org", "admin")
    headers = bearer(token_pair(app, boss)["access_token"])
    response = client.patch(f"/api/v1/users/{boss}", json={"role": "user"}, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["message"] == "Admins cannot take their own admin role away."
    response = client.patch(
        f"/api/v1/users/{boss}", json={"role": "admin", "name": "B"}, headers=headers
    )
    assert response.status_code == 200 and user_row(app, boss).role == "admin"


# -- soft delete and restore


def test_soft_delete_and_restore(app: Flask, client: FlaskClient, admin: dict[str, str]) -> None:
    ada = make_user(app, "ada@example.org")
    ada_tokens = token_pair(app, ada)

    assert client.delete(f"/api/v1/users/{ada}", headers=admin).status_code == 204
    row = user_row(app, ada)
    assert row.is_deleted and row.deleted_at is not None
    # Her tokens stop working, she cannot log in, and she is hidden from lists.
    refused = client.get("/api/v1/users/me", headers=bearer(ada_tokens["access_token"]))
    assert refused.status_code == 401 and refused.get_json()["error"] == "token_revoked"
    assert login(client, "ada@example.org").status_code == 401
    listing = client.get("/api/v1/users", headers=admin).get_json()
    assert [u["email"] for u in listing["data"]] == ["admin@example.org"]
    # Admins still see the account; it can neither be changed nor deleted again.
    shown = client.get(f"/api/v1/users/{ada}", headers=admin)
    assert shown.status_code == 200 and shown.get_json()["deleted_at"].endswith("+00:00")
    assert (
        client.patch(f"/api/v1/users/{ada}", json={"name": "X"}, headers=admin).status_code == 404
    )
    assert client.delete(f"/api/v1/users/{ada}", headers=admin).status_code == 404
    # Its address stays taken.
    signup = client.post(
        "/api/v1/users", json={"email": "ada@example.org", "name": "A", "password": PASSWORD}
    )
    assert signup.status_code == 400

    restored = client.post(f"/api/v1/users/{ada}/restore", headers=admin)
    assert restored.status_code == 200 and restored.get_json()["deleted_at"] is None
    again = client.post(f"/api/v1/users/{ada}/restore", headers=admin)
    assert again.status_code == 409
    assert again.get_json() == {"error": "conflict", "message": f"User {ada} is not deleted."}
    # Restored: she logs in again, but her old tokens stay revoked.
    assert login(client, "ada@example.org").status_code == 200
    assert (
        client.get("/api/v1/users/me", headers=bearer(ada_tokens["access_token"])).status_code
        == 401
    )
    assert client.post("/api/v1/users/999/restore", headers=admin).status_code == 404


def test_delete_and_restore_are_for_admins(app: Flask, client: FlaskClient) -> None:
    boss = make_user(app, "boss@example.org", "admin")
    bob = make_user(app, "bob@example.org")
    for role in ("user", "support"):
        headers = auth_headers(app, f"{role}@example.org", role)
        assert client.delete(f"/api/v1/users/{bob}", headers=headers).status_code == 403
        assert client.post(f"/api/v1/users/{bob}/restore", headers=headers).status_code == 403
    bob_headers = bearer(token_pair(app, bob)["access_token"])
    assert client.delete(f"/api/v1/users/{bob}", headers=bob_headers).status_code == 403
    assert client.delete(f"/api/v1/users/{bob}").status_code == 401
    own = client.delete(
        f"/api/v1/users/{boss}", headers=bearer(token_pair(app, boss)["access_token"])
    )
    assert own.status_code == 400
    assert own.get_json()["message"] == "Admins cannot delete their own account."
    assert not user_row(app, bob).is_deleted and not user_row(app, boss).is_deleted


# -- errors and health


def test_json_errors(app: Flask, client: FlaskClient) -> None:
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and missing.mimetype == "application/json"
    assert missing.get_json()["error"] == "not_found"
    wrong_method = client.put("/api/v1/users")
    assert wrong_method.status_code == 405
    assert wrong_method.get_json() == {
        "error": "method_not_allowed",
        "message": "The method is not allowed for the requested URL.",
    }
    assert wrong_method.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert client.get("/api/v1/users/").status_code == 404  # no trailing slash


def test_unexpected_exceptions_answer_a_json_500(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom() -> t.Any:
        db.session.add(User(email="half@example.org", name="Half"))
        db.session.flush()
        raise RuntimeError("secret detail")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.get_json() == {
        "error": "internal_error",
        "message": "The server failed; the error is logged.",
    }
    assert "secret detail" not in response.get_data(as_text=True)
    assert "secret detail" in caplog.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0  # rolled back


def test_health_and_readiness(
    client: FlaskClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert client.get("/health").get_json() == {"status": "ok"}
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ok", "checks": {"database": "ok"}}

    # A database that cannot be opened: the process is alive, but not ready.
    unreachable = make_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite"},
        create_tables=False,
    )
    down = unreachable.test_client()
    assert down.get("/health").status_code == 200
    response = down.get("/health/ready")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "checks": {"database": "unreachable"}}
    assert "Readiness check: the database is unreachable" in caplog.text
    assert "unable to open database file" not in response.get_data(as_text=True)
    signup = {"email": "a@example.org", "name": "A", "password": PASSWORD}
    unavailable = down.post("/api/v1/users", json=signup)
    assert unavailable.status_code == 503
    assert unavailable.get_json()["error"] == "service_unavailable"
    assert "unable to open database file" in caplog.text
