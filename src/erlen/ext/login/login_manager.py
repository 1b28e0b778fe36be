"""The :class:`LoginManager` (Flask-Login's ``flask_login.login_manager``)."""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta, timezone

from erlen.ctx import after_this_request
from erlen.globals import current_app, g, request, session
from erlen.helpers import abort, flash, redirect

from ._callbacks import Steps, run_async, run_sync
from .config import (
    COOKIE_DURATION,
    COOKIE_HTTPONLY,
    COOKIE_NAME,
    COOKIE_SAMESITE,
    COOKIE_SECURE,
    ID_ATTRIBUTE,
    LOGIN_MESSAGE,
    LOGIN_MESSAGE_CATEGORY,
    REFRESH_MESSAGE,
    REFRESH_MESSAGE_CATEGORY,
    SESSION_KEYS,
    USE_SESSION_FOR_NEXT,
)
from .mixins import AnonymousUserMixin
from .signals import (
    session_protected,
    user_accessed,
    user_loaded_from_cookie,
    user_loaded_from_request,
    user_needs_refresh,
    user_unauthorized,
)
from .utils import (
    _create_identifier,
    _template_context,
    decode_cookie,
    encode_cookie,
    expand_login_view,
    login_url,
    make_next_param,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen.app import Flask
    from erlen.wrappers import Response

__all__ = ["LoginManager"]

C = t.TypeVar("C", bound=t.Callable[..., t.Any])


class LoginManager:
    """Holds the login settings and callbacks; bind it to apps with :meth:`init_app`.

    One manager may serve several apps. ``init_app`` stores it as ``app.login_manager`` and
    makes ``current_user`` available to templates. Nothing runs on requests that don't use
    the login: the user is loaded on first use of ``current_user`` and the remember-me
    cookie is only written by requests that log in, log out, or (with
    ``REMEMBER_COOKIE_REFRESH_EACH_REQUEST``) load a remembered user.

    The callbacks (``user_loader``, ``request_loader``, ``unauthorized_handler``,
    ``needs_refresh_handler``) may be ``async def``.
    """

    def __init__(self, app: Flask | None = None, add_context_processor: bool = True) -> None:
        #: Class or factory of the user object when nobody is logged in.
        self.anonymous_user: t.Callable[[], t.Any] = AnonymousUserMixin
        #: Endpoint name or URL of the login page that :meth:`unauthorized` redirects to.
        self.login_view: str | None = None
        #: Login views per blueprint name (``None``: requests outside any blueprint); a
        #: blueprint missing here, or mapped to ``None``, uses :attr:`login_view`.
        self.blueprint_login_views: dict[str | None, str | None] = {}
        #: Message flashed on the way to the login view (falsy: none).
        self.login_message: str | None = LOGIN_MESSAGE
        #: Category of :attr:`login_message`.
        self.login_message_category = LOGIN_MESSAGE_CATEGORY
        #: Endpoint name or URL of the page that re-authenticates a stale login.
        self.refresh_view: str | None = None
        #: Message flashed on the way to :attr:`refresh_view` (falsy: none).
        self.needs_refresh_message: str | None = REFRESH_MESSAGE
        #: Category of :attr:`needs_refresh_message`.
        self.needs_refresh_message_category = REFRESH_MESSAGE_CATEGORY
        #: ``"basic"`` (default), ``"strong"`` or ``None``; ``SESSION_PROTECTION`` in the
        #: config overrides it. On a request from another address or User-Agent than the
        #: login's, basic marks the login non-fresh and strong logs the user out (a
        #: permanent session is only marked non-fresh).
        self.session_protection: str | None = "basic"
        #: Called with each flashed message to translate it.
        self.localize_callback: t.Callable[[str], str] | None = None
        #: Set by :meth:`unauthorized_handler`.
        self.unauthorized_callback: t.Callable[[], t.Any] | None = None
        #: Set by :meth:`needs_refresh_handler`.
        self.needs_refresh_callback: t.Callable[[], t.Any] | None = None
        #: Name of the user method returning the id to store in the session.
        self.id_attribute = ID_ATTRIBUTE
        self._user_callback: t.Callable[[str], t.Any] | None = None
        self._request_callback: t.Callable[[t.Any], t.Any] | None = None
        self._session_identifier_generator: t.Callable[[], str] = _create_identifier
        if app is not None:
            self.init_app(app, add_context_processor)

    def init_app(self, app: Flask, add_context_processor: bool = True) -> None:
        """Attach this manager to ``app`` as ``app.login_manager``; with
        ``add_context_processor``, templates get ``current_user``."""
        t.cast(t.Any, app).login_manager = self
        if add_context_processor:
            app.context_processor(_template_context)

    # -- callbacks -----------------------------------------------------------------------

    def user_loader(self, callback: C) -> C:
        """Register the function that returns the user for an id (a ``str``) stored in
        the session, or ``None`` if there is no such user. It may be ``async def``."""
        self._user_callback = callback
        return callback

    @property
    def user_callback(self) -> t.Callable[[str], t.Any] | None:
        """The function registered with :meth:`user_loader`."""
        return self._user_callback

    def request_loader(self, callback: C) -> C:
        """Register a function that returns the user for a request (from an API key in a
        header, say) or ``None``; it is tried when the session names no user. It may be
        ``async def``."""
        self._request_callback = callback
        return callback

    @property
    def request_callback(self) -> t.Callable[[t.Any], t.Any] | None:
        """The function registered with :meth:`request_loader`."""
        return self._request_callback

    def unauthorized_handler(self, callback: C) -> C:
        """Register what :meth:`unauthorized` returns instead of its redirect or 401."""
        self.unauthorized_callback = callback
        return callback

    def needs_refresh_handler(self, callback: C) -> C:
        """Register what :meth:`needs_refresh` returns instead of its redirect or 401."""
        self.needs_refresh_callback = callback
        return callback

    # -- unauthorized / needs refresh ------------------------------------------------------

    def unauthorized(self) -> t.Any:
        """The response for a user who must log in; return it from the view.

        Sends ``user_unauthorized``, then returns the :meth:`unauthorized_handler`'s
        result if there is one. Otherwise flashes :attr:`login_message` and redirects to
        the blueprint's or app's login view with the current URL as ``next`` (or in
        ``session["next"]`` with ``USE_SESSION_FOR_NEXT``); without a login view, aborts
        with 401.
        """
        return run_sync(self._unauthorized_steps())

    async def aunauthorized(self) -> t.Any:
        """:meth:`unauthorized` for async code: an ``async def`` handler is awaited."""
        return await run_async(self._unauthorized_steps())

    def needs_refresh(self) -> t.Any:
        """The response for a user whose login is not fresh; return it from the view.

        Sends ``user_needs_refresh``, then returns the :meth:`needs_refresh_handler`'s
        result if there is one. Otherwise flashes :attr:`needs_refresh_message` and
        redirects to :attr:`refresh_view` with ``next``; without one, aborts with 401.
        """
        return run_sync(self._needs_refresh_steps())

    async def aneeds_refresh(self) -> t.Any:
        """:meth:`needs_refresh` for async code: an ``async def`` handler is awaited."""
        return await run_async(self._needs_refresh_steps())

    def _unauthorized_steps(self) -> Steps[t.Any]:
        if user_unauthorized.receivers:
            user_unauthorized.send(current_app._get_current_object())  # type: ignore[attr-defined]
        if self.unauthorized_callback is not None:
            return (yield self.unauthorized_callback, ())
        login_view = self._login_view_for(request.blueprints)
        if not login_view:
            abort(401)
        return self._redirect_to(login_view, self.login_message, self.login_message_category)

    def _needs_refresh_steps(self) -> Steps[t.Any]:
        if user_needs_refresh.receivers:
            user_needs_refresh.send(current_app._get_current_object())  # type: ignore[attr-defined]
        if self.needs_refresh_callback is not None:
            return (yield self.needs_refresh_callback, ())
        if not self.refresh_view:
            abort(401)
        return self._redirect_to(
            self.refresh_view, self.needs_refresh_message, self.needs_refresh_message_category
        )

    def _login_view_for(self, blueprints: list[str]) -> str | None:
        # A nested blueprint without a login view of its own uses its parent's.
        views = self.blueprint_login_views
        for name in blueprints:
            view = views.get(name)
            if view:
                return view
        return self.login_view or views.get(None)

    def _redirect_to(self, view: str, message: str | None, category: str) -> t.Any:
        if message:
            if self.localize_callback is not None:
                message = self.localize_callback(message)
            flash(message, category=category)
        if current_app.config.get("USE_SESSION_FOR_NEXT", USE_SESSION_FOR_NEXT):
            # A fresh identifier keeps strong session protection from dropping "next".
            session["_id"] = self._session_identifier_generator()
            session["next"] = make_next_param(expand_login_view(view), request.url)
            return redirect(login_url(view))
        return redirect(login_url(view, next_url=request.url))

    # -- loading the user ----------------------------------------------------------------

    def _update_request_context_with_user(self, user: t.Any = None) -> None:
        """Make ``user`` (default: a new anonymous user) the current user of this request."""
        if user is None:
            user = self.anonymous_user()
        g._login_user = user

    def _load_user(self) -> None:
        """Load the current user into this request (from the session, the remember-me
        cookie or the request loader), calling ``async def`` loaders through the app."""
        run_sync(self._load_user_steps())

    def _load_user_steps(self) -> Steps[None]:
        if self._user_callback is None and self._request_callback is None:
            raise RuntimeError(
                "Missing user_loader or request_loader. Register one with"
                " @login_manager.user_loader (a function returning the user for an id)."
            )
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        if user_accessed.receivers:
            user_accessed.send(app)
        if self._session_protection_failed(app):
            self._update_request_context_with_user()
            return

        user = None
        user_id = session.get("_user_id")
        if user_id is not None and self._user_callback is not None:
            user = yield self._user_callback, (user_id,)

        if user is None:
            cookie_name = app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
            cookie = request.cookies.get(cookie_name)
            if cookie is not None and session.get("_remember") != "clear":
                user = yield from self._user_from_cookie_steps(app, cookie)
            elif self._request_callback is not None:
                user = yield self._request_callback, (request._get_current_object(),)  # type: ignore[attr-defined]
                if user is not None and user_loaded_from_request.receivers:
                    user_loaded_from_request.send(app, user=user)

        if user is not None and "_user_id" in session:
            if app.config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST"):
                self._schedule_cookie_update()
        self._update_request_context_with_user(user)

    def _user_from_cookie_steps(self, app: Flask, cookie: str) -> Steps[t.Any]:
        user_id = decode_cookie(cookie)
        if user_id is None:
            return None
        session["_user_id"] = user_id
        session["_fresh"] = False
        if self._user_callback is None:
            return None
        user = yield self._user_callback, (user_id,)
        if user is not None and user_loaded_from_cookie.receivers:
            user_loaded_from_cookie.send(app, user=user)
        return user

    def _session_protection_failed(self, app: Flask) -> bool:
        """Apply session protection; ``True`` when it logged the user out."""
        mode = app.config.get("SESSION_PROTECTION", self.session_protection)
        if mode not in ("basic", "strong"):
            return False
        sess = session._get_current_object()  # type: ignore[attr-defined]
        # An empty session is an anonymous user or a fresh logout: nothing to protect.
        if not sess or self._session_identifier_generator() == sess.get("_id"):
            return False
        if mode == "basic" or sess.permanent:
            if sess.get("_fresh") is not False:
                sess["_fresh"] = False
            if session_protected.receivers:
                session_protected.send(app)
            return False
        for key in SESSION_KEYS:
            sess.pop(key, None)
        sess["_remember"] = "clear"
        self._schedule_cookie_update()
        if session_protected.receivers:
            session_protected.send(app)
        return True

    # -- the remember-me cookie ----------------------------------------------------------

    def _schedule_cookie_update(self) -> None:
        """Have this request's response set or clear the remember-me cookie (once)."""
        req = request._get_current_object()  # type: ignore[attr-defined]
        # g may outlive one request (an app context pushed around several), so the mark
        # names the request it was made for.
        if g.get("_login_cookie_update") is not req:
            g._login_cookie_update = req
            after_this_request(self._update_remember_cookie)

    def _update_remember_cookie(self, response: Response) -> Response:
        """Set or delete the remember-me cookie as ``session["_remember"]`` asks."""
        if "_remember" not in session and current_app.config.get(
            "REMEMBER_COOKIE_REFRESH_EACH_REQUEST"
        ):
            session["_remember"] = "set"
        operation = session.pop("_remember", None)
        if operation == "set" and "_user_id" in session:
            self._set_cookie(response)
        elif operation == "clear":
            self._clear_cookie(response)
        return response

    def _set_cookie(self, response: Response) -> None:
        config = current_app.config
        if "_remember_seconds" in session:
            duration = timedelta(seconds=session["_remember_seconds"])
        else:
            duration = config.get("REMEMBER_COOKIE_DURATION", COOKIE_DURATION)
            if isinstance(duration, int) and not isinstance(duration, bool):
                duration = timedelta(seconds=duration)
        if not isinstance(duration, timedelta):
            raise TypeError(
                f"REMEMBER_COOKIE_DURATION must be a datetime.timedelta, instead got: {duration}"
            )
        response.set_cookie(
            config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME),
            value=encode_cookie(str(session["_user_id"])),
            expires=datetime.now(timezone.utc) + duration,
            domain=config.get("REMEMBER_COOKIE_DOMAIN"),
            path=config.get("REMEMBER_COOKIE_PATH", "/"),
            secure=config.get("REMEMBER_COOKIE_SECURE", COOKIE_SECURE),
            httponly=config.get("REMEMBER_COOKIE_HTTPONLY", COOKIE_HTTPONLY),
            samesite=config.get("REMEMBER_COOKIE_SAMESITE", COOKIE_SAMESITE),
        )

    def _clear_cookie(self, response: Response) -> None:
        config = current_app.config
        response.delete_cookie(
            config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME),
            domain=config.get("REMEMBER_COOKIE_DOMAIN"),
            path=config.get("REMEMBER_COOKIE_PATH", "/"),
        )
