"""HTTP header parsing and formatting, compatible with ``werkzeug.http``.

Every public function here mirrors the function of the same name in Werkzeug 3.1
(signature and results), with two goals on top of that: the parsers run in linear
time on hostile input, and the per-request parsers (cookies, ``Content-Type``,
``Accept``) are faster than Werkzeug's. Deliberate differences are documented on the
function concerned.
"""

from __future__ import annotations

import email.utils
import re
import typing as t
import warnings
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum
from hashlib import sha1
from time import mktime, struct_time
from urllib.parse import quote, unquote

__all__ = [
    "COEP",
    "COOP",
    "HTTP_STATUS_CODES",
    "dump_age",
    "dump_cookie",
    "dump_csp_header",
    "dump_header",
    "dump_options_header",
    "generate_etag",
    "get_content_type",
    "http_date",
    "is_byte_range_valid",
    "is_entity_header",
    "is_hop_by_hop_header",
    "is_resource_modified",
    "parse_accept_header",
    "parse_age",
    "parse_cache_control_header",
    "parse_content_range_header",
    "parse_cookie",
    "parse_csp_header",
    "parse_date",
    "parse_dict_header",
    "parse_etags",
    "parse_if_range_header",
    "parse_list_header",
    "parse_options_header",
    "parse_range_header",
    "parse_set_header",
    "quote_etag",
    "quote_header_value",
    "remove_entity_headers",
    "remove_hop_by_hop_headers",
    "unquote_etag",
    "unquote_header_value",
]

_entity_headers = frozenset(
    (
        "allow",
        "content-encoding",
        "content-language",
        "content-length",
        "content-location",
        "content-md5",
        "content-range",
        "content-type",
        "expires",
        "last-modified",
    )
)
_hop_by_hop_headers = frozenset(
    (
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    )
)

#: Reason phrases by status code, identical to Werkzeug's table.
HTTP_STATUS_CODES: dict[int, str] = {
    100: "Continue",
    101: "Switching Protocols",
    102: "Processing",
    103: "Early Hints",
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    207: "Multi Status",
    208: "Already Reported",
    226: "IM Used",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    305: "Use Proxy",
    306: "Switch Proxy",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Request Entity Too Large",
    414: "Request URI Too Long",
    415: "Unsupported Media Type",
    416: "Requested Range Not Satisfiable",
    417: "Expectation Failed",
    418: "I'm a teapot",
    421: "Misdirected Request",
    422: "Unprocessable Entity",
    423: "Locked",
    424: "Failed Dependency",
    425: "Too Early",
    426: "Upgrade Required",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    449: "Retry With",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
    506: "Variant Also Negotiates",
    507: "Insufficient Storage",
    508: "Loop Detected",
    510: "Not Extended",
    511: "Network Authentication Failed",
}


class COEP(Enum):
    """Cross Origin Embedder Policies."""

    UNSAFE_NONE = "unsafe-none"
    REQUIRE_CORP = "require-corp"


class COOP(Enum):
    """Cross Origin Opener Policies."""

    UNSAFE_NONE = "unsafe-none"
    SAME_ORIGIN_ALLOW_POPUPS = "same-origin-allow-popups"
    SAME_ORIGIN = "same-origin"


# RFC 9110 token characters.
_TCHAR = r"\w!#$%&'*+\-.^`|~"
_token_re = re.compile(rf"[{_TCHAR}]+", re.ASCII)
# A quoted string whose escapes are any backslash pair. The body is written "unrolled"
# so a missing closing quote costs one linear scan, not a backtracking search.
_QUOTED_BODY = r'[^"\\]*(?:\\.[^"\\]*)*'
_unslash_re = re.compile(r"\\(.)", re.ASCII)
_plain_int_re = re.compile(r"-?[0-9]+", re.ASCII)


def _plain_int(value: str) -> int:
    """Parse an ASCII ``-?[0-9]+`` integer (after stripping blanks) or raise ValueError.

    ``int()`` alone would also accept ``+``, ``_`` and non-ASCII digits, none of which
    are valid in HTTP.
    """
    value = value.strip(" \t")
    # The length bound keeps int() linear-time cheap even where the interpreter's own
    # digit limit (sys.set_int_max_str_digits) is switched off.
    if len(value) > 4000 or _plain_int_re.fullmatch(value) is None:
        raise ValueError(f"not a plain integer: {value[:40]!r}")
    return int(value)


def _dt_as_utc(dt: datetime) -> datetime:
    """Return ``dt`` as an aware UTC datetime; naive datetimes are assumed to be UTC."""
    tz = dt.tzinfo

    if tz is None:
        return dt.replace(tzinfo=timezone.utc)

    if tz is not timezone.utc:
        return dt.astimezone(timezone.utc)

    return dt


# --------------------------------------------------------------------------------------
# Generic quoting and list / options headers
# --------------------------------------------------------------------------------------


def quote_header_value(value: t.Any, allow_token: bool = True) -> str:
    """Quote ``value`` (converted with ``str``) for use in a header.

    A value made only of token characters is returned unchanged unless
    ``allow_token`` is false. Otherwise ``"`` and ``\\`` are backslash-escaped and the
    result is wrapped in double quotes. The empty string becomes ``""``.
    """
    value_str = str(value)

    if not value_str:
        return '""'

    if allow_token and _token_re.fullmatch(value_str) is not None:
        return value_str

    value_str = value_str.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{value_str}"'


