"""The development debug page (``erlen.debug``) and the stock 500 page without it."""

from __future__ import annotations

import html
import io
import sys
import typing as t

import pytest

import erlen.debug
from erlen import Flask, request
from erlen.debug import (
    DebuggedApplication,
    DebugTraceback,
    get_machine_id,
    render_debug_page,
    request_info_from_environ,
)
from erlen.test import EnvironBuilder
from erlen.utils import find_modules

MESSAGE = "bad input <script>alert('pwned')</script> & more"
ESCAPED_MESSAGE = "bad input &lt;script&gt;alert('pwned')&lt;/script&gt; &amp; more"


def make_app(debug: bool) -> Flask:
    app = Flask(__name__)
    app.debug = debug

    @app.post("/submit")
    def submit() -> str:
        title = request.form["title"]
        return failing_helper(title)

    @app.get("/plain")
    def plain() -> str:
        raise KeyError("missing-thing")

    return app


def failing_helper(title: str) -> str:
    length = len(title)
    if length:
        raise ValueError(MESSAGE)
    return title


def post_form(app: Flask, errors: io.StringIO | None = None) -> t.Any:
    client = app.test_client()
    client.set_cookie("theme", "cookie-value-dark")
    return client.post(
        "/submit?page=2",
        data={"title": "form-value-secret", "password": "form-value-hunter2"},
        headers={"X-Trace-Id": "trace-header-value", "Authorization": "Bearer token-value"},
        errors_stream=errors or io.StringIO(),
    )


def test_without_debug_the_500_page_reveals_nothing() -> None:
    app = make_app(debug=False)
    response = post_form(app)
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Internal Server Error" in body
    for leak in ("bad input", "script", "ValueError", "Traceback", "failing_helper", __file__):
        assert leak not in body


@pytest.mark.interface("wsgi", reason="DebuggedApplication is WSGI middleware on app.wsgi_app")
def test_debug_page_shows_traceback_source_and_request() -> None:
    app = make_app(debug=True)
    app.wsgi_app = DebuggedApplication(app.wsgi_app)  # type: ignore[method-assign]
    errors = io.StringIO()
    response = post_form(app, errors)

    assert response.status_code == 500
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = response.get_data(as_text=True)

    # The exception, escaped: the message's markup is shown, never interpreted.
    assert "ValueError" in page
    assert ESCAPED_MESSAGE in page
    assert "<script" not in page
    # Every frame from the view down, with its source and the failing line highlighted.
    assert "submit" in page and "failing_helper" in page
    assert __file__ in page
    assert '<span class="line current"><span class="lineno">' in page
    assert "raise ValueError(MESSAGE)</span>" in page
    assert "length = len(title)" in page  # a context line before the failing one
    assert "return title" in page  # and one after it
    # The middleware's own frame is hidden.
    assert "debug_application" not in page
    # The request: method, URL, headers, query arguments, form field names only.
    assert "POST" in page
    assert "http://localhost/submit?page=2" in page
    assert "X-Trace-Id" in page and "trace-header-value" in page
    assert "<th>page</th><td>2</td>" in page
    assert "<code>title</code>" in page and "<code>password</code>" in page
    assert "form-value" not in page
    assert "theme" in page and "cookie-value-dark" not in page
    assert "Authorization" in page and "token-value" not in page
    # The console gets the plain-text traceback.
    console = errors.getvalue()
    assert "Traceback (most recent call last)" in console
    assert f"ValueError: {MESSAGE}" in console
    assert "POST http://localhost/submit?page=2" in console


@pytest.mark.interface("wsgi", reason="DebuggedApplication is WSGI middleware on app.wsgi_app")
def test_debug_page_without_form() -> None:
    app = make_app(debug=True)
    client = app.test_client()
    app.wsgi_app = DebuggedApplication(app.wsgi_app)  # type: ignore[method-assign]
    response = client.get("/plain", errors_stream=io.StringIO())
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "KeyError" in page and "missing-thing" in page
    assert "the application did not read a form" in page
    assert "no query arguments" in page


@pytest.mark.interface("wsgi", reason="DebuggedApplication is WSGI middleware on app.wsgi_app")
def test_evalex_is_accepted_but_nothing_executes() -> None:
    app = make_app(debug=True)
    middleware = DebuggedApplication(
        app.wsgi_app, evalex=True, console_path="/console", pin_security=False
    )
    assert middleware.evalex is False
    assert middleware.pin is None  # no console, so no PIN to unlock it
    app.wsgi_app = middleware  # type: ignore[method-assign]
    client = app.test_client()
    page = client.get("/plain", errors_stream=io.StringIO()).get_data(as_text=True)
    assert "<script" not in page and "__debugger__" not in page
    # Werkzeug serves its console there; erlen does not.
    assert client.get("/console").status_code == 404
    response = client.get("/plain?__debugger__=yes&cmd=1", errors_stream=io.StringIO())
    assert response.status_code == 500


