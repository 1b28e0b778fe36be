"""Tagged JSON: a compact, lossless JSON encoding for a few non-JSON Python types.

:class:`~erlen.sessions.SecureCookieSessionInterface` serializes sessions with
it. Values that JSON cannot represent are wrapped in a one-key object whose key
is the tag (``{" t": [...]}`` for a tuple); the output is byte-identical to
Flask's ``flask.json.tag``.

To support another type, subclass :class:`JSONTag` and register it. For
example, an ``OrderedDict`` tag must run before the plain dict handling::

    from collections import OrderedDict
    from erlen.json.tag import JSONTag

    class TagOrderedDict(JSONTag):
        __slots__ = ("serializer",)
        key = " od"

        def check(self, value):
            return isinstance(value, OrderedDict)

        def to_json(self, value):
            return [[k, self.serializer.tag(v)] for k, v in value.items()]

        def to_python(self, value):
            return OrderedDict(value)

    app.session_interface.serializer.register(TagOrderedDict, index=0)
"""

from __future__ import annotations

import json as _json
import typing as t
from base64 import b64decode, b64encode
from datetime import datetime
from uuid import UUID

from markupsafe import Markup

from .. import globals as _globals
from . import dumps as _dumps, loads as _loads
from .provider import DefaultJSONProvider

__all__ = [
    "JSONTag",
    "PassDict",
    "PassList",
    "TagBytes",
    "TagDateTime",
    "TagDict",
    "TagMarkup",
    "TagTuple",
    "TagUUID",
    "TaggedJSONSerializer",
]

# PERF: bound by assignment, not import: see erlen.globals (method calls on 3.11).
_cv_app = _globals._cv_app



class JSONTag:
    """Base class for the type tags of a :class:`TaggedJSONSerializer`."""

    __slots__ = ("serializer",)

    #: The tag that marks serialized values. An empty key means the tag is
    #: only an intermediate step (it converts but adds no wrapper object).
    key: str = ""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        """Create the tag for ``serializer``."""
        self.serializer = serializer

    def check(self, value: t.Any) -> bool:
        """Return whether ``value`` should be handled by this tag."""
        raise NotImplementedError

    def to_json(self, value: t.Any) -> t.Any:
        """Convert ``value`` to a JSON-compatible object (without the tag)."""
        raise NotImplementedError

    def to_python(self, value: t.Any) -> t.Any:
        """Convert the untagged JSON representation back to the Python type."""
        raise NotImplementedError

    def tag(self, value: t.Any) -> t.Any:
        """Convert ``value`` and wrap it in ``{key: ...}``."""
        return {self.key: self.to_json(value)}


class TagDict(JSONTag):
    """Tag for one-item dicts whose only key is itself a registered tag.

    The key gets a ``__`` suffix so it cannot be mistaken for a tag; loading
    strips the suffix again.
    """

    __slots__ = ()
    key = " di"

    def check(self, value: t.Any) -> bool:
        """Match a dict with a single key that is a registered tag key."""
        return (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)) in self.serializer.tags
        )

    def to_json(self, value: t.Any) -> t.Any:
        """Suffix the key with ``__`` and tag the value."""
        key = next(iter(value))
        return {f"{key}__": self.serializer.tag(value[key])}

    def to_python(self, value: t.Any) -> t.Any:
        """Strip the ``__`` suffix from the key."""
        key = next(iter(value))
        return {key[:-2]: value[key]}