def unquote_header_value(value: str) -> str:
    """Remove surrounding double quotes and backslash escapes from a header value.

    A value that is not wrapped in quotes is returned unchanged. This is the reverse of
    :func:`quote_header_value`.
    """
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        inner = value[1:-1]

        if "\\" in inner:
            return _unslash_re.sub(r"\1", inner)

        return inner

    return value


def dump_options_header(header: str | None, options: Mapping[str, t.Any]) -> str:
    """Join ``header`` and ``key=value`` parameters with ``"; "``.

    Values are quoted when needed; ``None`` values are skipped; a key ending in ``*``
    is assumed to carry an RFC 2231 encoded value and is not quoted. This is the
    reverse of :func:`parse_options_header`.
    """
    segments = [] if header is None else [header]

    for key, value in options.items():
        if value is None:
            continue

        if key[-1:] == "*":
            segments.append(f"{key}={value}")
        else:
            segments.append(f"{key}={quote_header_value(value)}")

    return "; ".join(segments)


def dump_header(iterable: dict[str, t.Any] | Iterable[t.Any]) -> str:
    """Join items, or ``key=value`` pairs of a dict, with ``", "``, quoting as needed.

    For a dict, a ``None`` value outputs the key alone, and a key ending in ``*`` is
    assumed to carry an already encoded RFC 2231 value. This is the reverse of
    :func:`parse_list_header`, :func:`parse_dict_header` and :func:`parse_set_header`.
    """
    if isinstance(iterable, dict):
        items = []

        for key, value in iterable.items():
            if value is None:
                items.append(key)
            elif key[-1:] == "*":
                items.append(f"{key}={value}")
            else:
                items.append(f"{key}={quote_header_value(value)}")
    else:
        items = [quote_header_value(x) for x in iterable]

    return ", ".join(items)


def dump_csp_header(header: Mapping[str, str]) -> str:
    """Dump a Content Security Policy mapping as ``"directive value; ..."``."""
    return "; ".join(f"{key} {value}" for key, value in header.items())


# One list item: runs of plain characters and complete quoted strings. A quote that
# cannot be closed stops the match right on that quote, which marks the header invalid.
_list_item_re = re.compile(rf'(?:[^,"]+|"{_QUOTED_BODY}")*', re.DOTALL)


def _split_list(value: str, limit: int = -1) -> list[str]:
    """Split a comma list into stripped, unquoted, non-empty items.

    At most ``limit`` raw items are considered when ``limit`` is not negative. Returns
    an empty list if a quoted string is not closed (within the items considered).
    """
    if '"' not in value:
        # PERF: plain split is much faster than the quote-aware scan; most lists have
        # no quotes at all.
        if limit >= 0:
            parts = value.split(",", limit)[:limit]
        else:
            parts = value.split(",")

        return [s for s in (p.strip(" \t") for p in parts) if s]

    items: list[str] = []
    match = _list_item_re.match
    n = len(value)
    pos = 0
    count = 0

    while limit < 0 or count < limit:
        end = match(value, pos).end()  # type: ignore[union-attr]  # always matches

        if end < n and value[end] == '"':
            return []

        item = value[pos:end].strip(" \t")

        if item:
            items.append(unquote_header_value(item))

        count += 1

        if end >= n:
            break

        pos = end + 1

    return items


def parse_list_header(value: str) -> list[str]:
    """Parse a comma separated list header (RFC 9110 ``#element``).

    Items are stripped; an item that is entirely one quoted string is unquoted, while
    quotes inside a partially quoted item are kept. Empty items are dropped. An
    unclosed quoted string makes the whole value invalid and ``[]`` is returned. This
    is the reverse of :func:`dump_header`.
    """
    return _split_list(value)


_charset_value_re = re.compile(
    r"([\w!#$%&*+\-.^`|~]*)'[\w!#$%&*+\-.^`|~]*'([\w!#$%&'*+\-.^`|~]+)$", re.ASCII
)
_safe_charsets = frozenset(("ascii", "us-ascii", "utf-8", "iso-8859-1"))


def parse_dict_header(value: str) -> dict[str, str | None]:
    """Parse a comma separated list of ``key=value`` items into a dict.

    A key without ``=`` maps to ``None``; items with an empty key are skipped. A
    ``key*=charset'lang'value`` item is percent-decoded into ``key`` when the charset
    is ASCII, UTF-8 or ISO-8859-1, otherwise its value is kept as is. Returns ``{}``
    for an unclosed quoted string. This is the reverse of :func:`dump_header`.
    """
    result: dict[str, str | None] = {}

    for item in _split_list(value):
        key, has_value, val = item.partition("=")
        key = key.strip(" \t")

        if not key:
            continue

        if not has_value:
            result[key] = None
            continue

        val = val.strip(" \t")

        if key[-1] == "*":
            key = key[:-1]
            encoding: str | None = None
            m = _charset_value_re.match(val)

            if m is not None:
                encoding, val = m.groups()
                encoding = encoding.lower()

            if encoding in _safe_charsets:
                val = unquote(val, encoding=encoding)

        result[key] = unquote_header_value(val)

    return result


# One ``;`` separated parameter of an options header. Group 1 is the key; then exactly
# one of: 2 a token value, 3 a closed quoted value, 4 an unclosed quote (which ends
# parsing). Anything else up to the next ``;`` is junk and skipped.
_option_part_re = re.compile(
    rf"""
    (?:^|;)[ \t]*
    (?:
        ([{_TCHAR}]+)=
        (?: ([{_TCHAR}]+) | ("{_QUOTED_BODY}") | (") )?
    )?
    [^;]*
    """,
    re.ASCII | re.VERBOSE | re.DOTALL,
)
_simple_option_re = re.compile(rf"([{_TCHAR}]+)=([{_TCHAR}]+)", re.ASCII)


