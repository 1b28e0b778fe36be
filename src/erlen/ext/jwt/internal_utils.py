"""Helpers shared by the extension's modules (Flask-JWT-Extended's
``flask_jwt_extended.internal_utils``), and the running of user callbacks from sync and
async code.

The checks that call user callbacks (decode key, blocklist, claims verification, user
lookup; the additional claims, headers, identity and encode key of new tokens) are written
once, as generators that yield ``(callback, args)`` and are sent back its result (see
:mod:`erlen.ext._steps`).
:func:`run_sync` drives such a generator from synchronous code, running an ``async def``
callback through ``app.ensure_sync``; :func:`run_async` drives it from a coroutine and
awaits the callbacks that return awaitables, so an ``async def`` view never blocks on them.
"""

from __future__ import annotations

import json
import typing as t
from collections.abc import Generator

from erlen.globals import current_app
from erlen.json.provider import DefaultJSONProvider

from .. import _steps
from .exceptions import RevokedTokenError, UserClaimsVerificationError, WrongTokenError

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen.app import Flask

    from .jwt_manager import JWTManager

__all__ = [
    "JSONEncoder",
    "Steps",
    "custom_verification_for_token",
    "get_json_encoder",
    "get_jwt_manager",
    "has_user_lookup",
    "run_async",
    "run_sync",
    "user_lookup",
    "verify_token_not_blocklisted",
    "verify_token_type",
]

T = t.TypeVar("T")
#: Logic that calls user callbacks: yields ``(callback, args)``, is sent each result and
#: returns its own result.
Steps = Generator[_steps.Call, t.Any, T]


def get_jwt_manager() -> JWTManager:
    """The current app's :class:`~erlen.ext.jwt.JWTManager`, or a RuntimeError saying how
    to set one up."""
    try:
        return t.cast("JWTManager", current_app.extensions["flask-jwt-extended"])
    except KeyError:
        raise RuntimeError(
            "You must initialize a JWTManager with this flask application before using this"
            " method: JWTManager(app), or jwt.init_app(app) in the app factory."
        ) from None


def has_user_lookup() -> bool:
    """Whether a ``user_lookup_loader`` callback is registered."""
    return get_jwt_manager()._user_lookup_callback is not None


def user_lookup(jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]) -> t.Any:
    """The ``user_lookup_loader`` callback's user for a token (``None`` without one)."""
    return run_sync(_user_lookup_steps(get_jwt_manager(), jwt_header, jwt_data))


def _user_lookup_steps(
    manager: JWTManager, jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]
) -> Steps[t.Any]:
    callback = manager._user_lookup_callback
    if callback is None:
        return None
    return (yield callback, (jwt_header, jwt_data))


def verify_token_type(decoded_token: dict[str, t.Any], refresh: bool) -> None:
    """Raise :class:`WrongTokenError` unless the token's ``type`` is ``refresh`` exactly
    when ``refresh`` is true."""
    if not refresh and decoded_token["type"] == "refresh":
        raise WrongTokenError("Only non-refresh tokens are allowed")
    if refresh and decoded_token["type"] != "refresh":
        raise WrongTokenError("Only refresh tokens are allowed")


def verify_token_not_blocklisted(jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]) -> None:
    """Raise :class:`RevokedTokenError` if ``token_in_blocklist_loader`` says so."""
    run_sync(_blocklist_steps(get_jwt_manager(), jwt_header, jwt_data))


def _blocklist_steps(
    manager: JWTManager, jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]
) -> Steps[None]:
    if (yield manager._token_in_blocklist_callback, (jwt_header, jwt_data)):
        raise RevokedTokenError(jwt_header, jwt_data)


def custom_verification_for_token(jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]) -> None:
    """Raise :class:`UserClaimsVerificationError` if ``token_verification_loader`` returns
    a false value."""
    run_sync(_claims_verification_steps(get_jwt_manager(), jwt_header, jwt_data))


def _claims_verification_steps(
    manager: JWTManager, jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]
) -> Steps[None]:
    if not (yield manager._token_verification_callback, (jwt_header, jwt_data)):
        raise UserClaimsVerificationError("User claims verification failed", jwt_header, jwt_data)


class JSONEncoder(json.JSONEncoder):
    """Encodes token payloads; what :mod:`json` can't encode goes to the ``default`` of
    the current app's JSON provider class (dates as HTTP dates, UUIDs, dataclasses, ...)."""

    def default(self, o: t.Any) -> t.Any:
        """Encode ``o`` with the app's JSON provider's ``default``."""
        provider = current_app.json_provider_class
        default = getattr(provider, "default", DefaultJSONProvider.default)
        return default(o)


def get_json_encoder(app: Flask) -> type[json.JSONEncoder]:
    """The JSON encoder class for ``app``'s token payloads (:class:`JSONEncoder`)."""
    return JSONEncoder


#: What the error for an ``async def`` callback needed by sync code on the loop suggests.
_ASYNC_FORMS = (
    "In async code use the async forms: @jwt_required() on the 'async def' view, 'await"
    " averify_jwt_in_request()', 'await acreate_access_token()', 'await"
    " acreate_refresh_token()', 'await adecode_token()'."
)


def _call_sync(call: _steps.Call) -> t.Any:
    func, args = call
    return _steps.call_sync(func, args, async_forms=_ASYNC_FORMS)


def run_sync(steps: Steps[T]) -> T:
    """Run ``steps`` to its end from synchronous code and return its result.

    A callback that returns a coroutine (an ``async def`` one) is run to completion
    through ``app.ensure_sync``; on a thread that runs an event loop that would deadlock,
    so a RuntimeError names the async form to await instead.
    """
    return _steps.run_sync(steps, _call_sync)


async def run_async(steps: Steps[T]) -> T:
    """Run ``steps`` to its end in a coroutine, awaiting the callbacks' awaitable results.

    A synchronous callback runs inline on the loop, as it would under Flask; make it
    ``async def`` to keep slow I/O off the loop.
    """
    return await _steps.run_async(steps, _steps.call)
