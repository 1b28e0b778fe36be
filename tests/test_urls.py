"""Tests for erlen.urls.iri_to_uri: the output is always safe for a Location header."""

from __future__ import annotations

import pytest

import erlen
from erlen import redirect, request
from erlen.urls import iri_to_uri


def _header_safe(value: str) -> bool:
    return all(0x21 <= ord(c) <= 0x7E for c in value)


@pytest.mark.parametrize(
    ("iri", "uri"),
    [
        ("http://a\x00b/", "http://a%00b/"),
        ("http://a\x01b c/", "http://a%01b%20c/"),
        ("http://a\x7fb/", "http://a%7Fb/"),
        ("http://a<b>/", "http://a%3Cb%3E/"),
        ('http://user@a"b/', "http://user@a%22b/"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("http://a%00b/", "http://a%00b/"),
    ],
)
def test_controls_and_space_in_the_host_are_encoded(iri: str, uri: str) -> None:
    assert iri_to_uri(iri) == uri
    assert _header_safe(iri_to_uri(iri))


@pytest.mark.parametrize("target", ["http://a%00b/", "http://a%01b%20c/", "http://a%7Fb/x%00"])
def test_redirect_to_a_user_supplied_url_never_fails(app: erlen.Flask, target: str) -> None:
    app.get("/go")(lambda: redirect(request.args["next"]))
    client = app.test_client()
    response = client.get("/go", query_string=f"next={target}")
    assert response.status_code == 302
    assert _header_safe(response.headers["Location"])
    assert response.headers["Location"].startswith("http://a%")
    # The app still answers afterwards.
    assert client.get("/go?next=/ok").headers["Location"] == "/ok"
