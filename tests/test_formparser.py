"""Tests for erlen.formparser: url-encoded and multipart parsing, limits and hostile input."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import pytest
from _timing import assert_linear

from erlen.datastructures import FileStorage, ImmutableMultiDict, MultiDict
from erlen.exceptions import RequestEntityTooLarge
from erlen.formparser import (
    FormDataParser,
    MultiPartParser,
    default_stream_factory,
    parse_form_data,
)

BOUNDARY = "----erlenboundary42"


def make_environ(
    body: bytes = b"",
    content_type: str | None = None,
    content_length: int | str | None = "auto",
    **extra: object,
) -> dict[str, object]:
    environ: dict[str, object] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
    }
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    if content_length == "auto":
        environ["CONTENT_LENGTH"] = str(len(body))
    elif content_length is not None:
        environ["CONTENT_LENGTH"] = str(content_length)
    environ.update(extra)
    return environ


def part(
    name: str, data: bytes, filename: str | None = None, content_type: str | None = None
) -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
        disposition += f'; filename="{quoted}"'
    head = f"Content-Disposition: {disposition}\r\n"
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    return f"--{BOUNDARY}\r\n{head}\r\n".encode() + data + b"\r\n"


def multipart(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


MP_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


_opened: list[MultiDict] = []


@pytest.fixture(autouse=True)
def _close_uploads():  # type: ignore[no-untyped-def]
    """Close every parsed upload (unclosed spooled files warn, and warnings are errors)."""
    yield
    while _opened:
        for upload in _opened.pop().values():
            upload.close()


def track(result: tuple[object, MultiDict, MultiDict]) -> tuple[object, MultiDict, MultiDict]:
    _opened.append(result[2])
    return result


def parse_multipart(body: bytes, **kwargs: object) -> tuple[object, MultiDict, MultiDict]:
    return track(parse_form_data(make_environ(body, MP_TYPE), **kwargs))  # type: ignore[arg-type]


class ExplodingStream(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body must not be read")


class TerminatedStream:
    """A chunked body whose end the server marks (``wsgi.input_terminated``)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)


# default_stream_factory


def test_default_stream_factory_spools() -> None:
    stream = default_stream_factory(None, "text/plain", "../../etc/passwd")
    assert isinstance(stream, tempfile.SpooledTemporaryFile)
    stream.write(b"x" * 1000)
    assert not stream._rolled  # type: ignore[attr-defined]
    stream.write(b"x" * 600 * 1024)
    assert stream._rolled  # type: ignore[attr-defined]
    stream.seek(0)
    assert len(stream.read()) == 1000 + 600 * 1024
    stream.close()


def test_default_stream_factory_without_spooled_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("erlen.formparser.SpooledTemporaryFile", None)
    small = default_stream_factory(100, "text/plain", "a.txt")
    assert isinstance(small, io.BytesIO)
    with default_stream_factory(None, "text/plain", "a.txt") as big:
        big.write(b"x" * 10)
        big.seek(0)
        assert big.read() == b"x" * 10
        assert not isinstance(big, io.BytesIO)
    body = multipart(part("f", b"a,b\n" * 10, "f.csv"))
    upload = parse_form_data(make_environ(body, MP_TYPE))[2]["f"]
    assert upload.read() == b"a,b\n" * 10
    upload.close()


# url-encoded


def test_urlencoded() -> None:
    body = b"a=1&b=2&a=3&empty=&flag&sp=a+b&enc=%C3%A9%26"
    stream, form, files = parse_form_data(make_environ(body, "application/x-www-form-urlencoded"))
    assert form.getlist("a") == ["1", "3"]
    assert form["b"] == "2"
    assert form["empty"] == ""
    assert form["flag"] == ""
    assert form["sp"] == "a b"
    assert form["enc"] == "é&"
    assert isinstance(form, MultiDict)
    assert not files
    assert stream.read() == b""


