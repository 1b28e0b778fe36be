"""erlen.ext.marshmallow's SQLAlchemy schemas on erlen.ext.sqlalchemy (real SQLite): dumping,
loading model instances with the current app's ``db.session``, HyperlinkRelated, in sync and
``async def`` views."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as sa_orm
from marshmallow import ValidationError

import erlen
from erlen import request
from erlen.ext.marshmallow import Marshmallow
from erlen.ext.marshmallow.sqla import HyperlinkRelated
from erlen.ext.sqlalchemy import SQLAlchemy


def make_app(tmp_path, name="app"):
    app = erlen.Flask(name, root_path=str(tmp_path))
    app.config.update(TESTING=True, SQLALCHEMY_DATABASE_URI="sqlite://")
    return app


def make_models(db):
    class Author(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(80), nullable=False)

    class Book(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        title = db.Column(db.String(80))
        price = db.Column(db.Numeric(scale=2))
        author_id = db.Column(db.Integer, db.ForeignKey("author.id"))
        author = db.relationship("Author", backref="books")

    return Author, Book


@pytest.fixture
def setup(tmp_path):
    """An app with db, ma, models, schemas and views; two authors and a book in the db."""
    app = make_app(tmp_path)
    db = SQLAlchemy(app)
    ma = Marshmallow(app)
    Author, Book = make_models(db)

    class AuthorSchema(ma.SQLAlchemyAutoSchema):
        class Meta:
            model = Author
            load_instance = True

    class BookSchema(ma.SQLAlchemySchema):
        class Meta:
            model = Book
            load_instance = True

        id = ma.auto_field(dump_only=True)
        title = ma.auto_field()
        price = ma.auto_field()
        author = ma.HyperlinkRelated("author_detail")

    @app.get("/authors/<int:id>")
    def author_detail(id):
        return AuthorSchema().jsonify(db.get_or_404(Author, id))

    @app.get("/books/<int:id>")
    def book_detail(id):
        return BookSchema().jsonify(db.get_or_404(Book, id))

    @app.post("/books")
    def create_book():
        try:
            book = BookSchema().load(request.get_json())
        except ValidationError as e:
            return {"errors": e.messages}, 400
        db.session.add(book)
        db.session.commit()
        return BookSchema().jsonify(book), 201

    with app.app_context():
        db.create_all()
        ada = Author(name="Ada")
        db.session.add_all([ada, Author(name="Bob"), Book(title="Notes", author=ada)])
        db.session.commit()

    return app, db, ma, Author, Book, AuthorSchema, BookSchema


def test_auto_schema_dump(setup):
    app, *_ = setup
    client = app.test_client()
    assert client.get("/authors/1").json == {"id": 1, "name": "Ada"}
    assert client.get("/authors/9").status_code == 404


def test_hyperlink_related_dump_and_load(setup):
    app, db, ma, Author, Book, *_ = setup
    client = app.test_client()
    assert client.get("/books/1").json == {
        "id": 1,
        "title": "Notes",
        "price": None,
        "author": "/authors/1",
    }
    resp = client.post("/books", json={"title": "More", "price": "9.50", "author": "/authors/2"})
    assert resp.status_code == 201, resp.json
    # erlen.jsonify writes a Decimal as a string, as Flask does
    assert resp.json == {"id": 2, "title": "More", "price": "9.50", "author": "/authors/2"}
    with app.app_context():
        book = db.session.get(Book, 2)
        assert (book.title, book.author.name, book.price) == ("More", "Bob", Decimal("9.50"))


@pytest.mark.parametrize(
    ("author", "message"),
    [
        ("/books/1", 'Parsed endpoint "book_detail" from URL "/books/1"; expected "author_detail"'),
        ("/nowhere/1", 'URL "/nowhere/1" matches no route; expected one of "author_detail"'),
        (7, "Expected a URL of endpoint 'author_detail', got 7."),
    ],
)
def test_hyperlink_related_rejects_other_urls(setup, author, message):
    app, *_ = setup
    client = app.test_client()
    resp = client.post("/books", json={"title": "X", "author": author})
    assert resp.status_code == 400
    assert resp.json == {"errors": {"author": [message]}}
    assert client.get("/books/1").status_code == 200


def test_hyperlink_related_url_key_and_external(setup):
    app, db, ma, Author, Book, *_ = setup

    class BookSchema(ma.SQLAlchemySchema):
        class Meta:
            model = Book
            load_instance = True

        author = HyperlinkRelated("author_detail", external=True)

    class KeyedSchema(ma.SQLAlchemySchema):
        class Meta:
            model = Book

        author = HyperlinkRelated("author_detail", url_key="pk")

    with app.test_request_context(base_url="https://books.example"):
        book = db.session.get(Book, 1)
        dumped = BookSchema().dump(book)
        assert dumped == {"author": "https://books.example/authors/1"}
        assert BookSchema().load(dumped).author is book.author
        assert BookSchema().dump(Book(title="orphan")) == {"author": None}
        with pytest.raises(ValidationError) as info:
            KeyedSchema().load({"author": "/authors/1"})
        assert info.value.messages == {"author": ["URL pattern \"pk\" not found in {'id': 1}"]}


def test_list_of_hyperlinks(setup):
    app, db, ma, Author, *_ = setup

    class AuthorSchema(ma.SQLAlchemySchema):
        class Meta:
            model = Author

        books = ma.List(HyperlinkRelated("book_detail"))

    with app.test_request_context():
        ada = db.session.get(Author, 1)
        dumped = AuthorSchema().dump(ada)
        assert dumped == {"books": ["/books/1"]}
        assert AuthorSchema().load(dumped)["books"] == ada.books


def test_loads_in_an_async_view(setup):
    app, db, ma, Author, Book, AuthorSchema, BookSchema = setup

    @app.patch("/async/authors/<int:id>")
    async def rename(id):
        await asyncio.sleep(0)
        author = db.get_or_404(Author, id)
        AuthorSchema().load(request.get_json(), instance=author, partial=True)
        db.session.commit()
        return AuthorSchema().jsonify(author)

    client = app.test_client()
    assert client.patch("/async/authors/2", json={"name": "Bea"}).json == {"id": 2, "name": "Bea"}
    assert client.get("/authors/2").json == {"id": 2, "name": "Bea"}


def test_numeric_columns_load_as_decimal(setup):
    app, db, ma, Author, Book, *_ = setup

    class PriceSchema(ma.SQLAlchemyAutoSchema):
        class Meta:
            model = Book
            load_instance = False

        price = ma.auto_field()

    schema = PriceSchema()
    assert isinstance(schema.fields["price"], ma.Decimal)
    assert schema.load({"price": "12.34"}) == {"price": Decimal("12.34")}


def test_marshmallow_set_up_before_sqlalchemy(tmp_path):
    """The session is found when a schema loads, so the order of the extensions does not
    matter (Flask-Marshmallow needs SQLAlchemy first)."""
    app = make_app(tmp_path)
    ma = Marshmallow(app)
    db = SQLAlchemy(app)
    Author, _ = make_models(db)

    class AuthorSchema(ma.SQLAlchemyAutoSchema):
        class Meta:
            model = Author
            load_instance = True

    with app.app_context():
        db.create_all()
        author = AuthorSchema().load({"name": "Cy"})
        db.session.add(author)
        db.session.commit()
        assert db.session.scalars(db.select(Author.name)).all() == ["Cy"]


def test_each_app_loads_with_its_own_session(tmp_path):
    db = SQLAlchemy()
    ma = Marshmallow()
    Author, _ = make_models(db)

    class AuthorSchema(ma.SQLAlchemyAutoSchema):
        class Meta:
            model = Author
            load_instance = True

    apps = [make_app(tmp_path, "one"), make_app(tmp_path, "two")]
    for index, app in enumerate(apps):
        db.init_app(app)
        ma.init_app(app)
        with app.app_context():
            db.create_all()
            db.session.add(Author(id=1, name=f"author of app {index}"))
            db.session.commit()

    for index, app in enumerate(apps):
        with app.app_context():
            # load_instance finds the existing row through this app's session
            author = AuthorSchema().load({"id": 1, "name": "renamed"})
            assert db.session.get(Author, 1) is author
            db.session.rollback()
            assert db.session.get(Author, 1).name == f"author of app {index}"


def test_explicit_sessions_win(setup):
    app, db, ma, Author, *_ = setup

    class AuthorSchema(ma.SQLAlchemyAutoSchema):
        class Meta:
            model = Author
            load_instance = True

    engine = sa.create_engine("sqlite://")
    db.metadata.create_all(engine)
    with sa_orm.Session(engine) as session, app.app_context():
        session.add(Author(id=1, name="elsewhere"))
        session.commit()
        # the app's db has Ada as author 1; the given session finds "elsewhere"
        loaded = AuthorSchema(session=session).load({"id": 1}, partial=True)
        assert loaded in session
        assert loaded.name == "elsewhere"
        assert loaded not in db.session
        assert AuthorSchema().load({"id": 1}, partial=True).name == "Ada"
    engine.dispose()


def test_clear_error_without_erlen_sqlalchemy(setup, tmp_path):
    _, db, ma, Author, *_ = setup

    class AuthorSchema(ma.SQLAlchemyAutoSchema):
        class Meta:
            model = Author
            load_instance = True

    bare = make_app(tmp_path, "bare")
    with bare.app_context():
        with pytest.raises(RuntimeError, match="'erlen.ext.sqlalchemy', which is not registered"):
            AuthorSchema().load({"id": 1, "name": "x"})
        assert AuthorSchema().dump(Author(id=3, name="n")) == {"id": 3, "name": "n"}
