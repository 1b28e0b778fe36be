"""Tests for erlen.sessions; a real flask.Flask app is the byte-for-byte oracle."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from markupsafe import Markup

from erlen import Flask
from erlen.json.tag import TaggedJSONSerializer
from erlen.sessions import (
    NullSession,
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionInterface,
    SessionMixin,
    session_json_serializer,
)
from erlen.wrappers.response import Response

NOW = 1_700_000_000


def make_app(secret_key: str | bytes | None = "dev-secret", **config: object) -> Flask:
    """A real app with the given secret key and configuration."""
    app = Flask("sessions_app")
    app.secret_key = secret_key
    app.config.update(config)
    return app


@pytest.fixture
def frozen_time(monkeypatch):
    """Pin itsdangerous' signing timestamp so signatures are reproducible, and the clock both
    session modules read for a permanent cookie's ``Expires``, so erlen's and Flask's cookies,
    made at different instants, do not fall on either side of a second.

    The clock is pinned to the current second, not to ``NOW``: erlen's test client, unlike
    Werkzeug's, drops cookies whose ``Expires`` has passed.
    """
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: NOW)
    fixed = datetime.now(timezone.utc).replace(microsecond=0)

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return fixed

    monkeypatch.setattr("erlen.sessions.datetime", Clock)
    monkeypatch.setattr("flask.sessions.datetime", Clock)
    return NOW


def make_flask_app(secret_key="dev-secret", **config):
    import flask

    app = flask.Flask("oracle")
    app.secret_key = secret_key
    app.config.update(config)
    return app


def save_with_erlen(app, data, *, permanent=False):
    response = Response()
    session = SecureCookieSession(data)
    session.modified = True  # as if the request had written `data`
    if permanent:
        session.permanent = True
    with app.app_context():
        app.session_interface.save_session(app, session, response)
    return response


def save_with_flask(flask_app, data, *, permanent=False):
    import flask.sessions

    response = flask_app.response_class()
    session = flask.sessions.SecureCookieSession(data)
    session.modified = True
    if permanent:
        session.permanent = True
    with flask_app.app_context():
        flask_app.session_interface.save_session(flask_app, session, response)
    return response


def cookie_value(response, name="session"):
    headers = response.headers.getlist("Set-Cookie")
    assert len(headers) == 1, headers
    first = headers[0].split(";", 1)[0]
    key, _, value = first.partition("=")
    assert key == name
    return value


def open_with_erlen(app, value=None):
    """Open the session of a real request sending ``value`` as its cookie (none if None)."""
    headers = {} if value is None else {"Cookie": f"session={value}"}
    with app.test_request_context(headers=headers) as ctx:
        return app.session_interface.open_session(app, ctx.request)


def open_with_flask(flask_app, value):
    import flask

    with flask_app.test_request_context(headers={"Cookie": f"session={value}"}):
        request = flask.request._get_current_object()
        return flask_app.session_interface.open_session(flask_app, request)


SESSION_DATA = [
    {"user_id": 42},
    {"b": 1, "a": "two", "c": [3, 4]},
    {"csrf_token": "0123abcd", "_permanent": True, "_flashes": [("message", "Hi!")]},
    {"text": "ünïcödé ☃ \U0001f600", "html": Markup("<b>x</b>")},
    {"bytes": b"\x00\x01binary", "tuple": (1, (2, 3)), "uuid": UUID(int=7)},
    {"when": datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)},
    {"nested": {"z": {"y": [{"x": None}]}, " t": "looks like a tag"}},
    {" t": "only key is a tag"},
]


@pytest.mark.parametrize("data", SESSION_DATA)
def test_cookie_byte_identical_to_flask(data, frozen_time):
    ours = save_with_erlen(make_app(), data)
    theirs = save_with_flask(make_flask_app(), data)
    assert cookie_value(ours) == cookie_value(theirs)
    assert ours.headers.getlist("Set-Cookie") == theirs.headers.getlist("Set-Cookie")
    assert ours.headers["Vary"] == theirs.headers["Vary"] == "Cookie"


@pytest.mark.parametrize("data", SESSION_DATA)
def test_cookies_interoperate_with_flask(data, frozen_time):
    app, flask_app = make_app(), make_flask_app()
    from_flask = cookie_value(save_with_flask(flask_app, data))
    from_erlen = cookie_value(save_with_erlen(app, data))

    ours = open_with_erlen(app, from_flask)
    assert type(ours) is SecureCookieSession
    assert dict(ours) == dict(open_with_flask(flask_app, from_flask))
    assert dict(open_with_flask(flask_app, from_erlen)) == dict(ours)
    assert ours.modified is False


def test_permanent_cookie_identical_to_flask(frozen_time):
    ours = save_with_erlen(make_app(), {"k": "v"}, permanent=True)
    theirs = save_with_flask(make_flask_app(), {"k": "v"}, permanent=True)
    assert cookie_value(ours) == cookie_value(theirs)
    header = ours.headers.getlist("Set-Cookie")[0]
    assert "Expires=" in header
    assert "HttpOnly" in header


def test_cookie_options_identical_to_flask(frozen_time):
    options = {
        "SESSION_COOKIE_NAME": "sid",
        "SESSION_COOKIE_DOMAIN": "example.com",
        "SESSION_COOKIE_PATH": "/app",
        "SESSION_COOKIE_HTTPONLY": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_PARTITIONED": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }
    ours = save_with_erlen(make_app(**options), {"a": 1})
    theirs = save_with_flask(make_flask_app(**options), {"a": 1})
    assert cookie_value(ours, "sid") == cookie_value(theirs, "sid")
    header = ours.headers.getlist("Set-Cookie")[0]
    for part in ("Domain=example.com", "Path=/app", "Secure", "Partitioned", "SameSite=Lax"):
        assert part in header
    assert "HttpOnly" not in header
    assert ours.headers.getlist("Set-Cookie") == theirs.headers.getlist("Set-Cookie")


def test_signed_outside_app_context_matches_flask(frozen_time):
    """Without an app context both sides fall back to unsorted stdlib JSON."""
    import flask.sessions

    data = {"b": 1, "a": (2,)}
    ours = SecureCookieSessionInterface().get_signing_serializer(make_app()).dumps(data)
    flask_iface = flask.sessions.SecureCookieSessionInterface()
    theirs = flask_iface.get_signing_serializer(make_flask_app()).dumps(data)
    assert ours == theirs


# --- SessionMixin / SecureCookieSession / NullSession ------------------------


def test_session_mixin_defaults():
    class Session(dict, SessionMixin):
        pass

    session = Session()
    assert session.permanent is False
    session.permanent = 1
    assert session["_permanent"] is True
    assert session.permanent is True
    assert Session.new is False
    assert Session.modified is True
    assert Session.accessed is False


def test_secure_cookie_session_tracks_modification():
    session = SecureCookieSession({"a": 1})
    assert session.modified is False and session.accessed is False
    assert session.new is False

    mutations = [
        lambda s: s.__setitem__("b", 2),
        lambda s: s.__delitem__("a"),
        lambda s: s.update(c=3),
        lambda s: s.pop("a"),
        lambda s: s.popitem(),
        lambda s: s.clear(),
        lambda s: s.setdefault("new", 1),
        lambda s: s.__ior__({"d": 4}),
    ]
    for mutate in mutations:
        session = SecureCookieSession({"a": 1})
        mutate(session)
        assert session.modified is True
        # As in Flask 3.1.3, `accessed` is the request context's business, not the dict's.
        assert session.accessed is False

    session = SecureCookieSession({"a": 1})
    session.setdefault("a", 5)  # existing key: read only
    assert session.modified is False
    session.permanent = True
    assert session.modified is True


@pytest.mark.parametrize(
    "read",
    [
        lambda s: s["a"],
        lambda s: s.get("a"),
        lambda s: s.get("missing", 0),
        lambda s: "a" in s,
        lambda s: len(s),
        lambda s: bool(s),
        lambda s: list(s),
        lambda s: s.keys(),
        lambda s: s.values(),
        lambda s: s.items(),
        lambda s: s.permanent,
    ],
)
def test_secure_cookie_session_reads_leave_flags_alone(read):
    # Reads on the object itself (as save_session does) neither access nor modify it; the
    # request context marks `accessed` when user code goes through `session`.
    session = SecureCookieSession({"a": 1})
    read(session)
    assert session.accessed is False
    assert session.modified is False


def test_secure_cookie_session_read_results():
    session = SecureCookieSession({"a": 1, "b": 2})
    assert session["a"] == 1
    assert session.get("zz", "d") == "d"
    assert "b" in session and "zz" not in session
    assert len(session) == 2
    assert list(session) == ["a", "b"]
    assert list(session.items()) == [("a", 1), ("b", 2)]
    assert list(session.values()) == [1, 2]
    assert dict(session) == {"a": 1, "b": 2}
    with pytest.raises(KeyError):
        session["zz"]
    assert repr(session) == "<SecureCookieSession {'a': 1, 'b': 2}>"
    assert isinstance(session, dict)
    assert isinstance(session, SessionMixin)


NULL_SESSION_MESSAGE = (
    "The session is unavailable because no secret key was set.  Set the"
    " secret_key on the application to something unique and secret."
)


def test_null_session():
    import flask.sessions

    session = NullSession()
    assert session.get("x") is None
    assert "x" not in session
    assert len(session) == 0
    assert session.permanent is False
    failing = [
        lambda s: s.__setitem__("a", 1),
        lambda s: s.__delitem__("a"),
        lambda s: s.clear(),
        lambda s: s.pop("a"),
        lambda s: s.popitem(),
        lambda s: s.update(a=1),
        lambda s: s.setdefault("a", 1),
        lambda s: s.__ior__({"a": 1}),
    ]
    for action in failing:
        with pytest.raises(RuntimeError) as exc_info:
            action(session)
        assert str(exc_info.value) == NULL_SESSION_MESSAGE
    with pytest.raises(RuntimeError) as flask_exc:
        flask.sessions.NullSession()["a"] = 1
    assert str(flask_exc.value) == NULL_SESSION_MESSAGE
    with pytest.raises(RuntimeError, match="no secret key was set"):
        session.permanent = True


# --- SessionInterface ---------------------------------------------------------


def test_session_interface_config_getters():
    interface = SessionInterface()
    app = make_app(
        SESSION_COOKIE_NAME="n",
        SESSION_COOKIE_DOMAIN="d.example",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PARTITIONED=True,
        APPLICATION_ROOT="/root",
    )
    assert interface.get_cookie_name(app) == "n"
    assert interface.get_cookie_domain(app) == "d.example"
    assert interface.get_cookie_path(app) == "/root"
    app.config["SESSION_COOKIE_PATH"] = "/explicit"
    assert interface.get_cookie_path(app) == "/explicit"
    assert interface.get_cookie_httponly(app) is False
    assert interface.get_cookie_secure(app) is True
    assert interface.get_cookie_samesite(app) == "Strict"
    assert interface.get_cookie_partitioned(app) is True


def test_session_interface_helpers():
    interface = SessionInterface()
    app = make_app()
    assert interface.null_session_class is NullSession
    assert interface.pickle_based is False
    null = interface.make_null_session(app)
    assert type(null) is NullSession
    assert interface.is_null_session(null)
    assert not interface.is_null_session(SecureCookieSession())

    session = SecureCookieSession()
    assert interface.get_expiration_time(app, session) is None
    session.permanent = True
    before = datetime.now(timezone.utc)
    expires = interface.get_expiration_time(app, session)
    assert expires is not None and expires.tzinfo is not None
    assert before + timedelta(days=31) <= expires <= datetime.now(timezone.utc) + timedelta(days=31)

    with app.test_request_context() as ctx, pytest.raises(NotImplementedError):
        interface.open_session(app, ctx.request)
    with pytest.raises(NotImplementedError):
        interface.save_session(app, session, Response())


def test_should_set_cookie():
    interface = SessionInterface()
    app = make_app()
    session = SecureCookieSession({"a": 1})
    assert not interface.should_set_cookie(app, session)
    session["b"] = 2
    assert interface.should_set_cookie(app, session)

    permanent = SecureCookieSession({"_permanent": True})
    assert interface.should_set_cookie(app, permanent)
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    assert not interface.should_set_cookie(app, permanent)


# --- SecureCookieSessionInterface ----------------------------------------------


def test_secure_cookie_interface_attributes():
    interface = SecureCookieSessionInterface()
    assert interface.salt == "cookie-session"
    assert interface.key_derivation == "hmac"
    assert interface.digest_method is hashlib.sha1
    assert interface.digest_method(b"abc").hexdigest() == hashlib.sha1(b"abc").hexdigest()
    assert isinstance(interface.serializer, TaggedJSONSerializer)
    assert interface.serializer is session_json_serializer
    assert interface.session_class is SecureCookieSession


def test_get_signing_serializer():
    interface = SecureCookieSessionInterface()
    assert interface.get_signing_serializer(make_app(secret_key=None)) is None
    assert interface.get_signing_serializer(make_app(secret_key="")) is None

    app = make_app(secret_key="new", SECRET_KEY_FALLBACKS=["old1", "old2"])
    serializer = interface.get_signing_serializer(app)
    assert isinstance(serializer, URLSafeTimedSerializer)
    assert serializer.secret_keys == [b"old1", b"old2", b"new"]
    assert serializer.salt == b"cookie-session"
    # Cached while nothing relevant changes.
    assert interface.get_signing_serializer(app) is serializer
    app.secret_key = "newer"
    changed = interface.get_signing_serializer(app)
    assert changed is not serializer
    assert changed.secret_keys[-1] == b"newer"
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert interface.get_signing_serializer(app).secret_keys == [b"newer"]


def test_open_session_without_secret_key():
    app = make_app(secret_key=None)
    assert open_with_erlen(app, "x") is None


def test_open_session_new_and_invalid_cookies(frozen_time):
    app = make_app()
    empty = open_with_erlen(app)
    assert type(empty) is SecureCookieSession and dict(empty) == {}
    assert dict(open_with_erlen(app, "")) == {}
    assert dict(open_with_erlen(app, "garbage.sig")) == {}

    value = cookie_value(save_with_erlen(app, {"a": 1}))
    assert dict(open_with_erlen(app, value)) == {"a": 1}
    tampered = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    assert dict(open_with_erlen(app, tampered)) == {}
    assert dict(open_with_erlen(make_app(secret_key="other"), value)) == {}


def test_open_session_expired(monkeypatch):
    app = make_app()
    clock = [NOW]
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: clock[0])
    value = cookie_value(save_with_erlen(app, {"a": 1}))
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    clock[0] = NOW + lifetime
    assert dict(open_with_erlen(app, value)) == {"a": 1}
    clock[0] = NOW + lifetime + 1
    assert dict(open_with_erlen(app, value)) == {}
    app.permanent_session_lifetime = timedelta(seconds=lifetime + 1.9)  # truncated to int
    assert dict(open_with_erlen(app, value)) == {"a": 1}


def test_secret_key_rotation(frozen_time):
    old_app = make_app(secret_key="old")
    value = cookie_value(save_with_erlen(old_app, {"user": 1}))

    app = make_app(secret_key="new", SECRET_KEY_FALLBACKS=["old"])
    session = open_with_erlen(app, value)
    assert dict(session) == {"user": 1}
    session["touched"] = True
    resaved = cookie_value(save_with_erlen(app, dict(session)))
    # Re-signed with the new key only.
    assert dict(open_with_erlen(make_app(secret_key="new"), resaved)) == {"user": 1, "touched": True}
    assert dict(open_with_erlen(make_app(secret_key="old"), resaved)) == {}
    flask_app = make_flask_app("new", SECRET_KEY_FALLBACKS=["old"])
    assert dict(open_with_flask(flask_app, value)) == {"user": 1}


def test_save_session_rules(frozen_time):
    app = make_app()
    interface = app.session_interface

    def save(session):
        response = Response()
        with app.app_context():
            interface.save_session(app, session, response)
        return response

    # Untouched, empty session: nothing at all.
    response = save(SecureCookieSession())
    assert "Set-Cookie" not in response.headers and "Vary" not in response.headers

    # Read (through the request context, which sets `accessed`) but unchanged: only Vary.
    session = SecureCookieSession({"a": 1})
    session.accessed = True
    response = save(session)
    assert "Set-Cookie" not in response.headers
    assert response.headers["Vary"] == "Cookie"

    # Unchanged and not accessed: no headers.
    response = save(SecureCookieSession({"a": 1}))
    assert "Set-Cookie" not in response.headers and "Vary" not in response.headers

    # Emptied: the cookie is deleted, with the same attributes.
    session = SecureCookieSession({"a": 1})
    session.clear()
    response = save(session)
    header = response.headers.getlist("Set-Cookie")[0]
    assert header.startswith("session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0;")
    assert "HttpOnly" in header and "Path=/" in header
    assert response.headers["Vary"] == "Cookie"

    # Permanent sessions are refreshed each request unless disabled.
    permanent = SecureCookieSession({"_permanent": True, "a": 1})
    response = save(permanent)
    assert "Expires=" in response.headers.getlist("Set-Cookie")[0]
    assert response.headers["Vary"] == "Cookie"
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    response = save(SecureCookieSession({"_permanent": True, "a": 1}))
    assert "Set-Cookie" not in response.headers


def test_save_session_delete_matches_flask(frozen_time):
    import flask.sessions

    options = {"SESSION_COOKIE_PARTITIONED": True, "SESSION_COOKIE_SAMESITE": "Strict"}
    app = make_app(**options)
    ours_session = SecureCookieSession({"a": 1})
    ours_session.clear()
    ours = Response()
    app.session_interface.save_session(app, ours_session, ours)

    flask_app = make_flask_app(**options)
    theirs_session = flask.sessions.SecureCookieSession({"a": 1})
    theirs_session.clear()
    theirs = flask_app.response_class()
    flask_app.session_interface.save_session(flask_app, theirs_session, theirs)
    assert ours.headers.getlist("Set-Cookie") == theirs.headers.getlist("Set-Cookie")


def test_custom_session_class_and_serializer(frozen_time):
    class MySession(SecureCookieSession):
        pass

    class MyInterface(SecureCookieSessionInterface):
        session_class = MySession
        salt = "other-salt"

    app = make_app()
    app.session_interface = MyInterface()
    value = cookie_value(save_with_erlen(app, {"x": 1}))
    opened = open_with_erlen(app, value)
    assert type(opened) is MySession and dict(opened) == {"x": 1}
    # A different salt means a different signature.
    assert dict(open_with_erlen(make_app(), value)) == {}


@pytest.mark.parametrize(
    ("existing", "expected"),
    [(None, "Cookie"), ("Cookie", "Cookie"), ("Accept-Encoding", "Accept-Encoding, Cookie")],
)
def test_save_session_adds_cookie_to_vary(existing, expected, frozen_time):
    app = make_app()
    response = Response()
    if existing is not None:
        response.headers["Vary"] = existing
    session = SecureCookieSession({"a": 1})
    session.modified = True
    with app.app_context():
        app.session_interface.save_session(app, session, response)
    assert response.headers.getlist("Vary") == [expected]


def test_cookies_of_many_requests_stay_identical_to_flask(frozen_time):
    # The serializer keeps its signers and derived keys between requests: each cookie is
    # still the one Flask makes, and each loads back.
    import flask.sessions

    app = make_app(secret_key="new", SECRET_KEY_FALLBACKS=["old"])
    flask_app = make_flask_app("new", SECRET_KEY_FALLBACKS=["old"])
    flask_serializer = flask.sessions.SecureCookieSessionInterface().get_signing_serializer(
        flask_app
    )
    old = make_app(secret_key="old").session_interface.get_signing_serializer(make_app("old"))
    serializer = app.session_interface.get_signing_serializer(app)
    for n in range(3):
        cookie = serializer.dumps({"n": n})
        assert cookie == flask_serializer.dumps({"n": n})
        assert serializer.loads(cookie) == {"n": n}
        assert serializer.loads(old.dumps({"n": n})) == {"n": n}


def _session_routes(app, fw):
    """The same session views on an erlen or a Flask app."""

    @app.get("/read")
    def read():
        return str(fw.session.get("n"))

    @app.get("/write/<int:n>")
    def write(n):
        fw.session["n"] = n
        return "written"

    @app.get("/permanent")
    def permanent():
        fw.session.permanent = True
        return "permanent"

    @app.get("/clear")
    def clear():
        fw.session.clear()
        return "cleared"

    @app.get("/plain")
    def plain():
        return "plain"


# (config changes before the request, path): settings change between requests, as a test or
# an app reloading its config may do; every one must be read by the next request.
_SESSION_STEPS = [
    ({}, "/plain"),
    ({}, "/read"),
    ({}, "/write/1"),
    ({}, "/read"),
    ({"SESSION_COOKIE_SAMESITE": "Lax", "SESSION_COOKIE_SECURE": True}, "/write/2"),
    ({}, "/permanent"),
    ({}, "/read"),
    ({"PERMANENT_SESSION_LIFETIME": timedelta(hours=1)}, "/read"),
    ({"SESSION_REFRESH_EACH_REQUEST": False}, "/read"),
    ({"SESSION_COOKIE_HTTPONLY": False, "SESSION_COOKIE_PARTITIONED": True}, "/write/3"),
    ({"SESSION_COOKIE_NAME": "sid"}, "/write/4"),
    ({"SECRET_KEY": "rotated", "SECRET_KEY_FALLBACKS": ["test key"]}, "/read"),
    ({}, "/write/5"),
    ({"SECRET_KEY_FALLBACKS": []}, "/read"),
    ({}, "/clear"),
    ({}, "/read"),
    ({"SESSION_COOKIE_DOMAIN": "example.test", "SESSION_COOKIE_PATH": "/app"}, "/write/6"),
    ({}, "/clear"),
]


def _run_session_steps(app, client):
    seen = []
    for changes, path in _SESSION_STEPS:
        app.config.update(changes)
        response = client.get(path, base_url="https://example.test/app")
        seen.append(
            (
                path,
                response.text,
                response.headers.getlist("Set-Cookie"),
                response.headers.getlist("Vary"),
            )
        )
    return seen


def test_session_requests_match_flask_while_config_changes(app, client, frozen_time):
    import flask

    # (frozen_time pins the clock both read for the Expires of permanent sessions.)
    _session_routes(app, erlen_module())
    flask_app = flask.Flask("oracle")
    flask_app.config.update(TESTING=True, SECRET_KEY="test key")
    _session_routes(flask_app, flask)

    ours = _run_session_steps(app, client)
    theirs = _run_session_steps(flask_app, flask_app.test_client())
    assert ours == theirs
    # The steps do what they say (the oracle could agree on doing nothing).
    texts = [text for _, text, _, _ in ours]
    assert texts[6:9] == ["2", "2", "2"] and texts[11] == "4"
    assert texts[13:] == ["5", "cleared", "None", "written", "cleared"]
    refreshed = [len(cookies) for _, _, cookies, _ in ours[6:9]]
    assert refreshed == [1, 1, 0]
    assert "Domain=example.test" in ours[-1][2][0] and "Path=/app" in ours[-1][2][0]
    assert any(cookie.startswith("sid=") for _, _, cookies, _ in ours for cookie in cookies)


class _CustomCookieInterface(SecureCookieSessionInterface):
    """Overrides of the getters, the expiry and the set-cookie rule must be honoured."""

    def get_cookie_name(self, app):
        return "custom"

    def get_cookie_samesite(self, app):
        return "Strict"

    def get_expiration_time(self, app, session):
        return datetime(2030, 1, 1, tzinfo=timezone.utc)

    def should_set_cookie(self, app, session):
        # Also refresh sessions that were only read.
        return True


def test_session_interface_overrides_are_used(app, client, frozen_time):
    app.session_interface = _CustomCookieInterface()
    _session_routes(app, erlen_module())

    written = client.get("/write/7").headers.getlist("Set-Cookie")
    assert len(written) == 1 and written[0].startswith("custom=")
    assert "Expires=Tue, 01 Jan 2030 00:00:00 GMT" in written[0]
    assert "SameSite=Strict" in written[0]
    assert client.get("/read").text == "7"
    # should_set_cookie says yes to a read-only request too.
    assert client.get("/read").headers.getlist("Set-Cookie")[0].startswith("custom=")
    cleared = client.get("/clear").headers.getlist("Set-Cookie")
    assert cleared[0].startswith("custom=; Expires=Thu, 01 Jan 1970")
    assert "SameSite=Strict" in cleared[0]


def erlen_module():
    import erlen

    return erlen


def _python_sha256(string: bytes = b"") -> object:
    """A digest constructor written in Python (hmac cannot hand it to OpenSSL)."""
    return hashlib.sha256(string)


@pytest.mark.parametrize("digest", [hashlib.sha256, hashlib.sha512, _python_sha256, "sha384"])
def test_cookie_with_another_digest_identical_to_flask(digest, frozen_time):
    import flask.sessions

    class Ours(SecureCookieSessionInterface):
        digest_method = staticmethod(digest) if callable(digest) else digest

    class Theirs(flask.sessions.SecureCookieSessionInterface):
        digest_method = staticmethod(digest) if callable(digest) else digest

    app, flask_app = make_app(), make_flask_app()
    app.session_interface = Ours()
    flask_app.session_interface = Theirs()
    data = {"user_id": 42, "t": (1, b"2")}
    ours = cookie_value(save_with_erlen(app, data))
    assert ours == cookie_value(save_with_flask(flask_app, data))
    assert dict(open_with_erlen(app, ours)) == data
    # A cookie signed with another key does not open.
    other = make_app("another key")
    other.session_interface = Ours()
    assert dict(open_with_erlen(other, ours)) == {}


# Flask reads the session's settings (config values, the interface's attributes and methods,
# the app's lifetime) on every request: each change below must reach the next request, which
# any cache of those settings has to keep true.


def test_fallback_keys_changed_in_place_reach_the_next_request(app, client, frozen_time):
    _session_routes(app, erlen_module())
    old = make_app("old key").session_interface.get_signing_serializer(make_app("old key"))
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert client.get("/read").text == "None"  # a request has read the settings

    client.set_cookie("session", old.dumps({"n": 8}))
    assert client.get("/read").text == "None"  # not a key of the app's
    app.config["SECRET_KEY_FALLBACKS"].append("old key")  # the same list, changed in place
    assert client.get("/read").text == "8"
    app.config["SECRET_KEY_FALLBACKS"].clear()
    assert client.get("/read").text == "None"


def test_interface_attributes_changed_between_requests_are_used(app, client, frozen_time):
    _session_routes(app, erlen_module())
    assert client.get("/write/1").status_code == 200
    assert client.get("/read").text == "1"
    app.session_interface.salt = "another salt"  # the instance's, as Flask allows
    try:
        assert client.get("/read").text == "None"  # signed with the old salt
        client.get("/write/2")
        assert client.get("/read").text == "2"
    finally:
        del app.session_interface.salt
    assert client.get("/read").text == "None"


def test_overridden_getter_is_asked_on_every_request(app, client):
    names = iter(["first", "second", "third"])

    class Rotating(SecureCookieSessionInterface):
        def get_cookie_name(self, app):
            return next(names)

    app.session_interface = Rotating()
    _session_routes(app, erlen_module())
    # open_session and save_session each ask once per request.
    written = client.get("/write/3").headers.getlist("Set-Cookie")
    assert [cookie.split("=", 1)[0] for cookie in written] == ["second"]
    assert next(names) == "third"


def test_app_class_lifetime_property_is_used(frozen_time):
    class ShortLived(Flask):
        lifetime = timedelta(seconds=60)

        @property
        def permanent_session_lifetime(self):
            return self.lifetime

    app = ShortLived("short")
    app.config.update(SECRET_KEY="k", TESTING=True)
    erlen = erlen_module()

    @app.get("/")
    def index():
        erlen.session["n"] = erlen.session.get("n", 0) + 1
        return str(erlen.session["n"])

    client = app.test_client()
    assert client.get("/").text == "1"
    assert client.get("/").text == "2"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(TimestampSigner, "get_timestamp", lambda self: frozen_time + 61)
        assert client.get("/").text == "1"  # older than the property's 60 s: a new session
        app.lifetime = timedelta(hours=1)  # not a config value: only the property says it
        mp.setattr(TimestampSigner, "get_timestamp", lambda self: frozen_time + 181)
        assert client.get("/").text == "2"


def test_bad_lifetime_raises_until_fixed(app, client, frozen_time):
    _session_routes(app, erlen_module())
    client.get("/write/4")
    app.config["PERMANENT_SESSION_LIFETIME"] = "a month"
    app.testing = False  # the error becomes a 500, as in Flask
    assert client.get("/read").status_code == 500
    app.config["PERMANENT_SESSION_LIFETIME"] = 3600
    assert client.get("/read").text == "4"


def test_apps_sharing_the_default_interface_keep_their_own_settings(frozen_time):
    erlen = erlen_module()
    apps = [make_app("key one", SESSION_COOKIE_NAME="one"), make_app("key two")]
    assert apps[0].session_interface is apps[1].session_interface  # Flask's class attribute
    clients = []
    for index, app in enumerate(apps):

        @app.get("/")
        def index_view(index=index):
            erlen.session["app"] = index
            return "ok"

        clients.append(app.test_client())
    for _ in range(2):
        for index, client in enumerate(clients):
            (cookie,) = client.get("/").headers.getlist("Set-Cookie")
            name, _, rest = cookie.partition("=")
            assert name == ("one" if index == 0 else "session")
            value = rest.split(";", 1)[0]
            ours, other = apps[index], apps[1 - index]
            assert ours.session_interface.get_signing_serializer(ours).loads(value) == {
                "app": index
            }
            with pytest.raises(BadSignature):  # signed with this app's key, not the other's
                other.session_interface.get_signing_serializer(other).loads(value)
