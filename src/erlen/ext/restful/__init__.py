"""``erlen.ext.restful``: Flask-RESTful 0.3's API on erlen, without Flask.

::

    from erlen import Flask
    from erlen.ext.restful import Api, Resource, fields, marshal_with, reqparse

    app = Flask(__name__)
    api = Api(app, prefix="/api")

    class Todo(Resource):
        @marshal_with({"id": fields.Integer, "task": fields.String})
        def get(self, todo_id):
            return TODOS[todo_id]

    api.add_resource(Todo, "/todos/<int:todo_id>", endpoint="todo")

Submodules keep Flask-RESTful's names (``reqparse``, ``fields``, ``inputs``,
``representations``, ``utils``). Resource methods, ``method_decorators``, representations and
the marshalling decorators may be ``async def``. See ``docs/ext/restful.md``.
"""

from __future__ import annotations

import functools
import operator
import sys
import typing as t
from collections import OrderedDict

from erlen import (
    abort as _erlen_abort,
    current_app,
    make_response as _make_response,
    request,
    url_for,
)
from erlen.datastructures import Headers
from erlen.exceptions import (
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
)
from erlen.signals import got_request_exception
from erlen.wrappers.response import Response as _BaseResponse

from .. import _steps
from ._calls import wrap_result
from ._marshal import marshal, marshal_with, marshal_with_field
from ._resource import Resource
from .representations.json import output_json
from .utils import http_status_message, unpack

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Blueprint, Flask
    from erlen.blueprints import BlueprintSetupState
    from erlen.wrappers import Response

#: The Flask-RESTful version whose API this battery mirrors.
__version__ = "0.3.10"

__all__ = (
    "Api",
    "OrderedDict",
    "Resource",
    "abort",
    "marshal",
    "marshal_with",
    "marshal_with_field",
)

#: The representations of a new :class:`Api`: JSON.
DEFAULT_REPRESENTATIONS = [("application/json", output_json)]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def abort(http_status_code: int, **kwargs: t.Any) -> t.NoReturn:
    """Raise the HTTP error for ``http_status_code`` (:func:`erlen.abort`); keyword
    arguments become the error's ``data``, which :class:`Api` sends as the body::

        abort(404, message="Todo 7 doesn't exist")     # 404 {"message": "Todo 7 ..."}
    """
    try:
        _erlen_abort(http_status_code)
    except HTTPException as e:
        if kwargs:
            e.data = kwargs  # type: ignore[attr-defined]
        raise


def _propagate_exceptions(app: Flask) -> bool:
    propagate = app.config.get("PROPAGATE_EXCEPTIONS", False)
    if propagate is None:
        return bool(app.testing or app.debug)
    return bool(propagate)


