# Alembic settings for this migration repository (erlen, several databases).
# The database URL is not here: env.py takes it from the app's config.

[alembic]
# revision file names, e.g. %%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s
# file_template = %%(rev)s_%%(slug)s

# run env.py for 'revision' even without --autogenerate
# revision_environment = false

[loggers]
keys = root,sqlalchemy,alembic,erlen_migrate

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[logger_erlen_migrate]
level = INFO
handlers =
qualname = erlen.ext.migrate

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
