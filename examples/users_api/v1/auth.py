"""``/api/v1/auth``: log in (rate limited), refresh, log out, change the password."""

from __future__ import annotations

import typing as t

from erlen import Blueprint, current_app, jsonify
from erlen.ext.jwt import current_user, get_jwt, jwt_required

from ..extensions import limiter
from ..inputs import load_json
from ..schemas import LoginSchema, PasswordChangeSchema, user_schema
from ..services import tokens, users

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")


def login_rate_limit() -> str:
    """``LOGIN_RATE_LIMIT`` (``"5 per minute"``): attempts per client address."""
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.post("/login")
@limiter.limit(login_rate_limit, error_message="Too many login attempts: try again later.")
def login() -> t.Any:
    """``{"email", "password"}`` → a fresh access token, a refresh token and the user.
    401 for wrong credentials; 429 (with ``Retry-After``) past the rate limit."""
    data = load_json(LoginSchema())
    user = users.authenticate(data["email"], data["password"])
    return jsonify(**tokens.new_token_pair(user), user=user_schema.dump(user))


@bp.post("/refresh")
@jwt_required(refresh=True)
def refresh() -> t.Any:
    """A refresh token (in ``Authorization``) → a new access token, not fresh."""
    return jsonify(tokens.new_access_token(current_user, fresh=False))


@bp.post("/logout")
@jwt_required(verify_type=False)
def logout() -> t.Any:
    """Revoke the token sent (access or refresh: log out with each)."""
    claims = get_jwt()
    tokens.revoke_token(claims)
    return jsonify(message=f"The {claims['type']} token is revoked.")


@bp.post("/password")
@jwt_required(fresh=True)
def change_password() -> t.Any:
    """``{"current_password", "new_password"}`` with a fresh access token (from a login,
    not a refresh). Every earlier token is revoked; the answer has new ones."""
    data = load_json(PasswordChangeSchema())
    users.change_password(current_user, data["current_password"], data["new_password"])
    return jsonify(tokens.new_token_pair(current_user))
