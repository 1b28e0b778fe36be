"""The body of a request made with ``Request.from_asgi``: ``get_data``, ``get_json``, ``form``,
``files``, ``stream`` and the body's header attributes read the received body and the scope's
headers without building the environ, and give what a WSGI request made from the environ
built from the same scope gives, limits and errors included."""

from __future__ import annotations

import json
import tempfile
import typing as t
from io import BytesIO

import pytest

from erlen.asgi.environ import environ_from_scope
from erlen.asgi.http import _CutBody
from erlen.wrappers.request import Request

BOUNDARY = "b0undary"


def multipart(*parts: tuple[str, str | None, bytes]) -> bytes:
    """A multipart/form-data body of (name, filename, content) parts."""
    out = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename is not None:
            out += b"Content-Type: text/plain\r\n"
        out += b"\r\n" + content + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
JSON_BODY = json.dumps({"a": [1, 2], "b": "\u00e9"}).encode()
FORM_BODY = b"name=Ada+Lovelace&x=1&x=2&e=%C3%A9"
FILE_BODY = multipart(("name", None, b"Ada"), ("f", "a.txt", b"file content" * 10))

# name: (content type, body, declared length (None: chunked), limits)
CASES: dict[str, tuple[str | None, bytes, bool, dict[str, int]]] = {
    "json": ("application/json", JSON_BODY, True, {}),
    "json with charset": ("application/json; charset=utf-8", JSON_BODY, True, {}),
    "json+suffix": ("application/vnd.api+json", JSON_BODY, True, {}),
    "invalid json": ("application/json", b"{nope", True, {}),
    "json chunked": ("application/json", JSON_BODY, False, {}),
    "not json": ("text/plain", JSON_BODY, True, {}),
    "no content type": (None, b"raw bytes", True, {}),
    "empty body": ("application/json", b"", True, {}),
    "url-encoded": ("application/x-www-form-urlencoded", FORM_BODY, True, {}),
    "url-encoded chunked": ("application/x-www-form-urlencoded", FORM_BODY, False, {}),
    "multipart": (MULTIPART, FILE_BODY, True, {}),
    "multipart chunked": (MULTIPART, FILE_BODY, False, {}),
    "over max_content_length": ("application/json", JSON_BODY, True, {"max_content_length": 5}),
    "chunked over max_content_length": (
        "application/json",
        JSON_BODY,
        False,
        {"max_content_length": 5},
    ),
    "at max_content_length": (
        "application/json",
        JSON_BODY,
        True,
        {"max_content_length": len(JSON_BODY)},
    ),
    "over max_form_memory_size": (
        "application/x-www-form-urlencoded",
        FORM_BODY,
        True,
        {"max_form_memory_size": 10},
    ),
    "multipart over max_form_memory_size": (
        MULTIPART,
        FILE_BODY,
        True,
        {"max_form_memory_size": 2},
    ),
    "over max_form_parts": (
        "application/x-www-form-urlencoded",
        FORM_BODY,
        True,
        {"max_form_parts": 2},
    ),
    "multipart over max_form_parts": (MULTIPART, FILE_BODY, True, {"max_form_parts": 1}),
}

# Reads, in order, each giving a value or the error it raised.
PLANS: dict[str, tuple[str, ...]] = {
    "json": ("get_json", "get_json", "get_data"),
    "json silent": ("get_json_silent", "get_data_text"),
    "json forced": ("get_json_force",),
    "data twice": ("get_data", "get_data", "form", "stream"),
    "data uncached": ("get_data_uncached", "get_data", "stream"),
    "form": ("form", "files", "data", "get_data", "stream"),
    "data then form": ("data", "form", "files"),
    "values": ("values", "form"),
    "stream": ("stream", "get_data", "form"),
    "stream in pieces": ("stream_3", "stream_3", "stream", "get_data"),
    "headers": ("content_type", "mimetype", "mimetype_params", "content_length", "is_json"),
}


def observe(request: Request, step: str) -> t.Any:
    try:
        if step == "get_json":
            return request.get_json()
        if step == "get_json_silent":
            return request.get_json(silent=True)
        if step == "get_json_force":
            return request.get_json(force=True)
        if step == "get_data":
            return request.get_data()
        if step == "get_data_text":
            return request.get_data(as_text=True)
        if step == "get_data_uncached":
            return request.get_data(cache=False)
        if step in ("form", "values"):
            return list(getattr(request, step).items(multi=True))
        if step == "files":
            return [
                (k, f.filename, f.content_type, f.read())
                for k, f in request.files.items(multi=True)
            ]
        if step == "stream":
            return request.stream.read()
        if step == "stream_3":
            return request.stream.read(3)
        return getattr(request, step)
    except Exception as e:  # noqa: BLE001 - what was raised is what is compared
        return type(e).__name__, getattr(e, "code", None)


