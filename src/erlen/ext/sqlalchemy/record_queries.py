"""``SQLALCHEMY_RECORD_QUERIES``: every query's SQL, parameters, timing and caller, kept in ``g``."""

from __future__ import annotations

import dataclasses
import sys
import typing as t
from time import perf_counter

import sqlalchemy as sa
import sqlalchemy.event as sa_event

from erlen import current_app, g, has_app_context

__all__ = ["get_recorded_queries"]

_G_KEY = "_sqlalchemy_queries"


def get_recorded_queries() -> list[_QueryInfo]:
    """The queries run so far in the current application context (a request, a CLI command).

    Recorded only when ``SQLALCHEMY_RECORD_QUERIES`` is true. Each item has ``statement`` (SQL
    with placeholders), ``parameters``, ``start_time``, ``end_time``, ``duration`` (seconds) and
    ``location``: ``file:line (function)`` of the innermost caller inside the app's own package
    (its ``import_name``), or ``"<unknown>"``.
    """
    return g.get(_G_KEY, [])


@dataclasses.dataclass
class _QueryInfo:
    """One recorded query (see :func:`get_recorded_queries`)."""

    statement: str | None
    parameters: t.Any
    start_time: float
    end_time: float
    location: str

    @property
    def duration(self) -> float:
        """Seconds between the query's start and its results."""
        return self.end_time - self.start_time


def _listen(engine: sa.engine.Engine) -> None:
    """Record the queries run on ``engine`` (an async engine's ``sync_engine`` included)."""
    sa_event.listen(engine, "before_cursor_execute", _record_start, named=True)
    sa_event.listen(engine, "after_cursor_execute", _record_end, named=True)


def _record_start(context: sa.engine.ExecutionContext, **kwargs: t.Any) -> None:
    if has_app_context():
        context._erlen_query_start = perf_counter()  # type: ignore[attr-defined]


def _caller_location(import_name: str) -> str:
    """``file:line (function)`` of the innermost frame in the app's top-level package."""
    top = import_name.partition(".")[0]
    prefix = f"{top}."
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__")
        if name and (name == top or name.startswith(prefix)):
            code = frame.f_code
            return f"{code.co_filename}:{frame.f_lineno} ({code.co_name})"
        frame = frame.f_back  # type: ignore[assignment]
    return "<unknown>"


def _record_end(context: sa.engine.ExecutionContext, **kwargs: t.Any) -> None:
    start = getattr(context, "_erlen_query_start", None)
    if start is None or not has_app_context():
        return
    end = perf_counter()
    queries = g.setdefault(_G_KEY, [])
    queries.append(
        _QueryInfo(
            statement=context.statement,
            parameters=context.parameters,
            start_time=start,
            end_time=end,
            location=_caller_location(current_app.import_name),
        )
    )
