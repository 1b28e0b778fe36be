"""Protecting views: :func:`jwt_required` and :func:`verify_jwt_in_request`
(Flask-JWT-Extended's ``flask_jwt_extended.view_decorators``).

The token is read from the current request context only through ``request.method``,
``.headers``, ``.cookies``, ``.args``, ``.form`` (an optional CSRF field) and the JSON body,
so the same checks serve any request context that has them, e.g. a websocket handshake
(a token in the query string or a header). :func:`averify_jwt_in_request` is an erlen
addition for async code.
"""

from __future__ import annotations

import re
import typing as t
from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from erlen.globals import current_app, g, request

from .. import _steps
from .config import config
from .exceptions import (
    CSRFError,
    FreshTokenRequired,
    InvalidHeaderError,
    InvalidQueryParamError,
    NoAuthorizationError,
    UserLookupError,
)
from .internal_utils import (
    Steps,
    _blocklist_steps,
    _claims_verification_steps,
    _user_lookup_steps,
    get_jwt_manager,
    run_async,
    run_sync,
    verify_token_type,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen.wrappers import Request

    from .jwt_manager import JWTManager

__all__ = ["LocationType", "averify_jwt_in_request", "jwt_required", "verify_jwt_in_request"]

#: ``locations``: one location name, several, or ``None`` for ``JWT_TOKEN_LOCATION``.
LocationType = str | Sequence[str] | None
F = t.TypeVar("F", bound=Callable[..., t.Any])
#: The verified token: its header and payload, or ``None`` (no token, optional).
Verified = tuple[dict[str, t.Any], dict[str, t.Any]] | None

_FIELD_SEPARATOR = re.compile(r",\s*")


def verify_jwt_in_request(
    optional: bool = False,
    fresh: bool = False,
    refresh: bool = False,
    locations: LocationType = None,
    verify_type: bool = True,
    skip_revocation_check: bool = False,
) -> Verified:
    """Check the current request's token and make it the request's token (for
    :func:`~erlen.ext.jwt.get_jwt`, ``current_user``, ...); return its ``(header,
    payload)``.

    Raises the extension's errors (answered 401/422 by the app's error handlers) when the
    token is missing, invalid, expired, revoked, refused by the claims check, of the wrong
    type (``refresh``; any type with ``verify_type=False``) or not fresh (``fresh``). With
    ``optional``, a missing token returns ``None`` instead (an invalid one still raises).
    ``locations`` overrides ``JWT_TOKEN_LOCATION``; ``skip_revocation_check`` skips the
    blocklist. ``OPTIONS`` requests are let through unchecked (``None``).
    """
    return run_sync(
        _verify_steps(optional, fresh, refresh, locations, verify_type, skip_revocation_check)
    )


async def averify_jwt_in_request(
    optional: bool = False,
    fresh: bool = False,
    refresh: bool = False,
    locations: LocationType = None,
    verify_type: bool = True,
    skip_revocation_check: bool = False,
) -> Verified:
    """:func:`verify_jwt_in_request` for async code: ``async def`` loaders (decode key,
    blocklist, claims verification, user lookup) are awaited on the running loop."""
    return await run_async(
        _verify_steps(optional, fresh, refresh, locations, verify_type, skip_revocation_check)
    )


def jwt_required(
    optional: bool = False,
    fresh: bool = False,
    refresh: bool = False,
    locations: LocationType = None,
    verify_type: bool = True,
    skip_revocation_check: bool = False,
) -> Callable[[F], F]:
    """Let the view run only with a valid token (see :func:`verify_jwt_in_request` for the
    arguments); otherwise the request gets the matching 401/422 answer.

    On an ``async def`` view the wrapper is ``async def`` too and awaits ``async def``
    loaders.
    """

    def wrapper(fn: F) -> F:
        async def async_view(*args: t.Any, **kwargs: t.Any) -> t.Any:
            await run_async(
                _verify_steps(
                    optional, fresh, refresh, locations, verify_type, skip_revocation_check
                )
            )
            return await fn(*args, **kwargs)

        def view(*args: t.Any, **kwargs: t.Any) -> t.Any:
            run_sync(
                _verify_steps(
                    optional, fresh, refresh, locations, verify_type, skip_revocation_check
                )
            )
            return current_app.ensure_sync(fn)(*args, **kwargs)

        return _steps.wrap(fn, view, async_view)

    return wrapper


def _verify_steps(
    optional: bool,
    fresh: bool,
    refresh: bool,
    locations: LocationType,
    verify_type: bool,
    skip_revocation_check: bool,
) -> Steps[Verified]:
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    if req.method in config.exempt_methods:
        return None
    manager = get_jwt_manager()
    # As Flask-JWT-Extended: a NoAuthorizationError while finding or checking the token
    # (a callback may raise it to say "no usable token") lets an optional check pass.
    # Looking the user up comes after, so its errors always count.
    try:
        location, encoded_token, csrf_value = _find_token(req, locations, refresh)
        jwt_header, jwt_data = yield from _check_token_steps(
            manager, encoded_token, csrf_value, fresh, refresh, verify_type, skip_revocation_check
        )
    except NoAuthorizationError:
        if not optional:
            raise
        g._jwt_extended_jwt = {}
        g._jwt_extended_jwt_header = {}
        g._jwt_extended_jwt_user = {"loaded_user": None}
        g._jwt_extended_jwt_location = None
        return None
    user = yield from _load_user(manager, jwt_header, jwt_data)
    # Stored only now, when the token is valid and every callback accepted it.
    g._jwt_extended_jwt_user = user
    g._jwt_extended_jwt_header = jwt_header
    g._jwt_extended_jwt = jwt_data
    g._jwt_extended_jwt_location = location
    return jwt_header, jwt_data


def _load_user(
    manager: JWTManager, jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]
) -> Steps[dict[str, t.Any] | None]:
    if manager._user_lookup_callback is None:
        return None
    user = yield from _user_lookup_steps(manager, jwt_header, jwt_data)
    if user is None:
        identity = jwt_data[config.identity_claim_key]
        raise UserLookupError(f"user_lookup returned None for {identity}", jwt_header, jwt_data)
    return {"loaded_user": user}


