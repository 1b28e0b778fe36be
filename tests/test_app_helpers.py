"""View helpers through the application: url_for, redirect, abort, flashing, make_response,
send_file and send_from_directory."""

from __future__ import annotations

import datetime
import io
import os

import pytest

import erlen
from erlen import signals
from erlen.exceptions import Forbidden, HTTPException, NotFound
from erlen.routing import BuildError
from erlen.wrappers import Response

SITE = os.path.join(os.path.dirname(__file__), "apps", "site")
STATIC = os.path.join(SITE, "static")
HELLO = b"Hello static\n"
DIGITS = b"0123456789abcdefghijklmnopqrstuvwxyz"


@pytest.fixture
def app():
    app = erlen.Flask("test_app_helpers", root_path=SITE)
    app.config.update(TESTING=True, SECRET_KEY="helpers secret")
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def fetch(client, *args, **kwargs):
    """Send a request and read and close the response (file bodies are closed)."""
    rv = client.open(*args, **kwargs)
    rv.get_data()
    rv.close()
    return rv


# -- url_for ------------------------------------------------------------------------------


@pytest.fixture
def routes(app):
    @app.route("/")
    def index():
        return ""

    @app.route("/user/<name>")
    def user(name):
        return ""

    @app.route("/post/<int:id>", methods=["GET"])
    def post_get(id):
        return ""

    app.add_url_rule("/post/<int:id>", "post_edit", lambda id: "", methods=["POST"])
    app.add_url_rule("/both", "both_get", lambda: "", methods=["GET"])
    app.add_url_rule("/both-post", "both_get", methods=["POST"])
    return app


def test_url_for_basic(routes):
    with routes.test_request_context():
        assert erlen.url_for("index") == "/"
        assert erlen.url_for("user", name="ann") == "/user/ann"
        assert erlen.url_for("user", name="a b/é") == "/user/a%20b/%C3%A9"
        assert erlen.url_for("post_get", id=3) == "/post/3"


def test_url_for_extra_values_become_query(routes):
    with routes.test_request_context():
        assert erlen.url_for("index", q="x y", page=2) == "/?q=x+y&page=2"
        assert erlen.url_for("user", name="n", tag=["a", "b"]) == "/user/n?tag=a&tag=b"
        # None values are left out
        assert erlen.url_for("index", q=None) == "/"


def test_url_for_external_and_scheme(routes):
    with routes.test_request_context(base_url="http://example.test"):
        assert erlen.url_for("index", _external=True) == "http://example.test/"
        assert erlen.url_for("index", _scheme="https") == "https://example.test/"
        assert (
            erlen.url_for("user", name="x", _scheme="https", _external=True)
            == "https://example.test/user/x"
        )
        with pytest.raises(ValueError, match="When specifying '_scheme', '_external' must be True"):
            erlen.url_for("index", _scheme="https", _external=False)


def test_url_for_anchor(routes):
    with routes.test_request_context():
        assert erlen.url_for("index", _anchor="top") == "/#top"
        assert erlen.url_for("index", _anchor="a b/c?d", x=1) == "/?x=1#a%20b/c?d"
        assert erlen.url_for("index", _anchor="x'y") == "/#x'y"


def test_url_for_method(routes):
    with routes.test_request_context():
        assert erlen.url_for("both_get", _method="GET") == "/both"
        assert erlen.url_for("both_get", _method="POST") == "/both-post"
        with pytest.raises(BuildError):
            erlen.url_for("post_get", id=1, _method="POST")


def test_url_for_in_app_context_needs_server_name(routes):
    with routes.app_context():
        with pytest.raises(RuntimeError, match="without 'SERVER_NAME' configured"):
            erlen.url_for("index")
    routes.config.update(
        SERVER_NAME="example.test:8080", APPLICATION_ROOT="/root", PREFERRED_URL_SCHEME="https"
    )
    with routes.app_context():
        # external by default outside a request
        assert erlen.url_for("user", name="u") == "https://example.test:8080/root/user/u"
        assert erlen.url_for("index", _external=False) == "/root/"


