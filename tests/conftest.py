"""Shared fixtures (Flask's vocabulary: app, client, app_ctx, req_ctx, leak_detector)."""

from __future__ import annotations

import pytest

import erlen
from erlen.globals import _cv_app, _cv_request


@pytest.fixture
def app(request, tmp_path):
    """A testing app named after the test module, rooted in a temporary folder."""
    app = erlen.Flask(request.module.__name__.rpartition(".")[2], root_path=str(tmp_path))
    app.config.update(TESTING=True, SECRET_KEY="test key")
    return app


@pytest.fixture
def client(app):
    """The app's test client."""
    return app.test_client()


@pytest.fixture
def app_ctx(app):
    """A pushed application context."""
    with app.app_context() as ctx:
        yield ctx


@pytest.fixture
def req_ctx(app):
    """A pushed request context for ``/``."""
    with app.test_request_context() as ctx:
        yield ctx


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
