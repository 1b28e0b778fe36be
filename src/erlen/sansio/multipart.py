"""Werkzeug's sans-IO multipart API (``werkzeug.sansio.multipart``), on python-multipart.

:class:`MultipartDecoder` turns the bytes of a ``multipart/form-data`` body into events:
:class:`Preamble`, then for each part a :class:`Field` or a :class:`File` followed by
:class:`Data` events, then :class:`Epilogue`; :data:`NEED_DATA` when it needs more input.
The parsing itself is python-multipart's streaming parser: this module only turns its
callbacks into events and enforces the part limits. :mod:`erlen.formparser` reads every
upload through it. :class:`MultipartEncoder` writes events back as bytes (for tests).

Differences from Werkzeug, all from python-multipart's stricter syntax or erlen's limits:
line breaks must be CRLF; a preamble other than blank lines, folded part headers, or a
part without the blank line after its headers make the body invalid (:exc:`ValueError`);
a part's headers are limited to 16 KiB and 32 headers (413); header values are decoded as
UTF-8 with replacement, and NUL becomes U+FFFD.
"""

from __future__ import annotations

import inspect
import logging
import typing as t
from collections import deque
from dataclasses import dataclass

from ..datastructures import Headers
from ..exceptions import RequestEntityTooLarge
from ..http import parse_options_header

__all__ = [
    "NEED_DATA",
    "Data",
    "Epilogue",
    "Event",
    "Field",
    "File",
    "MultipartDecoder",
    "MultipartEncoder",
    "NeedData",
    "Preamble",
]

#: Total bytes of header names and values allowed in one part.
MAX_PART_HEADER_BYTES = 16 * 1024

#: Headers allowed in one part (browsers send two or three).
MAX_PART_HEADERS = 32

# Data pieces up to this size are cut where Werkzeug's decoder would cut them.
_HOLD_BACK_MAX = 1024

# python-multipart logs malformed input at WARNING level; route that to a logger that is
# silent unless the application configures logging.
_log = logging.getLogger("erlen.formparser")
_log.addHandler(logging.NullHandler())


class Event:
    """Base class of the decoder's events."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Preamble(Event):
    """What came before the first boundary (always empty here: see the module notes)."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Field(Event):
    """A part without a filename begins: its name and headers; its data follows."""

    name: str
    headers: Headers


@dataclass(frozen=True, slots=True)
class File(Event):
    """A part with a filename begins: its name, filename and headers; its data follows."""

    name: str
    filename: str
    headers: Headers


@dataclass(frozen=True, slots=True)
class Data(Event):
    """Some data of the current part; ``more_data`` is false for its last piece."""

    data: bytes
    more_data: bool


@dataclass(frozen=True, slots=True)
class Epilogue(Event):
    """What came after the closing boundary (and its line break): the last event."""

    data: bytes


class NeedData(Event):
    """The decoder needs more input (:meth:`MultipartDecoder.receive_data`)."""

    __slots__ = ()


#: The :class:`NeedData` event.
NEED_DATA = NeedData()

_parser_class: t.Any = None
_parser_has_header_limits = False


def _load_parser_class() -> t.Any:
    global _parser_class, _parser_has_header_limits
    if _parser_class is None:
        from python_multipart.multipart import MultipartParser

        params = inspect.signature(MultipartParser).parameters
        # Versions before 0.0.21 have no header limits of their own.
        _parser_has_header_limits = "max_header_size" in params and "max_header_count" in params
        _parser_class = MultipartParser
    return _parser_class


