"""Shared fixtures (Flask's vocabulary: app, client, app_ctx, req_ctx, leak_detector)."""

from __future__ import annotations

import pytest

from erlen.globals import _cv_app, _cv_request


@pytest.fixture(autouse=True)
def leak_detector():
    """Fail a test that leaves an application or request context pushed."""
    yield
    leaked = []
    for var in (_cv_request, _cv_app):
        ctx = var.get(None)
        if ctx is not None:
            leaked.append(ctx)
    # Pop whatever leaked so later tests start clean, then fail this one.
    for ctx in leaked:
        try:
            ctx.pop()
        except Exception:  # noqa: BLE001 - best effort cleanup
            pass
    assert not leaked, f"contexts left pushed: {leaked!r}"
