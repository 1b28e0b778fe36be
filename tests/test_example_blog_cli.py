"""The blog's commands through the CLI runner: ``init-db [--drop]`` (the committed
migrations), ``seed-db``, ``create-user`` (prompted password) and ``set-role``; and the
migrations match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from _example_blog import BLOG_DIR, Post, Role, User, client_for, db, make_app

from erlen import Flask


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    # A file, so the tests can look at it from another connection.
    return make_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'blog.sqlite'}"}, False)


def invoke(app: Flask, *args: str, input: str | None = None) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=list(args), input=input)
    return result.exit_code, result.output


def tables(app: Flask) -> set[str]:
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names())


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_init_db_applies_the_migrations_and_keeps_data(app: Flask) -> None:
    code, output = invoke(app, "init-db")
    assert code == 0, output
    assert "The database is ready: sqlite:///" in output
    assert tables(app) == {"alembic_version", "role", "user", "post", "comment", "tag", "post_tag"}
    with app.app_context():
        assert list(db.session.scalars(sa.select(Role.name).order_by(Role.id))) == [
            "reader",
            "author",
            "moderator",
            "admin",
        ]
    client_for(app).register("keeper")
    assert invoke(app, "init-db")[0] == 0
    assert count(app, User) == 1 and count(app, Role) == 4

    code, output = invoke(app, "init-db", "--drop")
    assert code == 0, output
    assert count(app, User) == 0 and count(app, Role) == 4


def test_migrations_match_the_models(app: Flask) -> None:
    assert invoke(app, "init-db")[0] == 0
    code, output = invoke(app, "db", "check")
    assert code == 0, output
    assert invoke(app, "db", "downgrade", "base")[0] == 0
    assert tables(app) == {"alembic_version"}
    assert invoke(app, "db", "upgrade")[0] == 0
    assert "post_tag" in tables(app)
    assert [p.name for p in (BLOG_DIR / "migrations" / "versions").glob("*.py")]


def test_seed_db_is_idempotent(app: Flask) -> None:
    code, output = invoke(app, "seed-db")
    assert code == 1 and "run 'init-db' first" in output
    invoke(app, "init-db")
    writer = client_for(app)
    writer.register("mine")
    writer.login("mine")
    writer.create_post("My own post")

    code, output = invoke(app, "seed-db")
    assert code == 0 and output == "Added 12 sample posts.\n"
    assert count(app, Post) == 13
    code, output = invoke(app, "seed-db")
    assert code == 0 and output == "The sample posts are there already.\n"
    assert count(app, Post) == 13 and count(app, User) == 3

    visitor = client_for(app)
    index = visitor.get("/").get_data(as_text=True)
    assert "Welcome to the erlen blog" in index and 'rel="next"' in index
    assert visitor.get("/posts/notes-for-a-future-post").status_code == 404  # a sample draft
    # Nobody can log in as a sample author.
    assert visitor.login("ada", "").status_code == 400
    with app.app_context():
        ada = db.session.scalar(sa.select(User).filter_by(username="ada"))
        assert ada is not None and ada.password_hash is None and not ada.check_password("")


def test_create_user_prompts_for_the_password(app: Flask) -> None:
    invoke(app, "init-db")
    code, output = invoke(
        app,
        "create-user",
        "boss",
        "--email",
        "boss@example.org",
        "--role",
        "admin",
        input="a long password\na long password\n",
    )
    assert code == 0, output
    assert "Created admin boss." in output
    assert "a long password" not in output  # hidden input
    assert "Repeat for confirmation" in output
    client = client_for(app)
    assert client.login("boss", "a long password").status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["create-user", "boss", "--email", "b@example.org"], "short", "password: Field must be"),
        (["create-user", "x", "--email", "b@example.org"], "long enough", "username: Field must be"),
        (["create-user", "boss", "--email", "nope"], "long enough", "email: Enter an email"),
        (["create-user", "taken", "--email", "b@example.org"], "long enough", "This username is taken."),
    ],
)  # fmt: skip
def test_create_user_validation(app: Flask, args: list[str], password: str, message: str) -> None:
    invoke(app, "init-db")
    invoke(app, "create-user", "taken", "--email", "t@example.org", input="long enough\n" * 2)
    code, output = invoke(app, *args, input=f"{password}\n{password}\n")
    assert code == 1 and message in output
    assert count(app, User) == 1


def test_create_user_prompts_for_the_email(app: Flask) -> None:
    invoke(app, "init-db")
    code, output = invoke(
        app, "create-user", "writer", input="w@example.org\nlong enough\nlong enough\n"
    )
    assert code == 0, output
    assert "Email: " in output and "Created author writer." in output


def test_set_role(app: Flask) -> None:
    invoke(app, "init-db")
    invoke(app, "create-user", "pat", "--email", "p@example.org", input="long enough\n" * 2)
    code, output = invoke(app, "set-role", "PAT", "moderator")
    assert code == 0 and output == "pat is now moderator.\n"
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(username="pat"))
        assert user is not None and user.role.name == "moderator"
    code, output = invoke(app, "set-role", "nobody", "admin")
    assert code == 1 and "There is no user called 'nobody'." in output
    code, output = invoke(app, "set-role", "pat", "emperor")
    assert code == 2 and "'emperor' is not one of" in output
