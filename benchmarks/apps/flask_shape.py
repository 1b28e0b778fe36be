"""The benchmark app in Flask's API, built on ``flask`` or on ``erlen`` (same code for both)."""

from __future__ import annotations

from importlib import import_module
from inspect import isawaitable
from types import ModuleType
from typing import Any

from apps.common import (
    HELLO,
    ITEMS,
    ROUTE_COUNT,
    SECRET_KEY,
    TEMPLATE_FOLDER,
    form_answer,
    query_answer,
)


def create_app(fw: ModuleType) -> Any:
    """The WSGI scenarios' app on framework module ``fw`` (``flask`` or ``erlen``)."""
    app = fw.Flask(__name__, template_folder=TEMPLATE_FOLDER)
    request = fw.request

    @app.route("/")
    def hello() -> str:
        return HELLO

    @app.route("/user/<int:user_id>")
    def user(user_id: int) -> dict[str, Any]:
        return {"id": user_id, "name": f"user {user_id}", "active": True}

    for i in range(ROUTE_COUNT):
        app.add_url_rule(f"/static{i}", f"static{i}", lambda i=i: f"static {i}")
        app.add_url_rule(
            f"/resource{i}/<int:item_id>",
            f"resource{i}",
            lambda item_id, i=i: f"resource {i}: {item_id}",
        )

    @app.route("/search")
    def search() -> str:
        args = request.args
        return query_answer(args.get("q", ""), args.get("page", 1, type=int), args.get("sort", ""))

    @app.route("/form", methods=["POST"])
    def form() -> str:
        data = request.form
        return form_answer(data["name"], data["email"], int(data["age"]))

    @app.route("/json", methods=["POST"])
    def json_post() -> dict[str, Any]:
        data = request.get_json()
        return {"name": data["name"], "tags": len(data["tags"]), "year": data["year"]}

    @app.route("/template")
    def template() -> str:
        return fw.render_template("items.html", title="Items", items=ITEMS)  # type: ignore[no-any-return]

    return app


def create_session_app(fw: ModuleType) -> Any:
    """The session scenario's app: the only one with a secret key.

    Flask opens the session of every request once a key is set (a third of its hello cost), so
    the other scenarios run on an app without one, as the issue's figures for Flask do.
    """
    app = fw.Flask(__name__)
    app.secret_key = SECRET_KEY
    session = fw.session

    @app.route("/session")
    def counter() -> str:
        count = session.get("count", 0) + 1
        session["count"] = count
        return f"count {count}"

    return app


def create_asgi_app(app_class: type[Any]) -> Any:
    """The ASGI scenarios' app on ``app_class`` (erlen's or Quart's): async views, one sync."""
    app = app_class(__name__)
    request = import_module(app_class.__module__.partition(".")[0]).request

    @app.route("/")
    async def hello() -> str:
        return HELLO

    @app.route("/user/<int:user_id>")
    async def user(user_id: int) -> dict[str, Any]:
        return {"id": user_id, "name": f"user {user_id}", "active": True}

    @app.route("/sync")
    def sync_hello() -> str:
        return HELLO

    @app.route("/json", methods=["POST"])
    async def json_post() -> dict[str, Any]:
        data = request.get_json()
        if isawaitable(data):  # Quart's request API is awaited
            data = await data
        return {"name": data["name"], "tags": len(data["tags"]), "year": data["year"]}

    return app
