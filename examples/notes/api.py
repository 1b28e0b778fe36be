"""Read-only JSON API for the logged-in user's notes (the session cookie authenticates)."""

from __future__ import annotations

import sqlite3
import typing as t

from erlen import Blueprint, g, jsonify, url_for
from erlen.exceptions import HTTPException

from .db import get_db
from .notes import get_owned_note

bp = Blueprint("api", __name__, url_prefix="/api")


def note_to_json(note: sqlite3.Row) -> dict[str, t.Any]:
    """The JSON form of a note row."""
    return {
        "id": note["id"],
        "title": note["title"],
        "body": note["body"],
        "created_at": note["created_at"],
        "updated_at": note["updated_at"],
        "url": url_for("api.note", note_id=note["id"]),
    }


@bp.before_request
def require_login() -> t.Any:
    """Answer 401 in JSON (not a redirect to the HTML login page) to anonymous clients."""
    if g.user is None:
        return jsonify(error="authentication required"), 401
    return None


def json_error(e: HTTPException) -> t.Any:
    """Report HTTP errors raised by the API's views in JSON."""
    return jsonify(error=e.name.lower(), message=e.description), e.code


# By code, not by HTTPException: the app's per-code HTML pages would otherwise win, since
# handlers are looked up by code first and by class second.
for _code in (400, 403, 404):
    bp.register_error_handler(_code, json_error)


@bp.get("/notes")
def notes() -> t.Any:
    """All notes of the current user, most recently changed first."""
    rows = (
        get_db()
        .execute(
            "SELECT id, title, body, created_at, updated_at FROM note"
            " WHERE owner_id = ? ORDER BY updated_at DESC, id DESC",
            (g.user["id"],),
        )
        .fetchall()
    )
    return jsonify(notes=[note_to_json(row) for row in rows])


@bp.get("/notes/<int:note_id>")
def note(note_id: int) -> t.Any:
    """One note of the current user (403 for another user's, 404 for a missing one)."""
    return jsonify(note_to_json(get_owned_note(note_id)))
