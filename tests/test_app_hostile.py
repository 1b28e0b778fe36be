"""Hostile input at the application level: each case answers the exact status without
internals, and the app still answers a normal request afterwards."""

from __future__ import annotations

import io

import pytest
from _timing import assert_linear

import erlen
from erlen.testing import EnvironBuilder


@pytest.fixture
def app():
    app = erlen.Flask("test_app_hostile", root_path="/tmp")
    app.config.update(SECRET_KEY="test key", PROPAGATE_EXCEPTIONS=False)
    app.logger.disabled = True
    req = erlen.request

    @app.get("/ok")
    def ok():
        return "ok"

    @app.post("/json")
    def json_view():
        return {"got": req.get_json()}

    @app.post("/data")
    def data_view():
        return str(len(req.get_data()))

    @app.post("/form")
    def form_view():
        return f"{len(req.form)} {len(req.files)}"

    @app.get("/echo/<part>")
    def echo(part):
        return part

    @app.get("/args")
    def args():
        items = list(req.args.items(multi=True))
        return {"n": len(items), "items": items[:3]}

    @app.get("/cookies")
    def cookies():
        return dict(req.cookies)

    @app.get("/header")
    def header():
        return req.headers.get("X-Bad", "none")

    return app


def still_works(client):
    rv = client.get("/ok")
    assert (rv.status_code, rv.data) == (200, b"ok")


def no_internals(rv):
    text = rv.get_data(as_text=True)
    assert "Traceback" not in text
    assert "Error:" not in text
    assert "test_app_hostile" not in text


def environ_for(app, path, **overrides):
    builder = EnvironBuilder(app, path)
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    environ.update(overrides)
    return environ


# -- request bodies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [b"{bad", b"", b'{"a": 1', b"[1, 2,]", b"\xff\xfe{}", b'{"a": "\xff"}', b"NaNx"]
)
def test_invalid_json_is_400(client, body):
    rv = client.post("/json", data=body, content_type="application/json")
    assert rv.status_code == 400
    no_internals(rv)
    still_works(client)


def test_invalid_json_detail_not_shown_outside_debug(app, client):
    rv = client.post("/json", data=b'{"a": ', content_type="application/json")
    assert rv.status_code == 400
    assert b"Failed to decode JSON object" not in rv.data
    app.debug = True
    app.config["PROPAGATE_EXCEPTIONS"] = False
    rv = client.post("/json", data=b'{"a": ', content_type="application/json")
    assert rv.status_code == 400
    assert b"Failed to decode JSON object" in rv.data


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_wrong_content_type_is_415(client, content_type):
    rv = client.post("/json", data=b"{}", content_type=content_type)
    assert rv.status_code == 415
    still_works(client)


def test_json_subtype_accepted(client):
    rv = client.post("/json", data=b'{"a": 1}', content_type="application/vnd.api+json")
    assert rv.json == {"got": {"a": 1}}


# Deeper than the JSON parser's limit on every supported Python: it stops at about 1,000
# levels on 3.10 and 3.11, 1,500 on 3.12 and 10,000 on 3.13 (its C recursion limit).
@pytest.mark.parametrize("depth", [20_000, 100_000])
def test_deeply_nested_json_is_400(client, depth):
    body = "[" * depth + "]" * depth
    rv = client.post("/json", data=body, content_type="application/json")
    assert rv.status_code == 400
    no_internals(rv)
    nested = '{"a":' * depth + "1" + "}" * depth
    rv = client.post("/json", data=nested, content_type="application/json")
    assert rv.status_code == 400
    still_works(client)


class ExplodingInput(io.RawIOBase):
    """A wsgi.input that records reads and fails the test if the body is read."""

    def __init__(self):
        self.reads = 0

    def readable(self):
        return True

    def readinto(self, b):
        self.reads += 1
        raise AssertionError("the body was read")


@pytest.mark.parametrize("path", ["/data", "/form", "/json"])
def test_max_content_length_413_without_reading_body(app, client, path):
    app.config["MAX_CONTENT_LENGTH"] = 100
    stream = ExplodingInput()
    environ = environ_for(
        app,
        path,
        REQUEST_METHOD="POST",
        CONTENT_LENGTH="1000000",
        CONTENT_TYPE="application/json" if path == "/json" else "application/x-www-form-urlencoded",
    )
    environ["wsgi.input"] = stream
    rv = client.open(environ)
    assert rv.status_code == 413
    assert stream.reads == 0
    no_internals(rv)
    still_works(client)


