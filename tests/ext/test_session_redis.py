"""erlen.ext.session: server-side sessions in a real Redis (from tests/servers)."""

from __future__ import annotations

import datetime
import uuid

import pytest
from itsdangerous import Signer
from no_flask import run_without_flask

import erlen
from erlen import session
from erlen.ext.session import Session
from erlen.ext.session.redis import RedisSession, RedisSessionInterface
from erlen.sessions import session_json_serializer


@pytest.fixture
def make_app(redis_url, redis_client):
    """Apps with Redis sessions; their Redis clients are closed afterwards."""
    made = []

    def make(name="app", **config):
        app = erlen.Flask(name)
        app.config.update(
            {
                "TESTING": True,
                "SECRET_KEY": "test key",
                "SESSION_TYPE": "redis",
                "SESSION_REDIS": redis_url,
                **config,
            }
        )
        Session(app)
        made.append(app)

        @app.get("/set/<key>/<value>")
        def set_value(key, value):
            session[key] = value
            return "set"

        @app.get("/get/<key>")
        def get_value(key):
            return str(session.get(key))

        @app.get("/clear")
        def clear():
            session.clear()
            return "cleared"

        @app.get("/untouched")
        def untouched():
            return "no session here"

        return app

    yield make
    for app in made:
        app.session_interface.client.close()


def cookie(client, app):
    found = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return found.value if found is not None else None


def sid_of(client, app):
    return (
        Signer(app.secret_key, salt="erlen.ext.session", key_derivation="hmac")
        .unsign(cookie(client, app))
        .decode()
    )


def commands(redis_client, name):
    return redis_client.info("commandstats").get(f"cmdstat_{name}", {}).get("calls", 0)


def test_session_roundtrip_and_storage(make_app, redis_client):
    app = make_app()
    assert isinstance(app.session_interface, RedisSessionInterface)
    client = app.test_client()
    assert client.get("/set/user/ada").data == b"set"
    assert client.get("/get/user").data == b"ada"

    sid = sid_of(client, app)
    assert "ada" not in cookie(client, app)  # only the signed id travels
    stored = session_json_serializer.loads(redis_client.get(f"session:{sid}").decode())
    assert stored == {"_permanent": True, "user": "ada"}
    lifetime = app.permanent_session_lifetime.total_seconds()
    assert lifetime - 10 < redis_client.ttl(f"session:{sid}") <= lifetime


def test_two_apps_share_sessions(make_app):
    first, second = make_app("first"), make_app("second")
    client = first.test_client()
    client.get("/set/cart/3")
    other = second.test_client()
    other.set_cookie(second.config["SESSION_COOKIE_NAME"], cookie(client, first))
    assert other.get("/get/cart").data == b"3"


@pytest.mark.parametrize(
    "value",
    [
        "not-a-signed-value",
        "x" * 4000,
        "é.ü",
        "",
        "abc.def.ghi",
    ],
)
def test_bad_cookies_get_a_new_session(make_app, value):
    app = make_app()
    client = app.test_client()
    client.get("/set/user/ada")
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], value)
    response = client.get("/get/user")
    assert response.status_code == 200
    assert response.data == b"None"
    assert client.get("/untouched").status_code == 200


def test_tampered_id_is_refused(make_app):
    app = make_app()
    client = app.test_client()
    client.get("/set/user/ada")
    sid = sid_of(client, app)
    forged = (
        Signer("another key", salt="erlen.ext.session", key_derivation="hmac").sign(sid).decode()
    )
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], forged)
    assert client.get("/get/user").data == b"None"


def test_untouched_requests_make_no_redis_calls(make_app, redis_client):
    app = make_app(SESSION_REFRESH_EACH_REQUEST=False)
    client = app.test_client()
    client.get("/set/user/ada")
    before = {name: commands(redis_client, name) for name in ("get", "set", "getex", "expire")}
    for _ in range(5):
        assert client.get("/untouched").status_code == 200
    assert {name: commands(redis_client, name) for name in before} == before


def test_a_request_without_the_cookie_signs_nothing(make_app, monkeypatch):
    app = make_app()
    signers = []
    get_signer = RedisSessionInterface._get_signer

    def counted(self, app):
        signers.append(app)
        return get_signer(self, app)

    monkeypatch.setattr(RedisSessionInterface, "_get_signer", counted)
    client = app.test_client()
    assert client.get("/untouched").status_code == 200
    assert client.get("/get/user").data == b"None"
    assert signers == []  # no cookie to verify, nothing stored to sign a cookie for
    client.get("/set/user/ada")
    assert signers == [app]  # the new session's cookie
    assert client.get("/get/user").data == b"ada"
    assert len(signers) == 3  # its cookie verified, then refreshed


def test_refresh_each_request_pushes_the_expiry_back(make_app, redis_client):
    app = make_app()  # SESSION_REFRESH_EACH_REQUEST is on by default
    client = app.test_client()
    client.get("/set/user/ada")
    sid = sid_of(client, app)
    redis_client.expire(f"session:{sid}", 100)
    before = commands(redis_client, "get")
    response = client.get("/untouched")
    assert "Expires=" in response.headers["Set-Cookie"]
    assert redis_client.ttl(f"session:{sid}") > 100
    assert commands(redis_client, "get") == before  # one GETEX, the data is not read otherwise
    # Reading without changing: the expiry moves, the data is not written again.
    redis_client.expire(f"session:{sid}", 100)
    sets = commands(redis_client, "set")
    client.get("/get/user")
    assert redis_client.ttl(f"session:{sid}") > 100
    assert commands(redis_client, "set") == sets


