"""SQLite access: one connection per app context, schema created on demand, ``init-db``."""

from __future__ import annotations

import os
import sqlite3

import click

from erlen import Flask, current_app, g

_TABLES = ("note", "account")


def _schema_sql() -> str:
    with current_app.open_resource("schema.sql", "r", encoding="utf-8") as f:
        return f.read()  # type: ignore[no-any-return]


def _has_schema(conn: sqlite3.Connection) -> bool:
    found = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (?, ?)", _TABLES
    ).fetchone()[0]
    return bool(found == len(_TABLES))


def connect(path: str) -> sqlite3.Connection:
    """Open the database at ``path`` (creating its folder), rows as :class:`sqlite3.Row`."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def get_db() -> sqlite3.Connection:
    """The app context's connection, opened on first use.

    A missing or empty database gets its schema here, so a fresh checkout works without
    running ``init-db`` first.
    """
    if "db" not in g:
        conn = connect(current_app.config["DATABASE"])
        if not _has_schema(conn):
            conn.executescript(_schema_sql())
        g.db = conn
    return g.db  # type: ignore[no-any-return]


def close_db(exc: BaseException | None = None) -> None:
    """Close the app context's connection, if one was opened."""
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


def init_db(reset: bool = False) -> None:
    """Create the tables that are missing; with ``reset``, drop every table first."""
    conn = get_db()
    if reset:
        conn.executescript("".join(f"DROP TABLE IF EXISTS {name};" for name in _TABLES))
    conn.executescript(_schema_sql())


def init_app(app: Flask) -> None:
    """Close connections at the end of each app context and add the ``init-db`` command."""
    app.teardown_appcontext(close_db)

    @app.cli.command("init-db")
    @click.option("--reset", is_flag=True, help="Drop all tables (deleting every note) first.")
    def init_db_command(reset: bool) -> None:
        """Create the notes database tables (keeps existing data unless --reset)."""
        init_db(reset=reset)
        action = "Reset" if reset else "Initialised"
        click.echo(f"{action} the database at {current_app.config['DATABASE']}.")
