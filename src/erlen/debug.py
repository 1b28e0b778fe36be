"""Development error pages: :class:`DebuggedApplication` and :func:`render_debug_page`.

The development server (``erlen run --debug`` or ``--debugger``) wraps the application in
:class:`DebuggedApplication`. When the application raises (in debug mode erlen apps let
exceptions propagate instead of answering the stock 500 page), the middleware answers an HTML
page with the traceback, the source lines around every frame and a summary of the request, and
prints the plain-text traceback to ``wsgi.errors``.

Unlike Werkzeug's debugger there is **no interactive console**: the page contains no
JavaScript and nothing on it can run code on the server. ``evalex`` and the PIN options are
accepted so code written for ``werkzeug.debug.DebuggedApplication`` keeps working, and ignored.

The page shows source code, file paths and request headers: never enable it in production.
"""

from __future__ import annotations

import html
import linecache
import os
import platform
import sys
import traceback
import typing as t
from types import FrameType, TracebackType
from urllib.parse import parse_qsl, quote

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["DebuggedApplication", "render_debug_page"]

#: Lines of source shown before and after the line a frame is executing.
CONTEXT_LINES = 3

_CAUSE = "The above exception was the direct cause of the following exception:"
_CONTEXT = "During handling of the above exception, another exception occurred:"

# Credentials: the page names these headers but never shows their values.
_SECRET_HEADERS = frozenset({"Authorization", "Proxy-Authorization"})

_ERLEN_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_LIBRARY_DIRS = tuple(
    {
        os.path.join(os.path.abspath(prefix), "lib") + os.sep
        for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix)
    }
)

