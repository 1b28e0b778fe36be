"""The response a ``@cached`` view returns to choose its own timeout.

No ``from __future__ import annotations`` here, unlike the rest of erlen: the constructor's
annotations stay real objects, so runtime introspection (``inspect.signature``) sees the
types, as with Flask-Caching.
"""

from erlen.wrappers import Response

from .utils import Timeout, normalize_timeout

__all__ = ["CachedResponse"]


class CachedResponse(Response):
    """A response a ``@cached`` view returns to be cached for its own ``timeout`` (seconds
    or a ``timedelta``) instead of the decorator's. It takes over ``response``'s state."""

    #: The timeout this response is cached for (``None``: the decorator's).
    timeout: int | None = None

    def __init__(self, response: Response, timeout: Timeout | None) -> None:
        # Adopt the existing response's state instead of building a new one.
        self.__dict__.update(response.__dict__)
        self.timeout = normalize_timeout(timeout)
