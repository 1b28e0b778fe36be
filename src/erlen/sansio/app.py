"""The transport-free application core (Flask's ``flask.sansio.app``).

:class:`App` holds what needs no I/O: configuration, registration of routes, blueprints,
hooks and template helpers, error-handler lookup, URL defaults, redirects and the
debugging switches. :class:`erlen.Flask` subclasses it with the request handling of the
app layer and the WSGI adapter; extensions may test ``isinstance(app, App)``.
"""

from __future__ import annotations

import os
import sys
import typing as t
from datetime import timedelta
from itertools import chain

from .. import typing as ft
from .._foreign import isinstance_native, lookup_mro
from ..config import Config, ConfigAttribute
from ..ctx import _AppCtxGlobals
from ..datastructures import ImmutableDict
from ..exceptions import Aborter, BadRequest, BadRequestKeyError
from ..json.provider import DefaultJSONProvider, JSONProvider
from ..logging import create_logger
from ..routing import BuildError, Map, Rule
from ..templating import DispatchingJinjaLoader, Environment
from ..utils import cached_property, redirect as _redirect
from .scaffold import Scaffold, _endpoint_from_view_func, find_package, setupmethod

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Flask
    from ..cli import AppGroup
    from ..testing import FlaskClient, FlaskCliRunner
    from ..wrappers.response import Response as BaseResponse
    from .blueprints import Blueprint

__all__ = ["App", "get_debug_flag", "get_load_dotenv"]

T_shell_context_processor = t.TypeVar(
    "T_shell_context_processor", bound=ft.ShellContextProcessorCallable
)
T_teardown = t.TypeVar("T_teardown", bound=ft.TeardownCallable)
T_template_filter = t.TypeVar("T_template_filter", bound=ft.TemplateFilterCallable)
T_template_global = t.TypeVar("T_template_global", bound=ft.TemplateGlobalCallable)
T_template_test = t.TypeVar("T_template_test", bound=ft.TemplateTestCallable)
T_serving = t.TypeVar("T_serving", bound=t.Callable[[], t.Any])


def _make_timedelta(value: timedelta | int | None) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


def get_debug_flag() -> bool:
    """Whether debug mode is requested by ``ERLEN_DEBUG`` or ``FLASK_DEBUG``."""
    val = os.getenv("ERLEN_DEBUG") or os.getenv("FLASK_DEBUG")
    return bool(val and val.lower() not in {"0", "false", "no"})


def get_load_dotenv(default: bool = True) -> bool:
    """Whether to load ``.env`` files: false if ``FLASK_SKIP_DOTENV``/``ERLEN_SKIP_DOTENV`` is set."""
    val = os.getenv("ERLEN_SKIP_DOTENV") or os.getenv("FLASK_SKIP_DOTENV")
    if not val:
        return default
    return val.lower() in ("0", "false", "no")


