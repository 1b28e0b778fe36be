"""Transport-independent (sans-IO) request helpers shared by the WSGI layer and others."""

from __future__ import annotations
