"""Encoding and decoding the tokens with PyJWT (Flask-JWT-Extended's
``flask_jwt_extended.tokens``). These functions take every setting as an argument; the
:class:`~erlen.ext.jwt.JWTManager` fills them in from the config and its callbacks."""

from __future__ import annotations

import json
import typing as t
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from hmac import compare_digest

import jwt

from .exceptions import CSRFError, JWTDecodeError

if t.TYPE_CHECKING:  # pragma: no cover
    from .typing import ExpiresDelta, Fresh

__all__: list[str] = []


def _encode_jwt(
    algorithm: str,
    audience: str | Iterable[str] | None,
    claim_overrides: dict[str, t.Any],
    csrf: bool,
    expires_delta: ExpiresDelta,
    fresh: Fresh,
    header_overrides: dict[str, t.Any],
    identity: t.Any,
    identity_claim_key: str,
    issuer: str | None,
    json_encoder: type[json.JSONEncoder],
    secret: t.Any,
    token_type: str,
    nbf: bool,
) -> str:
    now = datetime.now(timezone.utc)
    if isinstance(fresh, timedelta):
        fresh = (now + fresh).timestamp()
    token_data: dict[str, t.Any] = {
        "fresh": fresh,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "type": token_type,
        identity_claim_key: identity,
    }
    if nbf:
        token_data["nbf"] = now
    if csrf:
        token_data["csrf"] = str(uuid.uuid4())
    if audience:
        token_data["aud"] = audience
    if issuer:
        token_data["iss"] = issuer
    # Flask-JWT-Extended tests the delta's truth, so timedelta(0) made a token that never
    # expires; here only False does.
    if expires_delta is not False:
        token_data["exp"] = now + expires_delta
    token_data.update(claim_overrides)
    return jwt.encode(
        token_data, secret, algorithm, json_encoder=json_encoder, headers=header_overrides
    )


def _decode_jwt(
    algorithms: list[str],
    allow_expired: bool,
    audience: str | Iterable[str] | None,
    csrf_value: str | None,
    encoded_token: str,
    identity_claim_key: str,
    issuer: str | None,
    leeway: int,
    secret: t.Any,
    verify_aud: bool,
    verify_sub: bool,
) -> dict[str, t.Any]:
    options: dict[str, t.Any] = {"verify_aud": verify_aud, "verify_sub": verify_sub}
    if allow_expired:
        options["verify_exp"] = False
    # PyJWT checks the signature, exp, nbf, iat, and aud/iss when asked.
    decoded: dict[str, t.Any] = jwt.decode(
        encoded_token,
        secret,
        algorithms=algorithms,
        audience=audience,
        issuer=issuer,
        leeway=leeway,
        options=options,  # type: ignore[arg-type]
    )
    if identity_claim_key not in decoded:
        raise JWTDecodeError(f"Missing claim: {identity_claim_key}")
    decoded.setdefault("type", "access")
    decoded.setdefault("fresh", False)
    decoded.setdefault("jti", None)
    if csrf_value:
        if "csrf" not in decoded:
            raise JWTDecodeError("Missing claim: csrf")
        expected = decoded["csrf"]
        # Compared as bytes: compare_digest refuses non-ASCII str, and a hostile header or
        # claim must give the 401, not a 500.
        if not isinstance(expected, str) or not compare_digest(
            expected.encode("utf-8", "surrogateescape"),
            csrf_value.encode("utf-8", "surrogateescape"),
        ):
            raise CSRFError("CSRF double submit tokens do not match")
    return decoded


def _unverified(encoded_token: str) -> tuple[dict[str, t.Any], dict[str, t.Any]]:
    """The header and the payload of a token, without checking anything but its form (a
    malformed token raises PyJWT's ``DecodeError``)."""
    parts = jwt.decode_complete(encoded_token, options={"verify_signature": False})
    return parts["header"], parts["payload"]
