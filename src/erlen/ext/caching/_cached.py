"""``@cache.cached``: cache a view's (or any function's) result under a request-path key."""

from __future__ import annotations

import inspect
import typing as t
from collections.abc import Callable

from erlen.ctx import after_this_request, has_request_context
from erlen.exceptions import HTTPException
from erlen.globals import request
from erlen.helpers import url_for
from erlen.wrappers import Response

from . import signals
from ._core import CacheCore
from ._drive import Steps, wrap
from ._response import CachedResponse
from ._steps import Callbacks, backend_error, keep, lookup
from ._typing import AnyCached, CachedFunction, P, R
from .utils import (
    QueryArgs,
    Timeout,
    get_arg_names,
    join_generator,
    normalize_timeout,
    query_args_as_pairs,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask


class _Source:
    """The decorated function's source, read once if ``source_check`` asks for it."""

    __slots__ = ("f", "text")

    def __init__(self, f: Callable[..., t.Any]) -> None:
        self.f = f
        self.text: str | None = None

    def encoded(self) -> bytes:
        if self.text is None:
            self.text = inspect.getsource(self.f)
        return self.text.encode("utf-8")


class CachedMixin(CacheCore):
    """The ``cached`` decorator of :class:`~erlen.ext.caching.Cache`."""

    def cached(
        self,
        timeout: Timeout | None = None,
        key_prefix: str | Callable[[], str] = "view/%s",
        unless: Callable[..., t.Any] | None = None,
        forced_update: Callable[..., t.Any] | None = None,
        is_stale: Callable[..., t.Any] | None = None,
        response_filter: Callable[..., t.Any] | None = None,
        query_string: bool = False,
        hash_method: Callable[..., t.Any] | None = None,
        cache_none: bool = False,
        make_cache_key: Callable[..., str] | None = None,
        source_check: bool | None = None,
        response_hit_indication: bool | None = False,
    ) -> Callable[[Callable[P, R]], CachedFunction[P, R]]:
        """Cache the decorated function's return value; by default under
        ``"view/" + request.path``, so a view's response is reused for its URL.

        :param timeout: seconds (or a ``timedelta``) to keep the value; ``None`` for
            ``CACHE_DEFAULT_TIMEOUT``. Read from the function's ``cache_timeout`` attribute
            at each call, so it can be changed later.
        :param key_prefix: the key; ``%s`` is replaced by the request path (or, outside a
            request, by ``url_for`` of the function's name). A callable returns the key.
        :param unless: when it returns ``True`` the cache is bypassed. Called with the
            function and its arguments if it takes positional parameters, else with none.
        :param forced_update: when it returns ``True`` the function runs and its value
            replaces the cached one. Called with the call's arguments if it takes any.
        :param is_stale: called on a hit with the cached value (and the call's arguments
            if it takes more parameters); ``True`` recomputes the value.
        :param response_filter: called with the fresh value (the response of an
            ``HTTPException`` the function raised); a false result keeps it out of the cache.
        :param query_string: key on the sorted query-string arguments too (a hash of them
            follows the prefix), so ``?a=1&b=2`` and ``?b=2&a=1`` share an entry.
        :param hash_method: the hash for query-string and source keys (default
            ``CACHE_HASH_METHOD``).
        :param cache_none: treat a cached ``None`` as a hit (one extra ``has`` call).
        :param make_cache_key: a callable given the call's arguments that returns the key.
        :param source_check: add a hash of the function's source to the key (default
            ``CACHE_SOURCE_CHECK``).
        :param response_hit_indication: add a ``hit_cache: True`` header to responses
            served from the cache.

        ``unless``, ``forced_update``, ``is_stale`` and ``response_filter`` may be
        ``async def``. An ``HTTPException`` the function raises (``abort(404)``) is cached
        and raised again on a hit. A generator's output is joined and cached whole.
        ``async def`` functions get an ``async def`` wrapper; the cache backend calls in it
        are synchronous (a Redis round trip blocks the event loop for its duration).
        """
        callbacks = Callbacks(unless, forced_update, is_stale, response_filter, cache_none)

        def decorator(f: Callable[P, R]) -> CachedFunction[P, R]:
            source = _Source(f)
            arg_names: list[str] | None = None

            def steps(app: Flask, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> Steps:
                def make_key() -> str:
                    if callable(make_cache_key):
                        return make_cache_key(*args, **kwargs)
                    return wrapper.make_cache_key(*args, use_request=True, **kwargs)

                looked_up = yield from lookup(self, app, callbacks, f, args, kwargs, make_key)
                if looked_up is None:
                    return (yield f, args, kwargs)
                cache_key, found, rv = looked_up
                if response_hit_indication and found and has_request_context():
                    after_this_request(_mark_hit)
                if self.enable_signals:
                    signal = signals.cache_view_hit if found else signals.cache_view_miss
                    signal.send(cache=self, cache_key=cache_key, args=args, kwargs=kwargs)
                if not found:
                    try:
                        rv = yield f, args, kwargs
                    except HTTPException as e:
                        rv = e
                    if inspect.isgenerator(rv):
                        rv = join_generator(rv)
                    if (yield from keep(callbacks, rv, _as_response)):
                        cache_timeout = normalize_timeout(wrapper.cache_timeout)
                        if isinstance(rv, CachedResponse):
                            cache_timeout = rv.timeout or cache_timeout
                        try:
                            self.set(cache_key, rv, timeout=cache_timeout)
                        except Exception:
                            backend_error(app)
                if isinstance(rv, HTTPException):
                    raise rv
                return rv

            def default_make_cache_key(*args: t.Any, **kwargs: t.Any) -> str:
                nonlocal arg_names
                if arg_names is None:
                    arg_names = get_arg_names(f)
                kwargs.update(zip(arg_names, args, strict=False))
                # The other keyword arguments are view arguments: one named ``path`` or
                # ``query_args`` is not the explicit argument of that name.
                use_request = kwargs.pop("use_request", False)
                path = None if use_request else kwargs.pop("path", None)
                query_args = None if use_request else kwargs.pop("query_args", None)
                return key_for(kwargs, use_request, path, query_args)

            def key_for(
                view_args: dict[str, t.Any],
                use_request: bool,
                path: str | None,
                query_args: QueryArgs | None,
            ) -> str:
                if callable(key_prefix):
                    key = key_prefix()
                elif "%s" in key_prefix:
                    if path is None:
                        if use_request or query_string:
                            path = request.path
                        else:
                            # Outside a request url_for would build an external URL.
                            path = url_for(f.__name__, _external=False, **view_args)
                    key = key_prefix % path
                else:
                    key = key_prefix
                if query_string:
                    pairs = (
                        request.args.items(multi=True)
                        if query_args is None
                        else query_args_as_pairs(query_args)
                    )
                    digest = self._hash(hash_method)(str(tuple(sorted(pairs))).encode())
                    if self._source_check(source_check):
                        digest.update(source.encoded())
                    return key + digest.hexdigest()
                if self._source_check(source_check):
                    key += self._hash(hash_method)(source.encoded()).hexdigest()
                return key

            wrapper = wrap(f, self._current_app, steps)
            wrapper.uncached = f
            wrapper.cache_timeout = timeout
            wrapper.make_cache_key = default_make_cache_key
            return t.cast("CachedFunction[P, R]", wrapper)

        return decorator

    def delete_cached(
        self,
        f: AnyCached,
        path: str | None = None,
        query_args: QueryArgs | None = None,
        **kwargs: t.Any,
    ) -> bool:
        """Delete what ``@cached`` function ``f`` stored for ``path`` (and, with
        ``query_string=True``, for ``query_args``: a query string, mapping or pairs).
        Without ``path`` the view arguments ``kwargs`` build it with ``url_for``. Works
        outside a request (give ``path``, or set ``SERVER_NAME`` for ``url_for``)."""
        return self.delete(f.make_cache_key(path=path, query_args=query_args, **kwargs))


def _as_response(rv: t.Any) -> t.Any:
    # response_filter sees the response of an HTTPException the view raised.
    return rv.get_response() if isinstance(rv, HTTPException) else rv


def _mark_hit(response: Response) -> Response:
    response.headers["hit_cache"] = "True"
    return response
