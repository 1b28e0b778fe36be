"""Creating tokens, reading the current one, and the token cookies (Flask-JWT-Extended's
``flask_jwt_extended.utils``).

The ``a``-prefixed functions (``acreate_access_token``, ``acreate_refresh_token``,
``adecode_token``) are erlen additions for async code: they await ``async def`` loaders.
"""

from __future__ import annotations

import typing as t

import jwt

from erlen.globals import g
from erlen.local import LocalProxy

from .config import config
from .exceptions import JWTDecodeError
from .internal_utils import get_jwt_manager, run_async, run_sync
from .tokens import _unverified

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen.wrappers import Response

    from .typing import ExpiresDelta, Fresh

__all__ = [
    "acreate_access_token",
    "acreate_refresh_token",
    "adecode_token",
    "create_access_token",
    "create_refresh_token",
    "current_user",
    "decode_token",
    "get_csrf_token",
    "get_current_user",
    "get_jti",
    "get_jwt",
    "get_jwt_header",
    "get_jwt_identity",
    "get_jwt_request_location",
    "get_unverified_jwt_headers",
    "set_access_cookies",
    "set_refresh_cookies",
    "unset_access_cookies",
    "unset_jwt_cookies",
    "unset_refresh_cookies",
]

#: The user of the token of the current request, as ``user_lookup_loader`` returned it
#: (see :func:`get_current_user`).
current_user: t.Any = LocalProxy(lambda: get_current_user())

_NOT_VERIFIED = (
    "You must call `@jwt_required()` or `verify_jwt_in_request()` before using this method"
)


def get_jwt() -> dict[str, t.Any]:
    """The payload (claims) of the current request's token; ``{}`` when an optional
    ``@jwt_required`` found none. Raises RuntimeError before the token was verified."""
    decoded = g.get("_jwt_extended_jwt", None)
    if decoded is None:
        raise RuntimeError(_NOT_VERIFIED)
    return t.cast("dict[str, t.Any]", decoded)


def get_jwt_header() -> dict[str, t.Any]:
    """The header of the current request's token (``{}`` when an optional
    ``@jwt_required`` found none)."""
    decoded = g.get("_jwt_extended_jwt_header", None)
    if decoded is None:
        raise RuntimeError(_NOT_VERIFIED)
    return t.cast("dict[str, t.Any]", decoded)


def get_jwt_identity() -> t.Any:
    """The identity (``JWT_IDENTITY_CLAIM``, ``sub`` by default) of the current request's
    token; ``None`` when an optional ``@jwt_required`` found none."""
    return get_jwt().get(config.identity_claim_key, None)


def get_jwt_request_location() -> str | None:
    """Where the current request's token was found: ``"headers"``, ``"cookies"``,
    ``"query_string"`` or ``"json"`` (``None`` without one)."""
    return t.cast("str | None", g.get("_jwt_extended_jwt_location", None))


def get_current_user() -> t.Any:
    """The user ``user_lookup_loader`` loaded for the current request's token (``None``
    when an optional ``@jwt_required`` found none). Raises RuntimeError before the token
    was verified, or when no ``user_lookup_loader`` is registered."""
    get_jwt()
    loaded = g.get("_jwt_extended_jwt_user", None)
    if loaded is None:
        raise RuntimeError(
            "You must provide a `@jwt.user_lookup_loader` callback to use this method"
        )
    return loaded["loaded_user"]


def decode_token(
    encoded_token: str, csrf_value: str | None = None, allow_expired: bool = False
) -> dict[str, t.Any]:
    """The payload of ``encoded_token`` after every check of its signature and claims
    (``exp``, ``nbf``, ``aud``, ``iss``, the identity claim, ``csrf_value`` if given);
    raises PyJWT's or this extension's errors otherwise. Calls no loader but
    ``decode_key_loader``: no blocklist check, no user lookup."""
    manager = get_jwt_manager()
    return run_sync(manager._decode_steps(encoded_token, csrf_value, allow_expired))[1]


async def adecode_token(
    encoded_token: str, csrf_value: str | None = None, allow_expired: bool = False
) -> dict[str, t.Any]:
    """:func:`decode_token` for async code: an ``async def`` ``decode_key_loader`` is
    awaited."""
    manager = get_jwt_manager()
    return (await run_async(manager._decode_steps(encoded_token, csrf_value, allow_expired)))[1]


def create_access_token(
    identity: t.Any,
    fresh: Fresh = False,
    expires_delta: ExpiresDelta | None = None,
    additional_claims: dict[str, t.Any] | None = None,
    additional_headers: dict[str, t.Any] | None = None,
) -> str:
    """A new access token for ``identity`` (made JSON by ``user_identity_loader``).

    ``fresh``: ``True``, or a ``timedelta`` for how long it stays fresh.
    ``expires_delta``: its lifetime (default ``JWT_ACCESS_TOKEN_EXPIRES``; ``False``:
    never expires). ``additional_claims`` / ``additional_headers`` are merged over those of
    ``additional_claims_loader`` / ``additional_headers_loader``.
    """
    manager = get_jwt_manager()
    return run_sync(
        manager._encode_steps(
            identity, "access", additional_claims, fresh, expires_delta, additional_headers
        )
    )


