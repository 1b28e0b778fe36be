"""The transport-free part of a response (Werkzeug's ``werkzeug.sansio.response``).

:class:`Response` holds a status, :class:`~erlen.datastructures.Headers` and a body
iterable, with Werkzeug 3.1's public API: status, cookies, the typed header views, the
body helpers, and the final-header, conditional (304/412) and range (206/416) logic,
which take request values (a request object's ``method`` and ``headers``), never a
transport's data. :class:`erlen.wrappers.response.Response` adds the WSGI adapter.

Unlike Werkzeug's sans-IO response, the body handling lives here too, so that every
transport sends a body the same way.
"""

from __future__ import annotations

import json
import re
import typing as t
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from operator import attrgetter
from urllib.parse import urljoin

from ..datastructures import ContentRange, Headers, ResponseCacheControl
from ..http import (
    HTTP_STATUS_CODES,
    dump_age,
    dump_cookie,
    dump_header,
    dump_options_header,
    generate_etag,
    get_content_type,
    http_date,
    is_resource_modified,
    parse_age,
    parse_cache_control_header,
    parse_content_range_header,
    parse_date,
    parse_etags,
    parse_options_header,
    parse_range_header,
    parse_set_header,
    quote_etag,
    remove_entity_headers,
    unquote_etag,
)
from ..urls import iri_to_uri
from ..utils import cached_property, header_property

if t.TYPE_CHECKING:
    from ..datastructures import ContentSecurityPolicy, HeaderSet, WWWAuthenticate
    from .request import Request as SansIORequest

__all__ = ["Response", "ResponseStream"]

_T = t.TypeVar("_T")

# "200 OK"-style status lines for every known code, built once.
_STATUS_LINES: dict[int, str] = {
    code: f"{code} {reason.upper()}" for code, reason in HTTP_STATUS_CODES.items()
}

# ("Content-Type", get_content_type()) items for the few mimetypes an app uses, already
# checked for newlines so the constructor may put them in the header list directly.
_CONTENT_TYPE_ITEMS: dict[str, tuple[str, str]] = {}
_CONTENT_TYPES_MAX = 256

# ("Content-Length", str(n)) items for the lengths of short bodies.
_LENGTH_ITEMS: dict[int, tuple[str, str]] = {}
_LENGTH_ITEMS_MAX = 2048

# (status line, code) for every known code: what the constructor stores for an int status.
_STATUS_ITEMS: dict[int, tuple[str, int]] = {
    code: (line, code) for code, line in _STATUS_LINES.items()
}

# PERF: the bound lookups, one attribute load fewer per use.
_cached_content_type_item = _CONTENT_TYPE_ITEMS.get
_cached_length_item = _LENGTH_ITEMS.get

_NEWLINE = re.compile(r"[\r\n\x00]")

_new_headers = object.__new__

# Statuses that never carry a body (RFC 9110 15.2, 15.3.5, 15.4.5): 1xx, 204, 304.
_NO_BODY_STATUSES = frozenset((*range(100, 200), 204, 304))

# Header names that _final_headers() passes over (common spellings of names that need
# no fixing), and those of Content-Length: set membership, no lower(), for most names.
_NEUTRAL_NAMES = frozenset(
    (
        "Content-Type",
        "Set-Cookie",
        "Cache-Control",
        "ETag",
        "Last-Modified",
        "Expires",
        "Date",
        "Vary",
        "Content-Encoding",
        "Content-Disposition",
        "Accept-Ranges",
        "Content-Range",
        "Access-Control-Allow-Origin",
        "content-type",
        "set-cookie",
        "cache-control",
    )
)
_LENGTH_NAMES = frozenset(("Content-Length", "content-length"))


def _content_type_item(mimetype: str) -> tuple[str, str]:
    """The ``Content-Type`` header item for ``mimetype`` (with ``get_content_type``'s
    charset), cached and checked for newlines."""
    item = _CONTENT_TYPE_ITEMS.get(mimetype)
    if item is None:
        ct = get_content_type(mimetype, "utf-8")
        if _NEWLINE.search(ct) is not None:
            raise ValueError("Header values must not contain newline characters.")
        item = ("Content-Type", ct)
        if len(_CONTENT_TYPE_ITEMS) < _CONTENT_TYPES_MAX:
            _CONTENT_TYPE_ITEMS[mimetype] = item
    return item


def _length_item(length: int) -> tuple[str, str]:
    """The ``Content-Length`` header item for ``length``, cached for short bodies."""
    item = ("Content-Length", str(length))
    if length < _LENGTH_ITEMS_MAX:
        _LENGTH_ITEMS[length] = item
    return item


def _iter_encoded(iterable: t.Iterable[str | bytes]) -> t.Iterator[bytes]:
    """Yield the items of ``iterable``, encoding strings as UTF-8."""
    for item in iterable:
        if isinstance(item, str):
            yield item.encode()
        else:
            yield item


def _conditional_values(request: SansIORequest) -> dict[str, t.Any]:
    """The conditional request headers, as :func:`~erlen.http.is_resource_modified`'s
    keyword arguments."""
    headers = request.headers
    return {
        "http_range": headers.get("Range"),
        "http_if_range": headers.get("If-Range"),
        "http_if_modified_since": headers.get("If-Modified-Since"),
        "http_if_none_match": headers.get("If-None-Match"),
        "http_if_match": headers.get("If-Match"),
    }


