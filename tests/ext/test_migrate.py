"""erlen.ext.migrate: the ``erlen db`` commands on real databases (SQLite, aiosqlite, PostgreSQL)."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
from no_flask import BLOCK_FLASK

import erlen
from erlen.ext import migrate as migrate_api
from erlen.ext.migrate import Migrate
from erlen.ext.sqlalchemy import SQLAlchemy

APP_SOURCE = """
import os

import erlen
from erlen.ext.migrate import Migrate
from erlen.ext.sqlalchemy import SQLAlchemy

app = erlen.Flask(__name__, instance_path=os.path.join(os.getcwd(), "instance"))
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
if os.environ.get("AUDIT_URL"):
    app.config["SQLALCHEMY_BINDS"] = {"audit": os.environ["AUDIT_URL"]}
db = SQLAlchemy(app)
migrate = Migrate(app, db, compare_type=True)


class Author(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(NAME_LENGTH), nullable=False)

EXTRA
"""

AUDIT_MODEL = """
class AuditEvent(db.Model):
    __bind_key__ = "audit"
    id = db.Column(db.Integer, primary_key=True)
    what = db.Column(db.String(50))
"""


class Project:
    """An app file in a temp dir and a way to run ``erlen db ...`` on it."""

    def __init__(self, root: Path, database_url: str, audit_url: str | None = None) -> None:
        self.root = root
        self.env = {**os.environ, "ERLEN_APP": "app.py", "DATABASE_URL": database_url}
        self.env.pop("FLASK_APP", None)
        if audit_url:
            self.env["AUDIT_URL"] = audit_url
        self.write(name_length=80)

    def write(self, name_length: int) -> None:
        source = APP_SOURCE.replace("NAME_LENGTH", str(name_length))
        source = source.replace("EXTRA", AUDIT_MODEL if "AUDIT_URL" in self.env else "")
        (self.root / "app.py").write_text(source)

    def db(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "erlen", "db", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def ok(self, *args: str) -> str:
        result = self.db(*args)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout + result.stderr

    def revisions(self) -> list[Path]:
        return sorted((self.root / "migrations" / "versions").glob("*.py"))


def sqlite_tables(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        return {row[0] for row in conn.execute("select name from sqlite_master where type='table'")}


def test_init_migrate_upgrade_downgrade_on_sqlite(tmp_path):
    project = Project(tmp_path, "sqlite:///app.db")
    project.ok("init")
    assert (tmp_path / "migrations" / "env.py").read_text().startswith('"""Alembic environment')
    assert project.db("check").returncode == 1  # no revision yet: the database is behind
    output = project.ok("migrate", "-m", "authors")
    assert "Detected added table 'author'" in output
    assert len(project.revisions()) == 1
    assert project.db("check").returncode == 1  # not upgraded yet
    project.ok("upgrade")
    assert {"author", "alembic_version"} <= sqlite_tables(tmp_path / "instance" / "app.db")
    assert "No new upgrade operations detected" in project.ok("check")
    revision_id = project.revisions()[0].name.split("_")[0]
    assert revision_id in project.ok("current")
    assert revision_id in project.ok("heads")
    assert "authors" in project.ok("history")
    assert "authors" in project.ok("show", "head")
    assert "No changes in schema detected" in project.ok("migrate")
    assert len(project.revisions()) == 1  # an empty autogenerate writes nothing

    project.ok("downgrade")
    assert "author" not in sqlite_tables(tmp_path / "instance" / "app.db")
    project.ok("stamp", "head")
    assert revision_id in project.ok("current")


def test_compare_type_and_offline_sql(tmp_path):
    project = Project(tmp_path, "sqlite:///app.db")
    project.ok("init")
    project.ok("migrate", "-m", "first")
    sql = project.ok("upgrade", "--sql")  # offline: SQL to stdout, nothing run
    assert "CREATE TABLE author" in sql and "VARCHAR(80)" in sql
    assert "author" not in sqlite_tables(tmp_path / "instance" / "app.db")
    project.ok("upgrade")
    project.write(name_length=10)
    output = project.ok("migrate", "-m", "shorter")
    assert "Detected type change from VARCHAR(length=80) to String(length=10)" in output
    project.ok("upgrade")
    with closing(sqlite3.connect(tmp_path / "instance" / "app.db")) as conn:
        schema = conn.execute("select sql from sqlite_master where name='author'").fetchone()[0]
    assert "VARCHAR(10)" in schema


def test_multidb_repository(tmp_path):
    project = Project(tmp_path, "sqlite:///main.db", audit_url="sqlite:///audit.db")
    project.ok("init", "--multidb")
    project.ok("migrate", "-m", "both")
    revision = project.revisions()[0].read_text()
    assert "def upgrade_():" in revision and "def upgrade_audit():" in revision
    project.ok("upgrade")
    main, audit = tmp_path / "instance" / "main.db", tmp_path / "instance" / "audit.db"
    assert {"author", "alembic_version"} <= sqlite_tables(
        main
    ) and "audit_event" not in sqlite_tables(main)
    assert {"audit_event", "alembic_version"} <= sqlite_tables(audit)
    assert "author" not in sqlite_tables(audit)
    project.ok("downgrade")
    assert "author" not in sqlite_tables(main) and "audit_event" not in sqlite_tables(audit)


