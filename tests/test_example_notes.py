"""The example app in ``examples/notes``: accounts, notes CRUD, ownership, JSON API, CLI."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
import types
import typing as t
from pathlib import Path

import pytest

from erlen import Flask
from erlen.security import check_password_hash
from erlen.testing import FlaskClient

NOTES_DIR = Path(__file__).resolve().parent.parent / "examples" / "notes"


def _load_notes_package() -> types.ModuleType:
    """Import ``examples/notes`` as the package ``notes``, as ``erlen --app`` would."""
    module = sys.modules.get("notes")
    if module is not None and Path(module.__file__ or "").parent == NOTES_DIR:
        return module
    spec = importlib.util.spec_from_file_location(
        "notes", NOTES_DIR / "__init__.py", submodule_search_locations=[str(NOTES_DIR)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["notes"] = module
    spec.loader.exec_module(module)
    return module


notes_pkg = _load_notes_package()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "notes.sqlite"


@pytest.fixture
def app(db_path: Path) -> Flask:
    return notes_pkg.create_app(  # type: ignore[no-any-return]
        {"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE": str(db_path)}
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def register(client: FlaskClient, username: str, password: str = "correct horse") -> t.Any:
    return client.post("/auth/register", data={"username": username, "password": password})


def login(
    client: FlaskClient, username: str, password: str = "correct horse", **extra: str
) -> t.Any:
    return client.post("/auth/login", data={"username": username, "password": password, **extra})


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert register(client, username).status_code == 302
    assert login(client, username).status_code == 302
    return client


def create_note(client: FlaskClient, title: str, body: str = "") -> int:
    response = client.post("/notes/new", data={"title": title, "body": body})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def query(db_path: Path, sql: str, *params: t.Any) -> list[tuple[t.Any, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


# --- database -------------------------------------------------------------------------------


def test_default_database_is_in_the_instance_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTES_DATABASE", raising=False)
    app = notes_pkg.create_app()
    assert app.config["DATABASE"] == str(Path(app.instance_path) / "notes.sqlite")
    assert Path(app.root_path) == NOTES_DIR


def test_schema_is_created_on_first_request(client: FlaskClient, db_path: Path) -> None:
    assert not db_path.exists()
    response = client.get("/")
    assert response.status_code == 200
    assert "Create an account" in response.get_data(as_text=True)
    register(client, "first")
    tables = {name for (name,) in query(db_path, "SELECT name FROM sqlite_master")}
    assert {"account", "note"} <= tables


def test_init_db_command(app: Flask, db_path: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Initialised the database" in result.output
    assert str(db_path) in result.output
    tables = {name for (name,) in query(db_path, "SELECT name FROM sqlite_master")}
    assert {"account", "note"} <= tables

    register(app.test_client(), "keeper")
    # Without --reset the data stays.
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert query(db_path, "SELECT username FROM account") == [("keeper",)]
    result = runner.invoke(args=["init-db", "--reset"])
    assert result.exit_code == 0 and "Reset the database" in result.output
    assert query(db_path, "SELECT username FROM account") == []


# --- accounts -------------------------------------------------------------------------------


def test_register_stores_a_password_hash(client: FlaskClient, db_path: Path) -> None:
    assert client.get("/auth/register").status_code == 200
    response = register(client, "alice", "s3cret-pass")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    [(username, stored)] = query(db_path, "SELECT username, password_hash FROM account")
    assert username == "alice"
    assert "s3cret-pass" not in stored
    assert check_password_hash(stored, "s3cret-pass")
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Account created" in page


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("", "long enough", "Username is required."),
        ("ab", "long enough", "Username must be 3 to 32 characters"),
        ("no spaces", "long enough", "Username must be 3 to 32 characters"),
        ("x" * 33, "long enough", "Username must be 3 to 32 characters"),
        ("bob", "short", "Password must be at least 8 characters."),
    ],
)
def test_register_validation(
    client: FlaskClient, db_path: Path, username: str, password: str, message: str
) -> None:
    response = register(client, username, password)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    # Rejected before any query: the database is not even created.
    assert not db_path.exists()


def test_register_rejects_a_taken_username(client: FlaskClient) -> None:
    register(client, "carol")
    response = register(client, "CAROL")
    assert response.status_code == 400
    assert "already taken" in response.get_data(as_text=True)


@pytest.mark.parametrize(("username", "password"), [("dave", "wrong password"), ("nobody", "x")])
def test_login_failure(client: FlaskClient, username: str, password: str) -> None:
    register(client, "dave")
    response = login(client, username, password)
    assert response.status_code == 400
    assert "Incorrect username or password." in response.get_data(as_text=True)
    with client.session_transaction() as sess:
        assert "account_id" not in sess
    assert client.get("/api/notes").status_code == 401


def test_login_success_and_logout(client: FlaskClient) -> None:
    register(client, "erin")
    response = login(client, "erin")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Welcome back, erin!" in page
    assert "My notes" in page

    assert client.get("/auth/logout").status_code == 405  # mutations are POST only
    response = client.post("/auth/logout", follow_redirects=True)
    assert "You have been logged out." in response.get_data(as_text=True)
    assert client.get("/notes/new").status_code == 302


def test_login_returns_to_the_requested_page(client: FlaskClient) -> None:
    response = client.get("/notes/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/notes/new"
    register(client, "frank")
    assert login(client, "frank", next="/notes/new").headers["Location"] == "/notes/new"


def test_login_refuses_offsite_next(client: FlaskClient) -> None:
    register(client, "grace")
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        assert login(client, "grace", next=target).headers["Location"] == "/"


# --- notes ----------------------------------------------------------------------------------


def test_create_view_edit_delete(app: Flask, db_path: Path) -> None:
    client = signed_in(app, "heidi")
    assert client.get("/notes/new").status_code == 200
    note_id = create_note(client, "  Groceries  ", "milk\r\neggs")
    assert query(db_path, "SELECT title, body FROM note") == [("Groceries", "milk\neggs")]

    detail = client.get(f"/notes/{note_id}").get_data(as_text=True)
    assert "Saved “Groceries”." in detail
    assert "milk\neggs" in detail
    assert "Groceries" in client.get("/").get_data(as_text=True)

    form = client.get(f"/notes/{note_id}/edit").get_data(as_text=True)
    assert 'value="Groceries"' in form
    response = client.post(f"/notes/{note_id}/edit", data={"title": "Shopping", "body": "bread"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/notes/{note_id}"
    assert query(db_path, "SELECT title, body FROM note") == [("Shopping", "bread")]

    assert client.get(f"/notes/{note_id}/delete").status_code == 405
    response = client.post(f"/notes/{note_id}/delete", follow_redirects=True)
    assert "Deleted “Shopping”." in response.get_data(as_text=True)
    assert query(db_path, "SELECT count(*) FROM note") == [(0,)]
    assert client.get(f"/notes/{note_id}").status_code == 404


def test_notes_are_escaped_and_searchable(app: Flask) -> None:
    client = signed_in(app, "ivan")
    create_note(client, "<script>alert(1)</script>", "first body")
    create_note(client, "Holiday 100% plan", "beach")
    page = client.get("/").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page

    found = client.get("/?q=100%25").get_data(as_text=True)
    assert "Holiday 100% plan" in found and "alert(1)" not in found
    found = client.get("/?q=BEACH").get_data(as_text=True)
    assert "Holiday 100% plan" in found
    assert "No note matches “zzz”." in client.get("/?q=zzz").get_data(as_text=True)


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [
        ("", "text", "Title is required."),
        ("   ", "text", "Title is required."),
        ("t" * 121, "", "Title is too long: 121 characters, at most 120."),
        ("fine", "b" * 20_001, "Text is too long: 20001 characters, at most 20000."),
    ],
)
def test_note_validation(app: Flask, db_path: Path, title: str, body: str, message: str) -> None:
    client = signed_in(app, "judy")
    response = client.post("/notes/new", data={"title": title, "body": body})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert query(db_path, "SELECT count(*) FROM note") == [(0,)]

    note_id = create_note(client, "original")
    response = client.post(f"/notes/{note_id}/edit", data={"title": title, "body": body})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert query(db_path, "SELECT title FROM note") == [("original",)]


def test_only_the_owner_may_touch_a_note(app: Flask, db_path: Path) -> None:
    owner = signed_in(app, "kim")
    note_id = create_note(owner, "private", "mine")
    other = signed_in(app, "leo")

    assert other.get(f"/notes/{note_id}").status_code == 403
    assert other.get(f"/notes/{note_id}/edit").status_code == 403
    response = other.post(f"/notes/{note_id}/edit", data={"title": "hacked"})
    assert response.status_code == 403
    assert "belongs to another user" in response.get_data(as_text=True)
    assert other.post(f"/notes/{note_id}/delete").status_code == 403
    assert query(db_path, "SELECT title FROM note") == [("private",)]
    assert "private" not in other.get("/").get_data(as_text=True)

    for url in ("/notes/999", "/notes/999/edit"):
        assert other.get(url).status_code == 404
    assert other.post("/notes/999/delete").status_code == 404


# --- JSON API -------------------------------------------------------------------------------


def test_api_requires_login(client: FlaskClient) -> None:
    for url in ("/api/notes", "/api/notes/1"):
        response = client.get(url)
        assert response.status_code == 401
        assert response.is_json
        assert response.get_json() == {"error": "authentication required"}


def test_api_lists_and_shows_own_notes(app: Flask) -> None:
    client = signed_in(app, "mia")
    first = create_note(client, "one", "1")
    second = create_note(client, "two", "2")
    other = signed_in(app, "ned")
    theirs = create_note(other, "not yours")

    response = client.get("/api/notes")
    assert response.status_code == 200
    listed = response.get_json()["notes"]
    assert {note["id"] for note in listed} == {first, second}
    assert {note["title"] for note in listed} == {"one", "two"}

    note = client.get(f"/api/notes/{second}").get_json()
    assert note["title"] == "two" and note["body"] == "2"
    assert note["url"] == f"/api/notes/{second}"
    assert set(note) == {"id", "title", "body", "created_at", "updated_at", "url"}

    response = client.get(f"/api/notes/{theirs}")
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"
    response = client.get("/api/notes/424242")
    assert response.status_code == 404 and response.get_json()["error"] == "not found"


# --- pages ----------------------------------------------------------------------------------


def test_custom_404_page(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Not found · Notes" in page
    assert "Back to your notes" in page
    assert 'href="/static/style.css"' in page


def test_custom_500_page_hides_the_error(db_path: Path) -> None:
    app = notes_pkg.create_app({"DATABASE": str(db_path), "PROPAGATE_EXCEPTIONS": False})

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("internal detail xyz")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong · Notes" in page
    assert "internal detail xyz" not in page and "RuntimeError" not in page


def test_stylesheet_is_served(client: FlaskClient) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert b".topbar" in response.get_data()
    response.close()


def test_secret_key_is_generated_once_per_instance(tmp_path):
    _instance_secret_key = notes_pkg._instance_secret_key

    first = _instance_secret_key(str(tmp_path / "a"))
    assert len(first) == 64
    assert _instance_secret_key(str(tmp_path / "a")) == first
    assert (tmp_path / "a" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert _instance_secret_key(str(tmp_path / "b")) != first
