"""The WSGI response object (Werkzeug's ``werkzeug.wrappers.response``).

:class:`Response` is the transport-free :class:`erlen.sansio.response.Response` plus the
WSGI adapter: calling it with ``environ`` and ``start_response`` sends it
(:meth:`~Response.get_wsgi_response`, :meth:`~Response.get_wsgi_headers`,
:meth:`~Response.get_app_iter`), and :meth:`~Response.force_type` /
:meth:`~Response.from_app` run other WSGI applications.
"""

from __future__ import annotations

import typing as t

from ..datastructures import Headers
from ..sansio.response import _NO_BODY_STATUSES, Response as _SansIOResponse, ResponseStream

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["Response", "ResponseStream"]


def _get_environ(obj: t.Any) -> WSGIEnvironment:
    """Accept a WSGI environ or an object (a request) with an ``environ`` dict."""
    env = getattr(obj, "environ", obj)
    if not isinstance(env, dict):
        raise TypeError(f"{type(obj).__name__!r} is not a WSGI environment (has to be a dict)")
    return env


class _ClosingBody:
    """The WSGI iterable returned for a response: iterates ``iterable`` and, when the
    server closes it, closes the iterable and then calls ``on_close``.
    """

    # PERF: __iter__ hands back the underlying (often C-level list) iterator, so
    # the server's next() calls never run Python code; Werkzeug's ClosingIterator
    # adds a Python __next__ per chunk.
    __slots__ = ("_iterable", "_on_close")

    def __init__(self, iterable: t.Iterable[bytes], on_close: t.Callable[[], t.Any]) -> None:
        self._iterable = iterable
        self._on_close = on_close

    def __iter__(self) -> t.Iterator[bytes]:
        return iter(self._iterable)

    def close(self) -> None:
        """Close the wrapped iterable (if it can be) and run the close callback."""
        try:
            close = getattr(self._iterable, "close", None)
            if close is not None:
                close()
        finally:
            self._on_close()


def _http_exception_call() -> t.Any:
    from ..exceptions import HTTPException

    return HTTPException.__call__


class _ClosedList(list):
    """A fixed body (a list of bytes) whose ``close`` attribute is the response's."""

    __slots__ = ("close",)
    close: t.Callable[[], None]


def _run_wsgi_app(
    app: WSGIApplication, environ: WSGIEnvironment, buffered: bool = False
) -> tuple[t.Iterable[bytes], str, Headers]:
    """Call ``app`` and return ``(app_iter, status, headers)`` (``werkzeug.test.run_wsgi_app``).

    Output written through the ``write()`` callable is kept ahead of the iterable
    (also when ``buffered``, where Werkzeug loses it).
    """
    environ = dict(_get_environ(environ))
    started: list[t.Any] = []
    buffer: list[bytes] = []

    def start_response(status: str, headers: t.Any, exc_info: t.Any = None) -> t.Any:
        if exc_info:
            try:
                raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        started[:] = [status, headers]
        return buffer.append

    app_rv = app(environ, start_response)
    close = getattr(app_rv, "close", None)
    app_iter: t.Iterable[bytes] = iter(app_rv)
    if buffered:
        try:
            # Werkzeug drops what was written with write() here; keep it.
            app_iter = buffer + list(app_iter)
        finally:
            if close is not None:
                close()
    else:
        # Run the app until it has called start_response (it may do so lazily).
        for item in app_iter:
            buffer.append(item)
            if started:
                break
        if isinstance(app_rv, list):
            # A list body is all there already (an HTTPException's response, say):
            # keep it a list, which transports send at once, not a generator.
            app_iter = buffer + list(app_iter)
        elif buffer:
            rest = app_iter
            app_iter = _chain(buffer, rest)
        if close is not None and app_iter is not app_rv:
            app_iter = _ClosingBody(app_iter, close)
    if not started:
        raise RuntimeError("The WSGI application did not call start_response().")
    return app_iter, started[0], Headers(started[1])


def _error_page(error: t.Any, environ: WSGIEnvironment) -> Response:
    """What running the HTTP error ``error`` as a WSGI application gives, as a response
    (for :meth:`Response.force_type`): the page it sends.

    The page from ``get_response`` *is* that response when sending would leave it as it is
    (its own headers, its whole body): then it is returned itself, saving a second response
    built from the first one's WSGI output. Otherwise the page is run.
    """
    environ = dict(_get_environ(environ))
    made_here = error.response is None  # else a response of the raiser's, left untouched
    page = error.get_response(environ)
    body = page.response
    if (
        made_here
        and type(page) is Response
        and body == [page._chunk]  # (a list of the one chunk of bytes it was made with)
        and not page._on_close
        and not page.autocorrect_location_header
        and page._final_headers() is None
        and page._sends_body(environ.get("REQUEST_METHOD", "GET"))
    ):
        # PERF: a 404 or 405 answered with its own page (make_response) is built once.
        return page
    return Response(*_run_wsgi_app(page, environ))


def _chain(first: list[bytes], rest: t.Iterable[bytes]) -> t.Iterator[bytes]:
    """Yield the buffered chunks, then the rest of the application iterable."""
    yield from first
    yield from rest


def _url_getter(environ: WSGIEnvironment) -> t.Callable[[], str]:
    """A function returning the request URL without the query string."""

    def base_url() -> str:
        from ..wsgi import get_current_url

        return get_current_url(environ, strip_querystring=True)

    return base_url


