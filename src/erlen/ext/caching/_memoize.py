"""``@cache.memoize``: cache a function's result per set of arguments, with versioned keys.

Each memoized function has a random *version* stored in the cache under
``<module.qualname>_memver`` (and one per instance for methods); it is part of every key
of the function, so :meth:`~MemoizeMixin.delete_memoized` without arguments only has to
replace it. A version key lives as long as the newest entry written with it.
"""

from __future__ import annotations

import base64
import inspect
import secrets
import typing as t
from collections.abc import Callable

from . import signals
from ._core import CacheCore
from ._drive import Steps, wrap
from ._steps import Callbacks, backend_error, keep, lookup
from ._typing import AnyMemoized, MemoizedFunction, P, R
from .utils import (
    Timeout,
    base_namespace,
    get_id,
    join_generator,
    namespaces,
    normalize_timeout,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask

#: The timeout of a version key when it is first written (0: none); each entry written
#: afterwards extends it to that entry's own timeout.
VERSION_TIMEOUT = 0

_POSITIONAL_KINDS = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


class _FunctionInfo:
    """What memoize needs to know about a function, worked out once per function."""

    __slots__ = (
        "base",
        "bound_to",
        "f",
        "first",
        "keyword_defaults",
        "named",
        "receiver",
        "source",
    )

    def __init__(self, f: Callable[..., t.Any]) -> None:
        self.f = f
        parameters = inspect.signature(f).parameters.values()
        #: ``(name, default or None)`` of the parameters that take positional values.
        self.named = [
            (p.name, None if p.default is p.empty else p.default)
            for p in parameters
            if p.kind in _POSITIONAL_KINDS
        ]
        #: The defaults of keyword-only parameters.
        self.keyword_defaults = {
            p.name: p.default
            for p in parameters
            if p.kind is p.KEYWORD_ONLY and p.default is not p.empty
        }
        names = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
        #: The first positional-or-keyword parameter's name (``self``, ``cls``, ...).
        self.first = names[0] if names else None
        #: ``self``/``cls`` when the function takes an instance or class first.
        self.receiver = self.first if self.first in ("self", "cls") else None
        self.base = base_namespace(f)
        self.bound_to = getattr(f, "__self__", None)
        self.source: bytes | None = None

    def namespaces(self, args: t.Any) -> tuple[str, str | None]:
        return namespaces(self.base, self.first, self.bound_to, args)

    def source_bytes(self) -> bytes:
        if self.source is None:
            self.source = inspect.getsource(self.f).encode("utf-8")
        return self.source

    def key_arguments(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any], ignore: t.Container[str]
    ) -> tuple[tuple[t.Any, ...], list[tuple[str, t.Any]]]:
        """The call's arguments in one canonical form, whichever way they were passed.

        Each positional parameter in order takes its keyword argument if given, else the
        next positional value, else its default (ignored ones are ``None``, ``self``/``cls``
        its :func:`get_id`); surplus positional values follow. The other keyword arguments
        (with keyword-only defaults filled in) come sorted by name. Like Flask-Caching this
        does not check the call: a call the function would refuse still gets a key.
        """
        if self.receiver is not None:
            if not args:
                what = "classmethod" if self.receiver == "cls" else "method"
                raise ValueError(
                    f"When using `delete_memoized` on a `{what}` you must provide the"
                    f" `{self.receiver}` argument as the first positional argument."
                )
            if self.receiver == "cls" and not inspect.isclass(args[0]):
                raise ValueError(
                    "A memoized classmethod reached through its function needs the class"
                    " as the first argument, e.g. cache.delete_memoized(Model.method,"
                    " Model, ...)."
                )
        positional: list[t.Any] = []
        taken: set[str] = set()
        position = 0
        for index, (name, default) in enumerate(self.named):
            if name in ignore:
                value, position = None, position + 1
            elif index == 0 and self.receiver is not None:
                value, position = get_id(args[0]), position + 1
            elif name in kwargs:
                value = kwargs[name]
                taken.add(name)
            elif position < len(args):
                value, position = args[position], position + 1
            else:
                value, position = default, position + 1
            positional.append(value)
        positional.extend(args[len(self.named) :])
        keyword = {**self.keyword_defaults, **kwargs}
        items = [(k, v) for k, v in keyword.items() if k not in taken and k not in ignore]
        items.sort(key=lambda item: item[0])
        return tuple(positional), items


