"""The signals of :mod:`erlen.ext.login` (Flask-Login's ``flask_login.signals``).

Each is a :mod:`blinker` signal sent with the app as sender. They are only sent when
something is connected, so an unused signal costs one attribute check.
"""

from __future__ import annotations

from blinker import Namespace

__all__ = [
    "session_protected",
    "user_accessed",
    "user_loaded_from_cookie",
    "user_loaded_from_request",
    "user_logged_in",
    "user_logged_out",
    "user_login_confirmed",
    "user_needs_refresh",
    "user_unauthorized",
]

_signals = Namespace()

#: A user was logged in by ``login_user``; receives ``user``.
user_logged_in = _signals.signal("logged-in")

#: A user was logged out by ``logout_user``; receives ``user`` (the user before logout).
user_logged_out = _signals.signal("logged-out")

#: The user was loaded from the remember-me cookie; receives ``user``.
user_loaded_from_cookie = _signals.signal("loaded-from-cookie")

#: The user was loaded by the ``request_loader``; receives ``user``.
user_loaded_from_request = _signals.signal("loaded-from-request")

#: ``confirm_login`` marked the login fresh again.
user_login_confirmed = _signals.signal("login-confirmed")

#: ``LoginManager.unauthorized`` was called.
user_unauthorized = _signals.signal("unauthorized")

#: ``LoginManager.needs_refresh`` was called.
user_needs_refresh = _signals.signal("needs-refresh")

#: The current user is being loaded (first use of ``current_user`` in a request).
user_accessed = _signals.signal("accessed")

#: Session protection marked the session non-fresh or cleared the login.
session_protected = _signals.signal("session-protected")
