"""erlen.ext.cors through the test client: the extension's resource maps, origins,
credentials, preflights, config and error responses; the cross_origin decorator on sync and
async views; and the origin check for websocket handshakes."""

from __future__ import annotations

import itertools
import logging
import re
from datetime import timedelta

import pytest

import erlen
from erlen import Blueprint, Response, abort, jsonify
from erlen.ext.cors import CORS, cross_origin
from erlen.ext.cors.core import (
    ACL_ALLOW_HEADERS,
    ACL_CREDENTIALS,
    ACL_EXPOSE_HEADERS,
    ACL_MAX_AGE,
    ACL_METHODS,
    ACL_ORIGIN,
    ACL_REQUEST_HEADER_PRIVATE_NETWORK,
    ACL_RESPONSE_PRIVATE_NETWORK,
    get_cors_headers,
    get_cors_options,
    parse_resources,
)
from erlen.ext.cors.extension import make_websocket_origin_check


def preflight(client, path, origin="http://a.test", method="POST", headers=None):
    request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        request_headers["Access-Control-Request-Headers"] = headers
    return client.options(path, headers=request_headers)


@pytest.fixture
def routes(app):
    for path in ("/", "/api/v1/users", "/api/v1/special", "/public/page", "/static.txt"):
        app.add_url_rule(path, path, lambda: "ok", methods=["GET", "POST", "PUT"])
    return app


def test_defaults(routes, client):
    CORS(routes)
    response = client.get("/")
    assert response.headers[ACL_ORIGIN] == "*"
    assert "Vary" not in response.headers
    response = client.get("/", headers={"Origin": "http://a.test"})
    assert response.headers[ACL_ORIGIN] == "http://a.test"
    assert response.headers.getlist("Vary") == ["Origin"]
    assert ACL_CREDENTIALS not in response.headers and ACL_METHODS not in response.headers

    response = preflight(client, "/", headers="X-Custom, Content-Type")
    assert response.status_code == 200
    assert response.headers[ACL_ORIGIN] == "http://a.test"
    assert response.headers[ACL_METHODS] == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
    assert response.headers[ACL_ALLOW_HEADERS] == "Content-Type, X-Custom"
    assert ACL_MAX_AGE not in response.headers
    # The app's own OPTIONS answer is kept: Allow lists the route's methods.
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST", "PUT"}


def test_resource_map(routes, client):
    CORS(
        routes,
        resources={
            r"/api/*": {"origins": ["http://a.test", r"https://.*\.b\.test"], "max_age": 600},
            "/api/v1/special": {"origins": "http://special.test"},
            re.compile(r"/public/.*"): {},
        },
    )
    get = client.get
    assert get("/api/v1/users", headers={"Origin": "http://a.test"}).headers[ACL_ORIGIN] == (
        "http://a.test"
    )
    # Origins compare without case; regular expressions too.
    assert get("/api/v1/users", headers={"Origin": "HTTP://A.TEST"}).headers[ACL_ORIGIN]
    assert get("/api/v1/users", headers={"Origin": "https://x.b.test"}).headers[ACL_ORIGIN]
    assert ACL_ORIGIN not in get("/api/v1/users", headers={"Origin": "http://evil.test"}).headers
    # Without an Origin the literal origins are listed (regular expressions can't be).
    assert get("/api/v1/users").headers.getlist(ACL_ORIGIN) == ["http://a.test"]
    # The literal path is more specific than the pattern.
    special = get("/api/v1/special", headers={"Origin": "http://special.test"})
    assert special.headers[ACL_ORIGIN] == "http://special.test"
    assert ACL_ORIGIN not in get("/api/v1/special", headers={"Origin": "http://a.test"}).headers
    assert get("/public/page", headers={"Origin": "http://z.test"}).headers[ACL_ORIGIN]
    # Paths outside every resource get nothing.
    assert ACL_ORIGIN not in get("/", headers={"Origin": "http://a.test"}).headers
    response = preflight(client, "/api/v1/users", origin="http://a.test")
    assert response.headers[ACL_MAX_AGE] == "600"


def test_resources_list_and_string(routes, client):
    CORS(routes, resources=["/static.txt", r"/public/*"], origins="http://a.test")
    assert client.get("/static.txt", headers={"Origin": "http://a.test"}).headers[ACL_ORIGIN]
    assert client.get("/public/page", headers={"Origin": "http://a.test"}).headers[ACL_ORIGIN]
    assert (
        ACL_ORIGIN not in client.get("/api/v1/users", headers={"Origin": "http://a.test"}).headers
    )


def test_bad_resources():
    app = erlen.Flask(__name__)
    with pytest.raises(ValueError, match="resources"):
        CORS(app, resources=5)
    with pytest.raises(ValueError, match="Invalid regular expression"):
        CORS(app, resources={"/api/(": {}})


