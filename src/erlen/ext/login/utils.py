"""Logging users in and out, the view decorators, login URLs and the remember-me cookie
(Flask-Login's ``flask_login.utils``).

``current_user`` is loaded lazily, once per request, on first use. In ``async def`` views
``login_required`` and ``fresh_login_required`` load it by awaiting an ``async def``
``user_loader``; elsewhere in async code ``await aget_user()`` does the same.
"""

from __future__ import annotations

import typing as t
from hashlib import sha512
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from itsdangerous.signer import HMACAlgorithm

from erlen.ctx import has_request_context
from erlen.globals import current_app, g, request, session
from erlen.helpers import url_for
from erlen.local import LocalProxy

from .. import _steps
from ._callbacks import run_async
from .config import COOKIE_NAME, EXEMPT_METHODS, USE_SESSION_FOR_NEXT
from .signals import user_logged_in, user_logged_out, user_login_confirmed

if t.TYPE_CHECKING:  # pragma: no cover
    from datetime import timedelta

    from erlen.blueprints import Blueprint

    from .login_manager import LoginManager

__all__ = [
    "aget_user",
    "confirm_login",
    "current_user",
    "decode_cookie",
    "encode_cookie",
    "expand_login_view",
    "fresh_login_required",
    "login_fresh",
    "login_remembered",
    "login_required",
    "login_url",
    "login_user",
    "logout_user",
    "make_next_param",
    "safe_next_url",
    "set_login_view",
]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

#: The user of the current request: the logged-in user, else the manager's anonymous user
#: (``None`` outside a request). Works in views, templates and anything that runs with a
#: request context pushed.
current_user: t.Any = LocalProxy(lambda: _get_user())

# The remember-me cookie is Flask-Login's "<user id>|<hex HMAC-SHA512>", so cookies set by a
# Flask app with the same SECRET_KEY stay valid here; itsdangerous computes and checks the MAC.
_COOKIE_MAC = HMACAlgorithm(sha512)


def _manager(app: t.Any = None) -> LoginManager:
    """The app's LoginManager, or a RuntimeError saying how to set one up."""
    if app is None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        return t.cast("LoginManager", app.login_manager)
    except AttributeError:
        raise RuntimeError(
            "No LoginManager is set up for this app. Create one with LoginManager(app), or"
            " call login_manager.init_app(app) in the app factory."
        ) from None


def encode_cookie(payload: str, key: str | bytes | None = None) -> str:
    """Sign ``payload`` for the remember-me cookie with ``key`` (default ``SECRET_KEY``)."""
    return f"{payload}|{_cookie_digest(payload, key=key)}"


def decode_cookie(cookie: str, key: str | bytes | None = None) -> str | None:
    """The payload of a cookie made by :func:`encode_cookie`, or ``None`` if its signature
    does not verify (or it is not such a cookie)."""
    payload, sep, digest = cookie.rpartition("|")
    if not sep:
        return None
    try:
        signature = bytes.fromhex(digest)
    except ValueError:
        return None
    if _COOKIE_MAC.verify_signature(_secret_key(key), payload.encode("utf-8"), signature):
        return payload
    return None


def make_next_param(login_url: str, current_url: str) -> str:
    """``current_url`` reduced to its path and query when it is on the login URL's scheme
    and host (so the ``next`` value stays short and relative); unchanged otherwise."""
    login = urlsplit(login_url)
    current = urlsplit(current_url)
    if (not login.scheme or login.scheme == current.scheme) and (
        not login.netloc or login.netloc == current.netloc
    ):
        return urlunsplit(("", "", current.path, current.query, ""))
    return current_url


def expand_login_view(login_view: str) -> str:
    """The URL of ``login_view``: an endpoint name is built with ``url_for``; a URL
    (``http://``, ``https://`` or starting with ``/``) is returned as it is."""
    if login_view.startswith(("https://", "http://", "/")):
        return login_view
    return url_for(login_view)


def login_url(login_view: str, next_url: str | None = None, next_field: str = "next") -> str:
    """The URL of the login page, with ``next_field=next_url`` added to its query string.

    ``next_url`` is shortened with :func:`make_next_param`. ``FORCE_HOST_FOR_REDIRECTS``
    in the config, when set, replaces the host of the result, so a forged ``Host`` or
    ``X-Forwarded-Host`` header cannot send the user to another site.
    """
    base = expand_login_view(login_view)
    if next_url is None:
        return base
    parts = urlsplit(base)
    query = parse_qs(parts.query, keep_blank_values=True)
    query[next_field] = [make_next_param(base, next_url)]
    netloc = current_app.config.get("FORCE_HOST_FOR_REDIRECTS") or parts.netloc
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, doseq=True)))


