"""WSGI environ helpers: host, URL, safe input streams, file wrapping and closing iterators."""

from __future__ import annotations

import io
import sys
import typing as t
from functools import update_wrapper

from .exceptions import ClientDisconnected, HTTPException, RequestEntityTooLarge
from .sansio import utils as _sansio_utils
from .sansio.utils import host_is_trusted

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

__all__ = [
    "ClosingIterator",
    "FileWrapper",
    "LimitedStream",
    "get_content_length",
    "get_current_url",
    "get_host",
    "get_input_stream",
    "get_path_info",
    "host_is_trusted",
    "responder",
    "wrap_file",
]


def _wsgi_decode(value: str, errors: str = "replace") -> str:
    """Turn a WSGI "bytes as latin-1" string into text, assuming UTF-8."""
    if value.isascii():
        return value
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:
        # Not a PEP 3333 string (a server that already decoded it): keep it.
        return value
    return raw.decode("utf-8", errors)


def _wsgi_bytes(value: str) -> bytes:
    """Turn a WSGI "bytes as latin-1" string into its bytes."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass")


def responder(f: t.Callable[..., WSGIApplication]) -> WSGIApplication:
    """Decorate a function whose return value is a WSGI app to call with the same
    ``environ, start_response``.

    ::

        @responder
        def application(environ, start_response):
            return Response("Hello World!")
    """
    return update_wrapper(lambda *a: f(*a)(*a[-2:]), f)


def _get_server(environ: WSGIEnvironment) -> tuple[str, int | None] | None:
    name = environ.get("SERVER_NAME")
    if name is None:
        return None
    try:
        port: int | None = int(environ.get("SERVER_PORT"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        # No usable port: a Unix socket.
        port = None
    return name, port


def get_host(environ: WSGIEnvironment, trusted_hosts: t.Iterable[str] | None = None) -> str:
    """Return the validated ``host[:port]`` from a WSGI environ.

    ``HTTP_HOST`` is preferred, then ``SERVER_NAME``/``SERVER_PORT``. Default ports
    (80 for http, 443 for https) are dropped. Invalid values give ``""``.

    :param environ: The WSGI environ.
    :param trusted_hosts: See :func:`host_is_trusted`.
    :raise SecurityError: If ``trusted_hosts`` is given and the host doesn't match.
    """
    return _sansio_utils.get_host(
        environ.get("wsgi.url_scheme", "http"),
        environ.get("HTTP_HOST"),
        _get_server(environ),
        trusted_hosts,
    )


def get_current_url(
    environ: WSGIEnvironment,
    root_only: bool = False,
    strip_querystring: bool = False,
    host_only: bool = False,
    trusted_hosts: t.Iterable[str] | None = None,
) -> str:
    """Rebuild the request URL from a WSGI environ, as an IRI.

    :param environ: The WSGI environ.
    :param root_only: Stop after the root path (``SCRIPT_NAME``).
    :param strip_querystring: Leave out the query string.
    :param host_only: Only the scheme and host.
    :param trusted_hosts: Validate the host against these names.
    """
    scheme = environ.get("wsgi.url_scheme", "http")
    host = get_host(environ, trusted_hosts)
    if host_only:
        return _sansio_utils.get_current_url(scheme, host)
    root_path = _wsgi_decode(environ.get("SCRIPT_NAME", ""))
    if root_only:
        return _sansio_utils.get_current_url(scheme, host, root_path)
    path = _wsgi_decode(environ.get("PATH_INFO", ""))
    if strip_querystring:
        return _sansio_utils.get_current_url(scheme, host, root_path, path)
    query = _wsgi_bytes(environ.get("QUERY_STRING", ""))
    return _sansio_utils.get_current_url(scheme, host, root_path, path, query)


def get_content_length(environ: WSGIEnvironment) -> int | None:
    """Return ``CONTENT_LENGTH`` as an int.

    ``None`` means a streaming body (no length, or chunked ``Transfer-Encoding``);
    an invalid or negative value gives ``0``.

    :param environ: The WSGI environ.
    """
    return _sansio_utils.get_content_length(
        environ.get("CONTENT_LENGTH"), environ.get("HTTP_TRANSFER_ENCODING")
    )


def get_input_stream(
    environ: WSGIEnvironment,
    safe_fallback: bool = True,
    max_content_length: int | None = None,
) -> t.IO[bytes]:
    """Return ``wsgi.input`` wrapped so it can't be read past its length or a maximum.

    - A ``Content-Length`` above ``max_content_length`` raises
      :exc:`~erlen.exceptions.RequestEntityTooLarge` at once, without reading.
    - If the server sets ``wsgi.input_terminated`` (it ends chunked bodies itself),
      the stream is limited to ``Content-Length`` if there is one, else to
      ``max_content_length`` with a 413 once more data arrives.
    - Otherwise the stream is limited to ``Content-Length``; without one, an empty
      stream is returned, unless ``safe_fallback`` is false.

    Whatever the server's stream raises while the body is read (a cut connection,
    a malformed chunk: ``OSError`` or a server's own parse error) becomes
    :exc:`~erlen.exceptions.ClientDisconnected`, a 400 that is not an application error.

    :param environ: The WSGI environ.
    :param safe_fallback: Return an empty stream when there is no length.
    :param max_content_length: The largest body to accept.
    """
    return _input_stream(environ, get_content_length(environ), max_content_length, safe_fallback)


def _input_stream(
    environ: WSGIEnvironment,
    content_length: int | None,
    max_content_length: int | None,
    safe_fallback: bool = True,
) -> t.IO[bytes]:
    """:func:`get_input_stream` with the ``Content-Length`` already parsed (a request
    has it as :attr:`~erlen.wrappers.request.Request.content_length`)."""
    stream: t.IO[bytes] = environ["wsgi.input"]

    if (
        content_length is not None
        and max_content_length is not None
        and content_length > max_content_length
    ):
        raise RequestEntityTooLarge()

    if "wsgi.input_terminated" in environ:
        if content_length is not None:
            # The server marks the end, yet the length is declared: a shorter body was cut.
            return LimitedStream(stream, content_length)  # type: ignore[return-value]
        # Wrapped even without a maximum, so that a body the client cut or framed
        # badly is a 400 (ClientDisconnected) whatever the server's stream raises.
        limit = sys.maxsize if max_content_length is None else max_content_length
        return LimitedStream(stream, limit, is_max=True)  # type: ignore[return-value]

    if content_length is None:
        # A body with no declared end could be endless: don't read it.
        return io.BytesIO() if safe_fallback else stream

    # (No typing.cast: it is a function call on every request with a body.)
    return LimitedStream(stream, content_length)  # type: ignore[return-value]


#: The largest body :func:`_read_body` reads in one ``read`` (LimitedStream's chunk size).
_ONE_READ_MAX = 64 * 1024


def _read_body(stream: t.IO[bytes], length: int) -> bytes:
    """Read a body of a known ``length`` from the server's ``stream``: the bytes that
    ``LimitedStream(stream, length).read()`` returns, with the same errors
    (:exc:`~erlen.exceptions.ClientDisconnected` for a body that ends or fails first).

    PERF: a small body that comes in one read (nearly all) needs no
    :class:`LimitedStream`; a short read finishes through one. A larger body is read
    through one, in chunks: a server's buffered ``read(n)`` allocates ``n`` bytes up
    front, which a false ``Content-Length`` must not decide.
    """
    if length <= 0:
        return b""
    if length > _ONE_READ_MAX:
        return LimitedStream(stream, length).read()
    try:
        data = stream.read(length)
    except HTTPException:
        raise
    except Exception:
        # As LimitedStream: whatever the server's stream raises means a cut body.
        raise ClientDisconnected()  # noqa: B904
    n = len(data)
    if n == length:
        return data
    if n > length:
        # A misbehaving source returned more than asked; never exceed the length.
        return data[:length]
    if not n:
        raise ClientDisconnected()
    return data + LimitedStream(stream, length - n).read()


def get_path_info(environ: WSGIEnvironment) -> str:
    """Return ``PATH_INFO`` decoded as UTF-8; invalid bytes become U+FFFD.

    :param environ: The WSGI environ.
    """
    return _wsgi_decode(environ.get("PATH_INFO", ""))


class ClosingIterator:
    """Wrap a WSGI response iterable so ``close()`` also runs extra callbacks.

    The iterable's own ``close`` (if any) runs first, then ``callbacks`` in order.

    :param iterable: The response iterable.
    :param callbacks: A callable or an iterable of callables.
    """

    def __init__(
        self,
        iterable: t.Iterable[bytes],
        callbacks: t.Callable[[], None] | t.Iterable[t.Callable[[], None]] | None = None,
    ) -> None:
        self._iterator = iter(iterable)
        if callbacks is None:
            cbs: list[t.Callable[[], None]] = []
        elif callable(callbacks):
            cbs = [callbacks]
        else:
            cbs = list(callbacks)
        iterable_close = getattr(iterable, "close", None)
        if iterable_close:
            cbs.insert(0, iterable_close)
        self._callbacks = cbs

    def __iter__(self) -> ClosingIterator:
        return self

    def __next__(self) -> bytes:
        return next(self._iterator)

    def close(self) -> None:
        """Call the iterable's ``close`` and every callback."""
        for callback in self._callbacks:
            callback()


