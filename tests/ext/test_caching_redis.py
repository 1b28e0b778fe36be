"""erlen.ext.caching on real Redis servers: RedisCache (shared by two apps),
RedisSentinelCache and RedisClusterCache. The servers come from tests/servers."""

from __future__ import annotations

import itertools
import logging
from urllib.parse import urlsplit

import pytest
import redis
from redis.sentinel import Sentinel

import erlen
from erlen.ext.caching import Cache
from erlen.ext.caching.backends import RedisCache, RedisClusterCache, RedisSentinelCache

# cachelib before 0.15 (the newest for Python 3.10 is 0.14) sets expiring keys with SETEX,
# which redis-py deprecates: cachelib's own call, not erlen's.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Call to deprecated setex:DeprecationWarning:cachelib"
)


@pytest.fixture
def make_app(request):
    """Build apps with a Cache each; their Redis connections are closed afterwards."""
    caches = []

    def make(name="app", **config):
        app = erlen.Flask(name)
        app.config.update({"TESTING": True, "CACHE_TYPE": "RedisCache", **config})
        cache = Cache(app)
        caches.append(app.extensions["cache"][cache])
        return app, cache

    yield make
    for backend in caches:
        for client in {id(c): c for c in (backend._write_client, backend._read_client)}.values():
            client.close()


def test_operations(redis_client, redis_url, make_app):
    app, cache = make_app(CACHE_REDIS_URL=redis_url, CACHE_KEY_PREFIX="t:")
    with app.app_context():
        assert type(cache.cache) is RedisCache
        assert cache.set("a", {"x": [1, 2]})
        assert redis_client.exists("t:a")
        assert cache.get("a") == {"x": [1, 2]}
        assert not cache.add("a", "other")
        assert cache.add("b", 2)
        assert cache.has("b") and not cache.has("nope")
        assert cache.get_many("a", "b", "nope") == [{"x": [1, 2]}, 2, None]
        assert cache.set_many({"c": 3, "d": 4}) == ["c", "d"]
        assert cache.inc("c", 2) == 5
        assert cache.dec("d") == 3
        assert cache.get_dict("c", "d") == {"c": 5, "d": 3}
        assert cache.delete("a") and not cache.delete("a")
        assert cache.delete_many("b", "never") == ["b", "never"]
        assert cache.unlink("c") == 1
        assert not redis_client.exists("t:c")


def test_integers_are_stored_as_digits(redis_client, redis_url, make_app):
    """Integers go to Redis as their digits on every cachelib, so INCRBY/DECRBY work on a
    number stored with set/add/set_many and other clients read it; other values (a bool
    too) are pickled and come back as they were."""
    app, cache = make_app(CACHE_REDIS_URL=redis_url)
    with app.app_context():
        cache.set("n", 41)
        cache.add("m", -3)
        cache.set_many({"big": 2**62})
        cache.set("flag", True)
        cache.set("text", "12")
        assert redis_client.get("flask_cache_n") == b"41"
        assert redis_client.get("flask_cache_m") == b"-3"
        assert cache.inc("n") == 42 and cache.get("n") == 42
        assert cache.dec("m", 2) == -5
        assert cache.inc("big") == 2**62 + 1
        assert cache.get("flag") is True
        assert cache.get("text") == "12"
        redis_client.set("flask_cache_other", 7)
        assert cache.get("other") == 7


def test_timeouts_become_redis_expiry(redis_client, redis_url, make_app):
    app, cache = make_app(CACHE_REDIS_URL=redis_url, CACHE_DEFAULT_TIMEOUT=100)
    with app.app_context():
        cache.set("default", 1)
        cache.set("short", 1, timeout=7)
        cache.set("forever", 1, timeout=0)
        cache.add("added", 1, timeout=9)
    assert 90 < redis_client.ttl("flask_cache_default") <= 100
    assert 0 < redis_client.ttl("flask_cache_short") <= 7
    assert redis_client.ttl("flask_cache_forever") == -1
    assert 0 < redis_client.ttl("flask_cache_added") <= 9


def test_clear_deletes_only_its_own_prefix(redis_client, redis_url, make_app):
    app, cache = make_app(CACHE_REDIS_URL=redis_url, CACHE_KEY_PREFIX="mine:")
    redis_client.set("theirs:k", "kept")
    with app.app_context():
        cache.set("k", 1)
        cache.set("j", 2)
        assert cache.clear()
        assert cache.get("k") is None
    assert redis_client.get("theirs:k") == b"kept"


def test_host_port_db_config(redis_client, redis_url, make_app):
    url = urlsplit(redis_url)
    app, cache = make_app(
        CACHE_REDIS_HOST=url.hostname, CACHE_REDIS_PORT=url.port, CACHE_REDIS_DB=3
    )
    with app.app_context():
        cache.set("k", "in db 3")
    db3 = redis.Redis(host=url.hostname, port=url.port, db=3)
    try:
        assert db3.exists("flask_cache_k")
        assert not redis_client.exists("flask_cache_k")
    finally:
        db3.close()


