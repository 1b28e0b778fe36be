"""Tests for erlen.routing: matching, redirects, building, rules and maps."""

from __future__ import annotations

import threading
import uuid

import pytest

import erlen.routing as r
from erlen.datastructures import ImmutableDict, MultiDict
from erlen.exceptions import BadRequest, HTTPException, MethodNotAllowed, NotFound


def outcome(adapter: r.MapAdapter, path: str, method: str | None = None) -> object:
    """The match result, or the exception's name and its interesting detail."""
    try:
        return adapter.match(path, method)
    except r.RequestRedirect as e:
        return ("redirect", e.new_url)
    except MethodNotAllowed as e:
        return ("405", sorted(e.valid_methods or ()))
    except HTTPException as e:
        return (e.code,)


# -- basic matching -----------------------------------------------------------


def test_basic_static_and_dynamic_match() -> None:
    m = r.Map(
        [
            r.Rule("/", endpoint="index"),
            r.Rule("/foo", endpoint="foo"),
            r.Rule("/bar/", endpoint="bar"),
            r.Rule("/user/<name>", endpoint="user"),
        ]
    )
    a = m.bind("example.org", "/")
    assert a.match("/") == ("index", {})
    assert a.match("/foo") == ("foo", {})
    assert a.match("/bar/") == ("bar", {})
    assert a.match("/user/joe") == ("user", {"name": "joe"})
    with pytest.raises(NotFound):
        a.match("/blub")
    with pytest.raises(NotFound):
        a.match("/user/")


def test_match_return_rule_and_fresh_values() -> None:
    rule = r.Rule("/foo/<int:x>", endpoint="foo", defaults={"d": 1})
    m = r.Map([rule, r.Rule("/s", endpoint="s", defaults={"k": [1]})])
    a = m.bind("localhost")
    got, values = a.match("/foo/3", return_rule=True)
    assert got is rule
    assert values == {"x": 3, "d": 1}
    values["x"] = 99
    assert a.match("/foo/3") == ("foo", {"x": 3, "d": 1})
    first = a.match("/s")[1]
    first["k"] = 0
    assert a.match("/s")[1] == {"k": [1]}


def test_match_uses_bound_path_info_and_method() -> None:
    m = r.Map([r.Rule("/p", endpoint="p", methods=["POST"])])
    a = m.bind("localhost", path_info="/p", default_method="POST")
    assert a.match() == ("p", {})
    with pytest.raises(MethodNotAllowed):
        a.match(method="GET")
    assert m.bind("localhost").path_info == "/"


def test_empty_path_info_redirects_to_root() -> None:
    m = r.Map([r.Rule("/", endpoint="index")])
    a = m.bind("localhost")
    assert outcome(a, "") == ("redirect", "http://localhost/")


def test_method_is_case_insensitive() -> None:
    m = r.Map([r.Rule("/", endpoint="i", methods=["post"])])
    assert m.bind("x").match("/", "post") == ("i", {})
    assert m.iter_rules().__next__().methods == {"POST"}


# -- methods --------------------------------------------------------------------


def test_method_not_allowed_has_exact_allow_set() -> None:
    m = r.Map(
        [
            r.Rule("/item", endpoint="get", methods=["GET"]),
            r.Rule("/item", endpoint="put", methods=["PUT", "PATCH"]),
            r.Rule("/other", endpoint="o", methods=["DELETE"]),
        ]
    )
    a = m.bind("localhost")
    assert outcome(a, "/item", "POST") == ("405", ["GET", "HEAD", "PATCH", "PUT"])
    assert outcome(a, "/item", "PUT") == ("put", {})
    assert outcome(a, "/item", "HEAD") == ("get", {})
    assert outcome(a, "/other", "GET") == ("405", ["DELETE"])


def test_head_is_implied_by_get_and_options_listed() -> None:
    rule = r.Rule("/", endpoint="i", methods=["GET", "OPTIONS"])
    assert rule.methods == {"GET", "HEAD", "OPTIONS"}
    a = r.Map([rule]).bind("localhost")
    assert a.match("/", "HEAD") == ("i", {})
    assert a.match("/", "OPTIONS") == ("i", {})
    assert outcome(a, "/", "POST") == ("405", ["GET", "HEAD", "OPTIONS"])
    assert r.Rule("/", methods=["HEAD"]).methods == {"HEAD"}


def test_methods_as_string_is_rejected() -> None:
    with pytest.raises(TypeError):
        r.Rule("/", methods="GET")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        r.Rule("/", methods="GET")  # type: ignore[arg-type]


def test_no_methods_allows_any_method() -> None:
    a = r.Map([r.Rule("/", endpoint="i")]).bind("localhost")
    for method in ("GET", "POST", "BREW", "--"):
        assert a.match("/", method) == ("i", {})
    assert a.allowed_methods("/") == []


def test_allowed_methods_and_test() -> None:
    m = r.Map(
        [
            r.Rule("/foo", methods=["GET", "POST"], endpoint="foo"),
            r.Rule("/bar", methods=["DELETE"], endpoint="bar"),
            r.Rule("/slash/", endpoint="slash"),
        ]
    )
    a = m.bind("localhost")
    assert sorted(a.allowed_methods("/foo")) == ["GET", "HEAD", "POST"]
    assert list(a.allowed_methods("/bar")) == ["DELETE"]
    assert list(a.allowed_methods("/missing")) == []
    assert a.test("/foo")
    assert a.test("/slash")  # a redirect counts as matching
    assert not a.test("/bar", "GET")
    assert not a.test("/missing")


def test_method_mismatch_falls_through_to_next_rule() -> None:
    m = r.Map(
        [
            r.Rule("/a/b", endpoint="static", methods=["POST"]),
            r.Rule("/a/<x>", endpoint="dynamic", methods=["GET"]),
        ]
    )
    a = m.bind("localhost")
    assert a.match("/a/b", "GET") == ("dynamic", {"x": "b"})
    assert a.match("/a/b", "POST") == ("static", {})
    assert outcome(a, "/a/b", "PUT") == ("405", ["GET", "HEAD", "POST"])


def test_websocket_rules_only_allow_safe_methods() -> None:
    with pytest.raises(ValueError):
        r.Rule("/ws", websocket=True, methods=["POST"])
    assert r.Rule("/ws", websocket=True, methods=["GET"]).methods == {"GET", "HEAD"}


# -- priorities -------------------------------------------------------------------


def test_static_parts_beat_converters() -> None:
    m = r.Map(
        [
            r.Rule("/<a>/<b>", endpoint="dd"),
            r.Rule("/<a>/x", endpoint="ds"),
            r.Rule("/x/<b>", endpoint="sd"),
            r.Rule("/x/x", endpoint="ss"),
        ]
    )
    a = m.bind("localhost")
    assert a.match("/x/x") == ("ss", {})
    assert a.match("/x/y") == ("sd", {"b": "y"})
    assert a.match("/y/x") == ("ds", {"a": "y"})
    assert a.match("/y/y") == ("dd", {"a": "y", "b": "y"})


def test_converter_weights_order_rules() -> None:
    m = r.Map(
        [
            r.Rule("/<path:p>", endpoint="path"),
            r.Rule("/<s>", endpoint="string"),
            r.Rule("/<int:i>", endpoint="int"),
            r.Rule("/<float:f>", endpoint="float"),
        ]
    )
    a = m.bind("localhost")
    assert a.match("/12") == ("int", {"i": 12})
    assert a.match("/1.5") == ("float", {"f": 1.5})
    assert a.match("/abc") == ("string", {"s": "abc"})
    assert a.match("/a/b") == ("path", {"p": "a/b"})


