"""Server-side sessions in Redis, configured like Flask-Session 0.8 (``SESSION_TYPE =
"redis"``), without Flask: the ``session`` API is unchanged, the cookie holds only a
signed session id, and the data is shared by every process that uses the same Redis.

::

    app.config.update(SECRET_KEY=..., SESSION_TYPE="redis", SESSION_REDIS="redis://localhost:6379/0")
    Session(app)

Configuration: ``SESSION_TYPE`` (``"redis"``), ``SESSION_REDIS`` (a ``redis.Redis``
client or a URL), ``SESSION_KEY_PREFIX`` (``"session:"``), ``SESSION_PERMANENT``
(``True``), ``SESSION_ID_LENGTH`` (``32``), and Flask's ``SESSION_COOKIE_*``,
``PERMANENT_SESSION_LIFETIME``, ``SESSION_REFRESH_EACH_REQUEST``, ``SECRET_KEY`` and
``SECRET_KEY_FALLBACKS``.
"""

from __future__ import annotations

import typing as t

from .base import ServerSideSession, ServerSideSessionInterface

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask

__all__ = ["ServerSideSession", "ServerSideSessionInterface", "Session"]


class Session:
    """Install a server-side session interface on one or more apps
    (``app.session_interface``); use ``erlen.session`` as usual afterwards."""

    def __init__(self, app: Flask | None = None) -> None:
        self.app = app
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Read the app's ``SESSION_*`` config and install the session interface."""
        app.session_interface = self._get_interface(app)

    def _get_interface(self, app: Flask) -> ServerSideSessionInterface:
        config = app.config
        kind = str(config.get("SESSION_TYPE", "null")).lower()
        if kind != "redis":
            raise ValueError(
                f"Unrecognized value for SESSION_TYPE: {kind!r}. erlen.ext.session stores"
                " sessions in Redis: set SESSION_TYPE = 'redis' (and SESSION_REDIS)."
            )
        serialization = config.get("SESSION_SERIALIZATION_FORMAT", "json")
        if serialization != "json":
            raise ValueError(
                f"SESSION_SERIALIZATION_FORMAT = {serialization!r} is not offered:"
                " erlen.ext.session stores the data as tagged JSON, like cookie sessions"
                " ('json')."
            )
        from .redis import RedisSessionInterface

        return RedisSessionInterface(
            app,
            client=config.get("SESSION_REDIS"),
            key_prefix=config.get("SESSION_KEY_PREFIX", "session:"),
            permanent=config.get("SESSION_PERMANENT", True),
            sid_length=config.get("SESSION_ID_LENGTH", 32),
        )