class PassDict(JSONTag):
    """Tag the values of any other dict; the dict itself needs no tag."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        """Match any dict."""
        return isinstance(value, dict)

    def to_json(self, value: t.Any) -> t.Any:
        """Tag every value (JSON object keys are always strings)."""
        tag = self.serializer.tag
        return {k: tag(v) for k, v in value.items()}

    tag = to_json


class TagTuple(JSONTag):
    """Tuples, serialized as a tagged list."""

    __slots__ = ()
    key = " t"

    def check(self, value: t.Any) -> bool:
        """Match any tuple."""
        return isinstance(value, tuple)

    def to_json(self, value: t.Any) -> t.Any:
        """Tag every item into a list."""
        tag = self.serializer.tag
        return [tag(item) for item in value]

    def to_python(self, value: t.Any) -> t.Any:
        """Rebuild the tuple."""
        return tuple(value)


class PassList(JSONTag):
    """Tag the items of lists; the list itself needs no tag."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        """Match any list."""
        return isinstance(value, list)

    def to_json(self, value: t.Any) -> t.Any:
        """Tag every item."""
        tag = self.serializer.tag
        return [tag(item) for item in value]

    tag = to_json


class TagBytes(JSONTag):
    """Bytes, serialized as base64 text."""

    __slots__ = ()
    key = " b"

    def check(self, value: t.Any) -> bool:
        """Match any bytes object."""
        return isinstance(value, bytes)

    def to_json(self, value: t.Any) -> t.Any:
        """Encode as base64."""
        return b64encode(value).decode("ascii")

    def to_python(self, value: t.Any) -> t.Any:
        """Decode the base64 text."""
        return b64decode(value)


class TagMarkup(JSONTag):
    """Objects with an ``__html__`` method; loads them as :class:`~markupsafe.Markup`."""

    __slots__ = ()
    key = " m"

    def check(self, value: t.Any) -> bool:
        """Match anything with a callable ``__html__``."""
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: t.Any) -> t.Any:
        """Serialize the result of ``__html__()``."""
        return str(value.__html__())

    def to_python(self, value: t.Any) -> t.Any:
        """Wrap the text in :class:`~markupsafe.Markup`."""
        return Markup(value)


class TagUUID(JSONTag):
    """:class:`~uuid.UUID` objects, serialized as 32 hex digits."""

    __slots__ = ()
    key = " u"

    def check(self, value: t.Any) -> bool:
        """Match any UUID."""
        return isinstance(value, UUID)

    def to_json(self, value: t.Any) -> t.Any:
        """Serialize as the hex string."""
        return value.hex

    def to_python(self, value: t.Any) -> t.Any:
        """Rebuild the UUID."""
        return UUID(value)


class TagDateTime(JSONTag):
    """:class:`~datetime.datetime` objects, serialized as HTTP dates (second precision, UTC)."""

    __slots__ = ()
    key = " d"

    def check(self, value: t.Any) -> bool:
        """Match any datetime."""
        return isinstance(value, datetime)

    def to_json(self, value: t.Any) -> t.Any:
        """Format as an HTTP date."""
        from ..http import http_date

        return http_date(value)

    def to_python(self, value: t.Any) -> t.Any:
        """Parse the HTTP date into an aware UTC datetime."""
        from ..http import parse_date

        return parse_date(value)


_DEFAULT_TAGS: tuple[type[JSONTag], ...] = (
    TagDict,
    PassDict,
    TagTuple,
    PassList,
    TagBytes,
    TagMarkup,
    TagUUID,
    TagDateTime,
)
# Exact types no default tag claims; the fast path returns them unchanged.
_PLAIN_TYPES = frozenset((str, int, float, bool, type(None)))


class TaggedJSONSerializer:
    """Serializer that tags non-JSON values so they survive a JSON round trip.

    Besides the JSON types it supports :class:`dict` (including one-key dicts
    whose key looks like a tag), :class:`tuple`, :class:`bytes`,
    :class:`~markupsafe.Markup` (and any ``__html__`` object),
    :class:`~uuid.UUID` and :class:`~datetime.datetime`. It is the
    intermediate serializer given to :class:`itsdangerous.Serializer` for
    sessions.
    """

    __slots__ = ("tags", "order", "_fast_order", "_decoder", "_scan_once")

    #: Tag classes registered, in this order, by ``__init__``. Add more with
    #: :meth:`register`.
    default_tags: t.ClassVar[list[type[JSONTag]]] = list(_DEFAULT_TAGS)

    def __init__(self) -> None:
        self.tags: dict[str, JSONTag] = {}
        self.order: list[JSONTag] = []
        self._fast_order: list[JSONTag] | None = None
        for cls in self.default_tags:
            self.register(cls)
        if tuple(type(tag) for tag in self.order) == _DEFAULT_TAGS:
            self._fast_order = list(self.order)
        # PERF: json.loads(s, object_hook=...) builds a decoder (and its scanner) per call;
        # the session is loaded on every request that uses it.
        self._decoder = _json.JSONDecoder(object_hook=self.untag)
        self._scan_once: t.Callable[[str, int], tuple[t.Any, int]] = self._decoder.scan_once  # type: ignore[attr-defined]

    def register(
        self,
        tag_class: type[JSONTag],
        force: bool = False,
        index: int | None = None,
    ) -> None:
        """Register a new tag, instantiated with this serializer.

        :param tag_class: The :class:`JSONTag` subclass to register.
        :param force: Replace a tag already registered under the same key
            instead of raising.
        :param index: Position in the check order; ``None`` appends. Use a low
            index for a tag that is a special case of an existing one.
        :raises KeyError: If the key is already registered and ``force`` is false.
        """
        tag = tag_class(self)
        key = tag.key
        if key:
            if not force and key in self.tags:
                raise KeyError(f"Tag '{key}' is already registered.")
            self.tags[key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)

    def tag(self, value: t.Any) -> t.Any:
        """Return the tagged, JSON-compatible representation of ``value``."""
        # PERF: with the default tag set (the common case), dispatch on the exact
        # type instead of calling every tag's check() for each value (Flask's
        # generic loop, most of the cost of tagging a typical session dict).
        if self._fast_order is not None and self.order == self._fast_order:
            return self._tag_default(value)
        return self._tag_generic(value)

    def _tag_generic(self, value: t.Any) -> t.Any:
        for tag in self.order:
            if tag.check(value):
                return tag.tag(value)
        return value

    def _tag_default(self, value: t.Any) -> t.Any:
        # Mirrors the default tags' check()/to_json() for the exact builtin
        # types; anything else (subclasses, bytes, UUIDs...) takes the generic
        # path, whose nested self.tag() calls come back here.
        cls = type(value)
        if cls in _PLAIN_TYPES:
            return value
        # PERF: the containers' plain values (most of a session's) are kept without a call.
        if cls is dict:
            if len(value) == 1:
                key = next(iter(value))
                if key in self.tags:
                    return {" di": {f"{key}__": self._tag_default(value[key])}}
            tag = self._tag_default
            return {k: v if type(v) in _PLAIN_TYPES else tag(v) for k, v in value.items()}
        if cls is list:
            tag = self._tag_default
            return [v if type(v) in _PLAIN_TYPES else tag(v) for v in value]
        if cls is tuple:
            tag = self._tag_default
            return {" t": [v if type(v) in _PLAIN_TYPES else tag(v) for v in value]}
        return self._tag_generic(value)

    def untag(self, value: dict[str, t.Any]) -> t.Any:
        """Convert one tagged object back to its Python value (others pass through)."""
        if len(value) != 1:
            return value
        key = next(iter(value))
        tag = self.tags.get(key)
        if tag is None:
            return value
        return tag.to_python(value[key])

    def _untag_scan(self, value: t.Any) -> t.Any:
        if isinstance(value, dict):
            value = {k: self._untag_scan(v) for k, v in value.items()}
            value = self.untag(value)
        elif isinstance(value, list):
            value = [self._untag_scan(item) for item in value]
        return value

    def dumps(self, value: t.Any) -> str:
        """Tag ``value`` and serialize it to compact JSON with :func:`erlen.json.dumps`."""
        tagged = self.tag(value)
        ctx = _cv_app.get(None)
        if ctx is not None:
            # PERF: what the app's provider's dumps(tagged, separators=(",", ":")) returns,
            # made its faster way when it has one (the default provider's shared encoder).
            compact_text = getattr(ctx.app.json, "_compact_text", None)
            if compact_text is not None:
                text = compact_text(tagged)
                if text is not None:
                    return text
        return _dumps(tagged, separators=(",", ":"))

    def loads(self, value: str | bytes) -> t.Any:
        """Parse JSON with :func:`erlen.json.loads` and untag every tagged object."""
        # PERF: with the stdlib decoder, json's object_hook untags each object
        # bottom-up while parsing -- the same order as _untag_scan -- instead of a
        # second pass in Python.
        if type(self)._untag_scan is TaggedJSONSerializer._untag_scan:
            ctx = _cv_app.get(None)
            if ctx is None or type(ctx.app.json).loads is DefaultJSONProvider.loads:
                # What json.loads(value, object_hook=self.untag) does, which is what the
                # default provider's loads does with that argument.
                if type(value) is str and not value.startswith("\ufeff"):
                    # PERF: the decoder's scanner called directly when the document fills
                    # the text (a cookie's always does); decode() parses the rest and
                    # raises its errors.
                    try:
                        obj, end = self._scan_once(value, 0)
                    except StopIteration:
                        return self._decoder.decode(value)
                    if end == len(value):
                        return obj
                    return self._decoder.decode(value)
                return _json.loads(value, object_hook=self.untag)
        return self._untag_scan(_loads(value))
