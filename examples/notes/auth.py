"""Accounts: register, log in, log out, and the ``login_required`` guard."""

from __future__ import annotations

import functools
import re
import sqlite3
import typing as t

from erlen import (
    Blueprint,
    Flask,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from erlen.security import check_password_hash, generate_password_hash

from .db import get_db

bp = Blueprint("auth", __name__, url_prefix="/auth")

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{3,32}")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def login_required(view: F) -> F:
    """Send anonymous visitors to the login page, then back to ``view``'s URL."""

    @functools.wraps(view)
    def guarded(*args: t.Any, **kwargs: t.Any) -> t.Any:
        if g.user is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


def load_current_user() -> None:
    """Set ``g.user`` to the logged-in account row, or ``None``."""
    user_id = session.get("account_id")
    g.user = None
    if user_id is not None:
        g.user = (
            get_db().execute("SELECT id, username FROM account WHERE id = ?", (user_id,)).fetchone()
        )


def init_app(app: Flask) -> None:
    """Load the current user before every request of the app."""
    app.before_request(load_current_user)


def _credentials() -> tuple[str, str]:
    return request.form.get("username", "").strip(), request.form.get("password", "")


def _validate_registration(username: str, password: str) -> list[str]:
    problems = []
    if not username:
        problems.append("Username is required.")
    elif not USERNAME_PATTERN.fullmatch(username):
        problems.append("Username must be 3 to 32 characters: letters, digits, '.', '_' or '-'.")
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Password must be at least {MIN_PASSWORD_LENGTH} characters.")
    elif len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"Password must be at most {MAX_PASSWORD_LENGTH} characters.")
    return problems


def _safe_next(target: str | None) -> str:
    # Only same-site paths: "//host" and "/\\host" would leave the site.
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("notes.index")


@bp.route("/register", methods=["GET", "POST"])
def register() -> t.Any:
    """Show the sign-up form; on POST create the account and go to the login page."""
    if request.method == "GET":
        return render_template("auth/register.html")

    username, password = _credentials()
    problems = _validate_registration(username, password)
    if not problems:
        try:
            with get_db() as conn:
                conn.execute(
                    "INSERT INTO account (username, password_hash) VALUES (?, ?)",
                    (username, generate_password_hash(password)),
                )
        except sqlite3.IntegrityError:
            problems.append(f"The username {username!r} is already taken.")
    if problems:
        for problem in problems:
            flash(problem, "error")
        return render_template("auth/register.html", username=username), 400

    flash("Account created. You can log in now.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> t.Any:
    """Show the login form; on POST check the password and start a session."""
    next_url = request.values.get("next", "")
    if request.method == "GET":
        return render_template("auth/login.html", next_url=next_url)

    username, password = _credentials()
    account = (
        get_db()
        .execute("SELECT id, username, password_hash FROM account WHERE username = ?", (username,))
        .fetchone()
    )
    if account is None or not check_password_hash(account["password_hash"], password):
        flash("Incorrect username or password.", "error")
        return render_template("auth/login.html", username=username, next_url=next_url), 400

    session.clear()
    session["account_id"] = account["id"]
    flash(f"Welcome back, {account['username']}!", "success")
    return redirect(_safe_next(next_url))


@bp.post("/logout")
def logout() -> t.Any:
    """End the session (POST only, so a link or prefetch cannot log anyone out)."""
    session.clear()
    flash("You have been logged out.", "info")
    return redirect(url_for("notes.index"))
