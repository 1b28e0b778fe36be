"""Alembic environment: migrations of the app's default database and of each bind.

Run by `erlen db ...` inside the app's context. Edit freely: it is part of your project.
Each database is migrated in its own transaction, one after another, and keeps its own
alembic_version table. Revision files have upgrade_<bind>()/downgrade_<bind>() per database
(`upgrade_()` for the default one).
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
# '' is the default database; then the bind keys (the same list as script.py.mako's).
engines = {"": db.engine}
engines.update(sorted((key, engine) for key, engine in db.engines.items() if key is not None))
config.set_main_option("sqlalchemy.url", engine_url(db.engine))
for name, engine in engines.items():
    if name:
        config.set_section_option(name, "sqlalchemy.url", engine_url(engine))


def target_metadata(name):
    """The metadata of one database ('' is the default one)."""
    return db.metadatas[name or None]


def skip_empty_revision(context, revision, directives):
    """With autogenerate, write no revision file when no database has changes."""
    if not getattr(config.cmd_opts, "autogenerate", False):
        return
    script = directives[0]
    if len(script.upgrade_ops_list) < len(engines):
        return  # not all databases compared yet
    if all(ops.is_empty() for ops in script.upgrade_ops_list):
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline():
    """--sql: write each database's SQL to standard output, one after another."""
    for name in engines:
        logger.info("Migrating database %s", name or "<default>")
        url = (
            config.get_main_option("sqlalchemy.url")
            if not name
            else config.get_section_option(name, "sqlalchemy.url")
        )
        context.configure(url=url, target_metadata=target_metadata(name), literal_binds=True)
        with context.begin_transaction():
            context.run_migrations(engine_name=name)


def run_migrations_online():
    options = dict(migrate_state.configure_args)  # Migrate(..., **kwargs), compare_type, ...
    options.setdefault("process_revision_directives", skip_empty_revision)
    for name, engine in engines.items():
        logger.info("Migrating database %s", name or "<default>")

        def migrate_with(connection, name=name):
            context.configure(
                connection=connection,
                upgrade_token=f"{name}_upgrades",
                downgrade_token=f"{name}_downgrades",
                target_metadata=target_metadata(name),
                **options,
            )
            with context.begin_transaction():
                context.run_migrations(engine_name=name)

        run_with_connection(engine, migrate_with)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
