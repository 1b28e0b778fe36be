"""The benchmark app on Bottle, in Bottle's idiom (a signed cookie as the session)."""

from __future__ import annotations

import json
from typing import Any

import bottle

from apps.common import (
    HELLO,
    ITEMS,
    ROUTE_COUNT,
    SECRET_KEY,
    TEMPLATE_FOLDER,
    form_answer,
    query_answer,
)

app = bottle.Bottle()
request, response = bottle.request, bottle.response
# One list object: Bottle caches compiled templates by (id(lookup), name).
_LOOKUP = [TEMPLATE_FOLDER]
_TEMPLATE_SETTINGS = {"autoescape": True}


@app.route("/")
def hello() -> str:
    return HELLO


@app.route("/user/<user_id:int>")
def user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "name": f"user {user_id}", "active": True}


def _add_routes() -> None:
    for i in range(ROUTE_COUNT):
        app.route(f"/static{i}", callback=lambda i=i: f"static {i}")
        app.route(
            f"/resource{i}/<item_id:int>",
            callback=lambda item_id, i=i: f"resource {i}: {item_id}",
        )


_add_routes()


@app.route("/search")
def search() -> str:
    query = request.query
    return query_answer(query.get("q", ""), int(query.get("page", 1)), query.get("sort", ""))


@app.route("/form", method="POST")
def form() -> str:
    data = request.forms
    return form_answer(data.getunicode("name"), data.getunicode("email"), int(data["age"]))


@app.route("/json", method="POST")
def json_post() -> dict[str, Any]:
    data = request.json
    return {"name": data["name"], "tags": len(data["tags"]), "year": data["year"]}


@app.route("/template")
def template() -> str:
    return bottle.jinja2_template(  # type: ignore[no-any-return]
        "items.html",
        template_lookup=_LOOKUP,
        template_settings=_TEMPLATE_SETTINGS,
        title="Items",
        items=ITEMS,
    )


@app.route("/session")
def counter() -> str:
    # Bottle signs cookie strings (it deprecates pickling other objects): JSON, like Flask.
    state = json.loads(request.get_cookie("session", "{}", secret=SECRET_KEY))
    count = state.get("count", 0) + 1
    state["count"] = count
    response.set_cookie("session", json.dumps(state), secret=SECRET_KEY, path="/", httponly=True)
    return f"count {count}"