def _split_param_key(pk: str) -> tuple[str, bool, bool]:
    """Split RFC 2231 markers off a parameter key.

    Returns ``(key, has_continuation, has_charset)`` for ``key``, ``key*``, ``key*N``
    and ``key*N*``.
    """
    has_charset = pk[-1] == "*"
    core = pk[:-1] if has_charset else pk
    star = core.rfind("*")

    if star != -1:
        digits = core[star + 1 :]

        if digits and digits.isdigit():
            return core[:star], True, has_charset

    return core, False, has_charset


def parse_options_header(value: str | None) -> tuple[str, dict[str, str]]:
    """Parse a value followed by ``;`` separated ``key=value`` parameters.

    For example ``parse_options_header("text/html; charset=UTF-8")`` returns
    ``("text/html", {"charset": "UTF-8"})``. Keys are lowercased. Invalid parts (no
    value, quoted keys, ...) are skipped, and an unclosed quoted value ends parsing.
    Quoted values are unquoted, and ``%22`` in them is decoded to ``"`` as multipart
    clients send it. RFC 2231 continuations (``key*0``, ``key*1``) and charsets
    (``key*=UTF-8''...``, only ASCII, UTF-8 and ISO-8859-1) are handled like Werkzeug.

    Runs in linear time in the length of ``value``. This is the reverse of
    :func:`dump_options_header`.
    """
    if value is None:
        return "", {}

    value, sep, rest = value.partition(";")
    value = value.strip(" \t")

    if not sep:
        return value, {}

    rest = rest.strip(" \t")

    if not value or not rest:
        return value, {}

    m = _simple_option_re.fullmatch(rest)

    if m is not None and "*" not in m.group(1) and "%" not in m.group(2):
        # PERF: single plain ``key=token`` parameter (``charset=utf-8``, the common
        # case) skips the general scan.
        return value, {m.group(1).lower(): m.group(2)}

    options: dict[str, str] = {}
    continuations: dict[str, list[str]] = {}
    continuation_encodings: dict[str, str] = {}

    for part in _option_part_re.finditer(rest):
        pk, token_value, quoted_value, unclosed = part.groups()

        if unclosed is not None:
            break

        if pk is None:
            continue

        pv = token_value if token_value is not None else quoted_value

        if pv is None:
            continue

        pk = pk.lower()
        encoding: str | None = None

        if "*" in pk:
            pk, has_continuation, has_charset = _split_param_key(pk)
        else:
            has_continuation = has_charset = False

        if has_charset:
            cm = _charset_value_re.match(pv)

            if cm is not None:
                encoding, pv = cm.groups()
                encoding = encoding.lower()

            if not encoding and has_continuation:
                encoding = continuation_encodings.get(pk)

            if encoding in _safe_charsets:
                pv = unquote(pv, encoding=encoding)
        else:
            pv = unquote_header_value(pv)

            if "%22" in pv:
                pv = pv.replace("%22", '"')

        if has_continuation:
            options.pop(pk, None)

            # Pieces are joined in the order they appear, not by their index.
            if pk in continuations:
                continuations[pk].append(pv)
            else:
                continuations[pk] = [pv]

            if encoding:
                continuation_encodings[pk] = encoding
        else:
            if pk in continuations:
                del continuations[pk]
                continuation_encodings.pop(pk, None)

            options[pk] = pv

    for pk, pieces in continuations.items():
        options[pk] = "".join(pieces)

    return value, options


# --------------------------------------------------------------------------------------
# Accept, Cache-Control, CSP, sets
# --------------------------------------------------------------------------------------

_q_value_re = re.compile(r"-?\d+(?:\.\d+)?", re.ASCII)
_accept_q_only_re = re.compile(r"([^;]+);[ \t]*[qQ]=(-?\d+(?:\.\d+)?)", re.ASCII)

#: Only this many comma separated items of an ``Accept*`` header are considered.
MAX_ACCEPT_ITEMS = 1000

_TAccept = t.TypeVar("_TAccept")


@t.overload
def parse_accept_header(value: str | None) -> ds.Accept: ...


@t.overload
def parse_accept_header(value: str | None, cls: type[_TAccept]) -> _TAccept: ...


def parse_accept_header(value: str | None, cls: type[t.Any] | None = None) -> t.Any:
    """Parse an ``Accept``-style header into ``cls`` (default :class:`Accept`).

    ``cls`` is called with a list of ``(value, quality)`` pairs, in header order.
    Items without ``q`` get quality ``1``. Items whose ``q`` is not a plain decimal
    number, or is outside ``0..1``, are skipped. Parameters other than ``q`` are kept
    on the value (``"text/html; level=1"``). Pass :class:`MIMEAccept`,
    :class:`CharsetAccept` or :class:`LanguageAccept` for the other Accept headers.

    Unlike Werkzeug, only the first :data:`MAX_ACCEPT_ITEMS` (1000) comma separated
    items are considered, so a hostile header cannot make the resulting object (whose
    lookups are linear in its size) arbitrarily large. Parsing is linear time.
    """
    if cls is None:
        cls = ds.Accept

    if not value:
        return cls(None)

    result: list[tuple[str, float]] = []

    for item in _split_list(value, MAX_ACCEPT_ITEMS):
        if ";" not in item:
            # Same as parse_options_header(item) without parameters.
            result.append((item.strip(" \t"), 1))
            continue

        m = _accept_q_only_re.fullmatch(item)

        if m is not None:
            # PERF: "type;q=0.9" without other parameters (as in browsers' Accept
            # headers) skips parse_options_header.
            item = m.group(1).strip(" \t")

            if item:
                q = float(m.group(2))

                if 0 <= q <= 1:
                    result.append((item, q))

                continue

        item, options = parse_options_header(item)

        if "q" in options:
            q_str = options.pop("q").strip(" \t")

            if _q_value_re.fullmatch(q_str) is None:
                continue

            q = float(q_str)

            if q < 0 or q > 1:
                continue
        else:
            q = 1

        if options:
            item = dump_options_header(item, options)

        result.append((item, q))

    return cls(result)