def test_more_static_text_in_a_part_wins() -> None:
    m = r.Map(
        [
            r.Rule("/<name>", endpoint="plain"),
            r.Rule("/<name>.json", endpoint="json"),
            r.Rule("/page-<int:n>.html", endpoint="page"),
        ]
    )
    a = m.bind("localhost")
    assert a.match("/x.json") == ("json", {"name": "x"})
    assert a.match("/page-3.html") == ("page", {"n": 3})
    assert a.match("/page-x.html") == ("plain", {"name": "page-x.html"})


def test_equal_weights_keep_insertion_order() -> None:
    m = r.Map([r.Rule("/<a>", endpoint="first"), r.Rule("/<b>", endpoint="second")])
    assert m.bind("x").match("/v") == ("first", {"a": "v"})
    m = r.Map([r.Rule("/<b>", endpoint="second"), r.Rule("/<a>", endpoint="first")])
    assert m.bind("x").match("/v") == ("second", {"b": "v"})


def test_greedy_path_rules() -> None:
    m = r.Map(
        [
            r.Rule("/foo", endpoint="foo"),
            r.Rule("/<path:bar>", endpoint="bar"),
            r.Rule("/<path:bar>/<path:blub>", endpoint="bar"),
        ]
    )
    a = m.bind("localhost")
    assert a.match("/foo") == ("foo", {})
    assert a.match("/blub") == ("bar", {"bar": "blub"})
    assert a.match("/he/he") == ("bar", {"bar": "he", "blub": "he"})
    assert a.build("bar", {"bar": "blub", "blub": "bar"}) == "/blub/bar"


def test_wiki_style_path_rules() -> None:
    m = r.Map(
        [
            r.Rule("/", defaults={"name": "FrontPage"}, endpoint="page"),
            r.Rule("/Special", endpoint="special"),
            r.Rule("/<int:year>", endpoint="year"),
            r.Rule("/<path:name>", endpoint="page"),
            r.Rule("/<path:name>/edit", endpoint="editpage"),
            r.Rule("/<path:name>/silly/<path:name2>", endpoint="sillypage"),
            r.Rule("/Talk:<path:name>", endpoint="talk"),
            r.Rule("/User:<username>", endpoint="user"),
            r.Rule("/User:<username>/<path:name>", endpoint="userpage"),
        ]
    )
    a = m.bind("example.org")
    assert a.match("/") == ("page", {"name": "FrontPage"})
    assert outcome(a, "/FrontPage") == ("redirect", "http://example.org/")
    assert a.match("/Special") == ("special", {})
    assert a.match("/2007") == ("year", {"year": 2007})
    assert a.match("/Some/Page") == ("page", {"name": "Some/Page"})
    assert a.match("/Some/Page/edit") == ("editpage", {"name": "Some/Page"})
    assert a.match("/Foo/silly/bar") == ("sillypage", {"name": "Foo", "name2": "bar"})
    assert a.match("/Talk:Foo/Bar") == ("talk", {"name": "Foo/Bar"})
    assert a.match("/User:thomas") == ("user", {"username": "thomas"})
    assert a.match("/User:thomas/projects/x") == (
        "userpage",
        {"username": "thomas", "name": "projects/x"},
    )


# -- strict slashes -----------------------------------------------------------------


def test_strict_slashes_redirect_keeps_query() -> None:
    m = r.Map([r.Rule("/bar/", endpoint="bar"), r.Rule("/leaf", endpoint="leaf")])
    a = m.bind("example.org", "/")
    with pytest.raises(r.RequestRedirect) as exc:
        a.match("/bar")
    assert exc.value.code == 308
    assert exc.value.new_url == "http://example.org/bar/"
    assert outcome(a.map.bind("example.org", "/test"), "/bar") == (
        "redirect",
        "http://example.org/test/bar/",
    )
    with pytest.raises(r.RequestRedirect) as exc:
        a.match("/bar", query_args={"aha": "muhaha", "x": ["1", "2"]})
    assert exc.value.new_url == "http://example.org/bar/?aha=muhaha&x=1&x=2"
    with pytest.raises(r.RequestRedirect) as exc:
        a.match("/bar", query_args="aha=muhaha")
    assert exc.value.new_url == "http://example.org/bar/?aha=muhaha"
    bound = m.bind("example.org", query_args="q=1")
    assert outcome(bound, "/bar") == ("redirect", "http://example.org/bar/?q=1")
    assert outcome(a, "/leaf/") == (404,)


def test_strict_slashes_disabled() -> None:
    m = r.Map(
        [r.Rule("/bar/", endpoint="bar"), r.Rule("/leaf", endpoint="leaf")], strict_slashes=False
    )
    a = m.bind("localhost")
    assert a.match("/bar") == ("bar", {})
    assert a.match("/bar/") == ("bar", {})
    assert a.match("/leaf/") == ("leaf", {})
    rule = r.Rule("/x/", endpoint="x", strict_slashes=False)
    a = r.Map([rule, r.Rule("/y/", endpoint="y")]).bind("localhost")
    assert a.match("/x") == ("x", {})
    assert outcome(a, "/y") == ("redirect", "http://localhost/y/")


def test_slash_redirect_quotes_the_path() -> None:
    a = r.Map([r.Rule("/öäü/", endpoint="u")]).bind("localhost")
    assert outcome(a, "/öäü") == ("redirect", "http://localhost/%C3%B6%C3%A4%C3%BC/")


def test_slash_redirect_for_dynamic_and_path_rules() -> None:
    m = r.Map(
        [
            r.Rule("/d/<name>/", endpoint="d"),
            r.Rule("/p/<path:rest>/", endpoint="p"),
        ]
    )
    a = m.bind("localhost")
    assert a.match("/d/x/") == ("d", {"name": "x"})
    assert outcome(a, "/d/x") == ("redirect", "http://localhost/d/x/")
    assert a.match("/p/a/b/") == ("p", {"rest": "a/b"})
    assert outcome(a, "/p/a/b") == ("redirect", "http://localhost/p/a/b/")


def test_slash_redirect_respects_method() -> None:
    m = r.Map([r.Rule("/x/", endpoint="x", methods=["POST"])])
    a = m.bind("localhost")
    assert outcome(a, "/x", "POST") == ("redirect", "http://localhost/x/")
    assert outcome(a, "/x", "GET") == (404,)


def test_request_redirect_is_a_response() -> None:
    exc = r.RequestRedirect("http://localhost/x/")
    assert isinstance(exc, HTTPException) and isinstance(exc, r.RoutingException)
    response = exc.get_response()
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost/x/"


# -- merge slashes --------------------------------------------------------------------


def test_merge_slashes_redirects() -> None:
    m = r.Map([r.Rule("/a/b", endpoint="ab"), r.Rule("/c/<int:x>/", endpoint="c")])
    a = m.bind("localhost")
    assert outcome(a, "/a//b") == ("redirect", "http://localhost/a/b")
    assert outcome(a, "/a///b?") == (404,)
    assert outcome(a, "/c//5") == ("redirect", "http://localhost/c/5/")
    assert outcome(a, "/c//5//") == ("redirect", "http://localhost/c/5/")
    # Leading slashes are stripped without a redirect, like Werkzeug.
    assert a.match("//a/b") == ("ab", {})


