"""The blog example (``examples/blog``) through the test client: accounts, posts, drafts,
tags, comments and moderation, admin pages, error pages, CSRF and the cached index.

The API is in ``test_example_blog_api.py``, the commands in ``test_example_blog_cli.py``.
"""

from __future__ import annotations

import typing as t
from datetime import timedelta

import pytest
import sqlalchemy as sa
from _example_blog import (
    PASSWORD,
    BlogClient,
    Comment,
    Post,
    User,
    blog,
    client_for,
    db,
    logged_in,
    make_app,
    make_user,
)

from erlen import Flask
from erlen.security import check_password_hash


@pytest.fixture
def app() -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> BlogClient:
    return client_for(app)


def text(response: t.Any) -> str:
    return response.get_data(as_text=True)  # type: ignore[no-any-return]


def get_user(app: Flask, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(username=username))
        assert user is not None
        db.session.expunge(user)
        return user


def get_post(app: Flask, slug: str) -> Post | None:
    with app.app_context():
        return db.session.scalar(sa.select(Post).filter_by(slug=slug))


# --- the app factory ------------------------------------------------------------------------


def test_config_classes_and_unknown_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("BLOG_SECRET_KEY", "from the environment")
    development = blog.create_app("development")
    assert not development.testing
    assert development.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///blog.sqlite"
    assert development.config["SECRET_KEY"] == "from the environment"
    production = blog.create_app("production")
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["REMEMBER_COOKIE_SECURE"] is True
    assert production.config["SESSION_PROTECTION"] == "strong"
    monkeypatch.setenv("BLOG_CONFIG", "testing")
    assert blog.create_app().testing
    with pytest.raises(ValueError, match="Unknown configuration 'staging'"):
        blog.create_app("staging")


def test_database_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLOG_SECRET_KEY", "k")
    monkeypatch.setenv("DATABASE_URL", "postgres://blog@db.invalid/blog")
    app = blog.create_app("production")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://blog@db.invalid/blog"
    # The tests never use a developer's database.
    assert make_app().config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_secret_key_is_made_once_per_installation(
    tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BLOG_SECRET_KEY", raising=False)
    key = blog.instance_secret_key(str(tmp_path / "instance"))
    path = tmp_path / "instance" / "blog-secret-key"
    assert len(key) == 64 and path.read_text() == key
    assert path.stat().st_mode & 0o777 == 0o600
    assert blog.instance_secret_key(str(tmp_path / "instance")) == key
    assert blog.instance_secret_key(str(tmp_path / "other")) != key
    assert list((tmp_path / "instance").iterdir()) == [path]
    # Tests get a new random key per app.
    assert make_app().secret_key != make_app().secret_key


# --- accounts -------------------------------------------------------------------------------


def test_register_stores_a_password_hash_and_the_default_role(
    app: Flask, client: BlogClient
) -> None:
    assert client.get("/auth/register").status_code == 200
    response = client.register("alice", "s3cret password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    user = get_user(app, "alice")
    assert user.password_hash is not None and "s3cret" not in user.password_hash
    assert check_password_hash(user.password_hash, "s3cret password")
    with app.app_context():
        assert db.session.get(User, user.id).role.name == "author"  # type: ignore[union-attr]
    assert "Your account is ready" in text(client.get("/auth/login"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "ab"}, "Field must be between 3 and 32 characters long."),
        ({"username": "no spaces"}, "Use letters, digits"),
        ({"username": ""}, "This field is required."),
        ({"email": "not-an-address"}, "Enter an email address."),
        ({"password": "short", "confirm": "short"}, "between 8 and 256 characters"),
        ({"confirm": "something else"}, "The passwords differ."),
        ({"username": "TAKEN"}, "This username is taken."),
        ({"email": "Taken@Example.org"}, "An account with this email address exists."),
    ],
)
def test_register_validation(
    app: Flask, client: BlogClient, fields: dict[str, str], message: str
) -> None:
    make_user(app, "taken")
    fields = dict(fields)  # the parameters are shared by the [wsgi] and [asgi] runs
    response = client.register(fields.pop("username", "newcomer"), **fields)
    assert response.status_code == 400
    assert message in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_login_failures(app: Flask, client: BlogClient) -> None:
    make_user(app, "dave")
    make_user(app, "sleeper", active=False)
    for username, password, message in [
        ("dave", "wrong password", "Wrong username or password."),
        ("nobody", PASSWORD, "Wrong username or password."),
        ("sleeper", PASSWORD, "This account is deactivated."),
    ]:
        response = client.login(username, password)
        assert response.status_code == 400
        assert message in text(response)
    assert client.get("/posts/new").status_code == 302  # still anonymous


