"""erlen.ext.sqlalchemy in ``async def`` views: ``db.async_session`` on aiosqlite."""

from __future__ import annotations

import asyncio
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

import erlen
from erlen import request
from erlen.ext.sqlalchemy import SQLAlchemy
from erlen.ext.sqlalchemy.record_queries import get_recorded_queries


@pytest.fixture(params=["memory", "file"])
def app(request, tmp_path):
    app = erlen.Flask(__name__, instance_path=str(tmp_path / "instance"))
    url = "sqlite+aiosqlite://" if request.param == "memory" else "sqlite+aiosqlite:///notes.db"
    app.config.update(TESTING=True, SQLALCHEMY_DATABASE_URI=url)
    yield app
    db = app.extensions.get("sqlalchemy")
    if db is not None:
        with app.app_context():
            for engine in db.async_engines.values():
                asyncio.run(engine.dispose())  # close the connections the test left pooled


def make_notes_app(app):
    db = SQLAlchemy(app)

    class Note(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        body = db.Column(db.String, nullable=False)

    @app.post("/notes")
    async def create():
        note = Note(body=request.form["body"])
        db.async_session.add(note)
        await db.async_session.commit()
        return {"id": note.id}, 201

    @app.get("/notes/<int:id>")
    async def show(id):
        note = await db.async_session.get(Note, id)
        if note is None:
            erlen.abort(404)
        return {"body": note.body}

    @app.get("/notes")
    async def index():
        result = await db.async_session.execute(db.select(Note.body).order_by(Note.id))
        return {"bodies": result.scalars().all()}

    with app.app_context():
        db.create_all()  # from sync code, on an async engine
    return db, Note


def test_async_views_read_and_write(app):
    db, Note = make_notes_app(app)
    client = app.test_client()
    ids = [client.post("/notes", data={"body": b}).get_json()["id"] for b in ("one", "two")]
    assert client.get(f"/notes/{ids[1]}").get_json() == {"body": "two"}
    assert client.get("/notes").get_json() == {"bodies": ["one", "two"]}
    assert client.get("/notes/99").status_code == 404
    with app.app_context():
        assert isinstance(db.async_engine, AsyncEngine)
        assert db.engine is db.async_engine.sync_engine
        assert db.engine.url.drivername == "sqlite+aiosqlite"


def test_async_session_scoped_to_request_and_closed_at_teardown(app):
    db, Note = make_notes_app(app)
    seen = []

    @app.get("/scope")
    async def scope():
        first = db.async_session()
        await db.async_session.execute(sa.select(Note))  # holds a connection in a transaction

        async def in_task():
            return db.async_session()

        other = await asyncio.create_task(in_task())
        seen.append(first)
        return {"same_in_task": other is first, "in_tx": first.in_transaction()}

    client = app.test_client()
    assert client.get("/scope").get_json() == {"same_in_task": True, "in_tx": True}
    assert client.get("/scope").get_json() == {"same_in_task": True, "in_tx": True}
    assert seen[0] is not seen[1]
    assert not seen[0].in_transaction()  # closed at teardown
    with app.app_context():
        assert not db.async_session.registry.has()
        pool = db.async_engine.sync_engine.pool
        assert getattr(pool, "checkedout", lambda: 0)() == 0


def test_concurrent_requests_in_threads_get_their_own_async_sessions(app):
    db, Note = make_notes_app(app)
    sessions = []
    lock = threading.Lock()

    @app.get("/who")
    async def who():
        with lock:
            sessions.append(db.async_session())
        await asyncio.sleep(0)
        return {"ok": db.async_session() is sessions[-1] or db.async_session() in sessions}

    results = []

    def call():
        results.append(app.test_client().get("/who").status_code)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 4
    assert len({id(s) for s in sessions}) == 4


def test_sync_view_and_async_session_types(app):
    db, Note = make_notes_app(app)

    @app.get("/types")
    async def types():
        return {"async": isinstance(db.async_session(), AsyncSession)}

    assert app.test_client().get("/types").get_json() == {"async": True}


def test_record_queries_from_async_views(app):
    app.config["SQLALCHEMY_RECORD_QUERIES"] = True
    db, Note = make_notes_app(app)

    @app.get("/recorded")
    async def recorded():
        await db.async_session.execute(sa.select(Note).where(Note.id == 7))
        return {"sql": [q.statement for q in get_recorded_queries()]}

    sql = app.test_client().get("/recorded").get_json()["sql"]
    assert len(sql) == 1 and "FROM note" in sql[0]


def test_async_session_without_async_driver_is_a_clear_error(tmp_path):
    app = erlen.Flask(__name__, instance_path=str(tmp_path))
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = SQLAlchemy(app)
    with app.app_context():
        with pytest.raises(RuntimeError, match="async driver"):
            db.async_session()
        with pytest.raises(RuntimeError, match="async driver"):
            db.async_engine  # noqa: B018


def test_create_all_from_a_running_loop_thread(app):
    db, Note = make_notes_app(app)

    @app.get("/reset")
    async def reset():
        db.drop_all()  # sync call on the loop thread: runs on a helper thread's loop
        db.create_all()
        result = await db.async_session.execute(sa.select(sa.func.count()).select_from(Note))
        return {"rows": result.scalar_one()}

    client = app.test_client()
    client.post("/notes", data={"body": "gone"})
    assert client.get("/reset").get_json() == {"rows": 0}


def test_teardown_on_the_loop_thread_closes_the_session_in_a_task(app):
    # What an ASGI server does: the app context ends on the event loop's own thread, where
    # the teardown cannot block; the close becomes a task of that loop.
    db, Note = make_notes_app(app)

    async def main():
        with app.app_context():
            session = db.async_session()
            await session.execute(sa.select(Note))
            assert session.in_transaction()
        pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        await asyncio.gather(*pending)
        return len(pending), session.in_transaction()

    assert asyncio.run(main()) == (1, False)
