"""Werkzeug-compatible data structures: multi dicts, headers, accept, auth, ranges.

Every public name here mirrors ``werkzeug.datastructures`` (3.1): same class
names, constructor signatures and behaviour. The implementations are written
for speed on the request/response hot path (``Headers``, ``EnvironHeaders`` and
``MultiDict`` in particular) and for safety with hostile input: header names and
values containing CR, LF or NUL are rejected with :exc:`ValueError`.

Known deliberate differences from Werkzeug:

* ``Headers.to_wsgi_list()`` returns the internal list itself (no copy), so it
  can be handed to ``start_response`` for free. Do not mutate it.
* ``bytes`` header names/values are decoded as latin-1 instead of ``str(b"..")``.
* Header names are validated too, and NUL is rejected in addition to CR/LF.
* Typed cache-control integers only accept plain ASCII digits (``"1_0"`` and
  ``"+5"`` read as ``None``).
* ``OrderedMultiDict`` / ``ImmutableOrderedMultiDict`` are deprecated aliases of
  ``MultiDict`` / ``ImmutableMultiDict``.
"""

from __future__ import annotations

import base64
import codecs
import collections.abc as cabc
import mimetypes
import os
import re
import typing as t
from copy import deepcopy
from datetime import datetime
from hashlib import sha1
from io import BytesIO
from itertools import repeat
from operator import itemgetter

from .http import (
    dump_header as _dump_header,
    dump_options_header as _dump_options_header,
    http_date as _http_date,
    is_byte_range_valid as _is_byte_range_valid,
    parse_dict_header as _parse_dict_header,
    parse_options_header as _parse_options_header,
    quote_etag as _quote_etag,
    quote_header_value as _quote_header_value,
    unquote_etag as _unquote_etag,
)

if t.TYPE_CHECKING:
    import typing_extensions as te

K = t.TypeVar("K")
V = t.TypeVar("V")
T = t.TypeVar("T")

__all__ = [
    "Accept",
    "Authorization",
    "CallbackDict",
    "CharsetAccept",
    "CombinedMultiDict",
    "ContentRange",
    "ContentSecurityPolicy",
    "ETags",
    "EnvironHeaders",
    "FileMultiDict",
    "FileStorage",
    "HeaderSet",
    "Headers",
    "IfRange",
    "ImmutableDict",
    "ImmutableDictMixin",
    "ImmutableHeadersMixin",
    "ImmutableList",
    "ImmutableListMixin",
    "ImmutableMultiDict",
    "ImmutableMultiDictMixin",
    "ImmutableTypeConversionDict",
    "LanguageAccept",
    "MIMEAccept",
    "MultiDict",
    "Range",
    "RequestCacheControl",
    "ResponseCacheControl",
    "TypeConversionDict",
    "UpdateDictMixin",
    "WWWAuthenticate",
    "cache_control_property",
    "csp_property",
    "iter_multi_items",
]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "no value"


_missing: t.Any = _Missing()

# dict's own methods, used on MultiDict's raw storage (key -> list of values), which its
# public ``MultiDict[K, V]`` typing does not describe: typed loosely on purpose.
_dict_get: t.Callable[..., t.Any] = dict.get
_dict_getitem: t.Callable[..., t.Any] = dict.__getitem__
_dict_setitem: t.Callable[..., t.Any] = dict.__setitem__
_dict_pop: t.Callable[..., t.Any] = dict.pop
_dict_popitem: t.Callable[..., t.Any] = dict.popitem
_dict_items: t.Callable[..., t.Any] = dict.items
_dict_values: t.Callable[..., t.Any] = dict.values

# ---------------------------------------------------------------------------
# Lazy BadRequestKeyError
# ---------------------------------------------------------------------------


_bad_request_key_error: type[KeyError] | None = None


def _key_error(key: object) -> KeyError:
    """Build the ``KeyError`` raised for a missing key (a ``BadRequestKeyError``).

    ``erlen.exceptions`` is imported lazily: it may import this module, and
    the exception is only needed on the (rare) error path.
    """
    global _bad_request_key_error
    cls = _bad_request_key_error
    if cls is None:
        try:
            from .exceptions import BadRequestKeyError
        except ModuleNotFoundError as e:
            if e.name != f"{__package__}.exceptions":
                raise
            return KeyError(key)
        cls = _bad_request_key_error = BadRequestKeyError
    return cls(key)


# ---------------------------------------------------------------------------
# Small private HTTP helpers (kept here so this module has no dependencies)
# ---------------------------------------------------------------------------

_token_chars = frozenset(
    "!#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|~"
)
_unslash_re = re.compile(r"\\(.)", re.S)
_plain_int_re = re.compile(r"-?[0-9]+", re.ASCII)
_charset_value_re = re.compile(
    r"([\w!#$%&*+\-.^`|~]*)'[\w!#$%&*+\-.^`|~]*'([\w!#$%&'*+\-.^`|~]+)$", re.ASCII
)
_param_key_re = re.compile(r"[ \t]*([\w!#$%&'*+\-.^`|~]+)[ \t]*=[ \t]*", re.ASCII)
_quoted_re = re.compile(r'"((?:[^"\\]|\\.)*)"', re.S)
_rfc2231_charsets = frozenset({"ascii", "us-ascii", "utf-8", "iso-8859-1"})


def _plain_int(value: str) -> int:
    value = value.strip(" \t")
    if len(value) > 4000 or _plain_int_re.fullmatch(value) is None:
        raise ValueError(f"invalid integer {value[:40]!r}")
    return int(value)


# ---------------------------------------------------------------------------
# Mixins
# ---------------------------------------------------------------------------


def _immutable_error(self: object) -> t.NoReturn:
    raise TypeError(f"{type(self).__name__!r} objects are immutable")


