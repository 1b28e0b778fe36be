"""The list envelope: ``{"data": [...], "meta": {...}, "links": {...}}``, with the total
in ``X-Total-Count`` and the page links in ``Link`` too."""

from __future__ import annotations

import typing as t

from marshmallow import Schema

from erlen import jsonify, url_for
from erlen.ext.sqlalchemy.pagination import Pagination
from erlen.wrappers import Response


def page_response(
    page: Pagination, schema: Schema, endpoint: str, args: t.Mapping[str, t.Any]
) -> Response:
    """The response for ``page``: its items dumped by ``schema`` (``many=True``), its
    numbers, and links to the other pages of ``endpoint`` with the same ``args``."""
    total = page.total or 0
    last = max(page.pages, 1)
    # The filters of this page, as the query string spells them.
    values = {
        name: "true" if value is True else value
        for name, value in args.items()
        if value is not None and value is not False
    }
    values["per_page"] = page.per_page

    def link(number: int) -> str:
        return url_for(endpoint, **{**values, "page": number}, _external=True)

    links = {
        "self": link(page.page),
        "first": link(1),
        "prev": link(min(page.page - 1, last)) if page.page > 1 else None,
        "next": link(page.page + 1) if page.page < last else None,
        "last": link(last),
    }
    response = jsonify(
        data=schema.dump(page.items),
        meta={"page": page.page, "per_page": page.per_page, "total": total, "pages": page.pages},
        links=links,
    )
    response.headers["X-Total-Count"] = str(total)
    response.headers["Link"] = ", ".join(
        f'<{url}>; rel="{rel}"' for rel, url in links.items() if url and rel != "self"
    )
    return response