def safe_next_url(default: str = "/", next_field: str = "next") -> str:
    """Where to go after logging in: the ``next`` the login redirect carried (the query
    argument, or ``session["next"]`` with ``USE_SESSION_FOR_NEXT``), if it stays on this
    site; else ``default``.

    An addition to Flask-Login's API, which leaves this check to every login view. A value
    is kept when it is a path on this site or an ``http``/``https`` URL on the request's
    host; ``//other.example``, ``/\\other.example``, other hosts and other schemes are
    refused.
    """
    if current_app.config.get("USE_SESSION_FOR_NEXT", USE_SESSION_FOR_NEXT):
        target = session.get(next_field)
    else:
        target = request.args.get(next_field)
    if isinstance(target, str) and _is_local_url(target):
        return target
    return default


def _is_local_url(target: str) -> bool:
    # Browsers read a backslash as a slash and drop tabs and newlines inside URLs.
    cleaned = target.replace("\\", "/")
    if any(c in cleaned for c in "\t\r\n") or not cleaned.isprintable():
        return False
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return False
    if not parts.scheme and not parts.netloc:
        return cleaned.startswith("/") and not cleaned.startswith("//")
    return parts.scheme in ("http", "https") and parts.netloc == request.host


def login_fresh() -> bool:
    """Whether the current login is fresh (made with a password in this session, not
    restored from the remember-me cookie)."""
    return bool(session.get("_fresh", False))


def login_remembered() -> bool:
    """Whether the request carries a valid remember-me cookie."""
    cookie_name = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
    cookie = request.cookies.get(cookie_name)
    if cookie is None or session.get("_remember") == "clear":
        return False
    return decode_cookie(cookie) is not None


def login_user(
    user: t.Any,
    remember: bool = False,
    duration: timedelta | None = None,
    force: bool = False,
    fresh: bool = True,
) -> bool:
    """Log ``user`` in for this session; ``False`` (and nothing done) if the user is not
    active, unless ``force``.

    ``remember`` also sets the remember-me cookie, for ``duration`` (a ``timedelta``) or
    ``REMEMBER_COOKIE_DURATION``. ``fresh=False`` marks the login as not fresh.
    """
    if not force and not user.is_active:
        return False
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    manager = _manager(app)
    session["_user_id"] = getattr(user, manager.id_attribute)()
    session["_fresh"] = fresh
    session["_id"] = manager._session_identifier_generator()
    if remember:
        session["_remember"] = "set"
        if duration is not None:
            try:
                session["_remember_seconds"] = duration.total_seconds()
            except AttributeError:
                raise TypeError(
                    f"duration must be a datetime.timedelta, instead got: {duration}"
                ) from None
        manager._schedule_cookie_update()
    manager._update_request_context_with_user(user)
    if user_logged_in.receivers:
        user_logged_in.send(app, user=user)
    return True


def logout_user() -> bool:
    """Log the current user out and, if the remember-me cookie was sent, delete it."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    manager = _manager(app)
    # Loading a user only to hand it to nobody would cost a user_loader call.
    user = _get_user() if user_logged_out.receivers else None
    for key in ("_user_id", "_fresh", "_id"):
        if key in session:
            session.pop(key)
    if app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies:
        session["_remember"] = "clear"
        if "_remember_seconds" in session:
            session.pop("_remember_seconds")
        manager._schedule_cookie_update()
    if user_logged_out.receivers:
        user_logged_out.send(app, user=user)
    manager._update_request_context_with_user()
    return True


def confirm_login() -> None:
    """Mark the current login fresh again (after the user re-entered a password)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    session["_fresh"] = True
    session["_id"] = _manager(app)._session_identifier_generator()
    if user_login_confirmed.receivers:
        user_login_confirmed.send(app)


def login_required(func: F) -> F:
    """Let the view run only for an authenticated user; others get
    ``LoginManager.unauthorized()`` (a redirect to the login view, or 401).

    ``OPTIONS`` requests and ``LOGIN_DISABLED`` skip the check. On an ``async def`` view
    the wrapper is ``async def`` too and awaits an ``async def`` user loader.
    """
    return _protect(func, fresh=False)


