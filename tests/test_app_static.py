"""The application's static route (``/static/<path:filename>``): content types, conditional
requests, ranges, caching, folder/URL options, static_host, missing files and traversal."""

from __future__ import annotations

import datetime
import os

import pytest

import erlen

SITE = os.path.join(os.path.dirname(__file__), "apps", "site")
STATIC = os.path.join(SITE, "static")
HELLO = b"Hello static\n"
DIGITS = b"0123456789abcdefghijklmnopqrstuvwxyz"


@pytest.fixture
def app():
    app = erlen.Flask("test_app_static", root_path=SITE)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def fetch(client, *args, **kwargs):
    """Send a request, read the body and close the response (and its file)."""
    rv = client.open(*args, **kwargs)
    rv.get_data()
    rv.close()
    return rv


def test_static_route_registered(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint == "static"]
    assert len(rules) == 1
    assert rules[0].rule == "/static/<path:filename>"
    assert app.static_folder == STATIC
    assert app.static_url_path == "/static"
    assert app.has_static_folder


def test_serves_file(client):
    rv = fetch(client, "/static/hello.txt")
    assert rv.status_code == 200
    assert rv.data == HELLO
    assert rv.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert rv.content_length == len(HELLO)
    assert rv.headers["Accept-Ranges"] == "bytes"
    expected_mtime = datetime.datetime.fromtimestamp(
        int(os.path.getmtime(os.path.join(STATIC, "hello.txt"))), datetime.timezone.utc
    )
    assert rv.last_modified == expected_mtime
    assert rv.headers["ETag"].startswith('"')


def test_nested_file(client):
    rv = fetch(client, "/static/sub/nested.txt")
    assert rv.data == b"nested file\n"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("style.css", "text/css; charset=utf-8"),
        ("app.js", "text/javascript; charset=utf-8"),
        ("page.html", "text/html; charset=utf-8"),
        ("data.json", "application/json"),
        ("pixel.png", "image/png"),
    ],
)
def test_content_types(client, name, content_type):
    rv = fetch(client, f"/static/{name}")
    assert rv.status_code == 200
    assert rv.headers["Content-Type"] == content_type
    with open(os.path.join(STATIC, name), "rb") as f:
        assert rv.data == f.read()


def test_head(client):
    rv = fetch(client, "/static/hello.txt", method="HEAD")
    assert rv.status_code == 200
    assert rv.data == b""
    assert rv.content_length == len(HELLO)


def test_options_and_disallowed_method(client):
    rv = fetch(client, "/static/hello.txt", method="OPTIONS")
    assert rv.status_code == 200
    assert sorted(rv.allow) == ["GET", "HEAD", "OPTIONS"]
    rv = fetch(client, "/static/hello.txt", method="POST")
    assert rv.status_code == 405


def test_conditional_etag(client):
    etag = fetch(client, "/static/hello.txt").headers["ETag"]
    rv = fetch(client, "/static/hello.txt", headers={"If-None-Match": etag})
    assert rv.status_code == 304
    assert rv.data == b""
    assert rv.headers["ETag"] == etag
    rv = fetch(client, "/static/hello.txt", headers={"If-None-Match": f'"x", {etag}'})
    assert rv.status_code == 304
    rv = fetch(client, "/static/hello.txt", headers={"If-None-Match": "*"})
    assert rv.status_code == 304
    rv = fetch(client, "/static/hello.txt", headers={"If-None-Match": '"nope"'})
    assert rv.status_code == 200


def test_conditional_modified_since(client):
    last_modified = fetch(client, "/static/hello.txt").headers["Last-Modified"]
    rv = fetch(client, "/static/hello.txt", headers={"If-Modified-Since": last_modified})
    assert rv.status_code == 304
    later = "Fri, 01 Jan 2100 00:00:00 GMT"
    assert (
        fetch(client, "/static/hello.txt", headers={"If-Modified-Since": later}).status_code == 304
    )
    earlier = "Sat, 01 Jan 2000 00:00:00 GMT"
    rv = fetch(client, "/static/hello.txt", headers={"If-Modified-Since": earlier})
    assert rv.status_code == 200
    assert rv.data == HELLO
    # an unparsable date is ignored
    rv = fetch(client, "/static/hello.txt", headers={"If-Modified-Since": "yesterday"})
    assert rv.status_code == 200


