"""users_api: the REST API for user accounts of the Flask guides, on erlen and its batteries.

From the repository root::

    erlen --app examples/users_api db upgrade          # the tables (the migrations)
    erlen --app examples/users_api create-admin admin@example.com
    erlen --app examples/users_api seed-db --users 50  # sample users (optional)
    erlen --app examples/users_api run

See docs/users-api.md. ``USERS_API_CONFIG`` picks the settings (``development``, the
default, ``production`` or ``testing``; config.py), ``DATABASE_URL`` the database (SQLite
in the instance folder without it), ``USERS_API_JWT_SECRET_KEY`` the token-signing key
(without it a random key is made once per installation, in
``instance/users-api-jwt-key``).
"""

from __future__ import annotations

import os
import secrets
import typing as t
from pathlib import Path

from erlen import Flask

from . import commands, errors, health, security, v1, v2
from .config import CONFIGS, database_url
from .extensions import cors, db, limiter, ma, migrate

__all__ = ["create_app"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(
    config_name: str | None = None, overrides: t.Mapping[str, t.Any] | None = None
) -> Flask:
    """Build the API.

    :param config_name: ``development``, ``testing`` or ``production``; default:
        ``USERS_API_CONFIG``, else ``development``.
    :param overrides: settings applied last (tests pass their database URL here).
    """
    name = config_name or os.environ.get("USERS_API_CONFIG", "development")
    if name not in CONFIGS:
        raise ValueError(f"Unknown configuration {name!r}: use one of {', '.join(CONFIGS)}.")
    # An API: no static files.
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.config.from_object(CONFIGS[name])
    if not app.testing:
        app.config.from_prefixed_env("USERS_API")
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = database_url(os.environ["DATABASE_URL"])
    app.config.from_mapping(overrides or {})
    if not app.config.get("JWT_SECRET_KEY"):
        # Tests get a new key per app; an installation keeps one across restarts.
        app.config["JWT_SECRET_KEY"] = (
            secrets.token_hex(32) if app.testing else installation_key(app.instance_path)
        )

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    ma.init_app(app)
    security.init_app(app)
    cors.init_app(app)
    limiter.init_app(app)

    for blueprint in (*v1.blueprints, v2.bp, health.bp):
        app.register_blueprint(blueprint)
    errors.init_app(app)
    commands.init_app(app)
    return app


def installation_key(instance_path: str) -> str:
    """This installation's token-signing key, kept in ``instance/users-api-jwt-key``
    (readable by its owner only) and made on first use."""
    path = Path(instance_path) / "users-api-jwt-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(32))
        try:
            # Linking a complete file is atomic: of two processes starting together, one
            # key wins and both read it.
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="ascii").strip()
