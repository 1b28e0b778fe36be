"""The Redis backends: one server, Sentinel, and Redis Cluster (on ``redis-py``).

Every call is a blocking network round trip; see "Async views" in ``docs/ext/caching.md``.
"""

from __future__ import annotations

import typing as t
from datetime import timedelta

import cachelib
from cachelib.serializers import RedisSerializer

from .base import BaseCache, _keep_errors_setting, _seconds

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask

__all__ = ["RedisCache", "RedisClusterCache", "RedisSentinelCache"]


class _IntegersAsText(RedisSerializer):
    """cachelib's Redis serializer, with integers stored as their decimal digits, so that
    ``inc``/``dec`` (Redis ``INCRBY``/``DECRBY``) work on a number stored with ``set``."""

    def dumps(self, value: t.Any, *args: t.Any, **kwargs: t.Any) -> bytes:
        # cachelib does this itself from 0.17; before (0.14 is the newest for Python 3.10)
        # it pickles integers too. ``type`` and not ``isinstance``: a bool stays pickled.
        if type(value) is int:
            return str(value).encode("ascii")
        return super().dumps(value, *args, **kwargs)


def _no_decoded_responses(kwargs: dict[str, t.Any]) -> None:
    if kwargs.get("decode_responses"):
        raise ValueError("decode_responses is not supported by RedisCache.")


class RedisCache(BaseCache, cachelib.RedisCache):
    """Items in a Redis server, shared by every process that uses it.

    :param host: the server's host name, or a ready ``redis.Redis`` client.
    :param port: the server's port.
    :param password: the server's password.
    :param db: the database number.
    :param default_timeout: see :class:`~erlen.ext.caching.backends.BaseCache`.
    :param key_prefix: put before every key (``CACHE_KEY_PREFIX``), so that several apps
        can share a database; :meth:`clear` then deletes only this prefix's keys.
    :param ignore_delete_many_errors: see :class:`~erlen.ext.caching.backends.BaseCache`.
    :param kwargs: passed to ``redis.Redis`` when ``host`` is a name.
    """

    serializer = _IntegersAsText()

    def __init__(
        self,
        host: t.Any = "localhost",
        port: int = 6379,
        password: str | None = None,
        db: int = 0,
        default_timeout: int | timedelta = 300,
        key_prefix: str | None = None,
        ignore_delete_many_errors: bool = False,
        **kwargs: t.Any,
    ) -> None:
        cachelib.RedisCache.__init__(
            self,
            host=host,
            port=port,
            password=password,
            db=db,
            default_timeout=_seconds(default_timeout),
            key_prefix=key_prefix,
            **kwargs,
        )
        _keep_errors_setting(self, ignore_delete_many_errors)

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, t.Any], args: list[t.Any], kwargs: dict[str, t.Any]
    ) -> RedisCache:
        """Build it from ``CACHE_REDIS_HOST``, ``_PORT``, ``_DB``, ``_PASSWORD`` and
        ``CACHE_KEY_PREFIX``, or from ``CACHE_REDIS_URL`` (whose database number wins over
        ``CACHE_REDIS_DB``; ``CACHE_OPTIONS`` then go to the client)."""
        try:
            import redis
        except ImportError as e:
            raise RuntimeError(
                "CACHE_TYPE is RedisCache but the redis package is not installed:"
                " pip install 'erlen[caching-redis]'."
            ) from e
        kwargs.update(
            host=config.get("CACHE_REDIS_HOST", "localhost"),
            port=config.get("CACHE_REDIS_PORT", 6379),
            db=config.get("CACHE_REDIS_DB", 0),
        )
        if config.get("CACHE_REDIS_PASSWORD"):
            kwargs["password"] = config["CACHE_REDIS_PASSWORD"]
        if config.get("CACHE_KEY_PREFIX"):
            kwargs["key_prefix"] = config["CACHE_KEY_PREFIX"]
        url = config.get("CACHE_REDIS_URL")
        if url:
            client_options = config.get("CACHE_OPTIONS") or {}
            kwargs["host"] = redis.from_url(url, db=kwargs.pop("db"), **client_options)
        return cls(*args, **kwargs)

    def delete_many(self, *keys: str) -> list[t.Any]:
        """Delete ``keys`` with one ``DEL``; the list of keys now absent. Unless
        ``ignore_delete_many_errors``, raises :exc:`RuntimeError` naming the keys still
        there."""
        return self._checked_deletion(keys, cachelib.RedisCache.delete_many(self, *keys))

    def unlink(self, *keys: str) -> t.Any:
        """Delete ``keys`` with Redis's non-blocking ``UNLINK`` (the memory is freed in the
        background); returns how many existed."""
        if not keys:
            return None
        prefix = self._get_prefix()
        return self._write_client.unlink(*(prefix + key for key in keys))


