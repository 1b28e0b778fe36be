"""Helper functions for views (Flask's ``flask.helpers``): ``url_for``, ``redirect``, ``abort``,
``flash``, ``send_file``, ``stream_with_context`` and friends."""

from __future__ import annotations

import typing as t
from functools import update_wrapper

from . import globals as _globals, signals as _signals
from ._send_file import send_file as _send_file, send_from_directory as _send_from_directory
from .app import _split_blueprint_path, get_debug_flag, get_load_dotenv
from .exceptions import abort as _abort
from .globals import current_app, request, session
from .scaffold import get_root_path
from .utils import redirect as _redirect

if t.TYPE_CHECKING:  # pragma: no cover
    import os

    from .wrappers import Response
    from .wrappers.response import Response as BaseResponse


# PERF: bound by assignment, not import: see erlen.globals (method calls on 3.11).
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request

__all__ = [
    "abort",
    "flash",
    "get_debug_flag",
    "get_flashed_messages",
    "get_load_dotenv",
    "get_root_path",
    "get_template_attribute",
    "make_response",
    "redirect",
    "send_file",
    "send_from_directory",
    "stream_with_context",
    "url_for",
    "_split_blueprint_path",
]


@t.overload
def stream_with_context(generator_or_function: t.Iterator[t.AnyStr]) -> t.Iterator[t.AnyStr]: ...


@t.overload
def stream_with_context(
    generator_or_function: t.Callable[..., t.Iterator[t.AnyStr]],
) -> t.Callable[[t.Iterator[t.AnyStr]], t.Iterator[t.AnyStr]]: ...


def stream_with_context(
    generator_or_function: t.Iterator[t.AnyStr] | t.Callable[..., t.Iterator[t.AnyStr]],
) -> t.Iterator[t.AnyStr] | t.Callable[[t.Iterator[t.AnyStr]], t.Iterator[t.AnyStr]]:
    """Keep the request context pushed while a streamed response body is generated.

    Use on a generator, or as a decorator on a generator function.
    """
    try:
        gen = iter(generator_or_function)  # type: ignore[arg-type]
    except TypeError:

        def decorator(*args: t.Any, **kwargs: t.Any) -> t.Any:
            gen = generator_or_function(*args, **kwargs)  # type: ignore[operator]
            return stream_with_context(gen)

        return update_wrapper(decorator, generator_or_function)  # type: ignore[arg-type]

    def generator() -> t.Iterator[t.AnyStr | None]:
        ctx = _cv_request.get(None)
        if ctx is None:
            raise RuntimeError(
                "'stream_with_context' can only be used when a request"
                " context is active, such as in a view function."
            )
        with ctx:
            # Primed below: the context is entered now, while the request is active.
            yield None
            try:
                yield from gen
            finally:
                if hasattr(gen, "close"):
                    gen.close()

    wrapped_g = generator()
    next(wrapped_g)
    return wrapped_g  # type: ignore[return-value]


def make_response(*args: t.Any) -> Response:
    """Turn view-style return values into a response object, to add headers before returning.

    No arguments give an empty response; one argument or several (a tuple) are passed to
    :meth:`Flask.make_response`.
    """
    if not args:
        return current_app.response_class()
    if len(args) == 1:
        args = args[0]
    return current_app.make_response(args)


def url_for(
    endpoint: str,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: t.Any,
) -> str:
    """Build the URL of ``endpoint`` with the given values (extra values become the query
    string). ``.name`` is relative to the current blueprint."""
    return current_app.url_for(
        endpoint,
        _anchor=_anchor,
        _method=_method,
        _scheme=_scheme,
        _external=_external,
        **values,
    )


def redirect(
    location: str, code: int = 302, Response: type[BaseResponse] | None = None
) -> BaseResponse:  # noqa: N803
    """Return a redirect response to ``location`` (302 by default)."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.redirect(location, code=code)
    return _redirect(location, code=code, Response=Response)


def abort(code: int | BaseResponse, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
    """Raise the HTTP error for ``code`` (or raise with the given response)."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        ctx.app.aborter(code, *args, **kwargs)
    _abort(code, *args, **kwargs)


def get_template_attribute(template_name: str, attribute: str) -> t.Any:
    """Load a macro (or variable) exported by a template, to call it from Python."""
    return getattr(current_app.jinja_env.get_template(template_name).module, attribute)


def flash(message: str, category: str = "message") -> None:
    """Store a message in the session to show on the next page (see
    :func:`get_flashed_messages`)."""
    flashes = session.get("_flashes", [])
    flashes.append((category, message))
    session["_flashes"] = flashes
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if _signals.message_flashed.receivers:
        _signals.message_flashed.send(
            app, _async_wrapper=app.ensure_sync, message=message, category=category
        )


def get_flashed_messages(
    with_categories: bool = False, category_filter: t.Iterable[str] = ()
) -> list[str] | list[tuple[str, str]]:
    """Pop the flashed messages from the session (cached for the rest of the request).

    ``with_categories`` returns ``(category, message)`` tuples; ``category_filter`` keeps
    only those categories.
    """
    ctx = _cv_request.get()
    flashes = ctx.flashes
    if flashes is None:
        sess = ctx.session
        flashes = sess.pop("_flashes") if "_flashes" in sess else []
        ctx.flashes = flashes
    if category_filter:
        flashes = list(filter(lambda f: f[0] in category_filter, flashes))
    if not with_categories:
        return [x[1] for x in flashes]
    return flashes


def _prepare_send_file_kwargs(**kwargs: t.Any) -> dict[str, t.Any]:
    if kwargs.get("max_age") is None:
        kwargs["max_age"] = current_app.get_send_file_max_age
    kwargs.update(
        use_x_sendfile=current_app.config["USE_X_SENDFILE"],
        response_class=current_app.response_class,
        _root_path=current_app.root_path,
    )
    return kwargs


def send_file(
    path_or_file: os.PathLike[t.AnyStr] | str | t.IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: t.Any = None,
    max_age: None | int | t.Callable[[str | None], int | None] = None,
) -> Response:
    """Send a file (path or binary file object) to the client.

    Relative paths are relative to the app's ``root_path``; never pass user input as the
    path (use :func:`send_from_directory`). Supports conditional requests and ranges;
    ``max_age`` defaults to ``SEND_FILE_MAX_AGE_DEFAULT``.
    """
    return _send_file(  # type: ignore[return-value]
        path_or_file,  # type: ignore[arg-type]
        # The request object: send_file reads its method and headers.
        request._get_current_object(),  # type: ignore[attr-defined]
        **_prepare_send_file_kwargs(
            mimetype=mimetype,
            as_attachment=as_attachment,
            download_name=download_name,
            conditional=conditional,
            etag=etag,
            last_modified=last_modified,
            max_age=max_age,
        ),
    )


def send_from_directory(
    directory: os.PathLike[str] | str, path: os.PathLike[str] | str, **kwargs: t.Any
) -> Response:
    """Send a file from inside ``directory``; a path escaping it (``..``, absolute) or a
    missing file answers 404. Safe for user-supplied ``path``."""
    return _send_from_directory(  # type: ignore[return-value]
        directory,
        path,
        request._get_current_object(),  # type: ignore[attr-defined]
        **_prepare_send_file_kwargs(**kwargs),
    )
