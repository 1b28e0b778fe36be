"""The application logger setup (Flask's ``flask.logging``)."""

from __future__ import annotations

import logging
import sys
import typing as t

from . import globals as _globals
from .local import LocalProxy

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Flask

__all__ = ["create_logger", "default_handler", "has_level_handler", "wsgi_errors_stream"]

# PERF: bound by assignment, not import: see erlen.globals (method calls on 3.11).
_cv_request = _globals._cv_request


def _current_errors_stream() -> t.TextIO:
    """Return ``wsgi.errors`` of the active request, else :data:`sys.stderr`."""
    ctx = _cv_request.get(None)
    if ctx is not None:
        stream = ctx.request.environ.get("wsgi.errors")
        # ASGI requests have no wsgi.errors; log to stderr like outside a request.
        if stream is not None:
            return stream
    return sys.stderr


#: The most appropriate error stream, resolved on every use: the active
#: request's ``environ["wsgi.errors"]``, or :data:`sys.stderr` outside a request
#: (and for ASGI requests). Use it as the stream of your own
#: :class:`logging.StreamHandler`; in file or dict logging configuration refer
#: to it as ``ext://erlen.logging.wsgi_errors_stream``.
wsgi_errors_stream: t.TextIO = LocalProxy(_current_errors_stream)  # type: ignore[assignment]


def has_level_handler(logger: logging.Logger) -> bool:
    """Return whether a handler in ``logger``'s chain handles its effective level.

    Walks up the logger hierarchy while loggers propagate, like
    :meth:`logging.Logger.callHandlers`.
    """
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current is not None:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


#: Logs to :data:`wsgi_errors_stream` with the format
#: ``[%(asctime)s] %(levelname)s in %(module)s: %(message)s``.
default_handler = logging.StreamHandler(wsgi_errors_stream)
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


def create_logger(app: Flask) -> logging.Logger:
    """Return the logger named ``app.name``, configured for the app if needed.

    In debug mode the level is set to :data:`logging.DEBUG` unless a level was
    already set. If no handler in the chain handles the logger's effective
    level, :data:`default_handler` is added.
    """
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger
