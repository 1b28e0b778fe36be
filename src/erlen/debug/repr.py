"""HTML representations of Python objects, for debugging: :func:`debug_repr`, :func:`dump`.

Werkzeug's ``werkzeug.debug.repr`` API: :func:`debug_repr` renders any object as an HTML
fragment (``<span class="number">``, ``"string"``, ``"object"``, ... for styling; long
sequences and strings put their tail in a ``<span class="extended">``), and
:class:`DebugReprGenerator` also renders tables of an object's attributes or of a frame's
local variables. Every piece of text that comes from the object (its ``repr()``, keys,
attribute names, module names) is HTML-escaped, so the fragment is safe to put in a page
whatever the object's ``__repr__`` returns.

:func:`dump` and :data:`helper` write their HTML to ``sys.stdout``: pointed at an
:class:`erlen.debug.console.HTMLStringO`, it collects the HTML (and escapes anything else
printed in between).
"""

from __future__ import annotations

import builtins
import html
import pydoc
import re
import sys
import traceback
import typing as t
from collections import deque

import markupsafe

__all__ = ["DebugReprGenerator", "debug_repr", "dump", "helper"]

#: Items of a list, tuple, set or deque shown before the rest go in the extended part.
SEQUENCE_LIMIT = 8
#: Items of a dict shown before the rest go in the extended part.
DICT_LIMIT = 4
#: Characters of a string's repr shown before the rest go in the extended part.
STRING_LIMIT = 70

_missing: t.Any = object()
_PARAGRAPHS = re.compile(r"(?:\r\n|\r|\n){2,}")


def _escape(text: str) -> str:
    # str.__str__ drops any str subclass (such as Markup, whose escape() would trust it):
    # whatever a __repr__ returns is text to show.
    return str(markupsafe.escape(str.__str__(text)))


def _write_html(markup: str) -> None:
    """Write HTML to ``sys.stdout``: through ``_write`` (raw) if it is an HTML buffer."""
    stream = sys.stdout
    getattr(stream, "_write", stream.write)(markup)


def debug_repr(obj: object) -> str:
    """The HTML representation of ``obj`` (see :class:`DebugReprGenerator`)."""
    return DebugReprGenerator().repr(obj)


def dump(obj: object = _missing) -> None:
    """Write the details of ``obj`` as HTML to ``sys.stdout``: its repr and every attribute
    (or, for a dict with string keys, its items). Without an argument, the local variables
    of the calling frame.
    """
    generator = DebugReprGenerator()
    if obj is _missing:
        markup = generator.dump_locals(sys._getframe(1).f_locals)
    else:
        markup = generator.dump_object(obj)
    _write_html(markup)


class _Helper:
    """:func:`help` as HTML: ``helper(obj)`` writes the help text of ``obj`` to
    ``sys.stdout`` in a box (title, then the text in a ``<pre>``)."""

    def __repr__(self) -> str:
        return "Type help(object) for help about object."

    def __call__(self, topic: t.Any = _missing) -> None:
        if topic is _missing:
            _write_html(f'<span class="help">{_escape(builtins.repr(self))}</span>')
            return
        text = pydoc.plain(pydoc.render_doc(topic, "Help on %s:"))
        paragraphs = _PARAGRAPHS.split(text.strip())
        if len(paragraphs) == 1:
            title, body = "Help", paragraphs[0]
        else:
            title, body = paragraphs[0], "\n\n".join(paragraphs[1:])
        _write_html(
            f'<div class="box"><h3>{_escape(title)}</h3>'
            f'<pre class="help">{_escape(body)}</pre></div>'
        )


#: Help on an object, as HTML (see :class:`_Helper`).
helper = _Helper()


