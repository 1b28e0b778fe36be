"""Application and request contexts (Flask's ``flask.ctx``), on :mod:`contextvars`.

A request pushes one :class:`RequestContext` (and an :class:`AppContext` if the app's is not
already active). erlen's dispatch receives the context object from the ContextVar directly;
the ``request``/``session``/``g``/``current_app`` proxies are for user code.

Difference from Flask: the session is opened lazily, on first access, when the app uses the
default cookie session interface, so a request that never touches ``session`` pays nothing.
"""

from __future__ import annotations

import contextvars
import sys
import typing as t
from functools import update_wrapper
from types import TracebackType

from . import globals as _globals, signals as _signals
from .exceptions import HTTPException
from .routing.map import _WEBSOCKET_SCHEMES, _server_name, _server_names
from .utils import cached_property

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment

    from .app import Flask
    from .sessions import SessionMixin
    from .wrappers import Request

__all__ = [
    "AppContext",
    "RequestContext",
    "after_this_request",
    "copy_current_request_context",
    "has_app_context",
    "has_request_context",
]

# PERF: bound by assignment, not import: see erlen.globals (method calls on 3.11).
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request
# PERF: the receivers of the signals that a push or pop checks, bound once (one global load
# instead of three): blinker keeps one dict per signal for its life and changes it in place.
_appcontext_pushed = _signals.appcontext_pushed.receivers
_appcontext_popped = _signals.appcontext_popped.receivers
_appcontext_tearing_down = _signals.appcontext_tearing_down.receivers
_request_tearing_down = _signals.request_tearing_down.receivers

_sentinel = object()
F = t.TypeVar("F", bound=t.Callable[..., t.Any])

#: How user code runs under ASGI (an ``erlen.asgi.bridge.Mode``), set by the ASGI adapter
#: for the context a request runs in; ``None`` under WSGI. ``Flask.ensure_sync`` reads it.
#: A ContextVar rather than a slot on the request context, so that what runs after the
#: request context is reset (app-context teardown, its signals) sees it too.
_cv_asgi_mode: contextvars.ContextVar[t.Any] = contextvars.ContextVar(
    "erlen.asgi_mode", default=None
)


class _AppCtxGlobals:
    """A plain namespace for storing data during an application context (``g``)."""

    def __getattr__(self, name: str) -> t.Any:
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: t.Any) -> None:
        self.__dict__[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, name: str, default: t.Any | None = None) -> t.Any:
        """Get an attribute by name, or ``default``."""
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: t.Any = _sentinel) -> t.Any:
        """Remove and return an attribute; raise KeyError without a default."""
        if default is _sentinel:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: t.Any = None) -> t.Any:
        """Get an attribute, setting it to ``default`` first if missing."""
        return self.__dict__.setdefault(name, default)

    def __contains__(self, item: str) -> bool:
        return item in self.__dict__

    def __iter__(self) -> t.Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        ctx = _cv_app.get(None)
        if ctx is not None:
            return f"<erlen.g of '{ctx.app.name}'>"
        return object.__repr__(self)


def after_this_request(f: F) -> F:
    """Run ``f(response)`` after this request, before the ``after_request`` functions."""
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'after_this_request' can only be used when a request"
            " context is active, such as in a view function."
        )
    ctx._after_request_functions.append(f)
    return f


def copy_current_request_context(f: F) -> F:
    """Decorate ``f`` to run inside a copy of the current request context (e.g. in a thread)."""
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'copy_current_request_context' can only be used when a"
            " request context is active, such as in a view function."
        )
    ctx = ctx.copy()

    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        with ctx:
            return ctx.app.ensure_sync(f)(*args, **kwargs)

    return update_wrapper(wrapper, f)  # type: ignore[return-value]


def has_request_context() -> bool:
    """``True`` while a request context is pushed."""
    return _cv_request.get(None) is not None


def has_app_context() -> bool:
    """``True`` while an application context is pushed."""
    return _cv_app.get(None) is not None


