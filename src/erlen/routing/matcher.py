"""The compiled matcher: rules -> a state tree -> generated Python source.

Matching follows Werkzeug's state machine exactly: the request is split into
``[domain, *path.split("/")]`` and walked through a tree of rule parts,
depth first, trying static transitions before dynamic ones, and dynamic ones
in weight order.  At a leaf the first rule accepting the method (and the
protocol, HTTP or WebSocket) wins.  Instead of interpreting the tree, it is
turned into nested ``if`` statements (the model is Falcon's compiled router):

* static transitions are string comparisons, or a dict dispatch to a
  sub-function when a state has many of them (keeps matching time flat);
* the built-in converters are inlined (``int`` is ``str.isdecimal()``, the
  default converter a non-empty check, ``any`` a set membership, ``path``
  a slice check) and other converters use their compiled regex;
* a leaf tests the method against its rule's methods, or looks the rule up in a
  table per method when it has several rules.

A ``ValidationError`` from a converter means the rule does not match and the
search goes on (Werkzeug stops with a 404 instead).  Rules without converters
are answered from a dict before the walk.  The generated ``lookup`` returns
``(rule, values)``, else what the map's failure function makes of :data:`SLASH`
(the path needs a trailing slash) or ``None``, given the leaves that rejected the
method (for the 405 ``Allow`` set); see :class:`CompiledMatcher`.
"""

from __future__ import annotations

import re
import sys
import typing as t
import uuid

from .converters import (
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    UUIDConverter,
    ValidationError,
)
from .rules import _INT_DIGITS_LIMIT, RulePart

if t.TYPE_CHECKING:
    from .rules import Rule

__all__ = ["NORMALISE", "SLASH", "CompiledMatcher", "State", "build_tree"]


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: Handed to the failure function when the path matches only with a trailing slash.
SLASH: t.Any = _Marker("SLASH")
#: Handed to the failure function when the path is not normalised (it does not start
#: with exactly one "/"): it is matched again once its leading slashes are merged.
NORMALISE: t.Any = _Marker("NORMALISE")

# Static transitions above this count dispatch through a dict of functions.
# PERF: a call costs as much as a few failed ``==``; 8 keeps both paths short.
_FANOUT = 8
# Longest remaining path a final part with several slash-matching converters
# is matched against: its regex backtracks quadratically (8 KiB: ~0.1 s worst case,
# beyond the request line limit of common servers); longer paths do not match.
_MAX_MULTI_FINAL = 8192
# Indentation depth at which a state is moved into its own function, far
# below CPython's parser limits.
_MAX_INDENT = 40
# The arguments every generated function after the entry point takes.
_ARGS = ["sp", "ln", "method", "miss", "dom", "path", "fail"]
# How the walk ends without a match (SLASH, NORMALISE or None): the caller's failure function.
_FAIL = "fail({}, dom, path, method, miss, _WS)"
# Whether ``int()`` itself refuses digit strings over the ``int`` converter's limit
# (3.11+: both are the interpreter's limit at import). The generated code then catches
# int()'s ValueError instead of testing the length first, so a limit changed later with
# ``sys.set_int_max_str_digits`` applies to matching too.
_INT_LIMITED = getattr(sys, "get_int_max_str_digits", lambda: 0)() == _INT_DIGITS_LIMIT


class State:
    """A node of the rule tree: rules ending here and transitions onward."""

    __slots__ = ("dynamic", "rules", "static")

    def __init__(self) -> None:
        self.static: dict[str, State] = {}
        self.dynamic: list[tuple[RulePart, State]] = []
        self.rules: list[Rule] = []


def build_tree(rules: t.Iterable[Rule]) -> State:
    """Build the state tree of ``rules`` (in priority order)."""
    root = State()
    for rule in rules:
        state = root
        for part in rule._parts:
            if part.static:
                nxt = state.static.get(part.content)
                if nxt is None:
                    nxt = state.static[part.content] = State()
                state = nxt
                continue
            for seen, nxt in state.dynamic:
                if seen.key == part.key:
                    state = nxt
                    break
            else:
                nxt = State()
                state.dynamic.append((part, nxt))
                state = nxt
        state.rules.append(rule)
    stack = [root]
    while stack:
        state = stack.pop()
        # Stable: equal weights keep the order the rules were added in.
        state.dynamic.sort(key=lambda entry: entry[0].weight)
        stack.extend(state.static.values())
        stack.extend(nxt for _, nxt in state.dynamic)
    return root