def fresh_login_required(func: F) -> F:
    """Like :func:`login_required`, and a login restored from the remember-me cookie gets
    ``LoginManager.needs_refresh()`` instead of the view."""
    return _protect(func, fresh=True)


def _exempt() -> bool:
    return request.method in EXEMPT_METHODS or bool(current_app.config.get("LOGIN_DISABLED"))


def _protect(func: F, fresh: bool) -> F:
    async def async_view(*args: t.Any, **kwargs: t.Any) -> t.Any:
        if not _exempt():
            user = await aget_user()
            if not user.is_authenticated:
                return await _manager().aunauthorized()
            if fresh and not login_fresh():
                return await _manager().aneeds_refresh()
        return await func(*args, **kwargs)

    def view(*args: t.Any, **kwargs: t.Any) -> t.Any:
        if not _exempt():
            if not current_user.is_authenticated:
                return _manager().unauthorized()
            if fresh and not login_fresh():
                return _manager().needs_refresh()
        return current_app.ensure_sync(func)(*args, **kwargs)

    return _steps.wrap(func, view, async_view)


def set_login_view(login_view: str, blueprint: Blueprint | None = None) -> None:
    """Set the login view of the current app, or of ``blueprint``.

    Once any blueprint has its own, the app-wide view moves to the ``None`` key of
    ``blueprint_login_views``, as in Flask-Login.
    """
    manager = _manager()
    views = manager.blueprint_login_views
    if blueprint is None and not views:
        manager.login_view = login_view
        return
    if blueprint is not None:
        views[blueprint.name] = login_view
    else:
        # The None key serves requests outside any blueprint.
        views[None] = login_view
    if manager.login_view is not None and None not in views:
        views[None] = manager.login_view
    manager.login_view = None


def _get_user() -> t.Any:
    """The current user, loaded on first use in this request; ``None`` without a request."""
    if not has_request_context():
        return None
    if "_login_user" not in g:
        _manager()._load_user()
    return g._login_user


async def aget_user() -> t.Any:
    """The current user, loaded on first use in this request, awaiting an ``async def``
    ``user_loader`` or ``request_loader``; ``None`` without a request.

    An addition to Flask-Login's API for async code: after it, ``current_user`` is the
    loaded user and reading it costs no further call.
    """
    if not has_request_context():
        return None
    if "_login_user" not in g:
        await run_async(_manager()._load_user_steps())
    return g._login_user


def _cookie_digest(payload: str, key: str | bytes | None = None) -> str:
    return _COOKIE_MAC.get_signature(_secret_key(key), payload.encode("utf-8")).hex()


def _secret_key(key: str | bytes | None = None) -> bytes:
    """``key`` (default: ``SECRET_KEY``) as bytes; a str is Latin-1 as in Flask-Login, or
    UTF-8 when it has characters Latin-1 lacks."""
    if key is None:
        key = current_app.config.get("SECRET_KEY")
        if not key:
            raise RuntimeError(
                "The remember-me cookie is signed with the app's secret key, and none is"
                " set. Set app.secret_key (SECRET_KEY in the config)."
            )
    if isinstance(key, str):
        try:
            return key.encode("latin1")
        except UnicodeEncodeError:
            return key.encode("utf-8")
    return key


def _get_remote_addr() -> bytes | None:
    address = request.headers.get("X-Forwarded-For", request.remote_addr)
    if address is None:
        return None
    # The first address of X-Forwarded-For is the client's.
    return address.encode("utf-8").split(b",")[0].strip()


def _create_identifier() -> str:
    """A digest of the client's address and User-Agent, stored as ``session["_id"]`` at
    login; session protection compares it on later requests."""
    agent = request.headers.get("User-Agent")
    agent_bytes = agent.encode("utf-8") if agent is not None else None
    # The digest input is Flask-Login's exact text (the reprs of the two byte strings),
    # so a session created by a Flask app is not seen as moved to another client.
    base = f"{_get_remote_addr()!r}|{agent_bytes!r}"
    return sha512(base.encode("utf-8")).hexdigest()


def _user_context_processor() -> dict[str, t.Any]:
    """Flask-Login's template context processor: ``current_user`` (loaded now)."""
    return {"current_user": _get_user()}


def _template_context() -> dict[str, t.Any]:
    # The proxy, not the user: a template that never reads current_user loads no user.
    return {"current_user": current_user}
