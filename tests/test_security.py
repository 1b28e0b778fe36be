"""Tests for erlen.security: password hashes (Werkzeug-compatible) and safe_join."""

from __future__ import annotations

import hashlib
import os
import re

import pytest
from _timing import assert_linear

from erlen import security
from erlen.security import (
    SALT_CHARS,
    check_password_hash,
    gen_salt,
    generate_password_hash,
    safe_join,
)

# Cheap parameters keep the suite fast; defaults are covered separately.
FAST_SCRYPT = "scrypt:1024:8:1"
FAST_PBKDF2 = "pbkdf2:sha256:1000"


def test_gen_salt() -> None:
    salt = gen_salt(32)
    assert len(salt) == 32
    assert set(salt) <= set(SALT_CHARS)
    assert gen_salt(32) != salt


@pytest.mark.parametrize("length", [0, -1])
def test_gen_salt_rejects_non_positive(length: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        gen_salt(length)


def test_default_scrypt_format() -> None:
    h = generate_password_hash("secret")
    method, salt, digest = h.split("$")
    assert method == "scrypt:32768:8:1"
    assert len(salt) == 16
    assert re.fullmatch("[0-9a-f]{128}", digest)
    assert check_password_hash(h, "secret")
    assert not check_password_hash(h, "Secret")


def test_default_pbkdf2_format() -> None:
    h = generate_password_hash("secret", method="pbkdf2")
    method, salt, digest = h.split("$")
    assert method == "pbkdf2:sha256:1000000"
    assert len(salt) == 16
    assert re.fullmatch("[0-9a-f]{64}", digest)
    assert check_password_hash(h, "secret")


@pytest.mark.parametrize(
    ("method", "prefix"),
    [
        (FAST_SCRYPT, "scrypt:1024:8:1$"),
        (FAST_PBKDF2, "pbkdf2:sha256:1000$"),
        ("pbkdf2:sha512:1000", "pbkdf2:sha512:1000$"),
    ],
)
def test_explicit_parameters(method: str, prefix: str) -> None:
    h = generate_password_hash("pw", method=method, salt_length=8)
    assert h.startswith(prefix)
    assert len(h.split("$")[1]) == 8
    assert check_password_hash(h, "pw")
    assert not check_password_hash(h, "pw ")


def test_salts_differ() -> None:
    a = generate_password_hash("pw", FAST_PBKDF2)
    b = generate_password_hash("pw", FAST_PBKDF2)
    assert a != b
    assert check_password_hash(a, "pw") and check_password_hash(b, "pw")


@pytest.mark.parametrize("password", ["", "pässwörd ☃", "a" * 1000, "with$dollar:colon"])
def test_unusual_passwords(password: str) -> None:
    h = generate_password_hash(password, FAST_SCRYPT)
    assert check_password_hash(h, password)
    assert not check_password_hash(h, password + "x")


@pytest.mark.parametrize("method", [FAST_SCRYPT, FAST_PBKDF2, "pbkdf2:sha1:500"])
def test_werkzeug_hash_verifies_with_erlen(method: str) -> None:
    from werkzeug.security import generate_password_hash as w_generate

    h = w_generate("hunter2 ☃", method=method)
    assert check_password_hash(h, "hunter2 ☃")
    assert not check_password_hash(h, "hunter3 ☃")


@pytest.mark.parametrize("method", [FAST_SCRYPT, FAST_PBKDF2, "pbkdf2:sha1:500"])
def test_erlen_hash_verifies_with_werkzeug(method: str) -> None:
    from werkzeug.security import check_password_hash as w_check

    h = generate_password_hash("hunter2 ☃", method=method)
    assert w_check(h, "hunter2 ☃")
    assert not w_check(h, "hunter3 ☃")


def test_default_hashes_interoperate_with_werkzeug() -> None:
    from werkzeug.security import (
        check_password_hash as w_check,
        generate_password_hash as w_generate,
    )

    assert w_check(generate_password_hash("pw"), "pw")
    assert check_password_hash(w_generate("pw"), "pw")


def test_known_vector_matches_werkzeug() -> None:
    from werkzeug.security import _hash_internal as w_hash

    for method in (FAST_SCRYPT, FAST_PBKDF2, "pbkdf2:sha512:100", "scrypt"):
        assert security._hash_internal(method, "saltsalt", "pw") == w_hash(method, "saltsalt", "pw")


def test_legacy_short_pbkdf2_forms() -> None:
    # "pbkdf2:sha256" (default iterations) as stored by older Werkzeug.
    import hashlib

    digest = hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", 1_000_000).hex()
    assert check_password_hash(f"pbkdf2:sha256$salt${digest}", "pw")
    assert check_password_hash(f"pbkdf2$salt${digest}", "pw")


@pytest.mark.parametrize(
    "method", ["md5", "plain", "", "sha256", "scrypt:1:2", "pbkdf2:a:b:c", "bcrypt"]
)
def test_generate_unknown_or_malformed_method_raises(method: str) -> None:
    with pytest.raises(ValueError):
        generate_password_hash("pw", method=method)


@pytest.mark.parametrize(
    "method", ["scrypt:4294967296:8:1", "scrypt:32768:8:100", "pbkdf2:sha256:999999999999"]
)
def test_generate_refuses_absurd_cost(method: str) -> None:
    with pytest.raises(ValueError, match="out of range"):
        generate_password_hash("pw", method=method)


@pytest.mark.parametrize(
    "pwhash",
    [
        "",
        "$",
        "$$",
        "nodollars",
        "scrypt$onlytwo",
        "md5$salt$5f4dcc3b5aa765d61d8327deb882cf99",
        "plain$$pw",
        "scrypt:x:y:z$salt$00",
        "scrypt:3:8:1$salt$00",  # n not a power of two
        "scrypt:0:8:1$salt$00",
        "scrypt:-2:8:1$salt$00",
        "scrypt:1024:8$salt$00",
        "scrypt:1024:8:1:9$salt$00",
        "pbkdf2:nosuchhash:1000$salt$00",
        "pbkdf2:sha256:abc$salt$00",
        "pbkdf2:sha256:0$salt$00",
        "pbkdf2:sha256:-5$salt$00",
        "pbkdf2:sha256:1:2$salt$00",
        "pbkdf2:sha256:1000$salt$ünïcode",
        "pbkdf2:sha256:1000$salt$",
        "\x00$\x00$\x00",
    ],
)
def test_check_malformed_hash_returns_false(pwhash: str) -> None:
    assert check_password_hash(pwhash, "pw") is False


@pytest.mark.parametrize("pwhash", [None, 123, b"scrypt$a$b"])
def test_check_non_string_hash_returns_false(pwhash: object) -> None:
    assert check_password_hash(pwhash, "pw") is False  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "pwhash",
    [
        "scrypt:1073741824:8:1$salt$00",  # 1 TiB of memory
        "scrypt:16384:8:100000000$salt$00",  # ages of CPU
        "pbkdf2:sha256:99999999999$salt$00",
        f"scrypt:{2**4096}:8:1$salt$00",
    ],
)
def test_check_hostile_cost_is_bounded(pwhash: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Refused before any work: neither key derivation function is called.
    calls: list[str] = []
    monkeypatch.setattr(hashlib, "scrypt", lambda *args, **kwargs: calls.append("scrypt"))
    monkeypatch.setattr(hashlib, "pbkdf2_hmac", lambda *args: calls.append("pbkdf2_hmac"))
    assert check_password_hash(pwhash, "pw") is False
    assert calls == []


def test_check_uses_constant_time_compare(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = security.hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", spy)
    h = generate_password_hash("pw", FAST_PBKDF2)
    assert check_password_hash(h, "pw")
    assert len(calls) == 1


# --- safe_join -------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("a", "b"), "base/a/b"),
        (("a/b/c.txt",), "base/a/b/c.txt"),
        (("a/./b",), "base/a/b"),
        (("a/../b",), "base/b"),
        (("a//b",), "base/a/b"),
        (("",), "base"),
        (("", "x"), "base/x"),
        ((), "base"),
        (("foo..bar",), "base/foo..bar"),
        (("..foo",), "base/..foo"),
        (("a/",), "base/a"),
        (("x:y",), "base/x:y"),
        (("caf\u00e9.txt",), "base/caf\u00e9.txt"),
    ],
)
def test_safe_join_valid(parts: tuple[str, ...], expected: str) -> None:
    assert safe_join("base", *parts) == expected


