"""Validators for uploaded files (Flask-Marshmallow's ``flask_marshmallow.validate``):
:class:`FileSize` and :class:`FileType`, for :class:`~erlen.ext.marshmallow.fields.File`.
marshmallow's own validators are in ``marshmallow.validate``."""

from __future__ import annotations

import io
import os
import re
import typing as t

from marshmallow.exceptions import ValidationError
from marshmallow.validate import Validator as Validator

from erlen.datastructures import FileStorage

__all__ = ["FileSize", "FileType", "Validator"]

# "1.5 MiB", "10kb", "2 GB": a number, an optional SI prefix, "i" for powers of 1024, and
# "B" (bytes) or "b" (bits).
_SIZE = re.compile(r"([e+\-.\d]+)\s*([kmgtpezy])?(i)?(b)", re.IGNORECASE)
_PREFIXES = "kmgtpezy"


def _parse_size(size: str) -> float:
    """The number of bytes ``size`` (``"1 KiB"``, ``"2.5 MB"``, ``"800 kb"``) stands for.

    :raise ValueError: ``size`` is not of that form.
    """
    match = _SIZE.fullmatch(size.strip())
    if match is None:
        raise ValueError(f"Invalid size value: '{size!r}'")
    number, prefix, binary, unit = match.groups()
    try:
        value = float(number)
    except ValueError as e:
        raise ValueError(f"Invalid float value while parsing size: '{number!r}'") from e
    power = _PREFIXES.index(prefix.lower()) + 1 if prefix else 0
    base = 1024 if binary else 1000
    bits_per_unit = 1 if unit == "B" else 8
    return value * base**power / bits_per_unit


def _get_filestorage_size(file: FileStorage) -> int:
    """The size in bytes of an uploaded file, leaving its stream where it was.

    A stream that cannot seek is read whole and replaced by an in-memory copy, so the
    application can still read the file afterwards.
    """
    stream = file.stream
    if isinstance(stream, io.BytesIO):
        return stream.getbuffer().nbytes
    try:
        position = stream.tell()
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(position)
        return size
    except (AttributeError, OSError, io.UnsupportedOperation):
        data = stream.read()
        file.stream = io.BytesIO(data)
        return len(data)


def _require_upload(value: t.Any) -> FileStorage:
    if not isinstance(value, FileStorage):
        raise TypeError(f"A FileStorage object is required, not {type(value).__name__!r}")
    return value


class FileSize(Validator):
    """Accept an upload whose size lies within ``min`` and ``max`` (strings such as
    ``"1 MiB"``; either may be ``None`` for no bound). The bounds are inclusive unless
    ``min_inclusive`` / ``max_inclusive`` say otherwise::

        image = File(required=True, validate=FileSize(min="1 KiB", max="2 MiB"))

    :param error: the message of a failure; may use ``{input}``, ``{min}`` and ``{max}``.
    :raise TypeError: when called with something that is not a
        :class:`~erlen.datastructures.FileStorage`.
    """

    message_min = "Must be {min_op} {{min}}."
    message_max = "Must be {max_op} {{max}}."
    message_all = "Must be {min_op} {{min}} and {max_op} {{max}}."

    message_gte = "greater than or equal to"
    message_gt = "greater than"
    message_lte = "less than or equal to"
    message_lt = "less than"

    def __init__(
        self,
        min: str | None = None,
        max: str | None = None,
        min_inclusive: bool = True,
        max_inclusive: bool = True,
        error: str | None = None,
    ) -> None:
        self.min = min
        self.max = max
        self.min_size = _parse_size(min) if min else None
        self.max_size = _parse_size(max) if max else None
        self.min_inclusive = min_inclusive
        self.max_inclusive = max_inclusive
        self.error = error
        min_op = self.message_gte if min_inclusive else self.message_gt
        max_op = self.message_lte if max_inclusive else self.message_lt
        self.message_min = self.message_min.format(min_op=min_op)
        self.message_max = self.message_max.format(max_op=max_op)
        self.message_all = self.message_all.format(min_op=min_op, max_op=max_op)

    def _repr_args(self) -> str:
        return (
            f"min={self.min!r}, max={self.max!r}, "
            f"min_inclusive={self.min_inclusive!r}, max_inclusive={self.max_inclusive!r}"
        )

    def _fail(self, value: FileStorage, message: str) -> ValidationError:
        text = (self.error or message).format(input=value, min=self.min, max=self.max)
        return ValidationError(text)

    def __call__(self, value: t.Any) -> FileStorage:
        """Return ``value`` if its size is allowed, else raise ``ValidationError``."""
        upload = _require_upload(value)
        size = _get_filestorage_size(upload)
        if self.min_size is not None and (
            size < self.min_size if self.min_inclusive else size <= self.min_size
        ):
            raise self._fail(upload, self.message_min if self.max is None else self.message_all)
        if self.max_size is not None and (
            size > self.max_size if self.max_inclusive else size >= self.max_size
        ):
            raise self._fail(upload, self.message_max if self.min is None else self.message_all)
        return upload


class FileType(Validator):
    """Accept an upload whose file name ends with one of the extensions in ``accept``
    (case-insensitive, with the dot: ``[".png", ".jpg"]``)::

        image = File(required=True, validate=FileType([".png"]))

    :param error: the message of a failure; may use ``{input}`` and ``{extensions}``.
    :raise TypeError: when called with something that is not a
        :class:`~erlen.datastructures.FileStorage`.
    """

    default_message = "Not an allowed file type. Allowed file types: [{extensions}]"

    def __init__(self, accept: t.Iterable[str], error: str | None = None) -> None:
        self.allowed_types = {extension.lower() for extension in accept}
        self.error = error or self.default_message

    def _repr_args(self) -> str:
        return f"accept={sorted(self.allowed_types)!r}"

    def __call__(self, value: t.Any) -> FileStorage:
        """Return ``value`` if its extension is allowed, else raise ``ValidationError``."""
        upload = _require_upload(value)
        extension = os.path.splitext(upload.filename)[1].lower() if upload.filename else ""
        if extension not in self.allowed_types:
            message = self.error or self.default_message
            extensions = ",".join(sorted(self.allowed_types))
            raise ValidationError(message.format(input=upload, extensions=extensions))
        return upload
