"""``python -m erlen``: the ``erlen`` command."""

from __future__ import annotations

from .cli import main

main()
