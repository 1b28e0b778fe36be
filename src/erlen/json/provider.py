"""JSON providers: the pluggable JSON behaviour of an app (``app.json``), as in Flask."""

from __future__ import annotations

import dataclasses
import decimal
import json
import re
import typing as t
import uuid
import weakref
from datetime import date
from json.encoder import (
    encode_basestring as _encode_unicode,
    encode_basestring_ascii as _encode_ascii,
)

try:
    # CPython's private C accelerator, which typeshed does not declare.
    from json.encoder import c_make_encoder as _c_make_encoder  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - CPython always has it
    _c_make_encoder = None

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Flask
    from ..wrappers import Response

__all__ = ["DefaultJSONProvider", "JSONProvider", "OrjsonJSONProvider"]


class JSONProvider:
    """The JSON operations of an application; subclass it to use another JSON library.

    Implement at least :meth:`dumps` and :meth:`loads`; the other methods are
    built on them. Install a provider by setting ``app.json_provider_class``
    on a ``Flask`` subclass, or by assigning an instance to ``app.json``.

    :param app: The application. Kept as a :func:`weakref.proxy` in ``_app``
        so the provider does not keep the app alive.
    """

    def __init__(self, app: Flask) -> None:
        # The weak proxy stands in for the app (weakref types it as a CallableProxyType).
        self._app: Flask = weakref.proxy(app)  # type: ignore[assignment]

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``obj`` to a JSON string; ``kwargs`` go to the JSON library."""
        raise NotImplementedError

    def dump(self, obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
        """Serialize ``obj`` as JSON and write it to the text file ``fp``."""
        fp.write(self.dumps(obj, **kwargs))

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Deserialize JSON from text or UTF-8 bytes; ``kwargs`` go to the JSON library."""
        raise NotImplementedError

    def load(self, fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
        """Deserialize JSON read from the file ``fp`` (text or UTF-8 bytes)."""
        return self.loads(fp.read(), **kwargs)

    def _prepare_response_obj(self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> t.Any:
        if args:
            if kwargs:
                raise TypeError("app.json.response() takes either args or kwargs, not both")
            if len(args) == 1:
                return args[0]
            return args
        return kwargs or None

    def _compact_text(self, obj: t.Any) -> str | None:
        """``dumps(obj, separators=(",", ":"))`` made a faster way, or ``None`` when there
        is none (here: call :meth:`dumps`)."""
        return None

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """Serialize the arguments as JSON and wrap them in an ``application/json`` response.

        Give either positional or keyword arguments, not both: one positional
        argument is serialized as is, several become a JSON array, keyword
        arguments become an object, and no arguments serialize ``null``.
        """
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self.dumps(obj), mimetype="application/json")


def _default(o: t.Any) -> t.Any:
    """Convert the extra types Flask supports into JSON-serializable values."""
    if isinstance(o, date):
        from ..http import http_date

        return http_date(o)
    if isinstance(o, (decimal.Decimal, uuid.UUID)):
        return str(o)
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


# PERF: json.dumps(obj, **non_default_kwargs) builds a JSONEncoder per call; one encoder
# is reused per option set instead. Encoders keep no per-call state, so sharing them
# across threads is safe (the stdlib shares json._default_encoder the same way).
_encoder_cache: dict[tuple[t.Any, ...], json.JSONEncoder] = {}
_ENCODER_CACHE_MAX = 64
_CACHEABLE_KWARGS = frozenset(("separators", "indent"))


def _cached_encoder(key: tuple[t.Any, ...]) -> json.JSONEncoder:
    encoder = _encoder_cache.get(key)
    if encoder is None:
        default, ensure_ascii, sort_keys, separators, indent = key
        encoder = json.JSONEncoder(
            default=default,
            ensure_ascii=ensure_ascii,
            sort_keys=sort_keys,
            separators=separators,
            indent=indent,
        )
        if len(_encoder_cache) >= _ENCODER_CACHE_MAX:
            _encoder_cache.clear()
        _encoder_cache[key] = encoder
    return encoder


class DefaultJSONProvider(JSONProvider):
    """JSON operations using the standard library :mod:`json` module.

    Besides the JSON types, it serializes:

    -   :class:`datetime.datetime` and :class:`datetime.date` as HTTP date
        strings (:rfc:`822`);
    -   :class:`decimal.Decimal` and :class:`uuid.UUID` as strings;
    -   dataclass instances through :func:`dataclasses.asdict`;
    -   objects with an ``__html__`` method (such as :class:`~markupsafe.Markup`)
        as the string that method returns.
    """

    default: t.Callable[[t.Any], t.Any] = staticmethod(_default)
    """Called for objects :mod:`json` cannot serialize; returns a JSON type or
    raises :exc:`TypeError`."""

    ensure_ascii = True
    """Escape non-ASCII characters. Set to ``False`` for smaller, faster output."""

    sort_keys = True
    """Sort object keys. Keys must then all be strings. Set to ``False`` for speed."""

    compact: bool | None = None
    """``True`` (or ``None`` outside debug mode) makes :meth:`response` output
    compact; ``False`` (or ``None`` in debug mode) indents it by two spaces."""

    mimetype = "application/json"
    """The mimetype :meth:`response` sets."""

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``obj`` with :func:`json.dumps`.

        ``default``, ``ensure_ascii`` and ``sort_keys`` default to the
        attributes of the same name; other keyword arguments are passed on.
        """
        if kwargs.keys() <= _CACHEABLE_KWARGS:
            key = (
                self.default,
                self.ensure_ascii,
                self.sort_keys,
                kwargs.get("separators"),
                kwargs.get("indent"),
            )
            try:
                encoder = _cached_encoder(key)
            except TypeError:  # an unhashable option value, e.g. separators as a list
                pass
            else:
                return encoder.encode(obj)
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return json.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Deserialize with :func:`json.loads`; ``kwargs`` are passed on."""
        if kwargs:
            return json.loads(s, **kwargs)
        if type(s) is bytes:
            if s[:1] in _NOT_UTF8_START or s[1:2] == b"\0":
                return json.loads(s)
            # A body json.loads finds to be UTF-8 (no BOM, no NUL in the first two
            # bytes, see json.detect_encoding), decoded as it decodes it.
            text = s.decode("utf-8", "surrogatepass")
        elif type(s) is str and s[:1] != "\ufeff":
            text = s
        else:
            return json.loads(s)  # and its message for a text starting with a BOM
        # PERF: json.loads(s) with the default decoder, its value and its JSONDecodeError
        # messages and positions: the decoder's (C) scanner called here, without the
        # layers of Python calls around it (loads, JSONDecoder.decode, raw_decode), and
        # the whitespace around the document skipped only when there is some.
        start = _skip_whitespace(text, 0).end() if text[:1] in _WHITESPACE else 0
        try:
            obj, end = _scan_once(text, start)
        except StopIteration as err:
            raise json.JSONDecodeError("Expecting value", text, err.value) from None
        if end != len(text):
            end = _skip_whitespace(text, end).end()
            if end != len(text):
                raise json.JSONDecodeError("Extra data", text, end)
        return obj

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """Serialize the arguments as JSON into a response with :attr:`mimetype`.

        The body ends with a newline. It is indented when :attr:`compact` is
        ``False``, or ``None`` while the app is in debug mode; otherwise it
        uses compact separators. Argument rules are those of
        :meth:`JSONProvider.response`.
        """
        # PERF: one argument (the common call) unpacked in a zero-cost try.
        try:
            (obj,) = args
        except ValueError:
            obj = self._prepare_response_obj(args, kwargs)
        else:
            if kwargs:
                obj = self._prepare_response_obj(args, kwargs)  # (raises)
        compact = self.compact
        app = self._app
        body: str | None
        if app.debug if compact is None else compact is False:
            body = self.dumps(obj, indent=2)
        else:
            body = self._compact_text(obj)
            if body is None:
                body = self.dumps(obj, separators=(",", ":"))
        return app.response_class(body + "\n", mimetype=self.mimetype)

    def _compact_text(self, obj: t.Any) -> str | None:
        """``self.dumps(obj, separators=(",", ":"))`` when :meth:`dumps` is this class's
        own, else ``None`` (call ``dumps``).

        PERF: from a C encoder shared by every call with these options, called directly
        (json.dumps builds one per call, through layers of Python calls). Compact responses
        and the session serializer (:mod:`erlen.json.tag`) use it.
        """
        if not self._plain_dumps:
            return None
        key = (self.default, self.ensure_ascii, self.sort_keys)
        try:
            encode = _compact_encoders[key]
        except KeyError:
            encode = _compact_encoder(key)
        try:
            # (A list of chunks on 3.11, a tuple of one string on 3.12+.)
            return "".join(encode(obj, 0))
        except RecursionError:
            # A shared encoder keeps no circular-reference markers, so a cycle shows as
            # runaway recursion: dumps says what it is (or recurses as deep).
            return None

    # Whether dumps is this class's: response() then calls the C encoder that dumps
    # would use itself. Kept per class by __init_subclass__, and per instance by
    # __setattr__/__delattr__ when dumps is patched on the instance.
    _plain_dumps = _c_make_encoder is not None

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._plain_dumps = _c_make_encoder is not None and cls.dumps is DefaultJSONProvider.dumps

    def __setattr__(self, name: str, value: t.Any) -> None:
        super().__setattr__(name, value)
        if name == "dumps":
            super().__setattr__("_plain_dumps", False)

    def __delattr__(self, name: str) -> None:
        super().__delattr__(name)
        if name == "dumps":
            super().__delattr__("_plain_dumps")


# What json.loads decodes text with when given no options.
_decoder = json.JSONDecoder()
# The decoder's scanner and the whitespace pattern of json.decoder (which typeshed does
# not declare).
_scan_once: t.Callable[[str, int], tuple[t.Any, int]] = _decoder.scan_once  # type: ignore[attr-defined]
_skip_whitespace: t.Callable[[str, int], re.Match[str]] = json.decoder.WHITESPACE.match  # type: ignore[attr-defined]
_WHITESPACE = frozenset(" \t\n\r")


# First bytes of the bodies json.detect_encoding may not read as UTF-8 (NUL, BOMs).
_NOT_UTF8_START = frozenset((b"\0", b"\xef", b"\xfe", b"\xff"))


# C encoders for compact responses, by (default, ensure_ascii, sort_keys). They have no
# circular-reference markers, their only per-call state, so threads can share them.
_compact_encoders: dict[tuple[t.Any, bool, bool], t.Callable[[t.Any, int], list[str]]] = {}


def _compact_encoder(key: tuple[t.Any, bool, bool]) -> t.Callable[[t.Any, int], list[str]]:
    default, ensure_ascii, sort_keys = key
    encoder = _c_make_encoder(
        None,
        default,
        _encode_ascii if ensure_ascii else _encode_unicode,
        None,
        ":",
        ",",
        sort_keys,
        False,
        True,
    )
    if len(_compact_encoders) >= _ENCODER_CACHE_MAX:
        _compact_encoders.clear()
    _compact_encoders[key] = encoder
    return encoder


_ORJSON_KWARGS = frozenset(("default", "option", "sort_keys", "indent", "separators"))


class OrjsonJSONProvider(DefaultJSONProvider):
    """A faster provider backed by :mod:`orjson` (``pip install erlen[orjson]``).

    Enable it with ``app.json = OrjsonJSONProvider(app)``. It serializes the
    same extra types as :class:`DefaultJSONProvider` (dates still become HTTP
    date strings) and honours :attr:`sort_keys`, :attr:`compact` and
    :attr:`default`. Differences from the standard library provider:

    -   Output is always UTF-8: non-ASCII text is never escaped, so
        :attr:`ensure_ascii` is ``False`` and setting it has no effect.
    -   ``NaN`` and infinities serialize as ``null``; integers beyond 64 bits
        raise :exc:`TypeError`.
    -   Non-string dict keys (``int``, ``float``, ``bool``, ``None``, dates,
        UUIDs...) are converted to strings (``OPT_NON_STR_KEYS``) and, with
        :attr:`sort_keys`, the keys are sorted after that conversion.
    -   ``str``/``int``/``dict``/``list`` subclasses serialize as their base
        type without consulting :attr:`default` (``Markup`` gives the same
        result either way).
    -   Keyword arguments other than ``default``, ``option``, ``sort_keys``,
        ``indent`` (``None`` or ``2``) and ``separators=(",", ":")`` make
        :meth:`dumps` and :meth:`loads` fall back to the standard library
        for that call.
    -   :meth:`response` writes orjson's bytes straight into the response
        instead of going through :meth:`dumps`, unless :meth:`dumps` is
        overridden in a subclass or set on the instance.
    """

    ensure_ascii = False

    def __init__(self, app: Flask) -> None:
        import orjson

        super().__init__(app)
        self._orjson = orjson
        # The option flags every call uses, and those two settings add.
        self._base_option = (
            orjson.OPT_NON_STR_KEYS
            | orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_PASSTHROUGH_DATACLASS
        )
        self._sort_option = orjson.OPT_SORT_KEYS
        self._indent_option = orjson.OPT_INDENT_2

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._plain_dumps = cls.dumps is OrjsonJSONProvider.dumps

    def _options(self, sort_keys: bool, indent: int | None) -> int:
        option = self._base_option
        if sort_keys:
            option |= self._sort_option
        if indent:
            option |= self._indent_option
        return option

    def _dumps_bytes(self, obj: t.Any, kwargs: dict[str, t.Any], extra: int = 0) -> bytes | None:
        if not kwargs.keys() <= _ORJSON_KWARGS:
            return None
        indent = kwargs.get("indent")
        if indent not in (None, 0, 2):
            return None
        separators = kwargs.get("separators")
        # orjson's compact form is exactly separators=(",", ":"); nothing else maps.
        if separators is not None and (indent or tuple(separators) != (",", ":")):
            return None
        option = self._options(kwargs.get("sort_keys", self.sort_keys), indent)
        option |= kwargs.get("option", 0) | extra
        return self._orjson.dumps(obj, default=kwargs.get("default", self.default), option=option)

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``obj`` with :func:`orjson.dumps` and decode the result.

        Supported keyword arguments are ``default``, ``option`` (extra orjson
        flags), ``sort_keys``, ``indent`` (``None`` or ``2``) and the compact
        ``separators=(",", ":")``; anything else falls back to
        :meth:`DefaultJSONProvider.dumps`.
        """
        data = self._dumps_bytes(obj, kwargs)
        if data is None:
            kwargs.pop("option", None)
            return super().dumps(obj, **kwargs)
        return data.decode()

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Deserialize with :func:`orjson.loads`, or :func:`json.loads` if ``kwargs`` are given."""
        if kwargs:
            return json.loads(s, **kwargs)
        return self._orjson.loads(s)

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """Like :meth:`DefaultJSONProvider.response`, serializing with orjson."""
        if not self._plain_dumps:
            return super().response(*args, **kwargs)
        if len(args) == 1 and not kwargs:
            obj = args[0]
        else:
            obj = self._prepare_response_obj(args, kwargs)
        compact = self.compact
        app = self._app
        # PERF: orjson called here with the options dumps would give it, and its bytes
        # (newline appended by orjson) are the body: no str is made.
        option = self._base_option | self._orjson.OPT_APPEND_NEWLINE
        if self.sort_keys:
            option |= self._sort_option
        if compact is False or (compact is None and app.debug):
            option |= self._indent_option
        body = self._orjson.dumps(obj, default=self.default, option=option)
        return app.response_class(body, mimetype=self.mimetype)


# Its response() serializes as its own dumps would (a subclass's is set by
# __init_subclass__).
OrjsonJSONProvider._plain_dumps = True
# ... and compact text is orjson's, from dumps (not the json module's encoder).
OrjsonJSONProvider._compact_text = JSONProvider._compact_text  # type: ignore[method-assign]