def test_url_for_in_request_is_relative_with_script_root(routes):
    with routes.test_request_context("/", base_url="http://h.test/prefix"):
        assert erlen.url_for("user", name="u") == "/prefix/user/u"
        assert erlen.url_for("user", name="u", _external=True) == "http://h.test/prefix/user/u"


def test_url_for_relative_endpoint_without_blueprint(routes):
    with routes.test_request_context():
        assert erlen.url_for(".index") == "/"


def test_url_for_app_method(routes):
    with routes.test_request_context():
        assert routes.url_for("user", name="m") == "/user/m"


def test_url_for_build_error(routes):
    with routes.test_request_context():
        with pytest.raises(BuildError) as exc_info:
            erlen.url_for("nowhere")
        assert exc_info.value.endpoint == "nowhere"
        with pytest.raises(BuildError):
            erlen.url_for("user")  # missing a value


def test_url_for_build_error_handler(routes):
    seen = []

    def handler(error, endpoint, values):
        seen.append((type(error), endpoint, dict(values)))
        if endpoint == "external":
            return f"https://cdn.test/{values['path']}"
        return None

    routes.url_build_error_handlers.append(handler)
    with routes.test_request_context():
        assert erlen.url_for("external", path="a.js") == "https://cdn.test/a.js"
        assert seen[0][0] is BuildError
        assert seen[0][1] == "external"
        assert seen[0][2] == {
            "path": "a.js",
            "_anchor": None,
            "_method": None,
            "_scheme": None,
            "_external": False,
        }
        with pytest.raises(BuildError):
            erlen.url_for("unknown")


def test_url_for_build_error_handler_may_reraise_other(routes):
    def handler(error, endpoint, values):
        raise BuildError("replacement", {}, None)

    routes.url_build_error_handlers.append(handler)
    with routes.test_request_context(), pytest.raises(BuildError) as exc_info:
        erlen.url_for("nowhere")
    assert exc_info.value.endpoint == "replacement"


def test_url_defaults(app):
    @app.url_defaults
    def add_lang(endpoint, values):
        if app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values.setdefault("lang", "en")

    @app.route("/<lang>/about")
    def about(lang):
        return lang

    @app.route("/plain")
    def plain():
        return ""

    with app.test_request_context():
        assert erlen.url_for("about") == "/en/about"
        assert erlen.url_for("about", lang="de") == "/de/about"
        assert erlen.url_for("plain") == "/plain"


def test_url_defaults_receive_copy_of_values(app):
    calls = []

    @app.url_defaults
    def record(endpoint, values):
        calls.append((endpoint, dict(values)))
        values["added"] = "1"

    app.add_url_rule("/x", "x", lambda: "")
    with app.test_request_context():
        assert erlen.url_for("x", a="b") == "/x?a=b&added=1"
    assert calls == [("x", {"a": "b"})]


def test_url_for_in_template_and_view(app, client):
    @app.route("/u/<n>")
    def u(n):
        return erlen.render_template_string("{{ url_for('u', n=n|int + 1, x='y') }}", n=n)

    assert client.get("/u/1").text == "/u/2?x=y"


# -- redirect -----------------------------------------------------------------------------


def test_redirect_defaults(app, client):
    @app.route("/go")
    def go():
        return erlen.redirect("/target")

    rv = client.get("/go")
    assert rv.status_code == 302
    assert rv.headers["Location"] == "/target"
    assert rv.mimetype == "text/html"
    assert b'<a href="/target">/target</a>' in rv.data


@pytest.mark.parametrize("code", [301, 303, 307, 308])
def test_redirect_code(app, code):
    with app.test_request_context():
        rv = erlen.redirect("https://other.test/x", code=code)
    assert rv.status_code == code
    assert rv.location == "https://other.test/x"


def test_redirect_escapes_html_and_quotes_location(app, client):
    app.get("/r")(lambda: erlen.redirect('/a"b<c>?q=é'))
    rv = client.get("/r")
    assert rv.headers["Location"] == "/a%22b%3Cc%3E?q=%C3%A9"
    body = rv.get_data(as_text=True)
    assert "<c>" not in body
    assert "&lt;c&gt;" in body