def test_max_content_length_allows_smaller_body(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 100
    assert client.post("/data", data=b"x" * 100).data == b"100"
    assert client.post("/data", data=b"x" * 101).status_code == 413


@pytest.mark.interface(
    "wsgi",
    reason="under ASGI the body is received before the view, bounded by MAX_CONTENT_LENGTH (test_asgi.py asserts the 413)",
)
def test_max_content_length_per_request_override(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.before_request
    def allow_bigger():
        erlen.request.max_content_length = 1000

    assert client.post("/data", data=b"x" * 500).data == b"500"


def test_max_form_parts_413(app, client):
    app.config["MAX_FORM_PARTS"] = 5
    files = {f"f{i}": (io.BytesIO(b"x"), f"{i}.txt") for i in range(3)}
    fields = {f"k{i}": "v" for i in range(3)}
    rv = client.post("/form", data={**files, **fields}, content_type="multipart/form-data")
    assert rv.status_code == 413
    rv = client.post(
        "/form",
        data={"a": "1", "f": (io.BytesIO(b"x"), "x.txt")},
        content_type="multipart/form-data",
    )
    assert rv.data == b"1 1"
    still_works(client)


def test_max_form_memory_size_413(app, client):
    app.config["MAX_FORM_MEMORY_SIZE"] = 50
    rv = client.post("/form", data={"a": "x" * 100}, content_type="multipart/form-data")
    assert rv.status_code == 413
    assert client.post("/form", data={"a": "x" * 10}).data == b"1 0"
    still_works(client)


def test_truncated_multipart_is_handled(app, client):
    body = b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue-without-end'
    rv = client.post("/form", data=body, content_type="multipart/form-data; boundary=b")
    assert rv.status_code in (200, 400, 413)
    assert rv.status_code != 500
    still_works(client)


# -- URL, query, cookies, headers ---------------------------------------------------------


def test_invalid_utf8_in_path_is_404(app, client):
    # PATH_INFO carries the raw bytes decoded as latin-1 (PEP 3333).
    environ = environ_for(app, "/x", PATH_INFO=b"/\xff\xfe".decode("latin-1"))
    rv = client.open(environ)
    assert rv.status_code == 404
    environ = environ_for(app, "/x", PATH_INFO=b"/ok\xc3".decode("latin-1"))
    assert client.open(environ).status_code == 404
    still_works(client)


def test_invalid_utf8_in_path_variable(app, client):
    environ = environ_for(app, "/x", PATH_INFO=b"/echo/\xff".decode("latin-1"))
    rv = client.open(environ)
    # Like Werkzeug: undecodable bytes become U+FFFD, never a 500.
    assert rv.status_code == 200
    assert rv.get_data(as_text=True) == "\ufffd"
    still_works(client)


def test_percent_encoded_invalid_utf8_in_path(client):
    rv = client.get("/echo/%ff%fe")
    assert rv.status_code == 200
    assert "\ufffd" in rv.get_data(as_text=True)
    still_works(client)


def test_invalid_utf8_in_query(app, client):
    environ = environ_for(app, "/args", QUERY_STRING=b"a=\xff&c=ok".decode("latin-1"))
    rv = client.open(environ)
    assert rv.status_code == 200
    assert rv.json["n"] == 2
    assert rv.json["items"] == [["a", "\ufffd"], ["c", "ok"]]
    rv = client.get("/args?b=%ff%fe&%zz=1")
    assert rv.status_code == 200
    assert rv.json["n"] == 2
    still_works(client)


def test_invalid_utf8_in_cookie(app):
    # The client's own cookie jar would replace HTTP_COOKIE: use one without cookies.
    client = app.test_client(use_cookies=False)
    environ = environ_for(app, "/cookies", HTTP_COOKIE=b"a=\xff\xfe; b=ok".decode("latin-1"))
    rv = client.open(environ)
    assert rv.status_code == 200
    # erlen decodes the raw bytes as UTF-8 with U+FFFD for invalid ones (documented).
    assert rv.json == {"a": "\ufffd\ufffd", "b": "ok"}
    environ = environ_for(app, "/cookies", HTTP_COOKIE=b"c=\xc3\xa9".decode("latin-1"))
    assert client.open(environ).json == {"c": "\u00e9"}
    still_works(client)


def test_invalid_utf8_in_session_cookie(app, client):
    @app.get("/session")
    def read_session():
        return str(erlen.session.get("x"))

    raw = b"session=\xff\xfe.garbage".decode("latin-1")
    environ = environ_for(app, "/session", HTTP_COOKIE=raw)
    rv = app.test_client(use_cookies=False).open(environ)
    assert (rv.status_code, rv.data) == (200, b"None")
    client.set_cookie("session", "not-a-valid-signature")
    assert client.get("/session").data == b"None"
    still_works(client)


def test_invalid_utf8_in_header(app, client):
    environ = environ_for(app, "/header", HTTP_X_BAD=b"\xff\xfe".decode("latin-1"))
    rv = client.open(environ)
    assert rv.status_code == 200
    # Header values are latin-1 text, as Werkzeug exposes them.
    assert rv.get_data(as_text=True) == "\xff\xfe"
    still_works(client)


def test_many_query_parameters_bounded_time(client):
    def distinct(n):
        return "/args?" + "&".join(f"k{i}=v{i}" for i in range(n))

    def same(n):
        return "/args?" + "&".join(["same=1"] * n)

    rv = client.get(distinct(100_000))
    assert rv.status_code == 200
    assert rv.json["n"] == 100_000
    assert_linear(client.get, distinct, 1_000)
    rv = client.get(same(100_000))
    assert rv.json["n"] == 100_000
    assert_linear(client.get, same, 1_000)
    still_works(client)


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("x" * 64, 400),  # a label longer than 63 characters cannot be IDNA-encoded
        ("x" * 300, 400),
        ("a..b", 400),  # empty label
        (".a", 400),
        ("x" * 63, 200),
        (("a" * 30 + ".") * 3 + "com", 200),  # long host, every label valid
        ("a.b:8080", 200),
    ],
)
def test_unencodable_host_is_400(client, host, status):
    # Same statuses as Flask 3.1 with Werkzeug 3.1 for these Host headers.
    rv = client.get("/ok", headers={"Host": host})
    assert rv.status_code == status
    still_works(client)


