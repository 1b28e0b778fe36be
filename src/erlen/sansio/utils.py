"""Host, URL and ``Content-Length`` helpers that work on plain values, not transport data."""

from __future__ import annotations

import re
import typing as t
from urllib.parse import quote

from ..exceptions import SecurityError
from ..urls import uri_to_iri

__all__ = [
    "get_content_length",
    "get_current_url",
    "get_host",
    "host_is_trusted",
    "is_websocket_upgrade",
]

# A host is a DNS name / IPv4 address or a bracketed IPv6 address, optionally
# followed by a port without leading zeros. Anything else (spaces, "@", "/",
# unicode, ...) is not a usable host.
_host_re = re.compile(
    r"(?P<name>[a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::(?P<port>[1-9][0-9]{0,4}))?",
    re.ASCII | re.IGNORECASE,
)

# Validated hosts by (scheme, Host header), for get_host without trusted hosts.
_host_cache: dict[tuple[str, str], str] = {}
_HOST_CACHE_SIZE = 256

# Python refuses to convert more digits than this to int (3.11+); staying below
# it also keeps the conversion cheap on 3.10, which has no such guard.
_MAX_INT_DIGITS = 4300


# Parsed Content-Length values by header text: a request with a body parses its length
# twice (the stream's limit, request.content_length). Short values only, and bounded,
# against hostile ones.
_content_lengths: dict[str, int] = {}
_CONTENT_LENGTHS_SIZE = 256


def _parse_content_length(value: str) -> int:
    """Parse a ``Content-Length`` value; invalid or negative values give ``0``."""
    length = _content_lengths.get(value)
    if length is not None:
        return length
    text = value.strip(" \t")
    if text.isdigit() and text.isascii() and len(text) <= _MAX_INT_DIGITS:
        length = int(text)
    else:
        # "-5", "abc", "+5", "1_000", non-ASCII digits: never a usable length.
        length = 0
    if len(value) <= 20:
        if len(_content_lengths) >= _CONTENT_LENGTHS_SIZE:
            _content_lengths.clear()
        _content_lengths[value] = length
    return length


def _is_chunked(transfer_encoding: str) -> bool:
    return any(c.strip(" \t").lower() == "chunked" for c in transfer_encoding.split(","))


def host_is_trusted(hostname: str | None, trusted_list: t.Iterable[str] | None = None) -> bool:
    """Check that a ``Host`` header value (``host`` or ``host:port``) is usable.

    The value must consist of valid host characters and an optional valid port.
    If ``trusted_list`` is given and not empty, the host (ignoring the port,
    compared case-insensitively) must also match one of its entries. An entry
    starting with ``.`` matches that domain and all of its subdomains. Entries
    are IDNA-encoded if needed.

    :param hostname: The ``Host`` header value to check.
    :param trusted_list: Trusted domain names, or ``None`` / empty to trust all.
    """
    if not hostname:
        return False

    m = _host_re.fullmatch(hostname)
    if m is None:
        return False

    port = m.group("port")
    if port is not None and int(port) > 65535:
        return False

    if not trusted_list:
        return True

    if isinstance(trusted_list, str):
        trusted_list = [trusted_list]

    name = m.group("name").lower()

    for ref in trusted_list:
        suffix_match = ref.startswith(".")
        if suffix_match:
            ref = ref[1:]

        ref = ref.partition(":")[0]
        try:
            ref = ref.encode("idna").decode("ascii").lower()
        except UnicodeError:
            # An entry that can't be a DNS name can't match anything.
            continue

        if ref == name or (suffix_match and name.endswith(f".{ref}")):
            return True

    return False


