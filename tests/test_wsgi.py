"""Tests for erlen.wsgi: host/URL helpers, safe input streams, file wrapping, closing iterators."""

from __future__ import annotations

import io

import pytest
from _timing import assert_linear

from erlen.exceptions import ClientDisconnected, RequestEntityTooLarge, SecurityError
from erlen.wsgi import (
    ClosingIterator,
    FileWrapper,
    LimitedStream,
    _RangeWrapper,
    get_content_length,
    get_current_url,
    get_host,
    get_input_stream,
    get_path_info,
    host_is_trusted,
    responder,
    wrap_file,
)


def make_environ(**overrides: object) -> dict[str, object]:
    environ: dict[str, object] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
    }
    environ.update(overrides)
    return environ


class ExplodingStream(io.RawIOBase):
    """A wsgi.input that fails the test if anything reads it."""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body must not be read")

    def readinto(self, b: object) -> int:
        raise AssertionError("the body must not be read")


class ChunkedSource:
    """A terminated stream that returns at most ``chunk`` bytes per read."""

    def __init__(self, data: bytes, chunk: int = 7) -> None:
        self.data = data
        self.pos = 0
        self.chunk = chunk
        self.reads = 0

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        n = self.chunk if size < 0 else min(size, self.chunk)
        out = self.data[self.pos : self.pos + n]
        self.pos += len(out)
        return out


# get_host


@pytest.mark.parametrize(
    ("scheme", "host_header", "expected"),
    [
        ("http", "example.com", "example.com"),
        ("http", "example.com:80", "example.com"),
        ("http", "example.com:443", "example.com:443"),
        ("https", "example.com:443", "example.com"),
        ("https", "example.com:80", "example.com:80"),
        ("ws", "example.com:80", "example.com"),
        ("wss", "example.com:443", "example.com"),
        ("http", "example.com:8080", "example.com:8080"),
        ("http", "[::1]:80", "[::1]"),
        ("http", "[::1]:8080", "[::1]:8080"),
        ("http", "127.0.0.1:5000", "127.0.0.1:5000"),
    ],
)
def test_get_host_from_header(scheme: str, host_header: str, expected: str) -> None:
    environ = make_environ(**{"wsgi.url_scheme": scheme, "HTTP_HOST": host_header})
    assert get_host(environ) == expected


def test_get_host_falls_back_to_server_name() -> None:
    assert get_host(make_environ(SERVER_NAME="srv.example", SERVER_PORT="80")) == "srv.example"
    assert get_host(make_environ(SERVER_NAME="srv.example", SERVER_PORT="81")) == "srv.example:81"
    env = make_environ(SERVER_NAME="srv.example", SERVER_PORT="443", **{"wsgi.url_scheme": "https"})
    assert get_host(env) == "srv.example"


def test_get_host_brackets_ipv6_server_name() -> None:
    assert get_host(make_environ(SERVER_NAME="::1", SERVER_PORT="8000")) == "[::1]:8000"


def test_get_host_ignores_unix_socket_and_missing_server() -> None:
    assert get_host(make_environ(SERVER_NAME="/tmp/app.sock", SERVER_PORT="")) == ""
    env = make_environ()
    del env["SERVER_NAME"]
    assert get_host(env) == ""


@pytest.mark.parametrize(
    "bad",
    [
        "exa mple.com",
        "example.com:abc",
        "example.com:0",
        "example.com:99999",
        "a@b",
        "x/y",
        "é.com",
        "",
    ],
)
def test_get_host_invalid_characters_give_empty_string(bad: str) -> None:
    assert get_host(make_environ(HTTP_HOST=bad)) == ""


def test_get_host_trusted_hosts() -> None:
    env = make_environ(HTTP_HOST="example.com:8080")
    assert get_host(env, ["example.com"]) == "example.com:8080"
    assert (
        get_host(make_environ(HTTP_HOST="sub.example.com"), [".example.com"]) == "sub.example.com"
    )
    assert get_host(make_environ(HTTP_HOST="example.com"), [".example.com"]) == "example.com"
    assert get_host(make_environ(HTTP_HOST="EXAMPLE.COM"), ["example.com"]) == "EXAMPLE.COM"
    with pytest.raises(SecurityError) as exc_info:
        get_host(make_environ(HTTP_HOST="evil.com"), ["example.com"])
    assert exc_info.value.code == 400
    with pytest.raises(SecurityError):
        get_host(make_environ(HTTP_HOST="notexample.com"), [".example.com"])
    with pytest.raises(SecurityError):
        get_host(make_environ(HTTP_HOST="bad host"), ["example.com"])


