"""Tests for erlen.http: Werkzeug-compatible header parsing and formatting."""

from __future__ import annotations

import random
import time
import warnings
from datetime import date, datetime, timedelta, timezone

import pytest
from _timing import assert_linear

from erlen import http
from erlen.datastructures import (
    Accept,
    ContentRange,
    ContentSecurityPolicy,
    ETags,
    HeaderSet,
    IfRange,
    LanguageAccept,
    MIMEAccept,
    MultiDict,
    Range,
    RequestCacheControl,
    ResponseCacheControl,
)

UTC = timezone.utc


# --------------------------------------------------------------------------------------
# parse_cookie
# --------------------------------------------------------------------------------------


def test_parse_cookie_basic_returns_multidict():
    cookies = http.parse_cookie("session=abc; theme=dark")
    assert isinstance(cookies, MultiDict)
    assert list(cookies.items(multi=True)) == [("session", "abc"), ("theme", "dark")]


def test_parse_cookie_repeated_keys_keep_order():
    cookies = http.parse_cookie("a=1; b=2; a=3")
    assert cookies["a"] == "1"
    assert cookies.getlist("a") == ["1", "3"]


def test_parse_cookie_from_environ_and_empty():
    assert http.parse_cookie({"HTTP_COOKIE": "x=y"})["x"] == "y"
    assert len(http.parse_cookie({})) == 0
    assert len(http.parse_cookie(None)) == 0
    assert len(http.parse_cookie("")) == 0


def test_parse_cookie_custom_cls():
    assert http.parse_cookie("a=1; a=2", cls=list) == [("a", "1"), ("a", "2")]
    assert http.parse_cookie("a=1; a=2", cls=dict) == {"a": "2"}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("a", [("a", "")]),
        ("a=", [("a", "")]),
        ("  a  =  b  ", [("a", "b")]),
        ("\ta\t=\tb\t;c=d", [("a", "b"), ("c", "d")]),
        ("=b; c=d", [("c", "d")]),  # empty key skipped
        (";;;a=b;;;", [("a", "b")]),
        ("a=b c; d=e", [("d", "e")]),  # space inside a value: pair is garbage
        ("a b=c; d=e", [("d", "e")]),  # space inside a key
        ("a=b\tc; d=e", [("d", "e")]),  # tab inside a value
        ("a\tb=c; d=e", [("d", "e")]),  # tab inside a key
        ("a=\x0bb\x0b; d=e", [("a", "\x0bb\x0b"), ("d", "e")]),  # only space and tab are blank
        ("a=b=c", [("a", "b=c")]),
        ("a=x,y", [("a", "x,y")]),
        ('a="b"; c="d"', [("a", "b"), ("c", "d")]),
        ('a="b;c"; d=e', [("a", "b;c"), ("d", "e")]),  # ; inside quotes
        ('a="b"junk; d=e', [("d", "e")]),
        ('a=b"c; d=e', [("d", "e")]),
        ('a="unclosed; d=e', [("d", "e")]),
        ('a=""', [("a", "")]),
    ],
)
def test_parse_cookie_tolerates_malformed(header, expected):
    assert list(http.parse_cookie(header).items(multi=True)) == expected


@pytest.mark.parametrize(
    ("quoted", "expected"),
    [
        (r'"a\"b"', 'a"b'),
        (r'"a\\b"', "a\\b"),
        (r'"\073"', ";"),
        (r'"\054\073"', ",;"),
        (r'"\303\251"', "é"),  # octal UTF-8 bytes
        (r'"\777"', "777"),  # not a valid octal escape: only the backslash goes
        (r'"\x"', "x"),
        (r'"\303"', "\ufffd"),  # truncated UTF-8 sequence is replaced
    ],
)
def test_parse_cookie_unquotes_escapes(quoted, expected):
    assert http.parse_cookie(f"k={quoted}")["k"] == expected


def test_parse_cookie_decodes_wsgi_latin1_as_utf8():
    wsgi = "name=caf\u00e9 \u2603".encode().decode("latin-1").replace(" ", "")
    assert http.parse_cookie(wsgi)["name"] == "café☃"


def test_parse_cookie_invalid_utf8_is_replaced():
    # \xff\xfe is not UTF-8; Werkzeug would raise UnicodeDecodeError here.
    wsgi = b"a=\xff\xfe; b=ok".decode("latin-1")
    cookies = http.parse_cookie(wsgi)
    assert cookies["a"] == "\ufffd\ufffd"
    assert cookies["b"] == "ok"


def test_parse_cookie_already_decoded_str_is_kept():
    # Characters above U+00FF cannot come from WSGI; the string is used as is.
    assert http.parse_cookie("snow=\u2603")["snow"] == "\u2603"


def test_parse_cookie_100k_semicolons_is_fast():
    def semicolons(n):
        return ";" * n + "a=b" + ";" * n

    result = http.parse_cookie(semicolons(100_000))
    assert list(result.items(multi=True)) == [("a", "b")]
    assert_linear(http.parse_cookie, semicolons, 10_000)


