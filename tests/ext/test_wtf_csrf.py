"""erlen.ext.wtf's CSRFProtect: where the token may come from, exemptions, the config, the
HTTPS referrer check, ``CSRFError`` handling, templates, hostile input, and tokens
interchangeable with Flask-WTF's."""

from __future__ import annotations

import asyncio
import logging

import pytest
from wtforms import ValidationError

from erlen import Blueprint, g, render_template_string, session
from erlen.ext.wtf import CSRFProtect
from erlen.ext.wtf.csrf import CSRFError, csrf_meta_tag, generate_csrf, validate_csrf


@pytest.fixture
def csrf(app):
    csrf = CSRFProtect(app)

    @app.route("/", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def index():
        return "done"

    @app.route("/token")
    def token():
        return generate_csrf()

    return csrf


@pytest.fixture
def token(csrf, client):
    return client.get("/token").text


def test_safe_methods_pass(csrf, client):
    assert client.get("/").text == "done"
    assert client.head("/").status_code == 200
    assert client.options("/").status_code == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_unsafe_methods_need_the_token(csrf, client, token, method):
    response = client.open("/", method=method)
    assert response.status_code == 400
    assert "The CSRF token is missing." in response.text
    assert client.open("/", method=method, data={"csrf_token": token}).text == "done"


@pytest.mark.parametrize("header", ["X-CSRFToken", "X-CSRF-Token"])
def test_token_in_a_header(csrf, client, token, header):
    assert client.post("/", headers={header: token}).text == "done"


def test_token_in_a_prefixed_field(csrf, client, token):
    assert client.post("/", data={"form1-csrf_token": token}).text == "done"
    assert client.post("/", data={"form1-csrf_token": ""}).status_code == 400


def test_custom_headers_field_and_methods(csrf, app, client, token):
    app.config.update(
        WTF_CSRF_HEADERS=["X-Token"], WTF_CSRF_FIELD_NAME="xsrf", WTF_CSRF_METHODS={"POST"}
    )
    assert client.post("/", headers={"X-CSRFToken": token}).status_code == 400
    assert client.post("/", headers={"X-Token": token}).status_code == 400  # other session key
    new_token = client.get("/token").text
    assert client.post("/", headers={"X-Token": new_token}).text == "done"
    assert client.post("/", data={"xsrf": new_token}).text == "done"
    assert client.delete("/").text == "done"


def test_init_app_defaults(csrf, app):
    assert app.extensions["csrf"] is csrf
    assert app.config["WTF_CSRF_METHODS"] == {"POST", "PUT", "PATCH", "DELETE"}
    assert app.config["WTF_CSRF_HEADERS"] == ["X-CSRFToken", "X-CSRF-Token"]
    assert app.config["WTF_CSRF_TIME_LIMIT"] == 3600
    assert app.config["WTF_CSRF_SSL_STRICT"] is True


def test_enabled_and_check_default(csrf, app, client):
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/").text == "done"
    app.config["WTF_CSRF_ENABLED"] = True
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    assert client.post("/").text == "done"


def test_time_limit(csrf, app, client, token):
    app.config["WTF_CSRF_TIME_LIMIT"] = -1
    response = client.post("/", data={"csrf_token": token})
    assert "The CSRF token has expired." in response.text


def test_unrouted_requests_are_not_checked(csrf, client):
    assert client.post("/nowhere").status_code == 404


def test_exempt_views(csrf, app, client):
    @app.post("/hook")
    @csrf.exempt
    def hook():
        return "hooked"

    @app.post("/async-hook")
    @csrf.exempt
    async def async_hook():
        await asyncio.sleep(0)
        return "async hooked"

    assert client.post("/hook").text == "hooked"
    assert client.post("/async-hook").text == "async hooked"
    assert client.post("/").status_code == 400
    csrf.exempt(f"{__name__}.index")
    assert client.post("/").text == "done"


def test_exempt_blueprints(csrf, app, client):
    api = Blueprint("api", __name__, url_prefix="/api")
    v1 = Blueprint("v1", __name__, url_prefix="/v1")
    web = Blueprint("web", __name__, url_prefix="/web")
    for bp in (api, v1, web):
        bp.add_url_rule("/post", "post", lambda: "posted", methods=["POST"])
    api.register_blueprint(v1)
    csrf.exempt(api)
    app.register_blueprint(api)
    app.register_blueprint(web)

    assert client.post("/api/post").text == "posted"
    assert client.post("/web/post").status_code == 400
    # As in Flask-WTF, a nested blueprint is exempted on its own.
    assert client.post("/api/v1/post").status_code == 400
    csrf.exempt(v1)
    assert client.post("/api/v1/post").text == "posted"


def test_manual_protect(csrf, app, client):
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False

    @app.post("/manual")
    @csrf.exempt
    def manual():
        csrf.protect()
        return "checked"

    @app.before_request
    def api_keys_skip_csrf():
        if not session.get("api"):
            csrf.protect(apply_exemptions=True)

    token = client.get("/token").text
    assert client.post("/manual").status_code == 400
    assert client.post("/manual", data={"csrf_token": token}).text == "checked"
    assert client.post("/").status_code == 400
    assert client.post("/", data={"csrf_token": token}).text == "done"


def test_protect_marks_the_request_for_forms(csrf, app, client):
    from erlen.ext.wtf import FlaskForm

    @app.post("/form")
    def form():
        assert g.csrf_valid
        # No token in this form's data: it trusts CSRFProtect's check.
        return str(FlaskForm(None).validate())

    token = client.get("/token").text
    assert client.post("/form", headers={"X-CSRFToken": token}).text == "True"


def test_error_handler(csrf, app, client):
    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return f"custom: {e.description}", 419

    response = client.post("/")
    assert (response.status_code, response.text) == (419, "custom: The CSRF token is missing.")


def test_error_is_a_400_bad_request():
    from erlen.exceptions import BadRequest

    error = CSRFError("why")
    assert isinstance(error, BadRequest) and error.code == 400 and error.description == "why"
    assert CSRFError().description == "CSRF validation failed."


def test_failures_are_logged(csrf, client, caplog):
    with caplog.at_level(logging.INFO, logger="erlen.ext.wtf.csrf"):
        client.post("/")
    assert [r.getMessage() for r in caplog.records] == ["The CSRF token is missing."]


def test_async_views_are_protected(csrf, app, client):
    @app.post("/async")
    async def async_view():
        await asyncio.sleep(0)
        return "async done"

    token = client.get("/token").text
    assert client.post("/async").status_code == 400
    assert client.post("/async", data={"csrf_token": token}).text == "async done"


# -- HTTPS referrer check -------------------------------------------------------------------


def test_https_needs_a_same_origin_referrer(csrf, app, client):
    token = client.get("/token", base_url="https://localhost").text
    post = dict(base_url="https://localhost", headers={"X-CSRFToken": token})

    def post_with(referer):
        headers = dict(post["headers"], **({"Referer": referer} if referer else {}))
        return client.post("/", base_url=post["base_url"], headers=headers)

    assert "The referrer header is missing." in post_with(None).text
    for bad in ("http://localhost/", "https://other/", "https://localhost:8443/"):
        assert "The referrer does not match the host." in post_with(bad).text
    assert post_with("https://localhost/form").text == "done"
    app.config["WTF_CSRF_SSL_STRICT"] = False
    assert post_with(None).text == "done"


@pytest.mark.parametrize("referer", ["https://localhost:port/", "https://[::1/", "::::", "é"])
def test_malformed_referrer_is_a_400(csrf, client, referer):
    token = client.get("/token", base_url="https://localhost").text
    response = client.post(
        "/", base_url="https://localhost", headers={"X-CSRFToken": token, "Referer": referer}
    )
    assert response.status_code == 400
    assert "The referrer does not match the host." in response.text
    assert client.get("/").text == "done"


# -- hostile tokens -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    ["x", "a.b.c", "." * 64, "A" * 100_000, "ImZvbyI.ZmFrZQ.c2ln", "\u2603", "null"],
)
def test_garbage_tokens_are_a_400(csrf, client, token, bad):
    response = client.post("/", data={"csrf_token": bad})
    assert response.status_code == 400
    assert "The CSRF token is invalid." in response.text
    assert client.post("/", data={"csrf_token": token}).text == "done"


