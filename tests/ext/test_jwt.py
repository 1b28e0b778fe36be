"""erlen.ext.jwt through the test client: the token locations, the checks and their
401/422/400 answers, the loaders, the cookies with double-submit CSRF, and the JWT_* config."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import jwt as pyjwt
import pytest

from erlen import Blueprint, jsonify, render_template_string, request
from erlen.ext.jwt import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    current_user,
    decode_token,
    get_csrf_token,
    get_current_user,
    get_jti,
    get_jwt,
    get_jwt_header,
    get_jwt_identity,
    get_jwt_request_location,
    get_unverified_jwt_headers,
    jwt_required,
    set_access_cookies,
    set_refresh_cookies,
    unset_access_cookies,
    unset_jwt_cookies,
    verify_jwt_in_request,
)
from erlen.ext.jwt.config import config
from erlen.ext.jwt.exceptions import JWTDecodeError

SECRET = "s" * 64  # HS512 wants 64 bytes; PyJWT warns (an error here) below the digest size


@pytest.fixture
def jwt(app):
    app.config["JWT_SECRET_KEY"] = SECRET
    manager = JWTManager(app)

    @app.route("/protected", methods=["GET", "POST", "OPTIONS"])
    @jwt_required()
    def protected():
        return jsonify(identity=get_jwt_identity(), location=get_jwt_request_location())

    @app.route("/fresh")
    @jwt_required(fresh=True)
    def fresh():
        return jsonify(identity=get_jwt_identity())

    @app.route("/refresh", methods=["GET", "POST"])
    @jwt_required(refresh=True)
    def refresh():
        return jsonify(identity=get_jwt_identity(), type=get_jwt()["type"])

    @app.route("/optional", methods=["GET", "POST"])
    @jwt_required(optional=True)
    def optional():
        return jsonify(identity=get_jwt_identity(), jwt=get_jwt(), header=get_jwt_header())

    @app.route("/any-type")
    @jwt_required(verify_type=False)
    def any_type():
        return jsonify(type=get_jwt()["type"])

    return manager


def token(app, identity="ada", kind="access", **kwargs):
    with app.test_request_context():
        if kind == "refresh":
            return create_refresh_token(identity, **kwargs)
        return create_access_token(identity, **kwargs)


def bearer(value):
    return {"Authorization": f"Bearer {value}"}


def raw_token(payload, key=SECRET, algorithm="HS256", headers=None):
    return pyjwt.encode(payload, key, algorithm=algorithm, headers=headers)


def test_header_token(jwt, app, client):
    response = client.get("/protected", headers=bearer(token(app)))
    assert response.status_code == 200
    assert response.json == {"identity": "ada", "location": "headers"}


@pytest.mark.parametrize(
    ("headers", "status", "msg"),
    [
        ({}, 401, "Missing Authorization Header"),
        (
            {"Authorization": "Basic dXNlcjpwdw=="},
            401,
            "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'",
        ),
        (
            {"Authorization": "Bearer "},
            422,
            "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'",
        ),
        (
            {"Authorization": "Bearer a b"},
            422,
            "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'",
        ),
        ({"Authorization": "Bearer xxx"}, 422, "Not enough segments"),
        ({"Authorization": "Bearer aaaaa.bbbbb.ccccc"}, 422, "Invalid header padding"),
        (
            {"Authorization": "Bearer x, Bearer y"},
            401,
            "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'",
        ),
    ],
)
def test_header_errors(jwt, client, headers, status, msg):
    response = client.get("/protected", headers=headers)
    assert response.status_code == status
    assert response.json == {"msg": msg}
    assert response.mimetype == "application/json"


def test_header_among_other_credentials(jwt, app, client):
    value = token(app)
    for header in (
        f"Basic abc, Bearer {value}",
        f"Bearer {value}, Basic abc",
        f"Bearer {value},  ",
    ):
        assert client.get("/protected", headers={"Authorization": header}).status_code == 200


def test_custom_header_name_and_type(jwt, app, client):
    app.config.update(JWT_HEADER_NAME="X-Token", JWT_HEADER_TYPE="JWT")
    value = token(app)
    assert client.get("/protected", headers={"X-Token": f"JWT {value}"}).status_code == 200
    response = client.get("/protected", headers=bearer(value))
    assert response.json == {"msg": "Missing X-Token Header"}
    app.config["JWT_HEADER_TYPE"] = ""
    assert client.get("/protected", headers={"X-Token": value}).status_code == 200
    response = client.get("/protected", headers={"X-Token": f"JWT {value}"})
    assert response.status_code == 422
    assert response.json == {"msg": "Bad X-Token header. Expected 'X-Token: <JWT>'"}


def test_token_types(jwt, app, client):
    access, refresh = token(app), token(app, kind="refresh")
    response = client.get("/protected", headers=bearer(refresh))
    assert (response.status_code, response.json) == (
        422,
        {"msg": "Only non-refresh tokens are allowed"},
    )
    response = client.get("/refresh", headers=bearer(access))
    assert (response.status_code, response.json) == (
        422,
        {"msg": "Only refresh tokens are allowed"},
    )
    assert client.get("/refresh", headers=bearer(refresh)).json == {
        "identity": "ada",
        "type": "refresh",
    }
    assert client.get("/any-type", headers=bearer(refresh)).json == {"type": "refresh"}
    assert client.get("/any-type", headers=bearer(access)).json == {"type": "access"}


def test_fresh_tokens(jwt, app, client):
    cases = [
        ({"fresh": True}, 200),
        ({}, 401),
        ({"fresh": timedelta(minutes=5)}, 200),
        ({"fresh": timedelta(minutes=-1)}, 401),
    ]
    for kwargs, status in cases:
        response = client.get("/fresh", headers=bearer(token(app, **kwargs)))
        assert response.status_code == status, kwargs
        if status == 401:
            assert response.json == {"msg": "Fresh token required"}


def test_fresh_claim_of_another_type_is_not_fresh(jwt, client):
    value = raw_token({"sub": "ada", "fresh": "yes"})
    response = client.get("/fresh", headers=bearer(value))
    assert (response.status_code, response.json) == (401, {"msg": "Fresh token required"})


def test_optional(jwt, app, client):
    assert client.get("/optional").json == {"identity": None, "jwt": {}, "header": {}}
    body = client.get("/optional", headers=bearer(token(app))).json
    assert body["identity"] == "ada"
    assert body["header"] == {"alg": "HS256", "typ": "JWT"}
    # A token that is there but bad is still refused.
    response = client.get("/optional", headers=bearer("xxx"))
    assert (response.status_code, response.json) == (422, {"msg": "Not enough segments"})
    expired = token(app, expires_delta=timedelta(minutes=-1))
    response = client.get("/optional", headers=bearer(expired))
    assert (response.status_code, response.json) == (401, {"msg": "Token has expired"})


def test_expired_token_and_its_loader(jwt, app, client):
    expired = token(app, expires_delta=timedelta(seconds=-30))
    response = client.get("/protected", headers=bearer(expired))
    assert (response.status_code, response.json) == (401, {"msg": "Token has expired"})
    seen = []

    @jwt.expired_token_loader
    def expired_loader(header, data):
        seen.append((header["alg"], data["sub"], data["type"]))
        return jsonify(msg="log in again"), 419

    response = client.get("/protected", headers=bearer(expired))
    assert (response.status_code, response.json) == (419, {"msg": "log in again"})
    assert seen == [("HS256", "ada", "access")]
    app.config["JWT_DECODE_LEEWAY"] = 60
    assert client.get("/protected", headers=bearer(expired)).status_code == 200


def test_expiry_settings(jwt, app):
    app.config["JWT_ACCESS_TOKEN_EXPIRES"] = 300
    with app.test_request_context():
        claims = decode_token(create_access_token("ada"))
        assert claims["exp"] - claims["iat"] == 300
        assert "exp" not in decode_token(create_access_token("ada", expires_delta=False))
        refresh = decode_token(create_refresh_token("ada"))
        assert refresh["exp"] - refresh["iat"] == 30 * 24 * 3600
        # A zero lifetime is expired at once (Flask-JWT-Extended made it never expire).
        with pytest.raises(pyjwt.ExpiredSignatureError):
            decode_token(create_access_token("ada", expires_delta=timedelta(0)))
        app.config["JWT_ACCESS_TOKEN_EXPIRES"] = "soon"
        with pytest.raises(RuntimeError, match="JWT_ACCESS_TOKEN_EXPIRES"):
            create_access_token("ada")


def test_no_token_answer_and_unauthorized_loader(jwt, client):
    @jwt.unauthorized_loader
    def unauthorized(reason):
        return jsonify(reason=reason), 403

    response = client.get("/protected")
    assert (response.status_code, response.json) == (
        403,
        {"reason": "Missing Authorization Header"},
    )


def test_invalid_token_loader(jwt, client):
    @jwt.invalid_token_loader
    def invalid(reason):
        return jsonify(why=reason), 400

    response = client.get("/protected", headers=bearer("aaaaa.bbbbb.ccccc"))
    assert (response.status_code, response.json) == (400, {"why": "Invalid header padding"})


@pytest.mark.parametrize(
    ("payload", "msg"),
    [
        ({"foo": "bar"}, "Missing claim: sub"),
        ({"sub": 1234}, "Subject must be a string"),
        ({"sub": "ada", "nbf": 4102444800}, "The token is not yet valid (nbf)"),
    ],
)
def test_claims_checked(jwt, client, payload, msg):
    response = client.get("/protected", headers=bearer(raw_token(payload)))
    assert (response.status_code, response.json) == (422, {"msg": msg})


def test_wrong_signature_and_algorithm(jwt, app, client):
    forged = raw_token({"sub": "ada"}, key="k" * 64)
    response = client.get("/protected", headers=bearer(forged))
    assert (response.status_code, response.json) == (422, {"msg": "Signature verification failed"})
    value = token(app)
    app.config["JWT_ALGORITHM"] = "HS512"
    response = client.get("/protected", headers=bearer(value))
    assert response.json == {"msg": "The specified alg value is not allowed"}
    app.config["JWT_DECODE_ALGORITHMS"] = ["HS256"]
    assert client.get("/protected", headers=bearer(value)).status_code == 200
    unsigned = raw_token({"sub": "ada"}, key=None, algorithm="none")
    response = client.get("/protected", headers=bearer(unsigned))
    assert (response.status_code, response.json) == (
        422,
        {"msg": "The specified alg value is not allowed"},
    )


def test_audience_and_issuer(jwt, app, client):
    app.config.update(JWT_ENCODE_AUDIENCE="api", JWT_DECODE_AUDIENCE=["api", "web"])
    app.config.update(JWT_ENCODE_ISSUER="erlen", JWT_DECODE_ISSUER="erlen")
    value = token(app)
    with app.test_request_context():
        claims = decode_token(value)
    assert (claims["aud"], claims["iss"]) == ("api", "erlen")
    assert client.get("/protected", headers=bearer(value)).status_code == 200
    cases = [
        ({"sub": "ada", "iss": "erlen"}, 'Token is missing the "aud" claim'),
        ({"sub": "ada", "iss": "erlen", "aud": "other"}, "Audience doesn't match"),
        ({"sub": "ada", "aud": "api"}, 'Token is missing the "iss" claim'),
        ({"sub": "ada", "aud": "api", "iss": "other"}, "Invalid issuer"),
    ]
    for payload, msg in cases:
        response = client.get("/protected", headers=bearer(raw_token(payload)))
        assert (response.status_code, response.json) == (422, {"msg": msg})


def test_identity_claim_and_message_key(jwt, app, client):
    app.config.update(JWT_IDENTITY_CLAIM="uid", JWT_ERROR_MESSAGE_KEY="error")
    value = token(app)
    with app.test_request_context():
        claims = decode_token(value)
    assert claims["uid"] == "ada" and "sub" not in claims
    assert client.get("/protected", headers=bearer(value)).json["identity"] == "ada"
    assert client.get("/protected").json == {"error": "Missing Authorization Header"}


def test_additional_claims_and_headers(jwt, app, client):
    @jwt.additional_claims_loader
    def claims(identity):
        return {"role": "reader", "team": "red"}

    @jwt.additional_headers_loader
    def headers(identity):
        return {"kid": "k1", "x": "loader"}

    value = token(app, additional_claims={"role": "admin"}, additional_headers={"x": "call"})
    with app.test_request_context():
        assert get_unverified_jwt_headers(value)["kid"] == "k1"
        assert get_unverified_jwt_headers(value)["x"] == "call"
        claims_out = decode_token(value)
    assert (claims_out["role"], claims_out["team"]) == ("admin", "red")

    @jwt.additional_claims_loader
    def not_a_dict(identity):
        return object()

    with app.test_request_context(), pytest.raises(TypeError):
        create_access_token("ada")


def test_identity_loader_and_user_lookup(jwt, app, client):
    class User:
        def __init__(self, id, name):
            self.id, self.name = id, name

    users = {"1": User("1", "ada")}

    @jwt.user_identity_loader
    def identity(user):
        return user.id

    @jwt.user_lookup_loader
    def lookup(header, data):
        return users.get(data["sub"])

    @app.route("/me")
    @jwt_required()
    def me():
        return jsonify(
            name=current_user.name, same=get_current_user() is current_user._get_current_object()
        )

    good = token(app, identity=users["1"])
    assert client.get("/me", headers=bearer(good)).json == {"name": "ada", "same": True}
    gone = token(app, identity=User("2", "bob"))
    response = client.get("/me", headers=bearer(gone))
    assert (response.status_code, response.json) == (401, {"msg": "Error loading the user 2"})

    @jwt.user_lookup_error_loader
    def lookup_error(header, data):
        return jsonify(missing=data["sub"]), 404

    response = client.get("/me", headers=bearer(gone))
    assert (response.status_code, response.json) == (404, {"missing": "2"})


def test_current_user_needs_a_lookup_loader(jwt, app, client):
    @app.route("/who")
    @jwt_required()
    def who():
        try:
            return str(current_user.name)
        except RuntimeError as e:
            return str(e)

    text = client.get("/who", headers=bearer(token(app))).text
    assert "@jwt.user_lookup_loader" in text


def test_blocklist(jwt, app, client):
    revoked = set()

    @jwt.token_in_blocklist_loader
    def in_blocklist(header, data):
        return data["jti"] in revoked

    @app.route("/skip")
    @jwt_required(skip_revocation_check=True)
    def skip():
        return "ok"

    value = token(app)
    assert client.get("/protected", headers=bearer(value)).status_code == 200
    with app.test_request_context():
        revoked.add(get_jti(value))
    response = client.get("/protected", headers=bearer(value))
    assert (response.status_code, response.json) == (401, {"msg": "Token has been revoked"})
    assert client.get("/skip", headers=bearer(value)).text == "ok"

    @jwt.revoked_token_loader
    def revoked_answer(header, data):
        return jsonify(revoked=data["jti"]), 410

    response = client.get("/protected", headers=bearer(value))
    assert response.status_code == 410


def test_claims_verification(jwt, app, client):
    @jwt.token_verification_loader
    def verify(header, data):
        return data.get("role") == "admin"

    admin = token(app, additional_claims={"role": "admin"})
    assert client.get("/protected", headers=bearer(admin)).status_code == 200
    response = client.get("/protected", headers=bearer(token(app)))
    assert (response.status_code, response.json) == (
        400,
        {"msg": "User claims verification failed"},
    )
    # The optional form refuses it too: the token is there.
    assert client.get("/optional", headers=bearer(token(app))).status_code == 400

    @jwt.token_verification_failed_loader
    def failed(header, data):
        return jsonify(role=data.get("role")), 403

    response = client.get("/protected", headers=bearer(token(app)))
    assert (response.status_code, response.json) == (403, {"role": None})


def test_encode_and_decode_key_loaders(jwt, app, client):
    keys = {"a": "a" * 64, "b": "b" * 64}

    @jwt.encode_key_loader
    def encode_key(identity):
        return keys[identity]

    @jwt.decode_key_loader
    def decode_key(header, data):
        return keys[data["sub"]]

    assert client.get("/protected", headers=bearer(token(app, identity="a"))).status_code == 200
    forged = raw_token({"sub": "b"}, key=keys["a"])
    response = client.get("/protected", headers=bearer(forged))
    assert (response.status_code, response.json) == (422, {"msg": "Signature verification failed"})


def test_options_requests_pass_unchecked(jwt, app, client):
    @app.route("/preflighted", methods=["GET", "OPTIONS"])
    @jwt_required()
    def preflighted():
        return request.method

    assert client.options("/preflighted").text == "OPTIONS"
    assert client.get("/preflighted").status_code == 401


def test_query_string(jwt, app, client):
    app.config["JWT_TOKEN_LOCATION"] = ["query_string"]
    value = token(app)
    assert client.get(f"/protected?jwt={value}").json == {
        "identity": "ada",
        "location": "query_string",
    }
    response = client.get("/protected", headers=bearer(value))
    assert (response.status_code, response.json) == (401, {"msg": "Missing 'jwt' query paramater"})
    app.config.update(JWT_QUERY_STRING_NAME="t", JWT_QUERY_STRING_VALUE_PREFIX="Bearer ")
    assert client.get("/protected", query_string={"t": f"Bearer {value}"}).status_code == 200
    response = client.get("/protected", query_string={"t": value})
    assert response.status_code == 422
    assert response.json == {
        "msg": "Invalid value for query parameter 't'. Expected the value to start with 'Bearer '"
    }


def test_json_body(jwt, app, client):
    app.config["JWT_TOKEN_LOCATION"] = "json"
    access, refresh = token(app), token(app, kind="refresh")
    response = client.post("/protected", json={"access_token": access})
    assert response.json == {"identity": "ada", "location": "json"}
    assert client.post("/refresh", json={"refresh_token": refresh}).status_code == 200
    response = client.post("/protected", data={"access_token": access})
    assert (response.status_code, response.json) == (
        401,
        {"msg": "Invalid content-type. Must be application/json."},
    )
    missing = {"msg": 'Missing "access_token" key in json data.'}
    for body in ("{not json", "[1, 2]", '"a string"', "{}", '{"access_token": ""}'):
        response = client.post("/protected", data=body, content_type="application/json")
        assert (response.status_code, response.json) == (401, missing), body
    response = client.post("/protected", json={"access_token": 42})
    assert response.status_code == 422


def test_several_locations(jwt, app, client):
    app.config["JWT_TOKEN_LOCATION"] = ["cookies", "headers", "query_string"]
    response = client.get("/protected")
    assert response.status_code == 401
    assert response.json == {
        "msg": 'Missing JWT in cookies, headers or query_string (Missing cookie "access_token_cookie";'
        " Missing Authorization Header; Missing 'jwt' query paramater)"
    }
    value = token(app)
    assert client.get(f"/protected?jwt={value}").json["location"] == "query_string"
    # The first location holding a token decides, even when it is bad.
    response = client.get(f"/protected?jwt={value}", headers=bearer("xxx"))
    assert response.status_code == 422
    # A set of locations works too.
    app.config["JWT_TOKEN_LOCATION"] = {"headers", "json"}
    assert client.get("/protected").status_code == 401


def test_locations_argument(jwt, app, client):
    app.config["JWT_TOKEN_LOCATION"] = ["cookies"]

    @app.route("/header-only")
    @jwt_required(locations="headers")
    def header_only():
        return get_jwt_request_location()

    @app.route("/nowhere")
    @jwt_required(locations=["headers", "telepathy"])
    def nowhere():
        return "?"

    assert client.get("/header-only", headers=bearer(token(app))).text == "headers"
    with pytest.raises(RuntimeError, match="'telepathy' is not a valid location"):
        client.get("/nowhere", headers=bearer(token(app)))


def test_bad_token_location_config(jwt, app):
    with app.test_request_context():
        for bad in ([], "banana", 1, ["headers", "banana"]):
            app.config["JWT_TOKEN_LOCATION"] = bad
            with pytest.raises(RuntimeError, match="JWT_TOKEN_LOCATION"):
                config.token_location


def cookie_attributes(response, name):
    for header in response.headers.getlist("Set-Cookie"):
        first, *rest = header.split(";")
        if first.split("=", 1)[0] == name:
            attrs = {"value": first.split("=", 1)[1]}
            for attr in rest:
                key, _, value = attr.strip().partition("=")
                attrs[key.lower()] = value or True
            return attrs
    return None


@pytest.fixture
def cookie_app(jwt, app):
    app.config["JWT_TOKEN_LOCATION"] = ["cookies"]

    @app.route("/login")
    def login():
        response = jsonify(login=True)
        set_access_cookies(response, create_access_token("ada"), domain=request.args.get("domain"))
        set_refresh_cookies(response, create_refresh_token("ada"))
        return response

    @app.route("/logout")
    def logout():
        response = jsonify(logout=True)
        unset_jwt_cookies(response)
        return response

    @app.route("/logout-access")
    def logout_access():
        response = jsonify(logout=True)
        unset_access_cookies(response)
        return response

    return app


def test_cookies_and_double_submit_csrf(cookie_app, client):
    response = client.get("/login")
    access = cookie_attributes(response, "access_token_cookie")
    csrf = cookie_attributes(response, "csrf_access_token")
    assert access["httponly"] is True and access["path"] == "/"
    assert "httponly" not in csrf and "expires" not in access  # session cookies by default
    with cookie_app.test_request_context():
        assert csrf["value"] == get_csrf_token(access["value"])
    assert cookie_attributes(response, "refresh_token_cookie")["httponly"] is True

    assert client.get("/protected").json == {"identity": "ada", "location": "cookies"}
    response = client.post("/protected")
    assert (response.status_code, response.json) == (401, {"msg": "Missing CSRF token"})
    response = client.post("/protected", headers={"X-CSRF-TOKEN": "wrong"})
    assert (response.status_code, response.json) == (
        401,
        {"msg": "CSRF double submit tokens do not match"},
    )
    # A hostile non-ASCII value is refused the same way, not with a 500.
    response = client.post("/protected", headers={"X-CSRF-TOKEN": "d\u00e9j\u00e0"})
    assert response.status_code == 401
    assert client.post("/protected", headers={"X-CSRF-TOKEN": csrf["value"]}).status_code == 200
    refresh_csrf = client.get_cookie("csrf_refresh_token").value
    assert client.post("/refresh", headers={"X-CSRF-TOKEN": refresh_csrf}).status_code == 200

    cookie_app.config["JWT_CSRF_CHECK_FORM"] = True
    assert client.post("/protected", data={"csrf_token": csrf["value"]}).status_code == 200
    cookie_app.config["JWT_CSRF_METHODS"] = ["GET"]
    assert client.get("/protected").status_code == 401
    assert client.post("/protected").status_code == 200

    client.get("/logout-access")
    assert client.get_cookie("access_token_cookie") is None
    assert client.get_cookie("refresh_token_cookie") is not None
    client.get("/logout")
    assert client.get_cookie("refresh_token_cookie") is None
    response = client.post("/optional")
    assert response.status_code == 200  # no cookie: no CSRF check for an optional view


def test_cookie_settings(cookie_app, client):
    cookie_app.config.update(
        JWT_COOKIE_SECURE=True,
        JWT_COOKIE_DOMAIN="example.test",
        JWT_SESSION_COOKIE=False,
        JWT_COOKIE_SAMESITE="Strict",
        JWT_ACCESS_COOKIE_PATH="/api",
        JWT_ACCESS_CSRF_COOKIE_NAME="xsrf",
    )
    response = client.get("/login?domain=other.test")
    access = cookie_attributes(response, "access_token_cookie")
    assert access["secure"] is True and access["samesite"] == "Strict"
    assert access["domain"] == "other.test" and access["path"] == "/api"
    assert access["max-age"] == "31540000"
    assert cookie_attributes(response, "xsrf") is not None
    assert cookie_attributes(response, "refresh_token_cookie")["domain"] == "example.test"
    cookie_app.config["JWT_CSRF_IN_COOKIES"] = False
    names = [h.split("=")[0] for h in client.get("/login").headers.getlist("Set-Cookie")]
    assert names == ["access_token_cookie", "refresh_token_cookie"]


def test_decode_token_helpers(jwt, app):
    with app.test_request_context():
        value = create_access_token("ada", fresh=True)
        claims = decode_token(value)
        assert claims["sub"] == "ada" and claims["fresh"] is True and claims["type"] == "access"
        assert "nbf" in claims and "csrf" in claims
        assert get_jti(value) == claims["jti"]
        expired = create_access_token("ada", expires_delta=timedelta(minutes=-1))
        assert decode_token(expired, allow_expired=True)["sub"] == "ada"
        with pytest.raises(pyjwt.ExpiredSignatureError):
            decode_token(expired)
        with pytest.raises(JWTDecodeError, match="Missing claim: csrf"):
            decode_token(raw_token({"sub": "ada"}), csrf_value="x")
        plain = raw_token({"sub": "ada"})
        assert decode_token(plain) == {"sub": "ada", "type": "access", "fresh": False, "jti": None}
        app.config["JWT_ENCODE_NBF"] = False
        assert "nbf" not in decode_token(create_access_token("ada"))


def test_decode_token_error_in_a_view_uses_the_loaders(jwt, app, client):
    @app.route("/decode")
    def decode():
        decode_token(create_access_token("ada", expires_delta=timedelta(minutes=-1)))
        return "unreachable"

    response = client.get("/decode")
    assert (response.status_code, response.json) == (401, {"msg": "Token has expired"})


def test_payload_types_from_the_json_provider(jwt, app):
    with app.test_request_context():
        value = create_access_token("ada", additional_claims={"day": datetime(2024, 1, 2)})
        assert decode_token(value)["day"] == "Tue, 02 Jan 2024 00:00:00 GMT"


def test_reading_the_token_outside_a_protected_view(jwt, app):
    with app.test_request_context():
        for read in (get_jwt, get_jwt_header, get_jwt_identity, get_current_user):
            with pytest.raises(RuntimeError, match="jwt_required"):
                read()
        assert get_jwt_request_location() is None


def test_no_manager(app):
    with app.test_request_context(), pytest.raises(RuntimeError, match="JWTManager"):
        create_access_token("ada")


def test_verify_in_a_blueprint_hook(jwt, app, client):
    admin = Blueprint("admin", __name__, url_prefix="/admin")

    @admin.before_request
    def check():
        verify_jwt_in_request()

    @admin.route("/")
    def index():
        return f"hello {get_jwt_identity()}"

    app.register_blueprint(admin)
    assert client.get("/admin/").status_code == 401
    assert client.get("/admin/", headers=bearer(token(app))).text == "hello ada"


def test_template_current_user(app, client):
    app.config["JWT_SECRET_KEY"] = SECRET
    manager = JWTManager(app, add_context_processor=True)
    manager.user_lookup_loader(lambda header, data: data["sub"].upper())

    @app.route("/page")
    @jwt_required()
    def page():
        return render_template_string("{{ current_user }}")

    @app.route("/public")
    def public():
        # Looked up only if the template uses it: a public page renders.
        return render_template_string("public")

    assert client.get("/page", headers=bearer(token(app))).text == "ADA"
    assert client.get("/public").text == "public"


def test_asymmetric_algorithms(jwt, app, client):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    def pem_pair(private):
        private_pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        public_pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return private_pem.decode(), public_pem.decode()

    hs_token = token(app)
    for algorithm, private in (
        ("RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        ("ES256", ec.generate_private_key(ec.SECP256R1())),
    ):
        private_pem, public_pem = pem_pair(private)
        app.config.update(
            JWT_ALGORITHM=algorithm, JWT_PRIVATE_KEY=private_pem, JWT_PUBLIC_KEY=public_pem
        )
        with app.test_request_context():
            assert config.is_asymmetric
        value = token(app)
        assert get_unverified_jwt_headers(value)["alg"] == algorithm
        assert client.get("/protected", headers=bearer(value)).status_code == 200
        response = client.get("/protected", headers=bearer(hs_token))
        assert response.json == {"msg": "The specified alg value is not allowed"}
    app.config["JWT_PUBLIC_KEY"] = None
    with pytest.raises(RuntimeError, match="JWT_PUBLIC_KEY"):
        client.get("/protected", headers=bearer(value))


def test_secret_key_fallback(app):
    JWTManager(app)
    app.config["SECRET_KEY"] = SECRET
    with app.test_request_context():
        assert decode_token(create_access_token("ada"))["sub"] == "ada"
        app.config["SECRET_KEY"] = None
        with pytest.raises(RuntimeError, match="JWT_SECRET_KEY or flask SECRET_KEY"):
            create_access_token("ada")


def test_defaults_do_not_overwrite_config_and_are_not_shared(app):
    app.config["JWT_HEADER_TYPE"] = "Token"
    JWTManager(app)
    assert app.config["JWT_HEADER_TYPE"] == "Token"
    app.config["JWT_CSRF_METHODS"].append("GET")
    other = type(app)("other")
    JWTManager(other)
    assert other.config["JWT_CSRF_METHODS"] == ["POST", "PUT", "PATCH", "DELETE"]


def test_one_manager_for_two_apps(app):
    manager = JWTManager()
    other = type(app)("other")
    for target in (app, other):
        target.config["JWT_SECRET_KEY"] = SECRET
        manager.init_app(target)
        assert target.extensions["flask-jwt-extended"] is manager

    @manager.additional_claims_loader
    def claims(identity):
        return {"app": "shared"}

    for target in (app, other):
        with target.test_request_context():
            assert decode_token(create_access_token("ada"))["app"] == "shared"


def test_token_payload_is_json(jwt, app):
    with app.test_request_context():
        value = create_access_token("ada", additional_claims={"n": 1})
    header, payload, _ = value.split(".")
    data = json.loads(pyjwt.utils.base64url_decode(payload))
    assert data["type"] == "access" and data["n"] == 1
    assert isinstance(data["iat"], int) and isinstance(data["jti"], str)
    now = datetime.now(timezone.utc).timestamp()
    assert abs(data["exp"] - (now + 15 * 60)) < 60
