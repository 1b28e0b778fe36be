"""Dicts, lists and sets: ``MultiDict`` and its variants, ``CallbackDict``, ``HeaderSet``."""

from __future__ import annotations

import collections.abc as cabc
import typing as t
from copy import deepcopy

from ..exceptions import BadRequestKeyError
from ..http import quote_header_value as _quote_header_value
from .mixins import (
    ImmutableDictMixin,
    ImmutableListMixin,
    ImmutableMultiDictMixin,
    UpdateDictMixin,
    _missing,
)

if t.TYPE_CHECKING:
    import typing_extensions as te

__all__ = [
    "CallbackDict",
    "CombinedMultiDict",
    "HeaderSet",
    "ImmutableDict",
    "ImmutableList",
    "ImmutableMultiDict",
    "ImmutableTypeConversionDict",
    "MultiDict",
    "TypeConversionDict",
    "iter_multi_items",
]

K = t.TypeVar("K")
V = t.TypeVar("V")
T = t.TypeVar("T")

# dict's own methods, used on MultiDict's raw storage (key -> list of values), which its
# public ``MultiDict[K, V]`` typing does not describe: typed loosely on purpose.
_dict_get: t.Callable[..., t.Any] = dict.get
_dict_getitem: t.Callable[..., t.Any] = dict.__getitem__
_dict_setitem: t.Callable[..., t.Any] = dict.__setitem__
_dict_pop: t.Callable[..., t.Any] = dict.pop
_dict_popitem: t.Callable[..., t.Any] = dict.popitem
_dict_items: t.Callable[..., t.Any] = dict.items
_dict_values: t.Callable[..., t.Any] = dict.values
_dict_new: t.Callable[..., t.Any] = dict.__new__
_dict_update: t.Callable[..., t.Any] = dict.update


def iter_multi_items(mapping: t.Any) -> cabc.Iterator[tuple[t.Any, t.Any]]:
    """Iterate over ``(key, value)`` pairs without dropping multiple values.

    Accepts a :class:`MultiDict` (all values), a mapping whose values may be
    lists, tuples or sets (expanded), or an iterable of pairs. The one helper behind
    ``MultiDict.update``, ``Headers.extend`` and the query strings of URL building and
    the test client.
    """
    if isinstance(mapping, MultiDict):
        yield from mapping.items(multi=True)
    elif isinstance(mapping, cabc.Mapping):
        if hasattr(mapping, "lists") and hasattr(mapping, "getlist"):
            # Another library's multi dict (a real Werkzeug one beside erlen): its items()
            # would give only the first value of each key.
            for key, values in mapping.lists():
                for value in values:
                    yield key, value
            return
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
        # list first skips the Mapping ABC check, the dearest step of a construction.
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

    @classmethod
    def _from_lists(cls, lists: dict[K, list[V]]) -> te.Self:
        """An instance over ``lists`` (each key's values, in order, none empty), for
        parsers that collect them so; the lists are used, not copied. Only for a class
        whose ``__init__`` is MultiDict's (no set-up of its own to skip)."""
        # PERF: the collected lists are the storage: no pairs list, no __init__ call.
        md = _dict_new(cls)
        _dict_update(md, lists)
        return md

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
        raise BadRequestKeyError(key)

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
        # PERF: direct dict.get instead of self[key] + KeyError: a miss does not build
        # a BadRequestKeyError.
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
        raise BadRequestKeyError(key)

    def popitem(self) -> tuple[K, V]:
        """Remove a key and return ``(key, first value)``."""
        try:
            key, lst = _dict_popitem(self)
        except KeyError as e:
            raise BadRequestKeyError(e.args[0] if e.args else None) from None
        if not lst:
            raise BadRequestKeyError(key)
        return key, lst[0]

    def poplist(self, key: K) -> list[V]:
        """Remove ``key`` and return all its values (empty list if missing)."""
        return _dict_pop(self, key, [])

    def popitemlist(self) -> tuple[K, list[V]]:
        """Remove a key and return ``(key, list of values)``."""
        try:
            return _dict_popitem(self)
        except KeyError as e:
            raise BadRequestKeyError(e.args[0] if e.args else None) from None

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
        raise BadRequestKeyError(key)

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
# Deprecated ordered multi dicts (Werkzeug 3.1 deprecates them, 3.2 removes them)
# ---------------------------------------------------------------------------


def _warn_ordered_deprecated() -> None:
    import warnings

    warnings.warn(
        "'OrderedMultiDict' is deprecated and will be removed (as in Werkzeug 3.2)."
        " Use 'MultiDict' instead.",
        DeprecationWarning,
        stacklevel=3,
    )


