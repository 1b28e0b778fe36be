"""The front page (cached for visitors) and the authors' pages."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from erlen import Blueprint, current_app, render_template, session
from erlen.ext.login import current_user

from .extensions import cache, db
from .models import Post, User

bp = Blueprint("main", __name__)


def is_personalised() -> bool:
    """Whether this request's page is not the same for every visitor: a user is logged in,
    or a message waits to be flashed. Such pages are neither cached nor served from it."""
    return bool(current_user.is_authenticated or session.get("_flashes"))


def forget_cached_pages() -> None:
    """Drop the cached index pages, after a change of what they show.

    The cache holds nothing else, so it is cleared whole: the index is cached per query
    string (``?page=2``) and all of them may show the changed post.
    """
    cache.clear()


@bp.get("/")
@cache.cached(query_string=True, unless=is_personalised)
def index() -> t.Any:
    """The latest published posts, a page at a time (``?page=2``)."""
    page = db.paginate(Post.published_posts(), per_page=current_app.config["POSTS_PER_PAGE"])
    return render_template("main/index.html", page=page)


@bp.get("/users/<username>")
def user(username: str) -> t.Any:
    """An author's page: who they are and their published posts."""
    author = db.first_or_404(sa.select(User).filter_by(username=username))
    posts = Post.published_posts().where(Post.author_id == author.id)
    page = db.paginate(posts, per_page=current_app.config["POSTS_PER_PAGE"])
    return render_template("main/user.html", author=author, page=page)
