"""Error pages: 403, 404, 500 and a failed CSRF check have pages of their own, other client
errors a common one. Under ``/api/`` every error is JSON instead."""

from __future__ import annotations

import typing as t

from erlen import Flask, jsonify, render_template, request
from erlen.exceptions import HTTPException, InternalServerError
from erlen.ext.wtf.csrf import CSRFError

from .extensions import db

#: The templates of the codes that have a page of their own.
PAGES = {403: "errors/403.html", 404: "errors/404.html"}
#: The client errors the app answers with a page (or JSON) of its own.
CLIENT_ERRORS = (400, 401, 403, 404, 405, 413, 415)


def is_api_request() -> bool:
    """Whether the failed request was for the JSON API."""
    return request.path == "/api" or request.path.startswith("/api/")


def json_error(code: int, name: str, description: str | None) -> t.Any:
    """``{"error": "not found", "message": "..."}`` with status ``code``."""
    return jsonify(error=name.lower(), message=description), code


def client_error(e: HTTPException) -> t.Any:
    """A 4xx page, or JSON for the API."""
    code = e.code or 400
    if is_api_request():
        return json_error(code, e.name, e.description)
    template = PAGES.get(code, "errors/error.html")
    return render_template(template, error=e), code


def csrf_error(e: CSRFError) -> t.Any:
    """The form was stale or forged: say so, and offer to go back."""
    if is_api_request():
        return json_error(400, "CSRF error", e.description)
    return render_template("errors/csrf.html", reason=e.description), 400


def server_error(e: InternalServerError) -> t.Any:
    """The 500 page. It never shows the original exception, which goes to the log."""
    # The failed request may have left the session in a broken transaction; the page's own
    # queries (the logged-in user) need a working one.
    db.session.rollback()
    if is_api_request():
        return json_error(500, e.name, "The server failed; the error is logged.")
    return render_template("errors/500.html"), 500


def init_app(app: Flask) -> None:
    """Register the error pages on ``app``."""
    for code in CLIENT_ERRORS:
        app.register_error_handler(code, client_error)
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(500, server_error)
