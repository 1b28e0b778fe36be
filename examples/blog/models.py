"""The data: roles and their permissions, users, posts, comments and tags."""

from __future__ import annotations

import enum
import typing as t
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from erlen import current_app
from erlen.ext.login import AnonymousUserMixin, UserMixin
from erlen.security import check_password_hash, generate_password_hash

from .extensions import db
from .slugs import slugify


def utcnow() -> datetime:
    """The current time in UTC, without a time zone (as every column stores it)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Permission(enum.IntFlag):
    """What a role allows; a role holds a combination."""

    COMMENT = 1
    WRITE = 2
    MODERATE = 4
    ADMIN = 8


#: The roles every database has (``init-db`` and ``seed-db`` create them).
ROLE_PERMISSIONS: dict[str, Permission] = {
    "reader": Permission.COMMENT,
    "author": Permission.COMMENT | Permission.WRITE,
    "moderator": Permission.COMMENT | Permission.WRITE | Permission.MODERATE,
    "admin": Permission.COMMENT | Permission.WRITE | Permission.MODERATE | Permission.ADMIN,
}
#: The role of a newly registered user.
DEFAULT_ROLE = "author"


class Role(db.Model):
    """A named set of permissions."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(32), unique=True)
    permissions: Mapped[int] = mapped_column(default=0)

    users: Mapped[list[User]] = relationship(back_populates="role")

    def allows(self, permission: Permission) -> bool:
        """Whether this role has every permission in ``permission``."""
        return self.permissions & permission == permission

    @property
    def permission_names(self) -> list[str]:
        """The names of the permissions this role has (``["COMMENT", "WRITE"]``)."""
        return [p.name for p in Permission if p.name and self.allows(p)]

    @staticmethod
    def ensure_defaults() -> None:
        """Create the roles of :data:`ROLE_PERMISSIONS` that are missing (and set their
        permissions) in the session; the caller commits."""
        existing = {role.name: role for role in db.session.scalars(sa.select(Role))}
        for name, permissions in ROLE_PERMISSIONS.items():
            role = existing.get(name) or Role(name=name)
            role.permissions = int(permissions)
            db.session.add(role)

    @staticmethod
    def named(name: str) -> Role | None:
        """The role called ``name``, if there is one."""
        return db.session.scalar(sa.select(Role).filter_by(name=name))

    def __repr__(self) -> str:
        return f"<Role {self.name}>"


class User(UserMixin, db.Model):
    """An account. A deactivated account cannot log in, and its sessions end."""

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(32), unique=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    # None: the account has no password (sample authors), so nobody can log in as it.
    password_hash: Mapped[str | None] = mapped_column(sa.String(256))
    about: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    role_id: Mapped[int] = mapped_column(sa.ForeignKey("role.id"))

    role: Mapped[Role] = relationship(back_populates="users")
    posts: Mapped[list[Post]] = relationship(back_populates="author")

    def set_password(self, password: str) -> None:
        """Store a salted hash of ``password`` (method: ``PASSWORD_HASH_METHOD``)."""
        method = current_app.config["PASSWORD_HASH_METHOD"]
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """Whether ``password`` is this account's password."""
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """Flask-Login's flag: ``login_user`` refuses inactive users."""
        return self.active

    def can(self, permission: Permission) -> bool:
        """Whether the user's role has ``permission``."""
        return self.role.allows(permission)

    @property
    def is_admin(self) -> bool:
        """Whether the user may use the admin pages."""
        return self.can(Permission.ADMIN)

    @staticmethod
    def by_username(username: str) -> User | None:
        """The user called ``username`` (compared without case), if any."""
        return db.session.scalar(
            sa.select(User).where(sa.func.lower(User.username) == username.lower())
        )

    @staticmethod
    def by_email(email: str) -> User | None:
        """The user with ``email`` (compared without case), if any."""
        return db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class AnonymousUser(AnonymousUserMixin):
    """``current_user`` for visitors who are not logged in: no permission at all."""

    is_admin = False

    def can(self, permission: Permission) -> bool:
        """Always ``False``."""
        return False


