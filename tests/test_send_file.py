"""Tests for erlen._send_file (send_file / send_from_directory, Werkzeug semantics).

werkzeug.utils.send_file is imported inside some tests only, as an oracle.
"""

from __future__ import annotations

import io
import os
import pathlib
import time
from datetime import datetime, timezone

import pytest

from erlen._send_file import send_file, send_from_directory
from erlen.datastructures import Headers
from erlen.exceptions import NotFound, RequestedRangeNotSatisfiable
from erlen.http import parse_date
from erlen.wrappers.response import Response

CONTENT = b"0123456789abcdefghij" * 50  # 1000 bytes


def make_environ(method: str = "GET", **extra: str) -> dict:
    env = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "wsgi.url_scheme": "http",
    }
    env.update(extra)
    return env


def run(resp, environ=None):
    started: list = []

    def start_response(status, headers, exc_info=None):
        started[:] = [status, headers]

    app_iter = resp(environ or make_environ(), start_response)
    try:
        body = b"".join(app_iter)
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    return started[0], started[1], body


def hdict(headers):
    return {k.lower(): v for k, v in headers}


@pytest.fixture
def static(tmp_path):
    (tmp_path / "hello.txt").write_bytes(CONTENT)
    (tmp_path / "data.bin").write_bytes(b"\x00\x01\x02")
    (tmp_path / "archive.tar.gz").write_bytes(b"gz")
    (tmp_path / "page.html").write_bytes(b"<p>hi</p>")
    (tmp_path / "noext").write_bytes(b"?")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "nested.json").write_bytes(b"{}")
    (tmp_path / "hällo wörld.txt").write_bytes(b"umlaut")
    return tmp_path


def strip_volatile(headers):
    return sorted((k, v) for k, v in headers if k not in ("Date", "Expires"))


# ---------------------------------------------------------------------------
# paths


def test_send_path(static):
    path = static / "hello.txt"
    resp = send_file(str(path), make_environ())
    assert isinstance(resp, Response)
    assert resp.direct_passthrough
    status, headers, body = run(resp)
    h = hdict(headers)
    assert status == "200 OK"
    assert body == CONTENT
    assert h["content-type"] == "text/plain; charset=utf-8"
    assert h["content-length"] == "1000"
    assert h["content-disposition"] == "inline; filename=hello.txt"
    assert h["cache-control"] == "no-cache"
    assert h["accept-ranges"] == "bytes"
    assert resp.last_modified == datetime.fromtimestamp(int(path.stat().st_mtime), tz=timezone.utc)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"as_attachment": True},
        {"download_name": "report 2024.csv"},
        {"download_name": "Ünïcödé €.pdf", "as_attachment": True},
        {"download_name": "日本語.txt"},
        {"download_name": 'quote"back\\slash.txt'},
        {"mimetype": "application/x-custom"},
        {"etag": False},
        {"etag": "fixed-tag"},
        {"max_age": 3600},
        {"max_age": 0},
        {"last_modified": 1_600_000_000},
        {"last_modified": datetime(2021, 1, 1, tzinfo=timezone.utc)},
        {"conditional": False},
        {"use_x_sendfile": True},
    ],
)
def test_send_path_matches_werkzeug(static, kwargs):
    from werkzeug.utils import send_file as w_send_file

    path = str(static / "hello.txt")
    env = make_environ()
    ours = send_file(path, env, **kwargs)
    theirs = w_send_file(path, dict(env), **kwargs)
    o = run(ours, env)
    t = run(theirs, dict(env))
    assert o[0] == t[0]
    assert o[2] == t[2]
    assert strip_volatile(o[1]) == strip_volatile(t[1])
    if "max_age" in kwargs:
        # The same date, now + max_age, though the two responses are built at different
        # instants, which may lie on either side of a second's boundary.
        ours_expires, theirs_expires = hdict(o[1])["expires"], hdict(t[1])["expires"]
        assert ours_expires.endswith(" GMT") and theirs_expires.endswith(" GMT")
        apart = parse_date(ours_expires) - parse_date(theirs_expires)
        assert abs(apart.total_seconds()) <= 1


@pytest.mark.parametrize(
    "name", ["archive.tar.gz", "page.html", "data.bin", "noext", "hällo wörld.txt"]
)
def test_mimetype_guess_matches_werkzeug(static, name):
    from werkzeug.utils import send_file as w_send_file

    path = str(static / name)
    ours = send_file(path, make_environ())
    theirs = w_send_file(path, make_environ())
    assert strip_volatile(run(ours)[1]) == strip_volatile(run(theirs)[1])
    ours.close()
    theirs.close()


