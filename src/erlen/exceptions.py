"""HTTP exceptions that render as error responses (Werkzeug's ``werkzeug.exceptions``).

Raise a subclass of :class:`HTTPException` from a view to abort with that status.
Each exception is also a WSGI application rendering a small HTML error page, and
:meth:`HTTPException.get_response` turns it into a response object.
"""

from __future__ import annotations

import typing as t
from datetime import datetime

from markupsafe import Markup, escape

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .wrappers.response import Response

__all__ = [
    "Aborter",
    "BadGateway",
    "BadHost",
    "BadRequest",
    "BadRequestKeyError",
    "ClientDisconnected",
    "Conflict",
    "ExpectationFailed",
    "FailedDependency",
    "Forbidden",
    "GatewayTimeout",
    "Gone",
    "HTTPException",
    "HTTPVersionNotSupported",
    "ImATeapot",
    "InternalServerError",
    "LengthRequired",
    "Locked",
    "MethodNotAllowed",
    "MisdirectedRequest",
    "NotAcceptable",
    "NotFound",
    "NotImplemented",
    "PreconditionFailed",
    "PreconditionRequired",
    "RequestEntityTooLarge",
    "RequestHeaderFieldsTooLarge",
    "RequestTimeout",
    "RequestURITooLarge",
    "RequestedRangeNotSatisfiable",
    "SecurityError",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "UnavailableForLegalReasons",
    "UnprocessableEntity",
    "UnsupportedMediaType",
    "abort",
    "default_exceptions",
]

_BR = Markup("<br>")
_status_codes: dict[int, str] | None = None

# The HTML of the error pages' reason phrases and descriptions, by text: the same few render
# on every error. Bounded, as a description may be built from request data.
_page_html: dict[str, str] = {}
_PAGE_HTML_SIZE = 256


def _html(text: str) -> str:
    """``text`` escaped for the error page, line breaks as ``<br>``; plain ``str`` values
    are remembered (a ``Markup`` is already HTML, and equal to the plain text as a key)."""
    if type(text) is not str:
        return str(escape(text).replace("\n", _BR))
    html = _page_html.get(text)
    if html is None:
        html = str(escape(text).replace("\n", _BR))
        if len(_page_html) >= _PAGE_HTML_SIZE:
            _page_html.clear()
        _page_html[text] = html
    return html


def _reason(code: int | None) -> str:
    """Return the reason phrase for ``code`` from :data:`erlen.http.HTTP_STATUS_CODES`."""
    global _status_codes
    if _status_codes is None:
        # Imported on first use: erlen.http imports this module.
        from .http import HTTP_STATUS_CODES

        _status_codes = HTTP_STATUS_CODES
    return _status_codes.get(code, "Unknown Error")  # type: ignore[arg-type]


def _get_environ(obj: t.Any) -> WSGIEnvironment:
    """Accept a WSGI environ or a request object wrapping one."""
    env = getattr(obj, "environ", obj)
    if not isinstance(env, dict):
        raise TypeError(f"{type(obj).__name__!r} is not a WSGI environment (has to be a dict)")
    return env


