"""The CORS logic shared by :class:`~erlen.ext.cors.CORS` and
:func:`~erlen.ext.cors.cross_origin` (Flask-CORS's ``flask_cors.core``): resolving the
options once, and computing a response's ``Access-Control-*`` headers from them and the
request.

An origin, header or resource pattern is a literal string, or a regular expression: a
compiled ``re.Pattern``, or a string that looks like one (it has one of ``*\\]?$^[]()``).
Origins and headers match case-insensitively, paths case-sensitively; a regular expression
must match at the start of the value (``re.match``). ``Access-Control-Allow-Origin: *`` is
never sent together with ``Access-Control-Allow-Credentials: true``.
"""

# No __all__: Flask-CORS's own tests star-import this module and use what it imports
# (``re``) as well as what it defines.
from __future__ import annotations

import logging
import re
import typing as t
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from erlen.datastructures import MultiDict
from erlen.globals import current_app, request

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen.app import Flask
    from erlen.blueprints import Blueprint
    from erlen.datastructures import Headers
    from erlen.wrappers import Response

LOG = logging.getLogger("erlen.ext.cors")

#: A resource, origin or header pattern: a literal string or a regular expression.
ResourcePattern = str | re.Pattern[str]
#: What ``resources`` may be: one pattern, several, or a map of pattern to options.
ResourceSpec = (
    str | re.Pattern[str] | list[ResourcePattern] | dict[ResourcePattern, dict[str, t.Any]]
)


class CrossOriginOptionsInput(t.TypedDict, total=False):
    """The keyword options of :func:`~erlen.ext.cors.cross_origin` (all optional: the
    ``CORS_*`` config and the defaults fill in the rest)."""

    origins: t.Any
    methods: t.Any
    expose_headers: t.Any
    allow_headers: t.Any
    supports_credentials: bool
    max_age: timedelta | int | str | None
    send_wildcard: bool
    vary_header: bool
    automatic_options: bool
    always_send: bool
    allow_private_network: bool


class CorsOptionsInput(CrossOriginOptionsInput, total=False):
    """The keyword options of :class:`~erlen.ext.cors.CORS`: those of ``cross_origin``
    plus ``resources`` and ``intercept_exceptions``."""

    resources: ResourceSpec
    intercept_exceptions: bool


# Response headers
ACL_ORIGIN = "Access-Control-Allow-Origin"
ACL_METHODS = "Access-Control-Allow-Methods"
ACL_ALLOW_HEADERS = "Access-Control-Allow-Headers"
ACL_EXPOSE_HEADERS = "Access-Control-Expose-Headers"
ACL_CREDENTIALS = "Access-Control-Allow-Credentials"
ACL_MAX_AGE = "Access-Control-Max-Age"
ACL_RESPONSE_PRIVATE_NETWORK = "Access-Control-Allow-Private-Network"

# Request headers
ACL_REQUEST_METHOD = "Access-Control-Request-Method"
ACL_REQUEST_HEADERS = "Access-Control-Request-Headers"
ACL_REQUEST_HEADER_PRIVATE_NETWORK = "Access-Control-Request-Private-Network"

#: The default ``methods``.
ALL_METHODS = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"]
#: The config keys read for defaults (``CORS_ORIGINS`` -> ``origins``, ...).
CONFIG_OPTIONS = [
    "CORS_ORIGINS",
    "CORS_METHODS",
    "CORS_ALLOW_HEADERS",
    "CORS_EXPOSE_HEADERS",
    "CORS_SUPPORTS_CREDENTIALS",
    "CORS_MAX_AGE",
    "CORS_SEND_WILDCARD",
    "CORS_AUTOMATIC_OPTIONS",
    "CORS_VARY_HEADER",
    "CORS_RESOURCES",
    "CORS_INTERCEPT_EXCEPTIONS",
    "CORS_ALWAYS_SEND",
    "CORS_ALLOW_PRIVATE_NETWORK",
]
#: The attribute ``cross_origin`` sets on its responses, so the extension leaves them be.
FLASK_CORS_EVALUATED = "_FLASK_CORS_EVALUATED"
#: The type of a compiled regular expression.
RegexObject = re.Pattern

_REGEX_HINT_CHARS = frozenset("*\\]?$^[]()")
_KNOWN_OPTIONS = CorsOptionsInput.__optional_keys__ | CorsOptionsInput.__required_keys__

