"""Properties of what protects an app: signed session cookies, redirects to client
input, and file names and paths from clients."""

from __future__ import annotations

import posixpath
import string
import typing as t

from hypothesis import assume, given, strategies as st

import erlen
from erlen import redirect, request, session
from erlen.security import safe_join
from erlen.urls import iri_to_uri
from erlen.utils import secure_filename


def _make_app() -> erlen.Flask:
    app = erlen.Flask("props_security")
    app.config.update(SECRET_KEY="property test key")

    @app.get("/session")
    def read_session() -> t.Any:
        return dict(session)

    @app.post("/session")
    def write_session() -> t.Any:
        session.update(request.get_json())
        return "ok"

    @app.get("/go")
    def go() -> t.Any:
        return redirect(request.args.get("next", ""))

    return app


app = _make_app()
cookie_name = app.config["SESSION_COOKIE_NAME"]

cookie_text = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=120).filter(
    lambda s: ";" not in s and "," not in s
)
b64 = string.ascii_letters + string.digits + "-_"
structured = st.tuples(
    st.text(b64, max_size=60), st.text(b64, max_size=8), st.text(b64, max_size=30)
).map(".".join)


def _session_for(cookie: str) -> tuple[int, t.Any]:
    client = app.test_client()
    client.set_cookie(cookie_name, cookie)
    response = client.get("/session")
    return response.status_code, response.json


@given(st.one_of(cookie_text, structured, structured.map(lambda s: "." + s)))
def test_random_session_cookies_give_an_empty_session(cookie: str) -> None:
    assert _session_for(cookie) == (200, {})


json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.text(max_size=10))
session_data = st.dictionaries(
    st.text(string.ascii_lowercase, min_size=1, max_size=6), json_leaf, min_size=1, max_size=4
)


@given(
    session_data,
    st.lists(
        st.tuples(
            st.integers(0, 10**4),
            st.sampled_from(["replace", "delete", "insert"]),
            st.sampled_from(b64 + "."),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_a_tampered_session_cookie_is_never_accepted(
    data: dict[str, t.Any], edits: list[tuple[int, str, str]]
) -> None:
    client = app.test_client()
    assert client.post("/session", json=data).status_code == 200
    cookie = client.get_cookie(cookie_name)
    assert cookie is not None
    original = cookie.value
    tampered = list(original)
    for position, kind, char in edits:
        i = position % (len(tampered) + 1)
        if kind == "insert":
            tampered.insert(i, char)
        elif i < len(tampered):
            if kind == "delete":
                del tampered[i]
            else:
                tampered[i] = char
    forged = "".join(tampered)
    assume(forged != original)
    status, seen = _session_for(forged)
    assert status == 200
    # Base64 may decode two spellings to the same bytes; anything else is refused.
    assert seen in ({}, data)


@given(st.text(max_size=80))
def test_iri_to_uri_is_header_safe_for_any_input(value: str) -> None:
    uri = iri_to_uri(value)
    assert all(0x21 <= ord(c) <= 0x7E for c in uri), uri


@given(st.text(max_size=80))
def test_redirect_to_any_client_url_is_a_302(target: str) -> None:
    response = app.test_client().get("/go", query_string={"next": target})
    assert response.status_code == 302
    assert all(0x21 <= ord(c) <= 0x7E for c in response.headers["Location"])


path_part = st.one_of(
    st.text(max_size=20),
    st.lists(
        st.sampled_from(["..", ".", "", "a", "/", "\\", "\x00", "C:", "~", "etc"]), max_size=6
    ).map("/".join),
)


@given(st.lists(path_part, max_size=4))
def test_safe_join_never_leaves_the_base(parts: list[str]) -> None:
    base = "/srv/base"
    joined = safe_join(base, *parts)
    if joined is None:
        return
    normal = posixpath.normpath(joined)
    assert normal == base or normal.startswith(base + "/"), (parts, joined)
    assert "\x00" not in joined and "\\" not in joined


@given(st.text(max_size=60))
def test_secure_filename_gives_a_plain_name(name: str) -> None:
    safe = secure_filename(name)
    assert set(safe) <= set(string.ascii_letters + string.digits + "._-")
    assert not safe.startswith((".", "_")) and not safe.endswith((".", "_"))
    assert secure_filename(safe) == safe