def test_merge_slashes_disabled() -> None:
    m = r.Map([r.Rule("/a/b", endpoint="ab")], merge_slashes=False)
    a = m.bind("localhost")
    assert outcome(a, "/a//b") == (404,)
    m = r.Map([r.Rule("/a//b", endpoint="ab", merge_slashes=False), r.Rule("/c/d", endpoint="cd")])
    a = m.bind("localhost")
    assert a.match("/a//b") == ("ab", {})
    assert outcome(a, "/a/b") == (404,)
    assert outcome(a, "/c//d") == ("redirect", "http://localhost/c/d")


def test_merged_rule_builds_single_slashes() -> None:
    m = r.Map([r.Rule("/a//b/<x>", endpoint="ab")])
    assert m.bind("localhost").build("ab", {"x": 1}) == "/a/b/1"


# -- defaults, aliases, redirect_to -----------------------------------------------------


def test_defaults_canonical_url() -> None:
    m = r.Map(
        [
            r.Rule("/foo/", defaults={"page": 1}, endpoint="foo"),
            r.Rule("/foo/<int:page>", endpoint="foo"),
        ]
    )
    a = m.bind("example.org", "/", query_args={"q": "1"})
    assert a.match("/foo/") == ("foo", {"page": 1})
    assert outcome(a, "/foo/1") == ("redirect", "http://example.org/foo/?q=1")
    assert a.match("/foo/2") == ("foo", {"page": 2})
    assert a.build("foo", {}) == "/foo/"
    assert a.build("foo", {"page": 1}) == "/foo/"
    assert a.build("foo", {"page": 2}) == "/foo/2"


def test_redirect_defaults_disabled() -> None:
    m = r.Map(
        [
            r.Rule("/foo/", defaults={"page": 1}, endpoint="foo"),
            r.Rule("/foo/<int:page>", endpoint="foo"),
        ],
        redirect_defaults=False,
    )
    a = m.bind("localhost")
    assert a.match("/foo/1") == ("foo", {"page": 1})
    assert a.build("foo", {"page": 1}) == "/foo/"


def test_default_redirect_to_other_subdomain() -> None:
    m = r.Map(
        [
            r.Rule("/foo", defaults={"bar": 42}, subdomain="test"),
            r.Rule("/foo/<int:bar>", subdomain="other"),
        ]
    )
    a = m.bind("localhost", "/", subdomain="other")
    assert outcome(a, "/foo/42") == ("redirect", "http://test.localhost/foo")


def test_defaults_override_matched_values() -> None:
    m = r.Map([r.Rule("/<x>", endpoint="e", defaults={"x": "fixed", "y": 2})])
    a = m.bind("localhost")
    assert a.match("/anything") == ("e", {"x": "fixed", "y": 2})
    assert a.build("e", {}) == "/fixed"


def test_redirect_to_string_with_converters() -> None:
    m = r.Map(
        [
            r.Rule("/foo/<slug>", endpoint="foo"),
            r.Rule("/old/<slug>", redirect_to="foo/<slug>"),
            r.Rule("/num/<int:n>", redirect_to="foo/<n>"),
            r.Rule("/abs", redirect_to="http://other.example/x"),
        ]
    )
    a = m.bind("example.com", "/app")
    assert outcome(a, "/old/a b") == ("redirect", "http://example.com/app/foo/a%20b")
    assert outcome(a, "/num/7") == ("redirect", "http://example.com/app/foo/7")
    assert outcome(a, "/abs") == ("redirect", "http://other.example/x")


def test_redirect_to_callable_and_subdomain_netloc() -> None:
    seen = []

    def target(adapter: r.MapAdapter, n: int) -> str:
        seen.append((adapter, n))
        return f"/new/{n + 1}"

    m = r.Map([r.Rule("/c/<int:n>", redirect_to=target, subdomain="api")])
    a = m.bind("example.com", subdomain="api")
    assert outcome(a, "/c/5") == ("redirect", "http://api.example.com/new/6")
    assert seen == [(a, 5)]


def test_alias_redirects_to_canonical_rule() -> None:
    m = r.Map(
        [
            r.Rule("/canonical/<int:x>", endpoint="e"),
            r.Rule("/alias/<int:x>", endpoint="e", alias=True),
        ]
    )
    a = m.bind("example.com", query_args="z=1")
    assert outcome(a, "/alias/3") == ("redirect", "http://example.com/canonical/3?z=1")
    assert a.match("/canonical/3") == ("e", {"x": 3})
    assert a.build("e", {"x": 3}) == "/canonical/3"


# -- building ----------------------------------------------------------------------------


def test_basic_building() -> None:
    m = r.Map(
        [
            r.Rule("/", endpoint="index"),
            r.Rule("/foo", endpoint="foo"),
            r.Rule("/bar/<baz>", endpoint="bar"),
            r.Rule("/bar/<int:bazi>", endpoint="bari"),
            r.Rule("/bar/<float:bazf>", endpoint="barf"),
            r.Rule("/bar/<path:bazp>", endpoint="barp"),
            r.Rule("/hehe", endpoint="blah", subdomain="blah"),
        ]
    )
    a = m.bind("example.org", "/", subdomain="blah")
    assert a.build("index", {}) == "http://example.org/"
    assert a.build("foo", {}) == "http://example.org/foo"
    assert a.build("bar", {"baz": "blub"}) == "http://example.org/bar/blub"
    assert a.build("bari", {"bazi": 50}) == "http://example.org/bar/50"
    assert a.build("barf", {"bazf": 0.815}) == "http://example.org/bar/0.815"
    assert a.build("barp", {"bazp": "la/di"}) == "http://example.org/bar/la/di"
    assert a.build("blah", {}) == "/hehe"
    a = m.bind("example.org", "/test", subdomain="blah")
    assert a.build("index", {}) == "http://example.org/test/"
    assert a.build("blah", {}) == "/test/hehe"
    a = m.bind("example.org")
    assert a.build("foo") == "/foo"
    assert a.build("foo", force_external=True) == "http://example.org/foo"
    assert a.build("foo", force_external=True, url_scheme="https") == "https://example.org/foo"
    a = m.bind("example.org", url_scheme="")
    assert a.build("foo", force_external=True) == "//example.org/foo"


def test_build_extra_values_become_query_string_in_order() -> None:
    a = r.Map([r.Rule("/u/<int:id>", endpoint="u")]).bind("localhost")
    assert a.build("u", {"id": 1, "z": "last", "a": "first b"}) == "/u/1?z=last&a=first+b"
    assert a.build("u", {"id": 1, "l": ["x", "y"], "t": ("1",)}) == "/u/1?l=x&l=y&t=1"
    assert a.build("u", {"id": 1, "n": None}) == "/u/1"
    assert a.build("u", {"id": 1, "l": [None]}) == "/u/1"
    assert a.build("u", {"id": 1, "q": "a&b=c/?:"}) == "/u/1?q=a%26b%3Dc/?:"
    assert a.build("u", {"id": 1, "q": "x"}, append_unknown=False) == "/u/1"


def test_build_sorted_parameters() -> None:
    m = r.Map([r.Rule("/", endpoint="i")], sort_parameters=True, sort_key=lambda x: x[1])
    a = m.bind("localhost")
    assert a.build("i", {"x": 20, "y": 10, "z": 30}, force_external=True) == (
        "http://localhost/?y=10&x=20&z=30"
    )
    m = r.Map([r.Rule("/", endpoint="i")], sort_parameters=True)
    assert m.bind("localhost").build("i", {"b": 1, "a": 2}) == "/?a=2&b=1"


