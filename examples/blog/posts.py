"""Posts (blueprint ``blog``): read, write, edit and delete; drafts; tags."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from erlen import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from erlen.ext.login import current_user, login_required

from .extensions import db
from .forms import CommentForm, PostForm
from .main import forget_cached_pages
from .models import Permission, Post, Tag
from .permissions import permission_required

bp = Blueprint("blog", __name__)


def get_visible_post(slug: str) -> Post:
    """The post ``slug``; 404 when it does not exist or is a draft the user may not see."""
    post = db.first_or_404(sa.select(Post).filter_by(slug=slug))
    if not post.is_visible_to(current_user):
        abort(404)
    return post


def get_editable_post(slug: str) -> Post:
    """The post ``slug`` for editing; 403 when it belongs to someone else."""
    post = get_visible_post(slug)
    if not post.can_be_edited_by(current_user):
        abort(403, "Only the post's author and the admins may change it.")
    return post


def save_post(post: Post, form: PostForm) -> None:
    """Copy the form into ``post``, commit, and refresh the cached index."""
    post.title = form.title.data.strip()
    # Browsers send CRLF line breaks; store LF as the API does.
    post.body = form.body.data.replace("\r\n", "\n")
    post.tags = [Tag.get_or_create(name) for name in form.tag_names]
    post.publish(form.published.data)
    db.session.add(post)
    db.session.commit()
    forget_cached_pages()


def render_post(post: Post, comment_form: CommentForm | None = None, status: int = 200) -> t.Any:
    """The page of ``post`` with its comments and a comment form."""
    return (
        render_template(
            "blog/post.html",
            post=post,
            comments=post.visible_comments(current_user),
            comment_form=comment_form or CommentForm(),
        ),
        status,
    )


@bp.get("/posts/<slug>")
def post(slug: str) -> t.Any:
    """Read a post; every reading counts as a view."""
    post = get_visible_post(slug)
    # One UPDATE in the database, so concurrent readers are all counted.
    db.session.execute(sa.update(Post).where(Post.id == post.id).values(views=Post.views + 1))
    db.session.commit()
    return render_post(post)


@bp.route("/posts/new", methods=["GET", "POST"])
@permission_required(Permission.WRITE)
def create() -> t.Any:
    """Write a new post (a draft unless "Published" is ticked)."""
    form = PostForm()
    if form.validate_on_submit():
        post = Post(author_id=current_user.id, slug=Post.unique_slug(form.title.data))
        save_post(post, form)
        flash("Post published." if post.published else "Draft saved.", "success")
        return redirect(url_for("blog.post", slug=post.slug))
    status = 400 if form.is_submitted() else 200
    return render_template("blog/form.html", form=form, post=None), status


@bp.route("/posts/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> t.Any:
    """Change a post (its author or an admin). The slug, and so the URL, stays."""
    post = get_editable_post(slug)
    form = PostForm(
        data={
            "title": post.title,
            "body": post.body,
            "tags": ", ".join(tag.name for tag in post.tags),
            "published": post.published,
        }
    )
    if form.validate_on_submit():
        save_post(post, form)
        flash("Changes saved.", "success")
        return redirect(url_for("blog.post", slug=post.slug))
    status = 400 if form.is_submitted() else 200
    return render_template("blog/form.html", form=form, post=post), status


@bp.post("/posts/<slug>/delete")
@login_required
def delete(slug: str) -> t.Any:
    """Delete a post and its comments (its author or an admin)."""
    post = get_editable_post(slug)
    db.session.delete(post)
    db.session.commit()
    forget_cached_pages()
    flash(f"Deleted “{post.title}”.", "info")
    return redirect(url_for("main.index"))


@bp.get("/tags/<name>")
def tag(name: str) -> t.Any:
    """The published posts with one tag."""
    tag = db.first_or_404(sa.select(Tag).filter_by(name=name))
    posts = Post.published_posts().where(Post.tags.contains(tag))
    page = db.paginate(posts, per_page=current_app.config["POSTS_PER_PAGE"])
    return render_template("blog/tag.html", tag=tag, page=page)


@bp.get("/drafts")
@login_required
def drafts() -> t.Any:
    """The user's drafts; an admin sees everyone's."""
    drafts = sa.select(Post).where(~Post.published).order_by(Post.updated_at.desc())
    if not current_user.is_admin:
        drafts = drafts.where(Post.author_id == current_user.id)
    page = db.paginate(drafts, per_page=current_app.config["POSTS_PER_PAGE"])
    return render_template("blog/drafts.html", page=page)
