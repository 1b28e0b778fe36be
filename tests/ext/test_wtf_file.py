"""erlen.ext.wtf.file: upload fields and their validators, on real multipart requests."""

from __future__ import annotations

from io import BytesIO

import pytest
from wtforms.validators import Length

from erlen.datastructures import FileStorage, MultiDict
from erlen.ext.wtf import FlaskForm
from erlen.ext.wtf.file import FileAllowed, FileField, FileRequired, FileSize, MultipleFileField


class UploadForm(FlaskForm):
    class Meta:
        csrf = False

    avatar = FileField(validators=[FileRequired(), FileAllowed(["png", "jpg"]), FileSize(10)])
    attachments = MultipleFileField(validators=[FileAllowed(("txt",)), FileSize(8, min_size=1)])


@pytest.fixture
def upload(app):
    @app.post("/")
    def index():
        form = UploadForm()
        if not form.validate_on_submit():
            return {"errors": form.errors}, 400
        avatar = form.avatar.data
        return {
            "avatar": [avatar.filename, avatar.read().decode()],
            "attachments": [f.filename for f in form.attachments.data or []],
        }

    return app


def test_upload(upload, client):
    data = {
        "avatar": (BytesIO(b"png-bytes"), "Me.PNG"),
        "attachments": [(BytesIO(b"a"), "a.txt"), (BytesIO(b"bb"), "b.txt")],
    }
    response = client.post("/", data=data)
    assert response.json == {"avatar": ["Me.PNG", "png-bytes"], "attachments": ["a.txt", "b.txt"]}


def test_upload_errors(upload, client):
    assert client.post("/", data={}).json == {"errors": {"avatar": ["This field is required."]}}
    # An empty file input sends a part without a file name: no upload.
    response = client.post("/", data={"avatar": (BytesIO(b""), "")})
    assert response.json == {"errors": {"avatar": ["This field is required."]}}
    response = client.post("/", data={"avatar": (BytesIO(b"x"), "me.gif")})
    assert response.json == {
        "errors": {"avatar": ["File does not have an approved extension: png, jpg"]}
    }
    response = client.post("/", data={"avatar": (BytesIO(b"x" * 11), "me.png")})
    assert response.json == {"errors": {"avatar": ["File must be between 0 and 10 bytes."]}}
    data = {"avatar": (BytesIO(b"x"), "me.png"), "attachments": [(BytesIO(b""), "empty.txt")]}
    response = client.post("/", data=data)
    assert response.json == {"errors": {"attachments": ["File must be between 1 and 8 bytes."]}}


def test_text_in_a_file_field_is_no_upload(upload, client):
    response = client.post("/", data={"avatar": "just text"})
    assert response.json == {"errors": {"avatar": ["This field is required."]}}


@pytest.fixture
def form(req_ctx):
    class Form(FlaskForm):
        class Meta:
            csrf = False

        file = FileField()
        files = MultipleFileField()

    return Form


def test_fields_keep_only_real_uploads(form):
    assert form(MultiDict([("file", FileStorage())])).file.data is None
    assert form(MultiDict([("file", FileStorage(filename="a"))])).file.data.filename == "a"
    both = MultiDict([("files", FileStorage()), ("files", FileStorage(filename="b"))])
    assert [f.filename for f in form(both).files.data] == ["b"]
    assert form(MultiDict([("files", FileStorage())])).files.data is None


def test_validators_on_data(form, tmp_path):
    form.file.kwargs["validators"] = [FileRequired(message="need one"), FileSize(4)]
    assert form().validate() is False
    f = form(file="not a file")
    assert not f.validate() and f.file.errors == ["need one"]
    path = tmp_path / "f.bin"
    path.write_bytes(b"12345")
    with path.open("rb") as fh:
        fh.seek(2)
        f = form(file=FileStorage(fh, filename="f.bin"))
        assert not f.validate()
        assert f.file.errors == ["File must be between 0 and 4 bytes."]
        assert fh.tell() == 2  # the stream is left where it was


def test_file_size_needs_a_seekable_stream(form):
    class Pipe:
        def read(self, size=-1):
            return b""

        def seekable(self):
            return False

    form.file.kwargs["validators"] = [FileSize(4)]
    with pytest.raises(TypeError, match="not seekable"):
        form(file=FileStorage(Pipe(), filename="pipe")).validate()


def test_files_length(form):
    form.files.kwargs["validators"] = [FileRequired(), Length(min=2)]
    assert not form(files=[FileStorage(filename="1")]).validate()
    assert form(files=[FileStorage(filename="1"), FileStorage(filename="2")]).validate()
    assert not form(files=[FileStorage(filename="1"), "text"]).validate()


def test_file_allowed_with_an_upload_set(form):
    class UploadSet:
        """The interface of Flask-Uploads' UploadSet that FileAllowed uses."""

        def file_allowed(self, storage, basename):
            return basename.endswith(".csv")

    form.file.kwargs["validators"] = [FileAllowed(UploadSet(), message="csv only")]
    assert form(file=FileStorage(filename="data.csv")).validate()
    f = form(file=FileStorage(filename="data.xls"))
    assert not f.validate() and f.file.errors == ["csv only"]
