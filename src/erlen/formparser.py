"""Parse ``application/x-www-form-urlencoded`` and ``multipart/form-data`` request bodies.

Multipart bodies are parsed by the streaming parser of the ``python-multipart``
library; this module only wires its callbacks to erlen's data structures and
enforces the size and count limits. File parts are written to streams from a
*stream factory* (by default a :class:`~tempfile.SpooledTemporaryFile` that moves
to an anonymous temporary file above 500 KiB), so an upload's client-supplied
filename is never used to write anything.

Broken bodies (missing or invalid boundary, malformed or truncated multipart)
are reported as :exc:`ValueError`, which :class:`FormDataParser` turns into an
empty form unless ``silent=False``, like Werkzeug. Limits are enforced with
:exc:`~erlen.exceptions.RequestEntityTooLarge` (413) in every mode.

The multipart syntax accepted is python-multipart's, which is stricter than
Werkzeug's: line breaks must be CRLF, and a preamble (other than blank lines),
padding after the first boundary or folded part headers make the body invalid.
Browsers and common HTTP clients never send those. Differences from Werkzeug
otherwise: a part without a name is stored under ``""`` (not ``None``), part
header values are decoded as UTF-8 with replacement, NUL in them becomes U+FFFD
(erlen's ``Headers`` reject NUL), ``max_form_memory_size`` also applies to url-encoded
bodies (Werkzeug 3.1.9 reads them whole, however big), and an invalid ``%``-escape in a
url-encoded body decodes to U+FFFD (Werkzeug keeps it percent-encoded).
"""

from __future__ import annotations

import typing as t
from io import BytesIO
from tempfile import SpooledTemporaryFile, TemporaryFile

from .datastructures import FileStorage, ImmutableMultiDict, MultiDict
from .exceptions import RequestEntityTooLarge
from .http import parse_options_header
from .sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData
from .urls import parse_qs_pairs
from .wsgi import get_content_length, get_input_stream

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    t_parse_result = tuple[t.IO[bytes], MultiDict[str, t.Any], MultiDict[str, t.Any]]

    class TStreamFactory(t.Protocol):
        """The signature of a stream factory, see :func:`default_stream_factory`."""

        def __call__(
            self,
            total_content_length: int | None,
            content_type: str | None,
            filename: str | None,
            content_length: int | None = None,
        ) -> t.IO[bytes]: ...


__all__ = ["FormDataParser", "MultiPartParser", "default_stream_factory", "parse_form_data"]

_MULTIDICT_INIT = MultiDict.__init__

#: File parts stay in memory up to this size, then move to a temporary file.
_SPOOL_MAX_SIZE = 500 * 1024

# PERF: the files of every url-encoded body: one empty, immutable dict shared by all.
_NO_FILES: ImmutableMultiDict[str, t.Any] = ImmutableMultiDict()

_SAFE_PART_CHARSETS = frozenset({"ascii", "us-ascii", "utf-8", "iso-8859-1"})


def default_stream_factory(
    total_content_length: int | None,
    content_type: str | None,
    filename: str | None,
    content_length: int | None = None,
) -> t.IO[bytes]:
    """Return a new, empty, readable and writable binary stream for a file upload.

    The stream keeps up to 500 KiB in memory and then moves to an anonymous
    temporary file. The arguments describe the upload; they are not used to name
    anything on disk.

    :param total_content_length: The length of the whole request body, if known.
    :param content_type: The part's content type, if given.
    :param filename: The client-supplied filename, if given.
    :param content_length: The part's length, if the client sent one.
    """
    if SpooledTemporaryFile is not None:
        return t.cast("t.IO[bytes]", SpooledTemporaryFile(max_size=_SPOOL_MAX_SIZE, mode="rb+"))
    # Werkzeug's fallback for a platform without SpooledTemporaryFile (set to None): a
    # temporary file for a big or unknown body, memory for a small one.
    if total_content_length is None or total_content_length > _SPOOL_MAX_SIZE:
        return t.cast("t.IO[bytes]", TemporaryFile("rb+"))
    return BytesIO()


def parse_form_data(
    environ: WSGIEnvironment,
    stream_factory: TStreamFactory | None = None,
    max_form_memory_size: int | None = None,
    max_content_length: int | None = None,
    cls: type[MultiDict[str, t.Any]] | None = None,
    silent: bool = True,
    *,
    max_form_parts: int | None = None,
) -> t_parse_result:
    """Parse the form body of a WSGI request into ``(stream, form, files)``.

    A shortcut for ``FormDataParser(...).parse_from_environ(environ)``; see
    :class:`FormDataParser` for the parameters.

    :param environ: The WSGI environ.
    """
    return FormDataParser(
        stream_factory=stream_factory,
        max_form_memory_size=max_form_memory_size,
        max_content_length=max_content_length,
        cls=cls,
        silent=silent,
        max_form_parts=max_form_parts,
    ).parse_from_environ(environ)


