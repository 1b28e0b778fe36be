"""The base of ``db.Table``: a :class:`sqlalchemy.Table` whose metadata may be left out."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

__all__: list[str] = []


class _Table(sa.Table):
    """``db.Table(name, *columns, bind_key=None, **kwargs)``: the metadata is chosen from
    ``bind_key`` when not passed (the subclass is made per extension)."""

    if t.TYPE_CHECKING:  # pragma: no cover

        def __init__(self, name: str, *args: t.Any, **kwargs: t.Any) -> None: ...