def test_async_driver(tmp_path):
    project = Project(tmp_path, "sqlite+aiosqlite:///app.db")
    project.ok("init")
    project.ok("migrate", "-m", "async")
    project.ok("upgrade")
    assert "author" in sqlite_tables(tmp_path / "instance" / "app.db")
    assert "No new upgrade operations detected" in project.ok("check")


def test_list_templates_and_flask_template_names(tmp_path):
    project = Project(tmp_path, "sqlite:///app.db")
    listing = project.ok("list-templates")
    assert "erlen - Single-database" in listing and "erlen-multidb - Multi-database" in listing
    project.ok("init", "-t", "flask-multidb")
    assert "upgrade_${name}" in (tmp_path / "migrations" / "script.py.mako").read_text()


def test_errors_exit_1_with_a_message(tmp_path):
    project = Project(tmp_path, "sqlite:///app.db")
    result = project.db("upgrade")  # no repository yet
    assert result.returncode == 1
    assert "Error:" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("driver", ["postgresql+psycopg", "postgresql+asyncpg"])
def test_postgresql(tmp_path, fresh_postgresql_url, driver):
    url = sa.engine.make_url(fresh_postgresql_url).set(drivername=driver)
    project = Project(tmp_path, url.render_as_string(hide_password=False))
    project.ok("init")
    project.ok("migrate", "-m", "pg")
    project.ok("upgrade")
    engine = sa.create_engine(
        sa.engine.make_url(fresh_postgresql_url).set(drivername="postgresql+psycopg")
    )
    try:
        assert {"author", "alembic_version"} <= set(sa.inspect(engine).get_table_names())
        project.write(name_length=20)
        assert "Detected type change" in project.ok("migrate", "-m", "longer")
        project.ok("upgrade")
        columns = {c["name"]: c["type"] for c in sa.inspect(engine).get_columns("author")}
        assert columns["name"].length == 20
        project.ok("downgrade", "base")
        assert "author" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.fixture
def restore_logging():
    """env.py configures logging from alembic.ini; put the process's logging back after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restore_logging")
def test_python_api_in_app_context(tmp_path):
    app = erlen.Flask(__name__, instance_path=str(tmp_path / "instance"))
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///api.db"
    db = SQLAlchemy(app)
    directory = str(tmp_path / "repo")
    migrate = Migrate(app, db, directory=directory)
    seen = []

    @migrate.configure
    def add_option(config):
        seen.append(config.get_main_option("script_location"))
        return config

    class Book(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    with app.app_context():
        migrate_api.init()
        migrate_api.migrate(message="books")
        migrate_api.upgrade()
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version", "book"]
        migrate_api.downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        with pytest.raises(SystemExit) as exc:
            migrate_api.upgrade(revision="no-such-revision")
        assert exc.value.code == 1
    assert seen and all(location == directory for location in seen)
    assert app.extensions["migrate"].metadata is db.metadata
    assert "db" in app.cli.commands


def test_migrate_app_file_needs_no_flask(tmp_path):
    project = Project(tmp_path, "sqlite:///app.db")
    (tmp_path / "sitecustomize.py").write_text(BLOCK_FLASK)
    project.env["PYTHONPATH"] = str(tmp_path)
    project.ok("init")
    project.ok("migrate")
    project.ok("upgrade")
    assert "author" in sqlite_tables(tmp_path / "instance" / "app.db")


@pytest.mark.parametrize("multidb", [False, True], ids=["single", "multidb"])
def test_revision_files_pass_ruff(tmp_path, multidb):
    # Regression: the templates wrote "Revises: " with a trailing space and unsorted imports.
    repo = Path(__file__).resolve().parents[2]
    project = Project(tmp_path, "sqlite:///main.db", "sqlite:///audit.db" if multidb else None)
    project.ok("init", *(["--multidb"] if multidb else []))
    project.ok("migrate", "-m", "first")
    project.ok("upgrade")
    project.write(name_length=10)
    project.ok("migrate", "-m", "second")
    texts = sorted((p.read_text() for p in project.revisions()), key=lambda text: "second" in text)
    first_id = texts[0].split("Revision ID: ", 1)[1].split("\n", 1)[0]
    assert "\nRevises:\n" in texts[0] and f"\nRevises: {first_id}\n" in texts[1]
    ruff = [sys.executable, "-m", "ruff", "check", "--no-cache"]
    config = ["--config", str(repo / "pyproject.toml")]
    files = [str(path) for path in project.revisions()]
    result = subprocess.run([*ruff, *config, *files], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
