""":class:`Resource`: a class-based view with one method per HTTP method."""

from __future__ import annotations

import typing as t
from collections.abc import Mapping

from erlen import request
from erlen.views import MethodView
from erlen.wrappers.response import Response as _BaseResponse

from .. import _steps
from .utils import unpack

__all__ = ["Resource"]


class Resource(MethodView):
    """A REST resource: ``get``, ``post``, ``put``, ... handle the methods of the same
    name (``HEAD`` falls back to ``get``) and receive the URL variables; they may be
    ``async def``. Register it with :meth:`Api.add_resource <erlen.ext.restful.Api.add_resource>`.

    A method returns data (turned into a response by the API's representation for the
    client's ``Accept``), ``(data, code)``, ``(data, code, headers)`` or a response object.
    A method of an HTTP method the class does not define answers 405.

    ``method_decorators`` wraps the methods at each request: a list applies to every method,
    a dict ``{"get": [...], ...}`` per method.
    """

    #: ``{mediatype: function(data, code, headers)}`` used instead of the API's
    #: representations for this resource when the client accepts one of them.
    representations: Mapping[str, t.Callable[..., t.Any]] | None = None
    #: Decorators applied to the method at each request (see the class docstring).
    method_decorators: t.Any = []

    def dispatch_request(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Call the method for the request's HTTP method with the URL variables."""
        method = request.method
        name = method.lower()
        meth = getattr(self, name, None)
        if meth is None and method == "HEAD":
            name = "get"
            meth = getattr(self, "get", None)
        assert meth is not None, f"Unimplemented method {method!r}"

        decorators = self.method_decorators
        if isinstance(decorators, Mapping):
            decorators = decorators.get(name, [])
        for decorator in decorators:
            meth = decorator(meth)

        resp = _steps.call_sync(meth, args, kwargs)
        if isinstance(resp, _BaseResponse):
            return resp

        representations = self.representations
        if representations:
            mediatype = request.accept_mimetypes.best_match(representations, default=None)
            if mediatype in representations:
                data, code, headers = unpack(resp)
                resp = _steps.call_sync(representations[mediatype], (data, code, headers))
                resp.headers["Content-Type"] = mediatype
        return resp
