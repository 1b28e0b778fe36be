"""``erlen.ext.migrate``: Flask-Migrate 4.1's API on erlen and Alembic, without Flask.

``Migrate(app, db)`` adds the ``db`` command group to the app's CLI (``erlen db init``,
``erlen db migrate -m "..."``, ``erlen db upgrade``, ...); the same operations are functions
here (``upgrade()``, ``downgrade()``, ...) for use in code, inside an application context.
``erlen db init`` writes erlen's own environment templates (``erlen``, or ``erlen-multidb`` with
``--multidb``); both handle async drivers. See ``docs/ext/migrate.md``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import typing as t
from functools import wraps

from alembic import __version__ as _alembic_version_text, command
from alembic.config import Config as AlembicConfig
from alembic.util import CommandError

from erlen import current_app, g

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask

__all__ = [
    "Config",
    "Migrate",
    "alembic_version",
    "branches",
    "check",
    "current",
    "downgrade",
    "edit",
    "heads",
    "history",
    "init",
    "list_templates",
    "merge",
    "migrate",
    "revision",
    "show",
    "stamp",
    "upgrade",
]

#: Alembic's version as three ints.
alembic_version: tuple[int, ...] = tuple(int(part) for part in _alembic_version_text.split(".")[:3])

log = logging.getLogger(__name__)

_TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")

# Flask-Migrate's template names, for `init -t NAME` written against it: erlen's templates
# handle sync and async drivers alike, so the "aioflask" ones map to the same.
_TEMPLATE_ALIASES = {
    "flask": "erlen",
    "aioflask": "erlen",
    "flask-multidb": "erlen-multidb",
    "aioflask-multidb": "erlen-multidb",
}

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
ConfigCallback = t.Callable[[AlembicConfig], AlembicConfig]


class _MigrateConfig:
    """What ``app.extensions["migrate"]`` holds: the :class:`Migrate`, the db, and the keyword
    arguments for Alembic's ``context.configure()`` (``configure_args``)."""

    def __init__(self, migrate: Migrate, db: t.Any, **kwargs: t.Any) -> None:
        self.migrate = migrate
        self.db = db
        self.directory = migrate.directory
        self.configure_args = kwargs

    @property
    def metadata(self) -> t.Any:
        """The db's default metadata (older ``env.py`` files read it here)."""
        return self.db.metadata


class Config(AlembicConfig):
    """Alembic's :class:`~alembic.config.Config` whose templates are erlen's (or those of
    ``template_directory``)."""

    def __init__(
        self, *args: t.Any, template_directory: str | None = None, **kwargs: t.Any
    ) -> None:
        self.template_directory = template_directory
        super().__init__(*args, **kwargs)

    def get_template_directory(self) -> str:
        """The folder holding the ``alembic init`` templates."""
        return self.template_directory or _TEMPLATES


