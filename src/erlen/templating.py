"""Jinja2 integration (Flask's ``flask.templating``): the app's environment, the loader that
searches the app and its blueprints, and the render functions."""

from __future__ import annotations

import typing as t
from collections import ChainMap
from collections.abc import KeysView

from jinja2 import BaseLoader, Environment as BaseEnvironment, Template, TemplateNotFound

from . import globals as _globals, signals as _signals
from .globals import g, request, session

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Flask
    from .scaffold import Scaffold

__all__ = [
    "DispatchingJinjaLoader",
    "Environment",
    "render_template",
    "render_template_string",
    "stream_template",
    "stream_template_string",
]

_TemplateSource = tuple[str, str | None, t.Callable[[], bool] | None]

# PERF: bound by assignment, not import: see erlen.globals (method calls on 3.11).
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request


def _default_template_ctx_processor() -> dict[str, t.Any]:
    """Put ``g`` and ``request`` into the template context when available."""
    appctx = _cv_app.get(None)
    reqctx = _cv_request.get(None)
    rv: dict[str, t.Any] = {}
    if appctx is not None:
        rv["g"] = appctx.g
    if reqctx is not None:
        rv["request"] = reqctx.request
        # Not the session: reading it marks it accessed (Vary: Cookie); templates get the
        # proxy from the environment's globals instead.
    return rv


# Every name getattr() finds on a plain dict: its methods and object's attributes.
_DICT_ATTRIBUTES = frozenset(dir(dict))


class _ChainKeys(KeysView[str]):
    # PERF: iterates the mapping's own iterator; KeysView's generator resumes once per key.
    _mapping: t.Mapping[str, t.Any]

    def __iter__(self) -> t.Iterator[str]:
        return iter(self._mapping)


class _TemplateGlobals(ChainMap[str, t.Any]):
    """Jinja's template globals (the template's own over the environment's, both plain
    dicts), read faster.

    PERF: every render copies the globals into the new context, reading each name (twelve
    with the app's). :class:`~collections.ChainMap` raises and catches a ``KeyError`` in
    the template's own, usually empty, dict for each name and yields the keys from a
    generator. Plain dicts answer ``in`` exactly as their lookup, so the values are the
    same.
    """

    def __getitem__(self, key: str) -> t.Any:
        for mapping in self.maps:
            if key in mapping:
                return mapping[key]
        return self.__missing__(key)

    def __iter__(self) -> t.Iterator[str]:
        names: dict[str, t.Any] = {}
        for mapping in reversed(self.maps):
            names.update(mapping)
        return iter(names)

    def keys(self) -> KeysView[str]:
        """A view of the names, as :meth:`ChainMap.keys` gives."""
        return _ChainKeys(self)