def wrap_file(
    environ: WSGIEnvironment, file: t.IO[bytes], buffer_size: int = 8192
) -> t.Iterable[bytes]:
    """Return an iterable over ``file``, using the server's ``wsgi.file_wrapper``
    if it has one, else :class:`FileWrapper`.

    Pass the result through unchanged (``Response.direct_passthrough``): a server
    file wrapper may only work if the server itself iterates it.

    :param environ: The WSGI environ.
    :param file: A binary file-like object with ``read``.
    :param buffer_size: Bytes per chunk.
    """
    wrapper = environ.get("wsgi.file_wrapper", FileWrapper)
    return wrapper(file, buffer_size)


class FileWrapper:
    """Iterate over a binary file in ``buffer_size`` chunks (a WSGI file wrapper).

    Prefer :func:`wrap_file`, which uses the server's wrapper when available.

    :param file: A binary file-like object with ``read``.
    :param buffer_size: Bytes per chunk.
    """

    def __init__(self, file: t.IO[bytes], buffer_size: int = 8192) -> None:
        self.file = file
        self.buffer_size = buffer_size

    def close(self) -> None:
        """Close the file, if it can be closed."""
        close = getattr(self.file, "close", None)
        if close is not None:
            close()

    def seekable(self) -> bool:
        """Whether the file supports ``seek``."""
        if hasattr(self.file, "seekable"):
            return bool(self.file.seekable())
        return hasattr(self.file, "seek")

    def seek(self, *args: t.Any) -> None:
        """Seek the file, if it can seek."""
        if hasattr(self.file, "seek"):
            self.file.seek(*args)

    def tell(self) -> int | None:
        """The file position, or ``None`` if unknown."""
        if hasattr(self.file, "tell"):
            return self.file.tell()
        return None

    def __iter__(self) -> FileWrapper:
        return self

    def __next__(self) -> bytes:
        data = self.file.read(self.buffer_size)
        if data:
            return data
        raise StopIteration()


