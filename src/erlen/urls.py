"""IRI <-> URI conversion (Werkzeug's ``werkzeug.urls``)."""

from __future__ import annotations

import codecs
import re
import typing as t
import urllib.parse
from urllib.parse import quote, unquote, unquote_to_bytes, urlencode, urlsplit, urlunsplit

from .datastructures import iter_multi_items

__all__ = ["iri_to_uri", "parse_qs_pairs", "uri_to_iri"]


def _requote_invalid(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: leave undecodable bytes percent-encoded."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return quote(exc.object[exc.start : exc.end], safe=""), exc.end


codecs.register_error("erlen.url_quote", _requote_invalid)

# Python < 3.12 drops the "//" of itms-services URLs unless told it has a netloc.
if "itms-services" not in urllib.parse.uses_netloc:
    urllib.parse.uses_netloc.append("itms-services")

# Bytes that stay percent-encoded whatever the URL part: C0 controls, space,
# "%" itself and DEL (https://url.spec.whatwg.org/#percent-encoded-bytes).
_ALWAYS_UNSAFE = "".join(map(chr, range(0x21))) + "%\x7f"


def _partial_unquoter(extra: str) -> t.Callable[[str], str]:
    """Build an unquoter that decodes UTF-8 escapes except those for unsafe/reserved chars."""
    codes = "|".join(f"{ord(c):02X}" for c in sorted(set(_ALWAYS_UNSAFE + extra)))
    keep = re.compile(f"((?:%(?:{codes}))+)", re.IGNORECASE)

    def unquote_part(value: str) -> str:
        if "%" not in value:
            return value
        # re.split with a group: odd items are runs of escapes to keep as-is.
        pieces = keep.split(value)
        return "".join(
            piece if i % 2 else unquote(piece, "utf-8", "erlen.url_quote")
            for i, piece in enumerate(pieces)
        )

    return unquote_part


_unquote_fragment = _partial_unquoter("")
_unquote_query = _partial_unquoter("&=+#")
_unquote_path = _partial_unquoter("/?#")
_unquote_user = _partial_unquoter(":@/?#")


def _decode_idna(domain: str) -> str:
    """Decode a Punycode host, leaving labels that don't decode as they are."""
    try:
        data = domain.encode("ascii")
    except UnicodeEncodeError:
        return domain
    try:
        return data.decode("idna")
    except UnicodeError:
        pass
    labels = []
    for label in data.split(b"."):
        try:
            labels.append(label.decode("idna"))
        except UnicodeError:
            labels.append(label.decode("ascii"))
    return ".".join(labels)


def uri_to_iri(uri: str) -> str:
    """Convert a URI to an IRI.

    Percent-encoded UTF-8 is decoded, except for controls, space, ``%`` and the
    characters reserved in each part, which stay encoded; invalid UTF-8 stays
    encoded too. A Punycode host is decoded.

    >>> uri_to_iri("http://xn--n3h.net/p%C3%A5th?q=%C3%A8ry%DF")
    'http://\\u2603.net/p\\xe5th?q=\\xe8ry%DF'
    """
    parts = urlsplit(uri)
    path = _unquote_path(parts.path)
    query = _unquote_query(parts.query)
    fragment = _unquote_fragment(parts.fragment)
    netloc = _decode_idna(parts.hostname) if parts.hostname else ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if parts.port is not None:
        netloc = f"{netloc}:{parts.port}"
    if parts.username is not None:
        auth = _unquote_user(parts.username)
        if parts.password is not None:
            auth = f"{auth}:{_unquote_user(parts.password)}"
        netloc = f"{auth}@{netloc}"
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


# Strings made only of these characters are returned unchanged by the slow
# path when they are host-less (see iri_to_uri).
_plain_uri = re.compile(r"[A-Za-z0-9\-._~%!$&'()*+,/:;=@?#]+").fullmatch
# urlsplit silently deletes tab/CR/LF anywhere in a URL; encode them first so
# they can neither vanish nor survive into a header.
_strip_on_split = re.compile("[\t\r\n]")
_strip_escapes = {"\t": "%09", "\r": "%0D", "\n": "%0A"}
_USERINFO_SAFE = "%!$&'()*+,;="
_FALLBACK_SAFE = "%!#$&'()*+,/:;=?@[]~"
# A host keeps its unreserved and sub-delim characters (and existing escapes); the IDNA
# codec lets ASCII controls, space and DEL through, so they are encoded afterwards.
_HOST_SAFE = "%!$&'()*+,;=-._~:"


def iri_to_uri(iri: str) -> str:
    """Convert an IRI to an ASCII URI safe for a ``Location`` header.

    Non-ASCII and unsafe characters (including controls such as CR/LF) are
    percent-encoded as UTF-8, reserved characters and existing escapes are
    kept, and a non-ASCII host is encoded to Punycode.

    Never raises for malformed input (bad IPv6 literal or port, invalid IDNA
    label): such strings are percent-encoded as a whole instead, so the result
    is always header-safe.

    >>> iri_to_uri('http://\\u2603.net/p\\xe5th?q=\\xe8ry%DF')
    'http://xn--n3h.net/p%C3%A5th?q=%C3%A8ry%DF'
    """
    # PERF: typical redirect targets ("/login?next=/x") skip urlsplit/quote, which
    # werkzeug's iri_to_uri always runs.
    if (
        _plain_uri(iri) is not None
        and "?#" not in iri
        and iri[-1] not in "?#"
        and ((iri[0] == "/" and iri[1:2] != "/") or (":" not in iri and iri[:2] != "//"))
    ):
        return iri
    if "\t" in iri or "\r" in iri or "\n" in iri:
        iri = _strip_on_split.sub(lambda m: _strip_escapes[m.group()], iri)
    try:
        parts = urlsplit(iri)
        port = parts.port
    except ValueError:
        return quote(iri, safe=_FALLBACK_SAFE)
    path = quote(parts.path, safe="%!$&'()*+,/:;=@")
    query = quote(parts.query, safe="%!$&'()*+,/:;=?@")
    fragment = quote(parts.fragment, safe="%!#$&'()*+,/:;=?@")
    hostname = parts.hostname
    if hostname:
        try:
            netloc = quote(hostname.encode("idna").decode("ascii"), safe=_HOST_SAFE)
        except UnicodeError:
            netloc = quote(hostname, safe="-.")
    else:
        netloc = ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if port is not None:
        netloc = f"{netloc}:{port}"
    if parts.username is not None:
        auth = quote(parts.username, safe=_USERINFO_SAFE)
        if parts.password is not None:
            auth = f"{auth}:{quote(parts.password, safe=_USERINFO_SAFE)}"
        netloc = f"{auth}@{netloc}"
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


def parse_qs_pairs(qs: str, errors: str = "replace") -> list[tuple[str, str]]:
    """Split a query string or URL-encoded form into ``(key, value)`` pairs.

    The result equals ``urllib.parse.parse_qsl(qs, keep_blank_values=True, errors=errors)``:
    pairs split on ``&``, empty segments skipped, a pair without ``=`` gets an empty value,
    ``+`` means a space and ``%XX`` escapes are decoded as UTF-8 with ``errors``.
    """
    # PERF: decoding only the parts that contain "+" or "%" makes a typical form much
    # cheaper than parse_qsl, which decodes every part.
    items: list[tuple[str, str]] = []
    append = items.append
    for pair in qs.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        if "+" in key:
            key = key.replace("+", " ")
        if "%" in key:
            key = _unquote(key, errors)
        if "+" in value:
            value = value.replace("+", " ")
        if "%" in value:
            value = _unquote(value, errors)
        append((key, value))
    return items


def _unquote(text: str, errors: str) -> str:
    """``urllib.parse.unquote(text, errors=errors)``."""
    if text.isascii():
        # PERF: for ASCII text (the usual form or query string) decoding all the bytes at
        # once gives unquote's result without its split into ASCII and non-ASCII runs.
        return unquote_to_bytes(text).decode("utf-8", errors)
    return unquote(text, errors=errors)


# Characters left as they are in a query string: the WHATWG URL standard's
# application/x-www-form-urlencoded set does not need them escaped, and Werkzeug keeps them.
_QUERY_SAFE = "!$'()*,/:;?@"


def _urlencode(
    query: t.Any, sort: bool = False, key: t.Callable[[tuple[t.Any, t.Any]], t.Any] | None = None
) -> str:
    """Encode query items as Werkzeug does: ``None`` values dropped, multi values repeated.

    ``query`` is anything :func:`erlen.datastructures.iter_multi_items` accepts. Used by URL
    building and the test client's ``EnvironBuilder``.
    """
    items = [item for item in iter_multi_items(query) if item[1] is not None]
    if sort:
        items.sort(key=key)
    return urlencode(items, safe=_QUERY_SAFE)