def _verify_token_is_fresh(jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]) -> None:
    fresh = jwt_data["fresh"]
    if isinstance(fresh, bool):
        is_fresh = fresh
    elif isinstance(fresh, (int, float)):
        is_fresh = fresh >= datetime.now(timezone.utc).timestamp()
    else:
        is_fresh = False
    if not is_fresh:
        raise FreshTokenRequired("Fresh token required", jwt_header, jwt_data)


# -- reading the token from the request: (encoded token, expected CSRF value or None) ------


def _from_headers(req: Request, refresh: bool) -> tuple[str, None]:
    header_name = config.header_name
    header_type = config.header_type
    auth_header = req.headers.get(header_name, "").strip().strip(",")
    if not auth_header:
        raise NoAuthorizationError(f"Missing {header_name} Header")
    if not header_type:
        parts = auth_header.split()
        if len(parts) != 1:
            raise InvalidHeaderError(f"Bad {header_name} header. Expected '{header_name}: <JWT>'")
        return parts[0], None
    # The header may hold several comma-separated "<type> <value>" credentials.
    typed = [
        field.split()
        for field in _FIELD_SEPARATOR.split(auth_header)
        if field.split()[:1] == [header_type]
    ]
    if len(typed) != 1:
        raise NoAuthorizationError(
            f"Missing '{header_type}' type in '{header_name}' header. "
            f"Expected '{header_name}: {header_type} <JWT>'"
        )
    if len(typed[0]) != 2:
        raise InvalidHeaderError(
            f"Bad {header_name} header. Expected '{header_name}: {header_type} <JWT>'"
        )
    return typed[0][1], None


