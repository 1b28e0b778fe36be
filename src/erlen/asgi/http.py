"""The ASGI adapter for HTTP requests: scope, receive and send around the one pipeline.

For each request: the app's request class is built from the scope
(:meth:`~erlen.wrappers.request.Request.from_asgi`), the URL is matched, the body is
received (bounded by ``MAX_CONTENT_LENGTH``, spooled to disk past
``ASGI_BODY_SPOOL_SIZE``) unless the view streams it, and Flask's dispatch runs in thread
or loop mode (:mod:`erlen.asgi.bridge`) exactly as under WSGI: push, full dispatch (or
``handle_exception``), the final headers, pop. The response then goes out: a fixed body at
once, a sync iterable advanced in the pool chunk by chunk, an async iterable on the loop,
a file by ``http.response.pathsend`` when the server offers it. A client that disconnects
during a streamed body closes the iterable (which ends ``stream_with_context``'s context
and so runs its teardown).
"""

from __future__ import annotations

import asyncio
import contextvars
import io
import os
import sys
import tempfile
import typing as t
from functools import partial
from inspect import CO_COROUTINE
from io import BytesIO
from threading import get_ident
from types import CoroutineType, FunctionType

from .. import ctx as _ctx, globals as _globals, signals as _signals
from ..ctx import AppContext, RequestContext
from ..exceptions import RequestEntityTooLarge
from ..wrappers import AppRequestMixin
from ..wrappers.response import Response as WSGIResponse, _ClosingBody, _run_wsgi_app
from ..wsgi import FileWrapper
from . import bridge
from .lifespan import serving_runtime

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Flask
    from ..wrappers import Request, Response

__all__ = ["handle_http", "stream_body"]

# PERF: bound by assignment, not import: see erlen.globals (method calls on 3.11).
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request
_cv_asgi_mode = _ctx._cv_asgi_mode
_request_started = _signals.request_started
_appcontext_pushed = _signals.appcontext_pushed
_request_finished = _signals.request_finished

Scope = t.MutableMapping[str, t.Any]
Message = t.MutableMapping[str, t.Any]
Receive = t.Callable[[], t.Awaitable[Message]]
Send = t.Callable[[Message], t.Awaitable[None]]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

#: Default of ``ASGI_BODY_SPOOL_SIZE``: request bodies larger than this go to a
#: temporary file instead of memory.
DEFAULT_SPOOL_SIZE = 1024 * 1024

# CO_COROUTINE | CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR
_CO_ASYNC = 0x80 | 0x100 | 0x200

# An app class overriding one of Flask's dispatch methods (erlen.app._OWN_STEPS) runs every
# request in thread mode (its override may block, and may call views without ensure_sync).
_overriding_classes: dict[type, bool] = {}

_MIXIN_MAX_CONTENT_LENGTH = AppRequestMixin.__dict__["max_content_length"]
_END = object()

# Body kinds of an outgoing response.
_EMPTY, _BYTES, _SYNC, _ASYNC, _PATH = range(5)


def stream_body(view: F) -> F:
    """Mark a view as consuming the request body as it arrives.

    Under ASGI the body is then not received before the view runs; the view reads it
    with ``async for chunk in request.iter_body()`` (``MAX_CONTENT_LENGTH`` applies),
    and :attr:`request.stream`, ``form``, ``get_json()`` and ``data`` are not available.
    Under WSGI ``iter_body()`` reads the body from the server's input stream. Place it
    below or above the route decorator::

        @app.post("/upload")
        @stream_body
        async def upload():
            async for chunk in request.iter_body():
                ...
    """
    view._erlen_stream_body = True  # type: ignore[attr-defined]
    return view


def _overrides_dispatch(app: Flask) -> bool:
    cls = type(app)
    rv = _overriding_classes.get(cls)
    if rv is None:
        from ..app import _OWN_STEPS, Flask

        rv = _overriding_classes[cls] = any(
            getattr(cls, name) is not getattr(Flask, name) for name in _OWN_STEPS
        )
    return rv


def _is_async_view(view: t.Any) -> bool:
    """Whether a view is a coroutine function (or a class-based view with one)."""
    if type(view) is FunctionType:
        if view.__code__.co_flags & _CO_ASYNC or "_is_coroutine_marker" in view.__dict__:
            return True
        view_class = view.__dict__.get("view_class")
        if view_class is None:
            return False
        from inspect import iscoroutinefunction

        names = ["dispatch_request"]
        names.extend(m.lower() for m in getattr(view_class, "methods", None) or ())
        return any(iscoroutinefunction(getattr(view_class, name, None)) for name in names)
    from inspect import iscoroutinefunction

    return iscoroutinefunction(view)


