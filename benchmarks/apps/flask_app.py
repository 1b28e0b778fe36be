"""The benchmark app on Flask: the Flask-API code of :mod:`apps.flask_shape`."""

from __future__ import annotations

import flask

from apps.flask_shape import create_app, create_session_app

app = create_app(flask)
session_app = create_session_app(flask)