def test_resource_specificity_order():
    pairs = parse_resources({r"/.*": {}, "/api/v1/x": {}, r"/api/v1/.*": {}, "/api": {}})
    patterns = [p if isinstance(p, str) else p.pattern for p, _ in pairs]
    assert patterns == ["/api/v1/x", "/api", r"/api/v1/.*", r"/.*"]


def test_path_is_decoded_once(app, client):
    @app.route("/x%41")
    def encoded():
        return "ok"

    @app.route("/service path")
    def spaced():
        return "ok"

    CORS(app, resources={"/xA": {}, "/service path": {}, "/x%41": {"origins": "http://e.test"}})
    # "/x%2541" is the path "/x%41"; decoding it again would turn it into "/xA".
    response = client.get("/x%2541", headers={"Origin": "http://a.test"})
    assert response.status_code == 200 and ACL_ORIGIN not in response.headers
    response = client.get("/x%2541", headers={"Origin": "http://e.test"})
    assert response.headers[ACL_ORIGIN] == "http://e.test"
    assert client.get("/service%20path", headers={"Origin": "http://a.test"}).headers[ACL_ORIGIN]


def test_credentials(routes, client):
    CORS(routes, resources={r"/api/*": {"origins": "http://a.test"}}, supports_credentials=True)
    response = client.get("/api/v1/users", headers={"Origin": "http://a.test"})
    assert response.headers[ACL_ORIGIN] == "http://a.test"
    assert response.headers[ACL_CREDENTIALS] == "true"
    assert (
        ACL_CREDENTIALS
        not in client.get("/api/v1/users", headers={"Origin": "http://b.test"}).headers
    )


def test_wildcard_with_credentials_is_never_sent():
    """Over every combination of the options that decide it, and requests with and without
    an Origin, preflights included: ``*`` never goes with ``Allow-Credentials``."""
    origin_options = ["*", ["*", "http://a.test"], "http://a.test", r"http://.*\.test", ".*"]
    combos = itertools.product(origin_options, *[[False, True]] * 3)
    checked = 0
    for origins, credentials, send_wildcard, always_send in combos:
        app = erlen.Flask(__name__)
        app.add_url_rule("/", "index", lambda: "ok")
        options = {
            "origins": origins,
            "supports_credentials": credentials,
            "send_wildcard": send_wildcard,
            "always_send": always_send,
        }
        wildcard = origins in ("*", ".*") or "*" in origins
        if credentials and send_wildcard and wildcard and origins != r"http://.*\.test":
            with pytest.raises(ValueError, match="supports_credentials"):
                CORS(app, **options)
            continue
        CORS(app, **options)
        client = app.test_client()
        for headers in ({}, {"Origin": "http://a.test"}, {"Origin": "http://evil.example"}):
            for method in ("get", "options"):
                request_headers = dict(headers, **{"Access-Control-Request-Method": "GET"})
                response = getattr(client, method)("/", headers=request_headers)
                origins_sent = response.headers.getlist(ACL_ORIGIN)
                if response.headers.get(ACL_CREDENTIALS) == "true":
                    assert "*" not in origins_sent, options
                    checked += 1
    assert checked > 20


def test_options_headers_and_age(routes, client):
    CORS(
        routes,
        methods=["get", "post"],
        allow_headers=["Content-Type", r"X-Company-.*"],
        expose_headers={"X-Total-Count", "X-Page"},
        max_age=timedelta(hours=1),
    )
    response = client.get("/", headers={"Origin": "http://a.test"})
    assert response.headers[ACL_EXPOSE_HEADERS] == "X-Page, X-Total-Count"
    assert ACL_MAX_AGE not in response.headers
    response = preflight(client, "/", headers="x-company-id, X-Other, content-type")
    assert response.headers[ACL_METHODS] == "GET, POST"
    assert response.headers[ACL_ALLOW_HEADERS] == "content-type, x-company-id"
    assert response.headers[ACL_MAX_AGE] == "3600"
    # A method that isn't allowed: the preflight gets no method or header grants.
    response = preflight(client, "/", method="PUT", headers="Content-Type")
    assert response.headers[ACL_ORIGIN] == "http://a.test"
    assert ACL_METHODS not in response.headers and ACL_ALLOW_HEADERS not in response.headers


def test_send_wildcard_and_always_send(routes, client):
    CORS(routes, resources={"/": {"send_wildcard": True}, "/static.txt": {"always_send": False}})
    assert client.get("/", headers={"Origin": "http://a.test"}).headers[ACL_ORIGIN] == "*"
    assert ACL_ORIGIN not in client.get("/static.txt").headers
    assert client.get("/static.txt", headers={"Origin": "http://a.test"}).headers[ACL_ORIGIN]


