"""The ASGI benchmark app on FastAPI, in FastAPI's idiom."""

from __future__ import annotations

from typing import Any

from fastapi import Body, FastAPI
from fastapi.responses import HTMLResponse

from apps.common import HELLO

asgi_app = FastAPI()


@asgi_app.get("/", response_class=HTMLResponse)
async def hello() -> str:
    return HELLO


@asgi_app.get("/user/{user_id}")
async def user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "name": f"user {user_id}", "active": True}


@asgi_app.get("/sync", response_class=HTMLResponse)
def sync_hello() -> str:
    return HELLO


@asgi_app.post("/json")
async def json_post(data: dict[str, Any] = Body()) -> dict[str, Any]:
    return {"name": data["name"], "tags": len(data["tags"]), "year": data["year"]}
