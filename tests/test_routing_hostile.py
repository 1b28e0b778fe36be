"""Hostile and unusual input for the router: bounded time, clean 4xx answers."""

from __future__ import annotations

import contextlib
import itertools
import random
import typing as t

import pytest
from _timing import assert_linear

import erlen.routing as r
from erlen.exceptions import HTTPException, NotFound


@pytest.fixture
def adapter() -> r.MapAdapter:
    m = r.Map(
        [
            r.Rule("/", endpoint="index"),
            r.Rule("/static/<path:filename>", endpoint="static"),
            r.Rule("/files/<path:p>/raw", endpoint="raw"),
            r.Rule("/two/<path:a>/<path:b>", endpoint="two"),
            r.Rule("/u/<int:id>", endpoint="user"),
            r.Rule("/u/<int:id>/posts/<slug>/", endpoint="posts"),
            r.Rule("/f/<float:x>", endpoint="float"),
            r.Rule("/any/<any(a, b):v>", endpoint="any"),
            r.Rule("/id/<uuid:u>", endpoint="uuid"),
            r.Rule("/<name>", endpoint="name", methods=["GET"]),
        ]
    )
    return m.bind("localhost")


def attempt(adapter: r.MapAdapter, path: str, method: str = "GET") -> object:
    """Match, turning the routing exceptions into comparable values."""
    try:
        return adapter.match(path, method)
    except r.RequestRedirect as e:
        return ("redirect", e.new_url)
    except HTTPException as e:
        return e.code


def assert_linear_match(adapter: r.MapAdapter, make_path: t.Callable[[int], str], n: int) -> None:
    """Assert that matching ``make_path(10 * n)`` costs about 10 times ``make_path(n)``."""
    assert_linear(lambda path: attempt(adapter, path), make_path, n)


def test_ten_thousand_segments(adapter: r.MapAdapter) -> None:
    assert attempt(adapter, "/" + "a/" * 10_000 + "b") == 404
    assert_linear_match(adapter, lambda n: "/" + "a/" * n + "b", 1_000)
    result = attempt(adapter, "/static/" + "a/" * 10_000 + "b.css")
    assert result == ("static", {"filename": "a/" * 10_000 + "b.css"})
    assert_linear_match(adapter, lambda n: "/static/" + "a/" * n + "b.css", 1_000)
    result = attempt(adapter, "/files/" + "a/" * 10_000 + "raw")
    assert result == ("raw", {"p": ("a/" * 10_000)[:-1]})
    assert_linear_match(adapter, lambda n: "/files/" + "a/" * n + "raw", 1_000)


def test_quadratic_backtracking_is_bounded(adapter: r.MapAdapter) -> None:
    # Two path converters backtrack quadratically; long remainders don't match, so beyond
    # that bound the cost stops growing.
    assert attempt(adapter, "/two/" + "a/" * 10_000 + "\n") == 404
    assert_linear_match(adapter, lambda n: "/two/" + "a/" * n + "\n", 10_000)
    result = attempt(adapter, "/two/" + "a/" * 100 + "\n")
    assert result == ("two", {"a": ("a/" * 100)[:-1], "b": "\n"})


def test_very_long_paths(adapter: r.MapAdapter) -> None:
    long_segment = "x" * 1_000_000
    assert attempt(adapter, "/" + long_segment) == ("name", {"name": long_segment})
    assert_linear_match(adapter, lambda n: "/" + "x" * n, 10_000)
    assert attempt(adapter, "/static/" + long_segment) == ("static", {"filename": long_segment})
    assert_linear_match(adapter, lambda n: "/static/" + "x" * n, 10_000)
    assert attempt(adapter, "/" + "/" * 100_000 + "u/1") == ("user", {"id": 1})
    assert_linear_match(adapter, lambda n: "/" + "/" * n + "u/1", 10_000)
    assert attempt(adapter, "/u" + "/" * 100_000 + "1") == ("redirect", "http://localhost/u/1")
    assert_linear_match(adapter, lambda n: "/u" + "/" * n + "1", 10_000)


def test_huge_integers_do_not_match(adapter: r.MapAdapter) -> None:
    assert attempt(adapter, "/u/" + "9" * 100_000) == 404
    assert_linear_match(adapter, lambda n: "/u/" + "9" * n, 10_000)
    assert attempt(adapter, "/u/" + "9" * 4000) == ("user", {"id": int("9" * 4000)})
    result = attempt(adapter, "/f/" + "1" * 100_000 + ".5")
    assert result == ("float", {"x": float("1" * 100_000 + ".5")})
    assert_linear_match(adapter, lambda n: "/f/" + "1" * n + ".5", 10_000)


def test_percent_encoding_is_literal(adapter: r.MapAdapter) -> None:
    # The server decodes the path; the router never decodes again.
    assert attempt(adapter, "/a%2Fb") == ("name", {"name": "a%2Fb"})
    assert attempt(adapter, "/u/%31") == 404
    assert attempt(adapter, "/static/%2e%2e/secret") == ("static", {"filename": "%2e%2e/secret"})
    assert adapter.build("name", {"name": "a%2Fb"}) == "/a%252Fb"
    assert adapter.build("name", {"name": "../x"}) == "/../x"