class MultipartDecoder:
    """Decode a multipart body, given in pieces, into events.

    Feed bytes with :meth:`receive_data` (``None`` at the end of the body) and read
    :meth:`next_event` until it returns :data:`NEED_DATA` or, after the end,
    :class:`Epilogue`. A body that ends before its closing boundary raises
    :exc:`ValueError` from :meth:`next_event`, as does malformed input from
    :meth:`receive_data`.

    :param boundary: The boundary from the ``Content-Type``, without the leading ``--``.
    :param max_form_memory_size: The most bytes a part's header block may take (413 above);
        it can only lower the 16 KiB limit.
    :param max_parts: The most parts accepted (413 above).
    """

    def __init__(
        self,
        boundary: bytes,
        max_form_memory_size: int | None = None,
        *,
        max_parts: int | None = None,
    ) -> None:
        self.boundary = boundary
        self.max_form_memory_size = max_form_memory_size
        self.max_parts = max_parts
        header_limit = MAX_PART_HEADER_BYTES
        if max_form_memory_size is not None:
            header_limit = min(header_limit, max_form_memory_size)
        self._header_limit = header_limit
        self._events: deque[Event] = deque()
        self._parts = 0
        self._preamble_sent = False
        self._in_data = False
        self._pending: list[bytes] = []  # part data received in the current write
        self._held = b""  # data kept back for the next Data event, as Werkzeug does
        self._ended = False  # the closing boundary was seen
        self._complete = False  # receive_data(None) was called
        self._epilogue: bytearray | None = bytearray()
        self._tail = b""  # the last bytes written, to find a closing boundary split in two
        self._fresh_part = False  # a part's headers ended and none of its data came yet
        self._suspect = b""  # such a part's first data, until it is clear what it is
        self._chunk = b""  # the bytes being written
        self._reset_headers()
        self._parser = self._new_parser()

    def _new_parser(self) -> t.Any:
        parser_class = _load_parser_class()
        limits: dict[str, int] = {}
        if _parser_has_header_limits:
            # The library checks its header limits while scanning, ours run in the
            # callbacks; a margin makes too-large headers always end as our 413.
            limits["max_header_size"] = MAX_PART_HEADER_BYTES + 64 * 1024
            limits["max_header_count"] = MAX_PART_HEADERS + 2
        callbacks = {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_end": self._on_end,
        }
        parser = parser_class(self.boundary, callbacks, **limits)
        parser.logger = _log
        return parser

    def receive_data(self, data: bytes | None) -> None:
        """Add the next piece of the body; ``None`` marks its end."""
        if data is None:
            self._complete = True
            return
        if self._ended:
            if self._epilogue is not None:
                self._epilogue += data
            return
        tail = self._tail
        self._chunk = data
        try:
            self._parser.write(data)
        except _Restarted:
            pass
        finally:
            self._chunk = b""
        if self._ended:
            self._record_epilogue(tail + data)
            return
        keep = len(self.boundary) + 8
        self._tail = data[-keep:] if len(data) >= keep else (tail + data)[-keep:]
        if self._in_data and (self._pending or self._held):
            self._emit_data(final=False)

    def next_event(self) -> Event:
        """Return the next event, or :data:`NEED_DATA`.

        :raise ValueError: The body ended (``receive_data(None)``) before its closing
            boundary.
        """
        if self._events:
            return self._events.popleft()
        if self._complete:
            if not self._ended:
                raise ValueError("Unexpected end of multipart/form-data body")
            if self._epilogue is not None:
                data = bytes(self._epilogue)
                self._epilogue = None
                # The line break after the closing boundary is part of it.
                return Epilogue(data[2:] if data.startswith(b"\r\n") else data)
        return NEED_DATA

    # python-multipart's callbacks

    def _reset_headers(self) -> None:
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._header_list: list[tuple[str, str]] = []
        self._header_bytes = 0

    def _send_preamble(self) -> None:
        if not self._preamble_sent:
            self._preamble_sent = True
            # python-multipart only allows blank lines before the first boundary, and
            # those belong to the boundary's line break.
            self._events.append(Preamble(b""))

    def _on_part_begin(self) -> None:
        self._send_preamble()
        self._parts += 1
        if self.max_parts is not None and self._parts > self.max_parts:
            raise RequestEntityTooLarge()
        self._reset_headers()

    def _count_header_bytes(self, n: int) -> None:
        self._header_bytes += n
        if self._header_bytes > self._header_limit:
            raise RequestEntityTooLarge()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header_bytes(end - start)
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._count_header_bytes(end - start)
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        if len(self._header_list) >= MAX_PART_HEADERS:
            raise RequestEntityTooLarge()
        name = self._header_name.decode("latin-1").strip(" \t")
        value = self._header_value.decode("utf-8", "replace").strip(" \t")
        if "\x00" in value:
            # NUL is never valid in a header (Headers rejects it); keep the part, and its
            # filename, with a visible replacement character.
            value = value.replace("\x00", "\ufffd")
        self._header_list.append((name, value))
        self._header_name = bytearray()
        self._header_value = bytearray()

    def _on_headers_finished(self) -> None:
        headers = Headers(self._header_list)
        disposition = headers.get("content-disposition")
        if disposition is None:
            raise ValueError("Missing Content-Disposition header")
        params = parse_options_header(disposition)[1]
        name = params.get("name") or ""
        filename = params.get("filename")
        event: Event
        if filename is None:
            event = Field(name, headers)
        else:
            event = File(name, filename, headers)
        self._events.append(event)
        self._in_data = True
        self._fresh_part = True

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._fresh_part:
            if self._part_ends_at_its_headers(data, start, end):
                return
            self._fresh_part = False
            if self._suspect:
                self._pending.append(self._suspect)
                self._suspect = b""
        self._pending.append(data[start:end])

    def _part_ends_at_its_headers(self, data: bytes, start: int, end: int) -> bool:
        """Whether a part's first data is really the next delimiter line.

        A part may have no body: its headers' last line break, then at once the delimiter
        (CRLF ``--boundary``), with no blank line between (RFC 2046's ``[CRLF *OCTET]``).
        python-multipart reads that CRLF as the blank line and the delimiter line as data.
        When a part's data begins with a delimiter line, the part ends there, as Werkzeug
        reads it too: a new parser takes over from the delimiter (given back its CRLF) and
        the current write of the old one stops (:class:`_Restarted`).
        """
        delim = b"--" + self.boundary
        closing, next_part = delim + b"--", delim + b"\r\n"
        known = self._suspect + data[start:end]  # what the parser handed out so far
        if data is self._chunk:
            rest = self._suspect + data[start:]
        else:  # the parser's look-behind: bytes of earlier writes, then all of this one
            rest = known + self._chunk
        head = rest[: len(closing)]
        if head in (closing, next_part):
            self._suspect = b""
            self._fresh_part = False
            self._on_part_end()
            self._parser = self._new_parser()
            self._parser.write(b"\r\n" + rest)
            raise _Restarted
        if len(head) < len(closing) and (closing.startswith(head) or next_part.startswith(head)):
            self._suspect = known  # the input ends before it can be told
            return True
        return False

    def _on_part_end(self) -> None:
        self._fresh_part = False
        self._emit_data(final=True)
        self._in_data = False

    def _on_end(self) -> None:
        self._send_preamble()
        self._ended = True

    def _emit_data(self, final: bool) -> None:
        data = self._held + b"".join(self._pending)
        self._pending.clear()
        self._held = b""
        if not final:
            if not self._parser.index and len(data) <= _HOLD_BACK_MAX:
                # The parser kept nothing back (it does when the data ends like a boundary
                # begins). Like Werkzeug, keep back what follows the last line break when
                # it is too short to tell; it goes with the next event. PERF: only for small
                # pieces: for a large one it would copy the whole piece twice (the parser's
                # own look-behind already covers the boundary).
                cut = self._hold_back_from(data)
                if cut < len(data):
                    data, self._held = data[:cut], data[cut:]
            if not data:
                return
        self._events.append(Data(data, more_data=not final))

    def _hold_back_from(self, data: bytes) -> int:
        """Where Werkzeug's decoder would stop the data it hands out (``len(data)``: not).

        It stops at the earlier of the last LF and the last CR, if that is at most
        ``len(b"\\n--" + boundary)`` bytes from the end.
        """
        size = len(data)
        cut = min(_rindex_or_len(data, b"\n"), _rindex_or_len(data, b"\r"))
        return cut if size - cut <= len(self.boundary) + 3 else size

    def _record_epilogue(self, window: bytes) -> None:
        # python-multipart reports the end but drops what follows; find the closing
        # boundary in the last bytes written (its first occurrence there is the one
        # the parser saw) and keep the rest.
        assert self._epilogue is not None
        close = b"\r\n--" + self.boundary + b"--"
        pos = window.find(close)
        if pos < 0:  # an empty body: "--boundary--" on its own
            close = close[2:]
            pos = window.find(close)
        self._epilogue += window[pos + len(close) :] if pos >= 0 else b""


