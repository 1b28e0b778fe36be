"""Helpers for key functions and for naming rate limited callables."""

from __future__ import annotations

import typing as t

from erlen.globals import request

__all__ = ["get_qualified_name", "get_remote_address"]


def get_remote_address() -> str:
    """The client's address (``request.remote_addr``), or ``"127.0.0.1"`` when unknown.

    Behind a proxy, this is the proxy's address: apply :class:`erlen.middleware.proxy_fix.ProxyFix`
    (or use a key function of your own) so that clients are told apart.
    """
    return request.remote_addr or "127.0.0.1"


def get_qualified_name(callable: t.Callable[..., t.Any]) -> str:
    """The name decorated limits are filed under: module, name and qualified name of
    ``callable`` (views made by ``View.as_view`` share a ``__qualname__``, so the name is
    needed too)."""
    return f"{callable.__module__}.{callable.__name__}.{callable.__qualname__}"