@pytest.mark.parametrize(
    ("hostile", "n"),
    [
        (lambda n: 'a="\\";' * n, 1_000),  # escaped quotes inside quoted values
        (lambda n: 'a="' + ';a="\\' * n, 1_000),  # never closed
        (lambda n: 'a="\\\n;' * n, 1_000),  # backslash-newline aborts a quoted value
        (lambda n: ("k" * 1000 + " v;") * n, 10),
        (lambda n: '"' * n, 10_000),
        (lambda n: "=" * n, 10_000),
    ],
    ids=["escaped-quotes", "unclosed", "backslash-newline", "long-keys", "quotes", "equals"],
)
def test_parse_cookie_hostile_inputs_are_linear(hostile, n):
    assert isinstance(http.parse_cookie(hostile(10 * n)), MultiDict)
    assert_linear(http.parse_cookie, hostile, n)


def test_parse_cookie_hostile_has_defined_result():
    assert list(http.parse_cookie('a="\\";' * 1000 + "z=1").items(multi=True)) == [("z", "1")]


# --------------------------------------------------------------------------------------
# dump_cookie
# --------------------------------------------------------------------------------------


def test_dump_cookie_defaults():
    assert http.dump_cookie("a", "b") == "a=b; Path=/"
    assert http.dump_cookie("a") == "a=; Path=/"


def test_dump_cookie_attribute_order_and_flags():
    rv = http.dump_cookie(
        "k",
        "v",
        max_age=60,
        expires=0,
        path="/p",
        domain="example.com",
        secure=True,
        httponly=True,
        samesite="lax",
        partitioned=True,
    )
    assert rv == (
        "k=v; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60;"
        " Secure; HttpOnly; Path=/p; SameSite=Lax; Partitioned"
    )


def test_dump_cookie_partitioned_implies_secure():
    assert http.dump_cookie("k", "v", partitioned=True) == "k=v; Secure; Path=/; Partitioned"


def test_dump_cookie_max_age_timedelta_and_sync_expires():
    rv = http.dump_cookie("k", "v", max_age=timedelta(hours=1))
    assert "Max-Age=3600" in rv
    expires = rv.split("Expires=")[1].split(";")[0]
    parsed = http.parse_date(expires)
    assert parsed is not None
    assert abs((parsed - datetime.now(UTC)).total_seconds() - 3600) < 5
    assert "Expires" not in http.dump_cookie("k", "v", max_age=10, sync_expires=False)


def test_dump_cookie_expires_forms():
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in http.dump_cookie("k", expires=0)
    assert "Expires=Wed, 01 Jan 2020 00:00:00 GMT" in http.dump_cookie(
        "k", expires=datetime(2020, 1, 1)
    )
    assert "Expires=whenever" in http.dump_cookie("k", expires="whenever")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain-value_1.2", "plain-value_1.2"),
        ("a/b:c=d?e@[f]", "a/b:c=d?e@[f]"),
        ("a b", '"a b"'),
        ('a"b', '"a\\"b"'),
        ("a\\b", '"a\\\\b"'),
        ("a;b,c", '"a\\073b\\054c"'),
        ("é", '"\\303\\251"'),
        ("\x01\x1b\x7f", '"\\001\\033\\177"'),
        ("", ""),
    ],
)
def test_dump_cookie_value_quoting(value, expected):
    assert http.dump_cookie("k", value, path=None) == f"k={expected}"


@pytest.mark.parametrize("value", ["a b", 'q"q', "x;y,z\\", "é☃", "\x00\n\r", "=%/"])
def test_dump_cookie_round_trips_through_parse_cookie(value):
    header = http.dump_cookie("k", value, path=None)
    assert http.parse_cookie(header.encode().decode("latin-1"))["k"] == value


def test_dump_cookie_path_and_domain_encoding():
    assert "Path=/a%20b%3B" in http.dump_cookie("k", path="/a b;")
    assert http.dump_cookie("k", path=None) == "k="
    assert "Domain=example.com;" in http.dump_cookie("k", domain=".example.com:8080")
    assert "Domain=xn--bcher-kva.de" in http.dump_cookie("k", domain="bücher.de")


def test_dump_cookie_non_ascii_key_is_utf8_mojibake():
    assert http.dump_cookie("é", "v", path=None) == "Ã©=v"


@pytest.mark.parametrize("samesite", ["strict", "Lax", "NONE"])
def test_dump_cookie_samesite_is_normalised(samesite):
    assert f"SameSite={samesite.title()}" in http.dump_cookie("k", samesite=samesite)


@pytest.mark.parametrize("samesite", ["", "lax ", "sometimes"])
def test_dump_cookie_samesite_invalid(samesite):
    with pytest.raises(ValueError, match="SameSite"):
        http.dump_cookie("k", samesite=samesite)


@pytest.mark.parametrize("key", ["a;b", "a\rb", "a\nb", "a\r\nSet-Cookie: x"])
def test_dump_cookie_rejects_injection_in_key(key):
    with pytest.raises(ValueError):
        http.dump_cookie(key, "v")


