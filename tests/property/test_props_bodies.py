"""Properties of what a client sends in a query string or body, through a real app:
never a 500, and well-formed data reads back as it was sent."""

from __future__ import annotations

import io
import json
import typing as t
from functools import partial
from urllib.parse import quote, urlencode

from hypothesis import given, strategies as st

import erlen
from erlen import jsonify, request
from erlen.datastructures import MultiDict
from erlen.test import EnvironBuilder

MAX_FORM_MEMORY_SIZE = 2048
MAX_FORM_PARTS = 50
MAX_CONTENT_LENGTH = 64 * 1024


def _make_app() -> erlen.Flask:
    app = erlen.Flask("props_bodies")
    app.config.update(
        MAX_FORM_MEMORY_SIZE=MAX_FORM_MEMORY_SIZE,
        MAX_FORM_PARTS=MAX_FORM_PARTS,
        MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH,
    )

    @app.route("/echo", methods=["GET", "POST"])
    def echo() -> t.Any:
        files = {
            key: [(f.filename, f.content_type, f.read().decode("latin-1")) for f in values]
            for key, values in request.files.lists()
        }
        return jsonify(
            args=list(request.args.items(multi=True)),
            form=list(request.form.items(multi=True)),
            files=files,
        )

    @app.post("/json")
    def echo_json() -> t.Any:
        return jsonify(value=request.get_json())

    @app.post("/data")
    def data() -> str:
        return str(len(request.get_data()))

    return app


app = _make_app()
client = app.test_client()

#: Any text a form field or query parameter can hold (no lone surrogates: not UTF-8).
field_text = st.text(max_size=30)
pairs = st.lists(st.tuples(field_text, field_text), max_size=8)


def _call(environ: dict[str, t.Any]) -> tuple[int, bytes]:
    statuses: list[str] = []
    body = b"".join(app(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    return int(statuses[0].split()[0]), body


def _post(body: bytes, content_type: str, path: str = "/echo") -> tuple[int, bytes]:
    environ = EnvironBuilder(
        path=path, method="POST", data=body, content_type=content_type
    ).get_environ()
    return _call(environ)


# -- query strings and URL-encoded bodies ------------------------------------------------------


@given(pairs)
def test_query_strings_round_trip(items: list[tuple[str, str]]) -> None:
    sent = MultiDict(items)
    response = client.get("/echo", query_string=sent)
    assert response.status_code == 200
    assert [tuple(p) for p in response.json["args"]] == list(sent.items(multi=True))


@given(st.text(st.characters(max_codepoint=0xFF), max_size=300))
def test_any_query_string_is_answered(raw: str) -> None:
    environ = EnvironBuilder(path="/echo").get_environ()
    environ["QUERY_STRING"] = raw
    assert _call(environ)[0] == 200


@given(pairs, st.sampled_from([urlencode, partial(urlencode, quote_via=quote)]))
def test_urlencoded_forms_round_trip(
    items: list[tuple[str, str]], encode: t.Callable[[list[tuple[str, str]]], str]
) -> None:
    body = encode(items).encode()
    status, answer = _post(body, "application/x-www-form-urlencoded")
    if len(body) > MAX_FORM_MEMORY_SIZE:
        assert status == 413
    else:
        assert status == 200
        # MultiDict order: each key's values together, keys in first-seen order.
        expected = list(MultiDict(items).items(multi=True))
        assert [tuple(p) for p in json.loads(answer)["form"]] == expected


@given(st.binary(max_size=4000))
def test_any_urlencoded_body_is_answered(body: bytes) -> None:
    status, _ = _post(body, "application/x-www-form-urlencoded")
    assert status in (200, 413)


# -- multipart ---------------------------------------------------------------------------------

# Names and file names without the characters whose escaping differs between clients:
# browsers send '"', CR and LF as %22, %0D, %0A and a backslash raw, other clients
# backslash-escape; a NUL becomes U+FFFD by design (see erlen.formparser). Those are
# covered by the "is answered" properties below.
_name_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters='"\\\r\n\x00')
part_name = st.text(_name_chars, max_size=30)
file_name = st.text(_name_chars, min_size=1, max_size=30)
upload = st.tuples(part_name, file_name, st.binary(max_size=300))


@given(st.lists(st.tuples(part_name, field_text), max_size=8), st.lists(upload, max_size=4))
def test_multipart_forms_round_trip(
    fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]
) -> None:
    data = MultiDict[str, t.Any](fields)
    for name, filename, content in files:
        data.add(name, (io.BytesIO(content), filename, "application/octet-stream"))
    response = client.post("/echo", data=data, content_type="multipart/form-data")
    too_big = any(len(v.encode()) > MAX_FORM_MEMORY_SIZE for _, v in fields)
    if too_big or len(fields) + len(files) > MAX_FORM_PARTS:
        assert response.status_code == 413
        return
    assert response.status_code == 200
    assert [tuple(p) for p in response.json["form"]] == list(MultiDict(fields).items(multi=True))
    got = [(k, *f) for k, values in response.json["files"].items() for f in values]
    expected = [
        (name, filename, "application/octet-stream", content.decode("latin-1"))
        for name, filename, content in files
    ]
    assert sorted(got) == sorted(expected)


