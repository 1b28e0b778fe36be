"""JSON API (blueprint ``api``, ``/api``): read posts and comments; logged-in users post.

The session cookie authenticates, as on the web pages. The blueprint is exempt from CSRF
tokens; writes require a JSON body instead, which a cross-site form cannot send (browsers
only send ``Content-Type: application/json`` across sites after a CORS preflight, which this
API never grants). Errors are JSON too (``errors.py``).
"""

from __future__ import annotations

import functools
import re
import typing as t

from erlen import Blueprint, abort, current_app, jsonify, request, url_for
from erlen.datastructures import MultiDict
from erlen.ext.login import current_user
from erlen.ext.sqlalchemy.pagination import Pagination

from .extensions import db
from .forms import PostForm
from .models import Comment, Permission, Post
from .posts import get_visible_post, save_post

bp = Blueprint("api", __name__, url_prefix="/api")

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

# At most nine digits: a page number, not a number for the database to choke on.
POSITIVE_NUMBER = re.compile(r"[1-9][0-9]{0,8}")


def post_json(post: Post, with_body: bool = False) -> dict[str, t.Any]:
    """A post as JSON; the text only when ``with_body``."""
    data: dict[str, t.Any] = {
        "slug": post.slug,
        "title": post.title,
        "author": post.author.username,
        "tags": [tag.name for tag in post.tags],
        "published": post.published,
        "published_at": post.published_at.isoformat() + "Z" if post.published_at else None,
        "views": post.views,
        "url": url_for("api.post", slug=post.slug, _external=True),
        "html_url": url_for("blog.post", slug=post.slug, _external=True),
    }
    if with_body:
        data["body"] = post.body
    return data


def comment_json(comment: Comment) -> dict[str, t.Any]:
    """A comment as JSON."""
    return {
        "id": comment.id,
        "author": comment.author.username,
        "body": comment.body,
        "approved": comment.approved,
        "created_at": comment.created_at.isoformat() + "Z",
    }


def page_args() -> tuple[int, int]:
    """``?page=`` and ``?per_page=`` as positive integers; ``per_page`` is capped at
    ``API_MAX_PER_PAGE``. Anything else is a 400."""
    config = current_app.config
    numbers = []
    for name, default in (("page", 1), ("per_page", config["API_POSTS_PER_PAGE"])):
        value = request.args.get(name, str(default))
        if not POSITIVE_NUMBER.fullmatch(value):
            abort(400, f"'{name}' must be a positive integer.")
        numbers.append(int(value))
    page, per_page = numbers
    return page, min(per_page, config["API_MAX_PER_PAGE"])


def page_json(page: Pagination, endpoint: str, **values: t.Any) -> dict[str, t.Any]:
    """The paging links and counts of ``page``, for a list answer."""

    def link(number: int | None) -> str | None:
        if number is None:
            return None
        return url_for(endpoint, page=number, per_page=page.per_page, _external=True, **values)

    return {
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
        "total": page.total,
        "prev": link(page.prev_num),
        "next": link(page.next_num),
    }


def api_login_required(view: F) -> F:
    """401 (in JSON) for requests without a logged-in session, instead of a redirect."""

    @functools.wraps(view)
    def guarded(*args: t.Any, **kwargs: t.Any) -> t.Any:
        if not current_user.is_authenticated:
            abort(401, "Log in first: this API uses the session cookie of the web pages.")
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


@bp.get("/posts")
def posts() -> t.Any:
    """Published posts, newest first: ``{"posts": [...], "page": ..., "next": url, ...}``."""
    number, per_page = page_args()
    page = db.paginate(Post.published_posts(), page=number, per_page=per_page)
    return jsonify(posts=[post_json(p) for p in page.items], **page_json(page, "api.posts"))


@bp.get("/posts/<slug>")
def post(slug: str) -> t.Any:
    """One post with its text (drafts only for their author and admins)."""
    return jsonify(post_json(get_visible_post(slug), with_body=True))


@bp.get("/posts/<slug>/comments")
def comments(slug: str) -> t.Any:
    """The comments on a post that the user may read."""
    post = get_visible_post(slug)
    return jsonify(comments=[comment_json(c) for c in post.visible_comments(current_user)])


@bp.post("/posts")
@api_login_required
def create_post() -> t.Any:
    """Write a post: ``{"title": str, "body": str, "tags": [str], "published": bool}``.

    Answers 201 with the post and its URL in ``Location``; 400 with ``"fields"`` naming the
    problems; 403 for users whose role may not write; 415 for a body that is not JSON.
    """
    if not current_user.can(Permission.WRITE):
        abort(403, "Your role may not write posts.")
    if not request.is_json:
        abort(415, "Send the post as JSON (Content-Type: application/json).")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "The body must be a JSON object.")
    form = PostForm(formdata=_post_formdata(data), meta={"csrf": False})
    if not form.validate():
        return jsonify(error="invalid post", fields=form.errors), 400
    post = Post(author_id=current_user.id, slug=Post.unique_slug(form.title.data))
    save_post(post, form)
    location = url_for("api.post", slug=post.slug, _external=True)
    return jsonify(post_json(post, with_body=True)), 201, {"Location": location}


def _post_formdata(data: dict[str, t.Any]) -> MultiDict[str, str]:
    """The JSON post as the fields of :class:`PostForm`, which then validates it as it does
    the web form's input. A value of the wrong type is a 400."""
    fields: MultiDict[str, str] = MultiDict()
    for name in ("title", "body"):
        value = data.get(name, "")
        if not isinstance(value, str):
            abort(400, f"'{name}' must be a string.")
        fields[name] = value
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        abort(400, "'tags' must be a list of strings.")
    fields["tags"] = ",".join(tags)
    published = data.get("published", False)
    if not isinstance(published, bool):
        abort(400, "'published' must be true or false.")
    if published:
        fields["published"] = "y"
    return fields
