"""HTML representations of objects (``erlen.debug.repr``) and their buffer (``.console``)."""

from __future__ import annotations

import contextlib
import enum
import io
import re
import typing as t
from collections import OrderedDict, deque

from markupsafe import Markup

from erlen.debug.console import HTMLStringO
from erlen.debug.repr import (
    DICT_LIMIT,
    SEQUENCE_LIMIT,
    STRING_LIMIT,
    DebugReprGenerator,
    debug_repr,
    dump,
    helper,
)


def num(value: object) -> str:
    return f'<span class="number">{value}</span>'


def test_scalars() -> None:
    assert debug_repr(7) == num(7)
    assert debug_repr(2.5) == num(2.5)
    assert debug_repr(1j) == num("1j")
    assert debug_repr(False) == num(False)
    assert debug_repr("a&b") == '<span class="string">&#39;a&amp;b&#39;</span>'
    assert debug_repr(b'"') == '<span class="string">b&#39;&#34;&#39;</span>'
    assert debug_repr(None) == '<span class="object">None</span>'


def test_containers() -> None:
    assert debug_repr([1, "x"]) == f'[{num(1)}, <span class="string">&#39;x&#39;</span>]'
    assert debug_repr((3,)) == f"({num(3)})"
    assert debug_repr(set()) == "set([])"
    assert debug_repr(frozenset([4])) == f"frozenset([{num(4)}])"
    assert debug_repr(deque([5])) == f'<span class="module">collections.</span>deque([{num(5)}])'
    assert debug_repr({6: 7}) == (
        '{<span class="pair"><span class="key">'
        f'{num(6)}</span>: <span class="value">{num(7)}</span></span>}}'
    )


def test_long_sequences_and_dicts_put_their_tail_in_the_extended_part() -> None:
    short = debug_repr(list(range(SEQUENCE_LIMIT)))
    assert "extended" not in short
    long = debug_repr(list(range(SEQUENCE_LIMIT + 2)))
    shown, _, hidden = long.partition('<span class="extended">')
    assert shown.count('class="number"') == SEQUENCE_LIMIT
    assert hidden.count('class="number"') == 2 and hidden.endswith("</span>]")

    assert "extended" not in debug_repr(dict.fromkeys(range(DICT_LIMIT)))
    shown, _, hidden = debug_repr(dict.fromkeys(range(DICT_LIMIT + 1))).partition(
        '<span class="extended">'
    )
    assert shown.count('class="pair"') == DICT_LIMIT and hidden.count('class="pair"') == 1


def test_long_strings_are_cut_only_when_at_least_three_characters_go() -> None:
    fits = "x" * (STRING_LIMIT - 2 + 2)  # repr adds the two quotes: nothing worth hiding
    assert "extended" not in debug_repr(fits)
    long = "<" * (STRING_LIMIT + 5)
    out = debug_repr(long)
    visible, _, rest = out.partition('<span class="extended">')
    assert visible == '<span class="string">&#39;' + "&lt;" * (STRING_LIMIT - 1)
    assert rest == "&lt;" * 6 + "&#39;</span></span>"


class Tagged(list):  # type: ignore[type-arg]
    pass


class Name(str):
    __slots__ = ()


def test_subclasses_name_their_class() -> None:
    module = f'<span class="module">{__name__}.</span>'
    assert debug_repr(Tagged([1])) == f"{module}Tagged([{num(1)}])"
    assert debug_repr(Name("n")) == f'{module}Name(<span class="string">&#39;n&#39;</span>)'
    assert debug_repr(OrderedDict()).startswith(
        '<span class="module">collections.</span>OrderedDict({'
    )


def test_every_repr_is_escaped() -> None:
    class Shout:
        def __repr__(self) -> str:
            return "<script>alert('x')</script>"

    class Trusted:
        def __repr__(self) -> str:
            # Markup claims to be safe HTML; a repr is still only text to show.
            return Markup("<b>bold</b>")

    class Color(enum.IntEnum):
        RED = 1

    assert debug_repr(Shout()) == (
        '<span class="object">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</span>'
    )
    assert debug_repr(Trusted()) == '<span class="object">&lt;b&gt;bold&lt;/b&gt;</span>'
    assert debug_repr(Color.RED) == num("&lt;Color.RED: 1&gt;")
    assert "<" not in debug_repr(re.compile("<b>")).replace("<span", "").replace("</span", "")


