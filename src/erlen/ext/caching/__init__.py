"""erlen.ext.caching: Flask-Caching 2.5's API on erlen and cachelib, without Flask.

::

    from erlen import Flask
    from erlen.ext.caching import Cache

    app = Flask(__name__)
    cache = Cache(app, config={"CACHE_TYPE": "SimpleCache"})

    @app.get("/")
    @cache.cached(timeout=60)
    def index(): ...

Backends are chosen with ``CACHE_TYPE`` (``SimpleCache``, ``FileSystemCache``,
``RedisCache``, ``RedisSentinelCache``, ``RedisClusterCache``, ``NullCache``, ... or a
dotted path); see ``docs/ext/caching.md``.
"""

from __future__ import annotations

import hashlib

from ._cached import CachedMixin
from ._memoize import MemoizeMixin
from ._response import CachedResponse
from .signals import cache_memoize_hit, cache_memoize_miss, cache_view_hit, cache_view_miss
from .utils import function_namespace, make_template_fragment_key

__all__ = [
    "SUPPORTED_HASH_FUNCTIONS",
    "Cache",
    "CachedResponse",
    "cache_memoize_hit",
    "cache_memoize_miss",
    "cache_view_hit",
    "cache_view_miss",
    "function_namespace",
    "make_template_fragment_key",
]

#: The hash constructors usable as ``hash_method`` / ``CACHE_HASH_METHOD``.
SUPPORTED_HASH_FUNCTIONS = [
    hashlib.sha1,
    hashlib.sha224,
    hashlib.sha256,
    hashlib.sha384,
    hashlib.sha512,
    hashlib.md5,
]


class Cache(CachedMixin, MemoizeMixin):
    """The cache of one or more apps: ``Cache(app=None, with_jinja2_ext=True, config=None)``.

    ``config`` (here or in :meth:`init_app`) overrides the app's ``CACHE_*`` keys. The
    methods ``get``, ``set``, ``add``, ``delete``, ``delete_many``, ``clear``,
    ``get_many``, ``set_many``, ``get_dict``, ``has``, ``inc``, ``dec`` and ``unlink`` act
    on the current app's backend (:attr:`cache`); the decorators :meth:`cached` and
    :meth:`memoize` cache views and functions.
    """
