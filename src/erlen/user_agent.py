"""The ``User-Agent`` header wrapper (Werkzeug-compatible, no built-in parsing)."""

from __future__ import annotations

__all__ = ["UserAgent"]


class UserAgent:
    """A ``User-Agent`` header value.

    Only :attr:`string` is set; the other attributes are ``None``. A subclass may
    parse the string and fill them in, then be installed with
    ``Request.user_agent_class``.

    :param string: The header value.
    """

    platform: str | None = None
    """The OS name, if a subclass parsed it."""

    browser: str | None = None
    """The browser name, if a subclass parsed it."""

    version: str | None = None
    """The browser version, if a subclass parsed it."""

    language: str | None = None
    """The browser language, if a subclass parsed it."""

    def __init__(self, string: str) -> None:
        self.string: str = string
        """The unparsed header value."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.browser}/{self.version}>"

    def __str__(self) -> str:
        return self.string

    def __bool__(self) -> bool:
        return bool(self.browser)

    def to_header(self) -> str:
        """Return the value to send as a ``User-Agent`` header."""
        return self.string
