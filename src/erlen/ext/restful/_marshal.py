"""``marshal`` and its decorators: filter and format output with a dict of
:mod:`~erlen.ext.restful.fields`."""

from __future__ import annotations

import typing as t
from collections import OrderedDict

from ._calls import wrap_result
from .utils import unpack

if t.TYPE_CHECKING:  # pragma: no cover
    from .fields import Raw

__all__ = ["marshal", "marshal_with", "marshal_with_field"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def _field(field: t.Any) -> t.Any:
    # A field may be given as its class: fields.String stands for fields.String().
    return field() if isinstance(field, type) else field


def marshal(data: t.Any, fields: t.Mapping[str, t.Any], envelope: str | None = None) -> t.Any:
    """Keep only the keys of ``fields`` from ``data`` (a dict, an object, or a list or
    tuple of them), each value formatted by its field. A nested dict of fields marshals the
    same ``data`` into a sub-dict::

        >>> marshal({"a": 100, "b": "foo"}, {"a": fields.Raw})
        OrderedDict([('a', 100)])
        >>> marshal({"a": 100, "b": "foo"}, {"a": fields.Raw}, envelope="data")
        OrderedDict([('data', OrderedDict([('a', 100)]))])

    :param data: the object(s) to take the values from.
    :param fields: output key -> field (class or instance) or nested dict of fields.
    :param envelope: put the result under this key.
    """
    if isinstance(data, (list, tuple)):
        items = [marshal(item, fields) for item in data]
        return OrderedDict([(envelope, items)]) if envelope else items
    out = OrderedDict(
        (key, marshal(data, field) if isinstance(field, dict) else _field(field).output(key, data))
        for key, field in fields.items()
    )
    return OrderedDict([(envelope, out)]) if envelope else out


def _apply_to_data(transform: t.Callable[[t.Any], t.Any]) -> t.Callable[[t.Any], t.Any]:
    """``transform`` of a return value's data: a ``(data, code, headers)`` tuple keeps its
    code and headers."""

    def apply(resp: t.Any) -> t.Any:
        if isinstance(resp, tuple):
            data, code, headers = unpack(resp)
            return transform(data), code, headers
        return transform(resp)

    return apply


class marshal_with:  # noqa: N801 - Flask-RESTful's name
    """Decorator: :func:`marshal` the return value of a view or resource method.

    ::

        @marshal_with({"a": fields.Raw}, envelope="data")
        def get():
            return {"a": 100, "b": "foo"}        # -> {"data": {"a": 100}}

    A ``(data, code, headers)`` return value keeps its code and headers. Works on
    ``async def`` methods too.
    """

    def __init__(self, fields: t.Mapping[str, t.Any], envelope: str | None = None) -> None:
        self.fields = fields
        self.envelope = envelope

    def __call__(self, f: F) -> F:
        """Return the decorated ``f``."""
        return wrap_result(f, _apply_to_data(lambda data: marshal(data, self.fields, self.envelope)))


class marshal_with_field:  # noqa: N801 - Flask-RESTful's name
    """Decorator: format the return value of a view or resource method with one field.

    ::

        @marshal_with_field(fields.List(fields.Integer))
        def get():
            return ["1", 2, 3.0]                 # -> [1, 2, 3]
    """

    def __init__(self, field: Raw | type[Raw]) -> None:
        self.field = _field(field)

    def __call__(self, f: F) -> F:
        """Return the decorated ``f``."""
        return wrap_result(f, _apply_to_data(self.field.format))