def test_login_and_logout(app: Flask, client: BlogClient) -> None:
    make_user(app, "erin")
    response = client.login("erin")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = text(client.get("/"))
    assert "Welcome, erin!" in page and 'id="nav-profile">erin<' in page
    assert not any("remember_token" in h for h in response.headers.getlist("Set-Cookie"))

    assert client.get("/auth/logout").status_code == 405  # a link cannot log anyone out
    response = client.logout()
    assert response.status_code == 302
    assert "You are logged out." in text(client.get("/"))
    assert client.get("/posts/new").status_code == 302


def test_login_redirects_back_to_safe_next_only(app: Flask, client: BlogClient) -> None:
    make_user(app, "frank")
    response = client.get("/posts/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=%2Fposts%2Fnew"
    assert "Please log in to see this page." in text(client.get(response.headers["Location"]))
    assert client.login("frank", next="/posts/new").headers["Location"] == "/posts/new"
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x"):
        other = client_for(app)
        assert other.login("frank", next=target).headers["Location"] == "/"


def test_remember_me_cookie_logs_in_without_a_session(app: Flask) -> None:
    make_user(app, "gina")
    client = client_for(app)
    response = client.login("gina", remember=True)
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.value.startswith(f"{get_user(app, 'gina').id}|")
    [header] = [h for h in response.headers.getlist("Set-Cookie") if "remember_token=" in h]
    assert "HttpOnly" in header and "SameSite=Lax" in header

    fresh = client_for(app)  # a new browser session with only the remember-me cookie
    fresh.set_cookie("remember_token", cookie.value)
    assert 'id="nav-profile">gina<' in text(fresh.get("/"))
    fresh.logout()
    assert fresh.get_cookie("remember_token") is None


def test_deactivated_users_are_logged_out(app: Flask) -> None:
    client = logged_in(app, "henry")
    assert client.get("/posts/new").status_code == 200
    with app.app_context():
        db.session.execute(sa.update(User).values(active=False))
        db.session.commit()
    assert client.get("/posts/new").status_code == 302


def test_profile(app: Flask) -> None:
    make_user(app, "other")
    client = logged_in(app, "iris")
    assert client.get("/auth/profile").status_code == 200
    response = client.submit("/auth/profile", {"email": "other@example.org", "about": "Hi"})
    assert response.status_code == 400
    assert "An account with this email address exists." in text(response)
    response = client.submit(
        "/auth/profile", {"email": "iris@new.example", "about": "I write <b>code</b>."}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/users/iris"
    page = text(client.get("/users/iris"))
    assert "I write &lt;b&gt;code&lt;/b&gt;." in page
    assert get_user(app, "iris").email == "iris@new.example"
    assert client_for(app).get("/auth/profile").status_code == 302


# --- posts ----------------------------------------------------------------------------------


def test_create_post_with_slug_and_tags(app: Flask) -> None:
    client = logged_in(app, "jack")
    assert client.get("/posts/new").status_code == 200
    slug = client.create_post(
        "Hello, Wörld!", "First line\nsecond\n\nNew paragraph", "Python, web ,python"
    )
    assert slug == "hello-world"
    page = text(client.get(f"/posts/{slug}"))
    assert "Post published." in page
    assert "<p>First line<br>\nsecond</p>\n<p>New paragraph</p>" in page
    assert '<a class="tag" href="/tags/python">#python</a>' in page and "#web" in page
    # Same title, and the title of the "new post" page: slugs stay unique and routable.
    assert client.create_post("Hello, world") == "hello-world-2"
    assert client.create_post("New") == "new-2"
    assert client.create_post("!!!") == "post"
    anonymous = client_for(app)
    assert "Hello, Wörld!" in text(anonymous.get("/"))
    assert anonymous.get("/posts/hello-world-2").status_code == 200


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"body": ""}, "This field is required."),
        ({"title": "x" * 121}, "Field cannot be longer than 120 characters."),
        ({"tags": ",".join(f"t{n}" for n in range(9))}, "At most 8 tags."),
        ({"tags": "fine, not/fine"}, "Tag &#39;not/fine&#39;"),
    ],
)
def test_post_validation(app: Flask, fields: dict[str, str], message: str) -> None:
    client = logged_in(app, "kate")
    response = client.submit("/posts/new", {"title": "T", "body": "B", **fields})
    assert response.status_code == 400
    assert message in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Post.id))) == 0


