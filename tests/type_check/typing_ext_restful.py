"""Type-checked, never run: erlen.ext.restful's decorators keep signatures; erlen.ext.marshmallow's
fields are attributes of the extension object."""

from __future__ import annotations

from typing_extensions import assert_type

from erlen import Flask
from erlen.ext.marshmallow import Marshmallow, Schema
from erlen.ext.restful import Api, Resource, fields, marshal_with, marshal_with_field, reqparse

app = Flask(__name__)
api = Api(app, prefix="/v1")
ma = Marshmallow(app)


@api.resource("/items/<int:id>")
class Item(Resource):
    @marshal_with({"id": fields.Integer, "name": fields.String})
    def get(self, id: int) -> dict[str, object]:
        return {"id": id, "name": "x"}

    @marshal_with_field(fields.List(fields.Integer))
    async def put(self, id: int) -> list[int]:
        return [id]


assert_type(Item, type[Item])
assert_type(Item().get(1), dict[str, object])

parser = reqparse.RequestParser().add_argument("n", type=int).add_argument("q")
assert_type(parser, reqparse.RequestParser)


# (a type checker takes no instance attribute as a base class: subclass the class itself)
class ItemSchema(Schema):
    name = ma.String(required=True)
    href = ma.URLFor("item", values={"id": "<id>"})
