"""``erlen.ext.marshmallow``: Flask-Marshmallow 1.5's API on erlen and marshmallow, without
Flask.

``from erlen.ext.marshmallow import Marshmallow`` then ``ma = Marshmallow(app)``; ``ma.Schema``,
every marshmallow field and the erlen-aware fields (``ma.URLFor``, ``ma.Hyperlinks``, ...) are
attributes of ``ma``. With marshmallow-sqlalchemy installed, ``ma.SQLAlchemySchema`` and
``ma.SQLAlchemyAutoSchema`` use :mod:`erlen.ext.sqlalchemy`'s ``db.session``. Submodules keep
Flask-Marshmallow's names (``fields``, ``schema``, ``sqla``, ``validate``). See
``docs/ext/marshmallow.md``.
"""

from __future__ import annotations

import typing as t

from marshmallow import exceptions, fields as base_fields

from . import fields
from .schema import Schema

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask

try:
    from . import sqla
except ImportError:  # marshmallow-sqlalchemy (or SQLAlchemy) is not installed
    has_sqla = False
else:
    has_sqla = True

#: The Flask-Marshmallow version whose API this battery mirrors.
__version__ = "1.5.0"

#: The key of the extension in ``app.extensions``.
EXTENSION_NAME = "flask-marshmallow"

__all__ = ["EXTENSION_NAME", "Marshmallow", "Schema", "exceptions", "fields"]


class Marshmallow:
    """Marshmallow for an erlen app: the schema base classes and every field as attributes.

    ::

        ma = Marshmallow(app)

        class BookSchema(ma.Schema):
            id = ma.Integer(dump_only=True)
            title = ma.String(required=True)
            links = ma.Hyperlinks({"self": ma.URLFor("book_detail", values={"id": "<id>"})})

    ``ma.SQLAlchemySchema``, ``ma.SQLAlchemyAutoSchema``, ``ma.auto_field`` and
    ``ma.HyperlinkRelated`` are there when marshmallow-sqlalchemy is installed; their
    session is ``db.session`` of the app's :class:`erlen.ext.sqlalchemy.SQLAlchemy`, found
    when a schema loads, so the two extensions may be set up in either order.

    :param app: call :meth:`init_app` on this app now.
    """

    def __init__(self, app: Flask | None = None) -> None:
        #: The base schema class.
        self.Schema = Schema
        if has_sqla:
            self.SQLAlchemySchema = sqla.SQLAlchemySchema
            self.SQLAlchemyAutoSchema = sqla.SQLAlchemyAutoSchema
            self.auto_field = sqla.auto_field
            self.HyperlinkRelated = sqla.HyperlinkRelated
        for name in base_fields.__all__:
            if not hasattr(self, name):
                setattr(self, name, getattr(base_fields, name))
        for name in fields.__all__:
            setattr(self, name, getattr(fields, name))
        if app is not None:
            self.init_app(app)

    def __getattr__(self, name: str) -> t.Any:
        # For type checkers, which cannot see the fields set in __init__; at run time it is
        # only reached for names that are not there.
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def init_app(self, app: Flask) -> None:
        """Register the extension on ``app`` (``app.extensions["flask-marshmallow"]``)."""
        app.extensions[EXTENSION_NAME] = self
