"""erlen.ext.login: logging in and out, the view decorators, session protection, the
remember-me cookie, login URLs and the template global, through the test client."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import erlen
from erlen import Blueprint, render_template_string, session
from erlen.ext.login import (
    AnonymousUserMixin,
    FlaskLoginClient,
    LoginManager,
    UserMixin,
    confirm_login,
    current_user,
    decode_cookie,
    encode_cookie,
    fresh_login_required,
    login_fresh,
    login_remembered,
    login_required,
    login_url,
    login_user,
    logout_user,
    make_next_param,
    safe_next_url,
    session_protected,
    set_login_view,
    user_accessed,
    user_loaded_from_cookie,
    user_loaded_from_request,
    user_logged_in,
    user_logged_out,
    user_unauthorized,
)


class User(UserMixin):
    def __init__(self, id: int, name: str, active: bool = True) -> None:
        self.id = id
        self.name = name
        self.active = active

    @property
    def is_active(self) -> bool:
        return self.active


USERS = {1: User(1, "ada"), 2: User(2, "bob"), 3: User(3, "eve", active=False)}


@pytest.fixture
def loads():
    """Every id the user loader was called with, in order."""
    return []


@pytest.fixture
def manager(app, loads):
    manager = LoginManager(app)

    @manager.user_loader
    def load_user(user_id):
        loads.append(user_id)
        return USERS.get(int(user_id))

    @app.route("/login/<int:uid>")
    def login(uid):
        remember = erlen.request.args.get("remember") == "1"
        return str(login_user(USERS[uid], remember=remember))

    @app.route("/logout")
    def logout():
        return str(logout_user())

    @app.route("/me")
    def me():
        return current_user.name if current_user.is_authenticated else "anonymous"

    @app.route("/fresh")
    def fresh():
        return str(login_fresh())

    @app.route("/remembered")
    def remembered():
        return str(login_remembered())

    @app.route("/confirm")
    def confirm():
        confirm_login()
        return ""

    @app.route("/plain")
    def plain():
        return "plain"

    return manager


@pytest.fixture
def listen():
    """``listen(signal)`` records (sender, kwargs) of each send until the test ends."""
    connected = []

    def listen(signal):
        heard = []

        def receiver(sender, **kwargs):
            heard.append((sender, kwargs))

        signal.connect(receiver)
        connected.append((signal, receiver))
        return heard

    yield listen
    for signal, receiver in connected:
        signal.disconnect(receiver)


def test_anonymous_by_default(manager, client, loads):
    assert client.get("/me").text == "anonymous"
    assert loads == []


def test_login_persists_and_logout_forgets(manager, client, loads):
    assert client.get("/login/1").text == "True"
    assert client.get("/me").text == "ada"
    assert loads == ["1"]
    assert client.get("/fresh").text == "True"
    assert client.get("/logout").text == "True"
    assert client.get("/me").text == "anonymous"


def test_inactive_user_is_refused_unless_forced(manager, app, client):
    assert client.get("/login/3").text == "False"
    assert client.get("/me").text == "anonymous"

    with app.test_request_context():
        assert login_user(USERS[3], force=True)
        assert current_user.name == "eve"


def test_login_user_outside_a_request_view(manager, app):
    with app.test_request_context():
        assert current_user.is_anonymous
        login_user(USERS[2], fresh=False)
        assert current_user.name == "bob"
        assert login_fresh() is False
        assert session["_user_id"] == "2"


def test_unknown_user_id_in_session_is_anonymous(manager, client):
    with client.session_transaction() as sess:
        sess["_user_id"] = "99"
    assert client.get("/me").text == "anonymous"


def test_user_is_loaded_once_per_request(manager, app, client, loads):
    @app.route("/twice")
    def twice():
        return f"{current_user.name} {current_user.get_id()} {current_user.is_active}"

    client.get("/login/1")
    assert client.get("/twice").text == "ada 1 True"
    assert loads == ["1"]


def test_requests_that_ignore_the_user_load_nothing(manager, client, loads, listen):
    accessed = listen(user_accessed)
    client.get("/login/1")
    response = client.get("/plain")
    assert response.text == "plain"
    assert "Set-Cookie" not in response.headers
    assert loads == [] and accessed == []


def test_signals(manager, app, client, listen):
    logged_in, logged_out = listen(user_logged_in), listen(user_logged_out)
    accessed = listen(user_accessed)
    client.get("/login/2")
    assert logged_in == [(app, {"user": USERS[2]})]
    client.get("/me")
    assert accessed == [(app, {})]
    client.get("/logout")
    assert logged_out == [(app, {"user": USERS[2]})]


def test_missing_loader_says_what_to_do(app, client):
    LoginManager(app)

    @app.route("/")
    def index():
        return current_user.name

    with pytest.raises(RuntimeError, match="user_loader"):
        client.get("/")


def test_no_login_manager_says_what_to_do(app):
    with app.test_request_context(), pytest.raises(RuntimeError, match="LoginManager"):
        login_user(USERS[1])


# -- login_required / unauthorized ----------------------------------------------------------


def _protected(app):
    @app.route("/secret", methods=["GET", "POST", "OPTIONS"])
    @login_required
    def secret():
        return f"secret for {getattr(current_user, 'name', 'nobody')}"

    @app.route("/very-secret")
    @fresh_login_required
    def very_secret():
        return "very secret"


def test_login_required_without_login_view_is_401(manager, app, client, listen):
    _protected(app)
    unauthorized = listen(user_unauthorized)
    assert client.get("/secret").status_code == 401
    assert unauthorized == [(app, {})]
    client.get("/login/1")
    assert client.get("/secret").text == "secret for ada"


def test_login_required_redirects_with_next_and_flash(manager, app, client):
    _protected(app)
    manager.login_view = "login_page"
    manager.login_message = "Who are you?"
    manager.login_message_category = "warning"

    @app.route("/login-page")
    def login_page():
        return repr(erlen.get_flashed_messages(with_categories=True))

    response = client.get("/secret?x=1")
    assert response.status_code == 302
    assert response.location == "/login-page?next=%2Fsecret%3Fx%3D1"
    assert client.get("/login-page").text == "[('warning', 'Who are you?')]"


def test_localized_login_message(manager, app, client):
    _protected(app)
    manager.login_view = "/login-page"
    manager.localize_callback = lambda message: message.upper()

    @app.route("/login-page")
    def login_page():
        return repr(erlen.get_flashed_messages())

    client.get("/secret")
    assert client.get("/login-page").text == "['PLEASE LOG IN TO ACCESS THIS PAGE.']"


def test_unauthorized_handler(manager, app, client):
    _protected(app)

    @manager.unauthorized_handler
    def handler():
        return {"error": "login required"}, 401

    response = client.get("/secret")
    assert (response.status_code, response.json) == (401, {"error": "login required"})


def test_options_and_login_disabled_skip_the_check(manager, app, client):
    _protected(app)
    assert client.options("/secret").text == "secret for nobody"
    app.config["LOGIN_DISABLED"] = True
    assert client.get("/very-secret").text == "very secret"


def test_use_session_for_next(manager, app, client):
    _protected(app)
    manager.login_view = "login_page"
    app.config["USE_SESSION_FOR_NEXT"] = True

    @app.route("/login-page")
    def login_page():
        return session.get("next", "")

    response = client.get("/secret?a=b")
    assert response.location == "/login-page"
    assert client.get("/login-page").text == "/secret?a=b"


def test_blueprint_login_views(manager, app, client):
    shop = Blueprint("shop", __name__, url_prefix="/shop")
    cart = Blueprint("cart", __name__, url_prefix="/cart")
    admin = Blueprint("admin", __name__, url_prefix="/admin")

    for bp in (shop, cart, admin):

        @bp.route("/private")
        @login_required
        def private():
            return "private"

    shop.register_blueprint(cart)
    app.register_blueprint(shop)
    app.register_blueprint(admin)

    @app.route("/app-private")
    @login_required
    def app_private():
        return "private"

    for name in ("app_login", "shop_login"):
        app.add_url_rule(f"/{name}", name, lambda: "login page")

    with app.app_context():
        set_login_view("app_login")
        set_login_view("shop_login", blueprint=shop)

    assert client.get("/app-private").location == "/app_login?next=%2Fapp-private"
    assert client.get("/shop/private").location == "/shop_login?next=%2Fshop%2Fprivate"
    # A nested blueprint without a view of its own uses its parent's.
    assert client.get("/shop/cart/private").location.startswith("/shop_login?")
    # A blueprint without one uses the app's.
    assert client.get("/admin/private").location.startswith("/app_login?")


# -- freshness and the remember-me cookie -----------------------------------------------------


def _forget_session(client):
    """What closing the browser does: the session cookie goes, the remember-me one stays."""
    client.delete_cookie("session", domain="localhost")
    assert client.get_cookie("remember_token") is not None


def test_remember_me_restores_a_stale_login(manager, app, client, loads, listen):
    from_cookie = listen(user_loaded_from_cookie)
    client.get("/login/1?remember=1")
    _forget_session(client)
    assert client.get("/me").text == "ada"
    assert from_cookie == [(app, {"user": USERS[1]})]
    assert client.get("/fresh").text == "False"
    assert client.get("/remembered").text == "True"
    client.get("/confirm")
    assert client.get("/fresh").text == "True"


def test_fresh_login_required(manager, app, client):
    _protected(app)

    @app.route("/reauth")
    def reauth():
        return "reauth"

    assert client.get("/very-secret").status_code == 401
    client.get("/login/1?remember=1")
    assert client.get("/very-secret").text == "very secret"
    _forget_session(client)
    assert client.get("/very-secret").status_code == 401  # needs_refresh without a view
    manager.refresh_view = "reauth"
    response = client.get("/very-secret")
    assert response.location == "/reauth?next=%2Fvery-secret"

    @manager.needs_refresh_handler
    def refresh():
        return "please re-enter your password", 403

    response = client.get("/very-secret")
    assert (response.status_code, response.text) == (403, "please re-enter your password")


def test_logout_deletes_the_remember_cookie(manager, client):
    client.get("/login/1?remember=1")
    response = client.get("/logout")
    assert "remember_token=;" in response.headers["Set-Cookie"]
    assert client.get_cookie("remember_token") is None
    assert client.get("/me").text == "anonymous"


def test_remember_cookie_settings(manager, app, client):
    app.config.update(
        REMEMBER_COOKIE_NAME="keep",
        REMEMBER_COOKIE_DURATION=timedelta(days=2),
        REMEMBER_COOKIE_PATH="/app",
        REMEMBER_COOKIE_DOMAIN="example.test",
        REMEMBER_COOKIE_SECURE=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
    )
    response = client.get("/login/1?remember=1", base_url="https://example.test")
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("keep=")]
    attrs = {part.split("=")[0].strip().lower() for part in header.split(";")}
    assert {"domain", "path", "expires", "secure", "httponly", "samesite"} <= attrs
    assert "Path=/app" in header and "SameSite=Lax" in header
    cookie = client.get_cookie("keep", domain="example.test", path="/app")
    expected = datetime.now(timezone.utc) + timedelta(days=2)
    assert abs(cookie.expires - expected) < timedelta(seconds=10)
    assert decode_cookie(cookie.value, key=app.secret_key) == "1"


@pytest.mark.parametrize("duration", [3600, timedelta(hours=1)])
def test_remember_duration(manager, app, client, duration):
    app.config["REMEMBER_COOKIE_DURATION"] = duration
    client.get("/login/1?remember=1")
    expires = client.get_cookie("remember_token").expires
    assert abs(expires - datetime.now(timezone.utc) - timedelta(hours=1)) < timedelta(seconds=10)


def test_remember_duration_of_login_user(manager, app, client):
    @app.route("/login-week")
    def login_week():
        return str(login_user(USERS[1], remember=True, duration=timedelta(days=7)))

    client.get("/login-week")
    expires = client.get_cookie("remember_token").expires
    assert abs(expires - datetime.now(timezone.utc) - timedelta(days=7)) < timedelta(seconds=10)


def test_bad_durations_are_programming_errors(manager, app):
    app.config["REMEMBER_COOKIE_DURATION"] = "a year"
    with app.test_request_context():
        with pytest.raises(TypeError, match="duration must be a datetime.timedelta"):
            login_user(USERS[1], remember=True, duration="a week")  # type: ignore[arg-type]
        session["_user_id"] = "1"
        with pytest.raises(TypeError, match="REMEMBER_COOKIE_DURATION must be"):
            manager._set_cookie(app.response_class())


def test_remember_cookie_is_written_only_when_asked(manager, app, client):
    client.get("/login/1?remember=1")
    _forget_session(client)
    assert "remember_token" not in str(client.get("/me").headers.getlist("Set-Cookie"))

    app.config["REMEMBER_COOKIE_REFRESH_EACH_REQUEST"] = True
    response = client.get("/me")
    assert any(h.startswith("remember_token=1|") for h in response.headers.getlist("Set-Cookie"))
    # A request that doesn't use the login doesn't touch it.
    assert "Set-Cookie" not in client.get("/plain").headers


def test_tampered_remember_cookie_is_ignored(manager, client):
    client.get("/login/1?remember=1")
    _forget_session(client)
    value = client.get_cookie("remember_token").value
    client.set_cookie("remember_token", "2" + value[1:])
    assert client.get("/me").text == "anonymous"


def test_cookie_format_is_flask_logins(app):
    flask_login_utils = pytest.importorskip("flask_login.utils")
    import flask

    flask_app = flask.Flask(__name__)
    flask_app.secret_key = app.secret_key
    with flask_app.test_request_context():
        theirs = flask_login_utils.encode_cookie("42")
    with app.test_request_context():
        assert encode_cookie("42") == theirs
        assert decode_cookie(theirs) == "42"


# -- session protection ---------------------------------------------------------------------


def test_basic_protection_marks_a_moved_session_stale(manager, app, client, listen):
    protected = listen(session_protected)
    client.get("/login/1")
    assert client.get("/me", headers={"User-Agent": "another browser"}).text == "ada"
    assert protected == [(app, {})]
    assert client.get("/fresh").text == "False"


def test_strong_protection_logs_a_moved_session_out(manager, app, client, listen):
    app.config["SESSION_PROTECTION"] = "strong"
    protected = listen(session_protected)
    with client.session_transaction() as sess:
        sess["cart"] = ["tea"]
    client.get("/login/1?remember=1")
    assert client.get("/me").text == "ada"
    response = client.get("/me", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.text == "anonymous"
    assert protected == [(app, {})]
    assert client.get_cookie("remember_token") is None
    with client.session_transaction() as sess:
        assert sess["cart"] == ["tea"]
        assert "_user_id" not in sess


def test_strong_protection_spares_permanent_sessions(manager, app, client):
    app.config["SESSION_PROTECTION"] = "strong"

    @app.route("/login-permanent")
    def login_permanent():
        session.permanent = True
        return str(login_user(USERS[1]))

    client.get("/login-permanent")
    assert client.get("/me", headers={"User-Agent": "other"}).text == "ada"
    assert client.get("/fresh").text == "False"


def test_protection_off(manager, app, client):
    manager.session_protection = None
    client.get("/login/1")
    assert client.get("/me", headers={"User-Agent": "other"}).text == "ada"
    assert client.get("/fresh", headers={"User-Agent": "other"}).text == "True"


# -- request_loader -------------------------------------------------------------------------


def test_request_loader(app, client, listen):
    manager = LoginManager(app)
    loaded = listen(user_loaded_from_request)

    @manager.request_loader
    def from_api_key(request):
        key = request.headers.get("X-Api-Key")
        return USERS[2] if key == "bob-key" else None

    @app.route("/whoami")
    @login_required
    def whoami():
        return current_user.name

    assert client.get("/whoami").status_code == 401
    assert client.get("/whoami", headers={"X-Api-Key": "bob-key"}).text == "bob"
    assert loaded == [(app, {"user": USERS[2]})]
    # Nothing was stored: the next request without the key is anonymous again.
    assert client.get("/whoami").status_code == 401


# -- templates ------------------------------------------------------------------------------


def test_current_user_in_templates(manager, app, client, loads):
    @app.route("/page")
    def page():
        return render_template_string(
            "{% if current_user.is_authenticated %}hi {{ current_user.name }}"
            "{% else %}hello stranger{% endif %}"
        )

    @app.route("/other-page")
    def other_page():
        return render_template_string("no user here")

    assert client.get("/page").text == "hello stranger"
    client.get("/login/1")
    assert client.get("/page").text == "hi ada"
    loads.clear()
    assert client.get("/other-page").text == "no user here"
    assert loads == []


def test_no_template_global_when_not_asked(app, client):
    LoginManager(app, add_context_processor=False)

    @app.route("/")
    def index():
        return render_template_string("{{ current_user is defined }}")

    assert client.get("/").text == "False"


# -- URLs -----------------------------------------------------------------------------------


def test_login_url_and_next_param(app):
    @app.route("/login")
    def login():
        return ""

    with app.test_request_context():
        assert login_url("login") == "/login"
        assert login_url("login", "http://localhost/a?b=c") == "/login?next=%2Fa%3Fb%3Dc"
        assert login_url("/login?lang=en", "/x", "to") == "/login?lang=en&to=%2Fx"
        assert (
            login_url("https://auth.example/login", "http://localhost/x")
            == "https://auth.example/login?next=http%3A%2F%2Flocalhost%2Fx"
        )
        assert make_next_param("/login", "http://localhost/p?q=1") == "/p?q=1"
        assert make_next_param("http://a.test/login", "http://b.test/p") == "http://b.test/p"
        app.config["FORCE_HOST_FOR_REDIRECTS"] = "good.example"
        assert login_url("login", "/x") == "//good.example/login?next=%2Fx"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/profile?tab=posts", "/profile?tab=posts"),
        ("http://localhost/profile", "http://localhost/profile"),
        ("https://evil.example/", "/home"),
        ("//evil.example/", "/home"),
        ("/\\evil.example/", "/home"),
        ("\\\\evil.example", "/home"),
        ("javascript:alert(1)", "/home"),
        ("profile", "/home"),
        ("/\t/evil.example", "/home"),
        ("http://localhost@evil.example/", "/home"),
        ("http://[::1/", "/home"),
        ("", "/home"),
    ],
)
def test_safe_next_url(app, target, expected):
    with app.test_request_context("/login", query_string={"next": target}):
        assert safe_next_url("/home") == expected


def test_safe_next_url_from_session(app):
    app.config["USE_SESSION_FOR_NEXT"] = True
    with app.test_request_context("/login?next=/from-query"):
        assert safe_next_url() == "/"
        session["next"] = "/from-session"
        assert safe_next_url() == "/from-session"


# -- the test client, mixins, cookie helpers ------------------------------------------------


def test_flask_login_client(manager, app):
    app.test_client_class = FlaskLoginClient
    # The client sets no session identifier: basic protection would mark the login stale.
    app.config["SESSION_PROTECTION"] = None
    with app.test_client(user=USERS[2]) as c:
        assert c.get("/me").text == "bob"
        assert c.get("/fresh").text == "True"
    with app.test_client(user=USERS[2], fresh_login=False) as c:
        assert c.get("/fresh").text == "False"
    assert app.test_client().get("/me").text == "anonymous"


def test_mixins():
    assert User(1, "a") == User(1, "b") and User(1, "a") != User(2, "a")
    assert User(1, "a") != "1"
    assert len({User(1, "a"), User(1, "a")}) == 2  # hashable, by identity
    assert User(1, "a").get_id() == "1"
    with pytest.raises(NotImplementedError):
        UserMixin().get_id()
    anon = AnonymousUserMixin()
    assert (anon.is_authenticated, anon.is_active, anon.is_anonymous) == (False, False, True)
    assert anon.get_id() is None


@pytest.mark.parametrize("cookie", ["", "1", "1|", "1|zz", "1|" + "0" * 128, "|||", "é|ab"])
def test_decode_cookie_refuses_garbage(app, cookie):
    with app.test_request_context():
        assert decode_cookie(cookie) is None


def test_cookie_roundtrip_and_keys(app):
    with app.test_request_context():
        assert decode_cookie(encode_cookie("佐藤")) == "佐藤"
        assert decode_cookie(encode_cookie("1", key="other")) is None
        assert decode_cookie(encode_cookie("1", key="other"), key="other") == "1"
        assert decode_cookie(encode_cookie("1", key="ключ"), key="ключ") == "1"
        app.secret_key = None
        with pytest.raises(RuntimeError, match="secret key"):
            encode_cookie("1")
