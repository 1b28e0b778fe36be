"""``erlen.ext.sqlalchemy``: Flask-SQLAlchemy 3.1's API on erlen and SQLAlchemy 2, without Flask.

``from erlen.ext.sqlalchemy import SQLAlchemy`` then ``db = SQLAlchemy(app)``; submodules keep
Flask-SQLAlchemy's names (``model``, ``query``, ``pagination``, ``record_queries``, ``session``,
``extension``, ``track_modifications``, ``cli``). Beyond Flask-SQLAlchemy: ``db.async_session``
and ``db.async_engine(s)`` for async drivers. See ``docs/ext/sqlalchemy.md``.
"""

from __future__ import annotations

from .extension import SQLAlchemy

__all__ = ["SQLAlchemy"]
