"""``SQLALCHEMY_TRACK_MODIFICATIONS``: the ``models_committed`` signals around a commit."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
import sqlalchemy.event as sa_event
import sqlalchemy.orm as sa_orm
from blinker import Namespace

from erlen import current_app, has_app_context

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask

    from .session import Session

__all__ = ["before_models_committed", "models_committed"]

_signals = Namespace()

models_committed = _signals.signal("models-committed")
"""Sent after a commit that changed models. The sender is the app; receivers get ``changes``,
a list of ``(instance, operation)`` with operation ``"insert"``, ``"update"`` or ``"delete"``."""

before_models_committed = _signals.signal("before-models-committed")
"""Like :data:`models_committed`, sent just before the commit."""


def _listen(session: sa_orm.scoped_session[Session]) -> None:
    """Track the changes of every session made by the scoped ``db.session``."""
    sa_event.listen(session, "before_flush", _record_ops, named=True)
    sa_event.listen(session, "before_commit", _record_ops, named=True)
    sa_event.listen(session, "before_commit", _before_commit)
    sa_event.listen(session, "after_commit", _after_commit)
    sa_event.listen(session, "after_rollback", _after_rollback)


def _tracking_app() -> Flask | None:
    """The current app when it tracks modifications, else ``None``."""
    if not has_app_context():
        return None
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app if app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] else None


def _record_ops(session: Session, **kwargs: t.Any) -> None:
    if _tracking_app() is None:
        return
    for instances, operation in (
        (session.new, "insert"),
        (session.dirty, "update"),
        (session.deleted, "delete"),
    ):
        for instance in instances:
            state = sa.inspect(instance)
            key = state.identity_key if state.has_identity else id(instance)
            session._model_changes[key] = (instance, operation)


def _before_commit(session: Session) -> None:
    app = _tracking_app()
    if app is not None and session._model_changes:
        before_models_committed.send(app, changes=list(session._model_changes.values()))


def _after_commit(session: Session) -> None:
    app = _tracking_app()
    if app is not None and session._model_changes:
        changes = list(session._model_changes.values())
        session._model_changes.clear()
        models_committed.send(app, changes=changes)


def _after_rollback(session: Session) -> None:
    session._model_changes.clear()