class _OrderedMultiDict(MultiDict[K, V]):
    """A :class:`MultiDict` that also keeps the order of values *across* keys.

    ``items(multi=True)`` yields every pair in insertion order (``a=1, b=2, a=3``), where
    a :class:`MultiDict` groups the values of a key. Deprecated as in Werkzeug 3.1 (reach
    it as ``erlen.datastructures.OrderedMultiDict``); use :class:`MultiDict`.
    """

    _order: list[K]

    def __init__(self, mapping: t.Any = None) -> None:
        _warn_ordered_deprecated()
        super().__init__()
        self._order = []
        if mapping is not None:
            for key, value in iter_multi_items(mapping):
                _OrderedMultiDict.add(self, key, value)

    def _forget(self, key: t.Any) -> None:
        if key in self._order:
            self._order = [k for k in self._order if k != key]

    def __reduce_ex__(self, protocol: t.SupportsIndex) -> t.Any:
        """Pickle as ``type(self)(every (key, value) pair in order)``."""
        return type(self), (list(self.items(multi=True)),)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _OrderedMultiDict):
            return list(self.items(multi=True)) == list(other.items(multi=True))
        if isinstance(other, MultiDict):
            return dict.__eq__(self, other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        rv = self.__eq__(other)
        return rv if rv is NotImplemented else not rv

    __hash__ = None  # type: ignore[assignment]

    def add(self, key: K, value: V) -> None:
        """Append ``value`` to the values of ``key``, after every value added so far."""
        MultiDict.add(self, key, value)
        self._order.append(key)

    def __setitem__(self, key: K, value: V) -> None:
        """Replace all values of ``key`` with ``value``, now the last one."""
        self.poplist(key)
        self.add(key, value)

    def setlist(self, key: K, new_list: cabc.Iterable[V]) -> None:
        """Replace the values of ``key`` with those of ``new_list``, now the last ones."""
        values = list(new_list)
        self.poplist(key)
        for value in values:
            self.add(key, value)

    def setlistdefault(self, key: K, default_list: cabc.Iterable[V] | None = None) -> t.NoReturn:
        """Raise :exc:`TypeError`: the internal lists cannot be handed out here."""
        raise TypeError("setlistdefault is unsupported for ordered multi dicts")

    def items(self, multi: bool = False) -> cabc.Iterator[tuple[K, V]]:  # type: ignore[override]
        """Iterate ``(key, first value)`` pairs, or every pair in insertion order if ``multi``."""
        if not multi:
            return super().items()
        return self._iter_pairs()

    def _iter_pairs(self) -> cabc.Iterator[tuple[K, V]]:
        seen: dict[t.Any, int] = {}
        for key in self._order:
            index = seen.get(key, 0)
            seen[key] = index + 1
            yield key, _dict_getitem(self, key)[index]

    def __delitem__(self, key: K) -> None:
        dict.__delitem__(self, key)
        self._forget(key)

    def clear(self) -> None:
        """Remove everything."""
        dict.clear(self)
        self._order = []

    def pop(self, key: K, default: t.Any = _missing) -> t.Any:
        """Remove ``key`` and return its first value (or ``default``)."""
        rv = super().pop(key, default)
        self._forget(key)
        return rv

    def popitem(self) -> tuple[K, V]:
        """Remove a key and return ``(key, first value)``."""
        key, value = super().popitem()
        self._forget(key)
        return key, value

    def poplist(self, key: K) -> list[V]:
        """Remove ``key`` and return all its values (empty list if missing)."""
        rv = super().poplist(key)
        self._forget(key)
        return rv

    def popitemlist(self) -> tuple[K, list[V]]:
        """Remove a key and return ``(key, list of values)``."""
        key, values = super().popitemlist()
        self._forget(key)
        return key, values

    def deepcopy(self, memo: t.Any = None) -> te.Self:
        """Return a deep copy (order kept)."""
        return self.__class__(deepcopy(list(self.items(multi=True)), memo))


class _ImmutableOrderedMultiDict(ImmutableMultiDictMixin[K, V], _OrderedMultiDict[K, V]):  # type: ignore[misc]
    """An immutable, hashable :class:`_OrderedMultiDict` (deprecated as in Werkzeug 3.1)."""

    def _iter_hashitems(self) -> cabc.Iterable[t.Any]:
        # The order is part of the value: a=1, b=1, a=2 and a=1, a=2, b=1 differ.
        return enumerate(self.items(multi=True))

    def copy(self) -> _OrderedMultiDict[K, V]:  # type: ignore[override]
        """Return a shallow *mutable* copy."""
        return _OrderedMultiDict(self)

    def __copy__(self) -> te.Self:
        return self
