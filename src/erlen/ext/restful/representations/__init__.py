"""Output representations of :class:`~erlen.ext.restful.Api` (Flask-RESTful's
``flask_restful.representations``): ``representations.json.output_json`` is the default one,
for ``application/json``."""
