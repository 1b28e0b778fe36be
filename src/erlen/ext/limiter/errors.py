"""The exception raised when a rate limit is exceeded."""

from __future__ import annotations

import typing as t

from erlen.exceptions import TooManyRequests

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen.wrappers import Response

    from ._limits import RuntimeLimit

__all__ = ["RateLimitExceeded"]


class RateLimitExceeded(TooManyRequests):
    """A *429 Too Many Requests* error for the rate limit :attr:`limit`.

    Its description is the limit's ``error_message`` (a string, or a callable returning
    one), else the limit itself (``"1 per 1 minute"``). When ``response`` is given, that
    response is sent instead of the default error page. Catch it with
    ``@app.errorhandler(RateLimitExceeded)`` (or ``429``) to answer in your own format.
    """

    def __init__(self, limit: RuntimeLimit, response: Response | None = None) -> None:
        #: The rate limit that was exceeded.
        self.limit = limit
        message = limit.error_message
        if message is None:
            description = str(limit.limit)
        elif callable(message):
            description = message()
        else:
            description = message
        super().__init__(description=description, response=response)
