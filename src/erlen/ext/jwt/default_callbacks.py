"""The callbacks a :class:`~erlen.ext.jwt.JWTManager` uses until the app registers its own
(Flask-JWT-Extended's ``flask_jwt_extended.default_callbacks``).

The error callbacks answer JSON ``{"msg": "..."}`` (the key is ``JWT_ERROR_MESSAGE_KEY``)
with the extension's statuses: 401 for a missing, expired, revoked or non-fresh token, a CSRF
failure or an unknown user; 422 for a malformed or otherwise invalid token; 400 when the
``token_verification_loader`` refuses the claims.
"""

from __future__ import annotations

import typing as t

from erlen.json import jsonify

from .config import config

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen.wrappers import Response

__all__ = [
    "default_additional_claims_callback",
    "default_blocklist_callback",
    "default_decode_key_callback",
    "default_encode_key_callback",
    "default_expired_token_callback",
    "default_invalid_token_callback",
    "default_jwt_headers_callback",
    "default_needs_fresh_token_callback",
    "default_revoked_token_callback",
    "default_token_verification_callback",
    "default_token_verification_failed_callback",
    "default_unauthorized_callback",
    "default_user_identity_callback",
    "default_user_lookup_error_callback",
]


def _error(message: str, status: int) -> tuple[Response, int]:
    return jsonify({config.error_msg_key: message}), status


def default_additional_claims_callback(userdata: t.Any) -> dict[str, t.Any]:
    """No claims beyond the standard ones."""
    return {}


def default_blocklist_callback(jwt_headers: dict[str, t.Any], jwt_data: dict[str, t.Any]) -> bool:
    """No token is revoked."""
    return False


def default_jwt_headers_callback(default_headers: t.Any) -> dict[str, t.Any]:
    """No headers beyond PyJWT's ``alg`` and ``typ``."""
    return {}


def default_user_identity_callback(userdata: t.Any) -> t.Any:
    """The identity given to ``create_access_token`` goes into the token as it is."""
    return userdata


def default_expired_token_callback(
    _expired_jwt_header: dict[str, t.Any], _expired_jwt_data: dict[str, t.Any]
) -> tuple[Response, int]:
    """401 ``Token has expired``."""
    return _error("Token has expired", 401)


def default_invalid_token_callback(error_string: str) -> tuple[Response, int]:
    """422 with the reason the token is invalid."""
    return _error(error_string, 422)


def default_unauthorized_callback(error_string: str) -> tuple[Response, int]:
    """401 with the reason no token was found."""
    return _error(error_string, 401)


def default_needs_fresh_token_callback(
    jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]
) -> tuple[Response, int]:
    """401 ``Fresh token required``."""
    return _error("Fresh token required", 401)


def default_revoked_token_callback(
    jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]
) -> tuple[Response, int]:
    """401 ``Token has been revoked``."""
    return _error("Token has been revoked", 401)


def default_user_lookup_error_callback(
    _jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]
) -> tuple[Response, int]:
    """401 ``Error loading the user <identity>``."""
    return _error(f"Error loading the user {jwt_data[config.identity_claim_key]}", 401)


def default_token_verification_callback(
    _jwt_header: dict[str, t.Any], _jwt_data: dict[str, t.Any]
) -> bool:
    """Every token's claims are accepted."""
    return True


def default_token_verification_failed_callback(
    _jwt_header: dict[str, t.Any], _jwt_data: dict[str, t.Any]
) -> tuple[Response, int]:
    """400 ``User claims verification failed``."""
    return _error("User claims verification failed", 400)


def default_decode_key_callback(jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]) -> t.Any:
    """The configured verifying key (``JWT_SECRET_KEY``/``SECRET_KEY`` or
    ``JWT_PUBLIC_KEY``)."""
    return config.decode_key


def default_encode_key_callback(identity: t.Any) -> t.Any:
    """The configured signing key (``JWT_SECRET_KEY``/``SECRET_KEY`` or
    ``JWT_PRIVATE_KEY``)."""
    return config.encode_key