@pytest.mark.parametrize(
    "kwargs",
    [{"domain": "a.com; Secure"}, {"domain": "a.com\r\nX: y"}, {"expires": "x\r\nX: y"}],
)
def test_dump_cookie_rejects_injection_in_attributes(kwargs):
    with pytest.raises(ValueError):
        http.dump_cookie("k", "v", **kwargs)


def test_dump_cookie_warns_when_too_large():
    with pytest.warns(UserWarning, match="'big' cookie is too large"):
        rv = http.dump_cookie("big", "x" * 5000)
    assert len(rv) > 4093


def test_dump_cookie_size_check_can_be_disabled():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        http.dump_cookie("big", "x" * 5000, max_size=0)
        http.dump_cookie("ok", "x" * 4000)


# --------------------------------------------------------------------------------------
# Dates and ages
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (784111777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (784111777.9, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (datetime(1994, 11, 6, 8, 49, 37), "Sun, 06 Nov 1994 08:49:37 GMT"),
        (
            datetime(1994, 11, 6, 10, 49, 37, tzinfo=timezone(timedelta(hours=2))),
            "Sun, 06 Nov 1994 08:49:37 GMT",
        ),
        (date(2021, 2, 3), "Wed, 03 Feb 2021 00:00:00 GMT"),
        (datetime(1, 1, 1), "Mon, 01 Jan 0001 00:00:00 GMT"),
    ],
)
def test_http_date(value, expected):
    assert http.http_date(value) == expected


def test_http_date_now_round_trips():
    now = datetime.now(UTC).replace(microsecond=0)
    parsed = http.parse_date(http.http_date())
    assert parsed is not None
    assert abs((parsed - now).total_seconds()) <= 2


def test_http_date_struct_time_is_local_time():
    tm = time.localtime(784111777)
    assert http.http_date(tm) == "Sun, 06 Nov 1994 08:49:37 GMT"


def test_http_date_out_of_range_raises():
    with pytest.raises((OverflowError, ValueError, OSError)):
        http.http_date(1e20)


@pytest.mark.parametrize(
    "value",
    ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"],
)
def test_parse_date_three_http_formats(value):
    assert http.parse_date(value) == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)


def test_parse_date_results_are_aware():
    parsed = http.parse_date("Sun, 06 Nov 1994 08:49:37 GMT")
    assert parsed is not None and parsed.tzinfo is UTC
    offset = http.parse_date("Sun, 06 Nov 1994 10:49:37 +0200")
    assert offset == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)
    assert offset is not None and offset.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "junk",
        "Mon, 31 Feb 2020 00:00:00 GMT",
        "Mon, 01 Jan 2024 24:00:00 GMT",
        "Mon, 01 Jan 2024 23:59:60 GMT",
        "Mon, 01 Foo 2024 00:00:00 GMT",
        "Mon, " * 20_000,
        "9" * 5000,
    ],
)
def test_parse_date_invalid_returns_none(value):
    assert http.parse_date(value) is None


def test_parse_date_four_digit_year_below_100_is_kept():
    # An IMF-fixdate year has four digits: "0099" is year 99 (email.utils, and so
    # Werkzeug, would read 1999), so that http_date() output round-trips.
    assert http.parse_date("Fri, 01 Jan 0099 00:00:00 GMT") == datetime(99, 1, 1, tzinfo=UTC)
    # Two-digit years (RFC 850 form) still go through email.utils' 1969..2068 window.
    assert http.parse_date("Friday, 01-Jan-99 00:00:00 GMT") == datetime(1999, 1, 1, tzinfo=UTC)


def test_age_helpers():
    assert http.parse_age("3600") == timedelta(hours=1)
    assert http.parse_age("0") == timedelta(0)
    for bad in (None, "", "-1", "x", "1.5", "9" * 30):
        assert http.parse_age(bad) is None
    assert http.dump_age(timedelta(minutes=2)) == "120"
    assert http.dump_age(5) == "5"
    assert http.dump_age(None) is None
    with pytest.raises(ValueError):
        http.dump_age(-1)


