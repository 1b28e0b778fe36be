"""A logged-in blog page: erlen + its batteries against Flask + the real extensions.

Run: ``.venv/bin/python benchmarks/bench_blog.py`` (Flask, Flask-SQLAlchemy and Flask-Login
are dev dependencies; without them only erlen's numbers are printed).

One module builds the same app on either stack (:class:`Stack`): an in-memory SQLite database
with a user and a post, a ``LoginManager`` whose ``user_loader`` reads the user row, and the
page ``/posts/1``, which ``@login_required`` guards, reads the post row (``db.get_or_404``)
and renders a template that extends a layout and shows ``current_user``. So one request
verifies the session cookie, loads the user (one SELECT), loads the post (one SELECT) and
renders two templates; the session is not rewritten. Both stacks run in this process, called
as WSGI apps with the same prebuilt environ (the cookie of a logged-in session), measured in
interleaved rounds; the answers must be identical.
"""

from __future__ import annotations

import importlib
import typing as t
from dataclasses import dataclass
from types import ModuleType

from _common import (
    bench_interleaved,
    environment_summary,
    format_rate,
    format_ratio,
    format_time,
    print_table,
)
from bench_app import count_calls, make_environ, request_runner
from jinja2 import DictLoader

USER_AGENT = "bench/1.0"  # the same at login and after: basic session protection stays quiet

TEMPLATES = {
    "layout.html": (
        "<!doctype html><html><head><title>{% block title %}{% endblock %} · blog</title>"
        "</head><body><header>Logged in as {{ current_user.name }}</header>"
        "<main>{% block content %}{% endblock %}</main></body></html>"
    ),
    "post.html": (
        '{% extends "layout.html" %}{% block title %}{{ post.title }}{% endblock %}'
        "{% block content %}<h1>{{ post.title }}</h1><p>{{ post.body }}</p>"
        "<p>{{ post.views }} views</p>{% endblock %}"
    ),
}


@dataclass(frozen=True)
class Stack:
    """A web framework and its database and login extensions, by module."""

    name: str
    web: ModuleType  # flask or erlen: Flask, render_template
    sqlalchemy: ModuleType  # flask_sqlalchemy or erlen.ext.sqlalchemy: SQLAlchemy
    login: ModuleType  # flask_login or erlen.ext.login


def load_stack(name: str, web: str, sqlalchemy: str, login: str) -> Stack | None:
    """The stack of these modules, or ``None`` when one is not installed."""
    try:
        modules = [importlib.import_module(m) for m in (web, sqlalchemy, login)]
    except ImportError:
        return None
    return Stack(name, *modules)


def make_app(stack: Stack) -> t.Any:
    """The benchmark app on ``stack``: the same code for both."""
    app = stack.web.Flask(__name__)
    app.config.update(SECRET_KEY="benchmark", SQLALCHEMY_DATABASE_URI="sqlite://")
    app.jinja_env.loader = DictLoader(TEMPLATES)
    db = stack.sqlalchemy.SQLAlchemy(app)
    login_manager = stack.login.LoginManager(app)

    class User(stack.login.UserMixin, db.Model):  # type: ignore[name-defined, misc]
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(40), nullable=False)

    class Post(db.Model):  # type: ignore[name-defined, misc]
        id = db.Column(db.Integer, primary_key=True)
        title = db.Column(db.String(120), nullable=False)
        body = db.Column(db.Text, nullable=False)
        views = db.Column(db.Integer, nullable=False, default=0)

    @login_manager.user_loader
    def load_user(user_id: str) -> t.Any:
        return db.session.get(User, int(user_id))

    @app.get("/login")
    def login() -> str:
        stack.login.login_user(db.session.get(User, 1))
        return "logged in"

    @app.get("/posts/<int:post_id>")
    @stack.login.login_required
    def post(post_id: int) -> str:
        return stack.web.render_template("post.html", post=db.get_or_404(Post, post_id))  # type: ignore[no-any-return]

    with app.app_context():
        db.create_all()
        db.session.add(User(id=1, name="ada"))
        db.session.add(Post(id=1, title="Hello", body="A post read by a logged-in user."))
        db.session.commit()
    return app


def logged_in_environ(app: t.Any, path: str) -> dict[str, t.Any]:
    """A WSGI environ for ``path`` carrying the session cookie of a logged-in user."""
    client = app.test_client()
    client.get("/login", headers={"User-Agent": USER_AGENT})
    cookie = client.get_cookie("session")
    assert cookie is not None, "the login did not set a session cookie"
    environ = make_environ(path)
    environ["HTTP_COOKIE"] = f"session={cookie.value}"
    environ["HTTP_USER_AGENT"] = USER_AGENT
    return environ


def main() -> None:
    """Time the page on erlen and (if installed) Flask and print the comparison."""
    stacks = [
        load_stack("erlen", "erlen", "erlen.ext.sqlalchemy", "erlen.ext.login"),
        load_stack("flask", "flask", "flask_sqlalchemy", "flask_login"),
    ]
    available = [s for s in stacks if s is not None]
    if len(available) == 1:
        print("Flask, Flask-SQLAlchemy or Flask-Login is not installed: showing erlen only\n")
    print(
        f"erlen blog benchmark (logged-in page, two rows, a template) — {environment_summary()}\n"
    )

    runners = {}
    for stack in available:
        app = make_app(stack)
        runners[stack.name] = request_runner(app, logged_in_environ(app, "/posts/1"))
    bodies = {name: run() for name, run in runners.items()}
    if len(set(bodies.values())) > 1 or b"Logged in as ada" not in bodies["erlen"]:
        raise SystemExit(f"the stacks answered differently (or not logged in): {bodies}")
    times = bench_interleaved(runners, rounds=5)
    calls = {name: count_calls(run) for name, run in runners.items()}

    erlen_t = times["erlen"]
    flask_t = times.get("flask")
    print_table(
        [
            [
                "logged-in page",
                format_time(erlen_t),
                format_rate(erlen_t),
                calls["erlen"],
                format_time(flask_t) if flask_t else None,
                format_rate(flask_t) if flask_t else None,
                calls.get("flask"),
                format_ratio(flask_t, erlen_t),
            ]
        ],
        ["case", "erlen", "erlen req/s", "calls", "flask", "flask req/s", "calls", "speed-up"],
    )


if __name__ == "__main__":
    main()