#: The defaults under the ``CORS_*`` config and the given options.
DEFAULT_OPTIONS: CorsOptionsInput = {
    "origins": "*",
    "methods": ALL_METHODS,
    "allow_headers": "*",
    "expose_headers": None,
    "supports_credentials": False,
    "max_age": None,
    "send_wildcard": False,
    "automatic_options": True,
    "vary_header": True,
    "resources": r"/*",
    "intercept_exceptions": True,
    "always_send": True,
    "allow_private_network": False,
}


@dataclass(frozen=True)
class CorsOptions:
    """One resource's options, resolved once by :func:`serialize_options`: patterns
    compiled, lists joined into header values."""

    #: Allowed origins: compiled regular expressions or literal strings.
    origins: list[ResourcePattern]
    #: Allowed request headers, likewise.
    allow_headers: list[ResourcePattern]
    #: Whether ``origins`` has the ``*`` wildcard.
    allow_all_origins: bool
    #: ``Access-Control-Allow-Methods`` (or ``None``).
    methods: str | None
    #: ``Access-Control-Expose-Headers`` (or ``None``).
    expose_headers: str | None
    #: ``Access-Control-Max-Age`` (or ``None``).
    max_age: str | int | None
    supports_credentials: bool
    send_wildcard: bool
    automatic_options: bool
    vary_header: bool
    intercept_exceptions: bool
    always_send: bool
    allow_private_network: bool


def parse_resources(resources: ResourceSpec) -> list[tuple[ResourcePattern, dict[str, t.Any]]]:
    """``(path pattern, options)`` pairs from a ``resources`` value, most specific first
    (literal paths, then regular expressions with more ``/``, then longer ones); raises
    ValueError for another type."""
    if isinstance(resources, dict):
        pairs = [(re_fix(k), v) for k, v in resources.items()]

        def specificity(pair: tuple[ResourcePattern, t.Any]) -> tuple[bool, int, int]:
            text = get_regexp_pattern(pair[0])
            return (probably_regex(pair[0]), -text.count("/"), -len(text))

        pairs.sort(key=specificity)
    elif isinstance(resources, (str, re.Pattern)):
        pairs = [(re_fix(resources), {})]
    elif isinstance(resources, Iterable):
        pairs = [(re_fix(r), {}) for r in resources]
    else:
        raise ValueError("Unexpected value for resources argument.")
    return [(_resolve_pattern(pattern, ignore_case=False), opts) for pattern, opts in pairs]


def get_regexp_pattern(regexp: ResourcePattern) -> str:
    """The text of a pattern (a compiled expression's ``pattern``)."""
    if isinstance(regexp, re.Pattern):
        return regexp.pattern
    return str(regexp)


def get_cors_origins(options: CorsOptions, request_origin: str | None) -> list[str] | None:
    """The ``Access-Control-Allow-Origin`` value(s) for a request's ``Origin`` header, or
    ``None`` for no CORS headers at all.

    With an ``Origin``: ``*`` when the origins are the wildcard and ``send_wildcard`` is
    set, else the origin itself if allowed. Without one (not a CORS request) and with
    ``always_send``: ``*`` for the wildcard (never with credentials), else the literal
    origins.
    """
    if request_origin:
        if options.allow_all_origins and options.send_wildcard:
            return ["*"]
        if try_match_any_pattern(request_origin, options.origins, caseSensitive=False):
            return [request_origin]
        LOG.debug("The request's Origin header does not match any of allowed origins.")
        return None
    if options.always_send:
        if options.allow_all_origins:
            return None if options.supports_credentials else ["*"]
        return sorted(o for o in options.origins if isinstance(o, str))
    return None


def get_allow_headers(options: CorsOptions, acl_request_headers: str | None) -> str | None:
    """The allowed ones among a preflight's ``Access-Control-Request-Headers``, sorted and
    comma-separated (``""`` when none is; ``None`` when none was asked for)."""
    if not acl_request_headers:
        return None
    requested = (h.strip() for h in acl_request_headers.split(","))
    allowed = [
        h for h in requested if try_match_any_pattern(h, options.allow_headers, caseSensitive=False)
    ]
    return ", ".join(sorted(allowed))


