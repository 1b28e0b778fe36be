"""Recognising Werkzeug's own HTTP exceptions raised inside an erlen app.

Apps ported from Flask often keep ``from werkzeug.exceptions import NotFound`` (or
``abort``) while Werkzeug is still installed. erlen never imports Werkzeug, but its dispatch
treats such exceptions like its own: a stock ``werkzeug.exceptions`` class stands for the
erlen class of the same name when error handlers are registered and looked up, and any
exception whose MRO has Werkzeug's ``HTTPException`` is an HTTP error with its ``code``.
"""

from __future__ import annotations

import typing as t

from . import exceptions as _exceptions, routing as _routing

_native_cache: dict[type, type] = {}
_http_cache: dict[type, bool] = {}


def _is_werkzeug_class(cls: type) -> bool:
    return cls.__module__.startswith("werkzeug.")


def native_class(cls: type[BaseException]) -> type[BaseException]:
    """erlen's class for a stock Werkzeug exception class (same name), else ``cls``."""
    rv = _native_cache.get(cls)
    if rv is None:
        rv = cls
        if _is_werkzeug_class(cls):
            for module in (_exceptions, _routing):
                candidate = getattr(module, cls.__name__, None)
                if isinstance(candidate, type) and issubclass(candidate, BaseException):
                    rv = candidate
                    break
        _native_cache[cls] = rv
    return rv


def is_foreign_http_class(cls: type) -> bool:
    """Whether ``cls`` derives from Werkzeug's ``HTTPException`` (not erlen's)."""
    rv = _http_cache.get(cls)
    if rv is None:
        rv = _http_cache[cls] = any(
            c.__name__ == "HTTPException" and _is_werkzeug_class(c) for c in cls.__mro__
        )
    return rv


def is_http_exception(e: BaseException) -> bool:
    """Whether ``e`` is an HTTP error: erlen's ``HTTPException`` or Werkzeug's."""
    return isinstance(e, _exceptions.HTTPException) or is_foreign_http_class(type(e))


def isinstance_native(e: BaseException, cls: type[BaseException] | tuple[type, ...]) -> bool:
    """``isinstance`` that also counts a Werkzeug exception as its erlen namesake."""
    if isinstance(e, cls):
        return True
    if not is_foreign_http_class(type(e)):
        return False
    return any(issubclass(native_class(c), cls) for c in type(e).__mro__)


def lookup_mro(exc_class: type) -> t.Iterator[type]:
    """The classes to look handlers up by: the MRO, with each Werkzeug class followed by its
    erlen namesake."""
    for cls in exc_class.__mro__:
        yield cls
        native = native_class(cls)
        if native is not cls:
            yield native
