"""Tests for erlen.config (Config, ConfigAttribute), with flask.config as an oracle."""

from __future__ import annotations

import json
import os
import sys
import textwrap

import pytest

from erlen import Flask
from erlen.config import Config, ConfigAttribute


@pytest.fixture
def flask_config_cls():
    from flask.config import Config as FlaskConfig

    return FlaskConfig


def test_init_defaults_and_root_path(tmp_path):
    defaults = {"A": 1}
    config = Config(tmp_path, defaults)
    assert config == {"A": 1}
    assert config.root_path == tmp_path
    config["B"] = 2
    assert defaults == {"A": 1}, "defaults must be copied, not aliased"
    assert Config(tmp_path) == {}
    assert isinstance(config, dict)


def test_repr():
    config = Config("/", {"X": 1})
    assert repr(config) == "<Config {'X': 1}>"

    class MyConfig(Config):
        pass

    assert repr(MyConfig("/")) == "<MyConfig {}>"


def test_from_mapping_ignores_lowercase_and_merges_kwargs():
    config = Config("/")
    assert config.from_mapping({"A": 1, "b": 2}, C=3, d=4) is True
    assert config == {"A": 1, "C": 3}
    config.from_mapping(A=5)
    assert config["A"] == 5
    assert config.from_mapping() is True
    config.from_mapping([("E", 6)])
    assert config["E"] == 6


class _Settings:
    DEBUG = True
    SECRET_KEY = "dev"
    lower = "ignored"
    Mixed = "ignored"
    _PRIVATE_UPPER = "kept"


def test_from_object_class_and_instance():
    config = Config("/")
    config.from_object(_Settings)
    assert config == {"DEBUG": True, "SECRET_KEY": "dev", "_PRIVATE_UPPER": "kept"}

    class Derived(_Settings):
        @property
        def DATABASE_URI(self) -> str:
            return "sqlite://"

    config = Config("/")
    config.from_object(Derived())
    assert config["DATABASE_URI"] == "sqlite://"
    assert config["DEBUG"] is True


