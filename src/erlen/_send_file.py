"""Serve files as responses (Werkzeug's ``werkzeug.utils.send_file`` and
``send_from_directory``), re-exported by :mod:`erlen.utils`.
"""

from __future__ import annotations

import io
import mimetypes
import os
import re
import typing as t
import unicodedata
from datetime import datetime
from time import time
from urllib.parse import quote
from zlib import adler32

from .datastructures import Headers
from .exceptions import NotFound, RequestedRangeNotSatisfiable
from .http import dump_options_header, http_date
from .security import safe_join
from .wsgi import wrap_file

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from .sansio.request import Request
    from .wrappers.response import Response

__all__ = ["send_file", "send_from_directory"]

# Characters that make a download name need the RFC 5987 form: anything non-ASCII,
# and controls, which must not reach a header (a CR/LF would be a ValueError).
_NEEDS_EXTENDED = re.compile(r"[^\x20-\x7e]")


def _disposition(kind: str, download_name: str) -> str:
    """The ``Content-Disposition`` value for ``download_name``.

    Names that are not printable ASCII get ``filename*=UTF-8''<percent-encoded>``
    (RFC 5987/6266) and an ASCII ``filename`` fallback (NFKD-decomposed, accents
    and controls dropped).
    """
    if _NEEDS_EXTENDED.search(download_name) is None:
        return dump_options_header(kind, {"filename": download_name})
    simple = unicodedata.normalize("NFKD", download_name)
    simple = _NEEDS_EXTENDED.sub("", simple)
    # safe = RFC 5987 attr-char
    quoted = quote(download_name, safe="!#$&+-.^_`|~")
    return dump_options_header(kind, {"filename": simple, "filename*": f"UTF-8''{quoted}"})


