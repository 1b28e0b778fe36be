"""erlen.ext.marshmallow: the extension object, Schema.jsonify and the erlen-aware fields and
validators, through real apps and the test client (sync and ``async def`` views)."""

from __future__ import annotations

import asyncio
import io

import pytest
from marshmallow import ValidationError, fields as ma_fields, missing
from no_flask import run_without_flask

from erlen import Blueprint, request
from erlen.datastructures import FileStorage
from erlen.ext.marshmallow import EXTENSION_NAME, Marshmallow, Schema, fields, validate
from erlen.routing import BuildError


@pytest.fixture
def ma(app):
    return Marshmallow(app)


@pytest.fixture
def routes(app):
    @app.route("/authors/")
    def authors():
        return "authors"

    @app.route("/authors/<int:id>")
    def author(id):
        return f"author {id}"

    @app.route("/books/<id>")
    def book(id):
        return f"book {id}"


class Obj:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)

    def __repr__(self):
        return f"Obj({self.__dict__})"


@pytest.fixture
def schemas(ma, routes):
    class AuthorSchema(ma.Schema):
        id = ma.Integer()
        name = ma.String()
        url = ma.URLFor("author", values={"id": "<id>"})
        absolute_url = ma.AbsoluteURLFor("author", values={"id": "<id>"})
        links = ma.Hyperlinks(
            {
                "self": ma.URLFor("author", values={"id": "<id>"}),
                "collection": {"href": ma.URLFor("authors"), "title": "Authors"},
                "alternates": [ma.URLFor("author", values={"id": "<id>", "_scheme": "https",
                                                         "_external": True})],
            }
        )

    class BookSchema(ma.Schema):
        id = ma.Integer()
        title = ma.String()
        author = ma.Nested(AuthorSchema)
        author_url = ma.URLFor("author", values={"id": "<author.id>"})

    return AuthorSchema, BookSchema


def test_init_app_registers_the_extension(app):
    ma = Marshmallow()
    assert EXTENSION_NAME == "flask-marshmallow"
    assert EXTENSION_NAME not in app.extensions
    ma.init_app(app)
    assert app.extensions[EXTENSION_NAME] is ma


def test_marshmallow_and_erlen_fields_are_attributes(ma):
    assert ma.Schema is Schema
    assert ma.String is ma_fields.String
    assert ma.Nested is ma_fields.Nested
    assert ma.URLFor is fields.URLFor
    assert ma.UrlFor is fields.URLFor
    assert ma.AbsoluteUrlFor is fields.AbsoluteURLFor
    assert ma.File is fields.File
    assert ma.Config is fields.Config
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        ma.Nope  # noqa: B018


def test_schema_dump_with_urls_and_hyperlinks(app, client, schemas):
    AuthorSchema, _ = schemas

    @app.get("/api/author")
    def show():
        return AuthorSchema().dump(Obj(id=7, name="Ada"))

    assert client.get("/api/author").json == {
        "id": 7,
        "name": "Ada",
        "url": "/authors/7",
        "absolute_url": "http://localhost/authors/7",
        "links": {
            "self": "/authors/7",
            "collection": {"href": "/authors/", "title": "Authors"},
            "alternates": ["https://localhost/authors/7"],
        },
    }


def test_urls_follow_the_request_host(app, client, schemas):
    AuthorSchema, _ = schemas

    @app.get("/api/author")
    def show():
        return AuthorSchema(only=["absolute_url"]).dump(Obj(id=1))

    resp = client.get("/api/author", base_url="https://api.example.org")
    assert resp.json == {"absolute_url": "https://api.example.org/authors/1"}


def test_nested_attribute_template_and_none(app, schemas):
    _, BookSchema = schemas
    with app.test_request_context():
        book = Obj(id=1, title="T", author=Obj(id=3, name="Bo"))
        assert BookSchema().dump(book)["author_url"] == "/authors/3"
        # a None on the way dumps None (no error)
        assert BookSchema(only=["author_url"]).dump(Obj(author=None)) == {"author_url": None}


def test_url_for_of_a_dict_and_of_id_zero(ma, routes, app):
    field = ma.URLFor("author", values={"id": "<id>"})
    with app.test_request_context():
        assert field.serialize("url", {"id": 0}) == "/authors/0"
        assert field.serialize("url", Obj(id=5)) == "/authors/5"


def test_url_for_unknown_attribute_or_endpoint(ma, routes, app):
    with app.test_request_context():
        author = Obj(id=1)
        with pytest.raises(AttributeError, match="'missing' is not a valid attribute of Obj"):
            ma.URLFor("author", values={"id": "<missing>"}).serialize("url", author)
        with pytest.raises(BuildError):
            ma.URLFor("nowhere").serialize("url", author)


