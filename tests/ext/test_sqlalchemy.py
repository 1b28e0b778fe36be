"""erlen.ext.sqlalchemy on SQLite through real apps and the test client."""

from __future__ import annotations

import gc
import threading

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as sa_orm
from no_flask import run_without_flask

import erlen
from erlen import jsonify, request
from erlen.exceptions import NotFound
from erlen.ext.sqlalchemy import SQLAlchemy
from erlen.ext.sqlalchemy.pagination import Pagination
from erlen.ext.sqlalchemy.record_queries import get_recorded_queries
from erlen.ext.sqlalchemy.track_modifications import before_models_committed, models_committed


@pytest.fixture
def app(tmp_path):
    app = erlen.Flask(__name__, instance_path=str(tmp_path / "instance"))
    app.config.update(TESTING=True, SQLALCHEMY_DATABASE_URI="sqlite://")
    return app


def make_todo_app(app, **db_kwargs):
    """A small CRUD app: the same view code Flask-SQLAlchemy's docs use."""
    db = SQLAlchemy(app, **db_kwargs)

    class TodoItem(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        title = db.Column(db.String(80), nullable=False)

    @app.post("/todos")
    def create():
        item = TodoItem(title=request.form["title"])
        db.session.add(item)
        db.session.commit()
        return {"id": item.id}, 201

    @app.get("/todos/<int:id>")
    def show(id):
        return {"title": db.get_or_404(TodoItem, id).title}

    @app.get("/todos")
    def index():
        page = db.paginate(db.select(TodoItem).order_by(TodoItem.id), max_per_page=10)
        return jsonify(
            items=[t.title for t in page],
            page=page.page,
            per_page=page.per_page,
            total=page.total,
            pages=page.pages,
            has_prev=page.has_prev,
            prev_num=page.prev_num,
            has_next=page.has_next,
            next_num=page.next_num,
            iter_pages=list(page.iter_pages()),
        )

    with app.app_context():
        db.create_all()
    return db, TodoItem


def test_crud_through_views(app):
    db, TodoItem = make_todo_app(app)
    client = app.test_client()
    rv = client.post("/todos", data={"title": "write tests"})
    assert rv.status_code == 201
    item_id = rv.get_json()["id"]
    assert client.get(f"/todos/{item_id}").get_json() == {"title": "write tests"}
    missing = client.get("/todos/999")
    assert missing.status_code == 404
    assert client.get(f"/todos/{item_id}").status_code == 200  # the app still answers
    assert TodoItem.__tablename__ == "todo_item"


def test_paginate_reads_query_string(app):
    db, TodoItem = make_todo_app(app)
    with app.app_context():
        db.session.add_all(TodoItem(title=f"t{i}") for i in range(1, 24))
        db.session.commit()
    client = app.test_client()
    first = client.get("/todos?per_page=5").get_json()
    assert first["items"] == ["t1", "t2", "t3", "t4", "t5"]
    assert (first["total"], first["pages"], first["has_prev"], first["next_num"]) == (
        23,
        5,
        False,
        2,
    )
    third = client.get("/todos?page=3&per_page=5").get_json()
    assert third["items"] == ["t11", "t12", "t13", "t14", "t15"]
    assert (third["prev_num"], third["next_num"]) == (2, 4)
    assert third["iter_pages"] == [1, 2, 3, 4, 5]
    capped = client.get("/todos?per_page=500").get_json()
    assert capped["per_page"] == 10 and len(capped["items"]) == 10
    default = client.get("/todos").get_json()
    assert default["page"] == 1 and default["per_page"] == 10


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "per_page=x",
        "page=0",
        "page=-2",
        "per_page=0",
        "page=99",
        "page=1e9",
        # Past the 64-bit OFFSET of SQLite and PostgreSQL, which would fail the query.
        "page=99999999999999999999",
        "page=922337203685477582",
    ],
)
def test_paginate_hostile_query_string_is_404(app, query):
    make_todo_app(app)
    client = app.test_client()
    client.post("/todos", data={"title": "one"})
    assert client.get(f"/todos?{query}").status_code == 404
    assert client.get("/todos").status_code == 200


def test_paginate_beyond_the_databases_range_without_error_out(app):
    db, TodoItem = make_todo_app(app)
    with app.app_context():
        db.session.add(TodoItem(title="one"))
        db.session.commit()
    huge = 2**63
    with app.test_request_context(f"/?page={huge}"):
        page = db.paginate(db.select(TodoItem), error_out=False)
        assert (page.page, page.items, page.total) == (huge, [], 1)
    with app.test_request_context(f"/?per_page={huge}"):
        page = db.paginate(db.select(TodoItem), max_per_page=None, error_out=False)
        assert (page.per_page, [t.title for t in page.items]) == (20, ["one"])
    with app.test_request_context(f"/?per_page={huge}"), pytest.raises(NotFound):
        db.paginate(db.select(TodoItem), max_per_page=None)


