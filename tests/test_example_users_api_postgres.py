"""The users API on a real PostgreSQL server (``tests/servers/pg_server.py``; psycopg 3): the
migrations, the commands and the API, and readiness when the server is unreachable.

Locally these tests skip when the PostgreSQL binaries are missing; under CI they fail.
"""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
from _example_users_api import PASSWORD, RevokedToken, User, bearer, db, login, make_app, users_api
from servers import free_port
from servers.pg_server import PostgresServer

from erlen import Flask


@pytest.fixture
def app(fresh_postgresql_url: str) -> t.Iterator[Flask]:
    # The URL DATABASE_URL would hold: no driver, which the config fills in.
    url = users_api.config.database_url(fresh_postgresql_url)
    assert url.startswith("postgresql+psycopg://")
    app = make_app({"SQLALCHEMY_DATABASE_URI": url}, create_tables=False)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        db.engine.dispose()


def test_migrations_and_commands_on_postgresql(app: Flask) -> None:
    runner = app.test_cli_runner()
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        assert {"alembic_version", "users", "revoked_tokens"} <= set(
            sa.inspect(db.engine).get_table_names()
        )
    assert runner.invoke(args=["db", "check"]).exit_code == 0
    assert runner.invoke(args=["seed-db", "--users", "30"]).output == (
        "Added 30 sample users (0 were there already).\n"
    )
    result = runner.invoke(args=["create-admin", "boss@example.org"], input="long enough\n" * 2)
    assert result.exit_code == 0, result.output
    listing = runner.invoke(args=["list-users", "--role", "admin"]).output
    assert "boss@example.org" in listing and listing.endswith("1 user.\n")
    assert runner.invoke(args=["purge-tokens"]).exit_code == 0
    assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 0
    with app.app_context():
        assert "users" not in sa.inspect(db.engine).get_table_names()


def test_api_on_postgresql(app: Flask) -> None:
    client = app.test_client()
    runner = app.test_cli_runner()
    runner.invoke(args=["create-admin", "boss@example.org"], input=f"{PASSWORD}\n" * 2)
    runner.invoke(args=["seed-db", "--users", "12"])
    admin = bearer(login(client, "boss@example.org").get_json()["access_token"])

    created = client.post(
        "/api/v1/users", json={"email": " Ada@Example.org", "name": "Ada", "password": PASSWORD}
    )
    assert created.status_code == 201
    ada = created.get_json()["id"]
    duplicate = {"email": "ADA@example.org", "name": "A", "password": PASSWORD}
    assert client.post("/api/v1/users", json=duplicate).status_code == 400
    conflict = client.patch("/api/v1/users/1", json={"email": "ada@example.org"}, headers=admin)
    assert conflict.status_code == 409

    page = client.get("/api/v1/users?q=LOVELACE&sort=-email&per_page=3", headers=admin)
    assert page.headers["X-Total-Count"] == "10"  # ILIKE on PostgreSQL
    assert [u["email"] for u in page.get_json()["data"]] == [
        "radia.lovelace@example.com",
        "ken.lovelace@example.com",
        "guido.lovelace@example.com",
    ]
    assert client.get("/api/v1/users?q=100%25", headers=admin).get_json()["data"] == []

    ada_tokens = login(client, "ada@example.org").get_json()
    ada_access = bearer(ada_tokens["access_token"])
    assert client.post("/api/v1/auth/logout", headers=ada_access).status_code == 200
    assert client.get("/api/v1/users/me", headers=ada_access).status_code == 401
    assert client.delete(f"/api/v1/users/{ada}", headers=admin).status_code == 204
    refresh = bearer(ada_tokens["refresh_token"])
    assert client.post("/api/v1/auth/refresh", headers=refresh).status_code == 401
    restored = client.post(f"/api/v1/users/{ada}/restore", headers=admin)
    assert restored.status_code == 200 and restored.get_json()["deleted_at"] is None
    assert client.get("/api/v2/users?per_page=5", headers=admin).get_json()["total"] == 14
    assert client.get("/health/ready").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(RevokedToken.id))) == 1
        row = db.session.get(User, ada)
        assert row is not None and row.token_version == 2 and row.created_at < row.updated_at


def test_readiness_when_postgresql_is_down(postgresql_server: PostgresServer) -> None:
    # A port where no server listens: connections are refused at once.
    url = f"postgresql+psycopg://erlen@127.0.0.1:{free_port()}/postgres"
    app = make_app({"SQLALCHEMY_DATABASE_URI": url}, create_tables=False)
    client = app.test_client()
    assert client.get("/health").status_code == 200
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "checks": {"database": "unreachable"}}
    # The rest of the API answers 503 too (a client may retry), not a 500.
    failed = client.post("/api/v1/auth/login", json={"email": "a@example.org", "password": "x"})
    assert failed.status_code == 503
    assert failed.get_json() == {
        "error": "service_unavailable",
        "message": "The database is unavailable: try again later.",
    }