def _body_limit(app: Flask, request: Request) -> int | None:
    """``MAX_CONTENT_LENGTH`` for this request (no app context is pushed yet)."""
    if (
        type(request).max_content_length is _MIXIN_MAX_CONTENT_LENGTH
        and request._max_content_length is None
    ):
        return app.config["MAX_CONTENT_LENGTH"]
    return request.max_content_length


class _CutBody(io.RawIOBase):
    """A body received only up to ``MAX_CONTENT_LENGTH``: reading past what was received
    raises 413 (even if the view raised the limit for itself: the rest was never read)."""

    def __init__(self, file: t.IO[bytes]) -> None:
        self._file = file
        file.seek(0)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: t.Any) -> int:
        data = self._file.read(len(buffer))
        if not data and len(buffer):
            raise RequestEntityTooLarge()
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._file.close()
        super().close()


async def _receive_rest(
    app: Flask, request: Request, receive: Receive, first: bytes
) -> bytes | t.IO[bytes] | None:
    """Receive the rest of a body sent in several messages, or ``None`` if the client
    disconnected. Past ``MAX_CONTENT_LENGTH`` reading stops: reading the request's body
    then raises 413 once past what was received, as under WSGI. Past
    ``ASGI_BODY_SPOOL_SIZE`` the body moves to a temporary file."""
    limit = _body_limit(app, request)
    spool_size = app.config.get("ASGI_BODY_SPOOL_SIZE", DEFAULT_SPOOL_SIZE)
    size = len(first)
    file: t.IO[bytes] = BytesIO()
    file.write(first)
    while True:
        if limit is not None and size > limit:
            return t.cast("t.IO[bytes]", _CutBody(file))
        message = await receive()
        if message["type"] != "http.request":
            file.close()
            return None
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > spool_size and isinstance(file, BytesIO):
                spooled = tempfile.SpooledTemporaryFile(max_size=spool_size)  # noqa: SIM115
                spooled.write(file.getbuffer())
                file = t.cast("t.IO[bytes]", spooled)
            file.write(chunk)
        if not message.get("more_body", False):
            break
    if isinstance(file, BytesIO):
        return file.getvalue()
    file.seek(0)
    return file


#: What the pipeline hands to the sender: the status, the ASGI headers, how the body is
#: sent (_EMPTY, _BYTES, _SYNC, _ASYNC or _PATH), the body, and what is closed after
#: sending (the response, a custom WSGI app iterable, or None).
#: PERF: a tuple, unpacked by the sender: no object with attributes to build and read.
_Outgoing = tuple[int, list[tuple[bytes, bytes]], int, t.Any, t.Any]


_ENCODED_HEADERS: dict[tuple[tuple[str, str], ...], tuple[tuple[bytes, bytes], ...]] = {}
_ENCODED_HEADERS_MAX = 512


