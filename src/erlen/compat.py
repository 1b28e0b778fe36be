"""Compat mode: real Flask extensions on erlen, with ``import erlen.compat``.

Importing this module, before anything imports ``flask``, ``werkzeug`` or a Flask extension,
makes ``flask``, ``flask.*``, ``werkzeug`` and ``werkzeug.*`` load erlen's own modules, so
extensions written for Flask (Flask-SQLAlchemy, Flask-Login, Flask-WTF, ...) run on erlen
unchanged::

    import erlen.compat  # first
    from flask_sqlalchemy import SQLAlchemy
    from erlen import Flask   # or `from flask import Flask`: the same class

The module objects are erlen's: ``flask.request is erlen.request`` and
``sys.modules["flask.app"] is sys.modules["erlen.app"]``. Which erlen module a Flask or
Werkzeug module name gives is the table :data:`ALIASES` (:func:`target` reads it): the same
name under ``erlen`` except for :data:`RENAMED` (``werkzeug.wrappers`` is the Werkzeug-level
``Request``/``Response``, not ``erlen.wrappers``). A module erlen does not have raises
``ModuleNotFoundError`` naming it and pointing to docs/compat.md. ``flask.__version__`` and
``importlib.metadata.version("flask")`` (and ``"werkzeug"``) answer :data:`FLASK_VERSION` and
:data:`WERKZEUG_VERSION`.

If the real Flask or Werkzeug was imported first, importing this module raises
``RuntimeError``: the two would mix. Other ways to turn compat mode on: ``erlen --compat``
or ``ERLEN_COMPAT=1`` for the ``erlen`` command, ``pytest -p erlen.compat``. The table can be
read without turning anything on from :mod:`erlen._compat.aliases`. See docs/compat.md.

(PYTEST_DONT_REWRITE: this marker keeps ``pytest -p erlen.compat`` from warning that the
module cannot be rewritten when a sitecustomize or the ``erlen`` command imported it first.)
"""

from __future__ import annotations

from ._compat.aliases import (
    ABSENT as ABSENT,
    ALIASES as ALIASES,
    FLASK_VERSION as FLASK_VERSION,
    RENAMED as RENAMED,
    WERKZEUG_VERSION as WERKZEUG_VERSION,
    target as target,
)
from ._compat.finder import install

__all__ = ["ABSENT", "ALIASES", "FLASK_VERSION", "RENAMED", "WERKZEUG_VERSION", "target"]

install()


def pytest_report_header() -> str:
    """pytest plugin hook (``pytest -p erlen.compat``): say that compat mode is on."""
    return (
        f"erlen compat mode: flask {FLASK_VERSION} and werkzeug {WERKZEUG_VERSION} imports "
        "load erlen"
    )
