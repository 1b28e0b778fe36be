"""The transport-independent part of a request: method, URL parts and parsed headers."""

from __future__ import annotations

import typing as t
from datetime import datetime

from ..datastructures import (
    Accept,
    Authorization,
    CharsetAccept,
    ETags,
    Headers,
    IfRange,
    ImmutableList,
    ImmutableMultiDict,
    LanguageAccept,
    MIMEAccept,
    MultiDict,
    Range,
    RequestCacheControl,
)
from ..http import (
    parse_accept_header,
    parse_cache_control_header,
    parse_cookie,
    parse_date,
    parse_etags,
    parse_if_range_header,
    parse_list_header,
    parse_options_header,
    parse_range_header,
    parse_set_header,
)
from ..urls import parse_qs_pairs
from ..user_agent import UserAgent
from ..utils import cached_property, header_property
from .utils import get_content_length, get_current_url, get_host, is_websocket_upgrade

if t.TYPE_CHECKING:
    from ..datastructures import HeaderSet

__all__ = ["Request"]

_T = t.TypeVar("_T")


def _plain_nonnegative_int(value: str) -> int:
    value = value.strip(" \t")
    if not (value.isdigit() and value.isascii()):
        raise ValueError(value)
    return int(value)


class Request:
    """The non-IO parts of an HTTP request: method, URL parts and headers.

    Use :class:`erlen.wrappers.request.Request` for WSGI. This base is for other
    transports, which pass the already-extracted values.

    :param method: The request method, such as ``GET``. Upper-cased.
    :param scheme: The URL scheme, such as ``https``.
    :param server: The server address ``(host, port)``, ``(path, None)`` for a
        Unix socket, or ``None``.
    :param root_path: The prefix the application is mounted under.
    :param path: The path after ``root_path``.
    :param query_string: The raw part of the URL after ``?``.
    :param headers: The request headers.
    :param remote_addr: The client address.
    """

    #: The class used for :attr:`args` and :attr:`form`.
    parameter_storage_class: type[MultiDict[str, t.Any]] = ImmutableMultiDict

    #: The class used for dict-like values from the request, such as :attr:`cookies`.
    dict_storage_class: type[MultiDict[str, t.Any]] = ImmutableMultiDict

    #: The class used for list values, such as :attr:`access_route`.
    list_storage_class: type[list[t.Any]] = ImmutableList

    #: The class :attr:`user_agent` is built with; subclass
    #: :class:`~erlen.user_agent.UserAgent` to add parsing.
    user_agent_class: type[UserAgent] = UserAgent

    _trusted_hosts: list[str] | None = None

    @property
    def trusted_hosts(self) -> list[str] | None:
        """Host names accepted by :attr:`host`; ``None`` trusts every host. A name
        starting with ``.`` also accepts its subdomains. Setting it re-validates
        :attr:`host` on its next read. (A subclass may also set it as a class
        attribute.)"""
        return self._trusted_hosts

    @trusted_hosts.setter
    def trusted_hosts(self, value: list[str] | None) -> None:
        self._trusted_hosts = value
        self.__dict__.pop("host", None)

    #: How undecodable bytes in the URL and query string are handled.
    encoding_errors: str = "replace"

    # Set by __init__ here; a transport's subclass may compute them lazily instead.
    method: str
    scheme: str
    server: tuple[str, int | None] | None
    root_path: str
    path: str
    query_string: bytes
    headers: Headers
    remote_addr: str | None

    def __init__(
        self,
        method: str,
        scheme: str,
        server: tuple[str, int | None] | None,
        root_path: str,
        path: str,
        query_string: bytes,
        headers: Headers,
        remote_addr: str | None,
    ) -> None:
        self.method = method.upper()
        self.scheme = scheme
        self.server = server
        self.root_path = root_path.rstrip("/")
        self.path = "/" + path.lstrip("/")
        self.query_string = query_string
        self.headers = headers
        self.remote_addr = remote_addr

    def __repr__(self) -> str:
        try:
            url = self.url
        except Exception as e:
            url = f"(invalid URL: {e})"
        return f"<{type(self).__name__} {url!r} [{self.method}]>"

    @cached_property
    def args(self) -> MultiDict[str, str]:
        """The parsed query string parameters.

        Blank values are kept; invalid UTF-8 is decoded with
        :attr:`encoding_errors`: replacement characters by default, or
        ``"erlen.url_quote"`` to keep invalid bytes percent-encoded like Werkzeug.
        """
        qs = self.query_string
        if not qs:
            return self.parameter_storage_class()
        errors = self.encoding_errors
        return self.parameter_storage_class(parse_qs_pairs(qs.decode("utf-8", errors), errors))

    @cached_property
    def access_route(self) -> list[str]:
        """The client address followed by the proxies, from ``X-Forwarded-For``.

        Without that header this is just :attr:`remote_addr`.
        """
        forwarded = self.headers.get("X-Forwarded-For")
        if forwarded is not None:
            return self.list_storage_class(parse_list_header(forwarded))
        if self.remote_addr is not None:
            return self.list_storage_class([self.remote_addr])
        return self.list_storage_class()

    @cached_property
    def full_path(self) -> str:
        """The path followed by ``?`` and the query string."""
        return f"{self.path}?{self.query_string.decode('utf-8', self.encoding_errors)}"

    @property
    def is_secure(self) -> bool:
        """Whether the request used a secure protocol (``https`` or ``wss``)."""
        return self.scheme in ("https", "wss")

    @cached_property
    def url(self) -> str:
        """The full URL: scheme, host, root path, path and query string, as an IRI."""
        return get_current_url(self.scheme, self.host, self.root_path, self.path, self.query_string)

    @cached_property
    def base_url(self) -> str:
        """Like :attr:`url`, without the query string."""
        return get_current_url(self.scheme, self.host, self.root_path, self.path)

    @cached_property
    def root_url(self) -> str:
        """The scheme, host and root path: where the application is mounted."""
        return get_current_url(self.scheme, self.host, self.root_path)

    @cached_property
    def host_url(self) -> str:
        """The scheme and host only."""
        return get_current_url(self.scheme, self.host)

    @cached_property
    def host(self) -> str:
        """The validated host the request was made to, with a non-default port.

        :raise SecurityError: If :attr:`trusted_hosts` is set and doesn't match.
        """
        return get_host(self.scheme, self.headers.get("host"), self.server, self.trusted_hosts)

    @cached_property
    def cookies(self) -> ImmutableMultiDict[str, str]:
        """The cookies sent with the request."""
        return parse_cookie(";".join(self.headers.getlist("Cookie")), cls=self.dict_storage_class)

    @cached_property
    def websocket_upgrade(self) -> bool:
        """Whether the request asks to switch to the WebSocket protocol
        (``Connection: upgrade`` and ``Upgrade: websocket``); the router then matches
        WebSocket rules. An erlen addition."""
        headers = self.headers
        return is_websocket_upgrade(headers.get("Connection"), headers.get("Upgrade"))

    content_type = header_property[str](
        "Content-Type",
        read_only=True,
        doc="The ``Content-Type`` header: the media type of the body.",
    )

    @cached_property
    def content_length(self) -> int | None:
        """The ``Content-Length`` header as an int.

        ``None`` if not sent or the body is chunked; ``0`` if invalid or negative.
        """
        return get_content_length(
            self.headers.get("Content-Length"), self.headers.get("Transfer-Encoding")
        )

    content_encoding = header_property[str](
        "Content-Encoding",
        read_only=True,
        doc="The ``Content-Encoding`` header: codings (such as gzip) applied to the body.",
    )
    content_md5 = header_property[str](
        "Content-MD5", read_only=True, doc="The ``Content-MD5`` header: an MD5 digest of the body."
    )
    referrer = header_property[str](
        "Referer", read_only=True, doc="The ``Referer`` header: the address of the referring page."
    )
    date = header_property[datetime | None](
        "Date",
        load_func=parse_date,
        read_only=True,
        doc="The ``Date`` header as a timezone-aware datetime, or ``None``.",
    )
    max_forwards = header_property[int](
        "Max-Forwards",
        load_func=_plain_nonnegative_int,
        read_only=True,
        doc="The ``Max-Forwards`` header as an int, or ``None`` if absent or invalid.",
    )

    @cached_property
    def _parsed_content_type(self) -> tuple[str, dict[str, str]]:
        return parse_options_header(self.content_type or "")

    @property
    def mimetype(self) -> str:
        """The lower-cased media type of the body, without parameters."""
        value = self.content_type
        if value and ";" not in value:
            # PERF: a bare media type (the usual case), as parse_options_header reads it
            # (stripped of spaces and tabs), without the parse and its cached tuple.
            return value.strip(" \t").lower()
        return self._parsed_content_type[0].lower()

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The ``Content-Type`` parameters, like ``{"charset": "utf-8"}``."""
        value = self.content_type
        if value and ";" not in value:
            # PERF: as in mimetype (a new empty dict on each read).
            return {}
        return self._parsed_content_type[1]

    @cached_property
    def pragma(self) -> HeaderSet:
        """The ``Pragma`` header as a set of directives."""
        return parse_set_header(self.headers.get("Pragma", ""))

    @cached_property
    def accept_mimetypes(self) -> MIMEAccept:
        """The ``Accept`` header, as a :class:`~erlen.datastructures.MIMEAccept`."""
        return parse_accept_header(self.headers.get("Accept"), MIMEAccept)

    @cached_property
    def accept_charsets(self) -> CharsetAccept:
        """The ``Accept-Charset`` header, as a :class:`~erlen.datastructures.CharsetAccept`."""
        return parse_accept_header(self.headers.get("Accept-Charset"), CharsetAccept)

    @cached_property
    def accept_encodings(self) -> Accept:
        """The ``Accept-Encoding`` header (content codings such as gzip)."""
        return parse_accept_header(self.headers.get("Accept-Encoding"))

    @cached_property
    def accept_languages(self) -> LanguageAccept:
        """The ``Accept-Language`` header, as a :class:`~erlen.datastructures.LanguageAccept`."""
        return parse_accept_header(self.headers.get("Accept-Language"), LanguageAccept)

    @cached_property
    def cache_control(self) -> RequestCacheControl:
        """The ``Cache-Control`` header, as a :class:`~erlen.datastructures.RequestCacheControl`."""
        return parse_cache_control_header(
            self.headers.get("Cache-Control"), None, RequestCacheControl
        )

    @cached_property
    def if_match(self) -> ETags:
        """The ETags in the ``If-Match`` header."""
        return parse_etags(self.headers.get("If-Match"))

    @cached_property
    def if_none_match(self) -> ETags:
        """The ETags in the ``If-None-Match`` header."""
        return parse_etags(self.headers.get("If-None-Match"))

    @cached_property
    def if_modified_since(self) -> datetime | None:
        """The ``If-Modified-Since`` header as a timezone-aware datetime, or ``None``."""
        return parse_date(self.headers.get("If-Modified-Since"))

    @cached_property
    def if_unmodified_since(self) -> datetime | None:
        """The ``If-Unmodified-Since`` header as a timezone-aware datetime, or ``None``."""
        return parse_date(self.headers.get("If-Unmodified-Since"))

    @cached_property
    def if_range(self) -> IfRange:
        """The parsed ``If-Range`` header."""
        return parse_if_range_header(self.headers.get("If-Range"))

    @cached_property
    def range(self) -> Range | None:
        """The parsed ``Range`` header, or ``None`` if absent or invalid."""
        return parse_range_header(self.headers.get("Range"))

    @cached_property
    def user_agent(self) -> UserAgent:
        """The ``User-Agent`` header, wrapped in :attr:`user_agent_class`."""
        return self.user_agent_class(self.headers.get("User-Agent", ""))

    @cached_property
    def authorization(self) -> Authorization | None:
        """The parsed ``Authorization`` header, or ``None`` if absent or invalid."""
        return Authorization.from_header(self.headers.get("Authorization"))

    origin = header_property[str](
        "Origin",
        read_only=True,
        doc="The ``Origin`` header: the origin a (CORS) request came from.",
    )
    access_control_request_headers = header_property["HeaderSet"](
        "Access-Control-Request-Headers",
        load_func=parse_set_header,
        read_only=True,
        doc="The headers a CORS preflight request says the real request will send.",
    )
    access_control_request_method = header_property[str](
        "Access-Control-Request-Method",
        read_only=True,
        doc="The method a CORS preflight request says the real request will use.",
    )

    @property
    def is_json(self) -> bool:
        """Whether the body is JSON: ``application/json`` or ``application/*+json``."""
        mt = self.mimetype
        return mt == "application/json" or (mt.startswith("application/") and mt.endswith("+json"))