def test_compressed_encoding_only_inline(static):
    path = static / "archive.tar.gz"
    resp = send_file(path, make_environ())
    assert resp.mimetype == "application/x-tar"
    assert resp.headers["Content-Encoding"] == "gzip"
    resp.close()
    resp = send_file(path, make_environ(), as_attachment=True)
    assert "Content-Encoding" not in resp.headers
    assert resp.headers["Content-Disposition"] == "attachment; filename=archive.tar.gz"
    resp.close()


def test_unknown_extension_is_octet_stream(static):
    resp = send_file(static / "noext", make_environ())
    assert resp.mimetype == "application/octet-stream"
    resp.close()


def test_pathlike_and_root_path(static):
    resp = send_file(pathlib.Path(static / "sub" / "nested.json"), make_environ())
    assert resp.mimetype == "application/json"
    assert run(resp)[2] == b"{}"
    resp = send_file("sub/nested.json", make_environ(), _root_path=static)
    assert run(resp)[2] == b"{}"


def test_missing_path_raises(static):
    with pytest.raises(FileNotFoundError):
        send_file(static / "missing.txt", make_environ())


def test_etag_format_matches_werkzeug(static):
    from werkzeug.utils import send_file as w_send_file

    path = str(static / "hello.txt")
    ours = send_file(path, make_environ())
    theirs = w_send_file(path, make_environ())
    assert ours.headers["ETag"] == theirs.headers["ETag"]
    mtime = os.stat(path).st_mtime
    assert ours.get_etag()[0].startswith(f"{mtime}-1000-")
    ours.close()
    theirs.close()


def test_etag_with_undecodable_file_name(tmp_path):
    name = os.fsdecode(b"bad-\xff-name.txt")
    try:
        (tmp_path / name).write_bytes(b"x")
    except (OSError, UnicodeError):
        pytest.fail("file system cannot hold the test file name")
    resp = send_file(str(tmp_path / name), make_environ(), download_name="bad.txt")
    assert resp.get_etag()[0]
    assert run(resp)[2] == b"x"


def test_file_closed_after_response_closed(static):
    resp = send_file(static / "hello.txt", make_environ())
    file = resp.response.file
    assert not file.closed
    run(resp)
    assert file.closed


def test_head_request_empty_body_file_closed(static):
    env = make_environ("HEAD")
    resp = send_file(static / "hello.txt", env)
    file = resp.response.file
    status, headers, body = run(resp, env)
    assert body == b""
    assert hdict(headers)["content-length"] == "1000"
    assert file.closed


def test_wsgi_file_wrapper_used(static):
    class ServerWrapper:
        def __init__(self, file, block_size):
            self.file = file
            self.block_size = block_size

        def __iter__(self):
            return iter(lambda: self.file.read(self.block_size), b"")

        def close(self):
            self.file.close()

    env = make_environ(**{"wsgi.file_wrapper": ServerWrapper})
    resp = send_file(static / "hello.txt", env)
    assert isinstance(resp.response, ServerWrapper)
    assert resp.get_app_iter(env) is resp.response
    assert run(resp, env)[2] == CONTENT


# ---------------------------------------------------------------------------
# file objects


def test_send_bytesio():
    resp = send_file(io.BytesIO(b"abc"), make_environ(), download_name="x.txt")
    status, headers, body = run(resp)
    h = hdict(headers)
    assert body == b"abc"
    assert h["content-length"] == "3"
    assert h["content-type"] == "text/plain; charset=utf-8"
    assert "etag" not in h
    assert "last-modified" not in h


def test_bytesio_with_mimetype_and_no_name():
    resp = send_file(io.BytesIO(b"abc"), make_environ(), mimetype="image/png")
    assert resp.mimetype == "image/png"
    assert "Content-Disposition" not in resp.headers
    assert run(resp)[2] == b"abc"


def test_bytesio_stays_usable_after_size_check():
    buf = io.BytesIO(b"abc")
    resp = send_file(buf, make_environ(), mimetype="text/plain")
    assert resp.content_length == 3
    buf.seek(0, io.SEEK_END)
    buf.write(b"d")  # a leaked buffer export would make this raise BufferError
    resp.close()


def test_file_object_without_name_or_mimetype():
    with pytest.raises(TypeError, match="Unable to detect the MIME type"):
        send_file(io.BytesIO(b"abc"), make_environ())


def test_attachment_without_name():
    with pytest.raises(TypeError, match="No name provided for attachment"):
        send_file(io.BytesIO(b"abc"), make_environ(), mimetype="text/plain", as_attachment=True)