def test_body_is_escaped(app: Flask) -> None:
    client = logged_in(app, "leo")
    slug = client.create_post("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")
    page = text(client.get(f"/posts/{slug}"))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_drafts_are_seen_by_their_author_and_admins_only(app: Flask) -> None:
    author = logged_in(app, "mia")
    slug = author.create_post("Secret plans", published=False)
    assert "Draft saved." in text(author.get(f"/posts/{slug}"))
    assert "Secret plans" in text(author.get("/drafts"))
    assert "Secret plans" not in text(author.get("/"))

    other = logged_in(app, "ned")
    assert other.get(f"/posts/{slug}").status_code == 404
    assert other.get(f"/posts/{slug}/edit").status_code == 404
    assert "Secret plans" not in text(other.get("/drafts"))
    assert client_for(app).get(f"/posts/{slug}").status_code == 404
    assert "Secret plans" not in text(client_for(app).get("/users/mia"))

    admin = logged_in(app, "olga", role="admin")
    assert admin.get(f"/posts/{slug}").status_code == 200
    assert "Secret plans" in text(admin.get("/drafts"))

    # Publishing stamps the date once; turning it back into a draft hides it again.
    author.submit(f"/posts/{slug}/edit", {"title": "Secret plans", "body": "x", "published": "y"})
    first_published = t.cast(Post, get_post(app, slug)).published_at
    assert first_published is not None
    assert other.get(f"/posts/{slug}").status_code == 200
    author.submit(f"/posts/{slug}/edit", {"title": "Secret plans", "body": "x"})
    assert other.get(f"/posts/{slug}").status_code == 404
    author.submit(f"/posts/{slug}/edit", {"title": "Secret plans", "body": "x", "published": "y"})
    assert t.cast(Post, get_post(app, slug)).published_at == first_published


def test_edit_and_delete_are_for_the_author_and_admins(app: Flask) -> None:
    author = logged_in(app, "pia")
    slug = author.create_post("Original title", tags="one")
    form = text(author.get(f"/posts/{slug}/edit"))
    assert 'value="Original title"' in form and 'value="one"' in form

    other = logged_in(app, "quinn")
    assert other.get(f"/posts/{slug}/edit").status_code == 403
    response = other.submit(f"/posts/{slug}/edit", {"title": "Hijacked", "body": "x"})
    assert response.status_code == 403
    assert "Only the post&#39;s author and the admins may change it." in text(response)
    assert other.submit(f"/posts/{slug}/delete").status_code == 403
    assert 'id="edit-post"' not in text(other.get(f"/posts/{slug}"))
    assert client_for(app).get(f"/posts/{slug}/edit").status_code == 302

    response = author.submit(
        f"/posts/{slug}/edit", {"title": "New title", "body": "New", "tags": "two"}
    )
    assert response.headers["Location"] == f"/posts/{slug}"  # the slug (the URL) stays
    post = get_post(app, slug)
    assert post is not None and post.title == "New title"

    admin = logged_in(app, "rose", role="admin")
    assert admin.get(f"/posts/{slug}/edit").status_code == 200
    other.comment(slug, "A comment that goes with the post")
    assert admin.submit(f"/posts/{slug}/delete").headers["Location"] == "/"
    assert author.get(f"/posts/{slug}").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0


