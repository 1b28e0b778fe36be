"""Accounts: listing, creating, changing, deleting and restoring users; passwords."""

from __future__ import annotations

import functools
import typing as t

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from erlen import current_app
from erlen.ext.sqlalchemy.pagination import Pagination
from erlen.security import check_password_hash, generate_password_hash

from ..exceptions import (
    AuthenticationFailed,
    BadRequestError,
    ConflictError,
    NotFoundError,
    ValidationFailed,
)
from ..extensions import db
from ..models import Role, User

#: ``sort`` values of :func:`list_users` (a leading ``-`` reverses the order).
SORT_COLUMNS: dict[str, sa.orm.InstrumentedAttribute[t.Any]] = {
    "id": User.id,
    "email": User.email,
    "name": User.name,
    "created_at": User.created_at,
}
EMAIL_TAKEN = "This email address is already registered."


def normalize_email(email: str) -> str:
    """``email`` as stored and compared: without surrounding whitespace, in lower case."""
    return email.strip().lower()


def users_query(
    *,
    include_deleted: bool = False,
    role: str | None = None,
    search: str | None = None,
    sort: str = "id",
) -> sa.Select[tuple[User]]:
    """Users, filtered (not deleted, ``role``, ``search`` in the name or the email address)
    and ordered by ``sort`` (a key of :data:`SORT_COLUMNS`, ``-`` first for descending)."""
    query = sa.select(User)
    if not include_deleted:
        query = query.where(User.not_deleted())
    if role is not None:
        query = query.where(User.role == role)
    if search:
        query = query.where(
            sa.or_(
                User.name.icontains(search, autoescape=True),
                User.email.icontains(search, autoescape=True),
            )
        )
    column = SORT_COLUMNS[sort.removeprefix("-")]
    order = column.desc() if sort.startswith("-") else column.asc()
    # The id breaks ties, so that pages never overlap.
    return query.order_by(order, User.id.asc())


def list_users(page: int, per_page: int, **filters: t.Any) -> Pagination:
    """One page of :func:`users_query` (an empty page past the last)."""
    return db.paginate(
        users_query(**filters), page=page, per_page=per_page, max_per_page=None, error_out=False
    )


def get_user(user_id: int, *, include_deleted: bool = False) -> User:
    """The user ``user_id``; :class:`NotFoundError` if there is none (or it is deleted,
    unless ``include_deleted``)."""
    user = db.session.get(User, user_id)
    if user is None or (user.is_deleted and not include_deleted):
        raise NotFoundError(f"There is no user {user_id}.")
    return user


def find_active_user(user_id: int) -> User | None:
    """The user ``user_id`` if it exists and is not deleted."""
    user = db.session.get(User, user_id)
    return None if user is None or user.is_deleted else user


def _email_owner(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def create_user(email: str, name: str, password: str, role: str = Role.USER.value) -> User:
    """A new account (``email`` is normalized). A taken email address is a
    :class:`ValidationFailed` on the ``email`` field."""
    email = normalize_email(email)
    if _email_owner(email) is not None:
        raise ValidationFailed({"email": [EMAIL_TAKEN]})
    user = User(email=email, name=name, role=role)
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # registered by another request in the meantime
        db.session.rollback()
        raise ValidationFailed({"email": [EMAIL_TAKEN]}) from None
    return user


def update_user(user: User, changes: t.Mapping[str, t.Any]) -> User:
    """Apply ``changes`` (``email``, ``name``, ``role``). An email address of another
    account is a :class:`ConflictError`; a new role revokes the user's tokens (they carry
    the old one)."""
    if "email" in changes:
        email = normalize_email(changes["email"])
        owner = _email_owner(email)
        if owner is not None and owner.id != user.id:
            raise ConflictError(EMAIL_TAKEN)
        user.email = email
    if "name" in changes:
        user.name = changes["name"]
    if "role" in changes and changes["role"] != user.role:
        user.role = changes["role"]
        user.revoke_tokens()
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ConflictError(EMAIL_TAKEN) from None
    return user


def delete_user(user: User) -> None:
    """Soft-delete ``user`` and revoke its tokens."""
    user.soft_delete()
    user.revoke_tokens()
    db.session.commit()


def restore_user(user: User) -> User:
    """Undo :func:`delete_user`; a user that is not deleted is a :class:`ConflictError`.
    Tokens revoked by the deletion stay revoked: the user logs in again."""
    if not user.is_deleted:
        raise ConflictError(f"User {user.id} is not deleted.")
    user.restore()
    db.session.commit()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Set a new password after checking the current one; every token issued so far is
    revoked."""
    if not user.check_password(current_password):
        raise ValidationFailed({"current_password": ["This is not your password."]})
    if current_password == new_password:
        raise BadRequestError("The new password is the current one.")
    user.set_password(new_password)
    user.revoke_tokens()
    db.session.commit()


@functools.lru_cache(maxsize=4)
def _placeholder_hash(method: str) -> str:
    return generate_password_hash("not anyone's password", method=method)


def authenticate(email: str, password: str) -> User:
    """The account with ``email`` and ``password``; :class:`AuthenticationFailed`
    otherwise (also for deleted accounts)."""
    user = _email_owner(normalize_email(email))
    if user is None or user.is_deleted:
        # Check a password anyway, so that the answer takes as long as for a real account
        # and does not tell which email addresses are registered.
        check_password_hash(_placeholder_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        raise AuthenticationFailed()
    if not user.check_password(password):
        raise AuthenticationFailed()
    return user


def count_users(*, include_deleted: bool = False) -> int:
    """How many users there are."""
    query = sa.select(sa.func.count(User.id))
    if not include_deleted:
        query = query.where(User.not_deleted())
    return db.session.scalar(query) or 0
