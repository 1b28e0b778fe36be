"""``/api/v1/users``: list, read, create, change, delete and restore accounts."""

from __future__ import annotations

import typing as t

from erlen import Blueprint, current_app, url_for
from erlen.ext.jwt import current_user, jwt_required

from ..exceptions import BadRequestError, PermissionDenied
from ..inputs import load_args, load_json
from ..models import Role
from ..pagination import page_response
from ..schemas import (
    AdminUserCreateSchema,
    AdminUserUpdateSchema,
    UserCreateSchema,
    UserListArgs,
    UserUpdateSchema,
    user_schema,
    users_schema,
)
from ..security import READERS, admin_required, can_read_user, has_any_role, roles_required
from ..services import users

bp = Blueprint("users", __name__, url_prefix="/api/v1/users")

ADMIN = Role.ADMIN.value


@bp.get("")
@roles_required(*READERS)
def list_users() -> t.Any:
    """Admins and support: a page of users, ``?page=&per_page=&q=&role=&sort=
    &include_deleted=``, in the list envelope with ``X-Total-Count``."""
    schema = UserListArgs()
    filters = load_args(schema)
    page = filters.pop("page")
    per_page = filters.pop("per_page") or current_app.config["USERS_PER_PAGE"]
    result = users.list_users(page, per_page, **filters)
    return page_response(result, users_schema, "users.list_users", schema.dump(filters))


@bp.get("/me")
@jwt_required()
def me() -> t.Any:
    """The token's own account."""
    return user_schema.jsonify(current_user)


@bp.get("/<int:user_id>")
@jwt_required()
def get_user(user_id: int) -> t.Any:
    """One account: one's own, or any for admins and support (deleted ones too)."""
    if not can_read_user(user_id):
        raise PermissionDenied("You may only read your own account.")
    return user_schema.jsonify(users.get_user(user_id, include_deleted=has_any_role(*READERS)))


@bp.post("")
@jwt_required(optional=True)
def create_user() -> t.Any:
    """Sign up: ``{"email", "name", "password"}`` (admins may add ``"role"``). 201 with the
    user and its URL in ``Location``; 400 for invalid, unknown or taken fields."""
    schema = AdminUserCreateSchema() if has_any_role(ADMIN) else UserCreateSchema()
    user = users.create_user(**load_json(schema))
    location = url_for("users.get_user", user_id=user.id, _external=True)
    return user_schema.jsonify(user), 201, {"Location": location}


@bp.patch("/<int:user_id>")
@jwt_required()
def update_user(user_id: int) -> t.Any:
    """Change ``email`` or ``name`` of one's own account; admins change any account and
    its ``role``. 409 when the email address belongs to another account."""
    is_admin = has_any_role(ADMIN)
    if not is_admin and user_id != current_user.id:
        raise PermissionDenied("You may only change your own account.")
    user = users.get_user(user_id)
    changes = load_json(AdminUserUpdateSchema() if is_admin else UserUpdateSchema())
    if user_id == current_user.id and changes.get("role", ADMIN) != ADMIN:
        raise BadRequestError("Admins cannot take their own admin role away.")
    return user_schema.jsonify(users.update_user(user, changes))


@bp.delete("/<int:user_id>")
@admin_required
def delete_user(user_id: int) -> t.Any:
    """Admins: soft-delete an account (its tokens stop working). 204."""
    user = users.get_user(user_id)
    if user_id == current_user.id:
        raise BadRequestError("Admins cannot delete their own account.")
    users.delete_user(user)
    return "", 204


@bp.post("/<int:user_id>/restore")
@admin_required
def restore_user(user_id: int) -> t.Any:
    """Admins: restore a deleted account (409 if it is not deleted)."""
    user = users.get_user(user_id, include_deleted=True)
    return user_schema.jsonify(users.restore_user(user))
