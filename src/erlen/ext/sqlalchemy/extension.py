"""The :class:`SQLAlchemy` extension object (``db``)."""

from __future__ import annotations

import os
import types
import typing as t
import warnings
from weakref import WeakKeyDictionary

import sqlalchemy as sa
import sqlalchemy.event as sa_event
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as sa_orm
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_scoped_session

from erlen import abort, current_app, has_app_context

from . import async_session as _async
from .model import BindMixin, DefaultMeta, DefaultMetaNoName, Model, NameMixin, _QueryProperty
from .pagination import Pagination, SelectPagination
from .query import Query
from .session import Session, _app_ctx_id
from .table import _Table

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask

__all__ = ["SQLAlchemy"]

_O = t.TypeVar("_O", bound=object)

_ModelClass = t.Union[
    type[Model],
    sa_orm.DeclarativeMeta,
    type[sa_orm.DeclarativeBase],
    type[sa_orm.DeclarativeBaseNoMeta],
]

_BindKeys = t.Union[str, None, list[t.Union[str, None]]]


class _FSAModel(Model):
    """What :attr:`SQLAlchemy.Model` looks like to a type checker."""

    metadata: sa.MetaData


def _declarative_bases(model_class: t.Any) -> list[type]:
    """The SQLAlchemy 2.x declarative bases among ``model_class``'s direct bases."""
    return [
        base
        for base in model_class.__bases__
        if issubclass(base, (sa_orm.DeclarativeBase, sa_orm.DeclarativeBaseNoMeta))
    ]


