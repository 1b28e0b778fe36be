"""The app's commands: ``erlen --app examples/blog init-db | seed-db | create-user | set-role``.

(``erlen --app examples/blog db ...`` are erlen.ext.migrate's commands.)
"""

from __future__ import annotations

import click
import sqlalchemy as sa

from erlen import Flask
from erlen.cli import with_appcontext
from erlen.datastructures import MultiDict
from erlen.ext import migrate as migrations

from . import sample_data
from .extensions import db
from .forms import RegisterForm
from .main import forget_cached_pages
from .models import DEFAULT_ROLE, ROLE_PERMISSIONS, Role, User

ROLE_CHOICE = click.Choice(list(ROLE_PERMISSIONS))


def drop_everything() -> None:
    """Drop the models' tables and Alembic's record of the migrations applied."""
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def require_tables() -> None:
    """Stop with a hint when the database has no tables yet."""
    if not sa.inspect(db.engine).has_table("post"):
        raise click.ClickException("The database has no tables: run 'init-db' first.")


def get_user(username: str) -> User:
    """The user called ``username``, or stop with an error."""
    user = User.by_username(username)
    if user is None:
        raise click.ClickException(f"There is no user called {username!r}.")
    return user


@click.command("init-db")
@click.option("--drop", is_flag=True, help="Drop every table first (this deletes all data).")
@with_appcontext
def init_db_command(drop: bool) -> None:
    """Bring the database up to date (the migrations) and create the roles.

    Existing data is kept, unless --drop.
    """
    if drop:
        drop_everything()
    migrations.upgrade()
    Role.ensure_defaults()
    db.session.commit()
    click.echo(f"The database is ready: {db.engine.url.render_as_string(hide_password=True)}")


@click.command("seed-db")
@with_appcontext
def seed_db_command() -> None:
    """Add the sample authors, posts and comments that are missing (run it again safely)."""
    require_tables()
    Role.ensure_defaults()
    added = sample_data.add_missing()
    db.session.commit()
    forget_cached_pages()
    click.echo(f"Added {added} sample posts." if added else "The sample posts are there already.")


@click.command("create-user")
@click.argument("username")
@click.option("--email", prompt=True, help="The user's email address.")
@click.option("--role", type=ROLE_CHOICE, default=DEFAULT_ROLE, show_default=True)
@with_appcontext
def create_user_command(username: str, email: str, role: str) -> None:
    """Create the account USERNAME; the password is asked for (twice, not shown)."""
    require_tables()
    Role.ensure_defaults()
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    fields = {"username": username, "email": email, "password": password, "confirm": password}
    # The rules of the registration page, checked by its form.
    form = RegisterForm(formdata=MultiDict(fields), meta={"csrf": False})
    if not form.validate():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        raise click.ClickException(problems)
    user = User(username=username, email=email, role=Role.named(role))
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {role} {username}.")


@click.command("set-role")
@click.argument("username")
@click.argument("role", type=ROLE_CHOICE)
@with_appcontext
def set_role_command(username: str, role: str) -> None:
    """Give USERNAME the role ROLE."""
    require_tables()
    Role.ensure_defaults()
    user = get_user(username)
    user.role = Role.named(role)
    db.session.commit()
    click.echo(f"{user.username} is now {role}.")


def init_app(app: Flask) -> None:
    """Add the commands to ``app.cli``."""
    for command in (init_db_command, seed_db_command, create_user_command, set_role_command):
        app.cli.add_command(command)
