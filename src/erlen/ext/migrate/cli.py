"""The ``db`` command group (``erlen db ...``), added to ``app.cli`` by :class:`~.Migrate`."""

from __future__ import annotations

import typing as t

import click

from erlen import g
from erlen.cli import with_appcontext

from . import (
    branches as _branches,
    check as _check,
    current as _current,
    downgrade as _downgrade,
    edit as _edit,
    heads as _heads,
    history as _history,
    init as _init,
    list_templates as _list_templates,
    merge as _merge,
    migrate as _migrate,
    revision as _revision,
    show as _show,
    stamp as _stamp,
    upgrade as _upgrade,
)

__all__ = ["db"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

_directory = click.option(
    "-d", "--directory", default=None, help='Migration script directory (default is "migrations")'
)
_sql = click.option(
    "--sql", is_flag=True, help="Don't emit SQL to database - dump to standard output instead"
)
_tag = click.option(
    "--tag", default=None, help='Arbitrary "tag" name - can be used by custom env.py scripts'
)
_x_arg = click.option(
    "-x", "--x-arg", multiple=True, help="Additional arguments consumed by custom env.py scripts"
)
_verbose = click.option("-v", "--verbose", is_flag=True, help="Use more verbose output")
_rev_id = click.option(
    "--rev-id", default=None, help="Specify a hardcoded revision id instead of generating one"
)
_branch_label = click.option(
    "--branch-label", default=None, help="Specify a branch label to apply to the new revision"
)


def _revision_options(f: F) -> F:
    """The options ``revision`` and ``migrate`` share."""
    for option in reversed(
        (
            click.option("-m", "--message", default=None, help="Revision message"),
            _sql,
            click.option(
                "--head",
                default="head",
                help="Specify head revision or <branchname>@head to base new revision on",
            ),
            click.option(
                "--splice",
                is_flag=True,
                help='Allow a non-head revision as the "head" to splice onto',
            ),
            _branch_label,
            click.option(
                "--version-path",
                default=None,
                help="Specify specific path from config for version file",
            ),
            _rev_id,
        )
    ):
        f = option(f)
    return f


def _dir(directory: str | None) -> str | None:
    """The command's ``-d``, else the group's."""
    return directory or g.directory


def _x(x_arg: tuple[str, ...]) -> tuple[str, ...]:
    """The command's ``-x`` values, else the group's."""
    return x_arg or g.x_arg


@click.group()
@_directory
@_x_arg
@with_appcontext
def db(directory: str | None, x_arg: tuple[str, ...]) -> None:
    """Perform database migrations."""
    g.directory = directory
    g.x_arg = x_arg  # read by Migrate.get_config()


@db.command()
@with_appcontext
def list_templates() -> None:
    """List available templates."""
    _list_templates()


@db.command()
@_directory
@click.option("--multidb", is_flag=True, help="Support multiple databases")
@click.option(
    "-t", "--template", default=None, help='Repository template to use (default is "erlen")'
)
@click.option(
    "--package",
    is_flag=True,
    help="Write empty __init__.py files to the environment and version locations",
)
@with_appcontext
def init(directory: str | None, multidb: bool, template: str | None, package: bool) -> None:
    """Creates a new migration repository."""
    _init(_dir(directory), multidb, template, package)


@db.command()
@_directory
@_revision_options
@click.option(
    "--autogenerate",
    is_flag=True,
    help="Populate revision script with candidate migration operations, based on comparison of"
    " database to model",
)
@with_appcontext
def revision(directory: str | None, autogenerate: bool, **kwargs: t.Any) -> None:
    """Create a new revision file."""
    _revision(_dir(directory), autogenerate=autogenerate, **kwargs)


@db.command()
@_directory
@_revision_options
@_x_arg
@with_appcontext
def migrate(directory: str | None, x_arg: tuple[str, ...], **kwargs: t.Any) -> None:
    """Autogenerate a new revision file (Alias for 'revision --autogenerate')"""
    _migrate(_dir(directory), x_arg=_x(x_arg), **kwargs)


@db.command()
@_directory
@click.argument("revision", default="head")
@with_appcontext
def edit(directory: str | None, revision: str) -> None:
    """Edit a revision file"""
    _edit(_dir(directory), revision)


@db.command()
@_directory
@click.option("-m", "--message", default=None, help="Merge revision message")
@_branch_label
@_rev_id
@click.argument("revisions", nargs=-1)
@with_appcontext
def merge(
    directory: str | None,
    message: str | None,
    branch_label: str | None,
    rev_id: str | None,
    revisions: tuple[str, ...],
) -> None:
    """Merge two revisions together, creating a new revision file"""
    _merge(_dir(directory), revisions, message, branch_label, rev_id)


@db.command()
@_directory
@_sql
@_tag
@_x_arg
@click.argument("revision", default="head")
@with_appcontext
def upgrade(
    directory: str | None, sql: bool, tag: str | None, x_arg: tuple[str, ...], revision: str
) -> None:
    """Upgrade to a later version"""
    _upgrade(_dir(directory), revision, sql, tag, _x(x_arg))


@db.command()
@_directory
@_sql
@_tag
@_x_arg
@click.argument("revision", default="-1")
@with_appcontext
def downgrade(
    directory: str | None, sql: bool, tag: str | None, x_arg: tuple[str, ...], revision: str
) -> None:
    """Revert to a previous version"""
    _downgrade(_dir(directory), revision, sql, tag, _x(x_arg))


@db.command()
@_directory
@click.argument("revision", default="head")
@with_appcontext
def show(directory: str | None, revision: str) -> None:
    """Show the revision denoted by the given symbol."""
    _show(_dir(directory), revision)


@db.command()
@_directory
@click.option(
    "-r", "--rev-range", default=None, help="Specify a revision range; format is [start]:[end]"
)
@_verbose
@click.option("-i", "--indicate-current", is_flag=True, help="Indicate current version")
@with_appcontext
def history(
    directory: str | None, rev_range: str | None, verbose: bool, indicate_current: bool
) -> None:
    """List changeset scripts in chronological order."""
    _history(_dir(directory), rev_range, verbose, indicate_current)


@db.command()
@_directory
@_verbose
@click.option(
    "--resolve-dependencies", is_flag=True, help="Treat dependency versions as down revisions"
)
@with_appcontext
def heads(directory: str | None, verbose: bool, resolve_dependencies: bool) -> None:
    """Show current available heads in the script directory"""
    _heads(_dir(directory), verbose, resolve_dependencies)


@db.command()
@_directory
@_verbose
@with_appcontext
def branches(directory: str | None, verbose: bool) -> None:
    """Show current branch points"""
    _branches(_dir(directory), verbose)


@db.command()
@_directory
@_verbose
@with_appcontext
def current(directory: str | None, verbose: bool) -> None:
    """Display the current revision for each database."""
    _current(_dir(directory), verbose)


@db.command()
@_directory
@_sql
@_tag
@click.option(
    "--purge", is_flag=True, help="Delete the version in the alembic_version table before stamping"
)
@click.argument("revision", default="head")
@with_appcontext
def stamp(directory: str | None, sql: bool, tag: str | None, purge: bool, revision: str) -> None:
    """'stamp' the revision table with the given revision; don't run any migrations"""
    _stamp(_dir(directory), revision, sql, tag, purge)


@db.command()
@_directory
@with_appcontext
def check(directory: str | None) -> None:
    """Check if there are any new operations to migrate"""
    _check(_dir(directory))