class ImmutableListMixin:
    """Make a :class:`list` subclass immutable (and hashable)."""

    _hash_cache: int | None = None

    def __hash__(self) -> int:
        """Hash the items as a tuple; cached."""
        if self._hash_cache is None:
            self._hash_cache = hash(tuple(self))  # type: ignore[arg-type]
        return self._hash_cache

    def __reduce_ex__(self, protocol: t.SupportsIndex) -> t.Any:
        """Pickle as ``type(self)(list(self))``."""
        return type(self), (list(self),)  # type: ignore[call-overload]

    def __delitem__(self, key: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def __iadd__(self, other: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def __imul__(self, other: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def __setitem__(self, key: t.Any, value: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def append(self, item: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def remove(self, item: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def extend(self, iterable: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def insert(self, pos: t.Any, value: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def pop(self, index: t.Any = -1) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def clear(self) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def reverse(self) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def sort(self, key: t.Any = None, reverse: t.Any = False) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)


class ImmutableDictMixin(t.Generic[K, V]):
    """Make a :class:`dict` subclass immutable (and hashable)."""

    _hash_cache: int | None = None

    @classmethod
    def fromkeys(cls, keys: cabc.Iterable[K], value: V | None = None) -> te.Self:
        """Create an instance with ``keys`` all mapped to ``value``."""
        instance = super().__new__(cls)
        instance.__init__(zip(keys, repeat(value)))  # type: ignore[misc]
        return instance

    def __reduce_ex__(self, protocol: t.SupportsIndex) -> t.Any:
        """Pickle as ``type(self)(dict(self))``."""
        return type(self), (dict(self),)  # type: ignore[call-overload]

    def _iter_hashitems(self) -> cabc.Iterable[t.Any]:
        return self.items()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        """Hash the items as a frozenset; cached."""
        if self._hash_cache is None:
            self._hash_cache = hash(frozenset(self._iter_hashitems()))
        return self._hash_cache

    def setdefault(self, key: t.Any, default: t.Any = None) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def update(self, arg: t.Any = None, /, **kwargs: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def __ior__(self, other: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def pop(self, key: t.Any, default: t.Any = None) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def popitem(self) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def __setitem__(self, key: t.Any, value: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def __delitem__(self, key: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def clear(self) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)


class ImmutableMultiDictMixin(ImmutableDictMixin[K, V]):
    """Make a :class:`MultiDict` subclass immutable (and hashable)."""

    def __reduce_ex__(self, protocol: t.SupportsIndex) -> t.Any:
        """Pickle as ``type(self)(list of all (key, value) pairs)``."""
        return type(self), (list(self.items(multi=True)),)  # type: ignore[attr-defined]

    def _iter_hashitems(self) -> cabc.Iterable[t.Any]:
        return self.items(multi=True)  # type: ignore[attr-defined]

    def add(self, key: t.Any, value: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def popitemlist(self) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def poplist(self, key: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def setlist(self, key: t.Any, new_list: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def setlistdefault(self, key: t.Any, default_list: t.Any = None) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)


class ImmutableHeadersMixin:
    """Make a :class:`Headers` subclass read-only (it stays unhashable)."""

    __slots__ = ()

    def __delitem__(self, key: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def __setitem__(self, key: t.Any, value: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def set(self, key: t.Any, value: t.Any, /, **kwargs: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def setlist(self, key: t.Any, values: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def add(self, key: t.Any, value: t.Any, /, **kwargs: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def add_header(self, key: t.Any, value: t.Any, /, **kwargs: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def remove(self, key: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def extend(self, arg: t.Any = None, /, **kwargs: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def update(self, arg: t.Any = None, /, **kwargs: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def __ior__(self, other: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def insert(self, pos: t.Any, value: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def pop(self, key: t.Any = None, default: t.Any = _missing) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def popitem(self) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def setdefault(self, key: t.Any, default: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def setlistdefault(self, key: t.Any, default: t.Any) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)

    def clear(self) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        _immutable_error(self)


class UpdateDictMixin(dict[K, V]):
    """Make a :class:`dict` subclass call ``self.on_update(self)`` on every change."""

    on_update: cabc.Callable[[te.Self], None] | None = None

    def _changed(self: te.Self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    def setdefault(self, key: K, default: V | None = None) -> V:
        """Like :meth:`dict.setdefault`; notifies only if the key was added."""
        modified = key not in self
        rv = super().setdefault(key, default)  # type: ignore[arg-type]
        if modified:
            self._changed()
        return rv

    def pop(self, key: K, default: t.Any = _missing) -> t.Any:
        """Like :meth:`dict.pop`; notifies only if the key was present."""
        modified = key in self
        if default is _missing:
            rv = super().pop(key)
        else:
            rv = super().pop(key, default)
        if modified:
            self._changed()
        return rv

    def __setitem__(self, key: K, value: V) -> None:
        """Set ``key`` and notify."""
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: K) -> None:
        """Delete ``key`` and notify."""
        super().__delitem__(key)
        self._changed()

    def clear(self) -> None:
        """Remove all items and notify."""
        super().clear()
        self._changed()

    def popitem(self) -> tuple[K, V]:
        """Remove and return the last item, then notify."""
        rv = super().popitem()
        self._changed()
        return rv

    def update(self, arg: t.Any = None, /, **kwargs: V) -> None:
        """Like :meth:`dict.update`, then notify."""
        if arg is None:
            # Keyword updates imply str keys, which the generic K cannot promise.
            super().update(**kwargs)  # type: ignore[call-overload]
        else:
            super().update(arg, **kwargs)
        self._changed()

    # Like dict's own (typeshed ignores it the same way), ``|=`` accepts more than ``|``.
    def __ior__(self, other: t.Any) -> te.Self:  # type: ignore[override,misc]
        """``self |= other``, then notify."""
        rv = super().__ior__(other)
        self._changed()
        return rv


# ---------------------------------------------------------------------------
# Dicts and lists
# ---------------------------------------------------------------------------


def iter_multi_items(mapping: t.Any) -> cabc.Iterator[tuple[t.Any, t.Any]]:
    """Iterate over ``(key, value)`` pairs without dropping multiple values.

    Accepts a :class:`MultiDict` (all values), a mapping whose values may be
    lists, tuples or sets (expanded), or an iterable of pairs.
    """
    if isinstance(mapping, MultiDict):
        yield from mapping.items(multi=True)
    elif isinstance(mapping, cabc.Mapping):
        for key, value in mapping.items():
            if isinstance(value, (list, tuple, set)):
                for v in value:
                    yield key, v
            else:
                yield key, value
    else:
        yield from mapping


class ImmutableList(ImmutableListMixin, list[V]):  # type: ignore[misc]
    """An immutable, hashable :class:`list`."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list.__repr__(self)})"


class TypeConversionDict(dict[K, V]):
    """A :class:`dict` whose :meth:`get` can convert the value with ``type``."""

    # Werkzeug's overloads; they add ``type`` and so cannot mirror dict.get's one by one.
    @t.overload  # type: ignore[override]
    def get(self, key: K) -> V | None: ...
    @t.overload
    def get(self, key: K, default: V) -> V: ...
    @t.overload
    def get(self, key: K, default: T) -> V | T: ...
    @t.overload
    def get(self, key: K, *, type: cabc.Callable[[V], T]) -> T | None: ...
    @t.overload
    def get(self, key: K, default: T, type: cabc.Callable[[V], T]) -> T: ...
    def get(
        self,
        key: K,
        default: t.Any = None,
        type: cabc.Callable[[V], T] | None = None,
    ) -> t.Any:
        """Return the value for ``key`` or ``default``.

        If ``type`` is given the value is passed through it; a
        :exc:`ValueError` or :exc:`TypeError` from it returns ``default``.
        """
        try:
            rv = self[key]
        except KeyError:
            return default
        if type is None:
            return rv
        try:
            return type(rv)
        except (ValueError, TypeError):
            return default


class ImmutableTypeConversionDict(ImmutableDictMixin[K, V], TypeConversionDict[K, V]):  # type: ignore[misc]
    """An immutable :class:`TypeConversionDict`."""

    def copy(self) -> TypeConversionDict[K, V]:
        """Return a shallow *mutable* copy."""
        return TypeConversionDict(self)

    def __copy__(self) -> te.Self:
        return self


class MultiDict(TypeConversionDict[K, V]):
    """A dict that can hold several values per key (form data, query strings).

    Plain dict access (``d[key]``, ``get``, ``values``, ``items``) sees the
    first value of each key; use :meth:`getlist`, :meth:`lists` or
    ``items(multi=True)`` for all of them. Construct from ``None``, a mapping
    (list/tuple/set values are expanded, empty ones dropped), another
    :class:`MultiDict` or an iterable of ``(key, value)`` pairs.

    A missing key raises :exc:`erlen.exceptions.BadRequestKeyError`, which is
    both a :exc:`KeyError` and a 400 Bad Request.
    """

    def __init__(self, mapping: t.Any = None) -> None:
        # Storage is a plain dict of key -> list of values, filled through
        # dict's own methods so immutable subclasses can still be built.
        # PERF: parsed query strings and forms arrive as lists of pairs; testing for a
        # list first skips the Mapping ABC check (~300 ns of a ~650 ns construction).
        is_list = type(mapping) is list
        if mapping is None:
            dict.__init__(self)
        elif not is_list and isinstance(mapping, MultiDict):
            # The raw storage holds value lists, not V.
            dict.__init__(self, ((k, list(vs)) for k, vs in mapping.lists()))  # type: ignore[misc]
        elif not is_list and isinstance(mapping, cabc.Mapping):
            tmp: dict[t.Any, list[t.Any]] = {}
            for key, value in mapping.items():
                if isinstance(value, (list, tuple, set)):
                    if value:
                        tmp[key] = list(value)
                else:
                    tmp[key] = [value]
            dict.__init__(self, tmp)
        else:
            tmp = {}
            get = tmp.get
            for key, value in mapping:
                lst = get(key)
                if lst is None:
                    tmp[key] = [value]
                else:
                    lst.append(value)
            dict.__init__(self, tmp)

    def __getstate__(self) -> t.Any:
        return dict(self.lists())

    def __setstate__(self, value: t.Any) -> None:
        dict.clear(self)
        dict.update(self, value)

    def __iter__(self) -> cabc.Iterator[K]:
        # Overriding __iter__ makes dict(md) go through __getitem__ (first
        # values) instead of CPython's fast path that copies the raw lists.
        return dict.__iter__(self)

    def __getitem__(self, key: K) -> V:
        """Return the first value for ``key``; raise ``BadRequestKeyError``."""
        lst = _dict_get(self, key)
        if lst:
            return lst[0]
        raise _key_error(key)

    def __setitem__(self, key: K, value: V) -> None:
        """Replace all values of ``key`` with ``value``."""
        _dict_setitem(self, key, [value])

    # Werkzeug's overloads; they add ``type`` and so cannot mirror dict.get's one by one.
    @t.overload  # type: ignore[override]
    def get(self, key: K) -> V | None: ...
    @t.overload
    def get(self, key: K, default: V) -> V: ...
    @t.overload
    def get(self, key: K, default: T) -> V | T: ...
    @t.overload
    def get(self, key: K, *, type: cabc.Callable[[V], T]) -> T | None: ...
    @t.overload
    def get(self, key: K, default: T, type: cabc.Callable[[V], T]) -> T: ...
    def get(
        self,
        key: K,
        default: t.Any = None,
        type: cabc.Callable[[V], T] | None = None,
    ) -> t.Any:
        """Return the first value for ``key`` or ``default``.

        If ``type`` is given the value is passed through it; a
        :exc:`ValueError` or :exc:`TypeError` from it returns ``default``.
        """
        # PERF: direct dict.get instead of self[key] + KeyError: a miss costs
        # ~45 ns instead of ~1.2 us (building a BadRequestKeyError).
        lst = _dict_get(self, key)
        if not lst:
            return default
        if type is None:
            return lst[0]
        try:
            return type(lst[0])
        except (ValueError, TypeError):
            return default

    def add(self, key: K, value: V) -> None:
        """Append ``value`` to the values of ``key``."""
        lst = _dict_get(self, key)
        if lst is None:
            _dict_setitem(self, key, [value])
        else:
            lst.append(value)

    @t.overload
    def getlist(self, key: K) -> list[V]: ...
    @t.overload
    def getlist(self, key: K, type: cabc.Callable[[V], T]) -> list[T]: ...
    def getlist(self, key: K, type: cabc.Callable[[V], T] | None = None) -> list[t.Any]:
        """Return a new list of all values for ``key`` (empty if missing).

        With ``type``, each value is converted; values for which it raises
        :exc:`ValueError` or :exc:`TypeError` are left out.
        """
        lst = _dict_get(self, key)
        if lst is None:
            return []
        if type is None:
            return list(lst)
        result = []
        for item in lst:
            try:
                result.append(type(item))
            except (ValueError, TypeError):
                pass
        return result

    def setlist(self, key: K, new_list: cabc.Iterable[V]) -> None:
        """Replace the values of ``key`` with a copy of ``new_list``."""
        _dict_setitem(self, key, list(new_list))

    def setdefault(self, key: K, default: V | None = None) -> V:
        """Return the first value of ``key``, setting it to ``default`` if missing."""
        if key not in self:
            self[key] = default  # type: ignore[assignment]
        return self[key]

    def setlistdefault(self, key: K, default_list: cabc.Iterable[V] | None = None) -> list[V]:
        """Return the *internal* value list of ``key``, creating it if missing.

        Appending to the returned list adds values to the dict.
        """
        lst = _dict_get(self, key)
        if lst is None:
            lst = list(default_list or ())
            _dict_setitem(self, key, lst)
        return lst

    def items(self, multi: bool = False) -> cabc.Iterator[tuple[K, V]]:  # type: ignore[override]
        """Iterate ``(key, first value)`` pairs, or every pair if ``multi``."""
        if multi:
            return ((k, v) for k, vs in _dict_items(self) for v in vs)
        return ((k, vs[0]) for k, vs in _dict_items(self))

    def lists(self) -> cabc.Iterator[tuple[K, list[V]]]:
        """Iterate ``(key, list of values)`` pairs (the lists are copies)."""
        return ((k, list(vs)) for k, vs in _dict_items(self))

    def values(self) -> cabc.Iterator[V]:  # type: ignore[override]
        """Iterate the first value of every key."""
        return (vs[0] for vs in _dict_values(self))

    def listvalues(self) -> cabc.Iterable[list[V]]:
        """Return a view of the (internal) value lists of every key."""
        return _dict_values(self)

    def copy(self) -> te.Self:
        """Return a shallow copy."""
        return self.__class__(self)

    def deepcopy(self, memo: t.Any = None) -> te.Self:
        """Return a deep copy."""
        return self.__class__(deepcopy(self.to_dict(flat=False), memo))

    def to_dict(self, flat: bool = True) -> dict[K, t.Any]:
        """Return a plain dict: first values if ``flat``, else value lists."""
        if flat:
            return dict(self.items())
        return dict(self.lists())

    def update(self, mapping: t.Any) -> None:
        """Add the items of ``mapping`` (extends, does not replace, values)."""
        add = self.add
        for key, value in iter_multi_items(mapping):
            add(key, value)

    def __or__(self, other: t.Any) -> MultiDict[K, V]:  # type: ignore[override]
        if not isinstance(other, cabc.Mapping):
            return NotImplemented
        rv = self.copy()
        rv.update(other)
        return rv

    def __ior__(self, other: t.Any) -> te.Self:  # type: ignore[override]
        if not isinstance(other, (cabc.Mapping, cabc.Iterable)):
            return NotImplemented
        self.update(other)
        return self

    def pop(self, key: K, default: t.Any = _missing) -> t.Any:
        """Remove ``key`` and return its first value (or ``default``)."""
        lst = _dict_pop(self, key, None)
        if lst:
            return lst[0]
        if default is not _missing:
            return default
        raise _key_error(key)

    def popitem(self) -> tuple[K, V]:
        """Remove a key and return ``(key, first value)``."""
        try:
            key, lst = _dict_popitem(self)
        except KeyError as e:
            raise _key_error(e.args[0] if e.args else None) from None
        if not lst:
            raise _key_error(key)
        return key, lst[0]

    def poplist(self, key: K) -> list[V]:
        """Remove ``key`` and return all its values (empty list if missing)."""
        return _dict_pop(self, key, [])

    def popitemlist(self) -> tuple[K, list[V]]:
        """Remove a key and return ``(key, list of values)``."""
        try:
            return _dict_popitem(self)
        except KeyError as e:
            raise _key_error(e.args[0] if e.args else None) from None

    def __copy__(self) -> te.Self:
        return self.copy()

    def __deepcopy__(self, memo: t.Any) -> te.Self:
        return self.deepcopy(memo=memo)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.items(multi=True))!r})"


class ImmutableMultiDict(ImmutableMultiDictMixin[K, V], MultiDict[K, V]):  # type: ignore[misc]
    """An immutable, hashable :class:`MultiDict` (request ``args``/``form``)."""

    def copy(self) -> MultiDict[K, V]:  # type: ignore[override]
        """Return a shallow *mutable* copy."""
        return MultiDict(self)

    def __copy__(self) -> te.Self:
        return self


class CombinedMultiDict(ImmutableMultiDictMixin[K, V], MultiDict[K, V]):
    """A read-only view combining several :class:`MultiDict` objects.

    Lookups return the value from the first dict that has the key;
    :meth:`getlist` concatenates the values of all dicts.
    """

    def __reduce_ex__(self, protocol: t.SupportsIndex) -> t.Any:
        """Pickle as ``type(self)(self.dicts)``."""
        return type(self), (self.dicts,)

    def __init__(self, dicts: cabc.Iterable[MultiDict[K, V]] | None = None) -> None:
        dict.__init__(self)
        self.dicts: list[MultiDict[K, V]] = list(dicts or ())

    @classmethod
    def fromkeys(cls, keys: t.Any, value: t.Any = None) -> t.NoReturn:
        """Raise :exc:`TypeError`."""
        raise TypeError(f"cannot create {cls.__name__!r} instances by fromkeys")

    def __getitem__(self, key: K) -> V:
        """Return the first value from the first dict containing ``key``."""
        for d in self.dicts:
            if key in d:
                return d[key]
        raise _key_error(key)

    # Werkzeug's overloads; they add ``type`` and so cannot mirror dict.get's one by one.
    @t.overload  # type: ignore[override]
    def get(self, key: K) -> V | None: ...
    @t.overload
    def get(self, key: K, default: V) -> V: ...
    @t.overload
    def get(self, key: K, default: T) -> V | T: ...
    @t.overload
    def get(self, key: K, *, type: cabc.Callable[[V], T]) -> T | None: ...
    @t.overload
    def get(self, key: K, default: T, type: cabc.Callable[[V], T]) -> T: ...
    def get(
        self,
        key: K,
        default: t.Any = None,
        type: cabc.Callable[[V], T] | None = None,
    ) -> t.Any:
        """Like :meth:`MultiDict.get`; a failed conversion tries the next dict."""
        for d in self.dicts:
            if key in d:
                if type is None:
                    return d[key]
                try:
                    return type(d[key])
                except (ValueError, TypeError):
                    continue
        return default

    @t.overload
    def getlist(self, key: K) -> list[V]: ...
    @t.overload
    def getlist(self, key: K, type: cabc.Callable[[V], T]) -> list[T]: ...
    def getlist(self, key: K, type: cabc.Callable[[V], T] | None = None) -> list[t.Any]:
        """Return the values of ``key`` from all dicts, in order."""
        rv: list[t.Any] = []
        for d in self.dicts:
            # Forwards ``type`` as given: None picks the unconverted overload at runtime.
            rv.extend(d.getlist(key, type))  # type: ignore[arg-type]
        return rv

    def _keys_impl(self) -> set[K]:
        return {k for d in self.dicts for k in d}

    def keys(self) -> cabc.Iterable[K]:  # type: ignore[override]
        """Return the set of keys of all dicts."""
        return self._keys_impl()

    def __iter__(self) -> cabc.Iterator[K]:
        return iter(self._keys_impl())

    def items(self, multi: bool = False) -> cabc.Iterator[tuple[K, V]]:  # type: ignore[override]
        """Iterate ``(key, value)`` pairs: first per key, or all if ``multi``."""
        found = set()
        for d in self.dicts:
            for key, value in d.items(multi):
                if multi:
                    yield key, value
                elif key not in found:
                    found.add(key)
                    yield key, value

    def values(self) -> cabc.Iterator[V]:  # type: ignore[override]
        """Iterate the first value of every key."""
        for _, value in self.items():
            yield value

    def lists(self) -> cabc.Iterable[tuple[K, list[V]]]:  # type: ignore[override]
        """Return ``(key, all values)`` pairs merged over all dicts."""
        rv: dict[K, list[V]] = {}
        for d in self.dicts:
            for key, values in d.lists():
                rv.setdefault(key, []).extend(values)
        return rv.items()

    def listvalues(self) -> cabc.Iterator[list[V]]:
        """Iterate the merged value lists."""
        return (x[1] for x in self.lists())

    def copy(self) -> MultiDict[K, V]:  # type: ignore[override]
        """Return a mutable :class:`MultiDict` snapshot of the combined data."""
        return MultiDict(self)

    def deepcopy(self, memo: t.Any = None) -> MultiDict[K, V]:  # type: ignore[override]
        """Return a deep-copied mutable :class:`MultiDict` snapshot."""
        return MultiDict(deepcopy(self.to_dict(flat=False), memo))

    def __len__(self) -> int:
        return len(self._keys_impl())

    def __contains__(self, key: object) -> bool:
        return any(key in d for d in self.dicts)

    def __eq__(self, other: object) -> bool:
        # The dict storage is empty, so dict.__eq__ would call any two
        # combined dicts equal; compare the merged lists instead.
        if isinstance(other, MultiDict):
            return dict(self.lists()) == dict(other.lists())
        if isinstance(other, cabc.Mapping):
            return dict(self.lists()) == dict(other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        rv = self.__eq__(other)
        return rv if rv is NotImplemented else not rv

    # Defining __eq__ above set __hash__ to None; dict's stub types it as None too.
    __hash__ = ImmutableMultiDictMixin.__hash__  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.dicts!r})"


class ImmutableDict(ImmutableDictMixin[K, V], dict[K, V]):  # type: ignore[misc]
    """An immutable, hashable :class:`dict`."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict.__repr__(self)})"

    def copy(self) -> dict[K, V]:
        """Return a shallow *mutable* copy."""
        return dict(self)

    def __copy__(self) -> te.Self:
        return self


class CallbackDict(UpdateDictMixin[K, V], dict[K, V]):
    """A dict that calls ``on_update(self)`` after every modification."""

    def __init__(
        self,
        initial: cabc.Mapping[K, V] | cabc.Iterable[tuple[K, V]] | None = None,
        on_update: cabc.Callable[[te.Self], None] | None = None,
    ) -> None:
        if initial is None:
            dict.__init__(self)
        else:
            dict.__init__(self, initial)
        self.on_update = on_update

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"


class HeaderSet(cabc.MutableSet[str]):
    """A case-insensitive, ordered set of header tokens (``Vary``, ``Allow``...)."""

    def __init__(
        self,
        headers: cabc.Iterable[str] | None = None,
        on_update: cabc.Callable[[HeaderSet], None] | None = None,
    ) -> None:
        self._headers = list(headers or ())
        self._set = {x.lower() for x in self._headers}
        self.on_update = on_update

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    def add(self, header: str) -> None:
        """Add ``header`` unless already present (case-insensitively)."""
        self.update((header,))

    def remove(self, header: str) -> None:
        """Remove ``header``; raise :exc:`KeyError` if missing."""
        key = header.lower()
        if key not in self._set:
            raise KeyError(header)
        self._set.remove(key)
        for idx, item in enumerate(self._headers):
            if item.lower() == key:
                del self._headers[idx]
                break
        self._changed()

    def update(self, iterable: cabc.Iterable[str]) -> None:
        """Add every header of ``iterable`` that is not present yet."""
        inserted = False
        for header in iterable:
            key = header.lower()
            if key not in self._set:
                self._headers.append(header)
                self._set.add(key)
                inserted = True
        if inserted:
            self._changed()

    def discard(self, header: str) -> None:
        """Remove ``header`` if present."""
        try:
            self.remove(header)
        except KeyError:
            pass

    def find(self, header: str) -> int:
        """Return the index of ``header`` or ``-1``."""
        key = header.lower()
        for idx, item in enumerate(self._headers):
            if item.lower() == key:
                return idx
        return -1

    def index(self, header: str) -> int:
        """Return the index of ``header``; raise :exc:`IndexError` if missing."""
        rv = self.find(header)
        if rv < 0:
            raise IndexError(header)
        return rv

    def clear(self) -> None:
        """Remove everything."""
        self._set.clear()
        self._headers.clear()
        self._changed()

    def as_set(self, preserve_casing: bool = False) -> set[str]:
        """Return a plain set (lowercased unless ``preserve_casing``)."""
        if preserve_casing:
            return set(self._headers)
        return set(self._set)

    def to_header(self) -> str:
        """Serialize as a comma separated header value."""
        return ", ".join(map(_quote_header_value, self._headers))

    def __getitem__(self, idx: t.SupportsIndex) -> str:
        return self._headers[idx]

    def __delitem__(self, idx: t.SupportsIndex) -> None:
        rv = self._headers.pop(idx)
        self._set.remove(rv.lower())
        self._changed()

    def __setitem__(self, idx: t.SupportsIndex, value: str) -> None:
        old = self._headers[idx]
        self._set.remove(old.lower())
        self._headers[idx] = value
        self._set.add(value.lower())
        self._changed()

    def __contains__(self, header: object) -> bool:
        return isinstance(header, str) and header.lower() in self._set

    def __len__(self) -> int:
        return len(self._set)

    def __iter__(self) -> cabc.Iterator[str]:
        return iter(self._headers)

    def __bool__(self) -> bool:
        return bool(self._set)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._headers!r})"


# ---------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------


def _header_name(key: object) -> str:
    """Convert and validate a header name (slow path)."""
    if isinstance(key, str):
        s = key
    elif isinstance(key, (bytes, bytearray)):
        s = bytes(key).decode("latin-1")
    else:
        s = str(key)
    if "\n" in s or "\r" in s or "\0" in s:
        raise ValueError(
            f"Header names must not contain CR, LF or NUL characters (got {s[:60]!r})."
        )
    return s


def _header_value(value: object) -> str:
    """Convert and validate a header value (slow path)."""
    if isinstance(value, str):
        s = value
    elif isinstance(value, (bytes, bytearray)):
        s = bytes(value).decode("latin-1")
    else:
        s = str(value)
    if "\n" in s or "\r" in s or "\0" in s:
        raise ValueError(
            f"Header values must not contain CR, LF or NUL characters (got {s[:60]!r})."
        )
    return s


def _options_header_vkw(value: t.Any, kw: dict[str, t.Any]) -> str:
    return _dump_options_header(value, {k.replace("_", "-"): v for k, v in kw.items()})


_first = itemgetter(0)
_second = itemgetter(1)


class Headers:
    """An ordered, case-insensitive, multi-valued collection of HTTP headers.

    Iterating yields ``(name, value)`` tuples. ``headers[name]`` returns the
    first value and raises ``BadRequestKeyError`` when missing; integer and
    slice indexes address the underlying list. Names and values are stored as
    ``str`` (``int`` and other objects are converted, ``bytes`` decoded as
    latin-1); a CR, LF or NUL in either raises :exc:`ValueError` to prevent
    header injection.

    :param defaults: A list of pairs, a dict (list values are expanded), a
        :class:`MultiDict` or another :class:`Headers`.
    """

    # PERF: __slots__ + inline validation (isprintable() for names, which are
    # short; memchr-based `in` for values, constant-time even for long cookies):
    # Headers() + 2 adds ~0.40 us vs ~0.63 us for werkzeug (CPython 3.11).
    __slots__ = ("_list",)

    def __init__(self, defaults: t.Any = None) -> None:
        if defaults is None:
            self._list: list[tuple[str, str]] = []
        elif type(defaults) is Headers:
            self._list = defaults._list.copy()
        else:
            self._list = []
            self.extend(defaults)

    def __getitem__(self, key: t.Any) -> t.Any:
        """Return the first value for a name, an item by index, or a slice copy."""
        if type(key) is str:
            return self._get_key(key)
        if isinstance(key, int):
            return self._list[key]
        if isinstance(key, slice):
            return self.__class__(self._list[key])
        if isinstance(key, str):
            return self._get_key(key)
        raise _key_error(key)

    def _get_key(self, key: str) -> str:
        ikey = key.lower()
        for k, v in self._list:
            if k == key or k.lower() == ikey:
                return v
        raise _key_error(key)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return {(k.lower(), v) for k, v in other._list} == {(k.lower(), v) for k, v in self._list}

    __hash__ = None  # type: ignore[assignment]

    def get(
        self,
        key: str,
        default: t.Any = None,
        type: cabc.Callable[[str], T] | None = None,
    ) -> t.Any:
        """Return the first value for ``key`` or ``default``.

        With ``type``, the value is converted; a :exc:`ValueError` from it
        returns ``default``.
        """
        if not isinstance(key, str):
            key = _header_name(key)
        ikey = key.lower()
        for k, v in self._list:
            if k == key or k.lower() == ikey:
                if type is None:
                    return v
                try:
                    return type(v)
                except ValueError:
                    return default
        return default

    def getlist(self, key: str, type: cabc.Callable[[str], T] | None = None) -> list[t.Any]:
        """Return all values for ``key`` (empty list if missing).

        With ``type``, values are converted and those raising
        :exc:`ValueError` are left out.
        """
        if not isinstance(key, str):
            key = _header_name(key)
        ikey = key.lower()
        if type is None:
            return [v for k, v in self if k.lower() == ikey]
        result = []
        for k, v in self:
            if k.lower() == ikey:
                try:
                    result.append(type(v))
                except ValueError:
                    continue
        return result

    def get_all(self, name: str) -> list[str]:
        """Alias of :meth:`getlist` (:mod:`wsgiref` compatibility)."""
        return self.getlist(name)

    def items(self, lower: bool = False) -> cabc.Iterator[tuple[str, str]]:
        """Iterate ``(name, value)`` pairs, names lowercased if ``lower``."""
        if lower:
            return ((k.lower(), v) for k, v in self._list)
        return iter(self._list)

    def keys(self, lower: bool = False) -> cabc.Iterator[str]:
        """Iterate header names (with duplicates), lowercased if ``lower``."""
        if lower:
            return (k.lower() for k, _ in self._list)
        return map(_first, self._list)

    def values(self) -> cabc.Iterator[str]:
        """Iterate header values."""
        return map(_second, self._list)

    def extend(self, arg: t.Any = None, /, **kwargs: t.Any) -> None:
        """Add all headers from ``arg`` and ``kwargs``, keeping existing ones.

        ``arg`` may be :class:`Headers`, a :class:`MultiDict`, a dict (list
        values are expanded) or an iterable of pairs. Use :meth:`update` to
        replace instead.
        """
        lst = self._list
        if arg is not None:
            if type(arg) is Headers:
                lst.extend(arg._list)
            else:
                if isinstance(arg, (cabc.Mapping, MultiDict)):
                    arg = iter_multi_items(arg)
                for key, value in arg:
                    if type(key) is not str or not key.isprintable():
                        key = _header_name(key)
                    if type(value) is not str or "\n" in value or "\r" in value or "\0" in value:
                        value = _header_value(value)
                    lst.append((key, value))
        if kwargs:
            for key, value in iter_multi_items(kwargs):
                self.add(key, value)

    def __delitem__(self, key: t.Any) -> None:
        """Remove all headers named ``key``, or the item(s) at an index/slice."""
        if isinstance(key, str):
            self._del_key(key)
        else:
            del self._list[key]

    def _del_key(self, key: str) -> None:
        ikey = key.lower()
        lst = self._list
        keep = [item for item in lst if item[0].lower() != ikey]
        if len(keep) != len(lst):
            lst[:] = keep

    def remove(self, key: str) -> None:
        """Remove all headers named ``key`` (no error if missing)."""
        self._del_key(key)

    def pop(self, key: str | int | None = None, default: t.Any = _missing) -> t.Any:
        """Remove and return a header.

        With no key, the last ``(name, value)`` item; with an int, the item at
        that index; with a name, its first value after removing all headers of
        that name (``default`` or ``BadRequestKeyError`` if missing).
        """
        if key is None:
            return self._list.pop()
        if isinstance(key, int):
            return self._list.pop(key)
        try:
            rv = self._get_key(key)
        except KeyError:
            if default is not _missing:
                return default
            raise
        self._del_key(key)
        return rv

    def popitem(self) -> tuple[str, str]:
        """Remove and return the last ``(name, value)`` item."""
        return self._list.pop()

    def __contains__(self, key: object) -> bool:
        """Return whether a header named ``key`` exists (case-insensitive)."""
        if not isinstance(key, str):
            return False
        ikey = key.lower()
        # PERF: explicit loop, ~2x faster than any() over a generator here.
        for k, _ in self._list:  # noqa: SIM110
            if k == key or k.lower() == ikey:
                return True
        return False

    def __iter__(self) -> cabc.Iterator[tuple[str, str]]:
        """Iterate ``(name, value)`` tuples."""
        return iter(self._list)

    def __len__(self) -> int:
        return len(self._list)

    def add(self, key: str, value: t.Any, /, **kwargs: t.Any) -> None:
        """Append a header; keeps existing ones with the same name.

        Keyword arguments become header parameters, underscores turned into
        dashes: ``add("Content-Disposition", "attachment", filename="a.png")``.
        """
        if kwargs:
            value = _options_header_vkw(value, kwargs)
        if type(key) is not str or not key.isprintable():
            key = _header_name(key)
        if type(value) is not str or "\n" in value or "\r" in value or "\0" in value:
            value = _header_value(value)
        self._list.append((key, value))

    def add_header(self, key: str, value: t.Any, /, **kwargs: t.Any) -> None:
        """Alias of :meth:`add` (:mod:`wsgiref` compatibility)."""
        self.add(key, value, **kwargs)

    def clear(self) -> None:
        """Remove all headers."""
        self._list.clear()

    def set(self, key: str, value: t.Any, /, **kwargs: t.Any) -> None:
        """Set a header, replacing all existing ones with that name.

        The new value takes the position of the first old one (or goes to the
        end). Keyword arguments work as in :meth:`add`.
        """
        if kwargs:
            value = _options_header_vkw(value, kwargs)
        if type(key) is not str or not key.isprintable():
            key = _header_name(key)
        if type(value) is not str or "\n" in value or "\r" in value or "\0" in value:
            value = _header_value(value)
        self._replace(key, value)

    def _replace(self, key: str, value: str) -> None:
        """Set an already validated header, replacing any with the same name."""
        lst = self._list
        ikey = key.lower()
        idx = -1
        for i, (k, _) in enumerate(lst):
            if k == key or k.lower() == ikey:
                idx = i
                break
        if idx < 0:
            lst.append((key, value))
            return
        lst[idx] = (key, value)
        start = idx + 1
        rest = [item for item in lst[start:] if item[0].lower() != ikey]
        if len(rest) != len(lst) - start:
            lst[start:] = rest

    def setlist(self, key: str, values: cabc.Iterable[t.Any]) -> None:
        """Replace all headers named ``key`` with one header per value."""
        values = list(values)
        if not values:
            self.remove(key)
            return
        self.set(key, values[0])
        for value in values[1:]:
            self.add(key, value)

    def setdefault(self, key: str, default: t.Any) -> str:
        """Return the first value of ``key``, setting it to ``default`` if missing."""
        try:
            return self._get_key(key)
        except KeyError:
            pass
        self.set(key, default)
        return self._get_key(key)

    def setlistdefault(self, key: str, default: cabc.Iterable[t.Any]) -> list[str]:
        """Return all values of ``key``, setting them to ``default`` if missing.

        Unlike :meth:`MultiDict.setlistdefault` the returned list is a copy.
        """
        if key not in self:
            self.setlist(key, default)
        return self.getlist(key)

    def __setitem__(self, key: t.Any, value: t.Any) -> None:
        """Like :meth:`set` for a name; also supports int and slice indexes."""
        if type(key) is str:
            # Inlined validation of set(): this is the common response path.
            if not key.isprintable():
                key = _header_name(key)
            if type(value) is not str or "\n" in value or "\r" in value or "\0" in value:
                value = _header_value(value)
            self._replace(key, value)
        elif isinstance(key, str):
            self.set(key, value)
        elif isinstance(key, int):
            self._list[key] = (_header_name(value[0]), _header_value(value[1]))
        else:
            self._list[key] = [(_header_name(k), _header_value(v)) for k, v in value]

    def update(self, arg: t.Any = None, /, **kwargs: t.Any) -> None:
        """Replace headers with those of ``arg`` and ``kwargs``.

        For every name present in the input, existing headers of that name are
        replaced. List/tuple/set values set multiple headers. Use
        :meth:`extend` to add instead.
        """
        if arg is not None:
            if isinstance(arg, (Headers, MultiDict)):
                # Headers.__iter__ yields pairs, so .keys() is required here.
                for key in arg.keys():  # noqa: SIM118
                    self.setlist(key, arg.getlist(key))
            elif isinstance(arg, cabc.Mapping):
                for key, value in arg.items():
                    if isinstance(value, (list, tuple, set)):
                        self.setlist(key, value)
                    else:
                        self.set(key, value)
            else:
                for key, value in arg:
                    self.set(key, value)
        for key, value in kwargs.items():
            if isinstance(value, (list, tuple, set)):
                self.setlist(key, value)
            else:
                self.set(key, value)

    def __or__(self, other: t.Any) -> te.Self:
        if not isinstance(other, cabc.Mapping):
            return NotImplemented
        rv = self.copy()
        rv.update(other)
        return rv

    def __ior__(self, other: t.Any) -> te.Self:
        if not isinstance(other, (cabc.Mapping, cabc.Iterable)):
            return NotImplemented
        self.update(other)
        return self

    def to_wsgi_list(self) -> list[tuple[str, str]]:
        """Return the headers as a WSGI ``[(name, value), ...]`` list.

        This is the internal list itself (no copy) so it can be passed to
        ``start_response`` for free; do not modify it.
        """
        return self._list

    def copy(self) -> te.Self:
        """Return a copy."""
        return self.__class__(self._list)

    def __copy__(self) -> te.Self:
        return self.copy()

    def __str__(self) -> str:
        """Return the headers as an HTTP header block ending in a blank line."""
        return "".join([f"{k}: {v}\r\n" for k, v in self]) + "\r\n"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"


_ENVIRON_KEYS: dict[str, str] = {}
_ENVIRON_KEYS_MAX = 512
_CONTENT_KEYS = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})
_HTTP_CONTENT_KEYS = frozenset({"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"})


def _environ_key(key: str) -> str:
    """Map a header name to its WSGI environ key (``HTTP_X_FOO``)."""
    # PERF: bounded memo; a hit is a dict lookup (~25 ns) instead of
    # upper() + replace() + concatenation (~110 ns).
    ek = _ENVIRON_KEYS.get(key)
    if ek is None:
        upper = key.upper().replace("-", "_")
        ek = upper if upper in _CONTENT_KEYS else "HTTP_" + upper
        if len(_ENVIRON_KEYS) < _ENVIRON_KEYS_MAX:
            _ENVIRON_KEYS[key] = ek
    return ek


class EnvironHeaders(ImmutableHeadersMixin, Headers):
    """A read-only :class:`Headers` view over a WSGI environ.

    Lookups map the name straight to its environ key (``X-Foo`` ->
    ``HTTP_X_FOO``; ``Content-Type``/``Content-Length`` -> ``CONTENT_TYPE``/
    ``CONTENT_LENGTH``) without scanning. Iteration yields title-cased names.
    Values are returned as found in the environ (latin-1 decoded ``str``).
    """

    __slots__ = ("environ",)

    def __init__(self, environ: cabc.Mapping[str, t.Any]) -> None:
        self._list = []
        self.environ = environ

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EnvironHeaders):
            return NotImplemented
        return self.environ is other.environ

    __hash__ = None

    def __getitem__(self, key: t.Any) -> str:
        """Return the value of header ``key``; raise ``BadRequestKeyError``."""
        return self._get_key(key)

    def _get_key(self, key: t.Any) -> str:
        if isinstance(key, str):
            rv = self.environ.get(_environ_key(key), _missing)
            if rv is not _missing:
                return rv
        raise _key_error(key)

    def get(
        self,
        key: str,
        default: t.Any = None,
        type: cabc.Callable[[str], T] | None = None,
    ) -> t.Any:
        """Return the value of header ``key`` or ``default`` (see :meth:`Headers.get`)."""
        if not isinstance(key, str):
            return default
        rv = self.environ.get(_environ_key(key), _missing)
        if rv is _missing:
            return default
        if type is None:
            return rv
        try:
            return type(rv)
        except ValueError:
            return default

    def getlist(self, key: str, type: cabc.Callable[[str], T] | None = None) -> list[t.Any]:
        """Return ``[value]`` if header ``key`` is present, else ``[]``."""
        if not isinstance(key, str):
            return []
        ek = _environ_key(key)
        rv = self.environ.get(ek, _missing)
        if rv is _missing or (not rv and ek in _CONTENT_KEYS):
            return []
        if type is None:
            return [rv]
        try:
            return [type(rv)]
        except ValueError:
            return []

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and _environ_key(key) in self.environ

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return any(True for _ in self)

    def __iter__(self) -> cabc.Iterator[tuple[str, str]]:
        """Yield ``(Title-Cased-Name, value)`` for every header in the environ."""
        for key, value in self.environ.items():
            if key.startswith("HTTP_"):
                if key not in _HTTP_CONTENT_KEYS:
                    yield key[5:].replace("_", "-").title(), value
            elif key in _CONTENT_KEYS and value:
                yield key.replace("_", "-").title(), value

    def items(self, lower: bool = False) -> cabc.Iterator[tuple[str, str]]:
        """Iterate ``(name, value)`` pairs, names lowercased if ``lower``."""
        if lower:
            return ((k.lower(), v) for k, v in self)
        return iter(self)

    def keys(self, lower: bool = False) -> cabc.Iterator[str]:
        """Iterate header names, lowercased if ``lower``."""
        return (k for k, _ in self.items(lower))

    def values(self) -> cabc.Iterator[str]:
        """Iterate header values."""
        return (v for _, v in self)

    def to_wsgi_list(self) -> list[tuple[str, str]]:
        """Return a new list of ``(name, value)`` pairs."""
        return list(self)

    def copy(self) -> t.NoReturn:
        """Raise :exc:`TypeError`; use ``Headers(environ_headers)`` instead."""
        raise TypeError(f"cannot create {type(self).__name__!r} copies")

    def __or__(self, other: t.Any) -> t.NoReturn:
        raise TypeError(f"cannot create {type(self).__name__!r} copies")


# ---------------------------------------------------------------------------
# Accept headers
# ---------------------------------------------------------------------------


class Accept(ImmutableList[tuple[str, float]]):
    """An immutable list of ``(value, quality)`` pairs from an ``Accept*`` header.

    Sorted by specificity, then quality, both descending (stable for ties).
    ``accept[value]`` returns the quality of ``value`` (``0`` if not
    accepted), ``value in accept`` checks acceptance with the header's
    matching rules. ``provided`` is ``False`` when built from ``None``.
    """

    def __init__(self, values: Accept | cabc.Iterable[tuple[str, float]] | None = ()) -> None:
        if values is None:
            list.__init__(self)
            self.provided = False
        elif isinstance(values, Accept):
            self.provided = values.provided
            list.__init__(self, values)
        else:
            self.provided = True
            list.__init__(
                self,
                sorted(values, key=lambda x: (self._specificity(x[0]), x[1]), reverse=True),
            )

    def _specificity(self, value: str) -> tuple[bool, ...]:
        return (value != "*",)

    def _value_matches(self, value: str, item: str) -> bool:
        return item == "*" or item.lower() == value.lower()

    def __getitem__(self, key: t.Any) -> t.Any:
        """Return the quality for a value string, or the item(s) at an index/slice."""
        if isinstance(key, str):
            return self.quality(key)
        return list.__getitem__(self, key)

    def quality(self, key: str) -> float:
        """Return the quality of ``key`` (``0`` if not accepted)."""
        for item, quality in self:
            if self._value_matches(key, item):
                return quality
        return 0

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return list.__contains__(self, value)
        return any(self._value_matches(value, item) for item, _quality in self)

    def __repr__(self) -> str:
        pairs = ", ".join(f"({x!r}, {y})" for x, y in self)
        return f"{type(self).__name__}([{pairs}])"

    def index(self, key: t.Any, *args: t.Any) -> int:
        """Return the position of a value or pair; raise :exc:`ValueError`."""
        if isinstance(key, str):
            for idx, (item, _quality) in enumerate(self):
                if self._value_matches(key, item):
                    return idx
            raise ValueError(key)
        return list.index(self, key, *args)

    def find(self, key: t.Any) -> int:
        """Return the position of a value or pair, or ``-1``."""
        try:
            return self.index(key)
        except ValueError:
            return -1

    def values(self) -> cabc.Iterator[str]:
        """Iterate the values (without qualities)."""
        for item in self:
            yield item[0]

    def to_header(self) -> str:
        """Serialize back to a header value."""
        result = []
        for value, quality in self:
            result.append(value if quality == 1 else f"{value};q={quality}")
        return ",".join(result)

    def __str__(self) -> str:
        return self.to_header()

    def _best_single_match(self, match: str) -> tuple[str, float] | None:
        for client_item, quality in self:
            if self._value_matches(match, client_item):
                return client_item, quality
        return None

    def best_match(self, matches: cabc.Iterable[str], default: t.Any = None) -> t.Any:
        """Return the server value from ``matches`` the client prefers most.

        Ties in quality are broken by specificity, then by order in
        ``matches``. Returns ``default`` if nothing is accepted.
        """
        result = default
        best_quality: float = -1
        best_specificity: tuple[bool, ...] | tuple[int] = (-1,)
        for server_item in matches:
            match = self._best_single_match(server_item)
            if match is None:
                continue
            client_item, quality = match
            specificity = self._specificity(client_item)
            if quality <= 0 or quality < best_quality:
                continue
            if quality > best_quality or specificity > best_specificity:
                result = server_item
                best_quality = quality
                best_specificity = specificity
        return result

    @property
    def best(self) -> str | None:
        """The first (most preferred) value, or ``None`` if empty."""
        if self:
            return list.__getitem__(self, 0)[0]
        return None


_mime_split_re = re.compile(r"/|(?:[ \t]*;[ \t]*)")


def _normalize_mime(value: str) -> list[str]:
    return _mime_split_re.split(value.lower())


class MIMEAccept(Accept):
    """:class:`Accept` for mimetypes: ``type/*`` and ``*/*`` wildcards, parameters."""

    def _specificity(self, value: str) -> tuple[bool, ...]:
        return tuple(x != "*" for x in _mime_split_re.split(value))

    def _value_matches(self, value: str, item: str) -> bool:
        if "/" not in item:
            return False  # invalid client item never matches
        if "/" not in value:
            raise ValueError(f"invalid mimetype {value!r}")
        norm_value = _normalize_mime(value)
        value_type, value_subtype = norm_value[:2]
        value_params = sorted(norm_value[2:])
        if value_type == "*" and value_subtype != "*":
            raise ValueError(f"invalid mimetype {value!r}")
        norm_item = _normalize_mime(item)
        item_type, item_subtype = norm_item[:2]
        item_params = sorted(norm_item[2:])
        if item_type == "*" and item_subtype != "*":
            return False
        if (item_type == "*" and item_subtype == "*") or (
            value_type == "*" and value_subtype == "*"
        ):
            return True
        return item_type == value_type and (
            item_subtype == "*"
            or value_subtype == "*"
            or (item_subtype == value_subtype and item_params == value_params)
        )

    @property
    def accept_html(self) -> bool:
        """Whether HTML (or XHTML) is accepted."""
        return "text/html" in self or self.accept_xhtml

    @property
    def accept_xhtml(self) -> bool:
        """Whether XHTML (or XML) is accepted."""
        return "application/xhtml+xml" in self or "application/xml" in self

    @property
    def accept_json(self) -> bool:
        """Whether JSON is accepted."""
        return "application/json" in self


_locale_delim_re = re.compile(r"[_-]")


def _normalize_lang(value: str) -> list[str]:
    return _locale_delim_re.split(value.lower())


class LanguageAccept(Accept):
    """:class:`Accept` for language tags (case-insensitive, ``_`` == ``-``)."""

    def _value_matches(self, value: str, item: str) -> bool:
        return item == "*" or _normalize_lang(value) == _normalize_lang(item)

    def best_match(self, matches: cabc.Iterable[str], default: t.Any = None) -> t.Any:
        """Return the best supported language from ``matches``.

        Tries exact (normalized) matches first, then the client's primary
        tags (client ``en-US`` matches ``en``), then the primary tags of
        ``matches`` (client ``en`` matches ``en-US``). Values are returned
        unchanged; ``default`` if nothing matches.
        """
        matches = list(matches)
        result = super().best_match(matches)
        if result is not None:
            return result
        fallback = Accept([(_locale_delim_re.split(item[0], 1)[0], item[1]) for item in self])
        result = fallback.best_match(matches)
        if result is not None:
            return result
        primaries = [_locale_delim_re.split(item, 1)[0] for item in matches]
        result = super().best_match(primaries)
        if result is not None:
            return next(item for item in matches if item.startswith(result))
        return default


def _normalize_charset(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return name.lower()


class CharsetAccept(Accept):
    """:class:`Accept` for charsets; names are normalized through :mod:`codecs`."""

    def _value_matches(self, value: str, item: str) -> bool:
        return item == "*" or _normalize_charset(value) == _normalize_charset(item)


# ---------------------------------------------------------------------------
# Authorization
# ---------------------------------------------------------------------------


class Authorization:
    """The parsed ``Authorization`` request header.

    ``type`` is the lowercased scheme. Schemes with parameters (``Basic``,
    decoded into ``username``/``password``, or ``Digest``) fill
    :attr:`parameters`; token schemes (``Bearer``) fill :attr:`token`.
    ``auth.key``, ``auth["key"]`` and ``auth.get("key")`` read parameters.
    """

    def __init__(
        self,
        auth_type: str,
        data: dict[str, str | None] | None = None,
        token: str | None = None,
    ) -> None:
        self.type = auth_type
        self.parameters: dict[str, str | None] = {} if data is None else data
        self.token = token

    def __getattr__(self, name: str) -> str | None:
        if name == "parameters" or name.startswith("__"):
            raise AttributeError(name)
        return self.parameters.get(name)

    def __getitem__(self, name: str) -> str | None:
        return self.parameters.get(name)

    def get(self, key: str, default: str | None = None) -> str | None:
        """Return parameter ``key`` or ``default``."""
        return self.parameters.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.parameters

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Authorization):
            return NotImplemented
        return (
            other.type == self.type
            and other.token == self.token
            and other.parameters == self.parameters
        )

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_header(cls, value: str | None) -> te.Self | None:
        """Parse an ``Authorization`` header value; ``None`` if empty or invalid.

        ``Basic`` credentials that are not valid base64 or not valid UTF-8
        give ``None``.
        """
        if not value:
            return None
        scheme, _, rest = value.partition(" ")
        scheme = scheme.lower()
        rest = rest.strip(" \t")
        if scheme == "basic":
            try:
                decoded = base64.b64decode(rest, validate=True).decode()
            except ValueError:
                # binascii.Error, UnicodeDecodeError, and non-ASCII str input.
                return None
            username, _, password = decoded.partition(":")
            return cls(scheme, {"username": username, "password": password})
        if "=" in rest.rstrip("="):
            return cls(scheme, _parse_dict_header(rest), None)
        return cls(scheme, None, rest)

    def to_header(self) -> str:
        """Serialize back to an ``Authorization`` header value."""
        if self.type == "basic":
            raw = f"{self.username}:{self.password}".encode()
            return f"Basic {base64.b64encode(raw).decode('ascii')}"
        if self.token is not None:
            return f"{self.type.title()} {self.token}"
        return f"{self.type.title()} {_dump_header(self.parameters)}"

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()}>"


_WWW_AUTH_SLOTS = frozenset({"_type", "_parameters", "_token", "_on_update"})


class WWWAuthenticate:
    """The ``WWW-Authenticate`` response header.

    ``auth.realm``, ``auth["realm"]`` get/set/delete :attr:`parameters`
    (unknown names read as ``None``); setting ``None`` removes a parameter.
    Every change calls the private ``_on_update`` hook used by responses.
    """

    def __init__(
        self,
        auth_type: str,
        values: dict[str, str | None] | None = None,
        token: str | None = None,
    ) -> None:
        self._type = auth_type.lower()
        self._parameters: dict[str, str | None] = CallbackDict(
            values, lambda _: self._trigger_on_update()
        )
        self._token = token
        self._on_update: cabc.Callable[[WWWAuthenticate], None] | None = None

    def _trigger_on_update(self) -> None:
        if self._on_update is not None:
            self._on_update(self)

    @property
    def type(self) -> str:
        """The scheme, like ``basic``, ``digest`` or ``bearer``."""
        return self._type

    @type.setter
    def type(self, value: str) -> None:
        self._type = value
        self._trigger_on_update()

    @property
    def parameters(self) -> dict[str, str | None]:
        """The header parameters (a dict that reports changes)."""
        return self._parameters

    @parameters.setter
    def parameters(self, value: dict[str, str | None]) -> None:
        self._parameters = CallbackDict(value, lambda _: self._trigger_on_update())
        self._trigger_on_update()

    @property
    def token(self) -> str | None:
        """The token for token-based schemes."""
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        self._token = value
        self._trigger_on_update()

    def __getitem__(self, key: str) -> str | None:
        return self.parameters.get(key)

    def __setitem__(self, key: str, value: str | None) -> None:
        if value is None:
            if key in self.parameters:
                del self.parameters[key]
        else:
            self.parameters[key] = value
        self._trigger_on_update()

    def __delitem__(self, key: str) -> None:
        if key in self.parameters:
            del self.parameters[key]
            self._trigger_on_update()

    def __getattr__(self, name: str) -> str | None:
        if name in _WWW_AUTH_SLOTS or name.startswith("__"):
            raise AttributeError(name)
        return self[name]

    def __setattr__(self, name: str, value: t.Any) -> None:
        if name in _WWW_AUTH_SLOTS or isinstance(getattr(type(self), name, None), property):
            object.__setattr__(self, name, value)
        else:
            self[name] = value

    def __delattr__(self, name: str) -> None:
        del self[name]

    def __contains__(self, key: object) -> bool:
        return key in self.parameters

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WWWAuthenticate):
            return NotImplemented
        return (
            other.type == self.type
            and other.token == self.token
            and other.parameters == self.parameters
        )

    __hash__ = None  # type: ignore[assignment]

    def get(self, key: str, default: str | None = None) -> str | None:
        """Return parameter ``key`` or ``default``."""
        return self.parameters.get(key, default)

    @classmethod
    def from_header(cls, value: str | None) -> te.Self | None:
        """Parse a ``WWW-Authenticate`` header value; ``None`` if empty."""
        if not value:
            return None
        scheme, _, rest = value.partition(" ")
        scheme = scheme.lower()
        rest = rest.strip(" \t")
        if "=" in rest.rstrip("="):
            return cls(scheme, _parse_dict_header(rest), None)
        return cls(scheme, None, rest)

    def to_header(self) -> str:
        """Serialize to a ``WWW-Authenticate`` header value."""
        if self.token is not None:
            return f"{self.type.title()} {self.token}"
        if not self.parameters:
            return self.type.title()
        if self.type == "digest":
            items = []
            for key, value in self.parameters.items():
                quoted = _quote_header_value(
                    value, allow_token=key not in {"realm", "domain", "nonce", "opaque", "qop"}
                )
                items.append(f"{key}={quoted}")
            return f"Digest {', '.join(items)}"
        return f"{self.type.title()} {_dump_header(self.parameters)}"

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()}>"


# ---------------------------------------------------------------------------
# Cache-Control and CSP
# ---------------------------------------------------------------------------


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


def csp_property(key: str) -> t.Any:
    """Return a property mapping an attribute to the CSP directive ``key``."""
    return property(
        lambda x: x._get_value(key),
        lambda x, v: x._set_value(key, v),
        lambda x: x._del_value(key),
        f"accessor for {key!r}",
    )


class ContentSecurityPolicy(CallbackDict[str, str]):
    """A dict of ``Content-Security-Policy`` directives with attribute accessors."""

    base_uri: str | None = csp_property("base-uri")
    child_src: str | None = csp_property("child-src")
    connect_src: str | None = csp_property("connect-src")
    default_src: str | None = csp_property("default-src")
    font_src: str | None = csp_property("font-src")
    form_action: str | None = csp_property("form-action")
    frame_ancestors: str | None = csp_property("frame-ancestors")
    frame_src: str | None = csp_property("frame-src")
    img_src: str | None = csp_property("img-src")
    manifest_src: str | None = csp_property("manifest-src")
    media_src: str | None = csp_property("media-src")
    navigate_to: str | None = csp_property("navigate-to")
    object_src: str | None = csp_property("object-src")
    prefetch_src: str | None = csp_property("prefetch-src")
    plugin_types: str | None = csp_property("plugin-types")
    report_to: str | None = csp_property("report-to")
    report_uri: str | None = csp_property("report-uri")
    sandbox: str | None = csp_property("sandbox")
    script_src: str | None = csp_property("script-src")
    script_src_attr: str | None = csp_property("script-src-attr")
    script_src_elem: str | None = csp_property("script-src-elem")
    style_src: str | None = csp_property("style-src")
    style_src_attr: str | None = csp_property("style-src-attr")
    style_src_elem: str | None = csp_property("style-src-elem")
    worker_src: str | None = csp_property("worker-src")

    def __init__(
        self,
        values: cabc.Mapping[str, str] | cabc.Iterable[tuple[str, str]] | None = (),
        on_update: cabc.Callable[[ContentSecurityPolicy], None] | None = None,
    ) -> None:
        super().__init__(values, on_update)
        self.provided = values is not None

    def _get_value(self, key: str) -> str | None:
        """Read directive ``key`` (used by the properties)."""
        return self.get(key)

    def _set_value(self, key: str, value: str | None) -> None:
        """Write directive ``key``; ``None`` removes it (used by the properties)."""
        if value is None:
            self.pop(key, None)
        else:
            self[key] = value

    def _del_value(self, key: str) -> None:
        """Remove directive ``key`` (used by the properties)."""
        if key in self:
            del self[key]

    def to_header(self) -> str:
        """Serialize to a ``Content-Security-Policy`` header value."""
        return "; ".join(f"{key} {value}" for key, value in self.items())

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        kv_str = " ".join(f"{k}={v!r}" for k, v in sorted(self.items()))
        return f"<{type(self).__name__} {kv_str}>"


# ---------------------------------------------------------------------------
# ETags and ranges
# ---------------------------------------------------------------------------


class ETags(cabc.Collection[str]):
    """A set of strong and weak entity tags (``If-Match``/``If-None-Match``).

    ``in``, iteration and ``len`` consider strong tags only; ``star_tag``
    (``*``) contains everything.
    """

    def __init__(
        self,
        strong_etags: cabc.Iterable[str] | None = None,
        weak_etags: cabc.Iterable[str] | None = None,
        star_tag: bool = False,
    ) -> None:
        if not star_tag and strong_etags:
            self._strong = frozenset(strong_etags)
        else:
            self._strong = frozenset()
        self._weak = frozenset(weak_etags or ())
        self.star_tag = star_tag

    def as_set(self, include_weak: bool = False) -> set[str]:
        """Return the strong tags (plus weak ones if ``include_weak``) as a set."""
        rv = set(self._strong)
        if include_weak:
            rv.update(self._weak)
        return rv

    def is_weak(self, etag: str) -> bool:
        """Whether ``etag`` is one of the weak tags."""
        return etag in self._weak

    def is_strong(self, etag: str) -> bool:
        """Whether ``etag`` is one of the strong tags."""
        return etag in self._strong

    def contains_weak(self, etag: str) -> bool:
        """Whether ``etag`` matches, weak tags included."""
        return self.is_weak(etag) or self.contains(etag)

    def contains(self, etag: str) -> bool:
        """Whether ``etag`` matches a strong tag (or the star tag)."""
        if self.star_tag:
            return True
        return self.is_strong(etag)

    def contains_raw(self, etag: str) -> bool:
        """Check a quoted tag; a weak ``W/"..."`` tag also matches weak tags."""
        tag, weak = _unquote_etag(etag)
        if tag is None:
            return self.star_tag
        if weak:
            return self.contains_weak(tag)
        return self.contains(tag)

    def to_header(self) -> str:
        """Serialize to a header value."""
        if self.star_tag:
            return "*"
        return ", ".join([f'"{x}"' for x in self._strong] + [f'W/"{x}"' for x in self._weak])

    def __call__(
        self, etag: str | None = None, data: bytes | None = None, include_weak: bool = False
    ) -> bool:
        """Check ``etag`` (or the SHA-1 etag of ``data``) against the tags."""
        if etag is None:
            if data is None:
                raise TypeError("'data' is required when 'etag' is not given.")
            etag = sha1(data).hexdigest()
        if include_weak and etag in self._weak:
            return True
        return etag in self._strong

    def __bool__(self) -> bool:
        return bool(self.star_tag or self._strong or self._weak)

    def __str__(self) -> str:
        return self.to_header()

    def __len__(self) -> int:
        return len(self._strong)

    def __iter__(self) -> cabc.Iterator[str]:
        return iter(self._strong)

    def __contains__(self, etag: object) -> bool:
        return self.contains(etag)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {str(self)!r}>"


class IfRange:
    """The parsed ``If-Range`` header: an ``etag`` or a ``date`` (or neither)."""

    def __init__(self, etag: str | None = None, date: datetime | None = None) -> None:
        self.etag = etag
        self.date = date

    def to_header(self) -> str:
        """Serialize to a header value (``""`` if empty)."""
        if self.date is not None:
            return _http_date(self.date)
        if self.etag is not None:
            return _quote_etag(self.etag)
        return ""

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {str(self)!r}>"


class Range:
    """The parsed ``Range`` header: ``units`` and ``(start, stop)`` pairs.

    Stops are exclusive; ``(start, None)`` is open-ended and a negative start
    with ``None`` is a suffix range. Invalid ranges raise :exc:`ValueError`.
    The helper methods only handle a single ``bytes`` range.
    """

    def __init__(self, units: str, ranges: cabc.Sequence[tuple[int, int | None]]) -> None:
        self.units = units
        self.ranges = ranges
        for start, end in ranges:
            if (
                not isinstance(start, int)
                or (end is not None and not isinstance(end, int))
                or (end is not None and (start < 0 or start >= end))
            ):
                raise ValueError(f"{(start, end)} is not a valid range.")

    def range_for_length(self, length: int | None) -> tuple[int, int] | None:
        """Return the satisfiable ``(start, stop)`` for ``length``, else ``None``."""
        if self.units != "bytes" or length is None or len(self.ranges) != 1:
            return None
        start, end = self.ranges[0]
        if end is None:
            end = length
            if start < 0:
                start += length
        if _is_byte_range_valid(start, end, length):
            return start, min(end, length)
        return None

    def make_content_range(self, length: int | None) -> ContentRange | None:
        """Return the matching :class:`ContentRange` for ``length``, or ``None``."""
        rng = self.range_for_length(length)
        if rng is not None:
            return ContentRange(self.units, rng[0], rng[1], length)
        return None

    def to_header(self) -> str:
        """Serialize to a ``Range`` header value."""
        ranges = []
        for begin, end in self.ranges:
            if end is None:
                ranges.append(f"{begin}-" if begin >= 0 else str(begin))
            else:
                ranges.append(f"{begin}-{end - 1}")
        return f"{self.units}={','.join(ranges)}"

    def to_content_range_header(self, length: int | None) -> str | None:
        """Return the ``Content-Range`` header value for ``length``, or ``None``."""
        rng = self.range_for_length(length)
        if rng is not None:
            return f"{self.units} {rng[0]}-{rng[1] - 1}/{length}"
        return None

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {str(self)!r}>"


class _CallbackProperty:
    """Attribute stored as ``_name`` whose assignment calls ``on_update``."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.attr = f"_{name}"

    def __get__(self, instance: t.Any, owner: t.Any = None) -> t.Any:
        if instance is None:
            return self
        return instance.__dict__[self.attr]

    def __set__(self, instance: t.Any, value: t.Any) -> None:
        instance.__dict__[self.attr] = value
        if instance.on_update is not None:
            instance.on_update(instance)


class ContentRange:
    """The ``Content-Range`` header; assigning attributes calls ``on_update``.

    ``units`` is ``None`` when the header is unset. ``stop`` is exclusive.
    """

    units: str | None = _CallbackProperty()  # type: ignore[assignment]
    start: int | None = _CallbackProperty()  # type: ignore[assignment]
    stop: int | None = _CallbackProperty()  # type: ignore[assignment]
    length: int | None = _CallbackProperty()  # type: ignore[assignment]

    def __init__(
        self,
        units: str | None,
        start: int | None,
        stop: int | None,
        length: int | None = None,
        on_update: cabc.Callable[[ContentRange], None] | None = None,
    ) -> None:
        self.on_update = on_update
        self.set(start, stop, length, units)

    def set(
        self,
        start: int | None,
        stop: int | None,
        length: int | None = None,
        units: str | None = "bytes",
    ) -> None:
        """Set all values at once; raise :exc:`ValueError` on an invalid range."""
        if not _is_byte_range_valid(start, stop, length):
            raise ValueError(f"Bad range provided: {(start, stop, length)!r}")
        d = self.__dict__
        d["_units"] = units
        d["_start"] = start
        d["_stop"] = stop
        d["_length"] = length
        if self.on_update is not None:
            self.on_update(self)

    def unset(self) -> None:
        """Set ``units`` to ``None``: the header should no longer be sent."""
        self.set(None, None, units=None)

    def to_header(self) -> str:
        """Serialize to a header value (``""`` when unset)."""
        d = self.__dict__
        units = d["_units"]
        if units is None:
            return ""
        length = "*" if d["_length"] is None else d["_length"]
        if d["_start"] is None:
            return f"{units} */{length}"
        return f"{units} {d['_start']}-{d['_stop'] - 1}/{length}"

    def __bool__(self) -> bool:
        return self.__dict__["_units"] is not None

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {str(self)!r}>"


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


class FileStorage:
    """An uploaded file: a stream plus its filename, field name and headers.

    Attribute access not defined here (``read``, ``seek``...) is proxied to
    :attr:`stream`. Falsy when there is no filename.
    """

    def __init__(
        self,
        stream: t.IO[bytes] | None = None,
        filename: str | os.PathLike[str] | None = None,
        name: str | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        headers: Headers | None = None,
    ) -> None:
        self.name = name
        self.stream: t.IO[bytes] = stream if stream is not None else BytesIO()
        if filename is None:
            # Use the stream's name, except for pseudo names like "<stdin>".
            filename = getattr(stream, "name", None)
            if filename is not None and not isinstance(filename, (str, bytes, os.PathLike)):
                filename = None  # e.g. an int file descriptor
            if filename is not None:
                filename = os.fsdecode(filename)
                if filename.startswith("<") and filename.endswith(">"):
                    filename = None
        else:
            filename = os.fsdecode(filename)
        self.filename: str | None = filename
        if headers is None:
            headers = Headers()
        self.headers = headers
        if content_type is not None:
            headers["Content-Type"] = content_type
        if content_length is not None:
            headers["Content-Length"] = str(content_length)

    def _parse_content_type(self) -> tuple[str, dict[str, str]]:
        parsed = self.__dict__.get("_parsed_content_type")
        if parsed is None:
            parsed = self._parsed_content_type = _parse_options_header(self.content_type)
        return parsed

    @property
    def content_type(self) -> str | None:
        """The ``Content-Type`` header of the part, if sent."""
        return self.headers.get("content-type")

    @property
    def content_length(self) -> int:
        """The ``Content-Length`` header of the part, or ``0``."""
        value = self.headers.get("content-length")
        if value is not None:
            try:
                return _plain_int(value)
            except ValueError:
                pass
        return 0

    @property
    def mimetype(self) -> str:
        """The lowercased content type without parameters (``text/html``)."""
        return self._parse_content_type()[0].lower()

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The content type parameters (``{"charset": "utf-8"}``)."""
        return self._parse_content_type()[1]

    def save(self, dst: str | os.PathLike[str] | t.IO[bytes], buffer_size: int = 16384) -> None:
        """Copy the stream to a path or an open binary file, ``buffer_size`` bytes at a time.

        A path is opened (and closed); a file object is left open.
        """
        if buffer_size < 1:
            raise ValueError("buffer_size must be a positive integer")
        close_dst = False
        if hasattr(dst, "__fspath__"):
            dst = os.fspath(dst)
        if isinstance(dst, (str, bytes)):
            dst = open(dst, "wb")  # noqa: SIM115
            close_dst = True
        try:
            read = self.stream.read
            write = dst.write
            while True:
                chunk = read(buffer_size)
                if not chunk:
                    break
                write(chunk)
        finally:
            if close_dst:
                dst.close()

    def close(self) -> None:
        """Close the stream, ignoring errors."""
        try:
            self.stream.close()
        except Exception:
            pass

    def __bool__(self) -> bool:
        return bool(self.filename)

    def __getattr__(self, name: str) -> t.Any:
        if name == "stream":
            raise AttributeError(name)  # not initialized (e.g. during copy)
        try:
            return getattr(self.stream, name)
        except AttributeError:
            # SpooledTemporaryFile before 3.11 lacks parts of IOBase.
            backing = getattr(self.stream, "_file", None)
            if backing is not None:
                return getattr(backing, name)
            raise

    def __iter__(self) -> cabc.Iterator[bytes]:
        return iter(self.stream)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.filename!r} ({self.content_type!r})>"


class FileMultiDict(MultiDict[str, FileStorage]):
    """A :class:`MultiDict` with :meth:`add_file`, handy for building test requests."""

    def add_file(
        self,
        name: str,
        file: str | os.PathLike[str] | t.IO[bytes] | FileStorage,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> None:
        """Add a file under field ``name`` from a path, a file object or a :class:`FileStorage`.

        The content type is guessed from the filename when not given.
        """
        if isinstance(file, FileStorage):
            self.add(name, file)
            return
        if isinstance(file, (str, os.PathLike)):
            if filename is None:
                filename = os.fspath(file)
            file_obj: t.IO[bytes] = open(file, "rb")  # noqa: SIM115
        else:
            # FileStorage returned above; mypy keeps it in the union (its __getattr__).
            file_obj = t.cast("t.IO[bytes]", file)
        if filename and content_type is None:
            content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        self.add(name, FileStorage(file_obj, filename, name, content_type))


# ---------------------------------------------------------------------------
# Deprecated aliases
# ---------------------------------------------------------------------------


def __getattr__(name: str) -> t.Any:
    if name in {"OrderedMultiDict", "ImmutableOrderedMultiDict"}:
        import warnings

        replacement = "MultiDict" if name == "OrderedMultiDict" else "ImmutableMultiDict"
        warnings.warn(
            f"{name!r} is deprecated and will be removed (as in Werkzeug 3.2)."
            f" Use {replacement!r} instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return MultiDict if name == "OrderedMultiDict" else ImmutableMultiDict
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