def test_host_is_trusted() -> None:
    assert host_is_trusted("example.com", None)
    assert host_is_trusted("example.com", [])
    assert host_is_trusted("example.com:5000", ["example.com"])
    assert host_is_trusted("example.com", "example.com")
    assert host_is_trusted("a.b.example.com", [".example.com"])
    assert host_is_trusted("xn--n3h.net", ["☃.net"])
    assert host_is_trusted("[::1]:8080", ["[::1]"]) is False  # names only, not bracketed
    assert not host_is_trusted("", ["example.com"])
    assert not host_is_trusted(None, ["example.com"])
    assert not host_is_trusted("example.org", ["example.com"])
    assert not host_is_trusted("example.com:65536", None)
    assert not host_is_trusted("exa\x00mple.com", None)


def test_get_host_long_hostile_value_is_fast() -> None:
    def trailing_space(n: int) -> dict[str, object]:
        return make_environ(HTTP_HOST="a" * n + " ")

    def colons(n: int) -> dict[str, object]:
        return make_environ(HTTP_HOST="[" + ":" * n)

    assert get_host(trailing_space(100_000)) == ""
    assert_linear(get_host, trailing_space, 10_000)
    assert get_host(colons(100_000)) == ""
    assert_linear(get_host, colons, 10_000)


# get_current_url


def test_get_current_url_parts() -> None:
    env = make_environ(
        HTTP_HOST="example.com",
        SCRIPT_NAME="/app/",
        PATH_INFO="/hello world",
        QUERY_STRING="a=1&b=%C3%A9",
    )
    assert get_current_url(env) == "http://example.com/app/hello%20world?a=1&b=é"
    assert get_current_url(env, strip_querystring=True) == "http://example.com/app/hello%20world"
    assert get_current_url(env, root_only=True) == "http://example.com/app/"
    assert get_current_url(env, host_only=True) == "http://example.com/"


def test_get_current_url_decodes_utf8_and_keeps_reserved_quoted() -> None:
    env = make_environ(
        HTTP_HOST="example.com", PATH_INFO="/f\xc3\xb6\xc3\xb6/a?b#c", QUERY_STRING="q=a%26b&x=%ff"
    )
    assert get_current_url(env) == "http://example.com/föö/a%3Fb%23c?q=a%26b&x=%FF"


def test_get_current_url_trusted_hosts() -> None:
    env = make_environ(HTTP_HOST="evil.com")
    with pytest.raises(SecurityError):
        get_current_url(env, trusted_hosts=["example.com"])


def test_get_current_url_idna_host_is_shown_as_unicode() -> None:
    env = make_environ(HTTP_HOST="xn--n3h.net:8080")
    assert get_current_url(env, host_only=True) == "http://☃.net:8080/"


# get_content_length


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("0", 0),
        ("42", 42),
        (" 42\t", 42),
        ("-1", 0),
        ("abc", 0),
        ("+5", 0),
        ("1_000", 0),
        ("١٢", 0),  # non-ASCII digits
        ("", 0),
        ("99999999999999999999", 99999999999999999999),
        ("9" * 5000, 0),
    ],
)
def test_get_content_length(value: str | None, expected: int | None) -> None:
    env = make_environ()
    if value is not None:
        env["CONTENT_LENGTH"] = value
    assert get_content_length(env) == expected


def test_get_content_length_chunked_is_none() -> None:
    env = make_environ(CONTENT_LENGTH="10", HTTP_TRANSFER_ENCODING="gzip, Chunked")
    assert get_content_length(env) is None
    env = make_environ(CONTENT_LENGTH="10", HTTP_TRANSFER_ENCODING="gzip")
    assert get_content_length(env) == 10


# get_input_stream


def test_input_stream_limited_to_content_length() -> None:
    env = make_environ(CONTENT_LENGTH="5", **{"wsgi.input": io.BytesIO(b"helloEXTRA")})
    stream = get_input_stream(env)
    assert stream.read() == b"hello"
    assert stream.read() == b""


def test_input_stream_without_length_is_empty() -> None:
    env = make_environ(**{"wsgi.input": io.BytesIO(b"data")})
    assert get_input_stream(env).read() == b""
    env = make_environ(**{"wsgi.input": io.BytesIO(b"data")})
    assert get_input_stream(env, safe_fallback=False).read() == b"data"


def test_input_stream_too_large_content_length_is_rejected_without_reading() -> None:
    env = make_environ(CONTENT_LENGTH="1000", **{"wsgi.input": ExplodingStream()})
    with pytest.raises(RequestEntityTooLarge) as exc_info:
        get_input_stream(env, max_content_length=999)
    assert exc_info.value.code == 413
    env = make_environ(CONTENT_LENGTH="99999999999999999999", **{"wsgi.input": ExplodingStream()})
    with pytest.raises(RequestEntityTooLarge):
        get_input_stream(env, max_content_length=10)


