"""Tests for erlen.exceptions (Werkzeug's werkzeug.exceptions API)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from erlen import exceptions as exc
from erlen.datastructures import WWWAuthenticate
from erlen.exceptions import (
    Aborter,
    BadRequest,
    BadRequestKeyError,
    HTTPException,
    MethodNotAllowed,
    NotFound,
    abort,
    default_exceptions,
)

# (class, code, reason phrase, start of default description)
STANDARD = [
    (exc.BadRequest, 400, "Bad Request", "The browser (or proxy) sent a request"),
    (exc.Unauthorized, 401, "Unauthorized", "The server could not verify"),
    (exc.Forbidden, 403, "Forbidden", "You don't have the permission"),
    (exc.NotFound, 404, "Not Found", "The requested URL was not found"),
    (exc.MethodNotAllowed, 405, "Method Not Allowed", "The method is not allowed"),
    (exc.NotAcceptable, 406, "Not Acceptable", "The resource identified by the request"),
    (exc.RequestTimeout, 408, "Request Timeout", "The server closed the network connection"),
    (exc.Conflict, 409, "Conflict", "A conflict happened"),
    (exc.Gone, 410, "Gone", "The requested URL is no longer available"),
    (exc.LengthRequired, 411, "Length Required", "A request with this method requires"),
    (exc.PreconditionFailed, 412, "Precondition Failed", "The precondition on the request"),
    (
        exc.RequestEntityTooLarge,
        413,
        "Request Entity Too Large",
        "The data value transmitted exceeds",
    ),
    (exc.RequestURITooLarge, 414, "Request URI Too Long", "The length of the requested URL"),
    (exc.UnsupportedMediaType, 415, "Unsupported Media Type", "The server does not support the"),
    (
        exc.RequestedRangeNotSatisfiable,
        416,
        "Requested Range Not Satisfiable",
        "The server cannot provide the requested range.",
    ),
    (exc.ExpectationFailed, 417, "Expectation Failed", "The server could not meet"),
    (exc.ImATeapot, 418, "I'm a teapot", "This server is a teapot"),
    (exc.MisdirectedRequest, 421, "Misdirected Request", "The server is not able to produce"),
    (exc.UnprocessableEntity, 422, "Unprocessable Entity", "The request was well-formed"),
    (exc.Locked, 423, "Locked", "The resource that is being accessed is locked."),
    (exc.FailedDependency, 424, "Failed Dependency", "The method could not be performed"),
    (exc.PreconditionRequired, 428, "Precondition Required", "This request is required to be"),
    (exc.TooManyRequests, 429, "Too Many Requests", "This user has exceeded"),
    (
        exc.RequestHeaderFieldsTooLarge,
        431,
        "Request Header Fields Too Large",
        "One or more header fields",
    ),
    (
        exc.UnavailableForLegalReasons,
        451,
        "Unavailable For Legal Reasons",
        "Unavailable for legal reasons.",
    ),
    (exc.InternalServerError, 500, "Internal Server Error", "The server encountered an internal"),
    (exc.NotImplemented, 501, "Not Implemented", "The server does not support the action"),
    (exc.BadGateway, 502, "Bad Gateway", "The proxy server received an invalid response"),
    (exc.ServiceUnavailable, 503, "Service Unavailable", "The server is temporarily unable"),
    (exc.GatewayTimeout, 504, "Gateway Timeout", "The connection to an upstream server"),
    (
        exc.HTTPVersionNotSupported,
        505,
        "HTTP Version Not Supported",
        "The server does not support the HTTP protocol",
    ),
]


@pytest.mark.parametrize(("cls", "code", "name", "desc"), STANDARD)
def test_standard_exception_attributes(
    cls: type[HTTPException], code: int, name: str, desc: str
) -> None:
    e = cls()
    assert e.code == code
    assert e.name == name
    assert e.description is not None and e.description.startswith(desc)
    assert isinstance(e, HTTPException)
    assert isinstance(e, Exception)
    assert e.response is None
    assert default_exceptions[code] is cls


@pytest.mark.parametrize(("cls", "code", "name", "desc"), STANDARD)
def test_standard_exception_body_and_headers(
    cls: type[HTTPException], code: int, name: str, desc: str
) -> None:
    e = cls()
    body = e.get_body()
    assert body.startswith(f"<!doctype html>\n<html lang=en>\n<title>{code} ")
    assert body.endswith("</p>\n")
    assert e.get_headers() == [("Content-Type", "text/html; charset=utf-8")]
    resp = e.get_response()
    assert resp.status_code == code
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    assert resp.get_data(as_text=True) == body


@pytest.mark.parametrize(("cls", "code", "name", "desc"), STANDARD)
def test_body_matches_werkzeug(cls: type[HTTPException], code: int, name: str, desc: str) -> None:
    from werkzeug import exceptions as wexc

    wcls = getattr(wexc, cls.__name__)
    assert cls().get_body() == wcls().get_body()
    assert cls.description == wcls.description
    assert cls().name == wcls().name


def test_default_exceptions_matches_werkzeug() -> None:
    from werkzeug.exceptions import default_exceptions as wdefault

    assert sorted(default_exceptions) == sorted(wdefault)
    for code, cls in default_exceptions.items():
        assert cls.__name__ == wdefault[code].__name__


def test_not_found_body_exact() -> None:
    assert NotFound().get_body() == (
        "<!doctype html>\n"
        "<html lang=en>\n"
        "<title>404 Not Found</title>\n"
        "<h1>Not Found</h1>\n"
        "<p>The requested URL was not found on the server. If you entered the URL manually"
        " please check your spelling and try again.</p>\n"
    )


def test_custom_description() -> None:
    e = NotFound("Nothing here")
    assert e.description == "Nothing here"
    assert "<p>Nothing here</p>" in e.get_body()
    # The class default is untouched.
    assert NotFound.description.startswith("The requested URL")


def test_description_xss_is_escaped() -> None:
    e = BadRequest('<script>alert("x")</script>&')
    body = e.get_body()
    assert "<script>" not in body
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;" in body


def test_description_newlines_become_br() -> None:
    e = BadRequest("line one\nline <two>\n")
    assert e.get_description() == "<p>line one<br>line &lt;two&gt;<br></p>"


def test_description_none_gives_empty_paragraph() -> None:
    e = BadRequest()
    e.description = None
    assert e.get_description() == "<p></p>"
    assert str(e) == "400 Bad Request: None"


def test_str_and_repr() -> None:
    e = NotFound("gone fishing")
    assert str(e) == "404 Not Found: gone fishing"
    assert repr(e) == "<NotFound '404: Not Found'>"


def test_base_exception_without_code() -> None:
    e = HTTPException("desc")
    assert e.code is None
    assert e.name == "Unknown Error"
    assert str(e) == "??? Unknown Error: desc"
    assert repr(e) == "<HTTPException '???: Unknown Error'>"


def test_unknown_code_name() -> None:
    class Weird(HTTPException):
        code = 599

    assert Weird().name == "Unknown Error"
    assert "<title>599 Unknown Error</title>" in Weird().get_body()


def test_custom_subclass_renders() -> None:
    class PaymentRequired(HTTPException):
        code = 402
        description = "Pay <up>"

    e = PaymentRequired()
    assert e.name == "Payment Required"
    assert "<p>Pay &lt;up&gt;</p>" in e.get_body()
    assert e.get_response().status_code == 402


def test_get_response_returns_given_response() -> None:
    from erlen.wrappers.response import Response

    resp = Response("custom", status=418)
    e = NotFound(response=resp)
    assert e.get_response() is resp
    assert e.get_response({"REQUEST_METHOD": "GET"}) is resp


def test_get_response_accepts_request() -> None:
    from erlen.wrappers.request import Request

    resp = NotFound().get_response(Request.from_values(method="GET"))
    assert resp.status_code == 404


def test_get_response_rejects_non_environ() -> None:
    with pytest.raises(TypeError, match="not a WSGI environment"):
        NotFound().get_response(42)


def _call_wsgi(app: object, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
    captured: dict = {}

    def start_response(status: str, headers: list, exc_info: object = None) -> object:
        captured["status"] = status
        captured["headers"] = headers
        return lambda data: None

    body_iter = app(environ, start_response)  # type: ignore[operator]
    try:
        body = b"".join(body_iter)
    finally:
        close = getattr(body_iter, "close", None)
        if close is not None:
            close()
    return captured["status"], captured["headers"], body


def _environ() -> dict:
    import io

    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/missing",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def test_exception_is_wsgi_app() -> None:
    status, headers, body = _call_wsgi(NotFound(), _environ())
    assert status.startswith("404 ")
    assert ("Content-Type", "text/html; charset=utf-8") in headers
    assert b"<h1>Not Found</h1>" in body


def test_method_not_allowed_wsgi_has_allow_header() -> None:
    status, headers, _ = _call_wsgi(MethodNotAllowed(["GET", "HEAD"]), _environ())
    assert status.startswith("405 ")
    assert ("Allow", "GET, HEAD") in headers


def test_method_not_allowed_allow_header() -> None:
    e = MethodNotAllowed(["GET", "POST"])
    assert e.valid_methods == ["GET", "POST"]
    assert ("Allow", "GET, POST") in e.get_headers()
    assert e.get_response().headers["Allow"] == "GET, POST"


def test_method_not_allowed_no_methods_no_header() -> None:
    for methods in (None, []):
        headers = MethodNotAllowed(methods).get_headers()
        assert all(name != "Allow" for name, _ in headers)


def test_method_not_allowed_keyword_args() -> None:
    from erlen.wrappers.response import Response

    resp = Response("x")
    e = MethodNotAllowed(valid_methods={"PUT"}, description="nope", response=resp)
    assert e.description == "nope"
    assert e.get_response() is resp


def test_unauthorized_without_www_authenticate() -> None:
    e = exc.Unauthorized()
    assert e.www_authenticate is None
    assert all(name != "WWW-Authenticate" for name, _ in e.get_headers())


def test_unauthorized_single_www_authenticate() -> None:
    auth = WWWAuthenticate("basic", {"realm": "Secret Area"})
    e = exc.Unauthorized(www_authenticate=auth)
    headers = [v for k, v in e.get_headers() if k == "WWW-Authenticate"]
    assert headers == [auth.to_header()]
    assert headers[0].lower().startswith("basic ")
    assert "Secret Area" in headers[0]


def test_unauthorized_multiple_www_authenticate() -> None:
    a = WWWAuthenticate("basic", {"realm": "one"})
    b = WWWAuthenticate("bearer", {"realm": "two"})
    e = exc.Unauthorized("login please", www_authenticate=[a, b])
    headers = [v for k, v in e.get_headers() if k == "WWW-Authenticate"]
    assert headers == [a.to_header(), b.to_header()]
    resp = e.get_response()
    assert resp.headers.getlist("WWW-Authenticate") == headers
    assert resp.status_code == 401
    assert "login please" in resp.get_data(as_text=True)


def test_unauthorized_string_challenge() -> None:
    e = exc.Unauthorized(www_authenticate='Basic realm="x"')
    assert ("WWW-Authenticate", 'Basic realm="x"') in e.get_headers()


def test_range_not_satisfiable_content_range() -> None:
    e = exc.RequestedRangeNotSatisfiable(1234)
    assert ("Content-Range", "bytes */1234") in e.get_headers()
    e = exc.RequestedRangeNotSatisfiable(length=10, units="items")
    assert ("Content-Range", "items */10") in e.get_headers()
    assert e.get_response().headers["Content-Range"] == "items */10"


def test_range_not_satisfiable_without_length() -> None:
    e = exc.RequestedRangeNotSatisfiable(description="bad range")
    assert all(k != "Content-Range" for k, _ in e.get_headers())
    assert e.description == "bad range"


@pytest.mark.parametrize("cls", [exc.TooManyRequests, exc.ServiceUnavailable])
def test_retry_after_seconds(cls: type[exc._RetryAfter]) -> None:
    e = cls(retry_after=120)
    assert ("Retry-After", "120") in e.get_headers()
    assert e.get_response().headers["Retry-After"] == "120"


@pytest.mark.parametrize("cls", [exc.TooManyRequests, exc.ServiceUnavailable])
def test_retry_after_datetime(cls: type[exc._RetryAfter]) -> None:
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    e = cls("busy", retry_after=when)
    assert ("Retry-After", "Wed, 02 Jan 2030 03:04:05 GMT") in e.get_headers()
    assert e.description == "busy"


def test_retry_after_absent() -> None:
    assert all(k != "Retry-After" for k, _ in exc.TooManyRequests().get_headers())


def test_retry_after_matches_werkzeug() -> None:
    from werkzeug import exceptions as wexc

    when = datetime(2031, 5, 6, 7, 8, 9)
    assert (
        exc.ServiceUnavailable(retry_after=when).get_headers()
        == wexc.ServiceUnavailable(retry_after=when).get_headers()
    )


def test_internal_server_error_original_exception() -> None:
    original = ZeroDivisionError("boom")
    e = exc.InternalServerError(original_exception=original)
    assert e.original_exception is original
    assert exc.InternalServerError().original_exception is None
    assert "boom" not in e.get_body()


def test_bad_request_key_error() -> None:
    e = BadRequestKeyError("missing")
    assert isinstance(e, KeyError)
    assert isinstance(e, BadRequest)
    assert e.args == ("missing",)
    assert e.code == 400
    assert e.description == BadRequest.description
    with pytest.raises(KeyError):
        raise e


def test_bad_request_key_error_no_arg() -> None:
    e = BadRequestKeyError()
    assert e.args == ()


def test_bad_request_key_error_show_exception() -> None:
    e = BadRequestKeyError("secret_key")
    e.show_exception = True
    assert e.description.endswith("\nKeyError: 'secret_key'")
    assert "<br>KeyError: &#39;secret_key&#39;" in e.get_body()
    e.description = "custom"
    assert e.description == "custom\nKeyError: 'secret_key'"


def test_bad_request_key_error_matches_werkzeug() -> None:
    from werkzeug.exceptions import BadRequestKeyError as W

    ours, theirs = BadRequestKeyError("k"), W("k")
    ours.show_exception = theirs.show_exception = True
    assert ours.get_body() == theirs.get_body()
    assert str(ours) == str(theirs)


def test_bad_request_key_error_description_kwarg() -> None:
    e = BadRequestKeyError("k", description="Field k is required")
    assert e.description == "Field k is required"


@pytest.mark.parametrize("cls", [exc.ClientDisconnected, exc.SecurityError, exc.BadHost])
def test_bad_request_subclasses(cls: type[BadRequest]) -> None:
    e = cls()
    assert isinstance(e, BadRequest)
    assert e.code == 400
    assert e.name == "Bad Request"
    assert default_exceptions[400] is BadRequest


def test_abort_raises_by_code() -> None:
    with pytest.raises(NotFound) as info:
        abort(404)
    assert info.value.code == 404
    with pytest.raises(MethodNotAllowed) as info2:
        abort(405, valid_methods=["GET"])
    assert ("Allow", "GET") in info2.value.get_headers()


def test_abort_passes_description() -> None:
    with pytest.raises(exc.Forbidden) as info:
        abort(403, "no <way>")
    assert info.value.description == "no <way>"
    assert "no &lt;way&gt;" in info.value.get_body()


def test_abort_with_response() -> None:
    from erlen.wrappers.response import Response

    resp = Response("teapot", status=418)
    with pytest.raises(HTTPException) as info:
        abort(resp)
    assert type(info.value) is HTTPException
    assert info.value.response is resp
    assert info.value.get_response() is resp


@pytest.mark.parametrize("code", [200, 302, 999, -1, 0, "404", None, 404.5, True])
def test_abort_unknown_code(code: object) -> None:
    with pytest.raises(LookupError, match="no exception for"):
        abort(code)  # type: ignore[arg-type]


def test_abort_unhashable_is_lookup_error() -> None:
    with pytest.raises(LookupError, match=r"no exception for \[404\]"):
        abort([404])  # type: ignore[arg-type]


def test_abort_accepts_http_status_enum() -> None:
    from http import HTTPStatus

    with pytest.raises(NotFound):
        abort(HTTPStatus.NOT_FOUND)


def test_aborter_extra_and_mapping() -> None:
    class PaymentRequired(HTTPException):
        code = 402

    aborter = Aborter(extra={402: PaymentRequired})
    with pytest.raises(PaymentRequired):
        aborter(402)
    with pytest.raises(NotFound):
        aborter(404)
    # The global default mapping is not mutated.
    assert 402 not in default_exceptions
    with pytest.raises(LookupError):
        abort(402)

    only = Aborter(mapping={402: PaymentRequired})
    with pytest.raises(LookupError):
        only(404)
    assert only.mapping == {402: PaymentRequired}


def test_aborter_mapping_is_copied() -> None:
    mapping = {404: NotFound}
    aborter = Aborter(mapping)
    mapping[500] = exc.InternalServerError
    with pytest.raises(LookupError):
        aborter(500)


def test_wrap_creates_dual_exception() -> None:
    Wrapped = BadRequest.wrap(ValueError)
    assert Wrapped.__name__ == "BadRequestValueError"
    e = Wrapped("bad value")
    assert isinstance(e, BadRequest)
    assert isinstance(e, ValueError)
    assert e.args == ("bad value",)
    assert e.code == 400
    assert str(e).startswith("400 Bad Request:")
    with pytest.raises(ValueError):
        raise e


def test_wrap_custom_name_and_description() -> None:
    Wrapped = NotFound.wrap(LookupError, "MissingThing")
    assert Wrapped.__name__ == "MissingThing"
    e = Wrapped("k", "Thing <missing>")
    assert e.description == "Thing <missing>"
    assert "Thing &lt;missing&gt;" in e.get_body()
    assert Wrapped().args == ()


def test_exceptions_are_picklable_enough_to_reraise() -> None:
    # Raising and catching by base class works for every registered class.
    for code, cls in default_exceptions.items():
        with pytest.raises(HTTPException) as info:
            raise cls()
        assert info.value.code == code


def test_init_is_light_on_hot_path() -> None:
    # No work beyond storing attributes: nothing imported, nothing rendered.
    e = NotFound()
    assert e.__dict__ == {"response": None}
    m = MethodNotAllowed(["GET"])
    assert m.__dict__ == {"response": None, "valid_methods": ["GET"]}


def test_pickle_roundtrip() -> None:
    import pickle

    for e in (
        NotFound("gone"),
        MethodNotAllowed(["GET"]),
        exc.Unauthorized("who", www_authenticate='Basic realm="r"'),
        exc.TooManyRequests(retry_after=5),
        BadRequestKeyError("k"),
    ):
        clone = pickle.loads(pickle.dumps(e))
        assert type(clone) is type(e)
        assert clone.description == e.description
        assert clone.get_headers() == e.get_headers()