def parse_cache_control_header(
    value: str | None,
    on_update: Callable[[t.Any], None] | None = None,
    cls: type[t.Any] | None = None,
) -> t.Any:
    """Parse a ``Cache-Control`` header into ``cls`` (default
    :class:`RequestCacheControl`), built from :func:`parse_dict_header`.

    ``on_update`` is passed on to the object, which calls it on every change. Request
    and response directives are not told apart here; pick ``cls`` accordingly.
    """
    if cls is None:
        cls = ds.RequestCacheControl

    if not value:
        return cls((), on_update)

    return cls(parse_dict_header(value), on_update)


def parse_csp_header(
    value: str | None,
    on_update: Callable[[t.Any], None] | None = None,
    cls: type[t.Any] | None = None,
) -> t.Any:
    """Parse a Content Security Policy header into ``cls`` (default
    :class:`ContentSecurityPolicy`).

    Policies are ``;`` separated ``directive value`` pairs; a policy without a space
    is ignored.
    """
    if cls is None:
        cls = ds.ContentSecurityPolicy

    if value is None:
        return cls((), on_update)

    items = []

    for policy in value.split(";"):
        policy = policy.strip(" \t")

        if " " in policy:
            directive, _, val = policy.partition(" ")
            items.append((directive.strip(" \t"), val.strip(" \t")))

    return cls(items, on_update)


def parse_set_header(
    value: str | None, on_update: Callable[[t.Any], None] | None = None
) -> ds.HeaderSet:
    """Parse a comma separated set-like header into a :class:`HeaderSet`.

    The set keeps header order and compares items case-insensitively. Use
    :func:`dump_header` to serialise it again.
    """
    hs = ds.HeaderSet

    if not value:
        return hs(None, on_update)

    return hs(parse_list_header(value), on_update)


# --------------------------------------------------------------------------------------
# ETags and conditional requests
# --------------------------------------------------------------------------------------


def quote_etag(etag: str, weak: bool = False) -> str:
    """Quote an ETag, prefixed with ``W/`` if ``weak``.

    Raises :exc:`ValueError` if ``etag`` contains a ``"``.
    """
    if '"' in etag:
        raise ValueError(f"invalid etag (contains a double quote): {etag!r}")

    if weak:
        return f'W/"{etag}"'

    return f'"{etag}"'


@t.overload
def unquote_etag(etag: str) -> tuple[str, bool]: ...


@t.overload
def unquote_etag(etag: None) -> tuple[None, None]: ...


def unquote_etag(etag: str | None) -> tuple[str, bool] | tuple[None, None]:
    """Unquote one ETag into ``(etag, weak)``.

    ``unquote_etag('W/"bar"')`` is ``("bar", True)``. An unquoted value is returned
    as is; an empty or ``None`` value gives ``(None, None)``.
    """
    if not etag:
        return None, None

    weak = False
    start = 0

    if etag[:2] in ("W/", "w/"):
        weak = True
        start = 2

    if etag.startswith('"', start) and etag.endswith('"', start):
        # A lone quote counts as both the opening and the closing one, giving "".
        return etag[start + 1 : -1], weak

    return etag[start:], weak


# One ETag list item, starting at the beginning or at a comma; items that do not match
# are skipped up to the next comma. A quoted tag may contain commas.
_etag_item_re = re.compile(
    r'(?:^|,)[ \t]*([Ww]/)?(?:"([^"]*)"|([^" \t,]+))[ \t]*(?=,|\Z)', re.ASCII
)


def parse_etags(value: str | None) -> ds.ETags:
    """Parse an ``If-Match`` / ``If-None-Match`` style ETag list into :class:`ETags`.

    ``*`` alone gives a star tag. Invalid items are skipped; bare (unquoted) tags are
    accepted as strong tags. Linear time.
    """
    etags_cls = ds.ETags

    if not value:
        return etags_cls()

    if value == "*":
        return etags_cls(star_tag=True)

    strong: list[str] = []
    weak: list[str] = []

    for is_weak, quoted, bare in _etag_item_re.findall(value):
        tag = quoted or bare

        if is_weak:
            weak.append(tag)
        else:
            strong.append(tag)

    return etags_cls(strong, weak)


def generate_etag(data: bytes) -> str:
    """Return the SHA-1 hex digest of ``data``, for use as an ETag."""
    # Not a security use; this keeps SHA-1 available on FIPS-restricted builds.
    return sha1(data, usedforsecurity=False).hexdigest()


