"""File upload fields and validators (Flask-WTF's ``flask_wtf.file``).

The fields keep only real uploads (:class:`erlen.datastructures.FileStorage` objects with a
file name): an empty file input yields no data, so :class:`FileRequired` fails.
"""

from __future__ import annotations

import typing as t
from collections import abc
from io import SEEK_END, BytesIO
from tempfile import SpooledTemporaryFile

from wtforms import FileField as _FileField, MultipleFileField as _MultipleFileField
from wtforms.validators import DataRequired, StopValidation, ValidationError

from erlen.datastructures import FileStorage

if t.TYPE_CHECKING:  # pragma: no cover
    from wtforms.fields.core import Field
    from wtforms.form import BaseForm

__all__ = [
    "FileAllowed",
    "FileField",
    "FileRequired",
    "FileSize",
    "MultipleFileField",
    "file_allowed",
    "file_required",
    "file_size",
]


def _is_upload(value: t.Any) -> bool:
    return isinstance(value, FileStorage) and bool(value)


def _uploads(field: Field) -> list[FileStorage] | None:
    """The field's uploads as a list, or ``None`` unless every item is a real upload."""
    data = field.data if isinstance(field.data, list) else [field.data]
    if data and all(_is_upload(x) for x in data):
        return data
    return None


class FileField(_FileField):
    """A file input whose data is the uploaded :class:`~erlen.datastructures.FileStorage`,
    or ``None`` when no file was chosen."""

    def process_formdata(self, valuelist: list[t.Any]) -> None:
        """Keep the first real upload."""
        upload = next((x for x in valuelist if _is_upload(x)), None)
        if upload is not None:
            self.data = upload
        else:
            self.raw_data = ()  # type: ignore[assignment]


class MultipleFileField(_MultipleFileField):
    """A multiple file input whose data is the list of uploads, or ``None`` when no file
    was chosen."""

    def process_formdata(self, valuelist: list[t.Any]) -> None:
        """Keep the real uploads."""
        uploads = [x for x in valuelist if _is_upload(x)]
        if uploads:
            self.data = uploads
        else:
            self.raw_data = ()  # type: ignore[assignment]


class FileRequired(DataRequired):
    """Require an upload (every item, for a multiple field); stops the validation chain
    with ``message`` (default "This field is required.") otherwise."""

    def __call__(self, form: BaseForm, field: Field) -> None:
        if _uploads(field) is None:
            raise StopValidation(self.message or field.gettext("This field is required."))


file_required = FileRequired


class FileAllowed:
    """Allow only file names ending in one of ``upload_set``'s extensions (an iterable such
    as ``("jpg", "png")``, compared case-insensitively), or what a Flask-Uploads style
    ``UploadSet`` accepts (its ``file_allowed(storage, basename)`` method). No upload
    passes: combine with :class:`FileRequired` to require one."""

    def __init__(self, upload_set: t.Any, message: str | None = None) -> None:
        self.upload_set = upload_set
        self.message = message

    def __call__(self, form: BaseForm, field: Field) -> None:
        uploads = _uploads(field)
        if uploads is None:
            return
        for upload in uploads:
            filename = (upload.filename or "").lower()
            if isinstance(self.upload_set, abc.Iterable):
                if any(filename.endswith("." + ext) for ext in self.upload_set):
                    continue
                raise StopValidation(
                    self.message
                    or field.gettext(
                        "File does not have an approved extension: {extensions}"
                    ).format(extensions=", ".join(self.upload_set))
                )
            # An UploadSet is given the field's data, as Flask-WTF passes it.
            if not self.upload_set.file_allowed(uploads, filename):
                raise StopValidation(
                    self.message or field.gettext("File does not have an approved extension.")
                )


file_allowed = FileAllowed


class FileSize:
    """Require each upload's size to be between ``min_size`` and ``max_size`` bytes. The
    stream must be seekable (uploads parsed by erlen are); it is left where it was."""

    def __init__(self, max_size: int, min_size: int = 0, message: str | None = None) -> None:
        self.min_size = min_size
        self.max_size = max_size
        self.message = message

    def __call__(self, form: BaseForm, field: Field) -> None:
        uploads = _uploads(field)
        if uploads is None:
            return
        for upload in uploads:
            size = _stream_size(upload.stream)
            if size < self.min_size or size > self.max_size:
                raise ValidationError(
                    self.message
                    or field.gettext(
                        f"File must be between {self.min_size} and {self.max_size} bytes."
                    )
                )


file_size = FileSize


def _stream_size(stream: t.Any) -> int:
    if isinstance(stream, SpooledTemporaryFile):
        stream = stream._file  # where it spools to (no seekable() before Python 3.11)
    if isinstance(stream, BytesIO):
        return stream.getbuffer().nbytes
    seekable = getattr(stream, "seekable", None)
    if seekable is None or not seekable():
        raise TypeError(
            f"File stream {type(stream).__name__} is not seekable. "
            "FileSize validator requires seekable streams."
        )
    position = stream.tell()
    size = int(stream.seek(0, SEEK_END))
    stream.seek(position)
    return size
