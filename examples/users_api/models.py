"""The data: users (with timestamps and soft deletion) and revoked tokens."""

from __future__ import annotations

import enum
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from erlen import current_app
from erlen.security import check_password_hash, generate_password_hash

from .extensions import db


def utcnow() -> datetime:
    """The current time in UTC, without a time zone (as every column stores it)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Role(str, enum.Enum):
    """What a user may do. Tokens carry the role in their ``roles`` claim."""

    #: Reads and edits their own account.
    USER = "user"
    #: Also reads every account (a help desk).
    SUPPORT = "support"
    #: Also edits, deletes and restores every account and changes roles.
    ADMIN = "admin"


class TimestampMixin:
    """``created_at`` and ``updated_at`` (UTC), set by the ORM on insert and update."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SoftDeleteMixin:
    """Rows are marked deleted (``deleted_at``) instead of being removed, so they can be
    restored; queries leave them out with :meth:`not_deleted`."""

    deleted_at: Mapped[datetime | None] = mapped_column(default=None, index=True)

    @property
    def is_deleted(self) -> bool:
        """Whether the row is marked deleted."""
        return self.deleted_at is not None

    def soft_delete(self) -> None:
        """Mark the row deleted (now)."""
        self.deleted_at = utcnow()

    def restore(self) -> None:
        """Unmark the row."""
        self.deleted_at = None

    @classmethod
    def not_deleted(cls) -> sa.ColumnElement[bool]:
        """The condition that leaves deleted rows out of a query."""
        return cls.deleted_at.is_(None)


class User(TimestampMixin, SoftDeleteMixin, db.Model):
    """An account. Its email address (stored in lower case) is unique among all accounts,
    deleted ones included, so a deleted account can always be restored."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # None: the account has no password (sample users), so nobody can log in as it.
    password_hash: Mapped[str | None] = mapped_column(sa.String(256))
    role: Mapped[str] = mapped_column(sa.String(16), default=Role.USER.value)
    # Part of every token (the "ver" claim): raising it revokes all the user's tokens
    # (new password, new role, deletion).
    token_version: Mapped[int] = mapped_column(default=1)

    def set_password(self, password: str) -> None:
        """Store a salted hash of ``password`` (method: ``PASSWORD_HASH_METHOD``)."""
        method = current_app.config["PASSWORD_HASH_METHOD"]
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """Whether ``password`` is this account's password."""
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    def has_role(self, *roles: str) -> bool:
        """Whether the user's role is one of ``roles``."""
        return self.role in roles

    def revoke_tokens(self) -> None:
        """Make every token issued to the user so far invalid."""
        self.token_version += 1

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class RevokedToken(db.Model):
    """A token logged out before it expired (the JWT blocklist). Rows whose ``expires_at``
    has passed can be deleted: the token is refused as expired anyway."""

    __tablename__ = "revoked_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    jti: Mapped[str] = mapped_column(sa.String(64), unique=True)
    token_type: Mapped[str] = mapped_column(sa.String(10))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    revoked_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<RevokedToken {self.jti}>"
