"""The declarative model base: ``db.Model``, automatic table names and ``__bind_key__``.

Two flavours, as in Flask-SQLAlchemy 3.1: the SQLAlchemy 1.x style (a metaclass,
:class:`DefaultMeta`) and the 2.x style (mixins :class:`BindMixin` and :class:`NameMixin` put in
front of a user's ``DeclarativeBase`` / ``DeclarativeBaseNoMeta`` subclass). Both share the
helpers below, so the rules for names and binds live in one place.
"""

from __future__ import annotations

import re
import typing as t

import sqlalchemy as sa
import sqlalchemy.orm as sa_orm

from .query import Query

if t.TYPE_CHECKING:  # pragma: no cover
    from .extension import SQLAlchemy

__all__ = [
    "BindMetaMixin",
    "BindMixin",
    "DefaultMeta",
    "DefaultMetaNoName",
    "Model",
    "NameMetaMixin",
    "NameMixin",
    "camel_to_snake_case",
    "should_set_tablename",
]


class _QueryProperty:
    """``Model.query``: a new legacy :class:`~.query.Query` on the current ``db.session``."""

    def __get__(self, obj: object, cls: type[Model]) -> Query:
        return cls.query_class(cls, session=cls.__fsa__.session())


class Model:
    """The base class mixed into :attr:`SQLAlchemy.Model <.SQLAlchemy.Model>`.

    Subclass ``db.Model`` to define models. To customise ``db.Model`` itself, subclass this and
    pass it as ``model_class``; a SQLAlchemy 2.x ``DeclarativeBase`` subclass (optionally with
    ``MappedAsDataclass``) is accepted there as well.
    """

    __fsa__: t.ClassVar[SQLAlchemy]
    """The extension the model belongs to (the attribute name is Flask-SQLAlchemy's)."""

    query_class: t.ClassVar[type[Query]] = Query
    """Class of :attr:`query`; defaults to the extension's :attr:`~.SQLAlchemy.Query`."""

    query: t.ClassVar[Query] = _QueryProperty()  # type: ignore[assignment]
    """A legacy query on this model, same as ``db.session.query(Model)``.

    SQLAlchemy considers the query interface legacy: prefer
    ``db.session.execute(db.select(Model))``.
    """

    def __repr__(self) -> str:
        state = sa.inspect(self)
        assert state is not None  # a mapped instance always has a state
        if state.transient:
            ident = f"(transient {id(self)})"
        elif state.pending:
            ident = f"(pending {id(self)})"
        else:
            ident = ", ".join(str(part) for part in state.identity or ())
        return f"<{type(self).__name__} {ident}>"


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<!^)(?=[A-Z][a-z])")


def camel_to_snake_case(name: str) -> str:
    """Convert a ``CamelCase`` class name to a ``snake_case`` table name.

    A boundary is put before a capital that follows a lower-case letter or digit, and before
    the last capital of a run when a lower-case letter follows it (``HTTPResponse`` gives
    ``http_response``).
    """
    return _CAMEL_BOUNDARY.sub("_", name).lower().lstrip("_")


def _is_declarative_class(base: type) -> bool:
    """True for a class built by declarative (1.x metaclass or a 2.x declarative base)."""
    return isinstance(
        base, (sa_orm.DeclarativeMeta, sa_orm.decl_api.DeclarativeAttributeIntercept)
    ) or issubclass(base, sa_orm.DeclarativeBaseNoMeta)


def should_set_tablename(cls: type) -> bool:
    """Whether a ``__tablename__`` should be generated for the model class ``cls``.

    Not for abstract classes, declarative bases themselves, or when ``__tablename__`` is a
    ``declared_attr``. A name found on a mixin or abstract base is not the model's own, so one is
    generated; a name found on a mapped parent is kept only by the parent (the child gets its
    own, which :meth:`__table_cls__ <NameMixin.__table_cls__>` drops again for single-table
    inheritance).
    """
    if cls.__dict__.get("__abstract__", False):
        return False
    is_2x = issubclass(cls, (sa_orm.DeclarativeBase, sa_orm.DeclarativeBaseNoMeta))
    if not is_2x and not any(isinstance(b, sa_orm.DeclarativeMeta) for b in cls.__mro__[1:]):
        return False
    if any(b in (sa_orm.DeclarativeBase, sa_orm.DeclarativeBaseNoMeta) for b in cls.__bases__):
        return False
    for base in cls.__mro__:
        if "__tablename__" not in base.__dict__:
            continue
        if isinstance(base.__dict__["__tablename__"], sa_orm.declared_attr):
            return False
        # An explicit name on the class itself or on a mapped parent is used as it is.
        if base is cls or base.__dict__.get("__abstract__", False):
            return False
        return _is_declarative_class(base)
    return True


