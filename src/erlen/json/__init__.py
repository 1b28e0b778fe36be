"""JSON helpers that follow the current app's JSON provider (Flask's ``flask.json``).

With an application context pushed, :func:`dumps`, :func:`dump`, :func:`loads`
and :func:`load` delegate to ``current_app.json`` (a
:class:`~erlen.json.provider.JSONProvider`); without one they use the standard
library :mod:`json` module, with :func:`dumps` and :func:`dump` still
serializing dates, decimals, UUIDs, dataclasses and ``__html__`` objects.
"""

from __future__ import annotations

import json as _json
import typing as t

from .. import globals as _globals
from ..globals import current_app
from .provider import _CACHEABLE_KWARGS, _cached_encoder, _default

if t.TYPE_CHECKING:  # pragma: no cover
    from ..wrappers import Response

__all__ = ["dump", "dumps", "jsonify", "load", "loads"]

# PERF: bound by assignment, not import: see erlen.globals (method calls on 3.11).
_cv_app = _globals._cv_app

# PERF: reading the ContextVar directly instead of testing ``bool(current_app)``
# skips the LocalProxy machinery on every call (these run per session load/save);
# without an app, dumps() reuses the provider module's cached encoders.


def dumps(obj: t.Any, **kwargs: t.Any) -> str:
    """Serialize ``obj`` to a JSON string.

    Uses ``current_app.json.dumps`` when an app context is active, otherwise
    :func:`json.dumps` with the extra types of the default provider.

    :param obj: The data to serialize.
    :param kwargs: Passed to the ``dumps`` implementation.
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.json.dumps(obj, **kwargs)
    if kwargs.keys() <= _CACHEABLE_KWARGS:
        key = (_default, True, False, kwargs.get("separators"), kwargs.get("indent"))
        try:
            encoder = _cached_encoder(key)
        except TypeError:  # an unhashable option value; json.dumps handles it below
            pass
        else:
            return encoder.encode(obj)
    kwargs.setdefault("default", _default)
    return _json.dumps(obj, **kwargs)


def dump(obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
    """Serialize ``obj`` as JSON and write it to the text file ``fp``.

    Uses ``current_app.json.dump`` when an app context is active, otherwise
    :func:`json.dump` with the extra types of the default provider.
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        ctx.app.json.dump(obj, fp, **kwargs)
    else:
        kwargs.setdefault("default", _default)
        _json.dump(obj, fp, **kwargs)


def loads(s: str | bytes, **kwargs: t.Any) -> t.Any:
    """Deserialize JSON from text or UTF-8 bytes.

    Uses ``current_app.json.loads`` when an app context is active, otherwise
    :func:`json.loads`.
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.json.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def load(fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
    """Deserialize JSON read from the file ``fp``.

    Uses ``current_app.json.load`` when an app context is active, otherwise
    :func:`json.load`.
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.json.load(fp, **kwargs)
    return _json.load(fp, **kwargs)


def jsonify(*args: t.Any, **kwargs: t.Any) -> Response:
    """Serialize the arguments as JSON into an ``application/json`` response.

    Requires an application context and calls ``current_app.json.response``.
    Give either positional or keyword arguments, not both: one positional
    argument is serialized as is, several become a JSON array, keyword
    arguments become an object, and no arguments serialize ``null``. The
    output is indented in debug mode. Views may also simply return a dict or
    list to get the same response.
    """
    return current_app.json.response(*args, **kwargs)
