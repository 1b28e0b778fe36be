"""Shared fixtures (Flask's vocabulary: app, client, app_ctx, req_ctx, leak_detector), and
the real Redis and PostgreSQL servers of :mod:`servers`."""

from __future__ import annotations

import functools
import inspect
import os
import re
import typing as t

import pytest

import erlen
from erlen.globals import _cv_app, _cv_request

# The real servers' fixtures, defined once for every folder, so each server starts at most
# once per run.
pytest_plugins = ["servers.pg_server", "servers.redis_server"]

# The variables erlen reads from os.environ: every test starts without them, whatever the
# shell running the suite has exported.
_CALLER_ENV_PREFIXES = ("FLASK_", "ERLEN_", "WERKZEUG_")
_CALLER_ENV_NAMES = ("NO_COLOR", "PYTHONSTARTUP")


@pytest.fixture(autouse=True)
def _reset_environ() -> t.Iterator[None]:
    """Run each test without the caller's ``FLASK_*``/``ERLEN_*`` variables, then restore
    ``os.environ`` exactly, undoing what the test (or the CLI and dotenv under test) set.

    Tests that need such a variable set it with ``monkeypatch``.
    """
    saved = dict(os.environ)
    for key in saved:
        if key.startswith(_CALLER_ENV_PREFIXES) or key in _CALLER_ENV_NAMES:
            del os.environ[key]
    yield
    for key in os.environ.keys() - saved.keys():
        del os.environ[key]
    for key, value in saved.items():
        if os.environ.get(key) != value:
            os.environ[key] = value


# Every app-level test (one that drives an app through the test client) runs on both
# interfaces: once over WSGI, once over ASGI (ids [wsgi] / [asgi]). A test that exercises
# what only one interface has is marked ``@pytest.mark.interface("wsgi", reason=...)``.
_INTERFACES = ("wsgi", "asgi")


@functools.cache
def _module_uses_test_client(path: str) -> bool:
    try:
        with open(path, encoding="utf-8") as f:
            return "test_client(" in f.read()
    except OSError:
        return False


_CLIENT_WORD = re.compile(r"\bclient\b|test_client\(")


def _client_helpers(module) -> tuple[str, ...]:
    """Names of the module's own functions that make or use a test client."""
    names = []
    for name, obj in vars(module).items():
        if inspect.isfunction(obj) and obj.__module__ == module.__name__:
            try:
                source = inspect.getsource(obj)
            except (OSError, TypeError):
                continue
            if not name.startswith("test_") and _CLIENT_WORD.search(source):
                names.append(name)
    return tuple(names)


def _is_app_level(metafunc) -> bool:
    """A test that drives an app through a test client: it takes a ``*client`` fixture,
    or its module makes test clients and its own code (or a helper of the module it
    calls) uses one."""
    if any(name.endswith("client") for name in metafunc.fixturenames):
        return True
    if not _module_uses_test_client(str(metafunc.definition.path)):
        return False
    try:
        source = inspect.getsource(metafunc.function)
    except (OSError, TypeError):
        return True
    if _CLIENT_WORD.search(source):
        return True
    return any(f"{name}(" in source for name in _client_helpers(metafunc.module))


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "interface(*names, reason): run this app-level test only on these interfaces"
        " ('wsgi', 'asgi'), for the reason given",
    )


def pytest_generate_tests(metafunc):
    if "interface" not in metafunc.fixturenames or not _is_app_level(metafunc):
        return
    names = _INTERFACES
    marker = metafunc.definition.get_closest_marker("interface")
    if marker is not None:
        assert marker.kwargs.get("reason"), "@pytest.mark.interface needs a reason="
        names = tuple(marker.args)
    metafunc.parametrize("interface", names, indirect=True)


@pytest.fixture(autouse=True)
def interface(request, _reset_environ) -> str:
    """The interface the test client sends requests over: ``wsgi`` or ``asgi``.

    App-level tests are parametrized with both (``ERLEN_TEST_INTERFACE`` flips every test
    client of an erlen app); other tests run once, over WSGI.
    """
    name = getattr(request, "param", "wsgi")
    if name == "asgi":
        os.environ["ERLEN_TEST_INTERFACE"] = "asgi"
    return name


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