# --------------------------------------------------------------------------------------
# Options headers
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ("", {})),
        ("", ("", {})),
        ("application/json", ("application/json", {})),
        ("  text/html  ", ("text/html", {})),
        ("text/html; charset=UTF-8", ("text/html", {"charset": "UTF-8"})),
        ("text/html; CharSet=UTF-8", ("text/html", {"charset": "UTF-8"})),
        ("text/html;", ("text/html", {})),
        ("; charset=utf-8", ("", {})),
        (
            'form-data; name="file"; filename="a b.txt"',
            ("form-data", {"name": "file", "filename": "a b.txt"}),
        ),
        ('a; k="x;y"; z=1', ("a", {"k": "x;y", "z": "1"})),
        ('a; k="say \\"hi\\""', ("a", {"k": 'say "hi"'})),
        ('a; k="%22q%22"', ("a", {"k": '"q"'})),
        ('a; k="back\\\\slash"', ("a", {"k": "back\\slash"})),
        ("a; k=v junk; z=1", ("a", {"k": "v", "z": "1"})),
        ('a; k="v"junk; z=1', ("a", {"k": "v", "z": "1"})),
        ("a; novalue; k=", ("a", {})),
        ('a; "quoted"=key; z=1', ("a", {"z": "1"})),
        ('a; k="unclosed; z=1', ("a", {})),
        ('a; z=1; k="unclosed', ("a", {"z": "1"})),
        ("a; k=1; k=2", ("a", {"k": "2"})),
    ],
)
def test_parse_options_header(value, expected):
    assert http.parse_options_header(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a; name*=UTF-8''%E2%82%AC%20rates", {"name": "€ rates"}),
        ("a; name*=iso-8859-1'en'%A3", {"name": "£"}),
        ("a; name*=''plain", {"name": "plain"}),  # empty charset: marker dropped only
        ("a; name*=koi8-r''%C1", {"name": "%C1"}),  # unsafe charset: left encoded
        ("a; name*0=foo; name*1=bar", {"name": "foobar"}),
        ("a; name*0*=UTF-8''%E2%82%AC; name*1*=%20x", {"name": "€ x"}),
        # Each piece is decoded alone, so a split UTF-8 sequence is replaced.
        ("a; name*0*=UTF-8''%E2%82; name*1*=%AC", {"name": "\ufffd\ufffd"}),
        ('a; name*0="a b"; name*1=c', {"name": "a bc"}),
        ("a; name=x; name*0=y", {"name": "y"}),  # continuation replaces plain
        ("a; name*0=y; name=x", {"name": "x"}),  # plain replaces continuation
    ],
)
def test_parse_options_header_rfc2231(value, expected):
    assert http.parse_options_header(value) == ("a", expected)


@pytest.mark.parametrize(
    ("hostile", "n"),
    [
        (lambda n: "text/plain; a=" + '"' * n, 5_000),
        (lambda n: "text/plain; " + '"' * n, 5_000),
        (lambda n: "text/plain; " + 'a="\\"; ' * n, 1_000),
        (lambda n: "text/plain" + ";" * n, 1_000),
        (lambda n: "text/plain; " + "a*1*=b; " * n, 1_000),
        (lambda n: "text/plain; " + "*1" * n + "=b", 1_000),
        (lambda n: "text/plain; " + "k" * n, 10_000),
    ],
    ids=["quoted", "quotes", "escaped", "semicolons", "continuations", "stars", "long-key"],
)
def test_parse_options_header_hostile_is_linear(hostile, n):
    value, options = http.parse_options_header(hostile(10 * n))
    assert value == "text/plain"
    assert isinstance(options, dict)
    assert_linear(http.parse_options_header, hostile, n)


def test_parse_options_header_hostile_results():
    assert http.parse_options_header("text/plain; a=" + '"' * 50_000) == (
        "text/plain",
        {"a": ""},
    )
    assert http.parse_options_header("x" + ";" * 50_000 + "k=v") == ("x", {"k": "v"})


def test_dump_options_header():
    assert http.dump_options_header("text/html", {"charset": "utf-8"}) == (
        "text/html; charset=utf-8"
    )
    assert http.dump_options_header(None, {"a": "b c", "skip": None, "n*": "UTF-8''%20"}) == (
        "a=\"b c\"; n*=UTF-8''%20"
    )
    assert http.dump_options_header("x", {"q": 0.5, "e": ""}) == 'x; q=0.5; e=""'


def test_dump_options_header_round_trip():
    options = {"name": 'a "quoted" \\ value', "plain": "token"}
    header = http.dump_options_header("form-data", options)
    assert http.parse_options_header(header) == ("form-data", options)


# --------------------------------------------------------------------------------------
# Quoting, list, dict and set headers
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "allow_token", "expected"),
    [
        ("token", True, "token"),
        ("token", False, '"token"'),
        ("", True, '""'),
        ("a b", True, '"a b"'),
        ('a"b\\c', True, '"a\\"b\\\\c"'),
        (42, True, "42"),
        ("é", True, '"é"'),
    ],
)
def test_quote_header_value(value, allow_token, expected):
    assert http.quote_header_value(value, allow_token=allow_token) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"a b"', "a b"),
        ('"a\\"b"', 'a"b'),
        ('"a\\\\b"', "a\\b"),
        ('"\\x"', "x"),
        ("plain", "plain"),
        ('"', '"'),
        ('""', ""),
        ('"half', '"half'),
    ],
)
def test_unquote_header_value(value, expected):
    assert http.unquote_header_value(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", []),
        ("a, b ,c", ["a", "b", "c"]),
        ("a,,, b,", ["a", "b"]),
        ('token, "quoted, value"', ["token", "quoted, value"]),
        ('"a\\"b", c', ['a"b', "c"]),
        ('a"b,c"d, e', ['a"b,c"d', "e"]),  # partially quoted item is kept raw
        ('a, "unclosed', []),
        ('a, "ends with backslash\\"', []),
        ("a\\b, c", ["a\\b", "c"]),  # backslash outside quotes is literal
    ],
)
def test_parse_list_header(value, expected):
    assert http.parse_list_header(value) == expected