@pytest.mark.parametrize(
    ("bad", "quoted"),
    [
        ("/x\r\nSet-Cookie: evil=1", "/x%0D%0ASet-Cookie:%20evil=1"),
        ("/x\nX-Injected: 1", "/x%0AX-Injected:%201"),
        ("/x\r", "/x%0D"),
    ],
)
def test_redirect_location_cannot_inject_headers(app, client, bad, quoted):
    # Difference from Werkzeug (which raises ValueError): erlen percent-encodes CR/LF.
    app.get("/r")(lambda: erlen.redirect(bad))
    rv = client.get("/r")
    assert rv.status_code == 302
    assert rv.headers["Location"] == quoted
    assert "Set-Cookie" not in rv.headers
    assert "X-Injected" not in rv.headers


def test_redirect_uses_app_redirect(app):
    class App(erlen.Flask):
        def redirect(self, location, code=302):
            rv = super().redirect(location, code)
            rv.headers["X-Custom"] = "1"
            return rv

    app = App("custom", root_path=SITE)
    with app.app_context():
        rv = erlen.redirect("/x", 301)
    assert rv.headers["X-Custom"] == "1"
    assert rv.status_code == 301


def test_redirect_outside_app_context():
    rv = erlen.redirect("/x", code=307)
    assert rv.status_code == 307
    assert rv.location == "/x"
    rv = erlen.redirect("/y", Response=Response)
    assert isinstance(rv, Response)


# -- abort --------------------------------------------------------------------------------


def test_abort_codes(app, client):
    @app.route("/<int:code>")
    def fail(code):
        erlen.abort(code)

    for code in (400, 401, 403, 404, 405, 410, 418, 500, 503):
        rv = client.get(f"/{code}")
        assert rv.status_code == code


def test_abort_with_description_and_response(app, client):
    @app.route("/desc")
    def desc():
        erlen.abort(403, description="no entry")

    @app.route("/resp")
    def resp():
        erlen.abort(erlen.make_response(("custom body", 409)))

    rv = client.get("/desc")
    assert rv.status_code == 403
    assert b"no entry" in rv.data
    rv = client.get("/resp")
    assert (rv.status_code, rv.data) == (409, b"custom body")


def test_abort_raises_http_exception(app):
    with app.test_request_context():
        with pytest.raises(Forbidden):
            erlen.abort(403)
        with pytest.raises(LookupError, match="no exception for 299"):
            erlen.abort(299)
    with pytest.raises(NotFound):
        erlen.abort(404)  # also works outside a context


def test_abort_uses_app_aborter(app):
    class Gone(HTTPException):
        code = 499
        description = "custom"

    app.aborter.mapping[499] = Gone
    with app.app_context(), pytest.raises(Gone):
        erlen.abort(499)


# -- flashing -----------------------------------------------------------------------------


def test_flash_and_get_flashed_messages(app, client):
    @app.route("/add")
    def add():
        erlen.flash("plain")
        erlen.flash("careful", "warning")
        erlen.flash("<b>", "error")
        return ""

    @app.route("/get")
    def get():
        return {"messages": erlen.get_flashed_messages()}

    @app.route("/cats")
    def cats():
        return {"messages": erlen.get_flashed_messages(with_categories=True)}

    client.get("/add")
    assert client.get("/get").json == {"messages": ["plain", "careful", "<b>"]}
    assert client.get("/get").json == {"messages": []}
    client.get("/add")
    assert client.get("/cats").json == {
        "messages": [["message", "plain"], ["warning", "careful"], ["error", "<b>"]]
    }


def test_flash_category_filter(app, client):
    @app.route("/add")
    def add():
        erlen.flash("a", "info")
        erlen.flash("b", "error")
        erlen.flash("c", "warning")
        return ""

    @app.route("/filter")
    def filtered():
        first = erlen.get_flashed_messages(category_filter=["error", "warning"])
        with_cats = erlen.get_flashed_messages(with_categories=True, category_filter=["info"])
        # cached for the request: a second call still sees all messages
        everything = erlen.get_flashed_messages()
        return {"first": first, "with_cats": with_cats, "all": everything}

    client.get("/add")
    assert client.get("/filter").json == {
        "first": ["b", "c"],
        "with_cats": [["info", "a"]],
        "all": ["a", "b", "c"],
    }
    # the filtered call consumed every message
    assert client.get("/filter").json == {"first": [], "with_cats": [], "all": []}


