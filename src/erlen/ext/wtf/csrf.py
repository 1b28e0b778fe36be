"""CSRF protection (Flask-WTF's ``flask_wtf.csrf``).

A random token is kept in the session; pages get it signed and timestamped by
itsdangerous (:func:`generate_csrf`, ``{{ csrf_token() }}`` in templates), and a state-changing
request must send it back in a form field or an ``X-CSRFToken``/``X-CSRF-Token`` header
(:func:`validate_csrf`). :class:`CSRFProtect` checks every such request of an app; a
:class:`~erlen.ext.wtf.FlaskForm` checks its own ``csrf_token`` field.

Tokens are Flask-WTF's (same serializer and salt), so a page rendered by a Flask app with the
same secret key validates here and the other way round.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import typing as t
from urllib.parse import urlsplit

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from markupsafe import Markup, escape
from wtforms import ValidationError
from wtforms.csrf.core import CSRF

from erlen.blueprints import Blueprint
from erlen.exceptions import BadRequest
from erlen.globals import current_app, g, request, session

if t.TYPE_CHECKING:  # pragma: no cover
    from wtforms.csrf.core import CSRFTokenField
    from wtforms.fields.core import UnboundField
    from wtforms.form import BaseForm

    from erlen.app import Flask

__all__ = ["CSRFError", "CSRFProtect", "csrf_meta_tag", "generate_csrf", "validate_csrf"]

#: Logs why a token was refused, at INFO level.
logger = logging.getLogger(__name__)

V = t.TypeVar("V")

_SALT = "wtf-csrf-token"


def _new_raw_token() -> str:
    return secrets.token_hex(20)


def generate_csrf(secret_key: str | bytes | None = None, token_key: str | None = None) -> str:
    """The signed CSRF token for this request (the same on every call in a request).

    The raw token lives in ``session[token_key]`` and the signed one in ``g``.
    ``secret_key`` defaults to ``WTF_CSRF_SECRET_KEY``, else the app's secret key;
    ``token_key`` to ``WTF_CSRF_FIELD_NAME``, else ``"csrf_token"``.
    """
    secret_key, field_name = _key_and_field(secret_key, token_key)
    if field_name not in g:
        serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
        if field_name not in session:
            session[field_name] = _new_raw_token()
        try:
            token = serializer.dumps(session[field_name])
        except TypeError:
            # Something unserializable sits under that session key: replace it.
            session[field_name] = _new_raw_token()
            token = serializer.dumps(session[field_name])
        setattr(g, field_name, token)
    return t.cast(str, g.get(field_name))


def validate_csrf(
    data: str | bytes | None,
    secret_key: str | bytes | None = None,
    time_limit: int | None = None,
    token_key: str | None = None,
) -> None:
    """Check that ``data`` is a valid signed token for this session.

    ``time_limit`` is in seconds (default ``WTF_CSRF_TIME_LIMIT``, else 3600; ``None`` in
    the config: no limit). Raises :class:`wtforms.ValidationError` saying why not.
    """
    secret_key, field_name = _key_and_field(secret_key, token_key)
    time_limit = _get_config(time_limit, "WTF_CSRF_TIME_LIMIT", 3600, required=False)

    if not data:
        raise ValidationError("The CSRF token is missing.")
    if not isinstance(data, (str, bytes)):
        # A JSON form can send a number or true where the token belongs.
        raise ValidationError("The CSRF token is invalid.")
    if field_name not in session:
        raise ValidationError("The CSRF session token is missing.")

    serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
    try:
        token = serializer.loads(data, max_age=time_limit)
    except SignatureExpired as e:
        raise ValidationError("The CSRF token has expired.") from e
    except BadData as e:
        raise ValidationError("The CSRF token is invalid.") from e

    expected = session[field_name]
    if not (
        isinstance(token, str)
        and isinstance(expected, str)
        and hmac.compare_digest(expected.encode(), token.encode())
    ):
        raise ValidationError("The CSRF tokens do not match.")


def csrf_meta_tag(
    name: str | None = None,
    secret_key: str | bytes | None = None,
    token_key: str | None = None,
) -> Markup:
    """``<meta name="csrf-token" content="...">`` carrying :func:`generate_csrf`'s token, for
    scripts to send back in the ``X-CSRFToken`` header. ``name`` defaults to
    ``WTF_CSRF_META_NAME``, else ``"csrf-token"``."""
    name = _get_config(name, "WTF_CSRF_META_NAME", "csrf-token")
    token = generate_csrf(secret_key=secret_key, token_key=token_key)
    return Markup(f'<meta name="{escape(name)}" content="{escape(token)}">')


def _key_and_field(secret_key: str | bytes | None, token_key: str | None) -> tuple[t.Any, str]:
    """The signing key and the session key of the token, from the arguments or the config."""
    secret_key = _get_config(
        secret_key,
        "WTF_CSRF_SECRET_KEY",
        current_app.secret_key,
        message="A secret key is required to use CSRF.",
    )
    field_name = _get_config(
        token_key,
        "WTF_CSRF_FIELD_NAME",
        "csrf_token",
        message="A field name is required to use CSRF.",
    )
    return secret_key, field_name


def _get_config(
    value: t.Any,
    config_name: str,
    default: t.Any = None,
    required: bool = True,
    message: str = "CSRF is not configured.",
) -> t.Any:
    """``value``, else ``app.config[config_name]``, else ``default``; a RuntimeError with
    ``message`` if that is ``None`` and ``required``."""
    if value is None:
        value = current_app.config.get(config_name, default)
    if required and value is None:
        raise RuntimeError(message)
    return value


class _FlaskFormCSRF(CSRF):
    """The CSRF implementation of :class:`~erlen.ext.wtf.FlaskForm`: the session token."""

    def setup_form(self, form: BaseForm) -> list[tuple[str, UnboundField[t.Any]]]:
        self.meta = form.meta
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field: CSRFTokenField) -> str:
        return generate_csrf(secret_key=self.meta.csrf_secret, token_key=self.meta.csrf_field_name)

    def validate_csrf_token(self, form: BaseForm, field: CSRFTokenField) -> None:
        if g.get("csrf_valid", False):
            return  # CSRFProtect already checked this request
        try:
            validate_csrf(
                field.data,
                self.meta.csrf_secret,
                self.meta.csrf_time_limit,
                self.meta.csrf_field_name,
            )
        except ValidationError as e:
            logger.info(e.args[0])
            raise


class CSRFProtect:
    """CSRF protection for every state-changing request of an app.

    ::

        csrf = CSRFProtect(app)

    Before each request whose method is in ``WTF_CSRF_METHODS`` (POST, PUT, PATCH, DELETE),
    the token must come in the ``WTF_CSRF_FIELD_NAME`` form field (also with a form
    prefix: ``<prefix>-csrf_token``) or one of the ``WTF_CSRF_HEADERS``; over HTTPS with
    ``WTF_CSRF_SSL_STRICT`` the ``Referer`` must also be this host. A failure raises
    :class:`CSRFError` (400). ``WTF_CSRF_ENABLED=False`` turns all checks off;
    ``WTF_CSRF_CHECK_DEFAULT=False`` leaves them to explicit :meth:`protect` calls. Views
    and blueprints marked with :meth:`exempt` are skipped.
    """

    def __init__(self, app: Flask | None = None) -> None:
        self._exempt_views: set[str] = set()
        self._exempt_blueprints: set[Blueprint] = set()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Register the check on ``app``, set the ``WTF_CSRF_*`` defaults and add
        ``csrf_token()`` and ``csrf_meta_tag()`` to its templates."""
        app.extensions["csrf"] = self
        config = app.config
        config.setdefault("WTF_CSRF_ENABLED", True)
        config.setdefault("WTF_CSRF_CHECK_DEFAULT", True)
        config["WTF_CSRF_METHODS"] = set(
            config.get("WTF_CSRF_METHODS", ["POST", "PUT", "PATCH", "DELETE"])
        )
        config.setdefault("WTF_CSRF_FIELD_NAME", "csrf_token")
        config.setdefault("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])
        config.setdefault("WTF_CSRF_META_NAME", "csrf-token")
        config.setdefault("WTF_CSRF_TIME_LIMIT", 3600)
        config.setdefault("WTF_CSRF_SSL_STRICT", True)

        # Globals rather than a context processor: nothing is computed for a template that
        # doesn't call them.
        app.jinja_env.globals["csrf_token"] = generate_csrf
        app.jinja_env.globals["csrf_meta_tag"] = csrf_meta_tag

        # PERF: a plain function (not a bound method) is what the app recognises as
        # synchronous without inspecting it, and the method test comes first because most
        # requests (GET) end there.
        def csrf_protect() -> None:
            config = current_app.config
            if request.method not in config["WTF_CSRF_METHODS"]:
                return
            if not config["WTF_CSRF_ENABLED"] or not config["WTF_CSRF_CHECK_DEFAULT"]:
                return
            self.protect(apply_exemptions=True)

        app.before_request(csrf_protect)

    def _get_csrf_token(self) -> str | None:
        config = current_app.config
        field_name = config["WTF_CSRF_FIELD_NAME"]
        form = request.form
        token = form.get(field_name)
        if token:
            return token
        # A form with a prefix names the field "<prefix>-csrf_token".
        for key in form:
            if key.endswith(field_name):
                token = form[key]
                if token:
                    return token
        for header in config["WTF_CSRF_HEADERS"]:
            token = request.headers.get(header)
            if token:
                return token
        return None

    def protect(self, apply_exemptions: bool = False) -> None:
        """Check the current request's CSRF token (and referrer over HTTPS); raise
        :class:`CSRFError` if it fails. Requests whose method is not in
        ``WTF_CSRF_METHODS`` pass. With ``apply_exemptions``, so do unrouted requests and
        views or blueprints marked with :meth:`exempt`.
        """
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return
        config = current_app.config
        if request.method not in config["WTF_CSRF_METHODS"]:
            return

        try:
            validate_csrf(self._get_csrf_token())
        except ValidationError as e:
            logger.info(e.args[0])
            self._error_response(e.args[0])

        if request.is_secure and config["WTF_CSRF_SSL_STRICT"]:
            referrer = request.referrer
            if not referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")

        g.csrf_valid = True

    def _is_exempt(self) -> bool:
        app = current_app
        blueprint = request.blueprint
        if blueprint is not None and app.blueprints.get(blueprint) in self._exempt_blueprints:
            return True
        view = app.view_functions.get(request.endpoint)  # type: ignore[arg-type]
        if view is None:
            return False
        return f"{view.__module__}.{view.__name__}" in self._exempt_views

    @t.overload
    def exempt(self, view: Blueprint) -> Blueprint: ...
    @t.overload
    def exempt(self, view: str) -> str: ...
    @t.overload
    def exempt(self, view: V) -> V: ...
    def exempt(self, view: t.Any) -> t.Any:
        """Exclude a view (the function, or its ``"module.name"``) or a blueprint from the
        automatic check; usable as a decorator. Nested blueprints are exempted each on its
        own, as in Flask-WTF."""
        if isinstance(view, Blueprint):
            self._exempt_blueprints.add(view)
            return view
        if isinstance(view, str):
            self._exempt_views.add(view)
        else:
            self._exempt_views.add(f"{view.__module__}.{view.__name__}")
        return view

    def _error_response(self, reason: str) -> t.NoReturn:
        raise CSRFError(reason)


class CSRFError(BadRequest):
    """A request's CSRF check failed: 400 Bad Request with the reason as its
    ``description``. Handle it with ``@app.errorhandler(CSRFError)`` for a custom page."""

    description = "CSRF validation failed."


def same_origin(current_uri: str, compare_uri: str) -> bool:
    """Whether two URLs have the same scheme, host and port; a malformed URL (a bad port,
    an unclosed IPv6 bracket) never matches."""
    try:
        current = urlsplit(current_uri)
        compare = urlsplit(compare_uri)
        return (
            current.scheme == compare.scheme
            and current.hostname == compare.hostname
            and current.port == compare.port
        )
    except ValueError:
        return False
