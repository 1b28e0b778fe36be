"""Blueprints: groups of views, hooks, templates and static files registered on an app
(Flask's ``flask.blueprints``).

:class:`Blueprint` is :class:`erlen.sansio.blueprints.Blueprint` plus the file serving of
the app layer (static files, :meth:`Blueprint.open_resource`).
"""

from __future__ import annotations

import typing as t

from .sansio.blueprints import (
    Blueprint as _SansIOBlueprint,
    BlueprintSetupState as BlueprintSetupState,
    DeferredSetupFunction as DeferredSetupFunction,
)
from .scaffold import Scaffold

__all__ = ["Blueprint", "BlueprintSetupState"]


class Blueprint(_SansIOBlueprint, Scaffold):
    """A set of routes and hooks to register on an app, possibly several times (see
    :class:`erlen.sansio.blueprints.Blueprint` for the arguments)."""

    def open_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> t.IO[t.AnyStr]:
        """Open a file relative to :attr:`root_path` for reading; text modes decode as UTF-8
        by default (as Flask's ``Blueprint.open_resource`` does)."""
        return super().open_resource(resource, mode, encoding)
