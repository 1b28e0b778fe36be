"""Sample authors, posts and comments for ``seed-db`` (and the demo).

The sample authors have no password: nobody can log in as them.
"""

from __future__ import annotations

import typing as t
from datetime import timedelta

import sqlalchemy as sa

from .extensions import db
from .models import DEFAULT_ROLE, Comment, Post, Role, Tag, User, utcnow
from .slugs import slugify


class SamplePost(t.NamedTuple):
    """One post to add: ``days_ago`` orders them; ``None`` leaves it a draft."""

    author: str
    title: str
    tags: tuple[str, ...]
    days_ago: int | None
    body: str
    comments: tuple[tuple[str, str], ...] = ()


AUTHORS = {
    "ada": "Writes about programming languages and the machines under them.",
    "grace": "Builds web services; likes small tools that do one job well.",
}

POSTS = (
    SamplePost(
        "ada",
        "Welcome to the erlen blog",
        ("erlen", "news"),
        0,
        "This blog is the example application of erlen, a web framework with Flask's API.\n\n"
        "Register an account to write posts and comments. Posts are drafts until you "
        "publish them, and comments appear once the post's author or a moderator approves "
        "them.",
        (("grace", "Looking forward to reading more here."),),
    ),
    SamplePost(
        "grace",
        "Application factories",
        ("flask", "design"),
        1,
        "An application factory builds the app in a function: create_app() reads the "
        "configuration, binds the extensions and registers the blueprints.\n\n"
        "Tests call it with their own settings, so every test gets a fresh app.",
        (("ada", "The extensions made without an app, then init_app(app): that is the trick."),),
    ),
    SamplePost(
        "ada",
        "Blueprints keep an app in pieces",
        ("flask", "design"),
        2,
        "A blueprint groups views, templates and error handlers under one name. This blog "
        "has six: main, auth, blog, comments, api and admin.",
    ),
    SamplePost(
        "grace",
        "Migrations with Alembic",
        ("databases", "sqlalchemy"),
        3,
        "erlen db migrate compares the models with the database and writes a revision; "
        "erlen db upgrade applies it.\n\nKeep the migrations folder in version control.",
    ),
    SamplePost(
        "ada",
        "Why the forms carry a token",
        ("security",),
        4,
        "Every form on this site carries a CSRF token tied to your session. Another site can "
        "make your browser post a form here, but it cannot read the token, so the post "
        "fails.",
        (("grace", "And the JSON API accepts JSON bodies only, which other sites cannot send."),),
    ),
    SamplePost(
        "grace",
        "Passwords are hashed, never stored",
        ("security",),
        5,
        "The database keeps a salted scrypt hash of each password. Logging in hashes what "
        "you typed and compares the two.",
    ),
    SamplePost(
        "ada",
        "Caching the front page",
        ("performance",),
        6,
        "The front page is cached for visitors who are not logged in. Publishing, editing or "
        "deleting a post drops the cached copy.",
    ),
    SamplePost(
        "grace",
        "Pagination without surprises",
        ("sqlalchemy",),
        7,
        "db.paginate reads page and per_page from the query string. The JSON API caps "
        "per_page, so nobody can ask for every row at once.",
    ),
    SamplePost(
        "ada",
        "Async views",
        ("erlen", "async"),
        8,
        "erlen runs async def views on an event loop. The batteries work there too: "
        "current_user, forms, the cache and db.async_session.",
    ),
    SamplePost(
        "grace",
        "Roles and permissions",
        ("design", "security"),
        9,
        "Readers comment, authors write, moderators approve comments and admins manage "
        "users. A role is a set of permissions stored as bits.",
    ),
    SamplePost(
        "ada",
        "Testing with a real browser",
        ("testing",),
        10,
        "The blog's tests drive headless Chromium through register, log in, write a post, "
        "comment and log out, against a real server.",
    ),
    SamplePost(
        "grace",
        "Notes for a future post",
        ("drafts",),
        None,
        "Only grace and the admins can read this draft.",
    ),
)


def get_or_create_author(username: str, about: str) -> User:
    """The sample author ``username``, created (without a password) if missing."""
    user = User.by_username(username)
    if user is None:
        user = User(
            username=username,
            email=f"{username}@example.com",
            about=about,
            password_hash=None,
            role=Role.named(DEFAULT_ROLE),
        )
        db.session.add(user)
    return user


def add_missing() -> int:
    """Add the sample posts whose slug no post has; return how many. The caller commits."""
    authors = {name: get_or_create_author(name, about) for name, about in AUTHORS.items()}
    now = utcnow()
    added = 0
    for sample in POSTS:
        slug = slugify(sample.title)
        if db.session.scalar(sa.select(Post.id).filter_by(slug=slug)) is not None:
            continue
        post = Post(
            author=authors[sample.author],
            title=sample.title,
            slug=slug,
            body=sample.body,
            tags=[Tag.get_or_create(name) for name in sample.tags],
        )
        if sample.days_ago is not None:
            post.publish(True)
            post.published_at = now - timedelta(days=sample.days_ago)
        post.comments = [
            Comment(author=authors[name], body=text, approved=True)
            for name, text in sample.comments
        ]
        db.session.add(post)
        added += 1
    return added
