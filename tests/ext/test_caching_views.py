"""erlen.ext.caching: ``@cache.cached`` on views (sync and ``async def``) and functions."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading

import pytest

import erlen
from erlen import abort, make_response, request
from erlen.ext.caching import (
    Cache,
    CachedResponse,
    cache_view_hit,
    cache_view_miss,
)
from erlen.views import MethodView


def body(client, url, **kwargs):
    return client.get(url, **kwargs).get_data(as_text=True)


def test_view_is_cached_per_path_until_timeout(app, client, cache, counter, cachelib_clock):
    @app.get("/item/<int:n>")
    @cache.cached(timeout=2)
    def item(n):
        return f"{n}:{next(counter)}"

    assert body(client, "/item/1") == "1:0"
    assert body(client, "/item/2") == "2:1"
    cachelib_clock.advance(1)
    assert body(client, "/item/1") == "1:0"
    # The query string is not part of the default key.
    assert body(client, "/item/1?x=1") == "1:0"
    cachelib_clock.advance(1)
    assert body(client, "/item/1") == "1:2"


def test_cached_response_keeps_status_and_headers(app, client, cache, counter):
    @app.get("/")
    @cache.cached()
    def index():
        response = make_response({"n": next(counter)}, 201)
        response.headers["X-Made"] = "once"
        return response

    for _ in range(2):
        response = client.get("/")
        assert response.status_code == 201
        assert response.json == {"n": 0}
        assert response.headers["X-Made"] == "once"


def test_timeout_attribute_is_read_at_call_time(app, client, cache, counter, cachelib_clock):
    @app.get("/")
    @cache.cached(timeout=1)
    def index():
        return str(next(counter))

    index.cache_timeout = 10
    assert body(client, "/") == "0"
    cachelib_clock.advance(5)
    assert body(client, "/") == "0"


def test_cached_response_sets_its_own_timeout(app, client, cache, counter, cachelib_clock):
    @app.get("/")
    @cache.cached(timeout=1)
    def index():
        return CachedResponse(make_response(str(next(counter))), timeout=3)

    assert body(client, "/") == "0"
    cachelib_clock.advance(2)
    assert body(client, "/") == "0"
    cachelib_clock.advance(2)
    assert body(client, "/") == "1"


def test_query_string_key_ignores_argument_order(app, client, cache, counter):
    @app.get("/search")
    @cache.cached(query_string=True)
    def search():
        return str(next(counter))

    assert body(client, "/search?a=1&b=2&b=3") == "0"
    assert body(client, "/search?b=3&a=1&b=2") == "0"
    assert body(client, "/search?a=1&b=2") == "1"
    assert body(client, "/search") == "2"


def test_query_string_key_format(app, cache):
    """The same keys as Flask-Caching, so an erlen app and a Flask app can share a cache."""

    @app.get("/works")
    @cache.cached(query_string=True, key_prefix="q/%s/")
    def works():
        return "works"

    with app.test_request_context("/works?b=2&a=1"):
        expected = hashlib.sha256(str((("a", "1"), ("b", "2"))).encode()).hexdigest()
        assert works.make_cache_key() == "q//works/" + expected


def test_hash_method_from_config_is_read_when_the_key_is_built(app):
    cache = Cache()

    @cache.cached(query_string=True)
    def view():
        return "value"

    app.config.update(CACHE_TYPE="SimpleCache", CACHE_HASH_METHOD=hashlib.md5)
    cache.init_app(app)
    with app.test_request_context("/p?a=1"):
        digest = hashlib.md5(str((("a", "1"),)).encode()).hexdigest()
        assert view.make_cache_key() == "view//p" + digest


def test_unless_bypasses_the_cache(app, client, cache, counter):
    bypass = []

    @app.get("/a")
    @cache.cached(unless=lambda: bool(bypass))
    def a():
        return str(next(counter))

    @app.get("/b")
    @cache.cached(unless=lambda f, *args, **kwargs: f.__name__ == "b")
    def b():
        return str(next(counter))

    assert body(client, "/a") == "0"
    bypass.append(True)
    assert body(client, "/a") == "1"
    bypass.clear()
    assert body(client, "/a") == "0"
    assert body(client, "/b") == "2"
    assert body(client, "/b") == "3"


def test_forced_update_replaces_the_value(app, client, cache, counter):
    forced = []

    @app.get("/<name>")
    @cache.cached(forced_update=lambda name: name in forced)
    def view(name):
        return f"{name}{next(counter)}"

    assert body(client, "/x") == "x0"
    assert body(client, "/x") == "x0"
    forced.append("x")
    assert body(client, "/x") == "x1"
    forced.clear()
    assert body(client, "/x") == "x1"


def test_is_stale_gets_the_cached_value(app, client, cache, counter):
    seen = []

    def is_stale(value):
        seen.append(value)
        return value == "0"

    @app.get("/")
    @cache.cached(is_stale=is_stale)
    def index():
        return str(next(counter))

    assert body(client, "/") == "0"
    assert seen == []
    assert body(client, "/") == "1"
    assert body(client, "/") == "1"
    assert seen == ["0", "1"]


def test_response_filter_keeps_errors_out(app, client, cache, counter):
    status = [500]

    @app.get("/")
    @cache.cached(response_filter=lambda rv: rv[1] < 400)
    def index():
        return str(next(counter)), status[0]

    assert body(client, "/") == "0"
    assert body(client, "/") == "1"
    status[0] = 200
    assert body(client, "/") == "2"
    assert body(client, "/") == "2"


def test_http_exception_is_cached_and_raised_again(app, client, cache):
    calls = []

    @app.errorhandler(404)
    def not_found(error):
        return f"handled: {error.description}", 404

    @app.get("/gone")
    @cache.cached()
    def gone():
        calls.append(1)
        abort(404, "no such page")

    for _ in range(3):
        response = client.get("/gone")
        assert response.status_code == 404
        assert response.get_data(as_text=True) == "handled: no such page"
    assert len(calls) == 1


def test_response_filter_gets_the_http_exception_response(app, client, cache):
    statuses = []

    def only_ok(response):
        statuses.append(response.status_code)
        return response.status_code == 200

    @app.get("/down")
    @cache.cached(response_filter=only_ok)
    def down():
        abort(503)

    assert client.get("/down").status_code == 503
    assert client.get("/down").status_code == 503
    assert statuses == [503, 503]


def test_none_is_not_a_hit_unless_asked(app, cache):
    calls = []

    @cache.cached(key_prefix="plain")
    def plain():
        calls.append("plain")

    @cache.cached(key_prefix="nones", cache_none=True)
    def nones():
        calls.append("nones")

    with app.test_request_context():
        for _ in range(2):
            assert plain() is None
            assert nones() is None
    assert calls == ["plain", "nones", "plain"]


def test_generator_result_is_joined(app, client, cache):
    @app.get("/")
    @cache.cached()
    def index():
        yield "<p>"
        yield "hi"
        yield "</p>"

    @app.get("/stream")
    @cache.cached()
    def stream():
        return erlen.stream_template_string("<b>{{ x }}</b>", x="streamed")

    assert body(client, "/") == "<p>hi</p>"
    assert body(client, "/") == "<p>hi</p>"
    for _ in range(2):
        response = client.get("/stream")
        assert response.get_data(as_text=True) == "<b>streamed</b>"
        assert response.mimetype == "text/html"


def test_function_with_key_prefix_outside_views(app, cache, counter):
    @cache.cached(key_prefix="numbers")
    def numbers():
        return [next(counter) for _ in range(3)]

    with app.app_context():
        assert numbers() == [0, 1, 2]
        assert numbers() == [0, 1, 2]
        assert cache.get("numbers") == [0, 1, 2]


def test_callable_key_prefix_and_make_cache_key(app, client, cache, counter):
    @app.get("/lang")
    @cache.cached(key_prefix=lambda: "lang/" + request.headers.get("Accept-Language", ""))
    def lang():
        return str(next(counter))

    @app.post("/echo")
    @cache.cached(make_cache_key=lambda: "echo/" + request.get_data(as_text=True))
    def echo():
        return request.get_data(as_text=True) + str(next(counter))

    assert body(client, "/lang", headers={"Accept-Language": "de"}) == "0"
    assert body(client, "/lang", headers={"Accept-Language": "fr"}) == "1"
    assert body(client, "/lang", headers={"Accept-Language": "de"}) == "0"
    assert client.post("/echo", data="a").get_data(as_text=True) == "a2"
    assert client.post("/echo", data="b").get_data(as_text=True) == "b3"
    assert client.post("/echo", data="a").get_data(as_text=True) == "a2"


def test_make_cache_key_attribute_can_be_replaced(app, client, cache, counter):
    @app.get("/")
    @cache.cached()
    def index():
        return str(next(counter))

    index.make_cache_key = lambda *args, **kwargs: "k/" + request.args["v"]
    assert body(client, "/?v=a") == "0"
    assert body(client, "/?v=b") == "1"
    assert body(client, "/?v=a") == "0"


def test_make_cache_key_and_delete_cached_outside_a_request(app, client, cache, counter):
    app.config["SERVER_NAME"] = "localhost"

    @app.get("/user/<name>")
    @cache.cached()
    def user(name):
        return f"{name}{next(counter)}"

    @app.get("/works")
    @cache.cached(query_string=True)
    def works():
        return str(next(counter))

    assert body(client, "/user/bob") == "bob0"
    assert body(client, "/works?limit=15&mock=true") == "1"
    with app.test_request_context("/works?mock=true&limit=15"):
        works_key = works.make_cache_key()
    with app.app_context():
        assert user.make_cache_key(name="bob") == "view//user/bob"
        assert works.make_cache_key(path="/works", query_args={"limit": 15, "mock": "true"}) == (
            works_key
        )
        assert cache.delete_cached(user, name="bob")
        assert cache.delete_cached(works, "/works", "mock=true&limit=15")
        assert not cache.delete_cached(works, "/works", [("limit", "16")])
    assert body(client, "/user/bob") == "bob2"
    assert body(client, "/works?limit=15&mock=true") == "3"


def test_view_arguments_named_path_and_query_args(app, client, cache, counter):
    @app.get("/files/<path:path>")
    @cache.cached()
    def files(path):
        return f"{path}{next(counter)}"

    @app.get("/q/<query_args>")
    @cache.cached(query_string=True)
    def q(query_args):
        return f"{query_args}{next(counter)}"

    assert body(client, "/files/a/b") == "a/b0"
    assert body(client, "/files/c") == "c1"
    assert body(client, "/files/a/b") == "a/b0"
    assert body(client, "/q/x?n=1") == "x2"
    assert body(client, "/q/x?n=2") == "x3"
    assert body(client, "/q/x?n=1") == "x2"


def test_source_check_adds_the_source_to_the_key(app, cache):
    with app.test_request_context():

        @cache.cached(key_prefix="src", source_check=True)
        def value():
            return "first"

        assert value() == "first"

        @cache.cached(key_prefix="src", source_check=True)
        def value():  # noqa: F811 - a new definition with other source
            return "second"

        assert value() == "second"

        @cache.cached(key_prefix="src")
        def value():  # noqa: F811
            return "third"

        assert value() == "third"
        assert value.make_cache_key() == "src"


def test_hit_indication_header(app, client, cache):
    @app.get("/")
    @cache.cached(response_hit_indication=True)
    def index():
        return "hi"

    @app.get("/quiet")
    @cache.cached()
    def quiet():
        return "hi"

    assert "hit_cache" not in client.get("/").headers
    assert client.get("/").headers["hit_cache"] == "True"
    client.get("/quiet")
    assert "hit_cache" not in client.get("/quiet").headers


def test_class_based_view(app, client, cache, counter):
    class Items(MethodView):
        @cache.cached()
        def get(self):
            return str(next(counter))

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    assert body(client, "/items") == "0"
    assert body(client, "/items") == "0"


def test_signals_when_enabled(app, client, counter):
    cache = Cache(app, config={"CACHE_TYPE": "SimpleCache", "CACHE_ENABLE_SIGNALS": True})
    events = []

    def hit(sender, **kwargs):
        events.append(("hit", kwargs["cache_key"], kwargs["kwargs"], kwargs["cache"]))

    def miss(sender, **kwargs):
        events.append(("miss", kwargs["cache_key"], kwargs["kwargs"], kwargs["cache"]))

    @app.get("/<name>")
    @cache.cached()
    def view(name):
        return name

    with cache_view_hit.connected_to(hit), cache_view_miss.connected_to(miss):
        client.get("/a")
        client.get("/a")
    assert events == [
        ("miss", "view//a", {"name": "a"}, cache),
        ("hit", "view//a", {"name": "a"}, cache),
    ]


def test_no_signals_by_default(app, client, cache):
    events = []

    def record(sender, **kwargs):
        events.append(kwargs)

    @app.get("/")
    @cache.cached()
    def index():
        return "hi"

    with cache_view_hit.connected_to(record), cache_view_miss.connected_to(record):
        client.get("/")
        client.get("/")
    assert events == []


class BrokenCache(Cache):
    """A cache whose backend fails on every read and write (an unreachable server)."""

    def get(self, *args, **kwargs):
        raise ConnectionError("backend down")

    def set(self, *args, **kwargs):
        raise ConnectionError("backend down")


def test_backend_errors_serve_the_view_uncached(app, client, counter, caplog):
    cache = BrokenCache(app, config={"CACHE_TYPE": "SimpleCache"})

    @app.get("/")
    @cache.cached()
    def index():
        return str(next(counter))

    with caplog.at_level(logging.ERROR, logger="erlen.ext.caching"):
        assert client.get("/").status_code == 200
        assert body(client, "/") == "1"
    assert "cache backend" in caplog.text


def test_backend_errors_raise_in_debug_mode(app, client, counter):
    cache = BrokenCache(app, config={"CACHE_TYPE": "SimpleCache"})
    app.debug = True

    @app.get("/")
    @cache.cached()
    def index():
        return str(next(counter))

    with pytest.raises(ConnectionError, match="backend down"):
        client.get("/")


# --- async def views ---------------------------------------------------------------


def test_async_view_is_cached(app, client, cache, counter):
    loops = []

    @app.get("/<name>")
    @cache.cached()
    async def view(name):
        loops.append(asyncio.get_running_loop())
        await asyncio.sleep(0)
        return {"name": name, "n": next(counter), "path": request.path}

    assert client.get("/a").json == {"name": "a", "n": 0, "path": "/a"}
    assert client.get("/a").json == {"name": "a", "n": 0, "path": "/a"}
    assert client.get("/b").json == {"name": "b", "n": 1, "path": "/b"}
    assert len(loops) == 2
    assert asyncio.iscoroutinefunction(view)
    assert view.uncached.__name__ == "view"


def test_async_view_with_async_callbacks(app, client, cache, counter):
    calls = []

    async def unless():
        calls.append("unless")
        await asyncio.sleep(0)
        return request.args.get("fresh") == "1"

    async def forced_update():
        calls.append("forced")
        return False

    async def response_filter(rv):
        calls.append("filter")
        return True

    @app.get("/")
    @cache.cached(unless=unless, forced_update=forced_update, response_filter=response_filter)
    async def index():
        return str(next(counter))

    assert body(client, "/") == "0"
    assert body(client, "/") == "0"
    assert body(client, "/?fresh=1") == "1"
    assert calls == ["unless", "forced", "filter", "unless", "forced", "unless"]


def test_sync_view_with_async_callbacks(app, client, cache, counter):
    seen_threads = []

    async def is_stale(value):
        seen_threads.append(threading.current_thread())
        return value == "0"

    @app.get("/")
    @cache.cached(is_stale=is_stale)
    def index():
        return str(next(counter))

    assert body(client, "/") == "0"
    assert body(client, "/") == "1"
    assert body(client, "/") == "1"
    # The async callback ran on erlen's loop thread, not the request's.
    assert seen_threads and threading.current_thread() not in seen_threads


def test_async_view_http_exception_is_cached(app, client, cache):
    calls = []

    @app.get("/")
    @cache.cached()
    async def index():
        calls.append(1)
        abort(410)

    assert client.get("/").status_code == 410
    assert client.get("/").status_code == 410
    assert calls == [1]


def test_async_view_backend_error_is_logged(app, client, counter, caplog):
    cache = BrokenCache(app, config={"CACHE_TYPE": "SimpleCache"})

    @app.get("/")
    @cache.cached()
    async def index():
        return str(next(counter))

    with caplog.at_level(logging.ERROR, logger="erlen.ext.caching"):
        assert body(client, "/") == "0"
    assert "cache backend" in caplog.text
