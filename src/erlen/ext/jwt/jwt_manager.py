"""The :class:`JWTManager` (Flask-JWT-Extended's ``flask_jwt_extended.jwt_manager``)."""

from __future__ import annotations

import typing as t
from datetime import timedelta

from jwt import (
    DecodeError,
    ExpiredSignatureError,
    InvalidAudienceError,
    InvalidIssuerError,
    InvalidTokenError,
    MissingRequiredClaimError,
)

from .. import _steps
from .config import config
from .default_callbacks import (
    default_additional_claims_callback,
    default_blocklist_callback,
    default_decode_key_callback,
    default_encode_key_callback,
    default_expired_token_callback,
    default_invalid_token_callback,
    default_jwt_headers_callback,
    default_needs_fresh_token_callback,
    default_revoked_token_callback,
    default_token_verification_callback,
    default_token_verification_failed_callback,
    default_unauthorized_callback,
    default_user_identity_callback,
    default_user_lookup_error_callback,
)
from .exceptions import (
    CSRFError,
    FreshTokenRequired,
    InvalidHeaderError,
    InvalidQueryParamError,
    JWTDecodeError,
    NoAuthorizationError,
    RevokedTokenError,
    UserClaimsVerificationError,
    UserLookupError,
    WrongTokenError,
)
from .internal_utils import Steps
from .tokens import _decode_jwt, _encode_jwt, _unverified
from .utils import current_user_context_processor

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen.app import Flask

    from .typing import ExpiresDelta, Fresh

__all__ = ["JWTManager"]

C = t.TypeVar("C", bound=t.Callable[..., t.Any])

#: What each error the extension handles is answered with: the manager's attribute holding
#: the callback, and whether the callback takes the message (else the header and payload).
_ERROR_CALLBACKS: dict[type[Exception], tuple[str, bool]] = {
    CSRFError: ("_unauthorized_callback", True),
    DecodeError: ("_invalid_token_callback", True),
    ExpiredSignatureError: ("_expired_token_callback", False),
    FreshTokenRequired: ("_needs_fresh_token_callback", False),
    MissingRequiredClaimError: ("_invalid_token_callback", True),
    InvalidAudienceError: ("_invalid_token_callback", True),
    InvalidIssuerError: ("_invalid_token_callback", True),
    InvalidHeaderError: ("_invalid_token_callback", True),
    InvalidTokenError: ("_invalid_token_callback", True),
    JWTDecodeError: ("_invalid_token_callback", True),
    NoAuthorizationError: ("_unauthorized_callback", True),
    InvalidQueryParamError: ("_invalid_token_callback", True),
    RevokedTokenError: ("_revoked_token_callback", False),
    UserClaimsVerificationError: ("_token_verification_failed_callback", False),
    UserLookupError: ("_user_lookup_error_callback", False),
    WrongTokenError: ("_invalid_token_callback", True),
}

#: The ``JWT_*`` settings and their defaults, set by :meth:`JWTManager.init_app` where the
#: app's config lacks them.
DEFAULT_CONFIG: dict[str, t.Any] = {
    "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=15),
    "JWT_ACCESS_COOKIE_NAME": "access_token_cookie",
    "JWT_ACCESS_COOKIE_PATH": "/",
    "JWT_ACCESS_CSRF_COOKIE_NAME": "csrf_access_token",
    "JWT_ACCESS_CSRF_COOKIE_PATH": "/",
    "JWT_ACCESS_CSRF_FIELD_NAME": "csrf_token",
    "JWT_ACCESS_CSRF_HEADER_NAME": "X-CSRF-TOKEN",
    "JWT_ALGORITHM": "HS256",
    "JWT_COOKIE_CSRF_PROTECT": True,
    "JWT_COOKIE_DOMAIN": None,
    "JWT_COOKIE_SAMESITE": None,
    "JWT_COOKIE_SECURE": False,
    "JWT_CSRF_CHECK_FORM": False,
    "JWT_CSRF_IN_COOKIES": True,
    "JWT_CSRF_METHODS": ["POST", "PUT", "PATCH", "DELETE"],
    "JWT_DECODE_ALGORITHMS": None,
    "JWT_DECODE_AUDIENCE": None,
    "JWT_DECODE_ISSUER": None,
    "JWT_DECODE_LEEWAY": 0,
    "JWT_ENCODE_AUDIENCE": None,
    "JWT_ENCODE_ISSUER": None,
    "JWT_ERROR_MESSAGE_KEY": "msg",
    "JWT_HEADER_NAME": "Authorization",
    "JWT_HEADER_TYPE": "Bearer",
    "JWT_IDENTITY_CLAIM": "sub",
    "JWT_JSON_KEY": "access_token",
    "JWT_PRIVATE_KEY": None,
    "JWT_PUBLIC_KEY": None,
    "JWT_QUERY_STRING_NAME": "jwt",
    "JWT_QUERY_STRING_VALUE_PREFIX": "",
    "JWT_REFRESH_COOKIE_NAME": "refresh_token_cookie",
    "JWT_REFRESH_COOKIE_PATH": "/",
    "JWT_REFRESH_CSRF_COOKIE_NAME": "csrf_refresh_token",
    "JWT_REFRESH_CSRF_COOKIE_PATH": "/",
    "JWT_REFRESH_CSRF_FIELD_NAME": "csrf_token",
    "JWT_REFRESH_CSRF_HEADER_NAME": "X-CSRF-TOKEN",
    "JWT_REFRESH_JSON_KEY": "refresh_token",
    "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=30),
    "JWT_SECRET_KEY": None,
    "JWT_SESSION_COOKIE": True,
    "JWT_TOKEN_LOCATION": ("headers",),
    "JWT_VERIFY_SUB": True,
    "JWT_ENCODE_NBF": True,
}