class Migrate:
    """Flask-Migrate's extension object: binds Alembic to an app and its SQLAlchemy db.

    :param directory: the migration repository (default ``migrations``).
    :param command: name of the CLI group (default ``db``).
    :param compare_type: let autogenerate detect column type changes.
    :param render_as_batch: write batch operations (needed for SQLite's ALTER limits).
    :param kwargs: more arguments for Alembic's ``context.configure()``.
    """

    def __init__(
        self,
        app: Flask | None = None,
        db: t.Any = None,
        directory: str | os.PathLike[str] = "migrations",
        command: str = "db",
        compare_type: bool = True,
        render_as_batch: bool = True,
        **kwargs: t.Any,
    ) -> None:
        self.configure_callbacks: list[ConfigCallback] = []
        self.db = db
        self.command = command
        self.directory = str(directory)
        self.alembic_ctx_kwargs = kwargs
        self.alembic_ctx_kwargs["compare_type"] = compare_type
        self.alembic_ctx_kwargs["render_as_batch"] = render_as_batch
        if app is not None and db is not None:
            self.init_app(app, db, directory)

    def init_app(
        self,
        app: Flask,
        db: t.Any = None,
        directory: str | os.PathLike[str] | None = None,
        command: str | None = None,
        compare_type: bool | None = None,
        render_as_batch: bool | None = None,
        **kwargs: t.Any,
    ) -> None:
        """Register on ``app``: ``app.extensions["migrate"]`` and the CLI group."""
        self.db = db or self.db
        self.command = command or self.command
        self.directory = str(directory or self.directory)
        self.alembic_ctx_kwargs.update(kwargs)
        if compare_type is not None:
            self.alembic_ctx_kwargs["compare_type"] = compare_type
        if render_as_batch is not None:
            self.alembic_ctx_kwargs["render_as_batch"] = render_as_batch
        app.extensions["migrate"] = _MigrateConfig(self, self.db, **self.alembic_ctx_kwargs)

        from .cli import db as db_group

        app.cli.add_command(db_group, name=self.command)

    def configure(self, f: ConfigCallback) -> ConfigCallback:
        """Decorator: ``f(config)`` may change the Alembic config and must return it."""
        self.configure_callbacks.append(f)
        return f

    def call_configure_callbacks(self, config: AlembicConfig) -> AlembicConfig:
        """Pass ``config`` through the :meth:`configure` callbacks."""
        for callback in self.configure_callbacks:
            config = callback(config)
        return config

    def get_config(
        self,
        directory: str | os.PathLike[str] | None = None,
        x_arg: str | t.Sequence[str] | None = None,
        opts: t.Sequence[str] | None = None,
    ) -> AlembicConfig:
        """The Alembic config of the repository: ``opts`` become true ``cmd_opts`` flags and
        ``x_arg`` (plus the CLI group's ``-x``) the ``-x`` arguments ``env.py`` can read."""
        directory = str(self.directory if directory is None else directory)
        config = Config(os.path.join(directory, "alembic.ini"))
        config.set_main_option("script_location", directory)
        if config.cmd_opts is None:
            config.cmd_opts = argparse.Namespace()
        for opt in opts or ():
            setattr(config.cmd_opts, opt, True)
        if not hasattr(config.cmd_opts, "x"):
            x_args = list(g.get("x_arg", None) or ())
            if isinstance(x_arg, str):
                x_args.append(x_arg)
            elif x_arg is not None:
                x_args.extend(x_arg)
            config.cmd_opts.x = x_args
        return self.call_configure_callbacks(config)


def catch_errors(f: F) -> F:
    """Report Alembic's errors (and RuntimeErrors) as one log line and exit with status 1."""

    @wraps(f)
    def wrapped(*args: t.Any, **kwargs: t.Any) -> None:
        try:
            f(*args, **kwargs)
        except (CommandError, RuntimeError) as exc:
            log.error("Error: %s", exc)
            sys.exit(1)

    return wrapped  # type: ignore[return-value]


def _migrate() -> Migrate:
    migrate: Migrate = current_app.extensions["migrate"].migrate
    return migrate


def _config(directory: str | None, **kwargs: t.Any) -> AlembicConfig:
    return _migrate().get_config(directory, **kwargs)


def _new_revision(
    config: AlembicConfig,
    message: str | None,
    autogenerate: bool,
    sql: bool,
    head: str,
    splice: bool,
    branch_label: str | None,
    version_path: str | None,
    rev_id: str | None,
) -> None:
    """Alembic's ``revision`` command, shared by :func:`revision` and :func:`migrate`."""
    command.revision(
        config,
        message,
        autogenerate=autogenerate,
        sql=sql,
        head=head,
        splice=splice,
        branch_label=branch_label,
        version_path=version_path,
        rev_id=rev_id,
    )


@catch_errors
def list_templates() -> None:
    """Print the repository templates ``init`` can use, with their one-line synopsis."""
    config = Config()
    config.print_stdout("Available templates:\n")
    folder = config.get_template_directory()
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name, "README")) as readme:
            synopsis = readme.readline().strip()
        config.print_stdout("%s - %s", name, synopsis)


@catch_errors
def init(
    directory: str | None = None,
    multidb: bool = False,
    template: str | None = None,
    package: bool = False,
) -> None:
    """Create a migration repository (template ``erlen``, ``erlen-multidb`` with ``multidb``,
    or ``template``: a name, or a path to a template folder of one's own)."""
    if directory is None:
        directory = current_app.extensions["migrate"].directory
    template_directory = None
    if template is not None and ("/" in template or "\\" in template):
        template_directory, template = os.path.split(template)
    config: AlembicConfig = Config(template_directory=template_directory)
    config.set_main_option("script_location", directory)
    config.config_file_name = os.path.join(directory, "alembic.ini")
    config = _migrate().call_configure_callbacks(config)
    if template is None:
        template = "erlen-multidb" if multidb else "erlen"
    elif template_directory is None:
        template = _TEMPLATE_ALIASES.get(template, template)
    command.init(config, directory, template=template, package=package)


