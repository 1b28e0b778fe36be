"""Tracebacks for the debug page: :class:`DebugTraceback` and the page itself.

:class:`DebugTraceback` wraps an exception's :class:`traceback.TracebackException`, drops the
frames marked with ``__traceback_hide__`` and renders the chain of exceptions as plain text
(as Python prints it) or as HTML. :meth:`DebugTraceback.render_page` renders the whole debug
page from it and a :class:`RequestInfo`; it knows nothing of WSGI or ASGI, so every server
interface shares one page. :class:`erlen.debug.DebuggedApplication` is the WSGI middleware
that uses it.

The API follows :mod:`werkzeug.debug.tbtools` (``DebugTraceback``, ``all_tracebacks``,
``all_frames``, ``render_traceback_text``, ``render_traceback_html``) without what serves
Werkzeug's console: a :class:`DebugFrameSummary` keeps no frame namespaces and cannot
evaluate code.
"""

from __future__ import annotations

import html
import linecache
import os
import platform
import sys
import sysconfig
import traceback
import typing as t
from dataclasses import dataclass
from types import FrameType
from urllib.parse import parse_qsl, urlsplit

__all__ = ["CONTEXT_LINES", "DebugFrameSummary", "DebugTraceback", "RequestInfo"]

#: Lines of source shown before and after the line a frame is executing.
CONTEXT_LINES = 3

#: Consecutive identical frames (deep recursion) shown before the rest are counted instead,
#: as Python's own traceback does.
_REPEAT_LIMIT = 3

_CAUSE = "The above exception was the direct cause of the following exception"
_CONTEXT = "During handling of the above exception, another exception occurred"

# Credentials: the page names these headers but never shows their values.
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization"})

_ERLEN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _library_dirs() -> tuple[str, ...]:
    dirs = {_ERLEN_DIR}
    paths = sysconfig.get_paths()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = paths.get(key)
        if path:
            for variant in (os.path.abspath(path), os.path.realpath(path)):
                dirs.add(variant.rstrip(os.sep) + os.sep)
    return tuple(sorted(dirs))


_LIBRARY_DIRS = _library_dirs()


def _text(value: object) -> str:
    """Escape for element content: ``&``, ``<`` and ``>`` (quotes need no escaping there)."""
    return html.escape(str(value), quote=False)


def _attr(value: object) -> str:
    """Escape for a quoted attribute value."""
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


def _headline(exc: BaseException) -> str:
    """``Type: first line of the message`` (a page title; a SyntaxError's location and the
    exception's notes are left out)."""
    message = _safe_str(exc).strip()
    name = _exception_name(exc)
    return f"{name}: {message.splitlines()[0]}" if message else name


def _hide_value(frame: FrameType) -> object:
    try:
        return frame.f_locals.get("__traceback_hide__", False)
    except Exception:  # noqa: BLE001 - a frame whose locals cannot be read is shown
        return False


def _visible(frames: list[FrameType]) -> list[int]:
    """Indexes of the frames to show, by the ``__traceback_hide__`` rules of Paste.

    A true value hides its frame; ``"before"`` hides the frames above it (the callers),
    ``"after"`` the frames below it until a ``"reset"``; the ``"..._and_this"`` forms hide
    the marking frame too.
    """
    shown: list[int] = []
    hiding = False
    for index, frame in enumerate(frames):
        value = _hide_value(frame)
        if not isinstance(value, str):
            if not (value or hiding):
                shown.append(index)
            continue
        rule, _, this = value.partition("_and_")
        if rule == "before":
            shown.clear()
            hiding = False
        elif rule == "reset":
            hiding = False
        elif rule == "after":
            hiding = True
        elif value or hiding:  # any other string: a true value
            continue
        if this != "this":
            shown.append(index)
    return shown


