"""erlen.ext.jwt answers as Flask-JWT-Extended 4.7.4 does: one app factory, written once
against the extension's API, is built on Flask with the real extension and on erlen with
the battery, and the same requests get the same statuses, bodies and cookies. Tokens made
by either app are accepted by the other."""

from __future__ import annotations

import importlib
import re
from datetime import timedelta

import pytest

SECRET = "p" * 64


def build(framework: str):
    if framework == "flask":
        flask = importlib.import_module("flask")
        ext = importlib.import_module("flask_jwt_extended")
    else:
        flask = importlib.import_module("erlen")
        ext = importlib.import_module("erlen.ext.jwt")
    exceptions = importlib.import_module(f"{ext.__name__}.exceptions")
    app = flask.Flask(f"parity_{framework}")
    app.config.update(
        JWT_SECRET_KEY=SECRET,
        JWT_TOKEN_LOCATION=["headers", "cookies", "query_string", "json"],
    )
    manager = ext.JWTManager(app)
    revoked: set[str] = set()

    @manager.token_in_blocklist_loader
    def in_blocklist(header, data):
        if data["sub"] == "anonymous":
            # A callback may say "no usable token": an optional view then runs anonymously.
            raise exceptions.NoAuthorizationError("treated as absent")
        return data["sub"] in revoked or data["sub"] == "revoked"

    @manager.user_lookup_loader
    def lookup(header, data):
        return None if data["sub"] == "ghost" else {"name": data["sub"]}

    @manager.token_verification_loader
    def verify(header, data):
        return data["sub"] != "mallory"

    @app.route("/login/<name>")
    def login(name):
        response = flask.jsonify(ok=True)
        ext.set_access_cookies(response, ext.create_access_token(name, fresh=True))
        ext.set_refresh_cookies(response, ext.create_refresh_token(name))
        return response

    @app.route("/logout")
    def logout():
        response = flask.jsonify(ok=True)
        ext.unset_jwt_cookies(response)
        return response

    @app.route("/token/<name>")
    def make(name):
        kind = flask.request.args.get("kind", "access")
        expires = flask.request.args.get("expires", type=int)
        delta = None if expires is None else timedelta(seconds=expires)
        if kind == "refresh":
            return ext.create_refresh_token(name, expires_delta=delta)
        fresh = flask.request.args.get("fresh") == "1"
        return ext.create_access_token(name, fresh=fresh, expires_delta=delta)

    @app.route("/protected", methods=["GET", "POST"])
    @ext.jwt_required()
    def protected():
        return flask.jsonify(
            sub=ext.get_jwt_identity(),
            where=ext.get_jwt_request_location(),
            user=ext.current_user["name"],
        )

    @app.route("/fresh")
    @ext.jwt_required(fresh=True)
    def fresh():
        return flask.jsonify(sub=ext.get_jwt_identity())

    @app.route("/refresh", methods=["GET", "POST"])
    @ext.jwt_required(refresh=True)
    def refresh():
        return flask.jsonify(sub=ext.get_jwt_identity())

    @app.route("/optional", methods=["GET", "POST"])
    @ext.jwt_required(optional=True)
    def optional():
        return flask.jsonify(sub=ext.get_jwt_identity(), jwt=ext.get_jwt())

    return app


def outcome(response):
    cookies = sorted(
        re.sub(r"=[^;]*;", "=;", header, count=1)  # the values differ: ids and times
        for header in response.headers.getlist("Set-Cookie")
    )
    body = response.get_json(silent=True)
    return (
        response.status_code,
        body if body is not None else response.get_data(as_text=True),
        cookies,
    )


def scenario(framework: str) -> list:
    app = build(framework)
    client = app.test_client()

    def tok(name, **query):
        return client.get(f"/token/{name}", query_string=query).get_data(as_text=True)

    def bearer(value):
        return {"Authorization": f"Bearer {value}"}

    results = []
    record = results.append
    access, refresh = tok("ada"), tok("ada", kind="refresh")
    record(outcome(client.get("/protected")))
    record(outcome(client.get("/protected", headers=bearer(access))))
    record(outcome(client.get("/protected", headers=bearer(refresh))))
    record(outcome(client.get("/refresh", headers=bearer(access))))
    record(outcome(client.get("/refresh", headers=bearer(refresh))))
    record(outcome(client.get("/fresh", headers=bearer(access))))
    record(outcome(client.get("/fresh", headers=bearer(tok("ada", fresh="1")))))
    record(outcome(client.get("/protected", headers=bearer(tok("ada", expires=-10)))))
    for name in ("revoked", "ghost", "mallory", "anonymous"):
        record(outcome(client.get("/protected", headers=bearer(tok(name)))))
        record(outcome(client.get("/optional", headers=bearer(tok(name)))))
    for header in ("Bearer", "Bearer ", "Bearer a.b", "Bearer aaaaa.bbbbb.ccccc", "Basic x"):
        record(outcome(client.get("/protected", headers={"Authorization": header})))
        record(outcome(client.get("/optional", headers={"Authorization": header})))
    record(outcome(client.get("/optional")))
    record(outcome(client.get(f"/protected?jwt={access}")))
    record(outcome(client.post("/protected", json={"access_token": access})))
    record(outcome(client.post("/refresh", json={"refresh_token": refresh})))
    record(outcome(client.post("/protected", data="{}", content_type="application/json")))
    record(outcome(client.get("/login/ada")))
    record(outcome(client.get("/protected")))
    record(outcome(client.post("/protected")))
    record(outcome(client.post("/protected", headers={"X-CSRF-TOKEN": "nope"})))
    csrf = client.get_cookie("csrf_access_token").value
    record(outcome(client.post("/protected", headers={"X-CSRF-TOKEN": csrf})))
    record(outcome(client.post("/optional")))
    record(outcome(client.get("/logout")))
    record(outcome(client.get("/protected")))
    return results


def test_same_answers_as_flask_jwt_extended():
    flask_results = scenario("flask")
    erlen_results = scenario("erlen")
    assert len(flask_results) == len(erlen_results) == 39
    for index, (expected, got) in enumerate(zip(flask_results, erlen_results, strict=True)):
        assert got == expected, index


@pytest.mark.parametrize(("maker", "checker"), [("flask", "erlen"), ("erlen", "flask")])
def test_tokens_work_across(maker, checker):
    make_client = build(maker).test_client()
    check_client = build(checker).test_client()
    value = make_client.get("/token/ada?fresh=1").get_data(as_text=True)
    response = check_client.get("/fresh", headers={"Authorization": f"Bearer {value}"})
    assert (response.status_code, response.get_json()) == (200, {"sub": "ada"})
    make_client.get("/login/bob")
    for name in ("access_token_cookie", "csrf_access_token"):
        check_client.set_cookie(name, make_client.get_cookie(name).value)
    csrf = make_client.get_cookie("csrf_access_token").value
    response = check_client.post("/protected", headers={"X-CSRF-TOKEN": csrf})
    assert response.get_json() == {"sub": "bob", "where": "cookies", "user": "bob"}
