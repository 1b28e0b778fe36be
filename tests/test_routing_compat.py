"""Differential tests: erlen.routing gives Werkzeug's answers for generated rule sets.

Werkzeug is a development dependency, imported only here as the reference.
"""

from __future__ import annotations

import random
import types
import typing as t
import warnings

import pytest
import werkzeug.routing as werkzeug_routing

import erlen.routing as erlen_routing

STATIC = ["a", "b", "foo", "x.json"]
DYNAMIC = [
    "<v{n}>",
    "<int:v{n}>",
    "<path:v{n}>",
    "<any(a, b, foo):v{n}>",
    "<float:v{n}>",
    "<string(length=2):v{n}>",
    "f<v{n}>",
    "<v{n}>.json",
    "<int(signed=True):v{n}>",
    "<uuid:v{n}>",
]
METHODS: list[list[str] | None] = [None, ["GET"], ["POST"], ["PUT", "GET"], ["DELETE"]]
SEGMENTS = [
    "a", "b", "foo", "", "12", "-3", "1.5", "ab", "x.json", "fzz", "zz.json",
    "123e4567-e89b-12d3-a456-426614174000", "é", "a\nb", "a b",
]  # fmt: skip


def random_rules(rng: random.Random, count: int) -> list[tuple[str, dict[str, t.Any]]]:
    """Rule strings and options drawn from a vocabulary with many overlaps."""
    specs = []
    for _ in range(count):
        parts = []
        n = 0
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.5:
                parts.append(rng.choice(STATIC))
            else:
                parts.append(rng.choice(DYNAMIC).format(n=n))
                n += 1
        rule = "/" + "/".join(parts) + ("/" if rng.random() < 0.3 else "")
        options: dict[str, t.Any] = {"endpoint": f"e{rng.randint(0, count // 2)}"}
        options["methods"] = rng.choice(METHODS)
        if rng.random() < 0.1:
            options["strict_slashes"] = False
        if rng.random() < 0.05:
            options["websocket"] = True
            options["methods"] = None
        if rng.random() < 0.1 and n:
            options["defaults"] = {"v0": rng.choice([1, "a", 12])}
        if rng.random() < 0.05:
            options["merge_slashes"] = False
            rule = rule.replace("/", "//", 1)
        specs.append((rule, options))
    return specs


def random_path(rng: random.Random) -> str:
    path = "/" + "/".join(rng.choice(SEGMENTS) for _ in range(rng.randint(0, 5)))
    roll = rng.random()
    if roll < 0.1:
        path = "/" + path
    elif roll < 0.2:
        path = path.replace("/", "//", 1)
    elif roll < 0.25:
        path = path.lstrip("/")
    return path


def make_map(routing: types.ModuleType, specs: t.Any, **options: t.Any) -> t.Any:
    return routing.Map([routing.Rule(rule, **kw) for rule, kw in specs], **options)


def match_outcome(adapter: t.Any, path: str, method: str, websocket: bool) -> tuple[t.Any, ...]:
    try:
        endpoint, values = adapter.match(path, method, websocket=websocket)
    except Exception as e:  # noqa: BLE001 - compared by type and details
        return (
            type(e).__name__,
            getattr(e, "new_url", None),
            sorted(getattr(e, "valid_methods", None) or ()),
        )
    return ("ok", endpoint, sorted((k, repr(v)) for k, v in values.items()))


def build_outcome(
    adapter: t.Any, endpoint: str, values: dict[str, t.Any], **kw: t.Any
) -> tuple[t.Any, ...]:
    try:
        return ("ok", adapter.build(endpoint, values, **kw))
    except Exception as e:  # noqa: BLE001 - compared by type and message
        name = type(e).__name__
        return (name, str(e) if name == "BuildError" else None)


@pytest.mark.parametrize("block", range(10))
def test_random_rule_sets_match_like_werkzeug(block: int) -> None:
    checked = 0
    for seed in range(block * 40, block * 40 + 40):
        rng = random.Random(seed)
        specs = random_rules(rng, rng.randint(4, 16))
        options = {
            "strict_slashes": rng.random() < 0.7,
            "merge_slashes": rng.random() < 0.7,
            "redirect_defaults": rng.random() < 0.7,
        }
        try:
            theirs = make_map(werkzeug_routing, specs, **options)
        except Exception:  # noqa: BLE001 - a rule set Werkzeug rejects is skipped
            continue
        ours = make_map(erlen_routing, specs, **options)
        script = rng.choice(["/", "/app"])
        their_adapter = theirs.bind("example.com", script, query_args="q=1")
        our_adapter = ours.bind("example.com", script, query_args="q=1")
        for _ in range(60):
            path = random_path(rng)
            method = rng.choice(["GET", "POST", "HEAD", "PUT", "DELETE"])
            websocket = rng.random() < 0.1
            expected = match_outcome(their_adapter, path, method, websocket)
            assert match_outcome(our_adapter, path, method, websocket) == expected, (
                seed, specs, options, path, method, websocket,
            )  # fmt: skip
            checked += 1
    assert checked > 1000


