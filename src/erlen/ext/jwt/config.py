"""Reading the ``JWT_*`` settings (Flask-JWT-Extended's ``flask_jwt_extended.config``).

:data:`config` reads the current app's ``app.config`` on each access (so a setting changed
at run time applies to the next request) and checks the values whose mistakes would
otherwise surface later as confusing errors. The defaults are set by
:meth:`JWTManager.init_app <erlen.ext.jwt.JWTManager.init_app>`.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone

from jwt.algorithms import requires_cryptography

from erlen.globals import current_app

from .internal_utils import get_json_encoder
from .typing import ExpiresDelta

if t.TYPE_CHECKING:  # pragma: no cover
    import json

__all__ = ["config"]

#: Where a token may be looked for.
LOCATIONS = ("headers", "cookies", "query_string", "json")


def _get(key: str) -> t.Any:
    return current_app.config[key]


def _expires(key: str) -> ExpiresDelta:
    delta = _get(key)
    if type(delta) is int:
        delta = timedelta(seconds=delta)
    if delta is not False:
        try:
            # Anything that adds to a datetime works (timedelta, dateutil's relativedelta).
            delta + datetime.now(timezone.utc)
        except TypeError as e:
            raise RuntimeError(f"must be able to add {key} to datetime.datetime") from e
    return t.cast(ExpiresDelta, delta)


class _Config:
    """The ``JWT_*`` settings of the current app, as properties (read-only: change
    ``app.config`` instead)."""

    @property
    def is_asymmetric(self) -> bool:
        """Whether :attr:`algorithm` signs with a private key and verifies with a public
        one (RS*, ES*, PS*, EdDSA)."""
        return self.algorithm in requires_cryptography

    @property
    def encode_key(self) -> t.Any:
        """The signing key: ``JWT_PRIVATE_KEY`` for asymmetric algorithms, else the
        secret key."""
        return self._private_key if self.is_asymmetric else self._secret_key

    @property
    def decode_key(self) -> t.Any:
        """The verifying key: ``JWT_PUBLIC_KEY`` for asymmetric algorithms, else the
        secret key."""
        return self._public_key if self.is_asymmetric else self._secret_key

    @property
    def token_location(self) -> Sequence[str]:
        """``JWT_TOKEN_LOCATION``: a location name or a collection of them, checked."""
        locations = _get("JWT_TOKEN_LOCATION")
        if isinstance(locations, str):
            locations = (locations,)
        elif not isinstance(locations, Iterable):
            raise RuntimeError("JWT_TOKEN_LOCATION must be a sequence or a set")
        elif not locations:
            raise RuntimeError(
                "JWT_TOKEN_LOCATION must contain at least one "
                'of "headers", "cookies", "query_string", or "json"'
            )
        for location in locations:
            if location not in LOCATIONS:
                raise RuntimeError(
                    "JWT_TOKEN_LOCATION can only contain "
                    '"headers", "cookies", "query_string", or "json"'
                )
        return t.cast("Sequence[str]", locations)

    @property
    def jwt_in_cookies(self) -> bool:
        """Whether cookies are among the token locations."""
        return "cookies" in self.token_location

    @property
    def jwt_in_headers(self) -> bool:
        """Whether headers are among the token locations."""
        return "headers" in self.token_location

    @property
    def jwt_in_query_string(self) -> bool:
        """Whether the query string is among the token locations."""
        return "query_string" in self.token_location

    @property
    def jwt_in_json(self) -> bool:
        """Whether the JSON body is among the token locations."""
        return "json" in self.token_location

    @property
    def header_name(self) -> str:
        """``JWT_HEADER_NAME`` (default ``Authorization``); must not be empty."""
        name = _get("JWT_HEADER_NAME")
        if not name:
            raise RuntimeError("JWT_ACCESS_HEADER_NAME cannot be empty")
        return t.cast(str, name)

    @property
    def header_type(self) -> str:
        """``JWT_HEADER_TYPE`` (default ``Bearer``; empty: the header is the bare token)."""
        return t.cast(str, _get("JWT_HEADER_TYPE"))

    @property
    def query_string_name(self) -> str:
        """``JWT_QUERY_STRING_NAME`` (default ``jwt``)."""
        return t.cast(str, _get("JWT_QUERY_STRING_NAME"))

    @property
    def query_string_value_prefix(self) -> str:
        """``JWT_QUERY_STRING_VALUE_PREFIX`` (default empty)."""
        return t.cast(str, _get("JWT_QUERY_STRING_VALUE_PREFIX"))

    @property
    def access_cookie_name(self) -> str:
        """``JWT_ACCESS_COOKIE_NAME`` (default ``access_token_cookie``)."""
        return t.cast(str, _get("JWT_ACCESS_COOKIE_NAME"))

    @property
    def refresh_cookie_name(self) -> str:
        """``JWT_REFRESH_COOKIE_NAME`` (default ``refresh_token_cookie``)."""
        return t.cast(str, _get("JWT_REFRESH_COOKIE_NAME"))

    @property
    def access_cookie_path(self) -> str:
        """``JWT_ACCESS_COOKIE_PATH`` (default ``/``)."""
        return t.cast(str, _get("JWT_ACCESS_COOKIE_PATH"))

    @property
    def refresh_cookie_path(self) -> str:
        """``JWT_REFRESH_COOKIE_PATH`` (default ``/``)."""
        return t.cast(str, _get("JWT_REFRESH_COOKIE_PATH"))

    @property
    def cookie_secure(self) -> bool:
        """``JWT_COOKIE_SECURE`` (default ``False``)."""
        return t.cast(bool, _get("JWT_COOKIE_SECURE"))

    @property
    def cookie_domain(self) -> str | None:
        """``JWT_COOKIE_DOMAIN`` (default ``None``)."""
        return t.cast("str | None", _get("JWT_COOKIE_DOMAIN"))

    @property
    def session_cookie(self) -> bool:
        """``JWT_SESSION_COOKIE``: cookies without a lifetime (default ``True``)."""
        return t.cast(bool, _get("JWT_SESSION_COOKIE"))

    @property
    def cookie_samesite(self) -> str | None:
        """``JWT_COOKIE_SAMESITE`` (default ``None``)."""
        return t.cast("str | None", _get("JWT_COOKIE_SAMESITE"))

    @property
    def json_key(self) -> str:
        """``JWT_JSON_KEY``: the body key of access tokens (default ``access_token``)."""
        return t.cast(str, _get("JWT_JSON_KEY"))

    @property
    def refresh_json_key(self) -> str:
        """``JWT_REFRESH_JSON_KEY`` (default ``refresh_token``)."""
        return t.cast(str, _get("JWT_REFRESH_JSON_KEY"))

    @property
    def cookie_csrf_protect(self) -> bool:
        """``JWT_COOKIE_CSRF_PROTECT``: double-submit CSRF for cookie tokens (default
        ``True``)."""
        return t.cast(bool, _get("JWT_COOKIE_CSRF_PROTECT"))

    @property
    def csrf_request_methods(self) -> Iterable[str]:
        """``JWT_CSRF_METHODS`` (default POST, PUT, PATCH, DELETE)."""
        return t.cast("Iterable[str]", _get("JWT_CSRF_METHODS"))

    @property
    def csrf_in_cookies(self) -> bool:
        """``JWT_CSRF_IN_COOKIES``: also set the CSRF value as a readable cookie (default
        ``True``)."""
        return t.cast(bool, _get("JWT_CSRF_IN_COOKIES"))

    @property
    def access_csrf_cookie_name(self) -> str:
        """``JWT_ACCESS_CSRF_COOKIE_NAME`` (default ``csrf_access_token``)."""
        return t.cast(str, _get("JWT_ACCESS_CSRF_COOKIE_NAME"))

    @property
    def refresh_csrf_cookie_name(self) -> str:
        """``JWT_REFRESH_CSRF_COOKIE_NAME`` (default ``csrf_refresh_token``)."""
        return t.cast(str, _get("JWT_REFRESH_CSRF_COOKIE_NAME"))

    @property
    def access_csrf_cookie_path(self) -> str:
        """``JWT_ACCESS_CSRF_COOKIE_PATH`` (default ``/``)."""
        return t.cast(str, _get("JWT_ACCESS_CSRF_COOKIE_PATH"))

    @property
    def refresh_csrf_cookie_path(self) -> str:
        """``JWT_REFRESH_CSRF_COOKIE_PATH`` (default ``/``)."""
        return t.cast(str, _get("JWT_REFRESH_CSRF_COOKIE_PATH"))

    @property
    def access_csrf_header_name(self) -> str:
        """``JWT_ACCESS_CSRF_HEADER_NAME`` (default ``X-CSRF-TOKEN``)."""
        return t.cast(str, _get("JWT_ACCESS_CSRF_HEADER_NAME"))

    @property
    def refresh_csrf_header_name(self) -> str:
        """``JWT_REFRESH_CSRF_HEADER_NAME`` (default ``X-CSRF-TOKEN``)."""
        return t.cast(str, _get("JWT_REFRESH_CSRF_HEADER_NAME"))

    @property
    def csrf_check_form(self) -> bool:
        """``JWT_CSRF_CHECK_FORM``: also accept the CSRF value from a form field (default
        ``False``)."""
        return t.cast(bool, _get("JWT_CSRF_CHECK_FORM"))

    @property
    def access_csrf_field_name(self) -> str:
        """``JWT_ACCESS_CSRF_FIELD_NAME`` (default ``csrf_token``)."""
        return t.cast(str, _get("JWT_ACCESS_CSRF_FIELD_NAME"))

    @property
    def refresh_csrf_field_name(self) -> str:
        """``JWT_REFRESH_CSRF_FIELD_NAME`` (default ``csrf_token``)."""
        return t.cast(str, _get("JWT_REFRESH_CSRF_FIELD_NAME"))

    @property
    def access_expires(self) -> ExpiresDelta:
        """``JWT_ACCESS_TOKEN_EXPIRES`` (default 15 minutes; seconds as an int, or
        ``False`` for never)."""
        return _expires("JWT_ACCESS_TOKEN_EXPIRES")

    @property
    def refresh_expires(self) -> ExpiresDelta:
        """``JWT_REFRESH_TOKEN_EXPIRES`` (default 30 days; seconds as an int, or ``False``
        for never)."""
        return _expires("JWT_REFRESH_TOKEN_EXPIRES")

    @property
    def algorithm(self) -> str:
        """``JWT_ALGORITHM``: the signing algorithm (default ``HS256``)."""
        return t.cast(str, _get("JWT_ALGORITHM"))

    @property
    def decode_algorithms(self) -> list[str]:
        """``JWT_DECODE_ALGORITHMS`` plus :attr:`algorithm` (default: just it)."""
        algorithms = _get("JWT_DECODE_ALGORITHMS")
        if not algorithms:
            return [self.algorithm]
        algorithms = list(algorithms)
        if self.algorithm not in algorithms:
            algorithms.append(self.algorithm)
        return algorithms

    @property
    def _secret_key(self) -> t.Any:
        key = _get("JWT_SECRET_KEY") or current_app.config.get("SECRET_KEY")
        if not key:
            raise RuntimeError(
                "JWT_SECRET_KEY or flask SECRET_KEY must be set when using symmetric"
                f' algorithm "{self.algorithm}"'
            )
        return key

    @property
    def _public_key(self) -> t.Any:
        key = _get("JWT_PUBLIC_KEY")
        if not key:
            raise RuntimeError(
                f'JWT_PUBLIC_KEY must be set to use asymmetric cryptography algorithm "{self.algorithm}"'
            )
        return key

    @property
    def _private_key(self) -> t.Any:
        key = _get("JWT_PRIVATE_KEY")
        if not key:
            raise RuntimeError(
                f'JWT_PRIVATE_KEY must be set to use asymmetric cryptography algorithm "{self.algorithm}"'
            )
        return key

    @property
    def cookie_max_age(self) -> int | None:
        """The ``max_age`` of the token cookies: ``None`` (a session cookie) with
        ``JWT_SESSION_COOKIE``, else one year."""
        return None if self.session_cookie else 31540000

    @property
    def identity_claim_key(self) -> str:
        """``JWT_IDENTITY_CLAIM``: the claim holding the identity (default ``sub``)."""
        return t.cast(str, _get("JWT_IDENTITY_CLAIM"))

    @property
    def exempt_methods(self) -> Iterable[str]:
        """Methods that never need a token: ``OPTIONS`` (CORS preflights)."""
        return {"OPTIONS"}

    @property
    def error_msg_key(self) -> str:
        """``JWT_ERROR_MESSAGE_KEY``: the key of the message in error bodies (default
        ``msg``)."""
        return t.cast(str, _get("JWT_ERROR_MESSAGE_KEY"))

    @property
    def json_encoder(self) -> type[json.JSONEncoder]:
        """The JSON encoder class for token payloads: it serializes what the app's JSON
        provider can (dates, UUIDs, dataclasses, ...)."""
        return get_json_encoder(current_app._get_current_object())  # type: ignore[attr-defined]

    @property
    def decode_audience(self) -> str | Iterable[str] | None:
        """``JWT_DECODE_AUDIENCE``: the accepted ``aud`` value(s) (default: not checked)."""
        return t.cast("str | Iterable[str] | None", _get("JWT_DECODE_AUDIENCE"))

    @property
    def encode_audience(self) -> str | Iterable[str] | None:
        """``JWT_ENCODE_AUDIENCE``: the ``aud`` of new tokens (default none)."""
        return t.cast("str | Iterable[str] | None", _get("JWT_ENCODE_AUDIENCE"))

    @property
    def encode_issuer(self) -> str | None:
        """``JWT_ENCODE_ISSUER``: the ``iss`` of new tokens (default none)."""
        return t.cast("str | None", _get("JWT_ENCODE_ISSUER"))

    @property
    def decode_issuer(self) -> str | None:
        """``JWT_DECODE_ISSUER``: the required ``iss`` (default: not checked)."""
        return t.cast("str | None", _get("JWT_DECODE_ISSUER"))

    @property
    def leeway(self) -> int:
        """``JWT_DECODE_LEEWAY``: seconds of clock skew allowed for ``exp``/``nbf``/``iat``."""
        return t.cast(int, _get("JWT_DECODE_LEEWAY"))

    @property
    def verify_sub(self) -> bool:
        """``JWT_VERIFY_SUB``: require ``sub`` to be a string (default ``True``)."""
        return t.cast(bool, _get("JWT_VERIFY_SUB"))

    @property
    def encode_nbf(self) -> bool:
        """``JWT_ENCODE_NBF``: put an ``nbf`` claim in new tokens (default ``True``)."""
        return t.cast(bool, _get("JWT_ENCODE_NBF"))


#: The settings of the current app (needs an app context).
config = _Config()
