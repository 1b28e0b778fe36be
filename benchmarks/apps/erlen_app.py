"""The benchmark app on erlen: the Flask-API code of :mod:`apps.flask_shape`."""

from __future__ import annotations

import erlen
from apps.flask_shape import create_app, create_asgi_app, create_session_app

app = create_app(erlen)
session_app = create_session_app(erlen)
#: The same erlen app class, served over ASGI once erlen speaks it (``app(scope, receive, send)``).
asgi_app = create_asgi_app(erlen.Flask)
