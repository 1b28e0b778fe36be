"""The session cookie's signer and serializer give itsdangerous' own results.

erlen's session serializer overrides some of itsdangerous' methods to do less work per
call; every result and every error here is compared with a plain itsdangerous
``URLSafeTimedSerializer`` configured as Flask configures its own.
"""

from __future__ import annotations

import hashlib
import hmac

import pytest
from itsdangerous import BadData, Signer, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, int_to_bytes

from erlen import Flask
from erlen.sessions import SecureCookieSessionInterface, session_json_serializer

NOW = 1_700_000_000
MAX_AGE = 3600


def itsdangerous_serializer(keys: list[str]) -> URLSafeTimedSerializer:
    """itsdangerous' serializer with Flask's session settings."""
    return URLSafeTimedSerializer(
        keys,
        salt="cookie-session",
        serializer=session_json_serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )


def erlen_serializer(secret: str, fallbacks: list[str] | None = None) -> URLSafeTimedSerializer:
    """The serializer erlen's session interface uses for an app."""
    app = Flask("signer_app")
    app.secret_key = secret
    if fallbacks:
        app.config["SECRET_KEY_FALLBACKS"] = fallbacks
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    return serializer


def outcome(serializer, cookie, **kwargs):
    """What ``serializer.loads(cookie, **kwargs)`` returns, or its error's type, message,
    payload and date."""
    try:
        return ("ok", serializer.loads(cookie, **kwargs))
    except BadData as exc:
        return (
            type(exc),
            str(exc),
            getattr(exc, "payload", None),
            getattr(exc, "date_signed", None),
        )
    except (OSError, OverflowError, ValueError) as exc:
        # itsdangerous lets these out for a signed timestamp datetime cannot hold.
        return (type(exc), str(exc))


@pytest.fixture
def clock(monkeypatch):
    """Set the signing clock (every timestamp signer) with ``clock(seconds)``."""

    def set_time(now: int) -> None:
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now)

    set_time(NOW)
    return set_time


DATA = [
    {"count": 2},
    {},
    {"user": "ü" * 3, "ids": [1, 2, 3], "t": (1, "x")},
    {"big": "a" * 500},  # compressed: the payload starts with "."
    {"big": "abc" * 200, "n": 1},
]


@pytest.mark.parametrize("data", DATA)
def test_dumps_and_loads_match_itsdangerous(data, clock):
    ours, theirs = erlen_serializer("s3cret"), itsdangerous_serializer(["s3cret"])
    cookie = ours.dumps(data)
    assert cookie == theirs.dumps(data)
    assert isinstance(cookie, str)
    if "big" in data:
        assert cookie.startswith(".")
    for value in (cookie, cookie.encode()):
        assert outcome(ours, value, max_age=MAX_AGE) == outcome(theirs, value, max_age=MAX_AGE)
        assert ours.loads(value, max_age=MAX_AGE) == data
        assert ours.loads(value, return_timestamp=True) == theirs.loads(
            value, return_timestamp=True
        )


def test_signature_and_sign_match_itsdangerous(clock):
    ours = erlen_serializer("k").make_signer()
    theirs = itsdangerous_serializer(["k"]).make_signer()
    for value in (b"abc", "abc", "ünï", b""):
        assert ours.get_signature(value) == theirs.get_signature(value)
        assert ours.sign(value) == theirs.sign(value)
        signature = theirs.get_signature(value)
        for sig in (signature, signature.decode(), b"x" + signature, b"!!", "é"):
            assert ours.verify_signature(value, sig) == theirs.verify_signature(value, sig)


def tampered_cookies(cookie: str) -> list[str | bytes]:
    """Broken variants of a good cookie: each must fail as itsdangerous fails."""
    payload, stamp, sig = cookie.rsplit(".", 2)
    other_sig = Signer("k", salt="cookie-session").get_signature(f"{payload}.{stamp}")
    stamp_only = TimestampSigner("s3cret", salt="cookie-session", key_derivation="hmac")
    return [
        "",
        "no-separator",
        "a.b",
        "a.b.c",
        f"{payload}.{stamp}.{sig[:-1]}",
        f"{payload}.{stamp}.{sig}x",
        f"{payload}.{stamp}.!!!",
        f"{payload}x.{stamp}.{sig}",
        f"{payload}.{stamp}x.{sig}",
        f"{payload}.{stamp}.{other_sig.decode()}",
        f"{stamp}.{sig}",
        "é" + cookie,
        cookie.encode() + b"\xff",
        # A good signature over values without a valid timestamp.
        b"abc." + stamp_only.get_signature("abc"),
        Signer("s3cret", salt="cookie-session", key_derivation="hmac", digest_method=hashlib.sha1)
        .sign("abc.!!!")
        .decode(),
        # A good signature over a payload that is not base64 / not the serializer's.
        TimestampSigner(
            "s3cret", salt="cookie-session", key_derivation="hmac", digest_method=hashlib.sha1
        )
        .sign("!!!")
        .decode(),
        TimestampSigner(
            "s3cret", salt="cookie-session", key_derivation="hmac", digest_method=hashlib.sha1
        )
        .sign(base64_encode(b"not json"))
        .decode(),
        # A good signature over a timestamp too large for a datetime.
        Signer("s3cret", salt="cookie-session", key_derivation="hmac", digest_method=hashlib.sha1)
        .sign(b"abc." + base64_encode(int_to_bytes(2**62)))
        .decode(),
    ]


