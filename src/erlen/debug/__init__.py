"""Development error pages: :class:`DebuggedApplication` (WSGI middleware) and its helpers.

The development server (``erlen run --debug`` or ``--debugger``) wraps the application in
:class:`DebuggedApplication`. When the application raises (in debug mode erlen apps let
exceptions propagate instead of answering the stock 500 page), the middleware answers an HTML
page with the traceback, the source lines around every frame and a summary of the request, and
prints the plain-text traceback to ``wsgi.errors``.

The package has Werkzeug's layout: :mod:`erlen.debug.tbtools` renders tracebacks and the page
(:class:`~erlen.debug.tbtools.DebugTraceback`, with no knowledge of WSGI),
:mod:`erlen.debug.repr` renders objects as HTML, :mod:`erlen.debug.console` holds only the
HTML output buffer. Unlike Werkzeug's debugger there is **no interactive console**: the page
contains no JavaScript and nothing on it can run code on the server. ``evalex`` and the PIN
options are accepted so code written for ``werkzeug.debug.DebuggedApplication`` keeps working,
and ignored.

The page shows source code, file paths and request headers: never enable it in production.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
import typing as t
from urllib.parse import quote

from .tbtools import DebugTraceback, RequestInfo, _headline, _parsed_form_fields

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# Importing the submodule erlen.debug.repr sets the name "repr" in this module's namespace:
# nothing here may call the builtin repr() by that name.

__all__ = [
    "DebugTraceback",
    "DebuggedApplication",
    "RequestInfo",
    "get_machine_id",
    "render_debug_page",
    "request_info_from_environ",
]

_MACHINE_ID_FILES = ("/etc/machine-id", "/proc/sys/kernel/random/boot_id")
_CGROUP_FILE = "/proc/self/cgroup"


def _read_first_line(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.readline().strip()
    except OSError:
        return b""


def _linux_machine_id() -> bytes:
    # /etc/machine-id survives reboots; boot_id (a new one each boot) is the fallback.
    value = next(filter(None, map(_read_first_line, _MACHINE_ID_FILES)), b"")
    # Containers share their host's ids; the cgroup path names the container.
    return value + _read_first_line(_CGROUP_FILE).rpartition(b"/")[2]


def _platform_machine_id() -> bytes:
    if sys.platform == "darwin":
        try:
            out = subprocess.run(
                ["ioreg", "-rd1", "-c", "IOPlatformExpertDevice"],
                capture_output=True,
                check=False,
                timeout=5,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return b""
        match = re.search(rb'"IOPlatformUUID" = "([^"]+)"', out)
        return match.group(1) if match else b""
    if sys.platform == "win32":
        import winreg

        try:
            with winreg.OpenKey(
                winreg.HKEY_LOCAL_MACHINE,
                "SOFTWARE\\Microsoft\\Cryptography",
                0,
                winreg.KEY_READ | winreg.KEY_WOW64_64KEY,
            ) as key:
                guid = winreg.QueryValueEx(key, "MachineGuid")[0]
        except OSError:
            return b""
        return str(guid).encode()
    return b""


@functools.cache
def get_machine_id() -> bytes | None:
    """An identifier of this machine, stable across restarts; ``None`` if none is found.

    Linux: ``/etc/machine-id`` (else the boot id) plus the container's cgroup name; macOS:
    the platform UUID; Windows: the ``MachineGuid``. Computed once per process.

    Werkzeug derives its debugger PIN from this value. erlen has no console and no PIN; the
    function is here for code that uses it (it is harmless on its own: it reveals nothing the
    local user cannot read).
    """
    value = _linux_machine_id() if sys.platform.startswith("linux") else b""
    return value or _platform_machine_id() or None


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


def _environ_headers(environ: WSGIEnvironment) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").title()
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key.replace("_", "-").title()
        else:
            continue
        headers.append((name, str(value)))
    return headers


def request_info_from_environ(environ: WSGIEnvironment, request: t.Any = None) -> RequestInfo:
    """What the debug page shows of the WSGI request ``environ`` (see :class:`RequestInfo`).

    :param request: The request object, to list the form fields the application parsed; by
        default ``environ["werkzeug.request"]``. The body is never read for the page.
    """
    if request is None:
        request = environ.get("werkzeug.request")
    return RequestInfo(
        method=environ.get("REQUEST_METHOD", "GET"),
        url=_reconstruct_url(environ),
        headers=_environ_headers(environ),
        client=environ.get("REMOTE_ADDR") or None,
        form_fields=_parsed_form_fields(request),
        interface="WSGI",
    )


def render_debug_page(
    exc: BaseException,
    environ: WSGIEnvironment,
    *,
    request: t.Any = None,
    show_hidden_frames: bool = False,
) -> str:
    """Render the HTML debug page for ``exc``, raised while serving ``environ``.

    The page shows the exception (with its chained causes), every frame with
    :data:`~erlen.debug.tbtools.CONTEXT_LINES` lines of source around the executing line, and
    the request: method, URL, headers (cookie names but not their values; credentials
    hidden), query arguments and the *names* of the form fields the application parsed.
    Everything is HTML-escaped. It is ``DebugTraceback(exc).render_page(info)`` with the
    :class:`RequestInfo` from :func:`request_info_from_environ`.

    :param request: The request object, to list its parsed form fields; by default
        ``environ["werkzeug.request"]``.
    :param show_hidden_frames: Include frames that set ``__traceback_hide__``.
    """
    tb = DebugTraceback(exc, hide=not show_hidden_frames)
    return tb.render_page(request_info_from_environ(environ, request))


class DebuggedApplication:
    """WSGI middleware answering an HTML traceback page when the wrapped app raises.

    Meant for development only (the ``erlen run`` debugger). The page is rendered by
    :meth:`DebugTraceback.render_page <erlen.debug.tbtools.DebugTraceback.render_page>` (the
    page is not tied to WSGI); the plain-text traceback is also written to ``wsgi.errors``.
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
                    f" started streaming ({_headline(e)}); no debug"
                    " page can be sent, closing the connection.\n",
                )
                raise
            tb = DebugTraceback(e, hide=not self.show_hidden_frames)
            self._write(
                environ,
                f"Error on request {_request_line(environ)}:\n{tb.render_traceback_text()}",
            )
            info = request_info_from_environ(environ, request)
            page = tb.render_page(info).encode("utf-8")
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
