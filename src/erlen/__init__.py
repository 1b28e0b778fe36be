"""erlen: a fast micro web framework with Flask's public API.

Change ``flask`` to ``erlen`` in an app's imports and it runs on erlen.

The names below load on first use (PEP 562), so ``import erlen.routing`` does not pull in
the application layer and Jinja.
"""

from __future__ import annotations

import importlib
import typing as t

__version__ = "0.1.0.dev0"

# Captured now: once ``erlen.globals`` is imported, the name ``globals`` in this namespace is
# that submodule, not the builtin.
_namespace = globals()

# public name -> submodule that defines it
_EXPORTS: dict[str, str] = {
    "json": "json",
    "Flask": "app",
    "Blueprint": "blueprints",
    "Config": "config",
    "after_this_request": "ctx",
    "copy_current_request_context": "ctx",
    "has_app_context": "ctx",
    "has_request_context": "ctx",
    "current_app": "globals",
    "g": "globals",
    "request": "globals",
    "session": "globals",
    "websocket": "globals",
    "abort": "helpers",
    "flash": "helpers",
    "get_flashed_messages": "helpers",
    "get_template_attribute": "helpers",
    "make_response": "helpers",
    "redirect": "helpers",
    "send_file": "helpers",
    "send_from_directory": "helpers",
    "stream_with_context": "helpers",
    "url_for": "helpers",
    "jsonify": "json",
    "appcontext_popped": "signals",
    "appcontext_pushed": "signals",
    "appcontext_tearing_down": "signals",
    "before_render_template": "signals",
    "got_request_exception": "signals",
    "message_flashed": "signals",
    "request_finished": "signals",
    "request_started": "signals",
    "request_tearing_down": "signals",
    "template_rendered": "signals",
    "render_template": "templating",
    "render_template_string": "templating",
    "stream_template": "templating",
    "stream_template_string": "templating",
    "Request": "wrappers",
    "Response": "wrappers",
    "WebSocketDisconnect": "asgi.websocket",
}

__all__ = sorted(_EXPORTS)

if t.TYPE_CHECKING:  # pragma: no cover
    from . import json as json
    from .app import Flask as Flask
    from .asgi.websocket import WebSocketDisconnect as WebSocketDisconnect
    from .blueprints import Blueprint as Blueprint
    from .config import Config as Config
    from .ctx import (
        after_this_request as after_this_request,
        copy_current_request_context as copy_current_request_context,
        has_app_context as has_app_context,
        has_request_context as has_request_context,
    )
    from .globals import (
        current_app as current_app,
        g as g,
        request as request,
        session as session,
        websocket as websocket,
    )
    from .helpers import (
        abort as abort,
        flash as flash,
        get_flashed_messages as get_flashed_messages,
        get_template_attribute as get_template_attribute,
        make_response as make_response,
        redirect as redirect,
        send_file as send_file,
        send_from_directory as send_from_directory,
        stream_with_context as stream_with_context,
        url_for as url_for,
    )
    from .json import jsonify as jsonify
    from .signals import (
        appcontext_popped as appcontext_popped,
        appcontext_pushed as appcontext_pushed,
        appcontext_tearing_down as appcontext_tearing_down,
        before_render_template as before_render_template,
        got_request_exception as got_request_exception,
        message_flashed as message_flashed,
        request_finished as request_finished,
        request_started as request_started,
        request_tearing_down as request_tearing_down,
        template_rendered as template_rendered,
    )
    from .templating import (
        render_template as render_template,
        render_template_string as render_template_string,
        stream_template as stream_template,
        stream_template_string as stream_template_string,
    )
    from .wrappers import Request as Request, Response as Response


def __getattr__(name: str) -> t.Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'erlen' has no attribute {name!r}")
    module = importlib.import_module(f".{module_name}", __name__)
    value = module if name == module_name else getattr(module, name)
    _namespace[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(_namespace) | set(_EXPORTS))
