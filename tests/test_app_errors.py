"""Error handling in the application: handlers, propagation, traps, abort, Werkzeug errors."""

from __future__ import annotations

import logging

import pytest
import werkzeug.exceptions as wz

import erlen
from erlen import exceptions as ex, signals


@pytest.fixture
def quiet_app(app):
    """An app that answers 500 instead of propagating, and does not log the error."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.logger.disabled = True
    return app


class ParentError(Exception):
    pass


class ChildError(ParentError):
    pass


def test_errorhandler_by_code(app, client):
    @app.errorhandler(404)
    def not_found(e):
        assert isinstance(e, ex.NotFound)
        return f"custom 404: {e.code}", 404

    rv = client.get("/nowhere")
    assert (rv.status_code, rv.data) == (404, b"custom 404: 404")


def test_errorhandler_by_code_and_class_are_equivalent(app, client):
    def forbidden(e):
        return "forbidden!", 403

    app.register_error_handler(ex.Forbidden, forbidden)

    @app.get("/")
    def view():
        erlen.abort(403)

    assert client.get("/").data == b"forbidden!"
    assert app.error_handler_spec[None][403][ex.Forbidden] is forbidden


def test_errorhandler_by_class_mro(app, client):
    @app.errorhandler(ParentError)
    def parent(e):
        return "parent:" + type(e).__name__, 500

    @app.errorhandler(Exception)
    def anything(e):
        return "exception:" + type(e).__name__, 500

    app.get("/child", endpoint="child")(lambda: (_ for _ in ()).throw(ChildError()))
    app.get("/other", endpoint="other")(lambda: (_ for _ in ()).throw(KeyError()))
    assert client.get("/child").data == b"parent:ChildError"
    assert client.get("/other").data == b"exception:KeyError"


def test_most_specific_class_handler_wins(app, client):
    app.register_error_handler(ParentError, lambda e: "parent")
    app.register_error_handler(ChildError, lambda e: "child")

    @app.get("/")
    def view():
        raise ChildError

    assert client.get("/").data == b"child"


def test_http_exception_catch_all(app, client):
    @app.errorhandler(ex.HTTPException)
    def http(e):
        return f"{e.code} {e.name}", e.code

    app.post("/p", endpoint="p")(lambda: "p")

    @app.get("/teapot")
    def teapot():
        erlen.abort(418)

    assert client.get("/missing").data == b"404 Not Found"
    rv = client.get("/p")
    assert (rv.status_code, rv.data) == (405, b"405 Method Not Allowed")
    assert client.get("/teapot").data == b"418 I'm a teapot"


def test_code_handler_preferred_over_class_handler(app, client):
    app.register_error_handler(ex.HTTPException, lambda e: ("generic", e.code))
    app.register_error_handler(404, lambda e: ("specific", 404))
    assert client.get("/x").data == b"specific"


def test_blueprint_handler_before_app_handler(app, client):
    bp = erlen.Blueprint("bp", __name__)
    app.register_error_handler(ValueError, lambda e: "app handler")
    bp.register_error_handler(ValueError, lambda e: "bp handler")
    app.register_error_handler(403, lambda e: ("app 403", 403))

    @bp.get("/v")
    def bp_view():
        raise ValueError

    @bp.get("/f")
    def bp_forbidden():
        erlen.abort(403)

    @app.get("/v")
    def app_view():
        raise ValueError

    app.register_blueprint(bp, url_prefix="/bp")
    assert client.get("/bp/v").data == b"bp handler"
    assert client.get("/v").data == b"app handler"
    # No bp handler for 403: falls back to the app's.
    assert client.get("/bp/f").data == b"app 403"


def test_blueprint_code_handler_beats_app_class_handler(app, client):
    bp = erlen.Blueprint("bp", __name__)
    bp.register_error_handler(ex.HTTPException, lambda e: ("bp http", e.code))
    app.register_error_handler(404, lambda e: ("app 404", 404))

    @bp.get("/")
    def view():
        erlen.abort(404)

    app.register_blueprint(bp, url_prefix="/bp")
    # Flask looks up the code in the blueprint and app before any class handler.
    assert client.get("/bp/").data == b"app 404"


def test_nested_blueprint_handler(app, client):
    parent = erlen.Blueprint("parent", __name__)
    child = erlen.Blueprint("child", __name__)
    parent.register_error_handler(KeyError, lambda e: "parent handler")

    @child.get("/")
    def view():
        raise KeyError

    parent.register_blueprint(child, url_prefix="/c")
    app.register_blueprint(parent, url_prefix="/p")
    assert client.get("/p/c/").data == b"parent handler"


def test_app_errorhandler_from_blueprint(app, client):
    bp = erlen.Blueprint("bp", __name__)
    bp.app_errorhandler(404)(lambda e: ("from bp for app", 404))
    app.register_blueprint(bp)
    assert client.get("/none").data == b"from bp for app"


@pytest.mark.parametrize(
    ("rv", "status", "body", "header"),
    [
        (("t", 404), 404, b"t", None),
        (("t", {"X-E": "1"}), 200, b"t", "1"),
        (("t", 410, {"X-E": "2"}), 410, b"t", "2"),
        (({"err": 1}, 422), 422, b'{"err":1}\n', None),
    ],
)
def test_handler_returning_tuples(app, client, rv, status, body, header):
    app.register_error_handler(404, lambda e: rv)
    resp = client.get("/missing")
    assert resp.status_code == status
    assert resp.data == body
    assert resp.headers.get("X-E") == header


def test_handler_returning_exception_response(app, client):
    app.register_error_handler(404, lambda e: e)
    rv = client.get("/x")
    assert rv.status_code == 404
    assert b"Not Found" in rv.data


def test_unhandled_exception_500_with_handler_original_exception(quiet_app, client):
    app = quiet_app
    seen = []

    @app.errorhandler(500)
    def server_error(e):
        seen.append(e)
        return f"500 handler: {type(e.original_exception).__name__}", 500

    @app.get("/")
    def view():
        raise LookupError("secret detail")

    rv = client.get("/")
    assert (rv.status_code, rv.data) == (500, b"500 handler: LookupError")
    (e,) = seen
    assert isinstance(e, ex.InternalServerError)
    assert isinstance(e.original_exception, LookupError)
    assert str(e.original_exception) == "secret detail"


def test_internal_server_error_handler_for_abort_500(app, client):
    seen = []

    @app.errorhandler(ex.InternalServerError)
    def server_error(e):
        seen.append(e.original_exception)
        return "handled", 500

    @app.get("/")
    def view():
        erlen.abort(500)

    assert client.get("/").data == b"handled"
    assert seen == [None]


def test_exception_handler_catches_everything_but_not_http(app, client):
    @app.errorhandler(Exception)
    def catch_all(e):
        if isinstance(e, ex.HTTPException):
            return "http " + str(e.code), e.code
        return "generic", 500

    @app.get("/")
    def view():
        raise RuntimeError

    assert client.get("/").data == b"generic"
    # Flask passes HTTP errors to an Exception handler too.
    assert client.get("/missing").data == b"http 404"


def test_non_debug_500_page_has_no_internals(quiet_app, client):
    @quiet_app.get("/")
    def view():
        raise ValueError("TOPSECRET-token-1234")

    rv = client.get("/")
    assert rv.status_code == 500
    text = rv.get_data(as_text=True)
    assert "Internal Server Error" in text
    assert "TOPSECRET" not in text
    assert "Traceback" not in text
    assert "ValueError" not in text
    assert "test_app_errors" not in text
    assert rv.mimetype == "text/html"


def test_unhandled_exception_is_logged(quiet_app, client, caplog):
    quiet_app.logger.disabled = False

    @quiet_app.get("/")
    def view():
        raise ValueError("logged")

    with caplog.at_level(logging.ERROR, logger=quiet_app.logger.name):
        assert client.get("/").status_code == 500
    (record,) = [r for r in caplog.records if r.name == quiet_app.logger.name]
    assert record.getMessage() == "Exception on / [GET]"
    assert record.exc_info[0] is ValueError


@pytest.mark.parametrize(
    ("config", "debug", "propagates"),
    [
        ({"TESTING": True}, False, True),
        ({"TESTING": False}, True, True),
        ({"TESTING": False}, False, False),
        ({"TESTING": True, "PROPAGATE_EXCEPTIONS": False}, False, False),
        ({"TESTING": False, "PROPAGATE_EXCEPTIONS": True}, False, True),
        ({"TESTING": False, "PROPAGATE_EXCEPTIONS": False}, True, False),
    ],
)
def test_propagate_exceptions(app, config, debug, propagates):
    app.config.update(config)
    app.debug = debug
    app.logger.disabled = True

    @app.get("/")
    def view():
        raise ArithmeticError("x")

    c = app.test_client()
    if propagates:
        with pytest.raises(ArithmeticError):
            c.get("/")
    else:
        assert c.get("/").status_code == 500


def test_propagated_exception_sends_got_request_exception(app, client):
    received = []

    @app.get("/")
    def view():
        raise ArithmeticError

    with signals.got_request_exception.connected_to(
        lambda s, exception, **kw: received.append(exception), app
    ):
        with pytest.raises(ArithmeticError):
            client.get("/")
    assert len(received) == 1
    assert isinstance(received[0], ArithmeticError)


def test_trap_http_exceptions(app, client):
    app.config["TRAP_HTTP_EXCEPTIONS"] = True

    @app.get("/")
    def view():
        erlen.abort(404)

    with pytest.raises(ex.NotFound):
        client.get("/")
    with pytest.raises(ex.NotFound):
        client.get("/no-route")

    # Trapped HTTP errors go to an Exception-class handler like any other error.
    app2 = erlen.Flask(__name__)
    app2.config["TRAP_HTTP_EXCEPTIONS"] = True
    app2.register_error_handler(Exception, lambda e: ("trapped " + type(e).__name__, 500))
    app2.get("/")(lambda: erlen.abort(403))
    assert app2.test_client().get("/").data == b"trapped Forbidden"

    # Like Flask, a handler registered for the code still catches the trapped error.
    app3 = erlen.Flask(__name__)
    app3.config.update(TESTING=True, TRAP_HTTP_EXCEPTIONS=True)
    app3.register_error_handler(404, lambda e: ("by code", 404))
    assert app3.test_client().get("/nothing").data == b"by code"


def test_trap_bad_request_errors(app, client):
    app.config["TRAP_BAD_REQUEST_ERRORS"] = True

    @app.get("/key")
    def key():
        return erlen.request.args["missing"]

    @app.get("/bad")
    def bad():
        erlen.abort(400)

    @app.get("/nf")
    def nf():
        erlen.abort(404)

    with pytest.raises(ex.BadRequestKeyError):
        client.get("/key")
    with pytest.raises(ex.BadRequest):
        client.get("/bad")
    assert client.get("/nf").status_code == 404


def test_bad_request_key_error_in_debug(app, client):
    app.debug = True

    @app.get("/")
    def view():
        return erlen.request.form["missing_key"]

    # TRAP_BAD_REQUEST_ERRORS is None: debug mode traps key errors only.
    with pytest.raises(ex.BadRequestKeyError) as exc:
        client.get("/")
    assert exc.value.show_exception is True
    assert "missing_key" in exc.value.get_description()


def test_bad_request_key_error_detail_only_in_debug(app, client):
    @app.get("/")
    def view():
        return erlen.request.args["missing_key"]

    rv = client.get("/")
    assert rv.status_code == 400
    assert b"missing_key" not in rv.data

    app.config["TRAP_BAD_REQUEST_ERRORS"] = False
    app.debug = True
    rv = client.get("/")
    assert rv.status_code == 400
    assert b"KeyError: &#39;missing_key&#39;" in rv.data


def test_bad_request_not_trapped_in_debug(app, client):
    app.debug = True

    @app.get("/")
    def view():
        erlen.abort(400)

    assert client.get("/").status_code == 400


def test_error_inside_error_handler(quiet_app, client):
    app = quiet_app
    seen = []

    @app.errorhandler(KeyError)
    def broken(e):
        raise ValueError("handler broke")

    @app.errorhandler(500)
    def server_error(e):
        seen.append(type(e.original_exception))
        return "500 from handler", 500

    @app.get("/")
    def view():
        raise KeyError

    rv = client.get("/")
    assert (rv.status_code, rv.data) == (500, b"500 from handler")
    assert seen == [ValueError]


def test_error_inside_500_handler(quiet_app, client, caplog):
    app = quiet_app

    @app.errorhandler(500)
    def server_error(e):
        raise RuntimeError("500 handler broke")

    @app.get("/")
    def view():
        raise KeyError

    # The 500 handler itself fails: the exception escapes wsgi_app.
    with pytest.raises(RuntimeError, match="500 handler broke"):
        client.get("/")


def test_error_in_after_request_of_500_is_logged(quiet_app, client, caplog):
    app = quiet_app
    app.logger.disabled = False

    @app.after_request
    def after(resp):
        raise RuntimeError("after broke")

    @app.get("/")
    def view():
        raise KeyError

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        rv = client.get("/")
    assert rv.status_code == 500
    messages = [r.getMessage() for r in caplog.records]
    assert "Request finalizing failed with an error while handling an error" in messages


def test_abort_codes(app, client):
    @app.get("/<int:code>")
    def view(code):
        erlen.abort(code)

    for code, name in [
        (400, "Bad Request"),
        (401, "Unauthorized"),
        (404, "Not Found"),
        (409, "Conflict"),
        (429, "Too Many Requests"),
        (503, "Service Unavailable"),
    ]:
        rv = client.get(f"/{code}")
        assert rv.status_code == code
        assert name.encode() in rv.data


def test_abort_with_description(app, client):
    @app.get("/")
    def view():
        erlen.abort(403, description="No entry for <you>")

    rv = client.get("/")
    assert rv.status_code == 403
    assert b"No entry for &lt;you&gt;" in rv.data


def test_abort_unknown_code(app, req_ctx):
    with pytest.raises(LookupError, match="no exception for 999"):
        erlen.abort(999)


def test_abort_with_response(app, client):
    @app.get("/")
    def view():
        erlen.abort(erlen.Response("custom body", status=451))

    app.register_error_handler(451, lambda e: "never")
    rv = client.get("/")
    assert (rv.status_code, rv.data) == (451, b"custom body")


def test_abort_outside_app_context():
    with pytest.raises(ex.NotFound):
        erlen.abort(404)


def test_custom_aborter(app, client):
    class PaymentRequired(ex.HTTPException):
        code = 402
        description = "pay up"

    app.aborter.mapping[402] = PaymentRequired

    @app.get("/")
    def view():
        erlen.abort(402)

    rv = client.get("/")
    assert rv.status_code == 402
    assert b"pay up" in rv.data


def test_werkzeug_exceptions_inside_erlen_app(app, client):
    @app.get("/nf")
    def nf():
        raise wz.NotFound()

    @app.get("/forbidden")
    def forbidden():
        raise wz.Forbidden("wz says no")

    @app.get("/abort")
    def wz_abort():
        wz.abort(409)

    rv = client.get("/nf")
    assert rv.status_code == 404
    rv = client.get("/forbidden")
    assert rv.status_code == 403
    assert b"wz says no" in rv.data
    assert client.get("/abort").status_code == 409


def test_werkzeug_exceptions_use_erlen_handlers(app, client):
    app.register_error_handler(ex.NotFound, lambda e: ("erlen NotFound handler", 404))
    app.register_error_handler(409, lambda e: ("409 by code", 409))
    app.register_error_handler(ex.HTTPException, lambda e: (f"generic {e.code}", e.code))

    app.get("/nf", endpoint="nf")(lambda: (_ for _ in ()).throw(wz.NotFound()))
    app.get("/c", endpoint="c")(lambda: (_ for _ in ()).throw(wz.Conflict()))
    app.get("/g", endpoint="g")(lambda: (_ for _ in ()).throw(wz.Gone()))
    assert client.get("/nf").data == b"erlen NotFound handler"
    assert client.get("/c").data == b"409 by code"
    assert client.get("/g").data == b"generic 410"


def test_werkzeug_class_registered_as_handler(app, client):
    app.register_error_handler(wz.NotFound, lambda e: ("wz-registered", 404))

    @app.get("/")
    def view():
        erlen.abort(404)

    assert client.get("/").data == b"wz-registered"
    assert client.get("/missing").data == b"wz-registered"


def test_werkzeug_bad_request_key_error_trapped(app, client):
    app.config["TRAP_BAD_REQUEST_ERRORS"] = True

    @app.get("/")
    def view():
        raise wz.BadRequestKeyError("k")

    with pytest.raises(wz.BadRequestKeyError):
        client.get("/")


def test_app_still_answers_after_errors(quiet_app, client):
    quiet_app.get("/ok", endpoint="ok")(lambda: "ok")

    @quiet_app.get("/bad")
    def bad():
        raise RuntimeError

    for _ in range(3):
        assert client.get("/bad").status_code == 500
        assert client.get("/ok").data == b"ok"


@pytest.mark.parametrize(
    ("key", "exc", "message"),
    [
        (999, ValueError, "'999' is not a recognized HTTP error code"),
        (299, ValueError, "'299' is not a recognized HTTP error code"),
        (int, ValueError, "'int' is not a subclass of Exception"),
        (ValueError(), TypeError, "ValueError() is an instance, not a class"),
    ],
)
def test_register_error_handler_rejects(app, key, exc, message):
    with pytest.raises(exc) as info:
        app.register_error_handler(key, lambda e: "x")
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/missing", 404), ("POST", "/only-get", 405), ("GET", "/folder", 308)],
)
def test_error_answers_leave_no_reference_cycle(app, method, path, status):
    import gc

    from erlen.test import EnvironBuilder

    app.get("/only-get", endpoint="only_get")(lambda: "x")
    app.get("/folder/", endpoint="folder")(lambda: "x")

    @app.get("/abort")
    def aborts():
        erlen.abort(404)

    def serve(method, path):
        environ = EnvironBuilder(path=path, method=method).get_environ()
        statuses = []
        body = app(environ, lambda s, h, e=None: statuses.append(s))
        b"".join(body)
        getattr(body, "close", lambda: None)()
        return int(statuses[0].split()[0])

    assert serve(method, path) == status
    assert serve("GET", "/abort") == 404
    gc.collect()
    gc.disable()
    try:
        for _ in range(5):
            assert serve(method, path) == status
            assert serve("GET", "/abort") == 404
        # Nothing of these requests waits for the cycle collector.
        assert gc.collect() == 0
    finally:
        gc.enable()