def test_from_object_import_string(tmp_path, monkeypatch):
    (tmp_path / "erlen_cfg_mod.py").write_text(
        "FOO = 'bar'\nbaz = 1\nclass Prod:\n    ENV = 'prod'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "erlen_cfg_mod", raising=False)
    config = Config("/")
    config.from_object("erlen_cfg_mod")
    assert config["FOO"] == "bar"
    assert "baz" not in config
    config = Config("/")
    config.from_object("erlen_cfg_mod:Prod")
    assert config == {"ENV": "prod"}
    config = Config("/")
    config.from_object("erlen_cfg_mod.Prod")
    assert config == {"ENV": "prod"}


def test_from_pyfile_relative_to_root(tmp_path):
    (tmp_path / "settings.cfg").write_text(
        textwrap.dedent(
            """
            import os
            SECRET_KEY = "s3cr3t"
            NUMBERS = [1, 2]
            helper = "not loaded"
            THIS_FILE = __file__
            """
        )
    )
    config = Config(tmp_path)
    assert config.from_pyfile("settings.cfg") is True
    assert config["SECRET_KEY"] == "s3cr3t"
    assert config["NUMBERS"] == [1, 2]
    assert config["THIS_FILE"] == os.path.join(tmp_path, "settings.cfg")
    assert "helper" not in config and "os" not in config

    other = Config("/somewhere/else")
    assert other.from_pyfile(tmp_path / "settings.cfg") is True
    assert other["SECRET_KEY"] == "s3cr3t"


def test_from_pyfile_missing(tmp_path, flask_config_cls):
    config = Config(tmp_path)
    assert config.from_pyfile("missing.cfg", silent=True) is False
    assert config.from_pyfile(".", silent=True) is False  # a directory: EISDIR
    with pytest.raises(FileNotFoundError) as exc_info:
        config.from_pyfile("missing.cfg")
    assert (
        exc_info.value.strerror == "Unable to load configuration file (No such file or directory)"
    )
    msg = str(exc_info.value)
    assert msg.startswith("[Errno 2] Unable to load configuration file (No such file or directory)")
    assert msg.endswith("missing.cfg'")

    with pytest.raises(FileNotFoundError) as flask_exc:
        flask_config_cls(tmp_path).from_pyfile("missing.cfg")
    assert str(flask_exc.value) == msg


def test_from_pyfile_syntax_error_propagates(tmp_path):
    (tmp_path / "bad.cfg").write_text("X = (\n")
    with pytest.raises(SyntaxError):
        Config(tmp_path).from_pyfile("bad.cfg")


def test_from_pyfile_relabels_oserror_raised_by_file(tmp_path):
    (tmp_path / "opens.cfg").write_text("open('does-not-exist-xyz')\n")
    with pytest.raises(FileNotFoundError, match="Unable to load configuration file"):
        Config(tmp_path).from_pyfile("opens.cfg", silent=False)


def test_from_envvar(tmp_path, monkeypatch):
    monkeypatch.delenv("ERLEN_TEST_SETTINGS", raising=False)
    config = Config(tmp_path)
    with pytest.raises(RuntimeError) as exc_info:
        config.from_envvar("ERLEN_TEST_SETTINGS")
    assert str(exc_info.value) == (
        "The environment variable 'ERLEN_TEST_SETTINGS' is not set and as such"
        " configuration could not be loaded. Set this variable and make it point"
        " to a configuration file"
    )
    assert config.from_envvar("ERLEN_TEST_SETTINGS", silent=True) is False

    monkeypatch.setenv("ERLEN_TEST_SETTINGS", "")
    assert config.from_envvar("ERLEN_TEST_SETTINGS", silent=True) is False

    monkeypatch.setenv("ERLEN_TEST_SETTINGS", str(tmp_path / "nope.cfg"))
    assert config.from_envvar("ERLEN_TEST_SETTINGS", silent=True) is False
    with pytest.raises(OSError, match="Unable to load configuration file"):
        config.from_envvar("ERLEN_TEST_SETTINGS")

    (tmp_path / "ok.cfg").write_text("LOADED = True\n")
    monkeypatch.setenv("ERLEN_TEST_SETTINGS", "ok.cfg")
    assert config.from_envvar("ERLEN_TEST_SETTINGS") is True
    assert config["LOADED"] is True


def _clear_env(monkeypatch, prefix):
    for key in list(os.environ):
        if key.startswith(prefix):
            monkeypatch.delenv(key)


def test_from_prefixed_env(monkeypatch, flask_config_cls):
    _clear_env(monkeypatch, "FLASK_")
    monkeypatch.setenv("FLASK_STRING", "value")
    monkeypatch.setenv("FLASK_BOOL", "true")
    monkeypatch.setenv("FLASK_INT", "1")
    monkeypatch.setenv("FLASK_FLOAT", "1.2")
    monkeypatch.setenv("FLASK_LIST", "[1, 2]")
    monkeypatch.setenv("FLASK_DICT", '{"k": "v"}')
    monkeypatch.setenv("FLASK_NULL", "null")
    monkeypatch.setenv("FLASK_BROKEN", "{not json")
    monkeypatch.setenv("NOT_FLASK_OTHER", "x")

    config = Config("/")
    assert config.from_prefixed_env() is True
    assert config == {
        "STRING": "value",
        "BOOL": True,
        "INT": 1,
        "FLOAT": 1.2,
        "LIST": [1, 2],
        "DICT": {"k": "v"},
        "NULL": None,
        "BROKEN": "{not json",
    }
    oracle = flask_config_cls("/")
    oracle.from_prefixed_env()
    assert dict(config) == dict(oracle)


def test_from_prefixed_env_custom_prefix_and_loads(monkeypatch):
    _clear_env(monkeypatch, "ERLEN_")
    monkeypatch.setenv("ERLEN_A", "1")
    monkeypatch.setenv("FLASK_A", "2")
    config = Config("/")
    config.from_prefixed_env("ERLEN", loads=lambda s: f"<{s}>")
    assert config == {"A": "<1>"}

    def failing(value: str) -> object:
        raise ValueError(value)

    config = Config("/")
    config.from_prefixed_env("ERLEN", loads=failing)
    assert config == {"A": "1"}


def test_from_prefixed_env_nested(monkeypatch, flask_config_cls):
    _clear_env(monkeypatch, "FLASK_")
    monkeypatch.setenv("FLASK_EXIST__ok", "other")
    monkeypatch.setenv("FLASK_EXIST__inner__ik", "2")
    monkeypatch.setenv("FLASK_EXIST__new__more", '{"k": false}')
    monkeypatch.setenv("FLASK_NEW__K", "v")

    def run(cls):
        config = cls("/")
        config["EXIST"] = {"ok": "value", "flag": True, "inner": {"ik": 1}}
        config.from_prefixed_env()
        return dict(config)

    result = run(Config)
    expected = {
        "EXIST": {"ok": "other", "flag": True, "inner": {"ik": 2}, "new": {"more": {"k": False}}},
        "NEW": {"K": "v"},
    }
    assert result == expected
    assert result == run(flask_config_cls)


def test_from_prefixed_env_is_sorted(monkeypatch):
    _clear_env(monkeypatch, "FLASK_")
    # "A" sorts before "A__B", so the nested value wins over the plain one.
    monkeypatch.setenv("FLASK_A__B", "2")
    monkeypatch.setenv("FLASK_A", "{}")
    config = Config("/")
    config.from_prefixed_env()
    assert config == {"A": {"B": 2}}


def test_from_file(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"TEST_KEY": "foo", "lower": 1}))
    config = Config(tmp_path)
    assert config.from_file("config.json", load=json.load) is True
    assert config == {"TEST_KEY": "foo"}


