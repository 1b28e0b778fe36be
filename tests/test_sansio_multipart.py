"""erlen.sansio.multipart: Werkzeug's multipart events over python-multipart's parser."""

from __future__ import annotations

import pytest

from erlen.datastructures import Headers
from erlen.exceptions import RequestEntityTooLarge
from erlen.sansio.multipart import (
    NEED_DATA,
    Data,
    Epilogue,
    Event,
    Field,
    File,
    MultipartDecoder,
    MultipartEncoder,
    NeedData,
    Preamble,
)

BOUNDARY = b"xyz"
BODY = (
    b"--xyz\r\n"
    b'Content-Disposition: form-data; name="note"\r\n'
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"caf\xc3\xa9\r\n"
    b"--xyz\r\n"
    b'Content-Disposition: form-data; name="up"; filename="a.txt"\r\n'
    b"\r\n"
    b"line 1\r\nline 2\r\n"
    b"--xyz--\r\n"
    b"trailing words"
)


def decode(*pieces: bytes | None) -> list[Event]:
    decoder = MultipartDecoder(BOUNDARY)
    events: list[Event] = []
    for piece in pieces:
        decoder.receive_data(piece)
        event = decoder.next_event()
        while not isinstance(event, NeedData):
            events.append(event)
            if isinstance(event, Epilogue):
                return events
            event = decoder.next_event()
    return events


def merged(events: list[Event]) -> list[Event]:
    """The events with the Data of each part joined into one."""
    out: list[Event] = []
    for event in events:
        if isinstance(event, Data) and out and isinstance(out[-1], Data):
            out[-1] = Data(out[-1].data + event.data, event.more_data)
        else:
            out.append(event)
    return out


EXPECTED = [
    Preamble(b""),
    Field(
        "note",
        Headers(
            [
                ("Content-Disposition", 'form-data; name="note"'),
                ("Content-Type", "text/plain; charset=utf-8"),
            ]
        ),
    ),
    Data("café".encode(), more_data=False),
    File(
        "up", "a.txt", Headers([("Content-Disposition", 'form-data; name="up"; filename="a.txt"')])
    ),
    Data(b"line 1\r\nline 2", more_data=False),
    Epilogue(b"trailing words"),
]


def test_decodes_fields_files_and_epilogue() -> None:
    assert decode(BODY, None) == EXPECTED


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_any_split_of_the_body_gives_the_same_parts(size: int) -> None:
    pieces = [BODY[i : i + size] for i in range(0, len(BODY), size)]
    events = decode(*pieces, None)
    assert merged(events) == EXPECTED
    # Data only comes as it is known not to be a boundary: never a piece of one.
    assert all(b"--xyz" not in e.data for e in events if isinstance(e, Data))


def test_epilogue_comes_after_the_end_of_input() -> None:
    decoder = MultipartDecoder(BOUNDARY)
    decoder.receive_data(BODY)
    events = [decoder.next_event() for _ in range(5)]
    assert events == EXPECTED[:5]
    assert decoder.next_event() is NEED_DATA
    decoder.receive_data(b" and more")
    decoder.receive_data(None)
    assert decoder.next_event() == Epilogue(b"trailing words and more")
    assert decoder.next_event() is NEED_DATA


def test_body_cut_before_the_closing_boundary() -> None:
    decoder = MultipartDecoder(BOUNDARY)
    decoder.receive_data(BODY[:80])
    decoder.receive_data(None)
    with pytest.raises(ValueError, match="Unexpected end"):
        while True:
            decoder.next_event()


@pytest.mark.parametrize(
    "body",
    [
        b"--xyz\r\nContent-Type: text/plain\r\n\r\nno disposition\r\n--xyz--",
        b"--abc\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--abc--",
    ],
)
def test_malformed_body_is_a_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        decode(body, None)


def test_part_limits() -> None:
    part = b'--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n'
    with pytest.raises(RequestEntityTooLarge):
        MultipartDecoder(BOUNDARY, max_parts=2).receive_data(part * 3 + b"--xyz--")
    big_header = b"--xyz\r\nContent-Disposition: form-data; name=a\r\nX-Big: " + b"b" * 20_000
    with pytest.raises(RequestEntityTooLarge):
        MultipartDecoder(BOUNDARY).receive_data(big_header)
    many = b"--xyz\r\n" + b"X-H: 1\r\n" * 40
    with pytest.raises(RequestEntityTooLarge):
        MultipartDecoder(BOUNDARY).receive_data(many)
    with pytest.raises(RequestEntityTooLarge):
        MultipartDecoder(BOUNDARY, max_form_memory_size=20).receive_data(part)


def test_nul_in_a_header_value_is_replaced() -> None:
    body = b'--xyz\r\nContent-Disposition: form-data; name="a"; filename="x\x00.txt"\r\n\r\n\r\n--xyz--'
    file = decode(body, None)[1]
    assert isinstance(file, File) and file.filename == "x\ufffd.txt"


def test_encoder_writes_the_events_back() -> None:
    events = decode(BODY, None)
    encoder = MultipartEncoder(BOUNDARY)
    # The encoder writes the delimiter's leading line break before every part.
    assert b"".join(encoder.send_event(e) for e in events) == b"\r\n" + BODY
    with pytest.raises(ValueError):
        MultipartEncoder(BOUNDARY).send_event(Data(b"x", more_data=False))


def test_encoder_writes_an_empty_part_without_a_blank_line() -> None:
    encoder = MultipartEncoder(BOUNDARY)
    field = Field("e", Headers([("Content-Disposition", 'form-data; name="e"')]))
    out = b"".join(
        encoder.send_event(e)
        for e in (Preamble(b""), field, Data(b"", more_data=False), Epilogue(b""))
    )
    assert out == b'\r\n--xyz\r\nContent-Disposition: form-data; name="e"\r\n\r\n--xyz--\r\n'


@pytest.mark.parametrize("size", [1, 2, 5, 1000])
def test_a_part_may_end_at_its_headers(size: int) -> None:
    # RFC 2046: a part's body is optional; its headers may end right at the next delimiter.
    body = (
        b'--xyz\r\nContent-Disposition: form-data; name="empty"\r\n'
        b'\r\n--xyz\r\nContent-Disposition: form-data; name="last"\r\n'
        b"\r\n--xyz--\r\n"
    )
    events = decode(*[body[i : i + size] for i in range(0, len(body), size)], None)
    assert [type(e).__name__ for e in events] == [
        "Preamble",
        "Field",
        "Data",
        "Field",
        "Data",
        "Epilogue",
    ]
    assert [e.data for e in events if isinstance(e, Data)] == [b"", b""]
    assert events[-1] == Epilogue(b"")