class DebugFrameSummary(traceback.FrameSummary):
    """One frame of a :class:`DebugTraceback`: a :class:`traceback.FrameSummary` that knows
    whether it comes from a library and what ``__traceback_info__`` it set, and renders
    itself as HTML.

    Unlike Werkzeug's it keeps no reference to the frame's namespaces: nothing can be
    evaluated in it.
    """

    __slots__ = ("info", "is_library")

    #: The frame's ``__traceback_info__`` (a note the code left for tracebacks), as text.
    info: str | None
    #: Whether the file belongs to erlen, the standard library or an installed package.
    is_library: bool

    @classmethod
    def from_summary(
        cls, summary: traceback.FrameSummary, frame: FrameType | None = None
    ) -> DebugFrameSummary:
        """The debug summary of ``summary``, with what ``frame`` (its frame) tells."""
        positions: dict[str, t.Any] = {}
        if sys.version_info >= (3, 11):
            positions = {
                "end_lineno": summary.end_lineno,
                "colno": summary.colno,
                "end_colno": summary.end_colno,
            }
        self = cls(summary.filename, summary.lineno, summary.name, lookup_line=False, **positions)
        info = None
        if frame is not None:
            try:
                info = frame.f_locals.get("__traceback_info__")
            except Exception:  # noqa: BLE001
                info = None
        self.info = None if info is None else _safe_str(info)
        filename = summary.filename
        path = os.path.abspath(filename)
        self.is_library = (
            filename.startswith("<frozen ")  # the standard library's frozen modules
            or path.startswith(_LIBRARY_DIRS)
            or "site-packages" in path
        )
        return self

    def render_html(self, mark_library: bool) -> str:
        """The frame as HTML: file, line and function, then :data:`CONTEXT_LINES` lines of
        source either side of the executing one (or a note when there is no source).

        :param mark_library: Add the ``library`` class (shown dimmed) if this is a library
            frame.
        """
        css = "frame library" if mark_library and self.is_library else "frame"
        out = [
            f'<div class="{css}"><h3>File <span class="filename">"{_text(self.filename)}"'
            f"</span>, line {self.lineno}, in"
            f' <span class="function">{_text(self.name)}</span></h3>'
        ]
        if self.info is not None:
            out.append(f'<p class="info">{_text(self.info)}</p>')
        lines = linecache.getlines(self.filename)
        lineno = self.lineno or 0
        if 1 <= lineno <= len(lines):
            first = max(1, lineno - CONTEXT_LINES)
            last = min(len(lines), lineno + CONTEXT_LINES)
            out.append("<pre>")
            for number in range(first, last + 1):
                source = lines[number - 1].rstrip("\r\n")
                cls = "line current" if number == lineno else "line"
                out.append(
                    f'<span class="{cls}"><span class="lineno">{number}</span>'
                    f"{_text(source)}</span>"
                )
            out.append("</pre>")
        else:
            out.append('<div class="nosource">source not available</div>')
        out.append("</div>")
        return "".join(out)


def _summaries(
    exc: BaseException, te: traceback.TracebackException, skip: int, hide: bool
) -> list[DebugFrameSummary]:
    """The visible frames of ``exc``'s own traceback, matched with ``te.stack``."""
    frames = [frame for frame, _ in traceback.walk_tb(exc.__traceback__)]
    stack = list(te.stack)
    # te.stack holds fewer frames than the traceback when a limit applied (a positive one
    # keeps the outermost frames, a negative one the innermost): line the two up.
    if len(frames) > len(stack):
        tail = frames[len(frames) - len(stack) :]
        keep_tail = bool(stack) and all(
            f.f_code.co_filename == s.filename and f.f_code.co_name == s.name
            for f, s in zip(tail, stack, strict=True)
        )
        frames = tail if keep_tail else frames[: len(stack)]
    del frames[:skip], stack[:skip]
    indexes = range(len(stack))
    if hide:
        # Hiding every frame would leave nothing to debug: then all are shown.
        indexes = _visible(frames) or indexes  # type: ignore[assignment]
    return [DebugFrameSummary.from_summary(stack[i], frames[i]) for i in indexes]