_CONDITIONAL_ENVIRON_KEYS = (
    ("http_range", "HTTP_RANGE"),
    ("http_if_range", "HTTP_IF_RANGE"),
    ("http_if_modified_since", "HTTP_IF_MODIFIED_SINCE"),
    ("http_if_none_match", "HTTP_IF_NONE_MATCH"),
    ("http_if_match", "HTTP_IF_MATCH"),
)


def is_resource_modified(
    environ: Mapping[str, t.Any] | None = None,
    etag: str | None = None,
    data: bytes | None = None,
    last_modified: datetime | str | None = None,
    ignore_if_range: bool = True,
    *,
    http_range: str | None = None,
    http_if_range: str | None = None,
    http_if_modified_since: str | None = None,
    http_if_none_match: str | None = None,
    http_if_match: str | None = None,
) -> bool:
    """Return whether the resource must be sent, evaluating conditional headers.

    Header values are read from the WSGI ``environ``; each can also be given directly
    with the keyword-only ``http_*`` arguments (the form of Werkzeug's sans-IO
    helper), which take precedence over ``environ``. ``etag`` is the response's ETag;
    alternatively ``data`` generates one (giving both raises :exc:`TypeError`).
    ``last_modified`` may be a datetime or an HTTP date string; microseconds are
    ignored and naive datetimes are UTC. ``If-Range`` is only honoured when
    ``ignore_if_range`` is false and a ``Range`` header is present. If-None-Match uses
    weak comparison, If-Match strong comparison.
    """
    headers = {
        "http_range": http_range,
        "http_if_range": http_if_range,
        "http_if_modified_since": http_if_modified_since,
        "http_if_none_match": http_if_none_match,
        "http_if_match": http_if_match,
    }

    if environ is not None:
        for name, key in _CONDITIONAL_ENVIRON_KEYS:
            if headers[name] is None:
                headers[name] = environ.get(key)

    if etag is None and data is not None:
        etag = f'"{generate_etag(data)}"'
    elif data is not None:
        raise TypeError("both data and etag given")

    unmodified = False

    if isinstance(last_modified, str):
        last_modified = parse_date(last_modified)

    if last_modified is not None:
        # HTTP dates have whole seconds; compare at that precision.
        last_modified = _dt_as_utc(last_modified.replace(microsecond=0))

    if_range = None

    if not ignore_if_range and headers["http_range"] is not None:
        # RFC 9110 13.1.5: If-Range is ignored without a Range header.
        if_range = parse_if_range_header(headers["http_if_range"])

    if if_range is not None and if_range.date is not None:
        modified_since: datetime | None = if_range.date
    else:
        modified_since = parse_date(headers["http_if_modified_since"])

    if modified_since and last_modified and last_modified <= modified_since:
        unmodified = True

    if etag:
        etag, _ = unquote_etag(etag)

        if if_range is not None and if_range.etag is not None:
            unmodified = if_range.etag == etag
        else:
            if_none_match = parse_etags(headers["http_if_none_match"])

            if if_none_match:
                unmodified = if_none_match.contains_weak(etag)

            if_match = parse_etags(headers["http_if_match"])

            if if_match:
                unmodified = not if_match.is_strong(etag)

    return not unmodified


# --------------------------------------------------------------------------------------
# Ranges
# --------------------------------------------------------------------------------------

#: A ``Range`` header with more parts than this is treated as absent.
MAX_RANGE_PARTS = 100
_simple_range_re = re.compile(r"bytes=([0-9]+)-([0-9]*)", re.ASCII)


def is_byte_range_valid(start: int | None, stop: int | None, length: int | None) -> bool:
    """Return whether the half-open byte range ``[start, stop)`` is valid for ``length``.

    ``start`` and ``stop`` must both be ``None`` (unsatisfied range) or both be set.
    """
    if (start is None) != (stop is None):
        return False

    if start is None:
        return length is None or length >= 0

    assert stop is not None

    if length is None:
        return 0 <= start < stop

    if start >= stop:
        return False

    return 0 <= start < length


def parse_if_range_header(value: str | None) -> ds.IfRange:
    """Parse an ``If-Range`` header, an HTTP date or an ETag, into :class:`IfRange`.

    The weakness of an ETag is dropped; a date is timezone-aware. A value that is
    neither (an ETag cannot contain ``"``) gives an empty :class:`IfRange`, so
    :meth:`IfRange.to_header` never fails on what a client sent.
    """
    if_range = ds.IfRange

    if not value:
        return if_range()

    parsed = parse_date(value)

    if parsed is not None:
        return if_range(date=parsed)

    etag = unquote_etag(value)[0]

    if '"' in etag:
        return if_range()

    return if_range(etag)


