"""Uploaded files: ``FileStorage`` and ``FileMultiDict``."""

from __future__ import annotations

import collections.abc as cabc
import mimetypes
import os
import typing as t
from io import BytesIO

from ..http import _plain_int, parse_options_header as _parse_options_header
from .headers import Headers
from .structures import MultiDict

__all__ = ["FileMultiDict", "FileStorage"]


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
        if name == "stream" or name == "__getstate__":
            # stream: not initialized (e.g. during copy); __getstate__: copy and pickle take
            # the instance's own state (object has no __getstate__ before Python 3.11).
            raise AttributeError(name)
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
