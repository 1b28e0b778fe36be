"""erlen: a fast micro web framework with Flask's public API, for WSGI and ASGI."""

from __future__ import annotations

__version__ = "0.1.0.dev0"
