"""User session management: Flask-Login 0.6.3's API on erlen, without Flask.

``from flask_login import LoginManager`` becomes ``from erlen.ext.login import LoginManager``;
the submodules keep Flask-Login's names (``login_manager``, ``utils``, ``mixins``,
``signals``, ``config``, ``test_client``). Additions for async code: ``aget_user()``,
``LoginManager.aunauthorized()``/``aneeds_refresh()``, and ``async def`` callbacks. See
``docs/ext/login.md``.
"""

from __future__ import annotations

from .__about__ import __version__
from .config import (
    AUTH_HEADER_NAME,
    COOKIE_DURATION,
    COOKIE_HTTPONLY,
    COOKIE_NAME,
    COOKIE_SECURE,
    ID_ATTRIBUTE,
    LOGIN_MESSAGE,
    LOGIN_MESSAGE_CATEGORY,
    REFRESH_MESSAGE,
    REFRESH_MESSAGE_CATEGORY,
)
from .login_manager import LoginManager
from .mixins import AnonymousUserMixin, UserMixin
from .signals import (
    session_protected,
    user_accessed,
    user_loaded_from_cookie,
    user_loaded_from_request,
    user_logged_in,
    user_logged_out,
    user_login_confirmed,
    user_needs_refresh,
    user_unauthorized,
)
from .test_client import FlaskLoginClient
from .utils import (
    aget_user,
    confirm_login,
    current_user,
    decode_cookie,
    encode_cookie,
    fresh_login_required,
    login_fresh,
    login_remembered,
    login_required,
    login_url,
    login_user,
    logout_user,
    make_next_param,
    safe_next_url,
    set_login_view,
)

__all__ = [
    "AUTH_HEADER_NAME",
    "COOKIE_DURATION",
    "COOKIE_HTTPONLY",
    "COOKIE_NAME",
    "COOKIE_SECURE",
    "ID_ATTRIBUTE",
    "LOGIN_MESSAGE",
    "LOGIN_MESSAGE_CATEGORY",
    "REFRESH_MESSAGE",
    "REFRESH_MESSAGE_CATEGORY",
    "AnonymousUserMixin",
    "FlaskLoginClient",
    "LoginManager",
    "UserMixin",
    "__version__",
    "aget_user",
    "confirm_login",
    "current_user",
    "decode_cookie",
    "encode_cookie",
    "fresh_login_required",
    "login_fresh",
    "login_remembered",
    "login_required",
    "login_url",
    "login_user",
    "logout_user",
    "make_next_param",
    "safe_next_url",
    "session_protected",
    "set_login_view",
    "user_accessed",
    "user_loaded_from_cookie",
    "user_loaded_from_request",
    "user_logged_in",
    "user_logged_out",
    "user_login_confirmed",
    "user_needs_refresh",
    "user_unauthorized",
]