class HTTPException(Exception):
    """Base class for all HTTP exceptions.

    An instance is a WSGI application that renders a default error page; catch
    the subclasses individually to render nicer pages. ``response``, if given,
    is returned by :meth:`get_response` instead of the generated page.
    """

    code: int | None = None
    description: str | None = None

    # PERF: no super().__init__() call and no eager work: a NotFound is raised
    # and caught for every unmatched URL (MethodNotAllowed skips the super()
    # chain too).
    def __init__(self, description: str | None = None, response: Response | None = None) -> None:
        if description is not None:
            self.description = description
        self.response = response

    @classmethod
    def wrap(cls, exception: type[BaseException], name: str | None = None) -> type[HTTPException]:
        """Create a class that is both ``cls`` and ``exception``.

        Raising it can be caught as either type, e.g. a ``KeyError`` that also
        renders as a 400 Bad Request. The first constructor argument is passed
        to ``exception``, the rest to ``cls``.
        """

        def __init__(self: t.Any, arg: t.Any = None, *args: t.Any, **kwargs: t.Any) -> None:
            cls.__init__(self, *args, **kwargs)
            if arg is None:
                exception.__init__(self)
            else:
                exception.__init__(self, arg)

        def __str__(self: t.Any) -> str:
            return cls.__str__(self)

        wrapped = type(
            name or f"{cls.__name__}{exception.__name__}",
            (cls, exception),
            {"__init__": __init__, "__str__": __str__, "__module__": cls.__module__},
        )
        return t.cast("type[HTTPException]", wrapped)

    @property
    def name(self) -> str:
        """The reason phrase for :attr:`code`, e.g. ``"Not Found"``."""
        return _reason(self.code)

    def get_description(
        self, environ: WSGIEnvironment | None = None, scope: dict[str, t.Any] | None = None
    ) -> str:
        """Return the HTML-escaped description wrapped in a ``<p>`` element."""
        description = self.description
        if description is None:
            return "<p></p>"
        return f"<p>{_html(description)}</p>"

    def get_body(
        self, environ: WSGIEnvironment | None = None, scope: dict[str, t.Any] | None = None
    ) -> str:
        """Return the HTML error page."""
        name = _html(self.name)
        return (
            "<!doctype html>\n"
            "<html lang=en>\n"
            f"<title>{self.code} {name}</title>\n"
            f"<h1>{name}</h1>\n"
            f"{self.get_description(environ, scope)}\n"
        )

    def get_headers(
        self, environ: WSGIEnvironment | None = None, scope: dict[str, t.Any] | None = None
    ) -> list[tuple[str, str]]:
        """Return the response headers as a list of ``(name, value)`` tuples."""
        return [("Content-Type", "text/html; charset=utf-8")]

    def get_response(
        self, environ: t.Any | None = None, scope: dict[str, t.Any] | None = None
    ) -> Response:
        """Return a response object for this error.

        :param environ: a WSGI environ or request object, used by subclasses
            that customise the page per request.
        :param scope: an ASGI scope, likewise.
        """
        if self.response is not None:
            return self.response
        from .wrappers.response import Response

        if environ is not None:
            environ = _get_environ(environ)
        headers = self.get_headers(environ, scope)
        return Response(self.get_body(environ, scope), self.code, headers)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve the error page as a WSGI application."""
        response = self.get_response(environ)
        return response(environ, start_response)

    def __str__(self) -> str:
        code = self.code if self.code is not None else "???"
        return f"{code} {self.name}: {self.description}"

    def __repr__(self) -> str:
        code = self.code if self.code is not None else "???"
        return f"<{type(self).__name__} '{code}: {self.name}'>"


class BadRequest(HTTPException):
    """*400* ``Bad Request``: the client sent something the server can't handle."""

    code = 400
    description = "The browser (or proxy) sent a request that this server could not understand."


class BadRequestKeyError(BadRequest, KeyError):
    """Both a :exc:`KeyError` and a :exc:`BadRequest`, raised by the multi-dicts."""

    _description = BadRequest.description
    #: Show the missing key in the page. Useful in debug mode only.
    show_exception = False

    def __init__(self, arg: object | None = None, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        if arg is None:
            KeyError.__init__(self)
        else:
            KeyError.__init__(self, arg)

    @property
    def description(self) -> str:
        """The page text, plus the missing key if :attr:`show_exception` is set."""
        if self.show_exception:
            return f"{self._description}\nKeyError: {KeyError.__str__(self)}"
        return self._description

    @description.setter
    def description(self, value: str) -> None:
        self._description = value


class ClientDisconnected(BadRequest):
    """Raised when the client is detected to have disconnected mid-request."""


class SecurityError(BadRequest):
    """Raised when something triggers a security check; otherwise a 400."""


class BadHost(BadRequest):
    """Raised when the submitted host is badly formatted or not trusted."""


def _is_single_auth(value: object) -> bool:
    # A WWWAuthenticate (or a preformatted string) is one header; anything
    # else is taken as an iterable of them. Duck-typed to avoid importing
    # erlen.datastructures on the error path.
    return isinstance(value, str) or hasattr(value, "to_header")


class Unauthorized(HTTPException):
    """*401* ``Unauthorized``: authentication is required.

    :param www_authenticate: a :class:`~erlen.datastructures.WWWAuthenticate`
        (or header string), or a list of them; each becomes one
        ``WWW-Authenticate`` header.
    """

    code = 401
    description = (
        "The server could not verify that you are authorized to access"
        " the URL requested. You either supplied the wrong credentials"
        " (e.g. a bad password), or your browser doesn't understand"
        " how to supply the credentials required."
    )

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        www_authenticate: t.Any | None = None,
    ) -> None:
        super().__init__(description, response)
        if www_authenticate is not None and _is_single_auth(www_authenticate):
            www_authenticate = (www_authenticate,)
        self.www_authenticate = www_authenticate

    def get_headers(
        self, environ: WSGIEnvironment | None = None, scope: dict[str, t.Any] | None = None
    ) -> list[tuple[str, str]]:
        """Add one ``WWW-Authenticate`` header per challenge."""
        headers = super().get_headers(environ, scope)
        if self.www_authenticate:
            headers.extend(
                ("WWW-Authenticate", x.to_header() if hasattr(x, "to_header") else str(x))
                for x in self.www_authenticate
            )
        return headers