def get_host(
    scheme: str,
    host_header: str | None,
    server: tuple[str, int | None] | None = None,
    trusted_hosts: t.Iterable[str] | None = None,
) -> str:
    """Return the validated ``host[:port]`` a request was made to.

    The ``Host`` header is preferred, otherwise the server address is used (a Unix
    socket address, with port ``None``, is ignored). Port 80 is dropped for
    ``http``/``ws`` and 443 for ``https``/``wss``. If the value contains invalid
    characters, or no value is available, the empty string is returned.

    :param scheme: The request's URL scheme.
    :param host_header: The ``Host`` header value, if any.
    :param server: The server address ``(host, port)``.
    :param trusted_hosts: See :func:`host_is_trusted`.
    :raise SecurityError: If ``trusted_hosts`` is given and the host doesn't match.
    """
    if host_header is not None:
        if not trusted_hosts:
            # PERF: a Host header seen before needs no validation (bounded cache).
            cached = _host_cache.get((scheme, host_header))
            if cached is not None:
                return cached
        host = host_header
    elif server is not None and server[1] is not None:
        host = server[0]
        if ":" in host and host[:1] != "[":
            # A bare IPv6 SERVER_NAME; bracket it so it looks like a Host header.
            host = f"[{host}]"
        host = f"{host}:{server[1]}"
    else:
        return ""

    if scheme in ("http", "ws"):
        if host.endswith(":80"):
            host = host[:-3]
    elif scheme in ("https", "wss") and host.endswith(":443"):
        host = host[:-4]

    if not host_is_trusted(host, trusted_hosts):
        if trusted_hosts:
            raise SecurityError(f"Host {host!r} is not trusted.")
        host = ""

    if host_header is not None and not trusted_hosts:
        if len(_host_cache) >= _HOST_CACHE_SIZE:
            _host_cache.clear()  # bounded, even with hostile Host headers
        _host_cache[(scheme, host_header)] = host
    return host


_PATH_SAFE = "!$&'()*+,/:;=@%"
_QUERY_SAFE = "!$&'()*+,/:;=?@%"


def get_current_url(
    scheme: str,
    host: str,
    root_path: str | None = None,
    path: str | None = None,
    query_string: bytes | None = None,
) -> str:
    """Rebuild a request URL as an IRI (unicode characters are not percent-encoded).

    Parts after the first one that is ``None`` are left out; with only ``scheme``
    and ``host`` the result ends in ``/``.

    :param scheme: The URL scheme, like ``"https"``.
    :param host: The host, see :func:`get_host`.
    :param root_path: The prefix the application is mounted under.
    :param path: The path after ``root_path``.
    :param query_string: The raw part after ``?``.
    """
    url = f"{scheme}://{host}/"
    if root_path is not None:
        # Quote what can't appear in a URL, then let uri_to_iri decode what can
        # be shown as unicode; reserved characters stay percent-encoded.
        url = f"{scheme}://{host}{quote(root_path.rstrip('/'), _PATH_SAFE, errors='replace')}/"
        if path is not None:
            url += quote(path.lstrip("/"), _PATH_SAFE, errors="replace")
            if query_string:
                url += "?" + quote(query_string, _QUERY_SAFE)
    return uri_to_iri(url)


def get_content_length(
    http_content_length: str | None = None,
    http_transfer_encoding: str | None = None,
) -> int | None:
    """Return the ``Content-Length`` as an int.

    ``None`` means a streaming body: no length was given, or ``Transfer-Encoding``
    includes ``chunked``. An invalid or negative value gives ``0``, so nothing is
    read.

    :param http_content_length: The ``Content-Length`` header value.
    :param http_transfer_encoding: The ``Transfer-Encoding`` header value.
    """
    if http_content_length is None:
        return None
    if http_transfer_encoding is not None and _is_chunked(http_transfer_encoding):
        return None
    return _parse_content_length(http_content_length)


def is_websocket_upgrade(connection: str | None, upgrade: str | None) -> bool:
    """Whether ``Connection`` and ``Upgrade`` header values ask to switch to the WebSocket
    protocol (``Connection: upgrade``, ``Upgrade: websocket``, case-insensitive).

    :param connection: The ``Connection`` header value, if any.
    :param upgrade: The ``Upgrade`` header value, if any.
    """
    if not connection or not upgrade or upgrade.lower() != "websocket":
        return False
    return any(v.strip(" \t") == "upgrade" for v in connection.lower().split(","))
