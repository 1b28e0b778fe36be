"""Small helpers (Flask-RESTful's ``flask_restful.utils``): status phrases, unpacking of view
return values, and ``OrderedDict``. ``utils.cors`` has the ``crossdomain`` decorator."""

from __future__ import annotations

import typing as t
from collections import OrderedDict as OrderedDict

from erlen.http import HTTP_STATUS_CODES

__all__ = ["OrderedDict", "http_status_message", "unpack"]


def http_status_message(code: int) -> str:
    """The reason phrase of an HTTP status code (``""`` for an unknown code)."""
    return HTTP_STATUS_CODES.get(code, "")


def unpack(value: t.Any) -> tuple[t.Any, t.Any, t.Any]:
    """``(data, code, headers)`` from a resource method's return value.

    ``data`` alone gives ``(data, 200, {})``, ``(data, code)`` gives ``(data, code, {})``
    and a 3-tuple is returned as it is. Any other tuple is data: ``(("x",), 200, {})``.
    """
    if not isinstance(value, tuple):
        return value, 200, {}
    if len(value) == 3:
        return value[0], value[1], value[2]
    if len(value) == 2:
        return value[0], value[1], {}
    return value, 200, {}
