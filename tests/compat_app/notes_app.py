"""A small notes app written for Flask, with Flask-SQLAlchemy and Flask-Login.

It imports ``flask`` and ``werkzeug`` as any Flask app does; erlen's tests run it in compat
mode (``pytest -p erlen.compat``, ``erlen --compat``), where those imports load erlen.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys

from flask import Flask, abort, jsonify, redirect, request, url_for
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
login_manager.login_view = "login"


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    password_hash: Mapped[str]


class Note(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(User.id))
    text: Mapped[str]


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def create_app(database_uri: str | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ.get("NOTES_SECRET_KEY", "compat tests"),
        SQLALCHEMY_DATABASE_URI=database_uri or os.environ.get("NOTES_DATABASE_URI", "sqlite://"),
    )
    db.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        db.create_all()

    @app.get("/framework")
    def framework():
        flask = sys.modules["flask"]
        return {
            "flask_class": f"{Flask.__module__}.{Flask.__qualname__}",
            "flask_module": flask.__spec__.name if flask.__spec__ else None,
            "flask_version": importlib.metadata.version("flask"),
            "werkzeug_version": importlib.metadata.version("werkzeug"),
        }

    @app.post("/register")
    def register():
        name = request.form["name"]
        if db.session.scalar(select(User).filter_by(name=name)) is not None:
            abort(409, description=f"{name} is taken")
        user = User(name=name, password_hash=generate_password_hash(request.form["password"]))
        db.session.add(user)
        db.session.commit()
        return {"id": user.id}, 201

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "GET":
            return f"log in to see {request.args.get('next', 'your notes')}"
        user = db.session.scalar(select(User).filter_by(name=request.form["name"]))
        if user is None or not check_password_hash(user.password_hash, request.form["password"]):
            abort(401)
        login_user(user, remember=request.form.get("remember") == "yes")
        return redirect(url_for("notes"))

    @app.post("/logout")
    @login_required
    def logout():
        logout_user()
        return redirect(url_for("login"))

    @app.get("/whoami")
    def whoami():
        if not current_user.is_authenticated:
            return {"user": None}
        return {"user": current_user.name}

    @app.get("/notes")
    @login_required
    def notes():
        page = db.paginate(
            select(Note).filter_by(user_id=current_user.id).order_by(Note.id), per_page=2
        )
        return jsonify(notes=[note.text for note in page.items], page=page.page, pages=page.pages)

    @app.post("/notes")
    @login_required
    def add_note():
        note = Note(user_id=current_user.id, text=request.get_json()["text"])
        db.session.add(note)
        db.session.commit()
        return {"id": note.id}, 201

    @app.get("/notes/<int:note_id>")
    @login_required
    def note(note_id: int):
        found = db.get_or_404(Note, note_id, description="no such note")
        if found.user_id != current_user.id:
            abort(403)
        return {"text": found.text}

    return app