def test_clear_deletes_the_stored_session_and_the_cookie(make_app, redis_client):
    app = make_app()
    client = app.test_client()
    client.get("/set/user/ada")
    sid = sid_of(client, app)
    response = client.get("/clear")
    assert "session=;" in response.headers["Set-Cookie"]
    assert not redis_client.exists(f"session:{sid}")
    assert client.get("/get/user").data == b"None"


def test_non_permanent_sessions_end_with_the_browser(make_app, redis_client):
    app = make_app(SESSION_PERMANENT=False)
    client = app.test_client()
    response = client.get("/set/user/ada")
    assert "Expires=" not in response.headers["Set-Cookie"]
    assert redis_client.ttl(f"session:{sid_of(client, app)}") > 0  # Redis still expires it


def test_expired_session_continues_under_a_new_id(make_app, redis_client):
    app = make_app()
    client = app.test_client()
    client.get("/set/user/ada")
    old = sid_of(client, app)
    redis_client.delete(f"session:{old}")
    assert client.get("/get/user").data == b"None"
    client.get("/set/user/bob")
    new = sid_of(client, app)
    assert new != old
    assert redis_client.exists(f"session:{new}") and not redis_client.exists(f"session:{old}")


def test_regenerate_moves_the_data_to_a_new_id(make_app, redis_client):
    app = make_app()

    @app.get("/login")
    def login():
        app.session_interface.regenerate(session._get_current_object())
        session["user"] = "ada"
        return "in"

    client = app.test_client()
    client.get("/set/cart/3")
    old = sid_of(client, app)
    client.get("/login")
    new = sid_of(client, app)
    assert new != old and not redis_client.exists(f"session:{old}")
    assert client.get("/get/cart").data == b"3"
    assert client.get("/get/user").data == b"ada"


def test_unchanged_request_does_not_overwrite_a_concurrent_change(make_app):
    app = make_app()
    client = app.test_client()
    client.get("/set/n/1")
    interface = app.session_interface
    with app.test_request_context(headers={"Cookie": f"session={cookie(client, app)}"}) as ctx:
        slow = interface.open_session(app, ctx.request)
        fast = interface.open_session(app, ctx.request)
        assert slow["n"] == "1" and fast["n"] == "1"
        fast["n"] = "2"
        interface.save_session(app, fast, app.response_class())
        interface.save_session(app, slow, app.response_class())  # read, not changed
    assert client.get("/get/n").data == b"2"


def test_secret_key_fallbacks(make_app):
    app = make_app()
    client = app.test_client()
    client.get("/set/user/ada")
    app.config.update(SECRET_KEY="new key", SECRET_KEY_FALLBACKS=["test key"])
    assert client.get("/get/user").data == b"ada"


def test_without_secret_key_the_session_is_unavailable(make_app):
    app = make_app(SECRET_KEY=None)
    app.config["TESTING"] = False
    client = app.test_client()
    assert client.get("/get/user").data == b"None"
    assert client.get("/set/user/ada").status_code == 500


def test_tagged_values_and_async_views(make_app):
    app = make_app()
    when = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    ident = uuid.UUID(int=7)

    @app.get("/put")
    async def put():
        session["values"] = (1, b"\x00raw", when, ident)
        return "ok"

    @app.get("/take")
    async def take():
        values = session["values"]
        return {"ok": values == (1, b"\x00raw", when, ident), "new": session.new}

    client = app.test_client()
    client.get("/put")
    assert client.get("/take").json == {"ok": True, "new": False}


def test_session_transaction(make_app):
    app = make_app()
    client = app.test_client()
    with client.session_transaction() as sess:
        assert isinstance(sess, RedisSession)
        sess["user"] = "grace"
    assert client.get("/get/user").data == b"grace"
    with client.session_transaction() as sess:
        assert sess["user"] == "grace"


def test_configuration_errors(app, redis_url):
    with pytest.raises(ValueError, match="SESSION_TYPE = 'redis'"):
        Session(app)
    app.config.update(SESSION_TYPE="redis", SESSION_SERIALIZATION_FORMAT="msgpack")
    with pytest.raises(ValueError, match="tagged JSON"):
        Session(app)
    app.config.update(SESSION_SERIALIZATION_FORMAT="json", SESSION_REDIS=None)
    with pytest.warns(RuntimeWarning, match="localhost:6379"):
        Session(app)
    app.session_interface.client.close()


def test_imports_without_flask_or_werkzeug(tmp_path, redis_url):
    """erlen.ext.session never imports Flask, Werkzeug or a Flask extension."""
    script = f"""
        import erlen
        from erlen.ext.session import Session

        app = erlen.Flask("isolated")
        app.config.update(SECRET_KEY="k", SESSION_TYPE="redis", SESSION_REDIS={redis_url!r})
        Session(app)

        @app.get("/")
        def index():
            erlen.session["n"] = erlen.session.get("n", 0) + 1
            return str(erlen.session["n"])

        client = app.test_client()
        assert [client.get("/").data for _ in range(2)] == [b"1", b"2"]
        app.session_interface.client.close()
        """
    run_without_flask(script, cwd=tmp_path)