class DebugReprGenerator:
    """Renders objects as HTML fragments; one generator per top-level call, since it tracks
    the containers being rendered to show a recursive one as ``[...]``.

    Numbers, strings and bytes, compiled regular expressions, lists, tuples, sets,
    frozensets, dicts and deques get their own markup (a subclass is shown as
    ``module.Name(...)`` around its base's); anything else is its escaped ``repr()``. A
    ``repr()`` that raises is shown as ``<broken repr (Error: message)>``.
    """

    def __init__(self) -> None:
        self._active: list[int] = []

    def repr(self, obj: object) -> str:
        """The HTML representation of ``obj``."""
        recursive = id(obj) in self._active
        self._active.append(id(obj))
        try:
            return self.dispatch_repr(obj, recursive)
        except Exception as e:  # noqa: BLE001 - a broken repr is shown, not raised
            return self.fallback_repr(e)
        finally:
            self._active.pop()

    def dispatch_repr(self, obj: object, recursive: bool) -> str:
        """Pick the representation for ``obj``'s type (``recursive``: already being
        rendered further up)."""
        if obj is helper:
            return f'<span class="help">{_escape(builtins.repr(helper))}</span>'
        if isinstance(obj, (int, float, complex)):
            return f'<span class="number">{_escape(builtins.repr(obj))}</span>'
        if isinstance(obj, (str, bytes)):
            return self.string_repr(obj)
        if isinstance(obj, re.Pattern):
            return self.regex_repr(obj)
        for base, left, right in _SEQUENCES:
            if isinstance(obj, base):
                items = t.cast(t.Iterable[t.Any], obj)
                return self._sequence_repr(items, base, left, right, recursive)
        if isinstance(obj, dict):
            return self.dict_repr(obj, recursive)
        return self.object_repr(obj)

    def string_repr(self, obj: str | bytes, limit: int = STRING_LIMIT) -> str:
        """A string or bytes: its repr, the part after ``limit`` characters extended."""
        text = builtins.repr(obj)
        # Only worth hiding if at least three characters would go.
        if len(text) - limit > 2:
            inner = f'{_escape(text[:limit])}<span class="extended">{_escape(text[limit:])}</span>'
        else:
            inner = _escape(text)
        out = f'<span class="string">{inner}</span>'
        if text.startswith(("'", '"', "b'", 'b"')):
            return _subclass(out, obj, (str, bytes))
        return out  # a subclass whose own __repr__ already says what it is

    def regex_repr(self, obj: re.Pattern[t.Any]) -> str:
        """A compiled pattern, as ``re.compile(r'...')``."""
        # Quotes stay as they are here (element content needs no quote escaping).
        literal = html.escape(_raw_literal(obj.pattern), quote=False)
        return f're.compile(<span class="string regex">{literal}</span>)'

    def _sequence_repr(
        self, obj: t.Iterable[t.Any], base: type, left: str, right: str, recursive: bool
    ) -> str:
        if recursive:
            return _subclass(f"{left}...{right}", obj, base)
        parts = [left]
        extended = False
        for index, item in enumerate(obj):
            if index:
                parts.append(", ")
            if index == SEQUENCE_LIMIT:
                parts.append('<span class="extended">')
                extended = True
            parts.append(self.repr(item))
        if extended:
            parts.append("</span>")
        parts.append(right)
        return _subclass("".join(parts), obj, base)

    def dict_repr(self, d: dict[t.Any, t.Any], recursive: bool, limit: int = DICT_LIMIT) -> str:
        """A dict: ``{key: value, ...}``, the items after ``limit`` extended."""
        if recursive:
            return _subclass("{...}", d, dict)
        parts = ["{"]
        for index, (key, value) in enumerate(d.items()):
            if index:
                parts.append(", ")
            if index == limit:
                parts.append('<span class="extended">')
            parts.append(
                f'<span class="pair"><span class="key">{self.repr(key)}</span>:'
                f' <span class="value">{self.repr(value)}</span></span>'
            )
        if len(d) > limit:
            parts.append("</span>")
        parts.append("}")
        return _subclass("".join(parts), d, dict)

    def object_repr(self, obj: object) -> str:
        """Any other object: its escaped ``repr()``."""
        return f'<span class="object">{_escape(builtins.repr(obj))}</span>'

    def fallback_repr(self, error: BaseException | None = None) -> str:
        """What is shown when rendering an object raised ``error`` (by default the exception
        being handled)."""
        if error is None:
            error = sys.exc_info()[1]
        try:
            info = "".join(traceback.format_exception_only(type(error), error)).strip()
        except Exception:  # noqa: BLE001 - e.g. no stack left after a RecursionError
            info = type(error).__name__
        return f'<span class="brokenrepr">&lt;broken repr ({_escape(info)})&gt;</span>'

    def dump_object(self, obj: object) -> str:
        """A box with the details of ``obj``: for a dict whose keys are all strings, its
        items ("Contents of ..."); otherwise its repr and every attribute ``dir()`` lists
        ("Details for ...")."""
        identity = object.__repr__(obj)[1:-1]  # "module.Class object at 0x..."
        if isinstance(obj, dict) and all(isinstance(key, str) for key in obj):
            items = [(key, self.repr(value)) for key, value in obj.items()]
            return self.render_object_dump(items, f"Contents of {identity}")
        items = []
        for name in dir(obj):
            try:
                value = getattr(obj, name)
            except Exception:  # noqa: BLE001 - an attribute that raises is left out
                continue
            items.append((name, self.repr(value)))
        return self.render_object_dump(items, f"Details for {identity}", self.repr(obj))

    def dump_locals(self, d: t.Mapping[str, t.Any]) -> str:
        """A box with the variables of a frame (``frame.f_locals``)."""
        items = [(key, self.repr(value)) for key, value in d.items()]
        return self.render_object_dump(items, "Local variables in frame")

    def render_object_dump(
        self, items: list[tuple[str, str]], title: str, repr: str | None = None
    ) -> str:
        """The box: ``title``, the object's representation ``repr`` if given, then a table of
        names (escaped here) and their representations (already HTML)."""
        rows = "".join(
            f'<tr><th>{_escape(key)}</th><td><pre class="repr">{value}</pre></td></tr>'
            for key, value in items
        )
        return (
            f'<div class="box"><h3>{_escape(title)}</h3>'
            f'<pre class="repr">{repr or ""}</pre>'
            f"<table>{rows or '<tr><td><em>Nothing</em></td></tr>'}</table></div>"
        )


