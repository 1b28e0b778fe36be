"""The app's own error pages."""

from __future__ import annotations

import typing as t

from erlen import Flask, render_template
from erlen.exceptions import HTTPException, InternalServerError


def not_found(e: HTTPException) -> t.Any:
    """The 404 page."""
    return render_template("errors/404.html", error=e), 404


def http_error(e: HTTPException) -> t.Any:
    """A generic page for the other client errors the app raises (400, 403, 405)."""
    return render_template("errors/http.html", error=e), e.code


def server_error(e: InternalServerError) -> t.Any:
    """The 500 page; it never shows the original exception (that goes to the log)."""
    return render_template("errors/500.html"), 500


def init_app(app: Flask) -> None:
    """Register the error pages on ``app``."""
    app.register_error_handler(404, not_found)
    for code in (400, 403, 405):
        app.register_error_handler(code, http_error)
    app.register_error_handler(500, server_error)
