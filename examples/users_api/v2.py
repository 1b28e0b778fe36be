"""``/api/v2``: the same accounts as Flask-RESTful resources (erlen.ext.restful), read-only.

``Resource`` classes, ``reqparse`` for the query string, ``fields`` and ``marshal_with`` for
the output. Errors answer in the API's JSON form, as in version 1 (:class:`JSONErrorsApi`).
"""

from __future__ import annotations

import typing as t
from datetime import datetime, timezone

from erlen import Blueprint
from erlen.exceptions import HTTPException
from erlen.ext.jwt import current_user, jwt_required
from erlen.ext.restful import Api, Resource, fields, inputs, marshal, marshal_with, reqparse
from erlen.wrappers import Response

from .errors import api_error
from .exceptions import PermissionDenied, ValidationFailed
from .security import READERS, can_read_user, has_any_role, roles_required
from .services import users

bp = Blueprint("v2", __name__, url_prefix="/api/v2")


class JSONErrorsApi(Api):
    """An :class:`Api` whose errors go to the app's error handlers (``errors.py``,
    erlen.ext.jwt's token errors) instead of Flask-RESTful's ``{"message": ...}``, so
    that both versions of the API fail alike. (It also keeps token errors from becoming
    500s, which Flask-RESTful's own handling makes of exceptions it does not know.)"""

    def handle_error(self, e: Exception) -> Response:
        """Re-raise ``e`` for the app to answer; answer ``reqparse``'s errors (a 400 whose
        data maps each argument to its problem) as a :class:`ValidationFailed`."""
        if isinstance(e, HTTPException) and e.response is not None:
            return t.cast(Response, e.response)
        message = getattr(e, "data", {}).get("message")
        if isinstance(message, dict):
            fields = {name: [str(text)] for name, text in message.items()}
            response, status = api_error(ValidationFailed(fields))
            response.status_code = status
            return response
        raise e


api = JSONErrorsApi(bp)


class UTCDateTime(fields.DateTime):
    """A UTC time stored without a time zone, written in ISO 8601 with ``+00:00``."""

    def format(self, value: datetime) -> str:
        """The time with its zone."""
        return super().format(value.replace(tzinfo=value.tzinfo or timezone.utc))


user_fields = {
    "id": fields.Integer,
    "email": fields.String,
    "name": fields.String,
    "role": fields.String,
    "created_at": UTCDateTime(dt_format="iso8601"),
    "uri": fields.Url("v2.user", absolute=True),
}

list_args = reqparse.RequestParser()
list_args.add_argument("page", type=inputs.int_range(1, 1_000_000), default=1, location="args")
list_args.add_argument("per_page", type=inputs.int_range(1, 100), default=20, location="args")


class UserList(Resource):
    """``GET /api/v2/users``: admins and support."""

    method_decorators = [roles_required(*READERS)]

    def get(self) -> t.Any:
        """A page of users: ``{"users": [...], "page", "per_page", "total"}``."""
        args = list_args.parse_args()
        page = users.list_users(args.page, args.per_page)
        body = {
            "users": marshal(page.items, user_fields),
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
        }
        return body, 200, {"X-Total-Count": str(page.total)}


class User(Resource):
    """``GET /api/v2/users/<id>``: one's own account, or any for admins and support."""

    method_decorators = [jwt_required()]

    @marshal_with(user_fields)
    def get(self, id: int) -> t.Any:
        """The account."""
        if not can_read_user(id):
            raise PermissionDenied("You may only read your own account.")
        return users.get_user(id, include_deleted=has_any_role(*READERS))


class Me(Resource):
    """``GET /api/v2/me``: the token's own account."""

    method_decorators = [jwt_required()]

    @marshal_with(user_fields)
    def get(self) -> t.Any:
        """The account."""
        return current_user._get_current_object()


api.add_resource(UserList, "/users", endpoint="users")
api.add_resource(User, "/users/<int:id>", endpoint="user")
api.add_resource(Me, "/me", endpoint="me")
