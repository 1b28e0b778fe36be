"""blog: the complete blog application of the Flask guides, on erlen and its batteries.

From the repository root::

    erlen --app examples/blog init-db     # the migrations, then the roles
    erlen --app examples/blog seed-db     # sample authors, posts and comments (optional)
    erlen --app examples/blog create-user alice --role admin
    erlen --app examples/blog run

See docs/blog.md. ``BLOG_CONFIG`` picks the settings (``development``, the default,
``production`` or ``testing``; config.py), ``DATABASE_URL`` the database (SQLite in the
instance folder without it), ``BLOG_SECRET_KEY`` the session-signing key (without it a random
key is made once per installation, in ``instance/blog-secret-key``).
"""

from __future__ import annotations

import os
import secrets
import typing as t
from pathlib import Path

from erlen import Flask

from . import admin, api, auth, commands, comments, errors, main, posts, templating
from .config import CONFIGS, database_url
from .extensions import cache, csrf, db, login_manager, migrate

__all__ = ["create_app"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(
    config_name: str | None = None, overrides: t.Mapping[str, t.Any] | None = None
) -> Flask:
    """Build the blog.

    :param config_name: ``development``, ``testing`` or ``production``; default:
        ``BLOG_CONFIG``, else ``development``.
    :param overrides: settings applied last (tests pass their database URL here).
    """
    name = config_name or os.environ.get("BLOG_CONFIG", "development")
    if name not in CONFIGS:
        raise ValueError(f"Unknown configuration {name!r}: use one of {', '.join(CONFIGS)}.")
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(CONFIGS[name])
    if not app.testing:
        app.config.from_prefixed_env("BLOG")
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = database_url(os.environ["DATABASE_URL"])
    app.config.from_mapping(overrides or {})
    if not app.config.get("SECRET_KEY"):
        # Tests get a new key per app; an installation keeps one across restarts.
        app.config["SECRET_KEY"] = (
            secrets.token_hex(32) if app.testing else instance_secret_key(app.instance_path)
        )

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    login_manager.init_app(app)
    csrf.init_app(app)
    cache.init_app(app)

    for blueprint in (main.bp, auth.bp, posts.bp, comments.bp, api.bp, admin.bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api.bp)
    errors.init_app(app)
    templating.init_app(app)
    commands.init_app(app)
    return app


def instance_secret_key(instance_path: str) -> str:
    """This installation's secret key: read from ``instance/blog-secret-key``, which is
    created (readable by its owner only) on first use."""
    path = Path(instance_path) / "blog-secret-key"
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
