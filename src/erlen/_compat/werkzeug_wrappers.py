"""What ``import werkzeug.wrappers`` gives in compat mode: the Werkzeug-level classes.

``erlen.wrappers`` is Flask's ``flask.wrappers`` (the app-level ``Request`` and ``Response``,
whose response defaults to ``text/html`` and whose request reads the app's limits); Werkzeug's
``werkzeug.wrappers`` has the plain classes, which live in ``erlen.wrappers.request`` and
``erlen.wrappers.response``. ``werkzeug.wrappers.request`` and ``werkzeug.wrappers.response``
are those two modules.
"""

from __future__ import annotations

from ..wrappers.request import Request
from ..wrappers.response import Response, ResponseStream

__all__ = ["Request", "Response", "ResponseStream"]