#: Which posts carry which tags.
post_tag = db.Table(
    "post_tag",
    sa.Column("post_id", sa.ForeignKey("post.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class Tag(db.Model):
    """A topic; posts have any number of them. Its name (lower case) is its URL."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(32), unique=True)

    posts: Mapped[list[Post]] = relationship(secondary=post_tag, back_populates="tags")

    @staticmethod
    def get_or_create(name: str) -> Tag:
        """The tag called ``name``, added to the session if it is new."""
        tag = db.session.scalar(sa.select(Tag).filter_by(name=name))
        if tag is None:
            tag = Tag(name=name)
            db.session.add(tag)
        return tag

    def __repr__(self) -> str:
        return f"<Tag {self.name}>"


#: Slugs that would hide a page: ``/posts/new`` is the form for a new post.
RESERVED_SLUGS = frozenset({"new"})


class Post(db.Model):
    """A blog post: a draft until published; its slug is fixed when it is created."""

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    slug: Mapped[str] = mapped_column(sa.String(90), unique=True)
    body: Mapped[str] = mapped_column(sa.Text)
    published: Mapped[bool] = mapped_column(default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    views: Mapped[int] = mapped_column(default=0)

    author: Mapped[User] = relationship(back_populates="posts")
    tags: Mapped[list[Tag]] = relationship(
        secondary=post_tag, back_populates="posts", order_by=Tag.name
    )
    comments: Mapped[list[Comment]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="Comment.created_at"
    )

    @staticmethod
    def published_posts() -> sa.Select[tuple[Post]]:
        """Published posts, newest first."""
        return (
            sa.select(Post)
            .where(Post.published)
            .order_by(Post.published_at.desc(), Post.id.desc())
            .options(selectinload(Post.author), selectinload(Post.tags))
        )

    @staticmethod
    def unique_slug(title: str) -> str:
        """A slug for ``title`` that no post has yet (``title``, ``title-2``, ...)."""
        base = slugify(title) or "post"
        candidate, number = base, 1
        while candidate in RESERVED_SLUGS or db.session.scalar(
            sa.select(Post.id).filter_by(slug=candidate)
        ):
            number += 1
            candidate = f"{base}-{number}"
        return candidate

    def publish(self, published: bool) -> None:
        """Publish (stamping the first publication time) or turn back into a draft."""
        self.published = published
        if published and self.published_at is None:
            self.published_at = utcnow()

    def is_visible_to(self, user: t.Any) -> bool:
        """Published posts are public; drafts are seen by their author and admins."""
        return self.published or self.can_be_edited_by(user)

    def can_be_edited_by(self, user: t.Any) -> bool:
        """Only the author and admins may edit or delete a post."""
        return bool(user.is_authenticated and (user.id == self.author_id or user.is_admin))

    def visible_comments(self, user: t.Any) -> list[Comment]:
        """The comments ``user`` may read: approved ones, plus those awaiting moderation
        that ``user`` wrote or may moderate."""
        return [c for c in self.comments if c.is_visible_to(user)]

    def __repr__(self) -> str:
        return f"<Post {self.slug}>"


class Comment(db.Model):
    """A comment on a post; shown to everyone once approved."""

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("post.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    approved: Mapped[bool] = mapped_column(default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    post: Mapped[Post] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()

    def can_be_moderated_by(self, user: t.Any) -> bool:
        """Moderators, and the post's author, approve or remove comments on it."""
        return bool(
            user.is_authenticated
            and (user.can(Permission.MODERATE) or user.id == self.post.author_id)
        )

    def can_be_deleted_by(self, user: t.Any) -> bool:
        """Whoever may moderate a comment, and the comment's author, may delete it."""
        return self.can_be_moderated_by(user) or bool(
            user.is_authenticated and user.id == self.author_id
        )

    def is_visible_to(self, user: t.Any) -> bool:
        """Approved comments are public; pending ones are seen by their author and by
        those who may moderate them."""
        return self.approved or self.can_be_deleted_by(user)

    def __repr__(self) -> str:
        return f"<Comment {self.id} on {self.post_id}>"
