"""The users API's commands through the CLI runner: the committed migrations (``db upgrade``,
``db check``, downgrade), ``seed-db [--users N]``, ``create-admin`` (prompted password),
``list-users`` and ``purge-tokens``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from _example_users_api import (
    USERS_API_DIR,
    RevokedToken,
    User,
    db,
    login,
    make_app,
    make_user,
)

from erlen import Flask


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    # A file, so the tests can look at it from another connection.
    uri = f"sqlite:///{tmp_path / 'users.sqlite'}"
    return make_app({"SQLALCHEMY_DATABASE_URI": uri}, create_tables=False)


def invoke(app: Flask, *args: str, input: str | None = None) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=list(args), input=input)
    return result.exit_code, result.output


def upgraded(app: Flask) -> Flask:
    code, output = invoke(app, "db", "upgrade")
    assert code == 0, output
    return app


def tables(app: Flask) -> set[str]:
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names())


def emails(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(User.email).order_by(User.id)))


def test_migrations_match_the_models(app: Flask) -> None:
    upgraded(app)
    assert tables(app) == {"alembic_version", "users", "revoked_tokens"}
    code, output = invoke(app, "db", "check")
    assert code == 0, output
    assert invoke(app, "db", "downgrade", "base")[0] == 0
    assert tables(app) == {"alembic_version"}
    assert invoke(app, "db", "upgrade")[0] == 0
    assert "users" in tables(app)
    assert len(list((USERS_API_DIR / "migrations" / "versions").glob("*.py"))) == 1


def test_commands_need_the_tables(app: Flask) -> None:
    for args in (["seed-db"], ["list-users"], ["purge-tokens"], ["create-admin", "a@example.org"]):
        code, output = invoke(app, *args, input="long enough\nlong enough\n")
        assert code == 1, args
        assert "run 'erlen --app examples/users_api db upgrade' first" in output


def test_seed_db(app: Flask) -> None:
    upgraded(app)
    make_user(app, "ada.lovelace@example.com")  # a real account with a sample address
    code, output = invoke(app, "seed-db")
    assert code == 0 and output == "Added 24 sample users (1 were there already).\n"
    assert emails(app)[:3] == [
        "ada.lovelace@example.com",
        "alan.lovelace@example.com",
        "grace.lovelace@example.com",
    ]
    assert invoke(app, "seed-db")[1] == "Added 0 sample users (25 were there already).\n"
    code, output = invoke(app, "seed-db", "--users", "205")
    assert code == 0 and output == "Added 180 sample users (25 were there already).\n"
    all_emails = emails(app)
    assert len(all_emails) == len(set(all_emails)) == 205
    assert "guido.vanrossum@example.com" in all_emails
    assert (
        "guido.vanrossum2@example.com" in all_emails and "ada.lovelace3@example.com" in all_emails
    )
    with app.app_context():
        sample = db.session.scalar(sa.select(User).filter_by(email="alan.lovelace@example.com"))
        assert sample is not None and sample.name == "Alan Lovelace" and sample.role == "user"
        assert sample.password_hash is None and not sample.check_password("")
    assert invoke(app, "seed-db", "--users", "-1")[0] == 2
    assert invoke(app, "seed-db", "--users", "many")[0] == 2


def test_create_admin(app: Flask) -> None:
    upgraded(app)
    code, output = invoke(
        app,
        "create-admin",
        " Boss@Example.org",
        "--name",
        "The Boss",
        input="a long password\n" * 2,
    )
    assert code == 0, output
    assert "Created admin boss@example.org (id 1)." in output
    assert "a long password" not in output and "Repeat for confirmation" in output
    client = app.test_client()
    response = login(client, "boss@example.org", "a long password")
    assert response.status_code == 200 and response.get_json()["user"]["role"] == "admin"
    headers = {"Authorization": f"Bearer {response.get_json()['access_token']}"}
    assert client.get("/api/v1/users", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["create-admin", "b@example.org"], "short", "password: Length must be between 8 and 128."),
        (["create-admin", "nope"], "long enough", "email: Not a valid email address."),
        (["create-admin", "b@example.org", "--name", " "], "long enough", "name: Length must be between 1 and 100."),
        (["create-admin", "TAKEN@example.org"], "long enough", "email: This email address is already registered."),
    ],
)  # fmt: skip
def test_create_admin_validation(app: Flask, args: list[str], password: str, message: str) -> None:
    upgraded(app)
    make_user(app, "taken@example.org")
    code, output = invoke(app, *args, input=f"{password}\n{password}\n")
    assert code == 1 and f"Error: {message}" in output
    assert emails(app) == ["taken@example.org"]


def test_list_users(app: Flask) -> None:
    upgraded(app)
    assert invoke(app, "list-users")[1].splitlines()[-1] == "0 users."
    make_user(app, "ada@example.org", name="Ada Lovelace")
    make_user(app, "boss@example.org", "admin", name="Boss")
    make_user(app, "gone@example.org", deleted=True)
    code, output = invoke(app, "list-users")
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    lines = output.splitlines()
    assert code == 0 and lines[0].split() == ["id", "email", "name", "role", "created"]
    assert lines[1].split()[:5] == ["1", "ada@example.org", "Ada", "Lovelace", "user"]
    assert lines[1].split()[5] == today
    assert lines[2].split()[:4] == ["2", "boss@example.org", "Boss", "admin"]
    assert lines[-1] == "2 users." and "gone" not in output
    assert lines[0].index("email") == lines[1].index("ada@")  # aligned columns
    code, output = invoke(app, "list-users", "--deleted")
    assert "gone@example.org" in output and output.splitlines()[-2].endswith("deleted")
    assert invoke(app, "list-users", "--role", "admin")[1].splitlines()[-1] == "1 user."
    assert invoke(app, "list-users", "--role", "emperor")[0] == 2


def test_purge_tokens(app: Flask) -> None:
    upgraded(app)
    user_id = make_user(app, "ada@example.org")
    now = datetime.now()
    with app.app_context():
        for jti, expires in (("old", now - timedelta(days=1)), ("live", now + timedelta(days=1))):
            db.session.add(
                RevokedToken(jti=jti, token_type="access", user_id=user_id, expires_at=expires)
            )
        db.session.commit()
    assert invoke(app, "purge-tokens") == (0, "Deleted 1 expired revoked tokens.\n")
    with app.app_context():
        assert list(db.session.scalars(sa.select(RevokedToken.jti))) == ["live"]