def test_dot_segments_are_not_normalised(adapter: r.MapAdapter) -> None:
    assert attempt(adapter, "/static/../etc/passwd") == ("static", {"filename": "../etc/passwd"})
    assert attempt(adapter, "/u/1/../2") == 404
    assert attempt(adapter, "/..") == ("name", {"name": ".."})
    assert attempt(adapter, "/static/..") == ("static", {"filename": ".."})


def test_control_and_unicode_characters(adapter: r.MapAdapter) -> None:
    assert attempt(adapter, "/a\x00b") == ("name", {"name": "a\x00b"})
    assert attempt(adapter, "/a\nb") == ("name", {"name": "a\nb"})
    # Werkzeug's path regex stops at a newline after the first character.
    assert attempt(adapter, "/static/a\nb") == 404
    assert attempt(adapter, "/static/b\n") == 404
    assert attempt(adapter, "/static/\nb") == ("static", {"filename": "\nb"})
    assert attempt(adapter, "/static/\n") == ("static", {"filename": "\n"})
    assert attempt(adapter, "/ünï©ødé") == ("name", {"name": "ünï©ødé"})
    assert attempt(adapter, "/\ud800") == ("name", {"name": "\ud800"})
    assert attempt(adapter, "/u/\u0664\u0662") == ("user", {"id": 42})
    assert attempt(adapter, "/u/\u00b2") == 404
    assert attempt(adapter, "/any/\u0430") == 404


def test_unicode_rules() -> None:
    m = r.Map(
        [
            r.Rule("/über/<name>", endpoint="u"),
            r.Rule("/日本/", endpoint="jp"),
        ]
    )
    a = m.bind("localhost")
    assert a.match("/über/straße") == ("u", {"name": "straße"})
    assert a.match("/日本/") == ("jp", {})
    assert attempt(a, "/日本") == ("redirect", "http://localhost/%E6%97%A5%E6%9C%AC/")
    assert a.build("u", {"name": "ä"}) == "/%C3%BCber/%C3%A4"


def test_hostile_host_headers_are_bounded() -> None:
    m = r.Map([r.Rule("/", endpoint="index")])
    env = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "wsgi.url_scheme": "http",
    }
    for i in range(2000):
        env["HTTP_HOST"] = f"h{i}.example.com"
        assert m.bind_to_environ(env).match() == ("index", {})
    env["HTTP_HOST"] = "x" * 100_000
    with pytest.raises(Exception) as exc:
        m.bind_to_environ(env)
    assert type(exc.value).__name__ == "BadHost"
    env["HTTP_HOST"] = "a." * 50_000
    assert m.bind_to_environ(env).server_name == "a." * 50_000

    ports = itertools.count()

    def bind(host: str) -> None:
        # A new port each time: the answer must not come from the cache of hosts.
        env["HTTP_HOST"] = f"{host}:{next(ports) % 65535 + 1}"
        with contextlib.suppress(HTTPException):
            m.bind_to_environ(env)

    assert_linear(bind, lambda n: "x" * n, 10_000)
    assert_linear(bind, lambda n: "a." * n, 1_000)


def test_random_paths_only_raise_http_errors(adapter: r.MapAdapter) -> None:
    rng = random.Random(1234)
    alphabet = "ab/1.-%\n\x00é~:"
    for _ in range(3000):
        path = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        for method in ("GET", "POST"):
            try:
                adapter.match(path, method)
            except (HTTPException, r.RequestRedirect):
                pass


def test_many_rules_with_path_converters_stay_fast() -> None:
    rules = [r.Rule(f"/p{i}/<path:rest>/<int:n>", endpoint=f"p{i}") for i in range(300)]
    rules.append(r.Rule("/<path:anything>/tail", endpoint="tail"))
    a = r.Map(rules).bind("localhost")
    result = attempt(a, "/p299/" + "x/" * 5000 + "7")
    assert result == ("p299", {"rest": ("x/" * 5000)[:-1], "n": 7})
    assert_linear_match(a, lambda n: "/p299/" + "x/" * n + "7", 500)
    result = attempt(a, "/q/" + "x/" * 5000 + "tail")
    assert result[0] == "tail"  # type: ignore[index]
    assert_linear_match(a, lambda n: "/q/" + "x/" * n + "tail", 500)


def test_garbage_method_and_empty_values() -> None:
    m = r.Map([r.Rule("/x", endpoint="x", methods=["GET"])])
    a = m.bind("localhost")
    with pytest.raises(HTTPException) as exc:
        a.match("/x", "G\x00ET" * 1000)
    assert exc.value.code == 405
    with pytest.raises(NotFound):
        a.match("/" + "\x00" * 1000)
