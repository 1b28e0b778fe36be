"""The HTML output buffer :class:`HTMLStringO` (Werkzeug's ``werkzeug.debug.console`` name).

In Werkzeug this module is the debugger's interactive console. erlen's debugger runs no code
from the browser, so there is no ``Console`` here: only the buffer that
:func:`erlen.debug.repr.dump` and :data:`erlen.debug.repr.helper` write their HTML to when
``sys.stdout`` is one.
"""

from __future__ import annotations

import html
import io
import typing as t

__all__ = ["HTMLStringO"]


class HTMLStringO(io.TextIOBase):
    """A text stream that collects HTML.

    :meth:`write` (what ``print`` uses) escapes its text, :meth:`write_html` (also named
    ``_write``, the name Werkzeug's helpers call) adds markup as it is, and :meth:`reset`
    returns everything collected and empties the buffer. Put it in ``sys.stdout`` (for
    example with :func:`contextlib.redirect_stdout`) to collect what :func:`~erlen.debug.repr.dump`
    and :data:`~erlen.debug.repr.helper` write, with anything printed in between escaped.
    """

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[str] = []

    def writable(self) -> bool:
        """Always ``True``."""
        return True

    def write(self, text: str) -> int:
        """Add ``text``, HTML-escaped; returns its length, as text streams do."""
        self._parts.append(html.escape(text, quote=False))
        return len(text)

    def writelines(self, lines: t.Iterable[str]) -> None:  # type: ignore[override]
        """Add each line, HTML-escaped."""
        for line in lines:
            self.write(line)

    def write_html(self, markup: str) -> None:
        """Add ``markup`` as it is (it must be HTML already)."""
        self._parts.append(markup)

    _write = write_html

    def getvalue(self) -> str:
        """Everything collected so far."""
        return "".join(self._parts)

    def reset(self) -> str:
        """Return everything collected so far and empty the buffer."""
        value = "".join(self._parts)
        self._parts.clear()
        return value