@pytest.mark.parametrize(
    "parts",
    [
        ("..",),
        ("../",),
        ("../etc/passwd",),
        ("a/../../b",),
        ("a/b/../../..",),
        ("/etc/passwd",),
        ("//etc/passwd",),
        ("a", "/b"),
        ("a", ".."),
        ("a", "../b"),
        ("a\\..\\b",),
        ("..\\..\\windows",),
        ("\\\\server\\share",),
        ("a\x00b",),
        ("\x00",),
        ("ok", "bad\x00"),
    ],
)
def test_safe_join_refuses_hostile(parts: tuple[str, ...]) -> None:
    assert safe_join("base", *parts) is None


def test_safe_join_empty_directory_stays_relative() -> None:
    assert safe_join("", "x") == "./x"
    assert safe_join("", "/x") is None
    assert safe_join("", "a/b") == "./a/b"


def test_safe_join_trusted_directory_may_be_absolute() -> None:
    assert safe_join("/srv/static", "css/site.css") == "/srv/static/css/site.css"
    assert safe_join("/srv/static/", "x") == "/srv/static/x"


def test_safe_join_matches_werkzeug_on_posix_paths() -> None:
    from werkzeug.security import safe_join as w_safe_join

    cases = [
        ("a", "b"),
        ("..",),
        ("a/../../b",),
        ("/x",),
        ("a/./b/",),
        ("", "x"),
        ("x", ""),
        ("CON",),
        ("a:b",),
    ]
    for parts in cases:
        assert safe_join("base", *parts) == w_safe_join("base", *parts), parts