def test_vary_header(routes, client):
    @routes.route("/varied")
    def varied():
        return Response("x", headers={"Vary": "Accept-Encoding"})

    CORS(
        routes,
        resources={
            "/": {"origins": "http://a.test"},
            "/static.txt": {"origins": ["http://a.test", "http://b.test"], "vary_header": False},
            "/varied": {"origins": ["http://a.test", "http://b.test"]},
        },
    )
    assert "Vary" not in client.get("/", headers={"Origin": "http://a.test"}).headers
    assert "Vary" not in client.get("/static.txt", headers={"Origin": "http://a.test"}).headers
    response = client.get("/varied", headers={"Origin": "http://a.test"})
    assert sorted(response.headers.getlist("Vary")) == ["Accept-Encoding", "Origin"]


def test_private_network(routes, client):
    CORS(routes, resources={"/": {"allow_private_network": True}, "/static.txt": {}})
    ask = {"Origin": "http://a.test", ACL_REQUEST_HEADER_PRIVATE_NETWORK: "true"}
    assert client.get("/", headers=ask).headers[ACL_RESPONSE_PRIVATE_NETWORK] == "true"
    assert client.get("/static.txt", headers=ask).headers[ACL_RESPONSE_PRIVATE_NETWORK] == "false"
    response = client.get("/", headers={"Origin": "http://a.test"})
    assert ACL_RESPONSE_PRIVATE_NETWORK not in response.headers


def test_config_and_precedence(routes, client):
    routes.config.update(
        CORS_ORIGINS=["http://config.test"],
        CORS_EXPOSE_HEADERS="X-From-Config",
        CORS_RESOURCES={r"/api/*": {}, "/": {"origins": "http://resource.test"}},
        CORS_SUPPORTS_CREDENTIALS=True,
    )
    CORS(routes, expose_headers="X-From-Kwargs")
    response = client.get("/api/v1/users", headers={"Origin": "http://config.test"})
    assert response.headers[ACL_ORIGIN] == "http://config.test"
    assert response.headers[ACL_EXPOSE_HEADERS] == "X-From-Kwargs"
    assert response.headers[ACL_CREDENTIALS] == "true"
    response = client.get("/", headers={"Origin": "http://resource.test"})
    assert response.headers[ACL_ORIGIN] == "http://resource.test"


def test_init_app_kwargs_override_the_constructor(routes, client):
    cors = CORS(origins="http://ctor.test", expose_headers="X-Ctor")
    cors.init_app(routes, origins="http://init.test")
    response = client.get("/", headers={"Origin": "http://init.test"})
    assert response.headers[ACL_ORIGIN] == "http://init.test"
    assert response.headers[ACL_EXPOSE_HEADERS] == "X-Ctor"
    assert ACL_ORIGIN not in client.get("/", headers={"Origin": "http://ctor.test"}).headers


def test_unknown_option_is_logged(routes, caplog):
    with caplog.at_level(logging.WARNING, logger="erlen.ext.cors"):
        CORS(routes, orgins="http://typo.test")
    assert "Unknown option passed to Flask-CORS: orgins" in caplog.text


def test_blueprint(app, client):
    bp = Blueprint("api", __name__, url_prefix="/api")
    CORS(bp, resources={r"/api/*": {"origins": "http://a.test"}})

    @bp.route("/ping")
    def ping():
        return "pong"

    @app.route("/other")
    def other():
        return "other"

    app.register_blueprint(bp)
    assert client.get("/api/ping", headers={"Origin": "http://a.test"}).headers[ACL_ORIGIN]
    assert ACL_ORIGIN not in client.get("/other", headers={"Origin": "http://a.test"}).headers