def parse_range_header(value: str | None, make_inclusive: bool = True) -> ds.Range | None:
    """Parse a ``Range`` header into a :class:`Range`, or ``None`` if absent or invalid.

    ``ranges`` holds ``(start, stop)`` pairs with an exclusive ``stop`` (``None`` for an
    open ``500-`` range); a suffix range ``-500`` is ``(-500, None)``. Like Werkzeug,
    any unit is accepted (``Range.range_for_length`` only serves ``bytes``), parts must
    be in ascending order without overlaps, and an open or suffix part must be the
    last one; otherwise the whole header is invalid. Because overlapping and unordered
    parts are rejected, nothing needs merging. ``make_inclusive`` is accepted for
    compatibility and has no effect, as in Werkzeug.

    Unlike Werkzeug, a header with more than :data:`MAX_RANGE_PARTS` (100) parts is
    treated as absent (``None``, so the full response is sent): serving hundreds of
    tiny ranges is a known amplification attack and no real client needs it.
    """
    if not value or "=" not in value:
        return None

    m = _simple_range_re.fullmatch(value)

    if m is not None:
        # PERF: a single "bytes=N-M" / "bytes=N-" part (the common case) skips the general loop.
        try:
            begin = int(m.group(1))
            end = int(m.group(2)) + 1 if m.group(2) else None
        except ValueError:  # more digits than int() accepts
            return None

        if end is not None and begin >= end:
            return None

        return ds.Range("bytes", [(begin, end)])

    units, _, rng = value.partition("=")

    if rng.count(",") >= MAX_RANGE_PARTS:
        return None

    units = units.strip(" \t").lower()
    ranges: list[tuple[int, int | None]] = []
    # Exclusive end of the previous part; -1 once an open or suffix part was seen.
    last_end = 0

    for item in rng.split(","):
        item = item.strip(" \t")

        if "-" not in item:
            return None

        if item[0] == "-":
            if last_end < 0:
                return None

            try:
                begin = _plain_int(item)
            except ValueError:
                return None

            if begin == 0:
                # "-0" is not a valid suffix length.
                return None

            end = None
            last_end = -1
        else:
            begin_str, _, end_str = item.partition("-")

            try:
                begin = _plain_int(begin_str)
            except ValueError:
                return None

            if begin < last_end or last_end < 0:
                return None

            end_str = end_str.strip(" \t")

            if end_str:
                try:
                    end = _plain_int(end_str) + 1
                except ValueError:
                    return None

                if begin >= end:
                    return None

                last_end = end
            else:
                end = None
                last_end = -1

        ranges.append((begin, end))

    return ds.Range(units, ranges)


def parse_content_range_header(
    value: str | None,
    on_update: Callable[[t.Any], None] | None = None,
) -> ds.ContentRange | None:
    """Parse a ``Content-Range`` header (``bytes 0-99/1000``, ``bytes */1000``,
    ``bytes 0-99/*``) into a :class:`ContentRange`, or ``None`` if invalid.

    The stored ``stop`` is exclusive. ``on_update`` is passed on to the object.
    """
    if value is None:
        return None

    units, _, rangedef = value.strip(" \t").partition(" ")
    rng, slash, length_str = rangedef.partition("/")

    if not slash:
        return None

    length: int | None

    if length_str == "*":
        length = None
    else:
        try:
            length = _plain_int(length_str)
        except ValueError:
            return None

    content_range = ds.ContentRange

    if rng == "*":
        if not is_byte_range_valid(None, None, length):
            return None

        return content_range(units, None, None, length, on_update=on_update)

    start_str, dash, stop_str = rng.partition("-")

    if not dash:
        return None

    try:
        start = _plain_int(start_str)
        stop = _plain_int(stop_str) + 1
    except ValueError:
        return None

    if is_byte_range_valid(start, stop, length):
        return content_range(units, start, stop, length, on_update=on_update)

    return None


# --------------------------------------------------------------------------------------
# Dates and ages
# --------------------------------------------------------------------------------------

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NUMBERS = {name: i for i, name in enumerate(_MONTHS, 1)}
_imf_fixdate_re = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{2}) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT",
    re.ASCII,
)


def _format_http_date(dt: datetime) -> str:
    """Format an aware UTC datetime as an IMF-fixdate."""
    return (
        f"{_WEEKDAYS[dt.weekday()]}, {dt.day:02d} {_MONTHS[dt.month - 1]} {dt.year:04d} "
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} GMT"
    )


def http_date(timestamp: datetime | date | int | float | struct_time | None = None) -> str:
    """Format a datetime, date or POSIX timestamp as an HTTP date (IMF-fixdate).

    ``None`` means now. Naive datetimes are taken as UTC, a plain date as midnight UTC,
    and a ``struct_time`` as local time (as :func:`time.mktime` does).
    """
    # PERF: formatting directly is much faster than email.utils.format_datetime.
    if isinstance(timestamp, datetime):
        return _format_http_date(_dt_as_utc(timestamp))

    if isinstance(timestamp, date):
        return _format_http_date(datetime.combine(timestamp, time(), tzinfo=timezone.utc))

    if timestamp is None:
        return _format_http_date(datetime.now(timezone.utc))

    if isinstance(timestamp, struct_time):
        timestamp = mktime(timestamp)

    return _format_http_date(datetime.fromtimestamp(timestamp, timezone.utc))


def parse_date(value: str | None) -> datetime | None:
    """Parse an HTTP date into an aware datetime, or return ``None`` if invalid.

    IMF-fixdate (RFC 1123), RFC 850 and asctime formats are accepted, as well as other
    RFC 2822 dates (via :func:`email.utils.parsedate_to_datetime`). A date without a
    zone, or with ``-0000``, is taken as UTC; an explicit numeric offset is kept.
    """
    if value is None:
        return None

    m = _imf_fixdate_re.fullmatch(value)

    if m is not None:
        # PERF: the common IMF-fixdate form parsed directly is much faster than email.utils.
        day, month, year, hour, minute, second = m.groups()

        try:
            return datetime(
                int(year),
                _MONTH_NUMBERS[month],
                int(day),
                int(hour),
                int(minute),
                int(second),
                tzinfo=timezone.utc,
            )
        except ValueError:
            return None

    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None

    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)

    return dt


