"""Request argument parsing (Flask-RESTful's ``flask_restful.reqparse``).

::

    parser = reqparse.RequestParser()
    parser.add_argument("rate", type=int, required=True, help="Rate: {error_msg}")
    parser.add_argument("tag", action="append", location="args")
    args = parser.parse_args()          # 400 {"message": {"rate": "Rate: ..."}} when invalid

An argument is looked up in request attributes named by ``location`` (``"json"``,
``"values"``, ``"args"``, ``"form"``, ``"headers"``, ``"cookies"``, ``"files"``,
``"view_args"``, ...). The ``json`` location is the parsed body when the request says it is
JSON and nothing otherwise, as Flask-RESTful was designed (on Werkzeug 2.3 and later its
``request.json`` answers 415 for any other body, so every parser with the default locations
failed non-JSON requests).
"""

from __future__ import annotations

import decimal
import typing as t
from collections.abc import MutableSequence
from copy import deepcopy

import erlen.ext.restful as _restful
from erlen import current_app, has_app_context, request
from erlen.datastructures import FileStorage, MultiDict
from erlen.exceptions import BadRequest
from erlen.wrappers.request import Request as _Request

__all__ = ["Argument", "Namespace", "RequestParser"]


class Namespace(dict[str, t.Any]):
    """The result of :meth:`RequestParser.parse_args`: a dict whose keys are also
    attributes (``args.rate`` is ``args["rate"]``)."""

    def __getattr__(self, name: str) -> t.Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: t.Any) -> None:
        self[name] = value


_friendly_location = {
    "json": "the JSON body",
    "form": "the post body",
    "args": "the query string",
    "values": "the post body or the query string",
    "headers": "the HTTP headers",
    "cookies": "the request's cookies",
    "files": "an uploaded file",
}


def text_type(value: t.Any) -> str:
    """The default type of an :class:`Argument`: ``str(value)``."""
    return str(value)


def _read_location(req: t.Any, location: str) -> t.Any:
    """The request's ``location`` attribute (called if it is a method), or ``None``.

    ``json`` is the parsed body of a JSON request when it is an object: a list or a scalar
    body has no named arguments (and must not break the merge of locations).
    """
    if location == "json" and isinstance(req, _Request):
        data = req.get_json() if req.is_json else None
        return data if isinstance(data, dict) else None
    value = getattr(req, location, None)
    if callable(value):
        value = value()
    return value


def _bundling(bundle_errors: bool) -> bool:
    """Whether errors are collected instead of answered at the first one."""
    return bundle_errors or (has_app_context() and current_app.config.get("BUNDLE_ERRORS", False))