def test_urlencoded_content_type_params_and_case() -> None:
    env = make_environ(b"a=1", "Application/X-WWW-Form-Urlencoded; charset=utf-8")
    assert parse_form_data(env)[1]["a"] == "1"


def test_urlencoded_custom_cls() -> None:
    env = make_environ(b"a=1", "application/x-www-form-urlencoded")
    form = parse_form_data(env, cls=ImmutableMultiDict)[1]
    assert isinstance(form, ImmutableMultiDict)
    with pytest.raises(TypeError):
        form["b"] = "2"  # type: ignore[index]


def test_urlencoded_invalid_percent_escape_is_replaced() -> None:
    env = make_environ(b"a=%ff&b=%C3%A9", "application/x-www-form-urlencoded")
    form = parse_form_data(env)[1]
    assert form["a"] == "\ufffd"
    assert form["b"] == "\u00e9"


def test_urlencoded_raw_invalid_utf8_is_a_malformed_body() -> None:
    # As in Werkzeug: an empty form, or ValueError when not silent.
    body = b"a=1&b=\xff\xfe"
    form = parse_form_data(make_environ(body, "application/x-www-form-urlencoded"))[1]
    assert not form
    with pytest.raises(ValueError):
        parse_form_data(make_environ(body, "application/x-www-form-urlencoded"), silent=False)


def test_urlencoded_max_form_memory_size_by_content_length_without_reading() -> None:
    env = make_environ(b"", "application/x-www-form-urlencoded", content_length=101)
    env["wsgi.input"] = ExplodingStream()
    with pytest.raises(RequestEntityTooLarge):
        parse_form_data(env, max_form_memory_size=100)


def test_urlencoded_max_form_memory_size_chunked() -> None:
    env = make_environ(
        b"",
        "application/x-www-form-urlencoded",
        content_length=None,
        **{"wsgi.input_terminated": True},
    )
    env["wsgi.input"] = TerminatedStream(b"a=" + b"x" * 200)
    with pytest.raises(RequestEntityTooLarge):
        parse_form_data(env, max_form_memory_size=100)
    env["wsgi.input"] = TerminatedStream(b"a=" + b"x" * 98)
    assert parse_form_data(env, max_form_memory_size=100)[1]["a"] == "x" * 98


def test_urlencoded_is_not_limited_by_max_form_parts() -> None:
    # Werkzeug limits only multipart parts; the size of a url-encoded body is bounded by
    # max_form_memory_size instead.
    body = "&".join(f"k{i}=v" for i in range(1001)).encode()
    form = parse_form_data(
        make_environ(body, "application/x-www-form-urlencoded"), max_form_parts=1000
    )[1]
    assert len(form) == 1001
    # Empty segments are not fields.
    body = b"a=1" + b"&" * 5000
    form = parse_form_data(make_environ(body, "application/x-www-form-urlencoded"))[1]
    assert list(form.items()) == [("a", "1")]


def test_max_content_length_rejects_without_reading() -> None:
    env = make_environ(b"", "application/x-www-form-urlencoded", content_length=1000)
    env["wsgi.input"] = ExplodingStream()
    with pytest.raises(RequestEntityTooLarge):
        parse_form_data(env, max_content_length=999)


def test_unknown_mimetype_leaves_stream_unread() -> None:
    env = make_environ(b"raw data", "text/plain")
    stream, form, files = parse_form_data(env)
    assert not form and not files
    assert stream.read() == b"raw data"


def test_no_content_type() -> None:
    stream, form, files = parse_form_data(make_environ(b"a=1"))
    assert not form and not files
    assert stream.read() == b"a=1"


def test_parse_with_options_none() -> None:
    parser = FormDataParser()
    stream, form, files = parser.parse(io.BytesIO(b"x=1"), "application/x-www-form-urlencoded", 3)
    assert form["x"] == "1"
    # multipart without options has no boundary: empty form.
    stream, form, files = parser.parse(io.BytesIO(b"--b--"), "multipart/form-data", 5)
    assert not form and not files