class _RangeWrapper:
    """Yield only bytes ``[start_byte, start_byte + byte_range)`` of a response iterable.

    Werkzeug's private helper under the same name, and what a 206 response sends
    (``Response.make_conditional``). Seekable sources (file wrappers) are seeked to the
    start; others are read and discarded up to it. ``str`` chunks are encoded as UTF-8 first,
    so the range always counts bytes. ``byte_range=None`` means to the end.
    """

    def __init__(
        self,
        iterable: t.Iterable[bytes | str] | t.IO[bytes],
        start_byte: int = 0,
        byte_range: int | None = None,
    ) -> None:
        self.iterable = iter(iterable)
        self.start_byte = start_byte
        self.byte_range = byte_range
        self.end_byte = None if byte_range is None else start_byte + byte_range
        seekable = getattr(iterable, "seekable", None)
        self.seekable = bool(seekable is not None and seekable())
        self._source = iterable
        self._pos = 0  # absolute position of the next byte the source yields
        self._started = False
        self.end_reached = False

    def __iter__(self) -> _RangeWrapper:
        return self

    def __next__(self) -> bytes:
        if self.end_reached:
            raise StopIteration()
        if not self._started:
            self._started = True
            if self.seekable:
                self._source.seek(self.start_byte)  # type: ignore[union-attr]
                tell = getattr(self._source, "tell", None)
                pos = tell() if tell is not None else None
                self._pos = self.start_byte if pos is None else pos
        while True:
            try:
                chunk = next(self.iterable)
            except StopIteration:
                self.end_reached = True
                raise
            if isinstance(chunk, str):
                chunk = chunk.encode()
            chunk_start = self._pos
            self._pos += len(chunk)
            if self._pos <= self.start_byte:
                continue
            lo = max(self.start_byte - chunk_start, 0)
            hi = len(chunk)
            if self.end_byte is not None and self._pos >= self.end_byte:
                hi = self.end_byte - chunk_start
                self.end_reached = True
            piece = chunk[lo:hi]
            if piece:
                return piece
            if self.end_reached:
                raise StopIteration()

    def close(self) -> None:
        """Close the wrapped iterable, if it can be closed."""
        close = getattr(self.iterable, "close", None) or getattr(self._source, "close", None)
        if close is not None:
            close()


