"""Type-checked, never run: erlen.ext.jwt's and erlen.ext.cors's decorators keep the view's
signature, loaders keep their function, and CORS takes an app or a blueprint."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from typing_extensions import assert_type

from erlen import Blueprint, Flask
from erlen.ext.cors import CORS, cross_origin
from erlen.ext.jwt import (
    JWTManager,
    acreate_access_token,
    create_access_token,
    create_refresh_token,
    decode_token,
    get_jwt,
    jwt_required,
    verify_jwt_in_request,
)

app = Flask(__name__)
jwt = JWTManager(app)
CORS(app, resources={r"/api/*": {"origins": ["https://a.example"]}}, supports_credentials=True)
bp = Blueprint("bp", __name__)
CORS(bp, origins="https://b.example", max_age=timedelta(minutes=10))
CORS().init_app(bp, expose_headers=["X-Total-Count"])


@jwt.user_lookup_loader
def lookup(header: dict[str, Any], data: dict[str, Any]) -> str | None:
    return data.get("sub")


@jwt.token_in_blocklist_loader
async def in_blocklist(header: dict[str, Any], data: dict[str, Any]) -> bool:
    return False


@jwt_required(fresh=True, locations=["headers", "cookies"])
def view(user_id: int) -> str:
    return str(user_id)


@cross_origin(origins="*", methods=["GET"])
@jwt_required(optional=True)
async def async_view(name: str) -> dict[str, str]:
    return {"name": name}


assert_type(view(1), str)


async def use_async_forms() -> None:
    assert_type(await async_view("x"), dict[str, str])
    assert_type(await acreate_access_token("ada"), str)


assert_type(lookup({}, {}), str | None)
assert_type(create_access_token("ada", fresh=timedelta(minutes=5)), str)
assert_type(create_refresh_token("ada", expires_delta=False), str)
assert_type(decode_token("t"), dict[str, Any])
assert_type(get_jwt(), dict[str, Any])
assert_type(verify_jwt_in_request(), tuple[dict[str, Any], dict[str, Any]] | None)
