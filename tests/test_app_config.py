"""The application's configuration: defaults, env, instance folder, config attributes."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import flask
import pytest

import erlen
from erlen.config import Config


@pytest.fixture
def clean_env(monkeypatch):
    for key in list(os.environ):
        if key.startswith(("FLASK_", "ERLEN_")):
            monkeypatch.delenv(key)
    return monkeypatch


def test_default_config_matches_flask(clean_env):
    expected = dict(flask.Flask("x", root_path="/tmp").config)
    actual = dict(erlen.Flask("x", root_path="/tmp").config)
    assert actual == expected
    assert dict(erlen.Flask.default_config) == dict(flask.Flask.default_config)
    assert actual["DEBUG"] is False
    assert actual["PERMANENT_SESSION_LIFETIME"] == timedelta(days=31)
    assert actual["MAX_FORM_PARTS"] == 1000
    assert actual["MAX_FORM_MEMORY_SIZE"] == 500_000
    assert actual["MAX_COOKIE_SIZE"] == 4093


def test_config_is_a_config_instance(app):
    assert isinstance(app.config, Config)
    assert app.config.root_path == app.root_path
    # Each app has its own config.
    other = erlen.Flask("other", root_path="/tmp")
    other.config["X"] = 1
    assert "X" not in app.config


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("true", True),
        ("yes", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("", False),
    ],
)
def test_debug_from_flask_debug_env(clean_env, value, expected):
    clean_env.setenv("FLASK_DEBUG", value)
    assert erlen.Flask("x").debug is expected
    assert erlen.Flask("x").config["DEBUG"] is expected
    assert flask.Flask("x").debug is expected


def test_debug_property(app):
    assert app.debug is False
    app.debug = True
    assert app.config["DEBUG"] is True
    app.config["DEBUG"] = False
    assert app.debug is False


def test_debug_setter_updates_template_auto_reload(app):
    app.jinja_env  # noqa: B018 - create the environment
    app.debug = True
    assert app.jinja_env.auto_reload is True
    app.debug = False
    assert app.jinja_env.auto_reload is False
    app.config["TEMPLATES_AUTO_RELOAD"] = False
    app.debug = True
    assert app.jinja_env.auto_reload is False


def test_testing_attribute(app):
    assert app.testing is True
    app.testing = False
    assert app.config["TESTING"] is False
    app.config["TESTING"] = True
    assert app.testing is True


def test_secret_key_attribute(app):
    assert app.secret_key == "test key"
    app.secret_key = b"bytes"
    assert app.config["SECRET_KEY"] == b"bytes"


def test_permanent_session_lifetime_int_to_timedelta(app):
    assert app.permanent_session_lifetime == timedelta(days=31)
    app.config["PERMANENT_SESSION_LIFETIME"] = 3600
    assert app.permanent_session_lifetime == timedelta(hours=1)
    app.permanent_session_lifetime = 60
    # The setter stores the raw value; the getter converts.
    assert app.config["PERMANENT_SESSION_LIFETIME"] == 60
    assert app.permanent_session_lifetime == timedelta(minutes=1)
    app.permanent_session_lifetime = timedelta(days=2)
    assert app.permanent_session_lifetime == timedelta(days=2)


def test_int_lifetime_used_for_permanent_cookie(app, client):
    app.config["PERMANENT_SESSION_LIFETIME"] = 120

    @app.get("/")
    def view():
        erlen.session.permanent = True
        erlen.session["x"] = 1
        return "ok"

    before = datetime.now(timezone.utc)
    rv = client.get("/")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.expires is not None
    delta = cookie.expires - before.replace(microsecond=0)
    assert timedelta(seconds=110) <= delta <= timedelta(seconds=125)
    assert rv.status_code == 200


def test_from_prefixed_env(clean_env, app):
    clean_env.setenv("FLASK_STRING", "value")
    clean_env.setenv("FLASK_INT", "42")
    clean_env.setenv("FLASK_BOOL", "true")
    clean_env.setenv("FLASK_LIST", "[1, 2]")
    clean_env.setenv("FLASK_NESTED__KEY", "1")
    clean_env.setenv("FLASK_SECRET_KEY", '"from env"')
    clean_env.setenv("NOT_FLASK_X", "1")
    assert app.config.from_prefixed_env() is True
    assert app.config["STRING"] == "value"
    assert app.config["INT"] == 42
    assert app.config["BOOL"] is True
    assert app.config["LIST"] == [1, 2]
    assert app.config["NESTED"] == {"KEY": 1}
    assert app.secret_key == "from env"
    assert "X" not in app.config

    # Same result as Flask for the same environment.
    f = flask.Flask("x")
    f.config.from_prefixed_env()
    for key in ("STRING", "INT", "BOOL", "LIST", "NESTED", "SECRET_KEY"):
        assert f.config[key] == app.config[key]


def test_from_prefixed_env_custom_prefix_and_loads(clean_env, app):
    clean_env.setenv("ERLEN_A", "1")
    clean_env.setenv("FLASK_A", "2")
    app.config.from_prefixed_env("ERLEN", loads=str)
    assert app.config["A"] == "1"


def test_instance_relative_config(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "settings.py").write_text("FROM_INSTANCE = 'yes'\nlowercase = 1\n")
    app = erlen.Flask(
        "x", root_path=str(tmp_path), instance_path=str(instance), instance_relative_config=True
    )
    assert app.instance_path == str(instance)
    assert app.config.root_path == str(instance)
    assert app.config.from_pyfile("settings.py") is True
    assert app.config["FROM_INSTANCE"] == "yes"
    assert "lowercase" not in app.config

    app2 = erlen.Flask("x", root_path=str(tmp_path), instance_path=str(instance))
    assert app2.config.root_path == str(tmp_path)
    with pytest.raises(FileNotFoundError):
        app2.config.from_pyfile("settings.py")
    assert app2.config.from_pyfile("settings.py", silent=True) is False


def test_instance_path_must_be_absolute():
    with pytest.raises(ValueError, match="If an instance path is provided it must be absolute"):
        erlen.Flask("x", instance_path="relative/instance")


def test_default_instance_path_beside_module():
    app = erlen.Flask(__name__)
    assert app.instance_path == os.path.join(os.path.dirname(__file__), "instance")


def test_open_instance_resource(tmp_path):
    app = erlen.Flask("x", instance_path=str(tmp_path))
    (tmp_path / "data.txt").write_text("inst")
    with app.open_instance_resource("data.txt") as f:
        assert f.read() == b"inst"
    with app.open_instance_resource("new.txt", "w") as f:
        f.write("written")
    assert (tmp_path / "new.txt").read_text() == "written"


def test_custom_config_class():
    class MyConfig(Config):
        pass

    class MyApp(erlen.Flask):
        config_class = MyConfig

    assert type(MyApp("x").config) is MyConfig


def test_config_values_affect_requests(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 10
    app.config["SESSION_COOKIE_NAME"] = "sid"

    @app.post("/")
    def view():
        erlen.session["a"] = 1
        return erlen.request.get_data()

    rv = client.post("/", data=b"short")
    assert rv.data == b"short"
    assert rv.headers["Set-Cookie"].startswith("sid=")
    assert client.post("/", data=b"x" * 11).status_code == 413