def test_build_with_multidict_values() -> None:
    from erlen.datastructures import MultiDict

    a = r.Map([r.Rule("/u/<int:id>", endpoint="u")]).bind("localhost")
    values = MultiDict([("id", 5), ("tag", "a"), ("tag", "b")])
    assert a.build("u", values) == "/u/5?tag=a&tag=b"


def test_build_none_required_value_is_missing() -> None:
    a = r.Map([r.Rule("/u/<int:id>", endpoint="u")]).bind("localhost")
    with pytest.raises(r.BuildError) as exc:
        a.build("u", {"id": None})
    assert exc.value.values == {}


def test_build_quotes_values() -> None:
    m = r.Map(
        [
            r.Rule("/s/<s>", endpoint="s"),
            r.Rule("/p/<path:p>", endpoint="p"),
            r.Rule("/ü/x y", endpoint="st"),
        ]
    )
    a = m.bind("localhost")
    assert a.build("s", {"s": "a b/ü?#%"}) == "/s/a%20b/%C3%BC%3F%23%25"
    assert a.build("s", {"s": "!$&'()*+,:;=@-._~"}) == "/s/!$&'()*+,:;=@-._~"
    assert a.build("s", {"s": 42}) == "/s/42"
    assert a.build("p", {"p": "a/b c"}) == "/p/a/b%20c"
    assert a.build("st") == "/%C3%BC/x%20y"


def test_build_method_selection() -> None:
    m = r.Map(
        [
            r.Rule("/get", endpoint="e", methods=["GET"]),
            r.Rule("/post", endpoint="e", methods=["POST"]),
            r.Rule("/only-post", endpoint="p", methods=["POST"]),
        ]
    )
    a = m.bind("localhost")
    assert a.build("e") == "/get"
    assert a.build("e", method="POST") == "/post"
    assert m.bind("localhost", default_method="POST").build("e") == "/post"
    assert a.build("p") == "/only-post"  # falls back to any method
    with pytest.raises(r.BuildError):
        a.build("p", method="GET")


def test_build_prefers_rules_with_more_arguments() -> None:
    m = r.Map(
        [
            r.Rule("/a", endpoint="e"),
            r.Rule("/a/<x>", endpoint="e"),
            r.Rule("/a/<x>/<y>", endpoint="e"),
        ]
    )
    a = m.bind("localhost")
    assert a.build("e") == "/a"
    assert a.build("e", {"x": 1}) == "/a/1"
    assert a.build("e", {"x": 1, "y": 2}) == "/a/1/2"
    assert a.build("e", {"y": 2}) == "/a?y=2"


def test_build_error_messages() -> None:
    m = r.Map(
        [
            r.Rule("/foo", endpoint="foo"),
            r.Rule("/c/<int:x>", endpoint="c", methods=["POST"]),
        ]
    )
    a = m.bind("localhost")
    with pytest.raises(r.BuildError) as exc:
        a.build("fo")
    assert str(exc.value) == "Could not build url for endpoint 'fo'. Did you mean 'foo' instead?"
    assert isinstance(exc.value, LookupError) and isinstance(exc.value, r.RoutingException)
    assert exc.value.suggested is not None and exc.value.suggested.endpoint == "foo"
    with pytest.raises(r.BuildError) as exc:
        a.build("c", method="POST")
    assert str(exc.value) == (
        "Could not build url for endpoint 'c' ('POST'). Did you forget to specify values ['x']?"
    )
    with pytest.raises(r.BuildError) as exc:
        a.build("c", {"x": 1}, method="GET")
    assert str(exc.value) == (
        "Could not build url for endpoint 'c' ('GET') with values ['x']."
        " Did you mean to use methods ['POST']?"
    )
    assert exc.value.endpoint == "c" and exc.value.method == "GET"
    empty = r.Map().bind("localhost")
    with pytest.raises(r.BuildError) as exc:
        empty.build("x")
    assert str(exc.value) == "Could not build url for endpoint 'x'."


def test_build_converter_errors() -> None:
    class Picky(r.BaseConverter):
        def to_url(self, value: object) -> str:
            if value == "bad":
                raise r.ValidationError()
            return str(value)

    m = r.Map(
        [
            r.Rule("/p/<picky:v>", endpoint="p"),
            r.Rule("/any/<any(a, b):v>", endpoint="a"),
            r.Rule("/i/<int(fixed_digits=4):v>", endpoint="i"),
        ],
        converters={"picky": Picky},
    )
    a = m.bind("localhost")
    assert a.build("p", {"v": "ok"}) == "/p/ok"
    with pytest.raises(r.BuildError):
        a.build("p", {"v": "bad"})
    assert a.build("a", {"v": "b"}) == "/any/b"
    with pytest.raises(ValueError, match="'c' is not one of 'a', 'b'"):
        a.build("a", {"v": "c"})
    assert a.build("i", {"v": 7}) == "/i/0007"
    assert a.build("i", {"v": "12"}) == "/i/0012"


def test_build_only_rules() -> None:
    m = r.Map([r.Rule("/static/<path:f>", endpoint="static", build_only=True)])
    a = m.bind("localhost")
    assert a.build("static", {"f": "a.css"}) == "/static/a.css"
    assert outcome(a, "/static/a.css") == (404,)


def test_build_websocket_rule_is_external() -> None:
    m = r.Map([r.Rule("/ws", endpoint="ws", websocket=True), r.Rule("/h", endpoint="h")])
    assert m.bind("example.org").build("ws") == "ws://example.org/ws"
    assert m.bind("example.org", url_scheme="https").build("ws") == "wss://example.org/ws"
    a = m.bind("example.org", url_scheme="wss")
    assert a.build("h", force_external=True) == "https://example.org/h"
    assert a.build("h") == "/h"


def test_build_script_name_and_subdomains() -> None:
    m = r.Map(
        [
            r.Rule("/", endpoint="index"),
            r.Rule("/u", endpoint="user", subdomain="<user>"),
        ]
    )
    a = m.bind("example.org", "/app/")
    assert a.build("index") == "/app/"
    assert a.build("user", {"user": "joe"}) == "http://joe.example.org/app/u"
    a = m.bind("example.org", "/app", subdomain="joe")
    assert a.build("user", {"user": "joe"}) == "/app/u"
    assert a.build("index") == "http://example.org/app/"


def test_is_endpoint_expecting() -> None:
    m = r.Map([r.Rule("/<lang>/x", endpoint="x"), r.Rule("/y", endpoint="y")])
    assert m.is_endpoint_expecting("x", "lang")
    assert not m.is_endpoint_expecting("y", "lang")
    with pytest.raises(KeyError):
        m.is_endpoint_expecting("nope", "lang")


def test_rule_build_method_directly() -> None:
    m = r.Map([r.Rule("/a/<int:x>", endpoint="a", subdomain="s")])
    rule = next(m.iter_rules())
    assert rule.build({"x": 3}) == ("s", "/a/3")
    assert rule.build({"x": 3, "q": "1"}) == ("s", "/a/3?q=1")
    assert rule.build({"x": 3, "q": "1"}, append_unknown=False) == ("s", "/a/3")
    assert rule.suitable_for({"x": 1})
    assert not rule.suitable_for({})
    assert rule.build_compare_key() == (0, -1, 0)


# -- converters --------------------------------------------------------------------------


