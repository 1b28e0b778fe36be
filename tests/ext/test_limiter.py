"""erlen.ext.limiter with sync views on the memory storage: limits, exemptions, headers,
the 429 error, configuration, the CLI, and what an app without limits pays."""

from __future__ import annotations

import logging

import pytest
from limits.errors import ConfigurationError
from limits.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    SlidingWindowCounterRateLimiter,
)
from no_flask import run_without_flask

import erlen
from erlen import Blueprint, jsonify, request
from erlen.ext.limiter import (
    ExemptionScope,
    HeaderNames,
    Limit,
    Limiter,
    MetaLimit,
    RateLimitExceeded,
)
from erlen.ext.limiter.commands import cli
from erlen.ext.limiter.constants import ConfigVars
from erlen.ext.limiter.contrib.util import get_remote_address_cloudflare
from erlen.ext.limiter.util import get_remote_address
from erlen.views import MethodView


def make_limiter(app, **kwargs):
    kwargs.setdefault("storage_uri", "memory://")
    return Limiter(kwargs.pop("key_func", get_remote_address), app=app, **kwargs)


def statuses(client, path, n, **kwargs):
    return [client.get(path, **kwargs).status_code for _ in range(n)]


def test_decorated_limit_answers_429_with_the_limit_as_description(app, client, clock):
    limiter = make_limiter(app)

    @app.get("/")
    @limiter.limit("2/minute")
    def index():
        return "ok"

    assert statuses(client, "/", 3) == [200, 200, 429]
    response = client.get("/")
    assert b"2 per 1 minute" in response.data
    clock.advance(60)
    assert client.get("/").status_code == 200


def test_limits_are_counted_per_key(app, client, clock):
    limiter = make_limiter(app, key_func=lambda: request.args.get("user", ""))

    @app.get("/")
    @limiter.limit("1/minute")
    def index():
        return "ok"

    assert client.get("/?user=a").status_code == 200
    assert client.get("/?user=a").status_code == 429
    assert client.get("/?user=b").status_code == 200
    # An empty key is not limited (logged as an error instead).
    assert statuses(client, "/", 3) == [200, 200, 200]


def test_rate_limit_exceeded_is_catchable(app, client, clock):
    limiter = make_limiter(app)

    @app.errorhandler(RateLimitExceeded)
    def too_many(error):
        return jsonify(error="slow down", limit=str(error.limit.limit)), 429

    @app.get("/")
    @limiter.limit("1/hour", error_message="one an hour")
    def index():
        return "ok"

    client.get("/")
    response = client.get("/")
    assert response.status_code == 429
    assert response.json == {"error": "slow down", "limit": "1 per 1 hour"}

    with pytest.raises(RateLimitExceeded) as info, app.test_request_context():
        app.preprocess_request()
        app.view_functions["index"]()
    assert info.value.description == "one an hour"
    assert info.value.code == 429


def test_default_application_and_exempt(app, client, clock):
    limiter = make_limiter(app, default_limits=["2/minute"], application_limits=["5/minute"])

    @app.get("/a")
    def a():
        return "a"

    @app.get("/b")
    @limiter.limit("10/minute")
    def b():
        return "b"

    @app.get("/free")
    @limiter.exempt
    def free():
        return "free"

    assert statuses(client, "/a", 3) == [200, 200, 429]
    # /b has its own limit instead of the default, but shares the application budget:
    # 3 requests to /a counted there already (the 429 too).
    assert statuses(client, "/b", 3) == [200, 200, 429]
    assert statuses(client, "/free", 3) == [200, 200, 200]


def test_shared_per_method_methods_and_cost(app, client, clock):
    limiter = make_limiter(app)
    shared = limiter.shared_limit("3/minute", scope="search")

    @app.get("/one")
    @shared
    def one():
        return "1"

    @app.get("/two")
    @shared
    def two():
        return "2"

    @app.route("/item", methods=["GET", "POST"])
    @limiter.limit("1/minute", per_method=True)
    def item():
        return request.method

    @app.route("/upload", methods=["GET", "POST"])
    @limiter.limit("4/minute", methods=["post"], cost=2)
    def upload():
        return "up"

    assert [client.get(p).status_code for p in ("/one", "/two", "/one", "/two")] == [
        200,
        200,
        200,
        429,
    ]
    assert client.get("/item").status_code == 200
    assert client.post("/item").status_code == 200
    assert client.get("/item").status_code == 429
    assert statuses(client, "/upload", 5) == [200] * 5
    assert [client.post("/upload").status_code for _ in range(3)] == [200, 200, 429]