def test_render_debug_page_shows_the_exception_chain() -> None:
    def inner() -> None:
        raise LookupError("the root cause")

    try:
        try:
            inner()
        except LookupError as cause:
            raise RuntimeError("wrapped <it>") from cause
    except RuntimeError as exc:
        environ = EnvironBuilder("/x", method="PUT").get_environ()
        page = render_debug_page(exc, environ)

    assert page.index("the root cause") < page.index("direct cause") < page.rindex("wrapped")
    assert "LookupError" in page and "inner" in page
    assert "wrapped &lt;it&gt;" in page and "<it>" not in page
    assert "PUT" in page


def test_render_debug_page_hides_marked_frames_unless_asked() -> None:
    def hidden() -> None:
        __traceback_hide__ = True  # noqa: F841
        raise OSError("from a hidden frame")

    try:
        hidden()
    except OSError as exc:
        environ = EnvironBuilder("/").get_environ()
        default = render_debug_page(exc, environ)
        shown = render_debug_page(exc, environ, show_hidden_frames=True)

    assert 'in <span class="function">' in default
    assert "__traceback_hide__ = True" not in default
    assert "__traceback_hide__ = True" in shown


def run_wsgi(
    app: t.Callable[..., t.Iterable[bytes]], environ: dict[str, t.Any]
) -> tuple[list[str], list[bytes]]:
    """A minimal PEP 3333 server loop: headers go out with the first non-empty chunk."""
    state: dict[str, t.Any] = {"status": None, "sent": False}
    statuses: list[str] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Any:
        if exc_info is not None:
            if state["sent"]:
                raise exc_info[1].with_traceback(exc_info[2])
        elif state["status"] is not None:
            raise AssertionError("start_response called twice without exc_info")
        state["status"] = status
        return lambda data: None

    body: list[bytes] = []
    result = app(environ, start_response)
    try:
        for chunk in result:
            if chunk and not state["sent"]:
                state["sent"] = True
                statuses.append(state["status"])
            body.append(chunk)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if not state["sent"]:
        statuses.append(state["status"])
    return statuses, body


def streaming_app(fail_after: int) -> t.Callable[..., t.Iterable[bytes]]:
    closed: list[bool] = []

    class Body:
        def __iter__(self) -> t.Iterator[bytes]:
            for number in range(fail_after):
                yield f"chunk {number}\n".encode()
            raise ZeroDivisionError("stream broke")

        def close(self) -> None:
            closed.append(True)

    def app(environ: dict[str, t.Any], start_response: t.Any) -> t.Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Body()

    app.closed = closed  # type: ignore[attr-defined]
    return app


def test_error_before_the_body_replaces_the_status_with_exc_info() -> None:
    app = streaming_app(fail_after=0)
    environ = EnvironBuilder("/stream").get_environ()
    environ["wsgi.errors"] = io.StringIO()
    statuses, body = run_wsgi(DebuggedApplication(app), environ)
    assert statuses == ["500 INTERNAL SERVER ERROR"]
    assert b"stream broke" in b"".join(body)
    assert app.closed == [True]  # type: ignore[attr-defined]


def test_error_after_streaming_started_is_logged_and_reraised() -> None:
    app = streaming_app(fail_after=2)
    environ = EnvironBuilder("/stream").get_environ()
    environ["wsgi.errors"] = errors = io.StringIO()
    with pytest.raises(ZeroDivisionError, match="stream broke"):
        run_wsgi(DebuggedApplication(app), environ)
    assert app.closed == [True]  # type: ignore[attr-defined]
    assert errors.getvalue() == (
        "erlen debugger: GET http://localhost/stream failed after the response started"
        " streaming (ZeroDivisionError: stream broke); no debug page can be sent,"
        " closing the connection.\n"
    )


def test_successful_responses_pass_through_untouched() -> None:
    app = Flask(__name__)
    app.debug = True

    @app.route("/")
    def index() -> str:
        return "fine"

    app.wsgi_app = DebuggedApplication(app.wsgi_app)  # type: ignore[method-assign]
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert response.get_data() == b"fine"