class DebugTraceback:
    """An exception and its chained causes, prepared for the debug page.

    Frames that set ``__traceback_hide__`` are left out (see :func:`_visible`), unless
    ``hide`` is false. The chain is followed the way Python prints it (``__cause__``, else
    ``__context__`` unless suppressed) and cycles in it are broken.

    :param exc: The exception.
    :param te: Its :class:`traceback.TracebackException`, if already made (it is changed in
        place: its stacks keep only the visible frames).
    :param skip: Frames to drop from the top of the outermost traceback.
    :param hide: Apply the ``__traceback_hide__`` rules.
    """

    __slots__ = ("_te", "_title", "_type_name", "_message", "all_tracebacks")

    #: The displayed chain, the raised exception first: ``(relation, te)`` where
    #: ``relation`` says how ``te`` follows from the next entry (its cause or context), or
    #: is ``None`` for the last one.
    all_tracebacks: list[tuple[str | None, traceback.TracebackException]]

    def __init__(
        self,
        exc: BaseException,
        te: traceback.TracebackException | None = None,
        *,
        skip: int = 0,
        hide: bool = True,
    ) -> None:
        if te is None:
            te = traceback.TracebackException.from_exception(exc, lookup_lines=False)
        self._te = te
        self._title = _headline(exc)
        self._type_name = _exception_name(exc)
        self._message = _safe_str(exc)
        self.all_tracebacks = []
        seen: set[int] = set()
        current_exc: BaseException | None = exc
        current: traceback.TracebackException | None = te
        while current is not None and current_exc is not None and id(current) not in seen:
            seen.add(id(current))
            current.stack[:] = _summaries(current_exc, current, skip, hide)
            skip = 0
            relation: str | None = None
            next_exc: BaseException | None = None
            next_te: traceback.TracebackException | None = None
            # TracebackException already broke cycles: a repeated exception has no te here.
            if current.__cause__ is not None:
                relation, next_exc, next_te = _CAUSE, current_exc.__cause__, current.__cause__
            elif current.__context__ is not None and not current.__suppress_context__:
                relation, next_exc, next_te = _CONTEXT, current_exc.__context__, current.__context__
            self.all_tracebacks.append((relation, current))
            current_exc, current = next_exc, next_te

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._title}>"

    @property
    def all_frames(self) -> list[DebugFrameSummary]:
        """Every visible frame, in the order of :attr:`all_tracebacks`."""
        return [
            t.cast(DebugFrameSummary, frame) for _, te in self.all_tracebacks for frame in te.stack
        ]

    def render_traceback_text(self) -> str:
        """The traceback as Python prints it (chained exceptions included, hidden frames
        left out)."""
        return "".join(self._te.format())

    def render_traceback_html(self, include_title: bool = True) -> str:
        """The traceback as HTML, oldest exception first: each exception's frames (see
        :meth:`DebugFrameSummary.render_html`), its ``Type: message`` line, then a divider
        saying how the next one follows from it. Library frames are dimmed when the
        traceback also has frames of the application's own code.

        :param include_title: Start with a "Traceback (most recent call last)" heading.
        """
        flags = [frame.is_library for frame in self.all_frames]
        mark_library = 0 < sum(flags) < len(flags)
        out = ['<div class="traceback">']
        if include_title:
            out.append('<h2>Traceback <small class="muted">(most recent call last)</small></h2>')
        for relation, te in reversed(self.all_tracebacks):
            if relation is not None:
                out.append(f'<div class="exc-divider">{_text(relation)}:</div>')
            out.extend(self._render_frames(te.stack, mark_library))
            exception = "".join(te.format_exception_only()).rstrip("\n")
            out.append(f'<div class="exception">{_text(exception)}</div>')
        out.append("</div>")
        return "".join(out)

    @staticmethod
    def _render_frames(stack: list[traceback.FrameSummary], mark_library: bool) -> list[str]:
        """The frames' HTML; a frame repeated more than ``_REPEAT_LIMIT`` times in a row (deep
        recursion) is shown that many times, then counted, as Python's traceback does."""
        out: list[str] = []
        previous: tuple[str, int | None, str] | None = None
        count = 0

        def note_repeats() -> None:
            if count > _REPEAT_LIMIT:
                more = count - _REPEAT_LIMIT
                out.append(f'<p class="muted">[the frame above repeated {more} more times]</p>')

        for frame in stack:
            key = (frame.filename, frame.lineno, frame.name)
            if key == previous:
                count += 1
            else:
                note_repeats()
                previous, count = key, 1
            if count <= _REPEAT_LIMIT:
                out.append(t.cast(DebugFrameSummary, frame).render_html(mark_library))
        note_repeats()
        return out

    def render_page(self, request: RequestInfo | None = None) -> str:
        """The whole debug page: the exception, the traceback (from
        :meth:`render_traceback_html`), the plain-text traceback for copying and, if given,
        the request (see :class:`RequestInfo`). Everything is HTML-escaped and the page has
        no JavaScript.
        """
        interface = request.interface if request is not None else "WSGI"
        parts = [
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">',
            f"<title>{_text(self._title)} // erlen debugger</title>",
            f"<style>{_STYLE}</style></head><body>",
            f"<header><h1>{_text(self._type_name)}</h1>",
            f'<p class="message">{_text(self._message)}</p></header><main>',
            f'<p class="explanation">The debugger caught an exception in your {_text(interface)}'
            " application. The traceback and the request that led to it are below; nothing on"
            " this page can run code.</p>",
            self.render_traceback_html(),
            '<details class="plain"><summary>Plain-text traceback</summary>'
            f"<pre>{_text(self.render_traceback_text())}</pre></details>",
        ]
        if request is not None:
            parts.append(request.render_html())
        parts.append(
            "</main><footer>This page is shown because the erlen debugger is enabled. It runs no"
            " code, but exposes source code and request details: never enable it in production."
            f" &middot; Python {_text(platform.python_version())}</footer></body></html>"
        )
        return "".join(parts)


