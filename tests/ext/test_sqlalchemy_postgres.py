"""The same models against a real PostgreSQL: psycopg (sync views) and asyncpg (async views)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from test_sqlalchemy import make_todo_app
from test_sqlalchemy_async import make_notes_app

import erlen


def _url(base: str, driver: str) -> sa.engine.URL:
    return sa.engine.make_url(base).set(drivername=driver)


@pytest.fixture
def pg_app(fresh_postgresql_url, tmp_path):
    def make(driver):
        app = erlen.Flask(__name__, instance_path=str(tmp_path / "instance"))
        app.config.update(TESTING=True, SQLALCHEMY_DATABASE_URI=_url(fresh_postgresql_url, driver))
        apps.append(app)
        return app

    apps: list[erlen.Flask] = []
    yield make
    for app in apps:  # give every connection back before the database is dropped
        db = app.extensions["sqlalchemy"]
        with app.app_context():
            for engine in db.async_engines.values():
                app.ensure_sync(engine.dispose)()  # on the loop that owns the connections
            db.engine.dispose()


def test_psycopg_crud_pagination_and_404(pg_app):
    app = pg_app("postgresql+psycopg")
    db, TodoItem = make_todo_app(app)
    client = app.test_client()
    for i in range(1, 13):
        assert client.post("/todos", data={"title": f"t{i}"}).status_code == 201
    assert client.get("/todos/3").get_json() == {"title": "t3"}
    assert client.get("/todos/300").status_code == 404
    page = client.get("/todos?page=2&per_page=5").get_json()
    assert page["items"] == ["t6", "t7", "t8", "t9", "t10"]
    assert (page["total"], page["pages"]) == (12, 3)
    assert client.get("/todos?page=9&per_page=5").status_code == 404
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        assert sa.inspect(db.engine).get_table_names() == ["todo_item"]
        db.drop_all()
        assert sa.inspect(db.engine).get_table_names() == []


def test_asyncpg_async_views_and_teardown(pg_app):
    app = pg_app("postgresql+asyncpg")
    db, Note = make_notes_app(app)

    @app.get("/held")
    async def held():
        await db.async_session.execute(sa.select(Note))
        return {"in_tx": db.async_session().in_transaction()}

    client = app.test_client()
    ids = [client.post("/notes", data={"body": b}).get_json()["id"] for b in ("a", "b", "c")]
    assert client.get(f"/notes/{ids[2]}").get_json() == {"body": "c"}
    assert client.get("/notes").get_json() == {"bodies": ["a", "b", "c"]}
    assert client.get("/notes/999").status_code == 404

    for _ in range(3):
        assert client.get("/held").get_json() == {"in_tx": True}
    with app.app_context():
        assert db.async_engine.dialect.driver == "asyncpg"
        assert db.async_engine.sync_engine.pool.checkedout() == 0  # closed at teardown


def test_psycopg_and_asyncpg_see_the_same_rows(pg_app):
    sync_app = pg_app("postgresql+psycopg")
    db, TodoItem = make_todo_app(sync_app)
    sync_app.test_client().post("/todos", data={"title": "shared"})
    async_app = pg_app("postgresql+asyncpg")
    adb = erlen.ext.sqlalchemy.SQLAlchemy(async_app)

    class TodoItemView(adb.Model):
        __tablename__ = "todo_item"
        id = adb.Column(adb.Integer, primary_key=True)
        title = adb.Column(adb.String(80))

    @async_app.get("/titles")
    async def titles():
        rows = await adb.async_session.execute(adb.select(TodoItemView.title))
        return {"titles": rows.scalars().all()}

    assert async_app.test_client().get("/titles").get_json() == {"titles": ["shared"]}
