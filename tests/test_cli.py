"""The ``erlen`` command line: app discovery, dotenv, options and the built-in commands."""

from __future__ import annotations

import importlib.metadata
import os
import ssl
import subprocess
import sys
import textwrap
import types
import typing as t
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from erlen import Blueprint, Flask, cli, current_app, serving
from erlen.cli import (
    AppGroup,
    FlaskGroup,
    NoAppException,
    ScriptInfo,
    find_app_by_string,
    find_best_app,
    load_dotenv,
    locate_app,
    prepare_import,
    run_command,
    show_server_banner,
    with_appcontext,
)

_ENV_NAMES = (
    "FLASK_APP",
    "ERLEN_APP",
    "FLASK_DEBUG",
    "ERLEN_DEBUG",
    "FLASK_RUN_FROM_CLI",
    "FLASK_SKIP_DOTENV",
    "ERLEN_SKIP_DOTENV",
    "FLASK_ENV_FILE",
    "ERLEN_ENV_FILE",
    "ERLEN_RUN_MAIN",
    "WERKZEUG_RUN_MAIN",
    "FLASK_RUN_PORT",
    "ERLEN_RUN_PORT",
    "FOO",
    "BAR",
    "SPAM",
    "EGGS",
)


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset the variables the CLI reads, and undo whatever it sets during the test."""
    for name in _ENV_NAMES:
        # setenv records the original state, so even a variable the code sets directly
        # (os.environ[...] = ...) is removed again afterwards.
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setattr(sys, "path", sys.path[:])


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def apps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> t.Iterator[Path]:
    """Small app modules in a temporary folder on sys.path (forgotten after the test)."""
    files = {
        "simple_app.py": """
            from erlen import Flask
            app = Flask("simple")

            @app.cli.command("hello")
            def hello():
                print("hello from simple")
        """,
        "named_app.py": """
            from erlen import Flask
            my_app = Flask("named")
        """,
        "multi_app.py": """
            from erlen import Flask
            one = Flask("one")
            two = Flask("two")
        """,
        "factory_app.py": """
            from erlen import Flask

            def create_app():
                return Flask("factory")

            def create_app2(a, b, *, c="c"):
                return Flask(f"app2_{a}_{b}_{c}")

            def broken_factory():
                raise TypeError("bad bad factory!")

            def no_app():
                return None

            not_a_function = 42
        """,
        "args_factory_app.py": """
            from erlen import Flask

            def create_app(config):
                return Flask(config)
        """,
        "failing_factory_app.py": """
            def create_app():
                raise TypeError("from inside the factory")
        """,
        "import_error_app.py": """
            import module_that_does_not_exist_anywhere
        """,
        "pkg/__init__.py": "",
        "pkg/inner/__init__.py": """
            from erlen import Flask
            app = Flask("inner")
        """,
        "pkg/inner/module.py": """
            from erlen import Flask
            application = Flask("inner_module")
        """,
        "cwd_wsgi/wsgi.py": """
            from erlen import Flask
            app = Flask("from_wsgi")
        """,
        "cwd_app/app.py": """
            from erlen import Flask
            app = Flask("from_app")
        """,
        "plugin_commands.py": """
            import click

            @click.command()
            def flask_plugin():
                click.echo("flask plugin ran")

            @click.command()
            def erlen_plugin():
                click.echo("erlen plugin ran")
        """,
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        module_file = getattr(sys.modules[name], "__file__", None) or ""
        if module_file.startswith(str(tmp_path)):
            del sys.modules[name]


# -- app discovery ---------------------------------------------------------------------------


def _module(**attrs: t.Any) -> types.ModuleType:
    module = types.ModuleType("fake_module")
    module.__dict__.update(attrs)
    return module


def test_find_best_app_by_common_names() -> None:
    app = Flask("a")
    assert find_best_app(_module(app=app)) is app
    assert find_best_app(_module(application=app)) is app
    # the only app, whatever its name; it wins over factories
    assert find_best_app(_module(whatever=app, create_app=lambda: Flask("b"))) is app


def test_find_best_app_factories() -> None:
    def create_app() -> Flask:
        return Flask("created")

    def make_app(**kwargs: t.Any) -> Flask:
        return Flask("made")

    assert find_best_app(_module(create_app=create_app)).name == "created"
    assert find_best_app(_module(make_app=make_app)).name == "made"


def test_find_best_app_errors() -> None:
    with pytest.raises(NoAppException, match="Failed to find Flask application or factory"):
        find_best_app(_module())
    with pytest.raises(NoAppException, match="Detected multiple Flask applications"):
        find_best_app(_module(a=Flask("a"), b=Flask("b")))

    def create_app(foo: t.Any, bar: t.Any) -> Flask:
        return Flask("x")

    # A factory that needs arguments: say so, rather than showing the TypeError.
    with pytest.raises(NoAppException, match="could not call it without arguments"):
        find_best_app(_module(create_app=create_app))

    def failing() -> Flask:
        raise TypeError("bad bad factory!")

    # A TypeError from inside the factory is the app's own bug: it propagates.
    with pytest.raises(TypeError, match="bad bad factory!"):
        find_best_app(_module(create_app=failing))


@pytest.mark.parametrize(
    ("app_name", "expected"),
    [
        ("create_app", "factory"),
        ("create_app()", "factory"),
        (" create_app () ", "factory"),
        ('create_app2("x", "y")', "app2_x_y_c"),
        ('create_app2("x", "y", )', "app2_x_y_c"),
        ("create_app2('x', 2, c=[1])", "app2_x_2_[1]"),
    ],
)
def test_find_app_by_string(apps: Path, app_name: str, expected: str) -> None:
    import factory_app  # type: ignore[import-not-found]

    assert find_app_by_string(factory_app, app_name).name == expected


@pytest.mark.parametrize(
    ("app_name", "message"),
    [
        ("create_app(", "Failed to parse"),
        ("a.b", "Failed to parse"),
        ("module.create_app()", "Function reference must be a simple name"),
        ("create_app2(x, y)", "Failed to parse arguments as literal values"),
        ("missing", "Failed to find attribute 'missing'"),
        ('create_app2("only_one")', "could not be called with the specified arguments"),
        ("no_app", "A valid Flask application was not obtained"),
        ("not_a_function", "A valid Flask application was not obtained"),
    ],
)
def test_find_app_by_string_errors(apps: Path, app_name: str, message: str) -> None:
    import factory_app

    with pytest.raises(NoAppException, match=message):
        find_app_by_string(factory_app, app_name)


def test_find_app_by_string_factory_error_propagates(apps: Path) -> None:
    import factory_app

    with pytest.raises(TypeError, match="bad bad factory!"):
        find_app_by_string(factory_app, "broken_factory()")


def test_locate_app(apps: Path) -> None:
    assert locate_app("simple_app", None).name == "simple"
    assert locate_app("named_app", "my_app").name == "named"
    assert locate_app("pkg.inner", None).name == "inner"
    assert locate_app("pkg.inner.module", None).name == "inner_module"
    with pytest.raises(NoAppException, match="Could not import 'not_here_at_all'"):
        locate_app("not_here_at_all", None)
    assert locate_app("not_here_at_all", None, raise_if_not_found=False) is None
    # An ImportError inside the module is reported with its traceback, always.
    for raise_if_not_found in (True, False):
        with pytest.raises(NoAppException, match="While importing 'import_error_app'") as e:
            locate_app("import_error_app", None, raise_if_not_found=raise_if_not_found)
        assert "module_that_does_not_exist_anywhere" in str(e.value)


@pytest.mark.parametrize(
    ("value", "folder", "module"),
    [
        ("some_module", ".", "some_module"),
        ("some_module.py", ".", "some_module"),
        ("sub/some_module", "sub", "some_module"),
        ("pkg/inner/__init__.py", ".", "pkg.inner"),
        ("pkg/inner/module.py", ".", "pkg.inner.module"),
        ("pkg/inner", ".", "pkg.inner"),
        ("dotted.name.here", ".", "dotted.name.here"),
    ],
)
def test_prepare_import(
    apps: Path, monkeypatch: pytest.MonkeyPatch, value: str, folder: str, module: str
) -> None:
    monkeypatch.chdir(apps)
    assert prepare_import(value) == module
    assert sys.path[0] == str((apps / folder).resolve())


def test_script_info_import_paths(apps: Path) -> None:
    info = ScriptInfo(app_import_path="named_app:my_app")
    app = info.load_app()
    assert app.name == "named"
    assert info.load_app() is app  # loaded once

    file_path = str(apps / "pkg" / "inner" / "module.py")
    assert ScriptInfo(app_import_path=file_path).load_app().name == "inner_module"
    assert ScriptInfo(app_import_path=f"{file_path}:application").load_app().name == (
        "inner_module"
    )
    assert ScriptInfo(app_import_path=str(apps / "pkg" / "inner")).load_app().name == "inner"
    created = ScriptInfo(app_import_path="factory_app:create_app2('p', 'q')").load_app()
    assert created.name == "app2_p_q_c"
    assert ScriptInfo(create_app=lambda: Flask("made")).load_app().name == "made"


@pytest.mark.parametrize(("folder", "name"), [("cwd_wsgi", "from_wsgi"), ("cwd_app", "from_app")])
def test_script_info_current_folder(
    apps: Path, monkeypatch: pytest.MonkeyPatch, folder: str, name: str
) -> None:
    monkeypatch.chdir(apps / folder)
    assert ScriptInfo().load_app().name == name


def test_script_info_nothing_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NoAppException) as e:
        ScriptInfo().load_app()
    message = str(e.value)
    assert "'erlen --app'" in message
    assert "ERLEN_APP" in message and "FLASK_APP" in message
    assert "'wsgi.py' or 'app.py'" in message


def test_script_info_sets_debug_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERLEN_DEBUG", "1")
    assert ScriptInfo(create_app=lambda: Flask("x")).load_app().debug is True

    def create_debug_app() -> Flask:
        app = Flask("x")
        app.debug = True
        return app

    monkeypatch.setenv("ERLEN_DEBUG", "0")
    assert ScriptInfo(create_app=create_debug_app).load_app().debug is False
    info = ScriptInfo(create_app=create_debug_app, set_debug_flag=False)
    assert info.load_app().debug is True


# -- the command group -------------------------------------------------------------------------


def test_app_option_and_environment_variables(apps: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli.cli, ["--app", "simple_app", "hello"])
    assert result.exit_code == 0, result.output
    assert result.output == "hello from simple\n"

    result = runner.invoke(cli.cli, ["-A", str(apps / "simple_app.py"), "hello"])
    assert result.output == "hello from simple\n"

    result = runner.invoke(cli.cli, ["hello"], env={"FLASK_APP": "simple_app"})
    assert result.output == "hello from simple\n"

    # ERLEN_APP wins over FLASK_APP, and --app over both.
    env = {"ERLEN_APP": "simple_app", "FLASK_APP": "named_app"}
    assert runner.invoke(cli.cli, ["hello"], env=env).output == "hello from simple\n"
    result = runner.invoke(cli.cli, ["--app", "named_app", "hello"], env=env)
    assert result.exit_code == 2
    assert "No such command 'hello'" in result.output


def test_no_app_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli.cli, ["missing"])
    assert result.exit_code == 2
    assert "Could not locate a Flask application" in result.stderr
    assert "Usage:" in result.stderr

    result = runner.invoke(cli.cli, ["--help"])
    assert result.exit_code == 0
    assert "FLASK_APP" in result.stderr
    assert "Usage:" in result.stdout
    assert "routes" in result.stdout and "run" in result.stdout and "shell" in result.stdout


def test_help_shows_app_traceback() -> None:
    def create_app() -> Flask:
        raise Exception("oh no")

    result = CliRunner().invoke(FlaskGroup(create_app=create_app), ["--help"])
    assert result.exit_code == 0
    assert "Exception: oh no" in result.stderr
    assert "Usage:" in result.stdout


def test_help_lists_app_commands_from_env(apps: Path) -> None:
    result = CliRunner().invoke(cli.cli, ["--help"], env={"ERLEN_APP": "simple_app"})
    assert result.exit_code == 0
    assert "hello" in result.stdout


def test_version(runner: CliRunner) -> None:
    from erlen import __version__

    result = runner.invoke(cli.cli, ["--version"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("Python ") and lines[0].split()[1] == sys.version.split()[0]
    assert f"erlen {__version__}" in lines
    assert "Flask 3.1 API" in lines


@pytest.mark.parametrize(("flag", "expected"), [("--debug", True), ("--no-debug", False)])
def test_debug_option(runner: CliRunner, flag: str, expected: bool) -> None:
    seen: list[tuple[t.Any, ...]] = []

    def create_app() -> Flask:
        # The factory already sees the flag.
        seen.append((os.environ.get("FLASK_DEBUG"), os.environ.get("ERLEN_DEBUG")))
        return Flask("dbg")

    group = FlaskGroup(create_app=create_app)

    @group.command()
    def show() -> None:
        click.echo(repr(current_app.debug))

    result = runner.invoke(group, [flag, "show"])
    assert result.output == f"{expected!r}\n"
    value = "1" if expected else "0"
    assert seen == [(value, value)]


def test_debug_from_environment_variable(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = FlaskGroup(create_app=lambda: Flask("dbg"))

    @group.command()
    def show() -> None:
        env = os.environ
        click.echo(f"{current_app.debug} {env.get('ERLEN_DEBUG')} {env.get('FLASK_DEBUG')}")

    for name in ("ERLEN_DEBUG", "FLASK_DEBUG"):
        # --debug given through the environment is mirrored to both variables
        assert runner.invoke(group, ["show"], env={name: "yes"}).output == "True 1 1\n"
        for var in ("ERLEN_DEBUG", "FLASK_DEBUG"):
            monkeypatch.delenv(var, raising=False)
    assert runner.invoke(group, ["show"]).output == "False None None\n"


def test_flask_run_from_cli_is_set(runner: CliRunner) -> None:
    group = FlaskGroup(create_app=lambda: Flask("x"))

    @group.command()
    def check() -> None:
        click.echo(os.environ["FLASK_RUN_FROM_CLI"])

    assert runner.invoke(group, ["check"]).output == "true\n"


def test_app_context_for_app_commands(runner: CliRunner) -> None:
    app = Flask("ctx_app")

    def param_callback(ctx: click.Context, param: click.Parameter, value: str) -> bool:
        return bool(current_app)

    @app.cli.command()
    @click.argument("value", callback=param_callback)
    def check(value: bool) -> None:
        loaded = click.get_current_context().obj.load_app()
        click.echo(f"{current_app._get_current_object() is loaded} {value}")

    result = runner.invoke(FlaskGroup(create_app=lambda: app), ["check", "x"])
    assert result.output == "True True\n"


def test_with_appcontext(runner: CliRunner) -> None:
    @click.command()
    @with_appcontext
    def command() -> None:
        click.echo(current_app.name)

    result = runner.invoke(command, obj=ScriptInfo(create_app=lambda: Flask("wac")))
    assert result.exit_code == 0
    assert result.output == "wac\n"


def test_app_group(runner: CliRunner) -> None:
    @click.group(cls=AppGroup)
    def group() -> None:
        pass

    @group.command()
    def first() -> None:
        click.echo(current_app.name)

    @group.group()
    def sub() -> None:
        pass

    @sub.command()
    def second() -> None:
        click.echo(current_app.name)

    @group.command(with_appcontext=False)
    def plain() -> None:
        click.echo(repr(bool(current_app)))

    assert isinstance(sub, AppGroup)
    obj = ScriptInfo(create_app=lambda: Flask("grouped"))
    assert runner.invoke(group, ["first"], obj=obj).output == "grouped\n"
    assert runner.invoke(group, ["sub", "second"], obj=obj).output == "grouped\n"
    assert runner.invoke(group, ["plain"], obj=obj).output == "False\n"


def test_flask_group_subclassed_and_nested(runner: CliRunner) -> None:
    @click.group(cls=FlaskGroup, create_app=lambda: Flask("custom"))
    def custom(**params: t.Any) -> None:
        pass

    @custom.command()
    def name() -> None:
        click.echo(current_app.name)

    assert runner.invoke(custom, ["name"]).output == "custom\n"

    outer = click.Group("outer")
    outer.add_command(custom, "inner")
    assert runner.invoke(outer, ["inner", "name"]).output == "custom\n"


def test_blueprint_commands(runner: CliRunner) -> None:
    app = Flask("bp_app")
    grouped = Blueprint("grouped", __name__, cli_group="tools")
    merged = Blueprint("merged", __name__, cli_group=None)
    default = Blueprint("default", __name__)

    @grouped.cli.command("a")
    def a() -> None:
        click.echo("tools a " + current_app.name)

    @merged.cli.command("b")
    def b() -> None:
        click.echo("merged b")

    @default.cli.command("c")
    def c() -> None:
        click.echo("default c")

    app.register_blueprint(grouped)
    app.register_blueprint(merged)
    app.register_blueprint(default)
    group = FlaskGroup(create_app=lambda: app)
    assert runner.invoke(group, ["tools", "a"]).output == "tools a bp_app\n"
    assert runner.invoke(group, ["b"]).output == "merged b\n"
    assert runner.invoke(group, ["default", "c"]).output == "default c\n"


def test_plugin_commands(apps: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    groups_asked: list[str] = []
    registered = {
        "flask.commands": [
            importlib.metadata.EntryPoint(
                name="fplug", value="plugin_commands:flask_plugin", group="flask.commands"
            )
        ],
        "erlen.commands": [
            importlib.metadata.EntryPoint(
                name="eplug", value="plugin_commands:erlen_plugin", group="erlen.commands"
            )
        ],
    }

    def fake_entry_points(*, group: str) -> list[importlib.metadata.EntryPoint]:
        groups_asked.append(group)
        return registered.get(group, [])

    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)
    group = FlaskGroup(create_app=lambda: Flask("x"))
    assert runner.invoke(group, ["fplug"]).output == "flask plugin ran\n"
    assert runner.invoke(group, ["eplug"]).output == "erlen plugin ran\n"
    assert sorted(set(groups_asked)) == ["erlen.commands", "flask.commands"]
    help_text = runner.invoke(group, ["--help"]).output
    assert "fplug" in help_text and "eplug" in help_text


def test_broken_plugin_command_is_skipped_with_a_warning(
    apps: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    registered = [
        importlib.metadata.EntryPoint(
            name="broken", value="no_such_module_here:cmd", group="flask.commands"
        ),
        importlib.metadata.EntryPoint(
            name="fplug", value="plugin_commands:flask_plugin", group="flask.commands"
        ),
    ]
    monkeypatch.setattr(
        importlib.metadata,
        "entry_points",
        lambda *, group: registered if group == "flask.commands" else [],
    )
    group = FlaskGroup(create_app=lambda: Flask("x"))
    result = runner.invoke(group, ["fplug"])
    assert result.exit_code == 0
    assert result.stdout == "flask plugin ran\n"
    assert "'broken' command (no_such_module_here:cmd) could not be loaded" in result.stderr


def test_plugin_commands_work_without_app(
    apps: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ep = importlib.metadata.EntryPoint(
        name="eplug", value="plugin_commands:erlen_plugin", group="erlen.commands"
    )
    monkeypatch.setattr(
        importlib.metadata,
        "entry_points",
        lambda *, group: [ep] if group == "erlen.commands" else [],
    )
    monkeypatch.chdir(tmp_path / "pkg")  # no app here
    result = CliRunner().invoke(FlaskGroup(), ["eplug"])
    assert result.exit_code == 0
    assert result.output == "erlen plugin ran\n"


# -- dotenv ------------------------------------------------------------------------------------


@pytest.fixture
def dotenv_dir(tmp_path: Path) -> Path:
    (tmp_path / ".flaskenv").write_text("FOO=flaskenv\nBAR=bar\nEGGS=flaskenv\n")
    (tmp_path / ".env").write_text("FOO=env\nSPAM=1\nHAM=火腿\n", encoding="utf-8")
    (tmp_path / "custom.env").write_text("FOO=custom\nEGGS=custom\n")
    return tmp_path


def test_load_dotenv(dotenv_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAM", "")
    monkeypatch.delenv("HAM")
    monkeypatch.setenv("EGGS", "real")
    monkeypatch.chdir(dotenv_dir)
    assert load_dotenv()
    assert os.environ["FOO"] == "env"  # .env wins over .flaskenv
    assert os.environ["BAR"] == "bar"
    assert os.environ["SPAM"] == "1"
    assert os.environ["EGGS"] == "real"  # the real environment wins
    assert os.environ["HAM"] == "火腿"
    assert not load_dotenv("no-such-file", load_defaults=False)


def test_load_dotenv_path_wins(dotenv_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(dotenv_dir)
    assert load_dotenv("custom.env")
    assert os.environ["FOO"] == "custom"
    assert os.environ["EGGS"] == "custom"
    assert os.environ["BAR"] == "bar"


def test_load_dotenv_from_subfolder(dotenv_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (dotenv_dir / "sub").mkdir()
    monkeypatch.chdir(dotenv_dir / "sub")
    assert load_dotenv()
    assert os.environ["FOO"] == "env"
    assert Path.cwd() == dotenv_dir / "sub"  # the working directory is not changed


def test_dotenv_missing_shows_tip(
    dotenv_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "dotenv", None)
    monkeypatch.chdir(dotenv_dir)
    assert not load_dotenv()
    assert "FOO" not in os.environ
    assert "Install python-dotenv to use them" in capsys.readouterr().err


def test_env_file_option(
    dotenv_dir: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(dotenv_dir)
    group = FlaskGroup(create_app=lambda: Flask("x"))

    @group.command()
    def show() -> None:
        click.echo(f"{os.environ.get('FOO')} {os.environ.get('BAR')}")

    assert runner.invoke(group, ["show"]).output == "env bar\n"
    for name in ("FOO", "BAR"):
        monkeypatch.delenv(name, raising=False)
    assert runner.invoke(group, ["-e", "custom.env", "show"]).output == "custom bar\n"


def test_env_file_option_needs_dotenv(
    dotenv_dir: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dotenv", None)
    monkeypatch.chdir(dotenv_dir)
    result = runner.invoke(
        FlaskGroup(create_app=lambda: Flask("x")), ["-e", "custom.env", "routes"]
    )
    assert result.exit_code == 2
    assert "python-dotenv must be installed" in result.output


@pytest.mark.parametrize("name", ["FLASK_SKIP_DOTENV", "ERLEN_SKIP_DOTENV"])
def test_skip_dotenv(
    dotenv_dir: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.chdir(dotenv_dir)
    monkeypatch.setenv(name, "1")
    runner.invoke(FlaskGroup(create_app=lambda: Flask("x")), ["routes"])
    assert "FOO" not in os.environ
    runner.invoke(FlaskGroup(create_app=lambda: Flask("x"), load_dotenv=False), ["routes"])
    assert "FOO" not in os.environ


# -- routes ------------------------------------------------------------------------------------


@pytest.fixture
def routes_app() -> Flask:
    app = Flask("routes_app")
    app.add_url_rule("/get_post/<int:x>/<int:y>", methods=["GET", "POST"], endpoint="yyy_get_post")
    app.add_url_rule("/zzz_post", methods=["POST"], endpoint="aaa_post")
    return app


def _endpoints(output: str) -> list[str]:
    return [line.split()[0] for line in output.splitlines()[2:]]


def test_routes_table(routes_app: Flask, runner: CliRunner) -> None:
    result = runner.invoke(FlaskGroup(create_app=lambda: routes_app), ["routes"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["Endpoint", "Methods", "Rule"]
    assert set(lines[1]) <= {"-", " "}
    assert _endpoints(result.output) == ["aaa_post", "static", "yyy_get_post"]
    assert "GET, POST" in result.output
    assert "HEAD" not in result.output and "OPTIONS" not in result.output
    # Columns are aligned.
    assert lines[2].index("POST") == lines[0].index("Methods")


def test_routes_sort(routes_app: Flask, runner: CliRunner) -> None:
    group = FlaskGroup(create_app=lambda: routes_app)

    def endpoints(*args: str) -> list[str]:
        return _endpoints(runner.invoke(group, ["routes", *args]).output)

    assert endpoints() == endpoints("--sort", "endpoint")
    assert endpoints("-s", "methods") == ["static", "yyy_get_post", "aaa_post"]
    assert endpoints("-s", "rule") == ["yyy_get_post", "static", "aaa_post"]
    assert endpoints("-s", "match") == [r.endpoint for r in routes_app.url_map.iter_rules()]
    result = runner.invoke(group, ["routes", "-s", "nope"])
    assert result.exit_code == 2


def test_routes_all_methods(routes_app: Flask, runner: CliRunner) -> None:
    group = FlaskGroup(create_app=lambda: routes_app)
    assert "GET, HEAD, OPTIONS, POST" not in runner.invoke(group, ["routes"]).output
    assert "GET, HEAD, OPTIONS, POST" in runner.invoke(group, ["routes", "--all-methods"]).output


def test_routes_none(runner: CliRunner) -> None:
    app = Flask("empty", static_folder=None)
    result = runner.invoke(FlaskGroup(create_app=lambda: app), ["routes"])
    assert result.exit_code == 0
    assert result.output == "No routes were registered.\n"


def test_routes_subdomain_and_host(runner: CliRunner) -> None:
    app = Flask("sub", static_folder=None)
    app.add_url_rule("/a", subdomain="a", endpoint="a")
    app.add_url_rule("/b", endpoint="b")
    output = runner.invoke(FlaskGroup(create_app=lambda: app), ["routes", "-s", "domain"]).output
    assert output.splitlines()[0].split() == ["Endpoint", "Methods", "Subdomain", "Rule"]
    assert _endpoints(output) == ["b", "a"]

    app = Flask("host", static_folder=None, host_matching=True)
    app.add_url_rule("/a", host="a.test", endpoint="a")
    output = runner.invoke(FlaskGroup(create_app=lambda: app), ["routes"]).output
    assert output.splitlines()[0].split() == ["Endpoint", "Methods", "Host", "Rule"]
    assert "a.test" in output


# -- shell -------------------------------------------------------------------------------------


def test_shell(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = Flask("shell_app")

    @app.shell_context_processor
    def extra() -> dict[str, t.Any]:
        return {"answer": 42}

    startup = tmp_path / "startup.py"
    startup.write_text("from_startup = 'yes'\n")
    monkeypatch.setenv("PYTHONSTARTUP", str(startup))
    monkeypatch.delattr(sys, "__interactivehook__", raising=False)
    code = "print(app.name, answer, from_startup, g is not None)\nprint(current_app_name())\n"
    monkeypatch.setattr(
        app,
        "make_shell_context",
        lambda original=app.make_shell_context: {
            **original(),
            "current_app_name": lambda: current_app.name,
        },
    )
    result = runner.invoke(FlaskGroup(create_app=lambda: app), ["shell"], input=code)
    assert result.exit_code == 0, result.output
    assert "App: shell_app" in result.output
    assert f"Instance: {app.instance_path}" in result.output
    assert "shell_app 42 yes True" in result.output
    # the app context is pushed while the shell runs
    assert "\nshell_app\n" in result.output.replace(">>> ", "\n")


def test_shell_readline_completion(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    import readline

    hook_calls: list[bool] = []
    monkeypatch.setattr(sys, "__interactivehook__", lambda: hook_calls.append(True), raising=False)
    old_completer = readline.get_completer()
    try:
        app = Flask("complete_app")
        app.shell_context_processor(lambda: {"apricot": 1})
        result = runner.invoke(FlaskGroup(create_app=lambda: app), ["shell"], input="")
        assert result.exit_code == 0
        assert hook_calls == [True]
        completer = readline.get_completer()
        # completes names of the shell's namespace, not of the CLI's __main__
        assert completer is not None
        assert completer("apr", 0) == "apricot"
    finally:
        readline.set_completer(old_completer)


# -- run ---------------------------------------------------------------------------------------


@pytest.fixture
def captured_run(
    monkeypatch: pytest.MonkeyPatch,
) -> list[tuple[tuple[t.Any, ...], dict[str, t.Any]]]:
    calls: list[tuple[tuple[t.Any, ...], dict[str, t.Any]]] = []
    monkeypatch.setattr(serving, "run_simple", lambda *a, **kw: calls.append((a, kw)))
    return calls


def test_run_defaults(runner: CliRunner, captured_run: list[t.Any]) -> None:
    app = Flask("run_app")
    result = runner.invoke(FlaskGroup(create_app=lambda: app), ["run"])
    assert result.exit_code == 0, result.output
    ((args, kwargs),) = captured_run
    assert args == ("127.0.0.1", 5000, app)
    assert kwargs == {
        "use_reloader": False,
        "use_debugger": False,
        "threaded": True,
        "ssl_context": None,
        "extra_files": None,
        "exclude_patterns": None,
        "header_timeout": serving.HEADER_TIMEOUT,
        "max_connections": serving.MAX_CONNECTIONS,
    }
    assert "Debug mode: off" in result.output


def test_run_server_limits(
    runner: CliRunner, captured_run: list[t.Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = Flask("run_app")
    cli = FlaskGroup(create_app=lambda: app)
    result = runner.invoke(cli, ["run", "--header-timeout", "2.5", "--max-connections", "7"])
    assert result.exit_code == 0, result.output
    assert captured_run[-1][1]["header_timeout"] == 2.5
    assert captured_run[-1][1]["max_connections"] == 7
    # 0 means no limit; the ERLEN_RUN_* variables set them too.
    monkeypatch.setenv("ERLEN_RUN_HEADER_TIMEOUT", "0")
    monkeypatch.setenv("ERLEN_RUN_MAX_CONNECTIONS", "0")
    assert runner.invoke(cli, ["run"]).exit_code == 0
    assert captured_run[-1][1]["header_timeout"] is None
    assert captured_run[-1][1]["max_connections"] is None
    result = runner.invoke(cli, ["run", "--max-connections", "-1"])
    assert result.exit_code == 2


def test_run_options(runner: CliRunner, captured_run: list[t.Any], tmp_path: Path) -> None:
    one, two = tmp_path / "one.cfg", tmp_path / "two.cfg"
    one.write_text("")
    two.write_text("")
    args = [
        "run",
        "--host", "0.0.0.0",
        "-p", "8123",
        "--reload",
        "--no-debugger",
        "--without-threads",
        "--extra-files", f"{one}{os.pathsep}{two}",
        "--exclude-patterns", f"*.tmp{os.pathsep}*/cache/*",
    ]  # fmt: skip
    result = runner.invoke(FlaskGroup(create_app=lambda: Flask("x")), args)
    assert result.exit_code == 0, result.output
    ((pos, kwargs),) = captured_run
    assert pos[:2] == ("0.0.0.0", 8123)
    assert kwargs["use_reloader"] is True
    assert kwargs["use_debugger"] is False
    assert kwargs["threaded"] is False
    assert kwargs["extra_files"] == [str(one), str(two)]
    assert kwargs["exclude_patterns"] == ["*.tmp", "*/cache/*"]


def test_run_reload_watches_template_folders(
    runner: CliRunner, captured_run: list[t.Any], tmp_path: Path
) -> None:
    from erlen import Blueprint

    (tmp_path / "templates").mkdir()
    (tmp_path / "bp_templates").mkdir()
    app = Flask("watched", root_path=str(tmp_path))
    app.register_blueprint(
        Blueprint("bp", "bp", root_path=str(tmp_path), template_folder="bp_templates")
    )
    # A blueprint whose template folder does not exist adds nothing.
    app.register_blueprint(Blueprint("gone", "gone", root_path=str(tmp_path), template_folder="x"))

    result = runner.invoke(FlaskGroup(create_app=lambda: app), ["run", "--reload"])
    assert result.exit_code == 0, result.output
    assert captured_run[0][1]["extra_files"] == [
        str(tmp_path / "templates"),
        str(tmp_path / "bp_templates"),
    ]

    captured_run.clear()
    result = runner.invoke(FlaskGroup(create_app=lambda: app), ["run", "--no-reload"])
    assert captured_run[0][1]["extra_files"] is None


def test_run_debug_enables_reloader_and_debugger(
    runner: CliRunner, captured_run: list[t.Any]
) -> None:
    result = runner.invoke(FlaskGroup(create_app=lambda: Flask("x")), ["--debug", "run"])
    assert result.exit_code == 0
    kwargs = captured_run[0][1]
    assert kwargs["use_reloader"] is kwargs["use_debugger"] is True
    assert "Debug mode: on" in result.output


def test_run_environment_defaults(runner: CliRunner, captured_run: list[t.Any]) -> None:
    group = FlaskGroup(create_app=lambda: Flask("x"))
    runner.invoke(group, ["run"], env={"FLASK_RUN_PORT": "7001", "FLASK_RUN_HOST": "0.0.0.0"})
    runner.invoke(group, ["run"], env={"FLASK_RUN_PORT": "7001", "ERLEN_RUN_PORT": "7002"})
    runner.invoke(group, ["run", "--port", "7003"], env={"ERLEN_RUN_PORT": "7002"})
    runner.invoke(group, ["run"], env={"ERLEN_RUN_RELOAD": "true"})
    assert [call[0][:2] for call in captured_run] == [
        ("0.0.0.0", 7001),
        ("127.0.0.1", 7002),
        ("127.0.0.1", 7003),
        ("127.0.0.1", 5000),
    ]
    assert captured_run[-1][1]["use_reloader"] is True


def test_run_makes_app_run_a_no_op(
    apps: Path, runner: CliRunner, captured_run: list[t.Any]
) -> None:
    (apps / "runs_at_import.py").write_text(
        "from erlen import Flask\napp = Flask('eager')\napp.run()\n"
    )
    result = runner.invoke(cli.cli, ["--app", "runs_at_import", "run"])
    assert result.exit_code == 0, result.output
    assert len(captured_run) == 1  # only the CLI's own server


def test_run_app_error(
    runner: CliRunner, captured_run: list[t.Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def create_app() -> Flask:
        raise RuntimeError("broken app")

    group = FlaskGroup(create_app=create_app)
    result = runner.invoke(group, ["run"])
    assert result.exit_code == 1
    assert isinstance(result.exception, RuntimeError)
    assert captured_run == []

    # In a reloaded server process the error is served instead, awaiting a fix.
    monkeypatch.setenv("ERLEN_RUN_MAIN", "true")
    result = runner.invoke(group, ["run"])
    assert result.exit_code == 0
    app = captured_run[0][0][2]
    with pytest.raises(RuntimeError, match="broken app"):
        app({}, lambda *a: None)


def test_run_cert_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert = str(tmp_path / "cert.pem")
    Path(cert).write_text("")
    with pytest.raises(click.BadParameter, match="Required when using"):
        run_command.make_context("run", ["--cert", cert])
    with pytest.raises(click.BadParameter, match="must also be specified"):
        run_command.make_context("run", ["--key", cert])
    for args in (["--cert", cert, "--key", cert], ["--key", cert, "--cert", cert]):
        assert run_command.make_context("run", args).params["cert"] == (cert, cert)

    monkeypatch.setitem(sys.modules, "cryptography", None)
    with pytest.raises(click.BadParameter, match="requires the cryptography library"):
        run_command.make_context("run", ["--cert", "adhoc"])
    monkeypatch.setitem(sys.modules, "cryptography", types.ModuleType("cryptography"))
    assert run_command.make_context("run", ["--cert", "adhoc"]).params["cert"] == "adhoc"
    with pytest.raises(click.BadParameter, match="is not used"):
        run_command.make_context("run", ["--cert", "adhoc", "--key", cert])

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    monkeypatch.setitem(sys.modules, "my_ssl_context", context)
    assert run_command.make_context("run", ["--cert", "my_ssl_context"]).params["cert"] is context
    with pytest.raises(click.BadParameter):
        run_command.make_context("run", ["--cert", "my_ssl_context", "--key", cert])
    with pytest.raises(click.BadParameter):
        run_command.make_context("run", ["--cert", "erlen"])  # imports, but not a context


def test_show_server_banner(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    show_server_banner(True, "hello")
    assert capsys.readouterr().out == " * Serving erlen app 'hello'\n * Debug mode: on\n"
    monkeypatch.setenv("ERLEN_RUN_MAIN", "true")
    show_server_banner(True, "hello")
    assert capsys.readouterr().out == ""


# -- entry points ------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["module", "script"])
def test_command_line_entry_points(apps: Path, how: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in _ENV_NAMES}
    env["ERLEN_APP"] = "simple_app"
    env["PYTHONPATH"] = os.pathsep.join([str(apps), env.get("PYTHONPATH", "")])
    if how == "module":
        command = [sys.executable, "-m", "erlen", "hello"]
    else:
        script = Path(sys.executable).with_name("erlen")
        assert script.exists()
        command = [str(script), "hello"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=apps, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "hello from simple\n"
