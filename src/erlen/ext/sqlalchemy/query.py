"""The legacy :class:`Query` with the web helpers ``get_or_404``, ``first_or_404``, ``paginate``."""

from __future__ import annotations

import typing as t

import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as sa_orm

from erlen import abort

from .pagination import Pagination, QueryPagination

__all__ = ["Query"]


class Query(sa_orm.Query[t.Any]):
    """SQLAlchemy's legacy :class:`~sqlalchemy.orm.Query` with 404 helpers and pagination.

    The class of ``Model.query`` and of ``lazy="dynamic"`` relationships made through
    ``db.relationship``. SQLAlchemy calls this interface legacy; new code uses
    ``db.session.execute(db.select(...))`` and :meth:`.SQLAlchemy.get_or_404` and friends.
    """

    def get_or_404(self, ident: t.Any, description: str | None = None) -> t.Any:
        """Like ``get(ident)``, but abort with ``404 Not Found`` when there is no such row."""
        rv = self.get(ident)
        if rv is None:
            abort(404, description=description)
        return rv

    def first_or_404(self, description: str | None = None) -> t.Any:
        """Like ``first()``, but abort with ``404 Not Found`` when there is no row."""
        rv = self.first()
        if rv is None:
            abort(404, description=description)
        return rv

    def one_or_404(self, description: str | None = None) -> t.Any:
        """Like ``one()``, but abort with ``404 Not Found`` for no row or several rows."""
        try:
            return self.one()
        except (sa_exc.NoResultFound, sa_exc.MultipleResultsFound):
            abort(404, description=description)

    def paginate(
        self,
        *,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = None,
        error_out: bool = True,
        count: bool = True,
    ) -> Pagination:
        """One page of this query's results as a :class:`~.pagination.Pagination`.

        ``page`` and ``per_page`` default to the request's ``page`` / ``per_page`` query
        arguments (else 1 and 20); see :class:`~.pagination.Pagination` for the others.
        """
        return QueryPagination(
            query=self,
            page=page,
            per_page=per_page,
            max_per_page=max_per_page,
            error_out=error_out,
            count=count,
        )
