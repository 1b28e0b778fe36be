"""Type-checked, never run: erlen.ext.caching's decorators keep signatures and bind self."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from typing_extensions import assert_type

from erlen import Flask
from erlen.ext.caching import Cache, CachedResponse
from erlen.wrappers import Response

app = Flask(__name__)
cache = Cache(app, config={"CACHE_TYPE": "SimpleCache"})


@app.get("/")
@cache.cached(timeout=timedelta(minutes=1), query_string=True)
def index() -> str:
    return "hi"


@cache.cached(timeout=1, unless=lambda: False)
def cached_plain(a: int, b: str = "x") -> bytes:
    return b""


@cache.memoize(timeout=1, args_to_ignore=["b"])
def memoized_plain(a: int, b: str = "x") -> bytes:
    return b""


@cache.memoize()
async def memoized_async(key: str) -> int:
    return 1


class Adder:
    def __init__(self, initial: int) -> None:
        self.initial = initial

    @cache.cached(timeout=1)
    def cached_add(self, b: int) -> int:
        return self.initial + b

    @cache.memoize(timeout=1)
    def memoized_add(self, b: int) -> int:
        return self.initial + b


adder = Adder(1)

assert_type(index(), str)
assert_type(memoized_plain(1, "y"), bytes)
assert_type(cached_plain(1), bytes)
plain_uncached: Callable[[int, str], bytes] = memoized_plain.uncached
plain_timeout: int | timedelta | None = memoized_plain.cache_timeout
plain_key: str = cached_plain.make_cache_key()
memoized_plain.delete_memoized()

assert_type(adder.memoized_add(2), int)
assert_type(Adder.memoized_add(adder, 2), int)
assert_type(adder.memoized_add.uncached(adder, 2), int)
assert_type(adder.cached_add(2), int)
assert_type(Adder.cached_add(adder, 2), int)


async def use_async() -> None:
    assert_type(await memoized_async("k"), int)


cache.delete_memoized(memoized_plain)
cache.delete_memoized(memoized_plain, 1, "y")
cache.delete_memoized(adder.memoized_add)
cache.delete_memoized(Adder.memoized_add, adder, 2)
cache.delete_memoized_verhash(adder.memoized_add)
cache.delete_cached(index, "/")
counted: int | None = cache.inc("hits")
response = CachedResponse(Response("x"), timeout=timedelta(seconds=5))
assert_type(response.timeout, int | None)
