"""erlen.ext.limiter with ``async def`` views and callbacks (memory storage)."""

from __future__ import annotations

import asyncio

import pytest

from erlen import jsonify, make_response, request
from erlen.ext.limiter import Limiter, RateLimitExceeded
from erlen.ext.limiter._storage import SharedMemoryStorage
from erlen.ext.limiter.util import get_remote_address


@pytest.fixture
def limiter(app):
    return Limiter(get_remote_address, app=app, storage_uri="memory://", headers_enabled=True)


def statuses(client, path, n, **kwargs):
    return [client.get(path, **kwargs).status_code for _ in range(n)]


def test_async_view_is_limited_with_headers(app, client, limiter):
    @app.get("/")
    @limiter.limit("2/hour")
    async def index():
        await asyncio.sleep(0)
        return "ok"

    assert asyncio.iscoroutinefunction(app.view_functions["index"])
    first = client.get("/")
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert statuses(client, "/", 2) == [200, 429]
    assert client.get("/").headers["X-RateLimit-Limit"] == "2"


def test_async_view_uses_the_async_storage_interface(app, client, limiter, monkeypatch):
    @app.get("/")
    @limiter.limit("1/hour")
    async def index():
        return "ok"

    def sync_storage_used(*args, **kwargs):
        raise AssertionError("the async view used the sync strategy")

    monkeypatch.setattr(limiter.limiter, "hit", sync_storage_used)
    monkeypatch.setattr(limiter.limiter, "test", sync_storage_used)
    limiter._headers_enabled = False  # the headers are written by the (sync) after hook
    assert statuses(client, "/", 2) == [200, 429]
    storage, _strategy = limiter._async.get()
    assert isinstance(storage, SharedMemoryStorage)
    assert storage.memory is limiter.storage


def test_sync_and_async_views_share_the_memory_counts(app, client, limiter):
    shared = limiter.shared_limit("3/hour", scope="both")

    @app.get("/sync")
    @shared
    def sync_view():
        return "sync"

    @app.get("/async")
    @shared
    async def async_view():
        return "async"

    results = [client.get(path).status_code for path in ("/sync", "/async", "/sync", "/async")]
    assert results == [200, 200, 200, 429]


def test_default_and_application_limits_apply_to_async_views(app, client):
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri="memory://",
        default_limits=["2/hour"],
        application_limits=["3/hour"],
    )

    @app.get("/a")
    async def a():
        return "a"

    @app.get("/b")
    @limiter.limit("10/hour")
    async def b():
        return "b"

    assert statuses(client, "/a", 3) == [200, 200, 429]
    assert statuses(client, "/b", 1) == [429]  # the application budget is spent


def test_async_callbacks(app, client, limiter):
    calls = []

    async def key():
        await asyncio.sleep(0)
        return request.args.get("user", "anon")

    async def provider():
        return "2/hour"

    async def exempt():
        return request.args.get("vip") == "1"

    async def cost():
        return int(request.args.get("cost", 1))

    async def message():
        return f"too many for {request.args.get('user')}"

    async def on_breach(request_limit):
        calls.append(request_limit.key)
        return make_response(jsonify(error=request_limit.limit.amount), 429)

    def limit(**extra):
        return limiter.limit(
            provider, key_func=key, exempt_when=exempt, cost=cost, error_message=message, **extra
        )

    @app.get("/async_view")
    @limit(on_breach=on_breach)
    async def async_view():
        return "ok"

    @app.get("/sync_view")
    @limit()
    def sync_view():
        return "ok"

    # async view: the callbacks are awaited on the event loop
    assert client.get("/async_view?user=a&cost=2").status_code == 200
    response = client.get("/async_view?user=a")
    assert response.status_code == 429 and response.json == {"error": 2}
    assert calls == ["LIMITER/a/async_view/2/1/hour"]
    assert client.get("/async_view?user=a&vip=1").status_code == 200
    assert client.get("/async_view?user=b").status_code == 200
    # sync view: the same callbacks run through the app's ensure_sync
    assert statuses(client, "/sync_view?user=a", 2) == [200, 200]
    response = client.get("/sync_view?user=a")
    assert response.status_code == 429
    assert b"too many for a" in response.data


def test_async_with_block(app, client, limiter):
    @app.get("/")
    async def index():
        try:
            async with limiter.limit("1/hour"):
                return "fresh"
        except RateLimitExceeded as error:
            return f"later ({error.description})"

    assert client.get("/").data == b"fresh"
    assert client.get("/").data == b"later (1 per 1 hour)"


def test_exempt_async_view(app, client):
    limiter = Limiter(
        get_remote_address, app=app, storage_uri="memory://", default_limits=["1/hour"]
    )

    @app.get("/")
    @limiter.exempt
    async def index():
        return "ok"

    assert statuses(client, "/", 3) == [200, 200, 200]


def test_rate_limit_exceeded_from_an_async_view_reaches_the_error_handler(app, client, limiter):
    @app.errorhandler(429)
    def too_many(error):
        return {"retry": True, "message": error.description}, 429

    @app.get("/")
    @limiter.limit("1/hour")
    async def index():
        return "ok"

    client.get("/")
    response = client.get("/")
    assert response.status_code == 429
    assert response.json == {"retry": True, "message": "1 per 1 hour"}
