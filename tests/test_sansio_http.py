"""erlen.sansio.http: Werkzeug's header-value forms of the conditional and cookie helpers."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from erlen.datastructures import MultiDict
from erlen.http import http_date
from erlen.sansio.http import is_resource_modified, parse_cookie

MODIFIED = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def test_is_resource_modified_from_header_values() -> None:
    assert is_resource_modified()
    assert not is_resource_modified(http_if_none_match='"abc"', etag='"abc"')
    assert is_resource_modified(http_if_none_match='"abc"', etag='"def"')
    assert not is_resource_modified(
        http_if_modified_since=http_date(MODIFIED), last_modified=MODIFIED
    )
    # If-Range counts only with a Range header, and only when asked for.
    assert not is_resource_modified(
        http_range="bytes=0-1", http_if_range='"abc"', etag='"abc"', ignore_if_range=False
    )
    assert is_resource_modified(http_if_range='"abc"', etag='"abc"', ignore_if_range=False)
    with pytest.raises(TypeError):
        is_resource_modified(etag='"a"', data=b"x")


def test_parse_cookie_from_the_header_value() -> None:
    cookies = parse_cookie('a=1; b="x y"; a=2')
    assert isinstance(cookies, MultiDict)
    assert cookies.getlist("a") == ["1", "2"] and cookies["b"] == "x y"
    assert parse_cookie(None) == MultiDict()
    assert dict(parse_cookie("k=v", cls=dict)) == {"k": "v"}  # type: ignore[arg-type]
