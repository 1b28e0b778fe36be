"""``db.session``'s class: a :class:`Session` choosing the engine by the model's bind key."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as sa_orm

from erlen.globals import app_ctx

if t.TYPE_CHECKING:  # pragma: no cover
    from .extension import SQLAlchemy

__all__ = ["Session"]


class Session(sa_orm.Session):
    """A SQLAlchemy :class:`~sqlalchemy.orm.Session` that picks the engine from the bind key.

    The engine for a model or table is the one of its metadata's ``bind_key`` (see
    ``__bind_key__`` and ``SQLALCHEMY_BINDS``); anything else uses the default engine. Subclass
    it and pass it as ``session_options={"class_": ...}`` to customise ``db.session``; it is
    also the synchronous session inside ``db.async_session``.
    """

    def __init__(self, db: SQLAlchemy, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self._db = db
        self._model_changes: dict[object, tuple[t.Any, str]] = {}

    def get_bind(
        self,
        mapper: t.Any | None = None,
        clause: t.Any | None = None,
        bind: sa.engine.Engine | sa.engine.Connection | None = None,
        **kwargs: t.Any,
    ) -> sa.engine.Engine | sa.engine.Connection:
        """The engine for ``mapper`` or ``clause``: by bind key, else the default engine."""
        if bind is not None:
            return bind
        engines = self._db.engines
        if mapper is not None:
            try:
                info = sa.inspect(mapper)
            except sa_exc.NoInspectionAvailable as e:
                if isinstance(mapper, type):
                    raise sa_orm.exc.UnmappedClassError(mapper) from e
                raise
            engine = _engine_for(info.local_table, engines)
            if engine is not None:
                return engine
        if clause is not None:
            engine = _engine_for(clause, engines)
            if engine is not None:
                return engine
        if None in engines:
            return engines[None]
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def _engine_for(
    clause: t.Any, engines: t.Mapping[str | None, sa.engine.Engine]
) -> sa.engine.Engine | None:
    """The engine of a table's (or an INSERT/UPDATE/DELETE's table's) bind key, if it has one."""
    if isinstance(clause, sa.Table):
        table = clause
    elif isinstance(clause, sa.UpdateBase) and isinstance(clause.table, sa.Table):
        table = clause.table
    else:
        return None
    if "bind_key" not in table.metadata.info:
        return None
    key = table.metadata.info["bind_key"]
    if key not in engines:
        raise sa_exc.UnboundExecutionError(f"Bind key '{key}' is not in 'SQLALCHEMY_BINDS' config.")
    return engines[key]


def _app_ctx_id() -> int:
    """Scope of ``db.session``: the current application context, whatever thread or task.

    An ``async def`` view runs on another thread (erlen's loop under WSGI) with the context
    copied, so it sees the same context object, hence the same session, as the request.
    """
    return id(app_ctx._get_current_object())  # type: ignore[attr-defined]