class Forbidden(HTTPException):
    """*403* ``Forbidden``: authenticated, but not allowed to access the resource."""

    code = 403
    description = (
        "You don't have the permission to access the requested"
        " resource. It is either read-protected or not readable by the"
        " server."
    )


class NotFound(HTTPException):
    """*404* ``Not Found``: the resource does not exist."""

    code = 404
    description = (
        "The requested URL was not found on the server. If you entered"
        " the URL manually please check your spelling and try again."
    )


class MethodNotAllowed(HTTPException):
    """*405* ``Method Not Allowed``; ``valid_methods`` becomes the ``Allow`` header."""

    code = 405
    description = "The method is not allowed for the requested URL."

    def __init__(
        self,
        valid_methods: Iterable[str] | None = None,
        description: str | None = None,
        response: Response | None = None,
    ) -> None:
        if description is not None:
            self.description = description
        self.response = response
        self.valid_methods = valid_methods

    def get_headers(
        self, environ: WSGIEnvironment | None = None, scope: dict[str, t.Any] | None = None
    ) -> list[tuple[str, str]]:
        """Add the ``Allow`` header listing the valid methods."""
        headers = super().get_headers(environ, scope)
        if self.valid_methods:
            headers.append(("Allow", ", ".join(self.valid_methods)))
        return headers


class NotAcceptable(HTTPException):
    """*406* ``Not Acceptable``: no representation matches the ``Accept`` headers."""

    code = 406
    description = (
        "The resource identified by the request is only capable of"
        " generating response entities which have content"
        " characteristics not acceptable according to the accept"
        " headers sent in the request."
    )


class RequestTimeout(HTTPException):
    """*408* ``Request Timeout``."""

    code = 408
    description = (
        "The server closed the network connection because the browser"
        " didn't finish the request within the specified time."
    )


class Conflict(HTTPException):
    """*409* ``Conflict``: the request conflicts with the resource's current state."""

    code = 409
    description = (
        "A conflict happened while processing the request. The"
        " resource might have been modified while the request was being"
        " processed."
    )


class Gone(HTTPException):
    """*410* ``Gone``: the resource existed but is permanently gone."""

    code = 410
    description = (
        "The requested URL is no longer available on this server and"
        " there is no forwarding address. If you followed a link from a"
        " foreign page, please contact the author of this page."
    )


class LengthRequired(HTTPException):
    """*411* ``Length Required``: a ``Content-Length`` header is needed."""

    code = 411
    description = "A request with this method requires a valid <code>Content-Length</code> header."


class PreconditionFailed(HTTPException):
    """*412* ``Precondition Failed``: an ``If-*`` precondition did not hold."""

    code = 412
    description = "The precondition on the request for the URL failed positive evaluation."


class RequestEntityTooLarge(HTTPException):
    """*413* ``Request Entity Too Large``: the body exceeds a configured limit."""

    code = 413
    description = "The data value transmitted exceeds the capacity limit."