def test_exempt_when_deduct_when_and_request_filter(app, client, clock):
    limiter = make_limiter(app)

    @limiter.request_filter
    def internal():
        return request.headers.get("X-Internal") == "yes"

    @app.get("/<int:code>")
    @limiter.limit(
        "2/minute",
        exempt_when=lambda: request.args.get("vip") == "1",
        deduct_when=lambda response: response.status_code >= 400,
    )
    def view(code):
        return "x", code

    # Only failed requests count.
    assert statuses(client, "/200", 5) == [200] * 5
    assert statuses(client, "/404", 3) == [404, 404, 429]
    assert client.get("/200").status_code == 429
    assert client.get("/200?vip=1").status_code == 200
    assert client.get("/200", headers={"X-Internal": "yes"}).status_code == 200


def test_blueprint_limits_and_exemptions(app, client, clock):
    limiter = make_limiter(app, default_limits=["1/minute"])
    api = Blueprint("api", __name__, url_prefix="/api")
    admin = Blueprint("admin", __name__, url_prefix="/admin")
    nested = Blueprint("nested", __name__, url_prefix="/nested")

    @api.get("/")
    def api_index():
        return "api"

    @admin.get("/")
    def admin_index():
        return "admin"

    @nested.get("/")
    def nested_index():
        return "nested"

    limiter.limit("3/minute")(api)
    limiter.exempt(admin, flags=ExemptionScope.DEFAULT | ExemptionScope.DESCENDENTS)
    admin.register_blueprint(nested)
    app.register_blueprint(api)
    app.register_blueprint(admin)

    assert statuses(client, "/api/", 4) == [200, 200, 200, 429]
    assert statuses(client, "/admin/", 3) == [200, 200, 200]
    assert statuses(client, "/admin/nested/", 3) == [200, 200, 200]


def test_class_based_views(app, client, clock):
    limiter = make_limiter(app)

    class Things(MethodView):
        decorators = [limiter.limit("1/minute", methods=["POST"])]

        def get(self):
            return "list"

        def post(self):
            return "made", 201

    app.add_url_rule("/things", view_func=Things.as_view("things"))
    assert statuses(client, "/things", 3) == [200, 200, 200]
    assert [client.post("/things").status_code for _ in range(2)] == [201, 429]


def test_limited_function_called_by_a_view_and_block(app, client, clock):
    limiter = make_limiter(app, default_limits=["100/minute"])

    @limiter.limit("2/minute")
    def expensive():
        return "computed"

    @app.get("/uses")
    def uses():
        return expensive()

    @app.get("/block")
    def block():
        try:
            with limiter.limit("1/minute"):
                return "fresh"
        except RateLimitExceeded:
            return "cached"

    assert statuses(client, "/uses", 3) == [200, 200, 429]
    assert [client.get("/block").data for _ in range(2)] == [b"fresh", b"cached"]


def test_headers(app, client, clock):
    limiter = make_limiter(app, headers_enabled=True)

    @app.get("/")
    @limiter.limit("2/minute")
    def index():
        return "ok"

    @app.get("/plain")
    def plain():
        return "no limit"

    first = client.get("/")
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert first.headers["X-RateLimit-Reset"] == str(int(clock.now) + 61)
    assert first.headers["Retry-After"] == "61"
    clock.advance(10)
    client.get("/")
    refused = client.get("/")
    assert refused.status_code == 429
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["Retry-After"] == "51"
    assert "X-RateLimit-Limit" not in client.get("/plain").headers


def test_header_names_and_http_date_retry_after(app, client, clock):
    app.config.update(
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_HEADER_RETRY_AFTER_VALUE="http-date",
        RATELIMIT_HEADER_REMAINING="X-Left",
    )
    limiter = make_limiter(app, header_name_mapping={HeaderNames.LIMIT: "X-Max"})

    @app.get("/")
    @limiter.limit("5/second")
    def index():
        return "ok"

    response = client.get("/")
    assert response.headers["X-Max"] == "5"
    assert response.headers["X-Left"] == "4"
    assert response.headers["Retry-After"] == erlen.http.http_date(int(clock.now) + 2)


@pytest.mark.parametrize("value", ["soon", "", "99999999999999999999x"])
def test_a_malformed_retry_after_of_the_view_is_replaced(app, client, clock, value):
    limiter = make_limiter(app, headers_enabled=True)

    @app.get("/")
    @limiter.limit("5/second")
    def index():
        return "ok", 200, {"Retry-After": value}

    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Retry-After"] == "2"


