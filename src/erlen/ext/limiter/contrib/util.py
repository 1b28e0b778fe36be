"""Key functions for particular deployments."""

from __future__ import annotations

from erlen.globals import request

__all__ = ["get_remote_address_cloudflare"]


def get_remote_address_cloudflare() -> str:
    """The client's address as Cloudflare reports it (``CF-Connecting-IP``), or
    ``"127.0.0.1"`` when the header is missing or empty.

    Trust this only when every request reaches the app through Cloudflare: a client
    talking to the app directly can send any value.
    """
    return request.headers.get("CF-Connecting-IP") or "127.0.0.1"
