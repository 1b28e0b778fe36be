"""Request and response objects.

``erlen.wrappers.request.Request`` and ``erlen.wrappers.response.Response`` are the
Werkzeug-level classes, independent of the application. This package's ``Request`` and
``Response`` are the application-level subclasses (Flask's ``flask.wrappers``), which read their
limits from the current app's config.
"""

from __future__ import annotations

import typing as t

__all__ = ["Request", "Response"]


def __getattr__(name: str) -> t.Any:
    # Loaded on first use so that importing one half does not import the other.
    if name == "Request":
        from .request import Request

        return Request
    if name == "Response":
        from .response import Response

        return Response
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
