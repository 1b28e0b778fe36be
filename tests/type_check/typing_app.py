"""Type-checked, never run: an app as a Flask user writes it (``mypy tests/type_check``).

The ``typing_*.py`` names keep pytest from collecting these files.
"""

from __future__ import annotations

import typing as t

from typing_extensions import assert_type

from erlen import (
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    request,
    session,
    url_for,
)
from erlen.testing import FlaskClient

app = Flask(__name__)
app.config["SECRET_KEY"] = "dev"
app.config.from_mapping(DEBUG=False)
assert_type(app.debug, bool)
assert_type(app.secret_key, str | bytes | None)


@app.route("/")
def index() -> str:
    return f"Hello from {current_app.name}"


@app.route("/users/<int:user_id>")
def show_user(user_id: int) -> dict[str, t.Any]:
    return {"id": user_id, "name": g.get("user_name", "anonymous")}


@app.get("/async")
async def async_view() -> str:
    return "async"


# The route decorators give back the view itself, signature included.
assert_type(index(), str)
assert_type(show_user(1), dict[str, t.Any])
assert_type(async_view, t.Callable[[], t.Coroutine[t.Any, t.Any, str]])


@app.route("/search")
def search() -> Response:
    page = request.args.get("page", type=int)
    assert_type(page, int | None)
    per_page = request.args.get("per_page", 20, type=int)
    assert_type(per_page, int)
    query = request.args.get("q", "")
    assert_type(query, str)
    tags = request.args.getlist("tag")
    assert_type(tags, list[str])
    ids = request.args.getlist("id", type=int)
    assert_type(ids, list[int])
    payload = request.get_json(silent=True)
    return jsonify(page=page, per_page=per_page, q=query, tags=tags, ids=ids, payload=payload)


@app.post("/login")
def login() -> Response:
    name = request.form["name"]
    assert_type(name, str)
    session["user"] = name
    session.permanent = True
    response = make_response(redirect(url_for("show_user", user_id=1, _external=True)))
    response.set_cookie("seen", "1", max_age=3600, httponly=True)
    return response


@app.route("/logout")
def logout() -> tuple[str, int]:
    session.pop("user", None)
    return "bye", 200


@app.before_request
def load_user() -> None:
    g.user_name = session.get("user")


@app.before_request
def maybe_stop() -> Response | None:
    if request.path == "/blocked":
        return make_response("blocked", 403)
    return None


@app.after_request
def add_header(response: Response) -> Response:
    response.headers["X-Frame-Options"] = "DENY"
    response.cache_control.no_store = True
    return response


@app.teardown_request
def teardown(exc: BaseException | None) -> None:
    pass


@app.context_processor
def inject_user() -> dict[str, t.Any]:
    return {"user": g.get("user_name")}


def exercise_client() -> None:
    client = app.test_client()
    assert_type(client, FlaskClient)
    rv = client.get("/users/1", headers={"Accept": "application/json"})
    assert_type(rv.status_code, int)
    assert_type(rv.get_data(), bytes)
    assert_type(rv.get_data(as_text=True), str)
    body = rv.get_json()
    assert body is not None and body["id"] == 1
    rv = client.post("/login", data={"name": "ada"}, follow_redirects=True)
    assert rv.status == "200 OK"
    with client.session_transaction() as sess:
        sess["user"] = "ada"
    with app.test_request_context("/search?page=2"):
        assert request.args.get("page", type=int) == 2
        assert_type(url_for("index"), str)
    with app.app_context():
        assert current_app.config["SECRET_KEY"] == "dev"
