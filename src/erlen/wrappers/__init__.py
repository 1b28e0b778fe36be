"""Request and response objects (Flask's ``flask.wrappers``).

``erlen.wrappers.request.Request`` and ``erlen.wrappers.response.Response`` are the
Werkzeug-level classes, independent of any application. The ``Request`` and ``Response`` here
are the application-level subclasses: they know the matched URL rule and read their limits
(``MAX_CONTENT_LENGTH``, ``MAX_FORM_MEMORY_SIZE``, ``MAX_FORM_PARTS``, ``MAX_COOKIE_SIZE``)
from the current app's config unless set on the object.
"""

from __future__ import annotations

import typing as t

from .. import globals as _globals, json
from ..exceptions import BadRequest
from .request import Request as RequestBase
from .response import Response as ResponseBase

if t.TYPE_CHECKING:  # pragma: no cover
    from ..routing import Rule

__all__ = ["AppRequestMixin", "Request", "Response"]


if t.TYPE_CHECKING:  # pragma: no cover
    _MixinBase = RequestBase
else:
    _MixinBase = object

# PERF: bound by assignment, not import: see erlen.globals (method calls on 3.11).
_cv_app = _globals._cv_app

# The Werkzeug-level defaults of max_content_length, max_form_memory_size, max_form_parts,
# used outside an app context.
_DEFAULT_LIMITS = (
    RequestBase.max_content_length,
    RequestBase.max_form_memory_size,
    RequestBase.max_form_parts,
)


class AppRequestMixin(_MixinBase):
    """Flask's application-level request attributes, for a request class built on
    :class:`erlen.sansio.request.Request` (whatever its transport).

    Adds the routing results (:attr:`url_rule`, :attr:`view_args`,
    :attr:`routing_exception`, :attr:`endpoint`, :attr:`blueprint`, :attr:`blueprints`),
    takes body limits from the current app's config and shows JSON errors only in debug
    mode. Put it first among the bases: ``class Request(AppRequestMixin, TransportRequest)``.
    """

    json_module: t.Any = json

    #: The rule that matched this request (None before matching or if nothing matched).
    url_rule: Rule | None = None
    #: The URL values matched by the rule.
    view_args: dict[str, t.Any] | None = None
    #: The routing error (404, 405, redirect) if matching failed.
    routing_exception: Exception | None = None

    _max_content_length: int | None = None
    _max_form_memory_size: int | None = None
    _max_form_parts: int | None = None

    # PERF: each limit reads the current app's config in its own property (one call, no
    # helper): the form and body paths read them on every request that has a body.

    @property
    def max_content_length(self) -> int | None:
        """Largest accepted body in bytes (``MAX_CONTENT_LENGTH``); larger answers 413."""
        if self._max_content_length is not None:
            return self._max_content_length
        ctx = _cv_app.get(None)
        return _DEFAULT_LIMITS[0] if ctx is None else ctx.app.config["MAX_CONTENT_LENGTH"]

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @property
    def max_form_memory_size(self) -> int | None:
        """Largest accepted non-file form data in bytes (``MAX_FORM_MEMORY_SIZE``)."""
        if self._max_form_memory_size is not None:
            return self._max_form_memory_size
        ctx = _cv_app.get(None)
        return _DEFAULT_LIMITS[1] if ctx is None else ctx.app.config["MAX_FORM_MEMORY_SIZE"]

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._max_form_memory_size = value

    @property
    def max_form_parts(self) -> int | None:
        """Most multipart parts accepted (``MAX_FORM_PARTS``)."""
        if self._max_form_parts is not None:
            return self._max_form_parts
        ctx = _cv_app.get(None)
        return _DEFAULT_LIMITS[2] if ctx is None else ctx.app.config["MAX_FORM_PARTS"]

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._max_form_parts = value

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule."""
        if self.url_rule is not None:
            return self.url_rule.endpoint
        return None

    @property
    def blueprint(self) -> str | None:
        """The (dotted) name of the blueprint of the matched endpoint, if any."""
        endpoint = self.endpoint
        if endpoint is not None and "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        """The current blueprint and its parents, innermost first."""
        name = self.blueprint
        if name is None:
            return []
        from ..sansio.app import _split_blueprint_path

        return _split_blueprint_path(name)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        ctx = _cv_app.get(None)
        if (
            ctx is not None
            and ctx.app.debug
            and self.mimetype != "multipart/form-data"
            and not self.files
        ):
            from ..debughelpers import attach_enctype_error_multidict

            attach_enctype_error_multidict(self)  # type: ignore[arg-type]

    def on_json_loading_failed(self, e: ValueError | None) -> t.Any:
        """Raise 400/415 for unusable JSON; the parser's message is shown only in debug mode."""
        try:
            return super().on_json_loading_failed(e)
        except BadRequest as ebr:
            ctx = _cv_app.get(None)
            if ctx is not None and ctx.app.debug:
                raise
            raise BadRequest() from ebr


class Request(AppRequestMixin, RequestBase):
    """The request object of an application (``erlen.request``): the WSGI request with
    :class:`AppRequestMixin`'s routing results and config-driven limits."""


class Response(ResponseBase):
    """The response class of an application: ``text/html`` by default, JSON through the
    app's provider, cookie size limit from ``MAX_COOKIE_SIZE``."""

    default_mimetype: str | None = "text/html"
    json_module = json
    autocorrect_location_header = False

    @property
    def max_cookie_size(self) -> int:  # type: ignore[override]
        """``MAX_COOKIE_SIZE`` of the current app, else Werkzeug's default 4093."""
        ctx = _cv_app.get(None)
        if ctx is not None:
            return ctx.app.config["MAX_COOKIE_SIZE"]
        return super().max_cookie_size