class MemoizeMixin(CacheCore):
    """The ``memoize`` decorator of :class:`~erlen.ext.caching.Cache` and its deletion
    methods."""

    def _memvname(self, funcname: str) -> str:
        # The cache key of a function's version.
        return funcname + "_memver"

    def _memoize_make_version_hash(self) -> str:
        return secrets.token_urlsafe(4)[:6]

    def _memoize_version(
        self,
        info: _FunctionInfo,
        args: t.Any = None,
        *,
        ignore_self: bool = False,
        reset: bool = False,
        delete: bool = False,
        refresh: bool = False,
        timeout: int | None = VERSION_TIMEOUT,
    ) -> tuple[str, str | None]:
        """Read (creating what is missing), reset, refresh or delete the version of the
        function (and of its instance, for a method): ``(namespace, version)``. ``reset``
        and ``delete`` act on the instance's version when there is one, else on the
        function's."""
        fname, instance_fname = info.namespaces(args)
        keys = [self._memvname(fname)]
        if instance_fname and not ignore_self:
            keys.append(self._memvname(instance_fname))
        if delete:
            self.delete_many(keys[-1])
            return fname, None
        versions = list(self.get_many(*keys))
        dirty = refresh
        for i, version in enumerate(versions):
            if version is None:
                versions[i] = self._memoize_make_version_hash()
                dirty = True
        if reset:
            keys = keys[-1:]
            versions = [self._memoize_make_version_hash()]
            dirty = True
        if dirty:
            self.set_many(dict(zip(keys, versions, strict=True)), timeout=timeout)
        return fname, "".join(versions)

    def _memoize_key(
        self,
        info: _FunctionInfo,
        args: tuple[t.Any, ...],
        key_arguments: tuple[tuple[t.Any, ...], list[tuple[str, t.Any]]],
        make_name: Callable[[str], str] | None,
        hash_method: Callable[..., t.Any] | None,
        source_check: bool | None,
        ignore: t.Container[str],
    ) -> str:
        # The version is read first: deleting it is what invalidates the old keys.
        fname, version = self._memoize_version(info, args, ignore_self="self" in ignore)
        name = make_name(fname) if callable(make_name) else fname
        positional, keyword = key_arguments
        digest = self._hash(hash_method)()
        digest.update(f"{name}{positional!r}{keyword!r}".encode())
        if self._source_check(source_check):
            digest.update(info.source_bytes())
        return base64.urlsafe_b64encode(digest.digest())[:16].decode() + (version or "")

    def _memoize_make_cache_key(
        self,
        make_name: Callable[[str], str] | None = None,
        hash_method: Callable[..., t.Any] | None = None,
        source_check: bool | None = None,
        args_to_ignore: list[str] | None = None,
        known: _FunctionInfo | None = None,
    ) -> Callable[..., str]:
        """The ``make_cache_key(f, *args, **kwargs)`` attribute of a memoized function."""
        ignore = frozenset(args_to_ignore or ())

        def make_cache_key(f: Callable[..., t.Any], *args: t.Any, **kwargs: t.Any) -> str:
            info = known if known is not None and known.f is f else _FunctionInfo(f)
            key_arguments = info.key_arguments(args, kwargs, ignore)
            return self._memoize_key(
                info, args, key_arguments, make_name, hash_method, source_check, ignore
            )

        return make_cache_key

    def _memoize_kwargs_to_args(
        self, f: Callable[..., t.Any], *args: t.Any, **kwargs: t.Any
    ) -> tuple[tuple[t.Any, ...], list[tuple[str, t.Any]]]:
        # The canonical arguments memoize keys ``f(*args, **kwargs)`` on; ``args_to_ignore``
        # may be passed as a keyword.
        ignore = frozenset(kwargs.pop("args_to_ignore", None) or ())
        return _FunctionInfo(f).key_arguments(args, kwargs, ignore)

    def memoize(
        self,
        timeout: Timeout | None = None,
        make_name: Callable[[str], str] | None = None,
        unless: Callable[..., t.Any] | None = None,
        forced_update: Callable[..., t.Any] | None = None,
        is_stale: Callable[..., t.Any] | None = None,
        response_filter: Callable[..., t.Any] | None = None,
        hash_method: Callable[..., t.Any] | None = None,
        cache_none: bool = False,
        source_check: bool | None = None,
        args_to_ignore: list[str] | None = None,
    ) -> Callable[[Callable[P, R]], MemoizedFunction[P, R]]:
        """Cache the decorated function's result per set of arguments: ``f(1, b=2)``,
        ``f(1, 2)`` and ``f(b=2, a=1)`` share an entry. Arguments appear in the key as
        their ``repr`` (an instance as its ``__caching_id__()`` or ``repr``), so methods
        are cached per instance.

        :param timeout: seconds (or a ``timedelta``); ``None`` for
            ``CACHE_DEFAULT_TIMEOUT``. Read from the ``cache_timeout`` attribute per call.
        :param make_name: called with the function's namespace, returns the name to key on.
        :param unless: ``True`` bypasses the cache (called with the function and its
            arguments if it takes positional parameters, else with none).
        :param forced_update: ``True`` recomputes and replaces the cached value (called
            with the call's arguments if it takes any).
        :param is_stale: called on a hit with the value (and the call's arguments if it
            takes more parameters); ``True`` recomputes it.
        :param response_filter: called with the fresh value; false keeps it out.
        :param hash_method: the key hash (default ``CACHE_HASH_METHOD``).
        :param cache_none: treat a cached ``None`` as a hit.
        :param source_check: add the function's source to the key (default
            ``CACHE_SOURCE_CHECK``).
        :param args_to_ignore: names of parameters left out of the key (``"self"`` shares
            a method's entries between instances).

        The function gets the attributes ``uncached``, ``cache_timeout``,
        ``make_cache_key(f, *args, **kwargs)`` and ``delete_memoized()``. Callbacks may be
        ``async def``; an ``async def`` function gets an ``async def`` wrapper.
        """
        callbacks = Callbacks(unless, forced_update, is_stale, response_filter, cache_none)
        ignore = frozenset(args_to_ignore or ())

        def decorator(f: Callable[P, R]) -> MemoizedFunction[P, R]:
            info = _FunctionInfo(f)

            def steps(app: Flask, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> Steps:
                key_arguments = info.key_arguments(args, kwargs, ignore)

                def make_key() -> str:
                    return self._memoize_key(
                        info, args, key_arguments, make_name, hash_method, source_check, ignore
                    )

                looked_up = yield from lookup(self, app, callbacks, f, args, kwargs, make_key)
                if looked_up is None:
                    return (yield f, args, kwargs)
                cache_key, found, rv = looked_up
                if self.enable_signals:
                    signal = signals.cache_memoize_hit if found else signals.cache_memoize_miss
                    signal.send(cache=self, cache_key=cache_key, f=f, args=args, kwargs=kwargs)
                if found:
                    return rv
                rv = yield f, args, kwargs
                if inspect.isgenerator(rv):
                    rv = join_generator(rv)
                if (yield from keep(callbacks, rv)):
                    cache_timeout = normalize_timeout(wrapper.cache_timeout)
                    try:
                        self.set(cache_key, rv, timeout=cache_timeout)
                        # The version must live as long as this entry.
                        self._memoize_version(
                            info,
                            args,
                            ignore_self="self" in ignore,
                            refresh=True,
                            timeout=cache_timeout,
                        )
                    except Exception:
                        backend_error(app)
                return rv

            wrapper = wrap(f, self._current_app, steps)
            wrapper.uncached = f
            wrapper.cache_timeout = timeout
            wrapper.make_cache_key = self._memoize_make_cache_key(
                make_name, hash_method, source_check, args_to_ignore, known=info
            )
            wrapper.delete_memoized = lambda: self.delete_memoized(wrapper)
            wrapper._memoize_ignores_self = "self" in ignore
            return t.cast("MemoizedFunction[P, R]", wrapper)

        return decorator

    def delete_memoized(self, f: AnyMemoized, *args: t.Any, **kwargs: t.Any) -> None:
        """Forget what memoized function ``f`` cached.

        Without arguments every entry of ``f`` goes (its version is replaced; the old
        entries expire on their own): for a method reached through an instance, only that
        instance's entries; through the class, every instance's. With arguments only the
        entry of that call goes; a bound method supplies its own ``self``, a classmethod
        reached through its class needs the class as the first argument.
        """
        if not callable(f):
            raise TypeError(
                "Deleting messages by relative name is not supported, please use a function"
                " reference."
            )
        if not (args or kwargs):
            self._memoize_version(
                _FunctionInfo(f),
                ignore_self=getattr(f, "_memoize_ignores_self", False),
                reset=True,
            )
            return
        args = _with_own_instance(f, args)
        self.delete(f.make_cache_key(f.uncached, *args, **kwargs))

    def delete_memoized_verhash(self, f: AnyMemoized, *args: t.Any) -> None:
        """Delete the version key of memoized function ``f`` (of its instance, for a bound
        method). Entries written with it are orphaned until they expire."""
        if not callable(f):
            raise TypeError(
                "Deleting messages by relative name is not supported, please use a function"
                " reference."
            )
        self._memoize_version(_FunctionInfo(f), delete=True)


def _with_own_instance(f: AnyMemoized, args: tuple[t.Any, ...]) -> tuple[t.Any, ...]:
    # A method bound to an instance supplies ``self`` unless the caller passed it again.
    instance = getattr(f, "__self__", None)
    if instance is None or inspect.isclass(instance):
        return args
    first = _FunctionInfo(f.uncached).first
    if first != "self" or (args and args[0] is instance):
        return args
    return (instance, *args)
