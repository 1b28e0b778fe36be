"""What ``import werkzeug._internal`` gives in compat mode: ``_log`` only.

Werkzeug's ``_internal`` is private; of it, Flask-SocketIO's ``run()`` imports ``_log`` (to
warn through the development server's logger), so that one function is here: erlen's
development server logger (``erlen.serving``).
"""

from __future__ import annotations

from ..serving import _log

__all__ = ["_log"]