class App(Scaffold):
    """The transport-free part of an application: configuration and registration.

    Constructor arguments are :class:`erlen.Flask`'s. Subclasses provide request handling
    (:class:`erlen.Flask` does, over WSGI).
    """

    #: The class of response objects made from view return values (set by the app layer).
    response_class: type[BaseResponse]

    #: Raises HTTP errors for :func:`erlen.abort`.
    aborter_class = Aborter
    #: The class of :attr:`jinja_env`.
    jinja_environment: type[Environment] = Environment
    #: The class of ``g``.
    app_ctx_globals_class = _AppCtxGlobals
    #: The class of :attr:`config`.
    config_class = Config
    #: ``TESTING`` config value.
    testing = ConfigAttribute[bool]("TESTING")
    #: ``SECRET_KEY`` config value.
    secret_key = ConfigAttribute[str | bytes | None]("SECRET_KEY")
    #: ``PERMANENT_SESSION_LIFETIME`` config value, as a timedelta.
    permanent_session_lifetime = ConfigAttribute[timedelta](
        "PERMANENT_SESSION_LIFETIME",
        # Typed as Flask does: None only passes through when the config value is None.
        get_converter=_make_timedelta,  # type: ignore[arg-type]
    )
    #: Provider class of :attr:`json`.
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    #: Options passed to the Jinja environment.
    jinja_options: dict[str, t.Any] = {}
    #: Rule class used by :meth:`add_url_rule`.
    url_rule_class = Rule
    #: Map class of :attr:`url_map`.
    url_map_class = Map
    #: Test client class for :meth:`test_client` (``erlen.testing.FlaskClient`` if None).
    test_client_class: type[FlaskClient] | None = None
    #: CLI runner class for :meth:`test_cli_runner`.
    test_cli_runner_class: type[FlaskCliRunner] | None = None
    # True while before/after_serving functions are registered and serving has not
    # started under WSGI (checked by Flask.wsgi_app on every request: one attribute read,
    # of the instance's own value, set in __init__: CPython 3.11 cannot specialize reading
    # a class attribute through an instance).
    _serving_pending = False
    default_config = ImmutableDict(
        {
            "DEBUG": None,
            "TESTING": False,
            "PROPAGATE_EXCEPTIONS": None,
            "SECRET_KEY": None,
            "SECRET_KEY_FALLBACKS": None,
            "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
            "USE_X_SENDFILE": False,
            "TRUSTED_HOSTS": None,
            "SERVER_NAME": None,
            "APPLICATION_ROOT": "/",
            "SESSION_COOKIE_NAME": "session",
            "SESSION_COOKIE_DOMAIN": None,
            "SESSION_COOKIE_PATH": None,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SECURE": False,
            "SESSION_COOKIE_PARTITIONED": False,
            "SESSION_COOKIE_SAMESITE": None,
            "SESSION_REFRESH_EACH_REQUEST": True,
            "MAX_CONTENT_LENGTH": None,
            "MAX_FORM_MEMORY_SIZE": 500_000,
            "MAX_FORM_PARTS": 1_000,
            "SEND_FILE_MAX_AGE_DEFAULT": None,
            "TRAP_BAD_REQUEST_ERRORS": None,
            "TRAP_HTTP_EXCEPTIONS": False,
            "EXPLAIN_TEMPLATE_LOADING": False,
            "PREFERRED_URL_SCHEME": "http",
            "TEMPLATES_AUTO_RELOAD": None,
            "MAX_COOKIE_SIZE": 4093,
            "PROVIDE_AUTOMATIC_OPTIONS": True,
        }
    )

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
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )

        if instance_path is None:
            instance_path = self.auto_find_instance_path()
        elif not os.path.isabs(instance_path):
            raise ValueError(
                "If an instance path is provided it must be absolute."
                " A relative path was given instead."
            )
        #: Absolute path to the instance folder (for config and data files outside the package).
        self.instance_path = instance_path
        #: The configuration dictionary.
        self.config = self.make_config(instance_relative_config)
        #: Raises for :func:`erlen.abort`.
        self.aborter = self.make_aborter()
        #: JSON provider used by ``jsonify`` and the ``erlen.json`` functions.
        self.json: JSONProvider = self.json_provider_class(t.cast("Flask", self))
        #: Functions called when ``url_for`` raises BuildError.
        self.url_build_error_handlers: list[
            t.Callable[[Exception, str, dict[str, t.Any]], str]
        ] = []
        #: Functions called when the app context pops.
        self.teardown_appcontext_funcs: list[ft.TeardownCallable] = []
        #: Functions adding names to the ``erlen shell`` namespace.
        self.shell_context_processors: list[ft.ShellContextProcessorCallable] = []
        #: Registered blueprints by name.
        self.blueprints: dict[str, Blueprint] = {}
        #: Per-extension state (extensions store themselves here by name).
        self.extensions: dict[str, t.Any] = {}
        #: The URL map.
        self.url_map = self.url_map_class(host_matching=host_matching)
        #: Whether subdomains are matched (set ``SERVER_NAME`` too).
        self.subdomain_matching = subdomain_matching
        self._got_first_request = False
        self._serving_pending = False
        #: Functions run when the server starts serving (ASGI lifespan startup; under
        #: WSGI before the first request). An erlen addition (Quart's API).
        self.before_serving_funcs: list[t.Callable[[], t.Any]] = []
        #: Functions run when the server stops serving (ASGI lifespan shutdown; under
        #: WSGI at interpreter exit).
        self.after_serving_funcs: list[t.Callable[[], t.Any]] = []

        from ..cli import AppGroup

        #: Click group of the app's CLI commands.
        self.cli: AppGroup = AppGroup()
        self.cli.name = self.name

    # -- setup ----------------------------------------------------------------------------

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_first_request:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called"
                " on the application. It has already handled its first"
                " request, any changes will not be applied"
                " consistently.\n"
                "Make sure all imports, decorators, functions, etc."
                " needed to set up the application are done before"
                " running it."
            )

    @cached_property
    def name(self) -> str:
        """The app's name: the import name, or the script's name when run as ``__main__``."""
        if self.import_name == "__main__":
            fn: str | None = getattr(sys.modules["__main__"], "__file__", None)
            if fn is None:
                return "__main__"
            return os.path.splitext(os.path.basename(fn))[0]
        return self.import_name

    @cached_property
    def logger(self) -> t.Any:
        """A :class:`logging.Logger` named after the app (see :func:`erlen.logging.create_logger`)."""
        return create_logger(t.cast("Flask", self))

    @cached_property
    def jinja_env(self) -> Environment:
        """The Jinja environment used to load templates (created on first use)."""
        return self.create_jinja_environment()

    def make_config(self, instance_relative: bool = False) -> Config:
        """Create :attr:`config` from :attr:`default_config` (relative to the instance folder
        when ``instance_relative``)."""
        root_path = self.instance_path if instance_relative else self.root_path
        defaults = dict(self.default_config)
        defaults["DEBUG"] = get_debug_flag()
        return self.config_class(root_path, defaults)

    def make_aborter(self) -> Aborter:
        """Create :attr:`aborter` from :attr:`aborter_class`."""
        return self.aborter_class()

    def auto_find_instance_path(self) -> str:
        """``instance`` beside the package, or ``$PREFIX/var/<name>-instance`` when installed."""
        prefix, package_path = find_package(self.import_name)
        if prefix is None:
            return os.path.join(package_path, "instance")
        return os.path.join(prefix, "var", f"{self.name}-instance")

    def create_jinja_environment(self) -> Environment:
        """Create the Jinja environment (implemented by :class:`erlen.Flask`)."""
        raise NotImplementedError

    def create_global_jinja_loader(self) -> DispatchingJinjaLoader:
        """The loader that looks in the app's templates, then each blueprint's."""
        return DispatchingJinjaLoader(t.cast("Flask", self))

    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Autoescape templates ending in .html, .htm, .xml, .xhtml, .svg (and strings)."""
        if filename is None:
            return True
        return filename.endswith((".html", ".htm", ".xml", ".xhtml", ".svg"))

    @property
    def debug(self) -> bool:
        """Debug mode (``DEBUG`` config): reloading, the debug page, propagated errors."""
        return self.config["DEBUG"]

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        if self.config["TEMPLATES_AUTO_RELOAD"] is None and "jinja_env" in self.__dict__:
            self.jinja_env.auto_reload = value

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Register a blueprint: its routes, hooks, handlers and templates join the app."""
        blueprint.register(self, options)

    def iter_blueprints(self) -> t.ValuesView[Blueprint]:
        """The registered blueprints, in registration order."""
        return self.blueprints.values()

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Connect a URL rule to an endpoint and (optionally) its view function.

        ``methods`` defaults to the view's ``methods`` attribute or ``("GET",)``; ``OPTIONS``
        is answered automatically unless disabled. Other options go to :class:`Rule`.
        """
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)
        options["endpoint"] = endpoint
        methods = options.pop("methods", None)
        if methods is None:
            methods = getattr(view_func, "methods", None) or ("GET",)
        if isinstance(methods, str):
            raise TypeError(
                "Allowed methods must be a list of strings, for"
                ' example: @app.route(..., methods=["POST"])'
            )
        methods = {item.upper() for item in methods}
        required_methods: set[str] = set(getattr(view_func, "required_methods", ()))

        if provide_automatic_options is None:
            provide_automatic_options = getattr(view_func, "provide_automatic_options", None)
        if provide_automatic_options is None:
            if "OPTIONS" not in methods and self.config["PROVIDE_AUTOMATIC_OPTIONS"]:
                provide_automatic_options = True
                required_methods.add("OPTIONS")
            else:
                provide_automatic_options = False

        methods |= required_methods
        rule_obj = self.url_rule_class(rule, methods=methods, **options)
        rule_obj.provide_automatic_options = provide_automatic_options
        self.url_map.add(rule_obj)

        if view_func is not None:
            old_func = self.view_functions.get(endpoint)
            if old_func is not None and old_func != view_func:
                raise AssertionError(
                    "View function mapping is overwriting an existing"
                    f" endpoint function: {endpoint}"
                )
            self.view_functions[endpoint] = view_func

    @setupmethod
    def template_filter(
        self, name: str | None = None
    ) -> t.Callable[[T_template_filter], T_template_filter]:
        """Decorate a function to register it as a Jinja filter (named ``name`` or its own)."""

        def decorator(f: T_template_filter) -> T_template_filter:
            self.add_template_filter(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_filter(self, f: ft.TemplateFilterCallable, name: str | None = None) -> None:
        """Register a Jinja filter."""
        self.jinja_env.filters[name or f.__name__] = f

    @setupmethod
    def template_test(
        self, name: str | None = None
    ) -> t.Callable[[T_template_test], T_template_test]:
        """Decorate a function to register it as a Jinja test."""

        def decorator(f: T_template_test) -> T_template_test:
            self.add_template_test(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_test(self, f: ft.TemplateTestCallable, name: str | None = None) -> None:
        """Register a Jinja test."""
        self.jinja_env.tests[name or f.__name__] = f

    @setupmethod
    def template_global(
        self, name: str | None = None
    ) -> t.Callable[[T_template_global], T_template_global]:
        """Decorate a function to make it a global in all templates."""

        def decorator(f: T_template_global) -> T_template_global:
            self.add_template_global(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_global(self, f: ft.TemplateGlobalCallable, name: str | None = None) -> None:
        """Register a Jinja global."""
        self.jinja_env.globals[name or f.__name__] = f

    @setupmethod
    def teardown_appcontext(self, f: T_teardown) -> T_teardown:
        """Register ``f(error)`` called when the application context pops."""
        self.teardown_appcontext_funcs.append(f)
        return f

    @setupmethod
    def before_serving(self, f: T_serving) -> T_serving:
        """Register ``f()`` (sync or ``async def``) to run, in an application context,
        when the server starts: at ASGI lifespan startup (an exception fails the server's
        start), under WSGI (and ASGI servers without lifespan) before the first request.
        An erlen addition (Quart's API)."""
        self.before_serving_funcs.append(f)
        self._serving_pending = True
        return f

    @setupmethod
    def after_serving(self, f: T_serving) -> T_serving:
        """Register ``f()`` (sync or ``async def``) to run, in an application context,
        when the server stops: at ASGI lifespan shutdown, after the background tasks
        finished; under WSGI at interpreter exit. An erlen addition (Quart's API)."""
        self.after_serving_funcs.append(f)
        self._serving_pending = True
        return f

    @setupmethod
    def shell_context_processor(self, f: T_shell_context_processor) -> T_shell_context_processor:
        """Register a function whose returned dict is added to the ``erlen shell`` namespace."""
        self.shell_context_processors.append(f)
        return f

    # -- errors ---------------------------------------------------------------------------

    def _find_error_handler(
        self, e: Exception, blueprints: list[str]
    ) -> ft.ErrorHandlerCallable | None:
        """The handler for ``e``: by code then class MRO, blueprints before the app."""
        exc_class, code = self._get_exc_class_and_code(type(e))
        names = (*blueprints, None)
        spec = self.error_handler_spec
        for c in (code, None) if code is not None else (None,):
            for name in names:
                scope = spec.get(name)
                if not scope:
                    continue
                handler_map = scope.get(c)
                if not handler_map:
                    continue
                for cls in lookup_mro(exc_class):
                    handler = handler_map.get(cls)
                    if handler is not None:
                        return handler
        return None

    def trap_http_exception(self, e: Exception) -> bool:
        """Whether an HTTP exception is re-raised instead of handled (debugging aid)."""
        if self.config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_request = self.config["TRAP_BAD_REQUEST_ERRORS"]
        if trap_bad_request is None and self.debug and isinstance_native(e, BadRequestKeyError):
            return True
        if trap_bad_request:
            return isinstance_native(e, BadRequest)
        return False

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Return True to hide ``error`` from the teardown functions. Default: False."""
        return False

    def redirect(self, location: str, code: int = 302) -> BaseResponse:
        """Create a redirect response (called by :func:`erlen.redirect`)."""
        return _redirect(location, code=code, Response=self.response_class)

    def inject_url_defaults(self, endpoint: str, values: dict[str, t.Any]) -> None:
        """Run the ``url_defaults`` functions of the app and the endpoint's blueprints."""
        if not self.url_default_functions:
            return
        names: t.Iterable[str | None] = (None,)
        if "." in endpoint:
            names = chain(names, reversed(_split_blueprint_path(endpoint.rpartition(".")[0])))
        for name in names:
            if name in self.url_default_functions:
                for func in self.url_default_functions[name]:
                    func(endpoint, values)

    def handle_url_build_error(
        self, error: BuildError, endpoint: str, values: dict[str, t.Any]
    ) -> str:
        """Give ``url_build_error_handlers`` a chance to build a URL; re-raise if none does."""
        for handler in self.url_build_error_handlers:
            try:
                rv = handler(error, endpoint, values)
            except BuildError as e:
                error = e
            else:
                if rv is not None:
                    return rv
        if error is sys.exc_info()[1]:
            raise
        raise error


def _split_blueprint_path(name: str) -> list[str]:
    """``"a.b.c"`` -> ``["a.b.c", "a.b", "a"]``: a nested blueprint and its parents."""
    out: list[str] = [name]
    while "." in name:
        name = name.rpartition(".")[0]
        out.append(name)
    return out