def test_parse_list_header_hostile_is_linear():
    def quoted(n):
        return '"a",' * n

    def unclosed(n):
        return "a," * n + '"'

    assert http.parse_list_header(quoted(50_000)) == ["a"] * 50_000
    assert_linear(http.parse_list_header, quoted, 1_000)
    assert http.parse_list_header(unclosed(50_000)) == []
    assert_linear(http.parse_list_header, unclosed, 1_000)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('a=b, c="d, e", f', {"a": "b", "c": "d, e", "f": None}),
        ("a = b , =x", {"a": "b"}),
        ("k*=UTF-8''%E2%82%AC", {"k": "€"}),
        ("k*=bogus''%E2", {"k": "%E2"}),  # unknown charset: not decoded
        ('a="unclosed', {}),
        ("", {}),
    ],
)
def test_parse_dict_header(value, expected):
    assert http.parse_dict_header(value) == expected


def test_dump_header():
    assert http.dump_header(["foo", "bar baz"]) == 'foo, "bar baz"'
    assert http.dump_header({"foo": "bar baz", "flag": None, "k*": "UTF-8''x"}) == (
        "foo=\"bar baz\", flag, k*=UTF-8''x"
    )
    assert http.dump_header([]) == ""


def test_parse_set_header():
    hs = http.parse_set_header('token, "Quoted Value"')
    assert isinstance(hs, HeaderSet)
    assert "TOKEN" in hs
    assert "quoted value" in hs
    assert len(http.parse_set_header(None)) == 0
    calls = []
    hs = http.parse_set_header("a", on_update=calls.append)
    hs.add("b")
    assert calls


def test_csp_header_round_trip():
    csp = http.parse_csp_header("default-src 'self'; img-src * data:; junk;  ")
    assert isinstance(csp, ContentSecurityPolicy)
    assert dict(csp) == {"default-src": "'self'", "img-src": "* data:"}
    assert http.dump_csp_header(csp) == "default-src 'self'; img-src * data:"
    assert len(http.parse_csp_header(None)) == 0


# --------------------------------------------------------------------------------------
# Accept and Cache-Control
# --------------------------------------------------------------------------------------


def test_parse_accept_header_browser():
    accept = http.parse_accept_header(
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    )
    assert isinstance(accept, Accept)
    assert accept.best == "text/html"
    assert accept["application/xml"] == 0.9
    assert accept.quality("*/*") == 0.8


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a;q=0.5", [("a", 0.5)]),
        ("a;Q=0.5", [("a", 0.5)]),
        ("a; q=1.0", [("a", 1.0)]),
        ("a;q=0", [("a", 0.0)]),
        ("a;q=1.5, b", [("b", 1)]),  # out of range
        ("a;q=-0.1, b", [("b", 1)]),
        ("a;q=abc, b", [("b", 1)]),  # invalid q
        ("a;q=.5, b", [("b", 1)]),
        ("a;q=1e0, b", [("b", 1)]),
        ("a;q= 0.5", [("a", 1)]),  # space after '=' makes the parameter invalid
        ("text/html;level=1;q=0.7", [("text/html; level=1", 0.7)]),
        ('"a;q=0.2"', [("a", 0.2)]),
        (" a , ;q=0.1", [("a", 1), ("", 1)]),
    ],
)
def test_parse_accept_header_quality(value, expected):
    assert sorted(http.parse_accept_header(value, list)) == sorted(expected)


def test_parse_accept_header_empty_and_cls():
    assert list(http.parse_accept_header(None)) == []
    assert list(http.parse_accept_header("")) == []
    mime = http.parse_accept_header("text/*;q=0.5, application/json", MIMEAccept)
    assert isinstance(mime, MIMEAccept)
    assert mime.best_match(["text/plain", "application/json"]) == "application/json"
    lang = http.parse_accept_header("en-US,de;q=0.8", LanguageAccept)
    assert isinstance(lang, LanguageAccept)
    assert lang.best == "en-US"


def test_parse_accept_header_10k_items_is_capped_and_fast():
    def items(n):
        return ",".join(f"type{i}/x;q=0.{i % 10}" for i in range(n))

    def quoted(n):
        return ",".join(['"a;q=0.5"'] * n)

    result = http.parse_accept_header(items(10_000), list)
    # Only the first MAX_ACCEPT_ITEMS items are considered; q=0.0 items are kept.
    assert len(result) == http.MAX_ACCEPT_ITEMS == 1000
    assert result[0] == ("type0/x", 0.0)
    assert result[-1] == ("type999/x", 0.9)
    assert_linear(lambda header: http.parse_accept_header(header, list), items, 1_000)
    assert len(http.parse_accept_header(quoted(10_000))) == 1000
    assert_linear(http.parse_accept_header, quoted, 1_000)


def test_parse_cache_control_header():
    cc = http.parse_cache_control_header('max-age=10, no-store, private="x, y"')
    assert isinstance(cc, RequestCacheControl)
    assert cc.max_age == 10
    assert cc.no_store is True
    assert isinstance(http.parse_cache_control_header(None), RequestCacheControl)
    calls = []
    rc = http.parse_cache_control_header("public", calls.append, ResponseCacheControl)
    assert isinstance(rc, ResponseCacheControl)
    assert rc.public is True
    rc.max_age = 5
    assert calls


