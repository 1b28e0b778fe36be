"""Authentication with erlen.ext.jwt: what tokens carry, how they are checked, their
errors in the API's JSON form, and the role guards ``admin_required`` / ``roles_required``.

A token's subject is the user id; its ``roles`` claim the user's role and its ``ver``
claim the version of the user's tokens. A token is refused when it is on the blocklist
(logged out) or older than its user's tokens (password or role changed, account deleted).
"""

from __future__ import annotations

import functools
import inspect
import typing as t

from erlen import Flask
from erlen.ext.jwt import averify_jwt_in_request, get_jwt, verify_jwt_in_request

from .errors import error_response
from .exceptions import PermissionDenied
from .extensions import jwt
from .models import Role, User
from .services import tokens, users

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


@jwt.user_identity_loader
def user_identity(user: User) -> str:
    """The token's subject: the user id (JWT subjects are strings)."""
    return str(user.id)


@jwt.additional_claims_loader
def additional_claims(user: User) -> dict[str, t.Any]:
    """Roles and token version, in every new token."""
    return tokens.token_claims(user)


@jwt.token_in_blocklist_loader
def token_revoked(jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]) -> bool:
    """Logged out, or made before the user's tokens were revoked."""
    return tokens.is_token_revoked(jwt_data)


@jwt.user_lookup_loader
def load_user(jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]) -> User | None:
    """``current_user``: the token's user, unless deleted (then the request gets a 401)."""
    return users.find_active_user(int(jwt_data["sub"]))


# The answers to token problems, in the API's error form (the extension's own answers are
# {"msg": ...}, with 422 for a malformed token).


@jwt.unauthorized_loader
def missing_token(reason: str) -> t.Any:
    """No token in the request."""
    return error_response(401, "authorization_required", reason)


@jwt.invalid_token_loader
def invalid_token(reason: str) -> t.Any:
    """A token that is malformed, badly signed, or of the wrong type."""
    return error_response(401, "invalid_token", reason)


@jwt.expired_token_loader
def expired_token(jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]) -> t.Any:
    """An expired token: refresh it, or log in again."""
    return error_response(401, "token_expired", "The token has expired.")


@jwt.revoked_token_loader
def revoked_token(jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]) -> t.Any:
    """A logged-out token, or one made before the user's tokens were revoked."""
    return error_response(401, "token_revoked", "The token has been revoked.")


@jwt.needs_fresh_token_loader
def token_not_fresh(jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]) -> t.Any:
    """A token made by a refresh, where one made by a password login is needed."""
    return error_response(
        401, "fresh_token_required", "Log in again with your password to do this."
    )


@jwt.user_lookup_error_loader
def user_gone(jwt_header: dict[str, t.Any], jwt_data: dict[str, t.Any]) -> t.Any:
    """The token's user is deleted."""
    return error_response(401, "user_not_found", "The account of this token does not exist.")


def token_roles() -> set[str]:
    """The roles in the current request's (verified) token."""
    roles = get_jwt().get("roles")
    return {role for role in roles if isinstance(role, str)} if isinstance(roles, list) else set()


def has_any_role(*roles: str) -> bool:
    """Whether the current request's token carries one of ``roles``."""
    return not token_roles().isdisjoint(roles)


def _check_roles(roles: tuple[str, ...]) -> None:
    if not has_any_role(*roles):
        raise PermissionDenied(f"This needs one of the roles: {', '.join(roles)}.")


def roles_required(*roles: str) -> t.Callable[[F], F]:
    """Guard a view: a valid access token (as ``@jwt_required()``) whose ``roles`` claim
    holds one of ``roles``, else 403. Works on ``async def`` views too."""

    def decorator(view: F) -> F:
        if inspect.iscoroutinefunction(view):

            @functools.wraps(view)
            async def guarded_async(*args: t.Any, **kwargs: t.Any) -> t.Any:
                await averify_jwt_in_request()
                _check_roles(roles)
                return await view(*args, **kwargs)

            return guarded_async  # type: ignore[return-value]

        @functools.wraps(view)
        def guarded(*args: t.Any, **kwargs: t.Any) -> t.Any:
            verify_jwt_in_request()
            _check_roles(roles)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorator


def admin_required(view: F) -> F:
    """Guard a view: admins only (``roles_required("admin")``)."""
    return roles_required(Role.ADMIN.value)(view)


#: Roles that may read every account.
READERS = (Role.ADMIN.value, Role.SUPPORT.value)


def can_read_user(user_id: int) -> bool:
    """Whether the current token's user may read account ``user_id``: their own, or any
    for admins and support."""
    return get_jwt().get("sub") == str(user_id) or has_any_role(*READERS)


def init_app(app: Flask) -> None:
    """Set up erlen.ext.jwt on ``app`` with this module's loaders."""
    jwt.init_app(app)