@dataclass(frozen=True)
class RequestInfo:
    """What the debug page shows of the request that failed, from any server interface.

    The WSGI middleware builds it with :func:`erlen.debug.request_info_from_environ`.
    Rendering hides credentials whatever the adapter passes: cookie values (only their names
    are shown) and the values of ``Authorization`` and ``Proxy-Authorization``.
    """

    #: The request method.
    method: str
    #: The full URL, query string included (the page lists its arguments).
    url: str
    #: The request headers, as ``(name, value)`` pairs.
    headers: t.Sequence[tuple[str, str]] = ()
    #: The client's address, if known.
    client: str | None = None
    #: The names of the form and file fields the application parsed, or ``None`` when it
    #: parsed no form (the body is never read for the page).
    form_fields: t.Sequence[str] | None = None
    #: The server interface, named in the page's text.
    interface: str = "WSGI"

    def render_html(self) -> str:
        """The request part of the debug page: summary, headers, query arguments, form
        field names."""
        summary = [("Method", self.method), ("URL", self.url)]
        if self.client:
            summary.append(("Client", self.client))
        args = parse_qsl(urlsplit(self.url).query, keep_blank_values=True)
        out = [
            "<h2>Request</h2>",
            _table(summary, ""),
            "<h2>Headers</h2>",
            _table(sorted(_redact(name, value) for name, value in self.headers), "no headers"),
            "<h2>Query arguments</h2>",
            _table(args, "no query arguments"),
            "<h2>Form fields</h2>",
        ]
        if self.form_fields is None:
            out.append('<p class="muted">the application did not read a form</p>')
        elif not self.form_fields:
            out.append('<p class="muted">no form fields</p>')
        else:
            out.append('<p class="muted">names only; values are never shown</p><ul>')
            out.extend(f"<li><code>{_text(name)}</code></li>" for name in self.form_fields)
            out.append("</ul>")
        return "".join(out)


def _redact(name: str, value: str) -> tuple[str, str]:
    lowered = name.lower()
    if lowered == "cookie":
        names = [part.split("=", 1)[0].strip() for part in value.split(";") if part.strip()]
        return name, f"{', '.join(names)} (cookie values hidden)"
    if lowered in _SECRET_HEADERS:
        return name, "(hidden)"
    return name, value


def _table(rows: t.Iterable[tuple[str, str]], empty: str) -> str:
    body = "".join(
        f"<tr><th>{_text(name)}</th><td>{_text(value)}</td></tr>" for name, value in rows
    )
    if not body:
        return f'<p class="muted">{_text(empty)}</p>'
    return f"<table>{body}</table>"


def _parsed_form_fields(request: object) -> list[str] | None:
    """Names of the form (and file) fields ``request`` already parsed; ``None`` if none.

    Only a form the application already parsed is used: the body stream may be half read or
    closed by now, and reading it here could block.
    """
    cached = getattr(request, "__dict__", {})
    if "form" not in cached and "files" not in cached:
        return None
    names: list[str] = []
    for attr in ("form", "files"):
        fields = cached.get(attr)
        if fields is not None:
            names.extend(name for name in fields if name not in names)
    return names


_STYLE = """
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif;
       color: #1d2129; background: #f6f7f9; }
header { background: #8f1d1d; color: #fff; padding: 1.2rem 2rem; }
header h1 { margin: 0; font-size: 1.5rem; }
header .message { margin: 0.4rem 0 0; font: 1.05rem/1.4 ui-monospace, Menlo, Consolas, monospace;
                  white-space: pre-wrap; word-break: break-word; }
main { padding: 1rem 2rem 2rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 0.6rem; }
.explanation { color: #444; }
.exc-divider { margin: 1.4rem 0 0.4rem; font-style: italic; color: #555; }
.exception { font: 600 0.95rem ui-monospace, Menlo, Consolas, monospace; color: #8f1d1d;
             white-space: pre-wrap; margin: 0.6rem 0; }
.frame { background: #fff; border: 1px solid #dfe2e7; border-radius: 6px; margin: 0.5rem 0;
         overflow: hidden; }
.frame.library { opacity: 0.72; }
.frame h3 { margin: 0; padding: 0.45rem 0.8rem; font: 0.85rem ui-monospace, Menlo, monospace;
            background: #eef0f3; font-weight: 400; }
.frame h3 .function { font-weight: 700; }
.frame .info { margin: 0; padding: 0.3rem 0.8rem; font-size: 0.85rem; color: #555; }
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