# multipart


def test_multipart_fields_and_files() -> None:
    body = multipart(
        part("text", b"hello world"),
        part("text", b"second"),
        part(
            "upload",
            b"file content\x00\xff",
            filename="a.bin",
            content_type="application/octet-stream",
        ),
        part("empty_file", b"", filename=""),
    )
    stream, form, files = parse_multipart(body)
    assert form.getlist("text") == ["hello world", "second"]
    upload = files["upload"]
    assert isinstance(upload, FileStorage)
    assert upload.filename == "a.bin"
    assert upload.name == "upload"
    assert upload.content_type == "application/octet-stream"
    assert upload.read() == b"file content\x00\xff"
    assert files["empty_file"].filename == ""
    assert files["empty_file"].read() == b""
    for f in files.values():
        f.close()


def test_multipart_field_charset() -> None:
    body = multipart(
        part("latin", "café".encode("latin-1"), content_type="text/plain; charset=ISO-8859-1"),
        part("bogus", "café".encode(), content_type="text/plain; charset=rot13"),
        part("bad", b"\xff\xfe ok"),
    )
    form = parse_multipart(body)[1]
    assert form["latin"] == "café"
    assert form["bogus"] == "café"  # unknown charsets fall back to UTF-8
    assert form["bad"] == "\ufffd\ufffd ok"


def test_multipart_utf8_and_rfc2231_filename() -> None:
    body = multipart(
        part("a", b"1", filename="résumé.pdf"),
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="b"; '
        "filename*=UTF-8''%E2%98%83.txt\r\n\r\nsnow\r\n".encode(),
    )
    files = parse_multipart(body)[2]
    assert files["a"].filename == "résumé.pdf"
    assert files["b"].filename == "☃.txt"
    assert files["b"].read() == b"snow"


def test_multipart_invalid_utf8_filename_does_not_crash() -> None:
    body = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="\xff\xfe.txt"\r\n\r\n'.encode(
            "latin-1"
        )
        + b"x\r\n"
        + f"--{BOUNDARY}--\r\n".encode()
    )
    files = parse_multipart(body)[2]
    assert files["f"].filename == "\ufffd\ufffd.txt"


@pytest.mark.parametrize(
    "filename",
    ["../../evil.txt", "..\\..\\evil.txt", "C:\\Windows\\evil.txt", "/etc/passwd", "ev\x00il.txt"],
)
def test_multipart_hostile_filenames_write_nothing_outside_the_spool(
    filename: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "cwd" / "sub"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool_dir))

    data = b"secret payload " * 50_000  # large enough to roll over to disk
    body = multipart(part("up", data, filename=filename))
    files = parse_multipart(body)[2]
    upload = files["up"]
    # Kept as sent (secure_filename is the app's job), except that NUL, which
    # no header may contain, is replaced.
    assert upload.filename == filename.replace("\x00", "\ufffd")
    assert upload.read() == data

    # Nothing was created in or around the working directory, and the spooled
    # file is anonymous (no directory entry even in the temp dir).
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["cwd", "spool", "sub"]
    assert os.listdir(spool_dir) == []
    upload.close()


@pytest.mark.parametrize("buffer_size", [1, 2, 3, 5, 7, 64])
def test_multipart_empty_part_without_a_blank_line(buffer_size: int) -> None:
    # RFC 2046: a part's body is optional, so its headers may end right at the next
    # delimiter (CRLF --boundary) with no blank line between; Werkzeug reads it so too.
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="empty"\r\n'.encode()
    body = head + b"\r\n" + multipart(part("after", b"value"))
    form, files = MultiPartParser(buffer_size=buffer_size).parse(
        io.BytesIO(body), BOUNDARY.encode(), len(body)
    )
    assert form.to_dict(flat=False) == {"empty": [""], "after": ["value"]}
    # The same as the last part, before the closing delimiter.
    body = multipart(part("first", b"1")).replace(
        f"--{BOUNDARY}--".encode(), head + f"\r\n--{BOUNDARY}--".encode()
    )
    form = MultiPartParser(buffer_size=buffer_size).parse(
        io.BytesIO(body), BOUNDARY.encode(), len(body)
    )[0]
    assert form.to_dict(flat=False) == {"first": ["1"], "empty": [""]}


