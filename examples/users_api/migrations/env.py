"""Alembic environment: migrations of the app's erlen.ext.sqlalchemy database.

Run by `erlen db ...` inside the app's context. Edit freely: it is part of your project.
"""

import logging
from logging.config import fileConfig

from alembic import context

from erlen import current_app
from erlen.ext.migrate.environment import engine_url, run_with_connection

config = context.config
if config.config_file_name is not None:
    # Keep the loggers configured before (the app's, when migrations run from code).
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_state = current_app.extensions["migrate"]
db = migrate_state.db
config.set_main_option("sqlalchemy.url", engine_url(db.engine))


def target_metadata():
    """The models' metadata (of the default database), compared by autogenerate."""
    return db.metadatas[None] if hasattr(db, "metadatas") else db.metadata


def skip_empty_revision(context, revision, directives):
    """With autogenerate, write no revision file when the models match the database."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline():
    """--sql: write the SQL to standard output instead of running it."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata(),
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def migrate_with(connection):
    options = dict(migrate_state.configure_args)  # Migrate(..., **kwargs), compare_type, ...
    options.setdefault("process_revision_directives", skip_empty_revision)
    context.configure(connection=connection, target_metadata=target_metadata(), **options)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_with_connection(db.engine, migrate_with)