def make_scope(content_type: str | None, body: bytes, declared: bool) -> dict[str, t.Any]:
    headers = [(b"host", b"example.com")]
    if content_type is not None:
        headers.append((b"content-type", content_type.encode()))
    if declared:
        headers.append((b"content-length", str(len(body)).encode()))
    else:
        headers.append((b"transfer-encoding", b"chunked"))
    return {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/",
        "query_string": b"q=1",
        "root_path": "",
        "headers": headers,
        "client": ("10.0.0.1", 5000),
        "server": ("example.com", 80),
    }


def pair(
    case: str, received: bytes | t.IO[bytes] | None = None
) -> tuple[Request, Request, dict[str, t.Any]]:
    """An ASGI request for the case (its body as received: bytes unless given) and its
    WSGI twin over the environ built from the same scope with the whole body."""
    content_type, body, declared, limits = CASES[case]
    s = make_scope(content_type, body, declared)
    asgi = Request.from_asgi(s)
    asgi._set_asgi_body(body if received is None else received)
    wsgi = Request(environ_from_scope(s, body), populate_request=False)
    for request in (asgi, wsgi):
        for name, value in limits.items():
            setattr(request, name, value)
    return asgi, wsgi, s


@pytest.mark.parametrize("plan", list(PLANS))
@pytest.mark.parametrize("case", list(CASES))
def test_body_reads_equal_those_of_the_environ(case: str, plan: str) -> None:
    asgi, wsgi, _ = pair(case)
    for step in PLANS[plan]:
        assert observe(asgi, step) == observe(wsgi, step), step
    assert "environ" not in asgi.__dict__
    # The environ, built now, is where the WSGI one is: its input after what was read.
    assert asgi.environ["wsgi.input"].read() == wsgi.environ["wsgi.input"].read()
    assert (
        asgi.environ["CONTENT_TYPE" if CASES[case][0] else "HTTP_HOST"]
        == wsgi.environ["CONTENT_TYPE" if CASES[case][0] else "HTTP_HOST"]
    )
    asgi.close()
    wsgi.close()


@pytest.mark.parametrize("plan", ["json", "form", "stream in pieces", "data twice"])
@pytest.mark.parametrize("case", ["json", "url-encoded", "multipart", "json chunked"])
def test_a_body_spooled_to_a_file_reads_the_same(case: str, plan: str) -> None:
    body = CASES[case][1]
    spooled = tempfile.SpooledTemporaryFile(max_size=10)  # noqa: SIM115
    spooled.write(body)
    spooled.seek(0)
    asgi, wsgi, _ = pair(case, spooled)
    for step in PLANS[plan]:
        assert observe(asgi, step) == observe(wsgi, step), step
    assert "environ" not in asgi.__dict__
    assert asgi.environ["wsgi.input"] is spooled
    assert spooled.read() == wsgi.environ["wsgi.input"].read()
    asgi.close()
    wsgi.close()
    spooled.close()


@pytest.mark.parametrize("plan", list(PLANS))
@pytest.mark.parametrize("declared", [True, False])
def test_a_cut_body_is_413_past_what_was_received(plan: str, declared: bool) -> None:
    # Received up to a limit of 5 (as the adapter receives it), against the WSGI request
    # with the whole body and the same limit.
    case = "over max_content_length" if declared else "chunked over max_content_length"
    body = CASES[case][1]
    received = BytesIO()
    received.write(body[:6])
    asgi, wsgi, _ = pair(case, t.cast("t.IO[bytes]", _CutBody(received)))
    seen = [observe(asgi, step) for step in PLANS[plan]]
    assert seen == [observe(wsgi, step) for step in PLANS[plan]]
    if any(step.startswith(("get_", "stream", "data")) for step in PLANS[plan]):
        assert ("RequestEntityTooLarge", 413) in seen
    assert "environ" not in asgi.__dict__
    asgi.close()
    wsgi.close()


def test_reading_after_the_environ_was_built_reads_its_input() -> None:
    asgi, wsgi, _ = pair("json")
    env = asgi.environ
    assert env["wsgi.input"].read(2) == b'{"'
    env["wsgi.input"].seek(0)
    env["CONTENT_TYPE"] = "text/plain"  # read from the environ now, as under WSGI
    wsgi.environ["CONTENT_TYPE"] = "text/plain"
    assert observe(asgi, "get_json") == observe(wsgi, "get_json") == ("UnsupportedMediaType", 415)
    assert asgi.get_data() == wsgi.get_data() == JSON_BODY
    assert env["wsgi.input"].read() == b""


def test_headers_read_before_share_the_keys_with_the_body_attributes() -> None:
    asgi, _, s = pair("url-encoded")
    headers = asgi.headers
    assert asgi.content_type == headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "environ" not in asgi.__dict__
    env = asgi.environ
    assert headers.environ is env
    env["CONTENT_TYPE"] = "text/plain"
    assert headers["Content-Type"] == asgi.content_type == asgi.mimetype == "text/plain"