class FormDataParser:
    """Parse url-encoded and multipart form bodies.

    :param stream_factory: Creates the stream for each uploaded file, see
        :func:`default_stream_factory`.
    :param max_form_memory_size: The largest url-encoded body, and the largest
        non-file multipart field, in bytes; more raises
        :exc:`~erlen.exceptions.RequestEntityTooLarge`. File parts are not limited
        by this (they spool to disk).
    :param max_content_length: The largest body to read, applied by
        :meth:`parse_from_environ`. When calling :meth:`parse` directly, pass a
        stream limited with :func:`~erlen.wsgi.get_input_stream`.
    :param cls: The multi dict class for the results; :class:`MultiDict` by default.
    :param silent: Return an empty form instead of raising :exc:`ValueError` for
        a malformed body. Limit violations always raise.
    :param max_form_parts: The most multipart parts accepted; more raises
        :exc:`~erlen.exceptions.RequestEntityTooLarge`. URL-encoded bodies are not limited
        by it (their size is, by ``max_form_memory_size``), as in Werkzeug.
    """

    def __init__(
        self,
        stream_factory: TStreamFactory | None = None,
        max_form_memory_size: int | None = None,
        max_content_length: int | None = None,
        cls: type[MultiDict[str, t.Any]] | None = None,
        silent: bool = True,
        *,
        max_form_parts: int | None = None,
    ) -> None:
        self.stream_factory: TStreamFactory = (
            stream_factory if stream_factory is not None else default_stream_factory
        )
        self.max_form_memory_size = max_form_memory_size
        self.max_content_length = max_content_length
        self.max_form_parts = max_form_parts
        self.cls: type[MultiDict[str, t.Any]] = cls if cls is not None else MultiDict
        self.silent = silent

    def parse_from_environ(self, environ: WSGIEnvironment) -> t_parse_result:
        """Parse the body of a WSGI environ; returns ``(stream, form, files)``.

        :param environ: The WSGI environ.
        """
        stream = get_input_stream(environ, max_content_length=self.max_content_length)
        mimetype, options = parse_options_header(environ.get("CONTENT_TYPE"))
        return self.parse(stream, mimetype.lower(), get_content_length(environ), options)

    def parse(
        self,
        stream: t.IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str] | None = None,
    ) -> t_parse_result:
        """Parse ``stream`` according to ``mimetype``; returns ``(stream, form, files)``.

        Other mimetypes give empty ``form`` and ``files`` and leave the stream
        unread.

        :param stream: A limited input stream, see :func:`~erlen.wsgi.get_input_stream`.
        :param mimetype: ``multipart/form-data`` or ``application/x-www-form-urlencoded``.
        :param content_length: The body length, if known.
        :param options: The ``Content-Type`` parameters (the multipart ``boundary``).
        """
        if mimetype == "multipart/form-data":
            parse_func = self._parse_multipart
        elif mimetype == "application/x-www-form-urlencoded":
            parse_func = self._parse_urlencoded
        else:
            return stream, self.cls(), self.cls()

        try:
            return parse_func(stream, mimetype, content_length, options or {})
        except ValueError:
            if not self.silent:
                raise
        return stream, self.cls(), self.cls()

    def _parse_multipart(
        self,
        stream: t.IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str],
    ) -> t_parse_result:
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        parser = MultiPartParser(
            stream_factory=self.stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            cls=self.cls,
            max_form_parts=self.max_form_parts,
        )
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files

    def _parse_urlencoded(
        self,
        stream: t.IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str],
    ) -> t_parse_result:
        limit = self.max_form_memory_size
        if limit is None:
            body = stream.read()
        elif content_length is not None:
            if content_length > limit:
                raise RequestEntityTooLarge()
            # The stream is limited to the declared length: reading that much is all,
            # without a last read to find the end.
            body = _read_up_to(stream, content_length)
        else:
            # Read one byte more than allowed so a chunked body that is too big
            # is detected without buffering all of it.
            body = _read_up_to(stream, limit + 1)
            if len(body) > limit:
                raise RequestEntityTooLarge()

        # A raw non-ASCII byte has no place in this format (it would be percent-encoded):
        # invalid UTF-8 is a malformed body (UnicodeDecodeError is a ValueError), an empty
        # form unless ``silent=False``, as in Werkzeug. Invalid %-escapes decode to U+FFFD.
        # ``max_form_parts`` does not apply: as in Werkzeug, it limits multipart parts only.
        items = parse_qs_pairs(body.decode("utf-8"))
        cls = self.cls
        if cls is ImmutableMultiDict or cls.__init__ is _MULTIDICT_INIT:
            # PERF: a plain MultiDict class gets its lists of values directly.
            lists: dict[str, list[str]] = {}
            for key, value in items:
                values = lists.get(key)
                if values is None:
                    lists[key] = [value]
                else:
                    values.append(value)
            files = _NO_FILES if cls is ImmutableMultiDict else cls._from_lists({})
            return stream, cls._from_lists(lists), files
        return stream, cls(items), cls()