def test_readers_may_not_write(app: Flask) -> None:
    reader = logged_in(app, "sam", role="reader")
    response = reader.get("/posts/new")
    assert response.status_code == 403
    assert "Your role (reader) may not do this." in text(response)
    assert 'id="nav-new-post"' not in text(reader.get("/"))
    assert reader.submit("/posts/new", {"title": "T", "body": "B"}).status_code == 403


def test_view_counter(app: Flask) -> None:
    client = logged_in(app, "tina")
    slug = client.create_post("Counted")
    anonymous = client_for(app)
    for _ in range(3):
        anonymous.get(f"/posts/{slug}")
    assert "4 views" in text(client.get(f"/posts/{slug}"))
    assert t.cast(Post, get_post(app, slug)).views == 4


def test_tags_page(app: Flask) -> None:
    client = logged_in(app, "uma")
    client.create_post("Tagged", tags="python")
    client.create_post("Also tagged but a draft", tags="python", published=False)
    client.create_post("Untagged")
    page = text(client.get("/tags/python"))
    assert "Tagged" in page and "Also tagged" not in page and "Untagged" not in page
    assert client.get("/tags/nothing").status_code == 404


def test_pagination(app: Flask) -> None:
    make_user(app, "vic")
    with app.app_context():
        author = db.session.scalar(sa.select(User).filter_by(username="vic"))
        for number in range(12):
            post = Post(author=author, title=f"Post {number}", slug=f"post-{number}", body="b")
            post.publish(True)
            post.published_at = post.published_at - timedelta(hours=12 - number)  # type: ignore[operator]
            db.session.add(post)
        db.session.commit()
    client = client_for(app)
    first = text(client.get("/"))
    assert "Post 11" in first and "Post 7" in first and "Post 6" not in first
    assert 'href="/?page=2" rel="next"' in first
    last = text(client.get("/?page=3"))
    assert "Post 1" in last and "Post 0" in last and 'rel="prev"' in last
    assert client.get("/?page=4").status_code == 404
    assert client.get("/?page=abc").status_code == 404
    assert "Post 11" in text(client.get("/users/vic"))
    assert client.get("/users/nobody").status_code == 404


# --- comments -------------------------------------------------------------------------------


def test_comments_wait_for_approval(app: Flask) -> None:
    author = logged_in(app, "wendy")
    slug = author.create_post("Discuss")
    commenter = logged_in(app, "xavier")
    anonymous = client_for(app)

    assert anonymous.get(f"/posts/{slug}").status_code == 200
    assert "Log in</a> to comment" in text(anonymous.get(f"/posts/{slug}"))
    assert anonymous.comment(slug, "Anonymous?").status_code == 302  # to the login page

    response = commenter.comment(slug, "First!")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/posts/{slug}#comment-")
    assert "will appear once a moderator approves it" in text(commenter.get(f"/posts/{slug}"))
    assert "First!" in text(commenter.get(f"/posts/{slug}"))
    assert "First!" not in text(anonymous.get(f"/posts/{slug}"))
    assert "First!" in text(author.get("/comments/pending"))
    assert "First!" not in text(logged_in(app, "yara").get("/comments/pending"))

    with app.app_context():
        comment_id = db.session.scalar(sa.select(Comment.id))
    assert commenter.submit(f"/comments/{comment_id}/approve").status_code == 403
    response = author.submit(
        f"/comments/{comment_id}/approve", query_string={"next": "/comments/pending"}
    )
    assert response.headers["Location"] == "/comments/pending"
    assert "First!" in text(anonymous.get(f"/posts/{slug}"))

    # The post's author comments without waiting.
    author.comment(slug, "Thanks!")
    assert "Thanks!" in text(anonymous.get(f"/posts/{slug}"))