# --------------------------------------------------------------------------------------
# ETags and conditional requests
# --------------------------------------------------------------------------------------


def test_quote_and_unquote_etag():
    assert http.quote_etag("abc") == '"abc"'
    assert http.quote_etag("abc", weak=True) == 'W/"abc"'
    with pytest.raises(ValueError):
        http.quote_etag('a"b')
    assert http.unquote_etag('W/"bar"') == ("bar", True)
    assert http.unquote_etag('w/"bar"') == ("bar", True)
    assert http.unquote_etag('"bar"') == ("bar", False)
    assert http.unquote_etag("bar") == ("bar", False)
    assert http.unquote_etag('"') == ("", False)
    assert http.unquote_etag("") == (None, None)
    assert http.unquote_etag(None) == (None, None)


def test_generate_etag_is_sha1():
    assert http.generate_etag(b"hello") == "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"


@pytest.mark.parametrize(
    ("value", "strong", "weak", "star"),
    [
        ('"a", W/"b", "c,d"', {"a", "c,d"}, {"b"}, False),
        ("*", set(), set(), True),
        ('bare, w/"x"', {"bare"}, {"x"}, False),
        ('"a" junk, "b"', {"b"}, set(), False),
        ('""', {""}, set(), False),
        (None, set(), set(), False),
        ('"unclosed, "ok"', {"ok"}, set(), False),
    ],
)
def test_parse_etags(value, strong, weak, star):
    etags = http.parse_etags(value)
    assert isinstance(etags, ETags)
    assert etags.star_tag is star
    assert {t for t in strong if etags.is_strong(t)} == strong
    assert {t for t in weak if etags.is_weak(t)} == weak
    # Like Werkzeug, len() and iteration cover the strong tags only.
    assert set(etags) == strong


def test_parse_etags_hostile_is_linear():
    def hostile(n):
        return '"a",' * n + '"' * n

    assert http.parse_etags(hostile(50_000)).is_strong("a")
    assert_linear(http.parse_etags, hostile, 1_000)


LAST_MODIFIED = datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)
LM_HEADER = "Sun, 06 Nov 1994 08:49:37 GMT"


@pytest.mark.parametrize(
    ("environ", "kwargs", "modified"),
    [
        ({}, {"etag": '"a"'}, True),
        ({"HTTP_IF_NONE_MATCH": '"a"'}, {"etag": '"a"'}, False),
        ({"HTTP_IF_NONE_MATCH": 'W/"a"'}, {"etag": '"a"'}, False),  # weak comparison
        ({"HTTP_IF_NONE_MATCH": '"b", "a"'}, {"etag": "a"}, False),
        ({"HTTP_IF_NONE_MATCH": "*"}, {"etag": '"a"'}, False),
        ({"HTTP_IF_NONE_MATCH": '"b"'}, {"etag": '"a"'}, True),
        # Werkzeug's If-Match rule: a strong match means "modified" (send it), a
        # failed strong comparison means "unmodified".
        ({"HTTP_IF_MATCH": '"a"'}, {"etag": '"a"'}, True),
        ({"HTTP_IF_MATCH": 'W/"a"'}, {"etag": '"a"'}, False),
        ({"HTTP_IF_MODIFIED_SINCE": LM_HEADER}, {"last_modified": LAST_MODIFIED}, False),
        (
            {"HTTP_IF_MODIFIED_SINCE": LM_HEADER},
            {"last_modified": datetime(1994, 11, 6, 8, 49, 37, 999999)},
            False,
        ),
        ({"HTTP_IF_MODIFIED_SINCE": LM_HEADER}, {"last_modified": LM_HEADER}, False),
        (
            {"HTTP_IF_MODIFIED_SINCE": LM_HEADER},
            {"last_modified": LAST_MODIFIED + timedelta(seconds=1)},
            True,
        ),
        ({"HTTP_IF_MODIFIED_SINCE": "junk"}, {"last_modified": LAST_MODIFIED}, True),
        (
            {"HTTP_IF_NONE_MATCH": '"a"', "HTTP_RANGE": "bytes=0-1", "HTTP_IF_RANGE": '"b"'},
            {"etag": '"a"', "ignore_if_range": False},
            True,
        ),
        (
            {"HTTP_IF_RANGE": '"a"', "HTTP_RANGE": "bytes=0-1"},
            {"etag": '"a"', "ignore_if_range": False},
            False,
        ),
        (
            {"HTTP_IF_RANGE": LM_HEADER, "HTTP_RANGE": "bytes=0-1"},
            {"last_modified": LAST_MODIFIED, "ignore_if_range": False},
            False,
        ),
        (
            {"HTTP_IF_RANGE": '"a"'},  # no Range header: If-Range is ignored
            {"etag": '"a"', "ignore_if_range": False},
            True,
        ),
    ],
)
def test_is_resource_modified(environ, kwargs, modified):
    assert http.is_resource_modified(environ, **kwargs) is modified