@pytest.mark.parametrize("block", range(5))
def test_random_rule_sets_build_like_werkzeug(block: int) -> None:
    for seed in range(block * 40, block * 40 + 40):
        rng = random.Random(10_000 + seed)
        specs = random_rules(rng, rng.randint(4, 16))
        sort = rng.random() < 0.2
        try:
            theirs = make_map(werkzeug_routing, specs, sort_parameters=sort)
        except Exception:  # noqa: BLE001 - a rule set Werkzeug rejects is skipped
            continue
        ours = make_map(erlen_routing, specs, sort_parameters=sort)
        subdomain = rng.choice(["", "www"])
        their_adapter = theirs.bind("example.com", "/app", subdomain=subdomain)
        our_adapter = ours.bind("example.com", "/app", subdomain=subdomain)
        for _ in range(40):
            endpoint = f"e{rng.randint(0, len(specs))}"
            values: dict[str, t.Any] = {}
            for k in range(rng.randint(0, 3)):
                values[f"v{k}"] = rng.choice(
                    ["a", 1, 12, "x y", "a/b", 1.5, None, -3, "foo", "é", True]
                )
            if rng.random() < 0.3:
                # Werkzeug sorts before dropping None (a TypeError); erlen drops first.
                multi = ("x", "y") if sort else ("x", None)
                values["q"] = rng.choice(["1", ["a", "b"], None, multi])
            options = {
                "method": rng.choice([None, "GET", "POST"]),
                "force_external": rng.random() < 0.3,
                "append_unknown": rng.random() < 0.8,
                "url_scheme": rng.choice([None, None, "https", ""]),
            }
            expected = build_outcome(their_adapter, endpoint, values, **options)
            got = build_outcome(our_adapter, endpoint, values, **options)
            assert got == expected, (seed, specs, endpoint, values, options)


PRIORITY_SETS = [
    ["/<a>", "/<int:a>", "/<path:a>", "/<float:a>", "/x", "/<a>/", "/<any(x, y):a>"],
    ["/<a>/<b>", "/<a>/b", "/a/<b>", "/a/b", "/<path:a>/b", "/a/<path:b>"],
    ["/<path:p>/edit", "/<path:p>", "/<p>/edit", "/files/<path:p>", "/files/<p>/"],
    ["/v<int:n>", "/v<n>", "/<n>.json", "/v<int:n>.json", "/<a>-<b>", "/<a>-<int:b>"],
    ["/<string(length=2):l>/<p>", "/<string(minlength=3):l>/<p>", "/<l>/<int:p>", "/en/<p>"],
    ["/<path:a>/<path:b>/", "/<path:a>/x/", "/<a>/x", "/<path:a>/<int:b>"],
]
PRIORITY_PATHS = [
    "/", "/x", "/y", "/12", "/1.5", "/a", "/a/b", "/a/c", "/b/b", "/x/y/edit", "/x/edit",
    "/files/a/b", "/files/a/", "/files/a", "/v1", "/v1.json", "/vx", "/a.json", "/a-b",
    "/a-1", "/en/x", "/de/x", "/deu/x", "/de/1", "/q/x/", "/q/w/x/", "/a/b/", "/a//b",
    "/a/1", "/a/b/c/", "/a/b/c",
]  # fmt: skip


@pytest.mark.parametrize("rules", PRIORITY_SETS)
@pytest.mark.parametrize("strict", [True, False])
def test_tricky_priorities_like_werkzeug(rules: list[str], strict: bool) -> None:
    for order in (rules, rules[::-1]):
        specs = [(rule, {"endpoint": f"{i}:{rule}"}) for i, rule in enumerate(order)]
        theirs = make_map(werkzeug_routing, specs, strict_slashes=strict).bind("h")
        ours = make_map(erlen_routing, specs, strict_slashes=strict).bind("h")
        for path in PRIORITY_PATHS:
            expected = match_outcome(theirs, path, "GET", False)
            assert match_outcome(ours, path, "GET", False) == expected, (order, path)


