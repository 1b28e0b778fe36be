"""The ASGI benchmark app on Quart (Flask's API, async): the code of :mod:`apps.flask_shape`."""

from __future__ import annotations

import quart

from apps.flask_shape import create_asgi_app

asgi_app = create_asgi_app(quart.Quart)
