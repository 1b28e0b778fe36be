"""Werkzeug-compatible data structures: multi dicts, headers, accept, auth, ranges.

Every public name here mirrors ``werkzeug.datastructures`` (3.1): same class names,
constructor signatures and behaviour, and the same submodules (``structures``, ``headers``,
``accept``, ``auth``, ``cache_control``, ``csp``, ``etag``, ``range``, ``file_storage``,
``mixins``), so ``from erlen.datastructures.headers import Headers`` works as it does with
Werkzeug. Everything is importable from this package too.

The implementations are written for speed on the request/response hot path
(``Headers``, ``EnvironHeaders`` and ``MultiDict`` in particular) and for safety with
hostile input: header names and values containing CR, LF or NUL are rejected with
:exc:`ValueError`.

Known deliberate differences from Werkzeug:

* ``Headers.to_wsgi_list()`` returns the internal list itself (no copy), so it
  can be handed to ``start_response`` for free. Do not mutate it.
* ``bytes`` header names/values are decoded as latin-1 instead of ``str(b"..")``.
* Header names are validated too, and NUL is rejected in addition to CR/LF.
* Typed cache-control integers only accept plain ASCII digits (``"1_0"`` and
  ``"+5"`` read as ``None``).
"""

from __future__ import annotations

import typing as t

from .accept import Accept, CharsetAccept, LanguageAccept, MIMEAccept
from .auth import Authorization, WWWAuthenticate
from .cache_control import RequestCacheControl, ResponseCacheControl, cache_control_property
from .csp import ContentSecurityPolicy, csp_property
from .etag import ETags
from .file_storage import FileMultiDict, FileStorage
from .headers import EnvironHeaders, Headers
from .mixins import (
    ImmutableDictMixin,
    ImmutableHeadersMixin,
    ImmutableListMixin,
    ImmutableMultiDictMixin,
    UpdateDictMixin,
)
from .range import ContentRange, IfRange, Range
from .structures import (
    CallbackDict,
    CombinedMultiDict,
    HeaderSet,
    ImmutableDict,
    ImmutableList,
    ImmutableMultiDict,
    ImmutableTypeConversionDict,
    MultiDict,
    TypeConversionDict,
    iter_multi_items,
)

__all__ = [
    "Accept",
    "Authorization",
    "CallbackDict",
    "CharsetAccept",
    "CombinedMultiDict",
    "ContentRange",
    "ContentSecurityPolicy",
    "ETags",
    "EnvironHeaders",
    "FileMultiDict",
    "FileStorage",
    "HeaderSet",
    "Headers",
    "IfRange",
    "ImmutableDict",
    "ImmutableDictMixin",
    "ImmutableHeadersMixin",
    "ImmutableList",
    "ImmutableListMixin",
    "ImmutableMultiDict",
    "ImmutableMultiDictMixin",
    "ImmutableTypeConversionDict",
    "LanguageAccept",
    "MIMEAccept",
    "MultiDict",
    "Range",
    "RequestCacheControl",
    "ResponseCacheControl",
    "TypeConversionDict",
    "UpdateDictMixin",
    "WWWAuthenticate",
    "cache_control_property",
    "csp_property",
    "iter_multi_items",
]


def __getattr__(name: str) -> t.Any:
    # Werkzeug 3.1 deprecated the ordered multi dicts (MultiDict keeps insertion order per
    # key); they stay available, with a warning, until Werkzeug 3.2 removes them.
    if name in {"OrderedMultiDict", "ImmutableOrderedMultiDict"}:
        import warnings

        from . import structures

        replacement = "MultiDict" if name == "OrderedMultiDict" else "ImmutableMultiDict"
        warnings.warn(
            f"{name!r} is deprecated and will be removed (as in Werkzeug 3.2)."
            f" Use {replacement!r} instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(structures, f"_{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