def _set_headers(response: Response, value: t.Any) -> None:
    """Assign :attr:`Response.headers`: a mapping, a ``MultiDict`` or a list of
    ``(name, value)`` pairs is copied into a :class:`~erlen.datastructures.Headers`
    (as Werkzeug copies the headers it sends), so an ``after_request`` function may
    replace the headers with a plain ``dict``."""
    if not isinstance(value, Headers):
        value = Headers(value)
    response._headers = value


class _ParamsDict(dict):
    """A dict that calls ``on_update(self)`` after every change (``mimetype_params``)."""

    def __init__(self, initial: dict[str, str], on_update: t.Callable[[_ParamsDict], None]):
        super().__init__(initial)
        self.on_update = on_update

    def _changed(self) -> None:
        self.on_update(self)

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._changed()

    def clear(self) -> None:
        """Remove all parameters."""
        super().clear()
        self._changed()

    def pop(self, key: str, *default: t.Any) -> t.Any:
        """Remove and return a parameter."""
        rv = super().pop(key, *default)
        self._changed()
        return rv

    def popitem(self) -> tuple[str, str]:
        """Remove and return the last parameter."""
        rv = super().popitem()
        self._changed()
        return rv

    def setdefault(self, key: str, default: t.Any = None) -> t.Any:
        """Set a parameter unless it is already present."""
        had = key in self
        rv = super().setdefault(key, default)
        if not had:
            self._changed()
        return rv

    def update(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Update several parameters."""
        super().update(*args, **kwargs)
        self._changed()


class _HeaderProperty(header_property[_T]):
    """A response attribute backed by one header: :class:`erlen.utils.header_property`,
    except that assigning ``None`` removes the header (Werkzeug would write the text
    ``"None"``, or for dates the current time)."""

    def __init__(
        self,
        name: str,
        default: t.Any = None,
        load_func: t.Callable[[str], t.Any] | None = None,
        dump_func: t.Callable[[t.Any], str | None] | None = None,
        read_only: bool | None = None,
        doc: str | None = None,
    ) -> None:
        super().__init__(name, default, load_func, dump_func, read_only, doc)  # type: ignore[arg-type]

    def __set__(self, instance: t.Any, value: t.Any) -> None:
        if value is None:
            instance.headers.pop(self.name, None)
        else:
            super().__set__(instance, value)


def _set_property(name: str, doc: str) -> property:
    """A :class:`HeaderSet` view of a comma-separated header that writes back."""

    def fget(self: Response) -> HeaderSet:
        def on_update(header_set: HeaderSet) -> None:
            if header_set:
                self.headers[name] = header_set.to_header()
            else:
                self.headers.pop(name, None)

        return parse_set_header(self.headers.get(name), on_update)

    def fset(self: Response, value: str | t.Iterable[str] | None) -> None:
        if not value:
            self.headers.pop(name, None)
        elif isinstance(value, str):
            self.headers[name] = value
        else:
            self.headers[name] = dump_header(value)

    def fdel(self: Response) -> None:
        self.headers.pop(name, None)

    return property(fget, fset, fdel, doc=doc)


def _optional_set_property(name: str, doc: str) -> property:
    """Like :func:`_set_property` but ``None`` (not an empty set) when the header is
    absent, as Werkzeug's ``access_control_*`` lists are.
    """
    base = _set_property(name, doc)

    def fget(self: Response) -> HeaderSet | None:
        if name not in self.headers:
            return None
        return base.fget(self)  # type: ignore[misc]

    return property(fget, base.fset, base.fdel, doc=doc)


def _csp_property(name: str, doc: str) -> property:
    """A ``ContentSecurityPolicy`` view of ``name`` that writes back."""

    def fget(self: Response) -> ContentSecurityPolicy:
        from ..datastructures import ContentSecurityPolicy
        from ..http import parse_csp_header

        def on_update(csp: ContentSecurityPolicy) -> None:
            if csp:
                self.headers[name] = csp.to_header()
            else:
                self.headers.pop(name, None)

        rv = parse_csp_header(self.headers.get(name), on_update)
        if rv is None:
            rv = ContentSecurityPolicy(None, on_update=on_update)
        return rv

    def fset(self: Response, value: ContentSecurityPolicy | str | None) -> None:
        if not value:
            self.headers.pop(name, None)
        elif isinstance(value, str):
            self.headers[name] = value
        else:
            self.headers[name] = value.to_header()

    def fdel(self: Response) -> None:
        self.headers.pop(name, None)

    return property(fget, fset, fdel, doc=doc)


class Response:
    """An outgoing HTTP response without a transport: status, headers and a body iterable.

    The body may be ``str`` (encoded as UTF-8) or ``bytes``, a list or tuple of those
    (a fixed-length body), or any other iterable of them (a streamed body, sent as it
    is produced). :class:`erlen.wrappers.response.Response` adds the WSGI adapter
    (calling the response sends it); the header, cookie, conditional and range logic
    here takes request values, so any transport can use it.

    :param response: the body; ``None`` is an empty body.
    :param status: an int (the reason phrase is added), a string ``"{code} {reason}"``
        or an :class:`http.HTTPStatus`. Defaults to :attr:`default_status`.
    :param headers: a :class:`~erlen.datastructures.Headers` object (used as is), a
        mapping or a list of ``(key, value)`` tuples.
    :param mimetype: the mimetype; text types get ``; charset=utf-8``.
        Defaults to :attr:`default_mimetype` unless the headers set a content type.
    :param content_type: the full content type, overriding ``mimetype``.
    :param direct_passthrough: send the body iterable to the server unchanged (used
        by :func:`~erlen.utils.send_file`); it is then never buffered implicitly.

    Subclasses may override the class attributes (Flask's ``Response`` sets
    ``default_mimetype = "text/html"`` and makes :attr:`max_cookie_size` a property).
    Instances have a ``__dict__``: subclasses and users may set attributes freely.
    """

    #: The status used when none is given.
    default_status = 200
    #: The mimetype used when neither a mimetype nor a content type is given.
    default_mimetype: str | None = "text/plain"
    #: Warn (``UserWarning`` from ``dump_cookie``) if a ``Set-Cookie`` header is
    #: larger than this many bytes; ``0`` disables the check.
    max_cookie_size = 4093
    #: If false, properties that need the whole body do not buffer a streamed body
    #: implicitly but raise ``RuntimeError``; call :meth:`make_sequence` yourself.
    implicit_sequence_conversion = True
    #: If true, a relative ``Location`` header is made absolute when sent.
    autocorrect_location_header = False
    #: Set ``Content-Length`` automatically when the body length is known.
    automatically_set_content_length = True
    #: The module (anything with ``dumps`` and ``loads``) used by :meth:`get_json`.
    json_module: t.Any = json
    #: Whether the body iterable is passed to the server unchanged.
    direct_passthrough = False

    if t.TYPE_CHECKING:
        #: The response headers.
        headers: Headers
    else:
        # PERF: a property whose getter is C code, over a plain instance attribute: the
        # response keeps its compact attribute storage (storing past a data descriptor
        # would need the instance __dict__ object), and reading costs no Python call.
        headers = property(
            attrgetter("_headers"),
            _set_headers,
            doc="The response headers; assigning a mapping or pairs copies them.",
        )
    _headers: Headers
    #: The body iterable: a list of bytes for a fixed-length body.
    response: t.Iterable[str] | t.Iterable[bytes]

    _status: str
    _status_code: int
    # The one chunk of the body that the constructor or set_data() stored (None for other
    # bodies): a body still equal to [_chunk] is sent as it is (see the WSGI _app_iter).
    _chunk: bytes | bytearray | None = None
    # Callbacks for close(); a shared empty tuple until call_on_close() is used.
    _on_close: list[t.Callable[[], t.Any]] | tuple[()] = ()
    # Whether a subclass keeps these methods decides what may be skipped: set_data for
    # a str/bytes body, iter_encoded for a body of bytes, close when nothing is to close.
    _plain_set_data = True
    _plain_iter = True
    _plain_close = True
    # Both of the last two: a fixed body of bytes is sent as it is.
    _plain_send = True

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._plain_set_data = cls.set_data is Response.set_data
        cls._plain_iter = cls.iter_encoded is Response.iter_encoded
        cls._plain_close = cls.close is Response.close
        cls._plain_send = cls._plain_iter and cls._plain_close

    # PERF: one response per request: the body is encoded once, and a new header list
    # is built in one go (Content-Type and Content-Length without a set()/validation
    # round).
    def __init__(
        self,
        response: t.Iterable[bytes] | bytes | t.Iterable[str] | str | None = None,
        status: int | str | HTTPStatus | None = None,
        headers: t.Mapping[str, str | t.Iterable[str]] | t.Iterable[tuple[str, str]] | None = None,
        mimetype: str | None = None,
        content_type: str | None = None,
        direct_passthrough: bool = False,
    ) -> None:
        if status is None:
            status = self.default_status
        # PERF: a known int code is one subscript in a zero-cost try; anything else goes
        # through the setter (the exact type test keeps a float equal to a code, 200.0,
        # an error there as in Werkzeug).
        if status.__class__ is int:
            try:
                self._status, self._status_code = _STATUS_ITEMS[status]
            except KeyError:
                self.status = status
        else:
            self.status = status
        if direct_passthrough:
            self.direct_passthrough = True
        # PERF: an instance attribute (as call_on_close() sets it): the senders' reads are
        # then specialized, not a lookup through the instance to the class (3.11).
        self._on_close = ()

        # The body. A str or bytes one is stored here, its Content-Length set with the
        # headers below, unless a subclass overrides set_data (called last).
        data = None
        tp = type(response)
        if tp is str or tp is bytes or isinstance(response, (str, bytes, bytearray)):
            if self._plain_set_data:
                if tp is str or isinstance(response, str):
                    response = response.encode()  # type: ignore[union-attr]
                self.response = [response]  # type: ignore[assignment]
                self._chunk = response  # type: ignore[assignment]
                length = (
                    _cached_length_item(len(response)) or _length_item(len(response))  # type: ignore[arg-type]
                    if self.automatically_set_content_length
                    else None
                )
            else:
                data = response
                length = None
        else:
            self.response = [] if response is None else response
            # PERF: stored on every path, not only the class default, so that the senders'
            # read of it specializes.
            self._chunk = None
            length = None

        if headers is None or (not headers and not isinstance(headers, Headers)):
            # PERF: a new Headers without a call to its __init__.
            h = self._headers = _new_headers(Headers)
            if content_type is None:
                if mimetype is None:
                    mimetype = self.default_mimetype
                if mimetype is None:
                    h._list = [] if length is None else [length]
                else:
                    ct = _cached_content_type_item(mimetype) or _content_type_item(mimetype)
                    h._list = [ct] if length is None else [ct, length]
            else:
                h._list = []
                h["Content-Type"] = content_type  # (checked for newlines)
                if length is not None:
                    h._list.append(length)
        else:
            # Headers given (a Headers object is used as it is): set through its methods.
            h = headers if isinstance(headers, Headers) else Headers(headers)
            self._headers = h  # already a Headers: skip the copying setter
            if content_type is None:
                if mimetype is None and "Content-Type" not in h:
                    mimetype = self.default_mimetype
                if mimetype is not None:
                    h["Content-Type"] = _content_type_item(mimetype)[1]
            else:
                h["Content-Type"] = content_type
            if length is not None:
                if type(h) is Headers:
                    # PERF: the item is valid: what __setitem__ does after its checks.
                    h._replace(*length)
                else:
                    h["Content-Length"] = length[1]
        if data is not None:
            self.set_data(data)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        if self.is_sequence:
            body_info = f"{sum(map(len, self.iter_encoded()))} bytes"
        else:
            body_info = "streamed" if self.is_streamed else "likely-streamed"
        return f"<{type(self).__name__} {body_info} [{self.status}]>"

    # Status

    def _set_status(self, value: str | int | HTTPStatus) -> None:
        self._status, self._status_code = self._clean_status(value)

    def _set_status_code(self, code: int) -> None:
        self.status = code

    if t.TYPE_CHECKING:

        @property
        def status(self) -> str:
            """The status line, e.g. ``"200 OK"``."""

        @status.setter
        def status(self, value: str | int | HTTPStatus) -> None: ...

        @property
        def status_code(self) -> int:
            """The status code as an int."""

        @status_code.setter
        def status_code(self, code: int) -> None: ...

    else:
        # PERF: properties whose getters are C code: reading costs no Python call.
        status = property(
            attrgetter("_status"),
            _set_status,
            doc="""The status line, e.g. ``"200 OK"``.

        Assign an int or :class:`http.HTTPStatus` (the reason is looked up, unknown
        codes get ``UNKNOWN``), ``"{code} {reason}"``, ``"{code}"``, or just a reason
        (the code is then 0). An empty string is a ``ValueError``, as is CR, LF or NUL.
        """,
        )
        status_code = property(
            attrgetter("_status_code"),
            _set_status_code,
            doc="The status code as an int; assigning one sets :attr:`status` too.",
        )

    def _clean_status(self, value: str | int | HTTPStatus) -> tuple[str, int]:
        if isinstance(value, int):
            code = int(value)
        elif isinstance(value, str):
            value = value.strip()
            if not value:
                raise ValueError("Empty status argument")
            if _NEWLINE.search(value) is not None:
                raise ValueError("Status must not contain newline or NUL characters.")
            code_str, sep, _ = value.partition(" ")
            try:
                code = int(code_str)
            except ValueError:
                return f"0 {value}", 0
            if sep:
                return value, code
        else:
            raise TypeError(
                f"Status must be an int, a str or an HTTPStatus, not {type(value).__name__!r}."
            )
        line = _STATUS_LINES.get(code)
        if line is None:
            line = f"{code} UNKNOWN"
        return line, code

    # Cookies

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: timedelta | int | None = None,
        expires: str | datetime | int | float | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header built by :func:`~erlen.http.dump_cookie`.

        A ``UserWarning`` is emitted if the header is larger than
        :attr:`max_cookie_size`; it is still set. A newline in the key or domain is a
        ``ValueError``.
        """
        self.headers.add(
            "Set-Cookie",
            dump_cookie(
                key,
                value=value,
                max_age=max_age,
                expires=expires,
                path=path,
                domain=domain,
                secure=secure,
                httponly=httponly,
                max_size=self.max_cookie_size,
                samesite=samesite,
                partitioned=partitioned,
            ),
        )

    def delete_cookie(
        self,
        key: str,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Expire a cookie on the client; ``path`` and ``domain`` must match it."""
        self.set_cookie(
            key,
            expires=0,
            max_age=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    # Body

    def call_on_close(self, func: t.Callable[[], t.Any]) -> t.Callable[[], t.Any]:
        """Register ``func`` to be called by :meth:`close`; returns it (a decorator)."""
        if not self._on_close:
            self._on_close = []
        self._on_close.append(func)
        return func

    @t.overload
    def get_data(self, as_text: t.Literal[False] = False) -> bytes: ...

    @t.overload
    def get_data(self, as_text: t.Literal[True]) -> str: ...

    def get_data(self, as_text: bool = False) -> bytes | str:
        """The whole body as bytes (or ``str`` decoded as UTF-8 with ``as_text``).

        A streamed body is buffered first (see :attr:`implicit_sequence_conversion`).
        """
        self._ensure_sequence()
        rv = b"".join(self.iter_encoded())
        if as_text:
            return rv.decode()
        return rv

    def set_data(self, value: bytes | str) -> None:
        """Replace the body with ``value`` (a ``str`` is encoded as UTF-8) and set
        ``Content-Length`` if :attr:`automatically_set_content_length`.
        """
        if isinstance(value, str):
            value = value.encode()
        self.response = [value]
        self._chunk = value
        if self.automatically_set_content_length:
            self.headers["Content-Length"] = str(len(value))

    data = property(
        get_data, set_data, doc="The body as bytes; calls :meth:`get_data` / :meth:`set_data`."
    )

    def calculate_content_length(self) -> int | None:
        """The body length in bytes, or ``None`` if it cannot be buffered."""
        try:
            self._ensure_sequence()
        except RuntimeError:
            return None
        return sum(len(x) for x in self.iter_encoded())

    def _ensure_sequence(self, mutable: bool = False) -> None:
        if self.is_sequence:
            if mutable and not isinstance(self.response, list):
                # mypy joins the two Iterable types of the union to list[Sequence[object]].
                self.response = list(self.response)  # type: ignore[assignment]
            return
        if self.direct_passthrough:
            raise RuntimeError(
                "Attempted implicit sequence conversion but the"
                " response object is in direct passthrough mode."
            )
        if not self.implicit_sequence_conversion:
            raise RuntimeError(
                "The response object required the iterable to be a"
                " sequence, but the implicit conversion was disabled."
                " Call make_sequence() yourself."
            )
        self.make_sequence()

    def make_sequence(self) -> None:
        """Buffer a streamed body into a list of bytes; its ``close`` is kept for
        :meth:`close`.
        """
        if not self.is_sequence:
            close = getattr(self.response, "close", None)
            self.response = list(self.iter_encoded())
            if close is not None:
                self.call_on_close(close)

    def iter_encoded(self) -> t.Iterator[bytes]:
        """Iterate the body with strings encoded as UTF-8."""
        # The body is fetched now, so self.response may be replaced while iterating.
        return _iter_encoded(self.response)

    @property
    def is_streamed(self) -> bool:
        """``True`` if the body has no length (e.g. a generator)."""
        try:
            len(self.response)  # type: ignore[arg-type]
        except (TypeError, AttributeError):
            return True
        return False

    @property
    def is_sequence(self) -> bool:
        """``True`` if the body is buffered (a list or tuple)."""
        return isinstance(self.response, (tuple, list))

    def close(self) -> None:
        """Close the body iterable if it has ``close`` and run :meth:`call_on_close`
        callbacks. Also called when used as a context manager.
        """
        close = getattr(self.response, "close", None)
        if close is not None:
            close()
        for func in self._on_close:
            func()

    def __enter__(self) -> Response:
        return self

    def __exit__(self, exc_type: t.Any, exc_value: t.Any, tb: t.Any) -> None:
        self.close()

    def freeze(self) -> None:
        """Buffer and encode the body (ignoring :attr:`direct_passthrough`), set
        ``Content-Length`` and add an ``ETag`` if there is none, e.g. before pickling.
        """
        self.response = list(self.iter_encoded())
        self.headers["Content-Length"] = str(sum(map(len, self.response)))
        self.add_etag()

    # Sending

    def _final_headers(
        self, base_url: t.Callable[[], str] | None = None
    ) -> list[tuple[str, str]] | None:
        """The header list to send, or ``None`` if it is ``self.headers`` unchanged.

        ``Location`` and ``Content-Location`` are made ASCII (IRI to URI; a relative
        ``Location`` is joined to ``base_url()``, the request URL without the query, if
        :attr:`autocorrect_location_header` and it is given), ``Content-Length`` is
        removed for 1xx/204, entity headers for 304, and it is added when the body is
        buffered and its length unknown.
        """
        hl = self._headers._list  # PERF: the attribute behind the headers property
        status = self._status_code
        # PERF: the list the constructor builds for a str or bytes body needs nothing
        # when the status carries a body: told in a few specialized steps, not the loop.
        if (
            len(hl) == 2
            and hl[1][0] == "Content-Length"
            and hl[0][0] == "Content-Type"
            and status not in _NO_BODY_STATUSES
        ):
            return None
        has_length = locations = False
        # PERF: set membership tests (no call, no lower()) for the common names.
        for key, _value in hl:
            if key in _LENGTH_NAMES:
                has_length = True
            elif key not in _NEUTRAL_NAMES:
                name = key.lower()
                if name == "content-length":
                    has_length = True
                elif name == "location" or name == "content-location":
                    locations = True
        new = self._fixed_locations(hl, base_url) if locations else None

        if status in _NO_BODY_STATUSES:
            if status == 304:
                new = list(new or hl)
                remove_entity_headers(new)
            elif has_length:
                # RFC 9110 8.6: no Content-Length in 1xx and 204 responses.
                new = [item for item in (new or hl) if item[0].lower() != "content-length"]
            return new

        if not has_length and self.automatically_set_content_length:
            body = self.response
            if (
                self._plain_iter
                and type(body) is list
                and len(body) == 1
                and type(body[0]) is bytes
            ):
                length = len(body[0])
            elif self.is_sequence:
                length = sum(len(x) for x in self.iter_encoded())
            else:
                return new
            new = list(new or hl)
            new.append(("Content-Length", str(length)))
        return new

    def _fixed_locations(
        self, hl: list[tuple[str, str]], base_url: t.Callable[[], str] | None
    ) -> list[tuple[str, str]] | None:
        """``_final_headers``' work on ``Location`` and ``Content-Location``: a copy of
        ``hl`` with each made ASCII (and one only), or ``None`` if nothing changes."""
        location = content_location = None
        n_location = n_content_location = 0
        for key, value in hl:
            name = key.lower()
            if name == "location":
                location = value
                n_location += 1
            elif name == "content-location":
                content_location = value
                n_content_location += 1
        new: list[tuple[str, str]] | None = None
        if location is not None:
            fixed = iri_to_uri(location)
            if self.autocorrect_location_header and base_url is not None:
                fixed = urljoin(iri_to_uri(base_url()), fixed)
            if fixed != location or n_location > 1:
                new = _set_in(hl, "location", "Location", fixed)
        if content_location is not None:
            fixed = iri_to_uri(content_location)
            if fixed != content_location or n_content_location > 1:
                new = _set_in(new or hl, "content-location", "Content-Location", fixed)
        return new

    def _sends_body(self, method: str) -> bool:
        """Whether a body goes out: not for ``HEAD`` requests or 1xx/204/304 statuses."""
        return method != "HEAD" and self._status_code not in _NO_BODY_STATUSES

    def _wrap_range_response(self, start: int, length: int) -> None:
        if self._status_code == 206:
            from ..wsgi import _RangeWrapper  # a plain iterable slicer, beside its WSGI users

            self.response = _RangeWrapper(self.response, start, length)

    def _is_range_request_processable(self, request: SansIORequest) -> bool:
        headers = request.headers
        if "Range" not in headers:
            return False
        etag, last_modified = self.headers.get("ETag"), self.headers.get("Last-Modified")
        values = _conditional_values(request)
        # RFC 9110 13.2.2: If-None-Match / If-Modified-Since are evaluated before Range,
        # so a client that already has the resource gets a 304, not a 206.
        if not is_resource_modified(None, etag, last_modified=last_modified, **values):
            return False
        return "If-Range" not in headers or not is_resource_modified(
            None, etag, last_modified=last_modified, ignore_if_range=False, **values
        )

    def _process_range_request(
        self, request: SansIORequest, complete_length: int | None, accept_ranges: bool | str
    ) -> bool:
        from ..exceptions import RequestedRangeNotSatisfiable

        if not accept_ranges:
            return False
        if accept_ranges is True:
            accept_ranges = "bytes"
        self.accept_ranges = accept_ranges
        if not (complete_length and self._is_range_request_processable(request)):
            return False
        parsed = parse_range_header(request.headers.get("Range"))
        if parsed is None:
            raise RequestedRangeNotSatisfiable(length=complete_length)
        range_tuple = parsed.range_for_length(complete_length)
        content_range = parsed.to_content_range_header(complete_length)
        if range_tuple is None or content_range is None:
            # Includes multiple ranges: only single-range 206 responses are made.
            raise RequestedRangeNotSatisfiable(length=complete_length)
        length = range_tuple[1] - range_tuple[0]
        self.content_length = length
        self.content_range = content_range
        self.status_code = 206
        self._wrap_range_response(range_tuple[0], length)
        return True

    def make_conditional(
        self,
        request: t.Any,
        accept_ranges: bool | str = False,
        complete_length: int | None = None,
    ) -> Response:
        """Make the response conditional to a GET or HEAD ``request`` (its ``method`` and
        ``headers`` are read); returns ``self``.

        Sets ``Date`` if missing. A satisfiable single ``Range`` (honouring
        ``If-Range``) with ``accept_ranges`` and ``complete_length`` makes a 206 with
        ``Content-Range`` and the sliced body; an unparsable or unsatisfiable one
        raises :exc:`~erlen.exceptions.RequestedRangeNotSatisfiable`. Otherwise,
        if the resource is not modified (``If-None-Match``/``If-Modified-Since``
        against :meth:`get_etag` / :attr:`last_modified`), the status becomes 304, or
        412 if the request has ``If-Match``. The body is left for :meth:`__call__`
        to drop. ``accept_ranges=True`` sends ``Accept-Ranges: bytes``.
        """
        if request.method in ("GET", "HEAD"):
            # A server may still replace Date; an existing header is kept.
            if "date" not in self.headers:
                self.headers["Date"] = http_date()
            is206 = self._process_range_request(request, complete_length, accept_ranges)
            if not is206 and not is_resource_modified(
                None,
                self.headers.get("ETag"),
                last_modified=self.headers.get("Last-Modified"),
                **_conditional_values(request),
            ):
                if parse_etags(request.headers.get("If-Match")):
                    self.status_code = 412
                else:
                    self.status_code = 304
            if self.automatically_set_content_length and "content-length" not in self.headers:
                length = self.calculate_content_length()
                if length is not None:
                    self.headers["Content-Length"] = str(length)
        return self

    def add_etag(self, overwrite: bool = False, weak: bool = False) -> None:
        """Set an ``ETag`` computed from the body, unless one is set (or ``overwrite``)."""
        if overwrite or "etag" not in self.headers:
            self.set_etag(generate_etag(self.get_data()), weak)

    def set_etag(self, etag: str, weak: bool = False) -> None:
        """Set the ``ETag`` header, quoting ``etag`` (``W/`` prefix if ``weak``)."""
        self.headers["ETag"] = quote_etag(etag, weak)

    def get_etag(self) -> tuple[str, bool] | tuple[None, None]:
        """``(etag, is_weak)`` from the ``ETag`` header, or ``(None, None)``."""
        return unquote_etag(self.headers.get("ETag"))

    # JSON

    @property
    def is_json(self) -> bool:
        """Whether the mimetype is ``application/json`` or ``application/*+json``."""
        mt = self.mimetype
        return mt is not None and (
            mt == "application/json" or (mt.startswith("application/") and mt.endswith("+json"))
        )

    @property
    def json(self) -> t.Any | None:
        """The body parsed as JSON if :attr:`is_json`, else ``None`` (:meth:`get_json`)."""
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False) -> t.Any | None:
        """Parse the body as JSON with :attr:`json_module` (not cached).

        Returns ``None`` if the mimetype is not JSON, unless ``force``. Invalid JSON
        raises ``ValueError``, or returns ``None`` with ``silent``.
        """
        if not (force or self.is_json):
            return None
        data = self.get_data()
        try:
            return self.json_module.loads(data)
        except ValueError:
            if not silent:
                raise
            return None

    # Stream

    @cached_property
    def stream(self) -> ResponseStream:
        """A write-only file-like object appending to the (buffered) body."""
        return ResponseStream(self)

    # Header views

    @property
    def mimetype(self) -> str | None:
        """The mimetype (content type without parameters); setting it adds
        ``; charset=utf-8`` for text types.
        """
        ct = self.headers.get("content-type")
        if ct:
            return ct.partition(";")[0].strip()
        return None

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        self.headers["Content-Type"] = _content_type_item(value)[1]

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The content type parameters as a dict, e.g. ``{"charset": "utf-8"}``;
        changing the dict rewrites ``Content-Type``.
        """

        def on_update(d: dict[str, str]) -> None:
            self.headers["Content-Type"] = dump_options_header(self.mimetype, d)

        params = parse_options_header(self.headers.get("content-type", ""))[1]
        return _ParamsDict(params, on_update)

    location: _HeaderProperty[str] = _HeaderProperty(
        "Location", doc="The ``Location`` header: where a redirect points."
    )
    age: _HeaderProperty[timedelta] = _HeaderProperty(
        "Age",
        None,
        parse_age,
        dump_age,
        doc="The ``Age`` header as a :class:`~datetime.timedelta` (set int seconds too).",
    )
    content_type: _HeaderProperty[str] = _HeaderProperty(
        "Content-Type", doc="The full ``Content-Type`` header, parameters included."
    )
    content_length: _HeaderProperty[int] = _HeaderProperty(
        "Content-Length", None, int, str, doc="The ``Content-Length`` header as an int."
    )
    content_location: _HeaderProperty[str] = _HeaderProperty(
        "Content-Location", doc="The ``Content-Location`` header."
    )
    content_encoding: _HeaderProperty[str] = _HeaderProperty(
        "Content-Encoding", doc="The ``Content-Encoding`` header, e.g. ``gzip``."
    )
    content_md5: _HeaderProperty[str] = _HeaderProperty(
        "Content-MD5", doc="The ``Content-MD5`` header (RFC 1864)."
    )
    date: _HeaderProperty[datetime] = _HeaderProperty(
        "Date", None, parse_date, http_date, doc="The ``Date`` header as an aware datetime."
    )
    expires: _HeaderProperty[datetime] = _HeaderProperty(
        "Expires",
        None,
        parse_date,
        http_date,
        doc="The ``Expires`` header as an aware datetime (set a datetime or timestamp).",
    )
    last_modified: _HeaderProperty[datetime] = _HeaderProperty(
        "Last-Modified",
        None,
        parse_date,
        http_date,
        doc="The ``Last-Modified`` header as an aware datetime (set a datetime or timestamp).",
    )
    accept_ranges: _HeaderProperty[str] = _HeaderProperty(
        "Accept-Ranges", doc="The ``Accept-Ranges`` header, e.g. ``bytes`` or ``none``."
    )

    @property
    def retry_after(self) -> datetime | None:
        """The ``Retry-After`` header as an aware datetime (seconds are added to now).

        Set a datetime, a number of seconds or ``None``.
        """
        value = self.headers.get("retry-after")
        if value is None:
            return None
        try:
            seconds = int(value)
        except ValueError:
            return parse_date(value)
        try:
            return datetime.now(timezone.utc) + timedelta(seconds=seconds)
        except OverflowError:
            return None

    @retry_after.setter
    def retry_after(self, value: datetime | int | str | None) -> None:
        if value is None:
            self.headers.pop("Retry-After", None)
            return
        self.headers["Retry-After"] = (
            http_date(value) if isinstance(value, datetime) else str(value)
        )

    vary = _set_property(
        "Vary", "The ``Vary`` header as a :class:`~erlen.datastructures.HeaderSet`."
    )
    content_language = _set_property(
        "Content-Language", "The ``Content-Language`` header as a ``HeaderSet``."
    )
    allow = _set_property("Allow", "The ``Allow`` header (methods) as a ``HeaderSet``.")

    @property
    def cache_control(self) -> ResponseCacheControl:
        """The ``Cache-Control`` header as a
        :class:`~erlen.datastructures.ResponseCacheControl`; changes write back.
        """

        def on_update(cache_control: t.Any) -> None:
            if cache_control:
                self.headers["Cache-Control"] = cache_control.to_header()
            else:
                self.headers.pop("Cache-Control", None)

        return parse_cache_control_header(
            self.headers.get("cache-control"), on_update, ResponseCacheControl
        )

    @property
    def content_range(self) -> ContentRange:
        """The ``Content-Range`` header as a ``ContentRange`` (an unset one if the
        header is missing); changes write back.
        """

        def on_update(rng: ContentRange) -> None:
            if rng:
                self.headers["Content-Range"] = rng.to_header()
            else:
                self.headers.pop("Content-Range", None)

        rv = parse_content_range_header(self.headers.get("content-range"), on_update)
        if rv is None:
            rv = ContentRange(None, None, None, on_update=on_update)
        return rv

    @content_range.setter
    def content_range(self, value: ContentRange | str | None) -> None:
        if not value:
            self.headers.pop("Content-Range", None)
        elif isinstance(value, str):
            self.headers["Content-Range"] = value
        else:
            self.headers["Content-Range"] = value.to_header()

    @property
    def www_authenticate(self) -> WWWAuthenticate:
        """The ``WWW-Authenticate`` header as a ``WWWAuthenticate`` (basic if unset).

        Assign one (or a list, for several headers) to set it; ``None`` or ``del``
        removes it. Changing a single assigned or read value writes back.
        """
        from ..datastructures import WWWAuthenticate

        value = WWWAuthenticate.from_header(self.headers.get("WWW-Authenticate"))
        if value is None:
            value = WWWAuthenticate("basic")

        def on_update(value: WWWAuthenticate) -> None:
            self.www_authenticate = value

        value._on_update = on_update
        return value

    @www_authenticate.setter
    def www_authenticate(self, value: WWWAuthenticate | list[WWWAuthenticate] | None) -> None:
        if not value:
            self.headers.pop("WWW-Authenticate", None)
        elif isinstance(value, list):
            self.headers.set("WWW-Authenticate", value[0].to_header())
            for item in value[1:]:
                self.headers.add("WWW-Authenticate", item.to_header())
        else:
            self.headers.set("WWW-Authenticate", value.to_header())

            def on_update(value: WWWAuthenticate) -> None:
                self.www_authenticate = value

            value._on_update = on_update

    @www_authenticate.deleter
    def www_authenticate(self) -> None:
        self.headers.pop("WWW-Authenticate", None)

    content_security_policy = _csp_property(
        "Content-Security-Policy",
        "The ``Content-Security-Policy`` header as a ``ContentSecurityPolicy``.",
    )
    content_security_policy_report_only = _csp_property(
        "Content-Security-Policy-Report-Only",
        "The ``Content-Security-Policy-Report-Only`` header as a ``ContentSecurityPolicy``.",
    )

    @property
    def access_control_allow_credentials(self) -> bool:
        """Whether ``Access-Control-Allow-Credentials: true`` is sent."""
        return "Access-Control-Allow-Credentials" in self.headers

    @access_control_allow_credentials.setter
    def access_control_allow_credentials(self, value: bool | None) -> None:
        if value is True:
            self.headers["Access-Control-Allow-Credentials"] = "true"
        else:
            self.headers.pop("Access-Control-Allow-Credentials", None)

    access_control_allow_headers = _optional_set_property(
        "Access-Control-Allow-Headers",
        "Headers the cross-origin request may send (``HeaderSet``, ``None`` if unset).",
    )
    access_control_allow_methods = _optional_set_property(
        "Access-Control-Allow-Methods",
        "Methods the cross-origin request may use (``HeaderSet``, ``None`` if unset).",
    )
    access_control_expose_headers = _optional_set_property(
        "Access-Control-Expose-Headers",
        "Headers JavaScript may read (``HeaderSet``, ``None`` if unset).",
    )
    access_control_allow_origin: _HeaderProperty[str] = _HeaderProperty(
        "Access-Control-Allow-Origin",
        doc="The origin (or ``*``) allowed to make cross-origin requests.",
    )
    access_control_max_age: _HeaderProperty[int] = _HeaderProperty(
        "Access-Control-Max-Age",
        None,
        int,
        str,
        doc="Seconds the access control settings may be cached for.",
    )

    @property
    def cross_origin_opener_policy(self) -> t.Any:
        """The ``Cross-Origin-Opener-Policy`` header as an :class:`erlen.http.COOP`."""
        from ..http import COOP

        value = self.headers.get("Cross-Origin-Opener-Policy")
        try:
            return COOP(value) if value is not None else COOP.UNSAFE_NONE
        except ValueError:
            return COOP.UNSAFE_NONE

    @cross_origin_opener_policy.setter
    def cross_origin_opener_policy(self, value: t.Any) -> None:
        if value is None:
            self.headers.pop("Cross-Origin-Opener-Policy", None)
        else:
            self.headers["Cross-Origin-Opener-Policy"] = value.value

    @property
    def cross_origin_embedder_policy(self) -> t.Any:
        """The ``Cross-Origin-Embedder-Policy`` header as an :class:`erlen.http.COEP`."""
        from ..http import COEP

        value = self.headers.get("Cross-Origin-Embedder-Policy")
        try:
            return COEP(value) if value is not None else COEP.UNSAFE_NONE
        except ValueError:
            return COEP.UNSAFE_NONE

    @cross_origin_embedder_policy.setter
    def cross_origin_embedder_policy(self, value: t.Any) -> None:
        if value is None:
            self.headers.pop("Cross-Origin-Embedder-Policy", None)
        else:
            self.headers["Cross-Origin-Embedder-Policy"] = value.value


def _set_in(
    items: list[tuple[str, str]], lower: str, name: str, value: str
) -> list[tuple[str, str]]:
    """A copy of ``items`` with header ``lower`` set to ``value`` (``Headers.set``
    semantics: the first occurrence is replaced, later ones dropped).
    """
    out: list[tuple[str, str]] = []
    done = False
    for item in items:
        if item[0].lower() == lower:
            if not done:
                out.append((name, value))
                done = True
        else:
            out.append(item)
    if not done:
        out.append((name, value))
    return out


class ResponseStream:
    """A write-only file-like view of a response body (:attr:`Response.stream`).

    Writes append to the buffered body and drop ``Content-Length``.
    """

    mode = "wb+"

    def __init__(self, response: Response) -> None:
        self.response = response
        self.closed = False

    def write(self, value: bytes) -> int:
        """Append ``value`` to the body; returns its length."""
        if self.closed:
            raise ValueError("I/O operation on closed file")
        self.response._ensure_sequence(mutable=True)
        self.response.response.append(value)  # type: ignore[union-attr]
        self.response.headers.pop("Content-Length", None)
        return len(value)

    def writelines(self, seq: t.Iterable[bytes]) -> None:
        """Write every item of ``seq``."""
        for item in seq:
            self.write(item)

    def close(self) -> None:
        """Mark the stream closed; the response is unaffected."""
        self.closed = True

    def flush(self) -> None:
        """Do nothing (the body is in memory); fails if closed."""
        if self.closed:
            raise ValueError("I/O operation on closed file")

    def isatty(self) -> bool:
        """Always ``False``; fails if closed."""
        if self.closed:
            raise ValueError("I/O operation on closed file")
        return False

    def tell(self) -> int:
        """The body length so far."""
        self.response._ensure_sequence()
        return sum(map(len, self.response.response))

    @property
    def encoding(self) -> str:
        """Always ``"utf-8"``."""
        return "utf-8"