# -- responses ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["a\r\nSet-Cookie: evil=1", "a\nX-Evil: 1", "a\rb", "a\x00b"])
def test_crlf_in_header_value_is_500_without_injection(app, value):
    @app.get("/inject-tuple")
    def inject_tuple():
        return "x", {"X-Inj": value}

    @app.get("/inject-set")
    def inject_set():
        resp = erlen.Response("x")
        resp.headers["X-Inj"] = value
        return resp

    @app.get("/inject-redirect")
    def inject_redirect():
        return erlen.redirect("/ok" + value)

    for path in ("/inject-tuple", "/inject-set", "/inject-redirect"):
        started = []
        environ = environ_for(app, path)
        body = b"".join(
            app(
                environ,
                lambda status, headers, exc_info=None, out=started: out.append((status, headers)),
            )
        )
        ((status, headers),) = started
        if path == "/inject-redirect" and status.startswith("302"):
            # Location values are percent-encoded by the redirect helper.
            (location,) = [v for k, v in headers if k == "Location"]
            assert "\r" not in location
            assert "\n" not in location
            continue
        assert status == "500 INTERNAL SERVER ERROR"
        names = [k.lower() for k, _ in headers]
        assert "x-inj" not in names
        assert "set-cookie" not in names
        assert "x-evil" not in names
        for k, v in headers:
            assert "\r" not in k + v
            assert "\n" not in k + v
        assert b"evil" not in body
    still_works(app.test_client())


def test_header_name_with_newline_rejected(app, client):
    @app.get("/bad-name")
    def bad_name():
        return "x", {"X-A\r\nX-B": "1"}

    rv = client.get("/bad-name")
    assert rv.status_code == 500
    assert "X-B" not in rv.headers
    still_works(client)


def test_exception_inside_streamed_generator(app, client):
    torn_down = []
    app.teardown_request(torn_down.append)

    @app.get("/stream")
    def stream():
        def gen():
            yield "first "
            raise ValueError("mid-stream failure")

        return gen()

    # The response has started: the error cannot become a 500 page; it reaches the WSGI
    # server (here the test client) while the body is iterated.
    rv = client.get("/stream")
    assert rv.status_code == 200
    with pytest.raises(ValueError, match="mid-stream failure"):
        rv.get_data()
    rv.close()
    # The request itself had ended normally before the body was iterated.
    assert torn_down == [None]
    still_works(client)


def test_exception_inside_stream_with_context(app, client):
    torn_down = []
    app.teardown_request(lambda exc: torn_down.append(type(exc).__name__ if exc else None))

    @app.get("/stream")
    def stream():
        @erlen.stream_with_context
        def gen():
            yield erlen.request.path
            raise KeyError("ctx-stream")

        return gen()

    environ = environ_for(app, "/stream")
    started = []
    app_iter = app(environ, lambda s, h, e=None: started.append(s))
    assert started == ["200 OK"]
    it = iter(app_iter)
    assert next(it) == b"/stream"
    with pytest.raises(KeyError, match="ctx-stream"):
        next(it)
    app_iter.close()
    # The context pushed for the stream was popped, and teardown saw the error.
    assert erlen.has_request_context() is False
    assert torn_down[-1] == "KeyError"
    still_works(client)


def test_unclosed_stream_closed_by_server(app, client):
    closed = []

    @app.get("/stream")
    def stream():
        def gen():
            try:
                yield "a"
                yield "b"
            finally:
                closed.append(True)

        return erlen.stream_with_context(gen())

    environ = environ_for(app, "/stream")
    app_iter = app(environ, lambda s, h, e=None: None)
    it = iter(app_iter)
    assert next(it) == b"a"
    # The server gives up on the client mid-stream and closes the iterable.
    app_iter.close()
    assert closed == [True]
    assert erlen.has_request_context() is False
    still_works(client)


def test_unknown_method_is_405(client):
    rv = client.open("/ok", method="BREW")
    assert rv.status_code == 405
    assert sorted(rv.allow) == ["GET", "HEAD", "OPTIONS"]
    still_works(client)


def test_very_long_path_is_404(client):
    rv = client.get("/" + "a" * 100_000)
    assert rv.status_code == 404
    still_works(client)
