"""Schemas of SQLAlchemy models bound to :mod:`erlen.ext.sqlalchemy`'s session
(Flask-Marshmallow's ``flask_marshmallow.sqla``, on marshmallow-sqlalchemy).

:class:`SQLAlchemySchema` and :class:`SQLAlchemyAutoSchema` are marshmallow-sqlalchemy's
schemas with :meth:`~erlen.ext.marshmallow.Schema.jsonify`, whose default session (used by
``load_instance`` and related fields) is ``db.session`` of the current app's
:class:`erlen.ext.sqlalchemy.SQLAlchemy`. A ``Meta.sqla_session``, or a ``session`` passed to
the schema or to ``load``, still takes precedence. :class:`HyperlinkRelated` dumps a related
object as the URL of its endpoint and loads it back from that URL.
"""

from __future__ import annotations

import typing as t
from urllib.parse import urlsplit

import marshmallow_sqlalchemy as msqla
from marshmallow.exceptions import ValidationError

from erlen import current_app, has_request_context, request, url_for
from erlen.exceptions import HTTPException

from .schema import Schema

__all__ = [
    "HyperlinkRelated",
    "SQLAlchemyAutoSchema",
    "SQLAlchemyAutoSchemaOpts",
    "SQLAlchemySchema",
    "SQLAlchemySchemaOpts",
    "auto_field",
]

#: marshmallow-sqlalchemy's ``auto_field``: a field generated from the model's column.
auto_field = msqla.auto_field


class _CurrentAppSession:
    """``db.session`` of the :class:`erlen.ext.sqlalchemy.SQLAlchemy` registered on the
    current app, looked up at each use, so schema classes work with any app (and with
    extensions initialised in any order)."""

    def _scoped(self) -> t.Any:
        db = current_app.extensions.get("sqlalchemy")
        if db is None:
            raise RuntimeError(
                "This schema loads model instances with the session of"
                " 'erlen.ext.sqlalchemy', which is not registered on the current app."
                " Call 'SQLAlchemy(app)' (or 'db.init_app(app)'), or give the schema a"
                " session ('Meta.sqla_session', 'Schema(session=...)' or 'load(...,"
                " session=...)')."
            )
        return db.session

    def __call__(self) -> t.Any:
        return self._scoped()()

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self._scoped(), name)

    def __repr__(self) -> str:
        return "<erlen.ext.sqlalchemy session of the current app>"


#: The default session of every schema of this module.
_SESSION = _CurrentAppSession()


class _SessionOptsMixin(msqla.SQLAlchemySchemaOpts):
    """Options whose ``sqla_session`` defaults to the current app's ``db.session``."""

    def __init__(self, meta: t.Any, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(meta, *args, **kwargs)  # type: ignore[no-untyped-call]
        if self.sqla_session is None:
            self.sqla_session = _SESSION  # type: ignore[assignment]


class SQLAlchemySchemaOpts(_SessionOptsMixin):
    """Options of :class:`SQLAlchemySchema` (``sqla_session`` defaults to ``db.session``)."""


class SQLAlchemySchema(msqla.SQLAlchemySchema, Schema):
    """marshmallow-sqlalchemy's ``SQLAlchemySchema`` (fields declared with
    :data:`auto_field`), using ``db.session`` of the current app::

        class AuthorSchema(ma.SQLAlchemySchema):
            class Meta:
                model = Author
                load_instance = True

            id = ma.auto_field()
            name = ma.auto_field()
    """

    OPTIONS_CLASS = SQLAlchemySchemaOpts


class SQLAlchemyAutoSchemaOpts(_SessionOptsMixin, msqla.SQLAlchemyAutoSchemaOpts):
    """Options of :class:`SQLAlchemyAutoSchema` (``sqla_session`` defaults to
    ``db.session``)."""


class SQLAlchemyAutoSchema(msqla.SQLAlchemyAutoSchema, Schema):
    """marshmallow-sqlalchemy's ``SQLAlchemyAutoSchema`` (a field for every column of the
    ``Meta.model`` or ``Meta.table``), using ``db.session`` of the current app."""

    OPTIONS_CLASS = SQLAlchemyAutoSchemaOpts


class HyperlinkRelated(msqla.fields.Related):
    """A related object dumped as the URL of ``endpoint`` (built from its key) and loaded
    back from such a URL::

        class BookSchema(ma.SQLAlchemySchema):
            class Meta:
                model = Book

            author = ma.HyperlinkRelated("author_detail")   # "/authors/7"

    Loading a URL of another endpoint, or one that matches no route, fails validation.

    :param endpoint: the endpoint of the related object's URL.
    :param url_key: the URL variable holding the related object's key (default ``"id"``).
    :param external: dump absolute URLs (and accept them when loading).
    """

    def __init__(
        self, endpoint: str, url_key: str = "id", external: bool = False, **kwargs: t.Any
    ) -> None:
        super().__init__(**kwargs)
        self.endpoint = endpoint
        self.url_key = url_key
        self.external = external

    def _serialize(self, value: t.Any, attr: t.Any, obj: t.Any, **kwargs: t.Any) -> t.Any:
        if value is None:
            return None
        key = super()._serialize(value, attr, obj)  # type: ignore[no-untyped-call]
        return url_for(self.endpoint, _external=self.external, **{self.url_key: key})

    def _deserialize(self, value: t.Any, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if not isinstance(value, str):
            raise ValidationError(f"Expected a URL of endpoint {self.endpoint!r}, got {value!r}.")
        path = urlsplit(value).path if self.external else value
        if has_request_context():
            root = request.script_root
            if root and path.startswith(f"{root}/"):
                path = path[len(root) :]
        try:
            endpoint, values = self.adapter.match(path)
        except HTTPException:  # NotFound, MethodNotAllowed, RequestRedirect
            raise ValidationError(
                f'URL "{value}" matches no route; expected one of "{self.endpoint}"'
            ) from None
        if endpoint != self.endpoint:
            raise ValidationError(
                f'Parsed endpoint "{endpoint}" from URL "{value}"; expected "{self.endpoint}"'
            )
        if self.url_key not in values:
            raise ValidationError(f'URL pattern "{self.url_key}" not found in {values!r}')
        return super()._deserialize(values[self.url_key], *args, **kwargs)  # type: ignore[no-untyped-call]

    @property
    def adapter(self) -> t.Any:
        """The current app's URL map bound for matching paths (any host)."""
        return current_app.url_map.bind("")