def test_input_stream_terminated() -> None:
    source = io.BytesIO(b"chunked body")
    env = make_environ(**{"wsgi.input": source, "wsgi.input_terminated": True})
    assert get_input_stream(env).read() == b"chunked body"

    env = make_environ(**{"wsgi.input": ChunkedSource(b"x" * 100), "wsgi.input_terminated": True})
    with pytest.raises(RequestEntityTooLarge):
        get_input_stream(env, max_content_length=50).read()

    env = make_environ(**{"wsgi.input": ChunkedSource(b"x" * 50), "wsgi.input_terminated": True})
    assert get_input_stream(env, max_content_length=50).read() == b"x" * 50


def test_get_path_info() -> None:
    assert get_path_info(make_environ(PATH_INFO="/caf\xc3\xa9")) == "/café"
    assert get_path_info(make_environ(PATH_INFO="/\xff\xfe")) == "/\ufffd\ufffd"
    env = make_environ()
    del env["PATH_INFO"]
    assert get_path_info(env) == ""
    # A server that already decoded the path (not PEP 3333): kept as is.
    assert get_path_info(make_environ(PATH_INFO="/☃")) == "/☃"


# LimitedStream


def test_limited_stream_reads_up_to_limit() -> None:
    stream = LimitedStream(io.BytesIO(b"0123456789"), 6)
    assert stream.read(4) == b"0123"
    assert stream.tell() == 4
    assert stream.read(10) == b"45"
    assert stream.is_exhausted
    assert stream.read(10) == b""
    assert stream.read() == b""
    assert stream.readable()


def test_limited_stream_calls_on_exhausted_only_for_a_read_past_the_limit() -> None:
    class Counting(LimitedStream):
        exhausted = 0

        def on_exhausted(self) -> None:
            self.exhausted += 1

    stream = Counting(io.BytesIO(b"123456"), 3)
    assert stream.read() == b"123"  # a clean, complete read
    assert stream.exhausted == 0
    assert stream.read() == b""
    assert stream.exhausted == 1

    stream = Counting(io.BytesIO(b"123456"), 3)
    assert [stream.read(1) for _ in range(3)] == [b"1", b"2", b"3"]
    assert stream.exhausted == 0
    assert stream.read() == b""
    assert stream.exhausted == 1


def test_limited_stream_readline_and_iteration() -> None:
    stream = LimitedStream(io.BytesIO(b"a\nb\nc\nd"), 5)
    assert stream.readline() == b"a\n"
    assert list(stream) == [b"b\n", b"c"]


def test_limited_stream_exhaust() -> None:
    stream = LimitedStream(io.BytesIO(b"abcdef"), 4)
    assert stream.read(1) == b"a"
    assert stream.exhaust() == b"bcd"
    assert stream.exhaust() == b""


def test_limited_stream_early_end_is_disconnect() -> None:
    stream = LimitedStream(io.BytesIO(b"abc"), 10)
    assert stream.read(3) == b"abc"
    with pytest.raises(ClientDisconnected) as exc_info:
        stream.read(3)
    assert exc_info.value.code == 400
    with pytest.raises(ClientDisconnected):
        LimitedStream(io.BytesIO(b"abc"), 10).read()


def test_limited_stream_source_error_is_disconnect() -> None:
    class Broken:
        def read(self, size: int = -1) -> bytes:
            raise OSError("connection reset")

    with pytest.raises(ClientDisconnected):
        LimitedStream(Broken(), 10).read(5)  # type: ignore[arg-type]
    with pytest.raises(ClientDisconnected):
        LimitedStream(Broken(), 10, is_max=True).read(5)  # type: ignore[arg-type]


def test_limited_stream_max_allows_early_end() -> None:
    stream = LimitedStream(ChunkedSource(b"abc"), 10, is_max=True)  # type: ignore[arg-type]
    assert stream.read() == b"abc"
    assert stream.read(5) == b""


def test_limited_stream_max_raises_once_more_data_arrives() -> None:
    source = ChunkedSource(b"x" * 1000)
    stream = LimitedStream(source, 100, is_max=True)  # type: ignore[arg-type]
    assert stream.read(100) == b"x" * 7  # the source returns small chunks
    with pytest.raises(RequestEntityTooLarge):
        stream.read()
    assert source.pos <= 101  # stopped right after the limit


def test_limited_stream_max_exact_size_is_fine() -> None:
    stream = LimitedStream(ChunkedSource(b"y" * 100), 100, is_max=True)  # type: ignore[arg-type]
    assert stream.read() == b"y" * 100
    assert stream.read(10) == b""


def test_limited_stream_never_exceeds_limit_with_misbehaving_source() -> None:
    class Greedy:
        def read(self, size: int = -1) -> bytes:
            return b"z" * 1000

    stream = LimitedStream(Greedy(), 10)  # type: ignore[arg-type]
    assert stream.read(5) == b"zzzzz"
    assert stream.read(50) == b"zzzzz"
    assert stream.read(50) == b""