BOUNDARY = "xYzZY"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def _valid_multipart(fields: list[tuple[str, str]], content: bytes) -> bytes:
    out = []
    for name, value in fields:
        out.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    out.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    return "".join(out).encode() + content + f"\r\n--{BOUNDARY}--\r\n".encode()


_junk_bits = st.sampled_from(
    [
        b"--",
        BOUNDARY.encode(),
        b"\r\n",
        b"\r\n\r\n",
        b"Content-Disposition: form-data; ",
        b'name="a"',
        b"filename=",
        b'"',
        b";",
        b"Content-Type: ",
        b"\x00",
        b"\xff",
    ]
)
junk = st.lists(st.one_of(_junk_bits, st.binary(max_size=20)), max_size=40).map(b"".join)


@given(junk)
def test_junk_multipart_is_answered(body: bytes) -> None:
    assert _post(body, MULTIPART)[0] in (200, 400, 413)


@given(
    st.lists(st.tuples(st.text("abc", min_size=1, max_size=3), field_text), max_size=4),
    st.binary(max_size=200),
    st.lists(
        st.tuples(
            st.integers(0, 10**6),
            st.sampled_from(["del", "ins", "flip"]),
            st.binary(min_size=1, max_size=4),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_mutated_multipart_is_answered(
    fields: list[tuple[str, str]], content: bytes, mutations: list[tuple[int, str, bytes]]
) -> None:
    body = bytearray(_valid_multipart(fields, content))
    for position, kind, data in mutations:
        i = position % (len(body) + 1)
        if kind == "del":
            del body[i : i + len(data)]
        elif kind == "ins":
            body[i:i] = data
        elif i < len(body):
            body[i] ^= data[0] or 1
    assert _post(bytes(body), MULTIPART)[0] in (200, 400, 413)


@given(st.integers(MAX_FORM_MEMORY_SIZE + 1, MAX_FORM_MEMORY_SIZE * 3), st.booleans())
def test_huge_multipart_fields_are_413(size: int, chunked: bool) -> None:
    body = _valid_multipart([("big", "x" * size)], b"")
    environ = EnvironBuilder(
        path="/echo", method="POST", data=body, content_type=MULTIPART
    ).get_environ()
    if chunked:
        del environ["CONTENT_LENGTH"]
        environ["wsgi.input_terminated"] = True
    assert _call(environ)[0] == 413


@given(st.integers(MAX_CONTENT_LENGTH + 1, MAX_CONTENT_LENGTH * 2))
def test_bodies_over_the_maximum_are_413(size: int) -> None:
    body = _valid_multipart([], b"y" * size)
    assert _post(body, MULTIPART)[0] == 413
    assert _post(b"y" * size, "application/octet-stream", path="/data")[0] == 413


# -- JSON --------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@given(json_values)
def test_json_bodies_round_trip(value: t.Any) -> None:
    response = client.post("/json", json=[value])  # json=None would send no body
    assert response.status_code == 200
    assert response.json == {"value": [value]}


@given(st.binary(max_size=500), st.sampled_from(["application/json", "application/x+json"]))
def test_any_json_body_is_answered(body: bytes, content_type: str) -> None:
    assert _post(body, content_type, path="/json")[0] in (200, 400)


@given(st.integers(1, 6000), st.sampled_from(["[", '{"a":', "-"]))
def test_deep_nesting_and_huge_numbers_are_400_or_read(depth: int, opener: str) -> None:
    body = (opener * depth + "1" * depth).encode()
    status, _ = _post(body, "application/json", path="/json")
    assert status in (200, 400)
    status, _ = _post(b"1" * depth * 2, "application/json", path="/json")
    assert status in (200, 400)


@given(json_values, st.sampled_from(["utf-16", "utf-32", "utf-8-sig", "latin-1", "cp1252"]))
def test_json_in_other_encodings_is_answered(value: t.Any, encoding: str) -> None:
    try:
        body = json.dumps(value, ensure_ascii=False).encode(encoding)
    except UnicodeEncodeError:
        return
    status, answer = _post(body, "application/json", path="/json")
    assert status in (200, 400)
    if status == 200 and encoding.startswith("utf"):
        assert json.loads(answer) == {"value": value}


@given(st.lists(st.tuples(st.text(max_size=20), st.text(max_size=20)), min_size=1, max_size=4))
def test_multipart_with_any_names_is_answered(fields: list[tuple[str, str]]) -> None:
    data = MultiDict[str, t.Any]()
    for name, filename in fields:
        data.add(name, filename)
        data.add(name, (io.BytesIO(b"data"), filename or "f", "text/plain"))
    response = client.post("/echo", data=data, content_type="multipart/form-data")
    assert response.status_code in (200, 400)