def test_is_resource_modified_data_and_keyword_form():
    data = b"payload"
    etag = f'"{http.generate_etag(data)}"'
    assert http.is_resource_modified({"HTTP_IF_NONE_MATCH": etag}, data=data) is False
    assert http.is_resource_modified(http_if_none_match=etag, data=data) is False
    assert http.is_resource_modified(None, data=data) is True
    # Keywords take precedence over the environ.
    assert (
        http.is_resource_modified({"HTTP_IF_NONE_MATCH": '"x"'}, etag, http_if_none_match=etag)
        is False
    )
    with pytest.raises(TypeError):
        http.is_resource_modified({}, etag='"a"', data=b"x")


# --------------------------------------------------------------------------------------
# Ranges
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "units", "ranges"),
    [
        ("bytes=0-499", "bytes", [(0, 500)]),
        ("bytes=500-", "bytes", [(500, None)]),
        ("bytes=-500", "bytes", [(-500, None)]),
        ("bytes=0-0", "bytes", [(0, 1)]),
        ("bytes=0-4, 10-14, 20-", "bytes", [(0, 5), (10, 15), (20, None)]),
        ("bytes=0-9,10-19", "bytes", [(0, 10), (10, 20)]),  # adjacent kept apart
        ("bytes=0-4,-5", "bytes", [(0, 5), (-5, None)]),
        ("Bytes = 1 - 2", "bytes", [(1, 3)]),
        ("items=0-5", "items", [(0, 6)]),
    ],
)
def test_parse_range_header(value, units, ranges):
    rng = http.parse_range_header(value)
    assert isinstance(rng, Range)
    assert rng.units == units
    assert rng.ranges == ranges


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "bytes",
        "bytes=",
        "bytes=5",
        "bytes=5-4",
        "bytes=-0",
        "bytes=a-b",
        "bytes=+1-2",
        "bytes=1_0-20",
        "bytes=\u0661-2",  # non-ASCII digit
        "bytes=0-10,5-20",  # overlapping
        "bytes=10-20,0-5",  # unordered
        "bytes=500-,600-700",  # open range not last
        "bytes=-5,0-1",  # suffix not last
        "bytes=0-1,",
        "bytes=" + "9" * 5000 + "-",  # more digits than int() accepts
    ],
)
def test_parse_range_header_invalid(value):
    assert http.parse_range_header(value) is None


def test_parse_range_header_part_cap():
    ok = "bytes=" + ",".join(f"{i * 10}-{i * 10 + 1}" for i in range(http.MAX_RANGE_PARTS))
    rng = http.parse_range_header(ok)
    assert rng is not None and len(rng.ranges) == 100
    too_many = ok + ",5000-5001"
    assert http.parse_range_header(too_many) is None


def test_parse_range_header_5k_parts_is_fast():
    def parts(n):
        return "bytes=" + ",".join(f"{i * 10}-{i * 10 + 5}" for i in range(n))

    assert http.parse_range_header(parts(5000)) is None
    assert_linear(http.parse_range_header, parts, 500)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("bytes 0-99/1000", ("bytes", 0, 100, 1000)),
        ("bytes 0-99/*", ("bytes", 0, 100, None)),
        ("bytes */*", ("bytes", None, None, None)),
        ("bytes 0-1000/1000", ("bytes", 0, 1001, 1000)),  # only start is checked
        ("bytes */1000", ("bytes", None, None, 1000)),
        (" bytes 5-5/6 ", ("bytes", 5, 6, 6)),
    ],
)
def test_parse_content_range_header(value, expected):
    cr = http.parse_content_range_header(value)
    assert isinstance(cr, ContentRange)
    assert (cr.units, cr.start, cr.stop, cr.length) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "bytes",
        "bytes 0-99",
        "bytes 0-99/x",
        "bytes 99-0/1000",
        "bytes 1000-1001/1000",
        "bytes 5/10",
        "bytes -1-5/10",
        "bytes */-1",
    ],
)
def test_parse_content_range_header_invalid(value):
    assert http.parse_content_range_header(value) is None


def test_parse_content_range_header_on_update():
    calls = []
    cr = http.parse_content_range_header("bytes 0-9/10", on_update=calls.append)
    assert cr is not None
    cr.length = 20
    assert calls


@pytest.mark.parametrize(
    ("start", "stop", "length", "valid"),
    [
        (None, None, None, True),
        (None, None, 10, True),
        (None, None, -1, False),
        (0, None, 10, False),
        (0, 10, None, True),
        (0, 10, 10, True),
        (5, 5, 10, False),
        (10, 11, 10, False),
        (-1, 5, 10, False),
    ],
)
def test_is_byte_range_valid(start, stop, length, valid):
    assert http.is_byte_range_valid(start, stop, length) is valid


def test_parse_if_range_header():
    assert isinstance(http.parse_if_range_header(None), IfRange)
    empty = http.parse_if_range_header("")
    assert (empty.etag, empty.date) == (None, None)
    by_date = http.parse_if_range_header(LM_HEADER)
    assert (by_date.etag, by_date.date) == (None, LAST_MODIFIED)
    by_etag = http.parse_if_range_header('W/"abc"')
    assert (by_etag.etag, by_etag.date) == ("abc", None)


