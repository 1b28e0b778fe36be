"""Tests that run a Flask app with Flask-SQLAlchemy and Flask-Login in erlen's compat mode.

They need compat mode for the whole process, so erlen's main test run does not collect them
(it imports the real Flask for differential tests): ``tests/test_compat.py`` runs them in a
subprocess with ``python -m pytest -p erlen.compat tests/compat_app``.
"""

from __future__ import annotations

import sys

import pytest

if "erlen.compat" not in sys.modules:
    collect_ignore_glob = ["test_*.py"]
else:
    import notes_app

    @pytest.fixture
    def app():
        """A fresh notes app on an in-memory SQLite database."""
        app = notes_app.create_app("sqlite://")
        app.config.update(TESTING=True)
        yield app
        with app.app_context():
            notes_app.db.drop_all()
            # Flask-SQLAlchemy never closes an app's engines: close their connections here.
            for engine in notes_app.db.engines.values():
                engine.dispose()

    @pytest.fixture
    def client(app):
        """The app's test client."""
        return app.test_client()
