"""URL rules, rule factories and the per-rule compiled URL builders."""

from __future__ import annotations

import re
import sys
import typing as t
from string import Template
from urllib.parse import quote

from ..urls import _urlencode
from .converters import (
    PATH_SAFE,
    BaseConverter,
    IntegerConverter,
    ValidationError,
)

if t.TYPE_CHECKING:
    from types import CodeType

    from .map import Map

__all__ = [
    "EndpointPrefix",
    "Rule",
    "RuleFactory",
    "RulePart",
    "RuleTemplate",
    "RuleTemplateFactory",
    "Subdomain",
    "Submount",
    "Weighting",
    "parse_converter_args",
]


class Weighting(t.NamedTuple):
    """Sort key of a :class:`RulePart`; lower sorts (and is tried) first."""

    number_static_weights: int
    static_weights: tuple[tuple[int, int], ...]
    number_argument_weights: int
    argument_weights: tuple[int, ...]


class RulePart:
    """One ``/``-delimited part of a rule (the domain is the first part).

    ``content`` is the literal text of a static part, otherwise a regular
    expression.  A ``final`` part contains a non part-isolating converter and
    consumes the rest of the path; a ``suffixed`` one also captures an
    optional trailing slash (for slash redirects).
    """

    __slots__ = ("content", "converters", "final", "key", "pure", "static", "suffixed", "weight")

    def __init__(
        self,
        content: str,
        final: bool,
        static: bool,
        suffixed: bool,
        weight: Weighting,
        converters: tuple[tuple[str, BaseConverter], ...] = (),
        pure: bool = False,
    ) -> None:
        self.content = content
        self.final = final
        self.static = static
        self.suffixed = suffixed
        self.weight = weight
        #: ``(variable, converter)`` pairs in the order of their groups.
        self.converters = converters
        #: True if the part is exactly one converter (the value is the whole text).
        self.pure = pure
        #: Parts with equal keys share a state of the matcher.
        self.key = (content, final, static, suffixed, weight)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RulePart) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        kind = "static" if self.static else ("final" if self.final else "dynamic")
        return f"<RulePart {kind} {self.content!r}>"


_token_re = re.compile(
    r"""
    (?P<slash>/)
    | (?P<static>[^</]+)
    | <
        (?:
            (?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)
            (?:\((?P<arguments>.*?)\))?
            :
        )?
        (?P<variable>[a-zA-Z_][a-zA-Z0-9_]*)
      >
    """,
    re.VERBOSE,
)

#: ``<name>`` placeholders of a ``redirect_to`` string.
_simple_rule_re = re.compile(r"<([^>]+)>")

_arg_re = re.compile(
    r"""
    \s*
    (?:(?P<name>\w+)\s*=\s*)?
    (?:
        [uUrR]?(?P<quoted>"[^"]*"|'[^']*')
      | (?P<bare>-?[\w.]+)
    )
    \s*(?:,|$)
    """,
    re.VERBOSE,
)

_CONSTANTS: dict[str, t.Any] = {"None": None, "True": True, "False": False}


def _pythonize(value: str) -> t.Any:
    if value in _CONSTANTS:
        return _CONSTANTS[value]
    for convert in (int, float):
        try:
            return convert(value)
        except ValueError:
            pass
    return value


def parse_converter_args(argstr: str) -> tuple[tuple[t.Any, ...], dict[str, t.Any]]:
    """Parse the ``(...)`` arguments of a converter in a rule string.

    ``'2, max=10, name="x"'`` gives ``((2,), {"max": 10, "name": "x"})``.
    Bare words become ``int``, ``float``, ``True``/``False``/``None`` or
    ``str``; quoted values are always strings.  Raises :exc:`ValueError`
    on text that cannot be parsed.
    """
    args: list[t.Any] = []
    kwargs: dict[str, t.Any] = {}
    pos = 0
    end = len(argstr)
    if not argstr.strip():
        return (), {}
    while pos < end:
        m = _arg_re.match(argstr, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"Cannot parse converter argument '{argstr[pos:]}'")
        quoted = m.group("quoted")
        value = quoted[1:-1] if quoted is not None else _pythonize(m.group("bare"))
        name = m.group("name")
        if name is None:
            args.append(value)
        else:
            kwargs[name] = value
        pos = m.end()
    return tuple(args), kwargs