@pytest.mark.parametrize(
    "name",
    [
        "CON",
        "con",
        "con.txt",
        "Con.tar.gz",
        "NUL",
        "AUX ",
        "PRN",
        "COM1",
        "com9.log",
        "LPT1",
        "LPT\u00b9",
        "CONIN$",
        "CONOUT$",
        "NUL:",
        "NUL:stream",
        "sub/CON",
        "sub/nul.txt/x",
    ],
)
def test_safe_join_windows_device_names(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setattr(os, "name", "nt")
    assert safe_join("base", name) is None


@pytest.mark.parametrize("name", ["CONSOLE", "COM0", "COM10", "xcon", "con_x", "file.txt"])
def test_safe_join_windows_allows_similar_names(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setattr(os, "name", "nt")
    assert safe_join("base", name) == f"base/{name}"


def test_safe_join_device_names_allowed_on_posix() -> None:
    assert os.name == "posix"
    assert safe_join("base", "CON") == "base/CON"
    assert safe_join("base", "nul.txt") == "base/nul.txt"


def test_safe_join_is_fast_on_long_input() -> None:
    def escaping(n: int) -> str:
        return "a/" * n + "../" * (n + 1)

    assert safe_join("base", escaping(50_000)) is None
    assert_linear(lambda path: safe_join("base", path), escaping, 500)
    assert safe_join("base", "a" * 1_000_000) == "base/" + "a" * 1_000_000
    assert_linear(lambda path: safe_join("base", path), lambda n: "a" * n, 10_000)