def test_flash_stored_in_session(app, client):
    @app.route("/add")
    def add():
        erlen.flash("hi", "info")
        return ""

    client.get("/add")
    with client.session_transaction() as sess:
        assert sess["_flashes"] == [("info", "hi")]


def test_flashed_messages_across_redirect(app, client):
    @app.route("/submit", methods=["POST"])
    def submit():
        erlen.flash("saved")
        return erlen.redirect(erlen.url_for("show"))

    @app.route("/show")
    def show():
        return ",".join(erlen.get_flashed_messages())

    rv = client.post("/submit", follow_redirects=True)
    assert rv.text == "saved"
    assert [r.status_code for r in rv.history] == [302]


def test_message_flashed_signal(app, client):
    recorded = []

    def record(sender, message, category, **extra):
        recorded.append((sender, message, category))

    @app.route("/")
    def index():
        erlen.flash("one")
        erlen.flash("two", "error")
        return ""

    with signals.message_flashed.connected_to(record, app):
        client.get("/")
    assert recorded == [(app, "one", "message"), (app, "two", "error")]


def test_flash_without_secret_key_fails(app, client):
    app.secret_key = None

    @app.route("/")
    def index():
        erlen.flash("x")
        return ""

    with pytest.raises(RuntimeError, match="secret key"):
        client.get("/")


# -- make_response --------------------------------------------------------------------------


def test_make_response_forms(app):
    with app.test_request_context():
        rv = erlen.make_response()
        assert isinstance(rv, Response)
        assert (rv.status_code, rv.data, rv.mimetype) == (200, b"", "text/html")

        rv = erlen.make_response("body")
        assert rv.data == b"body"

        rv = erlen.make_response("missing", 404)
        assert (rv.status_code, rv.data) == (404, b"missing")

        rv = erlen.make_response("h", {"X-A": "1"})
        assert rv.headers["X-A"] == "1"

        rv = erlen.make_response("all", 201, [("X-B", "2")])
        assert (rv.status_code, rv.headers["X-B"]) == (201, "2")

        rv = erlen.make_response(("as tuple", "202 ACCEPTED"))
        assert rv.status == "202 ACCEPTED"

        rv = erlen.make_response({"a": 1})
        assert rv.mimetype == "application/json"
        assert rv.json == {"a": 1}

        rv = erlen.make_response([1, 2])
        assert rv.json == [1, 2]

        rv = erlen.make_response(b"bytes", 203)
        assert (rv.data, rv.status_code) == (b"bytes", 203)

        base = Response("existing")
        assert erlen.make_response(base) is base


def test_make_response_in_view(app, client):
    @app.route("/")
    def index():
        rv = erlen.make_response("content")
        rv.headers["X-Extra"] = "yes"
        rv.set_cookie("c", "v")
        return rv

    rv = fetch(client, "/")
    assert rv.headers["X-Extra"] == "yes"
    assert client.get_cookie("c").value == "v"


def test_make_response_bad_value(app):
    with app.test_request_context():
        with pytest.raises(TypeError, match="did not return a valid response"):
            erlen.make_response(None)
        with pytest.raises(TypeError, match="it was a int"):
            erlen.make_response(42)


# -- send_file ------------------------------------------------------------------------------


def test_send_file_relative_to_root_path(app, client):
    @app.route("/")
    def index():
        return erlen.send_file("static/hello.txt")

    rv = fetch(client, "/")
    assert rv.status_code == 200
    assert rv.data == HELLO
    assert rv.mimetype == "text/plain"
    assert rv.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert rv.content_length == len(HELLO)
    assert rv.last_modified is not None
    assert rv.headers["ETag"]
    assert rv.headers["Accept-Ranges"] == "bytes"
    assert rv.cache_control.no_cache
    assert not rv.cache_control.public
    assert rv.headers["Content-Disposition"] == "inline; filename=hello.txt"
    rv.close()


def test_send_file_absolute_path_and_pathlike(app):
    import pathlib

    with app.test_request_context():
        rv = erlen.send_file(os.path.join(STATIC, "hello.txt"))
        rv.direct_passthrough = False
        assert rv.data == HELLO
        rv.close()
        rv = erlen.send_file(pathlib.Path(STATIC) / "style.css")
        assert rv.mimetype == "text/css"
        rv.close()


