"""Tests for erlen.logging."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from erlen import Flask
from erlen.logging import create_logger, default_handler, has_level_handler, wsgi_errors_stream


class _Isolation(list):
    """Loggers to reset after the test; ``clear_root()`` drops the root handlers."""

    def clear_root(self) -> None:
        # pytest installs its capture handler on the root logger when the test
        # call starts (after fixtures ran), so this must run inside the test.
        root = logging.getLogger()
        root.handlers[:] = []
        root.setLevel(logging.WARNING)


@pytest.fixture
def isolated_root():
    """Let a test run without any handler on the root logger."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    created = _Isolation()
    yield created
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    for logger in created:
        logger.handlers[:] = []
        logger.setLevel(logging.NOTSET)
        logger.propagate = True


@pytest.fixture
def request_stream(app):
    stream = io.StringIO()
    with app.test_request_context(errors_stream=stream):
        yield stream


def _app(name: str, debug: bool = False) -> Flask:
    app = Flask(name)
    app.debug = debug
    return app


def test_wsgi_errors_stream_outside_request(capsys):
    assert wsgi_errors_stream._get_current_object() is sys.stderr
    wsgi_errors_stream.write("to stderr\n")
    assert capsys.readouterr().err == "to stderr\n"


def test_wsgi_errors_stream_inside_request(request_stream):
    assert wsgi_errors_stream._get_current_object() is request_stream
    wsgi_errors_stream.write("to wsgi.errors")
    assert request_stream.getvalue() == "to wsgi.errors"


def test_wsgi_errors_stream_request_without_wsgi_errors(app):
    with app.test_request_context() as ctx:
        del ctx.request.environ["wsgi.errors"]
        assert wsgi_errors_stream._get_current_object() is sys.stderr


def test_default_handler():
    assert isinstance(default_handler, logging.StreamHandler)
    assert default_handler.stream is wsgi_errors_stream
    assert default_handler.formatter is not None
    assert (
        default_handler.formatter._fmt == "[%(asctime)s] %(levelname)s in %(module)s: %(message)s"
    )
    assert default_handler.level == logging.NOTSET


def test_has_level_handler(isolated_root):
    isolated_root.clear_root()
    parent = logging.getLogger("erlen_test_hlh")
    child = logging.getLogger("erlen_test_hlh.child")
    isolated_root.extend([parent, child])
    assert not has_level_handler(child)

    handler = logging.StreamHandler(io.StringIO())
    parent.addHandler(handler)
    assert has_level_handler(parent)
    assert has_level_handler(child)

    handler.setLevel(logging.ERROR)  # above the effective WARNING level
    assert not has_level_handler(child)
    handler.setLevel(logging.WARNING)

    child.propagate = False
    assert not has_level_handler(child)
    child.propagate = True

    logging.getLogger().addHandler(logging.NullHandler())
    parent.removeHandler(handler)
    assert has_level_handler(child)


def test_create_logger_adds_default_handler(isolated_root):
    isolated_root.clear_root()
    logger = create_logger(_app("erlen_test_app"))
    isolated_root.append(logger)
    assert logger.name == "erlen_test_app"
    assert logger is logging.getLogger("erlen_test_app")
    assert logger.handlers == [default_handler]
    assert logger.level == logging.NOTSET
    # Creating it again does not add a second handler.
    assert create_logger(_app("erlen_test_app")).handlers == [default_handler]


def test_create_logger_debug_sets_level(isolated_root):
    isolated_root.clear_root()
    logger = create_logger(_app("erlen_test_debug", debug=True))
    isolated_root.append(logger)
    assert logger.level == logging.DEBUG

    preset = logging.getLogger("erlen_test_preset")
    isolated_root.append(preset)
    preset.setLevel(logging.ERROR)
    assert create_logger(_app("erlen_test_preset", debug=True)).level == logging.ERROR


def test_create_logger_respects_existing_handler(isolated_root):
    isolated_root.clear_root()
    logging.getLogger().addHandler(logging.StreamHandler(io.StringIO()))
    logger = create_logger(_app("erlen_test_existing"))
    isolated_root.append(logger)
    assert default_handler not in logger.handlers


def test_logging_goes_to_request_stream(isolated_root, request_stream):
    isolated_root.clear_root()
    logger = create_logger(_app("erlen_test_stream"))
    isolated_root.append(logger)
    logger.error("boom %d", 42)
    output = request_stream.getvalue()
    assert output.startswith("[")
    assert output.endswith("] ERROR in test_logging: boom 42\n")