def test_moderators_and_deleting_comments(app: Flask) -> None:
    author = logged_in(app, "zoe")
    slug = author.create_post("Moderated")
    commenter = logged_in(app, "amos")
    stranger = logged_in(app, "bea")
    moderator = logged_in(app, "cal", role="moderator")
    commenter.comment(slug, "Pending one")
    commenter.comment(slug, "Pending two")
    with app.app_context():
        first, second = db.session.scalars(sa.select(Comment.id).order_by(Comment.id))

    assert "Pending one" in text(moderator.get("/comments/pending"))
    assert moderator.submit(f"/comments/{first}/approve").status_code == 302
    assert stranger.submit(f"/comments/{first}/delete").status_code == 403
    assert commenter.submit(f"/comments/{first}/delete").status_code == 302
    assert moderator.submit(f"/comments/{second}/delete").status_code == 302
    assert moderator.submit(f"/comments/{second}/delete").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0


def test_comment_validation_and_drafts(app: Flask) -> None:
    author = logged_in(app, "dina")
    slug = author.create_post("Open")
    draft = author.create_post("Closed", published=False)
    commenter = logged_in(app, "eli")
    response = commenter.comment(slug, "   ")
    assert response.status_code == 400 and "This field is required." in text(response)
    response = commenter.comment(slug, "x" * 2001)
    assert response.status_code == 400
    assert commenter.comment(draft, "Sneaky").status_code == 404
    assert commenter.comment("no-such-post", "Lost").status_code == 404


# --- admin ----------------------------------------------------------------------------------


def test_admin_pages_are_for_admins(app: Flask) -> None:
    response = client_for(app).get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")
    moderator = logged_in(app, "fay", role="moderator")
    response = moderator.get("/admin/users")
    assert response.status_code == 403 and "The admin pages are for admins." in text(response)
    assert 'href="/admin/"' not in text(moderator.get("/"))

    admin = logged_in(app, "gus", role="admin")
    admin.create_post("Popular")
    admin.create_post("Unfinished", published=False)
    for _ in range(2):
        admin.get("/posts/popular")
    page = text(admin.get("/admin/"))
    assert "<th>Users</th><td>2</td>" in page
    assert "<th>Published posts</th><td>1</td>" in page
    assert "<th>Drafts</th><td>1</td>" in page
    assert "Popular</a> (2 views)" in page
    roles = text(admin.get("/admin/roles"))
    assert "<td>admin</td><td>comment, write, moderate, admin</td><td>1</td>" in roles
    assert "<td>reader</td><td>comment</td><td>0</td>" in roles


