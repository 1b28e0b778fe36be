"""The ``Cache-Control`` header of requests and responses."""

from __future__ import annotations

import collections.abc as cabc
import typing as t

from ..http import _plain_int, dump_header as _dump_header
from .headers import _header_value
from .mixins import ImmutableDictMixin
from .structures import CallbackDict

__all__ = ["RequestCacheControl", "ResponseCacheControl", "cache_control_property"]


def cache_control_property(
    key: str, empty: t.Any, type: type[t.Any] | None, *, doc: str | None = None
) -> t.Any:
    """Return a property mapping an attribute to the cache-control directive ``key``.

    :param key: The directive name (with dashes).
    :param empty: The value returned if the directive is present without a value.
    :param type: ``bool`` (present or not), ``int``, or ``None`` for ``str``.
        An unparsable value reads as ``None``.
    :param doc: The docstring; generated if not given.
    """
    if doc is None:
        if type is bool:
            doc = f"The ``{key}`` directive: a ``bool``, whether it is present."
        else:
            name = "str" if type is None else type.__name__
            empty_doc = f" ``{empty!r}`` if present without a value," if empty is not None else ""
            doc = f"The ``{key}`` directive: a ``{name}``,{empty_doc} or ``None`` if not present."
    return property(
        lambda x: x._get_cache_value(key, empty, type),
        lambda x, v: x._set_cache_value(key, v, type),
        lambda x: x._del_cache_value(key),
        doc=doc,
    )


class _CacheControl(CallbackDict[str, str | None]):
    """A dict of ``Cache-Control`` directives with typed attribute accessors."""

    no_store: bool = cache_control_property("no-store", None, bool)
    max_age: int | None = cache_control_property("max-age", None, int)
    no_transform: bool = cache_control_property("no-transform", None, bool)
    stale_if_error: int | None = cache_control_property("stale-if-error", None, int)

    def __init__(
        self,
        values: cabc.Mapping[str, t.Any] | cabc.Iterable[tuple[str, t.Any]] | None = (),
        on_update: cabc.Callable[[_CacheControl], None] | None = None,
    ) -> None:
        super().__init__(values, on_update)
        self.provided = values is not None

    def _get_cache_value(self, key: str, empty: t.Any, type: type[t.Any] | None) -> t.Any:
        """Read directive ``key`` converted to ``type`` (used by the properties)."""
        if type is bool:
            return key in self
        if key not in self:
            return None
        value = self[key]
        if value is None:
            return empty
        if type is int:
            try:
                return _plain_int(str(value))
            except ValueError:
                return None
        if type is not None:
            try:
                return type(value)
            except ValueError:
                return None
        return value

    def _set_cache_value(self, key: str, value: t.Any, type: type[t.Any] | None) -> None:
        """Write directive ``key`` (used by the properties)."""
        if type is bool:
            if value:
                self[key] = None
            else:
                self.pop(key, None)
        elif value is None or value is False:
            self.pop(key, None)
        elif value is True:
            self[key] = None
        else:
            if type is not None:
                value = type(value)
            self[key] = _header_value(value)

    def _del_cache_value(self, key: str) -> None:
        """Remove directive ``key`` (used by the properties)."""
        if key in self:
            del self[key]

    def to_header(self) -> str:
        """Serialize to a ``Cache-Control`` header value."""
        return _dump_header(self)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        kv_str = " ".join(f"{k}={v!r}" for k, v in sorted(self.items()))
        return f"<{type(self).__name__} {kv_str}>"

    cache_property = staticmethod(cache_control_property)


class RequestCacheControl(ImmutableDictMixin[str, str | None], _CacheControl):  # type: ignore[misc]
    """The immutable ``Cache-Control`` of a request."""

    no_cache: bool = cache_control_property("no-cache", None, bool)
    max_stale: int | t.Literal[True] | None = cache_control_property("max-stale", True, int)
    min_fresh: int | None = cache_control_property("min-fresh", None, int)
    only_if_cached: bool = cache_control_property("only-if-cached", None, bool)


class ResponseCacheControl(_CacheControl):
    """The mutable ``Cache-Control`` of a response; changes call ``on_update``."""

    no_cache: str | t.Literal[True] | None = cache_control_property("no-cache", True, None)
    public: bool = cache_control_property("public", None, bool)
    private: str | t.Literal[True] | None = cache_control_property("private", True, None)
    must_revalidate: bool = cache_control_property("must-revalidate", None, bool)
    proxy_revalidate: bool = cache_control_property("proxy-revalidate", None, bool)
    s_maxage: int | None = cache_control_property("s-maxage", None, int)
    immutable: bool = cache_control_property("immutable", None, bool)
    must_understand: bool = cache_control_property("must-understand", None, bool)
    stale_while_revalidate: int | None = cache_control_property("stale-while-revalidate", None, int)
