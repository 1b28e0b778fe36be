"""Tests for erlen.signals."""

from __future__ import annotations

import blinker
import pytest

import erlen.signals as signals

NAMES = {
    "template_rendered": "template-rendered",
    "before_render_template": "before-render-template",
    "request_started": "request-started",
    "request_finished": "request-finished",
    "request_tearing_down": "request-tearing-down",
    "got_request_exception": "got-request-exception",
    "appcontext_tearing_down": "appcontext-tearing-down",
    "appcontext_pushed": "appcontext-pushed",
    "appcontext_popped": "appcontext-popped",
    "message_flashed": "message-flashed",
}


def test_namespace_holds_every_signal():
    assert isinstance(signals._signals, blinker.Namespace)
    assert set(signals.__all__) == set(NAMES)
    for attr, name in NAMES.items():
        signal = getattr(signals, attr)
        assert isinstance(signal, blinker.NamedSignal)
        assert signal.name == name
        assert signals._signals[name] is signal
    assert len(signals._signals) == len(NAMES)


def test_same_names_as_flask():
    import flask.signals

    for attr in NAMES:
        assert getattr(flask.signals, attr).name == getattr(signals, attr).name
        # Separate namespaces: erlen's signals are not Flask's.
        assert getattr(flask.signals, attr) is not getattr(signals, attr)


@pytest.mark.parametrize("attr", sorted(NAMES))
def test_connect_and_send(attr):
    signal = getattr(signals, attr)
    before = dict(signal.receivers)
    sender = object()
    received = []

    def receiver(sent_by, **extra):
        received.append((sent_by, extra))
        return "rv"

    with signal.connected_to(receiver, sender=sender):
        assert len(signal.receivers) == len(before) + 1
        assert signal.send(sender, value=1) == [(receiver, "rv")]
        assert signal.send(object(), value=2) == []
    assert received == [(sender, {"value": 1})]
    assert dict(signal.receivers) == before
