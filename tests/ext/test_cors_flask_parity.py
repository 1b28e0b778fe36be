"""erlen.ext.cors answers as Flask-CORS 6.0.5 does: one app factory, written once against
the extension's API, is built on Flask with the real extension and on erlen with the
battery, and the same requests get the same status and the same CORS headers."""

from __future__ import annotations

import importlib
import re

ORIGINS = (None, "http://a.test", "HTTPS://X.B.TEST", "http://evil.test")


def build(framework: str):
    flask = importlib.import_module("flask" if framework == "flask" else "erlen")
    ext = importlib.import_module("flask_cors" if framework == "flask" else "erlen.ext.cors")
    app = flask.Flask(f"cors_parity_{framework}")
    app.config["CORS_EXPOSE_HEADERS"] = ["X-Total-Count", "X-Page"]
    ext.CORS(
        app,
        resources={
            r"/api/*": {
                "origins": ["http://a.test", r"https://.*\.b\.test"],
                "supports_credentials": True,
                "max_age": 600,
                "allow_headers": ["Content-Type", r"X-Api-.*"],
                "methods": ["GET", "POST"],
            },
            "/open": {},
            "/wild": {"send_wildcard": True},
            "/quiet": {"always_send": False, "vary_header": False},
            "/private": {"allow_private_network": True},
        },
    )

    for path in ("/api/items", "/open", "/wild", "/quiet", "/private", "/uncovered"):
        app.add_url_rule(path, path, lambda: "ok", methods=["GET", "POST", "PUT"])

    @app.route("/api/missing")
    def missing():
        flask.abort(404)

    @app.route("/decorated", methods=["GET", "POST"])
    @ext.cross_origin(origins=r"http://.*\.test", expose_headers="X-Deco", methods=["POST"])
    def decorated():
        return "deco"

    @app.route("/decorated-vary")
    @ext.cross_origin(origins="http://a.test")
    def decorated_vary():
        return flask.Response("v", headers={"Vary": "Accept-Encoding"})

    return app


def outcome(response):
    # Names compared lower-cased: the ASGI interface sends them so.
    headers = sorted(
        (name.lower(), value)
        for name, value in response.headers.items()
        if re.match("(?i)access-control-|vary$", name)
    )
    # Allow lists the same methods; their order is a set's on Flask.
    allow = sorted(response.headers.get("Allow", "").split(", "))
    return response.status_code, headers, allow


def scenario(framework: str) -> list:
    client = build(framework).test_client()
    results = []
    paths = ("/api/items", "/api/missing", "/open", "/wild", "/quiet", "/private")
    paths += ("/uncovered", "/decorated", "/decorated-vary", "/nowhere")
    for path in paths:
        for origin in ORIGINS:
            headers = {"Origin": origin} if origin else {}
            results.append(outcome(client.get(path, headers=headers)))
            results.append(outcome(client.post(path, headers=headers)))
            for method, asked in (("POST", "x-api-key, X-Other"), ("PUT", "Content-Type")):
                preflight = dict(headers)
                preflight["Access-Control-Request-Method"] = method
                preflight["Access-Control-Request-Headers"] = asked
                preflight["Access-Control-Request-Private-Network"] = "true"
                results.append(outcome(client.options(path, headers=preflight)))
    return results


def test_same_headers_as_flask_cors():
    flask_results = scenario("flask")
    erlen_results = scenario("erlen")
    assert len(flask_results) == len(erlen_results) == 160
    for index, (expected, got) in enumerate(zip(flask_results, erlen_results, strict=True)):
        assert got == expected, index
