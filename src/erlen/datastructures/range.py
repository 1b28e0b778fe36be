"""The ``Range``, ``If-Range`` and ``Content-Range`` headers."""

from __future__ import annotations

import collections.abc as cabc
import typing as t
from datetime import datetime

from ..http import (
    http_date as _http_date,
    is_byte_range_valid as _is_byte_range_valid,
    quote_etag as _quote_etag,
)

__all__ = ["ContentRange", "IfRange", "Range"]


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
