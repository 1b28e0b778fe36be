"""URL converters: turn a matched URL part into a Python value and back.

A converter class declares the ``regex`` that a variable part must match, a
``weight`` used to order rules (lower is tried first) and whether it is
``part_isolating`` (matches within one ``/``-delimited segment).  The router
compiles the common built-in converters into plain string checks; any other
converter is matched through its ``regex`` and converted with
:meth:`BaseConverter.to_python`.
"""

from __future__ import annotations

import math
import re
import typing as t
import uuid
from decimal import Decimal
from types import MappingProxyType
from urllib.parse import quote

if t.TYPE_CHECKING:
    from .map import Map

__all__ = [
    "DEFAULT_CONVERTERS",
    "AnyConverter",
    "BaseConverter",
    "FloatConverter",
    "IntegerConverter",
    "NumberConverter",
    "PathConverter",
    "UUIDConverter",
    "UnicodeConverter",
    "ValidationError",
]

#: Characters left unquoted in a path segment, per
#: https://url.spec.whatwg.org/#url-path-segment-string (``/`` kept too).
PATH_SAFE = "!$&'()*+,/:;=@"


class ValidationError(ValueError):
    """Raised by :meth:`BaseConverter.to_python` to reject a matched value.

    The rule then does not match and the router goes on with the next
    candidate rule, as if the URL had not matched the converter's regex.
    """


class BaseConverter:
    """Base class for URL converters.

    :param map: the :class:`~erlen.routing.Map` the rule is bound to.

    Subclasses set :attr:`regex` and override :meth:`to_python` and
    :meth:`to_url`.  A subclass that defines its own ``regex`` containing a
    ``/`` becomes non-``part_isolating`` unless it says otherwise.
    """

    #: Regular expression a variable part must match.
    regex: str = "[^/]+"
    #: Ordering weight; rules with lighter converters are tried first.
    weight: int = 100
    #: ``False`` if the converter may match across ``/`` (like ``path``).
    part_isolating: bool = True

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        # A subclass with its own regex is part isolating unless that regex
        # can match a slash (and it did not decide explicitly).
        if "regex" in cls.__dict__ and "part_isolating" not in cls.__dict__:
            cls.part_isolating = "/" not in cls.regex

    def __init__(self, map: Map, *args: t.Any, **kwargs: t.Any) -> None:
        self.map = map

    def to_python(self, value: str) -> t.Any:
        """Convert the matched URL text to the view argument value."""
        return value

    def to_url(self, value: t.Any) -> str:
        """Convert a value to URL text, percent-encoding unsafe characters."""
        return quote(str(value), safe=PATH_SAFE)


class UnicodeConverter(BaseConverter):
    """The default converter: any text within one path segment.

    ``Rule('/pages/<page>')`` or ``Rule('/<string(length=2):lang>')``.

    :param minlength: minimum length of the text (default 1).
    :param maxlength: maximum length of the text.
    :param length: exact length of the text (overrides the others).
    """

    def __init__(
        self,
        map: Map,
        minlength: int = 1,
        maxlength: int | None = None,
        length: int | None = None,
    ) -> None:
        super().__init__(map)
        if length is not None:
            quantifier = f"{{{int(length)}}}"
        else:
            upper = "" if maxlength is None else str(int(maxlength))
            quantifier = f"{{{int(minlength)},{upper}}}"
        self.regex = f"[^/]{quantifier}"


class AnyConverter(BaseConverter):
    """Match one of a fixed set of items.

    ``Rule('/<any(about, help, "foo,bar"):page>')``; building a URL with a
    value outside the set raises :exc:`ValueError`, and so does an item containing
    ``/`` (it could never match one path segment).
    """

    def __init__(self, map: Map, *items: str) -> None:
        super().__init__(map)
        for item in items:
            if "/" in item:
                # It would be built, but a path segment never matches it.
                raise ValueError(f"any() items cannot contain '/': {item!r}")
        self.items = set(items)
        self.regex = "(?:" + "|".join(re.escape(item) for item in items) + ")"

    def to_url(self, value: t.Any) -> str:
        """Return ``value``, quoted for a path, if it is one of the items."""
        if value in self.items:
            return quote(str(value), safe=PATH_SAFE)
        choices = ", ".join(f"'{item}'" for item in sorted(self.items))
        raise ValueError(f"'{value}' is not one of {choices}")