class RequestURITooLarge(HTTPException):
    """*414* ``Request URI Too Large``."""

    code = 414
    description = (
        "The length of the requested URL exceeds the capacity limit for"
        " this server. The request cannot be processed."
    )


class UnsupportedMediaType(HTTPException):
    """*415* ``Unsupported Media Type``."""

    code = 415
    description = "The server does not support the media type transmitted in the request."


class RequestedRangeNotSatisfiable(HTTPException):
    """*416* ``Requested Range Not Satisfiable``.

    If ``length`` is given, a ``Content-Range: <units> */<length>`` header is sent.
    The argument order matches Werkzeug's (``length`` first).
    """

    code = 416
    description = "The server cannot provide the requested range."

    def __init__(
        self,
        length: int | None = None,
        units: str = "bytes",
        description: str | None = None,
        response: Response | None = None,
    ) -> None:
        super().__init__(description, response)
        self.length = length
        self.units = units

    def get_headers(
        self, environ: WSGIEnvironment | None = None, scope: dict[str, t.Any] | None = None
    ) -> list[tuple[str, str]]:
        """Add the ``Content-Range`` header if the length is known."""
        headers = super().get_headers(environ, scope)
        if self.length is not None:
            headers.append(("Content-Range", f"{self.units} */{self.length}"))
        return headers


class ExpectationFailed(HTTPException):
    """*417* ``Expectation Failed``: the ``Expect`` header can't be met."""

    code = 417
    description = "The server could not meet the requirements of the Expect header"


class ImATeapot(HTTPException):
    """*418* ``I'm a teapot``."""

    code = 418
    description = "This server is a teapot, not a coffee machine"


class MisdirectedRequest(HTTPException):
    """*421* ``Misdirected Request``: this server can't produce a response here."""

    code = 421
    description = "The server is not able to produce a response."


class UnprocessableEntity(HTTPException):
    """*422* ``Unprocessable Entity``: well-formed but semantically invalid."""

    code = 422
    description = (
        "The request was well-formed but was unable to be followed due to semantic errors."
    )


class Locked(HTTPException):
    """*423* ``Locked``."""

    code = 423
    description = "The resource that is being accessed is locked."


class FailedDependency(HTTPException):
    """*424* ``Failed Dependency``."""

    code = 424
    description = (
        "The method could not be performed on the resource because the"
        " requested action depended on another action and that action"
        " failed."
    )


class PreconditionRequired(HTTPException):
    """*428* ``Precondition Required``: the request must be conditional."""

    code = 428
    description = (
        'This request is required to be conditional; try using "If-Match" or "If-Unmodified-Since".'
    )


def _http_date(value: datetime) -> str:
    """Format ``value`` as an IMF-fixdate; naive datetimes are taken as UTC."""
    from .http import http_date

    return http_date(value)


class _RetryAfter(HTTPException):
    """Base for errors with an optional ``Retry-After`` header.

    ``retry_after`` may be an :class:`int` number of seconds or a
    :class:`~datetime.datetime`.
    """

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        retry_after: datetime | int | None = None,
    ) -> None:
        super().__init__(description, response)
        self.retry_after = retry_after

    def get_headers(
        self, environ: WSGIEnvironment | None = None, scope: dict[str, t.Any] | None = None
    ) -> list[tuple[str, str]]:
        """Add the ``Retry-After`` header if set."""
        headers = super().get_headers(environ, scope)
        retry_after = self.retry_after
        if retry_after:
            if isinstance(retry_after, datetime):
                value = _http_date(retry_after)
            else:
                value = str(retry_after)
            headers.append(("Retry-After", value))
        return headers


class TooManyRequests(_RetryAfter):
    """*429* ``Too Many Requests``; ``retry_after`` sets ``Retry-After``."""

    code = 429
    description = "This user has exceeded an allotted request count. Try again later."


class RequestHeaderFieldsTooLarge(HTTPException):
    """*431* ``Request Header Fields Too Large``."""

    code = 431
    description = "One or more header fields exceeds the maximum size."


class UnavailableForLegalReasons(HTTPException):
    """*451* ``Unavailable For Legal Reasons``."""

    code = 451
    description = "Unavailable for legal reasons."


