"""The ``erlen`` command line (Flask's ``flask.cli``).

``erlen --app hello run`` serves an app, ``erlen routes`` lists its URL rules, ``erlen
shell`` opens a Python shell in its app context, and the app's (and its blueprints') own
commands are available too, as are plugin commands registered under the ``flask.commands``
or ``erlen.commands`` entry point groups.

The app is found through ``--app`` (``-A``), then the ``ERLEN_APP`` or ``FLASK_APP``
environment variables, then a ``wsgi.py`` or ``app.py`` file in the current folder.
Options can be set through ``FLASK_*`` environment variables as with Flask (for example
``FLASK_RUN_PORT``); erlen's own options also read ``ERLEN_*`` ones (``ERLEN_RUN_PORT``),
which win over the ``FLASK_*`` ones.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import inspect
import os
import platform
import re
import sys
import traceback
import typing as t
from functools import update_wrapper
from operator import itemgetter
from types import ModuleType

import click
from click.core import ParameterSource

from . import serving
from .globals import _cv_app, current_app

if t.TYPE_CHECKING:
    import ssl

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from .app import Flask

__all__ = [
    "AppGroup",
    "CertParamType",
    "FlaskGroup",
    "NoAppException",
    "ScriptInfo",
    "SeparatedPathType",
    "cli",
    "find_app_by_string",
    "find_best_app",
    "get_version",
    "is_running_from_reloader",
    "load_dotenv",
    "locate_app",
    "main",
    "pass_script_info",
    "prepare_import",
    "routes_command",
    "run_command",
    "shell_command",
    "show_server_banner",
    "version_option",
    "with_appcontext",
]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def is_running_from_reloader() -> bool:
    """True in the server process started by the reloader."""
    return serving.is_running_from_reloader()


class NoAppException(click.UsageError):
    """Raised when the application cannot be found or loaded."""


def _flask_class() -> type[Flask]:
    from .app import Flask

    return Flask


def find_best_app(module: ModuleType) -> Flask:
    """Find the app in ``module``.

    In order: an app named ``app`` or ``application``, the only app in the module, or the
    app returned by a ``create_app`` or ``make_app`` factory called without arguments.
    """
    flask_class = _flask_class()
    for attr_name in ("app", "application"):
        candidate = getattr(module, attr_name, None)
        if isinstance(candidate, flask_class):
            return candidate

    found = [v for v in module.__dict__.values() if isinstance(v, flask_class)]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise NoAppException(
            "Detected multiple Flask applications in module"
            f" '{module.__name__}'. Use '{module.__name__}:name'"
            " to specify the correct one."
        )

    for attr_name in ("create_app", "make_app"):
        factory = getattr(module, attr_name, None)
        if not inspect.isfunction(factory):
            continue
        try:
            candidate = factory()
        except TypeError as e:
            if not _called_with_wrong_args(factory):
                raise
            raise NoAppException(
                f"Detected factory '{attr_name}' in module '{module.__name__}',"
                " but could not call it without arguments. Use"
                f" '{module.__name__}:{attr_name}(args)'"
                " to specify arguments."
            ) from e
        if isinstance(candidate, flask_class):
            return candidate

    raise NoAppException(
        "Failed to find Flask application or factory in module"
        f" '{module.__name__}'. Use '{module.__name__}:name'"
        " to specify one."
    )


def _called_with_wrong_args(f: t.Callable[..., t.Any]) -> bool:
    """Whether the ``TypeError`` being handled comes from calling ``f`` itself (bad
    arguments) rather than from code running inside ``f``."""
    tb = sys.exc_info()[2]
    try:
        while tb is not None:
            if tb.tb_frame.f_code is f.__code__:
                return False  # f started running: the error is from its body
            tb = tb.tb_next
        return True
    finally:
        del tb  # a traceback in a local is a reference cycle


def find_app_by_string(module: ModuleType, app_name: str) -> Flask:
    """Find the app named by ``app_name`` in ``module``: an attribute name, or a factory
    call like ``create_app('dev', debug=True)`` whose arguments are Python literals."""
    try:
        expr = ast.parse(app_name.strip(), mode="eval").body
    except SyntaxError:
        raise NoAppException(
            f"Failed to parse {app_name!r} as an attribute name or function call."
        ) from None

    args: list[t.Any] = []
    kwargs: dict[str, t.Any] = {}
    if isinstance(expr, ast.Name):
        name = expr.id
    elif isinstance(expr, ast.Call):
        if not isinstance(expr.func, ast.Name):
            raise NoAppException(f"Function reference must be a simple name: {app_name!r}.")
        name = expr.func.id
        try:
            args = [ast.literal_eval(arg) for arg in expr.args]
            kwargs = {
                kw.arg: ast.literal_eval(kw.value) for kw in expr.keywords if kw.arg is not None
            }
        except ValueError:
            raise NoAppException(
                f"Failed to parse arguments as literal values: {app_name!r}."
            ) from None
    else:
        raise NoAppException(f"Failed to parse {app_name!r} as an attribute name or function call.")

    try:
        attr = getattr(module, name)
    except AttributeError as e:
        raise NoAppException(f"Failed to find attribute {name!r} in {module.__name__!r}.") from e

    if inspect.isfunction(attr):
        try:
            app = attr(*args, **kwargs)
        except TypeError as e:
            if not _called_with_wrong_args(attr):
                raise
            raise NoAppException(
                f"The factory {app_name!r} in module"
                f" {module.__name__!r} could not be called with the"
                " specified arguments."
            ) from e
    else:
        app = attr

    if isinstance(app, _flask_class()):
        return app
    raise NoAppException(
        f"A valid Flask application was not obtained from '{module.__name__}:{app_name}'."
    )


def prepare_import(path: str) -> str:
    """Turn a file path (or module name) into a module name, putting the folder to import
    it from first on ``sys.path``."""
    path = os.path.realpath(path)
    base, ext = os.path.splitext(path)
    if ext == ".py":
        path = base
    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)

    parts = []
    # Climb out of the package: the import root is the first folder without __init__.py.
    while True:
        path, name = os.path.split(path)
        parts.append(name)
        if not os.path.exists(os.path.join(path, "__init__.py")):
            break

    if sys.path[0] != path:
        sys.path.insert(0, path)
    return ".".join(reversed(parts))


@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: t.Literal[True] = True
) -> Flask: ...


@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: t.Literal[False] = ...
) -> Flask | None: ...


def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = True
) -> Flask | None:
    """Import ``module_name`` and find the app in it (by ``app_name`` if given).

    A module that does not exist gives ``None`` when ``raise_if_not_found`` is false; an
    ``ImportError`` raised while running the module is always reported.
    """
    try:
        __import__(module_name)
    except ImportError:
        # A traceback deeper than this frame means the module exists but failed inside.
        if sys.exc_info()[2].tb_next:  # type: ignore[union-attr]
            raise NoAppException(
                f"While importing {module_name!r}, an ImportError was"
                f" raised:\n\n{traceback.format_exc()}"
            ) from None
        if raise_if_not_found:
            raise NoAppException(f"Could not import {module_name!r}.") from None
        return None

    module = sys.modules[module_name]
    if app_name is None:
        return find_best_app(module)
    return find_app_by_string(module, app_name)


def get_version(ctx: click.Context, param: click.Parameter | None, value: t.Any) -> None:
    """Callback of ``--version``: print the Python and erlen versions and exit."""
    if not value or ctx.resilient_parsing:
        return
    from . import __version__

    click.echo(
        f"Python {platform.python_version()}\nerlen {__version__}\nFlask 3.1 API\nWerkzeug 3.1 API",
        color=ctx.color,
    )
    ctx.exit()


class _EnvOption(click.Option):
    """An option whose ``FLASK_*`` automatic environment variable has an ``ERLEN_*`` twin,
    which wins when both are set."""

    def resolve_envvar_value(self, ctx: click.Context) -> str | None:
        """The value of ``ERLEN_<...>_<NAME>`` if set, else Click's usual lookup."""
        prefix = ctx.auto_envvar_prefix
        if (
            self.envvar is None
            and self.allow_from_autoenv
            and self.name is not None
            and prefix is not None
            and (prefix == "FLASK" or prefix.startswith("FLASK_"))
        ):
            value = os.environ.get(f"ERLEN{prefix[5:]}_{self.name.upper()}")
            if value:
                return value
        return super().resolve_envvar_value(ctx)