def test_limited_stream_readinto() -> None:
    stream = LimitedStream(io.BytesIO(b"abcdef"), 4)
    buf = bytearray(10)
    assert stream.readinto(buf) == 4
    assert bytes(buf[:4]) == b"abcd"
    assert stream.readinto(buf) == 0


# wrap_file / FileWrapper


def test_wrap_file_uses_server_file_wrapper() -> None:
    calls = []

    def file_wrapper(f: object, size: int) -> list[object]:
        calls.append((f, size))
        return ["wrapped"]

    f = io.BytesIO(b"data")
    assert wrap_file(make_environ(**{"wsgi.file_wrapper": file_wrapper}), f, 3) == ["wrapped"]
    assert calls == [(f, 3)]


def test_wrap_file_default_file_wrapper() -> None:
    f = io.BytesIO(b"abcdefg")
    wrapper = wrap_file(make_environ(), f, 3)
    assert isinstance(wrapper, FileWrapper)
    assert list(wrapper) == [b"abc", b"def", b"g"]


def test_file_wrapper_methods() -> None:
    f = io.BytesIO(b"abcdef")
    wrapper = FileWrapper(f, 2)
    assert wrapper.seekable()
    wrapper.seek(4)
    assert wrapper.tell() == 4
    assert next(wrapper) == b"ef"
    with pytest.raises(StopIteration):
        next(wrapper)
    wrapper.close()
    assert f.closed

    class Minimal:
        def read(self, size: int) -> bytes:
            return b""

    minimal = FileWrapper(Minimal(), 2)  # type: ignore[arg-type]
    assert not minimal.seekable()
    assert minimal.tell() is None
    minimal.seek(0)
    minimal.close()
    assert list(minimal) == []


# ClosingIterator / responder


def test_closing_iterator_runs_callbacks_in_order() -> None:
    calls: list[str] = []

    class Body:
        def __iter__(self):  # type: ignore[no-untyped-def]
            return iter([b"a", b"b"])

        def close(self) -> None:
            calls.append("body")

    it = ClosingIterator(Body(), [lambda: calls.append("one"), lambda: calls.append("two")])
    assert list(it) == [b"a", b"b"]
    it.close()
    assert calls == ["body", "one", "two"]


def test_closing_iterator_single_callback_and_none() -> None:
    calls: list[str] = []
    it = ClosingIterator([b"x"], lambda: calls.append("cb"))
    assert iter(it) is it
    assert next(it) == b"x"
    it.close()
    assert calls == ["cb"]
    it2 = ClosingIterator(iter([b"y"]))
    assert list(it2) == [b"y"]
    it2.close()


def test_responder() -> None:
    def inner_app(environ: dict[str, object], start_response: object) -> list[bytes]:
        return [environ["PATH_INFO"].encode()]  # type: ignore[union-attr]

    @responder
    def app(environ: dict[str, object], start_response: object) -> object:
        return inner_app

    assert app(make_environ(PATH_INFO="/x"), None) == [b"/x"]
    assert app.__name__ == "app"


# _RangeWrapper (Werkzeug's private helper; Response.make_conditional sends 206 bodies with it)


@pytest.mark.parametrize("seekable", [True, False])
def test_range_wrapper(seekable: bool) -> None:
    data = bytes(range(100))

    def source() -> object:
        if seekable:
            return FileWrapper(io.BytesIO(data), 7)
        return iter([data[i : i + 7] for i in range(0, 100, 7)])

    assert b"".join(_RangeWrapper(source(), 10, 25)) == data[10:35]  # type: ignore[arg-type]
    assert b"".join(_RangeWrapper(source(), 95)) == data[95:]  # type: ignore[arg-type]
    assert b"".join(_RangeWrapper(source(), 0, 100)) == data  # type: ignore[arg-type]
    assert b"".join(_RangeWrapper(source(), 50, 0)) == b""  # type: ignore[arg-type]


def test_range_wrapper_counts_bytes_of_text_chunks() -> None:
    # "é" is two bytes: a range over text must cut the UTF-8 encoding, not the characters.
    assert b"".join(_RangeWrapper(iter(["aé", "bc"]), 1, 3)) == "éb".encode()


def test_range_wrapper_seeks_a_file_without_tell() -> None:
    class NoTell(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            return self._data.readinto(buffer)

        def seekable(self) -> bool:
            return True

        def seek(self, pos: int, whence: int = 0) -> int:
            return self._data.seek(pos, whence)

    source = FileWrapper(NoTell(b"0123456789"), 4)
    source.tell = lambda: None  # type: ignore[method-assign]
    assert b"".join(_RangeWrapper(source, 3, 4)) == b"3456"