def test_subdomains_and_hosts_like_werkzeug() -> None:
    specs: list[tuple[str, dict[str, t.Any]]] = [
        ("/", {"endpoint": "root"}),
        ("/", {"endpoint": "user", "subdomain": "<user>"}),
        ("/x/<int:n>", {"endpoint": "x", "subdomain": "api"}),
        ("/l", {"endpoint": "lang", "subdomain": "<string(length=2):lang>"}),
    ]
    for default in ("", "www"):
        theirs = make_map(werkzeug_routing, specs, default_subdomain=default)
        ours = make_map(erlen_routing, specs, default_subdomain=default)
        for sub in ("", "www", "api", "de", "joe", "a.b"):
            wa = theirs.bind("example.com", subdomain=sub)
            ea = ours.bind("example.com", subdomain=sub)
            for path in ("/", "/x/1", "/l", "/x/a"):
                assert match_outcome(ea, path, "GET", False) == match_outcome(
                    wa, path, "GET", False
                )
            for endpoint, values in (
                ("root", {}),
                ("user", {"user": "ann"}),
                ("x", {"n": 2}),
                ("lang", {"lang": "fr"}),
            ):
                assert build_outcome(ea, endpoint, values) == build_outcome(wa, endpoint, values)
    host_specs: list[tuple[str, dict[str, t.Any]]] = [
        ("/", {"endpoint": "www", "host": "www.example.com"}),
        ("/", {"endpoint": "any", "host": "<sub>.example.com"}),
        ("/p/<path:p>", {"endpoint": "p", "host": "<a>.<b>.org"}),
    ]
    theirs = make_map(werkzeug_routing, host_specs, host_matching=True)
    ours = make_map(erlen_routing, host_specs, host_matching=True)
    for host in ("www.example.com", "x.example.com", "a.b.org", "c.d.e.org", "other.net"):
        wa, ea = theirs.bind(host), ours.bind(host)
        for path in ("/", "/p/a/b"):
            assert match_outcome(ea, path, "GET", False) == match_outcome(wa, path, "GET", False)
        for endpoint, values in (
            ("www", {}),
            ("any", {"sub": "q"}),
            ("p", {"a": "1", "b": "2", "p": "z"}),
        ):
            assert build_outcome(ea, endpoint, values) == build_outcome(wa, endpoint, values)


ENVIRONS: list[dict[str, t.Any]] = [
    {"HTTP_HOST": "example.com"},
    {"HTTP_HOST": "Example.COM:80"},
    {"HTTP_HOST": "example.com:8080"},
    {"HTTP_HOST": "example.com:443", "wsgi.url_scheme": "https"},
    {"HTTP_HOST": "sub.example.com"},
    {"HTTP_HOST": "a.b.example.com"},
    {"SERVER_NAME": "example.com", "SERVER_PORT": "8000"},
    {"SERVER_NAME": "::1", "SERVER_PORT": "80"},
    {"HTTP_HOST": "bad host"},
    {"HTTP_HOST": "example.com", "HTTP_CONNECTION": "Upgrade", "HTTP_UPGRADE": "websocket"},
    {"HTTP_HOST": "example.com", "PATH_INFO": "/\u00c3\u00a4", "QUERY_STRING": "a=\u00c3\u00a4"},
    {"HTTP_HOST": "example.com", "SCRIPT_NAME": "/app", "PATH_INFO": "/x"},
]


@pytest.mark.parametrize("overrides", ENVIRONS)
@pytest.mark.parametrize("server_name", [None, "example.com", "example.com:8080", "other.org"])
def test_bind_to_environ_like_werkzeug(
    overrides: dict[str, t.Any], server_name: str | None
) -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "wsgi.url_scheme": "http",
        **overrides,
    }
    theirs = werkzeug_routing.Map([werkzeug_routing.Rule("/", endpoint="i")])
    ours = erlen_routing.Map([erlen_routing.Rule("/", endpoint="i")])
    with warnings.catch_warnings(record=True) as theirs_warned:
        warnings.simplefilter("always")  # both warn on a server name mismatch
        expected = theirs.bind_to_environ(environ, server_name=server_name)
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        got = ours.bind_to_environ(environ, server_name=server_name)
    assert [str(w.message) for w in ours_warned] == [str(w.message) for w in theirs_warned]
    for attr in ("server_name", "script_name", "subdomain", "url_scheme", "path_info",
                 "default_method", "query_args", "websocket"):  # fmt: skip
        assert getattr(got, attr) == getattr(expected, attr), attr
