"""The benchmark app on Falcon (WSGI), in Falcon's idiom. Falcon has no session."""

from __future__ import annotations

from typing import Any

import falcon
import jinja2

from apps.common import HELLO, ITEMS, ROUTE_COUNT, TEMPLATE_FOLDER, form_answer, query_answer

_templates = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_FOLDER), autoescape=True)


class Hello:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = HELLO


class User:
    def on_get(self, req: falcon.Request, resp: falcon.Response, user_id: int) -> None:
        resp.media = {"id": user_id, "name": f"user {user_id}", "active": True}


class Static:
    def __init__(self, i: int) -> None:
        self.text = f"static {i}"

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self.text


class Resource:
    def __init__(self, i: int) -> None:
        self.i = i

    def on_get(self, req: falcon.Request, resp: falcon.Response, item_id: int) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = f"resource {self.i}: {item_id}"


class Search:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = query_answer(
            req.get_param("q", default=""),
            req.get_param_as_int("page", default=1),
            req.get_param("sort", default=""),
        )


class Form:
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = req.get_media()
        resp.content_type = falcon.MEDIA_HTML
        resp.text = form_answer(data["name"], data["email"], int(data["age"]))


class JSONPost:
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = req.get_media()
        resp.media = {"name": data["name"], "tags": len(data["tags"]), "year": data["year"]}


class Template:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = _templates.get_template("items.html").render(title="Items", items=ITEMS)


def create_app() -> Any:
    """The WSGI scenarios' app."""
    app = falcon.App()
    app.add_route("/", Hello())
    app.add_route("/user/{user_id:int}", User())
    for i in range(ROUTE_COUNT):
        app.add_route(f"/static{i}", Static(i))
        app.add_route(f"/resource{i}/{{item_id:int}}", Resource(i))
    app.add_route("/search", Search())
    app.add_route("/form", Form())
    app.add_route("/json", JSONPost())
    app.add_route("/template", Template())
    return app


app = create_app()
