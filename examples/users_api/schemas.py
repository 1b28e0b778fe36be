"""The marshmallow schemas: what the API answers (``UserSchema``) and what it accepts.

Input schemas refuse unknown fields (marshmallow's default), so a typo or a field the
caller may not set (``role`` for non-admins) is a 400 rather than silently ignored.
"""

from __future__ import annotations

import typing as t
from datetime import datetime, timezone

from marshmallow import EXCLUDE, ValidationError, fields, validate

from erlen import current_app

from .extensions import ma
from .models import Role
from .services.users import SORT_COLUMNS, normalize_email

ROLES = [role.value for role in Role]
PASSWORD = validate.Length(min=8, max=128)
#: Sort orders of the user list: ``email``, ``-email`` (descending), ...
SORTS = [prefix + name for name in SORT_COLUMNS for prefix in ("", "-")]


def within_page_size(per_page: int) -> None:
    """``per_page`` must not exceed the app's ``MAX_USERS_PER_PAGE``."""
    largest = current_app.config["MAX_USERS_PER_PAGE"]
    if per_page > largest:
        raise ValidationError(f"Must be at most {largest}.")


class UTCDateTime(fields.DateTime):
    """A UTC time stored without a time zone, written in ISO 8601 with ``+00:00``."""

    def _serialize(
        self, value: datetime | None, attr: str | None, obj: t.Any, **kwargs: t.Any
    ) -> t.Any:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class TrimmedString(fields.String):
    """A string without surrounding whitespace."""

    def _deserialize(self, value: t.Any, attr: str | None, data: t.Any, **kwargs: t.Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


class EmailAddress(fields.Email):
    """An email address, normalized (trimmed, lower case) before it is validated."""

    def _deserialize(self, value: t.Any, attr: str | None, data: t.Any, **kwargs: t.Any) -> str:
        return normalize_email(super()._deserialize(value, attr, data, **kwargs))


class UserSchema(ma.Schema):
    """A user as the API shows it (never the password hash)."""

    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    created_at = UTCDateTime()
    updated_at = UTCDateTime()
    deleted_at = UTCDateTime()
    links = ma.Hyperlinks(
        {"self": ma.AbsoluteURLFor("users.get_user", values={"user_id": "<id>"})},
        data_key="_links",
    )


class UserCreateSchema(ma.Schema):
    """``POST /api/v1/users`` (sign-up)."""

    email = EmailAddress(required=True, validate=validate.Length(max=254))
    name = TrimmedString(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(required=True, validate=PASSWORD)


class AdminUserCreateSchema(UserCreateSchema):
    """``POST /api/v1/users`` by an admin, who may set the role."""

    role = fields.String(load_default=Role.USER.value, validate=validate.OneOf(ROLES))


class UserUpdateSchema(ma.Schema):
    """``PATCH /api/v1/users/<id>`` of one's own account: any of these fields."""

    email = EmailAddress(validate=validate.Length(max=254))
    name = TrimmedString(validate=validate.Length(min=1, max=100))


class AdminUserUpdateSchema(UserUpdateSchema):
    """``PATCH /api/v1/users/<id>`` by an admin, who may change the role."""

    role = fields.String(validate=validate.OneOf(ROLES))


class LoginSchema(ma.Schema):
    """``POST /api/v1/auth/login``."""

    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(max=128))


class PasswordChangeSchema(ma.Schema):
    """``POST /api/v1/auth/password``."""

    current_password = fields.String(required=True, validate=validate.Length(max=128))
    new_password = fields.String(required=True, validate=PASSWORD)


class UserListArgs(ma.Schema):
    """The query string of ``GET /api/v1/users``. Other arguments are ignored."""

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=None, validate=[validate.Range(min=1), within_page_size])
    search = TrimmedString(data_key="q", validate=validate.Length(max=100))
    role = fields.String(validate=validate.OneOf(ROLES))
    include_deleted = fields.Boolean(load_default=False)
    sort = fields.String(load_default="id", validate=validate.OneOf(SORTS))


user_schema = UserSchema()
users_schema = UserSchema(many=True)
