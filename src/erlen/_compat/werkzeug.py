"""What ``import werkzeug`` gives in compat mode.

Werkzeug's four top-level names, from erlen: ``Request`` and ``Response`` are the
Werkzeug-level classes (:class:`erlen.wrappers.request.Request`,
:class:`erlen.wrappers.response.Response`, not the app-level ``erlen.Request``), ``Client``
is :class:`erlen.test.Client` and ``run_simple`` is :func:`erlen.serving.run_simple`.
Werkzeug's submodules (``werkzeug.exceptions``, ...) are erlen's modules, loaded on first
attribute access. As in Werkzeug 3.1 there is no ``__version__``:
``importlib.metadata.version("werkzeug")`` answers 3.1.9 in compat mode.
"""

from __future__ import annotations

import importlib
import typing as t

from .aliases import target

# top-level name -> the Werkzeug module it comes from
_FROM = {
    "Client": "werkzeug.test",
    "Request": "werkzeug.wrappers",
    "Response": "werkzeug.wrappers",
    "run_simple": "werkzeug.serving",
}
__all__ = sorted(_FROM)

_namespace = globals()


def __getattr__(name: str) -> t.Any:
    if name in _FROM:
        value = getattr(importlib.import_module(_FROM[name]), name)
    elif not name.startswith("__") and target(f"werkzeug.{name}") is not None:
        try:
            value = importlib.import_module(f"werkzeug.{name}")
        except ImportError:
            raise AttributeError(f"module 'werkzeug' has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module 'werkzeug' has no attribute {name!r}")
    _namespace[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(_namespace) | set(__all__))