# What a context's _cv_tokens holds per push: the request token (None for an app
# context), the app context pushed with a request context (if another object), and this
# object's app token (None when a request context found its app's context active).
_Push = tuple[
    "contextvars.Token[RequestContext] | None",
    "AppContext | None",
    "contextvars.Token[AppContext] | None",
]


class AppContext:
    """Makes ``current_app`` and ``g`` available; pushed per request and by the CLI."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._cv_tokens: list[_Push] = []

    @cached_property
    def g(self) -> _AppCtxGlobals:
        """The namespace of this context (:attr:`Flask.app_ctx_globals_class`), made on
        first use: most requests never touch ``g``. Assignable, as in Flask."""
        return self.app.app_ctx_globals_class()

    @property
    def url_adapter(self) -> t.Any:
        """The app's URL adapter, for ``url_for`` without a request (built on first use)."""
        adapter = self.__dict__.get("_url_adapter", _sentinel)
        if adapter is _sentinel:
            adapter = self.__dict__["_url_adapter"] = self.app.create_url_adapter(None)
        return adapter

    @url_adapter.setter
    def url_adapter(self, value: t.Any) -> None:
        self.__dict__["_url_adapter"] = value

    def push(self) -> None:
        """Bind this context to the current context (thread or task)."""
        self._cv_tokens.append((None, None, _cv_app.set(self)))
        if _appcontext_pushed:
            _signals.appcontext_pushed.send(self.app, _async_wrapper=self.app.ensure_sync)

    def pop(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Unbind this context. A request context's last pop runs the ``teardown_request``
        functions and closes the request first; then, when this object is an app context
        it pushed, the ``teardown_appcontext`` functions run (as on an app context's last
        pop) and ``appcontext_popped`` is sent.

        One method for both kinds of context (as in Flask 3.2, where they are one class):
        PERF: a request context that is its own app context pops in one call.
        """
        tokens = self._cv_tokens
        token, app_ctx, app_token = tokens[-1]
        app = self.app
        try:
            if token is not None and len(tokens) == 1:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                if (
                    # PERF: no call when there is nothing to tear down (Flask._own_steps).
                    not app._own_steps or app.teardown_request_funcs or _request_tearing_down
                ):
                    app.do_teardown_request(exc)
                # PERF: a method call (Flask looks close up with getattr first: every
                # request object of erlen's has it).
                self.request.close()  # type: ignore[attr-defined]
        finally:
            del tokens[-1]
            if token is not None:
                ctx = _cv_request.get()
                try:
                    _cv_request.reset(token)
                except ValueError:
                    _reset_by_hand(_cv_request, token)
            if app_token is not None:
                # This object's own app context (an app context is torn down on its last
                # pop; a request context pushed it as a fresh one).
                try:
                    if (token is not None or not tokens) and (
                        # PERF: no call when there is nothing to tear down.
                        not app._own_steps
                        or app.teardown_appcontext_funcs
                        or _appcontext_tearing_down
                    ):
                        if exc is _sentinel:
                            exc = sys.exc_info()[1]
                        app.do_teardown_appcontext(exc)
                finally:
                    app_now = _cv_app.get()
                    try:
                        _cv_app.reset(app_token)
                    except ValueError:
                        _reset_by_hand(_cv_app, app_token)
                if app_now is not self:
                    raise AssertionError(
                        f"Popped wrong app context. ({app_now!r} instead of {self!r})"
                    )
                if _appcontext_popped:
                    _signals.appcontext_popped.send(app, _async_wrapper=app.ensure_sync)
            elif app_ctx is not None:
                app_ctx.pop(exc)
            if token is not None and ctx is not self:
                raise AssertionError(f"Popped wrong request context. ({ctx!r} instead of {self!r})")

    def __enter__(self) -> AppContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)


def _reset_by_hand(var: contextvars.ContextVar[t.Any], token: contextvars.Token[t.Any]) -> None:
    """Undo ``var.set`` for a token that ``var.reset`` refused: one made in another Context.

    That happens when a context was pushed inside an async view (which runs in a copy of the
    caller's Context on erlen's loop thread) and is popped back in the caller, e.g. by
    ``stream_with_context``. The previous value is restored by hand.
    """
    old = token.old_value
    var.set(None if old is contextvars.Token.MISSING else old)


# RequestContext._adapter while the adapter is not bound yet.
_UNBOUND: t.Any = object()


def _session_opens_lazily(interface: t.Any) -> bool:
    """Whether the session can be opened on first access instead of at push.

    Only erlen's own cookie interface, with its open/save/null-check methods unchanged, is
    known to have no side effects in ``open_session`` and nothing to save for a session
    nobody touched. Remembered per app (``Flask._lazy_session``).
    """
    from .sessions import SecureCookieSessionInterface

    cls = type(interface)
    base = SecureCookieSessionInterface
    return (
        cls.open_session is base.open_session
        and cls.save_session is base.save_session
        and cls.is_null_session is base.is_null_session
    )


class RequestContext(AppContext):
    """Per-request state: the request, URL adapter, session and flashed messages.

    ``environ`` is the WSGI form (the request is built from it with
    :attr:`Flask.request_class`); any other transport passes a ready ``request``.

    Pushing it also pushes an app context when none is active for its app, as Flask
    does. PERF: for an app with Flask's own ``app_context`` (``Flask._own_contexts``) that
    app context is this object itself (an :class:`AppContext` too, with its own ``g``):
    one object and one ``push``/``pop`` per request instead of two.
    """

    # True when push has no URL to match: it was matched before the push (the ASGI adapter
    # picks the request's mode from the matched view), or there is no adapter (none bound,
    # or binding failed with the routing exception).
    _matched = False
    # PERF: when the app binds its URL map the way Flask does by default (no SERVER_NAME,
    # TRUSTED_HOSTS, host or subdomain matching, Flask's own create_url_adapter), the
    # adapter is bound on first use (url_for, redirects, OPTIONS, reading url_adapter) and
    # the request is matched by the map itself: most requests never need the adapter.
    # ``_adapter`` is the bound adapter (``None`` if there is none), or _UNBOUND while
    # binding waits.
    _adapter: t.Any = None
    #: The flashed messages, once read by ``get_flashed_messages``.
    flashes: list[tuple[str, str]] | None = None

    def __init__(
        self,
        app: Flask,
        environ: WSGIEnvironment | None,
        request: Request | None = None,
        session: SessionMixin | None = None,
    ) -> None:
        self.app = app
        if request is None:
            request = app.request_class(environ)  # type: ignore[arg-type]
        request.json_module = app.json
        self.request: Request = request
        # PERF: flashes defaults to None on the class: no store here.
        try:
            # Binding waits when the app binds the way Flask does by default (see _adapter).
            config = app.config
            if (
                (app._own_contexts or (app._own_contexts is None and app._find_own_contexts()))
                and config["SERVER_NAME"] is None
                and config["TRUSTED_HOSTS"] is None
                and not app.subdomain_matching
                and not app.url_map.host_matching
            ):
                # Binding would raise BadHost (400) for a host that is not a valid name:
                # so does this, once per host name (remembered).
                host = request.host
                if host not in _server_names:
                    _server_name(host)
                self._adapter = _UNBOUND
                # PERF: stored on every path (not only the class default) so that reading
                # it specializes.
                self._matched = False
            else:
                self._adapter = adapter = app.create_url_adapter(request)
                self._matched = adapter is None
        except HTTPException as e:
            request.routing_exception = e
            self._matched = True
        self._session_obj: SessionMixin | None = session
        self._after_request_functions: list[t.Callable[[t.Any], t.Any]] = []
        # Per push: the request token, then either the other app context pushed with it or,
        # when this object is its own app context, its app token (both None when an app
        # context of the app was active already).
        self._cv_tokens: list[_Push] = []

    def copy(self) -> RequestContext:
        """A new context for the same request and session (for another greenlet or thread)."""
        return self.__class__(
            self.app,
            None,
            request=self.request,
            # Open a lazy session now so both contexts share one session object.
            session=self._session,
        )

    @property
    def url_adapter(self) -> t.Any:
        """The URL map bound to this request (``None`` if the app did not bind one), made
        by :meth:`Flask.create_url_adapter`, on first use when nothing else needs it.
        Assignable, as in Flask."""
        adapter = self._adapter
        if adapter is _UNBOUND:
            adapter = self._adapter = self.app.create_url_adapter(self.request)
        return adapter

    @url_adapter.setter
    def url_adapter(self, value: t.Any) -> None:
        self._adapter = value
        self._matched = value is None

    def match_request(self) -> None:
        """Match the request URL, storing ``url_rule``/``view_args`` or ``routing_exception``."""
        request = self.request
        try:
            if self._adapter is not _UNBOUND:
                request.url_rule, request.view_args = self._adapter.match(return_rule=True)
                return
            # What adapter.match would do (in the map's default subdomain), with the adapter
            # bound only for a redirect.
            url_map = self.app.url_map
            rv = url_map._lookups[
                request.websocket_upgrade or request.scheme in _WEBSOCKET_SCHEMES
            ](url_map.default_subdomain or "", request.path, request.method)
            if rv.__class__ is tuple:
                if not rv[0]._needs_post:
                    request.url_rule, request.view_args = rv
                    return
            elif not isinstance(rv, str):
                request.routing_exception = rv  # type: ignore[assignment]
                return
            request.url_rule, request.view_args = self.url_adapter._matched(
                rv, url_map.default_subdomain or "", request.path, request.method, None, True
            )
        except HTTPException as e:
            # Kept without the router's frames: they would hold this request, which holds
            # the error, a cycle only the garbage collector frees.
            request.routing_exception = e.with_traceback(None)

    def _open_session(self) -> SessionMixin:
        interface = self.app.session_interface
        session = interface.open_session(self.app, self.request)
        if session is None:
            session = interface.make_null_session(self.app)
        self._session_obj = session
        return session

    @property
    def _session(self) -> SessionMixin | None:
        # Flask's name for the session without marking it accessed; opens it if needed.
        session = self._session_obj
        if session is None and self._cv_tokens:
            session = self._open_session()
        return session

    @_session.setter
    def _session(self, value: SessionMixin | None) -> None:
        self._session_obj = value

    @property
    def session(self) -> SessionMixin:
        """The session of this request, opened on first access; marks it accessed."""
        session = self._session_obj
        if session is None:
            if not self._cv_tokens:
                raise AssertionError("The session has not yet been opened.")
            session = self._open_session()
        session.accessed = True
        return session

    @session.setter
    def session(self, value: SessionMixin) -> None:
        self._session_obj = value

    def push(self) -> None:
        """Bind this context (and the app context if needed), open the session, match the URL."""
        app = self.app
        active = _cv_app.get(None)
        app_ctx = None
        if active is None or active.app is not app:
            if app._own_contexts:
                app_token = _cv_app.set(self)
                if _appcontext_pushed:
                    _signals.appcontext_pushed.send(app, _async_wrapper=app.ensure_sync)
            else:
                app_token = None
                app_ctx = app.app_context()
                app_ctx.push()
        else:
            app_token = None

        self._cv_tokens.append((_cv_request.set(self), app_ctx, app_token))

        if self._session_obj is None and not app._lazy_session:
            lazy: bool | None = app._lazy_session
            if lazy is None:
                lazy = app._find_lazy_session()
            if not lazy:
                self._open_session()

        if not self._matched:
            self.match_request()

    def _pop_runs_user_code(self) -> bool:
        """Whether the last :meth:`pop` would call user code (teardown functions, signal
        receivers, a replaced teardown step): the conditions under which :meth:`pop`
        calls the app's teardown steps and sends ``appcontext_popped``."""
        app = self.app
        return not (
            app._own_steps
            and not app.teardown_request_funcs
            and not app.teardown_appcontext_funcs
            and not _request_tearing_down
            and not _appcontext_tearing_down
            and not _appcontext_popped
        )

    def __enter__(self) -> RequestContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.request.url!r}"
            f" [{self.request.method}] of {self.app.name}>"
        )