_STYLE = """
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif;
       color: #1d2129; background: #f6f7f9; }
header { background: #8f1d1d; color: #fff; padding: 1.2rem 2rem; }
header h1 { margin: 0; font-size: 1.5rem; }
header .message { margin: 0.4rem 0 0; font: 1.05rem/1.4 ui-monospace, Menlo, Consolas, monospace;
                  white-space: pre-wrap; word-break: break-word; }
main { padding: 1rem 2rem 2rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 0.6rem; }
.chain { margin: 1.4rem 0 0.4rem; font-style: italic; color: #555; }
.exception { font: 600 0.95rem ui-monospace, Menlo, Consolas, monospace; color: #8f1d1d;
             white-space: pre-wrap; margin: 0.6rem 0; }
.frame { background: #fff; border: 1px solid #dfe2e7; border-radius: 6px; margin: 0.5rem 0;
         overflow: hidden; }
.frame.library { opacity: 0.72; }
.frame h3 { margin: 0; padding: 0.45rem 0.8rem; font: 0.85rem ui-monospace, Menlo, monospace;
            background: #eef0f3; font-weight: 400; }
.frame h3 .function { font-weight: 700; }
.frame pre { margin: 0; padding: 0.4rem 0; font: 0.85rem/1.45 ui-monospace, Menlo, monospace;
             overflow-x: auto; }
.line { display: block; padding: 0 0.8rem; white-space: pre; }
.line .lineno { display: inline-block; min-width: 3.5em; color: #8a919c; user-select: none; }
.line.current { background: #fdecea; font-weight: 700; }
.line.current .lineno { color: #8f1d1d; }
.nosource { padding: 0.4rem 0.8rem; color: #8a919c; font-style: italic; }
table { border-collapse: collapse; background: #fff; border: 1px solid #dfe2e7; min-width: 50%; }
th, td { text-align: left; vertical-align: top; padding: 0.3rem 0.8rem;
         border-bottom: 1px solid #eef0f3; font: 0.85rem ui-monospace, Menlo, monospace; }
th { white-space: nowrap; color: #444; }
td { word-break: break-all; }
.muted { color: #8a919c; font-style: italic; }
footer { padding: 1rem 2rem 2rem; color: #6b7280; font-size: 0.85rem; }
details.plain pre { background: #fff; border: 1px solid #dfe2e7; padding: 0.8rem;
                    overflow-x: auto; font-size: 0.8rem; }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _safe_str(value: object) -> str:
    try:
        return str(value)
    except Exception:  # noqa: BLE001 - a broken __str__ must not break the error page
        return f"<unprintable {type(value).__name__} object>"


def _exception_name(exc: BaseException) -> str:
    cls = type(exc)
    module = cls.__module__
    if module in ("builtins", "__main__"):
        return cls.__qualname__
    return f"{module}.{cls.__qualname__}"


def _exception_text(exc: BaseException) -> str:
    """``Type: message`` plus any ``add_note`` notes, as Python prints it."""
    try:
        return "".join(traceback.format_exception_only(type(exc), exc)).rstrip("\n")
    except Exception:  # noqa: BLE001
        return f"{_exception_name(exc)}: {_safe_str(exc)}"


def _exception_chain(exc: BaseException) -> list[tuple[BaseException, str | None]]:
    """Oldest first: each exception with how it relates to the next one (or ``None``)."""
    chain: list[tuple[BaseException, str | None]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    relation: str | None = None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, relation))
        if current.__cause__ is not None:
            relation, current = _CAUSE, current.__cause__
        elif current.__context__ is not None and not current.__suppress_context__:
            relation, current = _CONTEXT, current.__context__
        else:
            current = None
    chain.reverse()
    return chain


def _is_hidden(frame: FrameType) -> bool:
    try:
        return bool(frame.f_locals.get("__traceback_hide__", False))
    except Exception:  # noqa: BLE001
        return False


def _frames(tb: TracebackType | None, show_hidden: bool) -> list[tuple[FrameType, int]]:
    frames: list[tuple[FrameType, int]] = []
    while tb is not None:
        frames.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    if not show_hidden:
        visible = [item for item in frames if not _is_hidden(item[0])]
        # Hiding everything would leave nothing to debug.
        if visible:
            frames = visible
    return frames


def _is_library(filename: str) -> bool:
    path = os.path.abspath(filename)
    return path.startswith(_ERLEN_DIR) or (
        "site-packages" in path or path.startswith(_LIBRARY_DIRS)
    )


def _render_frame(frame: FrameType, lineno: int) -> str:
    code = frame.f_code
    filename = code.co_filename
    function = getattr(code, "co_qualname", code.co_name)
    lines = linecache.getlines(filename, frame.f_globals)
    css = "frame library" if _is_library(filename) else "frame"
    out = [
        f'<div class="{css}"><h3>File <span class="filename">&quot;{_e(filename)}&quot;</span>,'
        f' line {lineno}, in <span class="function">{_e(function)}</span></h3>'
    ]
    if 1 <= lineno <= len(lines):
        first = max(1, lineno - CONTEXT_LINES)
        last = min(len(lines), lineno + CONTEXT_LINES)
        out.append("<pre>")
        for number in range(first, last + 1):
            source = lines[number - 1].rstrip("\r\n")
            cls = "line current" if number == lineno else "line"
            out.append(
                f'<span class="{cls}"><span class="lineno">{number}</span>{_e(source)}</span>'
            )
        out.append("</pre>")
    else:
        out.append('<div class="nosource">source not available</div>')
    out.append("</div>")
    return "".join(out)


def _reconstruct_url(environ: WSGIEnvironment) -> str:
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST")
    if not host:
        host = environ.get("SERVER_NAME", "localhost")
        port = str(environ.get("SERVER_PORT", ""))
        if port and (scheme, port) not in (("http", "80"), ("https", "443")):
            host = f"{host}:{port}"
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    # WSGI strings are latin-1 decoded bytes; quote them back to the URL the client sent.
    path = quote(path.encode("latin-1", "replace"), safe="/;:@&=+$,!~*'()%")
    query = environ.get("QUERY_STRING", "")
    return f"{scheme}://{host}{path}" + (f"?{query}" if query else "")


def _request_line(environ: WSGIEnvironment) -> str:
    return f"{environ.get('REQUEST_METHOD', 'GET')} {_reconstruct_url(environ)}"


def _request_headers(environ: WSGIEnvironment) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").title()
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key.replace("_", "-").title()
        else:
            continue
        value = str(value)
        if name == "Cookie":
            names = [part.split("=", 1)[0].strip() for part in value.split(";") if part.strip()]
            value = f"{', '.join(names)} (cookie values hidden)"
        elif name in _SECRET_HEADERS:
            value = "(hidden)"
        headers.append((name, value))
    headers.sort()
    return headers


def _form_field_names(request: t.Any, environ: WSGIEnvironment) -> list[str] | None:
    """Names of the parsed form (and file) fields; ``None`` if the app never parsed a form.

    Only a form the application already parsed is used: the body stream may be half read or
    closed by now, and reading it here could block.
    """
    if request is None:
        request = environ.get("werkzeug.request")
    cached = getattr(request, "__dict__", {})
    if "form" not in cached and "files" not in cached:
        return None
    names: list[str] = []
    for attr in ("form", "files"):
        fields = cached.get(attr)
        if fields is not None:
            names.extend(name for name in fields if name not in names)
    return names


def _table(rows: list[tuple[str, str]], empty: str) -> str:
    if not rows:
        return f'<p class="muted">{_e(empty)}</p>'
    body = "".join(f"<tr><th>{_e(name)}</th><td>{_e(value)}</td></tr>" for name, value in rows)
    return f"<table>{body}</table>"


def _render_request(environ: WSGIEnvironment, request: t.Any) -> str:
    method = environ.get("REQUEST_METHOD", "GET")
    summary = [("Method", method), ("URL", _reconstruct_url(environ))]
    remote = environ.get("REMOTE_ADDR")
    if remote:
        summary.append(("Client", remote))
    args = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    out = [
        "<h2>Request</h2>",
        _table(summary, ""),
        "<h2>Headers</h2>",
        _table(_request_headers(environ), "no headers"),
        "<h2>Query arguments</h2>",
        _table(args, "no query arguments"),
        "<h2>Form fields</h2>",
    ]
    names = _form_field_names(request, environ)
    if names is None:
        out.append('<p class="muted">the application did not read a form</p>')
    elif not names:
        out.append('<p class="muted">no form fields</p>')
    else:
        out.append('<p class="muted">names only; values are never shown</p><ul>')
        out.extend(f"<li><code>{_e(name)}</code></li>" for name in names)
        out.append("</ul>")
    return "".join(out)


def format_traceback_text(exc: BaseException) -> str:
    """The plain-text traceback of ``exc`` (as Python prints it), without the middleware."""
    try:
        te = traceback.TracebackException(type(exc), exc, exc.__traceback__)
    except Exception:  # noqa: BLE001
        return _exception_text(exc) + "\n"
    pending: list[traceback.TracebackException | None] = [te]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        current.stack[:] = [
            summary
            for summary in current.stack
            if not (summary.filename == __file__ and summary.name == "debug_application")
        ]
        pending += [current.__cause__, current.__context__]
    return "".join(te.format())


def render_debug_page(
    exc: BaseException,
    environ: WSGIEnvironment,
    *,
    request: t.Any = None,
    show_hidden_frames: bool = False,
) -> str:
    """Render the HTML debug page for ``exc``, raised while serving ``environ``.

    The page shows the exception (with its chained causes), every frame with
    :data:`CONTEXT_LINES` lines of source around the executing line, and the request: method,
    URL, headers (cookie names but not their values; credentials hidden), query arguments and
    the *names* of the form fields the application parsed. Everything is HTML-escaped.

    :param request: The request object, to list its parsed form fields; by default
        ``environ["werkzeug.request"]``.
    :param show_hidden_frames: Include frames that set ``__traceback_hide__``.
    """
    headline = _exception_text(exc)
    title_line = headline.splitlines()[0] if headline else _exception_name(exc)
    parts = [
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title_line)} // erlen debugger</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<header><h1>{_e(_exception_name(exc))}</h1>",
        f'<p class="message">{_e(_safe_str(exc))}</p></header><main>',
        '<h2>Traceback <small class="muted">(most recent call last)</small></h2>',
    ]
    for error, relation in _exception_chain(exc):
        for frame, lineno in _frames(error.__traceback__, show_hidden_frames):
            parts.append(_render_frame(frame, lineno))
        parts.append(f'<div class="exception">{_e(_exception_text(error))}</div>')
        if relation:
            parts.append(f'<p class="chain">{_e(relation)}</p>')
    plain = format_traceback_text(exc)
    parts.append(
        '<details class="plain"><summary>Plain-text traceback</summary>'
        f"<pre>{_e(plain)}</pre></details>"
    )
    parts.append(_render_request(environ, request))
    parts.append(
        "</main><footer>This page is shown because the erlen debugger is enabled. It runs no"
        " code, but exposes source code and request details: never enable it in production."
        f" &middot; Python {_e(platform.python_version())}</footer></body></html>"
    )
    return "".join(parts)


class DebuggedApplication:
    """WSGI middleware answering an HTML traceback page when the wrapped app raises.

    Meant for development only (the ``erlen run`` debugger). The page is rendered by
    :func:`render_debug_page`; the plain-text traceback is also written to ``wsgi.errors``.
    If the exception happens after the response body started streaming, the error is logged
    and re-raised so the server closes the connection.

    The signature matches :class:`werkzeug.debug.DebuggedApplication`, but erlen has no
    in-browser console: ``evalex``, ``console_path``, ``console_init_func``,
    ``pin_security`` and ``pin_logging`` are accepted and ignored, and no code can be run
    from the page.

    :param app: The WSGI application to wrap.
    :param request_key: The environ key holding the request object, used to list the names
        of the parsed form fields.
    :param show_hidden_frames: Include frames that set ``__traceback_hide__``.
    """

    #: Always ``False``: erlen never executes code from the browser.
    evalex = False

    #: Always ``None``: with no console there is no PIN to unlock it (Werkzeug's attribute,
    #: for code that prints or checks it).
    pin: str | None = None

    def __init__(
        self,
        app: WSGIApplication,
        evalex: bool = False,
        request_key: str = "werkzeug.request",
        console_path: str = "/console",
        console_init_func: t.Callable[[], dict[str, t.Any]] | None = None,
        show_hidden_frames: bool = False,
        pin_security: bool = True,
        pin_logging: bool = True,
    ) -> None:
        self.app = app
        self.request_key = request_key
        self.show_hidden_frames = show_hidden_frames

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        """Serve the request through the wrapped app, answering the debug page on errors."""
        return self.debug_application(environ, start_response)

    def debug_application(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterator[bytes]:
        """Run the app; on an exception log it and answer the debug page (a generator)."""
        __traceback_hide__ = True  # noqa: F841 - hides this frame from the page
        # erlen's (and Flask's) wsgi_app hands its contexts to this hook before popping them;
        # keeping the request context lets the page list the parsed form's field names.
        contexts: list[t.Any] = []
        environ["werkzeug.debug.preserve_context"] = contexts.append
        status_sent = False
        body_started = False

        def tracking_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
        ) -> t.Callable[[bytes], object]:
            nonlocal status_sent
            status_sent = True
            return start_response(status, headers, exc_info)

        app_iter: t.Iterable[bytes] | None = None
        try:
            app_iter = self.app(environ, tracking_start_response)
            try:
                for chunk in app_iter:
                    if chunk:
                        body_started = True
                    yield chunk
            finally:
                close = getattr(app_iter, "close", None)
                if close is not None:
                    close()
        except Exception as e:
            request = next(
                (getattr(c, "request", None) for c in contexts if hasattr(c, "request")),
                environ.get(self.request_key),
            )
            if body_started:
                # The server logs the re-raised exception with its traceback; say only why
                # there is no debug page. Re-raising (not ending the body) makes the server
                # cut the connection, so the client cannot take the partial body as complete.
                self._write(
                    environ,
                    f"erlen debugger: {_request_line(environ)} failed after the response"
                    f" started streaming ({_exception_text(e).splitlines()[0]}); no debug"
                    " page can be sent, closing the connection.\n",
                )
                raise
            self._log(environ, e)
            page = render_debug_page(
                e, environ, request=request, show_hidden_frames=self.show_hidden_frames
            ).encode("utf-8")
            headers = [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(page))),
                ("Cache-Control", "no-store"),
                ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
                ("X-Content-Type-Options", "nosniff"),
            ]
            if status_sent:
                # PEP 3333: replacing the status needs exc_info; a server that already sent
                # the headers re-raises from start_response.
                try:
                    start_response("500 INTERNAL SERVER ERROR", headers, sys.exc_info())
                except Exception:
                    self._write(
                        environ,
                        "erlen debugger: the response headers were already sent, so no"
                        " debug page can be sent; closing the connection.\n",
                    )
                    raise
            else:
                start_response("500 INTERNAL SERVER ERROR", headers)
            yield page
        finally:
            contexts.clear()
            environ.pop("werkzeug.debug.preserve_context", None)

    def _log(self, environ: WSGIEnvironment, exc: BaseException) -> None:
        text = format_traceback_text(exc)
        self._write(environ, f"Error on request {_request_line(environ)}:\n{text}")

    @staticmethod
    def _write(environ: WSGIEnvironment, text: str) -> None:
        stream = environ.get("wsgi.errors") or sys.stderr
        try:
            stream.write(text)
            flush = getattr(stream, "flush", None)
            if flush is not None:
                flush()
        except Exception:  # noqa: BLE001 - logging must not hide the original error
            pass