@pytest.mark.parametrize(
    ("strategy", "strategy_class", "burst_then", "spread_then"),
    [
        # a window starts with its first hit and is forgotten whole when it ends
        ("fixed-window", FixedWindowRateLimiter, [200, 200], [200, 200]),
        # each hit counts for exactly a minute after it was made
        ("moving-window", MovingWindowRateLimiter, [200, 200], [200, 429]),
        # windows are aligned minutes; the last one's hits count by how much of it
        # still overlaps the last minute (59/60 of 2 hits: one hit left)
        ("sliding-window-counter", SlidingWindowCounterRateLimiter, [200, 429], [200, 429]),
    ],
)
def test_strategies(app, client, clock, strategy, strategy_class, burst_then, spread_then):
    limiter = make_limiter(app, strategy=strategy)

    @app.get("/<name>")
    @limiter.limit("2/minute", scope=lambda endpoint: request.view_args["name"])
    def view(name):
        return name

    assert type(limiter.limiter) is strategy_class
    assert statuses(client, "/burst", 3) == [200, 200, 429]  # two hits at t=0
    assert client.get("/spread").status_code == 200  # one hit at t=0 ...
    clock.advance(30)
    assert statuses(client, "/spread", 2) == [200, 429]  # ... and one at t=30
    clock.advance(31)
    assert statuses(client, "/burst", 2) == burst_then
    assert statuses(client, "/spread", 2) == spread_then


def test_meta_limit_refuses_a_client_that_keeps_exceeding(app, client, clock):
    limiter = make_limiter(app, meta_limits=[MetaLimit("2/hour")])

    @app.get("/")
    @limiter.limit("1/minute")
    def index():
        return "ok"

    assert statuses(client, "/", 3) == [200, 429, 429]  # two breaches
    clock.advance(60)
    assert client.get("/").status_code == 429  # refused by the meta limit


def test_config_keys(app, client, clock):
    app.config.update(
        RATELIMIT_DEFAULT="1/minute",
        RATELIMIT_APPLICATION="10/minute",
        RATELIMIT_STRATEGY="moving-window",
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_KEY_PREFIX="myapp",
    )
    limiter = make_limiter(app)

    @app.get("/")
    def index():
        return "ok"

    assert type(limiter.limiter) is MovingWindowRateLimiter
    response = client.get("/")
    assert response.headers["X-RateLimit-Limit"] == "1"
    assert client.get("/").status_code == 429


def test_current_limit_inside_the_view(app, client, clock):
    limiter = make_limiter(app, key_prefix="p")
    seen = {}

    @app.get("/")
    @limiter.limit("5/minute")
    @limiter.limit("50/hour")
    def index():
        seen["limit"] = str(limiter.current_limit.limit)
        seen["remaining"] = limiter.current_limit.remaining
        seen["all"] = [str(lim.limit) for lim in limiter.current_limits]
        seen["key"] = limiter.current_limit.key
        return "ok"

    client.get("/")
    assert seen == {
        "limit": "5 per 1 minute",
        "remaining": 4,
        "all": ["5 per 1 minute", "50 per 1 hour"],
        "key": "LIMITER/p/127.0.0.1/index/5/1/minute",
    }


def test_invalid_strategy_and_storage(app):
    with pytest.raises(ConfigurationError, match="strategy"):
        make_limiter(app, strategy="leaky-bucket")
    with pytest.raises(ConfigurationError):
        make_limiter(app, storage_uri="nosuch://localhost")
    with pytest.raises(ConfigurationError, match="without 'async\\+'"):
        make_limiter(app, storage_uri="async+memory://")
    # The error names the scheme, never the rest of the URI (a password, here).
    with pytest.raises(ConfigurationError, match="'async\\+memory'") as error:
        make_limiter(app, storage_uri="async+memory://:hunter2@localhost")
    assert "hunter2" not in str(error.value)


def test_memory_storage_without_a_uri_warns(app):
    with pytest.warns(UserWarning, match="RATELIMIT_STORAGE_URI"):
        Limiter(get_remote_address, app=app)


def test_disabled_limiter_limits_nothing(app, client):
    app.config["RATELIMIT_ENABLED"] = False
    limiter = make_limiter(app, default_limits=["1/hour"])

    @app.get("/")
    @limiter.limit("1/hour")
    def index():
        return "ok"

    assert statuses(client, "/", 3) == [200, 200, 200]


def test_invalid_limit_string_is_logged_and_skipped(app, client, clock, caplog):
    limiter = make_limiter(app, default_limits=["1/minute"])

    @app.get("/")
    @limiter.limit("3 per fortnight")
    def index():
        return "ok"

    with caplog.at_level(logging.ERROR, logger="erlen.ext.limiter"):
        # The broken limit is skipped; the default applies instead.
        assert statuses(client, "/", 2) == [200, 429]
    assert "failed to load ratelimit" in caplog.records[0].getMessage()