class Response(_SansIOResponse):
    """An outgoing WSGI HTTP response: status, headers and a body iterable.

    See :class:`erlen.sansio.response.Response` for the arguments. The response is
    itself a WSGI application: calling it with ``environ`` and ``start_response`` sends
    it.
    """

    @classmethod
    def force_type(cls, response: Response, environ: WSGIEnvironment | None = None) -> Response:
        """Make ``response`` an instance of this class, changing its class in place.

        Any other WSGI application is run against ``environ`` (required then, else
        ``TypeError``) and its output turned into a response.
        """
        if not isinstance(response, Response):
            if environ is None:
                raise TypeError(
                    "cannot convert WSGI application into response objects without an environ"
                )
            if type(response).__call__ is _HTTP_EXCEPTION_CALL:
                response = _error_page(response, environ)
            else:
                response = Response(*_run_wsgi_app(response, environ))
        response.__class__ = cls
        return response

    @classmethod
    def from_app(
        cls, app: WSGIApplication, environ: WSGIEnvironment, buffered: bool = False
    ) -> Response:
        """Run the WSGI application ``app`` and wrap its output in a response.

        ``buffered=True`` reads the whole body (and closes the app iterable) first.
        """
        return cls(*_run_wsgi_app(app, environ, buffered))

    # Whether the class keeps the WSGI methods below (set for each subclass): then
    # __call__ and the ASGI adapter take their steps without calling them.
    _plain_wsgi = True

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._plain_wsgi = all(
            getattr(cls, name) is getattr(Response, name) for name in _WSGI_METHODS
        )

    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        """The headers to send for ``environ`` (see ``_final_headers`` in the sans-IO
        response: ASCII ``Location``, no ``Content-Length`` for 1xx/204, no entity headers
        for 304, ``Content-Length`` for a buffered body).

        Unlike Werkzeug, which always copies, :attr:`headers` itself is returned when
        nothing needs to change: copy it before modifying the result.
        """
        new = self._final_headers(
            _url_getter(environ) if self.autocorrect_location_header else None
        )
        if new is None:
            return self._headers
        return Headers(new)

    def get_app_iter(self, environ: WSGIEnvironment) -> t.Iterable[bytes]:
        """The WSGI body iterable for ``environ``: empty for ``HEAD`` requests and
        1xx/204/304 statuses, the body itself with :attr:`direct_passthrough`, else
        the encoded body. Closing it calls :meth:`close`.
        """
        return self._app_iter(environ.get("REQUEST_METHOD", "GET"))

    def _app_iter(self, method: str) -> t.Iterable[bytes]:
        """:meth:`get_app_iter` for a request ``method``."""
        # PERF: _sends_body()'s test, without its call.
        if method == "HEAD" or self._status_code in _NO_BODY_STATUSES:
            return _ClosingBody((), self.close)
        body = self.response
        # PERF: a body of bytes goes out as a list, which servers iterate in C. When
        # close() would do nothing (no callbacks, the methods not overridden), the body
        # itself is sent (as direct_passthrough would send it) and there is nothing to
        # call; else a list subclass carries close (cheaper to build than _ClosingBody).
        # The one chunk the body was made with, if the body is still just that, is told
        # in one comparison (a list of one bytes object; a changed body fails it).
        if body == [self._chunk]:
            if self._plain_send and not self._on_close or self.direct_passthrough:
                return body
            if self._plain_iter:
                rv = _ClosedList(body)
                rv.close = self.close
                return rv
        elif self.direct_passthrough:
            return body  # type: ignore[return-value]
        return _ClosingBody(self.iter_encoded(), self.close)

    def get_wsgi_response(
        self, environ: WSGIEnvironment
    ) -> tuple[t.Iterable[bytes], str, list[tuple[str, str]]]:
        """Return ``(app_iter, status, headers)`` for ``environ``, headers as a new
        list of ``(name, value)`` tuples.
        """
        headers = self.get_wsgi_headers(environ)
        # Servers may add to the list they get: a copy (of the list behind a plain
        # Headers without the call to to_wsgi_list).
        header_list = list(headers._list if type(headers) is Headers else headers.to_wsgi_list())
        # PERF: _status is the attribute behind the status property.
        return self.get_app_iter(environ), self._status, header_list

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        """Send the response as a WSGI application (:meth:`get_wsgi_response`)."""
        if not self._plain_wsgi:
            app_iter, status, headers = self.get_wsgi_response(environ)
            start_response(status, headers)
            return app_iter
        # PERF: the class keeps get_wsgi_response, get_wsgi_headers and get_app_iter:
        # their steps (the final headers, a copy of the list, the body), without the
        # three calls.
        header_list = self._final_headers(
            _url_getter(environ) if self.autocorrect_location_header else None
        )
        if header_list is None:  # the headers as they are
            h = self._headers
            header_list = list(h._list if type(h) is Headers else h.to_wsgi_list())
        start_response(self._status, header_list)
        return self._app_iter(environ.get("REQUEST_METHOD", "GET"))

    def make_conditional(
        self,
        request_or_environ: WSGIEnvironment | t.Any,
        accept_ranges: bool | str = False,
        complete_length: int | None = None,
    ) -> Response:
        """The sans-IO :meth:`~erlen.sansio.response.Response.make_conditional`, which
        also accepts a WSGI environ (as Werkzeug's does)."""
        request = request_or_environ
        if not hasattr(request, "headers"):
            from .request import Request

            request = Request(_get_environ(request), populate_request=False, shallow=True)
        return super().make_conditional(request, accept_ranges, complete_length)  # type: ignore[return-value]


# The methods that make the WSGI response: a class overriding one is sent through them.
_WSGI_METHODS = ("__call__", "get_wsgi_response", "get_wsgi_headers", "get_app_iter")

# What running an HTTPException as a WSGI application calls (see _run_wsgi_app).
_HTTP_EXCEPTION_CALL = _http_exception_call()
