"""The notes themselves: list and search, create, view, edit, delete (owner only)."""

from __future__ import annotations

import sqlite3
import typing as t
from datetime import datetime

from erlen import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from .auth import login_required
from .db import get_db

bp = Blueprint("notes", __name__)

_NOTE_COLUMNS = "id, owner_id, title, body, created_at, updated_at"


def validate_note(title: str, body: str) -> list[str]:
    """Return what is wrong with a note's ``title`` and ``body`` (empty when valid)."""
    problems = []
    title_max = current_app.config["TITLE_MAX_LENGTH"]
    body_max = current_app.config["BODY_MAX_LENGTH"]
    if not title:
        problems.append("Title is required.")
    elif len(title) > title_max:
        problems.append(f"Title is too long: {len(title)} characters, at most {title_max}.")
    if len(body) > body_max:
        problems.append(f"Text is too long: {len(body)} characters, at most {body_max}.")
    return problems


def get_owned_note(note_id: int) -> sqlite3.Row:
    """The note ``note_id`` of the current user: 404 if it does not exist, 403 if not theirs."""
    note = get_db().execute(f"SELECT {_NOTE_COLUMNS} FROM note WHERE id = ?", (note_id,)).fetchone()
    if note is None:
        abort(404, f"Note {note_id} does not exist.")
    if note["owner_id"] != g.user["id"]:
        abort(403, "This note belongs to another user.")
    return note  # type: ignore[no-any-return]


@bp.app_template_filter("when")
def when(stamp: str) -> str:
    """Show a stored UTC timestamp (``2024-05-01T09:30:00Z``) as ``2024-05-01 09:30 UTC``."""
    try:
        moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        return str(stamp)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _submitted_note() -> tuple[str, str]:
    # Windows line endings from browsers would count twice against the length limit.
    body = request.form.get("body", "").replace("\r\n", "\n")
    return request.form.get("title", "").strip(), body


def _rejected(template: str, **context: t.Any) -> tuple[str, int]:
    return render_template(template, **context), 400


@bp.get("/")
def index() -> t.Any:
    """The landing page for visitors; the (optionally searched) note list for users."""
    if g.user is None:
        return render_template("notes/welcome.html")
    query = request.args.get("q", "").strip()
    sql = f"SELECT {_NOTE_COLUMNS} FROM note WHERE owner_id = ?"
    params: list[t.Any] = [g.user["id"]]
    if query:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        sql += " AND (title LIKE ? ESCAPE '\\' OR body LIKE ? ESCAPE '\\')"
        params += [f"%{escaped}%"] * 2
    sql += " ORDER BY updated_at DESC, id DESC"
    rows = get_db().execute(sql, params).fetchall()
    return render_template("notes/index.html", notes=rows, query=query)


@bp.route("/notes/new", methods=["GET", "POST"])
@login_required
def create() -> t.Any:
    """Show the empty note form; on POST save a new note."""
    if request.method == "GET":
        return render_template("notes/form.html", note=None, title="", body="")
    title, body = _submitted_note()
    problems = validate_note(title, body)
    if problems:
        for problem in problems:
            flash(problem, "error")
        return _rejected("notes/form.html", note=None, title=title, body=body)
    with get_db() as conn:
        cursor = conn.execute(
            "INSERT INTO note (owner_id, title, body) VALUES (?, ?, ?)",
            (g.user["id"], title, body),
        )
    flash(f"Saved “{title}”.", "success")
    return redirect(url_for("notes.detail", note_id=cursor.lastrowid))


@bp.get("/notes/<int:note_id>")
@login_required
def detail(note_id: int) -> t.Any:
    """Show one note."""
    return render_template("notes/detail.html", note=get_owned_note(note_id))


@bp.route("/notes/<int:note_id>/edit", methods=["GET", "POST"])
@login_required
def edit(note_id: int) -> t.Any:
    """Show the filled-in note form; on POST save the changes."""
    note = get_owned_note(note_id)
    if request.method == "GET":
        return render_template("notes/form.html", note=note, title=note["title"], body=note["body"])
    title, body = _submitted_note()
    problems = validate_note(title, body)
    if problems:
        for problem in problems:
            flash(problem, "error")
        return _rejected("notes/form.html", note=note, title=title, body=body)
    with get_db() as conn:
        conn.execute(
            "UPDATE note SET title = ?, body = ?,"
            " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
            (title, body, note_id),
        )
    flash("Changes saved.", "success")
    return redirect(url_for("notes.detail", note_id=note_id))


@bp.post("/notes/<int:note_id>/delete")
@login_required
def delete(note_id: int) -> t.Any:
    """Delete a note."""
    note = get_owned_note(note_id)
    with get_db() as conn:
        conn.execute("DELETE FROM note WHERE id = ?", (note_id,))
    flash(f"Deleted “{note['title']}”.", "info")
    return redirect(url_for("notes.index"))
