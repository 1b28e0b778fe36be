"""The application object (Flask's ``flask.app.Flask``).

The public surface is Flask 3.1's, method for method, so subclasses that override
``full_dispatch_request``, ``make_response``, ``handle_exception`` and friends keep working.
What differs is the cost of a request:

- dispatch reads the request context from its ContextVar once, never through the proxies;
- hooks, URL value preprocessors, error handlers and signals are skipped when nothing is
  registered (no loops over empty lists, no ``blinker`` sends without receivers);
- the cookie session is opened on first access and saved only when it was used;
- return values of the common types (``str``, ``bytes``, ``dict``, a response) take a fast
  path to a response object;
- ``async def`` views run on one long-lived event loop thread under WSGI, not a new loop
  per call, and natively on the server's loop under ASGI.

The app object is both a WSGI application (``app(environ, start_response)``) and an ASGI 3
application (``await app(scope, receive, send)``); see :mod:`erlen.asgi`.
"""

from __future__ import annotations

import collections.abc as cabc
import os
import sys
import typing as t
import weakref
from inspect import iscoroutinefunction
from itertools import chain
from types import FunctionType, TracebackType

from . import ctx as _ctx, globals as _globals, signals as _signals, typing as ft
from ._foreign import is_http_exception, isinstance_native
from .ctx import AppContext, RequestContext, _session_opens_lazily
from .datastructures import Headers
from .exceptions import (
    BadRequestKeyError,
    HTTPException,
    InternalServerError,
)
from .globals import g
from .routing import (
    BuildError,
    MapAdapter,
    RequestRedirect,
    RoutingException,
    Rule,
    WebsocketMismatch,
)
from .sansio.app import (  # re-exported where erlen's modules have always found them
    App,
    _make_timedelta as _make_timedelta,
    _split_blueprint_path as _split_blueprint_path,
    get_debug_flag as get_debug_flag,
    get_load_dotenv as get_load_dotenv,
)
from .scaffold import Scaffold
from .sessions import SecureCookieSessionInterface, SessionInterface
from .templating import Environment
from .wrappers import Request, Response
from .wrappers.response import Response as BaseResponse

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .testing import FlaskClient, FlaskCliRunner

    ASGIScope = t.MutableMapping[str, t.Any]
    ASGIReceive = t.Callable[[], t.Awaitable[t.MutableMapping[str, t.Any]]]
    ASGISend = t.Callable[[t.MutableMapping[str, t.Any]], t.Awaitable[None]]

__all__ = ["Flask"]

# PERF: bound by assignment, not import: see erlen.globals (method calls on 3.11).
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request
_cv_asgi_mode = _ctx._cv_asgi_mode
# PERF: the receivers of the signals that every request checks, bound once (see erlen.ctx).
_request_started = _signals.request_started.receivers
_request_finished = _signals.request_finished.receivers

T_shell_context_processor = t.TypeVar(
    "T_shell_context_processor", bound=ft.ShellContextProcessorCallable
)
T_teardown = t.TypeVar("T_teardown", bound=ft.TeardownCallable)
T_template_filter = t.TypeVar("T_template_filter", bound=ft.TemplateFilterCallable)
T_template_global = t.TypeVar("T_template_global", bound=ft.TemplateGlobalCallable)
T_template_test = t.TypeVar("T_template_test", bound=ft.TemplateTestCallable)

_sentinel = object()
# CO_COROUTINE | CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR
_CO_ASYNC = 0x80 | 0x100 | 0x200
_CO_COROUTINE = 0x80
# Whether inspect.iscoroutinefunction honours inspect.markcoroutinefunction's marker.
_COROUTINE_MARKERS = sys.version_info >= (3, 12)
# Flask's dispatch steps (see _own_steps): the pipeline skips the first three while
# nothing is registered for them, and the ASGI adapter's direct mode runs the pipeline in
# parts around the view (erlen.asgi.http).
_OWN_STEPS = frozenset(
    (
        "preprocess_request",
        "do_teardown_request",
        "do_teardown_appcontext",
        "full_dispatch_request",
        "_preprocess_and_dispatch",
        "dispatch_request",
        "finalize_request",
        "make_response",
        "process_response",
        "handle_user_exception",
        "handle_http_exception",
        "handle_exception",
        "ensure_sync",
    )
)

# What a request context relies on being Flask's own (see _own_contexts).
_OWN_CONTEXTS = frozenset(("create_url_adapter", "app_context", "url_map"))