_SEQUENCES: tuple[tuple[type, str, str], ...] = (
    (list, "[", "]"),
    (tuple, "(", ")"),
    (set, "set([", "])"),
    (frozenset, "frozenset([", "])"),
    (deque, '<span class="module">collections.</span>deque([', "])"),
)


def _subclass(inner: str, obj: object, base: type | tuple[type, ...]) -> str:
    """``inner`` as is for an instance of ``base`` itself, else wrapped as
    ``module.Subclass(inner)``."""
    cls = type(obj)
    if cls is base or (isinstance(base, tuple) and cls in base):
        return inner
    module = "" if cls.__module__ == "builtins" else cls.__module__
    prefix = f'<span class="module">{_escape(module)}.</span>' if module else ""
    return f"{prefix}{_escape(cls.__name__)}({inner})"


def _raw_literal(pattern: str | bytes) -> str:
    """The pattern as a raw string literal (``r'\\d+'``) when one can spell it, else its
    ``repr()``."""
    prefix = "r"
    if isinstance(pattern, bytes):
        try:
            pattern = pattern.decode("ascii")
        except UnicodeDecodeError:
            return builtins.repr(pattern)
        prefix = "rb"
    trailing = len(pattern) - len(pattern.rstrip("\\"))
    quote = "'" if "'" not in pattern else '"' if '"' not in pattern else None
    if quote is None or trailing % 2 or not pattern.isprintable():
        return builtins.repr(pattern.encode("ascii") if prefix == "rb" else pattern)
    return f"{prefix}{quote}{pattern}{quote}"