def _cors_header_pairs(
    options: CorsOptions, request_headers: Headers, request_method: str
) -> list[tuple[str, str]]:
    origins_to_set = get_cors_origins(options, request_headers.get("Origin"))
    if not origins_to_set:
        return []
    pairs: list[tuple[str, t.Any]] = [(ACL_ORIGIN, origin) for origin in origins_to_set]
    pairs.append((ACL_EXPOSE_HEADERS, options.expose_headers))
    if options.supports_credentials:
        pairs.append((ACL_CREDENTIALS, "true"))
    if request_headers.get(ACL_REQUEST_HEADER_PRIVATE_NETWORK) == "true":
        allow = "true" if options.allow_private_network else "false"
        pairs.append((ACL_RESPONSE_PRIVATE_NETWORK, allow))
    if request_method == "OPTIONS":
        # A preflight: the method it asks for must be allowed, or it gets no more headers.
        asked = request_headers.get(ACL_REQUEST_METHOD, "").upper()
        methods = options.methods
        if asked and methods and asked in methods:
            requested = request_headers.get(ACL_REQUEST_HEADERS)
            pairs.append((ACL_ALLOW_HEADERS, get_allow_headers(options, requested)))
            pairs.append((ACL_MAX_AGE, options.max_age))
            pairs.append((ACL_METHODS, methods))
    if options.vary_header and origins_to_set != ["*"]:
        # The answer depends on the Origin only when more than one origin can get one.
        if (
            len(options.origins) > 1
            or len(origins_to_set) > 1
            or any(isinstance(o, re.Pattern) for o in options.origins)
        ):
            pairs.append(("Vary", "Origin"))
    return [(name, str(value)) for name, value in pairs if value]


def get_cors_headers(
    options: CorsOptions, request_headers: Headers, request_method: str
) -> MultiDict[str, str]:
    """The CORS headers for a request with these headers and method."""
    return MultiDict(_cors_header_pairs(options, request_headers, request_method))


def set_cors_headers(resp: Response, options: CorsOptions) -> Response:
    """Add the current request's CORS headers to ``resp`` (unless ``cross_origin`` has
    already done so) and return it."""
    if hasattr(resp, FLASK_CORS_EVALUATED):
        return resp
    req = request._get_current_object()  # type: ignore[attr-defined]
    headers = resp.headers
    for name, value in _cors_header_pairs(options, req.headers, req.method):
        headers.add(name, value)
    return resp


def probably_regex(maybe_regex: ResourcePattern) -> bool:
    """Whether a pattern is a regular expression: compiled, or a string with a character
    regular expressions use (``*\\]?$^[]()``)."""
    if isinstance(maybe_regex, re.Pattern):
        return True
    return not _REGEX_HINT_CHARS.isdisjoint(maybe_regex)


def re_fix(reg: ResourcePattern) -> ResourcePattern:
    """``*`` (not a valid regular expression) as ``.*``; other patterns unchanged."""
    return r".*" if reg == r"*" else reg


def try_match_any_pattern(
    inst: str, patterns: Iterable[ResourcePattern], caseSensitive: bool = True
) -> bool:
    """Whether ``inst`` matches one of the resolved ``patterns``."""
    return any(try_match_pattern(inst, pattern, caseSensitive) for pattern in patterns)


def try_match_pattern(value: t.Any, pattern: ResourcePattern, caseSensitive: bool = True) -> bool:
    """Whether ``value`` matches a resolved pattern: a compiled expression at its start,
    or a literal string exactly (ignoring case unless ``caseSensitive``)."""
    if isinstance(pattern, re.Pattern):
        return bool(pattern.match(value))
    v, p = str(value), str(pattern)
    return v == p if caseSensitive else v.casefold() == p.casefold()


def merge_options(
    appInstance: Flask | Blueprint | None, *dicts: Mapping[str, t.Any]
) -> dict[str, t.Any]:
    """The defaults, overridden by the app's ``CORS_*`` config, overridden by each of
    ``dicts`` in turn."""
    return _merge(get_app_kwarg_dict(appInstance), dicts)


def _merge(config: Mapping[str, t.Any], dicts: Iterable[Mapping[str, t.Any]]) -> dict[str, t.Any]:
    options: dict[str, t.Any] = dict(DEFAULT_OPTIONS)
    options.update(config)
    for d in dicts:
        options.update(d)
    return options


