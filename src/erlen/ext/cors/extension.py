"""The :class:`CORS` extension (Flask-CORS's ``flask_cors.extension``)."""

from __future__ import annotations

import typing as t

from erlen.globals import request
from erlen.helpers import abort

from .core import (
    ACL_ORIGIN,
    CorsOptions,
    CorsOptionsInput,
    ResourcePattern,
    get_cors_options,
    merge_options,
    origin_allowed,
    parse_resources,
    serialize_options,
    set_cors_headers,
    try_match_pattern,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Unpack

    from erlen.app import Flask
    from erlen.blueprints import Blueprint
    from erlen.wrappers import Response

__all__ = ["CORS", "make_after_request_function", "make_websocket_origin_check"]

#: Resolved resources: (path pattern, options), most specific first.
Resources = list[tuple[ResourcePattern, CorsOptions]]


class CORS:
    """Cross-origin resource sharing for an app or a blueprint.

    ``resources`` chooses the paths that get CORS headers: one path pattern, a list of
    them, or a dict mapping patterns to options of their own (default ``/*``: every
    path). The other options, which :func:`~erlen.ext.cors.cross_origin` takes too:
    ``origins`` (``*``, strings or regular expressions; default ``*``), ``methods``,
    ``allow_headers`` (default ``*``), ``expose_headers``, ``supports_credentials``,
    ``max_age`` (seconds or a ``timedelta``), ``send_wildcard``, ``vary_header``,
    ``always_send``, ``allow_private_network``, ``automatic_options`` (``cross_origin``
    only) and ``intercept_exceptions``. A resource's own options win over the keyword
    arguments (those of ``init_app`` over the constructor's), which win over the app's
    ``CORS_*`` config, which wins over the defaults.

    Error responses get CORS headers too: erlen runs ``after_request`` functions for
    them, as Flask 1.1+ does, so ``intercept_exceptions`` needs no patching of the app.
    When the target has websocket hooks (``before_websocket``), a handshake from an
    origin its resource doesn't allow is refused with 403.
    """

    def __init__(
        self, app: Flask | Blueprint | None = None, **kwargs: Unpack[CorsOptionsInput]
    ) -> None:
        self._options: dict[str, t.Any] = dict(kwargs)
        if app is not None:
            self.init_app(app, **kwargs)

    def init_app(self, app: Flask | Blueprint, **kwargs: Unpack[CorsOptionsInput]) -> None:
        """Add the CORS headers to the responses of ``app`` (an app or a blueprint)
        whose path matches a resource. ``kwargs`` override the constructor's options."""
        merged = merge_options(app, self._options, kwargs)
        serialize_options(merged)  # checks the options once even if no resource uses them
        resources: Resources = [
            (pattern, get_cors_options(app, self._options, kwargs, opts))
            for pattern, opts in parse_resources(merged.get("resources", r"/*"))
        ]
        app.after_request(make_after_request_function(resources))
        before_websocket = getattr(app, "before_websocket", None)
        if before_websocket is not None:
            before_websocket(make_websocket_origin_check(resources))


def _options_for(resources: Resources, path: str) -> CorsOptions | None:
    for pattern, options in resources:
        if try_match_pattern(path, pattern, caseSensitive=True):
            return options
    return None


def make_after_request_function(resources: Resources) -> t.Callable[[Response], Response]:
    """The ``after_request`` function adding the CORS headers of the first resource that
    matches the request's path (``request.path``, decoded once)."""

    def cors_after_request(resp: Response) -> Response:
        if resp.headers.get(ACL_ORIGIN):
            return resp  # cross_origin (or the view) has set them
        options = _options_for(resources, request.path)
        if options is not None:
            set_cors_headers(resp, options)
        return resp

    return cors_after_request


def make_websocket_origin_check(resources: Resources) -> t.Callable[[], None]:
    """A hook that aborts with 403 a request whose ``Origin`` the matching resource
    doesn't allow (an erlen addition).

    Browsers enforce CORS on HTTP responses but not on websockets, so a handshake must be
    checked by the server. A request without ``Origin``, from its own origin, or on a path
    outside the resources passes. The hook reads only the request context, so it serves
    any request with headers and a path.
    """

    def check_origin() -> None:
        req = request._get_current_object()  # type: ignore[attr-defined]
        origin = req.headers.get("Origin")
        if origin is None:
            return
        options = _options_for(resources, req.path)
        if options is None or origin_allowed(options, origin):
            return
        if origin.lower() == req.host_url.rstrip("/").lower():
            return
        abort(403)

    return check_origin
