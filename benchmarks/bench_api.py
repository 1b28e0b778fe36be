"""A JWT-protected, rate-limited JSON endpoint: erlen + its batteries against Flask + the
real extensions.

Run: ``.venv/bin/python benchmarks/bench_api.py`` (Flask, Flask-SQLAlchemy,
Flask-JWT-Extended and Flask-Limiter are dev dependencies; without them only erlen's
numbers are printed).

One module builds the same app on either stack (:class:`Stack`): an in-memory SQLite
database with a user row, a ``JWTManager``, a ``Limiter`` (memory storage, ``X-RateLimit-*``
headers on) and the endpoint ``/api/users/1``, which ``@limiter.limit`` counts (a limit
never reached) and ``@jwt_required()`` guards, and which reads the row
(``db.get_or_404``) and answers it as JSON. So one request verifies the bearer token
(HS256), counts the request in the limiter's storage, loads the row (one SELECT, in a new
session) and writes the rate limit headers. Both stacks run in this process, called as WSGI
apps with the same prebuilt environ (the same token, valid on both), measured in
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

#: Shared by both stacks, so a token made by one is valid on the other (32+ bytes: PyJWT
#: warns about shorter HMAC keys).
JWT_SECRET = "benchmark-secret-" * 4
#: Never reached in a run: every request is counted, none is refused.
LIMIT = "100000000 per hour"


@dataclass(frozen=True)
class Stack:
    """A web framework and its database, JWT and rate limit extensions, by module."""

    name: str
    web: ModuleType  # flask or erlen: Flask
    sqlalchemy: ModuleType  # flask_sqlalchemy or erlen.ext.sqlalchemy: SQLAlchemy
    jwt: ModuleType  # flask_jwt_extended or erlen.ext.jwt
    limiter: ModuleType  # flask_limiter or erlen.ext.limiter: Limiter
    limiter_util: ModuleType  # flask_limiter.util or erlen.ext.limiter.util


def load_stack(name: str, *modules: str) -> Stack | None:
    """The stack of these modules, or ``None`` when one is not installed."""
    try:
        return Stack(name, *(importlib.import_module(m) for m in modules))
    except ImportError:
        return None


def make_app(stack: Stack) -> t.Any:
    """The benchmark app on ``stack``: the same code for both."""
    app = stack.web.Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI="sqlite://",
        JWT_SECRET_KEY=JWT_SECRET,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_HEADERS_ENABLED=True,
    )
    db = stack.sqlalchemy.SQLAlchemy(app)
    stack.jwt.JWTManager(app)
    limiter = stack.limiter.Limiter(stack.limiter_util.get_remote_address, app=app)

    class User(db.Model):  # type: ignore[name-defined, misc]
        id = db.Column(db.Integer, primary_key=True)
        email = db.Column(db.String(254), nullable=False, unique=True)
        name = db.Column(db.String(100), nullable=False)
        role = db.Column(db.String(16), nullable=False)

    @app.get("/api/users/<int:user_id>")
    @limiter.limit(LIMIT)
    @stack.jwt.jwt_required()
    def get_user(user_id: int) -> dict[str, t.Any]:
        user = db.get_or_404(User, user_id)
        return {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "requested_by": stack.jwt.get_jwt_identity(),
        }

    with app.app_context():
        db.create_all()
        db.session.add(User(id=1, email="ada@example.org", name="Ada", role="admin"))
        db.session.commit()
    return app


def access_token(stack: Stack, app: t.Any) -> str:
    """An access token for user ``"1"``, made by ``stack``'s JWT extension."""
    with app.app_context():
        return str(stack.jwt.create_access_token(identity="1"))


def check(app: t.Any, token: str) -> None:
    """The endpoint answers 200 with the rate limit headers, and 401 without a token."""
    client = app.test_client()
    response = client.get("/api/users/1", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["X-RateLimit-Limit"] == "100000000", dict(response.headers)
    assert client.get("/api/users/1").status_code == 401


def main() -> None:
    """Time the endpoint on erlen and (if installed) Flask and print the comparison."""
    stacks = [
        load_stack(
            "erlen",
            "erlen",
            "erlen.ext.sqlalchemy",
            "erlen.ext.jwt",
            "erlen.ext.limiter",
            "erlen.ext.limiter.util",
        ),
        load_stack(
            "flask",
            "flask",
            "flask_sqlalchemy",
            "flask_jwt_extended",
            "flask_limiter",
            "flask_limiter.util",
        ),
    ]
    available = [s for s in stacks if s is not None]
    if len(available) == 1:
        print("Flask or one of its extensions is not installed: showing erlen only\n")
    print(f"erlen API benchmark (JWT, rate limit, one row as JSON) — {environment_summary()}\n")

    apps = {stack.name: make_app(stack) for stack in available}
    token = access_token(available[0], apps["erlen"])
    runners = {}
    for name, app in apps.items():
        check(app, token)
        environ = make_environ("/api/users/1")
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        runners[name] = request_runner(app, environ)
    bodies = {name: run() for name, run in runners.items()}
    if len(set(bodies.values())) > 1 or b'"requested_by":"1"' not in bodies["erlen"]:
        raise SystemExit(f"the stacks answered differently (or not authorized): {bodies}")
    times = bench_interleaved(runners, rounds=5)
    calls = {name: count_calls(run) for name, run in runners.items()}

    erlen_t = times["erlen"]
    flask_t = times.get("flask")
    print_table(
        [
            [
                "JWT + limit + row",
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