def test_send_file_missing(app):
    with app.test_request_context(), pytest.raises(FileNotFoundError):
        erlen.send_file("static/missing.txt")


@pytest.mark.parametrize(
    ("name", "mimetype"),
    [
        ("style.css", "text/css"),
        ("app.js", "text/javascript"),
        ("page.html", "text/html"),
        ("data.json", "application/json"),
        ("pixel.png", "image/png"),
    ],
)
def test_send_file_mimetype_guess(app, name, mimetype):
    with app.test_request_context():
        rv = erlen.send_file(os.path.join("static", name))
        assert rv.mimetype == mimetype
        rv.close()


def test_send_file_object(app, client):
    @app.route("/")
    def index():
        return erlen.send_file(io.BytesIO(b"in memory"), mimetype="application/x-test")

    rv = fetch(client, "/")
    assert rv.data == b"in memory"
    assert rv.mimetype == "application/x-test"
    assert "ETag" not in rv.headers
    assert rv.last_modified is None


def test_send_file_object_needs_name_or_mimetype(app):
    with app.test_request_context():
        with pytest.raises(TypeError, match="Unable to detect the MIME type"):
            erlen.send_file(io.BytesIO(b"x"))
        rv = erlen.send_file(io.BytesIO(b"x"), download_name="a.csv")
        assert rv.mimetype == "text/csv"
        rv.close()


def test_send_file_real_file_object(app):
    with app.test_request_context():
        f = open(os.path.join(STATIC, "digits.txt"), "rb")  # noqa: SIM115
        rv = erlen.send_file(f, mimetype="text/plain")
        rv.direct_passthrough = False
        assert rv.data == DIGITS
        rv.close()
        assert f.closed


def test_send_file_as_attachment(app):
    with app.test_request_context():
        rv = erlen.send_file("static/hello.txt", as_attachment=True)
        assert rv.headers["Content-Disposition"] == "attachment; filename=hello.txt"
        rv.close()
        rv = erlen.send_file("static/hello.txt", as_attachment=True, download_name="report.csv")
        assert rv.headers["Content-Disposition"] == "attachment; filename=report.csv"
        # the download name decides the mimetype
        assert rv.mimetype == "text/csv"
        rv.close()
        rv = erlen.send_file("static/hello.txt", download_name="inline.txt")
        assert rv.headers["Content-Disposition"] == "inline; filename=inline.txt"
        rv.close()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "Ñandú／pingüino.txt",
            'attachment; filename="Nandu/pinguino.txt";'
            " filename*=UTF-8''%C3%91and%C3%BA%EF%BC%8Fping%C3%BCino.txt",
        ),
        (
            "€ rates.csv",
            "attachment; filename=\" rates.csv\"; filename*=UTF-8''%E2%82%AC%20rates.csv",
        ),
        ("日本.txt", "attachment; filename=.txt; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt"),
    ],
)
def test_send_file_non_ascii_download_name(app, name, expected):
    # RFC 5987: an ASCII fallback ``filename`` plus the UTF-8 ``filename*``.
    with app.test_request_context():
        rv = erlen.send_file(io.BytesIO(b"x"), as_attachment=True, download_name=name)
    assert rv.headers["Content-Disposition"] == expected
    rv.close()


def test_send_file_download_name_with_quotes(app):
    with app.test_request_context():
        rv = erlen.send_file(io.BytesIO(b"x"), as_attachment=True, download_name='a "b".txt')
    assert rv.headers["Content-Disposition"] == 'attachment; filename="a \\"b\\".txt"'
    rv.close()


def test_send_file_conditional_if_none_match(app, client):
    app.get("/f")(lambda: erlen.send_file("static/hello.txt"))
    rv = fetch(client, "/f")
    etag = rv.headers["ETag"]
    rv.close()
    rv = fetch(client, "/f", headers={"If-None-Match": etag})
    assert rv.status_code == 304
    assert rv.data == b""
    assert rv.headers["ETag"] == etag
    rv = fetch(client, "/f", headers={"If-None-Match": '"something-else"'})
    assert rv.status_code == 200
    assert rv.data == HELLO