def test_token_of_another_session_is_refused(csrf, app, client, token):
    other = app.test_client()
    other.get("/token")
    response = other.post("/", data={"csrf_token": token})
    assert "The CSRF tokens do not match." in response.text


def test_tampered_session_token_is_refused(csrf, app, client, token):
    with client.session_transaction() as sess:
        sess["csrf_token"] = ["not", "a", "string"]
    assert "The CSRF tokens do not match." in client.post("/", data={"csrf_token": token}).text


# -- the functions --------------------------------------------------------------------------


def test_generate_and_validate(app, req_ctx):
    token = generate_csrf()
    assert token == generate_csrf() == g.csrf_token
    assert "csrf_token" in session
    validate_csrf(token)
    other = generate_csrf(token_key="other_token")
    assert "other_token" in session
    with pytest.raises(ValidationError, match="do not match"):
        validate_csrf(other)
    with pytest.raises(ValidationError, match="missing"):
        validate_csrf(None)
    with pytest.raises(ValidationError, match="expired"):
        validate_csrf(token, time_limit=-1)
    with pytest.raises(ValidationError, match="invalid"):
        validate_csrf(token, secret_key="another key")


def test_session_token_missing(req_ctx):
    with pytest.raises(ValidationError, match="The CSRF session token is missing."):
        validate_csrf("anything")


