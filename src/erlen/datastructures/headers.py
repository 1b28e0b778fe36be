"""``Headers`` and the read-only ``EnvironHeaders`` view over a WSGI environ."""

from __future__ import annotations

import collections.abc as cabc
import typing as t
from operator import itemgetter

from ..exceptions import BadRequestKeyError
from ..http import dump_options_header as _dump_options_header
from .mixins import ImmutableHeadersMixin, _missing
from .structures import MultiDict, iter_multi_items

if t.TYPE_CHECKING:
    import typing_extensions as te

__all__ = ["EnvironHeaders", "Headers"]

T = t.TypeVar("T")


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
    # short; memchr-based `in` for values, constant-time even for long cookies): every
    # response builds a Headers and adds a few.
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
        raise BadRequestKeyError(key)

    def _get_key(self, key: str) -> str:
        ikey = key.lower()
        for k, v in self._list:
            if k == key or k.lower() == ikey:
                return v
        raise BadRequestKeyError(key)

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
                # PERF: a list (the common argument) skips the ABC check.
                if type(arg) is not list and isinstance(arg, (cabc.Mapping, MultiDict)):
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
        # PERF: an explicit loop; any() over a generator costs a frame per item.
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
    # PERF: bounded memo; a hit is one dict lookup instead of upper() + replace() +
    # concatenation on every header read.
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
        raise BadRequestKeyError(key)

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
