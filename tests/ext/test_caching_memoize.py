"""erlen.ext.caching: ``@cache.memoize`` and deleting memoized values."""

from __future__ import annotations

import asyncio

import pytest

from erlen.ext.caching import (
    Cache,
    cache_memoize_hit,
    cache_memoize_miss,
    function_namespace,
)


@pytest.fixture
def ctx(app):
    with app.app_context() as ctx:
        yield ctx


def test_cached_per_arguments(cache, counter, ctx, cachelib_clock):
    @cache.memoize(timeout=2)
    def add(a, b):
        return a + b + 100 * next(counter)

    assert add(1, 2) == 3
    assert add(1, 2) == 3
    assert add(2, 1) == 103
    cachelib_clock.advance(3)
    assert add(1, 2) == 203


@pytest.mark.parametrize(
    "call",
    [
        lambda f: f(1, 2),
        lambda f: f(1, 2, 3),
        lambda f: f(1, 2, c=3),
        lambda f: f(1, b=2),
        lambda f: f(b=2, a=1),
        lambda f: f(c=3, b=2, a=1),
    ],
)
def test_one_entry_however_the_arguments_are_passed(cache, counter, ctx, call):
    @cache.memoize()
    def f(a, b, c=3):
        return next(counter)

    assert f(1, 2) == 0
    assert call(f) == 0
    assert f(1, 2, 4) == 1


def test_falsy_default_is_not_none(cache, ctx):
    calls = []

    @cache.memoize()
    def f(a, b=0):
        calls.append((a, b))
        return f"{a}:{b}"

    assert f(1, None) == "1:None"
    assert f(1) == "1:0"
    assert f(1, b=0) == "1:0"
    assert calls == [(1, None), (1, 0)]


def test_var_args_and_keyword_only(cache, counter, ctx):
    @cache.memoize()
    def f(a, *rest, flag=False, **options):
        return next(counter)

    assert f(1, 2, 3, x=1, y=2) == 0
    assert f(1, 2, 3, y=2, x=1) == 0
    assert f(1, 2, 3, y=2, x=1, flag=False) == 0
    assert f(1, 2, y=2, x=1) == 1
    assert f(1, 2, 3, x=1, y=2, flag=True) == 2


def test_wrong_arguments_raise_the_functions_error(cache, ctx):
    @cache.memoize()
    def f(a, b):
        return a + b

    with pytest.raises(TypeError, match="b"):
        f(1)


def test_args_to_ignore(cache, counter, ctx):
    @cache.memoize(args_to_ignore=["request_id"])
    def lookup(key, request_id):
        return f"{key}{next(counter)}"

    assert lookup("a", 1) == "a0"
    assert lookup("a", request_id=2) == "a0"
    assert lookup("b", 1) == "b1"


def test_methods_are_cached_per_instance(cache, counter, ctx):
    class Adder:
        def __init__(self, base):
            self.base = base

        @cache.memoize()
        def add(self, b):
            return self.base + b + 100 * next(counter)

        def __caching_id__(self):
            return f"Adder:{self.base}"

    one, also_one, two = Adder(1), Adder(1), Adder(2)
    assert one.add(1) == 2
    assert also_one.add(1) == 2  # same __caching_id__
    assert two.add(1) == 103
    assert one.add(1) == 2


def test_delete_memoized(cache, counter, ctx):
    @cache.memoize()
    def f(a, b=0):
        return next(counter)

    assert (f(1), f(2)) == (0, 1)
    cache.delete_memoized(f, 1)
    assert (f(1), f(2)) == (2, 1)
    cache.delete_memoized(f, a=2, b=0)
    assert (f(1), f(2)) == (2, 3)
    cache.delete_memoized(f)
    assert (f(1), f(2)) == (4, 5)
    f.delete_memoized()
    assert (f(1), f(2)) == (6, 7)


def test_delete_memoized_needs_a_function(cache, ctx):
    with pytest.raises(TypeError, match="function reference"):
        cache.delete_memoized("f")
    with pytest.raises(TypeError, match="function reference"):
        cache.delete_memoized_verhash("f")


def test_delete_memoized_on_methods(cache, counter, ctx):
    class Store:
        @cache.memoize()
        def get(self, key):
            return f"{key}{next(counter)}"

    first, second = Store(), Store()
    assert (first.get("a"), first.get("b"), second.get("a")) == ("a0", "b1", "a2")
    cache.delete_memoized(first.get, "a")  # a bound method supplies its own self
    assert (first.get("a"), first.get("b"), second.get("a")) == ("a3", "b1", "a2")
    cache.delete_memoized(Store.get, first, "b")
    assert (first.get("a"), first.get("b"), second.get("a")) == ("a3", "b4", "a2")
    cache.delete_memoized(first.get)  # every entry of this instance
    assert (first.get("a"), second.get("a")) == ("a5", "a2")
    cache.delete_memoized(Store.get)  # every instance
    assert (first.get("a"), second.get("a")) == ("a6", "a7")
    with pytest.raises(ValueError, match="self"):
        cache.delete_memoized(Store.get, key="a")


def test_delete_memoized_on_classmethods(cache, counter, ctx):
    class Model:
        @classmethod
        @cache.memoize()
        def count(cls, kind):
            return f"{kind}{next(counter)}"

    assert (Model.count("x"), Model.count("y")) == ("x0", "y1")
    with pytest.raises(ValueError, match="class as the first argument"):
        cache.delete_memoized(Model.count, "x")
    cache.delete_memoized(Model.count, Model, "x")
    assert (Model.count("x"), Model.count("y")) == ("x2", "y1")
    cache.delete_memoized(Model.count)
    assert (Model.count("x"), Model.count("y")) == ("x3", "y4")