class Flask(App, Scaffold):
    """The WSGI and ASGI application and the central registry of views, hooks and
    configuration.

    ``app(environ, start_response)`` serves a WSGI request, ``await app(scope, receive,
    send)`` an ASGI 3 connection (HTTP, websocket or lifespan). Constructor arguments are
    Flask's: ``import_name`` (usually ``__name__``), ``static_url_path``, ``static_folder``,
    ``static_host``, ``host_matching``, ``subdomain_matching``, ``template_folder``,
    ``instance_path``, ``instance_relative_config`` and ``root_path``.
    """

    #: The class of ``request`` objects.
    request_class: type[Request] = Request
    #: The class of response objects made from view return values.
    response_class: type[Response] = Response
    #: The session interface (signed cookies by default).
    session_interface: SessionInterface = SecureCookieSessionInterface()
    # PERF: True once the first request found Flask's own dispatch steps (_OWN_STEPS:
    # ``preprocess_request``, ``do_teardown_request``, ``dispatch_request``, ...) on this
    # app (its class and the instance); patching one on the instance later sets it back to
    # False (__setattr__). While it holds, the one path checks the registries and signal
    # receivers of ``preprocess_request`` and the teardown steps itself and skips the call
    # when there is nothing to run, instead of calling a method that loops over nothing,
    # and the ASGI adapter may await an ``async def`` view on its own task. The
    # registries are still read on every request, so changes made to them in place are
    # seen.
    _own_steps = False
    # PERF: whether this app has Flask's own ``create_url_adapter`` and ``app_context`` and
    # its URL map Map's own ``bind_to_request`` (_OWN_CONTEXTS); None until the first
    # request context asks (_find_own_contexts), and again after one is set on the app
    # (__setattr__). While it holds, a request context binds the URL map only when asked
    # (see erlen.ctx) and is its own app context when it needs one.
    _own_contexts: bool | None = None
    # PERF: whether the session is opened on first access (``erlen.ctx``, for erlen's own
    # cookie interface); None until a request context asks (_find_lazy_session), and again
    # after ``session_interface`` is set on the app.
    _lazy_session: bool | None = None
    # PERF: whether ``asgi_app`` is Flask's own, neither set on the app (ASGI middleware)
    # nor overridden by its class (set by __init__, cleared by __setattr__): then
    # ``app(scope, receive, send)`` returns the adapter's coroutine itself.
    _own_asgi_app = False
    # The app's ASGI state (erlen.asgi.bridge.Runtime), made when it first serves ASGI.
    _asgi_runtime: t.Any = None

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        super().__init__(
            import_name=import_name,
            static_url_path=static_url_path,
            static_folder=static_folder,
            static_host=static_host,
            host_matching=host_matching,
            subdomain_matching=subdomain_matching,
            template_folder=template_folder,
            instance_path=instance_path,
            instance_relative_config=instance_relative_config,
            root_path=root_path,
        )

        if self.has_static_folder:
            assert bool(static_host) == host_matching, (
                "Invalid static_host/host_matching combination"
            )
            # A weak reference avoids an app <-> view function cycle.
            self_ref = weakref.ref(self)
            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                host=static_host,
                view_func=lambda **kw: self_ref().send_static_file(**kw),  # type: ignore[union-attr]
            )

        if type(self).__call__ is Flask.__call__:
            # ASGI servers tell ASGI 3 from WSGI (or ASGI 2) by the *attribute*
            # ``app.__call__``: uvicorn with asyncio.iscoroutinefunction, hypercorn with
            # inspect.iscoroutinefunction. ``app(...)`` itself uses ``type(app).__call__``
            # (WSGI or ASGI by argument count), while attribute access finds the instance
            # dict first (a class function is a non-data descriptor): so both detections
            # say ASGI 3 and WSGI servers still call ``app(environ, start_response)``.
            # A subclass defining its own ``__call__`` keeps its detection. The entry holds
            # the app weakly: a bound method would make a cycle, and an app must be freed
            # as soon as its last reference goes (as Flask's is).
            self.__dict__["__call__"] = _asgi_entry(weakref.ref(self))
        self.__dict__["_own_asgi_app"] = (
            "asgi_app" not in self.__dict__ and type(self).asgi_app is _FLASK_ASGI_APP
        )

    def __setattr__(self, name: str, value: t.Any) -> None:
        if name in _OWN_STEPS:
            self.__dict__["_own_steps"] = False
        elif name in _OWN_CONTEXTS:
            self.__dict__["_own_contexts"] = None
        elif name == "session_interface":
            self.__dict__["_lazy_session"] = None
        elif name == "asgi_app":
            self.__dict__["_own_asgi_app"] = False
        object.__setattr__(self, name, value)

    def _keeps_flask_methods(self, names: t.Iterable[str]) -> bool:
        """Whether these methods are Flask's own, on the class and the instance."""
        cls = type(self)
        return not any(
            name in self.__dict__ or getattr(cls, name) is not _FLASK_METHODS[name]
            for name in names
        )

    def _find_own_steps(self) -> None:
        """Set :attr:`_own_steps` (at the first request)."""
        self.__dict__["_own_steps"] = self._keeps_flask_methods(_OWN_STEPS)

    def _find_own_contexts(self) -> bool:
        """Set and return :attr:`_own_contexts`."""
        from .routing import Map

        own = self.__dict__["_own_contexts"] = (
            self._keeps_flask_methods(("create_url_adapter", "app_context"))
            and type(self.url_map).bind_to_request is Map.bind_to_request
        )
        return own

    def _find_lazy_session(self) -> bool:
        """Set and return :attr:`_lazy_session`."""
        lazy = self.__dict__["_lazy_session"] = _session_opens_lazily(self.session_interface)
        return lazy

    def open_instance_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> t.IO[t.AnyStr]:
        """Open a file relative to :attr:`instance_path` (writing is allowed)."""
        path = os.path.join(self.instance_path, resource)
        if "b" in mode:
            return open(path, mode)  # noqa: SIM115
        return open(path, mode, encoding=encoding)  # noqa: SIM115

    def create_jinja_environment(self) -> Environment:
        """Create the Jinja environment from :attr:`jinja_options` and the app's helpers."""
        from .templating import create_environment

        return create_environment(self)

    def handle_http_exception(self, e: HTTPException) -> HTTPException | ft.ResponseReturnValue:
        """Call the registered handler for an HTTP error, or return the error as the response."""
        handler = None
        # Routing redirects are internal actions, never shown to error handlers.
        if (
            getattr(e, "code", None) is not None
            and not isinstance_native(e, RoutingException)
            and self.error_handler_spec
        ):
            handler = self._find_error_handler(e, _cv_request.get().request.blueprints)
        if handler is None:
            # The error is the answer, and no code looks at it again: its traceback would
            # keep this request's frames, which hold it (and the request, which may hold it
            # as routing_exception), a cycle that only the garbage collector frees.
            e.__traceback__ = None
            return e
        return self.ensure_sync(handler)(e)

    def handle_user_exception(self, e: Exception) -> HTTPException | ft.ResponseReturnValue:
        """Handle an exception raised by a hook or view: HTTP errors go to
        :meth:`handle_http_exception`; others to a registered handler or re-raised."""
        if isinstance_native(e, BadRequestKeyError) and (
            self.debug or self.config["TRAP_BAD_REQUEST_ERRORS"]
        ):
            e.show_exception = True  # type: ignore[attr-defined]

        if is_http_exception(e) and not self.trap_http_exception(e):
            # A Werkzeug HTTPException is handled like erlen's (same interface).
            return self.handle_http_exception(e)  # type: ignore[arg-type]

        handler = self._find_error_handler(e, _cv_request.get().request.blueprints)
        if handler is None:
            raise
        return self.ensure_sync(handler)(e)

    def handle_exception(self, e: Exception) -> Response:
        """Handle an unhandled exception: re-raise when propagating (testing/debug), else log
        it and answer 500 through the ``InternalServerError`` handler, if any."""
        exc_info = sys.exc_info()
        if _signals.got_request_exception.receivers:
            _signals.got_request_exception.send(self, _async_wrapper=self.ensure_sync, exception=e)
        propagate = self.config["PROPAGATE_EXCEPTIONS"]
        if propagate is None:
            propagate = self.testing or self.debug
        if propagate:
            if exc_info[1] is e:
                raise
            raise e

        self.log_exception(exc_info)
        server_error: InternalServerError | ft.ResponseReturnValue
        server_error = InternalServerError(original_exception=e)
        handler = self._find_error_handler(server_error, _cv_request.get().request.blueprints)
        if handler is not None:
            server_error = self.ensure_sync(handler)(server_error)
        return self.finalize_request(server_error, from_error_handler=True)

    def log_exception(
        self,
        exc_info: tuple[type, BaseException, TracebackType] | tuple[None, None, None],
    ) -> None:
        """Log an unhandled exception with the request's path and method."""
        req = _cv_request.get().request
        self.logger.error(f"Exception on {req.path} [{req.method}]", exc_info=exc_info)

    def raise_routing_exception(self, request: Request) -> t.NoReturn:
        """Raise the routing error; in debug mode a redirect that would lose a form body
        raises a helpful error instead."""
        if (
            not self.debug
            or not isinstance(request.routing_exception, RequestRedirect)
            or request.routing_exception.code in {307, 308}
            or request.method in {"GET", "HEAD", "OPTIONS"}
        ):
            raise request.routing_exception  # type: ignore[misc]

        from .debughelpers import FormDataRoutingRedirect

        raise FormDataRoutingRedirect(request)

    # -- dispatch -------------------------------------------------------------------------

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """Bind the URL map to a request (or, outside a request, to ``SERVER_NAME``).

        A request's ``TRUSTED_HOSTS`` check happens here (a
        :exc:`~erlen.exceptions.SecurityError`, 400, for another host).
        """
        if request is not None:
            config = self.config
            trusted_hosts = config["TRUSTED_HOSTS"]
            if trusted_hosts is not None:
                # Binding reads request.host, checked against them (SecurityError, 400).
                request.trusted_hosts = trusted_hosts
            url_map = self.url_map
            if url_map.host_matching:
                # SERVER_NAME must not replace the actual host when matching by host.
                return url_map.bind_to_request(request, None, None)
            if self.subdomain_matching:
                return url_map.bind_to_request(request, config["SERVER_NAME"], None)
            return url_map.bind_to_request(
                request, config["SERVER_NAME"], url_map.default_subdomain or ""
            )
        if self.config["SERVER_NAME"] is not None:
            return self.url_map.bind(
                self.config["SERVER_NAME"],
                script_name=self.config["APPLICATION_ROOT"],
                url_scheme=self.config["PREFERRED_URL_SCHEME"],
            )
        return None

    def preprocess_request(self) -> ft.ResponseReturnValue | None:
        """Run URL value preprocessors, then ``before_request`` functions (app first, then
        blueprints); a non-None return value ends the request with that response."""
        # PERF: an app without such hooks skips computing request.blueprints entirely.
        if not self.url_value_preprocessors and not self.before_request_funcs:
            return None
        req = _cv_request.get().request
        names = (None, *reversed(req.blueprints))

        for name in names:
            if name in self.url_value_preprocessors:
                for url_func in self.url_value_preprocessors[name]:
                    url_func(req.endpoint, req.view_args)

        for name in names:
            if name in self.before_request_funcs:
                for before_func in self.before_request_funcs[name]:
                    rv = self.ensure_sync(before_func)()
                    if rv is not None:
                        return rv
        return None

    def dispatch_request(self) -> ft.ResponseReturnValue:
        """Call the matched view (or raise the routing error, or answer OPTIONS)."""
        req = _cv_request.get().request
        if req.routing_exception is not None:
            self.raise_routing_exception(req)
        rule: Rule = req.url_rule  # type: ignore[assignment]
        if rule.websocket:  # an HTTP request with Upgrade headers: WebSocket is ASGI-only
            raise WebsocketMismatch()
        # Rules added to url_map directly may lack Flask's attribute.
        if req.method == "OPTIONS" and getattr(rule, "provide_automatic_options", False):
            return self.make_default_options_response()
        view = self.ensure_sync(self.view_functions[rule.endpoint])
        # PERF: a view without URL arguments is called without building a keyword dict.
        if req.view_args:
            return view(**req.view_args)
        return view()

    def full_dispatch_request(self) -> Response:
        """Dispatch with pre- and post-processing and HTTP error handling."""
        try:
            rv = self._preprocess_and_dispatch()
        except Exception as e:
            rv = self.handle_user_exception(e)
        return self.finalize_request(rv)

    def _preprocess_and_dispatch(self) -> ft.ResponseReturnValue:
        """The steps of :meth:`full_dispatch_request` up to the view: ``request_started``,
        :meth:`preprocess_request` and, unless it answered, :meth:`dispatch_request`.

        The ASGI adapter's direct mode (:mod:`erlen.asgi.http`) takes the same steps around
        its own await of an ``async def`` view: :meth:`ensure_sync` then returns the view
        itself, so this returns the view's coroutine.
        """
        if not self._got_first_request:
            self._got_first_request = True
            self._find_own_steps()
        if _request_started:
            _signals.request_started.send(self, _async_wrapper=self.ensure_sync)
        if self._own_steps and not self.before_request_funcs and not self.url_value_preprocessors:
            return self.dispatch_request()  # PERF: nothing to preprocess (see _own_steps)
        rv = self.preprocess_request()
        if rv is None:
            rv = self.dispatch_request()
        return rv

    def finalize_request(
        self, rv: ft.ResponseReturnValue | HTTPException, from_error_handler: bool = False
    ) -> Response:
        """Make a response from ``rv`` and run the after-request processing. With
        ``from_error_handler``, errors in that processing are logged, not raised."""
        response = self.make_response(rv)
        try:
            response = self.process_response(response)
            if _request_finished:
                _signals.request_finished.send(
                    self, _async_wrapper=self.ensure_sync, response=response
                )
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception("Request finalizing failed with an error while handling an error")
        return response

    def make_default_options_response(self) -> Response:
        """The automatic ``OPTIONS`` response: an empty body with the ``Allow`` header."""
        adapter = _cv_request.get().url_adapter
        methods = adapter.allowed_methods()
        rv = self.response_class()
        rv.allow.update(methods)
        return rv

    def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """Return ``func`` made callable from the (synchronous) dispatch pipeline.

        Under WSGI a sync function is returned unchanged and a coroutine function is
        wrapped to run on erlen's long-lived loop thread (:meth:`async_to_sync`). Under
        ASGI a coroutine function is awaited on the server's loop, and in loop mode a sync
        function runs in the app's thread pool (see :mod:`erlen.asgi.bridge`).

        "Asynchronous" means :func:`inspect.iscoroutinefunction`, so a function marked with
        :func:`inspect.markcoroutinefunction` (Python 3.12+) is run as a coroutine function.
        """
        # PERF: a plain function (nearly every view and hook) is recognised from its code
        # flags and (Python 3.12+) the absence of inspect's coroutine marker, which
        # markcoroutinefunction stores in the function's __dict__;
        # inspect.iscoroutinefunction costs several times that. For plain functions both
        # tests agree exactly.
        mode = _cv_asgi_mode.get()
        if type(func) is FunctionType and not (
            _COROUTINE_MARKERS and "_is_coroutine_marker" in func.__dict__
        ):
            if not func.__code__.co_flags & _CO_ASYNC:
                if mode is None or not mode.wraps_sync:
                    return func
                return mode.wrap_sync(func)
            is_async = func.__code__.co_flags & _CO_COROUTINE
        else:
            is_async = iscoroutinefunction(func)
        if is_async:
            if mode is None:
                return self.async_to_sync(func)
            if mode.handing_over is _cv_request.get(_sentinel):
                # The ASGI adapter awaits the view's coroutine itself (its direct mode;
                # see _preprocess_and_dispatch). (``handing_over`` is a request context or
                # None, never the sentinel.)
                return func
            return mode.wrap_async(func)
        if mode is None or not mode.wraps_sync:
            return func
        return mode.wrap_sync(func)

    def async_to_sync(
        self, func: t.Callable[..., t.Coroutine[t.Any, t.Any, t.Any]]
    ) -> t.Callable[..., t.Any]:
        """Return a sync function that runs the coroutine function ``func`` to completion on
        erlen's long-lived event loop thread, with the caller's context variables."""
        from ._async import async_to_sync

        return async_to_sync(func)

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: t.Any,
    ) -> str:
        """Build a URL for ``endpoint`` (see :func:`erlen.url_for`)."""
        req_ctx = _cv_request.get(None)
        if req_ctx is not None:
            url_adapter = req_ctx.url_adapter
            blueprint_name = req_ctx.request.blueprint
            if endpoint[:1] == ".":
                if blueprint_name is not None:
                    endpoint = f"{blueprint_name}{endpoint}"
                else:
                    endpoint = endpoint[1:]
            if _external is None:
                _external = _scheme is not None
        else:
            app_ctx = _cv_app.get(None)
            if app_ctx is not None:
                url_adapter = app_ctx.url_adapter
            else:
                url_adapter = self.create_url_adapter(None)
            if url_adapter is None:
                raise RuntimeError(
                    "Unable to build URLs outside an active request"
                    " without 'SERVER_NAME' configured. Also configure"
                    " 'APPLICATION_ROOT' and 'PREFERRED_URL_SCHEME' as"
                    " needed."
                )
            if _external is None:
                _external = True

        if _scheme is not None and not _external:
            raise ValueError("When specifying '_scheme', '_external' must be True.")

        self.inject_url_defaults(endpoint, values)
        try:
            rv = url_adapter.build(
                endpoint,
                values,
                method=_method,
                url_scheme=_scheme,
                force_external=_external,
            )
        except BuildError as error:
            values.update(_anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external)
            return self.handle_url_build_error(error, endpoint, values)

        if _anchor is not None:
            from urllib.parse import quote

            rv = f"{rv}#{quote(_anchor, safe='%!#$&()*+,/:;=?@' + chr(39))}"
        return rv

    def make_response(self, rv: ft.ResponseReturnValue) -> Response:
        """Convert a view's return value into a :attr:`response_class` instance.

        Accepts ``str``/``bytes``/``bytearray`` (body), ``dict``/``list`` (JSON), a
        generator or iterator, or an async generator or iterator (streamed body), a
        response object, a WSGI callable, or a
        tuple ``(body, status, headers)``, ``(body, status)`` or ``(body, headers)``.
        """
        # PERF: the common return types skip the general path below (exact type tests,
        # which mypy does not narrow through ``tp``).
        tp = type(rv)
        if tp is str or tp is bytes:
            return self.response_class(rv)  # type: ignore[arg-type]
        if tp is dict:
            return self.json.response(rv)
        cls = self.response_class
        if tp is cls:
            return rv  # type: ignore[return-value]

        status: t.Any = None
        headers: t.Any = None

        if isinstance(rv, tuple):
            len_rv = len(rv)
            if len_rv == 3:
                rv, status, headers = rv  # type: ignore[misc]
            elif len_rv == 2:
                if isinstance(rv[1], (Headers, dict, tuple, list)):
                    rv, headers = rv
                else:
                    rv, status = rv  # type: ignore[misc]
            else:
                raise TypeError(
                    "The view function did not return a valid response tuple."
                    " The tuple must have the form (body, status, headers),"
                    " (body, status), or (body, headers)."
                )

        if rv is None:
            ctx = _cv_request.get(None)
            endpoint = ctx.request.endpoint if ctx is not None else None
            raise TypeError(
                f"The view function for {endpoint!r} did not"
                " return a valid response. The function either returned"
                " None or ended without a return statement."
            )

        if not isinstance(rv, cls):
            if isinstance(rv, (str, bytes, bytearray, cabc.Iterator, cabc.AsyncIterator)):
                rv = cls(rv, status=status, headers=headers)  # type: ignore[arg-type]
                status = headers = None
            elif isinstance(rv, (dict, list)):
                rv = self.json.response(rv)
            elif isinstance(rv, BaseResponse) or callable(rv):
                ctx = _cv_request.get(None)
                try:
                    rv = cls.force_type(rv, ctx.request if ctx is not None else None)  # type: ignore[arg-type]
                except TypeError as e:
                    raise TypeError(
                        f"{e}\nThe view function did not return a valid"
                        " response. The return type must be a string,"
                        " dict, list, tuple with headers or status,"
                        " Response instance, or WSGI callable, but it"
                        f" was a {type(rv).__name__}."
                    ).with_traceback(sys.exc_info()[2]) from None
            else:
                raise TypeError(
                    "The view function did not return a valid"
                    " response. The return type must be a string,"
                    " dict, list, tuple with headers or status,"
                    " Response instance, or WSGI callable, but it was a"
                    f" {type(rv).__name__}."
                )

        response: Response = rv  # type: ignore[assignment]  # (typing.cast would be a call)
        if status is not None:
            if isinstance(status, (str, bytes, bytearray)):
                response.status = status  # type: ignore[assignment]
            else:
                response.status_code = status
        if headers:
            response.headers.update(headers)
        return response

    def process_response(self, response: Response) -> Response:
        """Run ``after_this_request`` and ``after_request`` functions (blueprints first,
        each in reverse registration order) and save the session."""
        ctx = _cv_request.get()
        if ctx._after_request_functions:
            for func in ctx._after_request_functions:
                response = self.ensure_sync(func)(response)

        if self.after_request_funcs:
            for name in chain(ctx.request.blueprints, (None,)):
                if name in self.after_request_funcs:
                    for func in reversed(self.after_request_funcs[name]):
                        response = self.ensure_sync(func)(response)

        session = ctx._session_obj
        if session is None:
            # Opened lazily and never touched: only a session cookie sent by the client can
            # need saving (a permanent session refreshed on each request). Other cookies
            # (analytics, CSRF, ...) must not cost a signature check.
            if not ctx.request.cookies or (
                self.session_interface.get_cookie_name(self) not in ctx.request.cookies
            ):
                return response
            session = ctx._open_session()
        if not self.session_interface.is_null_session(session):
            self.session_interface.save_session(self, session, response)
        return response

    def do_teardown_request(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Run ``teardown_request`` functions (blueprints first) and send the signal."""
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        if self.teardown_request_funcs:
            ctx = _cv_request.get()
            for name in chain(ctx.request.blueprints, (None,)):
                if name in self.teardown_request_funcs:
                    for func in reversed(self.teardown_request_funcs[name]):
                        self.ensure_sync(func)(exc)
        if _signals.request_tearing_down.receivers:
            _signals.request_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    def do_teardown_appcontext(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Run ``teardown_appcontext`` functions and send the signal."""
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        if self.teardown_appcontext_funcs:
            for func in reversed(self.teardown_appcontext_funcs):
                self.ensure_sync(func)(exc)
        if _signals.appcontext_tearing_down.receivers:
            _signals.appcontext_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    def app_context(self) -> AppContext:
        """Create an application context (``with app.app_context(): ...``)."""
        return AppContext(self)

    def request_context(self, environ: WSGIEnvironment) -> RequestContext:
        """Create a request context for a WSGI environ."""
        return RequestContext(self, environ)

    def test_request_context(self, *args: t.Any, **kwargs: t.Any) -> RequestContext:
        """Create a request context from :class:`erlen.testing.EnvironBuilder` arguments."""
        from .testing import EnvironBuilder

        builder = EnvironBuilder(self, *args, **kwargs)
        try:
            return self.request_context(builder.get_environ())
        finally:
            builder.close()

    def update_template_context(self, context: dict[str, t.Any]) -> None:
        """Add the context processors' values; explicitly passed values win."""
        processors = self.template_context_processors
        names: t.Iterable[str | None] = (None,)
        # PERF: the request's blueprints matter only if a blueprint registered processors.
        if len(processors) > 1 or None not in processors:
            ctx = _cv_request.get(None)
            if ctx is not None:
                names = chain(names, reversed(ctx.request.blueprints))
        orig_ctx = context.copy()
        for name in names:
            if name in processors:
                for func in processors[name]:
                    context.update(self.ensure_sync(func)())
        context.update(orig_ctx)

    def make_shell_context(self) -> dict[str, t.Any]:
        """The namespace of ``erlen shell``: ``app``, ``g`` and the shell processors' values."""
        rv = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            rv.update(processor())
        return rv

    def test_client(self, use_cookies: bool = True, **kwargs: t.Any) -> FlaskClient:
        """Create a test client (:attr:`test_client_class`) for this app."""
        cls = self.test_client_class
        if cls is None:
            from .testing import FlaskClient as cls  # noqa: N813
        return cls(self, self.response_class, use_cookies=use_cookies, **kwargs)  # type: ignore[misc]

    def test_cli_runner(self, **kwargs: t.Any) -> FlaskCliRunner:
        """Create a CLI runner (:attr:`test_cli_runner_class`) for this app's commands."""
        cls = self.test_cli_runner_class
        if cls is None:
            from .testing import FlaskCliRunner as cls  # noqa: N813
        return cls(self, **kwargs)  # type: ignore[misc]

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: t.Any,
    ) -> None:
        """Serve the app with erlen's development server (not for production).

        Does nothing when called while the ``erlen``/``flask`` CLI is already serving.
        """
        from . import cli as _cli

        if os.getenv("FLASK_RUN_FROM_CLI") == "true":
            if not _cli.is_running_from_reloader():
                import click

                click.secho(
                    " * Ignoring a call to 'app.run()' that would block"
                    " the current 'flask' CLI command.\n"
                    "   Only call 'app.run()' in an 'if __name__ =="
                    ' "__main__"\' guard.',
                    fg="red",
                )
            return

        if get_load_dotenv(load_dotenv):
            _cli.load_dotenv()
            if os.getenv("FLASK_DEBUG") is not None or os.getenv("ERLEN_DEBUG") is not None:
                self.debug = get_debug_flag()
        if debug is not None:
            self.debug = bool(debug)

        server_name = self.config.get("SERVER_NAME")
        sn_host = sn_port = None
        if server_name:
            sn_host, _, sn_port = server_name.partition(":")
        if not host:
            host = sn_host or "127.0.0.1"
        if port or port == 0:
            port = int(port)
        elif sn_port:
            port = int(sn_port)
        else:
            port = 5000

        options.setdefault("use_reloader", self.debug)
        options.setdefault("use_debugger", self.debug)
        options.setdefault("threaded", True)
        _cli.show_server_banner(self.debug, self.name)

        from . import serving

        try:
            serving.run_simple(t.cast(str, host), port, self, **options)
        finally:
            # Allow the app to be set up again after the server stops (e.g. in the shell).
            self._got_first_request = False

    def wsgi_app(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> cabc.Iterable[bytes]:
        """The WSGI application proper; wrap this (not the app) with WSGI middleware.

        The WSGI adapter: builds the request context from ``environ``, runs
        :meth:`full_dispatch_request` (or :meth:`handle_exception`) and sends the response
        with ``start_response``.
        """
        if self._serving_pending:
            from .asgi.lifespan import start_serving_wsgi

            start_serving_wsgi(self)
        if not self._got_first_request:
            from .asgi.websocket import warn_websocket_routes_under_wsgi

            warn_websocket_routes_under_wsgi(self)
        ctx = self.request_context(environ)
        error: BaseException | None = None
        try:
            try:
                ctx.push()
                response = self.full_dispatch_request()
            except Exception as e:
                error = e
                response = self.handle_exception(e)
            except:  # noqa: E722
                error = sys.exc_info()[1]
                raise
            return response(environ, start_response)
        finally:
            if "werkzeug.debug.preserve_context" in environ:
                preserve = environ["werkzeug.debug.preserve_context"]
                app_ctx = _cv_app.get()
                if app_ctx is not ctx:  # (the request context may be its own app context)
                    preserve(app_ctx)
                preserve(_cv_request.get())
            if error is not None and self.should_ignore_error(error):
                error = None
            ctx.pop(error)
            # Break the request <-> environ cycle so the garbage collector need not run.
            environ["werkzeug.request"] = None

    async def asgi_app(self, scope: ASGIScope, receive: ASGIReceive, send: ASGISend) -> None:
        """The ASGI 3 application proper; wrap this (not the app) with ASGI middleware:
        ``app.asgi_app = Middleware(app.asgi_app)``, and ``await app(scope, receive,
        send)`` goes through it.

        The ASGI adapter (:mod:`erlen.asgi`): ``http`` scopes run the same dispatch
        pipeline as :meth:`wsgi_app`, ``websocket`` scopes the websocket routes,
        ``lifespan`` the ``before_serving`` / ``after_serving`` functions.
        """
        await _asgi_handlers[scope["type"]](self, scope, receive, send)

    @t.overload
    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> cabc.Iterable[bytes]: ...

    @t.overload
    def __call__(
        self, environ: ASGIScope, start_response: ASGIReceive, send: ASGISend
    ) -> cabc.Coroutine[t.Any, t.Any, None]: ...

    def __call__(
        self, environ: t.Any, start_response: t.Any, send: t.Any = None
    ) -> cabc.Iterable[bytes] | cabc.Coroutine[t.Any, t.Any, None]:
        """Serve a WSGI request, ``app(environ, start_response)`` (delegates to
        :meth:`wsgi_app`), or return the coroutine serving an ASGI connection,
        ``app(scope, receive, send)`` (delegates to :meth:`asgi_app`)."""
        if send is None:
            return self.wsgi_app(environ, start_response)
        if self._own_asgi_app:
            # PERF: Flask's own asgi_app only awaits the adapter: the adapter's coroutine
            # is returned itself, one coroutine layer and one call less per request.
            return _asgi_handlers[environ["type"]](self, environ, start_response, send)
        return self.asgi_app(environ, start_response, send)  # wrapped or overridden

    def add_background_task(self, func: t.Any, *args: t.Any, **kwargs: t.Any) -> None:
        """Run ``func(*args, **kwargs)`` (sync or ``async def``), or await a coroutine
        object, in the background, in an application context; errors are logged.

        Under ASGI it runs on the server's loop (a sync function in the thread pool) and
        the server's shutdown (lifespan) waits for it; under WSGI it runs in a background
        thread and interpreter exit waits for it. An erlen addition (Quart's API).
        """
        from .asgi.lifespan import add_background_task

        add_background_task(self, func, *args, **kwargs)


_FLASK_ASGI_APP = Flask.asgi_app

# Flask's own step and context methods, as defined (a method patched on the class is not
# one of them).
_FLASK_METHODS = {
    name: Flask.__dict__[name] for name in (*_OWN_STEPS, "create_url_adapter", "app_context")
}


def _asgi_entry(
    app_ref: weakref.ReferenceType[Flask],
) -> t.Callable[[ASGIScope, ASGIReceive, ASGISend], cabc.Coroutine[t.Any, t.Any, None]]:
    """What ASGI servers find as ``app.__call__`` (see ``Flask.__init__``): a coroutine
    function serving the app."""

    async def __call__(scope: ASGIScope, receive: ASGIReceive, send: ASGISend) -> None:
        app = app_ref()
        assert app is not None
        await app.asgi_app(scope, receive, send)

    return __call__


class _ASGIHandlers(dict[str, t.Any]):
    """The ASGI adapter's coroutine function for each scope type (``erlen.asgi.HANDLERS``),
    copied on first use: the adapter is imported only by an app that serves ASGI."""

    def __missing__(self, kind: str) -> t.Callable[..., cabc.Coroutine[t.Any, t.Any, None]]:
        from .asgi import HANDLERS

        self.update(HANDLERS)
        return HANDLERS[kind]  # (a ValueError for a scope type erlen does not serve)


_asgi_handlers = _ASGIHandlers()
