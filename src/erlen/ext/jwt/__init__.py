"""JSON Web Token authentication: Flask-JWT-Extended 4.7's API on erlen and PyJWT, without
Flask.

``from flask_jwt_extended import JWTManager`` becomes ``from erlen.ext.jwt import
JWTManager``; the submodules keep Flask-JWT-Extended's names (``jwt_manager``,
``view_decorators``, ``utils``, ``tokens``, ``config``, ``default_callbacks``,
``exceptions``, ``internal_utils``, ``typing``). Additions for async code:
``averify_jwt_in_request()``, ``acreate_access_token()``, ``acreate_refresh_token()``,
``adecode_token()``, and ``async def`` loaders. See ``docs/ext/jwt.md``.
"""

from __future__ import annotations

from .jwt_manager import JWTManager
from .utils import (
    acreate_access_token,
    acreate_refresh_token,
    adecode_token,
    create_access_token,
    create_refresh_token,
    current_user,
    decode_token,
    get_csrf_token,
    get_current_user,
    get_jti,
    get_jwt,
    get_jwt_header,
    get_jwt_identity,
    get_jwt_request_location,
    get_unverified_jwt_headers,
    set_access_cookies,
    set_refresh_cookies,
    unset_access_cookies,
    unset_jwt_cookies,
    unset_refresh_cookies,
)
from .view_decorators import averify_jwt_in_request, jwt_required, verify_jwt_in_request

#: The Flask-JWT-Extended version whose API this battery mirrors.
__version__ = "4.7.4"

__all__ = [
    "JWTManager",
    "__version__",
    "acreate_access_token",
    "acreate_refresh_token",
    "adecode_token",
    "averify_jwt_in_request",
    "create_access_token",
    "create_refresh_token",
    "current_user",
    "decode_token",
    "get_csrf_token",
    "get_current_user",
    "get_jti",
    "get_jwt",
    "get_jwt_header",
    "get_jwt_identity",
    "get_jwt_request_location",
    "get_unverified_jwt_headers",
    "jwt_required",
    "set_access_cookies",
    "set_refresh_cookies",
    "unset_access_cookies",
    "unset_jwt_cookies",
    "unset_refresh_cookies",
    "verify_jwt_in_request",
]
