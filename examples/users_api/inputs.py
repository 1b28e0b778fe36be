"""Reading the request through schemas: a JSON body, or the query string. What does not
load is a 4xx: 415 for a body that is not JSON, 400 for anything else."""

from __future__ import annotations

import typing as t

from marshmallow import Schema, ValidationError

from erlen import abort, request

from .exceptions import BadRequestError, ValidationFailed


def load_json(schema: Schema) -> dict[str, t.Any]:
    """The request's JSON object, loaded by ``schema``."""
    if not request.is_json:
        abort(415, "Send a JSON body (Content-Type: application/json).")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequestError("The body must be a JSON object.")
    return _load(schema, data)


def load_args(schema: Schema) -> dict[str, t.Any]:
    """The query string, loaded by ``schema`` (the first value of each argument)."""
    return _load(schema, request.args.to_dict())


def _load(schema: Schema, data: dict[str, t.Any]) -> dict[str, t.Any]:
    try:
        return t.cast("dict[str, t.Any]", schema.load(data))
    except ValidationError as e:
        raise ValidationFailed(t.cast("dict[str, t.Any]", e.messages)) from None