def parse_age(value: str | None = None) -> timedelta | None:
    """Parse a non-negative integer number of seconds into a timedelta, else ``None``."""
    if not value:
        return None

    try:
        seconds = int(value)
    except ValueError:
        return None

    if seconds < 0:
        return None

    try:
        return timedelta(seconds=seconds)
    except OverflowError:
        return None


def dump_age(age: timedelta | int | None = None) -> str | None:
    """Format an age (timedelta or seconds) as an integer string; ``None`` stays ``None``.

    Raises :exc:`ValueError` for a negative age.
    """
    if age is None:
        return None

    if isinstance(age, timedelta):
        age = int(age.total_seconds())
    else:
        age = int(age)

    if age < 0:
        raise ValueError("age cannot be negative")

    return str(age)


# --------------------------------------------------------------------------------------
# Header classification and content type
# --------------------------------------------------------------------------------------


def is_entity_header(header: str) -> bool:
    """Return whether ``header`` is an entity header (case-insensitive)."""
    return header.lower() in _entity_headers


def is_hop_by_hop_header(header: str) -> bool:
    """Return whether ``header`` is an HTTP/1.1 hop-by-hop header (case-insensitive)."""
    return header.lower() in _hop_by_hop_headers


def remove_entity_headers(
    headers: t.Any,
    allowed: Iterable[str] = ("expires", "content-location"),
) -> None:
    """Remove entity headers, except ``allowed`` ones, from a list of ``(key, value)``
    pairs or a :class:`Headers` object, in place.

    ``Expires`` and ``Content-Location`` are kept by default, as RFC 2616 10.3.5 wants
    them on 304 responses.
    """
    allowed_set = {x.lower() for x in allowed}
    headers[:] = [
        (key, value)
        for key, value in headers
        if key.lower() not in _entity_headers or key.lower() in allowed_set
    ]


def remove_hop_by_hop_headers(headers: t.Any) -> None:
    """Remove hop-by-hop headers from a list of pairs or a :class:`Headers`, in place."""
    headers[:] = [(key, value) for key, value in headers if key.lower() not in _hop_by_hop_headers]


_charset_mimetypes = frozenset(
    (
        "application/ecmascript",
        "application/javascript",
        "application/sql",
        "application/xml",
        "application/xml-dtd",
        "application/xml-external-parsed-entity",
    )
)


def get_content_type(mimetype: str, charset: str) -> str:
    """Return ``mimetype`` with ``; charset=...`` appended if it is a text type.

    Text types are ``text/*``, any ``*+xml`` type, and known textual application
    types such as ``application/javascript`` and ``application/xml``.
    """
    if mimetype.startswith("text/") or mimetype in _charset_mimetypes or mimetype.endswith("+xml"):
        return f"{mimetype}; charset={charset}"

    return mimetype


# --------------------------------------------------------------------------------------
# Cookies
# --------------------------------------------------------------------------------------

# One cookie pair, starting at the beginning or at a ``;``. Group 1 is the key, group 2
# the (possibly quoted) value. Pairs that do not match are skipped up to the next
# ``;``. Scans for a closing quote never overlap (an opening quote always follows
# ``=`` or a blank, so it cannot be escaped inside an earlier quoted value), which
# keeps findall linear even on hostile input.
_cookie_re = re.compile(
    rf"""
    (?:^|;)[ \t]*
    ([^ \t=";]+)
    (?:[ \t]*=[ \t]*("{_QUOTED_BODY}"|[^ \t";]*))?
    [ \t]*(?=;|\Z)
    """,
    re.VERBOSE,
)
_cookie_unslash_re = re.compile(rb"\\([0-3][0-7]{2}|.)")


def _cookie_unslash(m: re.Match[bytes]) -> bytes:
    """Replace one backslash escape: octal ``\\ooo`` or an escaped character."""
    v = m.group(1)

    if len(v) == 1:
        return v

    return bytes((int(v, 8),))


def _cookie_unquote(value: str) -> str:
    """Unquote a quoted cookie value, decoding octal escapes as UTF-8 bytes."""
    inner = value[1:-1]

    if "\\" not in inner:
        return inner

    raw = inner.encode("utf-8", "surrogatepass")
    return _cookie_unslash_re.sub(_cookie_unslash, raw).decode("utf-8", "replace")


def parse_cookie(
    header: Mapping[str, t.Any] | str | None,
    cls: type[t.Any] | None = None,
) -> t.Any:
    """Parse a ``Cookie`` header, given as a string or a WSGI environ, into ``cls``.

    ``cls`` (default :class:`MultiDict`) is called with a list of ``(key, value)``
    pairs in header order, so repeated keys keep all values. Malformed pairs are
    skipped, pairs without ``=`` get an empty value, and quoted values are unquoted
    (``\\"``, ``\\\\`` and ``\\ooo`` octal escapes). The WSGI (latin-1) string is
    decoded as UTF-8, replacing invalid bytes with U+FFFD where Werkzeug would raise.
    Linear time.
    """
    if cls is None:
        cls = ds.MultiDict

    if header is None or isinstance(header, str):
        cookie = header
    else:
        cookie = header.get("HTTP_COOKIE")

    if not cookie:
        return cls()

    if not cookie.isascii():
        try:
            cookie = cookie.encode("latin-1").decode("utf-8", "replace")
        except UnicodeEncodeError:
            # Not a WSGI latin-1 string: it was already decoded (e.g. by an ASGI layer).
            pass

    # PERF: one findall over the header instead of Werkzeug's match loop (Python work per pair).
    pairs = _cookie_re.findall(cookie)

    if '"' in cookie:
        pairs = [(k, _cookie_unquote(v) if v[:1] == '"' else v) for k, v in pairs]

    return cls(pairs)


