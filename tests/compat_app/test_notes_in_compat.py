"""The notes app (Flask-SQLAlchemy, Flask-Login) over erlen's test client, in compat mode."""

from __future__ import annotations

import importlib.metadata
import sys

import flask
import flask_login
import flask_sqlalchemy
import notes_app
import pytest
import sqlalchemy
import werkzeug.exceptions

import erlen
import erlen.exceptions


def register_and_login(client, name="ada", password="lovelace", remember=False):
    assert client.post("/register", data={"name": name, "password": password}).status_code == 201
    form = {"name": name, "password": password}
    if remember:
        form["remember"] = "yes"
    return client.post("/login", data=form)


def test_the_app_and_its_extensions_run_on_erlen(app):
    assert flask.Flask is erlen.Flask
    assert type(app) is erlen.Flask
    assert sys.modules["flask"].__name__ == "erlen._compat.flask"
    assert flask_sqlalchemy.extension.current_app is erlen.current_app
    assert flask_login.utils.current_app is erlen.current_app
    assert werkzeug.exceptions.NotFound is erlen.exceptions.NotFound
    assert importlib.metadata.version("flask") == "3.1.3"


def test_register_login_and_notes(client):
    response = register_and_login(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/notes"
    assert client.get("/whoami").json == {"user": "ada"}

    for text in ("one", "two", "three"):
        assert client.post("/notes", json={"text": text}).status_code == 201
    assert client.get("/notes").json == {"notes": ["one", "two"], "page": 1, "pages": 2}
    assert client.get("/notes?page=2").json == {"notes": ["three"], "page": 2, "pages": 2}
    assert client.get("/notes/3").json == {"text": "three"}


def test_wrong_password_is_401_and_taken_name_409(client):
    register_and_login(client)
    client.post("/logout")
    assert client.post("/login", data={"name": "ada", "password": "nope"}).status_code == 401
    response = client.post("/register", data={"name": "ada", "password": "x"})
    assert response.status_code == 409
    assert b"ada is taken" in response.data


def test_login_required_redirects_to_the_login_view(client):
    response = client.get("/notes")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fnotes"
    assert client.get("/whoami").json == {"user": None}


def test_logout_forgets_the_user(client):
    register_and_login(client)
    response = client.post("/logout")
    assert response.headers["Location"] == "/login"
    assert client.get("/notes").status_code == 302


def test_get_or_404_and_paginate_abort_with_erlen_exceptions(client):
    register_and_login(client)
    client.post("/notes", json={"text": "only"})
    missing = client.get("/notes/99")
    assert missing.status_code == 404
    assert b"no such note" in missing.data
    assert client.get("/notes?page=5").status_code == 404
    assert client.get("/notes?page=x").status_code == 404


def test_another_users_note_is_403(client):
    register_and_login(client, "ada")
    client.post("/notes", json={"text": "ada's"})
    client.post("/logout")
    register_and_login(client, "bob", "builder")
    assert client.get("/notes/1").status_code == 403


def test_remember_cookie_restores_the_login(app, client):
    register_and_login(client, remember=True)
    remember = client.get_cookie("remember_token")
    assert remember is not None

    fresh = app.test_client()
    assert fresh.get("/whoami").json == {"user": None}
    fresh.set_cookie("remember_token", remember.value)
    assert fresh.get("/whoami").json == {"user": "ada"}
    # Flask-Login put the user back in the session from the cookie
    assert fresh.get_cookie("session") is not None


def test_session_is_removed_when_the_app_context_ends(app):
    with app.app_context():
        notes_app.db.session.add(notes_app.User(name="tmp", password_hash="x"))
        registry = notes_app.db.session.registry
        assert registry.has()
    with app.app_context():
        assert not registry.has()
        assert notes_app.db.session.scalar(sqlalchemy.select(notes_app.User)) is None


def test_get_or_404_outside_a_view_raises_erlen_not_found(app):
    with app.test_request_context(), pytest.raises(erlen.exceptions.NotFound):
        notes_app.db.get_or_404(notes_app.Note, 1)
