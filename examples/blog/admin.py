"""Administration (blueprint ``admin``, ``/admin``, admins only): statistics, users and roles."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from erlen import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from erlen.ext.login import current_user

from .extensions import db, login_manager
from .forms import RoleForm
from .models import Comment, Permission, Post, Role, Tag, User

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_admin() -> t.Any:
    """Visitors go to the login page; users without the ADMIN permission get a 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.can(Permission.ADMIN):
        abort(403, "The admin pages are for admins.")
    return None


def count(statement: sa.Select[t.Any]) -> int:
    """The number of rows ``statement`` selects."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(statement.subquery())) or 0


def role_names() -> list[str]:
    """The names of all roles, in the order they were made."""
    return list(db.session.scalars(sa.select(Role.name).order_by(Role.id)))


def get_other_user(user_id: int) -> User:
    """The user ``user_id`` (404 if missing); 400 for the admin's own account, which an admin
    may not deactivate or demote (someone must stay able to administer)."""
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        abort(400, "You cannot change your own account here.")
    return user


@bp.get("/")
def index() -> t.Any:
    """Counts of users, posts, comments and tags; the most read posts."""
    stats = {
        "Users": count(sa.select(User.id)),
        "Active users": count(sa.select(User.id).where(User.active)),
        "Published posts": count(sa.select(Post.id).where(Post.published)),
        "Drafts": count(sa.select(Post.id).where(~Post.published)),
        "Comments": count(sa.select(Comment.id).where(Comment.approved)),
        "Comments awaiting approval": count(sa.select(Comment.id).where(~Comment.approved)),
        "Tags": count(sa.select(Tag.id)),
    }
    most_read = Post.published_posts().order_by(None).order_by(Post.views.desc()).limit(5)
    return render_template(
        "admin/index.html", stats=stats, most_read=db.session.scalars(most_read).all()
    )


@bp.get("/users")
def users() -> t.Any:
    """Every user, with forms to (de)activate them and change their role."""
    page = db.paginate(
        sa.select(User).order_by(User.username), per_page=current_app.config["POSTS_PER_PAGE"] * 4
    )
    names = role_names()
    forms = {
        user.id: RoleForm(names, formdata=None, prefix=f"user-{user.id}", role=user.role.name)
        for user in page.items
    }
    return render_template("admin/users.html", page=page, forms=forms)


@bp.post("/users/<int:user_id>/activate")
def activate(user_id: int) -> t.Any:
    """Let a user log in again."""
    return set_active(user_id, True, "{} can log in again.")


@bp.post("/users/<int:user_id>/deactivate")
def deactivate(user_id: int) -> t.Any:
    """Log a user out everywhere and keep them out (their posts stay)."""
    return set_active(user_id, False, "{} is deactivated.")


def set_active(user_id: int, active: bool, message: str) -> t.Any:
    """Activate or deactivate user ``user_id``; flash ``message`` with their name."""
    user = get_other_user(user_id)
    user.active = active
    db.session.commit()
    flash(message.format(user.username), "success" if active else "info")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/role")
def set_role(user_id: int) -> t.Any:
    """Give a user another role."""
    user = get_other_user(user_id)
    form = RoleForm(role_names(), prefix=f"user-{user.id}")
    if not form.validate():
        abort(400, "Choose one of the roles.")
    user.role = Role.named(form.role.data)
    db.session.commit()
    flash(f"{user.username} is now {form.role.data}.", "success")
    return redirect(url_for("admin.users"))


@bp.get("/roles")
def roles() -> t.Any:
    """The roles, their permissions and how many users have each."""
    rows = db.session.execute(
        sa.select(Role, sa.func.count(User.id))
        .outerjoin(Role.users)
        .group_by(Role.id)
        .order_by(Role.id)
    ).all()
    return render_template("admin/roles.html", rows=rows)
