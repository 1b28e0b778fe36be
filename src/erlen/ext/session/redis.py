"""Sessions stored in Redis (Flask-Session's ``SESSION_TYPE = "redis"``)."""

from __future__ import annotations

import typing as t
import warnings
from datetime import timedelta

from redis import Redis

from .base import ServerSideSession, ServerSideSessionInterface

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask

__all__ = ["RedisSession", "RedisSessionInterface"]


class RedisSession(ServerSideSession):
    """A session stored in Redis."""


class RedisSessionInterface(ServerSideSessionInterface):
    """Keeps sessions in Redis under ``key_prefix + sid``, with Redis expiring them after
    ``PERMANENT_SESSION_LIFETIME``.

    ``client`` is a ``redis.Redis`` (or ``RedisCluster``, or a Sentinel's
    ``master_for(...)``) client, or a ``redis://`` URL. Each request that uses the
    session makes one ``GET``, plus one ``SET`` when it changed the session (one
    ``GETEX`` when it did not, with ``SESSION_REFRESH_EACH_REQUEST``); a request that does not use it makes none, or one
    ``GETEX`` (Redis 6.2+) to refresh a permanent session's expiry.
    """

    session_class = RedisSession

    def __init__(
        self,
        app: Flask | None = None,
        client: Redis | str | None = None,
        key_prefix: str = "session:",
        permanent: bool = True,
        sid_length: int = 32,
    ) -> None:
        if client is None:
            warnings.warn(
                "No Redis client given (SESSION_REDIS): using one for localhost:6379.",
                RuntimeWarning,
                stacklevel=2,
            )
            client = Redis()
        elif isinstance(client, str):
            client = Redis.from_url(client)
        #: The Redis client.
        self.client = client
        super().__init__(app, key_prefix, permanent, sid_length)

    def _retrieve_session_data(self, store_id: str) -> bytes | None:
        return t.cast("bytes | None", self.client.get(store_id))

    def _upsert_session(self, session_lifetime: timedelta, data: bytes, store_id: str) -> None:
        self.client.set(store_id, data, ex=_seconds(session_lifetime))

    def _refresh_session(self, session_lifetime: timedelta, store_id: str) -> bytes | None:
        return t.cast("bytes | None", self.client.getex(store_id, ex=_seconds(session_lifetime)))

    def _delete_session(self, store_id: str) -> None:
        self.client.delete(store_id)


def _seconds(lifetime: timedelta) -> int:
    # Redis wants a positive whole number of seconds.
    return max(1, int(lifetime.total_seconds()))