def test_send_file_conditional_if_modified_since(app, client):
    app.get("/f")(lambda: erlen.send_file("static/hello.txt"))
    rv = fetch(client, "/f")
    last_modified = rv.headers["Last-Modified"]
    rv.close()
    rv = fetch(client, "/f", headers={"If-Modified-Since": last_modified})
    assert rv.status_code == 304
    rv = fetch(client, "/f", headers={"If-Modified-Since": "Mon, 01 Jan 1990 00:00:00 GMT"})
    assert rv.status_code == 200
    rv.close()


def test_send_file_conditional_disabled(app, client):
    app.get("/f")(lambda: erlen.send_file("static/hello.txt", conditional=False))
    rv = fetch(client, "/f")
    etag = rv.headers["ETag"]
    rv.close()
    rv = fetch(client, "/f", headers={"If-None-Match": etag, "Range": "bytes=0-1"})
    assert rv.status_code == 200
    assert rv.data == HELLO
    assert "Accept-Ranges" not in rv.headers


@pytest.mark.parametrize(
    ("header", "body", "content_range"),
    [
        ("bytes=0-3", DIGITS[:4], "bytes 0-3/36"),
        ("bytes=10-", DIGITS[10:], "bytes 10-35/36"),
        ("bytes=-5", DIGITS[-5:], "bytes 31-35/36"),
        ("bytes=30-100", DIGITS[30:], "bytes 30-35/36"),
    ],
)
def test_send_file_ranges(app, client, header, body, content_range):
    app.get("/f")(lambda: erlen.send_file("static/digits.txt"))
    rv = fetch(client, "/f", headers={"Range": header})
    assert rv.status_code == 206
    assert rv.data == body
    assert rv.headers["Content-Range"] == content_range
    assert rv.content_length == len(body)


def test_send_file_range_not_satisfiable(app, client):
    app.get("/f")(lambda: erlen.send_file("static/digits.txt"))
    rv = fetch(client, "/f", headers={"Range": "bytes=100-200"})
    assert rv.status_code == 416
    assert rv.headers["Content-Range"] == "bytes */36"


def test_send_file_if_range(app, client):
    app.get("/f")(lambda: erlen.send_file("static/digits.txt"))
    rv = fetch(client, "/f")
    etag = rv.headers["ETag"]
    rv.close()
    rv = fetch(client, "/f", headers={"Range": "bytes=0-1", "If-Range": etag})
    assert (rv.status_code, rv.data) == (206, b"01")
    rv = fetch(client, "/f", headers={"Range": "bytes=0-1", "If-Range": '"stale"'})
    assert (rv.status_code, rv.data) == (200, DIGITS)


def test_send_file_etag_options(app):
    with app.test_request_context():
        rv = erlen.send_file("static/hello.txt", etag=False)
        assert "ETag" not in rv.headers
        rv.close()
        rv = erlen.send_file("static/hello.txt", etag="custom-tag")
        assert rv.headers["ETag"] == '"custom-tag"'
        rv.close()


def test_send_file_custom_etag_conditional(app, client):
    app.get("/f")(lambda: erlen.send_file("static/hello.txt", etag="v1"))
    assert fetch(client, "/f", headers={"If-None-Match": '"v1"'}).status_code == 304


def test_send_file_last_modified(app):
    when = datetime.datetime(2020, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc)
    with app.test_request_context():
        rv = erlen.send_file("static/hello.txt", last_modified=when)
        assert rv.headers["Last-Modified"] == "Wed, 06 May 2020 07:08:09 GMT"
        rv.close()
        rv = erlen.send_file("static/hello.txt", last_modified=when.timestamp())
        assert rv.last_modified == when
        rv.close()
        rv = erlen.send_file(io.BytesIO(b"x"), mimetype="text/plain", last_modified=when)
        assert rv.last_modified == when
        rv.close()


def test_send_file_max_age(app):
    with app.test_request_context():
        rv = erlen.send_file("static/hello.txt", max_age=60)
        assert rv.cache_control.max_age == 60
        assert rv.cache_control.public is True
        assert rv.expires is not None
        rv.close()
        rv = erlen.send_file(
            "static/hello.txt", max_age=lambda path: 7 if path.endswith(".txt") else 0
        )
        assert rv.cache_control.max_age == 7
        rv.close()