class Api:
    """The entry point: routes :class:`Resource` classes and turns their return values and
    errors into responses of the client's media type.

    :param app: an app or a blueprint (for a blueprint the routes are added when it is
        registered); or call :meth:`init_app` later.
    :param prefix: prefix of every URL of this API, e.g. ``"/v1"``.
    :param default_mediatype: the media type used when the client accepts none of the
        API's representations; ``None`` answers 406 instead.
    :param decorators: decorators applied to every resource's view function.
    :param catch_all_404s: answer every 404 of the app (not only the API's) as JSON.
    :param serve_challenge_on_401: add a ``WWW-Authenticate: Basic`` challenge to 401s
        (realm from the ``HTTP_BASIC_AUTH_REALM`` config, default ``"flask-restful"``).
    :param url_part_order: order of the blueprint prefix (``b``), the API prefix (``a``)
        and the resource's URL (``e``) in a full URL; default ``"bae"``.
    :param errors: ``{exception class name: dict}``: the dict is merged into the error's
        body and its ``"status"`` (default 500) is the status code.
    """

    def __init__(
        self,
        app: Flask | Blueprint | None = None,
        prefix: str = "",
        default_mediatype: str | None = "application/json",
        decorators: list[t.Callable[..., t.Any]] | None = None,
        catch_all_404s: bool = False,
        serve_challenge_on_401: bool = False,
        url_part_order: str = "bae",
        errors: dict[str, dict[str, t.Any]] | None = None,
    ) -> None:
        #: ``{mediatype: function(data, code, headers)}``, in order of preference.
        self.representations: dict[str, t.Callable[..., t.Any]] = OrderedDict(
            DEFAULT_REPRESENTATIONS
        )
        self.urls: dict[str, t.Any] = {}
        self.prefix = prefix
        self.default_mediatype = default_mediatype
        self.decorators = decorators if decorators else []
        self.catch_all_404s = catch_all_404s
        self.serve_challenge_on_401 = serve_challenge_on_401
        self.url_part_order = url_part_order
        self.errors = errors or {}
        #: The setup state of the blueprint's registration, once registered.
        self.blueprint_setup: BlueprintSetupState | None = None
        #: The endpoints of the resources (without the blueprint's name).
        self.endpoints: set[str] = set()
        #: ``(resource, urls, kwargs)`` added before :meth:`init_app`.
        self.resources: list[tuple[t.Any, tuple[str, ...], dict[str, t.Any]]] = []
        #: The app or blueprint this API is set up on.
        self.app: t.Any = None
        #: The blueprint this API is set up on, if any.
        self.blueprint: t.Any = None
        # Views of a blueprint's resources, routed on every app the blueprint is
        # registered on: (resource, endpoint, urls, view function, add_url_rule options).
        self._blueprint_views: list[
            tuple[t.Any, str, tuple[str, ...], t.Callable[..., t.Any], dict[str, t.Any]]
        ] = []
        if app is not None:
            self.app = app
            self.init_app(app)

    # -- setup ------------------------------------------------------------------------

    def init_app(self, app: Flask | Blueprint) -> None:
        """Set the API up on an app, or on a blueprint (then the routes are added when the
        blueprint is registered on an app: once per app, on any number of apps).

        Resources added before are registered, and later ones are registered at once.
        """
        try:
            app.record(self._deferred_blueprint_init)  # type: ignore[union-attr]
        except AttributeError:  # an app: blueprints are the ones with record()
            self._init_app(app)  # type: ignore[arg-type]
        else:
            self.blueprint = app
        self.app = app

    def _deferred_blueprint_init(self, setup_state: BlueprintSetupState) -> None:
        """Registration of the API's blueprint: set the app up and add the routes."""
        if not setup_state.first_registration:
            raise ValueError("flask-restful blueprints can only be registered once.")
        self.blueprint_setup = setup_state
        self._init_app(setup_state.app)
        # Every app: an app factory registers the blueprint on each app it makes.
        for resource, endpoint, urls, view_func, options in self._blueprint_views:
            self._add_blueprint_rules(setup_state, resource, endpoint, urls, view_func, options)

    def _init_app(self, app: Flask) -> None:
        """Route the app's error handling through :meth:`error_router` and register the
        resources added so far."""
        app.handle_exception = functools.partial(self.error_router, app.handle_exception)  # type: ignore[method-assign]
        app.handle_user_exception = functools.partial(  # type: ignore[method-assign]
            self.error_router, app.handle_user_exception
        )
        for resource, urls, kwargs in self.resources:
            self._register_view(app, resource, *urls, **dict(kwargs))

    def _complete_url(self, url_part: str, registration_prefix: str) -> str:
        """The full URL of ``url_part``: the blueprint prefix, the API prefix and the part,
        in :attr:`url_part_order`."""
        parts = {"b": registration_prefix, "a": self.prefix, "e": url_part}
        url = ""
        for key in self.url_part_order:
            part = parts[key]
            if not part:
                continue
            url = f"{url.rstrip('/')}/{part.lstrip('/')}" if url else part
        return url

    def _blueprint_prefix(self) -> str:
        """The dotted name the app gave the blueprint (``parent.child`` when nested)."""
        state = self.blueprint_setup
        if state is None:
            return str(self.blueprint.name)
        return f"{state.name_prefix}.{state.name}".lstrip(".")

    # -- resources --------------------------------------------------------------------

    def add_resource(self, resource: t.Any, *urls: str, **kwargs: t.Any) -> None:
        """Route ``urls`` (erlen URL rules) to the :class:`Resource` class ``resource``.

        :param endpoint: the endpoint name (default: the class name in lower case); also
            what :class:`~erlen.ext.restful.fields.Url` and :meth:`url_for` use.
        :param resource_class_args: positional arguments of the resource's constructor.
        :param resource_class_kwargs: keyword arguments of the resource's constructor.
        :param kwargs: more options of ``add_url_rule`` (``defaults``, ``methods``, ...).
        :raise ValueError: the endpoint already routes to another resource class.
        """
        if self.app is None:
            self.resources.append((resource, urls, kwargs))
        else:
            self._register_view(self.app, resource, *urls, **kwargs)

    def resource(self, *urls: str, **kwargs: t.Any) -> t.Callable[[F], F]:
        """Class decorator: :meth:`add_resource` with these arguments."""

        def decorator(cls: F) -> F:
            self.add_resource(cls, *urls, **kwargs)
            return cls

        return decorator

    def _register_view(self, app: t.Any, resource: t.Any, *urls: str, **kwargs: t.Any) -> None:
        """Make the resource's view function and route ``urls`` to it on ``app`` (or, for a
        blueprint, when it is registered)."""
        endpoint = kwargs.pop("endpoint", None) or resource.__name__.lower()
        self.endpoints.add(endpoint)
        class_args = kwargs.pop("resource_class_args", ())
        class_kwargs = kwargs.pop("resource_class_kwargs", {})

        if self.blueprint is None:
            previous = getattr(app, "view_functions", {}).get(endpoint)
            previous_class = getattr(previous, "view_class", None)
            if previous is not None and previous_class is not resource:
                name = getattr(previous_class, "__name__", previous_class)
                raise ValueError(f"This endpoint ({endpoint}) is already set to the class {name}.")
            # Another URL for the same resource and endpoint: the same view function.
            view_func = previous or self._make_view(resource, endpoint, class_args, class_kwargs)
            for url in urls:
                app.add_url_rule(self._complete_url(url, ""), view_func=view_func, **kwargs)
            return

        view_func = self._make_view(resource, endpoint, class_args, class_kwargs)
        self._blueprint_views.append((resource, endpoint, urls, view_func, kwargs))
        if self.blueprint_setup is not None:
            self._add_blueprint_rules(
                self.blueprint_setup, resource, endpoint, urls, view_func, kwargs
            )

    def _make_view(
        self, resource: t.Any, endpoint: str, class_args: t.Any, class_kwargs: t.Any
    ) -> t.Callable[..., t.Any]:
        """The view function of a resource: :meth:`output` around ``as_view``, then the
        API's :attr:`decorators`."""
        resource.mediatypes = self.mediatypes_method()
        resource.endpoint = endpoint
        view_func = self.output(resource.as_view(endpoint, *class_args, **class_kwargs))
        for decorator in self.decorators:
            view_func = decorator(view_func)
        return view_func

    def _add_blueprint_rules(
        self,
        state: BlueprintSetupState,
        resource: t.Any,
        endpoint: str,
        urls: tuple[str, ...],
        view_func: t.Callable[..., t.Any],
        options: dict[str, t.Any],
    ) -> None:
        """Route ``urls`` on the app the blueprint is registered on, with the blueprint's
        prefix, subdomain, URL defaults and endpoint name."""
        full_endpoint = f"{self._blueprint_prefix()}.{endpoint}"
        previous = state.app.view_functions.get(full_endpoint)
        previous_class = getattr(previous, "view_class", None)
        if previous is not None and previous_class is not resource:
            name = getattr(previous_class, "__name__", previous_class)
            raise ValueError(f"This endpoint ({endpoint}) is already set to the class {name}.")
        options = dict(options)
        options.setdefault("subdomain", state.subdomain)
        defaults = dict(state.url_defaults, **options.pop("defaults", {}))
        for url in urls:
            state.app.add_url_rule(
                self._complete_url(url, state.url_prefix or ""),
                full_endpoint,
                previous or view_func,
                defaults=defaults,
                **options,
            )

    def url_for(self, resource: t.Any, **values: t.Any) -> str:
        """The URL of a resource class (:func:`erlen.url_for` of its endpoint)."""
        endpoint = resource.endpoint
        if self.blueprint is not None:
            endpoint = f"{self._blueprint_prefix()}.{endpoint}"
        return url_for(endpoint, **values)

    # -- responses --------------------------------------------------------------------

    def output(self, resource: F) -> F:
        """Wrap a view function so that data it returns (anything but a response object)
        goes through :meth:`make_response`."""

        def respond(resp: t.Any) -> t.Any:
            if isinstance(resp, _BaseResponse):
                return resp
            data, code, headers = unpack(resp)
            return self.make_response(data, code, headers=headers)

        return wrap_result(resource, respond)

    def make_response(self, data: t.Any, *args: t.Any, **kwargs: t.Any) -> Response:
        """A response for ``data`` from the representation of the best media type the
        client accepts (``(code, headers)`` follow ``data``).

        Without a match, :attr:`default_mediatype` is used (or ``fallback_mediatype``);
        ``None`` answers 406. ``text/plain`` without a representation is ``str(data)``.
        """
        default = kwargs.pop("fallback_mediatype", None) or self.default_mediatype
        mediatype = request.accept_mimetypes.best_match(self.representations, default=default)
        if mediatype is None:
            raise NotAcceptable()
        if mediatype in self.representations:
            resp = _steps.call_sync(self.representations[mediatype], (data, *args), kwargs)
            resp.headers["Content-Type"] = mediatype
            return t.cast("Response", resp)
        if mediatype == "text/plain":
            if "headers" in kwargs:
                args = (*args, kwargs["headers"])
            resp = _make_response(str(data), *args)
            resp.headers["Content-Type"] = "text/plain"
            return resp
        raise InternalServerError()

    def mediatypes(self) -> list[str]:
        """The media types of the request's ``Accept`` header, best first."""
        return [
            mediatype
            for mediatype, _ in sorted(
                request.accept_mimetypes, key=operator.itemgetter(1), reverse=True
            )
        ]

    def mediatypes_method(self) -> t.Callable[[t.Any], list[str]]:
        """A function returning :meth:`mediatypes` plus the default media type (set as
        each resource's ``mediatypes``)."""
        return lambda resource_cls: [*self.mediatypes(), self.default_mediatype]  # type: ignore[list-item]

    def representation(self, mediatype: str) -> t.Callable[[F], F]:
        """Decorator: register ``function(data, code, headers)`` (returning a response;
        may be ``async def``) as the representation of ``mediatype``::

            @api.representation("application/xml")
            def xml(data, code, headers):
                resp = make_response(to_xml(data), code)
                resp.headers.extend(headers)
                return resp
        """

        def wrapper(func: F) -> F:
            self.representations[mediatype] = func
            return func

        return wrapper

    def unauthorized(self, response: Response) -> Response:
        """Add the ``WWW-Authenticate`` challenge to a 401 when
        ``serve_challenge_on_401`` is set."""
        if self.serve_challenge_on_401:
            realm = current_app.config.get("HTTP_BASIC_AUTH_REALM", "flask-restful")
            response.headers["WWW-Authenticate"] = f'Basic realm="{realm}"'
        return response

    # -- errors -----------------------------------------------------------------------

    def owns_endpoint(self, endpoint: str) -> bool:
        """Whether the (app-level) endpoint name is one of this API's resources."""
        if self.blueprint is not None:
            prefix = f"{self._blueprint_prefix()}."
            if not endpoint.startswith(prefix):
                return False
            endpoint = endpoint[len(prefix) :]
        return endpoint in self.endpoints

    def _should_use_fr_error_handler(self) -> bool | None:
        """For a 404/405 (no rule matched the request): whether this API answers it: a 405
        when the URL is one of its resources, a 404 when ``catch_all_404s``."""
        adapter = current_app.create_url_adapter(request._get_current_object())  # type: ignore[attr-defined]
        try:
            adapter.match()  # type: ignore[union-attr]
        except MethodNotAllowed as e:
            valid_methods = list(e.valid_methods or ())
            if not valid_methods:
                return False
            rule, _ = adapter.match(method=valid_methods[0], return_rule=True)  # type: ignore[union-attr]
            return self.owns_endpoint(rule.endpoint)
        except NotFound:
            return self.catch_all_404s
        except Exception:  # a redirect, ...: not a missing route
            pass
        return None

    def _has_fr_route(self) -> bool:
        """Whether the current request is this API's to answer (see
        :meth:`error_router`)."""
        if self._should_use_fr_error_handler():
            return True
        rule = request.url_rule
        if not rule:
            return False
        return self.owns_endpoint(rule.endpoint)

    def error_router(
        self, original_handler: t.Callable[[Exception], t.Any], e: Exception
    ) -> t.Any:
        """Answer an error with :meth:`handle_error` when it happened on this API's
        route, else (or if that fails) with the app's own handling ``original_handler``."""
        if self._has_fr_route():
            try:
                return self.handle_error(e)
            except Exception:
                pass
        return original_handler(e)

    def handle_error(self, e: Exception) -> Response:
        """The response for an error: ``{"message": description}`` (or the error's
        ``data``, see :func:`abort`) with the error's status and headers, 500 for other
        exceptions (logged), adjusted by :attr:`errors`.

        Sends :data:`~erlen.signals.got_request_exception`; with ``PROPAGATE_EXCEPTIONS``
        (testing or debug mode by default) an exception that is not an HTTP error is
        raised again.
        """
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        if got_request_exception.receivers:
            got_request_exception.send(app, _async_wrapper=app.ensure_sync, exception=e)

        if not isinstance(e, HTTPException) and _propagate_exceptions(app):
            if sys.exc_info()[1] is e:
                raise
            raise e

        headers = Headers()
        if isinstance(e, HTTPException):
            if e.response is not None:
                # An error made with a response (abort(response)) answers with it.
                return t.cast("Response", e.get_response())
            code = e.code
            default_data = {"message": getattr(e, "description", http_status_message(code))}  # type: ignore[arg-type]
            headers = e.get_response().headers
        else:
            code = 500
            default_data = {"message": http_status_message(code)}
        # The error's own Content-Length is for its HTML page, not for this body.
        headers.pop("Content-Length", None)

        data = getattr(e, "data", default_data)

        if code and code >= 500:
            exc_info = sys.exc_info()
            app.log_exception(exc_info if exc_info[1] is not None else (None, None, None))

        custom = self.errors.get(type(e).__name__)
        if custom is not None:
            code = custom.get("status", 500)
            data.update(custom)

        if code == 406 and self.default_mediatype is None:
            # make_response must not answer this 406 with another 406: fall back to the
            # first representation.
            fallback = next(iter(self.representations), "text/plain")
            resp = self.make_response(data, code, headers, fallback_mediatype=fallback)
        else:
            resp = self.make_response(data, code, headers)

        if code == 401:
            resp = self.unauthorized(resp)
        return resp
