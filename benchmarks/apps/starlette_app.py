"""The ASGI benchmark app on Starlette, in Starlette's idiom."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from apps.common import HELLO


async def hello(request: Request) -> HTMLResponse:
    return HTMLResponse(HELLO)


async def user(request: Request) -> JSONResponse:
    user_id = request.path_params["user_id"]
    return JSONResponse({"id": user_id, "name": f"user {user_id}", "active": True})


async def json_post(request: Request) -> JSONResponse:
    data = await request.json()
    return JSONResponse({"name": data["name"], "tags": len(data["tags"]), "year": data["year"]})


def sync_hello(request: Request) -> HTMLResponse:
    return HTMLResponse(HELLO)


asgi_app = Starlette(
    routes=[
        Route("/", hello),
        Route("/user/{user_id:int}", user),
        Route("/sync", sync_hello),
        Route("/json", json_post, methods=["POST"]),
    ]
)
