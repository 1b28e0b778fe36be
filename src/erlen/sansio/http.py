"""Werkzeug's ``werkzeug.sansio.http``: conditional requests and cookies from header values.

The forms of :func:`erlen.http.is_resource_modified` and :func:`erlen.http.parse_cookie`
that take the header values themselves instead of a WSGI environ, with Werkzeug's
signatures; the logic is :mod:`erlen.http`'s.
"""

from __future__ import annotations

import typing as t
from datetime import datetime

from .. import http as _http

if t.TYPE_CHECKING:
    from ..datastructures import MultiDict

__all__ = ["is_resource_modified", "parse_cookie"]


def is_resource_modified(
    http_range: str | None = None,
    http_if_range: str | None = None,
    http_if_modified_since: str | None = None,
    http_if_none_match: str | None = None,
    http_if_match: str | None = None,
    etag: str | None = None,
    data: bytes | None = None,
    last_modified: datetime | str | None = None,
    ignore_if_range: bool = True,
) -> bool:
    """Return whether the resource must be sent, given the request's conditional headers.

    See :func:`erlen.http.is_resource_modified`, which this calls with the header values.
    """
    return _http.is_resource_modified(
        None,
        etag,
        data,
        last_modified,
        ignore_if_range,
        http_range=http_range,
        http_if_range=http_if_range,
        http_if_modified_since=http_if_modified_since,
        http_if_none_match=http_if_none_match,
        http_if_match=http_if_match,
    )


def parse_cookie(
    cookie: str | None = None, cls: type[MultiDict[str, str]] | None = None
) -> MultiDict[str, str]:
    """Parse the value of a ``Cookie`` header into ``cls`` (a :class:`MultiDict`).

    See :func:`erlen.http.parse_cookie`.
    """
    return t.cast("MultiDict[str, str]", _http.parse_cookie(cookie, cls))