@pytest.mark.parametrize(
    ("header", "body", "content_range"),
    [
        ("bytes=0-0", b"0", "bytes 0-0/36"),
        ("bytes=5-9", b"56789", "bytes 5-9/36"),
        ("bytes=-3", b"xyz", "bytes 33-35/36"),
        ("bytes=35-", b"z", "bytes 35-35/36"),
    ],
)
def test_ranges(client, header, body, content_range):
    rv = fetch(client, "/static/digits.txt", headers={"Range": header})
    assert rv.status_code == 206
    assert rv.data == body
    assert rv.headers["Content-Range"] == content_range
    assert rv.content_length == len(body)


def test_range_not_satisfiable(client):
    rv = fetch(client, "/static/digits.txt", headers={"Range": "bytes=36-"})
    assert rv.status_code == 416
    assert rv.headers["Content-Range"] == "bytes */36"


# Like Werkzeug: malformed ranges and multipart (several) ranges are not satisfiable.
@pytest.mark.parametrize("header", ["lines=1-2", "bytes=5-2", "bytes=x-y", "bytes=0-1,4-5"])
def test_malformed_or_multiple_ranges_not_satisfiable(client, header):
    rv = fetch(client, "/static/digits.txt", headers={"Range": header})
    assert rv.status_code == 416


def test_if_range_with_last_modified(client):
    last_modified = fetch(client, "/static/digits.txt").headers["Last-Modified"]
    rv = fetch(
        client, "/static/digits.txt", headers={"Range": "bytes=0-2", "If-Range": last_modified}
    )
    assert (rv.status_code, rv.data) == (206, b"012")
    rv = fetch(
        client,
        "/static/digits.txt",
        headers={"Range": "bytes=0-2", "If-Range": "Sat, 01 Jan 2000 00:00:00 GMT"},
    )
    assert (rv.status_code, rv.data) == (200, DIGITS)


def test_cache_headers_default(client):
    rv = fetch(client, "/static/hello.txt")
    assert rv.cache_control.no_cache
    assert rv.cache_control.max_age is None
    assert rv.expires is None


@pytest.mark.parametrize("value", [3600, datetime.timedelta(hours=1)])
def test_cache_headers_from_config(app, client, value):
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = value
    rv = fetch(client, "/static/hello.txt")
    assert rv.cache_control.max_age == 3600
    assert rv.cache_control.public
    assert not rv.cache_control.no_cache
    assert rv.expires is not None
    assert rv.expires > datetime.datetime.now(datetime.timezone.utc)


def test_get_send_file_max_age_override(client):
    class App(erlen.Flask):
        def get_send_file_max_age(self, filename):
            return 10 if filename.endswith(".css") else None

    app = App("override", root_path=SITE)
    client = app.test_client()
    assert fetch(client, "/static/style.css").cache_control.max_age == 10
    assert fetch(client, "/static/hello.txt").cache_control.max_age is None


def test_send_static_file_directly(app):
    with app.test_request_context():
        rv = app.send_static_file("hello.txt")
        rv.direct_passthrough = False
        assert rv.data == HELLO
        rv.close()


def test_x_sendfile_for_static(app, client):
    app.config["USE_X_SENDFILE"] = True
    rv = fetch(client, "/static/hello.txt")
    assert rv.headers["X-Sendfile"] == os.path.join(STATIC, "hello.txt")
    assert rv.data == b""


def test_url_for_static(app):
    with app.test_request_context():
        assert erlen.url_for("static", filename="hello.txt") == "/static/hello.txt"
        assert erlen.url_for("static", filename="sub/nested.txt") == "/static/sub/nested.txt"
        assert erlen.url_for("static", filename="a b.txt", v=2) == "/static/a%20b.txt?v=2"


# -- options ------------------------------------------------------------------------------


def test_static_url_path_option():
    app = erlen.Flask("opt", root_path=SITE, static_url_path="/assets")
    client = app.test_client()
    assert fetch(client, "/assets/hello.txt").data == HELLO
    assert fetch(client, "/static/hello.txt").status_code == 404
    with app.test_request_context():
        assert erlen.url_for("static", filename="x.css") == "/assets/x.css"


def test_static_url_path_trailing_slash_and_empty():
    app = erlen.Flask("opt", root_path=SITE, static_url_path="/files/")
    assert app.static_url_path == "/files"
    assert fetch(app.test_client(), "/files/hello.txt").data == HELLO

    app = erlen.Flask("opt", root_path=SITE, static_url_path="")
    assert app.static_url_path == ""
    rules = [r.rule for r in app.url_map.iter_rules() if r.endpoint == "static"]
    assert rules == ["/<path:filename>"]
    assert fetch(app.test_client(), "/hello.txt").data == HELLO