def leaf_tables(rules: list[Rule], websocket: bool) -> tuple[dict[str, Rule], Rule | None]:
    """Per method, the first rule of ``rules`` accepting it, and the default
    (first rule accepting any method) for methods not in the table."""
    table: dict[str, Rule] = {}
    methods: set[str] = set()
    for rule in rules:
        if rule.methods:
            methods.update(rule.methods)
    for method in methods:
        for rule in rules:
            if rule.websocket == websocket and (rule.methods is None or method in rule.methods):
                table[method] = rule
                break
    default = None
    for rule in rules:
        if rule.websocket == websocket and rule.methods is None:
            default = rule
            break
    return table, default


def _rest(
    rules: list[Rule],
    after: Rule,
    method: str,
    websocket: bool,
    values: tuple[str, ...],
    slash: bool,
) -> t.Any:
    """Continue a leaf after ``after`` failed to convert its values."""
    found = False
    for rule in rules:
        if not found:
            found = rule is after
            continue
        if rule.websocket != websocket or (rule.methods is not None and method not in rule.methods):
            continue
        if slash and rule.strict_slashes:
            return SLASH
        try:
            return rule, rule._convert(values)
        except ValidationError:
            continue
    return None


def _inline_check(part: RulePart, var: str) -> str | None:
    """A Python condition equivalent to ``part``'s regex on ``var``, if simple."""
    if not part.pure or part.suffixed:
        return None
    conv = part.converters[0][1]
    regex = conv.regex
    if part.final:
        if regex == "[^/].*?":
            # `[^/]` first, then no newline (`.` stops at one) up to the end.
            return f'{var} and {var}[0] != "/" and {var}.find("\\n", 1) < 0'
        return None
    if regex == "[^/]+":
        return var
    if regex == r"\d+":
        return f"{var}.isdecimal()"
    m = re.fullmatch(r"\[\^/\]\{(\d+)(,(\d*))?\}", regex)
    if m is not None:
        low = int(m.group(1))
        if m.group(2) is None:
            return f"len({var}) == {low}"
        high = m.group(3)
        if high:
            return f"{low} <= len({var}) <= {int(high)}"
        return var if low == 1 else f"len({var}) >= {low}"
    return None