class RedisSentinelCache(RedisCache):
    """Items in the Redis master that Sentinel names; reads go to a replica.

    :param sentinels: ``(host, port)`` of each sentinel (``CACHE_REDIS_SENTINELS``).
    :param master: the monitored master's name (``CACHE_REDIS_SENTINEL_MASTER``).
    :param password: the master's and replicas' password.
    :param db: the database number.
    :param default_timeout: see :class:`~erlen.ext.caching.backends.BaseCache`.
    :param key_prefix: see :class:`RedisCache`.
    :param ignore_delete_many_errors: see :class:`~erlen.ext.caching.backends.BaseCache`.
    :param kwargs: ``sentinel_<name>`` options go to the sentinel connections
        (``sentinel_password`` from ``CACHE_REDIS_SENTINEL_PASSWORD``), the others to
        ``redis.sentinel.Sentinel``.
    """

    def __init__(
        self,
        sentinels: t.Any = None,
        master: str = "mymaster",
        password: str | None = None,
        db: int = 0,
        default_timeout: int | timedelta = 300,
        key_prefix: str | None = "",
        ignore_delete_many_errors: bool = False,
        **kwargs: t.Any,
    ) -> None:
        try:
            from redis.sentinel import Sentinel
        except ImportError as e:
            raise RuntimeError("no redis module found: pip install redis") from e
        _no_decoded_responses(kwargs)
        sentinel_options = {k[9:]: v for k, v in kwargs.items() if k.startswith("sentinel_")}
        client_options = {k: v for k, v in kwargs.items() if not k.startswith("sentinel_")}
        sentinel: t.Any = t.cast(t.Any, Sentinel)(
            sentinels or [("127.0.0.1", 26379)],
            sentinel_kwargs=sentinel_options,
            password=password,
            db=db,
            **client_options,
        )
        super().__init__(
            host=sentinel.master_for(master),
            key_prefix=key_prefix,
            default_timeout=default_timeout,
            ignore_delete_many_errors=ignore_delete_many_errors,
        )
        self._read_client = sentinel.slave_for(master)

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, t.Any], args: list[t.Any], kwargs: dict[str, t.Any]
    ) -> RedisSentinelCache:
        """Build it from ``CACHE_REDIS_SENTINELS``, ``CACHE_REDIS_SENTINEL_MASTER``,
        ``CACHE_REDIS_PASSWORD``, ``CACHE_REDIS_SENTINEL_PASSWORD``, ``CACHE_REDIS_DB`` and
        ``CACHE_KEY_PREFIX``."""
        kwargs.update(
            sentinels=config.get("CACHE_REDIS_SENTINELS", [("127.0.0.1", 26379)]),
            master=config.get("CACHE_REDIS_SENTINEL_MASTER", "mymaster"),
            password=config.get("CACHE_REDIS_PASSWORD"),
            sentinel_password=config.get("CACHE_REDIS_SENTINEL_PASSWORD"),
            key_prefix=config.get("CACHE_KEY_PREFIX"),
            db=config.get("CACHE_REDIS_DB", 0),
        )
        return cls(*args, **kwargs)


class RedisClusterCache(RedisCache):
    """Items in a Redis Cluster.

    :param cluster: the startup nodes, ``"host1:port1,host2:port2"``
        (``CACHE_REDIS_CLUSTER``).
    :param password: the nodes' password.
    :param default_timeout: see :class:`~erlen.ext.caching.backends.BaseCache`.
    :param key_prefix: see :class:`RedisCache`.
    :param ignore_delete_many_errors: see :class:`~erlen.ext.caching.backends.BaseCache`.
    :param kwargs: ``redis_url`` (``CACHE_REDIS_URL``) connects from a URL instead of
        ``cluster``; the rest go to ``redis.RedisCluster``.
    """

    def __init__(
        self,
        cluster: str = "",
        password: str | None = "",
        default_timeout: int | timedelta = 300,
        key_prefix: str | None = "",
        ignore_delete_many_errors: bool = False,
        **kwargs: t.Any,
    ) -> None:
        _no_decoded_responses(kwargs)
        try:
            from redis.cluster import ClusterNode, RedisCluster
        except ImportError as e:
            raise RuntimeError("no redis.cluster module found: pip install redis") from e
        redis_url = kwargs.pop("redis_url", None)
        client: RedisCluster
        if redis_url:
            client = RedisCluster.from_url(redis_url, **kwargs)
        else:
            client = RedisCluster(
                startup_nodes=_cluster_nodes(cluster, ClusterNode),
                password=password or None,
                **kwargs,
            )
        super().__init__(
            host=client,
            key_prefix=key_prefix,
            default_timeout=default_timeout,
            ignore_delete_many_errors=ignore_delete_many_errors,
        )

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, t.Any], args: list[t.Any], kwargs: dict[str, t.Any]
    ) -> RedisClusterCache:
        """Build it from ``CACHE_REDIS_CLUSTER`` (or ``CACHE_REDIS_URL``),
        ``CACHE_REDIS_PASSWORD`` and ``CACHE_KEY_PREFIX``."""
        kwargs.update(
            cluster=config.get("CACHE_REDIS_CLUSTER", ""),
            password=config.get("CACHE_REDIS_PASSWORD", ""),
            key_prefix=config.get("CACHE_KEY_PREFIX", ""),
            redis_url=config.get("CACHE_REDIS_URL", ""),
        )
        return cls(*args, **kwargs)

    def get_many(self, *keys: str) -> list[t.Any]:
        """The values of ``keys`` in order. Unlike a plain ``MGET`` (which a cluster refuses
        for keys in different hash slots) the keys are read slot by slot."""
        prefix = self._get_prefix()
        values = self._read_client.mget_nonatomic([prefix + key for key in keys])
        return [self.serializer.loads(value) for value in values]


def _cluster_nodes(cluster: str, node_class: t.Any) -> list[t.Any]:
    nodes = []
    for node in cluster.split(","):
        host, sep, port = node.strip().rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(
                f"Invalid Redis cluster node {node.strip()!r}: give the nodes as"
                " 'host1:port1,host2:port2'."
            )
        nodes.append(node_class(host, int(port)))
    return nodes