def test_admin_manages_users(app: Flask) -> None:
    admin = logged_in(app, "hal", role="admin")
    member = logged_in(app, "ivy")
    ivy = get_user(app, "ivy").id
    hal = get_user(app, "hal").id
    assert "ivy@example.org" in text(admin.get("/admin/users"))

    assert admin.submit(f"/admin/users/{ivy}/deactivate").status_code == 302
    assert member.get("/posts/new").status_code == 302  # logged out at once
    assert member.login("ivy").status_code == 400
    assert admin.submit(f"/admin/users/{ivy}/activate").status_code == 302
    assert member.login("ivy").status_code == 302

    response = admin.submit(f"/admin/users/{ivy}/role", {f"user-{ivy}-role": "moderator"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, ivy).role.name == "moderator"  # type: ignore[union-attr]
    response = admin.submit(f"/admin/users/{ivy}/role", {f"user-{ivy}-role": "emperor"})
    assert response.status_code == 400
    # An admin cannot lock themselves out.
    assert admin.submit(f"/admin/users/{hal}/deactivate").status_code == 400
    response = admin.submit(f"/admin/users/{hal}/role", {f"user-{hal}-role": "reader"})
    assert response.status_code == 400 and "You cannot change your own account here." in text(
        response
    )
    assert admin.submit("/admin/users/9999/deactivate").status_code == 404
    assert member.submit(f"/admin/users/{hal}/deactivate").status_code == 403


# --- errors and CSRF ------------------------------------------------------------------------


def test_error_pages(app: Flask) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret detail")

    client = client_for(app)
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is nothing at <code>/no/such/page</code>" in text(response)
    assert "erlen blog" in text(response)  # the site's layout
    response = client.put("/")
    assert response.status_code == 405 and "405 Method Not Allowed" in text(response)

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in text(response) and "secret detail" not in text(response)


@pytest.mark.parametrize(
    "url",
    [
        "/auth/register",
        "/auth/login",
        "/auth/logout",
        "/auth/profile",
        "/posts/new",
        "/posts/kept/edit",
        "/posts/kept/delete",
        "/posts/kept/comments",
        "/comments/1/approve",
        "/comments/1/delete",
        "/admin/users/1/deactivate",
        "/admin/users/1/role",
    ],
)
def test_every_form_needs_the_csrf_token(app: Flask, url: str) -> None:
    admin = logged_in(app, "root", role="admin")
    slug = admin.create_post("Kept")
    admin.comment(slug, "Kept too")
    for data in ({}, {"csrf_token": "forged"}):
        response = admin.post(url, data={"title": "x", "body": "x", **data})
        assert response.status_code == 400
        page = text(response)
        assert "This form has expired" in page
    assert admin.get(f"/posts/{slug}").status_code == 200
    assert "Kept too" in text(admin.get(f"/posts/{slug}"))


def test_bad_input_is_a_client_error(app: Flask) -> None:
    client = logged_in(app, "jon")
    assert client.get("/posts/%ff").status_code == 404
    assert client.get("/comments/abc/approve").status_code == 404
    response = client.submit("/posts/new", {"title": "Big", "body": "x" * 2_000_000})
    assert response.status_code == 413
    assert client.get("/").status_code == 200


# --- the cached index -----------------------------------------------------------------------


def test_index_is_cached_for_visitors_and_refreshed_by_changes(app: Flask) -> None:
    writer = logged_in(app, "kim")
    visitor = client_for(app)
    writer.create_post("First post")
    assert "First post" in text(visitor.get("/"))

    # A row written behind the app's back: the cached page does not show it...
    with app.app_context():
        post = Post(author_id=get_user(app, "kim").id, title="Sneaked in", slug="sneaked", body="b")
        post.publish(True)
        db.session.add(post)
        db.session.commit()
    assert "Sneaked in" not in text(visitor.get("/"))
    assert "Sneaked in" in text(visitor.get("/?page=1"))  # another query string, another entry
    # ...pages for logged-in users are never cached...
    assert "Sneaked in" in text(writer.get("/"))
    # ...and publishing through the app drops the cached pages.
    writer.create_post("Second post")
    page = text(visitor.get("/"))
    assert "Second post" in page and "Sneaked in" in page


def test_flashed_messages_are_not_cached(app: Flask) -> None:
    client = logged_in(app, "lou")
    assert client.get("/").status_code == 200
    client.logout()
    assert "You are logged out." in text(client.get("/"))
    other = client_for(app)
    assert "You are logged out." not in text(other.get("/"))
    assert "You are logged out." not in text(client.get("/"))
