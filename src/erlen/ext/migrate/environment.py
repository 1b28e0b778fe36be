"""Helpers for the ``env.py`` of erlen's migration templates (sync and async drivers alike)."""

from __future__ import annotations

import asyncio
import typing as t

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

__all__ = ["engine_url", "run_with_connection"]


def engine_url(engine: sa.engine.Engine) -> str:
    """The engine's URL with its password, escaped for Alembic's ini-style config."""
    return engine.url.render_as_string(hide_password=False).replace("%", "%%")


def run_with_connection(
    engine: sa.engine.Engine, fn: t.Callable[[sa.engine.Connection], None]
) -> None:
    """Call ``fn(connection)`` with a connection of ``engine``.

    For an async driver (``engine`` is then an ``AsyncEngine``'s ``sync_engine``) the call runs
    through ``run_sync`` on an event loop of this command, with a connection of its own, so
    no connection of the app's pool gets tied to that loop.
    """
    if not engine.dialect.is_async:
        with engine.connect() as connection:
            fn(connection)
        return

    async def run() -> None:
        one_off = create_async_engine(engine.url, poolclass=sa.pool.NullPool)
        try:
            async with one_off.connect() as connection:
                await connection.run_sync(fn)
        finally:
            await one_off.dispose()

    asyncio.run(run())
