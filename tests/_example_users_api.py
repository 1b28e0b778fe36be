"""Helpers for the tests of ``examples/users_api`` (``test_example_users_api*.py``): the
package, apps on a fresh database, users and their tokens."""

from __future__ import annotations

import importlib.util
import sys
import types
import typing as t
from pathlib import Path

from erlen import Flask
from erlen.testing import FlaskClient
from erlen.wrappers import Response

REPO = Path(__file__).resolve().parent.parent
USERS_API_DIR = REPO / "examples" / "users_api"
PASSWORD = "correct horse battery"


def _load_package() -> types.ModuleType:
    """Import ``examples/users_api`` as the package ``users_api``, as ``erlen --app
    examples/users_api`` does."""
    module = sys.modules.get("users_api")
    if module is not None and Path(module.__file__ or "").parent == USERS_API_DIR:
        return module
    spec = importlib.util.spec_from_file_location(
        "users_api", USERS_API_DIR / "__init__.py", submodule_search_locations=[str(USERS_API_DIR)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["users_api"] = module
    spec.loader.exec_module(module)
    return module


users_api = _load_package()
from users_api.extensions import db  # noqa: E402
from users_api.models import RevokedToken, User  # noqa: E402
from users_api.services import tokens  # noqa: E402

__all__ = [
    "PASSWORD",
    "USERS_API_DIR",
    "RevokedToken",
    "User",
    "auth_headers",
    "bearer",
    "db",
    "login",
    "make_app",
    "make_user",
    "token_pair",
    "users_api",
]


def make_app(overrides: t.Mapping[str, t.Any] | None = None, create_tables: bool = True) -> Flask:
    """The API with the testing settings (in-memory SQLite unless ``overrides`` say
    otherwise), its tables created."""
    app: Flask = users_api.create_app("testing", overrides)
    if create_tables:
        with app.app_context():
            db.create_all()
    return app


def make_user(
    app: Flask,
    email: str,
    role: str = "user",
    *,
    name: str | None = None,
    password: str = PASSWORD,
    deleted: bool = False,
) -> int:
    """Add a user straight to the database; return its id."""
    with app.app_context():
        user = User(email=email, name=name or email.split("@")[0].title(), role=role)
        user.set_password(password)
        if deleted:
            user.soft_delete()
        db.session.add(user)
        db.session.commit()
        return user.id


def token_pair(app: Flask, user_id: int) -> dict[str, t.Any]:
    """A fresh access token and a refresh token for the user, as a login answers them
    (made by the service, so that tests do not spend the login rate limit)."""
    with app.test_request_context():
        user = db.session.get(User, user_id)
        assert user is not None
        return tokens.new_token_pair(user)


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


def auth_headers(app: Flask, email: str, role: str = "user") -> dict[str, str]:
    """A new user ``email`` with ``role``, and the header of an access token of theirs."""
    return bearer(token_pair(app, make_user(app, email, role))["access_token"])


def login(
    client: FlaskClient, email: str, password: str = PASSWORD, address: str = "127.0.0.1"
) -> Response:
    """``POST /api/v1/auth/login`` from the client address ``address``."""
    return client.post(
        "/api/v1/auth/login",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )
