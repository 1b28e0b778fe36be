"""erlen.ext.caching: setting up the cache, choosing backends, and the proxy methods."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import timedelta

import cachelib
import pytest
from cachelib.serializers import BaseSerializer
from no_flask import run_without_flask

import erlen
from erlen.ext.caching import Cache
from erlen.ext.caching.backends import (
    FileSystemCache,
    MemcachedCache,
    NullCache,
    SASLMemcachedCache,
    SimpleCache,
)
from erlen.ext.caching.contrib.uwsgicache import UWSGICache


class JSONSerializer(BaseSerializer):
    """A serializer of our own (cachelib has one from 0.15 on, which needs Python 3.11)."""

    def dumps(self, value, protocol=None):
        return json.dumps(value).encode()

    def loads(self, bvalue):
        return json.loads(bvalue)


def simple(app, **config):
    return Cache(app, config={"CACHE_TYPE": "SimpleCache", **config})


class CountingCache(SimpleCache):
    """A backend of the test's own, built by a factory function."""


def counting_factory(app, config, args, kwargs):
    return CountingCache(*args, **kwargs)


@pytest.mark.parametrize(
    ("cache_type", "backend_class"),
    [
        ("SimpleCache", SimpleCache),
        ("erlen.ext.caching.backends.SimpleCache", SimpleCache),
        ("erlen.ext.caching.backends.simplecache.SimpleCache", SimpleCache),
        # A Flask app's config keeps working: Flask-Caching's module names are ours.
        ("flask_caching.backends.SimpleCache", SimpleCache),
        ("flask_caching.backends.filesystemcache.FileSystemCache", FileSystemCache),
        ("FileSystemCache", FileSystemCache),
        ("NullCache", NullCache),
        (SimpleCache, SimpleCache),
    ],
)
def test_cache_type_names(app, tmp_path, cache_type, backend_class):
    app.config.update(CACHE_TYPE=cache_type, CACHE_DIR=str(tmp_path), CACHE_NO_NULL_WARNING=True)
    cache = Cache(app)
    assert type(app.extensions["cache"][cache]) is backend_class


def test_cachelib_class_is_built_with_the_options_as_they_are(app, tmp_path):
    app.config.update(
        CACHE_TYPE="cachelib.FileSystemCache",
        CACHE_ARGS=[str(tmp_path)],
        CACHE_DEFAULT_TIMEOUT=timedelta(minutes=2),
        CACHE_OPTIONS={"threshold": 7},
    )
    cache = Cache(app)
    backend = app.extensions["cache"][cache]
    assert type(backend) is cachelib.FileSystemCache
    assert backend.default_timeout == 120
    assert backend._threshold == 7
    with app.app_context():
        cache.set("k", "v")
        assert cache.get("k") == "v"
    assert os.listdir(tmp_path)


class OldStyleCache(cachelib.SimpleCache):
    """A cachelib class whose constructor has no ignore_delete_many_errors (cachelib's own
    classes before 0.16: 0.14 is the newest for Python 3.10)."""

    def __init__(self, threshold=500, default_timeout=300):
        super().__init__(threshold=threshold, default_timeout=default_timeout)


class OptionTakingCache(cachelib.SimpleCache):
    """A cachelib class that takes ignore_delete_many_errors (cachelib's from 0.16 on)."""

    def __init__(self, default_timeout=300, ignore_delete_many_errors=True):
        super().__init__(default_timeout=default_timeout)
        self.given_ignore_errors = ignore_delete_many_errors


@pytest.mark.parametrize("ignore", [False, True])
def test_cachelib_class_gets_ignore_errors_when_it_takes_it(app, ignore):
    app.config.update(CACHE_TYPE=OptionTakingCache, CACHE_IGNORE_ERRORS=ignore)
    cache = Cache(app)
    assert app.extensions["cache"][cache].given_ignore_errors is ignore

    app.config.update(CACHE_TYPE=OldStyleCache, CACHE_DEFAULT_TIMEOUT=60)
    cache = Cache(app)
    backend = app.extensions["cache"][cache]
    assert type(backend) is OldStyleCache and backend.default_timeout == 60
    # Set in CACHE_OPTIONS, the option is passed as it is: the class refuses it.
    app.config["CACHE_OPTIONS"] = {"ignore_delete_many_errors": ignore}
    with pytest.raises(TypeError, match="ignore_delete_many_errors"):
        Cache(app)


def test_custom_factory_by_dotted_path(app):
    app.config["CACHE_TYPE"] = f"{__name__}.counting_factory"
    cache = Cache(app)
    with app.app_context():
        assert isinstance(cache.cache, CountingCache)


def test_unknown_cache_type_names_what_failed(app):
    app.config["CACHE_TYPE"] = "NoSuchCache"
    with pytest.raises(ImportError, match="NoSuchCache"):
        Cache(app)


def test_config_precedence_app_then_constructor_then_init_app(app):
    app.config.update(CACHE_TYPE="NullCache", CACHE_THRESHOLD=3, CACHE_DEFAULT_TIMEOUT=10)
    cache = Cache(config={"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 4})
    cache.init_app(app, config={"CACHE_DEFAULT_TIMEOUT": "20"})
    backend = app.extensions["cache"][cache]
    assert type(backend) is SimpleCache
    assert backend._threshold == 4
    assert backend.default_timeout == 20
    # The app's config is left alone; the constructor's config is kept as given.
    assert app.config["CACHE_TYPE"] == "NullCache"
    assert cache.config == {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 4}
    assert cache.app is app


def test_config_must_be_a_dict(app):
    with pytest.raises(ValueError, match="config"):
        Cache(app, config=[("CACHE_TYPE", "SimpleCache")])
    cache = Cache()
    with pytest.raises(ValueError, match="config"):
        cache.init_app(app, config="SimpleCache")


def test_null_cache_default_warns_and_caches_nothing(app):
    with pytest.warns(UserWarning, match="NullCache"):
        cache = Cache(app)
    with app.app_context():
        assert cache.set("k", "v")
        assert cache.get("k") is None
        assert not cache.has("k")


def test_file_system_cache_without_a_directory_is_refused(app):
    app.config["CACHE_TYPE"] = "FileSystemCache"
    with pytest.raises(ValueError, match="CACHE_DIR"):
        Cache(app)


def test_hash_method_must_be_callable(app):
    app.config.update(CACHE_TYPE="SimpleCache", CACHE_HASH_METHOD="sha256")
    with pytest.raises(ValueError, match="CACHE_HASH_METHOD"):
        Cache(app)
    assert "cache" not in app.extensions


@pytest.mark.parametrize("serializer", [JSONSerializer, JSONSerializer()])
def test_serializer_replaces_the_backends(app, serializer):
    cache = simple(app, CACHE_SERIALIZER=serializer)
    with app.app_context():
        cache.set("k", {"a": [1, 2]})
        assert cache.cache._cache["k"][1] == b'{"a": [1, 2]}'
        assert cache.get("k") == {"a": [1, 2]}


@pytest.mark.parametrize("serializer", ["json", object()])
def test_serializer_must_be_a_cachelib_serializer(app, serializer):
    with pytest.raises(ValueError, match="CACHE_SERIALIZER"):
        simple(app, CACHE_SERIALIZER=serializer)
    assert "cache" not in app.extensions


def test_serializer_on_a_backend_without_one_warns(app):
    app.config.update(
        CACHE_TYPE="NullCache", CACHE_NO_NULL_WARNING=True, CACHE_SERIALIZER=JSONSerializer
    )
    with pytest.warns(UserWarning, match="CACHE_SERIALIZER"):
        Cache(app)


def test_proxy_methods(app):
    cache = simple(app)
    with app.app_context():
        assert cache.set("a", 1)
        assert not cache.add("a", 2)
        assert cache.add("b", 2)
        assert cache.get("a") == 1
        assert cache.has("a") and not cache.has("nope")
        assert cache.get_many("a", "b", "nope") == [1, 2, None]
        assert cache.get_dict("a", "b") == {"a": 1, "b": 2}
        assert cache.set_many({"c": 3, "d": 4}) == ["c", "d"]
        assert cache.inc("c") == 4
        assert cache.dec("d", 3) == 1
        assert cache.inc("fresh", 5) == 5
        assert cache.delete("a") and not cache.delete("a")
        assert cache.delete_many("b", "never-set") == ["b", "never-set"]
        cache.unlink("c")  # SimpleCache has no UNLINK: it deletes
        assert cache.get("c") is None
        assert cache.clear()
        assert cache.get("d") is None


def test_timeouts_expire(app, cachelib_clock):
    cache = simple(app, CACHE_DEFAULT_TIMEOUT=5)
    with app.app_context():
        cache.set("default", 1)
        cache.set("short", 1, timeout=1)
        cache.set("delta", 1, timeout=timedelta(milliseconds=1500))
        cache.set("forever", 1, timeout=0)
        cachelib_clock.advance(2)
        assert cache.get_many("default", "short", "forever") == [1, None, 1]
        assert cache.get("delta") is None  # 1.5 s rounds up to 2
        cachelib_clock.advance(4)
        assert cache.get_many("default", "forever") == [None, 1]


def test_file_system_cache_persists_for_a_second_app(app, tmp_path):
    config = {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(tmp_path / "c")}
    cache = Cache(app, config=config)
    other = erlen.Flask("other")
    other_cache = Cache(other, config=config)
    with app.app_context():
        cache.set("shared", {"n": 1})
    with other.app_context():
        assert other_cache.get("shared") == {"n": 1}


def test_file_hash_method_names_the_files(app, tmp_path):
    cache = Cache(
        app,
        config={
            "CACHE_TYPE": "FileSystemCache",
            "CACHE_DIR": str(tmp_path),
            "CACHE_FILE_HASH_METHOD": hashlib.md5,
            "CACHE_THRESHOLD": 0,
        },
    )
    with app.app_context():
        cache.set("key", "value")
    assert os.listdir(tmp_path) == [hashlib.md5(b"key").hexdigest()]


def test_delete_many_errors_raise_unless_ignored(app):
    class Stubborn(SimpleCache):
        def delete(self, key):
            return False

    cache = Cache(app, config={"CACHE_TYPE": Stubborn})
    with app.app_context():
        cache.set("k", 1)
        with pytest.raises(RuntimeError, match="k"):
            cache.delete_many("k")
    ignoring = erlen.Flask("ignoring")
    cache = Cache(ignoring, config={"CACHE_TYPE": Stubborn, "CACHE_IGNORE_ERRORS": True})
    with ignoring.app_context():
        cache.set("k", 1)
        assert cache.delete_many("k") == []


def test_deprecated_ignore_errors_argument():
    with pytest.warns(DeprecationWarning, match="ignore_delete_many_errors"):
        backend = SimpleCache(ignore_errors=True)
    assert backend.ignore_delete_many_errors is True


def test_one_cache_object_serves_several_apps(app):
    cache = Cache(config={"CACHE_TYPE": "SimpleCache"})
    other = erlen.Flask("other")
    cache.init_app(app)
    cache.init_app(other)
    with app.app_context():
        cache.set("k", "first app")
    with other.app_context():
        assert cache.get("k") is None
        cache.set("k", "second app")
    with app.app_context():
        assert cache.get("k") == "first app"
    # Outside an app context the app initialised last is used.
    assert cache.get("k") == "second app"


def test_cache_without_an_app_says_what_to_do():
    cache = Cache()
    with pytest.raises(RuntimeError, match=r"init_app"):
        cache.get("k")


def test_cache_used_in_an_app_it_was_not_set_up_for(app):
    cache = simple(app)
    other = erlen.Flask("other")
    with other.app_context(), pytest.raises(RuntimeError, match="'other'.*init_app"):
        cache.get("k")


def test_memcached_backend_is_built_from_the_config(app):
    # No memcached server here: only the construction is checked.
    class Client:
        def __init__(self):
            self.calls = []

        def get(self, key):
            self.calls.append(key)

    client = Client()
    app.config.update(
        CACHE_TYPE="MemcachedCache", CACHE_MEMCACHED_SERVERS=client, CACHE_KEY_PREFIX="p:"
    )
    cache = Cache(app)
    backend = app.extensions["cache"][cache]
    assert type(backend) is MemcachedCache
    with app.app_context():
        assert cache.get("k") is None
    assert client.calls == ["p:k"]


def test_sasl_memcached_is_not_provided(app):
    app.config["CACHE_TYPE"] = "SASLMemcachedCache"
    with pytest.raises(RuntimeError, match="MemcachedCache"):
        Cache(app)
    with pytest.raises(RuntimeError, match="not provided"):
        SASLMemcachedCache(["127.0.0.1:11211"])


def test_uwsgi_cache_needs_uwsgi(app):
    with pytest.raises(RuntimeError, match="uWSGI"):
        UWSGICache()


def test_the_battery_adds_no_request_hooks(app):
    """A cache that no view uses costs a request nothing: nothing is registered."""
    simple(app)
    assert not app.before_request_funcs
    assert not app.after_request_funcs
    assert not app.teardown_request_funcs
    assert not app.teardown_appcontext_funcs
    assert not app.url_value_preprocessors


def test_imports_without_flask_or_werkzeug(tmp_path):
    """erlen.ext.caching never imports Flask, Werkzeug or a Flask extension."""
    script = """
        import erlen
        from erlen.ext.caching import Cache
        from erlen.ext.caching import backends, jinja2ext, signals, utils
        from erlen.ext.caching.contrib import uwsgicache

        app = erlen.Flask("isolated")
        cache = Cache(app, config={"CACHE_TYPE": "SimpleCache"})

        @app.get("/")
        @cache.cached()
        def index():
            return erlen.render_template_string("{% cache 60, 'f' %}hi{% endcache %}")

        client = app.test_client()
        assert client.get("/").data == b"hi"
        assert client.get("/").data == b"hi"
        """
    run_without_flask(script, cwd=tmp_path)