def test_int_converter() -> None:
    a = r.Map([r.Rule("/<int:x>", endpoint="i")]).bind("localhost")
    assert a.match("/42") == ("i", {"x": 42})
    assert a.match("/007") == ("i", {"x": 7})
    assert a.match("/\u0663\u0664") == ("i", {"x": 34})  # Unicode digits, like \d
    for bad in ("/-1", "/1.5", "/x", "/4²", "/ 1", "/+1"):
        assert outcome(a, bad) == (404,), bad


def test_int_converter_arguments() -> None:
    m = r.Map(
        [
            r.Rule("/f/<int(fixed_digits=3):x>", endpoint="f"),
            r.Rule("/m/<int(min=2, max=5):x>", endpoint="m"),
            r.Rule("/s/<int(signed=True):x>", endpoint="s"),
        ]
    )
    a = m.bind("localhost")
    assert a.match("/f/042") == ("f", {"x": 42})
    assert outcome(a, "/f/42") == (404,)
    assert outcome(a, "/f/0042") == (404,)
    assert a.match("/m/2") == ("m", {"x": 2})
    assert a.match("/m/5") == ("m", {"x": 5})
    assert outcome(a, "/m/6") == (404,)
    assert outcome(a, "/m/1") == (404,)
    assert a.match("/s/-3") == ("s", {"x": -3})
    assert a.match("/s/3") == ("s", {"x": 3})
    assert outcome(a, "/s/--3") == (404,)
    assert a.build("s", {"x": -3}) == "/s/-3"


def test_float_converter() -> None:
    m = r.Map(
        [
            r.Rule("/f/<float:x>", endpoint="f"),
            r.Rule("/s/<float(signed=True, min=-2.5, max=2):x>", endpoint="s"),
        ]
    )
    a = m.bind("localhost")
    assert a.match("/f/1.5") == ("f", {"x": 1.5})
    for bad in ("/f/1", "/f/.5", "/f/1.", "/f/-1.5", "/f/1e5", "/f/nan"):
        assert outcome(a, bad) == (404,), bad
    assert a.match("/s/-2.5") == ("s", {"x": -2.5})
    assert outcome(a, "/s/-2.6") == (404,)
    assert outcome(a, "/s/2.1") == (404,)
    assert a.build("f", {"x": 0.25}) == "/f/0.25"


def test_uuid_converter() -> None:
    a = r.Map([r.Rule("/<uuid:u>", endpoint="u")]).bind("localhost")
    text = "a8098c1a-f86e-11da-bd1a-00112444be1e"
    endpoint, values = a.match("/" + text)
    assert endpoint == "u" and values == {"u": uuid.UUID(text)}
    assert a.match("/" + text.upper())[1]["u"] == uuid.UUID(text)
    assert outcome(a, "/" + text[:-1]) == (404,)
    assert outcome(a, "/" + text.replace("-", "")) == (404,)
    assert a.build("u", {"u": uuid.UUID(text)}) == "/" + text


def test_any_converter() -> None:
    m = r.Map([r.Rule("/<any(about, help, \"foo,bar\", 'x y'):page>", endpoint="p")])
    a = m.bind("localhost")
    for page in ("about", "help", "foo,bar"):
        assert a.match("/" + page) == ("p", {"page": page})
    assert a.match("/x y") == ("p", {"page": "x y"})
    assert outcome(a, "/abou") == (404,)
    assert outcome(a, "/aboutx") == (404,)
    assert a.build("p", {"page": "foo,bar"}) == "/foo,bar"


def test_any_converter_in_mixed_part() -> None:
    a = r.Map([r.Rule("/file.<any(json, xml):fmt>", endpoint="f")]).bind("localhost")
    assert a.match("/file.json") == ("f", {"fmt": "json"})
    assert outcome(a, "/file.yaml") == (404,)


def test_string_converter_lengths() -> None:
    m = r.Map(
        [
            r.Rule("/l/<string(length=2):v>", endpoint="l"),
            r.Rule("/r/<string(minlength=2, maxlength=3):v>", endpoint="r"),
            r.Rule("/m/<string(minlength=3):v>", endpoint="m"),
            r.Rule("/z/<string(minlength=0):v>/end", endpoint="z"),
        ]
    )
    a = m.bind("localhost")
    assert a.match("/l/ab") == ("l", {"v": "ab"})
    assert outcome(a, "/l/abc") == (404,)
    assert a.match("/r/ab") == ("r", {"v": "ab"})
    assert a.match("/r/abc") == ("r", {"v": "abc"})
    assert outcome(a, "/r/a") == (404,)
    assert outcome(a, "/r/abcd") == (404,)
    assert a.match("/m/abcdef") == ("m", {"v": "abcdef"})
    assert outcome(a, "/m/ab") == (404,)
    assert a.match("/z//end") == ("z", {"v": ""})


def test_path_converter() -> None:
    m = r.Map(
        [
            r.Rule("/files/<path:f>", endpoint="files"),
            r.Rule("/files/<path:f>/raw", endpoint="raw"),
            r.Rule("/static/<path:f>", endpoint="static"),
        ]
    )
    a = m.bind("localhost")
    assert a.match("/files/a/b/c.txt") == ("files", {"f": "a/b/c.txt"})
    assert a.match("/files/a/b/raw") == ("raw", {"f": "a/b"})
    assert a.match("/static/x") == ("static", {"f": "x"})
    assert outcome(a, "/static/") == (404,)
    assert outcome(a, "/files") == (404,)


def test_custom_converter_regex_and_conversion() -> None:
    class ListConverter(r.BaseConverter):
        def to_python(self, value: str) -> list[str]:
            return value.split(",")

        def to_url(self, value: list[str]) -> str:
            return ",".join(r.BaseConverter.to_url(self, v) for v in value)

    m = r.Map(converters={"list": ListConverter})
    m.add(r.Rule("/l/<list:items>", endpoint="l"))
    a = m.bind("localhost")
    assert a.match("/l/a,b,c") == ("l", {"items": ["a", "b", "c"]})
    assert a.build("l", {"items": ["x y", "z"]}) == "/l/x%20y,z"


def test_converter_added_after_map_creation() -> None:
    class Lower(r.BaseConverter):
        regex = "[a-z]+"

    m = r.Map()
    m.converters["lower"] = Lower
    m.add(r.Rule("/<lower:w>", endpoint="w"))
    a = m.bind("localhost")
    assert a.match("/abc") == ("w", {"w": "abc"})
    assert outcome(a, "/ABC") == (404,)
    assert "lower" not in r.Map().converters


def test_converter_with_slash_regex_is_not_part_isolating() -> None:
    class TwoParts(r.BaseConverter):
        regex = "[^/]+/[^/]+"

    class Explicit(r.BaseConverter):
        regex = "[^/]+/[^/]+"
        part_isolating = True

    class Inherits(r.PathConverter):
        pass

    assert TwoParts.part_isolating is False
    assert Explicit.part_isolating is True
    assert Inherits.part_isolating is False
    assert r.UnicodeConverter.part_isolating is True
    m = r.Map([r.Rule("/t/<two:v>/end", endpoint="t")], converters={"two": TwoParts})
    a = m.bind("localhost")
    assert a.match("/t/a/b/end") == ("t", {"v": "a/b"})
    assert outcome(a, "/t/a/end") == (404,)


def test_validation_error_tries_next_rule() -> None:
    class Even(r.BaseConverter):
        regex = r"\d+"

        def to_python(self, value: str) -> int:
            if int(value) % 2:
                raise r.ValidationError()
            return int(value)

    m = r.Map(
        [
            r.Rule("/n/<even:n>", endpoint="even"),
            r.Rule("/n/<rest>", endpoint="other"),
        ],
        converters={"even": Even},
    )
    a = m.bind("localhost")
    assert a.match("/n/4") == ("even", {"n": 4})
    assert a.match("/n/3") == ("other", {"rest": "3"})
    m = r.Map([r.Rule("/n/<even:n>", endpoint="even")], converters={"even": Even})
    assert outcome(m.bind("localhost"), "/n/3") == (404,)