class Argument:
    """One argument of a :class:`RequestParser`.

    :param name: the argument's name in the request.
    :param default: the value when the argument is absent (called if callable).
    :param dest: the key of the value in the parsed namespace (default: ``name``).
    :param required: answer 400 when the argument is absent.
    :param ignore: skip values that the type cannot convert instead of answering 400.
    :param type: a callable converting each value; it is called with ``(value, name,
        operator)``, ``(value, name)`` or ``(value)``, whichever it accepts. Its exception's
        message is the error shown.
    :param location: the request attribute(s) to read: one name or a sequence of them (a
        later one wins when a name is in several).
    :param choices: the allowed values (after conversion).
    :param action: ``"store"`` keeps the first value, ``"append"`` a list of all of them.
    :param help: the error message; ``{error_msg}`` in it is replaced by the type's error.
    :param operators: suffixes of the name to read too (``">="`` reads ``name>=``).
    :param case_sensitive: when false, string values (and choices) are lower-cased.
    :param store_missing: put ``default`` in the namespace when the argument is absent.
    :param trim: strip whitespace around string values.
    :param nullable: accept ``null`` (a JSON ``None``); when false it is an error.
    """

    # The type last used by convert() and how many arguments it accepted.
    _arity: tuple[t.Callable[..., t.Any], int] | None = None

    def __init__(
        self,
        name: str,
        default: t.Any = None,
        dest: str | None = None,
        required: bool = False,
        ignore: bool = False,
        type: t.Callable[..., t.Any] = text_type,
        location: str | t.Sequence[str] = ("json", "values"),
        choices: t.Container[t.Any] = (),
        action: str = "store",
        help: str | None = None,
        operators: t.Sequence[str] = ("=",),
        case_sensitive: bool = True,
        store_missing: bool = True,
        trim: bool = False,
        nullable: bool = True,
    ) -> None:
        self.name = name
        self.default = default
        self.dest = dest
        self.required = required
        self.ignore = ignore
        self.location = location
        self.type = type
        self.choices = choices
        self.action = action
        self.help = help
        self.case_sensitive = case_sensitive
        self.operators = operators
        self.store_missing = store_missing
        self.trim = trim
        self.nullable = nullable

    def __str__(self) -> str:
        choices: t.Any = self.choices
        if isinstance(choices, (list, tuple)) and len(choices) > 5:
            choices = [*choices[:3], "...", choices[-1]]
        return f"Name: {self.name}, type: {self.type}, choices: {choices}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}('{self.name}', default={self.default}, dest={self.dest},"
            f" required={self.required}, ignore={self.ignore}, location={self.location},"
            f' type="{self.type}", choices={self.choices}, action=\'{self.action}\','
            f" help={self.help}, case_sensitive={self.case_sensitive},"
            f" operators={self.operators}, store_missing={self.store_missing},"
            f" trim={self.trim}, nullable={self.nullable})"
        )

    def source(self, request: t.Any) -> t.Any:
        """The mapping the argument is read from: the location's value, or the locations'
        values merged into one :class:`~erlen.datastructures.MultiDict`."""
        if isinstance(self.location, str):
            value = _read_location(request, self.location)
            return value if value is not None else MultiDict()
        values: MultiDict[str, t.Any] = MultiDict()
        for location in self.location:
            value = _read_location(request, location)
            if value is not None:
                values.update(value)
        return values

    def convert(self, value: t.Any, op: str | None) -> t.Any:
        """``value`` converted by :attr:`type` (``None`` stays ``None`` if nullable).

        :raise ValueError: ``None`` while not nullable; any error of the type.
        """
        if value is None:
            if self.nullable:
                return None
            raise ValueError("Must not be null!")
        convert = self.type
        if convert is FileStorage and isinstance(value, FileStorage):
            return value
        if convert is decimal.Decimal:
            # Decimal(str(...)) keeps the JSON number as written (89.92, not 89.9199...).
            return decimal.Decimal(str(value))
        # PERF: remember how many arguments the type took (3, 2 or 1), so int, str and the
        # like are not called twice in vain (with a TypeError each) for every value.
        arity = self._arity
        if arity is not None and arity[0] is convert:
            return convert(*(value, self.name, op)[: arity[1]])
        for count in (3, 2):
            try:
                result = convert(*(value, self.name, op)[:count])
            except TypeError:
                continue
            self._arity = (convert, count)
            return result
        result = convert(value)
        self._arity = (convert, 1)
        return result

    def handle_validation_error(
        self, error: BaseException, bundle_errors: bool
    ) -> tuple[BaseException, dict[str, str]] | None:
        """Answer 400 with ``{"message": {name: error}}``; with error bundling (the
        parser's ``bundle_errors`` or the ``BUNDLE_ERRORS`` config), return ``(error,
        {name: message})`` instead."""
        error_str = str(error)
        error_msg = self.help.format(error_msg=error_str) if self.help else error_str
        msg = {self.name: error_msg}
        if _bundling(bundle_errors):
            return error, msg
        _restful.abort(400, message=msg)
        return None

    def parse(self, request: t.Any, bundle_errors: bool = False) -> tuple[t.Any, t.Any]:
        """``(value, found)`` for this argument in ``request`` (``(error, {name: message})``
        for an error while bundling)."""
        source = self.source(request)
        results = []
        choices = self.choices
        for operator in self.operators:
            name = self.name + operator.replace("=", "", 1)
            if name not in source:
                continue
            if hasattr(source, "getlist"):
                values = source.getlist(name)
            else:
                values = source.get(name)
                if not (isinstance(values, MutableSequence) and self.action == "append"):
                    values = [values]
            for value in values:
                if self.trim and hasattr(value, "strip"):
                    value = value.strip()
                if not self.case_sensitive and hasattr(value, "lower"):
                    value = value.lower()
                    if hasattr(choices, "__iter__"):
                        choices = [c.lower() if isinstance(c, str) else c for c in choices]
                try:
                    value = self.convert(value, operator)
                except Exception as error:
                    if self.ignore:
                        continue
                    return self.handle_validation_error(error, bundle_errors)  # type: ignore[return-value]
                if choices and value not in choices:
                    invalid = self.handle_validation_error(
                        ValueError(f"{value} is not a valid choice"), bundle_errors
                    )
                    if invalid is not None:
                        return invalid
                unparsed = getattr(request, "unparsed_arguments", None)
                if unparsed:
                    unparsed.pop(name, None)
                results.append(value)

        if not results and self.required:
            if isinstance(self.location, str):
                where = _friendly_location.get(self.location, self.location)
            else:
                where = " or ".join(_friendly_location.get(loc, loc) for loc in self.location)
            invalid = self.handle_validation_error(
                ValueError(f"Missing required parameter in {where}"), bundle_errors
            )
            if invalid is not None:
                return invalid

        if not results:
            return (self.default() if callable(self.default) else self.default), False
        if self.action == "append":
            return results, True
        if self.action == "store" or len(results) == 1:
            return results[0], True
        return results, True