class RuleFactory:
    """Something that produces rules for a :class:`~erlen.routing.Map`.

    Subclasses override :meth:`get_rules`.
    """

    def get_rules(self, map: Map) -> t.Iterable[Rule]:
        """Return an iterable of :class:`Rule` objects for ``map``."""
        raise NotImplementedError()


class Subdomain(RuleFactory):
    """Put all the wrapped rules on the given subdomain (may contain converters)::

    Subdomain('<string(length=2):lang>', [Rule('/', endpoint='index')])
    """

    def __init__(self, subdomain: str, rules: t.Iterable[RuleFactory]) -> None:
        self.subdomain = subdomain
        self.rules = rules

    def get_rules(self, map: Map) -> t.Iterator[Rule]:
        """Yield copies of the wrapped rules with the subdomain set."""
        for factory in self.rules:
            for rule in factory.get_rules(map):
                rule = rule.empty()
                rule.subdomain = self.subdomain
                yield rule


class Submount(RuleFactory):
    """Prefix the path of all the wrapped rules::

    Submount('/blog', [Rule('/entry/<slug>', endpoint='blog/show')])
    """

    def __init__(self, path: str, rules: t.Iterable[RuleFactory]) -> None:
        self.path = path.rstrip("/")
        self.rules = rules

    def get_rules(self, map: Map) -> t.Iterator[Rule]:
        """Yield copies of the wrapped rules with the path prefixed."""
        for factory in self.rules:
            for rule in factory.get_rules(map):
                rule = rule.empty()
                rule.rule = self.path + rule.rule
                yield rule


class EndpointPrefix(RuleFactory):
    """Prefix the (string) endpoints of all the wrapped rules."""

    def __init__(self, prefix: str, rules: t.Iterable[RuleFactory]) -> None:
        self.prefix = prefix
        self.rules = rules

    def get_rules(self, map: Map) -> t.Iterator[Rule]:
        """Yield copies of the wrapped rules with the endpoint prefixed."""
        for factory in self.rules:
            for rule in factory.get_rules(map):
                rule = rule.empty()
                rule.endpoint = self.prefix + rule.endpoint
                yield rule


class RuleTemplate:
    """Rules with ``$placeholders`` filled in when the template is called::

        resource = RuleTemplate([Rule('/$name/', endpoint='$name.list')])
        url_map = Map([resource(name='user'), resource(name='page')])

    Placeholders are substituted in the rule, endpoint, subdomain and string
    defaults.
    """

    def __init__(self, rules: t.Iterable[Rule]) -> None:
        self.rules = list(rules)

    def __call__(self, *args: t.Any, **kwargs: t.Any) -> RuleTemplateFactory:
        """Return a factory producing the rules with the given context."""
        return RuleTemplateFactory(self.rules, dict(*args, **kwargs))


class RuleTemplateFactory(RuleFactory):
    """Fill a context into rules; used by :class:`RuleTemplate`."""

    def __init__(self, rules: t.Iterable[RuleFactory], context: dict[str, t.Any]) -> None:
        self.rules = rules
        self.context = context

    def get_rules(self, map: Map) -> t.Iterator[Rule]:
        """Yield new rules with the template placeholders substituted."""
        context = self.context
        for factory in self.rules:
            for rule in factory.get_rules(map):
                defaults = None
                if rule.defaults:
                    defaults = {
                        key: Template(value).substitute(context)
                        if isinstance(value, str)
                        else value
                        for key, value in rule.defaults.items()
                    }
                subdomain = None
                if rule.subdomain is not None:
                    subdomain = Template(rule.subdomain).substitute(context)
                endpoint = rule.endpoint
                if isinstance(endpoint, str):
                    endpoint = Template(endpoint).substitute(context)
                yield Rule(
                    Template(rule.rule).substitute(context),
                    defaults,
                    subdomain,
                    rule.methods,
                    rule.build_only,
                    endpoint,
                    rule.strict_slashes,
                )