# Cookie values made only of these characters are sent unquoted.
_cookie_no_quote_re = re.compile(r"[\w!#$%&'()*+\-./:<=>?@\[\]^`{|}~]*", re.ASCII)
# Quoted cookie values escape quotes, backslashes, separators, controls and non-ASCII
# (as UTF-8 bytes) with backslashes / three-digit octal, like http.cookies.
_cookie_escape_table = {
    **{i: f"\\{i:03o}" for i in (*range(0x20), *b",;", *range(0x7F, 0x100))},
    ord('"'): '\\"',
    ord("\\"): "\\\\",
}
_path_safe_re = re.compile(r"[\w.\-~%!$&'()*+,/:=@]*", re.ASCII)
_SAMESITE_VALUES = frozenset(("Strict", "Lax", "None"))


def dump_cookie(
    key: str,
    value: str = "",
    max_age: timedelta | int | None = None,
    expires: str | datetime | int | float | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    sync_expires: bool = True,
    max_size: int = 4093,
    samesite: str | None = None,
    partitioned: bool = False,
) -> str:
    """Build a ``Set-Cookie`` header value (without the ``Set-Cookie:`` prefix).

    Attributes are emitted in Werkzeug's order: ``Domain``, ``Expires``, ``Max-Age``,
    ``Secure``, ``HttpOnly``, ``Path``, ``SameSite``, ``Partitioned``. A value with
    characters outside the RFC 6265 cookie-octet set is quoted with backslash and
    octal (UTF-8 byte) escapes. ``max_age`` is seconds or a timedelta; if ``expires``
    is not given and ``sync_expires`` is true it is derived from ``max_age``.
    ``expires`` may be a datetime, a timestamp or a preformatted string. ``path`` is
    percent-encoded, ``domain`` IDNA-encoded without port or leading dot.
    ``samesite`` must be ``Strict``, ``Lax`` or ``None`` (any case) or
    :exc:`ValueError` is raised; ``partitioned`` implies ``secure``. A
    :class:`UserWarning` is emitted when the result is longer than ``max_size``
    (``0`` disables the check).

    Unlike Werkzeug, a ``key`` or ``domain`` containing ``;``, CR or LF, or a result
    containing CR or LF (e.g. from an ``expires`` string), raises :exc:`ValueError`
    instead of producing a header that injects attributes or headers; and all control
    characters in the value are octal-escaped (Werkzeug leaves 0x1a-0x1f raw).
    """
    if ";" in key or "\r" in key or "\n" in key:
        raise ValueError(f"Cookie key must not contain ';', CR or LF: {key!r}")

    if path is not None and _path_safe_re.fullmatch(path) is None:
        # The safe set: URL path segment characters plus "%" for pre-quoted input,
        # minus ";" which delimits attributes.
        path = quote(path, safe="%!$&'()*+,/:=@")

    if domain:
        if ";" in domain or "\r" in domain or "\n" in domain:
            raise ValueError(f"Cookie domain must not contain ';', CR or LF: {domain!r}")

        domain = domain.partition(":")[0].lstrip(".").encode("idna").decode("ascii")

    if isinstance(max_age, timedelta):
        max_age = int(max_age.total_seconds())

    if expires is not None:
        if not isinstance(expires, str):
            expires = http_date(expires)
    elif max_age is not None and sync_expires:
        expires = http_date(datetime.now(timezone.utc).timestamp() + max_age)

    if samesite is not None:
        samesite = samesite.title()

        if samesite not in _SAMESITE_VALUES:
            raise ValueError("SameSite must be 'Strict', 'Lax', or 'None'.")

    if partitioned:
        secure = True

    if _cookie_no_quote_re.fullmatch(value) is None:
        # Escape per UTF-8 byte: latin-1 maps each byte to one code point for translate.
        escaped = value.encode("utf-8").decode("latin-1").translate(_cookie_escape_table)
        value = f'"{escaped}"'

    # Send a non-ASCII key as UTF-8 bytes tunnelled through latin-1 (PEP 3333).
    wire_key = key if key.isascii() else key.encode("utf-8").decode("latin-1")
    buf = [f"{wire_key}={value}"]

    if domain is not None:
        buf.append(f"Domain={domain}")

    if expires is not None:
        buf.append(f"Expires={expires}")

    if max_age is not None:
        buf.append(f"Max-Age={max_age}")

    if secure:
        buf.append("Secure")

    if httponly:
        buf.append("HttpOnly")

    if path is not None:
        buf.append(f"Path={path}")

    if samesite is not None:
        buf.append(f"SameSite={samesite}")

    if partitioned:
        buf.append("Partitioned")

    rv = "; ".join(buf)

    if "\r" in rv or "\n" in rv:
        raise ValueError("Cookie attributes must not contain CR or LF.")

    cookie_size = len(rv)

    if max_size and cookie_size > max_size:
        value_size = len(value)
        warnings.warn(
            f"The '{key}' cookie is too large: the value was {value_size} bytes but the"
            f" header required {cookie_size - value_size} extra bytes. The final size"
            f" was {cookie_size} bytes but the limit is {max_size} bytes. Browsers may"
            " silently ignore cookies larger than this.",
            stacklevel=2,
        )

    return rv


# Imported last, as Werkzeug does, so that erlen.datastructures may itself import from
# this module at its top level without a circular-import failure.
from . import datastructures as ds  # noqa: E402
