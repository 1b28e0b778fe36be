"""The app's commands: ``erlen --app examples/users_api seed-db | create-admin | list-users
| purge-tokens``. (``erlen --app examples/users_api db ...`` are erlen.ext.migrate's
commands: ``db upgrade`` creates the tables.)"""

from __future__ import annotations

import click
import sqlalchemy as sa
from marshmallow import ValidationError

from erlen import Flask
from erlen.cli import with_appcontext

from .exceptions import ValidationFailed
from .extensions import db
from .models import Role, User
from .schemas import ROLES, UserCreateSchema
from .services import tokens, users

FIRST_NAMES = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Guido"]  # fmt: skip
LAST_NAMES = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "van Rossum"]  # fmt: skip
#: The sample users' addresses end with this.
SAMPLE_DOMAIN = "@example.com"


def require_tables() -> None:
    """Stop with a hint when the database has no tables yet."""
    if not sa.inspect(db.engine).has_table(User.__tablename__):
        raise click.ClickException(
            "The database has no tables: run 'erlen --app examples/users_api db upgrade' first."
        )


def sample_people(count: int) -> list[tuple[str, str]]:
    """``count`` (name, email address) pairs, always the same ones in the same order:
    every first name with every last name, then again with numbered addresses."""
    people = []
    for number in range(count):
        first = FIRST_NAMES[number % len(FIRST_NAMES)]
        last = LAST_NAMES[number // len(FIRST_NAMES) % len(LAST_NAMES)]
        round_ = number // (len(FIRST_NAMES) * len(LAST_NAMES))
        local = f"{first}.{last}{round_ + 1 if round_ else ''}".lower().replace(" ", "")
        people.append((f"{first} {last}", f"{local}{SAMPLE_DOMAIN}"))
    return people


@click.command("seed-db")
@click.option("--users", "count", type=click.IntRange(0, 10_000), default=25, show_default=True)
@with_appcontext
def seed_db_command(count: int) -> None:
    """Add sample users (without a password: nobody can log in as them). Running it again
    adds only those that are missing."""
    require_tables()
    people = sample_people(count)
    existing = set(
        db.session.scalars(sa.select(User.email).where(User.email.endswith(SAMPLE_DOMAIN)))
    )
    added = [User(name=name, email=email) for name, email in people if email not in existing]
    db.session.add_all(added)
    db.session.commit()
    click.echo(f"Added {len(added)} sample users ({count - len(added)} were there already).")


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator", show_default=True)
@with_appcontext
def create_admin_command(email: str, name: str) -> None:
    """Create the admin account EMAIL; the password is asked for (twice, not shown)."""
    require_tables()
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        # The sign-up rules of the API, checked by its schema, then by the service.
        data = UserCreateSchema().load({"email": email, "name": name, "password": password})
        user = users.create_user(**data, role=Role.ADMIN.value)
    except (ValidationError, ValidationFailed) as e:
        problems = e.messages if isinstance(e, ValidationError) else e.fields
        raise click.ClickException(
            "; ".join(f"{field}: {' '.join(messages)}" for field, messages in problems.items())
        ) from None
    click.echo(f"Created admin {user.email} (id {user.id}).")


@click.command("list-users")
@click.option("--role", type=click.Choice(ROLES), help="Only users with this role.")
@click.option("--deleted", "include_deleted", is_flag=True, help="Include deleted users.")
@with_appcontext
def list_users_command(role: str | None, include_deleted: bool) -> None:
    """Print the users as a table, by id."""
    require_tables()
    rows = [
        (
            str(u.id),
            u.email,
            u.name,
            u.role,
            u.created_at.strftime("%Y-%m-%d"),
            "deleted" if u.is_deleted else "",
        )
        for u in db.session.scalars(users.users_query(include_deleted=include_deleted, role=role))
    ]
    headers = ("id", "email", "name", "role", "created", "")
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    click.echo(f"{len(rows)} user{'' if len(rows) == 1 else 's'}.")


@click.command("purge-tokens")
@with_appcontext
def purge_tokens_command() -> None:
    """Delete the blocklist entries of tokens that have expired anyway."""
    require_tables()
    click.echo(f"Deleted {tokens.purge_expired()} expired revoked tokens.")


def init_app(app: Flask) -> None:
    """Add the commands to ``app.cli``."""
    for command in (
        seed_db_command,
        create_admin_command,
        list_users_command,
        purge_tokens_command,
    ):
        app.cli.add_command(command)
