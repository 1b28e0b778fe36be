"""erlen.urls.parse_qs_pairs gives exactly what urllib's parse_qsl gives."""

from __future__ import annotations

import random
from urllib.parse import parse_qsl

import pytest

from erlen.urls import parse_qs_pairs

ALPHABET = "ab=&+%2F%zz%C3%A9%ff é;#?"


@pytest.mark.parametrize(
    "qs",
    [
        "",
        "a=1&b=2",
        "a=1&&b=2&",
        "novalue&=empty-key&k=",
        "sp+ace=a+b&pct=%41%2B%26",
        "utf8=%C3%A9t%C3%A9",
        "bad=%ff%fe&trunc=%4&z=%zz",
        "semi=1;2",
        "multi=1&multi=2&multi=3",
    ],
)
def test_matches_parse_qsl(qs):
    assert parse_qs_pairs(qs) == parse_qsl(qs, keep_blank_values=True, errors="replace")


def test_matches_parse_qsl_on_random_input():
    rng = random.Random(1234)
    for _ in range(3000):
        qs = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 30)))
        assert parse_qs_pairs(qs) == parse_qsl(qs, keep_blank_values=True, errors="replace"), qs


def test_errors_argument_is_passed_to_unquote():
    with pytest.raises(UnicodeDecodeError):
        parse_qs_pairs("x=%ff", errors="strict")