class _Gen:
    """Source generator for one rule tree."""

    def __init__(self) -> None:
        self.consts: dict[str, t.Any] = {
            "_SLASH": SLASH,
            "_NORM": NORMALISE,
            "_VE": ValidationError,
            "_UUID": uuid.UUID,
            "_rest": _rest,
        }
        self.functions: list[list[str]] = []
        self.dispatch: list[str] = []
        self.leaves: list[list[Rule]] = []
        # Leaves (by index) emitted as a method set test (``_M<k>``).
        self.single: set[int] = set()
        self.regexes: dict[str, str] = {}
        self.static_states: dict[int, bool] = {}
        self.counter = 0

    def name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def const(self, value: t.Any, prefix: str = "_K") -> str:
        if value is None or isinstance(value, (bool, int, str)):
            return repr(value)
        name = self.name(prefix)
        self.consts[name] = value
        return name

    def regex(self, content: str) -> str:
        name = self.regexes.get(content)
        if name is None:
            name = self.regexes[content] = self.name("_RX")
            self.consts[name] = re.compile(content)
        return name

    # -- functions --------------------------------------------------------

    def function(self, state: State, pos: tuple[t.Any, ...], nvals: int) -> str:
        """Emit ``state`` at ``pos`` as its own function; return its name."""
        fname = self.name("_f")
        params = ", ".join(_ARGS + [f"a{i}" for i in range(nvals)])
        out = [f"def {fname}({params}):"]
        self.state(state, pos, [f"a{i}" for i in range(nvals)], out, 1)
        out.append("    return None")
        self.functions.append(out)
        return fname

    def call(self, fname: str, vals: list[str], out: list[str], ind: int) -> None:
        args = ", ".join([*_ARGS, *vals])
        pad = "    " * ind
        out.append(f"{pad}rv = {fname}({args})")
        out.append(f"{pad}if rv is not None:")
        out.append(f"{pad}    return rv")

    # -- states -----------------------------------------------------------

    def state(
        self, state: State, pos: tuple[t.Any, ...], vals: list[str], out: list[str], ind: int
    ) -> None:
        """Emit code matching ``state`` from ``pos``; falls through on failure."""
        if ind > _MAX_INDENT and pos[0] == "idx":
            self.call(self.function(state, pos, len(vals)), vals, out, ind)
            return
        kind = pos[0]
        if kind == "end":
            if state.rules:
                self.leaf(state.rules, False, vals, out, ind)
            slash = state.static.get("")
            if slash is not None and slash.rules:
                self.leaf(slash.rules, True, vals, out, ind)
            return
        if kind == "slash":
            self.slash_state(state, vals, out, ind)
            return

        pad = "    " * ind
        nonstrict = [rule for rule in state.rules if not rule.strict_slashes]
        if kind == "dom":
            cur, nxt, index = "dom", ("idx", 0), None
            nonstrict = []
        else:
            index = pos[1]
            cur, nxt = f"p{index}", ("idx", index + 1)
            more = bool(state.static or state.dynamic or nonstrict)
            slash = state.static.get("")
            if state.rules or (slash is not None and slash.rules):
                out.append(f"{pad}if ln == {index}:")
                self.state(state, ("end",), vals, out, ind + 1)
                if not more:
                    return
                out.append(f"{pad}else:")
            elif not more:
                return
            elif index > 0:  # sp always has an element 0
                out.append(f"{pad}if ln > {index}:")
            else:
                ind -= 1
            ind += 1
            pad = "    " * ind
            if index == 1:
                # A path starting with "//" is matched once its leading slashes are
                # merged (the caller's ``fail`` does it); "/" is ``["", ""]``.
                out.append(f"{pad}{cur} = sp[1]")
                out.append(f"{pad}if not {cur} and ln > 2:")
                out.append(f"{pad}    return {_FAIL.format('_NORM')}")
            elif (index or state.dynamic or nonstrict) and (
                state.static or nonstrict or any(not part.final for part, _ in state.dynamic)
            ):
                out.append(f"{pad}{cur} = sp[{index}]")
        start = len(out)

        self.static_children(state, cur, nxt, vals, out, ind)
        if any(part.final for part, _ in state.dynamic):
            target = "dom + '/' + '/'.join(sp)" if index is None else f"'/'.join(sp[{index}:])"
            out.append(f"{pad}t{ind} = {target}")
        for part, child in state.dynamic:
            self.dynamic_child(part, child, cur, nxt, vals, out, ind)
        if nonstrict:
            # nonstrict is emptied above when index is None (the domain state).
            out.append(f"{pad}if ln == {index + 1} and not {cur}:")  # type: ignore[operator]
            self.leaf(nonstrict, False, vals, out, ind + 1)
        if len(out) == start:
            out.append(f"{pad}pass")

    def static_children(
        self,
        state: State,
        cur: str,
        nxt: tuple[t.Any, ...],
        vals: list[str],
        out: list[str],
        ind: int,
    ) -> None:
        pad = "    " * ind
        children = list(state.static.items())
        if not children:
            return
        if len(children) > _FANOUT:
            table = self.name("_SD")
            entries = ", ".join(
                f"{key!r}: {self.function(child, nxt, len(vals))}" for key, child in children
            )
            self.dispatch.append(f"{table} = {{{entries}}}")
            args = ", ".join([*_ARGS, *vals])
            out.append(f"{pad}f = {table}.get({cur})")
            out.append(f"{pad}if f is not None:")
            out.append(f"{pad}    rv = f({args})")
            out.append(f"{pad}    if rv is not None:")
            out.append(f"{pad}        return rv")
            return
        if cur == "p0":
            # A normalised path starts with "/" (or is empty): sp[0] == "",
            # and every rule's path starts with that empty part.
            child = state.static.get("")
            if child is not None:
                self.state(child, nxt, vals, out, ind)
            return
        # The keys are distinct, so their order is free: branches without converters
        # go last, as the table of static rules answers most of their requests.
        children.sort(key=lambda item: self.static_only(item[1]))
        keyword = "if"
        for key, child in children:
            out.append(f"{pad}{keyword} {cur} == {key!r}:")
            start = len(out)
            self.state(child, nxt, vals, out, ind + 1)
            if len(out) == start:
                out.append(f"{pad}    pass")
            keyword = "elif"

    def static_only(self, state: State) -> bool:
        """Whether no rule below ``state`` has a converter."""
        known = self.static_states.get(id(state))
        if known is None:
            known = not state.dynamic and all(map(self.static_only, state.static.values()))
            self.static_states[id(state)] = known
        return known

    def dynamic_child(
        self,
        part: RulePart,
        child: State,
        cur: str,
        nxt: tuple[t.Any, ...],
        vals: list[str],
        out: list[str],
        ind: int,
    ) -> None:
        pad = "    " * ind
        subject = f"t{ind}" if part.final else cur
        after = ("end",) if part.final else nxt
        check = _inline_check(part, subject)
        if check is None and part.pure and not part.final:
            conv = part.converters[0][1]
            if type(conv) is AnyConverter:
                check = f"{subject} in {self.const(frozenset(conv.items), '_ANY')}"
        if check is not None:
            out.append(f"{pad}if {check}:")
            self.state(child, after, [*vals, subject], out, ind + 1)
            return
        rx_name = self.regex(part.content)
        rx = self.consts[rx_name]
        mvar = f"m{ind}"
        if part.final and sum(not c.part_isolating for _, c in part.converters) > 1:
            # Several slash-matching groups backtrack in O(n**2): bound n.
            out.append(
                f"{pad}{mvar} = {rx_name}.match({subject})"
                f" if len({subject}) <= {_MAX_MULTI_FINAL} else None"
            )
        else:
            out.append(f"{pad}{mvar} = {rx_name}.match({subject})")
        out.append(f"{pad}if {mvar} is not None:")
        inner = pad + "    "
        if part.pure:
            new = [subject]
        else:
            new = []
            for n in range(len(part.converters)):
                var = f"v{ind}_{n}"
                out.append(f"{inner}{var} = {mvar}.group({rx.groupindex[f'__erlen_{n}']})")
                new.append(var)
        if part.suffixed:
            out.append(f"{inner}if {mvar}.group({rx.groups}) == '/':")
            self.state(child, ("slash",), vals + new, out, ind + 2)
            out.append(f"{inner}else:")
            self.state(child, ("end",), vals + new, out, ind + 2)
            if out[-1].endswith("else:"):
                out.append(f"{inner}    pass")
        else:
            start = len(out)
            self.state(child, after, vals + new, out, ind + 1)
            if len(out) == start:
                out.append(f"{inner}pass")

    def slash_state(self, state: State, vals: list[str], out: list[str], ind: int) -> None:
        """The remaining path is ``[""]`` (a captured trailing slash)."""
        pad = "    " * ind
        start = len(out)
        child = state.static.get("")
        if child is not None:
            self.state(child, ("end",), vals, out, ind)
        for part, nxt in state.dynamic:
            rx = re.compile(part.content)
            m = rx.match("")
            if m is None:
                continue
            new = [repr(m.group(f"__erlen_{n}")) for n in range(len(part.converters))]
            self.state(nxt, ("end",), vals + new, out, ind)
        nonstrict = [rule for rule in state.rules if not rule.strict_slashes]
        if nonstrict:
            self.leaf(nonstrict, False, vals, out, ind)
        if len(out) == start:
            out.append(f"{pad}pass")

    # -- leaves -----------------------------------------------------------

    def leaf(
        self, rules: list[Rule], slash: bool, vals: list[str], out: list[str], ind: int
    ) -> None:
        """Pick the rule for the method, convert the values and return."""
        pad = "    " * ind
        k = len(self.leaves)
        self.leaves.append(rules)
        self.consts[f"_L{k}"] = rules
        if len(rules) == 1 and rules[0].methods is not None:
            # PERF: one rule with a method list (every Flask rule): a set membership
            # test, the rule a constant.
            self.single.add(k)
            chosen = self.const(rules[0], "_R")
            out.append(f"{pad}if method in _M{k}:")
        else:
            chosen = "r"
            out.append(f"{pad}r = _T{k}.get(method, _D{k})")
            out.append(f"{pad}if r is not None:")
        inner = ind + 1
        ipad = pad + "    "
        if slash:
            strict = [rule.strict_slashes for rule in rules]
            if all(strict):
                out.append(f"{ipad}return {_FAIL.format('_SLASH')}")
                return
            if any(strict):
                out.append(f"{ipad}if r.strict_slashes:")
                out.append(f"{ipad}    return {_FAIL.format('_SLASH')}")
        groups: dict[str, list[Rule]] = {}
        for rule in rules:
            if slash and rule.strict_slashes:
                continue
            code = "\n".join(self.conversion(rule, vals, chosen))
            groups.setdefault(code, []).append(rule)
        if len(groups) == 1:
            (code,) = groups
            self.indent(code, out, inner)
        else:
            keyword = "if"
            for code, members in groups.items():
                test = " or ".join(f"r is {self.const(rule, '_R')}" for rule in members)
                out.append(f"{ipad}{keyword} {test}:")
                self.indent(code, out, inner + 1)
                keyword = "elif"
        if len(rules) > 1:
            args = ", ".join(vals) + ("," if len(vals) == 1 else "")
            out.append(f"{ipad}rv = _rest(_L{k}, r, method, _WS, ({args}), {slash})")
            out.append(f"{ipad}if rv is not None:")
            out.append(f"{ipad}    return rv if rv is not _SLASH else {_FAIL.format('rv')}")
        if not slash:
            out.append(f"{pad}miss.append(_L{k})")

    @staticmethod
    def indent(code: str, out: list[str], ind: int) -> None:
        pad = "    " * ind
        out.extend(pad + line for line in code.split("\n"))

    def conversion(self, rule: Rule, vals: list[str], chosen: str) -> list[str]:
        """Lines (relative indentation) converting ``vals`` and returning
        ``(chosen, values)`` (``chosen``: the expression naming the rule)."""
        steps: list[tuple[str, ...]] = []
        items: list[str] = []
        # Typed loosely: the branches below test ``type(conv)`` exactly (through ``kind``),
        # which mypy cannot use to narrow ``conv``.
        conv: t.Any
        for (name, conv), value in zip(rule._converters.items(), vals, strict=False):
            kind = type(conv)
            if kind.to_python is BaseConverter.to_python:
                items.append(f"{name!r}: {value}")
                continue
            var = self.name("x")
            if kind is IntegerConverter or kind is FloatConverter:
                if kind is IntegerConverter:
                    if conv.fixed_digits:
                        steps.append(("if", f"len({value}) == {int(conv.fixed_digits)}"))
                    # int() of a huge digit string raises (3.11+) or is slow (3.10).
                    if _INT_LIMITED:
                        steps.append(("try", var, f"int({value})", "ValueError"))
                    else:
                        steps.append(("if", f"len({value}) <= {_INT_DIGITS_LIMIT}"))
                        steps.append(("set", var, f"int({value})"))
                else:
                    steps.append(("set", var, f"float({value})"))
                if conv.min is not None:
                    steps.append(("if", f"{var} >= {self.const(conv.min)}"))
                if conv.max is not None:
                    steps.append(("if", f"{var} <= {self.const(conv.max)}"))
            elif kind is UUIDConverter:
                steps.append(("set", var, f"_UUID({value})"))
            else:
                steps.append(("try", var, f"{self.const(conv, '_C')}.to_python({value})", "_VE"))
            items.append(f"{name!r}: {var}")
        if rule.defaults:
            items.append(f"**{self.const(rule.defaults, '_DF')}")
        lines: list[str] = []
        depth = 0
        for step in steps:
            pad = "    " * depth
            if step[0] == "if":
                lines.append(f"{pad}if {step[1]}:")
                depth += 1
            elif step[0] == "set":
                lines.append(f"{pad}{step[1]} = {step[2]}")
            else:
                lines.append(f"{pad}try:")
                lines.append(f"{pad}    {step[1]} = {step[2]}")
                lines.append(f"{pad}except {step[3]}:")
                lines.append(f"{pad}    pass")
                lines.append(f"{pad}else:")
                depth += 1
        lines.append("    " * depth + f"return {chosen}, {{{', '.join(items)}}}")
        return lines

    # -- module -----------------------------------------------------------

    def module(self, root: State) -> str:
        body = ["def lookup(dom, path, method, miss=None, fail=_FAIL):"]
        # PERF: rules without converters or defaults answer from a table (keyed by the
        # raw path: a hit needs no normalisation).
        body.append("    rule = _HITS.get((dom, path, method))")
        body.append("    if rule is not None:")
        body.append("        return rule, {}")
        body.append("    if miss is None:")
        body.append("        miss = []")
        body.append("    sp = path.split('/')")
        body.append("    ln = len(sp)")
        # A path not starting with "/" is matched once normalised (by the caller's fail).
        body.append("    if sp[0]:")
        body.append(f"        return {_FAIL.format('_NORM')}")
        self.state(root, ("dom",), [], body, 1)
        body.append(f"    return {_FAIL.format('None')}")
        chunks = ["\n".join(lines) for lines in self.functions]
        chunks.append("\n".join(body))
        chunks.extend(self.dispatch)
        return "\n\n".join(chunks) + "\n"