#: The ``--version`` option of :class:`FlaskGroup`.
version_option = click.Option(
    ["--version"],
    help="Show the Python and erlen versions.",
    expose_value=False,
    callback=get_version,
    is_flag=True,
    is_eager=True,
)


class ScriptInfo:
    """How the CLI loads the application; passed to commands as the Click context object.

    :param app_import_path: where to find the app (``module:name``, file path, ...).
    :param create_app: a callable returning the app (wins over ``app_import_path``).
    :param set_debug_flag: set the app's ``debug`` from ``ERLEN_DEBUG``/``FLASK_DEBUG``.
    :param load_dotenv_defaults: whether ``.flaskenv`` and ``.env`` are loaded (unless
        ``ERLEN_SKIP_DOTENV``/``FLASK_SKIP_DOTENV`` is set).
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: t.Callable[..., Flask] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        from .app import get_load_dotenv

        #: Where to import the app from, if given.
        self.app_import_path = app_import_path
        #: A callable returning the app, if given.
        self.create_app = create_app
        #: Arbitrary data for commands to share.
        self.data: dict[t.Any, t.Any] = {}
        self.set_debug_flag = set_debug_flag
        #: Whether the default dotenv files are loaded (the loading happens elsewhere).
        self.load_dotenv_defaults = get_load_dotenv(load_dotenv_defaults)
        self._loaded_app: Flask | None = None

    def load_app(self) -> Flask:
        """Load the app (once; later calls return the same app)."""
        if self._loaded_app is not None:
            return self._loaded_app
        app: Flask | None = None
        if self.create_app is not None:
            app = self.create_app()
        elif self.app_import_path:
            # The ":" of a Windows drive ("C:\\") is not the app name separator.
            path, name = (re.split(r":(?![\\/])", self.app_import_path, maxsplit=1) + [None])[:2]
            app = locate_app(prepare_import(t.cast(str, path)), name)
        else:
            for path in ("wsgi.py", "app.py"):
                app = locate_app(prepare_import(path), None, raise_if_not_found=False)
                if app is not None:
                    break

        if app is None:
            raise NoAppException(
                "Could not locate a Flask application. Use the"
                " 'erlen --app' option, 'ERLEN_APP' or 'FLASK_APP' environment"
                " variable, or a 'wsgi.py' or 'app.py' file in the"
                " current directory."
            )

        if self.set_debug_flag:
            from .app import get_debug_flag

            # Through the property, so that settings derived from debug follow.
            app.debug = get_debug_flag()

        self._loaded_app = app
        return app


#: Decorator passing the :class:`ScriptInfo` to a command as its first argument.
pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)


def with_appcontext(f: F) -> F:
    """Run the command callback (and its subcommands) in the app context.

    Not needed for commands of ``app.cli`` or a blueprint's ``cli``: those always run in
    the app context.
    """

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if _cv_app.get(None) is None:
            app = ctx.ensure_object(ScriptInfo).load_app()
            ctx.with_resource(app.app_context())
        return ctx.invoke(f, *args, **kwargs)

    return update_wrapper(decorator, f)  # type: ignore[return-value]


class AppGroup(click.Group):
    """A Click group whose :meth:`command` wraps callbacks in :func:`with_appcontext`
    (unless given ``with_appcontext=False``) and whose :meth:`group` makes AppGroups."""

    def command(  # type: ignore[override]
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Callable[[t.Callable[..., t.Any]], click.Command]:
        """Like :meth:`click.Group.command`, running the callback in the app context."""
        wrap_for_ctx = kwargs.pop("with_appcontext", True)

        def decorator(f: t.Callable[..., t.Any]) -> click.Command:
            if wrap_for_ctx:
                f = with_appcontext(f)
            return super(AppGroup, self).command(*args, **kwargs)(f)

        return decorator

    def group(  # type: ignore[override]
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Callable[[t.Callable[..., t.Any]], click.Group]:
        """Like :meth:`click.Group.group`, making an :class:`AppGroup` by default."""
        kwargs.setdefault("cls", AppGroup)
        return super().group(*args, **kwargs)


def _set_app(ctx: click.Context, param: click.Option, value: str | None) -> str | None:
    if value is None:
        return None
    ctx.ensure_object(ScriptInfo).app_import_path = value
    return value


# Eager so that the app is known when --help (eager too, so listed after it) is processed.
_app_option = _EnvOption(
    ["-A", "--app"],
    metavar="IMPORT",
    help=(
        "The application or factory function to load, in the form 'module:name'."
        " Module can be a dotted import or file path. Name is not required if it is"
        " 'app', 'application', 'create_app', or 'make_app', and can be 'name(args)' to"
        " pass arguments."
    ),
    is_eager=True,
    expose_value=False,
    callback=_set_app,
)


def _set_debug(ctx: click.Context, param: click.Option, value: bool) -> bool | None:
    source = ctx.get_parameter_source(param.name)
    if source is not None and source in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP):
        return None  # not given: leave debug to the environment
    # Through the environment (not ScriptInfo) so an app factory can already see it.
    flag = "1" if value else "0"
    os.environ["FLASK_DEBUG"] = flag
    os.environ["ERLEN_DEBUG"] = flag
    return value


_debug_option = _EnvOption(
    ["--debug/--no-debug"],
    help="Set debug mode.",
    expose_value=False,
    callback=_set_debug,
)


def _env_file_callback(ctx: click.Context, param: click.Option, value: str | None) -> str | None:
    try:
        import dotenv  # noqa: F401
    except ImportError:
        # Without a file given, load_dotenv below only shows a tip.
        if value is not None:
            raise click.BadParameter(
                "python-dotenv must be installed to load an env file.", ctx=ctx, param=param
            ) from None
    load_defaults = ctx.ensure_object(ScriptInfo).load_dotenv_defaults
    if value is not None or load_defaults:
        load_dotenv(value, load_defaults=load_defaults)
    return value


# Eager, and first, so the variables it loads are seen by the other options.
_env_file_option = _EnvOption(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    help=(
        "Load environment variables from this file, taking precedence over"
        " those set by '.env' and '.flaskenv'. Variables set directly in the"
        " environment take highest precedence. python-dotenv must be installed."
    ),
    is_eager=True,
    expose_value=False,
    callback=_env_file_callback,
)


def _set_compat(ctx: click.Context, param: click.Option, value: bool) -> bool:
    if value:
        from . import compat  # noqa: F401  (importing it turns compat mode on)
    return value


# Eager and declared first: compat mode must be on before the app or a plugin command
# imports a Flask extension. Only on the ``erlen`` command, not on every FlaskGroup.
_compat_option = click.Option(
    ["--compat"],
    is_flag=True,
    envvar="ERLEN_COMPAT",
    help=(
        "Compat mode: 'flask' and 'werkzeug' imports load erlen, so Flask extensions run on"
        " erlen (also ERLEN_COMPAT=1). See docs/compat.md."
    ),
    is_eager=True,
    expose_value=False,
    callback=_set_compat,
)


class FlaskGroup(AppGroup):
    """The ``erlen`` command group: loads the app and adds its commands.

    :param add_default_commands: add the ``run``, ``shell`` and ``routes`` commands.
    :param create_app: a callable returning the app, instead of discovering it.
    :param add_version_option: add ``--version``.
    :param load_dotenv: load the ``.env`` and ``.flaskenv`` files.
    :param set_debug_flag: set the app's debug flag from the environment.
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: t.Callable[..., Flask] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: t.Any,
    ) -> None:
        params: list[click.Parameter] = list(extra.pop("params", None) or ())
        # Option callbacks, not the group callback, so that a custom group callback keeps
        # the behavior; --env-file comes first so it is processed before --app.
        params.extend((_env_file_option, _app_option, _debug_option))
        if add_version_option:
            params.append(version_option)
        extra.setdefault("context_settings", {})
        extra["context_settings"].setdefault("auto_envvar_prefix", "FLASK")
        super().__init__(params=params, **extra)

        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        if add_default_commands:
            self.add_command(run_command)
            self.add_command(shell_command)
            self.add_command(routes_command)
        self._loaded_plugin_commands = False

    def _load_plugin_commands(self) -> None:
        if self._loaded_plugin_commands:
            return
        for group in ("flask.commands", "erlen.commands"):
            for ep in importlib.metadata.entry_points(group=group):
                # One broken plugin (say a Flask extension whose import fails without Flask)
                # must not take every other command down with it.
                try:
                    command = ep.load()
                except Exception as e:
                    click.echo(
                        f"Warning: the '{ep.name}' command ({ep.value}) could not be loaded: {e}",
                        err=True,
                    )
                    continue
                self.add_command(command, ep.name)
        self._loaded_plugin_commands = True

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """Find a built-in or plugin command, else one of the app's (loading the app)."""
        self._load_plugin_commands()
        # Built-in and plugin commands work even when the app can't be loaded.
        rv = super().get_command(ctx, name)
        if rv is not None:
            return rv

        info = ctx.ensure_object(ScriptInfo)
        try:
            app = info.load_app()
        except NoAppException as e:
            click.secho(f"Error: {e.format_message()}\n", err=True, fg="red")
            return None

        # The app context is available to the command's parameter callbacks too.
        app_ctx = _cv_app.get(None)
        if app_ctx is None or app_ctx.app is not app:
            ctx.with_resource(app.app_context())
        return app.cli.get_command(ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The built-in, plugin and app commands (reporting an app that fails to load)."""
        self._load_plugin_commands()
        rv = set(super().list_commands(ctx))
        info = ctx.ensure_object(ScriptInfo)
        try:
            rv.update(info.load_app().cli.list_commands(ctx))
        except NoAppException as e:
            click.secho(f"Error: {e.format_message()}\n", err=True, fg="red")
        except Exception:
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        return sorted(rv)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: t.Any,
    ) -> click.Context:
        """Create the context, with a :class:`ScriptInfo` as its object."""
        # Makes app.run() a no-op: an unguarded app.run() in the imported module would
        # otherwise start a server while loading the app.
        os.environ["FLASK_RUN_FROM_CLI"] = "true"
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse the arguments, reading --env-file and --app early for a bare ``--help``."""
        if _compat_option in self.params:
            # ERLEN_COMPAT before any option: Click would process an option taken from the
            # environment after those on the command line, and --help loads the app.
            _compat_option.handle_parse_result(ctx, {}, [])
        if (not args and self.no_args_is_help) or (
            len(args) == 1 and args[0] in self.get_help_option_names(ctx)
        ):
            # The help is shown before options are processed; load the env file and the
            # app location (maybe from the environment) so the app's commands are listed.
            _env_file_option.handle_parse_result(ctx, {}, [])
            _app_option.handle_parse_result(ctx, {}, [])
        return super().parse_args(ctx, args)


def load_dotenv(path: str | os.PathLike[str] | None = None, load_defaults: bool = True) -> bool:
    """Set environment variables from dotenv files, with python-dotenv.

    ``path`` wins over ``.env``, which wins over ``.flaskenv`` (both searched from the
    current folder upwards); variables already in the environment are kept. Without
    python-dotenv installed nothing is loaded (and a tip is shown if such files exist).
    Returns whether any variable was read.
    """
    try:
        import dotenv
    except ImportError:
        if path or os.path.isfile(".env") or os.path.isfile(".flaskenv"):
            click.secho(
                " * Tip: There are .env files present. Install python-dotenv to use them.",
                fg="yellow",
                err=True,
            )
        return False

    data: dict[str, str | None] = {}
    if load_defaults:
        for name in (".flaskenv", ".env"):
            found = dotenv.find_dotenv(name, usecwd=True)
            if found:
                data |= dotenv.dotenv_values(found, encoding="utf-8")
    if path is not None and os.path.isfile(path):
        data |= dotenv.dotenv_values(path, encoding="utf-8")

    for key, value in data.items():
        if key not in os.environ and value is not None:
            os.environ[key] = value
    return bool(data)


def show_server_banner(debug: bool, app_import_path: str | None) -> None:
    """Print which app is served and whether debug mode is on (not again on reloads)."""
    if is_running_from_reloader():
        return
    if app_import_path is not None:
        click.echo(f" * Serving erlen app '{app_import_path}'")
    if debug is not None:
        click.echo(f" * Debug mode: {'on' if debug else 'off'}")


class CertParamType(click.ParamType):
    """The ``--cert`` option type: a certificate file, ``adhoc``, or the import name of an
    :class:`ssl.SSLContext`."""

    name = "path"

    def __init__(self) -> None:
        self.path_type = click.Path(exists=True, dir_okay=False, resolve_path=True)

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        """Validate the value as described on the class."""
        try:
            import ssl
        except ImportError:
            raise click.BadParameter(
                'Using "--cert" requires Python to be compiled with SSL support.', ctx, param
            ) from None

        try:
            return self.path_type(value, param, ctx)
        except click.BadParameter:
            value = click.STRING(value, param, ctx).lower()
            if value == "adhoc":
                try:
                    import cryptography  # noqa: F401
                except ImportError:
                    raise click.BadParameter(
                        "Using ad-hoc certificates requires the cryptography library.",
                        ctx,
                        param,
                    ) from None
                return value

            from .utils import import_string

            obj = import_string(value, silent=True)
            if isinstance(obj, ssl.SSLContext):
                return obj
            raise


def _validate_key(ctx: click.Context, param: click.Parameter, value: t.Any) -> t.Any:
    """Check ``--key`` against ``--cert``; with a certificate file, make ``cert`` the
    ``(cert, key)`` pair."""
    cert = ctx.params.get("cert")
    is_adhoc = cert == "adhoc"
    try:
        import ssl
    except ImportError:
        is_context = False
    else:
        is_context = isinstance(cert, ssl.SSLContext)

    if value is not None:
        if is_adhoc:
            raise click.BadParameter('When "--cert" is "adhoc", "--key" is not used.', ctx, param)
        if is_context:
            raise click.BadParameter(
                'When "--cert" is an SSLContext object, "--key" is not used.', ctx, param
            )
        if not cert:
            raise click.BadParameter('"--cert" must also be specified.', ctx, param)
        ctx.params["cert"] = cert, value
    elif cert and not (is_adhoc or is_context):
        raise click.BadParameter('Required when using "--cert".', ctx, param)
    return value


class SeparatedPathType(click.Path):
    """A list of paths separated by :data:`os.pathsep`, each checked as a
    :class:`click.Path`."""

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        """Split the value and convert each path."""
        items = self.split_envvar_value(value)
        convert_one = super().convert
        return [convert_one(item, param, ctx) for item in items]


@click.command("run", short_help="Run a development server.")
@click.option("--host", "-h", default="127.0.0.1", help="The interface to bind to.", cls=_EnvOption)
@click.option("--port", "-p", default=5000, help="The port to bind to.", cls=_EnvOption)
@click.option(
    "--cert",
    type=CertParamType(),
    help="Specify a certificate file to use HTTPS.",
    is_eager=True,
    cls=_EnvOption,
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    callback=_validate_key,
    expose_value=False,
    help="The key file to use when specifying a certificate.",
    cls=_EnvOption,
)
@click.option(
    "--reload/--no-reload",
    default=None,
    help="Enable or disable the reloader. By default the reloader is active if debug is enabled.",
    cls=_EnvOption,
)
@click.option(
    "--debugger/--no-debugger",
    default=None,
    help="Enable or disable the debugger. By default the debugger is active if debug is enabled.",
    cls=_EnvOption,
)
@click.option(
    "--with-threads/--without-threads",
    default=True,
    help="Enable or disable multithreading.",
    cls=_EnvOption,
)
@click.option(
    "--extra-files",
    default=None,
    type=SeparatedPathType(),
    help=(
        "Extra files that trigger a reload on change. Multiple paths"
        f" are separated by {os.path.pathsep!r}."
    ),
    cls=_EnvOption,
)
@click.option(
    "--exclude-patterns",
    default=None,
    type=SeparatedPathType(),
    help=(
        "Files matching these fnmatch patterns will not trigger a reload"
        f" on change. Multiple patterns are separated by {os.path.pathsep!r}."
    ),
    cls=_EnvOption,
)
@click.option(
    "--asgi/--wsgi",
    "asgi",
    default=None,
    help=(
        "Serve over ASGI on uvicorn (needs erlen[asgi]) or over WSGI. By default ASGI if"
        " the app has websocket routes, else WSGI."
    ),
    cls=_EnvOption,
)
@click.option(
    "--header-timeout",
    type=click.FloatRange(min=0),
    default=serving.HEADER_TIMEOUT,
    show_default=True,
    help="Seconds a client has to send a request line and headers (0: no limit).",
    cls=_EnvOption,
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=0),
    default=serving.MAX_CONNECTIONS,
    show_default=True,
    help="The most connections served at once; more get a 503 (0: no limit).",
    cls=_EnvOption,
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    reload: bool | None,
    debugger: bool | None,
    with_threads: bool,
    cert: ssl.SSLContext | tuple[str, str | None] | t.Literal["adhoc"] | None,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
    asgi: bool | None,
    header_timeout: float,
    max_connections: int,
) -> None:
    """Run a local development server.

    This server is for development purposes only. It does not provide
    the stability, security, or performance of production WSGI servers.

    The reloader and debugger are enabled by default with the '--debug'
    option.

    An app with websocket routes (or '--asgi') is served over ASGI by
    uvicorn (pip install 'erlen[asgi]'), with the same reloader and
    debugger; '--with-threads' and '--header-timeout' apply to WSGI only.
    """
    from .app import get_debug_flag

    app: WSGIApplication
    load_error: Exception | None = None
    try:
        app = info.load_app()
    except Exception as e:
        if not is_running_from_reloader():
            raise e from None
        # In a reloaded server process keep serving: show the error now and on each
        # request (through the debugger, if on) until a fix triggers a reload.
        traceback.print_exc()
        err = load_error = e

        def app(environ: WSGIEnvironment, start_response: StartResponse) -> t.Iterable[bytes]:
            raise err from None

    debug = get_debug_flag()
    if reload is None:
        reload = debug
    if debugger is None:
        debugger = debug

    if reload:
        extra_files = [*(extra_files or ()), *_template_folders(app)]

    if asgi is None:
        asgi = _has_websocket_routes(app)
    show_server_banner(debug, info.app_import_path)
    if asgi:
        if importlib.util.find_spec("uvicorn") is None:
            raise click.ClickException(serving.UVICORN_MISSING)
        if load_error is not None:
            # A reloaded server process whose app failed to import: exit, so the watcher
            # answers that the app failed to start until a change restarts it.
            raise load_error
        serving.run_asgi(
            host,
            port,
            t.cast("t.Callable[..., t.Awaitable[None]]", app),
            use_reloader=reload,
            use_debugger=debugger,
            ssl_context=cert,
            extra_files=extra_files or None,
            exclude_patterns=exclude_patterns,
            max_connections=max_connections or None,
        )
        return
    serving.run_simple(
        host,
        port,
        app,
        use_reloader=reload,
        use_debugger=debugger,
        threaded=with_threads,
        ssl_context=cert,
        extra_files=extra_files or None,
        exclude_patterns=exclude_patterns,
        header_timeout=header_timeout or None,
        max_connections=max_connections or None,
    )