def send_file(
    path_or_file: os.PathLike[str] | str | t.IO[bytes],
    environ: WSGIEnvironment | Request,
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | int | float | None = None,
    max_age: int | t.Callable[[str | None], int | None] | None = None,
    use_x_sendfile: bool = False,
    response_class: type[Response] | None = None,
    _root_path: os.PathLike[str] | str | None = None,
) -> Response:
    """Send the contents of a file to the client.

    :param path_or_file: a path (relative to the working directory, trusted: never
        pass a user-provided path, use :func:`send_from_directory`) or a binary
        file object such as :class:`io.BytesIO`, positioned at the start of the data.
    :param environ: the WSGI environ of the request, or the request object (any
        transport: its method and headers are read; a WSGI server's
        ``wsgi.file_wrapper`` is used when the request has a WSGI environ).
    :param mimetype: the mimetype; guessed from ``download_name`` or the path if not
        given (``application/octet-stream`` if unknown). A file object without a
        ``download_name`` and no ``mimetype`` is a ``TypeError``.
    :param as_attachment: ``Content-Disposition: attachment`` (offer to save)
        instead of ``inline``.
    :param download_name: the file name the browser should use; defaults to the
        path's base name. Non-ASCII names are sent RFC 5987-encoded.
    :param conditional: handle conditional (304/412) and single-range (206/416)
        requests via :meth:`~erlen.wrappers.response.Response.make_conditional`.
    :param etag: compute an ETag from the file's mtime, size and path (needs a
        path), or a string to use as the ETag, or ``False``.
    :param last_modified: the ``Last-Modified`` time (datetime or timestamp);
        defaults to the file's mtime.
    :param max_age: seconds clients may cache the file (``Cache-Control: public,
        max-age=N``), or a callable getting the path; otherwise ``no-cache``.
    :param use_x_sendfile: send an ``X-Sendfile`` header with the path and no body,
        for servers that send the file themselves.
    :param response_class: the response class; defaults to
        :class:`erlen.wrappers.response.Response`.
    :param _root_path: internal: the directory relative paths are joined to.

    The body streams through :func:`erlen.wsgi.wrap_file` and the file is closed
    when the response is closed (or when a 416 is raised).
    """
    if response_class is None:
        from .wrappers.response import Response

        response_class = Response

    path: str | None = None
    file: t.IO[bytes] | None = None
    size: int | None = None
    mtime: float | None = None
    headers = Headers()

    if isinstance(path_or_file, (os.PathLike, str)) or hasattr(path_or_file, "__fspath__"):
        if _root_path is not None:
            path = os.path.join(_root_path, path_or_file)
        else:
            path = os.path.abspath(path_or_file)
        stat = os.stat(path)
        size = stat.st_size
        mtime = stat.st_mtime
    else:
        file = path_or_file

    if download_name is None and path is not None:
        download_name = os.path.basename(path)

    if mimetype is None:
        if download_name is None:
            raise TypeError(
                "Unable to detect the MIME type because a file name is"
                " not available. Either set 'download_name', pass a"
                " path instead of a file, or set 'mimetype'."
            )
        mimetype, encoding = mimetypes.guess_type(download_name)
        if mimetype is None:
            mimetype = "application/octet-stream"
        # An attachment keeps its encoding: browsers would otherwise decompress
        # a .tar.gz while saving it.
        if encoding is not None and not as_attachment:
            headers.set("Content-Encoding", encoding)

    if download_name is not None:
        headers.set(
            "Content-Disposition",
            _disposition("attachment" if as_attachment else "inline", download_name),
        )
    elif as_attachment:
        raise TypeError(
            "No name provided for attachment. Either set"
            " 'download_name' or pass a path instead of a file."
        )

    data: t.Iterable[bytes] | None
    if use_x_sendfile and path is not None:
        headers["X-Sendfile"] = path
        data = None
    else:
        if file is None:
            file = open(path, "rb")  # type: ignore[arg-type]  # noqa: SIM115
        elif isinstance(file, io.BytesIO):
            with file.getbuffer() as buffer:
                size = buffer.nbytes
        elif isinstance(file, io.TextIOBase):
            raise ValueError("Files must be opened in binary mode or use BytesIO.")
        wsgi_environ = environ if isinstance(environ, dict) else getattr(environ, "environ", {})
        data = wrap_file(wsgi_environ, file)

    rv = response_class(data, mimetype=mimetype, headers=headers, direct_passthrough=True)

    if size is not None:
        rv.content_length = size

    if last_modified is not None:
        rv.last_modified = last_modified
    elif mtime is not None:
        rv.last_modified = mtime

    if callable(max_age):
        max_age = max_age(path)

    # Written directly rather than through rv.cache_control, which would parse and
    # re-serialise the header for each change; the values equal Werkzeug's.
    if max_age is None:
        rv.headers["Cache-Control"] = "no-cache"
    else:
        max_age = int(max_age)
        if max_age > 0:
            rv.headers["Cache-Control"] = f"public, max-age={max_age}"
        else:
            rv.headers["Cache-Control"] = f"no-cache, max-age={max_age}"
        rv.headers["Expires"] = http_date(int(time() + max_age))

    if isinstance(etag, str):
        rv.set_etag(etag)
    elif etag and path is not None:
        # os.fsencode: an undecodable file name (surrogate escapes) must not fail.
        check = adler32(os.fsencode(path)) & 0xFFFFFFFF
        rv.set_etag(f"{mtime}-{size}-{check}")

    if conditional:
        try:
            rv = rv.make_conditional(environ, accept_ranges=True, complete_length=size)
        except RequestedRangeNotSatisfiable:
            if file is not None:
                file.close()
            raise
        # Some X-Sendfile servers ignore the 304 and send the file anyway.
        if rv.status_code == 304:
            rv.headers.pop("X-Sendfile", None)

    return rv


def send_from_directory(
    directory: os.PathLike[str] | str,
    path: os.PathLike[str] | str,
    environ: WSGIEnvironment | Request,
    **kwargs: t.Any,
) -> Response:
    """Send the file at ``path`` inside ``directory`` with :func:`send_file`.

    ``path`` may come from the client: it is joined with
    :func:`~erlen.security.safe_join`, so traversal (``..``), absolute paths and
    NUL bytes cannot escape ``directory``. Such paths, and paths that are not an
    existing regular file, raise :exc:`~erlen.exceptions.NotFound` (404).
    ``directory`` must not come from the client. ``kwargs`` go to :func:`send_file`.
    """
    path_str = os.fspath(path)
    if not isinstance(path_str, str) or "\x00" in path_str:
        raise NotFound()
    joined = safe_join(os.fspath(directory), path_str)
    if joined is None:
        raise NotFound()
    if "_root_path" in kwargs:
        joined = os.path.join(kwargs["_root_path"], joined)
    if not os.path.isfile(joined):
        raise NotFound()
    return send_file(joined, environ, **kwargs)
