"""The limiter's storage: limits' sync storage for sync code, and limits' async storage
(``limits.aio``) of the same backend for ``async def`` views.

An async storage holds connections tied to one event loop, so one is made per running
loop, on first use there. Memory storage is the exception: limits' sync
``MemoryStorage`` is one in-process store that never waits on I/O, and sync and async
views must count against the same numbers, so async views use it through
:class:`SharedMemoryStorage` (limits' own async memory storage would keep separate
counts, tied to one loop).
"""

from __future__ import annotations

import asyncio
import typing as t
import weakref

from limits.aio import strategies as async_strategies
from limits.aio.storage import MovingWindowSupport, SlidingWindowCounterSupport, Storage
from limits.errors import ConfigurationError
from limits.storage import MemoryStorage, Storage as SyncStorage, storage_from_string
from limits.strategies import STRATEGIES, RateLimiter

if t.TYPE_CHECKING:  # pragma: no cover
    from limits.aio.strategies import RateLimiter as AsyncRateLimiter

__all__ = ["AsyncStorages", "SharedMemoryStorage", "make_storage", "make_strategy"]

#: limits' async storages take the redis-py client by default here (coredis otherwise):
#: the ``redis`` package that the sync storage uses already brings ``redis.asyncio``.
_REDIS_SCHEMES = ("redis", "rediss", "redis+unix", "redis+cluster", "redis+sentinel")


def make_storage(uri: str, options: dict[str, t.Any]) -> SyncStorage:
    """limits' sync storage for ``uri`` (:exc:`~limits.errors.ConfigurationError` for an
    unknown scheme)."""
    sync_options = {k: v for k, v in options.items() if k != "implementation"}
    storage = storage_from_string(uri, **sync_options)
    if not isinstance(storage, SyncStorage):
        # The scheme only: the rest of a storage URI may hold a password.
        scheme = uri.partition("://")[0]
        raise ConfigurationError(
            f"The storage URI's scheme {scheme!r} names an async storage; give the sync URI"
            " (without 'async+'): async views get the async storage of the same backend by"
            " themselves"
        )
    return storage


def make_strategy(strategy: str, storage: SyncStorage) -> RateLimiter:
    """limits' sync rate limiter for the strategy named ``strategy``."""
    if strategy not in STRATEGIES:
        raise ConfigurationError(f"Invalid rate limiting strategy {strategy}")
    return STRATEGIES[strategy](storage)


def _async_strategy(strategy: str, storage: Storage) -> AsyncRateLimiter:
    factory: t.Callable[[Storage], AsyncRateLimiter] = async_strategies.STRATEGIES[strategy]
    return factory(storage)


class SharedMemoryStorage(Storage, MovingWindowSupport, SlidingWindowCounterSupport):
    """limits' async storage interface over a sync :class:`~limits.storage.MemoryStorage`
    (whose operations only touch this process's memory), so that sync and async views
    count against the same in-process numbers."""

    STORAGE_SCHEME = None

    def __init__(self, memory: MemoryStorage) -> None:
        super().__init__()
        self.memory = memory

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return self.memory.base_exceptions

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self.memory.incr(key, expiry, amount)

    async def get(self, key: str) -> int:
        return self.memory.get(key)

    async def get_expiry(self, key: str) -> float:
        return self.memory.get_expiry(key)

    async def check(self) -> bool:
        return self.memory.check()

    async def reset(self) -> int | None:
        return self.memory.reset()

    async def clear(self, key: str) -> None:
        self.memory.clear(key)

    async def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        return self.memory.acquire_entry(key, limit, expiry, amount)

    async def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        return self.memory.get_moving_window(key, limit, expiry)

    async def acquire_sliding_window_entry(
        self, key: str, limit: int, expiry: int, amount: int = 1
    ) -> bool:
        return self.memory.acquire_sliding_window_entry(key, limit, expiry, amount)

    async def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        return self.memory.get_sliding_window(key, expiry)

    async def clear_sliding_window(self, key: str, expiry: int) -> None:
        self.memory.clear_sliding_window(key, expiry)


class AsyncStorages:
    """The async storage and strategy matching one sync storage, per event loop."""

    def __init__(
        self, uri: str, options: dict[str, t.Any], strategy: str, storage: SyncStorage
    ) -> None:
        self.strategy = strategy
        self._shared: tuple[Storage, AsyncRateLimiter] | None = None
        if isinstance(storage, MemoryStorage):
            shared = SharedMemoryStorage(storage)
            self._shared = (shared, _async_strategy(strategy, shared))
        scheme = uri.partition("://")[0]
        self.uri = f"async+{scheme}://{uri.partition('://')[2]}"
        self.options = dict(options)
        if scheme in _REDIS_SCHEMES:
            self.options.setdefault("implementation", "redispy")
        self._per_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[Storage, AsyncRateLimiter]
        ] = weakref.WeakKeyDictionary()

    @property
    def per_loop(self) -> bool:
        """Whether a storage is made per event loop (it holds connections: Redis and
        the like), so that it needs closing on its loop when serving stops."""
        return self._shared is None

    async def aclose(self) -> None:
        """Close the storage made for the running event loop, if any: its clients'
        connections are returned to the server. A later use on the loop makes a new one."""
        pair = self._per_loop.pop(asyncio.get_running_loop(), None)
        if pair is not None:
            await close_async_storage(pair[0])

    def get(self) -> tuple[Storage, AsyncRateLimiter]:
        """``(storage, strategy)`` for the running event loop (made on first use)."""
        if self._shared is not None:
            return self._shared
        loop = asyncio.get_running_loop()
        pair = self._per_loop.get(loop)
        if pair is None:
            storage = storage_from_string(self.uri, **self.options)
            assert isinstance(storage, Storage)
            pair = (storage, _async_strategy(self.strategy, storage))
            self._per_loop[loop] = pair
        return pair


async def close_async_storage(storage: Storage) -> None:
    """Close the clients of one of limits' async storages (Redis, Redis Cluster, Sentinel:
    the clients its ``bridge`` holds); storages without clients are left as they are."""
    bridge = getattr(storage, "bridge", None)
    clients = [getattr(bridge, "storage", None), getattr(bridge, "storage_replica", None)]
    sentinel = getattr(bridge, "sentinel", None)
    if sentinel is not None:
        clients += list(sentinel.sentinels)
    for client in clients:
        close = getattr(client, "aclose", None)
        if close is not None:
            await close()
