"""The base :class:`Schema` (Flask-Marshmallow's ``flask_marshmallow.schema``)."""

from __future__ import annotations

import typing as t

import marshmallow as ma

from erlen import jsonify

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen.wrappers import Response

__all__ = ["Schema"]


class Schema(ma.Schema):
    """A :class:`marshmallow.Schema` that can answer a request with its dump:
    :meth:`jsonify`. See marshmallow's documentation for the rest of the API."""

    def jsonify(
        self, obj: t.Any, many: bool | None = None, *args: t.Any, **kwargs: t.Any
    ) -> Response:
        """A JSON response of ``self.dump(obj, many=many)`` (:func:`erlen.jsonify`).

        :param obj: the object (or, with ``many``, the collection) to dump.
        :param many: dump a collection; ``None`` uses the schema's own ``many``.
        :param args: more positional arguments of :func:`erlen.jsonify`.
        :param kwargs: keyword arguments of :func:`erlen.jsonify`.
        """
        if many is None:
            many = self.many
        return jsonify(self.dump(obj, many=many), *args, **kwargs)