def test_validation_error_with_several_rules_on_one_leaf() -> None:
    class Small(r.BaseConverter):
        regex = r"\d+"
        weight = 50

        def to_python(self, value: str) -> int:
            if len(value) > 2:
                raise r.ValidationError()
            return int(value)

    m = r.Map(
        [
            r.Rule("/<small:v>", endpoint="small"),
            r.Rule("/<int:v>", endpoint="int"),
        ],
        converters={"small": Small},
    )
    a = m.bind("localhost")
    assert a.match("/12") == ("small", {"v": 12})
    assert a.match("/123") == ("int", {"v": 123})


def test_converter_weight_controls_order() -> None:
    class Heavy(r.BaseConverter):
        weight = 300

    class Light(r.BaseConverter):
        regex = "[a-z]+"
        weight = 10

    m = r.Map(
        [r.Rule("/<heavy:v>", endpoint="heavy"), r.Rule("/<light:v>", endpoint="light")],
        converters={"heavy": Heavy, "light": Light},
    )
    a = m.bind("localhost")
    assert a.match("/abc") == ("light", {"v": "abc"})
    assert a.match("/ABC") == ("heavy", {"v": "ABC"})


def test_parse_converter_args() -> None:
    assert r.parse_converter_args("") == ((), {})
    assert r.parse_converter_args("1, 2.5, x, 'a,b', \"c\"") == ((1, 2.5, "x", "a,b", "c"), {})
    assert r.parse_converter_args("min=1, max = 10, signed=True, n=None") == (
        (),
        {"min": 1, "max": 10, "signed": True, "n": None},
    )
    assert r.parse_converter_args("u'x', r\"y\", -5") == (("x", "y", -5), {})
    for bad in ("a b", "=1", "a,,b", "x=", "'unterminated"):
        with pytest.raises(ValueError):
            r.parse_converter_args(bad)


def test_unknown_converter_and_bad_arguments() -> None:
    with pytest.raises(LookupError, match="the converter 'nope' does not exist"):
        r.Map([r.Rule("/<nope:x>")])
    with pytest.raises(TypeError):
        r.Map([r.Rule("/<int(bogus=1):x>")])
    with pytest.raises(ValueError):
        r.Map([r.Rule("/<int(a b):x>")])


# -- rules ---------------------------------------------------------------------------


def test_rule_validation() -> None:
    with pytest.raises(ValueError, match="must start with a slash"):
        r.Rule("foo")
    with pytest.raises(ValueError, match="malformed url rule"):
        r.Map([r.Rule("/foo/<bar")])
    with pytest.raises(ValueError, match="malformed url rule"):
        r.Map([r.Rule("/<1x>")])
    with pytest.raises(ValueError, match="used twice"):
        r.Map([r.Rule("/<a>/<int:a>")])


def test_rule_attributes_and_repr() -> None:
    rule = r.Rule("/a/<int:x>/", endpoint="e", defaults={"d": 1}, methods=["get"])
    assert repr(rule) == "<Rule (unbound)>"
    assert rule.arguments == {"d"}
    assert rule.is_branch and not rule.is_leaf
    m = r.Map([rule])
    assert rule.map is m
    assert rule.arguments == {"d", "x"}
    assert str(rule) == "/a/<int:x>/"
    assert repr(rule).startswith("<Rule '/a/<x>/' (")
    assert repr(rule).endswith(") -> e>")
    assert rule.strict_slashes is True and rule.merge_slashes is True
    assert rule.subdomain == "" and rule.host is None and rule.websocket is False
    assert rule.provide_automatic_options is False
    rule.provide_automatic_options = True
    assert rule.provide_automatic_options is True
    assert "Rule" in repr(m)


def test_rule_empty_copies_everything() -> None:
    rule = r.Rule(
        "/foo", {"meh": "muh"}, "x", ["POST"], False, "x", True, None, None, False, None, False
    )
    copy = rule.empty()
    assert rule.__dict__ == copy.__dict__
    rule.methods.add("GET")  # type: ignore[union-attr]
    assert rule.__dict__ != copy.__dict__
    rule.methods.discard("GET")  # type: ignore[union-attr]
    rule.defaults["meh"] = "aha"  # type: ignore[index]
    assert rule.__dict__ != copy.__dict__
    ws = r.Rule("/ws", websocket=True, merge_slashes=False, host="h", alias=True).empty()
    assert ws.websocket and ws.merge_slashes is False and ws.host == "h" and ws.alias


def test_rule_equality_and_binding_twice() -> None:
    m = r.Map([r.Rule("/a/<x>", endpoint="one"), r.Rule("/a/<x>", endpoint="two")])
    one, two = m.iter_rules()
    assert one == two and one != r.Rule("/a/<x>")
    with pytest.raises(TypeError):
        hash(one)
    with pytest.raises(RuntimeError, match="already bound"):
        r.Map([one])


def test_rule_refresh_recompiles() -> None:
    m = r.Map([r.Rule("/old", endpoint="e")])
    a = m.bind("localhost")
    assert a.match("/old") == ("e", {})
    rule = next(m.iter_rules())
    rule.rule = "/new/<int:x>"
    rule.refresh()
    assert a.match("/new/1") == ("e", {"x": 1})
    assert outcome(a, "/old") == (404,)


def test_adding_rules_after_matching_invalidates() -> None:
    m = r.Map([r.Rule("/a", endpoint="a")])
    a = m.bind("localhost")
    assert a.match("/a") == ("a", {})
    source = m._matcher_source
    m.add(r.Rule("/b/<int:x>", endpoint="b"))
    assert a.match("/b/1") == ("b", {"x": 1})
    assert m._matcher_source != source
    assert a.build("b", {"x": 2}) == "/b/2"


def test_static_answers_follow_rule_changes() -> None:
    m = r.Map([r.Rule("/a", endpoint="a", methods=["GET"])])
    a = m.bind("localhost")
    assert outcome(a, "/a") == ("a", {})
    assert outcome(a, "/a", "POST") == ("405", ["GET", "HEAD"])
    m.add(r.Rule("/a", endpoint="b", methods=["POST"]))
    assert outcome(a, "/a", "POST") == ("b", {})
    rule = next(m.iter_rules("a"))
    rule.methods = {"PUT"}
    rule.refresh()
    assert outcome(a, "/a", "PUT") == ("a", {})
    assert outcome(a, "/a", "GET") == ("405", ["POST", "PUT"])


def test_static_path_forms_and_protocols() -> None:
    m = r.Map(
        [
            r.Rule("/a", endpoint="a"),
            r.Rule("/d", endpoint="d", defaults={"page": 1}),
            r.Rule("/ws", endpoint="ws", websocket=True),
        ]
    )
    a = m.bind("localhost")
    assert outcome(a, "a") == ("a", {})
    assert outcome(a, "///a") == ("a", {})
    assert outcome(a, "/d") == ("d", {"page": 1})
    assert a.match("/ws", websocket=True) == ("ws", {})
    assert outcome(a, "/ws") == (400,)  # only a WebSocket rule matches
    assert outcome(m.bind("localhost", url_scheme="ws"), "/a") == (400,)


