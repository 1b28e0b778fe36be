"""The PostgreSQL fixture itself: a real server, reachable, databases made and dropped."""

from __future__ import annotations

import sqlalchemy as sa


def test_server_answers(postgresql_url):
    engine = sa.create_engine(
        sa.engine.make_url(postgresql_url).set(drivername="postgresql+psycopg")
    )
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text("show server_version")).scalar_one()
            user = conn.execute(sa.text("select current_user")).scalar_one()
    finally:
        engine.dispose()
    assert int(version.split(".")[0]) >= 13
    assert user == "erlen"


def test_fresh_database_is_empty_and_separate(fresh_postgresql_url, postgresql_url):
    url = sa.engine.make_url(fresh_postgresql_url).set(drivername="postgresql+psycopg")
    assert url.database != sa.engine.make_url(postgresql_url).database
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            assert sa.inspect(conn).get_table_names() == []
            conn.execute(sa.text("create table t (id int)"))
            assert sa.inspect(conn).get_table_names() == ["t"]
    finally:
        engine.dispose()
