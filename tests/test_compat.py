"""Compat mode (``erlen.compat``): Flask extensions on erlen.

Compat mode changes ``sys.modules`` for the whole process and this test run imports the real
Flask for differential tests, so everything that turns it on runs in a subprocess: Python
snippets, the ``erlen`` command, a nested ``pytest -p erlen.compat`` over ``tests/compat_app``
and a real server. Only the alias table, which turns nothing on, is read in-process.
"""

from __future__ import annotations

import http.cookiejar
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from erlen._compat import aliases

REPO = Path(__file__).resolve().parent.parent
COMPAT_APP = REPO / "tests" / "compat_app"
TIMEOUT = 60


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FLASK_", "ERLEN_", "NOTES_", "PYTEST_"))
    }
    env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1", **extra)
    return env


def run_python(code: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "error", "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def python_ok(code: str, cwd: Path, **env: str) -> str:
    result = run_python(code, cwd, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def erlen_cli(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    script = shutil.which("erlen", path=str(Path(sys.executable).parent))
    assert script is not None
    return subprocess.run(
        [script, *args],
        cwd=cwd,
        env=clean_env(**env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


# -- the alias table (read in-process: it turns nothing on) ---------------------------------


def _module_names(package: str) -> set[str]:
    """The module names of an installed package, read from its files (nothing imported)."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations
    root = Path(next(iter(spec.submodule_search_locations)))
    names = set()
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        # every folder on the way is a package (flask/sansio has no __init__.py)
        for depth in range(len(parts) + 1):
            names.add(".".join((package, *parts[:depth])))
    return names


def test_the_table_lists_every_module_of_flask_and_werkzeug():
    assert set(aliases.FLASK_MODULES) == _module_names("flask")
    assert set(aliases.WERKZEUG_MODULES) == _module_names("werkzeug")
    assert set(aliases.ALIASES) == set(aliases.FLASK_MODULES) | set(aliases.WERKZEUG_MODULES)


def test_the_table_maps_to_erlen_by_name_except_the_renamed():
    assert aliases.target("flask.json.tag") == "erlen.json.tag"
    assert aliases.target("flask.sansio.scaffold") == "erlen.sansio.scaffold"
    assert aliases.target("werkzeug.routing.rules") == "erlen.routing.rules"
    assert aliases.target("werkzeug.wrappers.request") == "erlen.wrappers.request"
    assert aliases.target("werkzeug.datastructures.headers") == "erlen.datastructures.headers"
    assert aliases.target("werkzeug.wrappers") == "erlen._compat.werkzeug_wrappers"
    assert aliases.target("flask") == "erlen._compat.flask"
    for name, erlen_name in aliases.ALIASES.items():
        if name not in aliases.RENAMED:
            assert erlen_name == "erlen" + name.partition(".")[1] + name.partition(".")[2]


def test_names_that_flask_and_werkzeug_lack_are_not_aliased():
    assert aliases.target("flask.routing") is None
    assert aliases.target("werkzeug.app") is None
    assert aliases.target("flask_login") is None
    assert aliases.target("flasky") is None


def test_packages_are_the_ones_with_submodules():
    assert aliases.is_package("werkzeug.debug")
    assert aliases.is_package("flask.sansio")
    assert not aliases.is_package("flask.app")
    assert not aliases.is_package("werkzeug.wrappers.request")


def test_every_existing_target_is_an_erlen_module_and_absent_ones_are_explained():
    missing = [
        name for name, erlen_name in aliases.ALIASES.items() if not _erlen_module_exists(erlen_name)
    ]
    # Every module erlen lacks gets an error pointing to docs/compat.md; those lacked on
    # purpose say why, and the docs list each one.
    docs = (REPO / "docs" / "compat.md").read_text()
    for name in missing:
        assert f"`{name}`" in docs, f"docs/compat.md does not mention {name}"
    for name in aliases.ABSENT:
        assert name in aliases.ALIASES


def _erlen_module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # the parent is not a package
        return False


# -- in a fresh interpreter ---------------------------------------------------------------


def test_flask_and_werkzeug_names_are_erlens_own_objects(tmp_path):
    out = python_ok(
        """
        import erlen.compat
        import sys
        import flask, flask.app, flask.json.tag, werkzeug, werkzeug.exceptions
        import erlen, erlen.app, erlen.json.tag, erlen.exceptions, erlen.test, erlen.serving
        import erlen.wrappers, erlen.wrappers.request, erlen.wrappers.response
        from flask import request, Flask, abort
        from werkzeug import Request, Response, Client, run_simple
        from werkzeug.wrappers import Response as WResponse
        import werkzeug.wrappers.request

        assert request is erlen.request and Flask is erlen.Flask and abort is erlen.abort
        assert flask.app is erlen.app and sys.modules["flask.app"] is erlen.app
        assert flask.json.tag is erlen.json.tag
        assert werkzeug.exceptions is erlen.exceptions
        assert Request is erlen.wrappers.request.Request is werkzeug.wrappers.Request
        assert Response is WResponse is erlen.wrappers.response.Response
        assert Response is not erlen.Response and issubclass(erlen.Response, Response)
        assert flask.wrappers is erlen.wrappers and flask.Response is erlen.Response
        assert werkzeug.wrappers.request is erlen.wrappers.request
        assert Client is erlen.test.Client and run_simple is erlen.serving.run_simple
        # attribute access loads submodules, as after importing the real packages
        assert flask.cli is sys.modules["erlen.cli"] and werkzeug.routing is sys.modules["erlen.routing"]
        # each module keeps its own spec (relative imports and pickling read it)
        assert erlen.app.__spec__.name == "erlen.app"
        # the real packages were never imported
        assert all(
            m.__name__.startswith("erlen")
            for n, m in sys.modules.items()
            if n.partition(".")[0] in ("flask", "werkzeug")
        )
        print("ok")
        """,
        tmp_path,
    )
    assert out == "ok\n"


def test_versions_are_the_ones_erlen_implements(tmp_path):
    out = python_ok(
        """
        import erlen.compat
        import importlib.metadata, warnings
        import erlen, flask, werkzeug

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            version = flask.__version__
        assert [w.category for w in caught] == [DeprecationWarning]
        assert not hasattr(werkzeug, "__version__")  # as Werkzeug 3.1
        flask_dist = importlib.metadata.distribution("flask")
        print(version, erlen.__version__ != version, importlib.metadata.version("Flask"),
              importlib.metadata.version("werkzeug"), flask_dist.files)
        """,
        tmp_path,
    )
    # a real Flask 3.1.3 is installed here (a dev dependency), but the metadata is erlen's
    assert out.split() == ["3.1.3", "True", "3.1.3", "3.1.9", "None"]


def test_modules_erlen_lacks_fail_with_a_pointer_to_the_docs(tmp_path):
    out = python_ok(
        """
        import erlen.compat
        for name in ("werkzeug.testapp", "flask.routing"):
            try:
                __import__(name)
            except ModuleNotFoundError as e:
                print(e.name, "|", e)
        """,
        tmp_path,
    )
    testapp, routing = out.splitlines()
    assert testapp.startswith("werkzeug.testapp | No module named 'werkzeug.testapp' in erlen's")
    assert "demo application" in testapp and testapp.endswith("See docs/compat.md.")
    # not a Flask module at all: the usual error, as with Flask
    assert routing == "flask.routing | No module named 'flask.routing'"


@pytest.mark.parametrize("first", ["flask", "werkzeug.exceptions"])
def test_compat_refuses_to_start_after_the_real_package(tmp_path, first):
    result = run_python(f"import {first}\nimport erlen.compat", tmp_path)
    assert result.returncode == 1
    package = first.partition(".")[0]
    assert (
        f"RuntimeError: erlen.compat was imported after the real {package}: "
        f"'{package}' is already loaded from"
    ) in result.stderr
    assert "docs/compat.md" in result.stderr


def test_python_m_flask_runs_the_erlen_command(tmp_path):
    out = python_ok(
        """
        import erlen.compat
        import runpy, sys
        sys.argv = ["flask", "--version"]
        try:
            runpy.run_module("flask", run_name="__main__", alter_sys=True)
        except SystemExit as e:
            assert e.code in (0, None)
        """,
        tmp_path,
    )
    assert "erlen " in out and "Flask 3.1 API" in out


# -- the README's promise: a Flask-SQLAlchemy app with `flask` changed to `erlen` ------------

PORTED_APP = """
{compat}from erlen import Flask
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
db = SQLAlchemy(app)


class Note(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    text = db.Column(db.String)


@app.get("/")
def index():
    return {{"notes": [note.text for note in db.session.scalars(db.select(Note))]}}


with app.app_context():
    db.create_all()
    db.session.add(Note(text="hello"))
    db.session.commit()
print(app.test_client().get("/").get_data(as_text=True))
"""


def test_a_ported_flask_sqlalchemy_app_needs_compat_mode(tmp_path):
    (tmp_path / "without.py").write_text(PORTED_APP.format(compat=""))
    (tmp_path / "with_compat.py").write_text(PORTED_APP.format(compat="import erlen.compat\n"))

    result = run_python("import without", tmp_path)
    assert result.returncode == 1
    assert "RuntimeError: Working outside of application context." in result.stderr

    assert python_ok("import with_compat", tmp_path).strip() == '{"notes":["hello"]}'


# -- pytest -p erlen.compat: the notes app's own tests over the test client -----------------


def test_notes_app_tests_pass_under_pytest_p_erlen_compat():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "erlen.compat",
            "-p",
            "no:cacheprovider",
            "--confcutdir",
            str(COMPAT_APP),
            "-q",
            str(COMPAT_APP),
        ],
        cwd=REPO,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT * 2,
        check=False,
    )
    # pyproject's filterwarnings = error applies: a warning from compat mode fails the run
    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in summary
    assert not any(word in summary for word in ("skipped", "xfail", "error", "deselected"))


def test_pytest_report_header_says_compat_mode_is_on(tmp_path):
    (tmp_path / "test_it.py").write_text(
        "import flask, erlen\n\ndef test_it():\n    assert flask.Flask is erlen.Flask\n"
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n")
    # erlen.compat already imported when pytest loads it as a plugin (as from a
    # sitecustomize): still no warning
    (tmp_path / "boot").mkdir()
    (tmp_path / "boot" / "sitecustomize.py").write_text("import erlen.compat\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "erlen.compat", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=clean_env(PYTHONPATH=str(tmp_path / "boot")),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    assert "erlen compat mode: flask 3.1.3 and werkzeug 3.1.9 imports load erlen" in result.stdout
    assert "1 passed" in result.stdout and "warning" not in result.stdout


# -- the erlen command ------------------------------------------------------------------------


def test_the_erlen_command_needs_compat_for_a_flask_app(tmp_path):
    without = erlen_cli(["--app", "notes_app:create_app", "routes"], COMPAT_APP)
    assert without.returncode != 0
    assert "A valid Flask application was not obtained" in without.stderr


@pytest.mark.parametrize(
    ("args", "env"),
    [(["--compat"], {}), ([], {"ERLEN_COMPAT": "1"})],
    ids=["--compat", "ERLEN_COMPAT=1"],
)
def test_the_erlen_command_in_compat_mode(tmp_path, args, env):
    db = f"sqlite:///{tmp_path / 'notes.db'}"
    routes = erlen_cli(
        [*args, "--app", "notes_app:create_app", "routes"], COMPAT_APP, NOTES_DATABASE_URI=db, **env
    )
    assert routes.returncode == 0, routes.stderr
    assert "add_note" in routes.stdout and "/notes/<int:note_id>" in routes.stdout
    # the help lists the app's commands too, so the app is loaded in compat mode before it
    helped = erlen_cli(
        [*args, "--app", "notes_app:create_app", "--help"], COMPAT_APP, NOTES_DATABASE_URI=db, **env
    )
    assert helped.returncode == 0 and "Error" not in helped.stderr, helped.stderr


# -- a real server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """An HTTP client that keeps cookies and does not follow redirects."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def call(self, method, path, form=None, json_body=None):
        headers = {}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, error.read()


def wait_for_port(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"server not listening on {port}:\n{log.read_text()}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            continue


def test_the_notes_app_over_a_real_server_in_compat_mode(tmp_path):
    port = free_port()
    log = tmp_path / "server.log"
    script = shutil.which("erlen", path=str(Path(sys.executable).parent))
    assert script is not None
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [script, "--compat", "--app", "notes_app:create_app", "run", "--port", str(port)],
            cwd=COMPAT_APP,
            env=clean_env(NOTES_DATABASE_URI=f"sqlite:///{tmp_path / 'notes.db'}"),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_port(proc, port, log)
        ada = Browser(port)

        status, _, body = ada.call("GET", "/framework")
        assert status == 200
        assert json.loads(body) == {
            "flask_class": "erlen.app.Flask",
            "flask_module": "erlen._compat.flask",
            "flask_version": "3.1.3",
            "werkzeug_version": "3.1.9",
        }

        status, headers, _ = ada.call("GET", "/notes")
        assert (status, headers["Location"]) == (302, "/login?next=%2Fnotes")

        form = {"name": "ada", "password": "lovelace"}
        assert ada.call("POST", "/register", form=form)[0] == 201
        status, headers, _ = ada.call("POST", "/login", form={**form, "remember": "yes"})
        assert (status, headers["Location"]) == (302, "/notes")
        assert {cookie.name for cookie in ada.jar} == {"session", "remember_token"}

        for text in ("one", "two", "three"):
            assert ada.call("POST", "/notes", json_body={"text": text})[0] == 201
        status, _, body = ada.call("GET", "/notes?page=2")
        assert (status, json.loads(body)) == (200, {"notes": ["three"], "page": 2, "pages": 2})
        status, _, body = ada.call("GET", "/notes/99")
        assert status == 404 and b"no such note" in body

        bob = Browser(port)
        assert bob.call("POST", "/register", form={"name": "bob", "password": "b"})[0] == 201
        assert bob.call("POST", "/login", form={"name": "bob", "password": "b"})[0] == 302
        assert bob.call("GET", "/notes/1")[0] == 403
        assert bob.call("POST", "/login", form={"name": "bob", "password": "x"})[0] == 401

        assert ada.call("POST", "/logout")[0] == 302
        assert json.loads(ada.call("GET", "/whoami")[2]) == {"user": None}
    finally:
        stop(proc)
    assert "Traceback" not in log.read_text()