class SQLAlchemy:
    """Flask-SQLAlchemy 3.1's extension on erlen: engines, ``db.session``, ``db.Model``.

    Engines are per app (made by :meth:`init_app` from the app's config); the model base,
    tables, metadata and sessions are shared by every app using the instance. ``db.session``
    is scoped to the application context and removed at its teardown; so is
    :attr:`async_session` for binds with an async driver. Names of ``sqlalchemy`` and
    ``sqlalchemy.orm`` are available as attributes (``db.Column``, ``db.select``, ...).

    :param app: call :meth:`init_app` on this app now.
    :param metadata: default :class:`~sqlalchemy.schema.MetaData` (e.g. with a naming
        convention); ignored, with a warning, for a 2.x ``model_class``, which sets its own.
    :param session_options: arguments of the session factory; ``scopefunc`` goes to the scoped
        session and ``class_`` may be a :class:`~.session.Session` subclass.
    :param query_class: the legacy query class of ``Model.query`` and dynamic relationships.
    :param model_class: a :class:`~.model.Model` subclass, a declarative class already made,
        or a 2.x ``DeclarativeBase`` / ``DeclarativeBaseNoMeta`` subclass (with or without
        ``MappedAsDataclass``).
    :param engine_options: defaults for every engine (the app's config takes precedence).
    :param add_models_to_shell: add ``db`` and the model classes to ``erlen shell``.
    :param disable_autonaming: don't generate ``__tablename__`` from class names.
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        metadata: sa.MetaData | None = None,
        session_options: dict[str, t.Any] | None = None,
        query_class: type[Query] = Query,
        model_class: _ModelClass = Model,
        engine_options: dict[str, t.Any] | None = None,
        add_models_to_shell: bool = True,
        disable_autonaming: bool = False,
    ) -> None:
        session_options = dict(session_options or {})

        #: The legacy query class of ``Model.query`` and ``lazy="dynamic"`` relationships.
        self.Query = query_class

        #: A scoped session: one :class:`~.session.Session` per application context, removed
        #: (its connection back to the pool) when the context is torn down.
        self.session: sa_orm.scoped_session[Session] = self._make_scoped_session(
            dict(session_options)
        )

        #: The :class:`~sqlalchemy.ext.asyncio.AsyncSession` counterpart of :attr:`session`
        #: for binds whose URL has an async driver; same scope, closed at teardown.
        self.async_session: async_scoped_session[AsyncSession] = (
            _async.make_async_scoped_session(self, session_options)
        )

        #: Metadata per bind key; ``None`` is the default (:attr:`metadata`). Metadata made for
        #: another key copies the default's naming convention.
        self.metadatas: dict[str | None, sa.MetaData] = {}

        if metadata is not None:
            if _declarative_bases(model_class):
                warnings.warn(
                    "When using SQLAlchemy 2.x style of declarative classes, the `metadata`"
                    " should be an attribute of the base class. The metadata passed into"
                    " SQLAlchemy() is ignored.",
                    DeprecationWarning,
                    stacklevel=2,
                )
            else:
                metadata.info["bind_key"] = None
                self.metadatas[None] = metadata

        #: :class:`sqlalchemy.schema.Table` whose metadata is chosen by a ``bind_key``
        #: argument when not given: ``db.Table("user", db.Column(...), bind_key="auth")``.
        self.Table = self._make_table_class()

        #: The declarative base to subclass for models: tables named from the class name
        #: (unless ``disable_autonaming``), ``__bind_key__`` chooses the engine.
        self.Model = self._make_declarative_base(model_class, disable_autonaming=disable_autonaming)

        self._engine_options = dict(engine_options or {})
        self._app_engines: WeakKeyDictionary[Flask, dict[str | None, sa.engine.Engine]] = (
            WeakKeyDictionary()
        )
        # Async binds: the AsyncEngine and the options it was made from, per app and key.
        self._app_async_engines: WeakKeyDictionary[
            Flask, dict[str | None, tuple[AsyncEngine, dict[str, t.Any]]]
        ] = WeakKeyDictionary()
        self._add_models_to_shell = add_models_to_shell

        if app is not None:
            self.init_app(app)

    def __repr__(self) -> str:
        if not has_app_context():
            return f"<{type(self).__name__}>"
        message = f"{type(self).__name__} {self.engine.url}"
        if len(self.engines) > 1:
            message = f"{message} +{len(self.engines) - 1}"
        return f"<{message}>"

    def init_app(self, app: Flask) -> None:
        """Configure ``app`` for this extension and create its engines.

        Reads ``SQLALCHEMY_DATABASE_URI``, ``SQLALCHEMY_ENGINE_OPTIONS``, ``SQLALCHEMY_ECHO``,
        ``SQLALCHEMY_BINDS``, ``SQLALCHEMY_RECORD_QUERIES`` and
        ``SQLALCHEMY_TRACK_MODIFICATIONS`` (setting their defaults), so configure the app first:
        later config changes are not seen. Registers the session teardown on the app.
        """
        if "sqlalchemy" in app.extensions:
            raise RuntimeError(
                "A 'SQLAlchemy' instance has already been registered on this Flask app."
                " Import and use that instance instead."
            )
        app.extensions["sqlalchemy"] = self
        app.teardown_appcontext(self._teardown_session)

        if self._add_models_to_shell:
            from .cli import add_models_to_shell

            app.shell_context_processor(add_models_to_shell)

        config = app.config
        default_url: str | sa.engine.URL | None = config.setdefault("SQLALCHEMY_DATABASE_URI", None)
        default_options = {**self._engine_options, **config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})}
        echo: bool = config.setdefault("SQLALCHEMY_ECHO", False)
        binds: dict[str | None, t.Any] = config.setdefault("SQLALCHEMY_BINDS", {})

        options_by_key: dict[str | None, dict[str, t.Any]] = {}
        for key, value in binds.items():
            options = dict(self._engine_options)
            if isinstance(value, (str, sa.engine.URL)):
                options["url"] = value
            else:
                options.update(value)
            options_by_key[key] = options
        if default_url is not None:
            default_options["url"] = default_url
        if "url" in default_options:
            options_by_key.setdefault(None, {}).update(default_options)
        if not options_by_key:
            raise RuntimeError("Either 'SQLALCHEMY_DATABASE_URI' or 'SQLALCHEMY_BINDS' must be set.")

        engines = self._app_engines.setdefault(app, {})
        async_engines = self._app_async_engines.setdefault(app, {})
        # init_app called again for the same app: the old engines go.
        for engine in engines.values():
            engine.dispose()
        engines.clear()
        async_engines.clear()

        for key, options in options_by_key.items():
            self._make_metadata(key)
            options.setdefault("echo", echo)
            options.setdefault("echo_pool", echo)
            self._apply_driver_defaults(options, app)
            engine = self._make_engine(key, options, app)
            if isinstance(engine, AsyncEngine):
                async_engines[key] = (engine, options)
                engines[key] = engine.sync_engine
            else:
                engines[key] = engine

        if config.setdefault("SQLALCHEMY_RECORD_QUERIES", False):
            from . import record_queries

            for sync_engine in engines.values():
                record_queries._listen(sync_engine)

        if config.setdefault("SQLALCHEMY_TRACK_MODIFICATIONS", False):
            from . import track_modifications

            track_modifications._listen(self.session)

    def _make_scoped_session(self, options: dict[str, t.Any]) -> sa_orm.scoped_session[Session]:
        """``db.session``: scoped to the app context unless ``scopefunc`` says otherwise."""
        scope = options.pop("scopefunc", _app_ctx_id)
        return sa_orm.scoped_session(self._make_session_factory(options), scope)

    def _make_session_factory(self, options: dict[str, t.Any]) -> sa_orm.sessionmaker[Session]:
        """The session factory: :class:`~.session.Session` and :attr:`Query` by default."""
        options.setdefault("class_", Session)
        options.setdefault("query_cls", self.Query)
        return sa_orm.sessionmaker(db=self, **options)

    def _teardown_session(self, exc: BaseException | None) -> None:
        """Remove the context's sessions (sync and async), returning their connections."""
        self.session.remove()
        registry = self.async_session.registry
        if registry.has():
            session = registry()
            registry.clear()
            _async.close_async_session(session)

    def _make_metadata(self, bind_key: str | None) -> sa.MetaData:
        """The metadata of ``bind_key``, made on first use (with the default's conventions)."""
        if bind_key in self.metadatas:
            return self.metadatas[bind_key]
        naming_convention = None
        if bind_key is not None:
            naming_convention = self._make_metadata(None).naming_convention
        metadata = sa.MetaData(naming_convention=naming_convention, info={"bind_key": bind_key})
        self.metadatas[bind_key] = metadata
        return metadata

    def _make_table_class(self) -> type[_Table]:
        """``db.Table``: the metadata comes from ``bind_key`` unless passed explicitly."""
        make_metadata = self._make_metadata

        class Table(_Table):
            def __new__(cls, *args: t.Any, bind_key: str | None = None, **kwargs: t.Any) -> Table:
                # With an explicit metadata (or no arguments, for SQLAlchemy's own error),
                # it is a plain Table.
                if not args or (len(args) >= 2 and isinstance(args[1], sa.MetaData)):
                    return super().__new__(cls, *args, **kwargs)  # type: ignore[no-any-return]
                metadata = make_metadata(bind_key)
                return super().__new__(cls, args[0], metadata, *args[1:], **kwargs)  # type: ignore[no-any-return]

        return Table

    def _make_declarative_base(
        self, model_class: _ModelClass, disable_autonaming: bool = False
    ) -> type[_FSAModel]:
        """``db.Model`` from the ``model_class`` argument (see the class docstring)."""
        model: t.Any
        bases = _declarative_bases(model_class)
        if len(bases) > 1:
            raise ValueError(
                f"Only one declarative base can be passed to SQLAlchemy. Got: {model_class.__bases__}"
            )
        if bases:
            # A 2.x base: rebuild it with our mixins in front, keeping its body.
            body = dict(model_class.__dict__)
            body["__fsa__"] = self
            mixins: tuple[type, ...] = (BindMixin, Model) if disable_autonaming else (BindMixin, NameMixin, Model)
            model = types.new_class(
                "FlaskSQLAlchemyBase",
                (*mixins, *model_class.__bases__),
                {"metaclass": type(bases[0])},
                lambda ns: ns.update(body),
            )
        elif not isinstance(model_class, sa_orm.DeclarativeMeta):
            model = sa_orm.declarative_base(
                metadata=self._make_metadata(None),
                cls=model_class,
                name="Model",
                metaclass=DefaultMetaNoName if disable_autonaming else DefaultMeta,
            )
        else:
            model = model_class

        if None not in self.metadatas:
            model.metadata.info["bind_key"] = None
            self.metadatas[None] = model.metadata
        else:
            model.metadata = self.metadatas[None]
        model.query_class = self.Query
        model.query = _QueryProperty()
        model.__fsa__ = self
        return model  # type: ignore[no-any-return]

    def _apply_driver_defaults(self, options: dict[str, t.Any], app: Flask) -> None:
        """Per-driver engine defaults.

        SQLite in memory: one connection shared by every thread (``StaticPool``,
        ``check_same_thread=False``), so the database is the same for all. A relative SQLite
        path is taken relative to ``app.instance_path`` (created if missing). MySQL: utf8mb4
        and a 2-hour ``pool_recycle`` with the default queue pool.
        """
        url = sa.engine.make_url(options["url"])
        if url.drivername in {"sqlite", "sqlite+pysqlite", "sqlite+aiosqlite"}:
            if url.database in {None, "", ":memory:"}:
                options["poolclass"] = sa.pool.StaticPool
                options.setdefault("connect_args", {})["check_same_thread"] = False
                return
            assert url.database is not None
            is_uri = bool(url.query.get("uri", False))
            path = url.database[5:] if is_uri else url.database  # strip "file:"
            if not os.path.isabs(path):
                os.makedirs(app.instance_path, exist_ok=True)
                path = os.path.join(app.instance_path, path)
                options["url"] = url.set(database=f"file:{path}" if is_uri else path)
        elif url.drivername.startswith("mysql"):
            if options.get("pool_class", sa.pool.QueuePool) is sa.pool.QueuePool:
                options.setdefault("pool_recycle", 7200)
            if "charset" not in url.query:
                options["url"] = url.update_query_dict({"charset": "utf8mb4"})

    def _make_engine(
        self, bind_key: str | None, options: dict[str, t.Any], app: Flask
    ) -> sa.engine.Engine | AsyncEngine:
        """The engine of ``bind_key``: an :class:`AsyncEngine` when the driver is async."""
        if sa.engine.make_url(options["url"]).get_dialect().is_async:
            return _async.make_async_engine(options)
        return sa.engine_from_config(options, prefix="")

    @property
    def metadata(self) -> sa.MetaData:
        """The default metadata (bind key ``None``) of :attr:`Model` and :attr:`Table`."""
        return self.metadatas[None]

    @property
    def engines(self) -> t.Mapping[str | None, sa.engine.Engine]:
        """The current app's engines by bind key (``None``: the default, :attr:`engine`).

        For an async bind this is its :class:`AsyncEngine`'s ``sync_engine`` (what sessions
        bind to); the :class:`AsyncEngine` itself is in :attr:`async_engines`.
        """
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        engines = self._app_engines.get(app)
        if engines is None:
            raise RuntimeError(
                "The current Flask app is not registered with this 'SQLAlchemy' instance."
                " Did you forget to call 'init_app', or did you create multiple"
                " 'SQLAlchemy' instances?"
            )
        return engines

    @property
    def engine(self) -> sa.engine.Engine:
        """The current app's default engine (bind key ``None``)."""
        return self.engines[None]

    @property
    def async_engines(self) -> t.Mapping[str | None, AsyncEngine]:
        """The current app's :class:`AsyncEngine` per async bind key (an erlen addition)."""
        self.engines  # noqa: B018 - the same "not registered" error
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        return {key: engine for key, (engine, _) in self._app_async_engines[app].items()}

    @property
    def async_engine(self) -> AsyncEngine:
        """The current app's default engine as an :class:`AsyncEngine` (async driver only)."""
        engines = self.async_engines
        if None not in engines:
            raise RuntimeError(
                "'SQLALCHEMY_DATABASE_URI' does not name an async driver; use one such as"
                " 'sqlite+aiosqlite://' or 'postgresql+asyncpg://...' for 'db.async_engine'."
            )
        return engines[None]

    def _require_async_engines(self) -> None:
        """Fail clearly when :attr:`async_session` is used without any async bind."""
        if not self.async_engines:
            raise RuntimeError(
                "'db.async_session' needs a database URL with an async driver, such as"
                " 'sqlite+aiosqlite://' or 'postgresql+asyncpg://...', in"
                " 'SQLALCHEMY_DATABASE_URI' or 'SQLALCHEMY_BINDS'."
            )

    def get_engine(self, bind_key: str | None = None, **kwargs: t.Any) -> sa.engine.Engine:
        """Deprecated: use ``engines[key]``. (``bind`` is accepted for ``bind_key``.)"""
        warnings.warn(
            "'get_engine' is deprecated and will be removed in Flask-SQLAlchemy 3.2. Use"
            " 'engine' or 'engines[key]' instead. If you're using Flask-Migrate or Alembic,"
            " you'll need to update your 'env.py' file.",
            DeprecationWarning,
            stacklevel=2,
        )
        if "bind" in kwargs:
            bind_key = kwargs.pop("bind")
        return self.engines[bind_key]

    def get_or_404(
        self, entity: type[_O], ident: t.Any, *, description: str | None = None, **kwargs: t.Any
    ) -> _O:
        """``session.get(entity, ident, **kwargs)``, aborting with 404 when there is no row."""
        value = self.session.get(entity, ident, **kwargs)
        if value is None:
            abort(404, description=description)
        return value

    def first_or_404(self, statement: sa.sql.Select[t.Any], *, description: str | None = None) -> t.Any:
        """The first result's first column (``scalar()``), aborting with 404 when none."""
        value = self.session.execute(statement).scalar()
        if value is None:
            abort(404, description=description)
        return value

    def one_or_404(self, statement: sa.sql.Select[t.Any], *, description: str | None = None) -> t.Any:
        """Exactly one result (``scalar_one()``), aborting with 404 for none or several."""
        try:
            return self.session.execute(statement).scalar_one()
        except (sa_exc.NoResultFound, sa_exc.MultipleResultsFound):
            abort(404, description=description)

    def paginate(
        self,
        select: sa.sql.Select[t.Any],
        *,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = None,
        error_out: bool = True,
        count: bool = True,
    ) -> Pagination:
        """One page of ``select`` (of a model: ``select(User)``) as a
        :class:`~.pagination.Pagination`; ``page`` and ``per_page`` default to the request's
        query arguments. See :class:`~.pagination.Pagination` for the arguments."""
        return SelectPagination(
            select=select,
            session=self.session(),
            page=page,
            per_page=per_page,
            max_per_page=max_per_page,
            error_out=error_out,
            count=count,
        )

    def _call_for_binds(self, bind_key: _BindKeys | t.Literal["__all__"], op_name: str) -> None:
        """Call ``metadata.<op_name>`` for each chosen bind key, with its engine."""
        if bind_key == "__all__":
            keys: list[str | None] = list(self.metadatas)
        elif bind_key is None or isinstance(bind_key, str):
            keys = [bind_key]
        else:
            keys = list(bind_key)
        engines = self.engines
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        async_engines = self._app_async_engines[app]
        for key in keys:
            if key not in engines:
                message = f"Bind key '{key}' is not in 'SQLALCHEMY_BINDS' config."
                if key is None:
                    message = f"'SQLALCHEMY_DATABASE_URI' config is not set. {message}"
                raise sa_exc.UnboundExecutionError(message)
            operation = getattr(self.metadatas[key], op_name)
            if key in async_engines:
                async_engine, options = async_engines[key]
                _async.run_on_async_engine(async_engine, options, lambda conn, op=operation: op(bind=conn))
            else:
                operation(bind=engines[key])

    def create_all(self, bind_key: _BindKeys | t.Literal["__all__"] = "__all__") -> None:
        """Create the tables that don't exist yet, for all bind keys or the given ones.

        Existing tables are not altered: use :mod:`erlen.ext.migrate` for that. Works for async
        binds too (on a short-lived event loop).
        """
        self._call_for_binds(bind_key, "create_all")

    def drop_all(self, bind_key: _BindKeys | t.Literal["__all__"] = "__all__") -> None:
        """Drop the tables, for all bind keys or the given ones."""
        self._call_for_binds(bind_key, "drop_all")

    def reflect(self, bind_key: _BindKeys | t.Literal["__all__"] = "__all__") -> None:
        """Load table definitions from the database into the metadata of the bind keys."""
        self._call_for_binds(bind_key, "reflect")

    def _set_rel_query(self, kwargs: dict[str, t.Any]) -> None:
        """Default the relationship's (and its backref's) query class to :attr:`Query`."""
        kwargs.setdefault("query_class", self.Query)
        if "backref" in kwargs:
            backref = kwargs["backref"]
            if isinstance(backref, str):
                backref = (backref, {})
                kwargs["backref"] = backref
            backref[1].setdefault("query_class", self.Query)

    def relationship(self, *args: t.Any, **kwargs: t.Any) -> sa_orm.RelationshipProperty[t.Any]:
        """:func:`sqlalchemy.orm.relationship` using :attr:`Query` for dynamic loading."""
        self._set_rel_query(kwargs)
        return sa_orm.relationship(*args, **kwargs)

    def dynamic_loader(self, argument: t.Any, **kwargs: t.Any) -> sa_orm.RelationshipProperty[t.Any]:
        """:func:`sqlalchemy.orm.dynamic_loader` using :attr:`Query`."""
        self._set_rel_query(kwargs)
        return sa_orm.dynamic_loader(argument, **kwargs)

    def _relation(self, *args: t.Any, **kwargs: t.Any) -> sa_orm.RelationshipProperty[t.Any]:
        self._set_rel_query(kwargs)
        return sa_orm.relationship(*args, **kwargs)

    def __getattr__(self, name: str) -> t.Any:
        if name == "relation":
            return self._relation
        if name == "event":
            return sa_event
        if name.startswith("_"):
            raise AttributeError(name)
        for module in (sa, sa_orm):
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(name)