def test_url_fields_load_their_input_unchanged(ma):
    assert ma.URLFor("author", allow_none=True).deserialize("/x") == "/x"
    assert ma.AbsoluteURLFor("author", allow_none=True).deserialize(None) is None
    assert ma.Hyperlinks({"a": ma.URLFor("author")}).deserialize("/a") == "/a"


def test_absolute_url_for_keeps_the_given_values(ma):
    values = {"id": "<id>"}
    field = ma.AbsoluteURLFor("author", values=values)
    assert field.values == {"id": "<id>", "_external": True}
    assert values == {"id": "<id>"}  # the caller's dict is left alone


def test_url_for_in_a_blueprint(app, client, ma):
    bp = Blueprint("shop", __name__, url_prefix="/shop")

    @bp.get("/items/<int:id>")
    def item(id):
        return ""

    class ItemSchema(ma.Schema):
        href = ma.URLFor("shop.item", values={"id": "<id>"})

    @bp.get("/items")
    def items():
        return ItemSchema(many=True).jsonify([{"id": 1}, {"id": 2}])

    app.register_blueprint(bp)
    assert client.get("/shop/items").json == [{"href": "/shop/items/1"}, {"href": "/shop/items/2"}]


def test_jsonify_instance_and_collection(app, client, schemas):
    AuthorSchema, _ = schemas
    people = [Obj(id=1, name="A"), Obj(id=2, name="B")]

    @app.get("/one")
    def one():
        return AuthorSchema(only=["id", "name"]).jsonify(people[0])

    @app.get("/many")
    def many():
        return AuthorSchema(only=["id"]).jsonify(people, many=True)

    @app.get("/many-by-schema")
    def many_by_schema():
        return AuthorSchema(only=["name"], many=True).jsonify(people)

    resp = client.get("/one")
    assert resp.mimetype == "application/json"
    assert resp.json == {"id": 1, "name": "A"}
    assert client.get("/many").json == [{"id": 1}, {"id": 2}]
    assert client.get("/many-by-schema").json == [{"name": "A"}, {"name": "B"}]


def test_jsonify_and_urls_in_async_views(app, client, schemas):
    AuthorSchema, BookSchema = schemas

    @app.get("/async/book")
    async def async_book():
        await asyncio.sleep(0)
        return BookSchema(only=["title", "author_url", "author.links"]).jsonify(
            Obj(title="T", author=Obj(id=4))
        )

    assert client.get("/async/book").json == {
        "title": "T",
        "author_url": "/authors/4",
        "author": {
            "links": {
                "self": "/authors/4",
                "collection": {"href": "/authors/", "title": "Authors"},
                "alternates": ["https://localhost/authors/4"],
            }
        },
    }


def test_config_field(app, ma):
    app.config["API_TITLE"] = "Pets"

    class InfoSchema(ma.Schema):
        title = ma.Config("API_TITLE")

    with app.app_context():
        assert InfoSchema().dump({}) == {"title": "Pets"}
        with pytest.raises(ValueError, match="'NOPE' is not found in the app config"):
            ma.Config("NOPE").serialize("x", {})


@pytest.fixture
def upload_app(app, ma):
    class AvatarSchema(ma.Schema):
        image = ma.File(
            required=True,
            validate=[validate.FileSize(max="1 KiB"), validate.FileType([".png", ".JPG"])],
        )

    @app.post("/avatar")
    def avatar():
        try:
            data = AvatarSchema().load(request.files)
        except ValidationError as e:
            return {"errors": e.messages}, 422
        image = data["image"]
        return {"name": image.filename, "size": len(image.read())}

    return app


def test_file_field_loads_an_upload(upload_app, client):
    resp = client.post("/avatar", data={"image": (io.BytesIO(b"x" * 1024), "me.png")})
    assert resp.status_code == 200
    # the size check left the stream where it was: the view reads every byte
    assert resp.json == {"name": "me.png", "size": 1024}
    resp = client.post("/avatar", data={"image": (io.BytesIO(b"x"), "ME.jpg")})
    assert resp.json == {"name": "ME.jpg", "size": 1}


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (lambda: {}, "Missing data for required field."),
        (
            lambda: {"image": (io.BytesIO(b"x" * 1025), "me.png")},
            "Must be less than or equal to 1 KiB.",
        ),
        (
            lambda: {"image": (io.BytesIO(b"x"), "me.gif")},
            "Not an allowed file type. Allowed file types: [.jpg,.png]",
        ),
    ],
)
def test_file_field_rejects_bad_uploads(upload_app, client, data, error):
    # A fresh upload per run (the parameters are shared by the [wsgi] and [asgi] runs).
    resp = client.post("/avatar", data=data())
    assert resp.status_code == 422
    assert resp.json == {"errors": {"image": [error]}}
    assert client.post("/avatar", data={"image": (io.BytesIO(b"ok"), "a.png")}).status_code == 200