def test_the_environ_keys_of_the_test_extension_are_read() -> None:
    s = make_scope(None, b"x=1", True)
    s["extensions"] = {"erlen.environ": {"CONTENT_TYPE": "application/x-www-form-urlencoded"}}
    request = Request.from_asgi(s)
    request._set_asgi_body(b"x=1")
    assert request.form["x"] == "1"
    assert request.environ["CONTENT_TYPE"] == "application/x-www-form-urlencoded"


def test_a_streamed_body_view_has_no_sync_body() -> None:
    async def receive() -> dict[str, t.Any]:
        return {"type": "http.request", "body": b"x=1", "more_body": False}

    content_type = "application/x-www-form-urlencoded"
    request = Request.from_asgi(make_scope(content_type, b"x=1", True), receive=receive)
    for step in ("get_data", "get_json_force", "form", "stream"):
        assert observe(request, step) == ("RuntimeError", None)
    assert request.content_type == content_type
    assert "environ" not in request.__dict__


def test_shallow_forbids_reading_as_under_wsgi() -> None:
    asgi, wsgi, _ = pair("json")
    asgi.shallow = wsgi.shallow = True
    for step in ("stream", "get_data", "form"):
        assert observe(asgi, step) == observe(wsgi, step) == ("RuntimeError", None)


# -- through the app, on both interfaces ---------------------------------------------------


@pytest.fixture
def body_app(app):
    """An app whose views read the body and say whether that built the environ."""
    from erlen import request

    def built() -> bool:
        return "environ" in request.__dict__

    @app.post("/json")
    def read_json():
        return {"json": request.get_json(), "again": request.json, "built": built()}

    @app.post("/form")
    async def read_form():
        files = {k: [f.filename, f.read().decode()] for k, f in request.files.items()}
        return {"form": request.form.to_dict(flat=False), "files": files, "built": built()}

    @app.post("/data")
    def read_data():
        return {
            "data": request.get_data(as_text=True),
            "stream": request.stream.read().decode(),
            "mimetype": request.mimetype,
            "params": request.mimetype_params,
            "length": request.content_length,
            "built": built(),
        }

    @app.post("/environ")
    def read_environ():
        data = request.get_data()
        return {"data": data.decode(), "rest": request.environ["wsgi.input"].read().decode()}

    @app.errorhandler(413)
    def too_large(e):
        return {"error": 413, "built": built()}, 413

    return app


def test_json_body_through_the_app(body_app, interface):
    client = body_app.test_client()
    rv = client.post("/json", json={"a": [1, "\u00e9"]})
    assert rv.json == {
        "json": {"a": [1, "\u00e9"]},
        "again": {"a": [1, "\u00e9"]},
        "built": interface == "wsgi",
    }
    rv = client.post("/json", data="{nope", content_type="application/json")
    assert rv.status_code == 400
    rv = client.post("/json", data="{}", content_type="text/plain")
    assert rv.status_code == 415


def test_form_bodies_through_the_app(body_app, interface):
    client = body_app.test_client()
    rv = client.post("/form", data={"name": "Ada", "x": ["1", "2"]})
    assert rv.json == {
        "form": {"name": ["Ada"], "x": ["1", "2"]},
        "files": {},
        "built": interface == "wsgi",
    }
    rv = client.post("/form", data={"name": "Ada", "f": (BytesIO(b"content"), "a.txt")})
    assert rv.json == {
        "form": {"name": ["Ada"]},
        "files": {"f": ["a.txt", "content"]},
        "built": interface == "wsgi",
    }


def test_raw_body_and_its_headers_through_the_app(body_app, interface):
    client = body_app.test_client()
    rv = client.post("/data", data=b"hello", content_type="text/plain; charset=utf-8")
    assert rv.json == {
        "data": "hello",
        "stream": "",
        "mimetype": "text/plain",
        "params": {"charset": "utf-8"},
        "length": 5,
        "built": interface == "wsgi",
    }
    # The environ built after the body was read has its input at the end of the body.
    assert client.post("/environ", data=b"abc").json == {"data": "abc", "rest": ""}


@pytest.mark.parametrize(
    ("config", "path", "kwargs"),
    [
        ({"MAX_CONTENT_LENGTH": 10}, "/json", {"json": {"a": "x" * 20}}),
        ({"MAX_CONTENT_LENGTH": 10}, "/form", {"data": {"a": "x" * 20}}),
        ({"MAX_FORM_MEMORY_SIZE": 10}, "/form", {"data": {"a": "x" * 20}}),
        # (As in Werkzeug, MAX_FORM_PARTS limits multipart parts only.)
        ({"MAX_FORM_PARTS": 2}, "/form", {"data": {"a": "1", "b": "2", "c": "3"}}),
    ],
)
def test_body_limits_through_the_app(body_app, interface, config, path, kwargs):
    body_app.config.update(config)
    if "MAX_FORM_PARTS" in config:
        kwargs = {**kwargs, "content_type": "multipart/form-data"}
    rv = body_app.test_client().post(path, **kwargs)
    assert (rv.status_code, rv.json) == (413, {"error": 413, "built": interface == "wsgi"})
