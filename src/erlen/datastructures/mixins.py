"""Mixins that make dicts, lists and headers immutable, or report their changes."""

from __future__ import annotations

import collections.abc as cabc
import typing as t
from itertools import repeat

if t.TYPE_CHECKING:
    import typing_extensions as te

__all__ = [
    "ImmutableDictMixin",
    "ImmutableHeadersMixin",
    "ImmutableListMixin",
    "ImmutableMultiDictMixin",
    "UpdateDictMixin",
]

K = t.TypeVar("K")
V = t.TypeVar("V")
T = t.TypeVar("T")


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "no value"


_missing: t.Any = _Missing()


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
