"""The context globals: ``current_app``, ``g``, ``request``, ``session`` (Flask's names) and
``websocket`` (an erlen addition, as in Quart).

Each is a :class:`~erlen.local.LocalProxy` over a :class:`~contextvars.ContextVar` holding the
active :class:`~erlen.ctx.AppContext` or :class:`~erlen.ctx.RequestContext`. They exist for user
code; erlen's own dispatch passes the context object explicitly.
"""

from __future__ import annotations

import typing as t
from contextvars import ContextVar

from .local import LocalProxy

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Flask
    from .asgi.websocket import WebSocket
    from .ctx import AppContext, RequestContext, _AppCtxGlobals
    from .sessions import SessionMixin
    from .wrappers import Request

# PERF: Python 3.11 compiles ``name.method()`` as an attribute load and a call, not as the
# cheaper method call, when ``name`` was bound by an import statement (it expects a module
# there). Modules that call ``get``/``set``/``reset`` on these variables for every request
# bind them by assignment from this module (``_cv_app = _globals._cv_app``) instead.

_no_app_msg = """\
Working outside of application context.

This typically means that you attempted to use functionality that needed
the current application. To solve this, set up an application context
with app.app_context(). See the documentation for more information.\
"""
_cv_app: ContextVar[AppContext] = ContextVar("erlen.app_ctx")
app_ctx: AppContext = LocalProxy(_cv_app, unbound_message=_no_app_msg)  # type: ignore[assignment]
current_app: Flask = LocalProxy(  # type: ignore[assignment]
    _cv_app, "app", unbound_message=_no_app_msg
)
g: _AppCtxGlobals = LocalProxy(_cv_app, "g", unbound_message=_no_app_msg)  # type: ignore[assignment]

_no_req_msg = """\
Working outside of request context.

This typically means that you attempted to use functionality that needed
an active HTTP request. Consult the documentation on testing for
information about how to avoid this problem.\
"""
_cv_request: ContextVar[RequestContext] = ContextVar("erlen.request_ctx")
request_ctx: RequestContext = LocalProxy(  # type: ignore[assignment]
    _cv_request, unbound_message=_no_req_msg
)
request: Request = LocalProxy(  # type: ignore[assignment]
    _cv_request, "request", unbound_message=_no_req_msg
)
session: SessionMixin = LocalProxy(  # type: ignore[assignment]
    _cv_request, "session", unbound_message=_no_req_msg
)

_no_websocket_msg = """\
Working outside of websocket context.

This typically means that you attempted to use 'websocket' outside a
WebSocket handler (a function registered with @app.websocket) or a
before_websocket/after_websocket function, for example in an HTTP view.\
"""
_cv_websocket: ContextVar[WebSocket] = ContextVar("erlen.websocket")
websocket: WebSocket = LocalProxy(  # type: ignore[assignment]
    _cv_websocket, unbound_message=_no_websocket_msg
)