class _MethodsTypeError(TypeError, ValueError):
    """``methods`` was a string; a ``TypeError`` (as Werkzeug) that is also a ``ValueError``."""


_PATH_SAFE_RE = re.compile(r"[A-Za-z0-9_.~!$&'()*+,/:;=@-]*")


def _quote_segment(value: t.Any) -> str:
    """``BaseConverter.to_url`` with a fast path for text that needs no quoting."""
    s = value if value.__class__ is str else str(value)
    # PERF: quote() is slow even for safe text; the checks below are much cheaper.
    if (s.isalnum() and s.isascii()) or _PATH_SAFE_RE.fullmatch(s) is not None:
        return s
    return quote(s, safe=PATH_SAFE)


#: Above this many pieces, a built URL is joined instead of concatenated with "+".
_MAX_CONCAT = 32

try:
    _INT_DIGITS_LIMIT = sys.get_int_max_str_digits() or 4300
except AttributeError:  # Python 3.10: no limit, bound int() work anyway
    _INT_DIGITS_LIMIT = 4300


class Rule(RuleFactory):
    """One URL pattern and what it maps to.

    :param string: the path, starting with ``/``, with ``<converter(args):name>``
        placeholders.  A rule ending in ``/`` is a branch: with strict slashes
        a request without the slash is redirected to it.
    :param defaults: values passed to the view when this rule matches; rules
        of the same endpoint that provide defaults become the canonical URL.
    :param subdomain: subdomain rule (may contain converters); defaults to the
        map's ``default_subdomain``.
    :param methods: HTTP methods (uppercased; ``HEAD`` is added with ``GET``).
        ``None`` allows all methods.
    :param build_only: never match, only build URLs.
    :param endpoint: anything, typically a string naming the view.
    :param strict_slashes: override :attr:`Map.strict_slashes`.
    :param merge_slashes: override :attr:`Map.merge_slashes`.
    :param redirect_to: a rule-syntax string or ``callable(adapter, **values)``
        returning the redirect target when this rule matches.
    :param alias: redirect to the canonical rule of the same endpoint.
    :param host: host rule used when the map has ``host_matching``.
    :param websocket: match only WebSocket requests.
    """

    #: Set by Flask to answer ``OPTIONS`` automatically.
    provide_automatic_options: bool = False
    # Set by Map.update(): whether a match may redirect (alias, redirect_to,
    # a rule providing defaults), and the rules that provide defaults.
    _needs_post: bool = False
    _redirect_defaults: t.Sequence[Rule] = ()

    def __init__(
        self,
        string: str,
        defaults: t.Mapping[str, t.Any] | None = None,
        subdomain: str | None = None,
        methods: t.Iterable[str] | None = None,
        build_only: bool = False,
        endpoint: t.Any | None = None,
        strict_slashes: bool | None = None,
        merge_slashes: bool | None = None,
        redirect_to: str | t.Callable[..., str] | None = None,
        alias: bool = False,
        host: str | None = None,
        websocket: bool = False,
    ) -> None:
        if not string.startswith("/"):
            raise ValueError(f"URL rule '{string}' must start with a slash.")
        self.rule = string
        self.is_leaf = not string.endswith("/")
        self.is_branch = string.endswith("/")
        self.map: Map = None  # type: ignore[assignment]
        self.strict_slashes = strict_slashes
        self.merge_slashes = merge_slashes
        self.subdomain = subdomain
        self.host = host
        self.defaults = defaults
        self.build_only = build_only
        self.alias = alias
        self.websocket = websocket

        if methods is not None:
            if isinstance(methods, str):
                raise _MethodsTypeError("'methods' should be a list of strings.")
            methods = {m.upper() for m in methods}
            if "GET" in methods:
                methods.add("HEAD")
            if websocket and methods - {"GET", "HEAD", "OPTIONS"}:
                raise ValueError(
                    "WebSocket rules can only use 'GET', 'HEAD', and 'OPTIONS' methods."
                )
        self.methods: set[str] | None = methods
        self.endpoint: t.Any = endpoint
        self.redirect_to = redirect_to
        self.arguments: set[str] = set(map(str, defaults)) if defaults else set()

        self._converters: dict[str, BaseConverter] = {}
        self._trace: list[tuple[bool, str]] = []
        self._parts: list[RulePart] = []
        self._builders: tuple[t.Any, t.Any] | None = None

    def empty(self) -> Rule:
        """Return an unbound copy of this rule (see :meth:`get_empty_kwargs`)."""
        return type(self)(self.rule, **self.get_empty_kwargs())

    def get_empty_kwargs(self) -> t.Mapping[str, t.Any]:
        """Keyword arguments :meth:`empty` passes to the new rule; override
        in subclasses with extra constructor arguments."""
        return {
            "defaults": dict(self.defaults) if self.defaults else None,
            "subdomain": self.subdomain,
            "methods": self.methods,
            "build_only": self.build_only,
            "endpoint": self.endpoint,
            "strict_slashes": self.strict_slashes,
            "merge_slashes": self.merge_slashes,
            "redirect_to": self.redirect_to,
            "alias": self.alias,
            "host": self.host,
            "websocket": self.websocket,
        }

    def get_rules(self, map: Map) -> t.Iterator[Rule]:
        """A rule is its own factory."""
        yield self

    def refresh(self) -> None:
        """Recompile after modifying the rule in place."""
        self.bind(self.map, rebind=True)

    def bind(self, map: Map, rebind: bool = False) -> None:
        """Bind to ``map``, filling unset options from it, and compile."""
        if self.map is not None and not rebind:
            raise RuntimeError(f"url rule {self!r} already bound to map {self.map!r}")
        self.map = map
        if self.strict_slashes is None:
            self.strict_slashes = map.strict_slashes
        if self.merge_slashes is None:
            self.merge_slashes = map.merge_slashes
        if self.subdomain is None:
            self.subdomain = map.default_subdomain
        self.compile()
        if rebind:
            map._invalidate()

    def get_converter(
        self,
        variable_name: str,
        converter_name: str,
        args: tuple[t.Any, ...],
        kwargs: t.Mapping[str, t.Any],
    ) -> BaseConverter:
        """Instantiate the converter ``converter_name`` of the map."""
        if converter_name not in self.map.converters:
            raise LookupError(f"the converter {converter_name!r} does not exist")
        return self.map.converters[converter_name](self.map, *args, **kwargs)

    def _encode_query_vars(self, query_vars: t.Mapping[str, t.Any]) -> str:
        return _urlencode(query_vars, self.map.sort_parameters, self.map.sort_key)

    def _parse_rule(self, rule: str) -> t.Iterator[RulePart]:
        """Split ``rule`` into parts at slashes, recording the trace and converters."""
        content = ""
        static = True
        final = False
        static_weights: list[tuple[int, int]] = []
        argument_weights: list[int] = []
        converters: list[tuple[str, BaseConverter]] = []
        tokens = 0
        pos = 0
        end = len(rule)

        def make_part(content: str, suffixed: bool = False) -> RulePart:
            weight = Weighting(
                -len(static_weights),
                tuple(static_weights),
                -len(argument_weights),
                tuple(argument_weights),
            )
            pure = len(converters) == 1 and tokens == 1
            return RulePart(content, final, static, suffixed, weight, tuple(converters), pure)

        while pos < end:
            m = _token_re.match(rule, pos)
            if m is None:
                raise ValueError(f"malformed url rule: {rule!r}")
            pos = m.end()
            text = m.group("static")
            if text is not None:
                static_weights.append((len(static_weights), -len(text)))
                self._trace.append((False, text))
                content += text if static else re.escape(text)
                tokens += 1
                continue
            name = m.group("variable")
            if name is not None:
                if static:
                    content = re.escape(content)
                static = False
                if name in self._converters:
                    raise ValueError(f"variable name {name!r} used twice in url rule {rule!r}")
                args, kwargs = parse_converter_args(m.group("arguments") or "")
                conv = self.get_converter(name, m.group("converter") or "default", args, kwargs)
                self._converters[name] = conv
                self.arguments.add(name)
                if not conv.part_isolating:
                    final = True
                content += f"(?P<__erlen_{len(converters)}>{conv.regex})"
                converters.append((name, conv))
                argument_weights.append(conv.weight)
                self._trace.append((True, name))
                tokens += 1
                continue
            # a slash
            self._trace.append((False, "/"))
            if final:
                content += "/"
                tokens += 1
                continue
            if not static:
                content += r"\Z"
            yield make_part(content)
            content = ""
            static = True
            final = False
            static_weights = []
            argument_weights = []
            converters = []
            tokens = 0

        suffixed = final and content.endswith("/")
        if suffixed:
            # A trailing slash after a slash-matching converter is optional in
            # the regex so that its absence can trigger the slash redirect.
            content = content[:-1] + "(?<!/)(/?)"
        if not static:
            content += r"\Z"
        last = make_part(content, suffixed)
        yield last
        if suffixed:
            yield RulePart("", False, True, False, last.weight)

    def compile(self) -> None:
        """Parse the rule (and its domain rule) into parts for the matcher."""
        assert self.map is not None, "rule not bound"
        if self.map.host_matching:
            domain_rule = self.host or ""
        else:
            domain_rule = self.subdomain or ""
        self._parts = []
        self._trace = []
        self._converters = {}
        self._builders = None
        if domain_rule == "":
            self._parts.append(RulePart("", False, True, False, Weighting(0, (), 0, ())))
        else:
            self._parts.extend(self._parse_rule(domain_rule))
        self._trace.append((False, "|"))
        rule = self.rule
        if self.merge_slashes:
            rule = re.sub("/{2,}", "/", rule)
        self._parts.extend(self._parse_rule(rule))

    # -- matching support -------------------------------------------------

    def _convert(self, values: t.Sequence[str]) -> dict[str, t.Any]:
        """Run ``to_python`` over matched texts (in part order); may raise
        :exc:`ValidationError`."""
        result = {
            name: conv.to_python(value)
            for (name, conv), value in zip(self._converters.items(), values, strict=False)
        }
        if self.defaults:
            result.update(self.defaults)
        return result

    # -- building ---------------------------------------------------------

    def _get_builders(self) -> tuple[t.Any, t.Any]:
        builders = self._builders
        if builders is None:
            builders = self._builders = (
                self._compile_builder(checked=False),
                self._compile_builder(checked=True),
            )
        return builders

    def _compile_builder(self, checked: bool) -> t.Callable[..., tuple[str, str] | None]:
        """Generate ``build(values, append_unknown, keep_none=False) -> (domain, path) | None``.

        The checked variant also does :meth:`suitable_for` (minus the method)
        so the adapter can try rules with a single call each.
        """
        defaults = self.defaults or {}
        ns: dict[str, t.Any] = {
            "_VE": ValidationError,
            "_quote": _quote_segment,
            "_encode": self._encode_query_vars,
        }
        lines = ["def build(values, append_unknown, keep_none=False):"]
        required = [name for name in self._converters if name not in defaults]
        if checked:
            # suitable_for(). A None value counts as not given (Werkzeug ignores the None
            # values of a plain mapping), unless ``keep_none`` (values from a MultiDict,
            # which Werkzeug hands to the converters as they are).
            for name in required:
                lines.append(
                    f"    if values.get({name!r}) is None and not (keep_none and {name!r} in values):"
                    " return None"
                )
            for i, (key, value) in enumerate(defaults.items()):
                ns[f"_D{i}"] = value
                lines.append(f"    v = values.get({key!r})")
                lines.append(
                    f"    if (v is not None or (keep_none and {key!r} in values)) and v != _D{i}:"
                    " return None"
                )

        def expr_for(ops: list[tuple[bool, str]]) -> str:
            # Fold adjacent constants, then concatenate.
            pieces: list[str] = []
            const = ""
            for dynamic, data in ops:
                if not dynamic:
                    const += data
                    continue
                if const:
                    pieces.append(repr(const))
                    const = ""
                pieces.append(data)
            if const or not pieces:
                pieces.append(repr(const))
            if len(pieces) > _MAX_CONCAT:
                # A chain of "+" nests one level per piece and hits the compiler's
                # recursion limit for rules with thousands of variables; a tuple is flat.
                return f"''.join(({', '.join(pieces)},))"
            # PERF: "+" is cheaper than a join for the few pieces of a usual rule.
            return " + ".join(pieces)

        domain_ops: list[tuple[bool, str]] = []
        path_ops: list[tuple[bool, str]] = []
        ops = domain_ops
        code: str | CodeType  # an expression here, the compiled function's code below
        for n, (dynamic, data) in enumerate(self._trace):
            if not dynamic:
                if data == "|" and ops is domain_ops:
                    ops = path_ops
                    continue
                ops.append((False, quote(data, safe=PATH_SAFE)))
                continue
            conv = self._converters[data]
            if data in defaults:
                ops.append((False, conv.to_url(defaults[data])))
                continue
            value = f"values[{data!r}]"
            conv_type = type(conv)
            if conv_type.to_url is BaseConverter.to_url:
                code = f"_quote({value})"
            elif conv_type is IntegerConverter:
                # mypy does not narrow ``conv`` through ``conv_type is IntegerConverter``.
                code = f"str(int({value}))"
                if conv.fixed_digits:  # type: ignore[attr-defined]
                    code += f".zfill({int(conv.fixed_digits)})"  # type: ignore[attr-defined]
            else:
                ns[f"_C{n}"] = conv
                code = f"_C{n}.to_url({value})"
            ops.append((True, code))

        lines.append("    try:")
        lines.append(f"        domain = {expr_for(domain_ops)}")
        lines.append(f"        path = {expr_for(path_ops)}")
        lines.append("    except _VE:")
        lines.append("        return None")
        known = set(self.arguments) | {str(k) for k in defaults}
        ns["_KNOWN"] = frozenset(known)
        # Every required key is present (checked variant), so more keys than
        # that means there may be unknown ones for the query string.
        lines.append(f"    if append_unknown and len(values) > {len(required) if checked else 0}:")
        lines.append("        extra = {k: v for k, v in values.items() if k not in _KNOWN}")
        lines.append("        if extra:")
        lines.append("            query = _encode(extra)")
        lines.append("            if query:")
        lines.append("                path = path + '?' + query")
        lines.append("    return domain, path")
        code = compile("\n".join(lines), f"<erlen build {self.rule!r}>", "exec")
        exec(code, ns)
        return ns["build"]

    def build(
        self, values: t.Mapping[str, t.Any], append_unknown: bool = True
    ) -> tuple[str, str] | None:
        """Return ``(domain_part, path)`` for ``values``, or ``None`` if a
        converter rejected a value.  Values not in the rule become the query
        string if ``append_unknown``.
        """
        return self._get_builders()[0](values, append_unknown)

    def provides_defaults_for(self, rule: Rule) -> bool:
        """True if this rule holds the defaults (canonical URL) for ``rule``."""
        return bool(
            not self.build_only
            and self.defaults
            and self.endpoint == rule.endpoint
            and self != rule
            and self.arguments == rule.arguments
        )

    def suitable_for(self, values: t.Mapping[str, t.Any], method: str | None = None) -> bool:
        """True if ``values`` (and ``method``) are enough to build this rule.

        Every argument must be given or defaulted, and given values for
        defaulted keys must equal the defaults.
        """
        if method is not None and self.methods is not None and method not in self.methods:
            return False
        defaults = self.defaults or ()
        for key in self.arguments:
            if key not in defaults and key not in values:
                return False
        if defaults:
            for key, value in defaults.items():
                if key in values and value != values[key]:
                    return False
        return True

    def build_compare_key(self) -> tuple[int, int, int]:
        """Sort key for building: non-aliases, then more arguments, then more defaults."""
        return (1 if self.alias else 0, -len(self.arguments), -len(self.defaults or ()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self)) and self._trace == other._trace

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.rule

    def __repr__(self) -> str:
        if self.map is None:
            return f"<{type(self).__name__} (unbound)>"
        text = "".join(f"<{data}>" if dynamic else data for dynamic, data in self._trace)
        text = text.lstrip("|")
        methods = f" ({', '.join(self.methods)})" if self.methods is not None else ""
        return f"<{type(self).__name__} {text!r}{methods} -> {self.endpoint}>"