# --------------------------------------------------------------------------------------
# Status codes, header classification, content type
# --------------------------------------------------------------------------------------


def test_http_status_codes():
    assert http.HTTP_STATUS_CODES[200] == "OK"
    assert http.HTTP_STATUS_CODES[418] == "I'm a teapot"
    assert http.HTTP_STATUS_CODES[203] == "Non Authoritative Information"
    assert len(http.HTTP_STATUS_CODES) == 64
    assert all(100 <= code < 600 for code in http.HTTP_STATUS_CODES)


def test_coep_coop_enums():
    assert http.COEP("require-corp") is http.COEP.REQUIRE_CORP
    assert http.COOP.SAME_ORIGIN.value == "same-origin"


def test_header_classification():
    assert http.is_entity_header("Content-Type")
    assert not http.is_entity_header("X-Foo")
    assert http.is_hop_by_hop_header("Transfer-Encoding")
    assert not http.is_hop_by_hop_header("Content-Type")


def test_remove_headers_in_place():
    headers = [
        ("Content-Type", "text/plain"),
        ("Expires", "0"),
        ("Connection", "close"),
        ("X-Foo", "1"),
        ("Content-Location", "/x"),
    ]
    hop = list(headers)
    http.remove_entity_headers(headers)
    assert headers == [
        ("Expires", "0"),
        ("Connection", "close"),
        ("X-Foo", "1"),
        ("Content-Location", "/x"),
    ]
    http.remove_entity_headers(headers, allowed=())
    assert headers == [("Connection", "close"), ("X-Foo", "1")]
    http.remove_hop_by_hop_headers(hop)
    assert [k for k, _ in hop] == ["Content-Type", "Expires", "X-Foo", "Content-Location"]


@pytest.mark.parametrize(
    ("mimetype", "expected"),
    [
        ("text/html", "text/html; charset=utf-8"),
        ("application/xml", "application/xml; charset=utf-8"),
        ("image/svg+xml", "image/svg+xml; charset=utf-8"),
        ("application/javascript", "application/javascript; charset=utf-8"),
        ("application/json", "application/json"),
        ("image/png", "image/png"),
    ],
)
def test_get_content_type(mimetype, expected):
    assert http.get_content_type(mimetype, "utf-8") == expected


# --------------------------------------------------------------------------------------
# Differential check against Werkzeug (dev-only dependency) on random junk
# --------------------------------------------------------------------------------------


def test_matches_werkzeug_on_random_headers():
    import werkzeug.http as wz

    assert http.HTTP_STATUS_CODES == wz.HTTP_STATUS_CODES
    wz_public = {n for n in vars(wz) if not n.startswith("_") and callable(getattr(wz, n))}
    missing = {n for n in wz_public if getattr(getattr(wz, n), "__module__", "") == wz.__name__}
    assert missing - set(http.__all__) == set()

    pieces = ["a", "b", "=", ";", " ", "\t", '"', "\\", ",", "*", "0", "1", "'", "%", "-",
              "q", ".", "\n", "é", "*0*", "utf-8''", "%22", "%e2%82%ac", "W/", "k="]  # fmt: skip
    rnd = random.Random(1234)

    for _ in range(3000):
        s = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 25)))
        wsgi = s.encode().decode("latin-1")
        assert list(http.parse_cookie(wsgi).items(multi=True)) == list(
            wz.parse_cookie(wsgi).items(multi=True)
        ), s
        assert http.parse_options_header("t/x; " + s) == wz.parse_options_header("t/x; " + s), s
        assert http.parse_list_header(s) == wz.parse_list_header(s), s
        assert http.parse_dict_header(s) == wz.parse_dict_header(s), s
        assert list(http.parse_accept_header(s)) == list(wz.parse_accept_header(s)), s
        assert http.unquote_header_value(s) == wz.unquote_header_value(s), s
        assert http.quote_header_value(s) == wz.quote_header_value(s), s
        value = s.replace("\n", "")
        assert http.dump_cookie("k", value, max_size=0) == wz.dump_cookie("k", value, max_size=0)


# Found by fuzzing (issue 9)


def test_if_range_that_is_neither_date_nor_etag_serializes() -> None:
    # An ETag cannot contain '"': such a value is no validator at all.
    parsed = http.parse_if_range_header('0"')
    assert parsed.etag is None and parsed.date is None
    assert parsed.to_header() == ""
    assert http.parse_if_range_header('"a"b"').to_header() == ""
    assert http.parse_if_range_header('W/"x"').to_header() == '"x"'


@pytest.mark.parametrize("year", [1, 99, 999, 1000, 9999])
def test_dates_before_year_1000_round_trip(year: int) -> None:
    dt = datetime(year, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert http.http_date(dt)[12:16] == f"{year:04d}"
    assert http.parse_date(http.http_date(dt)) == dt


def test_year_zero_is_not_a_date() -> None:
    assert http.parse_date("Mon, 01 Jan 0000 00:00:00 GMT") is None