def _read_up_to(stream: t.IO[bytes], size: int) -> bytes:
    """Read ``size`` bytes, or up to the end of the body.

    One ``read`` of a raw stream may return less, which would hide a body that was cut
    (the next read is the one to raise :exc:`~erlen.exceptions.ClientDisconnected`).
    """
    if size <= 64 * 1024:
        # PERF: a small body usually comes in one read.
        data = stream.read(size)
        if len(data) == size or not data:
            return data
        chunks = [data]
        size -= len(data)
    else:
        chunks = []
    while size > 0:
        data = stream.read(min(size, 64 * 1024))
        if not data:
            break
        chunks.append(data)
        size -= len(data)
    return b"".join(chunks)


def _part_length(value: str | None) -> int:
    value = (value or "").strip(" \t")
    if value.isdigit() and value.isascii() and len(value) < 20:
        return int(value)
    return 0


class MultiPartParser:
    """Parse a ``multipart/form-data`` body with python-multipart's streaming parser.

    :param stream_factory: Creates the stream for each uploaded file.
    :param max_form_memory_size: The largest non-file field in bytes (413 above).
    :param cls: The multi dict class for the results.
    :param buffer_size: Bytes read from the stream per step.
    :param max_form_parts: The most parts accepted (413 above).
    """

    def __init__(
        self,
        stream_factory: TStreamFactory | None = None,
        max_form_memory_size: int | None = None,
        cls: type[MultiDict[str, t.Any]] | None = None,
        buffer_size: int = 64 * 1024,
        max_form_parts: int | None = None,
    ) -> None:
        self.stream_factory: TStreamFactory = (
            stream_factory if stream_factory is not None else default_stream_factory
        )
        self.max_form_memory_size = max_form_memory_size
        self.cls: type[MultiDict[str, t.Any]] = cls if cls is not None else MultiDict
        self.buffer_size = buffer_size
        self.max_form_parts = max_form_parts

    def parse(
        self, stream: t.IO[bytes], boundary: bytes, content_length: int | None
    ) -> tuple[MultiDict[str, str], MultiDict[str, FileStorage]]:
        """Parse the body in ``stream``; returns ``(form, files)``.

        :param stream: A limited input stream.
        :param boundary: The multipart boundary, without the leading ``--``.
        :param content_length: The total body length, if known (passed to the
            stream factory).
        :raise ValueError: If the body is not valid multipart data.
        :raise RequestEntityTooLarge: If a limit is exceeded.
        """
        decoder = MultipartDecoder(boundary, max_parts=self.max_form_parts)
        fields: list[tuple[str, str]] = []
        files: list[tuple[str, FileStorage]] = []
        containers: list[t.IO[bytes]] = []
        limit = self.max_form_memory_size
        part: Field | File | None = None
        chunks: list[bytes] = []
        field_size = 0
        charset = "utf-8"
        container: t.IO[bytes] | None = None
        read = stream.read
        size = self.buffer_size
        try:
            while True:
                chunk = read(size)
                if decoder._ended and chunk:
                    # The epilogue after the closing boundary is read, so the stream is
                    # consumed, but not kept.
                    continue
                decoder.receive_data(chunk or None)
                event = decoder.next_event()
                while not isinstance(event, (NeedData, Epilogue)):
                    if isinstance(event, Field):
                        part, chunks, field_size, charset = event, [], 0, "utf-8"
                        content_type = event.headers.get("content-type")
                        if content_type:
                            params = parse_options_header(content_type)[1]
                            if params.get("charset", "").lower() in _SAFE_PART_CHARSETS:
                                charset = params["charset"].lower()
                    elif isinstance(event, File):
                        part = event
                        container = self.stream_factory(
                            total_content_length=content_length,
                            content_type=event.headers.get("content-type"),
                            filename=event.filename,
                            content_length=_part_length(event.headers.get("content-length")),
                        )
                        containers.append(container)
                    elif isinstance(event, Data):
                        if isinstance(part, Field):
                            field_size += len(event.data)
                            if limit is not None and field_size > limit:
                                raise RequestEntityTooLarge()
                            chunks.append(event.data)
                            if not event.more_data:
                                fields.append(
                                    (part.name, b"".join(chunks).decode(charset, "replace"))
                                )
                        elif isinstance(part, File) and container is not None:
                            container.write(event.data)
                            if not event.more_data:
                                container.seek(0)
                                files.append(
                                    (
                                        part.name,
                                        FileStorage(
                                            container,
                                            part.filename,
                                            part.name,
                                            headers=part.headers,
                                        ),
                                    )
                                )
                    event = decoder.next_event()
                if not chunk:
                    break
        except BaseException:
            for container in containers:
                container.close()
            raise
        return self.cls(fields), self.cls(files)