def test_view_args_are_a_fresh_dict_per_request(app, client) -> None:
    seen = []

    @app.url_value_preprocessor
    def mark(endpoint, values):
        seen.append(dict(values))
        values["marked"] = True

    @app.route("/plain")
    def plain(marked):
        return "plain"

    @app.route("/n/<int:n>")
    def number(n, marked):
        return str(n)

    for _ in range(2):
        assert client.get("/plain").text == "plain"
        assert client.get("/n/3").text == "3"
    assert seen == [{}, {"n": 3}, {}, {"n": 3}]


def test_matcher_source_is_inspectable() -> None:
    m = r.Map([r.Rule("/a/<int:x>", endpoint="a"), r.Rule("/b/<path:p>", endpoint="b")])
    source = m._matcher_source
    assert "def lookup(dom, path, method, miss=None, fail=_FAIL):" in source
    assert ".isdecimal()" in source
    compile(source, "<test>", "exec")


def test_many_static_children_use_dispatch() -> None:
    rules = [r.Rule(f"/r{i}/<int:id>", endpoint=f"r{i}") for i in range(50)]
    m = r.Map(rules)
    a = m.bind("localhost")
    assert "_SD" in m._matcher_source
    for i in (0, 17, 49):
        assert a.match(f"/r{i}/{i}") == (f"r{i}", {"id": i})
    assert outcome(a, "/r50/1") == (404,)


def test_deep_rules_are_split_into_functions() -> None:
    deep = "/" + "/".join(f"s{i}/<v{i}>" for i in range(40))
    m = r.Map([r.Rule(deep, endpoint="deep")])
    a = m.bind("localhost")
    path = "/" + "/".join(f"s{i}/{i}" for i in range(40))
    endpoint, values = a.match(path)
    assert endpoint == "deep" and values["v39"] == "39" and len(values) == 40
    assert outcome(a, path + "/x") == (404,)


# -- factories -----------------------------------------------------------------------


def test_rule_factories() -> None:
    m = r.Map(
        [
            r.Rule("/", endpoint="index"),
            r.Submount(
                "/blog/",
                [r.Rule("/", endpoint="blog/index"), r.Rule("/<slug>", endpoint="blog/show")],
            ),
            r.EndpointPrefix(
                "admin.", [r.Submount("/admin", [r.Rule("/users", endpoint="users")])]
            ),
            r.Subdomain("<lang>", [r.Rule("/about", endpoint="about")]),
        ]
    )
    a = m.bind("example.org")
    assert a.match("/blog/") == ("blog/index", {})
    assert a.match("/blog/hello") == ("blog/show", {"slug": "hello"})
    assert a.match("/admin/users") == ("admin.users", {})
    assert m.bind("example.org", subdomain="de").match("/about") == ("about", {"lang": "de"})
    assert a.build("about", {"lang": "fr"}) == "http://fr.example.org/about"


def test_rule_templates() -> None:
    resource = r.RuleTemplate(
        [
            r.Rule("/$name/", endpoint="$name.list"),
            r.Rule("/$name/<int:id>", endpoint="$name.show", defaults={"kind": "$name"}),
        ]
    )
    m = r.Map([resource(name="user"), resource({"name": "page"})])
    out = sorted((rule.rule, rule.endpoint) for rule in m.iter_rules())
    assert out == [
        ("/page/", "page.list"),
        ("/page/<int:id>", "page.show"),
        ("/user/", "user.list"),
        ("/user/<int:id>", "user.show"),
    ]
    assert m.bind("x").match("/page/3") == ("page.show", {"id": 3, "kind": "page"})


def test_custom_rule_factory() -> None:
    class Pair(r.RuleFactory):
        def get_rules(self, map: r.Map) -> list[r.Rule]:
            return [r.Rule("/one", endpoint="one"), r.Rule("/two", endpoint="two")]

    m = r.Map([Pair()])
    assert [rule.endpoint for rule in m.iter_rules()] == ["one", "two"]
    with pytest.raises(NotImplementedError):
        r.RuleFactory().get_rules(m)


# -- map ----------------------------------------------------------------------------


def test_iter_rules() -> None:
    m = r.Map(
        [
            r.Rule("/a", endpoint="a"),
            r.Rule("/b/<x>", endpoint="b"),
            r.Rule("/b", endpoint="b"),
        ]
    )
    assert [rule.rule for rule in m.iter_rules()] == ["/a", "/b/<x>", "/b"]
    assert [rule.rule for rule in m.iter_rules("b")] == ["/b/<x>", "/b"]
    with pytest.raises(KeyError):
        m.iter_rules("missing")


def test_map_attributes() -> None:
    m = r.Map()
    assert m.lock_class is threading.Lock
    assert m.converters is not r.Map.default_converters
    assert m.converters["int"] is r.IntegerConverter
    assert set(r.Map.default_converters) == {
        "default",
        "string",
        "any",
        "path",
        "int",
        "float",
        "uuid",
    }
    with pytest.raises(TypeError):
        r.Map.default_converters["x"] = r.BaseConverter  # type: ignore[index]
    assert isinstance(r.Map.default_converters, ImmutableDict)
    assert m.strict_slashes and m.merge_slashes and m.redirect_defaults
    assert not m.host_matching and m.default_subdomain == ""
    assert m._rules_by_endpoint == {}


def test_host_matching() -> None:
    m = r.Map(
        [
            r.Rule("/", endpoint="index", host="www.example.com"),
            r.Rule("/", endpoint="user", host="<user>.example.com"),
            r.Rule("/x/<int:n>", endpoint="x", host="api.example.com:8080"),
        ],
        host_matching=True,
    )
    assert m.bind("www.example.com").match("/") == ("index", {})
    assert m.bind("joe.example.com").match("/") == ("user", {"user": "joe"})
    assert m.bind("a.b.example.com").match("/") == ("user", {"user": "a.b"})
    assert m.bind("api.example.com:8080").match("/x/3") == ("x", {"n": 3})
    assert outcome(m.bind("other.org"), "/") == (404,)
    a = m.bind("www.example.com")
    assert a.build("index") == "/"
    assert a.build("user", {"user": "ann"}) == "http://ann.example.com/"
    assert a.build("index", force_external=True) == "http://www.example.com/"
    with pytest.raises(RuntimeError):
        m.bind("www.example.com", subdomain="x")


def test_host_matching_prefers_rule_on_current_host() -> None:
    m = r.Map(
        [r.Rule("/a", endpoint="e", host="one.org"), r.Rule("/b", endpoint="e", host="two.org")],
        host_matching=True,
    )
    assert m.bind("two.org").build("e") == "/b"
    assert m.bind("three.org").build("e") == "http://one.org/a"


def test_subdomain_matching() -> None:
    m = r.Map(
        [
            r.Rule("/", endpoint="index"),
            r.Rule("/", endpoint="alt", subdomain="alt"),
            r.Rule("/p/<int:n>", endpoint="user", subdomain="<user>"),
            r.Rule("/lang", endpoint="lang", subdomain="<string(length=2):lang>"),
        ],
        default_subdomain="www",
    )
    assert m.bind("example.com").match("/") == ("index", {})
    assert m.bind("example.com", subdomain="alt").match("/") == ("alt", {})
    assert m.bind("example.com", subdomain="joe").match("/p/1") == ("user", {"user": "joe", "n": 1})
    assert m.bind("example.com", subdomain="de").match("/lang") == ("lang", {"lang": "de"})
    assert outcome(m.bind("example.com", subdomain="deu"), "/lang") == (404,)
    assert outcome(m.bind("example.com", subdomain="other"), "/") == (404,)
    a = m.bind("example.com")
    assert a.build("index") == "/"
    assert a.build("alt") == "http://alt.example.com/"