def _has_websocket_routes(app: t.Any) -> bool:
    """Whether ``app`` (an erlen app, or any WSGI callable) has websocket URL rules."""
    url_map = getattr(app, "url_map", None)
    if url_map is None:
        return False
    return any(getattr(rule, "websocket", False) for rule in url_map.iter_rules())


def _template_folders(app: t.Any) -> list[str]:
    """The existing template folders of an app and its blueprints, for the reloader."""
    folders: list[str] = []
    scaffolds = [app, *getattr(app, "blueprints", {}).values()]
    for scaffold in scaffolds:
        folder = getattr(scaffold, "template_folder", None)
        root = getattr(scaffold, "root_path", None)
        if folder is None or root is None:
            continue
        path = os.path.join(root, folder)
        if os.path.isdir(path) and path not in folders:
            folders.append(path)
    return folders


run_command.params.insert(0, _debug_option)


@click.command("shell", short_help="Run a shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """Run an interactive Python shell in the context of a given
    application.  The application will populate the default
    namespace of this shell according to its configuration.

    This is useful for executing small snippets of management code
    without having to manually configure the application.
    """
    import code

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    banner = (
        f"Python {sys.version} on {sys.platform}\n"
        f"App: {app.import_name}\n"
        f"Instance: {app.instance_path}"
    )
    namespace: dict[str, t.Any] = {}

    # Like the interactive interpreter, run the PYTHONSTARTUP script first.
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup) as f:
            eval(compile(f.read(), startup, "exec"), namespace)

    namespace.update(app.make_shell_context())

    # Set by site (or a startup script) to run when entering interactive mode; the
    # default one sets up readline history and completion.
    interactive_hook = getattr(sys, "__interactivehook__", None)
    if interactive_hook is not None:
        try:
            import readline
            from rlcompleter import Completer
        except ImportError:
            pass
        else:
            # rlcompleter completes from __main__ (this CLI) by default.
            readline.set_completer(Completer(namespace).complete)
        interactive_hook()

    code.interact(banner=banner, local=namespace)


@click.command("routes", short_help="Show the routes for the app.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(("endpoint", "methods", "domain", "rule", "match")),
    default="endpoint",
    help=(
        "Method to sort routes by. 'match' is the order that the app will match routes"
        " when dispatching a request."
    ),
    cls=_EnvOption,
)
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS methods.", cls=_EnvOption)
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Show all registered routes with endpoints and methods."""
    rules = list(current_app.url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return

    ignored_methods = set() if all_methods else {"HEAD", "OPTIONS"}
    host_matching = current_app.url_map.host_matching
    has_domain = any(rule.host if host_matching else rule.subdomain for rule in rules)
    rows = []
    for rule in rules:
        row = [rule.endpoint, ", ".join(sorted((rule.methods or set()) - ignored_methods))]
        if has_domain:
            row.append((rule.host if host_matching else rule.subdomain) or "")
        row.append(rule.rule)
        rows.append(row)

    headers = ["Endpoint", "Methods"]
    sort_columns = ["endpoint", "methods"]
    if has_domain:
        headers.append("Host" if host_matching else "Subdomain")
        sort_columns.append("domain")
    headers.append("Rule")
    sort_columns.append("rule")

    # "match" (and "domain" without that column) keep the map's order.
    if sort in sort_columns:
        rows.sort(key=itemgetter(sort_columns.index(sort)))

    rows.insert(0, headers)
    widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]
    rows.insert(1, ["-" * w for w in widths])
    template = "  ".join(f"{{{i}:<{w}}}" for i, w in enumerate(widths))
    for row in rows:
        click.echo(template.format(*row).rstrip())


#: The ``erlen`` command.
cli = FlaskGroup(
    name="erlen",
    params=[_compat_option],
    help="""\
A general utility script for erlen (and Flask) applications.

An application to load must be given with the '--app' option,
'ERLEN_APP' or 'FLASK_APP' environment variable, or with a 'wsgi.py'
or 'app.py' file in the current directory.
""",
)


def main() -> None:
    """Run the ``erlen`` command (the console script and ``python -m erlen``)."""
    cli.main()


if __name__ == "__main__":
    main()
