"""Helpers for the tests of ``examples/blog`` (``test_example_blog*.py``): the package, apps
on a fresh database, and a client that fills in the CSRF token the pages carry."""

from __future__ import annotations

import importlib.util
import re
import sys
import types
import typing as t
from pathlib import Path

from erlen import Flask
from erlen.testing import FlaskClient
from erlen.wrappers import Response

REPO = Path(__file__).resolve().parent.parent
BLOG_DIR = REPO / "examples" / "blog"
PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _load_blog_package() -> types.ModuleType:
    """Import ``examples/blog`` as the package ``blog``, as ``erlen --app examples/blog``
    does."""
    module = sys.modules.get("blog")
    if module is not None and Path(module.__file__ or "").parent == BLOG_DIR:
        return module
    spec = importlib.util.spec_from_file_location(
        "blog", BLOG_DIR / "__init__.py", submodule_search_locations=[str(BLOG_DIR)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["blog"] = module
    spec.loader.exec_module(module)
    return module


blog = _load_blog_package()
from blog.extensions import db  # noqa: E402
from blog.models import Comment, Post, Role, User  # noqa: E402

__all__ = [
    "PASSWORD",
    "BlogClient",
    "Comment",
    "Post",
    "Role",
    "User",
    "blog",
    "client_for",
    "db",
    "logged_in",
    "make_app",
    "make_user",
]


def make_app(overrides: t.Mapping[str, t.Any] | None = None, create_tables: bool = True) -> Flask:
    """The blog with the testing settings (in-memory SQLite unless ``overrides`` say
    otherwise), its tables and roles created."""
    app: Flask = blog.create_app("testing", overrides)
    if create_tables:
        with app.app_context():
            db.create_all()
            Role.ensure_defaults()
            db.session.commit()
    return app


def make_user(
    app: Flask,
    username: str,
    role: str = "author",
    *,
    password: str = PASSWORD,
    active: bool = True,
) -> int:
    """Add a user straight to the database; return its id."""
    with app.app_context():
        user = User(
            username=username,
            email=f"{username}@example.org",
            role=Role.named(role),
            active=active,
        )
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user.id


class BlogClient:
    """The app's test client with the blog's forms as methods; everything else (``get``,
    ``post``, cookies, ...) is the client's own. :meth:`submit` posts a form with the CSRF
    token of the client's session, as a browser that loaded the page would."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self.client, name)

    def csrf_token(self) -> str:
        """The session's CSRF token, read from a page that has a form."""
        page = self.get("/auth/login").get_data(as_text=True)
        match = _TOKEN.search(page)
        assert match is not None, page
        return match.group(1)

    def submit(
        self, url: str, data: t.Mapping[str, t.Any] | None = None, **kwargs: t.Any
    ) -> Response:
        """POST ``data`` to ``url`` as a form, with the CSRF token."""
        return self.post(url, data={"csrf_token": self.csrf_token(), **(data or {})}, **kwargs)

    def register(self, username: str, password: str = PASSWORD, **fields: str) -> Response:
        """Submit the registration form."""
        data = {
            "username": username,
            "email": f"{username}@example.org",
            "password": password,
            "confirm": password,
            **fields,
        }
        return self.submit("/auth/register", data)

    def login(
        self, username: str, password: str = PASSWORD, *, remember: bool = False, next: str = ""
    ) -> Response:
        """Submit the login form (to ``/auth/login?next=...`` when ``next``)."""
        data = {"username": username, "password": password}
        if remember:
            data["remember_me"] = "y"
        return self.submit("/auth/login", data, query_string={"next": next} if next else None)

    def logout(self) -> Response:
        """Press the log-out button."""
        return self.submit("/auth/logout")

    def create_post(
        self, title: str, body: str = "Some text.", tags: str = "", published: bool = True
    ) -> str:
        """Write a post through the form; return its slug."""
        data = {"title": title, "body": body, "tags": tags}
        if published:
            data["published"] = "y"
        response = self.submit("/posts/new", data)
        assert response.status_code == 302, response.get_data(as_text=True)
        return response.headers["Location"].rsplit("/", 1)[1]

    def comment(self, slug: str, body: str) -> Response:
        """Submit the comment form of post ``slug``."""
        return self.submit(f"/posts/{slug}/comments", {"body": body})


def logged_in(app: Flask, username: str, role: str = "author") -> BlogClient:
    """A client logged in as a new user ``username`` with ``role``."""
    make_user(app, username, role)
    client = client_for(app)
    response = client.login(username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def client_for(app: Flask) -> BlogClient:
    """A :class:`BlogClient` around ``app.test_client()`` (whatever client class the app
    and the test run choose)."""
    return BlogClient(app.test_client())