def test_text_file_rejected():
    with pytest.raises(ValueError, match="binary mode"):
        send_file(io.StringIO("abc"), make_environ(), mimetype="text/plain")


def test_real_binary_file_object(static):
    f = open(static / "hello.txt", "rb")  # noqa: SIM115
    resp = send_file(f, make_environ(), download_name="hello.txt")
    assert resp.content_length is None
    status, headers, body = run(resp)
    assert body == CONTENT
    assert f.closed


def test_bytesio_matches_werkzeug():
    from werkzeug.utils import send_file as w_send_file

    for kwargs in [
        {"download_name": "a.txt"},
        {"mimetype": "application/pdf"},
        {"download_name": "é.bin", "as_attachment": True, "max_age": 10},
    ]:
        ours = send_file(io.BytesIO(b"abc"), make_environ(), **kwargs)
        theirs = w_send_file(io.BytesIO(b"abc"), make_environ(), **kwargs)
        o, t = run(ours), run(theirs)
        assert (o[0], o[2]) == (t[0], t[2])
        assert strip_volatile(o[1]) == strip_volatile(t[1])


# ---------------------------------------------------------------------------
# Content-Disposition


def test_unicode_download_name():
    resp = send_file(
        io.BytesIO(b""), make_environ(), download_name="Ñandú €.txt", as_attachment=True
    )
    assert resp.headers["Content-Disposition"] == (
        "attachment; filename=\"Nandu .txt\"; filename*=UTF-8''%C3%91and%C3%BA%20%E2%82%AC.txt"
    )


def test_download_name_with_spaces_and_quotes():
    resp = send_file(io.BytesIO(b""), make_environ(), download_name='my "file".txt')
    assert resp.headers["Content-Disposition"] == r'inline; filename="my \"file\".txt"'


@pytest.mark.parametrize("name", ["evil\r\nSet-Cookie: a=b.txt", "tab\there.txt", "nul\x00.txt"])
def test_download_name_with_controls_is_encoded_not_injected(name):
    resp = send_file(io.BytesIO(b"x"), make_environ(), download_name=name, as_attachment=True)
    value = resp.headers["Content-Disposition"]
    assert "\r" not in value and "\n" not in value and "\x00" not in value
    assert "filename*=UTF-8''" in value
    assert len(resp.headers.getlist("Set-Cookie")) == 0
    assert run(resp)[2] == b"x"


# ---------------------------------------------------------------------------
# caching


def test_max_age_int(static):
    before = time.time()
    resp = send_file(static / "hello.txt", make_environ(), max_age=60)
    assert resp.headers["Cache-Control"] == "public, max-age=60"
    expires = resp.expires.timestamp()
    assert before + 59 <= expires <= time.time() + 61
    resp.close()


def test_max_age_callable(static):
    seen = []

    def get_max_age(path):
        seen.append(path)
        return 5

    resp = send_file(static / "hello.txt", make_environ(), max_age=get_max_age)
    assert seen == [str(static / "hello.txt")]
    assert resp.cache_control.max_age == 5
    assert resp.cache_control.public
    resp.close()
    resp = send_file(
        io.BytesIO(b"x"),
        make_environ(),
        mimetype="text/plain",
        max_age=lambda p: None if p is None else 1,
    )
    assert resp.headers["Cache-Control"] == "no-cache"
    assert "Expires" not in resp.headers


def test_max_age_zero_keeps_no_cache(static):
    resp = send_file(static / "hello.txt", make_environ(), max_age=0)
    assert resp.headers["Cache-Control"] == "no-cache, max-age=0"
    resp.close()


def test_custom_etag_and_disabled(static):
    resp = send_file(static / "hello.txt", make_environ(), etag="v1")
    assert resp.headers["ETag"] == '"v1"'
    resp.close()
    resp = send_file(static / "hello.txt", make_environ(), etag=False)
    assert "ETag" not in resp.headers
    resp.close()


def test_last_modified_override(static):
    when = datetime(2022, 2, 2, tzinfo=timezone.utc)
    resp = send_file(static / "hello.txt", make_environ(), last_modified=when)
    assert resp.last_modified == when
    resp.close()


# ---------------------------------------------------------------------------
# conditional and range requests


def test_if_none_match_304(static):
    first = send_file(static / "hello.txt", make_environ())
    etag = first.headers["ETag"]
    first.close()
    env = make_environ(HTTP_IF_NONE_MATCH=etag)
    resp = send_file(static / "hello.txt", env)
    file = resp.response.file
    status, headers, body = run(resp, env)
    assert status == "304 NOT MODIFIED"
    assert body == b""
    assert "content-length" not in hdict(headers)
    assert file.closed