def test_websocket_matching() -> None:
    m = r.Map(
        [
            r.Rule("/ws", endpoint="ws", websocket=True),
            r.Rule("/http", endpoint="http"),
            r.Rule("/both", endpoint="both-http"),
            r.Rule("/both", endpoint="both-ws", websocket=True),
        ]
    )
    http = m.bind("localhost")
    ws = m.bind("localhost", url_scheme="ws")
    assert ws.websocket and not http.websocket
    assert ws.match("/ws") == ("ws", {})
    assert http.match("/both") == ("both-http", {})
    assert ws.match("/both") == ("both-ws", {})
    with pytest.raises(r.WebsocketMismatch) as exc:
        http.match("/ws")
    assert isinstance(exc.value, BadRequest) and exc.value.code == 400
    with pytest.raises(r.WebsocketMismatch):
        ws.match("/http")
    assert http.match("/ws", websocket=True) == ("ws", {})
    assert m.bind("localhost", url_scheme="wss").match("/ws") == ("ws", {})


def test_dispatch() -> None:
    m = r.Map([r.Rule("/", endpoint="root"), r.Rule("/foo/", endpoint="foo")])
    a = m.bind("localhost")
    calls = []

    def view(endpoint: str, values: dict[str, object]) -> str:
        calls.append((endpoint, values))
        return "response"

    assert a.dispatch(view, "/") == "response"
    assert calls == [("root", {})]
    redirect = a.dispatch(view, "/foo")
    assert isinstance(redirect, r.RequestRedirect) and redirect.new_url == "http://localhost/foo/"
    with pytest.raises(NotFound):
        a.dispatch(view, "/bar")
    assert isinstance(a.dispatch(view, "/bar", catch_http_exceptions=True), NotFound)

    def failing(endpoint: str, values: dict[str, object]) -> str:
        raise MethodNotAllowed(["GET"])

    assert isinstance(a.dispatch(failing, "/", catch_http_exceptions=True), MethodNotAllowed)


def test_get_host_and_redirect_url_helpers() -> None:
    a = r.Map().bind("example.com", "/app", subdomain="www", query_args={"a": "1"})
    assert a.get_host(None) == "www.example.com"
    assert a.get_host("") == "example.com"
    assert a.get_host("api") == "api.example.com"
    assert a.make_redirect_url("x/y") == "http://www.example.com/app/x/y?a=1"
    assert a.make_redirect_url("/x", "b=2", domain_part="") == "http://example.com/app/x?b=2"
    assert a.encode_query_args({"q": ["1", None, "2"]}) == "q=1&q=2"
    assert a.encode_query_args("raw=1") == "raw=1"


def test_concurrent_adds_and_matches() -> None:
    m = r.Map([r.Rule("/start", endpoint="start")])
    a = m.bind("localhost")
    errors: list[BaseException] = []

    def adder() -> None:
        for i in range(200):
            m.add(r.Rule(f"/n{i}/<int:x>", endpoint=f"n{i}"))

    def matcher() -> None:
        try:
            for _ in range(300):
                assert a.match("/start") == ("start", {})
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=adder)] + [
        threading.Thread(target=matcher) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for i in (0, 199):
        assert a.match(f"/n{i}/3") == (f"n{i}", {"x": 3})
    assert len(list(m.iter_rules())) == 201


def test_sorted_query_with_none_in_multi_values() -> None:
    m = r.Map([r.Rule("/", endpoint="i")], sort_parameters=True)
    # Werkzeug sorts before dropping None values and raises TypeError here.
    assert m.bind("localhost").build("i", {"b": ("x", None), "a": "1"}) == "/?a=1&b=x"


# Found by fuzzing (issue 9): build then match round-trips.


@pytest.mark.parametrize("value", [1e16, 1e300, 5e-324, 1e-7, 123.25, 0.0])
def test_float_urls_are_built_in_a_form_the_rule_matches(value: float) -> None:
    adapter = r.Map([r.Rule("/f/<float:x>", endpoint="f")]).bind("example.org")
    url = adapter.build("f", {"x": value})
    assert "e" not in url
    assert adapter.match(url) == ("f", {"x": value})


def test_signed_float_urls_round_trip() -> None:
    adapter = r.Map([r.Rule("/f/<float(signed=True):x>", endpoint="f")]).bind("example.org")
    for value in (-1e16, -1e-7, -2.5):
        assert adapter.match(adapter.build("f", {"x": value})) == ("f", {"x": value})


def test_float_without_a_decimal_form_is_not_built() -> None:
    adapter = r.Map([r.Rule("/f/<float:x>", endpoint="f")]).bind("example.org")
    for value in (float("inf"), float("nan")):
        with pytest.raises(r.BuildError):
            adapter.build("f", {"x": value})


def test_any_items_are_quoted_when_built() -> None:
    adapter = r.Map([r.Rule('/<any("a b", "c?d", e):x>', endpoint="a")]).bind("example.org")
    assert adapter.build("a", {"x": "a b"}) == "/a%20b"
    assert adapter.build("a", {"x": "c?d"}) == "/c%3Fd"
    # The server decodes the path before matching.
    assert adapter.match("/a b") == ("a", {"x": "a b"})
    assert adapter.match("/c?d") == ("a", {"x": "c?d"})


def test_any_items_cannot_contain_a_slash() -> None:
    with pytest.raises(ValueError, match="cannot contain '/'"):
        r.Map([r.Rule('/<any("c/d", e):x>', endpoint="a")])


def test_subclass_extends_default_converters_with_a_copy() -> None:
    class ShoutConverter(r.BaseConverter):
        def to_python(self, value: str) -> str:
            return value.upper()

    class ShoutMap(r.Map):
        default_converters = r.Map.default_converters.copy()
        default_converters["shout"] = ShoutConverter

    adapter = ShoutMap([r.Rule("/<shout:word>", endpoint="w")]).bind("example.org")
    assert adapter.match("/hi") == ("w", {"word": "HI"})
    assert "shout" not in r.Map.default_converters


def test_build_a_rule_with_ten_thousand_variables() -> None:
    values = {f"v{i}": i for i in range(10_000)}
    rule = "".join(f"/<{name}>" for name in values)
    adapter = r.Map([r.Rule(rule, endpoint="long", build_only=True)]).bind("localhost")
    assert adapter.build("long", values) == "/" + "/".join(map(str, range(10_000)))


def test_build_ignores_none_in_a_dict_but_converts_it_from_a_multidict() -> None:
    adapter = r.Map([r.Rule("/<int:v>", endpoint="int"), r.Rule("/s/<v>", endpoint="str")]).bind(
        "localhost"
    )
    # A plain mapping: a None value is no value (and no query argument).
    with pytest.raises(r.BuildError):
        adapter.build("int", {"v": None})
    assert adapter.build("int", {"v": 1, "q": None}) == "/1"
    # A MultiDict: the value is given, and the converter decides, as in Werkzeug.
    with pytest.raises(TypeError):
        adapter.build("int", MultiDict({"v": None}))
    with pytest.raises(TypeError):
        adapter.build("int", MultiDict({"v": [None]}))
    assert adapter.build("str", MultiDict({"v": None})) == "/s/None"
    with pytest.raises(r.BuildError):
        adapter.build("int", MultiDict({"v": []}))
