"""erlen.ext.limiter on real Redis servers (plain, cluster, sentinel) from tests/servers:
the three strategies for sync and async views, counts shared between them and between
apps, and what happens when Redis is down."""

from __future__ import annotations

import asyncio
import logging

import pytest
from limits.aio.storage import RedisStorage as AsyncRedisStorage
from servers import free_port

import erlen
from erlen.ext.limiter import Limiter
from erlen.ext.limiter._storage import close_async_storage
from erlen.ext.limiter.util import get_remote_address

STRATEGIES = ["fixed-window", "moving-window", "sliding-window-counter"]


@pytest.fixture
def dead_redis_url():
    """A redis:// URL on a loopback port nothing listens on."""
    return f"redis://127.0.0.1:{free_port()}/0"


#: The limiters made by make_app in the running test.
_made: list[Limiter] = []


@pytest.fixture(autouse=True)
def close_limiters():
    """Close the async clients of the test's limiters on their loops afterwards."""
    yield
    while _made:
        limiter = _made.pop()
        for loop, (storage, _strategy) in list(limiter._async._per_loop.items()):
            asyncio.run_coroutine_threadsafe(close_async_storage(storage), loop).result(10)


def make_app(storage_uri, name="app", **kwargs):
    app = erlen.Flask(name)
    app.config["TESTING"] = True
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage_uri, **kwargs)
    _made.append(limiter)
    shared = limiter.shared_limit("3/hour", scope="both")

    @app.get("/sync")
    @limiter.limit("2/hour")
    def sync_view():
        return "sync"

    @app.get("/async")
    @limiter.limit("2/hour")
    async def async_view():
        return "async"

    @app.get("/shared-sync")
    @shared
    def shared_sync():
        return "s"

    @app.get("/shared-async")
    @shared
    async def shared_async():
        return "a"

    return app, limiter


def statuses(client, path, n):
    return [client.get(path).status_code for _ in range(n)]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_sync_and_async_views(redis_client, redis_url, strategy):
    app, limiter = make_app(redis_url, strategy=strategy)
    client = app.test_client()
    assert statuses(client, "/sync", 3) == [200, 200, 429]
    assert statuses(client, "/async", 3) == [200, 200, 429]
    # sync views counted through limits' sync storage, async ones through limits.aio:
    # both wrote the same keys, so one budget covers both.
    paths = ["/shared-sync", "/shared-async", "/shared-sync", "/shared-async"]
    assert [client.get(p).status_code for p in paths] == [200, 200, 200, 429]
    # (the sliding window counter keeps its current window in a hash-tagged key)
    key = "LIMITER/127.0.0.1/both/3/1/hour"
    assert {k.decode() for k in redis_client.keys("LIMITS:*both*")} in (
        {f"LIMITS:{key}"},
        {f"LIMITS:{{{key}}}"},
    )


def test_async_views_use_the_async_redis_client(redis_client, redis_url, monkeypatch):
    app, limiter = make_app(redis_url)

    def sync_client_used(*args, **kwargs):
        raise AssertionError("an async view used the sync Redis client")

    monkeypatch.setattr(limiter.limiter, "hit", sync_client_used)
    client = app.test_client()
    assert statuses(client, "/async", 3) == [200, 200, 429]
    storages = list(limiter._async._per_loop.values())
    assert len(storages) == 1  # one per event loop: erlen's loop thread
    assert isinstance(storages[0][0], AsyncRedisStorage)


def test_lifespan_shutdown_closes_the_async_redis_clients(redis_client, redis_url):
    # Served over ASGI with lifespan, the async views' Redis client lives on the server's
    # loop; shutdown gives its connections back to Redis.
    # The limiter's clients carry a name: other tests' connections to the shared server
    # may come and go meanwhile.
    name = "erlen-lifespan-test"
    app, limiter = make_app(redis_url, storage_options={"client_name": name})
    app.config["TESTING"] = False  # served as in production

    def connections() -> int:
        return sum(1 for client in redis_client.client_list() if client["name"] == name)

    async def serve() -> tuple[list[int], list[int], list[str]]:
        lifespan: asyncio.Queue = asyncio.Queue()
        lifespan_sent: list[str] = []

        async def lifespan_send(message):
            lifespan_sent.append(message["type"])

        server = asyncio.ensure_future(
            app({"type": "lifespan", "asgi": {"version": "3.0"}}, lifespan.get, lifespan_send)
        )
        lifespan.put_nowait({"type": "lifespan.startup"})
        counts = [connections()]
        statuses = []
        for _ in range(3):
            sent = []

            async def receive():
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message, sent=sent):
                sent.append(message)

            scope = {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "GET",
                "scheme": "http",
                "path": "/async",
                "raw_path": b"/async",
                "query_string": b"",
                "root_path": "",
                "headers": [(b"host", b"testserver")],
                "client": ("127.0.0.1", 5000),
                "server": ("testserver", 80),
            }
            await app(scope, receive, send)
            statuses.append(sent[0]["status"])
        counts.append(connections())
        lifespan.put_nowait({"type": "lifespan.shutdown"})
        await server
        # The client has closed its sockets; Redis drops them from its list once it has
        # read the close, which may take it a moment.
        for _ in range(100):
            if connections() == 0:
                break
            await asyncio.sleep(0.05)
        counts.append(connections())
        return counts, statuses, lifespan_sent

    counts, statuses_seen, lifespan_sent = asyncio.run(serve())
    assert statuses_seen == [200, 200, 429]
    assert lifespan_sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    before, serving, after = counts
    assert before == 0
    assert serving > 0  # the async client connected
    assert after == 0  # and shutdown closed it
    assert not limiter._async._per_loop


