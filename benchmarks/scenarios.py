"""The requests of the in-process benchmarks, and how to tell a right answer from a wrong one.

A :class:`Scenario` is one HTTP request (method, path, query, body, headers) and its expected
answer. :func:`wsgi_environ` and :func:`asgi_scope` turn it into what a server would hand the
app; :func:`wsgi_call` and :class:`ASGIDriver` serve it in-process the way a server would (a
fresh input stream per call, the body iterable read and closed; on one event loop for ASGI).
:func:`check_answer` raises when an app answers wrong, so a broken app cannot look fast.
"""

from __future__ import annotations

import asyncio
import io
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import jinja2
from apps.common import HELLO, ITEMS, TEMPLATE_FOLDER, form_answer, query_answer

Environ = dict[str, Any]

FORM_BODY = b"name=Ada+Lovelace&email=ada%40example.com&age=36"
JSON_BODY = json.dumps({"name": "Ada", "tags": ["math", "engines"], "year": 1843}).encode()


def _template_answer() -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_FOLDER), autoescape=True)
    return env.get_template("items.html").render(title="Items", items=ITEMS)


@dataclass(frozen=True)
class Scenario:
    """One request of the benchmark and the answer every framework must give."""

    name: str
    label: str
    path: str
    method: str = "GET"
    query: str = ""
    body: bytes = b""
    content_type: str | None = None
    status: int = 200
    #: Exact text of the body, or ``None`` when ``json`` or ``contains`` says what to expect.
    text: str | None = None
    json: Any = None
    contains: str | None = None
    #: Needs a session cookie: the worker makes one with a first request.
    session: bool = False
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)


_USER = {"id": 42, "name": "user 42", "active": True}

#: The JSON POST request (WSGI and ASGI scenarios) and the answer it expects.
_JSON_POST: dict[str, Any] = {
    "method": "POST",
    "body": JSON_BODY,
    "content_type": "application/json",
    "json": {"name": "Ada", "tags": 2, "year": 1843},
}

#: The WSGI scenarios of issue 13's table, in its order.
WSGI_SCENARIOS = [
    Scenario("hello", "hello GET /", "/", text=HELLO),
    Scenario("json_param", "JSON + int param", "/user/42", json=_USER),
    Scenario("routes", "100+100 routes, hit the last", "/resource99/7", text="resource 99: 7"),
    Scenario(
        "query",
        "query string (3 args)",
        "/search",
        query="q=python&page=2&sort=asc",
        text=query_answer("python", 2, "asc"),
    ),
    Scenario(
        "form",
        "form POST (url-encoded)",
        "/form",
        method="POST",
        body=FORM_BODY,
        content_type="application/x-www-form-urlencoded",
        text=form_answer("Ada Lovelace", "ada@example.com", 36),
    ),
    Scenario("json_post", "JSON POST", "/json", **_JSON_POST),
    Scenario("template", "template (Jinja2, loop)", "/template", text=_template_answer()),
    Scenario("session", "session read+write", "/session", text="count 2", session=True),
    Scenario("not_found", "404", "/missing/page", status=404),
]

#: The ASGI scenarios: the same request shapes, async views and one sync view.
ASGI_SCENARIOS = [
    Scenario("hello", "hello (async view)", "/", text=HELLO),
    Scenario("json_param", "JSON + int param (async)", "/user/42", json=_USER),
    Scenario("sync", "hello (sync view)", "/sync", text=HELLO),
    Scenario("json_post_async", "JSON POST (async)", "/json", **_JSON_POST),
]

#: Scenarios a framework has no idiom for (shown as "-").
UNSUPPORTED = {("falcon", "session")}