def test_errors_stream_defaults_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    app = streaming_app(fail_after=0)
    environ = EnvironBuilder("/").get_environ()
    environ.pop("wsgi.errors", None)
    run_wsgi(DebuggedApplication(app), environ)
    captured = capsys.readouterr()
    assert "ZeroDivisionError: stream broke" in captured.err
    assert captured.out == ""


@pytest.mark.interface("wsgi", reason='DebuggedApplication is WSGI middleware on app.wsgi_app')
def test_the_log_and_the_page_share_one_traceback_rendering() -> None:
    app = make_app(debug=True)
    app.wsgi_app = DebuggedApplication(app.wsgi_app)  # type: ignore[method-assign]
    errors = io.StringIO()
    page = post_form(app, errors).get_data(as_text=True)
    logged = errors.getvalue().split(":\n", 1)[1]
    plain = page.split('<details class="plain"><summary>Plain-text traceback</summary><pre>')[1]
    assert html.unescape(plain.split("</pre>")[0]) == logged
    assert "The debugger caught an exception in your WSGI application." in page


@pytest.mark.interface("wsgi", reason='DebuggedApplication is WSGI middleware on app.wsgi_app')
def test_chained_exceptions_through_the_middleware() -> None:
    app = Flask(__name__)
    app.debug = True

    @app.route("/")
    def index() -> str:
        try:
            {}["missing"]
        except KeyError:
            if request.args.get("quiet"):
                raise RuntimeError("outer") from None
            raise RuntimeError("outer")  # noqa: B904
        return ""

    app.wsgi_app = DebuggedApplication(app.wsgi_app)  # type: ignore[method-assign]
    client = app.test_client()
    page = client.get("/", errors_stream=io.StringIO()).get_data(as_text=True)
    divider = page.index('<div class="exc-divider">During handling')
    assert page.index('{}["missing"]') < divider
    assert divider < page.index('<div class="exception">RuntimeError: outer')
    quiet = client.get("/?quiet=1", errors_stream=io.StringIO()).get_data(as_text=True)
    assert '<div class="exc-divider">' not in quiet
    assert '<div class="exception">KeyError' not in quiet


def test_request_info_from_environ() -> None:
    environ = EnvironBuilder(
        "/caf\u00e9", query_string="a=1", headers={"Cookie": "k=v"}, method="PATCH"
    ).get_environ()
    environ["REMOTE_ADDR"] = "10.0.0.1"
    info = request_info_from_environ(environ)
    assert info.method == "PATCH"
    assert info.url == "http://localhost/caf%C3%A9?a=1"
    assert ("Cookie", "k=v") in info.headers  # hidden when rendered, not here
    assert info.client == "10.0.0.1" and info.interface == "WSGI"
    assert info.form_fields is None


def test_debug_is_a_package_with_werkzeugs_modules() -> None:
    assert list(find_modules("erlen.debug")) == [
        "erlen.debug.console",
        "erlen.debug.repr",
        "erlen.debug.tbtools",
    ]
    from erlen.debug.tbtools import DebugTraceback as FromTbtools

    assert FromTbtools is DebugTraceback
    # The submodule named repr does not break the package's own use of the builtin.
    import erlen.debug.repr  # noqa: F401

    page = render_debug_page(ValueError("x"), EnvironBuilder("/").get_environ())
    assert "ValueError" in page


def test_get_machine_id() -> None:
    value = get_machine_id()
    if sys.platform.startswith("linux"):
        assert isinstance(value, bytes) and value
    assert get_machine_id() is value


def test_machine_id_sources_on_linux(tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch) -> None:
    machine_id = tmp_path / "machine-id"
    boot_id = tmp_path / "boot_id"
    cgroup = tmp_path / "cgroup"
    boot_id.write_text("boot-1234\n")
    cgroup.write_text("0::/system.slice/docker-abc.scope\n")
    monkeypatch.setattr(erlen.debug, "_MACHINE_ID_FILES", (str(machine_id), str(boot_id)))
    monkeypatch.setattr(erlen.debug, "_CGROUP_FILE", str(cgroup))
    # No machine-id: the boot id, plus the container's cgroup name.
    assert erlen.debug._linux_machine_id() == b"boot-1234docker-abc.scope"
    machine_id.write_text("\n")  # empty: still the boot id
    assert erlen.debug._linux_machine_id() == b"boot-1234docker-abc.scope"
    machine_id.write_text("m-5678\n")
    cgroup.write_text("0::/\n")
    assert erlen.debug._linux_machine_id() == b"m-5678"
    machine_id.unlink()
    boot_id.unlink()
    cgroup.unlink()
    assert erlen.debug._linux_machine_id() == b""