def _encode_headers(pairs: t.Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    """ASGI header pairs: lower-cased names, latin-1 bytes."""
    # PERF: the same header lists (Content-Type and a short Content-Length) recur on most
    # responses; a bounded memo of whole lists turns the encoding into one lookup.
    key = tuple(pairs)
    encoded = _ENCODED_HEADERS.get(key)
    if encoded is None:
        encoded = tuple(
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in key
        )
        if len(_ENCODED_HEADERS) < _ENCODED_HEADERS_MAX and all(
            len(value) < 64 for _, value in key
        ):
            _ENCODED_HEADERS[key] = encoded
    return list(encoded)


def _outgoing(request: Request, response: Response) -> _Outgoing:
    """Status, headers and body of ``response``: the WSGI adapter's steps
    (``_final_headers``, the body of ``get_app_iter``) without the environ, or for a class
    overriding a WSGI method, those methods run on the request's environ."""
    body: t.Any
    closer: t.Any
    try:
        plain = response._plain_wsgi
    except AttributeError:  # not one of erlen's WSGI response classes
        plain = False
    if not plain:
        app_iter, status_line, header_obj = _run_wsgi_app(response, request.environ)
        status = int(status_line.split(None, 1)[0])
        kind, body = _body_of(app_iter, status, request, True)
        return status, _encode_headers(header_obj.items()), kind, body, app_iter
    final = response._final_headers(
        partial(getattr, request, "base_url") if response.autocorrect_location_header else None
    )
    pairs = response._headers._list if final is None else final
    # PERF: _encode_headers' memo looked up here (a miss encodes there): no call.
    encoded = _ENCODED_HEADERS.get(tuple(pairs))
    headers = _encode_headers(pairs) if encoded is None else list(encoded)
    status = response._status_code
    body = response.response
    if type(body) is list:
        # PERF: a fixed body with nothing to close needs no closing step after sending
        # (a list has no close: no attribute lookups that fail).
        closer = response if response._on_close or not response._plain_close else None
        if len(body) == 1 and response._plain_iter:
            chunk = body[0]
            if type(chunk) is bytes:
                # One chunk of bytes (the common response): sent as it is.
                if response._sends_body(request.method):
                    return status, headers, _BYTES, chunk, closer
                return status, headers, _EMPTY, b"", closer
    elif (
        response._on_close
        or not response._plain_close
        or hasattr(body, "close")
        or hasattr(body, "aclose")
    ):
        closer = response
    else:
        closer = None
    method = request.method
    if not response._sends_body(method):
        kind = _EMPTY
        body = b""
    elif response.direct_passthrough:
        kind, body = _body_of(body, status, request, False)
        closer = response
    elif response._plain_iter and (
        type(body) is list
        # Another WSGI app's fixed body (force_type: an HTTPException as response).
        or (type(body) is _ClosingBody and type(body._iterable) is list)
    ):
        kind = _BYTES
        body = b"".join(response.iter_encoded())
    elif hasattr(body, "__aiter__"):
        kind = _ASYNC
        closer = response
    else:
        kind = _SYNC
        body = response.iter_encoded()
        closer = response
    return status, headers, kind, body, closer


def _body_of(
    body: t.Any, status: int, request: Request, from_wsgi: bool
) -> tuple[int, t.Any]:
    """How to send a body taken as it is (a WSGI app iterable, a direct passthrough
    body): its kind and what to send (a file by path when the server offers
    ``http.response.pathsend``)."""
    if from_wsgi and request.method == "HEAD":
        return _EMPTY, b""
    if isinstance(body, list) and all(type(x) is bytes for x in body):
        return _BYTES, b"".join(body)
    if type(body) is FileWrapper and status == 200 and _offers_pathsend(request):
        path = _file_path(body.file)
        if path is not None:
            return _PATH, path
    if hasattr(body, "__aiter__"):
        return _ASYNC, body
    return _SYNC, body


def _offers_pathsend(request: Request) -> bool:
    """Whether the server of ``request`` (made from an ASGI scope) takes
    ``http.response.pathsend`` messages."""
    extensions = request._asgi_scope.get("extensions")  # type: ignore[union-attr]
    return extensions is not None and "http.response.pathsend" in extensions


def _file_path(file: t.Any) -> str | None:
    """The absolute path of a regular file opened by path and not read yet, else None."""
    name = getattr(file, "name", None)
    if not isinstance(name, str) or getattr(file, "mode", None) != "rb":
        return None
    try:
        if file.tell() != 0:
            return None
    except (OSError, ValueError):
        return None
    return os.path.abspath(name)


def _dispatch(
    app: Flask, ctx: RequestContext, preserve: t.Callable[[t.Any], t.Any] | None
) -> _Outgoing:
    """The WSGI adapter's steps (``Flask.wsgi_app``) for an ASGI request; runs in the
    pipeline's greenlet or thread. :func:`handle_http` takes the same steps itself in
    direct mode: a change to their order belongs in both."""
    error: BaseException | None = None
    try:
        try:
            ctx.push()
            response = app.full_dispatch_request()
        except Exception as e:
            error = e
            response = app.handle_exception(e)
        except:  # noqa: E722
            error = sys.exc_info()[1]
            raise
        return _outgoing(ctx.request, response)
    finally:
        if preserve is not None:
            _preserve_copies(preserve)
        if error is not None and app.should_ignore_error(error):
            error = None
        ctx.pop(error)


def _handle_user_exception(app: Flask, error: Exception) -> Response:
    """``Flask.full_dispatch_request``'s steps after the view raised: the error handling,
    then finalizing."""
    try:
        raise error  # handled as the exception being handled (a bare ``raise`` re-raises it)
    except Exception as e:
        rv = app.handle_user_exception(e)
    return app.finalize_request(rv)


def _own_mode(runtime: bridge.Runtime) -> bridge.Mode:
    """The request's own mode, set in its context now if it had a mode that requests share
    (direct mode): the pipeline greenlet and the lane need one."""
    mode: bridge.Mode = _cv_asgi_mode.get()
    if mode.shared:
        mode = runtime.mode(True)
        _cv_asgi_mode.set(mode)
    return mode


def _in_greenlet(
    runtime: bridge.Runtime, func: t.Callable[..., t.Any], *args: t.Any
) -> t.Coroutine[t.Any, t.Any, t.Any]:
    """``bridge.run_in_greenlet(func, *args)`` for a direct-mode request, with a mode of
    its own."""
    _own_mode(runtime)
    return bridge.run_in_greenlet(func, *args)


def _preserve_copies(preserve: t.Callable[[t.Any], t.Any]) -> None:
    """Hand the test client (``with client:``) the request's contexts to push in the test's
    thread: copies sharing ``g``, the request and the session, since the originals may
    still be in use by a streamed body in another thread (``stream_with_context``)."""
    app_ctx = _cv_app.get()
    req_ctx = _cv_request.get()
    app_copy = AppContext(app_ctx.app)
    app_copy.g = app_ctx.g
    # The session object as it is (not opened if the request never touched it).
    req_copy = type(req_ctx)(
        app_ctx.app, None, request=req_ctx.request, session=req_ctx._session_obj
    )
    req_copy.flashes = req_ctx.flashes
    preserve(app_copy)
    preserve(req_copy)


async def handle_http(app: Flask, scope: Scope, receive: Receive, send: Send) -> None:
    """Serve one ASGI ``http`` scope with ``app``."""
    # PERF: one coroutine for the common request (no nested awaits of helpers, the body
    # kept as bytes, the limit looked up only for a body): each layer costs a frame.
    runtime: bridge.Runtime | None = app._asgi_runtime
    if runtime is None or runtime.ready_thread() != get_ident():
        runtime = await serving_runtime(app)

    request = app.request_class.from_asgi(scope)
    ctx = RequestContext(app, None, request)
    if ctx._adapter is not None:  # an adapter, bound or to bind on first use
        ctx.match_request()
        ctx._matched = True
        rule = request.url_rule
        view = None if rule is None else app.view_functions.get(rule.endpoint)
    else:
        view = None
    if view is None:
        # No view (a routing error, automatic OPTIONS): nothing to move off the loop but
        # hooks and error handlers, which ensure_sync moves one by one.
        kind = _LOOP_MODE if not _overrides_dispatch(app) else 0
    else:
        try:
            kind = runtime.view_kinds.get(view)  # type: ignore[assignment]  # (None: below)
        except TypeError:  # an unhashable callable object as view (a dataclass instance)
            kind = _view_kind(app, runtime, view)
        if kind is None:
            kind = runtime.view_kinds[view] = _view_kind(app, runtime, view)

    # The body to close at the end (not a plain bytes one).
    received: t.Any = None
    if kind & _STREAM_BODY:
        request._set_asgi_body(None, receive)
        received = request._asgi_body
    elif not request._asgi_bodyless:
        # PERF: a request without a body (by HTTP/1.x's rules) does not wait for the
        # body message.
        declared = request.content_length
        limit = None if declared is None else _body_limit(app, request)
        if limit is not None and declared > limit:  # type: ignore[operator]
            body: t.Any = _CutBody(BytesIO())  # not read at all
        else:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before sending its request
            body = message.get("body", b"")
            if message.get("more_body", False):
                body = await _receive_rest(app, request, receive, body)
                if body is None:
                    return  # the client left before sending the whole body
        request._set_asgi_body(body)
        if type(body) is not bytes:
            received = body

    extensions = scope.get("extensions")
    preserve = None
    if extensions:
        extra = extensions.get("erlen.environ")
        if extra:
            preserve = extra.get("werkzeug.debug.preserve_context")
    # The request's mode (bridge.Mode), in this task's context: the pipeline greenlet
    # shares it, and the copies made for the lane's thread carry it. In direct mode one
    # that requests share, until the request needs its own (_own_mode).
    stream_ctx: contextvars.Context | None = None
    if (
        kind & _DIRECT
        and preserve is None
        # Nothing before the view needs the pipeline greenlet: Flask's own dispatch
        # steps (settled by _view_kind), no before_request functions, no receivers of
        # the signals sent on the way, the URL matched to an HTTP route.
        and app._own_steps
        and not app.before_request_funcs
        and not _request_started.receivers
        and not _appcontext_pushed.receivers
        and not rule.websocket  # type: ignore[union-attr]
    ):
        mode = runtime.task_mode
        mode_token = _cv_asgi_mode.set(mode)
        dispatch: t.Awaitable[_Outgoing] | None = None
    elif kind & _LOOP_MODE:
        mode_token = _cv_asgi_mode.set(runtime.mode(True))
        dispatch = bridge.run_in_greenlet(_dispatch, app, ctx, preserve)
    else:
        mode = runtime.mode(False)
        mode_token = _cv_asgi_mode.set(mode)
        stream_ctx = contextvars.copy_context()
        # _dispatch in the request's lane (a future: no coroutine around it), in stream_ctx.
        dispatch = mode.run_ending(_more_sync_work, stream_ctx.run, _dispatch, app, ctx, preserve)
    try:
        if dispatch is not None:
            status, headers, kind, body, closer = await dispatch
        else:
            # Direct mode, for an ``async def`` view with nothing to bridge before it:
            # _dispatch's steps on this task. The steps of full_dispatch_request up to
            # the view (Flask._preprocess_and_dispatch) hand the view's coroutine over,
            # it is awaited here, and the steps after it run here too, or in the
            # pipeline greenlet when they have user code to bridge (hooks, error
            # handlers, signal receivers). PERF: no greenlet switch, no stepping of the
            # coroutine from sync code, no mode of the request's own unless something
            # needs the greenlet or the lane (_own_mode), and no coroutine of its own
            # (a helper coroutine awaited here cost one more frame per request).
            # These steps and _dispatch's are the same (push, full_dispatch_request's
            # steps or handle_exception, the final headers, pop): a change to their
            # order belongs in both, and in Flask.full_dispatch_request.
            error: BaseException | None = None
            try:
                try:
                    ctx.push()
                    try:
                        # The steps hand the view over (see Mode.handing_over); the view
                        # itself, and the user code it calls, run in an ordinary loop mode.
                        mode.handing_over = ctx
                        try:
                            rv = app._preprocess_and_dispatch()
                        finally:
                            mode.handing_over = None
                        if type(rv) is CoroutineType:  # the view's (else no view ran)
                            rv = await rv
                    except Exception as e:  # noqa: BLE001 - as full_dispatch_request
                        response = await _in_greenlet(runtime, _handle_user_exception, app, e)
                    else:
                        if (
                            ctx._after_request_functions
                            or app.after_request_funcs
                            or _request_finished.receivers
                        ):
                            response = await _in_greenlet(runtime, app.finalize_request, rv)
                        else:
                            response = app.finalize_request(rv)
                except Exception as e:
                    error = e
                    response = await _in_greenlet(runtime, app.handle_exception, e)
                except:  # noqa: E722
                    error = sys.exc_info()[1]
                    raise
                status, headers, kind, body, closer = _outgoing(ctx.request, response)
            finally:
                if error is not None and app.should_ignore_error(error):
                    error = None
                if ctx._pop_runs_user_code():
                    await _in_greenlet(runtime, ctx.pop, error)
                else:
                    ctx.pop(error)
        start = {"type": "http.response.start", "status": status, "headers": headers}
        if kind <= _BYTES:  # _EMPTY or _BYTES
            try:
                await send(start)
                await send({"type": "http.response.body", "body": body})
            finally:
                if closer is not None:
                    await _close(_own_mode(runtime), closer, stream_ctx)
        else:
            await _send_stream(
                _own_mode(runtime), kind, body, closer, stream_ctx, start, receive, send
            )
    finally:
        mode = _cv_asgi_mode.get()
        _cv_asgi_mode.reset(mode_token)
        if mode._jobs is not None:  # PERF: (Mode.close) a lane was taken
            mode.close()
        if received is not None and preserve is None:
            # A file (spooled past ASGI_BODY_SPOOL_SIZE): closed as a WSGI server closes
            # its input.
            received.close()


def _more_sync_work(out: _Outgoing) -> bool:
    """Whether sending ``out`` runs sync code (a streamed body, closing) in the lane."""
    return out[2] > _BYTES or out[4] is not None


# What handle_http needs to know of a view (Runtime.view_kinds, per view function).
_STREAM_BODY, _LOOP_MODE, _DIRECT = 1, 2, 4


def _view_kind(app: Flask, runtime: bridge.Runtime, view: t.Any) -> int:
    """``_STREAM_BODY`` if the view consumes the body as it arrives, ``_LOOP_MODE`` if its
    request runs in loop mode (an ``async def`` view, or ``ASGI_SYNC_INLINE``; never for
    an app class overriding a sync dispatch method), ``_DIRECT`` if it is a plain
    ``async def`` function (direct mode may apply)."""
    if not app._got_first_request:
        # Direct mode asks Flask._own_steps before the first dispatch would settle it.
        app._find_own_steps()
    kind = _STREAM_BODY if getattr(view, "_erlen_stream_body", False) else 0
    if (runtime.sync_inline or _is_async_view(view)) and not _overrides_dispatch(app):
        kind |= _LOOP_MODE
        if type(view) is FunctionType and view.__code__.co_flags & CO_COROUTINE:
            kind |= _DIRECT
    return kind


async def _send_stream(
    mode: bridge.Mode,
    kind: int,
    body: t.Any,
    closer: t.Any,
    stream_ctx: contextvars.Context | None,
    start: Message,
    receive: Receive,
    send: Send,
) -> None:
    """Send a file (pathsend) or a streamed body, watching for the client leaving."""
    if kind == _PATH:
        try:
            await send(start)
            await send({"type": "http.response.pathsend", "path": body})
        finally:
            await _close(mode, closer, stream_ctx)
        return
    if stream_ctx is None:
        stream_ctx = contextvars.copy_context()
    watcher = asyncio.ensure_future(_wait_for_disconnect(receive))
    try:
        await send(start)
        if kind == _ASYNC:
            completed = await _pump_async(body, send, watcher)
        else:
            completed = await _pump_sync(mode, body, send, watcher, stream_ctx)
        if completed:
            await send({"type": "http.response.body", "body": b""})
    finally:
        watcher.cancel()
        await _close(mode, closer, stream_ctx)


async def _wait_for_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _pump_sync(
    mode: bridge.Mode,
    body: t.Iterable[bytes],
    send: Send,
    watcher: asyncio.Future[None],
    stream_ctx: contextvars.Context,
) -> bool:
    """Send a sync iterable chunk by chunk, each advanced in the request's lane; ``False``
    if the client disconnected first (noticed between chunks: a running thread can't be
    interrupted)."""
    iterator = await mode.run(partial(stream_ctx.run, iter, body))
    step = partial(stream_ctx.run, next, iterator, _END)
    while True:
        chunk: t.Any = await mode.run(step)
        if chunk is _END:
            return True
        if watcher.done():
            return False
        if chunk:
            if isinstance(chunk, str):
                chunk = chunk.encode()
            if not await _send_chunk(send, chunk):
                return False


async def _pump_async(
    body: t.AsyncIterable[bytes], send: Send, watcher: asyncio.Future[None]
) -> bool:
    """Send an async iterable chunk by chunk on the loop; on disconnect the iteration
    is cancelled at once. ``False`` if the client disconnected."""

    async def pump() -> bool:
        async for chunk in body:
            if chunk:
                if isinstance(chunk, str):
                    chunk = chunk.encode()
                if not await _send_chunk(send, chunk):
                    return False
        return True

    task = asyncio.ensure_future(pump())
    try:
        await asyncio.wait((task, watcher), return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not task.done():
            # The client left (or this request is cancelled): stop the generator where
            # it waits; closing it follows.
            task.cancel()
            await asyncio.wait((task,))
    if task.cancelled():
        return False
    return task.result()


async def _send_chunk(send: Send, chunk: bytes) -> bool:
    try:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    except OSError:
        # Servers raise this (uvicorn: ClientDisconnected) when the client is gone.
        return False
    return True


async def _close(mode: bridge.Mode, closer: t.Any, stream_ctx: contextvars.Context | None) -> None:
    """Close the response (or WSGI app iterable) ``closer`` as a WSGI server closes the app
    iterable: the body (a generator's ``finally``, ``stream_with_context``'s teardown) and
    ``call_on_close`` callbacks. An async body's ``aclose`` runs on the loop, sync closing
    in the pool."""
    if isinstance(closer, WSGIResponse):
        body = closer.response
        aclose = getattr(body, "aclose", None)
        if aclose is not None:
            await aclose()
        if not closer._on_close and closer._plain_close and getattr(body, "close", None) is None:
            return  # PERF: nothing to call (the common case)
    close = getattr(closer, "close", None)
    if close is None:
        return
    if stream_ctx is None:
        stream_ctx = contextvars.copy_context()
    await mode.run(partial(stream_ctx.run, close))