def test_iter_pages_widget():
    class Numbers(Pagination):
        def _query_items(self):
            return list(range(self._query_offset, min(self._query_offset + self.per_page, 200)))

        def _query_count(self):
            return 200

    p = Numbers(page=7, per_page=10)
    assert list(p.iter_pages()) == [1, 2, None, 5, 6, 7, 8, 9, 10, 11, None, 19, 20]
    assert list(p.iter_pages(left_edge=1, left_current=1, right_current=1, right_edge=1)) == [
        1, None, 6, 7, 8, None, 20,
    ]  # fmt: skip
    assert (p.first, p.last) == (61, 70)
    assert p.next().items == list(range(70, 80)) and p.next().total == 200
    assert p.prev().page == 6


def test_session_scoped_to_app_context_and_removed_at_teardown(app):
    db, TodoItem = make_todo_app(app)
    seen = []

    @app.before_request
    def remember():
        seen.append(db.session())

    @app.get("/same")
    def same():
        return {"same": db.session() is seen[-1]}

    client = app.test_client()
    assert client.get("/same").get_json() == {"same": True}
    assert client.get("/same").get_json() == {"same": True}
    assert seen[0] is not seen[1]
    with app.app_context():
        assert not db.session.registry.has()  # removed at the end of each request


def test_session_outside_app_context_is_a_clear_error(app):
    db = SQLAlchemy(app)
    with pytest.raises(RuntimeError, match="application context"):
        db.session()


def test_threads_get_their_own_session_and_share_memory_db(app):
    db, TodoItem = make_todo_app(app)
    sessions = {}

    def worker(name):
        with app.app_context():
            db.session.add(TodoItem(title=name))
            db.session.commit()
            sessions[name] = db.session()

    # One thread after another: the threads share the in-memory database's one connection,
    # which (as with Flask-SQLAlchemy) is not meant for concurrent writes.
    for i in range(4):
        thread = threading.Thread(target=worker, args=(f"w{i}",))
        thread.start()
        thread.join()
    assert len({id(s) for s in sessions.values()}) == 4
    with app.app_context():
        titles = db.session.execute(db.select(TodoItem.title)).scalars().all()
    assert sorted(titles) == ["w0", "w1", "w2", "w3"]  # one in-memory database for all threads


@pytest.mark.filterwarnings("ignore:The Query.get:sqlalchemy.exc.LegacyAPIWarning")
def test_legacy_query_helpers(app):
    db, TodoItem = make_todo_app(app)
    with app.app_context():
        db.session.add_all([TodoItem(title="a"), TodoItem(title="b"), TodoItem(title="b")])
        db.session.commit()
        assert TodoItem.query.get_or_404(1).title == "a"
        assert TodoItem.query.filter_by(title="b").first_or_404().title == "b"
        with pytest.raises(erlen.exceptions.NotFound):
            TodoItem.query.get_or_404(10)
        with pytest.raises(erlen.exceptions.NotFound):
            TodoItem.query.filter_by(title="b").one_or_404()
        with pytest.raises(erlen.exceptions.NotFound, match="no such item"):
            db.first_or_404(db.select(TodoItem).filter_by(title="z"), description="no such item")
        page = TodoItem.query.order_by(TodoItem.id).paginate(page=2, per_page=2)
        assert [t.title for t in page.items] == ["b"] and page.total == 3


def test_binds_put_tables_in_their_database(app, tmp_path):
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///main.db"
    app.config["SQLALCHEMY_BINDS"] = {"audit": f"sqlite:///{tmp_path / 'audit.db'}"}
    db = SQLAlchemy(app)

    class Account(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    class AuditEvent(db.Model):
        __bind_key__ = "audit"
        id = db.Column(db.Integer, primary_key=True)

    with app.app_context():
        db.create_all()
        db.session.add_all([Account(), AuditEvent()])
        db.session.commit()
        assert db.engine.url.database == str(tmp_path / "instance" / "main.db")
        assert sa.inspect(db.engine).get_table_names() == ["account"]
        assert sa.inspect(db.engines["audit"]).get_table_names() == ["audit_event"]
        assert db.session.get_bind(mapper=AuditEvent) is db.engines["audit"]
        db.drop_all(bind_key="audit")
        assert sa.inspect(db.engines["audit"]).get_table_names() == []
        assert repr(db) == f"<SQLAlchemy {db.engine.url} +1>"


def test_engines_are_closed_when_the_app_is_collected(tmp_path):
    app = erlen.Flask(__name__, instance_path=str(tmp_path / "instance"))
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    app.config["SQLALCHEMY_BINDS"] = {"audit": f"sqlite:///{tmp_path / 'audit.db'}"}
    db = SQLAlchemy(app)
    closed = []
    with app.app_context():
        for key, engine in db.engines.items():
            sa.event.listen(engine, "close", lambda *args, key=key: closed.append(key))
            with engine.connect() as conn:
                conn.execute(sa.text("select 1"))  # a connection goes into the pool
    assert closed == []  # pooled, not closed, while the app lives
    del app
    gc.collect()  # an app holds reference cycles (its own bound view functions)
    assert len(closed) == 2 and set(closed) == {None, "audit"}  # each engine's connection


def test_declarative_base_model_class_with_dataclasses(app):
    class Base(sa_orm.MappedAsDataclass, sa_orm.DeclarativeBase):
        pass

    db = SQLAlchemy(app, model_class=Base)

    class BlogPost(db.Model):
        id: sa_orm.Mapped[int] = sa_orm.mapped_column(primary_key=True, init=False)
        title: sa_orm.Mapped[str]

    with app.app_context():
        db.create_all()
        db.session.add(BlogPost(title="dataclass"))
        db.session.commit()
        post = db.one_or_404(db.select(BlogPost))
    assert BlogPost.__tablename__ == "blog_post"
    assert post.title == "dataclass" and post.id == 1
    assert "title='dataclass'" in repr(post)


def test_disable_autonaming_requires_a_name(app):
    db = SQLAlchemy(app, disable_autonaming=True)
    with pytest.raises(sa.exc.InvalidRequestError):

        class Nameless(db.Model):
            id = db.Column(db.Integer, primary_key=True)


def test_engine_options_and_echo_from_config(app):
    app.config["SQLALCHEMY_ECHO"] = True
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "execution_options": {"isolation_level": "SERIALIZABLE"}
    }
    db = SQLAlchemy(app, engine_options={"pool_pre_ping": True})
    with app.app_context():
        assert db.engine.echo is True
        assert db.engine.pool._pre_ping is True
        with db.engine.connect() as conn:
            assert conn.get_isolation_level() == "SERIALIZABLE"