class CompiledMatcher:
    """The lookup functions generated for a set of rules, HTTP's and WebSocket's:
    ``lookups[websocket](domain, path, method)``.

    A lookup returns ``(rule, values)`` when a rule matches ``path`` (a path as the
    request gives it), else what ``failed(rv, domain, path, method, miss, websocket)``
    returns for it: ``rv`` is :data:`SLASH` (the path matches with a trailing slash),
    :data:`NORMALISE` (the path does not start with exactly one ``/``) or ``None``,
    ``miss`` the leaves that rejected the method or protocol.
    ``lookup(domain, path, method, miss, fail)`` walks with the caller's list and
    failure function instead.
    """

    def __init__(self, rules: list[Rule], failed: t.Callable[..., t.Any]) -> None:
        root = build_tree(rules)
        gen = _Gen()
        #: The generated Python source, for inspection.
        self.source = gen.module(root)
        code = compile(self.source, "<erlen routing matcher>", "exec")
        hits = self._hits(root)
        self.lookups: tuple[t.Callable[..., t.Any], t.Callable[..., t.Any]] = (
            self._load(code, gen, False, hits[False], failed),
            self._load(code, gen, True, hits[True], failed),
        )

    @staticmethod
    def _load(
        code: t.Any, gen: _Gen, websocket: bool, hits: dict[t.Any, Rule], failed: t.Any
    ) -> t.Callable[..., t.Any]:
        ns = dict(gen.consts)
        ns["_WS"] = websocket
        ns["_HITS"] = hits
        ns["_FAIL"] = failed
        for k, rules in enumerate(gen.leaves):
            table, default = leaf_tables(rules, websocket)
            if k in gen.single:
                ns[f"_M{k}"] = frozenset(table)
            else:
                ns[f"_T{k}"], ns[f"_D{k}"] = table, default
        exec(code, ns)
        return ns["lookup"]

    @staticmethod
    def _hits(root: State) -> tuple[dict[t.Any, Rule], dict[t.Any, Rule]]:
        """Per protocol, ``(domain, path, method) -> rule`` for the paths without
        converters and the rules without defaults: static transitions are tried before
        dynamic ones at every state, so the leaf of an all-static path is the first
        the walk reaches, and where it accepts the method its rule is the answer."""
        result: tuple[dict[t.Any, Rule], dict[t.Any, Rule]] = ({}, {})
        for domain, top in root.static.items():
            stack: list[tuple[State, list[str]]] = [(top, [])]
            while stack:
                state, parts = stack.pop()
                path = "/".join(parts)
                # A path starting with "//" is merged before it is walked, so such
                # rules never match.
                if state.rules and parts and not path.startswith("//"):
                    for websocket in (False, True):
                        table, _ = leaf_tables(state.rules, websocket)
                        for method, rule in table.items():
                            if not rule.defaults:
                                result[websocket][domain, path, method] = rule
                for key, child in state.static.items():
                    stack.append((child, [*parts, key]))
        return result