def test_secret_key_is_required(app, req_ctx):
    generate_csrf()  # opens the session while the app still has its key
    del g.csrf_token
    app.secret_key = None
    with pytest.raises(RuntimeError, match="secret key is required"):
        generate_csrf()
    app.config["WTF_CSRF_SECRET_KEY"] = "csrf only"
    validate_csrf(generate_csrf())
    assert generate_csrf(secret_key="direct")


def test_templates(csrf, app, req_ctx):
    token = generate_csrf()
    assert render_template_string("{{ csrf_token() }}") == token
    meta = f'<meta name="csrf-token" content="{token}">'
    assert render_template_string("{{ csrf_meta_tag() }}") == meta == csrf_meta_tag()
    app.config["WTF_CSRF_META_NAME"] = "xsrf"
    assert csrf_meta_tag() == f'<meta name="xsrf" content="{token}">'
    assert 'name="&#34;&gt;&lt;b&gt;"' in csrf_meta_tag(name='"><b>')


def test_get_leaves_the_session_alone(csrf, client):
    response = client.get("/")
    assert "Set-Cookie" not in response.headers


def test_tokens_interchange_with_flask_wtf(app, client):
    """A page rendered by a Flask app with Flask-WTF (same secret key, same session cookie)
    posts to an erlen app, and the other way round."""
    flask = pytest.importorskip("flask")
    flask_wtf_csrf = pytest.importorskip("flask_wtf.csrf")

    CSRFProtect(app)

    @app.route("/", methods=["GET", "POST"])
    def index():
        return generate_csrf()

    flask_app = flask.Flask(__name__)
    flask_app.secret_key = app.secret_key
    flask_wtf_csrf.CSRFProtect(flask_app)

    @flask_app.route("/", methods=["GET", "POST"])
    def flask_index():
        return flask_wtf_csrf.generate_csrf()

    flask_client = flask_app.test_client()
    flask_token = flask_client.get("/").text
    client.set_cookie("session", flask_client.get_cookie("session").value)
    assert client.post("/", data={"csrf_token": flask_token}).status_code == 200

    erlen_token = client.get("/").text
    flask_client.set_cookie("session", client.get_cookie("session").value)
    assert flask_client.post("/", data={"csrf_token": erlen_token}).status_code == 200