def test_static_folder_option():
    app = erlen.Flask("opt", root_path=SITE, static_folder="other_static")
    assert app.static_url_path == "/other_static"
    client = app.test_client()
    assert fetch(client, "/other_static/other.txt").data == b"other static\n"
    assert fetch(client, "/static/hello.txt").status_code == 404


def test_static_folder_with_url_path():
    app = erlen.Flask("opt", root_path=SITE, static_folder="other_static", static_url_path="/s")
    assert fetch(app.test_client(), "/s/other.txt").data == b"other static\n"


def test_static_folder_absolute_and_trailing_slash():
    app = erlen.Flask("opt", root_path="/nonexistent", static_folder=STATIC + "/")
    assert app.static_folder == STATIC
    assert app.static_url_path == "/static"
    assert fetch(app.test_client(), "/static/hello.txt").data == HELLO


def test_static_folder_pathlike():
    import pathlib

    app = erlen.Flask("opt", root_path=SITE, static_folder=pathlib.Path("other_static"))
    assert app.static_folder == os.path.join(SITE, "other_static")


def test_no_static_folder():
    app = erlen.Flask("opt", root_path=SITE, static_folder=None)
    assert not app.has_static_folder
    assert app.static_url_path is None
    assert "static" not in {r.endpoint for r in app.url_map.iter_rules()}
    assert fetch(app.test_client(), "/static/hello.txt").status_code == 404
    with app.test_request_context(), pytest.raises(RuntimeError, match="static_folder"):
        app.send_static_file("hello.txt")


def test_static_folder_changed_after_creation(app, client):
    app.static_folder = "other_static"
    assert fetch(client, "/static/other.txt").data == b"other static\n"


def test_static_host_with_host_matching():
    app = erlen.Flask("hosts", root_path=SITE, static_host="cdn.example.test", host_matching=True)
    app.add_url_rule("/", "index", lambda: "main", host="www.example.test")
    client = app.test_client()
    rv = fetch(client, "/static/hello.txt", base_url="http://cdn.example.test")
    assert rv.status_code == 200
    assert rv.data == HELLO
    assert fetch(client, "/static/hello.txt", base_url="http://www.example.test").status_code == 404
    assert fetch(client, "/", base_url="http://www.example.test").data == b"main"
    with app.test_request_context(base_url="http://www.example.test"):
        assert erlen.url_for("static", filename="a.css") == "http://cdn.example.test/static/a.css"


@pytest.mark.parametrize(
    ("static_host", "host_matching"),
    [("cdn.example.test", False), (None, True)],
)
def test_static_host_requires_host_matching(static_host, host_matching):
    with pytest.raises(AssertionError, match="Invalid static_host/host_matching combination"):
        erlen.Flask("bad", root_path=SITE, static_host=static_host, host_matching=host_matching)


def test_static_host_ignored_without_static_folder():
    app = erlen.Flask("ok", root_path=SITE, static_host="cdn.test", static_folder=None)
    assert not app.has_static_folder


# -- missing files and traversal --------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/static/missing.txt",
        "/static/sub",
        "/static/sub/",
        "/static/sub/missing.txt",
    ],
)
def test_missing(client, url):
    rv = fetch(client, url, follow_redirects=True)
    assert rv.status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/static/../templates/hello.html",
        "/static/%2e%2e/templates/hello.html",
        "/static/%2E%2E/%2E%2E/test_app_static.py",
        "/static/..%2Ftemplates/hello.html",
        "/static/sub/..%2F..%2Ftemplates/hello.html",
        "/static/%2Fetc/passwd",
        "/static//etc/passwd",
        "/static/hello.txt%00",
        "/static/hello.txt%00.png",
        "/static/..%5Ctemplates%5Chello.html",
    ],
)
def test_traversal(client, url):
    rv = fetch(client, url, follow_redirects=True)
    assert rv.status_code == 404
    assert b"Hello" not in rv.data
    assert b"root:" not in rv.data


def test_traversal_via_send_static_file(app):
    from erlen.exceptions import NotFound

    with app.test_request_context():
        for name in ("../templates/hello.html", "/etc/passwd", "sub/../../templates/hello.html"):
            with pytest.raises(NotFound):
                app.send_static_file(name)
