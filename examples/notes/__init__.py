"""notes: a small multi-user notes app built on erlen and the standard library's sqlite3.

From the repository root::

    erlen --app examples/notes init-db   # optional: the schema is also created on demand
    erlen --app examples/notes run

The database lives in the app's instance folder (``examples/instance/notes.sqlite`` when run
from a checkout); ``NOTES_DATABASE`` and ``NOTES_SECRET_KEY`` override the defaults. Without
``NOTES_SECRET_KEY`` (or ``SECRET_KEY`` in ``instance/config.py``) a random key is created once
in ``instance/secret_key``, so no two installations share a session-signing key.
"""

from __future__ import annotations

import os
import secrets
import typing as t

from erlen import Flask

from . import api, auth, db, errors, notes

__all__ = ["create_app"]


def create_app(test_config: t.Mapping[str, t.Any] | None = None) -> Flask:
    """Build the notes application.

    :param test_config: Settings that replace the instance ``config.py`` and the ``NOTES_*``
        environment variables; tests pass ``DATABASE`` and ``TESTING`` here.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        DATABASE=os.path.join(app.instance_path, "notes.sqlite"),
        TITLE_MAX_LENGTH=120,
        BODY_MAX_LENGTH=20_000,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("NOTES")
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)

    db.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(notes.bp)
    app.register_blueprint(api.bp)
    return app


def _instance_secret_key(instance_path: str) -> str:
    """Read the key in ``instance/secret_key``, creating it (owner-only) on first use."""
    path = os.path.join(instance_path, "secret_key")
    try:
        with open(path, encoding="ascii") as f:
            key = f.read().strip()
        if key:
            return key
    except FileNotFoundError:
        pass
    os.makedirs(instance_path, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key)
    return key