@pytest.mark.parametrize(("path", "config_db", "used_db"), [("/2", 1, 2), ("", 4, 4)])
def test_url_database_wins_over_config(redis_client, redis_url, make_app, path, config_db, used_db):
    url = urlsplit(redis_url)
    app, cache = make_app(CACHE_REDIS_URL=f"redis://{url.netloc}{path}", CACHE_REDIS_DB=config_db)
    with app.app_context():
        cache.set("k", "v")
    client = redis.Redis(host=url.hostname, port=url.port, db=used_db)
    try:
        assert client.exists("flask_cache_k")
    finally:
        client.close()


def test_two_apps_share_views_and_memoized_values(redis_client, redis_url, make_app):
    """Two app instances (as in two server processes) on one Redis see one cache."""
    counter = itertools.count()
    apps = [make_app(f"app{i}", CACHE_REDIS_URL=redis_url) for i in range(2)]
    clients = []
    memoized = []
    for app, cache in apps:

        @app.get("/item/<int:n>")
        @cache.cached(timeout=60)
        def item(n):
            return f"{n}:{next(counter)}"

        @cache.memoize(timeout=60)
        def square(n):
            return n * n + 1000 * next(counter)

        clients.append(app.test_client())
        memoized.append(square)

    first, second = clients
    assert first.get("/item/1").data == b"1:0"
    assert second.get("/item/1").data == b"1:0"
    assert second.get("/item/2").data == b"2:1"
    assert first.get("/item/2").data == b"2:1"

    (app1, cache1), (app2, cache2) = apps
    square1, square2 = memoized
    with app1.app_context():
        assert square1(3) == 2009
    with app2.app_context():
        assert square2(3) == 2009
        cache2.delete_memoized(square2)
    with app1.app_context():
        assert square1(3) == 3009
    with app2.app_context():
        assert cache2.delete_cached(item_view(app2), "/item/1")
    assert first.get("/item/1").data == b"1:4"


def item_view(app):
    return app.view_functions["item"]


def test_unreachable_server_serves_views_uncached(make_app, caplog):
    """A Redis outage costs the cache, not the site: views answer 200 (logged)."""
    app, cache = make_app(
        CACHE_REDIS_URL="redis://127.0.0.1:1/0", CACHE_OPTIONS={"socket_connect_timeout": 1}
    )
    counter = itertools.count()

    @app.get("/")
    @cache.cached()
    def index():
        return str(next(counter))

    client = app.test_client()
    with caplog.at_level(logging.ERROR, logger="erlen.ext.caching"):
        assert client.get("/").data == b"0"
        assert client.get("/").data == b"1"
    assert "cache backend" in caplog.text
    assert "ConnectionError" in caplog.text


def test_decode_responses_is_refused():
    with pytest.raises(ValueError, match="decode_responses"):
        RedisClusterCache(cluster="127.0.0.1:1", decode_responses=True)


@pytest.mark.interface("wsgi", reason="no request: the cache is used in an app context")
def test_sentinel(redis_sentinel, make_app):
    host, port, master = redis_sentinel
    app, cache = make_app(
        CACHE_TYPE="RedisSentinelCache",
        CACHE_REDIS_SENTINELS=[(host, port)],
        CACHE_REDIS_SENTINEL_MASTER=master,
        CACHE_KEY_PREFIX="s:",
    )
    with app.app_context():
        assert type(cache.cache) is RedisSentinelCache
        assert cache.set("k", [1, 2])
        assert cache.get("k") == [1, 2]
        assert cache.get_many("k", "nope") == [[1, 2], None]
        assert cache.inc("n") == 1
    sentinel = Sentinel([(host, port)])
    master_client = sentinel.master_for(master)
    try:
        assert master_client.exists("s:k")
    finally:
        master_client.close()
        for client in sentinel.sentinels:
            client.close()


@pytest.mark.parametrize("how", ["nodes", "url"])
def test_cluster(redis_cluster_url, make_app, how):
    url = urlsplit(redis_cluster_url)
    config = (
        {"CACHE_REDIS_CLUSTER": url.netloc}
        if how == "nodes"
        else {"CACHE_REDIS_URL": redis_cluster_url}
    )
    app, cache = make_app(CACHE_TYPE="RedisClusterCache", CACHE_KEY_PREFIX="c:", **config)
    counter = itertools.count()

    class Shelf:
        @cache.memoize()
        def count(self, kind):
            return f"{kind}{next(counter)}"

    shelf = Shelf()
    with app.app_context():
        assert type(cache.cache) is RedisClusterCache
        cache.clear()
        assert cache.set_many({"a": 1, "b": 2, "c": 3}) == ["a", "b", "c"]
        # Keys in different hash slots: read and deleted across slots.
        assert cache.get_many("a", "b", "c") == [1, 2, 3]
        assert cache.delete_many("a", "b") == ["a", "b"]
        assert cache.get("c") == 3
        # A method's entries use two version keys (function and instance).
        assert shelf.count("x") == shelf.count("x") == "x0"
        cache.delete_memoized(shelf.count)
        assert shelf.count("x") == "x1"
        assert cache.clear()
        assert cache.get("c") is None


def test_cluster_node_list_is_checked():
    with pytest.raises(ValueError, match="host1:port1"):
        RedisClusterCache(cluster="no-port-here")
