"""Output fields for :func:`~erlen.ext.restful.marshal` (Flask-RESTful's
``flask_restful.fields``).

A field reads its value from the object being marshalled (a key of a dict, an attribute of an
object, a dotted path through both, or a callable given as ``attribute``) and formats it.
A field that cannot format its value raises :class:`MarshallingException`.
"""

from __future__ import annotations

import calendar
import typing as t
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from email.utils import formatdate
from urllib.parse import urlsplit, urlunsplit

from erlen import request, url_for

from ._marshal import marshal

__all__ = [
    "String",
    "FormattedString",
    "Url",
    "DateTime",
    "Float",
    "Integer",
    "Arbitrary",
    "Nested",
    "List",
    "Raw",
    "Boolean",
    "Fixed",
    "Price",
]


class MarshallingException(Exception):
    """A field could not format its value; the message is the underlying error's."""

    def __init__(self, underlying_exception: BaseException | str) -> None:
        super().__init__(str(underlying_exception))


def is_indexable_but_not_string(obj: t.Any) -> bool:
    """Whether ``obj`` is iterable and not a string."""
    return not hasattr(obj, "strip") and hasattr(obj, "__iter__")


def _get_key(key: t.Any, obj: t.Any, default: t.Any) -> t.Any:
    if is_indexable_but_not_string(obj):
        try:
            return obj[key]
        except (IndexError, TypeError, KeyError):
            pass
    return getattr(obj, key, default)


def get_value(key: t.Any, obj: t.Any, default: t.Any = None) -> t.Any:
    """The value of ``key`` in ``obj``: an int is an index, a callable is called with
    ``obj``, a string is a (dotted) path of keys or attributes; ``default`` if absent."""
    if isinstance(key, int):
        return _get_key(key, obj, default)
    if callable(key):
        return key(obj)
    for part in key.split("."):
        obj = _get_key(part, obj, default)
    return obj


def to_marshallable_type(obj: t.Any) -> t.Any:
    """``obj`` as something keys can be read from: ``obj.__marshallable__()`` if it has
    one, ``obj`` itself if it is indexable, else its attributes as a dict (``None`` stays
    ``None``)."""
    if obj is None:
        return None
    if hasattr(obj, "__marshallable__"):
        return obj.__marshallable__()
    if hasattr(obj, "__getitem__"):
        return obj
    return dict(obj.__dict__)


class Raw:
    """The base field: the value as it is (``default`` when it is ``None`` or absent).

    Subclasses override :meth:`format` (or :meth:`output` for values that are not read
    from one key).

    :param default: the output when the value is ``None`` or absent.
    :param attribute: where to read the value instead of the output key: a (dotted) key or
        attribute name, or a callable taking the object.
    """

    def __init__(self, default: t.Any = None, attribute: t.Any = None) -> None:
        self.attribute = attribute
        self.default = default

    def format(self, value: t.Any) -> t.Any:
        """Format a value that is not ``None`` (unchanged here)."""
        return value

    def output(self, key: t.Any, obj: t.Any) -> t.Any:
        """The formatted value of ``key`` (or of :attr:`attribute`) in ``obj``."""
        value = get_value(key if self.attribute is None else self.attribute, obj)
        if value is None:
            return self.default
        return self.format(value)


class Nested(Raw):
    """A sub-object marshalled with its own dict of fields.

    :param nested: the fields of the sub-object.
    :param allow_null: output ``None`` for a ``None`` value (else a dict of ``None``
        values, or ``default`` if given).
    """

    def __init__(self, nested: Mapping[str, t.Any], allow_null: bool = False, **kwargs: t.Any):
        self.nested = nested
        self.allow_null = allow_null
        super().__init__(**kwargs)

    def output(self, key: t.Any, obj: t.Any) -> t.Any:
        """The marshalled sub-object."""
        value = get_value(key if self.attribute is None else self.attribute, obj)
        if value is None:
            if self.allow_null:
                return None
            if self.default is not None:
                return self.default
        return marshal(value, self.nested)


