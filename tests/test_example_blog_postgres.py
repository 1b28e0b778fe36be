"""The blog on a real PostgreSQL server (``tests/servers/pg_server.py``; psycopg 3): the
migrations, the commands and the main features through the test client.

Locally these tests skip when the PostgreSQL binaries are missing; under CI they fail.
"""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
from _example_blog import Comment, Post, blog, client_for, db, logged_in, make_app

from erlen import Flask


@pytest.fixture
def app(fresh_postgresql_url: str) -> t.Iterator[Flask]:
    # The URL DATABASE_URL would hold: no driver, which the blog's config fills in.
    url = blog.config.database_url(fresh_postgresql_url)
    assert url.startswith("postgresql+psycopg://")
    app = make_app({"SQLALCHEMY_DATABASE_URI": url}, create_tables=False)
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        db.engine.dispose()


def test_migrations_and_commands_on_postgresql(app: Flask) -> None:
    runner = app.test_cli_runner()
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        assert "alembic_version" in sa.inspect(db.engine).get_table_names()
    assert runner.invoke(args=["db", "check"]).exit_code == 0
    result = runner.invoke(args=["seed-db"])
    assert result.output == "Added 12 sample posts.\n"
    assert runner.invoke(args=["seed-db"]).output == "The sample posts are there already.\n"
    result = runner.invoke(
        args=["create-user", "Boss", "--email", "boss@example.org", "--role", "admin"],
        input="long enough\nlong enough\n",
    )
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["set-role", "boss", "moderator"]).exit_code == 0
    assert runner.invoke(args=["init-db", "--drop"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Post.id))) == 0


def test_blog_features_on_postgresql(app: Flask) -> None:
    author = logged_in(app, "pg_author")
    slug = author.create_post("On PostgreSQL", "Text", tags="pg, sql")
    draft = author.create_post("PG draft", published=False)
    reader = logged_in(app, "pg_reader", role="reader")
    visitor = client_for(app)

    assert "On PostgreSQL" in visitor.get("/").get_data(as_text=True)
    assert visitor.get(f"/posts/{draft}").status_code == 404
    assert reader.get(f"/posts/{slug}/edit").status_code == 403
    assert reader.comment(slug, "Nice one").status_code == 302
    assert "Nice one" not in visitor.get(f"/posts/{slug}").get_data(as_text=True)
    with app.app_context():
        comment_id = db.session.scalar(sa.select(Comment.id))
    assert author.submit(f"/comments/{comment_id}/approve").status_code == 302
    assert "Nice one" in visitor.get(f"/posts/{slug}").get_data(as_text=True)
    assert "pg_author" in visitor.get("/tags/sql").get_data(as_text=True)

    response = author.post("/api/posts", json={"title": "Via API", "body": "B", "published": True})
    assert response.status_code == 201
    listing = visitor.get("/api/posts?per_page=500").get_json()
    assert listing["per_page"] == 50
    assert [p["slug"] for p in listing["posts"]] == ["via-api", slug]
    assert listing["posts"][1]["views"] == 2  # the visitor read it twice

    admin = logged_in(app, "pg_admin", role="admin")
    assert "<th>Comments</th><td>1</td>" in admin.get("/admin/").get_data(as_text=True)
    assert author.submit(f"/posts/{slug}/delete").status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0