def test_file_field_values():
    field = fields.File()
    upload = FileStorage(io.BytesIO(b"data"), "a.txt")
    assert field.deserialize(upload) is upload
    assert field.deserialize("") is missing
    assert field.deserialize([]) is missing
    with pytest.raises(ValidationError, match="Not a valid file."):
        field.deserialize("123")
    with pytest.raises(ValidationError, match="Field may not be null."):
        field.deserialize(None)
    assert field.metadata == {"type": "string", "format": "binary"}


@pytest.mark.parametrize(
    ("size", "nbytes"),
    [("1 KB", 1000), ("1 KiB", 1024), ("2.5 MB", 2_500_000), ("1 MiB", 1024**2),
     ("1 GiB", 1024**3), ("8 kb", 1000), ("16b", 2), ("10 B", 10)],
)
def test_file_size_bounds_in_units(size, nbytes):
    exact = FileStorage(io.BytesIO(b"x" * nbytes))
    assert validate.FileSize(min=size, max=size)(exact) is exact
    with pytest.raises(ValidationError, match="Must be greater than"):
        validate.FileSize(min=size, min_inclusive=False)(exact)
    with pytest.raises(ValidationError, match="Must be less than"):
        validate.FileSize(max=size, max_inclusive=False)(exact)


def test_file_size_messages_and_errors():
    upload = FileStorage(io.BytesIO(b"x" * 10), "f.bin")
    with pytest.raises(ValidationError, match=r"^Must be greater than or equal to 1 KB and less"):
        validate.FileSize(min="1 KB", max="2 KB")(upload)
    with pytest.raises(ValidationError, match=r"^f\.bin is 1 KB\+$"):
        validate.FileSize(min="1 KB", error="{input.filename} is {min}+")(upload)
    with pytest.raises(TypeError, match="A FileStorage object is required, not 'bytes'"):
        validate.FileSize()(b"x")
    with pytest.raises(ValueError, match="Invalid size value"):
        validate.FileSize(max="lots")
    assert repr(validate.FileSize(max="1 KiB")) == (
        "<FileSize(min=None, max='1 KiB', min_inclusive=True, max_inclusive=True, error=None)>"
    )


def test_file_size_of_files_and_unseekable_streams(tmp_path):
    path = tmp_path / "blob"
    path.write_bytes(b"y" * 3000)
    with path.open("rb") as f:
        f.read(100)
        upload = FileStorage(f, "blob")
        with pytest.raises(ValidationError):
            validate.FileSize(max="2 KB")(upload)
        assert f.tell() == 100  # measured without moving the stream

    class Pipe(io.RawIOBase):
        def __init__(self, data):
            self.data = data

        def readable(self):
            return True

        def readinto(self, b):
            n = min(len(b), len(self.data))
            b[:n] = self.data[:n]
            self.data = self.data[n:]
            return n

    upload = FileStorage(io.BufferedReader(Pipe(b"z" * 500)), "pipe")
    with pytest.raises(OSError):
        upload.stream.tell()
    assert validate.FileSize(max="1 KB")(upload) is upload
    assert upload.read() == b"z" * 500  # still readable after the check


def test_file_type_needs_an_extension():
    assert validate.FileType([".txt"])(FileStorage(io.BytesIO(), "A.TXT")).filename == "A.TXT"
    for name in ("README", None):
        with pytest.raises(ValidationError, match=r"Allowed file types: \[.txt\]"):
            validate.FileType([".txt"])(FileStorage(io.BytesIO(), name))
    with pytest.raises(ValidationError, match="^no$"):
        validate.FileType([".txt"], error="no")(FileStorage(io.BytesIO(), "a.png"))


def test_works_without_flask_or_werkzeug():
    script = """
        import io

        import erlen
        from erlen.ext.marshmallow import Marshmallow, validate

        app = erlen.Flask(__name__)
        ma = Marshmallow(app)

        class PetSchema(ma.Schema):
            name = ma.String(required=True)
            photo = ma.File(validate=validate.FileSize(max="1 KB"))
            href = ma.URLFor("pet", values={"name": "<name>"})

        @app.post("/pets/<name>")
        async def pet(name):
            data = PetSchema(only=["photo"]).load(erlen.request.files)
            return PetSchema().jsonify({"name": name, "photo": data["photo"].filename})

        resp = app.test_client().post("/pets/rex", data={"photo": (io.BytesIO(b"x"), "r.png")})
        assert resp.json == {"name": "rex", "photo": "r.png", "href": "/pets/rex"}, resp.text
        """
    run_without_flask(script)