@pytest.mark.parametrize("buffer_size", [1, 2, 3, 5, 7, 16, 64, 1024])
def test_multipart_cr_prefixed_and_boundary_like_data_preserved(buffer_size: int) -> None:
    tricky = [
        b"\r",
        b"\r\r\r\n",
        b"\rdata",
        b"\r\n",
        b"\r\n\r\n",
        b"line\r\n--" + BOUNDARY.encode()[:-1] + b"X",
        b"\r\n-",
        b"\r\n--",
        b"ends with CR\r",
        b"x--" + BOUNDARY.encode(),  # boundary without the preceding CRLF is data
        bytes(range(256)),
    ]
    body = multipart(*(part(f"f{i}", d, filename=f"f{i}") for i, d in enumerate(tricky)))
    parser = MultiPartParser(buffer_size=buffer_size)
    form, files = parser.parse(io.BytesIO(body), BOUNDARY.encode(), len(body))
    _opened.append(files)
    assert [files[f"f{i}"].read() for i in range(len(tricky))] == tricky
    form2 = parser.parse(
        io.BytesIO(multipart(*(part(f"f{i}", d) for i, d in enumerate(tricky)))),
        BOUNDARY.encode(),
        None,
    )[0]
    assert [form2[f"f{i}"] for i in range(len(tricky))] == [
        d.decode("utf-8", "replace") for d in tricky
    ]


def test_multipart_empty_form() -> None:
    stream, form, files = parse_multipart(f"--{BOUNDARY}--\r\n".encode())
    assert not form and not files


def test_multipart_preamble_newlines_and_epilogue_ignored() -> None:
    body = b"\r\n" + multipart(part("a", b"1")) + b"epilogue that is ignored --" + BOUNDARY.encode()
    form = parse_multipart(body)[1]
    assert form["a"] == "1"


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=é",
        "multipart/form-data; boundary=" + "x" * 300,
        "multipart/form-data; boundary=wrong",
    ],
)
def test_multipart_bad_boundary_gives_empty_form(content_type: str) -> None:
    env = make_environ(multipart(part("a", b"1")), content_type)
    stream, form, files = parse_form_data(env)
    assert not form and not files


def test_multipart_bad_boundary_not_silent_raises_value_error() -> None:
    env = make_environ(multipart(part("a", b"1")), "multipart/form-data")
    with pytest.raises(ValueError, match="boundary"):
        parse_form_data(env, silent=False)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"garbage",
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\ntruncated'.encode(),
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"'.encode(),
        f"--{BOUNDARY}\r\nNo-Colon-Header\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
        f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
        f"--{BOUNDARY}\r\nBad Header: x\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
        f"--{BOUNDARY}XX\r\n".encode(),
        # Stricter than Werkzeug (python-multipart's syntax): LF-only line breaks.
        f'--{BOUNDARY}\nContent-Disposition: form-data; name="a"\n\n1\n--{BOUNDARY}--\n'.encode(),
    ],
)
def test_multipart_broken_bodies_give_empty_form(body: bytes) -> None:
    stream, form, files = parse_multipart(body)
    assert not form and not files
    env = make_environ(body, MP_TYPE)
    with pytest.raises(ValueError):
        parse_form_data(env, silent=False)