class Environment(BaseEnvironment):
    """A Jinja environment bound to an app; its default loader is
    :meth:`Flask.create_global_jinja_loader`."""

    def __init__(self, app: Flask, **options: t.Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        BaseEnvironment.__init__(self, **options)
        self.app = app

    def make_globals(self, d: t.MutableMapping[str, t.Any] | None) -> t.MutableMapping[str, t.Any]:
        """Jinja's globals map for a template (its own globals over the environment's),
        read faster when both are plain dicts (see :class:`_TemplateGlobals`)."""
        rv = super().make_globals(d)
        if isinstance(rv, ChainMap) and all(type(m) is dict for m in rv.maps):
            return _TemplateGlobals(*rv.maps)
        return rv

    def getattr(self, obj: t.Any, attribute: str) -> t.Any:
        """``obj.attribute`` in a template, as Jinja looks it up: the attribute, else the
        item of that name, else undefined.

        PERF: Jinja tries the attribute first, so ``item.name`` on a dict raises and
        catches an ``AttributeError`` on every lookup. A plain dict has no attribute
        besides its class's, so for any other name the item is the answer.
        """
        if type(obj) is dict:
            if attribute not in _DICT_ATTRIBUTES:
                try:
                    return obj[attribute]
                except KeyError:
                    return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


class DispatchingJinjaLoader(BaseLoader):
    """Looks a template up in the app's template folder, then in each blueprint's, in
    registration order. With ``EXPLAIN_TEMPLATE_LOADING`` every attempt is logged."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def get_source(self, environment: BaseEnvironment, template: str) -> _TemplateSource:
        """Return the source of the first loader that has ``template``."""
        if self.app.config["EXPLAIN_TEMPLATE_LOADING"]:
            return self._get_source_explained(environment, template)
        return self._get_source_fast(environment, template)

    def _get_source_explained(
        self, environment: BaseEnvironment, template: str
    ) -> _TemplateSource:
        attempts = []
        first: _TemplateSource | None = None
        for srcobj, loader in self._iter_loaders(template):
            rv: _TemplateSource | None
            try:
                rv = loader.get_source(environment, template)
                if first is None:
                    first = rv
            except TemplateNotFound:
                rv = None
            attempts.append((loader, srcobj, rv))

        from .debughelpers import explain_template_loading_attempts

        explain_template_loading_attempts(self.app, template, attempts)
        if first is not None:
            return first
        raise TemplateNotFound(template)

    def _get_source_fast(self, environment: BaseEnvironment, template: str) -> _TemplateSource:
        for _srcobj, loader in self._iter_loaders(template):
            try:
                return loader.get_source(environment, template)
            except TemplateNotFound:
                continue
        raise TemplateNotFound(template)

    def _iter_loaders(self, template: str) -> t.Iterator[tuple[Scaffold, BaseLoader]]:
        loader = self.app.jinja_loader
        if loader is not None:
            yield self.app, loader
        for blueprint in self.app.iter_blueprints():
            loader = blueprint.jinja_loader
            if loader is not None:
                yield t.cast("Scaffold", blueprint), loader

    def list_templates(self) -> list[str]:
        """All template names the app and its blueprints provide."""
        result: set[str] = set()
        loader = self.app.jinja_loader
        if loader is not None:
            result.update(loader.list_templates())
        for blueprint in self.app.iter_blueprints():
            loader = blueprint.jinja_loader
            if loader is not None:
                result.update(loader.list_templates())
        return list(result)


def create_environment(app: Flask) -> Environment:
    """Build ``app.jinja_env``: :attr:`Flask.jinja_options`, autoescaping by file extension,
    ``TEMPLATES_AUTO_RELOAD`` (default: debug), the standard globals, and ``tojson`` through
    the app's JSON provider (HTML-safe inside ``<script>``)."""
    from .helpers import get_flashed_messages

    options = dict(app.jinja_options)
    if "autoescape" not in options:
        options["autoescape"] = app.select_jinja_autoescape
    if "auto_reload" not in options:
        auto_reload = app.config["TEMPLATES_AUTO_RELOAD"]
        if auto_reload is None:
            auto_reload = app.debug
        options["auto_reload"] = auto_reload

    env_class = app.jinja_environment or Environment
    rv = env_class(app, **options)
    rv.globals.update(
        url_for=app.url_for,
        get_flashed_messages=get_flashed_messages,
        config=app.config,
        # Proxies, so templates rendered outside a request still compile; the default
        # context processor injects the real objects during a request.
        request=request,
        session=session,
        g=g,
    )
    rv.policies["json.dumps_function"] = app.json.dumps
    return rv


def _render(app: Flask, template: Template, context: dict[str, t.Any]) -> str:
    app.update_template_context(context)
    if _signals.before_render_template.receivers:
        _signals.before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    rv = template.render(context)
    if _signals.template_rendered.receivers:
        _signals.template_rendered.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    return rv


def _current_app() -> Flask:
    ctx = _cv_app.get(None)
    if ctx is None:
        from .globals import current_app

        return current_app._get_current_object()  # type: ignore[attr-defined]
    return ctx.app


def render_template(
    template_name_or_list: str | Template | list[str | Template], **context: t.Any
) -> str:
    """Render a template from the template folders with ``context``; a list renders the
    first template that exists."""
    app = _current_app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _render(app, template, context)


def render_template_string(source: str, **context: t.Any) -> str:
    """Render a template given as a string (autoescaped)."""
    app = _current_app()
    template = app.jinja_env.from_string(source)
    return _render(app, template, context)


def _stream(app: Flask, template: Template, context: dict[str, t.Any]) -> t.Iterator[str]:
    app.update_template_context(context)
    if _signals.before_render_template.receivers:
        _signals.before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )

    def generate() -> t.Iterator[str]:
        yield from template.generate(context)
        if _signals.template_rendered.receivers:
            _signals.template_rendered.send(
                app, _async_wrapper=app.ensure_sync, template=template, context=context
            )

    rv = generate()
    if _cv_request.get(None) is not None:
        from .helpers import stream_with_context

        rv = stream_with_context(rv)
    return rv


def stream_template(
    template_name_or_list: str | Template | list[str | Template], **context: t.Any
) -> t.Iterator[str]:
    """Render a template piece by piece, for a streamed response (keeps the request context)."""
    app = _current_app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _stream(app, template, context)


def stream_template_string(source: str, **context: t.Any) -> t.Iterator[str]:
    """Stream a template given as a string."""
    app = _current_app()
    template = app.jinja_env.from_string(source)
    return _stream(app, template, context)
