"""The :func:`cross_origin` view decorator (Flask-CORS's ``flask_cors.decorator``)."""

from __future__ import annotations

import typing as t

from erlen.globals import current_app, request
from erlen.helpers import make_response

from .. import _steps
from .core import (
    FLASK_CORS_EVALUATED,
    CorsOptions,
    CrossOriginOptionsInput,
    _merge,
    get_app_kwarg_dict,
    serialize_options,
    set_cors_headers,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Unpack

    from erlen.wrappers import Response

__all__ = ["cross_origin"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def cross_origin(*args: t.Any, **kwargs: Unpack[CrossOriginOptionsInput]) -> t.Callable[[F], F]:
    """Give the view's responses CORS headers.

    The options are those of :class:`~erlen.ext.cors.CORS` without ``resources`` (the
    view is the resource), over the app's ``CORS_*`` config and the defaults: by default
    every origin is allowed. With ``automatic_options`` (default) the view also answers
    ``OPTIONS`` (preflights) itself, with the app's default ``OPTIONS`` response and the
    CORS headers. On an ``async def`` view the wrapper is ``async def`` too.
    """
    options_in = dict(kwargs)

    def decorator(f: F) -> F:
        if options_in.get("automatic_options", True):
            # Routing reads these from the view: OPTIONS is routed here, not answered by
            # the app before the view runs.
            view: t.Any = f
            view.required_methods = {*getattr(f, "required_methods", ()), "OPTIONS"}
            view.provide_automatic_options = False
        # The app's CORS_* config joins the options; they are resolved again only when
        # it changes (Flask-CORS resolves them on every request).
        cache: list[tuple[dict[str, t.Any], CorsOptions] | None] = [None]

        def resolved() -> CorsOptions:
            config = get_app_kwarg_dict(current_app)
            entry = cache[0]
            if entry is None or entry[0] != config:
                entry = cache[0] = (config, serialize_options(_merge(config, (options_in,))))
            return entry[1]

        def finish(options: CorsOptions, resp: Response) -> Response:
            set_cors_headers(resp, options)
            setattr(resp, FLASK_CORS_EVALUATED, True)
            return resp

        async def async_wrapped(*args: t.Any, **kwargs: t.Any) -> Response:
            options = resolved()
            if options.automatic_options and request.method == "OPTIONS":
                return finish(options, current_app.make_default_options_response())
            return finish(options, make_response(await f(*args, **kwargs)))

        def wrapped(*args: t.Any, **kwargs: t.Any) -> Response:
            options = resolved()
            if options.automatic_options and request.method == "OPTIONS":
                return finish(options, current_app.make_default_options_response())
            return finish(options, make_response(current_app.ensure_sync(f)(*args, **kwargs)))

        return _steps.wrap(f, wrapped, async_wrapped)

    return decorator
