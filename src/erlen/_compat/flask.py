"""What ``import flask`` gives in compat mode.

Every name ``erlen`` exports (``Flask``, ``request``, ``current_app``, ``abort``, ...) is the
very same object here, and Flask's submodules (``flask.cli``, ``flask.json``, ...) are erlen's
modules, loaded on first attribute access as if the package had imported them. The one
difference from ``import erlen`` is ``__version__``: Flask's version (3.1.3), with the
``DeprecationWarning`` Flask 3.1 gives for it, where ``erlen.__version__`` is erlen's own.
"""

from __future__ import annotations

import importlib
import typing as t
import warnings

import erlen

from .aliases import FLASK_VERSION, target

__all__ = list(erlen.__all__)

_namespace = globals()


def __getattr__(name: str) -> t.Any:
    if name == "__version__":
        warnings.warn(
            "The '__version__' attribute is deprecated and will be removed in"
            " Flask 3.2. Use feature detection or"
            " 'importlib.metadata.version(\"flask\")' instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return FLASK_VERSION
    if name in __all__:
        value = getattr(erlen, name)
    elif not name.startswith("__") and target(f"flask.{name}") is not None:
        try:
            value = importlib.import_module(f"flask.{name}")
        except ImportError:
            raise AttributeError(f"module 'flask' has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module 'flask' has no attribute {name!r}")
    _namespace[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(_namespace) | set(__all__))
