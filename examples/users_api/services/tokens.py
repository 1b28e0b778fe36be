"""Tokens: issuing access and refresh tokens, logging them out (the blocklist), and deciding
whether a token is still valid."""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from erlen import current_app
from erlen.ext.jwt import create_access_token, create_refresh_token

from ..extensions import db
from ..models import RevokedToken, User


def access_token_lifetime() -> int:
    """How long an access token lives, in seconds (``JWT_ACCESS_TOKEN_EXPIRES``)."""
    lifetime = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    return int(lifetime.total_seconds() if isinstance(lifetime, timedelta) else lifetime)


def new_access_token(user: User, *, fresh: bool) -> dict[str, t.Any]:
    """An access token for ``user``, as the API answers it. ``fresh``: made from the
    password (login), not from a refresh token."""
    return {
        "access_token": create_access_token(user, fresh=fresh),
        "token_type": "Bearer",
        "expires_in": access_token_lifetime(),
    }


def new_token_pair(user: User) -> dict[str, t.Any]:
    """A fresh access token and a refresh token for ``user`` (after a password check)."""
    return {**new_access_token(user, fresh=True), "refresh_token": create_refresh_token(user)}


def token_claims(user: User) -> dict[str, t.Any]:
    """The claims every token of ``user`` carries besides the standard ones: its roles
    and the version of its tokens."""
    return {"roles": [user.role], "ver": user.token_version}


def revoke_token(claims: t.Mapping[str, t.Any]) -> None:
    """Put the token with ``claims`` on the blocklist (logging out twice is harmless)."""
    expires = claims.get("exp")
    token = RevokedToken(
        jti=claims["jti"],
        token_type=claims["type"],
        user_id=int(claims["sub"]),
        expires_at=(
            datetime.fromtimestamp(expires, timezone.utc).replace(tzinfo=None)
            if isinstance(expires, (int, float))
            else None
        ),
    )
    db.session.add(token)
    try:
        db.session.commit()
    except IntegrityError:  # already revoked
        db.session.rollback()


def is_token_revoked(claims: t.Mapping[str, t.Any]) -> bool:
    """Whether the token with ``claims`` is no longer valid: logged out, or of an older
    version than its user's tokens (see :meth:`User.revoke_tokens`), or its user is gone."""
    if db.session.scalar(sa.select(RevokedToken.id).where(RevokedToken.jti == claims["jti"])):
        return True
    try:
        user = db.session.get(User, int(claims["sub"]))
    except (TypeError, ValueError):
        return True
    return user is None or claims.get("ver") != user.token_version


def purge_expired(now: datetime | None = None) -> int:
    """Delete the blocklist rows of tokens that have expired; return how many."""
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    result = db.session.execute(sa.delete(RevokedToken).where(RevokedToken.expires_at < now))
    db.session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
