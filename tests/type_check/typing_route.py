"""Type-checked, never run: blueprints, class-based views and view return values."""

from __future__ import annotations

import typing as t

from typing_extensions import assert_type

from erlen import Blueprint, Flask, Response, abort, request, stream_with_context, url_for
from erlen.typing import ResponseReturnValue
from erlen.views import MethodView, View

app = Flask(__name__)
bp = Blueprint("api", __name__, url_prefix="/api")


@bp.route("/items/<int:item_id>", methods=["GET", "PUT"])
def item(item_id: int) -> tuple[dict[str, t.Any], int]:
    if request.method == "PUT":
        return {"id": item_id, "updated": True}, 200
    return {"id": item_id}, 200


assert_type(item(3), tuple[dict[str, t.Any], int])


@bp.get("/items")
def items() -> list[dict[str, int]]:
    return [{"id": 1}, {"id": 2}]


@bp.delete("/items/<int:item_id>")
def delete_item(item_id: int) -> tuple[str, int, dict[str, str]]:
    return "", 204, {"X-Deleted": str(item_id)}


@bp.route("/stream")
def stream() -> Response:
    def generate() -> t.Iterator[str]:
        yield "a"
        yield "b"

    return Response(stream_with_context(generate()), mimetype="text/plain")


@bp.route("/go/<path:target>")
def go(target: str) -> ResponseReturnValue:
    if not target:
        abort(404)
    return "", 302, {"Location": url_for("api.items")}


@bp.url_defaults
def add_lang(endpoint: str, values: dict[str, t.Any]) -> None:
    values.setdefault("lang", "en")


@bp.url_value_preprocessor
def pull_lang(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
    if values is not None:
        values.pop("lang", None)


class ItemAPI(MethodView):
    init_every_request = False

    def __init__(self, model: str) -> None:
        self.model = model

    def get(self, item_id: int | None = None) -> ResponseReturnValue:
        if item_id is None:
            return {"model": self.model, "items": []}
        return {"model": self.model, "id": item_id}

    def post(self) -> ResponseReturnValue:
        data = request.get_json()
        return {"created": data}, 201


class Hello(View):
    methods = ["GET"]

    def dispatch_request(self, name: str = "world") -> ResponseReturnValue:
        return f"Hello {name}!"


item_view = ItemAPI.as_view("items_api", "Item")
bp.add_url_rule("/v2/items/", view_func=item_view, methods=["GET", "POST"])
bp.add_url_rule("/v2/items/<int:item_id>", view_func=item_view)
app.add_url_rule("/hello/<name>", view_func=Hello.as_view("hello"))
app.register_blueprint(bp)
app.register_blueprint(bp, name="api_v1", url_prefix="/v1")


def check_urls() -> None:
    with app.test_request_context():
        assert_type(url_for("api.item", item_id=1), str)
        assert_type(url_for("hello", name="ada", _external=True), str)
    adapter = app.url_map.bind("localhost")
    endpoint, args = adapter.match("/api/items/1")
    assert endpoint == "api.item" and args == {"item_id": 1}
