"""Rate limiting: Flask-Limiter 4.1's API on erlen, built on the ``limits`` library.

::

    from erlen.ext.limiter import Limiter
    from erlen.ext.limiter.util import get_remote_address

    limiter = Limiter(get_remote_address, app=app, default_limits=["200/day", "50/hour"],
                      storage_uri="redis://localhost:6379")

    @app.post("/login")
    @limiter.limit("5/minute")
    async def login(): ...

Public submodules are Flask-Limiter's: ``constants``, ``errors``, ``util``, ``commands``
and ``contrib.util``.
"""

from __future__ import annotations

from ._extension import Limiter, RequestLimit
from ._limits import ApplicationLimit, Limit, MetaLimit, RouteLimit
from .constants import ExemptionScope, HeaderNames
from .errors import RateLimitExceeded

__all__ = [
    "ApplicationLimit",
    "ExemptionScope",
    "HeaderNames",
    "Limit",
    "Limiter",
    "MetaLimit",
    "RateLimitExceeded",
    "RequestLimit",
    "RouteLimit",
]