def test_if_modified_since_304(static):
    path = static / "hello.txt"
    stamp = datetime.fromtimestamp(path.stat().st_mtime + 10, tz=timezone.utc)
    env = make_environ(HTTP_IF_MODIFIED_SINCE=stamp.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    resp = send_file(path, env, etag=False)
    assert resp.status_code == 304
    resp.close()


def test_conditional_disabled(static):
    env = make_environ(HTTP_RANGE="bytes=0-1", HTTP_IF_NONE_MATCH="*")
    resp = send_file(static / "hello.txt", env, conditional=False)
    status, headers, body = run(resp, env)
    assert status == "200 OK"
    assert body == CONTENT
    assert "accept-ranges" not in hdict(headers)


@pytest.mark.parametrize(
    ("rng", "start", "stop"),
    [
        ("bytes=0-9", 0, 10),
        ("bytes=990-", 990, 1000),
        ("bytes=-5", 995, 1000),
        ("bytes=100-199", 100, 200),
        ("bytes=500-5000", 500, 1000),
    ],
)
def test_range_from_path(static, rng, start, stop):
    env = make_environ(HTTP_RANGE=rng)
    resp = send_file(static / "hello.txt", env)
    status, headers, body = run(resp, env)
    h = hdict(headers)
    assert status == "206 PARTIAL CONTENT"
    assert body == CONTENT[start:stop]
    assert h["content-length"] == str(stop - start)
    assert h["content-range"] == f"bytes {start}-{stop - 1}/1000"


def test_range_from_bytesio():
    env = make_environ(HTTP_RANGE="bytes=1-2")
    resp = send_file(io.BytesIO(b"abcdef"), env, mimetype="text/plain")
    assert run(resp, env)[2] == b"bc"


def test_range_on_head(static):
    env = make_environ("HEAD", HTTP_RANGE="bytes=0-9")
    resp = send_file(static / "hello.txt", env)
    status, headers, body = run(resp, env)
    assert status.startswith("206")
    assert body == b""
    assert hdict(headers)["content-length"] == "10"


@pytest.mark.parametrize("rng", ["bytes=1000-", "bytes=5-1", "bytes=x", "bytes=0-1,5-6"])
def test_range_unsatisfiable_closes_file(rng):
    buf = io.BytesIO(CONTENT)
    with pytest.raises(RequestedRangeNotSatisfiable) as info:
        send_file(buf, make_environ(HTTP_RANGE=rng), mimetype="text/plain")
    assert info.value.length == 1000
    assert buf.closed


def test_if_range_etag(static):
    first = send_file(static / "hello.txt", make_environ())
    etag = first.headers["ETag"]
    first.close()
    env = make_environ(HTTP_RANGE="bytes=0-3", HTTP_IF_RANGE=etag)
    resp = send_file(static / "hello.txt", env)
    assert run(resp, env)[2] == CONTENT[:4]
    env = make_environ(HTTP_RANGE="bytes=0-3", HTTP_IF_RANGE='"stale"')
    resp = send_file(static / "hello.txt", env)
    status, headers, body = run(resp, env)
    assert status == "200 OK"
    assert body == CONTENT


def test_range_matches_werkzeug(static):
    from werkzeug.exceptions import RequestedRangeNotSatisfiable as WRange
    from werkzeug.utils import send_file as w_send_file

    path = str(static / "hello.txt")
    for rng in ["bytes=0-0", "bytes=999-999", "bytes=-1000", "bytes=-2000", "bytes=1000-1000"]:
        env = make_environ(HTTP_RANGE=rng)
        try:
            theirs = run(w_send_file(path, dict(env)), dict(env))
        except WRange:
            with pytest.raises(RequestedRangeNotSatisfiable):
                send_file(path, env)
            continue
        ours = run(send_file(path, env), env)
        assert ours[0] == theirs[0]
        assert ours[2] == theirs[2]
        assert strip_volatile(ours[1]) == strip_volatile(theirs[1])


# ---------------------------------------------------------------------------
# X-Sendfile


def test_x_sendfile(static):
    path = str(static / "hello.txt")
    resp = send_file(path, make_environ(), use_x_sendfile=True)
    status, headers, body = run(resp)
    h = hdict(headers)
    assert h["x-sendfile"] == path
    assert h["content-length"] == "1000"
    assert body == b""


def test_x_sendfile_removed_on_304(static):
    path = str(static / "hello.txt")
    etag = send_file(path, make_environ(), use_x_sendfile=True).headers["ETag"]
    resp = send_file(path, make_environ(HTTP_IF_NONE_MATCH=etag), use_x_sendfile=True)
    assert resp.status_code == 304
    assert "X-Sendfile" not in resp.headers


def test_x_sendfile_ignored_for_file_objects():
    resp = send_file(io.BytesIO(b"abc"), make_environ(), mimetype="text/plain", use_x_sendfile=True)
    assert "X-Sendfile" not in resp.headers
    assert run(resp)[2] == b"abc"


def test_custom_response_class(static):
    class MyResponse(Response):
        default_mimetype = "text/html"

    resp = send_file(static / "data.bin", make_environ(), response_class=MyResponse)
    assert type(resp) is MyResponse
    assert resp.mimetype == "application/octet-stream"
    assert run(resp)[2] == b"\x00\x01\x02"


# ---------------------------------------------------------------------------
# send_from_directory


def test_send_from_directory(static):
    resp = send_from_directory(static, "hello.txt", make_environ())
    assert run(resp)[2] == CONTENT
    resp = send_from_directory(str(static), "sub/nested.json", make_environ())
    assert run(resp)[2] == b"{}"
    resp = send_from_directory(static, pathlib.PurePosixPath("sub/nested.json"), make_environ())
    assert run(resp)[2] == b"{}"


def test_send_from_directory_passes_kwargs(static):
    resp = send_from_directory(
        static, "hello.txt", make_environ(), as_attachment=True, download_name="x.txt", max_age=7
    )
    assert resp.headers["Content-Disposition"] == "attachment; filename=x.txt"
    assert resp.cache_control.max_age == 7
    resp.close()


def test_send_from_directory_root_path(static):
    resp = send_from_directory("sub", "nested.json", make_environ(), _root_path=static)
    assert run(resp)[2] == b"{}"


@pytest.mark.parametrize(
    "path",
    [
        "../secret.txt",
        "sub/../../secret.txt",
        "..",
        "/etc/passwd",
        "//etc/passwd",
        "hello.txt\x00.png",
        "\x00",
        "sub\\..\\..\\secret.txt",
        "missing.txt",
        "sub",
        "",
        ".",
        "sub/",
        "a" * 5000,
        "hello.txt/",
    ],
)
def test_send_from_directory_not_found(static, path):
    (static.parent / "secret.txt").write_bytes(b"secret")
    with pytest.raises(NotFound) as info:
        send_from_directory(static / "sub", path, make_environ())
    assert info.value.code == 404


def test_send_from_directory_traversal_to_existing_file(static):
    # hello.txt exists one level up from sub/, but must not be reachable.
    with pytest.raises(NotFound):
        send_from_directory(static / "sub", "../hello.txt", make_environ())
    with pytest.raises(NotFound):
        send_from_directory(static / "sub", str(static / "hello.txt"), make_environ())


def test_utils_reexports():
    import erlen.utils

    assert erlen.utils.send_file is send_file
    assert erlen.utils.send_from_directory is send_from_directory


# Found by fuzzing (issue 9): RFC 9110 13.2.2 evaluates If-None-Match before Range.


@pytest.mark.parametrize(("if_none_match", "status"), [('"v1"', 304), ('"v0"', 206)])
def test_range_with_if_none_match(if_none_match: str, status: int) -> None:
    response = Response(CONTENT)
    response.set_etag("v1")
    environ = make_environ(HTTP_RANGE="bytes=0-9", HTTP_IF_NONE_MATCH=if_none_match)
    response.make_conditional(environ, accept_ranges=True, complete_length=len(CONTENT))
    assert response.status_code == status
    assert ("Content-Range" in response.headers) == (status == 206)


def test_send_file_range_and_matching_etag_through_an_app(tmp_path: pathlib.Path) -> None:
    import erlen

    path = tmp_path / "data.bin"
    path.write_bytes(CONTENT)
    app = erlen.Flask(__name__, root_path=str(tmp_path))
    app.get("/f")(lambda: erlen.send_file(str(path)))
    client = app.test_client()

    def get(headers: dict[str, str]) -> tuple[int, bytes, Headers]:
        with client.get("/f", headers=headers) as response:
            return response.status_code, response.data, response.headers

    _, _, headers = get({})
    status, data, _ = get({"Range": "bytes=0-9", "If-None-Match": headers["ETag"]})
    assert status == 304
    assert get({"Range": "bytes=0-9", "If-None-Match": '"other"'})[:2] == (206, CONTENT[:10])
    since = {"Range": "bytes=0-9", "If-Modified-Since": headers["Last-Modified"]}
    assert get(since)[0] == 304