class List(Raw):
    """A list whose items are formatted by another field (a class or an instance).

    :raise MarshallingException: the item field is not a :class:`Raw`.
    """

    def __init__(self, cls_or_instance: Raw | type[Raw], **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        item = cls_or_instance() if isinstance(cls_or_instance, type) else cls_or_instance
        if not isinstance(item, Raw):
            raise MarshallingException(
                "The type of the list elements must be a subclass of"
                " erlen.ext.restful.fields.Raw"
            )
        self.container = item

    def format(self, value: t.Any) -> t.Any:
        """Each item formatted by the item field."""
        if isinstance(value, set):
            value = list(value)
        container = self.container
        # Items that are dicts (or have the item field's attribute) are what the item field
        # reads from; otherwise it reads index i of the list itself.
        reads_item = not isinstance(container, Nested) and type(container) is not Raw
        return [
            container.output(
                index,
                item
                if reads_item
                and (
                    isinstance(item, dict)
                    or (container.attribute and hasattr(item, container.attribute))
                )
                else value,
            )
            for index, item in enumerate(value)
        ]

    def output(self, key: t.Any, obj: t.Any) -> t.Any:
        """The formatted list (a single non-list value of a :class:`Nested` item field
        becomes a one-item list)."""
        value = get_value(key if self.attribute is None else self.attribute, obj)
        if is_indexable_but_not_string(value) and not isinstance(value, dict):
            return self.format(value)
        if value is None:
            return self.default
        return [marshal(value, self.container.nested)]  # type: ignore[attr-defined]


class _Converted(Raw):
    """A field whose format is a conversion; its ``ValueError`` is a
    :class:`MarshallingException`."""

    _convert: t.ClassVar[Callable[[t.Any], t.Any]]

    def format(self, value: t.Any) -> t.Any:
        """The converted value."""
        try:
            return type(self)._convert(value)
        except ValueError as e:
            raise MarshallingException(e) from e


class String(_Converted):
    """The value as a string (``str(value)``)."""

    _convert = str


class Integer(_Converted):
    """The value as an integer (``int(value)``); ``default`` (0 unless given) when
    ``None``."""

    _convert = int

    def __init__(self, default: int | None = 0, **kwargs: t.Any) -> None:
        super().__init__(default=default, **kwargs)

    def format(self, value: t.Any) -> t.Any:
        """``int(value)``, or ``default`` for ``None``."""
        if value is None:
            return self.default
        return super().format(value)


class Boolean(Raw):
    """The truth value of the value (empty strings and collections are ``False``)."""

    def format(self, value: t.Any) -> bool:
        """``bool(value)``."""
        return bool(value)


class FormattedString(Raw):
    """A string made from the object's values with :meth:`str.format` syntax::

        fields = {"name": fields.String, "greeting": fields.FormattedString("Hello {name}")}
    """

    def __init__(self, src_str: str) -> None:
        super().__init__()
        self.src_str = str(src_str)

    def output(self, key: t.Any, obj: t.Any) -> str:
        """The formatted string."""
        try:
            return self.src_str.format(**to_marshallable_type(obj))
        except (TypeError, IndexError, KeyError) as e:
            raise MarshallingException(e) from e


class Url(Raw):
    """The URL of an endpoint, built with the object's values as URL variables (only the
    path is kept, plus scheme and host when ``absolute``).

    :param endpoint: the endpoint; ``None`` uses the current request's.
    :param absolute: include scheme and host.
    :param scheme: the scheme of an absolute URL (default: the request's).
    """

    def __init__(
        self,
        endpoint: str | None = None,
        absolute: bool = False,
        scheme: str | None = None,
        **kwargs: t.Any,
    ) -> None:
        super().__init__(**kwargs)
        self.endpoint = endpoint
        self.absolute = absolute
        self.scheme = scheme

    def output(self, key: t.Any, obj: t.Any) -> str:
        """The URL."""
        try:
            data = to_marshallable_type(obj)
            endpoint = self.endpoint if self.endpoint is not None else request.endpoint
            parts = urlsplit(url_for(endpoint, _external=self.absolute, **data))  # type: ignore[arg-type]
        except TypeError as e:
            raise MarshallingException(e) from e
        if self.absolute:
            scheme = self.scheme if self.scheme is not None else parts.scheme
            return urlunsplit((scheme, parts.netloc, parts.path, "", ""))
        return urlunsplit(("", "", parts.path, "", ""))


class Float(_Converted):
    """The value as a float (``float(value)``; ``nan`` and ``inf`` included)."""

    _convert = float


class Arbitrary(Raw):
    """A number of any precision, as a string: ``"634271127864378216478362784632784678324.23432"``."""

    def format(self, value: t.Any) -> str:
        """``str(Decimal(value))``."""
        return str(Decimal(value))


def _rfc822(dt: datetime) -> str:
    """``dt`` (naive means UTC) as an RFC 822 date in UTC:
    ``"Sat, 01 Jan 2011 00:00:00 -0000"``."""
    return formatdate(calendar.timegm(dt.utctimetuple()))


def _iso8601(dt: datetime) -> str:
    """``dt`` in ISO 8601 (:meth:`datetime.isoformat`): ``"2012-01-01T00:00:00"``."""
    return dt.isoformat()


class DateTime(Raw):
    """A datetime as an RFC 822 date in UTC (``dt_format="rfc822"``, the default) or in ISO
    8601 (``dt_format="iso8601"``, offset kept)."""

    def __init__(self, dt_format: str = "rfc822", **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self.dt_format = dt_format

    def format(self, value: t.Any) -> str:
        """The formatted datetime."""
        formatter: Callable[[datetime], str]
        if self.dt_format == "rfc822":
            formatter = _rfc822
        elif self.dt_format == "iso8601":
            formatter = _iso8601
        else:
            raise MarshallingException(f"Unsupported date format {self.dt_format}")
        try:
            return formatter(value)
        except AttributeError as e:
            raise MarshallingException(e) from e


class Fixed(Raw):
    """A decimal number as a string with ``decimals`` digits after the point (rounded half
    to even): ``Fixed(2)`` of ``3.14159`` is ``"3.14"``. Infinities and NaN are refused."""

    def __init__(self, decimals: int = 5, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self.precision = Decimal(1).scaleb(-decimals)

    def format(self, value: t.Any) -> str:
        """The rounded number."""
        try:
            number = Decimal(value)
        except (InvalidOperation, TypeError, ValueError) as e:
            raise MarshallingException(e) from e
        if not number.is_finite():
            raise MarshallingException("Invalid Fixed precision number.")
        return str(number.quantize(self.precision, rounding=ROUND_HALF_EVEN))


#: Alias of :class:`Fixed`.
Price = Fixed
