"""The blog's JSON API (``/api``): reading posts and comments, paging with a capped
``per_page``, and writing posts with the session cookie (201 + Location, JSON errors)."""

from __future__ import annotations

import typing as t
from datetime import timedelta

import pytest
import sqlalchemy as sa
from _example_blog import BlogClient, Post, User, client_for, db, logged_in, make_app, make_user

from erlen import Flask


@pytest.fixture
def app() -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> BlogClient:
    return client_for(app)


def add_posts(app: Flask, count: int, author: str = "writer") -> None:
    """``count`` published posts ``post-0`` (oldest) ... by ``author``."""
    make_user(app, author)
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(username=author))
        for number in range(count):
            post = Post(author=user, title=f"Post {number}", slug=f"post-{number}", body="b")
            post.publish(True)
            post.published_at -= timedelta(minutes=count - number)  # type: ignore[operator]
            db.session.add(post)
        db.session.commit()


def test_list_posts_with_paging(app: Flask, client: BlogClient) -> None:
    add_posts(app, 23)
    response = client.get("/api/posts")
    assert response.status_code == 200
    data = response.get_json()
    assert [p["slug"] for p in data["posts"]] == [f"post-{n}" for n in range(22, 12, -1)]
    assert data["page"] == 1 and data["per_page"] == 10
    assert data["pages"] == 3 and data["total"] == 23
    assert data["prev"] is None
    assert data["next"] == "http://localhost/api/posts?page=2&per_page=10"
    first = data["posts"][0]
    assert first == {
        "slug": "post-22",
        "title": "Post 22",
        "author": "writer",
        "tags": [],
        "published": True,
        "published_at": first["published_at"],
        "views": 0,
        "url": "http://localhost/api/posts/post-22",
        "html_url": "http://localhost/posts/post-22",
    }
    assert first["published_at"].endswith("Z")
    last = client.get(data["next"].replace("page=2", "page=3")).get_json()
    assert [p["slug"] for p in last["posts"]] == ["post-2", "post-1", "post-0"]
    assert last["next"] is None


def test_per_page_is_capped(app: Flask, client: BlogClient) -> None:
    add_posts(app, 60)
    data = client.get("/api/posts?per_page=1000").get_json()
    assert data["per_page"] == 50 and len(data["posts"]) == 50 and data["pages"] == 2
    app.config["API_MAX_PER_PAGE"] = 5
    assert len(client.get("/api/posts?per_page=1000").get_json()["posts"]) == 5


@pytest.mark.parametrize(
    "query",
    ["page=0", "page=-1", "page=abc", "page=1.5", "page=", "per_page=0", "per_page=x",
     "page=9999999999", "page=%C2%B2"],
)  # fmt: skip
def test_bad_paging_arguments_are_400(app: Flask, client: BlogClient, query: str) -> None:
    add_posts(app, 3)
    response = client.get(f"/api/posts?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad request"
    assert "must be a positive integer" in response.get_json()["message"]


def test_page_past_the_end_is_404_json(app: Flask, client: BlogClient) -> None:
    add_posts(app, 3)
    response = client.get("/api/posts?page=2")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not found"


def test_one_post_and_its_comments(app: Flask) -> None:
    author = logged_in(app, "ann")
    slug = author.create_post("Readable", "The text.", tags="api, json")
    draft = author.create_post("Unready", published=False)
    other = logged_in(app, "ben")
    other.comment(slug, "Pending remark")
    author.comment(slug, "Approved remark")
    anonymous = client_for(app)

    data = anonymous.get(f"/api/posts/{slug}").get_json()
    assert data["body"] == "The text." and data["tags"] == ["api", "json"]
    comments = anonymous.get(f"/api/posts/{slug}/comments").get_json()["comments"]
    assert [c["body"] for c in comments] == ["Approved remark"]
    assert comments[0]["author"] == "ann" and comments[0]["approved"] is True
    bodies = [c["body"] for c in other.get(f"/api/posts/{slug}/comments").get_json()["comments"]]
    assert bodies == ["Pending remark", "Approved remark"]

    for client in (anonymous, other):
        response = client.get(f"/api/posts/{draft}")
        assert response.status_code == 404 and response.get_json()["error"] == "not found"
        assert client.get(f"/api/posts/{draft}/comments").status_code == 404
    assert author.get(f"/api/posts/{draft}").get_json()["published"] is False
    assert draft not in str(anonymous.get("/api/posts").get_json())


def test_create_post_answers_201_with_location(app: Flask) -> None:
    client = logged_in(app, "cleo")
    # No CSRF token: the API is exempt, and only takes JSON.
    response = client.post(
        "/api/posts",
        json={"title": "From the API", "body": "Text", "tags": ["api"], "published": True},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Location"] == "http://localhost/api/posts/from-the-api"
    assert response.get_json()["author"] == "cleo"
    assert client.get(response.headers["Location"]).get_json()["body"] == "Text"
    assert "From the API" in client_for(app).get("/").get_data(as_text=True)

    response = client.post("/api/posts", json={"title": "Quiet draft", "body": "Text"})
    assert response.status_code == 201 and response.get_json()["published"] is False
    assert client_for(app).get("/api/posts/quiet-draft").status_code == 404


def test_create_post_requires_a_session(app: Flask, client: BlogClient) -> None:
    response = client.post("/api/posts", json={"title": "T", "body": "B"})
    assert response.status_code == 401
    assert response.get_json() == {
        "error": "unauthorized",
        "message": "Log in first: this API uses the session cookie of the web pages.",
    }
    reader = logged_in(app, "dan", role="reader")
    response = reader.post("/api/posts", json={"title": "T", "body": "B"})
    assert response.status_code == 403
    assert response.get_json()["message"] == "Your role may not write posts."
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Post.id))) == 0


@pytest.mark.parametrize(
    ("kwargs", "status", "expected"),
    [
        ({"data": {"title": "T", "body": "B"}}, 415, "Send the post as JSON"),
        ({"data": "{not json", "content_type": "application/json"}, 400, "must be a JSON object"),
        ({"json": ["a", "list"]}, 400, "must be a JSON object"),
        ({"json": {"title": 5, "body": "B"}}, 400, "'title' must be a string."),
        ({"json": {"title": "T", "body": "B", "tags": "a,b"}}, 400, "'tags' must be a list"),
        ({"json": {"title": "T", "body": "B", "tags": [1]}}, 400, "'tags' must be a list"),
        ({"json": {"title": "T", "body": "B", "published": "yes"}}, 400, "must be true or false"),
    ],
)
def test_create_post_bad_input(
    app: Flask, kwargs: dict[str, t.Any], status: int, expected: str
) -> None:
    client = logged_in(app, "eve")
    response = client.post("/api/posts", **kwargs)
    assert response.status_code == status
    assert expected in response.get_json()["message"]


def test_create_post_validation_names_the_fields(app: Flask) -> None:
    client = logged_in(app, "fred")
    response = client.post("/api/posts", json={"title": "", "body": "B", "tags": ["a/b"]})
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid post",
        "fields": {
            "title": ["This field is required."],
            "tags": ["Tag 'a/b': up to 32 letters, digits, spaces and '.+#-_'."],
        },
    }


def test_api_errors_are_json(client: BlogClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404 and response.is_json
    response = client.delete("/api/posts")
    assert response.status_code == 405 and response.get_json()["error"] == "method not allowed"