def test_bad_cookies_fail_as_in_itsdangerous(clock):
    ours, theirs = erlen_serializer("s3cret"), itsdangerous_serializer(["s3cret"])
    cookie = theirs.dumps({"count": 2})
    for bad in tampered_cookies(cookie):
        for max_age in (None, MAX_AGE):
            expected = outcome(theirs, bad, max_age=max_age)
            assert expected[0] != "ok", bad
            assert outcome(ours, bad, max_age=max_age) == expected, bad


@pytest.mark.parametrize("age", [0, 1, MAX_AGE - 1, MAX_AGE, MAX_AGE + 1, 10**6, -1, -100])
def test_expiry_matches_itsdangerous(age, clock):
    ours, theirs = erlen_serializer("s3cret"), itsdangerous_serializer(["s3cret"])
    cookie = theirs.dumps({"count": 2})
    clock(NOW + age)
    expected = outcome(theirs, cookie, max_age=MAX_AGE)
    assert outcome(ours, cookie, max_age=MAX_AGE) == expected
    assert (expected[0] == "ok") == (0 <= age <= MAX_AGE)
    # return_timestamp follows itsdangerous too.
    assert outcome(ours, cookie, max_age=MAX_AGE, return_timestamp=True) == (
        outcome(theirs, cookie, max_age=MAX_AGE, return_timestamp=True)
    )


def test_key_rotation_matches_itsdangerous(clock):
    old = itsdangerous_serializer(["old"]).dumps({"count": 1})
    older = itsdangerous_serializer(["older"]).dumps({"count": 0})
    new = itsdangerous_serializer(["new"]).dumps({"count": 2})
    ours = erlen_serializer("new", fallbacks=["older", "old"])
    theirs = itsdangerous_serializer(["older", "old", "new"])
    for cookie in (old, older, new, itsdangerous_serializer(["other"]).dumps({"x": 1})):
        for _ in range(2):  # the second time with the derived keys cached
            assert outcome(ours, cookie, max_age=MAX_AGE) == outcome(
                theirs, cookie, max_age=MAX_AGE
            )
    assert ours.loads(old) == {"count": 1}
    assert ours.dumps({"count": 3}) == theirs.dumps({"count": 3})
    assert ours.dumps({"count": 3}) == itsdangerous_serializer(["new"]).dumps({"count": 3})


def test_fallback_signers_use_itsdangerous_loop(clock):
    # With fallback signers configured, loads tries them as itsdangerous does.
    ours = erlen_serializer("s3cret")
    theirs = itsdangerous_serializer(["s3cret"])
    ours.fallback_signers = theirs.fallback_signers = [
        {"key_derivation": "hmac", "digest_method": hashlib.sha256}
    ]
    sha256 = URLSafeTimedSerializer(
        "s3cret",
        salt="cookie-session",
        serializer=session_json_serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
    ).dumps({"count": 5})
    for cookie in (sha256, theirs.dumps({"count": 6}), "a.b.c"):
        assert outcome(ours, cookie) == outcome(theirs, cookie)
    assert ours.loads(sha256) == {"count": 5}


@pytest.mark.parametrize("digest", [hashlib.sha1, hashlib.sha256, lambda d=b"": hashlib.md5(d)])
def test_signing_algorithm_is_hmac(digest):
    # The prepared per-key HMAC state is reused: every call, in any order of keys and
    # messages, gives hmac's one-shot result.
    signer = erlen_serializer("s3cret").make_signer()
    algorithm = type(signer.algorithm)(digest)
    calls = [(key, msg) for msg in (b"", b"a", b"x" * 1000, b"a") for key in (b"k1", b"k2", b"k1")]
    for key, msg in calls:
        expected = hmac.new(key, msg, digest).digest()
        assert algorithm.get_signature(key, msg) == expected
        assert algorithm.verify_signature(key, msg, expected)
        assert not algorithm.verify_signature(key, msg + b"!", expected)