class LimitedStream(io.RawIOBase):
    """A read-only stream that never reads more than ``limit`` bytes from ``stream``.

    With ``is_max=False`` (``limit`` is the ``Content-Length``), reading past the
    limit returns ``b""``, and a source that ends early raises
    :exc:`~erlen.exceptions.ClientDisconnected` (400).

    With ``is_max=True`` (``limit`` is a maximum for a body whose end the server
    marks), an early end is simply the end of the body; once ``limit`` bytes were
    read, the next read checks for more data and raises
    :exc:`~erlen.exceptions.RequestEntityTooLarge` (413) if there is any. Only use
    ``is_max`` with a terminated stream, since that check may otherwise block.

    :param stream: A readable binary stream.
    :param limit: The byte limit.
    :param is_max: Whether ``limit`` is a maximum rather than the exact length.
    """

    def __init__(self, stream: t.IO[bytes], limit: int, is_max: bool = False) -> None:
        self._stream = stream
        self._pos = 0
        self.limit = limit
        self._limit_is_max = is_max

    @property
    def is_exhausted(self) -> bool:
        """Whether the limit has been reached."""
        return self._pos >= self.limit

    def on_exhausted(self) -> None:
        """Called when reading past the limit: raise 413 if ``is_max``, else nothing."""
        if self._limit_is_max:
            raise RequestEntityTooLarge()

    def on_disconnect(self, error: Exception | None = None) -> None:
        """Called when the source ends or fails before the limit.

        Raises :exc:`~erlen.exceptions.ClientDisconnected`, except for an orderly
        end of an ``is_max`` stream.
        """
        if not self._limit_is_max or error is not None:
            raise ClientDisconnected()

    def exhaust(self) -> bytes:
        """Read and return everything left up to the limit."""
        if self.is_exhausted:
            return b""
        return self.readall()

    def _at_limit(self) -> int:
        if self._limit_is_max:
            # Only data beyond the maximum is an error; a body of exactly
            # ``limit`` bytes followed by EOF is fine.
            try:
                extra = self._stream.read(1)
            except HTTPException:
                raise
            except Exception as e:
                self.on_disconnect(error=e)
                return 0
            if extra:
                self.on_exhausted()
            return 0
        self.on_exhausted()
        return 0

    def readinto(self, b: t.Any) -> int:
        """Read up to ``len(b)`` bytes into ``b``, honouring the limit."""
        data = self._read(len(b))
        n = len(data)
        b[:n] = data
        return n

    def read(self, size: int | None = -1) -> bytes:
        """Read up to ``size`` bytes (everything left up to the limit by default)."""
        if size is None or size < 0:
            return self.readall()
        # PERF: straight from the source, without io.RawIOBase.read's buffer and its call
        # back into readinto.
        return self._read(size)

    def _read(self, size: int) -> bytes:
        """One read of up to ``size`` bytes from the source, honouring the limit."""
        remaining = self.limit - self._pos
        if remaining <= 0:
            self._at_limit()
            return b""
        if size > remaining:
            size = remaining
        try:
            data = self._stream.read(size)
        except HTTPException:
            raise
        except Exception as e:
            # Servers raise their own errors for a broken body (gunicorn's
            # InvalidChunkSize is no OSError): all mean the body cannot be had.
            self.on_disconnect(error=e)
            return b""
        n = len(data)
        if not n:
            self.on_disconnect()
            return b""
        if n > size:
            # A misbehaving source returned more than asked; never exceed the limit.
            data = data[:size]
            n = size
        self._pos += n
        return data

    def readall(self) -> bytes:
        """Read everything left up to the limit.

        Reading exactly up to the limit is a clean read; only a read that starts at the limit
        calls :meth:`on_exhausted` (and, with ``is_max``, data beyond the maximum is a 413).
        """
        if self._pos >= self.limit:
            self._at_limit()
            return b""
        out = bytearray()
        while self._pos < self.limit:
            chunk = self._read(min(64 * 1024, self.limit - self._pos))
            if not chunk:
                break
            if not out and self._pos >= self.limit and not self._limit_is_max:
                # PERF: the whole body came in one read: no copy through the buffer.
                return chunk
            out += chunk
        if self._limit_is_max and self._pos >= self.limit:
            self._at_limit()
        return bytes(out)

    def tell(self) -> int:
        """The number of bytes read so far."""
        return self._pos

    def readable(self) -> bool:
        """Always ``True``."""
        return True