def test_missing_url_is_a_clear_error(app):
    del app.config["SQLALCHEMY_DATABASE_URI"]
    with pytest.raises(RuntimeError, match="SQLALCHEMY_DATABASE_URI"):
        SQLAlchemy(app)


def test_record_queries_in_views(app):
    app.config["SQLALCHEMY_RECORD_QUERIES"] = True
    db, TodoItem = make_todo_app(app)

    @app.get("/queries")
    def queries():
        db.session.execute(db.select(TodoItem).where(TodoItem.id > 3)).all()
        return {
            "queries": [
                {"sql": q.statement, "params": list(q.parameters[0]), "where": q.location}
                for q in get_recorded_queries()
            ],
            "durations_ok": all(q.duration >= 0 for q in get_recorded_queries()),
        }

    data = app.test_client().get("/queries").get_json()
    assert len(data["queries"]) == 1
    query = data["queries"][0]
    assert "FROM todo_item" in query["sql"] and query["params"] == [3]
    assert "test_sqlalchemy.py:" in query["where"] and "(queries)" in query["where"]
    assert data["durations_ok"]


def test_record_queries_off_by_default(app):
    db, TodoItem = make_todo_app(app)
    with app.app_context():
        db.session.execute(db.select(TodoItem)).all()
        assert get_recorded_queries() == []


def test_track_modifications_signals(app):
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = True
    db, TodoItem = make_todo_app(app)
    received = []

    def before(sender, changes):
        received.append(("before", sender, [(type(i).__name__, op) for i, op in changes]))

    def after(sender, changes):
        received.append(("after", sender, [(type(i).__name__, op) for i, op in changes]))

    with before_models_committed.connected_to(before), models_committed.connected_to(after):
        assert app.test_client().post("/todos", data={"title": "x"}).status_code == 201
    assert received == [
        ("before", app, [("TodoItem", "insert")]),
        ("after", app, [("TodoItem", "insert")]),
    ]


def test_shell_context_has_db_and_models(app):
    db, TodoItem = make_todo_app(app)
    with app.app_context():
        names = app.make_shell_context()
    assert names["db"] is db and names["TodoItem"] is TodoItem


def test_sa_names_on_db(app):
    db = SQLAlchemy(app)
    assert db.Column is sa.Column and db.select is sa.select and db.relationship is not None
    assert db.event is sa.event
    with pytest.raises(AttributeError):
        db.no_such_name  # noqa: B018


def test_second_instance_on_one_app_is_refused(app):
    SQLAlchemy(app)
    with pytest.raises(RuntimeError, match="already been registered"):
        SQLAlchemy(app)


def test_request_that_does_not_touch_db_opens_no_session(app):
    db, TodoItem = make_todo_app(app)
    created = []
    sa.event.listen(db.session, "after_begin", lambda *a: created.append(a))

    @app.get("/plain")
    def plain():
        return {"session": db.session.registry.has()}

    assert app.test_client().get("/plain").get_json() == {"session": False}
    assert created == []


def test_battery_imports_without_flask_or_werkzeug(tmp_path):
    script = """
        import erlen
        from erlen.ext.sqlalchemy import SQLAlchemy
        from erlen.ext.sqlalchemy import (
            cli, extension, model, pagination, query, record_queries, session,
            track_modifications,
        )
        from erlen.ext.migrate import Migrate

        app = erlen.Flask("blocked")
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
        db = SQLAlchemy(app)
        Migrate(app, db)

        class Thing(db.Model):
            id = db.Column(db.Integer, primary_key=True)

        with app.app_context():
            db.create_all()
            db.session.add(Thing())
            db.session.commit()
            print(db.session.execute(db.select(db.func.count(Thing.id))).scalar_one())
        """
    assert run_without_flask(script, cwd=tmp_path).split() == ["1"]