@catch_errors
def revision(
    directory: str | None = None,
    message: str | None = None,
    autogenerate: bool = False,
    sql: bool = False,
    head: str = "head",
    splice: bool = False,
    branch_label: str | None = None,
    version_path: str | None = None,
    rev_id: str | None = None,
) -> None:
    """Create a new revision file (compared with the models when ``autogenerate``)."""
    config = _config(directory, opts=["autogenerate"] if autogenerate else None)
    _new_revision(
        config, message, autogenerate, sql, head, splice, branch_label, version_path, rev_id
    )


@catch_errors
def migrate(
    directory: str | None = None,
    message: str | None = None,
    sql: bool = False,
    head: str = "head",
    splice: bool = False,
    branch_label: str | None = None,
    version_path: str | None = None,
    rev_id: str | None = None,
    x_arg: str | t.Sequence[str] | None = None,
) -> None:
    """``revision --autogenerate``: a revision with the changes between models and database."""
    config = _config(directory, opts=["autogenerate"], x_arg=x_arg)
    _new_revision(config, message, True, sql, head, splice, branch_label, version_path, rev_id)


@catch_errors
def edit(directory: str | None = None, revision: str = "current") -> None:
    """Open a revision file in ``$EDITOR``."""
    command.edit(_config(directory), revision)


@catch_errors
def merge(
    directory: str | None = None,
    revisions: str | list[str] | tuple[str, ...] = "",
    message: str | None = None,
    branch_label: str | None = None,
    rev_id: str | None = None,
) -> None:
    """Create a revision merging several heads."""
    command.merge(
        _config(directory), revisions, message=message, branch_label=branch_label, rev_id=rev_id
    )


@catch_errors
def upgrade(
    directory: str | None = None,
    revision: str = "head",
    sql: bool = False,
    tag: str | None = None,
    x_arg: str | t.Sequence[str] | None = None,
) -> None:
    """Upgrade the database to ``revision`` (``sql``: print the SQL instead)."""
    command.upgrade(_config(directory, x_arg=x_arg), revision, sql=sql, tag=tag)


@catch_errors
def downgrade(
    directory: str | None = None,
    revision: str = "-1",
    sql: bool = False,
    tag: str | None = None,
    x_arg: str | t.Sequence[str] | None = None,
) -> None:
    """Downgrade the database to ``revision`` (default: one step back)."""
    if sql and revision == "-1":
        revision = "head:-1"  # offline mode has no current revision to step back from
    command.downgrade(_config(directory, x_arg=x_arg), revision, sql=sql, tag=tag)


@catch_errors
def show(directory: str | None = None, revision: str = "head") -> None:
    """Show a revision."""
    command.show(_config(directory), revision)


@catch_errors
def history(
    directory: str | None = None,
    rev_range: str | None = None,
    verbose: bool = False,
    indicate_current: bool = False,
) -> None:
    """List the revisions in order."""
    command.history(
        _config(directory), rev_range, verbose=verbose, indicate_current=indicate_current
    )


@catch_errors
def heads(
    directory: str | None = None, verbose: bool = False, resolve_dependencies: bool = False
) -> None:
    """Show the current heads of the repository."""
    command.heads(_config(directory), verbose=verbose, resolve_dependencies=resolve_dependencies)


@catch_errors
def branches(directory: str | None = None, verbose: bool = False) -> None:
    """Show the branch points."""
    command.branches(_config(directory), verbose=verbose)


@catch_errors
def current(directory: str | None = None, verbose: bool = False) -> None:
    """Show the database's current revision (per database)."""
    command.current(_config(directory), verbose=verbose)


@catch_errors
def stamp(
    directory: str | None = None,
    revision: str = "head",
    sql: bool = False,
    tag: str | None = None,
    purge: bool = False,
) -> None:
    """Set the database's revision without running migrations."""
    command.stamp(_config(directory), revision, sql=sql, tag=tag, purge=purge)


@catch_errors
def check(directory: str | None = None) -> None:
    """Exit with an error when autogenerate would find changes (or the database is behind)."""
    command.check(_config(directory))
