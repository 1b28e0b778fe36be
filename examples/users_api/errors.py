"""Every error is JSON: ``{"error": "not_found", "message": "..."}`` with its status.

The API's own errors (:mod:`.exceptions`), HTTP errors (404, 405 with ``Allow``, 413, 429
with the rate limit headers, ...), an unreachable database (503) and unexpected exceptions
(a 500 that never shows the exception, which goes to the log) all answer in this form. erlen.ext.jwt's token errors use
it too (``security.py``).
"""

from __future__ import annotations

import re
import typing as t

from sqlalchemy.exc import OperationalError

from erlen import Flask, current_app, jsonify
from erlen.exceptions import HTTPException, InternalServerError
from erlen.wrappers import Response

from .exceptions import APIError
from .extensions import db

#: Headers of an HTTP error that describe its default HTML page, not this JSON answer.
_PAGE_HEADERS = frozenset({"content-type", "content-length"})


def error_response(status: int, code: str, message: str, **extra: t.Any) -> tuple[Response, int]:
    """The JSON answer ``{"error": code, "message": message, **extra}`` with ``status``."""
    return jsonify(error=code, message=message, **extra), status


def error_code(e: HTTPException) -> str:
    """The ``error`` member for an HTTP error: its reason phrase in snake case
    (``method_not_allowed``)."""
    return re.sub(r"[^a-z0-9]+", "_", e.name.lower()).strip("_")


def api_error(e: APIError) -> tuple[Response, int]:
    """An error raised by the service layer or a view."""
    if e.status >= 500:
        current_app.logger.error("API error: %s", e.message)
    return jsonify(e.to_dict()), e.status


def http_error(e: HTTPException) -> Response:
    """An HTTP error (routing, ``abort()``, limits): its status and its headers (``Allow``,
    ``Retry-After``, ...) with a JSON body."""
    if e.response is not None:  # abort(response): that response is the answer
        return e.response
    response, status = error_response(e.code or 500, error_code(e), e.description or e.name)
    response.status_code = status
    for name, value in e.get_headers():
        if name.lower() not in _PAGE_HEADERS:
            response.headers[name] = value
    return response


def database_unavailable(e: OperationalError) -> tuple[Response, int]:
    """The database cannot be reached (or is locked, or out of resources): a 503 the
    client may retry; the error goes to the log."""
    db.session.rollback()
    current_app.logger.error("Database unavailable: %s", e)
    return error_response(
        503, "service_unavailable", "The database is unavailable: try again later."
    )


def server_error(e: InternalServerError) -> tuple[Response, int]:
    """An unexpected exception (already logged by the app): a 500 that does not show it."""
    # The failed request may have left the session in a broken transaction.
    db.session.rollback()
    return error_response(500, "internal_error", "The server failed; the error is logged.")


def init_app(app: Flask) -> None:
    """Register the JSON error handlers on ``app``."""
    app.register_error_handler(APIError, api_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(OperationalError, database_unavailable)
    # More specific than HTTPException: unhandled exceptions arrive as a 500 wrapping them.
    app.register_error_handler(InternalServerError, server_error)
