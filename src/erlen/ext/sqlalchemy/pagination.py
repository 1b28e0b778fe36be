"""Pagination of a ``select()`` or a legacy query: :class:`Pagination` and its two flavours."""

from __future__ import annotations

import typing as t
from math import ceil

import sqlalchemy as sa
import sqlalchemy.orm as sa_orm

from erlen import abort, has_request_context, request

__all__ = ["Pagination", "QueryPagination", "SelectPagination"]

_DEFAULT_PER_PAGE = 20
#: The largest LIMIT or OFFSET databases take (a signed 64-bit integer): a larger
#: ``per_page`` is refused like one below 1, and a page starting past it is empty (the
#: database would fail on it, which a request's ``?page=`` must not be able to cause).
_MAX_ROWS = 2**63 - 1


def _arg_or_default(name: str, default: int, error_out: bool) -> int:
    """An int query argument of the current request; a bad value is a 404 with error_out."""
    try:
        return int(request.args.get(name, default))
    except (TypeError, ValueError):
        if error_out:
            abort(404)
        return default


class Pagination:
    """One page of results: the items plus what a page widget needs.

    Made by :meth:`.SQLAlchemy.paginate` and :meth:`.Query.paginate`, not directly. A subclass
    supplies ``_query_items()`` (the items of the page, using :attr:`_query_offset` and
    :attr:`per_page`) and ``_query_count()`` (the total), reading what it needs from the keyword
    arguments kept in ``_query_args``.

    :param page: current page; default the request's ``page`` argument, else 1.
    :param per_page: items per page; default the request's ``per_page`` argument, else 20.
    :param max_per_page: cap on ``per_page`` (``None``: no cap).
    :param error_out: abort with 404 for an empty page other than the first (a page
        starting past the 64-bit OFFSET databases take is empty), a page or ``per_page``
        below 1 (or ``per_page`` past that limit), or a non-integer argument; else fall
        back to the defaults.
    :param count: run a second query for :attr:`total`; with ``False`` it is ``None``.

    Iterating over a pagination iterates over :attr:`items`.
    """

    def __init__(
        self,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = 100,
        error_out: bool = True,
        count: bool = True,
        **kwargs: t.Any,
    ) -> None:
        self._query_args = kwargs
        if has_request_context():
            if page is None:
                page = _arg_or_default("page", 1, error_out)
            if per_page is None:
                per_page = _arg_or_default("per_page", _DEFAULT_PER_PAGE, error_out)
        page = 1 if page is None else page
        per_page = _DEFAULT_PER_PAGE if per_page is None else per_page
        if max_per_page is not None:
            per_page = min(per_page, max_per_page)
        if page < 1 or not 1 <= per_page <= _MAX_ROWS:
            if error_out:
                abort(404)
            page = max(page, 1)
            if not 1 <= per_page <= _MAX_ROWS:
                per_page = _DEFAULT_PER_PAGE

        #: The current page number (from 1).
        self.page: int = page
        #: The maximum number of items on a page.
        self.per_page: int = per_page
        #: The cap that was applied to ``per_page``.
        self.max_per_page: int | None = max_per_page

        items = self._query_items() if self._query_offset <= _MAX_ROWS else []
        if not items and page != 1 and error_out:
            abort(404)
        #: The items on this page.
        self.items: list[t.Any] = items
        #: The number of items on all pages (``None`` when ``count=False``).
        self.total: int | None = self._query_count() if count else None

    @property
    def _query_offset(self) -> int:
        """Index of the page's first item, for ``offset()``."""
        return (self.page - 1) * self.per_page

    def _query_items(self) -> list[t.Any]:
        """The items of the page (implemented by subclasses)."""
        raise NotImplementedError

    def _query_count(self) -> int:
        """The total number of items (implemented by subclasses)."""
        raise NotImplementedError

    @property
    def first(self) -> int:
        """Number (from 1) of the first item on the page, or 0 for an empty page."""
        if not self.items:
            return 0
        return self._query_offset + 1

    @property
    def last(self) -> int:
        """Number (from 1, inclusive) of the last item on the page, or 0 for an empty page."""
        first = self.first
        return max(first, first + len(self.items) - 1)

    @property
    def pages(self) -> int:
        """The number of pages (0 when the total is 0 or unknown)."""
        if not self.total:
            return 0
        return ceil(self.total / self.per_page)

    @property
    def has_prev(self) -> bool:
        """True unless this is the first page."""
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        """The previous page number, or ``None`` on the first page."""
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        """True unless this is the last page."""
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        """The next page number, or ``None`` on the last page."""
        return self.page + 1 if self.has_next else None

    def _sibling(self, page: int, error_out: bool) -> Pagination:
        other = type(self)(
            page=page,
            per_page=self.per_page,
            max_per_page=self.max_per_page,
            error_out=error_out,
            count=False,
            **self._query_args,
        )
        other.total = self.total
        return other

    def prev(self, *, error_out: bool = False) -> Pagination:
        """The pagination for the previous page (no count query: the total is carried over)."""
        return self._sibling(self.page - 1, error_out)

    def next(self, *, error_out: bool = False) -> Pagination:
        """The pagination for the next page (no count query: the total is carried over)."""
        return self._sibling(self.page + 1, error_out)

    def iter_pages(
        self,
        *,
        left_edge: int = 2,
        left_current: int = 2,
        right_current: int = 4,
        right_edge: int = 2,
    ) -> t.Iterator[int | None]:
        """Page numbers for a page widget, with ``None`` where pages are skipped.

        Shows ``left_edge`` pages at the start, ``left_current`` before and ``right_current``
        after the current page, and ``right_edge`` at the end: with 20 pages on page 7 that is
        ``1, 2, None, 5, 6, 7, 8, 9, 10, 11, None, 19, 20``.
        """
        last = self.pages
        if last == 0:
            return
        ranges = [
            (1, min(left_edge, last)),
            (self.page - left_current, min(self.page + right_current, last)),
        ]
        if self.page + right_current < last:  # the middle stops short of the end
            ranges.append((last - right_edge + 1, last))
        shown: list[int] = []
        for lo, hi in ranges:
            shown.extend(range(max(lo, shown[-1] + 1 if shown else 1), hi + 1))
        previous = 0
        for number in shown:
            if number != previous + 1:
                yield None
            yield number
            previous = number

    def __iter__(self) -> t.Iterator[t.Any]:
        return iter(self.items)


class SelectPagination(Pagination):
    """Returned by :meth:`.SQLAlchemy.paginate`; keeps the ``select`` and the ``session``.

    Items are ``session.execute(select).unique().scalars()``, so select a model
    (``select(User)``), not several columns.
    """

    def _query_items(self) -> list[t.Any]:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).unique().scalars())

    def _query_count(self) -> int:
        select = self._query_args["select"]
        # Count over the statement without its ordering and eager loads.
        sub = select.options(sa_orm.lazyload("*")).order_by(None).subquery()
        total = (
            self._query_args["session"]
            .execute(sa.select(sa.func.count()).select_from(sub))
            .scalar()
        )
        return int(total or 0)


class QueryPagination(Pagination):
    """Returned by :meth:`.Query.paginate`; keeps the legacy ``query``."""

    def _query_items(self) -> list[t.Any]:
        query = self._query_args["query"]
        return list(query.limit(self.per_page).offset(self._query_offset).all())

    def _query_count(self) -> int:
        return int(self._query_args["query"].order_by(None).count())