def test_send_file_max_age_config(app):
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    with app.test_request_context():
        rv = erlen.send_file("static/hello.txt")
        assert rv.cache_control.max_age == 3600
        assert rv.cache_control.public is True
        rv.close()
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = datetime.timedelta(minutes=2)
    with app.test_request_context():
        rv = erlen.send_file("static/hello.txt")
        assert rv.cache_control.max_age == 120
        rv.close()


def test_send_file_max_age_app_override(app):
    class App(erlen.Flask):
        def get_send_file_max_age(self, filename):
            return 42 if filename and filename.endswith(".css") else None

    app = App("maxage", root_path=SITE)
    with app.test_request_context():
        rv = erlen.send_file("static/style.css")
        assert rv.cache_control.max_age == 42
        rv.close()
        rv = erlen.send_file("static/hello.txt")
        assert rv.cache_control.max_age is None
        assert rv.cache_control.no_cache
        rv.close()


def test_send_file_x_sendfile(app, client):
    app.config["USE_X_SENDFILE"] = True
    app.get("/f", endpoint="f")(lambda: erlen.send_file("static/hello.txt"))
    app.get("/mem", endpoint="mem")(
        lambda: erlen.send_file(io.BytesIO(b"mem"), mimetype="text/plain")
    )
    rv = fetch(client, "/f")
    assert rv.headers["X-Sendfile"] == os.path.join(STATIC, "hello.txt")
    assert rv.data == b""
    assert rv.mimetype == "text/plain"
    # file objects cannot be sent by the server
    rv = fetch(client, "/mem")
    assert "X-Sendfile" not in rv.headers
    assert rv.data == b"mem"


def test_send_file_head(app, client):
    app.get("/f")(lambda: erlen.send_file("static/hello.txt"))
    rv = fetch(client, "/f", method="HEAD")
    assert rv.status_code == 200
    assert rv.data == b""
    assert rv.content_length == len(HELLO)


# -- send_from_directory ----------------------------------------------------------------------


def test_send_from_directory(app, client):
    @app.route("/files/<path:name>")
    def files(name):
        return erlen.send_from_directory("static", name)

    rv = fetch(client, "/files/hello.txt")
    assert rv.data == HELLO
    rv = fetch(client, "/files/sub/nested.txt")
    assert rv.data == b"nested file\n"
    assert fetch(client, "/files/missing.txt").status_code == 404
    assert fetch(client, "/files/sub").status_code == 404


def test_send_from_directory_kwargs(app):
    with app.test_request_context():
        rv = erlen.send_from_directory(STATIC, "hello.txt", as_attachment=True, max_age=5)
        assert rv.headers["Content-Disposition"] == "attachment; filename=hello.txt"
        assert rv.cache_control.max_age == 5
        rv.close()


@pytest.mark.parametrize(
    "name",
    [
        "../templates/hello.html",
        "../../test_app_helpers.py",
        "sub/../../templates/hello.html",
        "/etc/passwd",
        os.path.join(STATIC, "hello.txt"),
        "hello.txt\x00.png",
        "..",
        "",
    ],
)
def test_send_from_directory_traversal(app, name):
    with app.test_request_context(), pytest.raises(NotFound):
        erlen.send_from_directory("static", name)


@pytest.mark.parametrize(
    "url",
    [
        "/files/../templates/hello.html",
        "/files/%2e%2e/templates/hello.html",
        "/files/%2E%2E/%2E%2E/test_app_helpers.py",
        "/files/sub/%2e%2e/%2e%2e/templates/hello.html",
        "/files/..%2ftemplates/hello.html",
        "/files/%2fetc/passwd",
        "/files//etc/passwd",
        "/files/hello.txt%00.png",
    ],
)
def test_send_from_directory_traversal_over_http(app, client, url):
    @app.route("/files/<path:name>")
    def files(name):
        return erlen.send_from_directory("static", name)

    rv = fetch(client, url, follow_redirects=True)
    assert rv.status_code == 404
    assert b"Hello" not in rv.data
    assert b"root:" not in rv.data
