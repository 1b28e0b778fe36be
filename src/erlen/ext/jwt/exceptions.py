"""The errors the extension raises (Flask-JWT-Extended's ``flask_jwt_extended.exceptions``).

:class:`~erlen.ext.jwt.JWTManager` registers an error handler for each of them (and for
PyJWT's ``InvalidTokenError`` family), which turns it into the 401/422/400 JSON answer of the
matching loader callback.
"""

from __future__ import annotations

import typing as t

__all__ = [
    "CSRFError",
    "FreshTokenRequired",
    "InvalidHeaderError",
    "InvalidQueryParamError",
    "JWTDecodeError",
    "JWTExtendedException",
    "NoAuthorizationError",
    "RevokedTokenError",
    "UserClaimsVerificationError",
    "UserLookupError",
    "WrongTokenError",
]


class JWTExtendedException(Exception):
    """Base class of every error of this extension."""


class JWTDecodeError(JWTExtendedException):
    """A token decoded but lacks a claim the extension needs (``sub``, ``csrf``, ...)."""


class InvalidHeaderError(JWTExtendedException):
    """The authorization header is there but not in the ``<type> <JWT>`` form (422)."""


class InvalidQueryParamError(JWTExtendedException):
    """The query string token lacks the configured value prefix (422)."""


class NoAuthorizationError(JWTExtendedException):
    """No token in any of the looked-at locations (401)."""


class CSRFError(JWTExtendedException):
    """A cookie token came without its double-submit CSRF value, or with a wrong one (401)."""


class WrongTokenError(JWTExtendedException):
    """A refresh token where an access token is required, or the other way round (422)."""


class _TokenError(JWTExtendedException):
    # The errors that carry the token's header and payload for their loader callback.
    def __init__(self, message: str, jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]):
        super().__init__(message)
        #: The header of the token.
        self.jwt_header = jwt_header
        #: The payload (claims) of the token.
        self.jwt_data = jwt_data


class RevokedTokenError(_TokenError):
    """The ``token_in_blocklist_loader`` callback says the token was revoked (401)."""

    def __init__(self, jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]) -> None:
        super().__init__("Token has been revoked", jwt_header, jwt_data)


class FreshTokenRequired(_TokenError):
    """A non-fresh token on a view that requires a fresh one (401)."""


class UserLookupError(_TokenError):
    """The ``user_lookup_loader`` callback returned ``None`` for the token (401)."""


class UserClaimsVerificationError(_TokenError):
    """The ``token_verification_loader`` callback returned ``False`` (400)."""
