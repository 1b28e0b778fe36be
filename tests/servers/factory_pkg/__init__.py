"""An app built by a factory, as docs/deployment.md serves it: ``'factory_pkg:create_app()'``
(gunicorn, hypercorn) or ``--factory factory_pkg:create_app`` (uvicorn, granian)."""

from __future__ import annotations

import os

from erlen import Flask


def create_app() -> Flask:
    """A new app configured from the environment."""
    app = Flask(__name__)
    app.config["GREETING"] = os.environ.get("FACTORY_GREETING", "Hello")

    @app.get("/")
    def index() -> str:
        return f"{app.config['GREETING']} from the factory"

    return app