def test_limit_objects_as_defaults(app, client, clock):
    make_limiter(
        app,
        default_limits=[
            Limit("1/minute", key_function=lambda: request.args.get("user", "anon")),
            Limit("3/minute", scope="all", shared=True, key_function=lambda: "everyone"),
        ],
    )

    @app.get("/")
    def index():
        return "ok"

    assert client.get("/?user=a").status_code == 200
    assert client.get("/?user=a").status_code == 429
    assert client.get("/?user=b").status_code == 200
    # The first breach stops the check: /?user=a's second request did not count against
    # the shared limit.
    assert client.get("/?user=c").status_code == 200
    assert client.get("/?user=d").status_code == 429  # the shared 3/minute is used up


def test_remote_address_helpers(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        assert get_remote_address() == "10.1.2.3"
        assert get_remote_address_cloudflare() == "127.0.0.1"
    with app.test_request_context(headers={"CF-Connecting-IP": "203.0.113.9"}):
        assert get_remote_address_cloudflare() == "203.0.113.9"


def test_one_limiter_for_two_apps(clock):
    limiter = Limiter(get_remote_address, default_limits=["1/minute"], storage_uri="memory://")
    apps = [erlen.Flask(f"app{i}") for i in range(2)]
    for app in apps:
        limiter.init_app(app)
        app.add_url_rule("/", f"index_{app.name}", lambda: "ok")
    for app in apps:
        assert statuses(app.test_client(), "/", 2) == [200, 429]


def test_cli_lists_tests_and_clears_limits(app, client, clock):
    limiter = make_limiter(app, application_limits=["100/hour"], default_limits=["5/minute"])

    @app.get("/")
    def index():
        return "ok"

    @app.get("/free")
    @limiter.exempt
    def free():
        return "free"

    client.get("/")
    client.get("/")
    runner = app.test_cli_runner()
    assert "limiter" in app.cli.list_commands(None)

    result = runner.invoke(cli, ["limits", "--key", "127.0.0.1"])
    assert result.exit_code == 0, result.output
    assert "100 per 1 hour: Pass (98 out of 100 remaining)" in result.output
    assert "index: /" in result.output
    assert "5 per 1 minute: Pass (3 out of 5 remaining)" in result.output
    assert "free: /free" in result.output and "Exempt" in result.output

    result = runner.invoke(cli, ["clear", "--key", "127.0.0.1", "--endpoint", "index", "-y"])
    assert "5 per 1 minute: Cleared" in result.output
    result = runner.invoke(cli, ["limits", "--key", "127.0.0.1", "--path", "/"])
    assert "5 per 1 minute: Pass (5 out of 5 remaining)" in result.output
    assert "100 per 1 hour" not in result.output  # filtered to one route

    result = runner.invoke(cli, ["limits", "--path", "/nowhere"])
    assert "/nowhere could not be matched to an endpoint" in result.output

    result = runner.invoke(cli, ["config"])
    assert "RATELIMIT_STORAGE_URI" in result.output and "memory://" in result.output


def test_cli_hides_the_storage_password(app, redis_url):
    url = redis_url.replace("redis://", "redis://:s3cret@")
    make_limiter(app, storage_uri=url)
    result = app.test_cli_runner().invoke(cli, ["config"])
    assert "s3cret" not in result.output
    assert ":***@" in result.output


def test_without_limits_the_hooks_do_no_storage_work(app, client, monkeypatch):
    limiter = make_limiter(app)

    @app.get("/")
    def index():
        return "ok"

    def no_storage(*args, **kwargs):
        raise AssertionError("the storage was used for a request without limits")

    for method in ("hit", "test", "get_window_stats"):
        monkeypatch.setattr(limiter.limiter, method, no_storage)
    assert client.get("/").data == b"ok"


def test_imports_without_flask_or_werkzeug(tmp_path):
    """erlen.ext.limiter never imports Flask, Werkzeug or a Flask extension."""
    script = """
        import erlen
        from erlen.ext.limiter import Limiter
        from erlen.ext.limiter import commands, constants, errors, util
        from erlen.ext.limiter.contrib import util as contrib_util

        app = erlen.Flask("isolated")
        limiter = Limiter(util.get_remote_address, app=app, storage_uri="memory://")

        @app.get("/")
        @limiter.limit("1/minute")
        async def index():
            return "hi"

        client = app.test_client()
        assert [client.get("/").status_code for _ in range(2)] == [200, 429]
        """
    run_without_flask(script, cwd=tmp_path)


def test_config_var_names_are_flask_limiters():
    assert ConfigVars.STORAGE_URI == "RATELIMIT_STORAGE_URI"
    assert HeaderNames.RETRY_AFTER.value == "Retry-After"
