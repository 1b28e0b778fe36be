"""Names shared with Flask-Limiter: the ``RATELIMIT_*`` configuration keys, the rate limit
header names and the exemption flags."""

from __future__ import annotations

import enum

__all__ = ["MAX_BACKEND_CHECKS", "ConfigVars", "ExemptionScope", "HeaderNames"]


class ConfigVars:
    """The app config keys :class:`~erlen.ext.limiter.Limiter` reads (``RATELIMIT_*``)."""

    ENABLED = "RATELIMIT_ENABLED"
    KEY_FUNC = "RATELIMIT_KEY_FUNC"
    KEY_PREFIX = "RATELIMIT_KEY_PREFIX"
    FAIL_ON_FIRST_BREACH = "RATELIMIT_FAIL_ON_FIRST_BREACH"
    ON_BREACH = "RATELIMIT_ON_BREACH_CALLBACK"
    SWALLOW_ERRORS = "RATELIMIT_SWALLOW_ERRORS"
    APPLICATION_LIMITS = "RATELIMIT_APPLICATION"
    APPLICATION_LIMITS_PER_METHOD = "RATELIMIT_APPLICATION_PER_METHOD"
    APPLICATION_LIMITS_EXEMPT_WHEN = "RATELIMIT_APPLICATION_EXEMPT_WHEN"
    APPLICATION_LIMITS_DEDUCT_WHEN = "RATELIMIT_APPLICATION_DEDUCT_WHEN"
    APPLICATION_LIMITS_COST = "RATELIMIT_APPLICATION_COST"
    DEFAULT_LIMITS = "RATELIMIT_DEFAULT"
    DEFAULT_LIMITS_PER_METHOD = "RATELIMIT_DEFAULTS_PER_METHOD"
    DEFAULT_LIMITS_EXEMPT_WHEN = "RATELIMIT_DEFAULTS_EXEMPT_WHEN"
    DEFAULT_LIMITS_DEDUCT_WHEN = "RATELIMIT_DEFAULTS_DEDUCT_WHEN"
    DEFAULT_LIMITS_COST = "RATELIMIT_DEFAULTS_COST"
    REQUEST_IDENTIFIER = "RATELIMIT_REQUEST_IDENTIFIER"
    STRATEGY = "RATELIMIT_STRATEGY"
    STORAGE_URI = "RATELIMIT_STORAGE_URI"
    STORAGE_OPTIONS = "RATELIMIT_STORAGE_OPTIONS"
    HEADERS_ENABLED = "RATELIMIT_HEADERS_ENABLED"
    HEADER_LIMIT = "RATELIMIT_HEADER_LIMIT"
    HEADER_REMAINING = "RATELIMIT_HEADER_REMAINING"
    HEADER_RESET = "RATELIMIT_HEADER_RESET"
    HEADER_RETRY_AFTER = "RATELIMIT_HEADER_RETRY_AFTER"
    HEADER_RETRY_AFTER_VALUE = "RATELIMIT_HEADER_RETRY_AFTER_VALUE"
    IN_MEMORY_FALLBACK = "RATELIMIT_IN_MEMORY_FALLBACK"
    IN_MEMORY_FALLBACK_ENABLED = "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"
    META_LIMITS = "RATELIMIT_META"
    ON_META_BREACH = "RATELIMIT_ON_META_BREACH_CALLBACK"


class HeaderNames(enum.Enum):
    """The rate limit headers, as keys of ``Limiter(header_name_mapping=...)``; the
    values are the default header names."""

    #: When the current window ends (a UNIX timestamp).
    RESET = "X-RateLimit-Reset"
    #: How many requests are left in the current window.
    REMAINING = "X-RateLimit-Remaining"
    #: How many requests a window allows.
    LIMIT = "X-RateLimit-Limit"
    #: Seconds (or an HTTP date) after which to try again.
    RETRY_AFTER = "Retry-After"


class ExemptionScope(enum.Flag):
    """What :meth:`Limiter.exempt <erlen.ext.limiter.Limiter.exempt>` exempts a view or a
    blueprint from."""

    NONE = 0
    #: The application-wide limits.
    APPLICATION = enum.auto()
    #: The meta limits.
    META = enum.auto()
    #: The limiter's default limits.
    DEFAULT = enum.auto()
    #: (Blueprints) the blueprints nested in this one too.
    DESCENDENTS = enum.auto()
    #: (Blueprints) the limits of the blueprints this one is nested in.
    ANCESTORS = enum.auto()


#: How many times in a row a dead storage is probed (at 1, 2, 4, ... seconds) before the
#: back-off starts again from one second.
MAX_BACKEND_CHECKS = 5
