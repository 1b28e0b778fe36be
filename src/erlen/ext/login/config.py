"""Default settings of :mod:`erlen.ext.login` (Flask-Login's ``flask_login.config``).

Each ``REMEMBER_COOKIE_*``, ``SESSION_PROTECTION``, ``USE_SESSION_FOR_NEXT``,
``FORCE_HOST_FOR_REDIRECTS`` and ``LOGIN_DISABLED`` key in ``app.config`` overrides the
matching default here; it is read at request time, so it may change after ``init_app``.
"""

from __future__ import annotations

from datetime import timedelta

__all__ = [
    "AUTH_HEADER_NAME",
    "COOKIE_DURATION",
    "COOKIE_HTTPONLY",
    "COOKIE_NAME",
    "COOKIE_SAMESITE",
    "COOKIE_SECURE",
    "EXEMPT_METHODS",
    "ID_ATTRIBUTE",
    "LOGIN_MESSAGE",
    "LOGIN_MESSAGE_CATEGORY",
    "REFRESH_MESSAGE",
    "REFRESH_MESSAGE_CATEGORY",
    "SESSION_KEYS",
    "USE_SESSION_FOR_NEXT",
]

#: Name of the remember-me cookie (``REMEMBER_COOKIE_NAME``).
COOKIE_NAME = "remember_token"

#: Lifetime of the remember-me cookie (``REMEMBER_COOKIE_DURATION``; a number is seconds).
COOKIE_DURATION = timedelta(days=365)

#: Whether the remember-me cookie is sent over HTTPS only (``REMEMBER_COOKIE_SECURE``).
COOKIE_SECURE = False

#: Whether scripts are kept from reading the remember-me cookie (``REMEMBER_COOKIE_HTTPONLY``).
COOKIE_HTTPONLY = True

#: The remember-me cookie's ``SameSite`` attribute (``REMEMBER_COOKIE_SAMESITE``); none by default.
COOKIE_SAMESITE: str | None = None

#: Message flashed when a login is required (``LoginManager.login_message``).
LOGIN_MESSAGE = "Please log in to access this page."

#: Category of :data:`LOGIN_MESSAGE` (``LoginManager.login_message_category``).
LOGIN_MESSAGE_CATEGORY = "message"

#: Message flashed when a fresh login is required (``LoginManager.needs_refresh_message``).
REFRESH_MESSAGE = "Please reauthenticate to access this page."

#: Category of :data:`REFRESH_MESSAGE`.
REFRESH_MESSAGE_CATEGORY = "message"

#: Name of the user method that returns the id stored in the session (``get_id``).
ID_ATTRIBUTE = "get_id"

#: The ``Authorization`` header (``AUTH_HEADER_NAME``); kept for Flask-Login's config name.
AUTH_HEADER_NAME = "Authorization"

#: The session keys this extension writes: remove exactly these to forget a login.
SESSION_KEYS = {"_user_id", "_remember", "_remember_seconds", "_id", "_fresh", "next"}

#: Methods that ``login_required`` and ``fresh_login_required`` let through (CORS preflight).
EXEMPT_METHODS = {"OPTIONS"}

#: Keep the page to return to in ``session["next"]`` instead of a ``next`` query argument.
USE_SESSION_FOR_NEXT = False
