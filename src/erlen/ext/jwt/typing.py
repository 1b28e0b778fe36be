"""Type aliases of the token-creation arguments (Flask-JWT-Extended's
``flask_jwt_extended.typing``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

__all__ = ["ExpiresDelta", "Fresh"]

#: ``expires_delta``: how long the token lasts, or ``False`` for a token that never expires.
ExpiresDelta = Literal[False] | timedelta
#: ``fresh``: a flag, a POSIX timestamp until which the token is fresh, or a duration from
#: the token's creation.
Fresh = bool | float | timedelta
