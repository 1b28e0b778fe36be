"""The ``application/json`` representation (Flask-RESTful's
``flask_restful.representations.json``)."""

from __future__ import annotations

import json
import typing as t

from erlen import current_app

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen.wrappers import Response

__all__ = ["output_json"]


def output_json(data: t.Any, code: int, headers: t.Any = None) -> Response:
    """A response whose body is ``data`` as JSON followed by a newline.

    Encoded with the standard library's :func:`json.dumps`, whose arguments come from the
    ``RESTFUL_JSON`` config dict (e.g. ``{"indent": 2, "cls": MyEncoder}``); in debug mode
    ``indent`` defaults to 4.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = app.config.get("RESTFUL_JSON") or {}
    if app.debug and "indent" not in settings:
        settings = {**settings, "indent": 4}
    resp: Response = app.response_class(
        json.dumps(data, **settings) + "\n", code, mimetype="application/json"
    )
    if headers:
        resp.headers.extend(headers)
    return resp
