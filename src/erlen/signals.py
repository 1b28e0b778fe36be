"""Flask's built-in signals, as :mod:`blinker` signals in the ``_signals`` namespace.

Connect receivers exactly as with Flask::

    from erlen.signals import request_started

    @request_started.connect_via(app)
    def on_request_started(sender, **extra): ...

The application layer only calls ``signal.send(...)`` when ``signal.receivers``
is non-empty, so a signal nobody connected to costs one attribute check per
request instead of a blinker dispatch.
"""

from __future__ import annotations

from blinker import Namespace

__all__ = [
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "got_request_exception",
    "message_flashed",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "template_rendered",
]

#: Namespace holding only the framework's own signals (same names as Flask's).
_signals = Namespace()

#: Sent after a template was rendered, with ``template`` and ``context``.
template_rendered = _signals.signal("template-rendered")
#: Sent before a template is rendered, with ``template`` and ``context``.
before_render_template = _signals.signal("before-render-template")
#: Sent when request handling starts, before any ``before_request`` function.
request_started = _signals.signal("request-started")
#: Sent after the response was built, with ``response``.
request_finished = _signals.signal("request-finished")
#: Sent while the request context is torn down, with ``exc``.
request_tearing_down = _signals.signal("request-tearing-down")
#: Sent when an unhandled exception occurs during a request, with ``exception``.
got_request_exception = _signals.signal("got-request-exception")
#: Sent while the application context is torn down, with ``exc``.
appcontext_tearing_down = _signals.signal("appcontext-tearing-down")
#: Sent after an application context was pushed.
appcontext_pushed = _signals.signal("appcontext-pushed")
#: Sent after an application context was popped.
appcontext_popped = _signals.signal("appcontext-popped")
#: Sent when ``flash`` is called, with ``message`` and ``category``.
message_flashed = _signals.signal("message-flashed")
