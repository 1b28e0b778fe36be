"""The async side: ``db.async_session`` and running metadata operations on an async engine.

A bind whose URL names an async driver (``sqlite+aiosqlite``, ``postgresql+asyncpg``, ...) gets
an :class:`~sqlalchemy.ext.asyncio.AsyncEngine`. ``db.async_session`` is an
:class:`~sqlalchemy.ext.asyncio.async_scoped_session` scoped like ``db.session`` (to the
application context, whatever thread or task uses it) and closed when the context is torn down.
"""

from __future__ import annotations

import asyncio
import typing as t
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_engine_from_config,
    async_scoped_session,
    async_sessionmaker,
)

from .session import Session, _app_ctx_id

if t.TYPE_CHECKING:  # pragma: no cover
    from .extension import SQLAlchemy

__all__ = ["AsyncSession"]

#: Key in the sync session's ``info`` holding the event loop the async session was made on.
_LOOP_KEY = "erlen.sqlalchemy.loop"

# Engine options that configure a connection pool; left out of a one-off NullPool engine.
_POOL_OPTIONS = frozenset(
    {
        "pool",
        "poolclass",
        "pool_size",
        "max_overflow",
        "pool_timeout",
        "pool_recycle",
        "pool_pre_ping",
        "pool_use_lifo",
        "pool_reset_on_return",
        "pool_logging_name",
        "echo_pool",
    }
)

# Closes scheduled on a loop from its own thread, kept referenced until they finish.
_pending_closes: set[asyncio.Task[None]] = set()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def make_async_scoped_session(
    db: SQLAlchemy, options: dict[str, t.Any]
) -> async_scoped_session[AsyncSession]:
    """Build ``db.async_session`` from the extension's ``session_options``.

    ``class_`` (a :class:`~.session.Session` subclass) becomes the ``sync_session_class`` of
    each :class:`AsyncSession`; ``query_cls`` only concerns the legacy sync query and is dropped;
    ``expire_on_commit`` defaults to ``False``.
    """
    options = dict(options)
    scope = options.pop("scopefunc", _app_ctx_id)
    sync_class = options.pop("class_", Session)
    options.pop("query_cls", None)
    # Attributes expired by a commit would be reloaded lazily, which is I/O that async code
    # cannot do implicitly (SQLAlchemy's asyncio docs recommend this setting).
    options.setdefault("expire_on_commit", False)
    factory = async_sessionmaker(sync_session_class=sync_class, db=db, **options)
    scoped = async_scoped_session(factory, scopefunc=scope)
    registry = scoped.registry
    make = registry.createfunc

    def create() -> AsyncSession:
        db._require_async_engines()
        session = make()
        # The loop that will own this session's connections: where it is closed at teardown.
        session.sync_session.info[_LOOP_KEY] = _running_loop()
        return session

    registry.createfunc = create
    return scoped


def close_async_session(session: AsyncSession) -> None:
    """Close ``session`` from synchronous teardown code, on the loop that used it.

    From another thread the close runs on that loop and is waited for; from the loop's own
    thread (a teardown run by an ASGI server on its loop) it is scheduled as a task there.
    """
    sync = session.sync_session
    if not sync.in_transaction():
        sync.close()  # no connection is held: closing needs no I/O
        return
    loop: asyncio.AbstractEventLoop | None = sync.info.get(_LOOP_KEY)
    if loop is None or loop.is_closed():
        sync.expunge_all()  # the loop that owned the connection is gone with it
        return
    if _running_loop() is loop:
        task = loop.create_task(session.close())
        _pending_closes.add(task)
        task.add_done_callback(_pending_closes.discard)
    elif loop.is_running():
        asyncio.run_coroutine_threadsafe(session.close(), loop).result()
    else:
        loop.run_until_complete(session.close())


def make_async_engine(options: dict[str, t.Any]) -> AsyncEngine:
    """An :class:`AsyncEngine` from engine options (``url`` included), like ``engine_from_config``."""
    return async_engine_from_config(dict(options), prefix="")


def run_on_async_engine(
    engine: AsyncEngine,
    options: dict[str, t.Any],
    fn: t.Callable[[sa.engine.Connection], t.Any],
) -> None:
    """Run ``fn(connection)`` in a transaction on an async bind, from synchronous code.

    It runs on a short-lived event loop in a helper thread (the caller may be on a running
    loop, which must not be blocked into a deadlock), with a connection of its own so that no
    pooled connection gets tied to that loop. An in-memory SQLite database (a static pool) can
    only be reached through its one connection, so that engine is used as it is.
    """
    static = isinstance(engine.sync_engine.pool, sa.pool.StaticPool)

    async def run() -> None:
        if static:
            target = engine
        else:
            one_off = {k: v for k, v in options.items() if k not in _POOL_OPTIONS}
            target = make_async_engine({**one_off, "poolclass": sa.pool.NullPool})
        try:
            async with target.begin() as connection:
                await connection.run_sync(fn)
        finally:
            if target is not engine:
                await target.dispose()

    with ThreadPoolExecutor(1, thread_name_prefix="erlen-sqlalchemy") as pool:
        pool.submit(asyncio.run, run()).result()