def test_multipart_truncated_body_closes_created_files() -> None:
    created: list[io.BytesIO] = []

    def factory(total_content_length, content_type, filename, content_length=None):  # type: ignore[no-untyped-def]
        stream = io.BytesIO()
        created.append(stream)
        return stream

    body = part("a", b"complete", filename="a.txt") + part("b", b"never finished", filename="b.txt")
    stream, form, files = parse_form_data(make_environ(body, MP_TYPE), stream_factory=factory)
    assert not files
    assert len(created) == 2
    assert all(s.closed for s in created)


def test_multipart_custom_stream_factory_arguments() -> None:
    calls = []

    def factory(total_content_length, content_type, filename, content_length=None):  # type: ignore[no-untyped-def]
        calls.append((total_content_length, content_type, filename, content_length))
        return io.BytesIO()

    body = multipart(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="x.txt"\r\n'
        "Content-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc\r\n".encode(),
        part("g", b"zz", filename="y"),
    )
    files = parse_form_data(make_environ(body, MP_TYPE), stream_factory=factory)[2]
    assert calls == [(len(body), "text/plain", "x.txt", 3), (len(body), None, "y", 0)]
    assert files["f"].read() == b"abc"


def test_multipart_max_form_parts_10k_parts_is_413_fast() -> None:
    def parts(n: int) -> bytes:
        return multipart(*(part(f"f{i}", b"v") for i in range(n)))

    def parse_413(body: bytes) -> None:
        with pytest.raises(RequestEntityTooLarge):
            parse_multipart(body, max_form_parts=1000)

    parse_413(parts(10_000))
    assert_linear(parse_413, parts, 2_000)


def test_multipart_max_form_parts_counts_files_and_closes_them() -> None:
    created: list[io.BytesIO] = []

    def factory(*args, **kwargs):  # type: ignore[no-untyped-def]
        created.append(io.BytesIO())
        return created[-1]

    body = multipart(*(part(f"f{i}", b"v" * 100, filename="x") for i in range(6)))
    with pytest.raises(RequestEntityTooLarge):
        parse_form_data(make_environ(body, MP_TYPE), stream_factory=factory, max_form_parts=5)
    assert len(created) <= 5 and all(s.closed for s in created)
    # Read in small pieces, the files of the first parts exist when the sixth part is
    # refused: they are closed too.
    created.clear()
    with pytest.raises(RequestEntityTooLarge):
        MultiPartParser(stream_factory=factory, buffer_size=64, max_form_parts=5).parse(
            io.BytesIO(body), BOUNDARY.encode(), len(body)
        )
    assert len(created) == 5 and all(s.closed for s in created)
    files = track(parse_form_data(make_environ(body, MP_TYPE), max_form_parts=6))[2]
    assert len(files.getlist("f0")) == 1 and len(files) == 6


def test_multipart_field_over_max_form_memory_size() -> None:
    body = multipart(part("big", b"x" * 1001))
    with pytest.raises(RequestEntityTooLarge):
        parse_multipart(body, max_form_memory_size=1000)
    body = multipart(part("ok", b"x" * 1000))
    assert parse_multipart(body, max_form_memory_size=1000)[1]["ok"] == "x" * 1000


def test_multipart_field_limit_applies_across_chunks() -> None:
    body = multipart(part("big", b"y" * 5000))
    parser = MultiPartParser(max_form_memory_size=4096, buffer_size=100)
    with pytest.raises(RequestEntityTooLarge):
        parser.parse(io.BytesIO(body), BOUNDARY.encode(), len(body))


def test_multipart_files_are_not_limited_by_max_form_memory_size() -> None:
    data = os.urandom(300_000)
    body = multipart(part("f", data, filename="big.bin"))
    files = parse_multipart(body, max_form_memory_size=1000)[2]
    assert files["f"].read() == data
    files["f"].close()