def test_ignoring_self_shares_entries_between_instances(cache, counter, ctx):
    class Service:
        @cache.memoize(args_to_ignore=["self"])
        def fetch(self, key):
            return f"{key}{next(counter)}"

    first, second = Service(), Service()
    assert (first.fetch("a"), second.fetch("a")) == ("a0", "a0")
    cache.delete_memoized(first.fetch)
    assert (first.fetch("a"), second.fetch("a")) == ("a1", "a1")


def test_delete_memoized_verhash(cache, counter, ctx):
    @cache.memoize()
    def f(a):
        return next(counter)

    version_key = cache._memvname(function_namespace(f)[0])
    assert f(1) == 0
    assert cache.get(version_key) is not None
    cache.delete_memoized_verhash(f)
    assert cache.get(version_key) is None
    assert f(1) == 1
    assert cache.get(version_key) is not None


def test_version_key_lives_as_long_as_the_newest_entry(cache, ctx, cachelib_clock):
    @cache.memoize(timeout=60)
    def upper(s):
        return s.upper()

    version_key = cache._memvname(function_namespace(upper)[0])
    upper("a")
    cachelib_clock.advance(50)
    upper("b")
    cachelib_clock.advance(59)
    assert cache.get(version_key) is not None
    cachelib_clock.advance(2)
    assert cache.get(version_key) is None


def test_make_name_and_make_cache_key(cache, ctx):
    @cache.memoize(make_name=lambda name: "shared")
    def one(a):
        return "one"

    @cache.memoize(make_name=lambda name: "shared")
    def two(a):
        return "two"

    assert one(1) == "one"
    key = one.make_cache_key(one.uncached, 1)
    assert cache.get(key) == "one"
    # Versions are per function, so the shared name still gives distinct keys.
    assert two(1) == "two"
    assert two.make_cache_key(two.uncached, a=1) != key


def test_unless_forced_update_is_stale_response_filter(cache, counter, ctx):
    state = {"bypass": False, "force": False}

    @cache.memoize(
        unless=lambda: state["bypass"],
        forced_update=lambda a: state["force"],
        is_stale=lambda value, a: value < 0,
        response_filter=lambda value: value != 2,
    )
    def f(a):
        return next(counter) if a > 0 else -next(counter)

    assert f(1) == 0
    assert f(1) == 0
    state["bypass"] = True
    assert f(1) == 1
    state["bypass"] = False
    state["force"] = True
    assert f(1) == 2  # recomputed, but the filter keeps 2 out
    state["force"] = False
    assert f(1) == 0
    assert f(-1) == -3
    assert f(-1) == -4  # a negative value is stale


def test_cache_none(cache, ctx):
    calls = []

    @cache.memoize(cache_none=True)
    def nothing(a):
        calls.append(a)

    assert nothing(1) is None
    assert nothing(1) is None
    assert calls == [1]


def test_source_check(cache, ctx):
    @cache.memoize(source_check=True)
    def f(a):
        return "first"

    assert f(1) == "first"

    @cache.memoize(source_check=True)
    def f(a):  # noqa: F811 - a new definition with other source
        return "second"

    assert f(1) == "second"


def test_generator_result_is_joined(cache, ctx):
    @cache.memoize()
    def words(prefix):
        yield prefix
        yield "-word"

    assert words("a") == "a-word"
    assert words("a") == "a-word"


def test_signals(app, counter):
    cache = Cache(app, config={"CACHE_TYPE": "SimpleCache", "CACHE_ENABLE_SIGNALS": True})
    events = []

    def record(kind):
        def receiver(sender, **kwargs):
            events.append((kind, kwargs["f"], kwargs["args"], kwargs["kwargs"]))

        return receiver

    hit, miss = record("hit"), record("miss")

    @cache.memoize()
    def f(a, b=0):
        return next(counter)

    with cache_memoize_hit.connected_to(hit), cache_memoize_miss.connected_to(miss):
        f(1, b=2)
        f(1, b=2)
    assert events == [("miss", f.uncached, (1,), {"b": 2}), ("hit", f.uncached, (1,), {"b": 2})]


def test_works_outside_an_app_context(cache, counter):
    """Without an app context the app the cache was set up for is used."""

    @cache.memoize()
    def f(a):
        return next(counter)

    assert f(1) == f(1) == 0


def test_hash_method_change_changes_the_key(app, ctx):
    cache = Cache(app, config={"CACHE_TYPE": "SimpleCache"})

    @cache.memoize()
    def f(a):
        return a

    key = f.make_cache_key(f.uncached, 1)
    cache.hash_method = __import__("hashlib").md5
    assert f.make_cache_key(f.uncached, 1) != key


def test_async_function(cache, counter):
    @cache.memoize()
    async def fetch(key):
        await asyncio.sleep(0)
        return f"{key}{next(counter)}"

    async def run():
        return [await fetch("a"), await fetch("a"), await fetch("b")]

    assert asyncio.iscoroutinefunction(fetch)
    assert asyncio.run(run()) == ["a0", "a0", "b1"]
    cache.delete_memoized(fetch, "a")
    assert asyncio.run(run()) == ["a2", "a2", "b1"]


def test_async_view_using_memoized_helpers(app, client, cache, counter):
    @cache.memoize()
    async def load(n):
        await asyncio.sleep(0)
        return n * 10 + next(counter)

    @cache.memoize()
    def label(n):
        return f"#{n}"

    @app.get("/<int:n>")
    async def view(n):
        return {"value": await load(n), "label": label(n)}

    assert client.get("/1").json == {"value": 10, "label": "#1"}
    assert client.get("/1").json == {"value": 10, "label": "#1"}
    assert client.get("/2").json == {"value": 21, "label": "#2"}