class JWTManager:
    """Holds the JWT callbacks; bind it to apps with :meth:`init_app`.

    One manager may serve several apps. ``init_app`` stores it in
    ``app.extensions["flask-jwt-extended"]``, sets the ``JWT_*`` defaults and registers the
    error handlers that answer token errors through the loader callbacks. Each loader may
    be ``async def``: the checks in ``@jwt_required`` on an ``async def`` view (and
    ``await averify_jwt_in_request()``, ``await acreate_access_token()``, ...) await them.
    """

    def __init__(self, app: Flask | None = None, add_context_processor: bool = False) -> None:
        self._decode_key_callback: t.Callable[..., t.Any] = default_decode_key_callback
        self._encode_key_callback: t.Callable[..., t.Any] = default_encode_key_callback
        self._expired_token_callback: t.Callable[..., t.Any] = default_expired_token_callback
        self._invalid_token_callback: t.Callable[..., t.Any] = default_invalid_token_callback
        self._jwt_additional_header_callback: t.Callable[..., t.Any] = default_jwt_headers_callback
        self._needs_fresh_token_callback: t.Callable[..., t.Any] = (
            default_needs_fresh_token_callback
        )
        self._revoked_token_callback: t.Callable[..., t.Any] = default_revoked_token_callback
        self._token_in_blocklist_callback: t.Callable[..., t.Any] = default_blocklist_callback
        self._token_verification_callback: t.Callable[..., t.Any] = (
            default_token_verification_callback
        )
        self._unauthorized_callback: t.Callable[..., t.Any] = default_unauthorized_callback
        self._user_claims_callback: t.Callable[..., t.Any] = default_additional_claims_callback
        self._user_identity_callback: t.Callable[..., t.Any] = default_user_identity_callback
        self._user_lookup_callback: t.Callable[..., t.Any] | None = None
        self._user_lookup_error_callback: t.Callable[..., t.Any] = (
            default_user_lookup_error_callback
        )
        self._token_verification_failed_callback: t.Callable[..., t.Any] = (
            default_token_verification_failed_callback
        )
        if app is not None:
            self.init_app(app, add_context_processor)

    def init_app(self, app: Flask, add_context_processor: bool = False) -> None:
        """Bind this manager to ``app``: store it, set the ``JWT_*`` defaults the config
        lacks and register the error handlers. With ``add_context_processor``, templates
        see ``current_user`` (the token's user, looked up by ``user_lookup_loader``)."""
        app.extensions["flask-jwt-extended"] = self
        if add_context_processor:
            app.context_processor(current_user_context_processor)
        for key, value in DEFAULT_CONFIG.items():
            # Copied: a list default changed in one app's config must not reach another.
            app.config.setdefault(key, list(value) if isinstance(value, list) else value)
        for exc_class, (attribute, takes_message) in _ERROR_CALLBACKS.items():
            app.register_error_handler(exc_class, self._error_handler(attribute, takes_message))

    def _error_handler(self, attribute: str, takes_message: bool) -> t.Callable[[Exception], t.Any]:
        def handle(e: Exception) -> t.Any:
            callback = getattr(self, attribute)
            if takes_message:
                return _steps.call_sync(callback, (str(e),))
            return _steps.call_sync(
                callback, (getattr(e, "jwt_header", {}), getattr(e, "jwt_data", {}))
            )

        return handle

    # -- loaders ---------------------------------------------------------------------------

    def additional_claims_loader(self, callback: C) -> C:
        """Register the function that returns extra claims (a dict) for an identity; they
        go into every new token, under the ``additional_claims`` given at creation."""
        self._user_claims_callback = callback
        return callback

    def additional_headers_loader(self, callback: C) -> C:
        """Register the function that returns extra JWT headers (a dict) for an identity;
        the ``additional_headers`` given at creation win over them."""
        self._jwt_additional_header_callback = callback
        return callback

    def decode_key_loader(self, callback: C) -> C:
        """Register the function ``(unverified_header, unverified_payload) -> key`` that
        picks the key verifying a token (think twice: its input is not verified yet)."""
        self._decode_key_callback = callback
        return callback

    def encode_key_loader(self, callback: C) -> C:
        """Register the function ``(identity) -> key`` that picks the key signing a new
        token."""
        self._encode_key_callback = callback
        return callback

    def expired_token_loader(self, callback: C) -> C:
        """Register the response for an expired token: ``(header, payload) -> response``
        (default 401 ``Token has expired``)."""
        self._expired_token_callback = callback
        return callback

    def invalid_token_loader(self, callback: C) -> C:
        """Register the response for an invalid token: ``(reason) -> response`` (default
        422 with the reason)."""
        self._invalid_token_callback = callback
        return callback

    def needs_fresh_token_loader(self, callback: C) -> C:
        """Register the response for a non-fresh token on a ``fresh=True`` view:
        ``(header, payload) -> response`` (default 401 ``Fresh token required``)."""
        self._needs_fresh_token_callback = callback
        return callback

    def revoked_token_loader(self, callback: C) -> C:
        """Register the response for a revoked token: ``(header, payload) -> response``
        (default 401 ``Token has been revoked``)."""
        self._revoked_token_callback = callback
        return callback

    def token_in_blocklist_loader(self, callback: C) -> C:
        """Register the function ``(header, payload) -> bool`` that says whether a token
        was revoked (look its ``jti`` up in a database or Redis)."""
        self._token_in_blocklist_callback = callback
        return callback

    def token_verification_failed_loader(self, callback: C) -> C:
        """Register the response when ``token_verification_loader`` refuses a token:
        ``(header, payload) -> response`` (default 400 ``User claims verification
        failed``)."""
        self._token_verification_failed_callback = callback
        return callback

    def token_verification_loader(self, callback: C) -> C:
        """Register an extra check of a valid token's claims: ``(header, payload) ->
        bool``."""
        self._token_verification_callback = callback
        return callback

    def unauthorized_loader(self, callback: C) -> C:
        """Register the response when no token is found (or a CSRF check fails):
        ``(reason) -> response`` (default 401 with the reason)."""
        self._unauthorized_callback = callback
        return callback

    def user_identity_loader(self, callback: C) -> C:
        """Register the function that turns the ``identity`` given to
        ``create_access_token`` (a user object, say) into the JSON value stored in the
        token (a string id)."""
        self._user_identity_callback = callback
        return callback

    def user_lookup_loader(self, callback: C) -> C:
        """Register the function ``(header, payload) -> user`` that loads the user of a
        token for ``current_user``; ``None`` means there is no such user (401)."""
        self._user_lookup_callback = callback
        return callback

    def user_lookup_error_loader(self, callback: C) -> C:
        """Register the response when ``user_lookup_loader`` returns ``None``:
        ``(header, payload) -> response`` (default 401 ``Error loading the user
        <identity>``)."""
        self._user_lookup_error_callback = callback
        return callback

    # -- encoding and decoding -------------------------------------------------------------

    def _encode_steps(
        self,
        identity: t.Any,
        token_type: str,
        claims: dict[str, t.Any] | None = None,
        fresh: Fresh = False,
        expires_delta: ExpiresDelta | None = None,
        headers: dict[str, t.Any] | None = None,
    ) -> Steps[str]:
        header_overrides = dict((yield self._jwt_additional_header_callback, (identity,)))
        if headers is not None:
            header_overrides.update(headers)
        claim_overrides = dict((yield self._user_claims_callback, (identity,)))
        if claims is not None:
            claim_overrides.update(claims)
        if expires_delta is None:
            expires_delta = (
                config.access_expires if token_type == "access" else config.refresh_expires
            )
        token_identity = yield self._user_identity_callback, (identity,)
        secret = yield self._encode_key_callback, (identity,)
        return _encode_jwt(
            algorithm=config.algorithm,
            audience=config.encode_audience,
            claim_overrides=claim_overrides,
            csrf=config.cookie_csrf_protect,
            expires_delta=expires_delta,
            fresh=fresh,
            header_overrides=header_overrides,
            identity=token_identity,
            identity_claim_key=config.identity_claim_key,
            issuer=config.encode_issuer,
            json_encoder=config.json_encoder,
            secret=secret,
            token_type=token_type,
            nbf=config.encode_nbf,
        )

    def _decode_steps(
        self, encoded_token: str, csrf_value: str | None = None, allow_expired: bool = False
    ) -> Steps[tuple[dict[str, t.Any], dict[str, t.Any]]]:
        """The verified header and payload of ``encoded_token``."""
        header, unverified_claims = _unverified(encoded_token)
        secret = yield self._decode_key_callback, (header, unverified_claims)
        audience = config.decode_audience
        kwargs: dict[str, t.Any] = {
            "algorithms": config.decode_algorithms,
            "audience": audience,
            "csrf_value": csrf_value,
            "encoded_token": encoded_token,
            "identity_claim_key": config.identity_claim_key,
            "issuer": config.decode_issuer,
            "leeway": config.leeway,
            "secret": secret,
            "verify_aud": audience is not None,
            "verify_sub": config.verify_sub,
        }
        try:
            return header, _decode_jwt(**kwargs, allow_expired=allow_expired)
        except ExpiredSignatureError as e:
            # The expired_token_loader callback gets the token's header and payload.
            e.jwt_header = header  # type: ignore[attr-defined]
            e.jwt_data = _decode_jwt(**kwargs, allow_expired=True)  # type: ignore[attr-defined]
            raise