async def acreate_access_token(
    identity: t.Any,
    fresh: Fresh = False,
    expires_delta: ExpiresDelta | None = None,
    additional_claims: dict[str, t.Any] | None = None,
    additional_headers: dict[str, t.Any] | None = None,
) -> str:
    """:func:`create_access_token` for async code: ``async def`` loaders are awaited."""
    manager = get_jwt_manager()
    return await run_async(
        manager._encode_steps(
            identity, "access", additional_claims, fresh, expires_delta, additional_headers
        )
    )


def create_refresh_token(
    identity: t.Any,
    expires_delta: ExpiresDelta | None = None,
    additional_claims: dict[str, t.Any] | None = None,
    additional_headers: dict[str, t.Any] | None = None,
) -> str:
    """A new refresh token for ``identity`` (lifetime ``JWT_REFRESH_TOKEN_EXPIRES``
    unless ``expires_delta``); see :func:`create_access_token`."""
    manager = get_jwt_manager()
    return run_sync(
        manager._encode_steps(
            identity, "refresh", additional_claims, False, expires_delta, additional_headers
        )
    )


async def acreate_refresh_token(
    identity: t.Any,
    expires_delta: ExpiresDelta | None = None,
    additional_claims: dict[str, t.Any] | None = None,
    additional_headers: dict[str, t.Any] | None = None,
) -> str:
    """:func:`create_refresh_token` for async code: ``async def`` loaders are awaited."""
    manager = get_jwt_manager()
    return await run_async(
        manager._encode_steps(
            identity, "refresh", additional_claims, False, expires_delta, additional_headers
        )
    )


def get_unverified_jwt_headers(encoded_token: str) -> dict[str, t.Any]:
    """The header of ``encoded_token``, without verifying anything."""
    return jwt.get_unverified_header(encoded_token)


def get_jti(encoded_token: str) -> str | None:
    """The ``jti`` (unique id) of ``encoded_token``, after verifying it."""
    return t.cast("str | None", decode_token(encoded_token).get("jti"))


def get_csrf_token(encoded_token: str) -> str:
    """The double-submit CSRF value of ``encoded_token``, after verifying it."""
    return t.cast(str, decode_token(encoded_token)["csrf"])


def _csrf_claim(encoded_token: str) -> str:
    # The token was just made by this app to be put in a cookie: its CSRF value is read
    # without verifying it again (and so without an async decode_key_loader).
    claims = _unverified(encoded_token)[1]
    if "csrf" not in claims:
        raise JWTDecodeError("Missing claim: csrf")
    return t.cast(str, claims["csrf"])


def _set_token_cookies(
    response: Response,
    refresh: bool,
    token: str | None,
    max_age: int | None,
    domain: str | None,
) -> None:
    """Set (``token``) or expire (``None``) the access or refresh token cookie and its
    CSRF cookie."""
    if refresh:
        name, path = config.refresh_cookie_name, config.refresh_cookie_path
        csrf_name, csrf_path = config.refresh_csrf_cookie_name, config.refresh_csrf_cookie_path
    else:
        name, path = config.access_cookie_name, config.access_cookie_path
        csrf_name, csrf_path = config.access_csrf_cookie_name, config.access_csrf_cookie_path
    settings: dict[str, t.Any] = {
        "secure": config.cookie_secure,
        "domain": domain or config.cookie_domain,
        "samesite": config.cookie_samesite,
    }
    if token is None:
        settings["expires"] = 0
    else:
        settings["max_age"] = max_age or config.cookie_max_age
    response.set_cookie(name, token or "", httponly=True, path=path, **settings)
    if config.cookie_csrf_protect and config.csrf_in_cookies:
        csrf = "" if token is None else _csrf_claim(token)
        response.set_cookie(csrf_name, csrf, httponly=False, path=csrf_path, **settings)


def set_access_cookies(
    response: Response,
    encoded_access_token: str,
    max_age: int | None = None,
    domain: str | None = None,
) -> None:
    """Put the access token in an ``HttpOnly`` cookie of ``response`` and, with
    ``JWT_CSRF_IN_COOKIES``, its CSRF value in a cookie scripts can read.

    ``max_age`` (seconds) overrides ``JWT_SESSION_COOKIE``; ``domain`` overrides
    ``JWT_COOKIE_DOMAIN``.
    """
    _set_token_cookies(response, False, encoded_access_token, max_age, domain)


def set_refresh_cookies(
    response: Response,
    encoded_refresh_token: str,
    max_age: int | None = None,
    domain: str | None = None,
) -> None:
    """:func:`set_access_cookies` for the refresh token and its cookie settings."""
    _set_token_cookies(response, True, encoded_refresh_token, max_age, domain)


def unset_jwt_cookies(response: Response, domain: str | None = None) -> None:
    """Expire the access and refresh token cookies (and their CSRF cookies)."""
    unset_access_cookies(response, domain)
    unset_refresh_cookies(response, domain)


def unset_access_cookies(response: Response, domain: str | None = None) -> None:
    """Expire the access token cookie and its CSRF cookie."""
    _set_token_cookies(response, False, None, None, domain)


def unset_refresh_cookies(response: Response, domain: str | None = None) -> None:
    """Expire the refresh token cookie and its CSRF cookie."""
    _set_token_cookies(response, True, None, None, domain)


def current_user_context_processor() -> dict[str, t.Any]:
    """Templates' ``current_user``: the token's user, looked up when a template uses it
    (Flask-JWT-Extended looks it up for every template, failing outside protected
    views)."""
    return {"current_user": current_user}
