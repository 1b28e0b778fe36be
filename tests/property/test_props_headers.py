"""Properties of the header parsers a client controls: never an exception, and
what erlen writes reads back the same."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given, strategies as st
from props_strategies import client_header, lower_token, printable, token

from erlen import http
from erlen.datastructures import ContentRange, ETags, Range

UTC = timezone.utc


# -- never raises on what a client sends --------------------------------------------------------


@given(client_header)
def test_parsers_never_raise(value: str) -> None:
    http.parse_options_header(value)
    http.parse_list_header(value)
    http.parse_dict_header(value)
    http.parse_set_header(value)
    http.parse_cookie(value)
    http.parse_etags(value)
    http.parse_date(value)
    http.parse_age(value)
    http.parse_cache_control_header(value)
    http.parse_csp_header(value)
    http.unquote_header_value(value)


@given(client_header)
def test_accept_headers_parse_and_serialize(value: str) -> None:
    accept = http.parse_accept_header(value)
    for _item, quality in accept:
        assert 0 <= quality <= 1
    again = http.parse_accept_header(accept.to_header())
    # As in Werkzeug: an empty item (from ";") is not written back, and an item that was
    # a quoted "," or ";" is written unquoted (to_header does not quote), so it does not
    # read back. Neither is a media type or language a client means.
    items = [item for item, _ in accept if item]
    if not any(set(item) & set(',;"') for item in items):
        assert [item for item, _ in again] == items
    accept.best_match(["text/html", "application/json"])


@given(client_header)
def test_range_headers_parse_and_serialize(value: str) -> None:
    parsed = http.parse_range_header(value)
    if parsed is not None:
        assert http.parse_range_header(parsed.to_header()).ranges == parsed.ranges
        for length in (0, 1, 100, 10**12):
            bounds = parsed.range_for_length(length)
            if bounds is not None:
                start, stop = bounds
                assert 0 <= start < stop <= length
    content_range = http.parse_content_range_header(value)
    if content_range is not None:
        header = content_range.to_header()
        reparsed = http.parse_content_range_header(header)
        assert reparsed is not None
        assert (reparsed.units, reparsed.start, reparsed.stop, reparsed.length) == (
            content_range.units,
            content_range.start,
            content_range.stop,
            content_range.length,
        )
    http.parse_if_range_header(value).to_header()


@given(client_header)
def test_cache_control_serializes_to_what_it_parsed(value: str) -> None:
    cc = http.parse_cache_control_header(value)
    again = http.parse_cache_control_header(cc.to_header())
    # A directive name is a token; a quoted name with a separator ('","') is read but,
    # as in Werkzeug, written unquoted, so only token names must read back.
    if not any(set(key) & set(',;"= \t') for key in cc):
        assert dict(again) == dict(cc)


@given(client_header)
def test_etags_serialize_to_what_they_parsed(value: str) -> None:
    etags = http.parse_etags(value)
    again = http.parse_etags(etags.to_header())
    assert again.star_tag == etags.star_tag
    assert sorted(again._strong) == sorted(etags._strong)
    assert sorted(again._weak) == sorted(etags._weak)


# -- round trips of what erlen writes ---------------------------------------------------------


@given(
    st.datetimes(
        min_value=datetime(1, 1, 1),
        max_value=datetime(9999, 12, 31, 23, 59, 59),
        timezones=st.just(UTC),
    )
)
def test_http_dates_round_trip(dt: datetime) -> None:
    dt = dt.replace(microsecond=0)
    assert http.parse_date(http.http_date(dt)) == dt


# A key ending in "*" is RFC 2231 syntax ("title*=utf-8''..."), not a plain key.
plain_key = lower_token.filter(lambda k: "*" not in k)


@given(lower_token, st.dictionaries(plain_key, printable, max_size=5))
def test_options_headers_round_trip(value: str, options: dict[str, str]) -> None:
    header = http.dump_options_header(value, options)
    assert http.parse_options_header(header) == (value, options)


@given(st.lists(printable, max_size=8))
def test_list_headers_round_trip(items: list[str]) -> None:
    header = http.dump_header(items)
    assert http.parse_list_header(header) == items


@given(st.dictionaries(token.filter(lambda k: "*" not in k), st.one_of(st.none(), printable)))
def test_dict_headers_round_trip(values: dict[str, str | None]) -> None:
    header = http.dump_header(values)
    assert http.parse_dict_header(header) == values


@given(token.filter(lambda k: "$" not in k), st.text(max_size=60))
def test_cookies_round_trip(key: str, value: str) -> None:
    header = http.dump_cookie(key, value, path=None)
    pair = header.partition(";")[0] if not header.startswith(f'{key}="') else header
    assert http.parse_cookie(pair.encode().decode("latin-1")).getlist(key) == [value]


@given(printable.filter(lambda v: '"' not in v), st.booleans())
def test_etags_round_trip(tag: str, weak: bool) -> None:
    assert http.unquote_etag(http.quote_etag(tag, weak)) == (tag, weak)
    etags = ETags([] if weak else [tag], [tag] if weak else [])
    assert http.parse_etags(etags.to_header()).contains_weak(tag)


@given(st.integers(0, 10**15), st.integers(1, 10**6), st.integers(0, 10**15))
def test_content_range_round_trip(start: int, size: int, extra: int) -> None:
    length = start + size + extra
    header = ContentRange("bytes", start, start + size, length).to_header()
    parsed = http.parse_content_range_header(header)
    assert parsed is not None
    assert (parsed.start, parsed.stop, parsed.length) == (start, start + size, length)


@given(st.integers(0, 10**15), st.one_of(st.none(), st.integers(1, 10**6)))
def test_range_round_trip(start: int, size: int | None) -> None:
    stop = None if size is None else start + size
    parsed = http.parse_range_header(Range("bytes", [(start, stop)]).to_header())
    assert parsed is not None and parsed.ranges == [(start, stop)]