class _Restarted(Exception):
    """Stops the write of a parser that a new one replaced (never leaves the decoder)."""


def _rindex_or_len(data: bytes, sub: bytes) -> int:
    pos = data.rfind(sub)
    return len(data) if pos < 0 else pos


class MultipartEncoder:
    """Write decoder events back as a multipart body, piece by piece.

    For tests and tools, never for bodies from untrusted input: names and filenames are
    written as given.

    :param boundary: The boundary, without the leading ``--``.
    """

    def __init__(self, boundary: bytes) -> None:
        self.boundary = boundary
        self._state = "preamble"

    def send_event(self, event: Event) -> bytes:
        """Return the bytes for ``event``; :exc:`ValueError` if it cannot come now."""
        state = self._state
        if isinstance(event, Preamble) and state == "preamble":
            self._state = "part"
            return event.data
        if isinstance(event, (Field, File)) and state in ("preamble", "part", "data"):
            disposition = f'form-data; name="{event.name}"'
            if isinstance(event, File):
                disposition += f'; filename="{event.filename}"'
            lines = [f"\r\n--{self.boundary.decode('latin-1')}\r\n"]
            lines.append(f"Content-Disposition: {disposition}\r\n")
            for key, value in event.headers:
                if key.lower() != "content-disposition":
                    lines.append(f"{key}: {value}\r\n")
            self._state = "data_start"
            return "".join(lines).encode()
        if isinstance(event, Data) and state in ("data_start", "data"):
            # The blank line that ends the headers comes with the part's first data; an
            # empty part has none, and the next boundary's line break ends its headers.
            if not event.data:
                return b""
            prefix = b"\r\n" if state == "data_start" else b""
            self._state = "data"
            return prefix + event.data
        if isinstance(event, Epilogue):
            self._state = "complete"
            return b"\r\n--" + self.boundary + b"--\r\n" + event.data
        raise ValueError(f"Cannot send {event!r} in state {state!r}.")
