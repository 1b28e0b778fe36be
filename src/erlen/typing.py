"""Type aliases for view functions and app callbacks (Flask's ``flask.typing``)."""

from __future__ import annotations

import collections.abc as cabc
import typing as t

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIApplication  # noqa: F401

    from .datastructures import Headers  # noqa: F401
    from .wrappers.response import Response  # noqa: F401

__all__ = [
    "AfterRequestCallable",
    "AfterWebSocketCallable",
    "AppOrBlueprintKey",
    "BeforeFirstRequestCallable",
    "BeforeRequestCallable",
    "BeforeWebSocketCallable",
    "ErrorHandlerCallable",
    "HeaderValue",
    "HeadersValue",
    "ResponseClass",
    "ResponseReturnValue",
    "ResponseValue",
    "RouteCallable",
    "ShellContextProcessorCallable",
    "StatusCode",
    "TeardownCallable",
    "TemplateContextProcessorCallable",
    "TemplateFilterCallable",
    "TemplateGlobalCallable",
    "TemplateTestCallable",
    "URLDefaultCallable",
    "URLValuePreprocessorCallable",
    "WebSocketCallable",
]

# The aliases are evaluated at runtime (they are module attributes): aliases that
# mention a string forward reference keep typing.Union, as Python 3.10 cannot
# apply ``|`` to strings.

#: A value that can be turned into a response body, or a response object itself.
ResponseValue = t.Union[
    "Response",
    str,
    bytes,
    list[t.Any],
    # Only dict is really accepted; Mapping lets TypedDicts type-check.
    t.Mapping[str, t.Any],
    t.Iterator[str],
    t.Iterator[bytes],
    cabc.AsyncIterable[str],
    cabc.AsyncIterable[bytes],
]

#: An HTTP status: an ``int`` code or a ``"200 OK"``-style string.
StatusCode = int | str

#: The value of one HTTP header.
HeaderValue = str | list[str] | tuple[str, ...]

#: Headers given as a ``Headers`` object, a mapping or a sequence of pairs.
HeadersValue = t.Union[
    "Headers",
    t.Mapping[str, HeaderValue],
    t.Sequence[tuple[str, HeaderValue]],
]

#: Everything a view function may return.
ResponseReturnValue = t.Union[
    ResponseValue,
    tuple[ResponseValue, HeadersValue],
    tuple[ResponseValue, int],
    tuple[ResponseValue, int, HeadersValue],
    "WSGIApplication",
]

#: Any response class (erlen's, Flask's or Werkzeug's) for callback signatures.
ResponseClass = t.TypeVar("ResponseClass", bound="Response")

#: Key of the per-app / per-blueprint callback registries: ``None`` is the app.
AppOrBlueprintKey = str | None

#: ``after_request`` callbacks take and return a response.
AfterRequestCallable = (
    t.Callable[[ResponseClass], ResponseClass]
    | t.Callable[[ResponseClass], t.Awaitable[ResponseClass]]
)
#: Kept for compatibility with Flask's module; ``before_first_request`` is gone.
BeforeFirstRequestCallable = t.Callable[[], None] | t.Callable[[], t.Awaitable[None]]
#: ``before_request`` callbacks return ``None`` or a response value to stop handling.
BeforeRequestCallable = (
    t.Callable[[], ResponseReturnValue | None]
    | t.Callable[[], t.Awaitable[ResponseReturnValue | None]]
)
#: ``shell_context_processor`` callbacks return names for the shell namespace.
ShellContextProcessorCallable = t.Callable[[], dict[str, t.Any]]
#: ``teardown_request`` / ``teardown_appcontext`` callbacks get the exception, if any.
TeardownCallable = (
    t.Callable[[BaseException | None], None] | t.Callable[[BaseException | None], t.Awaitable[None]]
)
#: ``context_processor`` callbacks return extra template variables.
TemplateContextProcessorCallable = (
    t.Callable[[], dict[str, t.Any]] | t.Callable[[], t.Awaitable[dict[str, t.Any]]]
)
#: A Jinja filter.
TemplateFilterCallable = t.Callable[..., t.Any]
#: A Jinja global function.
TemplateGlobalCallable = t.Callable[..., t.Any]
#: A Jinja test.
TemplateTestCallable = t.Callable[..., bool]
#: ``url_defaults`` callbacks get the endpoint and mutate the values dict.
URLDefaultCallable = t.Callable[[str, dict[str, t.Any]], None]
#: ``url_value_preprocessor`` callbacks get the endpoint and the view args.
URLValuePreprocessorCallable = t.Callable[[str | None, dict[str, t.Any] | None], None]

#: Error handlers take the exception (any type, see pallets/flask#4095) and
#: return a response value.
ErrorHandlerCallable = (
    t.Callable[[t.Any], ResponseReturnValue] | t.Callable[[t.Any], t.Awaitable[ResponseReturnValue]]
)

#: A view function, sync or async.
RouteCallable = (
    t.Callable[..., ResponseReturnValue] | t.Callable[..., t.Awaitable[ResponseReturnValue]]
)

#: A websocket handler: always ``async def``; it may return a response value, which answers
#: the handshake when the connection was not accepted.
WebSocketCallable = t.Callable[..., t.Awaitable[ResponseReturnValue | None]]
#: ``before_websocket`` callbacks return ``None`` or a response value that refuses the
#: handshake.
BeforeWebSocketCallable = BeforeRequestCallable
#: ``after_websocket`` callbacks take and return the handshake's response, ``None`` when the
#: connection was accepted.
AfterWebSocketCallable = (
    t.Callable[[ResponseClass | None], ResponseClass | None]
    | t.Callable[[ResponseClass | None], t.Awaitable[ResponseClass | None]]
)
