"""The ``crossdomain`` decorator (Flask-RESTful's ``flask_restful.utils.cors``): fixed CORS
headers on the responses of one view or resource method.

For real CORS handling (per-origin checks, preflight, credentials rules) use
:mod:`erlen.ext.cors`; this decorator only writes the headers it is given.
"""

from __future__ import annotations

import typing as t
from datetime import timedelta

from erlen import current_app, make_response, request

from ... import _steps

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen.wrappers import Response

__all__ = ["crossdomain"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def _header_list(value: str | t.Iterable[str] | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return ", ".join(item.upper() for item in value)


def crossdomain(
    origin: str | t.Iterable[str] | None = None,
    methods: t.Iterable[str] | None = None,
    headers: str | t.Iterable[str] | None = None,
    expose_headers: str | t.Iterable[str] | None = None,
    max_age: int | float | timedelta = 21600,
    attach_to_all: bool = True,
    automatic_options: bool = True,
    credentials: bool = False,
) -> t.Callable[[F], F]:
    """Add ``Access-Control-*`` headers to the decorated view's responses.

    :param origin: ``Access-Control-Allow-Origin`` (a list is joined with ``", "``).
    :param methods: ``Access-Control-Allow-Methods``; by default the methods the URL
        allows.
    :param headers: ``Access-Control-Allow-Headers``.
    :param expose_headers: ``Access-Control-Expose-Headers``.
    :param max_age: ``Access-Control-Max-Age`` in seconds (or a ``timedelta``).
    :param attach_to_all: add the headers to every response, not only to ``OPTIONS``.
    :param automatic_options: answer ``OPTIONS`` with the app's default response instead
        of calling the view.
    :param credentials: send ``Access-Control-Allow-Credentials: true``.
    """
    allow_methods = None if methods is None else ", ".join(sorted(m.upper() for m in methods))
    allow_headers = _header_list(headers)
    exposed = _header_list(expose_headers)
    allow_origin = origin if origin is None or isinstance(origin, str) else ", ".join(origin)
    if isinstance(max_age, timedelta):
        max_age = max_age.total_seconds()

    def add_headers(resp: Response) -> Response:
        if not attach_to_all and request.method != "OPTIONS":
            return resp
        h = resp.headers
        if allow_origin is not None:
            h["Access-Control-Allow-Origin"] = allow_origin
        if allow_methods is not None:
            h["Access-Control-Allow-Methods"] = allow_methods
        else:
            h["Access-Control-Allow-Methods"] = ", ".join(
                sorted(current_app.make_default_options_response().allow)
            )
        h["Access-Control-Max-Age"] = str(max_age)
        if credentials:
            h["Access-Control-Allow-Credentials"] = "true"
        if allow_headers is not None:
            h["Access-Control-Allow-Headers"] = allow_headers
        if exposed is not None:
            h["Access-Control-Expose-Headers"] = exposed
        return resp

    def decorator(f: F) -> F:
        async def async_wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
            if automatic_options and request.method == "OPTIONS":
                return add_headers(current_app.make_default_options_response())
            return add_headers(make_response(await f(*args, **kwargs)))

        def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
            if automatic_options and request.method == "OPTIONS":
                return add_headers(current_app.make_default_options_response())
            return add_headers(make_response(f(*args, **kwargs)))

        f.provide_automatic_options = False  # type: ignore[attr-defined]
        return _steps.wrap(f, wrapper, async_wrapper)

    return decorator