def test_two_apps_share_limits_through_redis(redis_client, redis_url):
    first, _ = make_app(redis_url, name="first")
    second, _ = make_app(redis_url, name="second")
    assert statuses(first.test_client(), "/sync", 1) == [200]
    assert statuses(second.test_client(), "/sync", 2) == [200, 429]
    assert statuses(first.test_client(), "/async", 2) == [200, 200]
    assert statuses(second.test_client(), "/async", 1) == [429]


def test_key_prefix_separates_apps(redis_client, redis_url):
    first, _ = make_app(redis_url, name="first", key_prefix="one")
    second, _ = make_app(redis_url, name="second", key_prefix="two")
    assert statuses(first.test_client(), "/sync", 3) == [200, 200, 429]
    assert statuses(second.test_client(), "/sync", 3) == [200, 200, 429]


def test_headers_from_redis(redis_client, redis_url):
    app, _ = make_app(redis_url, headers_enabled=True)
    client = app.test_client()
    response = client.get("/async")
    assert response.headers["X-RateLimit-Limit"] == "2"
    assert response.headers["X-RateLimit-Remaining"] == "1"
    assert 3590 < int(response.headers["Retry-After"]) <= 3601


def test_reset_clears_redis(redis_client, redis_url):
    app, limiter = make_app(redis_url)
    client = app.test_client()
    assert statuses(client, "/sync", 3) == [200, 200, 429]
    limiter.reset()
    assert statuses(client, "/sync", 1) == [200]


def cluster_uri(request):
    url = request.getfixturevalue("redis_cluster_url")
    return url.replace("redis://", "redis+cluster://").removesuffix("/0")


def sentinel_uri(request):
    host, port, master = request.getfixturevalue("redis_sentinel")
    return f"redis+sentinel://{host}:{port}/{master}"


@pytest.mark.parametrize("deployment", [cluster_uri, sentinel_uri], ids=["cluster", "sentinel"])
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_redis_cluster_and_sentinel(request, deployment, strategy):
    app, limiter = make_app(deployment(request), strategy=strategy)
    limiter.reset()
    client = app.test_client()
    assert statuses(client, "/sync", 3) == [200, 200, 429]
    assert statuses(client, "/async", 3) == [200, 200, 429]
    paths = ["/shared-sync", "/shared-async", "/shared-sync", "/shared-async"]
    assert [client.get(p).status_code for p in paths] == [200, 200, 200, 429]


@pytest.mark.parametrize("path", ["/sync", "/async"])
def test_storage_down_raises_by_default(dead_redis_url, path):
    app, _ = make_app(dead_redis_url)
    app.config["TESTING"] = False  # let the app answer 500 instead of raising
    assert app.test_client().get(path).status_code == 500


@pytest.mark.parametrize("path", ["/sync", "/async"])
def test_storage_down_swallowed(dead_redis_url, path, caplog):
    app, _ = make_app(dead_redis_url, swallow_errors=True)
    with caplog.at_level(logging.ERROR, logger="erlen.ext.limiter"):
        assert statuses(app.test_client(), path, 3) == [200, 200, 200]
    assert "Failed to rate limit. Swallowing error" in caplog.text


@pytest.mark.parametrize("path", ["/sync", "/async"])
def test_storage_down_falls_back_to_memory(dead_redis_url, path, caplog):
    app, limiter = make_app(dead_redis_url, in_memory_fallback_enabled=True)
    with caplog.at_level(logging.WARNING, logger="erlen.ext.limiter"):
        assert statuses(app.test_client(), path, 3) == [200, 200, 429]
    assert "falling back to in-memory storage" in caplog.text
    assert limiter._storage_dead


def test_fallback_limits_replace_the_others_while_down(dead_redis_url):
    app, _ = make_app(dead_redis_url, in_memory_fallback=["1/hour"])
    client = app.test_client()
    assert statuses(client, "/sync", 2) == [200, 429]
    assert statuses(client, "/async", 2) == [200, 429]