class RequestParser:
    """A set of :class:`Argument` parsed from a request together.

    :param argument_class: the class :meth:`add_argument` makes.
    :param namespace_class: the class of :meth:`parse_args`'s result.
    :param trim: strip whitespace around every string value (unless an argument says
        otherwise).
    :param bundle_errors: report every invalid argument at once instead of the first.
    """

    def __init__(
        self,
        argument_class: type[Argument] = Argument,
        namespace_class: type[t.Any] = Namespace,
        trim: bool = False,
        bundle_errors: bool = False,
    ) -> None:
        self.args: list[Argument] = []
        self.argument_class = argument_class
        self.namespace_class = namespace_class
        self.trim = trim
        self.bundle_errors = bundle_errors

    def add_argument(self, *args: t.Any, **kwargs: t.Any) -> RequestParser:
        """Add an :class:`Argument` (given, or made from these arguments); returns the
        parser for chaining."""
        if len(args) == 1 and isinstance(args[0], self.argument_class):
            self.args.append(args[0])
        else:
            self.args.append(self.argument_class(*args, **kwargs))
        if self.trim and self.argument_class is Argument:
            self.args[-1].trim = kwargs.get("trim", self.trim)
        return self

    def parse_args(
        self, req: t.Any = None, strict: bool = False, http_error_code: int = 400
    ) -> t.Any:
        """Parse the arguments from ``req`` (default: the current request).

        :param strict: answer 400 when the request has arguments the parser does not know.
        :param http_error_code: the status of the answer to invalid arguments.
        :raise HTTPException: ``http_error_code`` with ``{"message": {name: error}}``.
        """
        if req is None:
            req = request
        namespace = self.namespace_class()
        # Arguments not yet claimed by an Argument; each one parsed is taken out.
        req.unparsed_arguments = dict(self.argument_class("").source(req)) if strict else {}
        errors: dict[str, str] = {}
        for arg in self.args:
            value, found = arg.parse(req, self.bundle_errors)
            # Any error of the type, not only a ValueError (Flask-RESTful's test): a
            # TypeError (``type=dict`` given a JSON list) must not become the value.
            if isinstance(value, Exception):
                errors.update(found)
                found = None
            if found or arg.store_missing:
                namespace[arg.dest or arg.name] = value
        if errors:
            _restful.abort(http_error_code, message=errors)
        if strict and req.unparsed_arguments:
            unknown = ", ".join(req.unparsed_arguments.keys())
            raise BadRequest(f"Unknown arguments: {unknown}")
        return namespace

    def copy(self) -> RequestParser:
        """A new parser with copies of this one's arguments and settings."""
        parser = type(self)(self.argument_class, self.namespace_class)
        parser.args = deepcopy(self.args)
        parser.trim = self.trim
        parser.bundle_errors = self.bundle_errors
        return parser

    def replace_argument(self, name: str, *args: t.Any, **kwargs: t.Any) -> RequestParser:
        """Replace the argument called ``name`` by a new one made from these arguments."""
        new_arg = self.argument_class(name, *args, **kwargs)
        for index, arg in enumerate(self.args):
            if arg.name == new_arg.name:
                del self.args[index]
                self.args.append(new_arg)
                break
        return self

    def remove_argument(self, name: str) -> RequestParser:
        """Remove the argument called ``name``."""
        for index, arg in enumerate(self.args):
            if arg.name == name:
                del self.args[index]
                break
        return self