def _from_cookies(req: Request, refresh: bool) -> tuple[str, str | None]:
    if refresh:
        cookie_key = config.refresh_cookie_name
        csrf_header_key = config.refresh_csrf_header_name
        csrf_field_key = config.refresh_csrf_field_name
    else:
        cookie_key = config.access_cookie_name
        csrf_header_key = config.access_csrf_header_name
        csrf_field_key = config.access_csrf_field_name
    encoded_token = req.cookies.get(cookie_key)
    if not encoded_token:
        raise NoAuthorizationError(f'Missing cookie "{cookie_key}"')
    if not (config.cookie_csrf_protect and req.method in config.csrf_request_methods):
        return encoded_token, None
    csrf_value = req.headers.get(csrf_header_key, None)
    if not csrf_value and config.csrf_check_form:
        csrf_value = req.form.get(csrf_field_key, None)
    if not csrf_value:
        raise CSRFError("Missing CSRF token")
    return encoded_token, csrf_value


def _from_query_string(req: Request, refresh: bool) -> tuple[str, None]:
    param_name = config.query_string_name
    prefix = config.query_string_value_prefix
    value = req.args.get(param_name)
    if not value:
        raise NoAuthorizationError(f"Missing '{param_name}' query paramater")
    if not value.startswith(prefix):
        raise InvalidQueryParamError(
            f"Invalid value for query parameter '{param_name}'. "
            f"Expected the value to start with '{prefix}'"
        )
    return value[len(prefix) :], None


def _from_json(req: Request, refresh: bool) -> tuple[str, None]:
    if not req.is_json:
        raise NoAuthorizationError("Invalid content-type. Must be application/json.")
    token_key = config.refresh_json_key if refresh else config.json_key
    body = req.get_json(silent=True)
    # A body that is no JSON object (or no JSON at all) holds no token.
    encoded_token = body.get(token_key) if isinstance(body, dict) else None
    if not encoded_token:
        raise NoAuthorizationError(f'Missing "{token_key}" key in json data.')
    return t.cast(str, encoded_token), None


_READERS: dict[str, Callable[[Request, bool], tuple[str, str | None]]] = {
    "headers": _from_headers,
    "cookies": _from_cookies,
    "query_string": _from_query_string,
    "json": _from_json,
}


def _find_token(
    req: Request, locations: LocationType, refresh: bool
) -> tuple[str, str, str | None]:
    """``(location, encoded token, expected CSRF value or None)`` of the first location
    that has a token, or :class:`NoAuthorizationError` naming what each one lacked."""
    if isinstance(locations, str):
        locations = [locations]
    # A set works too (its order is its own).
    names = list(locations or config.token_location)
    readers = []
    for name in names:
        reader = _READERS.get(name)
        if reader is None:
            raise RuntimeError(f"'{name}' is not a valid location")
        readers.append((name, reader))

    # The first location that has a token decides; only "no token here" moves on.
    errors = []
    for name, reader in readers:
        try:
            encoded_token, csrf_value = reader(req, refresh)
        except NoAuthorizationError as e:
            errors.append(str(e))
            continue
        return name, encoded_token, csrf_value
    if len(names) > 1:
        raise NoAuthorizationError(
            f"Missing JWT in {', '.join(names[:-1])} or {names[-1]} ({'; '.join(errors)})"
        )
    raise NoAuthorizationError(errors[0])


def _check_token_steps(
    manager: JWTManager,
    encoded_token: str,
    csrf_value: str | None,
    fresh: bool,
    refresh: bool,
    verify_type: bool,
    skip_revocation_check: bool,
) -> Steps[tuple[dict[str, t.Any], dict[str, t.Any]]]:
    jwt_header, decoded = yield from manager._decode_steps(encoded_token, csrf_value)
    if verify_type:
        verify_token_type(decoded, refresh)
    if fresh:
        _verify_token_is_fresh(jwt_header, decoded)
    if not skip_revocation_check:
        yield from _blocklist_steps(manager, jwt_header, decoded)
    yield from _claims_verification_steps(manager, jwt_header, decoded)
    return jwt_header, decoded
