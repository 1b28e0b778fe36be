"""The benchmark apps: the same small app written for each framework.

Every module builds the routes that ``benchmarks/scenarios.py`` requests, with the code a user
of that framework would write: ``erlen_app`` and ``flask_app`` share one module of Flask-API
code (:mod:`flask_shape`), the others are written in their own framework's idiom. WSGI modules
expose ``app``; ASGI ones ``asgi_app``. ``raw_app`` is the ceiling of the server runs.
"""
