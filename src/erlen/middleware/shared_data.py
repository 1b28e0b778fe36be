"""Serve static files from folders, single files or package data, in front of an app."""

from __future__ import annotations

import importlib.resources
import mimetypes
import os
import posixpath
import typing as t
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from fnmatch import fnmatch
from io import BytesIO
from time import time
from zlib import adler32

from ..http import http_date, is_resource_modified, quote_etag
from ..security import safe_join
from ..utils import get_content_type
from ..wsgi import get_path_info, wrap_file

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["SharedDataMiddleware"]

#: Opens an export's file: ``(file, modification time, size in bytes)``.
_TOpener = t.Callable[[], tuple[t.IO[bytes], datetime, int]]
#: Looks up a path below an export (``None`` for the export itself):
#: ``(file name, opener)``, or ``(None, None)`` if there is no such file.
_TLoader = t.Callable[[str | None], tuple[str | None, _TOpener | None]]
_TExport = str | os.PathLike[str] | tuple[str, str]


class SharedDataMiddleware:
    """Serve static files for development or simple setups; pass other requests to ``app``.

    ::

        app.wsgi_app = SharedDataMiddleware(app.wsgi_app, {
            "/shared": os.path.join(os.path.dirname(__file__), "shared"),
        })

    ``exports`` maps URL path prefixes to what is served under them, as a dict or a list of
    pairs tried in order:

    - a folder: ``/shared/css/site.css`` serves ``<folder>/css/site.css``;
    - a file: served at its path (and, as in Werkzeug, at every path below it);
    - ``(package, folder)``: files from a folder in an importable package, read with
      :mod:`importlib.resources` (so zipped packages work too).

    Every request no export has a file for goes to ``app``, even below an export, so files
    can be mounted at ``/``. Paths that try to leave the folder (``..``, absolute paths,
    backslashes, NUL bytes) never match a file and go to ``app`` as well; they are checked
    with :func:`~erlen.security.safe_join`.

    Responses carry ``Last-Modified`` and, with ``cache``, an ``ETag``, ``Cache-Control:
    max-age=<cache_timeout>, public`` and ``Expires``; conditional requests
    (``If-None-Match``, ``If-Modified-Since``) are answered with 304. The type is guessed
    from the file name with :mod:`mimetypes`, else ``fallback_mimetype``; text types get
    ``charset=utf-8``. Non-ASCII file names work when the file system uses UTF-8.

    Differences from Werkzeug: ``disallow`` may be one pattern or several, and applies in
    addition to :meth:`is_allowed` rather than replacing it; a ``HEAD`` request gets the
    headers with an empty body; a file that exists but cannot be opened (permissions) is
    passed to ``app`` instead of raising; export folders and files may be
    :class:`os.PathLike`.

    :param app: The application to wrap. To serve files only, pass
        :class:`~erlen.exceptions.NotFound` (an instance answers every request with 404).
    :param exports: Maps URL path prefixes to folders, files or ``(package, folder)``.
    :param disallow: :func:`~fnmatch.fnmatch` patterns (one or several) for file names
        (the last path segment) that are never served.
    :param cache: Send caching headers and answer conditional requests.
    :param cache_timeout: Seconds for ``Cache-Control: max-age`` and ``Expires``.
    :param fallback_mimetype: The type of files :mod:`mimetypes` does not know.
    """

    def __init__(
        self,
        app: WSGIApplication,
        exports: Mapping[str, _TExport] | Iterable[tuple[str, _TExport]],
        disallow: str | Iterable[str] | None = None,
        cache: bool = True,
        cache_timeout: int = 60 * 60 * 12,
        fallback_mimetype: str = "application/octet-stream",
    ) -> None:
        self.app = app
        self.exports: list[tuple[str, _TLoader]] = []
        self.cache = cache
        self.cache_timeout = cache_timeout
        self.fallback_mimetype = fallback_mimetype

        if isinstance(disallow, str):
            disallow = (disallow,)
        self.disallow: tuple[str, ...] = tuple(disallow or ())

        items = exports.items() if isinstance(exports, Mapping) else exports
        for key, value in items:
            loader: _TLoader
            if isinstance(value, tuple):
                loader = self.get_package_loader(*value)
            elif isinstance(value, (str, os.PathLike)):
                value = os.fspath(value)
                if os.path.isfile(value):
                    loader = self.get_file_loader(value)
                else:
                    loader = self.get_directory_loader(value)
            else:
                raise TypeError(f"unknown def {value!r}")
            self.exports.append((key, loader))

    def is_allowed(self, filename: str) -> bool:
        """Return whether the file named ``filename`` (no folder) may be served.

        Always true here; override it in a subclass to refuse files. Files matching
        ``disallow`` are refused whatever this returns.
        """
        return True

    def _is_disallowed(self, filename: str) -> bool:
        return any(fnmatch(filename, pattern) for pattern in self.disallow)

    def _opener(self, filename: str) -> _TOpener:
        def opener() -> tuple[t.IO[bytes], datetime, int]:
            f = open(filename, "rb")  # noqa: SIM115 - closed by the response iterable
            try:
                # fstat, not stat: the time and size of the file actually opened.
                st = os.fstat(f.fileno())
            except BaseException:
                f.close()
                raise
            return f, datetime.fromtimestamp(st.st_mtime, tz=timezone.utc), st.st_size

        return opener

    def get_file_loader(self, filename: str) -> _TLoader:
        """Return a loader that serves ``filename`` for any path."""
        name = os.path.basename(filename)
        opener = self._opener(filename)
        return lambda path: (name, opener)

    def get_package_loader(self, package: str, package_path: str) -> _TLoader:
        """Return a loader for files below ``package_path`` in the importable ``package``.

        Files that are not on the file system (a zipped package) are read into memory and
        dated from the moment this loader was created.
        """
        load_time = datetime.now(timezone.utc)
        root = importlib.resources.files(package)

        def loader(path: str | None) -> tuple[str | None, _TOpener | None]:
            if path is None:
                return None, None
            joined = safe_join(package_path, path)
            if joined is None:
                return None, None
            resource = root
            for part in joined.split("/"):
                if part and part != ".":
                    resource = resource.joinpath(part)
            try:
                if not resource.is_file():
                    return None, None
            except OSError:
                return None, None
            if isinstance(resource, os.PathLike):
                return posixpath.basename(joined), self._opener(os.fspath(resource))

            def opener() -> tuple[t.IO[bytes], datetime, int]:
                data = resource.read_bytes()
                return BytesIO(data), load_time, len(data)

            return posixpath.basename(joined), opener

        return loader

    def get_directory_loader(self, directory: str) -> _TLoader:
        """Return a loader for files below ``directory``."""

        def loader(path: str | None) -> tuple[str | None, _TOpener | None]:
            if path is None:
                joined: str | None = directory
            else:
                joined = safe_join(directory, path)
            if joined is not None and os.path.isfile(joined):
                return os.path.basename(joined), self._opener(joined)
            return None, None

        return loader

    def generate_etag(self, mtime: datetime, file_size: int, real_filename: str) -> str:
        """Return the (unquoted) ETag for a file, from its time, size and name."""
        checksum = adler32(os.fsencode(real_filename)) & 0xFFFFFFFF
        return f"wzsdm-{mtime.timestamp()}-{file_size}-{checksum}"

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        """Serve the file the path names, or call the wrapped app if there is none."""
        path = get_path_info(environ)
        real_filename: str | None = None
        file_loader: _TOpener | None = None

        # First export with a file wins, not the longest prefix.
        for search_path, loader in self.exports:
            if search_path == path:
                real_filename, file_loader = loader(None)
                if file_loader is not None:
                    break
            if not search_path.endswith("/"):
                search_path += "/"
            if path.startswith(search_path):
                real_filename, file_loader = loader(path[len(search_path) :])
                if file_loader is not None:
                    break

        if (
            file_loader is None
            or real_filename is None
            or not self.is_allowed(real_filename)
            or self._is_disallowed(real_filename)
        ):
            return self.app(environ, start_response)

        try:
            f, mtime, file_size = file_loader()
        except OSError:
            return self.app(environ, start_response)

        guessed = mimetypes.guess_type(real_filename)[0]
        mime_type = get_content_type(guessed or self.fallback_mimetype, "utf-8")
        headers = [("Date", http_date())]

        if self.cache:
            timeout = self.cache_timeout
            etag = quote_etag(self.generate_etag(mtime, file_size, real_filename))
            headers += [("Etag", etag), ("Cache-Control", f"max-age={timeout}, public")]
            if not is_resource_modified(environ, etag, last_modified=mtime):
                f.close()
                start_response("304 Not Modified", headers)
                return []
            headers.append(("Expires", http_date(time() + timeout)))
        else:
            headers.append(("Cache-Control", "public"))

        headers += [
            ("Content-Type", mime_type),
            ("Content-Length", str(file_size)),
            ("Last-Modified", http_date(mtime)),
        ]
        start_response("200 OK", headers)

        if environ.get("REQUEST_METHOD") == "HEAD":
            f.close()
            return []
        return wrap_file(environ, f)