def get_cors_options(
    appInstance: Flask | Blueprint | None, *dicts: Mapping[str, t.Any]
) -> CorsOptions:
    """:func:`merge_options`, resolved by :func:`serialize_options`."""
    return serialize_options(merge_options(appInstance, *dicts))


def get_app_kwarg_dict(appInstance: Flask | Blueprint | None = None) -> dict[str, t.Any]:
    """The options set in the ``CORS_*`` config of ``appInstance`` (default: the current
    app; a blueprint has none), keyed without the prefix: ``CORS_ORIGINS`` -> ``origins``."""
    app = appInstance if appInstance is not None else current_app
    app_config = getattr(app, "config", {})
    return {
        key[5:].lower(): value
        for key in CONFIG_OPTIONS
        if (value := app_config.get(key)) is not None
    }


def flexible_str(obj: t.Any) -> str | None:
    """A header value: a string as it is, an iterable sorted and comma-joined, ``None``
    for ``None``."""
    if obj is None:
        return None
    if not isinstance(obj, str) and isinstance(obj, Iterable):
        return ", ".join(str(item) for item in sorted(obj))
    return str(obj)


def ensure_iterable(inst: t.Any) -> Iterable[t.Any]:
    """``inst`` if it is a non-string iterable, else ``[inst]``."""
    if isinstance(inst, str) or not isinstance(inst, Iterable):
        return [inst]
    return inst


def sanitize_regex_param(param: t.Any) -> list[ResourcePattern]:
    """A pattern option as a list of patterns, with ``*`` as ``.*``."""
    return [re_fix(x) for x in ensure_iterable(param)]


def _resolve_pattern(pattern: ResourcePattern, *, ignore_case: bool) -> ResourcePattern:
    # Compiled once, at configuration: a bad expression fails here, not on a request.
    if isinstance(pattern, str) and probably_regex(pattern):
        try:
            return re.compile(pattern, re.IGNORECASE if ignore_case else 0)
        except re.error as exc:
            raise ValueError(
                f"Invalid regular expression in Flask-CORS configuration: {pattern!r}"
            ) from exc
    return pattern


def serialize_options(opts: Mapping[str, t.Any]) -> CorsOptions:
    """Resolve raw options (defaults merged with config and arguments) into
    :class:`CorsOptions`: patterns compiled, header values joined. Unknown option names
    are logged; ``*`` origins with both ``supports_credentials`` and ``send_wildcard``
    raise ValueError (the CORS specification forbids ``*`` with credentials)."""
    for key in opts:
        if key not in _KNOWN_OPTIONS:
            LOG.warning("Unknown option passed to Flask-CORS: %s", key)
    origins = sanitize_regex_param(opts.get("origins"))
    allow_all_origins = r".*" in origins
    supports_credentials = bool(opts.get("supports_credentials"))
    send_wildcard = bool(opts.get("send_wildcard"))
    if allow_all_origins and supports_credentials and send_wildcard:
        raise ValueError(
            "Cannot use supports_credentials in conjunction with an origin string of '*'."
            " See: http://www.w3.org/TR/cors/#resource-requests"
        )
    methods = flexible_str(opts.get("methods"))
    max_age = opts.get("max_age")
    if isinstance(max_age, timedelta):
        max_age = str(int(max_age.total_seconds()))
    return CorsOptions(
        origins=[_resolve_pattern(o, ignore_case=True) for o in origins],
        allow_headers=[
            _resolve_pattern(h, ignore_case=True)
            for h in sanitize_regex_param(opts.get("allow_headers"))
        ],
        allow_all_origins=allow_all_origins,
        methods=methods.upper() if methods is not None else None,
        expose_headers=flexible_str(opts.get("expose_headers")),
        max_age=max_age,
        supports_credentials=supports_credentials,
        send_wildcard=send_wildcard,
        automatic_options=bool(opts.get("automatic_options")),
        vary_header=bool(opts.get("vary_header")),
        intercept_exceptions=bool(opts.get("intercept_exceptions")),
        always_send=bool(opts.get("always_send")),
        allow_private_network=bool(opts.get("allow_private_network")),
    )


def origin_allowed(options: CorsOptions, origin: str | None) -> bool:
    """Whether ``options`` let a request from ``origin`` in (an erlen addition, for checks
    CORS headers can't do, such as websocket handshakes): true without an ``Origin``."""
    return origin is None or try_match_any_pattern(origin, options.origins, caseSensitive=False)
