"""Profile each request with :mod:`cProfile`, to find what makes an application slow."""

from __future__ import annotations

import os.path
import re
import sys
import time
import typing as t
from pstats import Stats

try:
    from cProfile import Profile
except ImportError:  # pragma: no cover - Python builds without the C profiler
    from profile import Profile  # type: ignore[assignment]

if t.TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["ProfilerMiddleware"]

# Characters that would let a request method or path choose another folder or end the name.
_unsafe_name_re = re.compile(r"[/\\\x00]")
# Longer request parts are cut so the file name stays below common file system limits.
_MAX_PART = 100


def _name_part(value: str) -> str:
    return _unsafe_name_re.sub(".", value[:_MAX_PART])


class ProfilerMiddleware:
    """Profile each request; the response is buffered so the timings cover all of it.

    If ``stream`` is not ``None``, :class:`pstats.Stats` are printed to it after each
    request, sorted by ``sort_by`` and filtered by ``restrictions``. If ``profile_dir`` is
    given, the profile data of each request is also saved there, one file per request.

    ``filename_format`` names those files. A string is formatted with :meth:`str.format`
    and the fields ``{method}`` (the request method), ``{path}`` (the path with ``/``
    replaced by ``.``, or ``root``), ``{elapsed}`` (milliseconds) and ``{time}`` (the
    time of the request as a POSIX timestamp). A callable is called with the WSGI environ,
    in which ``environ["werkzeug.profiler"]`` is a dict with ``elapsed`` and ``time``, and
    returns the name.

    Unlike Werkzeug, ``{method}`` and ``{path}`` are cut to 100 characters and have
    ``/``, ``\\`` and NUL replaced with ``.``, so a client cannot make the file land outside
    ``profile_dir`` or fail to save with a name that is too long.

    :param app: The WSGI application to wrap.
    :param stream: Write stats to this stream; ``None`` disables it.
    :param sort_by: Columns to sort the stats by, see :meth:`pstats.Stats.sort_stats`.
    :param restrictions: Filters for the stats, see :meth:`pstats.Stats.print_stats`.
    :param profile_dir: Save profile data files to this folder.
    :param filename_format: Format string or callable for the data file names.

    .. code-block:: python

        from erlen.middleware.profiler import ProfilerMiddleware

        app.wsgi_app = ProfilerMiddleware(app.wsgi_app)
    """

    def __init__(
        self,
        app: WSGIApplication,
        stream: t.IO[str] | None = sys.stdout,
        sort_by: t.Iterable[str] = ("time", "calls"),
        restrictions: t.Iterable[str | int | float] = (),
        profile_dir: str | None = None,
        filename_format: str | t.Callable[[WSGIEnvironment], str] = (
            "{method}.{path}.{elapsed:.0f}ms.{time:.0f}.prof"
        ),
    ) -> None:
        self._app = app
        self._stream = stream
        self._sort_by = sort_by
        self._restrictions = restrictions
        self._profile_dir = profile_dir
        self._filename_format = filename_format

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        """Run the wrapped app under the profiler, then report and return its body."""
        response_body: list[bytes] = []

        def catching_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None
        ) -> t.Callable[[bytes], object]:
            start_response(status, headers, exc_info)
            return response_body.append

        def runapp() -> None:
            app_iter = self._app(environ, catching_start_response)
            try:
                response_body.extend(app_iter)
            finally:
                close = getattr(app_iter, "close", None)
                if close is not None:
                    close()

        profile = Profile()
        start = time.perf_counter()
        profile.runcall(runapp)
        body = b"".join(response_body)
        elapsed = (time.perf_counter() - start) * 1000.0

        if self._profile_dir is not None:
            if callable(self._filename_format):
                environ["werkzeug.profiler"] = {"elapsed": elapsed, "time": time.time()}
                filename = self._filename_format(environ)
            else:
                path = environ.get("PATH_INFO", "").strip("/").replace("/", ".") or "root"
                filename = self._filename_format.format(
                    method=_name_part(environ.get("REQUEST_METHOD", "")),
                    path=_name_part(path),
                    elapsed=elapsed,
                    time=time.time(),
                )
            profile.dump_stats(os.path.join(self._profile_dir, filename))

        if self._stream is not None:
            stats = Stats(profile, stream=self._stream)
            stats.sort_stats(*self._sort_by)
            print("-" * 80, file=self._stream)
            print(f"PATH: {environ.get('PATH_INFO', '')!r}", file=self._stream)
            stats.print_stats(*self._restrictions)
            print(f"{'-' * 80}\n", file=self._stream)

        return [body]