def wsgi_environ(scenario: Scenario, cookie: str | None = None) -> Environ:
    """The environ a WSGI server would build for ``scenario`` (without ``wsgi.input``)."""
    environ: Environ = {
        "REQUEST_METHOD": scenario.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": scenario.path,
        "QUERY_STRING": scenario.query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "50000",
        "HTTP_HOST": "localhost:8000",
        "HTTP_USER_AGENT": "erlen-bench/1.0",
        "HTTP_ACCEPT": "*/*",
        "HTTP_ACCEPT_ENCODING": "gzip, deflate",
        "HTTP_CONNECTION": "keep-alive",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if scenario.body or scenario.method == "POST":
        environ["CONTENT_LENGTH"] = str(len(scenario.body))
    if scenario.content_type:
        environ["CONTENT_TYPE"] = scenario.content_type
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return environ


class Recorder:
    """A ``start_response`` that keeps the last status and headers."""

    __slots__ = ("status", "headers")

    def __init__(self) -> None:
        self.status = ""
        self.headers: list[tuple[str, str]] = []

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        self.status = status
        self.headers = headers
        return _write

    @property
    def status_code(self) -> int:
        """The numeric status of the last response."""
        return int(self.status.split(" ", 1)[0])


def _write(data: bytes) -> None:
    pass


def wsgi_runner(app: Any, environ: Environ, body: bytes, recorder: Recorder) -> Callable[[], bytes]:
    """A callable serving one request like a WSGI server: fresh input, body read and closed."""
    copy = environ.copy
    bytes_io = io.BytesIO
    join = b"".join

    def run() -> bytes:
        env = copy()
        env["wsgi.input"] = bytes_io(body)
        app_iter: Iterable[bytes] = app(env, recorder)
        try:
            return join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()

    return run


def session_cookie(recorder: Recorder) -> str:
    """The ``name=value`` of the cookie that the last response set."""
    for name, value in recorder.headers:
        if name.lower() == "set-cookie":
            return value.split(";", 1)[0]
    raise WrongAnswer(f"the first session request set no cookie (status {recorder.status})")


def prepare_wsgi(app: Any, scenario: Scenario) -> tuple[Callable[[], bytes], Recorder]:
    """The runner of ``scenario`` on ``app``, checked to answer right."""
    recorder = Recorder()
    cookie = None
    if scenario.session:
        # A first visit sets the session (count 1); the timed visits send it back.
        wsgi_runner(app, wsgi_environ(scenario), b"", recorder)()
        cookie = session_cookie(recorder)
    run = wsgi_runner(app, wsgi_environ(scenario, cookie), scenario.body, recorder)
    for _ in range(2):  # twice: the second answer must not differ (state kept between calls)
        check_answer(scenario, recorder_status(recorder, run), dict_headers(recorder.headers))
    return run, recorder


def recorder_status(recorder: Recorder, run: Callable[[], bytes]) -> tuple[int, bytes]:
    """Serve one request and return its status code and body."""
    body = run()
    return recorder.status_code, body


def dict_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers as a dict with lower-case names (the last value wins)."""
    return {name.lower(): value for name, value in headers}


class WrongAnswer(AssertionError):
    """A framework's app answered a scenario wrongly."""


def check_answer(scenario: Scenario, answer: tuple[int, bytes], headers: dict[str, str]) -> None:
    """Raise :class:`WrongAnswer` unless ``answer`` (status, body) is the expected one."""
    status, body = answer
    problems = []
    if status != scenario.status:
        problems.append(f"status {status}, expected {scenario.status}")
    text = body.decode("utf-8", "replace")
    if scenario.text is not None and text.strip() != scenario.text.strip():
        problems.append(f"body {text[:200]!r}, expected {scenario.text[:200]!r}")
    if scenario.json is not None:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if data != scenario.json:
            problems.append(f"JSON body {text[:200]!r}, expected {scenario.json!r}")
        if not headers.get("content-type", "").startswith("application/json"):
            problems.append(f"content type {headers.get('content-type')!r}")
    if scenario.contains is not None and scenario.contains not in text:
        problems.append(f"body {text[:200]!r} lacks {scenario.contains!r}")
    if problems:
        raise WrongAnswer(
            f"{scenario.name} ({scenario.method} {scenario.path}): " + "; ".join(problems)
        )


# --- ASGI ---------------------------------------------------------------------------------


def asgi_scope(scenario: Scenario) -> dict[str, Any]:
    """The HTTP scope an ASGI server would build for ``scenario``."""
    headers = [
        (b"host", b"localhost:8000"),
        (b"user-agent", b"erlen-bench/1.0"),
        (b"accept", b"*/*"),
        (b"accept-encoding", b"gzip, deflate"),
        (b"connection", b"keep-alive"),
    ]
    if scenario.content_type:
        headers.append((b"content-type", scenario.content_type.encode()))
    if scenario.body:
        headers.append((b"content-length", str(len(scenario.body)).encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": scenario.method,
        "scheme": "http",
        "path": scenario.path,
        "raw_path": scenario.path.encode(),
        "query_string": scenario.query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 8000),
        "state": {},
    }


def speaks_asgi(app: Any) -> bool:
    """Whether ``app`` takes ASGI's ``(scope, receive, send)`` (erlen: once ASGI lands)."""
    import inspect

    call = app if inspect.isfunction(app) else type(app).__call__
    try:
        params = [
            p
            for p in inspect.signature(call).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        return False
    names = [p.name for p in params if p.name != "self"]
    # WSGI apps take two (environ, start_response); ASGI apps three.
    return len(names) >= 3


class ASGIDriver:
    """Serves requests to an ASGI app on one event loop, like a server would.

    ``receive`` gives the body once, then waits until the response is complete before it
    reports ``http.disconnect`` (frameworks that watch for a disconnect must not see one early).
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.status = 0
        self.headers: dict[str, str] = {}

    def close(self) -> None:
        """Cancel the app's lifespan task, if started (it waits for a shutdown that never
        comes), then close the event loop."""
        task = getattr(self, "_lifespan_task", None)
        if task is not None:
            task.cancel()
            self.loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
        self.loop.close()

    async def one(self, scope: dict[str, Any], body: bytes) -> bytes:
        """Serve one request; return the response body (status and headers are kept)."""
        chunks: list[bytes] = []
        done = asyncio.Event()
        sent_request = False

        async def receive() -> dict[str, Any]:
            nonlocal sent_request
            if not sent_request:
                sent_request = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                self.status = message["status"]
                self.headers = {
                    k.decode("latin-1").lower(): v.decode("latin-1")
                    for k, v in message.get("headers", ())
                }
            elif kind == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    done.set()

        await self.app(dict(scope), receive, send)
        return b"".join(chunks)

    def runner(self, scenario: Scenario) -> Callable[[int], None]:
        """A callable serving ``scenario`` ``n`` times in one run of the loop."""
        scope = asgi_scope(scenario)
        body = scenario.body
        one = self.one

        async def many(n: int) -> None:
            for _ in range(n):
                await one(scope, body)

        def run(n: int) -> None:
            self.loop.run_until_complete(many(n))

        return run

    def check(self, scenario: Scenario) -> None:
        """Serve ``scenario`` once and check the answer."""
        body = self.loop.run_until_complete(self.one(asgi_scope(scenario), scenario.body))
        check_answer(scenario, (self.status, body), self.headers)

    def lifespan_startup(self) -> None:
        """Send the lifespan startup event, if the app takes it (FastAPI, Quart and others)."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        async def receive() -> dict[str, Any]:
            return await queue.get()

        started = asyncio.Event()

        async def send(message: dict[str, Any]) -> None:
            if message["type"].startswith("lifespan.startup"):
                started.set()

        async def startup() -> None:
            await queue.put({"type": "lifespan.startup"})
            task = self.loop.create_task(
                self.app(
                    {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send
                )
            )
            waiter = self.loop.create_task(started.wait())
            await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            self._lifespan_task = task

        self.loop.run_until_complete(startup())
