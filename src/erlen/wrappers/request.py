"""The WSGI request object (Werkzeug's ``werkzeug.wrappers.Request`` API).

Creating a :class:`Request` only stores the environ. Every attribute is computed
on first access and cached on the instance, so a request costs only what the
application reads.
"""

from __future__ import annotations

import functools
import io
import json
import typing as t
from io import BytesIO

from ..datastructures import (
    CombinedMultiDict,
    EnvironHeaders,
    FileStorage,
    ImmutableMultiDict,
    MultiDict,
)
from ..exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType
from ..formparser import FormDataParser, default_stream_factory
from ..http import parse_cookie
from ..sansio import utils as _sansio_utils
from ..sansio.request import Request as _SansIORequest
from ..sansio.utils import get_content_length, get_host, is_websocket_upgrade
from ..urls import parse_qs_pairs
from ..utils import cached_property, environ_property
from ..wsgi import LimitedStream, _get_server, _input_stream, _read_body, _wsgi_bytes, _wsgi_decode

if t.TYPE_CHECKING:
    import typing_extensions as te
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

__all__ = ["Request"]

_T = t.TypeVar("_T")


# Shared by the requests that sent no cookie (it cannot be changed).
_NO_COOKIES: ImmutableMultiDict[str, str] = ImmutableMultiDict()
_TRUSTED_HOSTS = _SansIORequest.__dict__["trusted_hosts"]
_MULTIDICT_INIT = MultiDict.__init__
# PERF: the Host validation and Content-Length parse caches, bound by assignment, not
# import (method calls on 3.11, see erlen.globals).
_host_cache = _sansio_utils._host_cache
_HOST_CACHE_SIZE = _sansio_utils._HOST_CACHE_SIZE
# Validated hosts by (scheme, Host header as the scope has it), as _host_cache for
# Request.from_asgi (filled by Request.host), which then needs no decoding.
_asgi_hosts: dict[tuple[str, bytes], str] = {}
_content_lengths = _sansio_utils._content_lengths
# The usual methods, as they are: upper() would make a new string for each request.
_METHODS = {m: m for m in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")}
# (None: no http_version key, which means 1.1.)
_HTTP1 = ("1.1", "1.0", None)
_BODYLESS_METHODS = ("GET", "HEAD")
_BODY_HEADERS = frozenset((b"content-length", b"transfer-encoding"))
_URLENCODED = "application/x-www-form-urlencoded"


# erlen.asgi.environ, bound on first use (erlen.asgi imports this module). PERF: an
# import statement in a function costs more than the function call around it.
_scope: t.Any = None


def _bind_scope() -> t.Any:
    global _scope
    from ..asgi import environ

    _scope = environ
    return environ


def _default_scheme(scope: t.Mapping[str, t.Any]) -> str:
    """The URL scheme of an ASGI scope without one."""
    return "ws" if scope["type"] == "websocket" else "http"


class _JSONNestingError(ValueError):
    """JSON nested deeper than the parser's recursion limit."""


class _ASGIEnviron:
    """``request.environ`` of a request made with :meth:`Request.from_asgi`: the WSGI
    compatibility mapping, built from the scope on first access and then kept.

    A WSGI request stores its environ in the instance dict, which this non-data
    descriptor never overrides, so the WSGI path does not pay for it.
    """

    def __get__(self, obj: Request | None, owner: type | None = None) -> t.Any:
        if obj is None:
            return self
        scope = obj._asgi_scope
        if scope is None:
            raise AttributeError("environ")
        # The header keys, if read before (by headers or the body's header attributes),
        # are taken as they are; the headers view then reads the environ, as it would
        # have. wsgi.input is the received body, where what was read of it left it.
        keys = obj._asgi_header_keys
        env = (_scope or _bind_scope()).environ_from_scope(scope, obj._asgi_input(), keys)
        if keys is not None:
            headers = obj.__dict__.get("headers")
            if isinstance(headers, EnvironHeaders) and headers.environ is keys:
                headers.environ = env
        obj.environ = obj._asgi_environ = env
        env["werkzeug.request"] = obj
        return env


def _request_path(raw: str, errors: str) -> str:
    """:attr:`Request.path` from a ``PATH_INFO`` (a WSGI string): decoded as UTF-8 (bad
    bytes handled by ``errors``), starting with one ``/``."""
    if not raw.isascii():
        raw = _wsgi_decode(raw, errors)
    if raw[:1] == "/" and raw[1:2] != "/":
        return raw
    return "/" + raw.lstrip("/")


class _StreamedBody(io.RawIOBase):
    """The ``wsgi.input`` of a request whose view consumes the body as it arrives."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: t.Any) -> int:
        raise RuntimeError(
            "This view receives the request body as it arrives (erlen.asgi.stream_body):"
            " read it with 'async for chunk in request.iter_body()'."
        )


class Request(_SansIORequest):
    """An incoming WSGI request, read from the WSGI ``environ``.

    Text is assumed to be UTF-8; invalid bytes are replaced rather than raising.

    :param environ: The WSGI environ from the server.
    :param populate_request: Store this object as ``environ["werkzeug.request"]``.
    :param shallow: Forbid reading the body: :attr:`stream` (and so :attr:`form`,
        :attr:`data`, ...) raise :exc:`RuntimeError`. Keeps middleware from
        consuming the body.
    """

    #: The largest body to read; more raises
    #: :exc:`~erlen.exceptions.RequestEntityTooLarge` (413). A larger
    #: ``Content-Length`` is rejected without reading anything; a chunked body
    #: (``wsgi.input_terminated``) fails as soon as more data arrives.
    max_content_length: int | None = None

    #: The largest url-encoded body, and the largest non-file multipart field, in
    #: bytes (413 above). File parts move to disk instead.
    max_form_memory_size: int | None = 500_000

    #: The most url-encoded fields or multipart parts accepted (413 above).
    max_form_parts: int | None = 1000

    #: The class used to parse :attr:`form` and :attr:`files`.
    form_data_parser_class: type[FormDataParser] = FormDataParser

    #: A module (or object) with ``loads`` (and ``dumps``) like :mod:`json`,
    #: used by :meth:`get_json`.
    json_module: t.Any = json

    if t.TYPE_CHECKING:
        #: The WSGI environ (under ASGI, a compatibility mapping built from the scope).
        environ: WSGIEnvironment
    else:
        environ = _ASGIEnviron()

    #: Whether reading the body is forbidden, see the ``shallow`` parameter.
    shallow: bool = False

    # Cached get_json results for (silent=False, silent=True); Ellipsis = not yet.
    _cached_json: tuple[t.Any, t.Any] = (Ellipsis, Ellipsis)

    _cached_data: bytes | None = None

    # The body stream, once made or set (see stream).
    _stream: t.IO[bytes] | None = None

    # Whether get_data read the body straight from wsgi.input, before any stream was made.
    _body_read = False

    # Whether the body was parsed into form and files (their streams then need closing).
    _form_parsed = False

    # Set by from_asgi for a GET or HEAD request without a body by HTTP/1.x's rules (no
    # length, no transfer coding): the ASGI adapter then does not wait for the body
    # message.
    _asgi_bodyless = False
    # Of a request made with from_asgi: the scope (None for a WSGI request) and the
    # received body.
    _asgi_scope: t.Mapping[str, t.Any] | None = None
    _asgi_body: bytes | t.IO[bytes] = b""
    # The environ built from the scope, once read (its wsgi.input follows _asgi_body).
    _asgi_environ: WSGIEnvironment | None = None
    # The header keys of that environ (HTTP_*, CONTENT_TYPE, ...), built from the scope
    # without it when headers or a header attribute of the body is read first.
    _asgi_header_keys: dict[str, str] | None = None
    # The ASGI receive callable that iter_body reads, until it has (see stream_body).
    _asgi_receive: t.Callable[[], t.Awaitable[t.MutableMapping[str, t.Any]]] | None = None

    #: Whether the request asks to switch to the WebSocket protocol (``Connection:
    #: upgrade`` and ``Upgrade: websocket``, or an ASGI ``websocket`` scope); the router
    #: then matches WebSocket rules. An erlen addition, set when the request is made.
    websocket_upgrade: bool = False

    def __init__(
        self,
        environ: WSGIEnvironment,
        populate_request: bool = True,
        shallow: bool = False,
    ) -> None:
        self.environ = environ
        if shallow:
            self.shallow = True
        elif populate_request:
            environ["werkzeug.request"] = self
        # PERF: what routing reads from every request (method, scheme, path,
        # websocket_upgrade) is set here, in the common case with a few C-level operations
        # (a usual method, the PEP 3333 keys present, a plain ASCII path); the session
        # check's cookies (none sent) and the URL adapter's host check (a Host header seen
        # before) too. These plain attributes have no descriptor on the class, so that
        # CPython specializes their stores and reads (a cached_property, whose type is
        # mutable, blocks that). Everything else is computed on first access. A missing
        # key costs nothing until it is raised.
        try:
            self.method = _METHODS[environ["REQUEST_METHOD"]]
            self.scheme = scheme = environ["wsgi.url_scheme"]
            path = environ["PATH_INFO"] or "/"
        except KeyError:  # an unusual method, or a key missing
            self.method = environ.get("REQUEST_METHOD", "GET").upper()
            self.scheme = scheme = environ.get("wsgi.url_scheme", "http")
            path = environ.get("PATH_INFO") or "/"
        if path != "/" and not (path[0] == "/" and path[1] != "/" and path.isascii()):
            path = _request_path(path, self.encoding_errors)
        self.path = path
        self.websocket_upgrade = "HTTP_UPGRADE" in environ and is_websocket_upgrade(
            environ.get("HTTP_CONNECTION"), environ["HTTP_UPGRADE"]
        )
        if "HTTP_COOKIE" not in environ and self.dict_storage_class is ImmutableMultiDict:
            self.cookies = _NO_COOKIES
        if type(self).trusted_hosts is _TRUSTED_HOSTS:
            # A Host header get_host validated before (the app layer re-checks the host
            # when it sets trusted hosts on the request).
            try:
                self.host = _host_cache[scheme, environ["HTTP_HOST"]]
            except KeyError:
                pass

    @classmethod
    def from_asgi(
        cls,
        scope: t.Mapping[str, t.Any],
        body: bytes | t.IO[bytes] | None = None,
        receive: t.Callable[[], t.Awaitable[t.MutableMapping[str, t.Any]]] | None = None,
    ) -> te.Self:
        """Create a request from an ASGI ``http`` (or ``websocket``) scope.

        The attributes are those a WSGI request has, taken from the scope;
        :attr:`environ` is a WSGI-style mapping built from the scope on first access.

        :param body: The received body: bytes, or a file positioned at its start
            (empty if ``None``).
        :param receive: For a view that consumes the body as it arrives
            (:func:`erlen.asgi.stream_body`): the ASGI ``receive`` callable that
            :meth:`iter_body` reads; :attr:`stream` then raises.
        """
        self = cls.__new__(cls)
        self._asgi_scope = scope
        if body is not None or receive is not None:
            self._set_asgi_body(body, receive)
        # PERF: as in __init__, the values every request reads are set here from the
        # scope, the rest computed from the scope on first access (the environ is built
        # only when read). The headers are looked up in one dict built by C code rather
        # than by a Python loop over them.
        try:
            self.method = method = _METHODS[scope["method"]]
        except KeyError:
            self.method = method = (scope.get("method") or "GET").upper()
        self.websocket_upgrade = scope["type"] == "websocket"
        try:
            self.scheme = scheme = scope["scheme"] or _default_scheme(scope)
        except KeyError:
            self.scheme = scheme = _default_scheme(scope)
        path = scope["path"]
        # ("/" is "/" whatever the root path: the path includes it.)
        if path != "/" and (
            not path
            or path[0] != "/"
            or path[1] == "/"
            or not path.isascii()
            or scope.get("root_path")
        ):
            path = _request_path(
                (_scope or _bind_scope()).scope_paths(scope)[1], cls.encoding_errors
            )
        self.path = path
        headers = scope["headers"]
        found = dict(headers)
        if b"cookie" not in found and cls.dict_storage_class is ImmutableMultiDict:
            self.cookies = _NO_COOKIES
        if (
            method in _BODYLESS_METHODS
            and _BODY_HEADERS.isdisjoint(found)
            and scope.get("http_version") in _HTTP1
        ):
            # HTTP/1.x: no length and no transfer coding is no body (RFC 9112 6.3); only
            # trusted for GET and HEAD, in case a server drops the header of a body it
            # de-chunked.
            self._asgi_bodyless = True
        else:
            # The adapter reads the length of any other request, from the environ's
            # header keys, built now: the body's header attributes read them too.
            keys = self._header_keys()
            self.content_length = get_content_length(
                keys.get("CONTENT_LENGTH"), keys.get("HTTP_TRANSFER_ENCODING")
            )
        if cls.trusted_hosts is _TRUSTED_HOSTS:
            # A Host header seen before, as in __init__, when no header is repeated (the
            # environ joins repeated Host headers).
            try:
                if len(found) == len(headers):
                    self.host = _asgi_hosts[scheme, found[b"host"]]
            except (KeyError, TypeError):  # (TypeError: headers given as an iterator)
                pass
        return self

    def _set_asgi_body(
        self,
        body: bytes | t.IO[bytes] | None,
        receive: t.Callable[[], t.Awaitable[t.MutableMapping[str, t.Any]]] | None = None,
    ) -> None:
        """Set the received body of a request made with :meth:`from_asgi`, or with
        ``receive`` make the body one that :meth:`iter_body` receives as it arrives.

        Called before the request is dispatched: an environ built from the scope before
        gets the body as its ``wsgi.input``.
        """
        # PERF: set as attributes, not through self.__dict__, which would turn the
        # instance's compact attribute storage into a dict object.
        if receive is not None:
            self._asgi_receive = receive
            # Unwrapped, so that reading it says why it can't be read.
            body = self._stream = t.cast("t.IO[bytes]", _StreamedBody())
        assert body is not None
        self._asgi_body = body
        environ = self._asgi_environ
        if environ is not None:
            environ["wsgi.input"] = self._asgi_input()

    def _asgi_input(self) -> t.IO[bytes]:
        """The received body as a stream, the ``wsgi.input`` of the environ built from
        the scope: after what :meth:`get_data` read of it without a stream."""
        body = self._asgi_body
        if type(body) is not bytes:
            return body  # type: ignore[return-value]
        stream = self._asgi_body = BytesIO(body)
        if self._body_read:
            # Read whole, without a stream (see _read_body_directly).
            stream.seek(len(body))
        return stream

    def _header_keys(self) -> t.Mapping[str, t.Any]:
        """The environ keys the header attributes read (``HTTP_*``, ``CONTENT_TYPE``,
        ``CONTENT_LENGTH``): the environ, or for a request made with :meth:`from_asgi`
        whose environ is not built yet, those keys alone, built from the scope."""
        if self._asgi_scope is None:
            return self.environ
        env = self._asgi_environ
        if env is not None:
            return env
        keys = self._asgi_header_keys
        if keys is None:
            keys = self._asgi_header_keys = (_scope or _bind_scope()).header_environ(
                self._asgi_scope
            )
        return keys

    def _input_environ(self) -> t.Mapping[str, t.Any]:
        """The environ keys the body readers take (``wsgi.input``,
        ``wsgi.input_terminated``); under ASGI, until the environ is built, those of the
        environ the scope gives, without building it."""
        if self._asgi_scope is None:
            return self.environ
        env = self._asgi_environ
        if env is not None:
            return env
        # ASGI servers end every body themselves (see environ_from_scope).
        return {"wsgi.input": self._asgi_input(), "wsgi.input_terminated": True}

    async def iter_body(self, chunk_size: int = 65536) -> t.AsyncIterator[bytes]:
        """Iterate the request body in chunks, as it arrives.

        Under ASGI, in a view marked with :func:`erlen.asgi.stream_body`, the chunks
        come straight from the server (the body is not received before the view);
        :attr:`max_content_length` applies (413 once passed). Otherwise the body that
        :attr:`stream` reads is yielded in ``chunk_size`` pieces.
        """
        receive = self._asgi_receive
        if receive is None:
            stream = self.stream
            while True:
                chunk = stream.read(chunk_size)
                if not chunk:
                    return
                yield chunk
        from ..exceptions import ClientDisconnected, RequestEntityTooLarge

        limit = self.max_content_length
        length = self.content_length
        if limit is not None and length is not None and length > limit:
            raise RequestEntityTooLarge()
        self._asgi_receive = None  # the body can be iterated once
        received = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected()
            chunk = message.get("body", b"")
            if chunk:
                received += len(chunk)
                if limit is not None and received > limit:
                    raise RequestEntityTooLarge()
                yield chunk
            if not message.get("more_body", False):
                return

    @classmethod
    def from_values(cls, *args: t.Any, **kwargs: t.Any) -> Request:
        """Create a request from the arguments of :class:`erlen.test.EnvironBuilder`.

        Handy in scripts; tests should use the test client.
        """
        from ..test import EnvironBuilder

        builder = EnvironBuilder(*args, **kwargs)
        try:
            return builder.get_request(cls)
        finally:
            builder.close()

    @classmethod
    def application(cls, f: t.Callable[[Request], WSGIApplication]) -> WSGIApplication:
        """Turn ``f(request) -> response`` into a WSGI application.

        The request is passed as the last positional argument (so methods work)
        and closed afterwards. An :exc:`~erlen.exceptions.HTTPException` raised by
        ``f`` is sent as its response.
        """
        from ..exceptions import HTTPException

        @functools.wraps(f)
        def application(*args: t.Any) -> t.Iterable[bytes]:
            request = cls(args[-2])
            with request:
                try:
                    resp = f(*args[:-2] + (request,))
                except HTTPException as e:
                    resp = e.get_response(args[-2])
                return resp(*args[-2:])

        return t.cast("WSGIApplication", application)

    #: The request method, upper-cased, such as ``GET``.
    method: str
    #: The URL scheme, such as ``http`` or ``https``.
    scheme: str
    #: The path after :attr:`root_path`, decoded as UTF-8 (invalid bytes replaced),
    #: starting with ``/``.
    path: str

    # URL and environ values not set by __init__ or from_asgi, computed on first access:
    # from the environ, or from the ASGI scope as the environ built from it has them
    # (without building it).

    @cached_property
    def server(self) -> tuple[str, int | None] | None:
        """The server address ``(host, port)``; port ``None`` for a Unix socket."""
        scope = self._asgi_scope
        if scope is None:
            return _get_server(self.environ)
        server = scope.get("server")
        return (server[0], server[1]) if server else None

    @cached_property
    def root_path(self) -> str:
        """``SCRIPT_NAME``, decoded, without a trailing slash: the mount prefix."""
        scope = self._asgi_scope
        if scope is None:
            raw = self.environ.get("SCRIPT_NAME") or ""
        else:
            raw = (_scope or _bind_scope()).scope_paths(scope)[0]
        return _wsgi_decode(raw, self.encoding_errors).rstrip("/")

    @cached_property
    def query_string(self) -> bytes:
        """The raw bytes of the URL after ``?``."""
        scope = self._asgi_scope
        if scope is None:
            return _wsgi_bytes(self.environ.get("QUERY_STRING", ""))
        return scope.get("query_string") or b""

    @cached_property
    def args(self) -> MultiDict[str, str]:
        """The parsed query string parameters.

        Blank values are kept; invalid UTF-8 is decoded with
        :attr:`encoding_errors`: replacement characters by default, or
        ``"erlen.url_quote"`` to keep invalid bytes percent-encoded like Werkzeug.
        """
        scope = self._asgi_scope
        if scope is None:
            qs = self.environ.get("QUERY_STRING")
        else:
            # The environ's QUERY_STRING, without building the environ.
            qs = self.query_string.decode("latin-1")
        if not qs:
            return self.parameter_storage_class()
        # PERF: parse the WSGI string directly (no bytes round trip through
        # query_string) and split by hand when there is nothing to unquote, which is
        # several times cheaper than parse_qsl; for a plain MultiDict, straight into its
        # lists of values.
        if qs.isascii() and "%" not in qs and "+" not in qs:
            cls = self.parameter_storage_class
            if cls is ImmutableMultiDict or cls.__init__ is _MULTIDICT_INIT:
                lists: dict[str, list[str]] = {}
                for pair in qs.split("&"):
                    if pair:
                        key, _, value = pair.partition("=")
                        values = lists.get(key)
                        if values is None:
                            lists[key] = [value]
                        else:
                            values.append(value)
                return cls._from_lists(lists)
            # Another storage class gets the pairs in order (it may keep that order).
            items = []
            for pair in qs.split("&"):
                if pair:
                    key, _, value = pair.partition("=")
                    items.append((key, value))
            return cls(items)
        errors = self.encoding_errors
        return self.parameter_storage_class(parse_qs_pairs(_wsgi_decode(qs, errors), errors))

    @cached_property
    def headers(self) -> EnvironHeaders:  # type: ignore[override]
        """The request headers, read from the environ."""
        if self._asgi_scope is not None and "environ" not in self.__dict__:
            # PERF: under ASGI, a view over the environ's header keys alone, built from
            # the scope; the environ built later takes them (see _ASGIEnviron).
            return EnvironHeaders(self._header_keys())
        return EnvironHeaders(self.environ)

    @cached_property
    def remote_addr(self) -> str | None:
        """The client address (``REMOTE_ADDR``)."""
        scope = self._asgi_scope
        if scope is None:
            return self.environ.get("REMOTE_ADDR")
        client = scope.get("client")
        return client[0] if client else None

    @property
    def script_root(self) -> str:
        """Alias for :attr:`root_path`."""
        return self.root_path

    @cached_property
    def url_root(self) -> str:
        """Alias for :attr:`root_url`."""
        return self.root_url

    # Headers read straight from the environ; cheaper than going through headers.

    @cached_property
    def host(self) -> str:
        """The validated host the request was made to, with a non-default port.

        :raise SecurityError: If :attr:`trusted_hosts` is set and doesn't match.
        """
        scope = self._asgi_scope
        host = self._header_keys().get("HTTP_HOST")
        server = self.server if host is None else None
        trusted = self.trusted_hosts
        rv = get_host(self.scheme, host, server, trusted)
        if scope is not None and host is not None and not trusted and host.isascii():
            # For from_asgi, by the header's bytes (see _asgi_hosts).
            if len(_asgi_hosts) >= _HOST_CACHE_SIZE:
                _asgi_hosts.clear()  # bounded, even with hostile Host headers
            _asgi_hosts[self.scheme, host.encode("latin-1")] = rv
        return rv

    @cached_property
    def cookies(self) -> ImmutableMultiDict[str, str]:
        """The cookies sent with the request."""
        raw = self._header_keys().get("HTTP_COOKIE")
        if not raw and self.dict_storage_class is ImmutableMultiDict:
            # PERF: the requests that sent no cookie share one empty, immutable dict.
            return _NO_COOKIES
        return parse_cookie(raw or "", cls=self.dict_storage_class)

    @property
    def content_type(self) -> str | None:  # type: ignore[override]
        """The ``Content-Type`` header: the media type of the body."""
        return self._header_keys().get("CONTENT_TYPE")

    @cached_property
    def content_length(self) -> int | None:
        """The ``Content-Length`` header as an int.

        ``None`` if not sent or the body is chunked; ``0`` if invalid or negative.
        """
        env = self._header_keys()
        value = env.get("CONTENT_LENGTH")
        coding = env.get("HTTP_TRANSFER_ENCODING")
        if value is not None and coding is None:
            # PERF: a length seen before, from the parse cache without the call.
            length = _content_lengths.get(value)
            if length is not None:
                return length
        return get_content_length(value, coding)

    remote_user = environ_property[str](
        "REMOTE_USER", doc="The user name the server authenticated, if any."
    )
    is_multithread = environ_property[bool](
        "wsgi.multithread", doc="Whether the server may run the app in several threads."
    )
    is_multiprocess = environ_property[bool](
        "wsgi.multiprocess", doc="Whether the server may run the app in several processes."
    )
    is_run_once = environ_property[bool](
        "wsgi.run_once", doc="Whether the app runs only once in this process (like CGI)."
    )
    input_stream = environ_property["t.IO[bytes]"](
        "wsgi.input",
        doc="The raw ``wsgi.input``, without length or limit checks. Prefer :attr:`stream`.",
    )

    # Body.

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> t.IO[bytes]:
        """Return a new stream to store an uploaded file in.

        Override to customize where uploads go; the default is
        :func:`~erlen.formparser.default_stream_factory`.
        """
        return default_stream_factory(
            total_content_length=total_content_length,
            content_type=content_type,
            filename=filename,
            content_length=content_length,
        )

    @property
    def want_form_data_parsed(self) -> bool:
        """Whether the body should be parsed as form data (a ``Content-Type`` was sent)."""
        return bool(self._header_keys().get("CONTENT_TYPE"))

    def make_form_data_parser(self) -> FormDataParser:
        """Create the :attr:`form_data_parser_class` instance with this request's limits."""
        return self.form_data_parser_class(
            stream_factory=self._get_file_stream,
            max_form_memory_size=self.max_form_memory_size,
            max_content_length=self.max_content_length,
            max_form_parts=self.max_form_parts,
            cls=self.parameter_storage_class,
        )

    def _load_form_data(self) -> None:
        """Parse the body into :attr:`form` and :attr:`files` (once).

        Afterwards :attr:`stream` is consumed for form content types.
        """
        d = self.__dict__
        if "form" in d:
            return

        if self.want_form_data_parsed:
            parser = self.make_form_data_parser()
            mimetype = self.mimetype
            length = self.content_length
            body = None
            if mimetype == _URLENCODED and length is not None and self._cached_data is None:
                # The parser reads a url-encoded body whole, when its length is within
                # the parser's limit (checked first, so that a large one is not read).
                limit = getattr(parser, "max_form_memory_size", 0)
                if limit is None or length <= limit:
                    raw = self._read_body_directly()
                    if raw is not None:
                        body = BytesIO(raw)
            data = parser.parse(
                self._get_stream_for_parsing() if body is None else body,
                mimetype,
                length,
                self.mimetype_params,
            )
            if body is not None and data[0] is body:
                # Read directly: the stream, made when asked for, is one at its end.
                d["form"], d["files"] = data[1], data[2]
                self._form_parsed = True
                return
        else:
            cls = self.parameter_storage_class
            data = (self.stream, cls(), cls())

        self._stream, d["form"], d["files"] = data
        self._form_parsed = True

    def _get_stream_for_parsing(self) -> t.IO[bytes]:
        """Return :attr:`stream`, or a stream over the data cached by :meth:`get_data`."""
        cached = self._cached_data
        if cached is not None:
            return BytesIO(cached)
        return self.stream

    def close(self) -> None:
        """Close the streams of the files parsed from the body. Also done by
        ``with request:``."""
        if not self._form_parsed:
            # PERF: decided without the instance __dict__, which reading would create.
            return
        files = self.__dict__.get("files")
        if not files:
            return
        items = files.items(multi=True) if isinstance(files, MultiDict) else files.items()
        for _key, value in items:
            value.close()

    def __enter__(self) -> Request:
        return self

    def __exit__(self, exc_type: t.Any, exc_value: t.Any, tb: t.Any) -> None:
        self.close()

    @property
    def stream(self) -> t.IO[bytes]:
        """The body stream, limited to ``Content-Length`` and :attr:`max_content_length`.

        Can only be read once; use :meth:`get_data` to keep the bytes. Without a
        ``Content-Length`` (and no ``wsgi.input_terminated``) it is empty. Made on first
        access and kept; it can be replaced by assigning to it.

        :raise RequestEntityTooLarge: If ``Content-Length`` exceeds
            :attr:`max_content_length` (checked before reading), or, while
            reading, a terminated chunked body does.
        :raise RuntimeError: If the request is ``shallow``.
        """
        # PERF: kept in _stream (not a cached_property in the instance dict), so that the
        # body readers can tell whether a stream was made or set without the dict.
        stream = self._stream
        if stream is None:
            stream = self._stream = self._make_stream()
        return stream

    @stream.setter
    def stream(self, value: t.IO[bytes]) -> None:
        self._stream = value

    @stream.deleter
    def stream(self) -> None:
        self._stream = None

    def _make_stream(self) -> t.IO[bytes]:
        if self.shallow:
            raise RuntimeError(
                "This request was created with 'shallow=True', reading"
                " from the input stream is disabled."
            )
        if self._body_read:
            # get_data read the body without a stream: this one is at its end.
            stream = LimitedStream(self._input_environ()["wsgi.input"], self.content_length)  # type: ignore[arg-type]
            stream._pos = stream.limit
            return stream  # type: ignore[return-value]
        return _input_stream(
            self._input_environ(),  # type: ignore[arg-type]
            self.content_length,
            self.max_content_length,
        )

    @cached_property
    def data(self) -> bytes:
        """The raw body, or ``b""`` if it was parsed as form data (see :attr:`form`)."""
        return self.get_data(parse_form_data=True)

    @t.overload
    def get_data(
        self,
        cache: bool = True,
        as_text: t.Literal[False] = False,
        parse_form_data: bool = False,
    ) -> bytes: ...

    @t.overload
    def get_data(
        self,
        cache: bool = True,
        as_text: t.Literal[True] = ...,
        parse_form_data: bool = False,
    ) -> str: ...

    def get_data(
        self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False
    ) -> bytes | str:
        """Read the whole body.

        :param cache: Keep the bytes, so later calls (and form parsing) see them.
        :param as_text: Decode as UTF-8, replacing invalid bytes.
        :param parse_form_data: Parse form data first; the result is then
            ``b""`` for form bodies.
        """
        rv = self._cached_data
        if rv is None:
            if parse_form_data:
                self._load_form_data()
            rv = self._read_body_directly()
            if rv is None:
                rv = self.stream.read()
            if cache:
                self._cached_data = rv
        if as_text:
            return rv.decode("utf-8", "replace")
        return rv

    def _read_body_directly(self) -> bytes | None:
        """The whole body in one read of ``wsgi.input``, or ``None`` if the body must be
        read through :attr:`stream`: a stream was made or set, ``stream`` is overridden,
        the request is ``shallow`` or the length is unknown.

        PERF: the :class:`~erlen.wsgi.LimitedStream` is the costly part of reading a small
        body. This reads the same bytes with the same checks (413 above
        :attr:`max_content_length`, 400 for a cut body), and :attr:`stream`, if asked for
        later, is one at its end.
        """
        if (
            self._stream is not None
            or type(self).stream is not _STREAM
            or self.shallow
            or self._body_read
        ):
            return None
        length = self.content_length
        if length is None:
            return None
        limit = self.max_content_length
        if limit is not None and length > limit:
            raise RequestEntityTooLarge()
        if self._asgi_scope is not None:
            body = self._asgi_body
            if type(body) is bytes and len(body) == length and self._asgi_environ is None:
                # PERF: received whole (an ASGI server frames the body by its length):
                # the bytes as they are, without a stream.
                self._body_read = True
                return body
            data = _read_body(self._input_environ()["wsgi.input"], length)
        else:
            data = _read_body(self.environ["wsgi.input"], length)
        self._body_read = True
        return data

    @cached_property
    def form(self) -> ImmutableMultiDict[str, str]:
        """The url-encoded or multipart form fields (file uploads are in :attr:`files`)."""
        self._load_form_data()
        return self.__dict__["form"]

    @cached_property
    def files(self) -> ImmutableMultiDict[str, FileStorage]:
        """The uploaded files of a ``multipart/form-data`` body, as
        :class:`~erlen.datastructures.FileStorage` objects.
        """
        self._load_form_data()
        return self.__dict__["files"]

    @cached_property
    def values(self) -> CombinedMultiDict[str, str]:
        """:attr:`args` and :attr:`form` combined; only :attr:`args` for ``GET``.

        A ``GET`` body is ignored so it can't affect a cached response invisibly.
        """
        sources = [self.args]
        if self.method != "GET":
            sources.append(self.form)
        return CombinedMultiDict([d if isinstance(d, MultiDict) else MultiDict(d) for d in sources])

    # JSON.

    @property
    def json(self) -> t.Any:
        """The parsed JSON body: :meth:`get_json` with default arguments.

        :raise UnsupportedMediaType: If the content type isn't JSON (415).
        :raise BadRequest: If the body isn't valid JSON (400).
        """
        return self.get_json()

    @t.overload
    def get_json(
        self, force: bool = ..., silent: t.Literal[False] = ..., cache: bool = ...
    ) -> t.Any: ...

    @t.overload
    def get_json(
        self, force: bool = ..., silent: bool = ..., cache: bool = ...
    ) -> t.Any | None: ...

    def get_json(
        self, force: bool = False, silent: bool = False, cache: bool = True
    ) -> t.Any | None:
        """Parse the body as JSON.

        If the content type isn't JSON (see :attr:`is_json`) and ``force`` is
        false, or the body isn't valid JSON (including nesting too deep to parse),
        :meth:`on_json_loading_failed` is called and its result returned; by
        default it raises 415 or 400.

        :param force: Parse whatever the content type.
        :param silent: Return ``None`` instead of calling
            :meth:`on_json_loading_failed`.
        :param cache: Remember the result for later calls.
        """
        if cache and self._cached_json[silent] is not Ellipsis:
            return self._cached_json[silent]

        if not (force or self.is_json):
            if silent:
                return None
            return self.on_json_loading_failed(None)

        data = self.get_data(cache=cache)

        try:
            try:
                rv = self.json_module.loads(data)
            except RecursionError:
                raise _JSONNestingError("JSON nested too deeply") from None
        except ValueError as e:
            if silent:
                rv = None
                if cache:
                    self._cached_json = (self._cached_json[0], rv)
            else:
                rv = self.on_json_loading_failed(e)
                if cache:
                    self._cached_json = (rv, self._cached_json[1])
        else:
            if cache:
                self._cached_json = (rv, rv)

        return rv

    def on_json_loading_failed(self, e: ValueError | None) -> t.Any:
        """Handle a failed :meth:`get_json`; a returned value becomes its result.

        :param e: The parse error, or ``None`` if the content type wasn't JSON.
        :raise BadRequest: For a parse error (400).
        :raise UnsupportedMediaType: For a non-JSON content type (415).
        """
        if e is not None:
            raise BadRequest(f"Failed to decode JSON object: {e}")
        raise UnsupportedMediaType(
            "Did not attempt to load JSON data because the request"
            " Content-Type was not 'application/json'."
        )


_STREAM = Request.__dict__["stream"]