class InternalServerError(HTTPException):
    """*500* ``Internal Server Error``.

    :param original_exception: the unhandled exception that caused this error,
        kept for error handlers and logging.
    """

    code = 500
    description = (
        "The server encountered an internal error and was unable to"
        " complete your request. Either the server is overloaded or"
        " there is an error in the application."
    )

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        original_exception: BaseException | None = None,
    ) -> None:
        self.original_exception = original_exception
        super().__init__(description, response)


class NotImplemented(HTTPException):
    """*501* ``Not Implemented``."""

    code = 501
    description = "The server does not support the action requested by the browser."


class BadGateway(HTTPException):
    """*502* ``Bad Gateway``: an upstream server sent an invalid response."""

    code = 502
    description = "The proxy server received an invalid response from an upstream server."


class ServiceUnavailable(_RetryAfter):
    """*503* ``Service Unavailable``; ``retry_after`` sets ``Retry-After``."""

    code = 503
    description = (
        "The server is temporarily unable to service your request due"
        " to maintenance downtime or capacity problems. Please try"
        " again later."
    )


class GatewayTimeout(HTTPException):
    """*504* ``Gateway Timeout``: an upstream server timed out."""

    code = 504
    description = "The connection to an upstream server timed out."


class HTTPVersionNotSupported(HTTPException):
    """*505* ``HTTP Version Not Supported``."""

    code = 505
    description = "The server does not support the HTTP protocol version used in the request."


#: Maps each status code to its standard exception class.
default_exceptions: dict[int, type[HTTPException]] = {
    cls.code: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        NotAcceptable,
        RequestTimeout,
        Conflict,
        Gone,
        LengthRequired,
        PreconditionFailed,
        RequestEntityTooLarge,
        RequestURITooLarge,
        UnsupportedMediaType,
        RequestedRangeNotSatisfiable,
        ExpectationFailed,
        ImATeapot,
        MisdirectedRequest,
        UnprocessableEntity,
        Locked,
        FailedDependency,
        PreconditionRequired,
        TooManyRequests,
        RequestHeaderFieldsTooLarge,
        UnavailableForLegalReasons,
        InternalServerError,
        NotImplemented,
        BadGateway,
        ServiceUnavailable,
        GatewayTimeout,
        HTTPVersionNotSupported,
    )
}


def _is_response(value: object) -> bool:
    # Any response object (WSGI or sans-IO); checked structurally so raising
    # with a response doesn't force the wrappers import.
    return hasattr(value, "status_code") and hasattr(value, "headers")


class Aborter:
    """Callable that raises the exception registered for a status code.

    :param mapping: code -> exception class; defaults to :data:`default_exceptions`.
    :param extra: additional entries layered over ``mapping``.

    Calling it with a response object raises :class:`HTTPException` wrapping
    that response. Other arguments are forwarded to the exception class.
    """

    def __init__(
        self,
        mapping: dict[int, type[HTTPException]] | None = None,
        extra: dict[int, type[HTTPException]] | None = None,
    ) -> None:
        self.mapping = dict(default_exceptions if mapping is None else mapping)
        if extra is not None:
            self.mapping.update(extra)

    def __call__(self, code: int | Response, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        """Raise the exception for ``code``, or wrap a response object."""
        exc = self.mapping.get(code) if type(code) is int else None
        if exc is not None:
            raise exc(*args, **kwargs)
        if not isinstance(code, int) and _is_response(code):
            raise HTTPException(response=code)
        try:
            exc = self.mapping[code]  # type: ignore[index]
        except (KeyError, TypeError):
            raise LookupError(f"no exception for {code!r}") from None
        raise exc(*args, **kwargs)


def abort(status: int | Response, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
    """Raise the :class:`HTTPException` for a status code, or for a response.

    ``abort(404)`` raises :class:`NotFound`; ``abort(response)`` raises an
    :class:`HTTPException` whose :meth:`~HTTPException.get_response` returns
    ``response``. Extra arguments go to the exception's constructor.
    """
    _aborter(status, *args, **kwargs)


_aborter: Aborter = Aborter()