class PathConverter(BaseConverter):
    """Like the default converter but also matches slashes.

    ``Rule('/<path:page>')`` or ``Rule('/<path:page>/edit')``.
    """

    part_isolating = False
    regex = "[^/].*?"
    weight = 200


class NumberConverter(BaseConverter):
    """Shared implementation of :class:`IntegerConverter` and :class:`FloatConverter`.

    :param fixed_digits: exact number of digits required in the URL (0: any).
    :param min: smallest accepted value.
    :param max: largest accepted value.
    :param signed: also accept negative values.
    """

    weight = 50
    #: Callable turning the matched text into a number.
    num_convert: t.Callable[[t.Any], t.Any] = int

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        if signed:
            self.regex = self.signed_regex
        super().__init__(map)
        self.fixed_digits = fixed_digits
        self.min = min
        self.max = max
        self.signed = signed

    def to_python(self, value: str) -> t.Any:
        """Parse the number, raising :exc:`ValidationError` if out of bounds."""
        if self.fixed_digits and len(value) != self.fixed_digits:
            raise ValidationError()
        try:
            number = self.num_convert(value)
        except ValueError as e:
            raise ValidationError() from e
        if (self.min is not None and number < self.min) or (
            self.max is not None and number > self.max
        ):
            raise ValidationError()
        return number

    def to_url(self, value: t.Any) -> str:
        """Format the number, zero padded to ``fixed_digits``."""
        text = str(self.num_convert(value))
        if self.fixed_digits:
            text = text.zfill(self.fixed_digits)
        return text

    @property
    def signed_regex(self) -> str:
        """The class regex with an optional leading minus sign."""
        return f"-?{self.regex}"


class IntegerConverter(NumberConverter):
    """Match a non-negative integer (or any integer with ``signed=True``).

    ``Rule('/page/<int:page>')``, ``Rule('/<int(fixed_digits=4):year>')``.
    """

    regex = r"\d+"


class FloatConverter(NumberConverter):
    """Match a decimal number such as ``1.5`` (``signed=True`` allows ``-1.5``).

    :param min: smallest accepted value.
    :param max: largest accepted value.
    :param signed: also accept negative values.
    """

    regex = r"\d+\.\d+"
    num_convert = float

    def __init__(
        self,
        map: Map,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, min=min, max=max, signed=signed)  # type: ignore[arg-type]

    def to_url(self, value: t.Any) -> str:
        """Format the number in positional notation, the form :attr:`regex` matches.

        ``str(1e16)`` is ``'1e+16'``, which the rule would not match again; this gives
        ``'10000000000000000.0'``. Infinities and NaN have no such form: they raise
        :exc:`ValidationError`, so the URL cannot be built.
        """
        number = float(value)
        if not math.isfinite(number):
            raise ValidationError(f"{value!r} cannot be written in a URL as a decimal number")
        # repr() is the shortest text that reads back as the same float; Decimal
        # re-formats it without an exponent.
        text = format(Decimal(repr(number)), "f")
        return text if "." in text else f"{text}.0"


class UUIDConverter(BaseConverter):
    """Match a UUID in its canonical hex form and convert it to :class:`uuid.UUID`."""

    regex = (
        r"[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-"
        r"[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}"
    )

    def to_python(self, value: str) -> uuid.UUID:
        """Return the :class:`uuid.UUID` for the matched text."""
        return uuid.UUID(value)

    def to_url(self, value: uuid.UUID) -> str:
        """Return the canonical text of the UUID."""
        return str(value)


#: The converters every :class:`~erlen.routing.Map` starts with.
DEFAULT_CONVERTERS: t.Mapping[str, type[BaseConverter]] = MappingProxyType(
    {
        "default": UnicodeConverter,
        "string": UnicodeConverter,
        "any": AnyConverter,
        "path": PathConverter,
        "int": IntegerConverter,
        "float": FloatConverter,
        "uuid": UUIDConverter,
    }
)
