"""Helpers for building cache keys (Flask-Caching's ``flask_caching.utils`` names)."""

from __future__ import annotations

import inspect
import math
import string
import typing as t
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from urllib.parse import parse_qsl

from erlen.datastructures import MultiDict

__all__ = [
    "TEMPLATE_FRAGMENT_KEY_TEMPLATE",
    "base_namespace",
    "function_namespace",
    "get_arg_default",
    "get_arg_names",
    "get_id",
    "join_generator",
    "make_template_fragment_key",
    "namespaces",
    "normalize_timeout",
    "query_args_as_pairs",
    "wants_args",
    "wants_extra_args",
]

#: The key of a ``{% cache %}`` fragment: name (with a ``_`` when it varies) then the values.
TEMPLATE_FRAGMENT_KEY_TEMPLATE = "_template_fragment_cache_%s%s"

#: A timeout in seconds or as a :class:`~datetime.timedelta`.
Timeout = t.Union[int, timedelta]  # noqa: UP007 - evaluated at runtime on Python 3.10
#: A query string, a mapping or ``(key, value)`` pairs.
QueryArgs = t.Union[str, Mapping[str, t.Any], Iterable[tuple[str, t.Any]]]  # noqa: UP007

# Namespaces keep only these characters, so they are valid keys for every backend
# (memcached refuses whitespace and control characters).
_KEEP = frozenset(string.ascii_letters + string.digits + "_.")
_STRIP = str.maketrans({c: None for c in map(chr, range(256)) if c not in _KEEP})


def normalize_timeout(timeout: Timeout | str | None) -> int | None:
    """A timeout in whole seconds: a ``timedelta`` is rounded *up* (never to ``0``, which
    means "no expiry"), a numeric string is parsed, ``None`` stays ``None``."""
    if isinstance(timeout, str):
        timeout = int(timeout)
    if isinstance(timeout, timedelta):
        return math.ceil(timeout.total_seconds())
    return timeout


def _parameters(f: Callable[..., t.Any]) -> list[inspect.Parameter]:
    return list(inspect.signature(f).parameters.values())


def wants_args(f: Callable[..., t.Any]) -> bool:
    """Whether ``f`` takes any positional parameter (or ``*args``/``**kwargs``)."""
    return any(p.kind is not p.KEYWORD_ONLY for p in _parameters(f))


def wants_extra_args(f: Callable[..., t.Any]) -> bool:
    """Whether ``f`` takes more than one positional parameter."""
    return sum(p.kind is not p.KEYWORD_ONLY for p in _parameters(f)) > 1


def get_arg_names(f: Callable[..., t.Any]) -> list[str]:
    """The names of ``f``'s positional-or-keyword parameters, in order."""
    return [p.name for p in _parameters(f) if p.kind is p.POSITIONAL_OR_KEYWORD]


def get_arg_default(f: Callable[..., t.Any], position: int) -> t.Any:
    """The default of ``f``'s parameter at ``position``, or ``None`` when it has none."""
    default = _parameters(f)[position].default
    return None if default is inspect.Parameter.empty else default


def get_id(obj: t.Any) -> str:
    """How ``obj`` appears in a memoize key: its ``__caching_id__()`` if it defines one,
    else its ``repr``."""
    caching_id = getattr(obj, "__caching_id__", None)
    return repr(obj) if caching_id is None else str(caching_id())


def function_namespace(f: Callable[..., t.Any], args: t.Any = None) -> tuple[str, str | None]:
    """``(namespace, instance_namespace)`` of a memoized function.

    The namespace is ``module.qualname`` with characters other than letters, digits, ``_``
    and ``.`` removed. The instance namespace adds the instance's :func:`get_id` for a
    method bound to an instance, or for a function whose first parameter is ``self`` called
    with ``args``; otherwise it is ``None``.
    """
    names = get_arg_names(f)
    return namespaces(
        base_namespace(f), names[0] if names else None, getattr(f, "__self__", None), args
    )


def base_namespace(f: Callable[..., t.Any]) -> str:
    """``module.qualname`` of ``f``, reduced to characters every backend accepts in keys."""
    return f"{f.__module__}.{f.__qualname__}".translate(_STRIP)


def namespaces(
    base: str, first: str | None, bound_to: t.Any, args: t.Any
) -> tuple[str, str | None]:
    """:func:`function_namespace` from the parts that depend only on the function: its
    :func:`base_namespace`, first parameter name and ``__self__``."""
    token = None
    if bound_to is not None and not inspect.isclass(bound_to):
        token = get_id(bound_to)
    elif first == "self" and args:
        token = get_id(args[0])
    if first == "cls" and not (args and inspect.isclass(args[0])):
        raise ValueError(
            "A memoized classmethod reached through its function needs the class as the"
            " first argument, e.g. cache.delete_memoized(Model.method, Model, ...)."
        )
    if token is None:
        return base, None
    return base, f"{base}.{token}".translate(_STRIP)


def make_template_fragment_key(fragment_name: str, vary_on: list[str] | None = None) -> str:
    """The cache key of a ``{% cache %}`` fragment, to read or delete it from Python."""
    if vary_on:
        return TEMPLATE_FRAGMENT_KEY_TEMPLATE % (f"{fragment_name}_", "_".join(vary_on))
    return TEMPLATE_FRAGMENT_KEY_TEMPLATE % (fragment_name, "")


def join_generator(rv: t.Iterator[t.Any]) -> t.Any:
    """Consume a generator a cached function returned: strings are joined into one string,
    bytes into one bytes object, anything else becomes a list."""
    chunks = list(rv)
    if all(isinstance(chunk, str) for chunk in chunks):
        return "".join(chunks)
    if all(isinstance(chunk, bytes) for chunk in chunks):
        return b"".join(chunks)
    return chunks


def query_args_as_pairs(query_args: QueryArgs) -> list[tuple[str, str]]:
    """``(key, value)`` string pairs from a query string, a mapping (every value of a
    multi-value mapping) or an iterable of pairs."""
    if isinstance(query_args, str):
        return parse_qsl(query_args.lstrip("?"), keep_blank_values=True)
    items: Iterable[tuple[str, t.Any]]
    if isinstance(query_args, MultiDict):
        items = query_args.items(multi=True)
    elif isinstance(query_args, Mapping):
        items = query_args.items()
    else:
        items = query_args
    return [(key, str(value)) for key, value in items]
