"""Hypothesis strategies shared by the property tests: what a client can send."""

from __future__ import annotations

from hypothesis import strategies as st

#: Any text a client could put in a header value (WSGI gives latin-1 strings).
header_text = st.text(st.characters(max_codepoint=0xFF), max_size=200)

#: Header-like text: mostly the characters header syntax is made of.
_syntax = st.sampled_from(list(",;=\" \t\\/*-.:()<>@[]?{}!#$%&'+^`|~W") + ["q=", "bytes", "0"])
syntax_text = st.lists(
    st.one_of(_syntax, st.text("abcXYZ019", min_size=1, max_size=4), header_text.map(str)),
    max_size=20,
).map("".join)

#: Either kind, so both random bytes and near-valid syntax are covered.
client_header = st.one_of(header_text, syntax_text)

#: An RFC 9110 token.
token = st.text(
    st.sampled_from(
        "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    ),
    min_size=1,
    max_size=12,
)
lower_token = token.map(str.lower)

#: Printable text without controls (what a well-behaved client quotes in a header).
printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