def test_error_responses_get_headers(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/api/missing")
    def missing():
        abort(404)

    @app.route("/api/broken")
    def broken():
        raise LookupError("a bug")

    @app.route("/elsewhere")
    def elsewhere():
        raise LookupError("a bug")

    @app.route("/api/handled")
    def handled_view():
        raise KeyError("handled")

    @app.errorhandler(KeyError)
    def handled(e):
        return jsonify(error="handled"), 409

    CORS(app, resources={r"/api/*": {"origins": "http://a.test"}}, intercept_exceptions=False)
    origin = {"Origin": "http://a.test"}
    for path, status in (("/api/missing", 404), ("/api/broken", 500), ("/api/nowhere", 404)):
        response = client.get(path, headers=origin)
        assert response.status_code == status
        assert response.headers[ACL_ORIGIN] == "http://a.test", path
    response = client.get("/elsewhere", headers=origin)
    assert response.status_code == 500 and ACL_ORIGIN not in response.headers
    response = client.get("/api/handled", headers=origin)
    assert response.status_code == 409 and response.headers[ACL_ORIGIN] == "http://a.test"


def test_cross_origin_decorator(app, client):
    @app.route("/open")
    @cross_origin()
    def open_view():
        return "open"

    @app.route("/narrow", methods=["GET", "POST"])
    @cross_origin(origins=["http://a.test", "http://b.test"], methods="POST", max_age=60)
    async def narrow():
        return jsonify(kind="async")

    @app.route("/manual", methods=["GET", "OPTIONS"])
    @cross_origin(automatic_options=False)
    def manual():
        return "my own OPTIONS"

    @app.route("/plain")
    @cross_origin(automatic_options=False)
    def plain():
        return "plain"

    assert client.get("/open").headers[ACL_ORIGIN] == "*"
    response = client.get("/narrow", headers={"Origin": "http://b.test"})
    assert response.json == {"kind": "async"}
    assert response.headers[ACL_ORIGIN] == "http://b.test"
    assert response.headers["Vary"] == "Origin"
    # The decorator answers the preflight itself, with the app's default OPTIONS response.
    response = preflight(client, "/narrow", origin="http://a.test")
    assert response.status_code == 200 and response.data == b""
    assert response.headers[ACL_METHODS] == "POST" and response.headers[ACL_MAX_AGE] == "60"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    response = client.options("/manual", headers={"Origin": "http://a.test"})
    assert response.text == "my own OPTIONS" and response.headers[ACL_ORIGIN]
    # Without automatic_options the app answers OPTIONS before the view: no CORS headers.
    response = client.options("/plain", headers={"Origin": "http://a.test"})
    assert response.status_code == 200 and ACL_ORIGIN not in response.headers


def test_decorator_wins_over_the_extension(app, client):
    @app.route("/special")
    @cross_origin(origins="http://special.test", expose_headers="X-Special")
    def special():
        return "special"

    CORS(app, origins="http://a.test", expose_headers="X-General")
    response = client.get("/special", headers={"Origin": "http://special.test"})
    assert response.headers.getlist(ACL_ORIGIN) == ["http://special.test"]
    assert response.headers[ACL_EXPOSE_HEADERS] == "X-Special"
    assert ACL_ORIGIN not in client.get("/special", headers={"Origin": "http://a.test"}).headers


def test_decorator_follows_config_changes(app, client):
    @app.route("/view")
    @cross_origin()
    def view():
        return "v"

    app.config["CORS_ORIGINS"] = "http://first.test"
    assert client.get("/view", headers={"Origin": "http://first.test"}).headers[ACL_ORIGIN]
    app.config["CORS_ORIGINS"] = "http://second.test"
    assert ACL_ORIGIN not in client.get("/view", headers={"Origin": "http://first.test"}).headers
    assert client.get("/view", headers={"Origin": "http://second.test"}).headers[ACL_ORIGIN]


def test_get_cors_headers(app):
    options = get_cors_options(
        app, {"origins": ["http://a.test", "http://b.test"], "supports_credentials": True}
    )
    with app.test_request_context(headers={"Origin": "http://a.test"}) as ctx:
        headers = get_cors_headers(options, ctx.request.headers, "GET")
    assert list(headers.items(multi=True)) == [
        (ACL_ORIGIN, "http://a.test"),
        (ACL_CREDENTIALS, "true"),
        ("Vary", "Origin"),
    ]


def _resources(app, spec):
    return [(pattern, get_cors_options(app, opts)) for pattern, opts in parse_resources(spec)]


def test_websocket_origin_check(app, client):
    """The handshake check reads only the request context; until erlen has websockets it
    is exercised as a before_request hook on plain requests."""
    app.before_request(
        make_websocket_origin_check(_resources(app, {r"/ws/*": {"origins": "http://a.test"}}))
    )
    for path in ("/ws/chat", "/other"):
        app.add_url_rule(path, path, lambda: "ok")
    assert client.get("/ws/chat", headers={"Origin": "http://a.test"}).status_code == 200
    assert client.get("/ws/chat", headers={"Origin": "http://evil.test"}).status_code == 403
    assert client.get("/ws/chat").status_code == 200  # not from a browser page
    # A page of the app's own site may connect.
    assert client.get("/ws/chat", headers={"Origin": "http://localhost"}).status_code == 200
    assert client.get("/other", headers={"Origin": "http://evil.test"}).status_code == 200


def test_init_app_registers_the_handshake_check_where_there_are_websockets():
    class WebsocketApp(erlen.Flask):
        """An app with a ``before_websocket`` hook registry, as erlen will have."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.websocket_hooks = []

        def before_websocket(self, f):
            self.websocket_hooks.append(f)
            return f

    app = WebsocketApp(__name__)
    CORS(app, origins="http://a.test")
    (check,) = app.websocket_hooks
    with app.test_request_context("/chat", headers={"Origin": "http://a.test"}):
        check()
    with app.test_request_context("/chat", headers={"Origin": "http://evil.test"}):
        with pytest.raises(erlen.exceptions.Forbidden):
            check()
