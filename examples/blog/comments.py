"""Comments: write one, and moderation (approve or delete) by moderators and post authors."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from erlen import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from erlen.ext.login import current_user, login_required, safe_next_url

from .extensions import db
from .forms import CommentForm
from .models import Comment, Permission, Post
from .permissions import permission_required
from .posts import get_visible_post, render_post

bp = Blueprint("comments", __name__)


def get_comment(comment_id: int) -> Comment:
    """The comment ``comment_id`` on a post the user may see; 404 otherwise."""
    comment = db.get_or_404(Comment, comment_id)
    if not comment.post.is_visible_to(current_user):
        abort(404)
    return comment


def back_to_post(comment: Comment) -> t.Any:
    """Redirect to the page the form named in ``?next=``, else to the comment's post."""
    return redirect(safe_next_url(default=url_for("blog.post", slug=comment.post.slug)))


@bp.post("/posts/<slug>/comments")
@permission_required(Permission.COMMENT)
def create(slug: str) -> t.Any:
    """Comment on a post. A comment waits for approval, unless its author may moderate it."""
    post = get_visible_post(slug)
    form = CommentForm()
    if not form.validate_on_submit():
        return render_post(post, comment_form=form, status=400)
    comment = Comment(post=post, author_id=current_user.id, body=form.body.data.strip())
    comment.approved = comment.can_be_moderated_by(current_user)
    db.session.add(comment)
    db.session.commit()
    if comment.approved:
        flash("Comment added.", "success")
    else:
        flash("Thank you! Your comment will appear once a moderator approves it.", "info")
    return redirect(url_for("blog.post", slug=post.slug, _anchor=f"comment-{comment.id}"))


@bp.post("/comments/<int:comment_id>/approve")
@login_required
def approve(comment_id: int) -> t.Any:
    """Approve a comment (moderators and the post's author)."""
    comment = get_comment(comment_id)
    if not comment.can_be_moderated_by(current_user):
        abort(403, "Only moderators and the post's author may approve comments.")
    comment.approved = True
    db.session.commit()
    flash("Comment approved.", "success")
    return back_to_post(comment)


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def delete(comment_id: int) -> t.Any:
    """Delete a comment (its author, moderators and the post's author)."""
    comment = get_comment(comment_id)
    if not comment.can_be_deleted_by(current_user):
        abort(403, "Only the comment's author, the post's author and moderators may delete it.")
    response = back_to_post(comment)
    db.session.delete(comment)
    db.session.commit()
    flash("Comment deleted.", "info")
    return response


@bp.get("/comments/pending")
@login_required
def pending() -> t.Any:
    """Comments awaiting approval: all of them for moderators, else those on the user's
    posts."""
    waiting = (
        sa.select(Comment).where(~Comment.approved).join(Comment.post).order_by(Comment.created_at)
    )
    if not current_user.can(Permission.MODERATE):
        waiting = waiting.where(Post.author_id == current_user.id)
    page = db.paginate(waiting, per_page=current_app.config["POSTS_PER_PAGE"] * 4)
    return render_template("comments/pending.html", page=page)
