"""Data every benchmark app shares, so each framework answers the same thing."""

from __future__ import annotations

from pathlib import Path

#: Signing key of the session cookie (each framework signs in its own format).
SECRET_KEY = "benchmark-secret-key-not-for-production"

#: Folder of ``items.html``, the template of the template scenario.
TEMPLATE_FOLDER = str(Path(__file__).resolve().parent / "templates")

#: How many static and how many dynamic routes the routing scenario registers (each).
ROUTE_COUNT = 100

#: The rows the template scenario renders in a loop.
ITEMS = [{"id": i, "name": f"item {i}", "price": i * 1.5} for i in range(20)]

HELLO = "Hello, World!"


def form_answer(name: str, email: str, age: int) -> str:
    """Body of the form POST scenario."""
    return f"{name} <{email}> {age}"


def query_answer(q: str, page: int, sort: str) -> str:
    """Body of the query-string scenario."""
    return f"{q} page {page} sort {sort}"
