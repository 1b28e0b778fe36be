"""erlen-aware marshmallow fields (Flask-Marshmallow's ``flask_marshmallow.fields``).

``URLFor`` / ``AbsoluteURLFor`` build URLs with :func:`erlen.url_for` from the object being
dumped, ``Hyperlinks`` dumps a (nested) structure of them, ``File`` loads an uploaded
:class:`~erlen.datastructures.FileStorage` and ``Config`` dumps an app config value. Every other
field is marshmallow's own (``marshmallow.fields``); :class:`~erlen.ext.marshmallow.Marshmallow`
exposes both sets as attributes (``ma.String``, ``ma.URLFor``).
"""

from __future__ import annotations

import re
import typing as t
from collections.abc import Mapping, Sequence

from marshmallow import fields, missing

from erlen import current_app, url_for
from erlen.datastructures import FileStorage

__all__ = [
    "URLFor",
    "UrlFor",
    "AbsoluteURLFor",
    "AbsoluteUrlFor",
    "Hyperlinks",
    "File",
    "Config",
]

# "<name>" (spaces allowed inside and around the brackets) names an attribute of the object.
_ATTRIBUTE_TEMPLATE = re.compile(r"\s*<\s*(\S*)\s*>\s*")


def _tpl(value: str) -> str | None:
    """The attribute path inside ``<...>`` in ``value``, or ``None`` if it is not a template."""
    match = _ATTRIBUTE_TEMPLATE.match(value)
    return match.group(1) if match else None


def _lookup(obj: t.Any, path: str) -> t.Any:
    """The value at the dotted ``path`` in ``obj`` (keys or attributes at each step);
    ``None`` as soon as a step is ``None``, :data:`marshmallow.missing` if a step is absent.

    Unlike marshmallow's own lookup, a ``None`` on the way ends it: ``<author.id>`` of a book
    without an author is ``None``, not an error.
    """
    value = obj
    for key in path.split("."):
        if value is None:
            return None
        if hasattr(value, "__getitem__"):
            try:
                value = value[key]
                continue
            except (KeyError, IndexError, TypeError, AttributeError):
                pass
        value = getattr(value, key, missing)
        if value is missing:
            return missing
    return value


class URLFor(fields.Field):
    """Dump the URL of an endpoint, built with :func:`erlen.url_for`.

    ``values`` are ``url_for``'s keyword arguments; a string value ``"<attr>"`` (or
    ``"<attr.sub>"``) is read from the object being dumped. The field dumps ``None`` when such
    a value is ``None`` and raises ``AttributeError`` when the object has no such attribute.
    Loading returns the input unchanged. Needs an app context (a request context for relative
    URLs of the current host)::

        url = URLFor("author_get", values={"id": "<id>"})
        https_url = URLFor("author_get", values={"id": "<id>", "_scheme": "https", "_external": True})

    :param endpoint: the endpoint name.
    :param values: ``url_for`` keyword arguments, ``"<attr>"`` templates allowed.
    :param kwargs: marshmallow field arguments (``required``, ``dump_only``, ...).
    """

    _CHECK_ATTRIBUTE = False

    def __init__(
        self, endpoint: str, values: dict[str, t.Any] | None = None, **kwargs: t.Any
    ) -> None:
        self.endpoint = endpoint
        self.values = values or {}
        super().__init__(**kwargs)

    def _serialize(self, value: t.Any, attr: str | None, obj: t.Any, **kwargs: t.Any) -> t.Any:
        url_values: dict[str, t.Any] = {}
        for name, template in self.values.items():
            path = _tpl(str(template))
            if path is None:
                url_values[name] = template
                continue
            found = _lookup(obj, path)
            if found is None:
                return None
            if found is missing:
                raise AttributeError(f"{path!r} is not a valid attribute of {obj!r}")
            url_values[name] = found
        return url_for(self.endpoint, **url_values)


#: Alias of :class:`URLFor`.
UrlFor = URLFor


class AbsoluteURLFor(URLFor):
    """:class:`URLFor` with ``_external=True``: the URL includes scheme and host."""

    def __init__(
        self, endpoint: str, values: dict[str, t.Any] | None = None, **kwargs: t.Any
    ) -> None:
        values = dict(values or {})
        values["_external"] = True
        super().__init__(endpoint=endpoint, values=values, **kwargs)


#: Alias of :class:`AbsoluteURLFor`.
AbsoluteUrlFor = AbsoluteURLFor


def _dump_links(schema: t.Any, attr: str, obj: t.Any) -> t.Any:
    """``schema`` with each :class:`URLFor` (at any depth of dicts, lists and tuples)
    replaced by the URL it dumps for ``obj``."""
    if isinstance(schema, URLFor):
        return schema.serialize(attr, obj)
    if isinstance(schema, dict):
        return {key: _dump_links(value, attr, obj) for key, value in schema.items()}
    if isinstance(schema, (list, tuple)):
        return [_dump_links(value, attr, obj) for value in schema]
    return schema


class Hyperlinks(fields.Field):
    """Dump a structure of links: dicts and lists whose :class:`URLFor` leaves become URLs
    (other leaves are dumped as they are). Loading returns the input unchanged::

        _links = Hyperlinks({
            "self": {"href": URLFor("author", values={"id": "<id>"}), "title": "author"},
            "collection": URLFor("author_list"),
        })

    :param schema: the structure (a dict or list) holding :class:`URLFor` fields.
    :param kwargs: marshmallow field arguments.
    """

    _CHECK_ATTRIBUTE = False

    def __init__(self, schema: dict[str, t.Any] | list[t.Any], **kwargs: t.Any) -> None:
        self.schema = schema
        super().__init__(**kwargs)

    def _serialize(self, value: t.Any, attr: str | None, obj: t.Any, **kwargs: t.Any) -> t.Any:
        return _dump_links(self.schema, attr or "", obj)


class File(fields.Field):
    """Load an uploaded file (a :class:`~erlen.datastructures.FileStorage` from
    ``request.files``); anything else fails with "Not a valid file.". An empty value (a form
    whose file input was left empty) counts as missing. The field's metadata says
    ``type: string, format: binary`` for OpenAPI generators::

        class AvatarSchema(Schema):
            image = File(required=True, validate=validate.FileSize(max="2 MiB"))
    """

    default_error_messages = {"invalid": "Not a valid file."}

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.metadata = {**self.metadata, "type": "string", "format": "binary"}

    def deserialize(
        self,
        value: t.Any,
        attr: str | None = None,
        data: Mapping[str, t.Any] | None = None,
        **kwargs: t.Any,
    ) -> t.Any:
        """Load ``value``; an empty string or sequence is treated as missing."""
        if isinstance(value, Sequence) and len(value) == 0:
            value = missing
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(
        self, value: t.Any, attr: str | None, data: Mapping[str, t.Any] | None, **kwargs: t.Any
    ) -> FileStorage:
        if not isinstance(value, FileStorage):
            raise self.make_error("invalid")
        return value


class Config(fields.Field):
    """Dump the value of an app config key (dump only); a key missing from the config
    raises ``ValueError``::

        class InfoSchema(Schema):
            title = Config("API_TITLE")

    :param key: the config key.
    """

    _CHECK_ATTRIBUTE = False

    def __init__(self, key: str, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self.key = key

    def _serialize(self, value: t.Any, attr: str | None, obj: t.Any, **kwargs: t.Any) -> t.Any:
        config = current_app.config
        if self.key not in config:
            raise ValueError(f"The key {self.key!r} is not found in the app config.")
        return config[self.key]
