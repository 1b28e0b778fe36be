"""The ``{% cache %}`` template tag: cache a rendered fragment of a template.

::

    {% cache timeout [, name [, vary_on...]] %} ... {% endcache %}

``timeout`` is in seconds (``None`` for the default); the key is built from ``name`` and
the ``vary_on`` values with :func:`~erlen.ext.caching.make_template_fragment_key` (without
a name: the template's file name and the tag's line). A timeout of ``"del"`` deletes the
fragment and renders it afresh. :class:`~erlen.ext.caching.Cache` adds the tag to the app's
Jinja environment unless created with ``with_jinja2_ext=False``.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser

from ._core import logger
from .utils import make_template_fragment_key, normalize_timeout

__all__ = ["JINJA_CACHE_ATTR_NAME", "CacheExtension"]

#: The attribute of the Jinja environment that holds the :class:`~erlen.ext.caching.Cache`.
JINJA_CACHE_ATTR_NAME = "_template_fragment_cache"


class CacheExtension(Extension):
    """The Jinja extension that adds the ``cache`` tag."""

    tags = {"cache"}

    def parse(self, parser: Parser) -> nodes.Node:
        """Parse ``{% cache timeout[, name[, vary_on...]] %}...{% endcache %}``."""
        lineno = next(parser.stream).lineno
        args: list[nodes.Expr] = [parser.parse_expression()]
        if parser.stream.skip_if("comma"):
            args.append(parser.parse_expression())
        else:
            args.append(nodes.Const(f"{parser.filename}{lineno}"))
        vary_on: list[nodes.Expr] = []
        while parser.stream.skip_if("comma"):
            vary_on.append(parser.parse_expression())
        args.append(nodes.List(vary_on))
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        call = self.call_method("_cache", args)
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _cache(
        self,
        timeout: t.Any,
        fragment_name: str,
        vary_on: list[t.Any],
        caller: Callable[[], str],
    ) -> str:
        cache = getattr(self.environment, JINJA_CACHE_ATTR_NAME)
        key = make_template_fragment_key(fragment_name, vary_on=[str(v) for v in vary_on])
        delete = timeout == "del"
        try:
            if delete:
                cache.delete(key)
                rv = None
            else:
                rv = cache.get(key)
        except Exception:
            _backend_error(cache)
            return caller()
        if rv is not None:
            return rv
        rv = caller()
        if not delete:
            try:
                cache.set(key, rv, timeout=normalize_timeout(timeout))
            except Exception:
                _backend_error(cache)
        return rv


def _backend_error(cache: t.Any) -> None:
    # Raised in debug mode; otherwise logged and the fragment is rendered uncached.
    if cache._current_app().debug:
        raise
    logger.exception("Exception possibly due to cache backend.")