def test_recursive_containers() -> None:
    items: list[t.Any] = [1]
    items.append(items)
    assert debug_repr(items) == f"[{num(1)}, [...]]"
    mapping: dict[str, t.Any] = {}
    mapping["me"] = mapping
    assert debug_repr(mapping).endswith('<span class="value">{...}</span></span>}')
    # The same object twice side by side is not a recursion.
    shared = [2]
    assert debug_repr([shared, shared]) == f"[[{num(2)}], [{num(2)}]]"


def test_a_broken_repr_is_shown_not_raised() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no <repr>")

    assert debug_repr([Broken()]) == (
        '[<span class="brokenrepr">&lt;broken repr (RuntimeError: no &lt;repr&gt;)&gt;</span>]'
    )
    nested: list[t.Any] = []
    for _ in range(100_000):
        nested = [nested]
    assert "broken repr (RecursionError" in debug_repr(nested)


def test_patterns_are_shown_as_raw_literals_when_possible() -> None:
    def shown(pattern: t.Any) -> str:
        out = debug_repr(re.compile(pattern))
        assert out.startswith('re.compile(<span class="string regex">')
        return out[len('re.compile(<span class="string regex">') : -len("</span>)")]

    assert shown(r"\d+\.") == r"r'\d+\.'"
    assert shown(r"it's") == 'r"it\'s"'
    assert shown(rb"\w") == r"rb'\w'"
    # No raw literal can spell these: their repr() instead.
    assert shown("a\nb") == repr("a\nb")
    assert shown("\"'") == "'\"\\''"
    assert shown("a\\\\") == "r'a\\\\'"  # an even number of trailing backslashes is fine


def test_dump_object_of_an_object_and_of_a_dict() -> None:
    class Thing:
        size = 3

        @property
        def fails(self) -> int:
            raise ValueError("not listed")

    out = DebugReprGenerator().dump_object(Thing())
    assert out.startswith(f'<div class="box"><h3>Details for {__name__}.')
    assert f'<tr><th>size</th><td><pre class="repr">{num(3)}</pre></td></tr>' in out
    assert "<th>fails</th>" not in out and "<th>__class__</th>" in out

    out = DebugReprGenerator().dump_object({"a<": 1})
    assert "<h3>Contents of dict object at " in out
    assert "<th>a&lt;</th>" in out and "<th>__class__</th>" not in out
    # A key that is not a string: the dict's attributes instead.
    assert "Details for dict object" in DebugReprGenerator().dump_object({1: 2})


def test_dump_locals_and_an_empty_dump() -> None:
    out = DebugReprGenerator().dump_locals({"count": 4})
    assert "<h3>Local variables in frame</h3>" in out and "<th>count</th>" in out
    assert "<em>Nothing</em>" in DebugReprGenerator().dump_locals({})


def test_dump_writes_html_to_an_html_buffer_and_escapes_prints() -> None:
    buffer = HTMLStringO()
    marker = "local-value"  # noqa: F841 - read by dump() through the frame
    with contextlib.redirect_stdout(buffer):
        print("<b>")
        dump([1])
        captured = buffer.reset()
        dump()
    assert captured.startswith('&lt;b&gt;\n<div class="box"><h3>Details for list object')
    frame = buffer.reset()
    assert "Local variables in frame" in frame
    assert "<th>marker</th>" in frame and "&#39;local-value&#39;" in frame
    assert buffer.getvalue() == ""


def test_dump_to_a_plain_stream_writes_the_html_as_text() -> None:
    stream = io.StringIO()
    with contextlib.redirect_stdout(stream):
        dump(5)
    assert stream.getvalue().startswith('<div class="box"><h3>Details for int object')


def test_helper() -> None:
    buffer = HTMLStringO()
    with contextlib.redirect_stdout(buffer):
        helper()
        hint = buffer.reset()
        helper(len)
    assert hint == '<span class="help">Type help(object) for help about object.</span>'
    assert repr(helper) == "Type help(object) for help about object."
    out = buffer.reset()
    assert out.startswith('<div class="box"><h3>Help on built-in function len')
    assert "Return the number of items in a container." in out
    assert debug_repr(helper) == hint


def test_html_string_buffer() -> None:
    buffer = HTMLStringO()
    assert buffer.writable() and not buffer.isatty()
    assert buffer.write("a < b") == 5
    buffer.write_html("<br>")
    buffer.writelines(["&", "\n"])
    assert buffer.getvalue() == "a &lt; b<br>&amp;\n"
    assert buffer.reset() == "a &lt; b<br>&amp;\n"
    assert buffer.reset() == ""