@pytest.mark.parametrize("size", [20_000, 100_000])
def test_multipart_huge_header_value_is_413(size: int) -> None:
    def body(n: int) -> bytes:
        return (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n'
            f"X-Huge: {'h' * n}\r\n\r\nv\r\n--{BOUNDARY}--\r\n"
        ).encode()

    def parse_413(data: bytes) -> None:
        with pytest.raises(RequestEntityTooLarge):
            parse_multipart(data)

    assert_linear(parse_413, body, size)  # a 413 for size and 10 * size


def test_multipart_huge_header_name_is_413() -> None:
    body = f"--{BOUNDARY}\r\n{'N' * 100_000}: x\r\n\r\nv\r\n--{BOUNDARY}--\r\n".encode()
    with pytest.raises(RequestEntityTooLarge):
        parse_multipart(body)


def test_multipart_huge_filename_is_413() -> None:
    body = multipart(part("f", b"x", filename="a" * 50_000))
    with pytest.raises(RequestEntityTooLarge):
        parse_multipart(body)


def test_multipart_too_many_headers_is_413() -> None:
    headers = "".join(f"X-H{i}: v\r\n" for i in range(100))
    body = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n{headers}\r\nv\r\n--{BOUNDARY}--\r\n'
    ).encode()
    with pytest.raises(RequestEntityTooLarge):
        parse_multipart(body)
    headers = "".join(f"X-H{i}: v\r\n" for i in range(20))
    body = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n{headers}\r\nv\r\n--{BOUNDARY}--\r\n'
    ).encode()
    assert parse_multipart(body)[1]["a"] == "v"


def test_multipart_part_headers_are_kept() -> None:
    body = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n'
        f"Content-Type: text/plain\r\nX-Custom:   spaced value  \r\n\r\nabc\r\n--{BOUNDARY}--\r\n"
    ).encode()
    upload = parse_multipart(body)[2]["f"]
    assert upload.headers["X-Custom"] == "spaced value"
    assert upload.headers["Content-Type"] == "text/plain"
    assert upload.mimetype == "text/plain"


def test_multipart_missing_name_is_empty_string() -> None:
    body = (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nanon\r\n--{BOUNDARY}--\r\n"
    ).encode()
    assert parse_multipart(body)[1][""] == "anon"


def test_multipart_max_content_length_chunked_mid_stream() -> None:
    body = multipart(part("f", b"z" * 10_000, filename="z"))
    env = make_environ(b"", MP_TYPE, content_length=None, **{"wsgi.input_terminated": True})
    env["wsgi.input"] = TerminatedStream(body)
    with pytest.raises(RequestEntityTooLarge):
        parse_form_data(env, max_content_length=5000)
    env["wsgi.input"] = TerminatedStream(body)
    files = track(parse_form_data(env, max_content_length=len(body)))[2]
    assert files["f"].read() == b"z" * 10_000


def test_multipart_without_length_reads_nothing() -> None:
    body = multipart(part("a", b"1"))
    env = make_environ(body, MP_TYPE, content_length=None)
    stream, form, files = parse_form_data(env)
    assert not form and not files


@pytest.mark.parametrize("bad_length", ["-1", "abc", "1e3", ""])
def test_multipart_invalid_content_length_reads_nothing(bad_length: str) -> None:
    body = multipart(part("a", b"1"))
    env = make_environ(body, MP_TYPE, content_length=bad_length)
    stream, form, files = parse_form_data(env)
    assert not form and not files


def test_multipart_large_body_is_linear() -> None:
    def body(n: int) -> bytes:
        data = b"\r\n-" * n  # worst case for boundary scanning
        return multipart(part("f", data, filename="f"), part("g", b"x" * (n // 4)))

    def parse(data: bytes) -> None:
        files = parse_form_data(make_environ(data, MP_TYPE), max_form_memory_size=200_000)[2]
        files["f"].close()

    files = parse_multipart(body(400_000), max_form_memory_size=200_000)[2]
    assert files["f"].read() == b"\r\n-" * 400_000
    files["f"].close()
    assert_linear(parse, body, 10_000)
