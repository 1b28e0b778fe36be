"""``erlen shell`` integration: the ``db`` object and every model class in the shell."""

from __future__ import annotations

import typing as t

from erlen import current_app

__all__ = ["add_models_to_shell"]


def add_models_to_shell() -> dict[str, t.Any]:
    """Shell context processor registered when ``add_models_to_shell`` is true (the default):
    ``db`` plus each mapped model class under its class name."""
    db = current_app.extensions["sqlalchemy"]
    names: dict[str, t.Any] = {
        mapper.class_.__name__: mapper.class_ for mapper in db.Model._sa_registry.mappers
    }
    names["db"] = db
    return names
