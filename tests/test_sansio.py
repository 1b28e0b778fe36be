"""The transport-free layer: ``erlen.sansio`` has Flask's and Werkzeug's sans-IO classes,
and the app layer builds on them."""

from __future__ import annotations

import erlen
from erlen.exceptions import NotFound
from erlen.sansio.app import App
from erlen.sansio.blueprints import Blueprint as SansIOBlueprint, BlueprintSetupState
from erlen.sansio.request import Request as SansIORequest
from erlen.sansio.response import Response as SansIOResponse
from erlen.sansio.scaffold import Scaffold as SansIOScaffold


def test_app_and_blueprint_subclass_the_sansio_classes():
    app = erlen.Flask(__name__)
    bp = erlen.Blueprint("bp", __name__)
    assert isinstance(app, App)
    assert isinstance(app, SansIOScaffold)
    assert isinstance(bp, SansIOBlueprint)
    assert isinstance(bp, SansIOScaffold)
    assert issubclass(erlen.Response, SansIOResponse)
    assert issubclass(erlen.Request, SansIORequest)


def test_public_names_stay_importable_where_they_were():
    from erlen.app import Flask, get_debug_flag, get_load_dotenv
    from erlen.blueprints import Blueprint, BlueprintSetupState as AppLayerState
    from erlen.helpers import get_root_path
    from erlen.scaffold import Scaffold, find_package, setupmethod

    assert Flask is erlen.Flask
    assert Blueprint is erlen.Blueprint
    assert AppLayerState is BlueprintSetupState
    assert issubclass(Flask, Scaffold)
    assert callable(get_debug_flag) and callable(get_load_dotenv)
    assert callable(get_root_path) and callable(find_package) and callable(setupmethod)


def test_registration_and_error_handler_lookup_need_no_request():
    app = erlen.Flask(__name__)
    bp = erlen.Blueprint("bp", __name__, url_prefix="/bp")
    states = []
    bp.record(states.append)

    @bp.errorhandler(404)
    def bp_missing(e):
        return "bp", 404

    @app.errorhandler(NotFound)
    def missing(e):
        return "app", 404

    app.register_blueprint(bp)
    assert isinstance(states[0], BlueprintSetupState)
    assert states[0].url_prefix == "/bp"
    assert app._find_error_handler(NotFound(), ["bp"]) is bp_missing
    assert app._find_error_handler(NotFound(), []) is missing
    assert app.redirect("/x").status_code == 302


def test_sansio_response_takes_request_values():
    # The conditional logic reads a request's method and headers, whatever its transport.
    request = erlen.Request.from_values(headers={"If-None-Match": '"abc"'})
    response = erlen.Response("body")
    response.set_etag("abc")
    SansIOResponse.make_conditional(response, request)
    assert response.status_code == 304


def _plain_request(path="/", headers=None):
    from erlen.datastructures import Headers
    from erlen.wrappers import AppRequestMixin

    class PlainRequest(AppRequestMixin, SansIORequest):
        """A request built from plain values, as a non-WSGI transport would."""

    return PlainRequest(
        "get", "https", ("example.test", 443), "", path, b"a=1", Headers(headers or {}), None
    )


def test_app_request_mixin_over_the_sansio_request(app):
    from erlen.routing import Rule

    req = _plain_request(headers={"Host": "example.test"})
    assert (req.endpoint, req.blueprint, req.blueprints) == (None, None, [])
    req.url_rule = Rule("/x", endpoint="outer.inner.x")
    assert req.blueprints == ["outer.inner", "outer"]
    app.config["MAX_CONTENT_LENGTH"] = 10
    with app.app_context():
        assert req.max_content_length == 10
    assert req.max_content_length is None


def test_router_binds_to_a_request_from_plain_values(app):
    @app.route("/x/<int:n>")
    def x(n):
        return str(n)

    req = _plain_request("/x/5", {"Host": "example.test"})
    adapter = app.url_map.bind_to_request(req)
    assert adapter.server_name == "example.test"
    assert adapter.match("/x/5") == ("x", {"n": 5})
    assert adapter.build("x", {"n": 6}, force_external=True) == "https://example.test/x/6"
    upgrade = _plain_request(
        "/x/5", {"Host": "example.test", "Connection": "Upgrade", "Upgrade": "websocket"}
    )
    assert upgrade.websocket_upgrade is True
    assert app.url_map.bind_to_request(upgrade).url_scheme == "wss"