def _bind_metadata(cls: t.Any, *, explicit_only: bool) -> None:
    """Point ``cls.metadata`` at the metadata of its ``__bind_key__``.

    Models that set ``metadata`` or ``__table__`` themselves are left alone. With
    ``explicit_only`` (2.x bases) nothing happens unless a ``__bind_key__`` is set somewhere.
    """
    if "metadata" in cls.__dict__ or "__table__" in cls.__dict__:
        return
    if explicit_only and not hasattr(cls, "__bind_key__"):
        return
    metadata = cls.__fsa__._make_metadata(getattr(cls, "__bind_key__", None))
    if metadata is not getattr(cls, "metadata", None):
        cls.metadata = metadata


def _choose_table(cls: t.Any, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> sa.Table | None:
    """Build the model's table, or return ``None`` for single-table inheritance.

    A model whose columns include no primary key and whose parent has a table shares the
    parent's table: its generated ``__tablename__`` is dropped again.
    """
    schema = kwargs.get("schema")
    key = args[0] if schema is None else f"{schema}.{args[0]}"
    # A table of that name already in the metadata (reflected, say) is used for the model.
    if key in cls.metadata.tables:
        return sa.Table(*args, **kwargs)
    for arg in args:
        if (isinstance(arg, sa.Column) and arg.primary_key) or isinstance(
            arg, sa.PrimaryKeyConstraint
        ):
            return sa.Table(*args, **kwargs)
    if not any("__table__" in base.__dict__ for base in cls.__mro__[1:-1]):
        # No parent table: let SQLAlchemy report the missing primary key.
        return sa.Table(*args, **kwargs)
    if "__tablename__" in cls.__dict__:
        del cls.__tablename__
    return None


def _drop_empty_table(cls: t.Any) -> None:
    """After mapping: a single-table-inheritance child uses its parent's ``__table__``."""
    if (
        "__tablename__" not in cls.__dict__
        and "__table__" in cls.__dict__
        and cls.__dict__["__table__"] is None
    ):
        del cls.__table__


class BindMetaMixin(type):
    """Metaclass mixin (1.x style) choosing a model's ``metadata`` from its ``__bind_key__``."""

    __fsa__: SQLAlchemy
    metadata: sa.MetaData

    def __init__(
        cls, name: str, bases: tuple[type, ...], d: dict[str, t.Any], **kwargs: t.Any
    ) -> None:
        _bind_metadata(cls, explicit_only=False)
        super().__init__(name, bases, d, **kwargs)


class NameMetaMixin(type):
    """Metaclass mixin (1.x style) generating ``__tablename__`` from the class name."""

    metadata: sa.MetaData
    __tablename__: str
    __table__: sa.Table

    def __init__(
        cls, name: str, bases: tuple[type, ...], d: dict[str, t.Any], **kwargs: t.Any
    ) -> None:
        if should_set_tablename(cls):
            cls.__tablename__ = camel_to_snake_case(cls.__name__)
        super().__init__(name, bases, d, **kwargs)
        _drop_empty_table(cls)

    def __table_cls__(cls, *args: t.Any, **kwargs: t.Any) -> sa.Table | None:
        """Called by declarative to build the table; ``None`` means single-table inheritance."""
        return _choose_table(cls, args, kwargs)


class BindMixin:
    """Declarative-base mixin (2.x style) choosing ``metadata`` from ``__bind_key__``."""

    __fsa__: SQLAlchemy
    metadata: sa.MetaData

    @classmethod
    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        _bind_metadata(cls, explicit_only=True)
        super().__init_subclass__(**kwargs)


class NameMixin:
    """Declarative-base mixin (2.x style) generating ``__tablename__`` from the class name."""

    metadata: sa.MetaData
    __tablename__: str
    __table__: sa.Table

    @classmethod
    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        if should_set_tablename(cls):
            cls.__tablename__ = camel_to_snake_case(cls.__name__)
        super().__init_subclass__(**kwargs)
        _drop_empty_table(cls)

    @classmethod
    def __table_cls__(cls, *args: t.Any, **kwargs: t.Any) -> sa.Table | None:
        """Called by declarative to build the table; ``None`` means single-table inheritance."""
        return _choose_table(cls, args, kwargs)


class DefaultMeta(BindMetaMixin, NameMetaMixin, sa_orm.DeclarativeMeta):
    """The 1.x-style metaclass of ``db.Model``: ``__bind_key__`` and generated table names."""


class DefaultMetaNoName(BindMetaMixin, sa_orm.DeclarativeMeta):
    """Like :class:`DefaultMeta` without generated table names (``disable_autonaming``)."""