def test_from_file_binary_and_errors(tmp_path):
    (tmp_path / "config.bin").write_bytes(b'{"B": 2}')
    seen: list[object] = []

    def load(fh):
        data = fh.read()
        seen.append(data)
        return json.loads(data)

    config = Config(tmp_path)
    assert config.from_file("config.bin", load=load, text=False) is True
    assert seen == [b'{"B": 2}']
    assert config == {"B": 2}

    assert config.from_file("missing.json", load=json.load, silent=True) is False
    assert config.from_file(".", load=json.load, silent=True) is False
    with pytest.raises(FileNotFoundError, match=r"Unable to load configuration file \("):
        config.from_file("missing.json", load=json.load)


def test_get_namespace(flask_config_cls):
    data = {
        "IMAGE_STORE_TYPE": "fs",
        "IMAGE_STORE_PATH": "/var/app/images",
        "IMAGE_STORE_BASE_URL": "http://img.website.com",
        "OTHER": 1,
    }
    config = Config("/", data)
    oracle = flask_config_cls("/", data)
    for kwargs in (
        {},
        {"lowercase": False},
        {"trim_namespace": False},
        {"lowercase": False, "trim_namespace": False},
    ):
        assert config.get_namespace("IMAGE_STORE_", **kwargs) == oracle.get_namespace(
            "IMAGE_STORE_", **kwargs
        )
    assert config.get_namespace("IMAGE_STORE_") == {
        "type": "fs",
        "path": "/var/app/images",
        "base_url": "http://img.website.com",
    }
    assert config.get_namespace("NOPE_") == {}


def test_config_attribute():
    class App(Flask):
        flag = ConfigAttribute[bool]("FLAG")
        lifetime = ConfigAttribute("LIFETIME", get_converter=int)

    app = App("config_attribute_app")
    app.config.update(FLAG=False, LIFETIME="30")
    assert app.flag is False
    assert app.lifetime == 30
    app.flag = True
    assert app.config["FLAG"] is True
    app.lifetime = "45"
    assert app.config["LIFETIME"] == "45"
    assert app.lifetime == 45
    descriptor = App.__dict__["flag"]
    assert App.flag is descriptor
    assert descriptor.__name__ == "FLAG"
    assert descriptor.get_converter is None
