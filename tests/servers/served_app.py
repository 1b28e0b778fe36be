"""The app module the real-server tests serve: ``served_app:app`` under every server,
exactly as a user's module would be (no wrapper, no flag).

It records what happened in ``$ERLEN_SERVED_DIR/events.log`` (one event a line): lifespan
startup and shutdown, teardowns, generators closed. Views that must wait for the test poll
for a file the test creates in that folder (``ServedApp.release``), so no test depends on
timing.
"""

from __future__ import annotations

import asyncio
import os
import typing as t
from pathlib import Path

from erlen import Flask, abort, request, session, stream_with_context, url_for, websocket

app = Flask(__name__)
app.config.update(SECRET_KEY="served app secret", MAX_CONTENT_LENGTH=1024)

_DIR = Path(os.environ.get("ERLEN_SERVED_DIR", "."))
#: Seconds a waiting view polls for its release file before giving up.
_WAIT_LIMIT = 30.0
_started: list[str] = []


def record(event: str) -> None:
    """Append ``event`` to the events file (appends of one short line are atomic)."""
    with open(_DIR / "events.log", "a") as f:
        f.write(event + "\n")


async def wait_for_release(name: str) -> bool:
    """Poll for the file ``name`` in the app folder; False if it did not appear in time."""
    path = _DIR / name
    for _ in range(int(_WAIT_LIMIT / 0.02)):
        if path.exists():
            return True
        await asyncio.sleep(0.02)
    return False


@app.before_serving
async def startup() -> None:
    if os.environ.get("SERVED_APP_FAIL_STARTUP"):
        raise RuntimeError("the served app refuses to start")
    _started.append("startup")
    record("startup")


@app.after_serving
def shutdown() -> None:
    record("shutdown")


@app.teardown_request
def teardown(exc: BaseException | None) -> None:
    if request.path.startswith("/stream/"):
        record(f"teardown {request.path}")


@app.get("/")
def hello() -> str:
    return "Hello from erlen!"


@app.get("/json/<name>")
def json_view(name: str) -> dict[str, t.Any]:
    return {"name": name, "n": request.args.get("n", type=int), "method": request.method}


@app.post("/form")
def form() -> dict[str, t.Any]:
    return {"name": request.form["name"], "tags": request.form.getlist("tag")}


@app.get("/session/set/<value>")
def session_set(value: str) -> str:
    session["value"] = value
    return "stored"


@app.get("/session/get")
def session_get() -> dict[str, t.Any]:
    return {"value": session.get("value")}


@app.get("/async")
async def async_view() -> dict[str, t.Any]:
    await asyncio.sleep(0)
    return {"async": True, "loop_running": asyncio.get_running_loop().is_running()}


@app.get("/lifespan")
def lifespan() -> dict[str, t.Any]:
    return {"started": _started}


@app.get("/where")
def where() -> dict[str, t.Any]:
    return {
        "remote_addr": request.remote_addr,
        "scheme": request.scheme,
        "host": request.host,
        "script_root": request.script_root,
        "path": request.path,
        "external": url_for("where", _external=True),
    }


@app.post("/upload")
def upload() -> dict[str, int]:
    return {"received": len(request.get_data())}


@app.get("/sse")
def sse() -> t.Any:
    release = request.args["release"]

    async def events() -> t.AsyncIterator[str]:
        yield "data: first\n\n"
        # The test reads the first event, then creates the file.
        released = await wait_for_release(release)
        yield f"data: {'second' if released else 'timed out'}\n\n"

    return events(), {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}


@app.get("/stream/async")
def stream_async() -> t.Any:
    async def chunks() -> t.AsyncIterator[str]:
        try:
            for n in range(int(_WAIT_LIMIT / 0.05)):
                yield f"chunk {n}\n"
                await asyncio.sleep(0.05)
        finally:
            record("closed /stream/async")

    return chunks(), {"Content-Type": "text/plain"}


@app.get("/stream/sync")
def stream_sync() -> t.Any:
    import time

    # With the request context kept until the body ends, teardown waits for it too.
    @stream_with_context
    def chunks() -> t.Iterator[str]:
        try:
            for n in range(int(_WAIT_LIMIT / 0.05)):
                yield f"chunk {n}\n"
                time.sleep(0.05)
        finally:
            record("closed /stream/sync")

    return chunks(), {"Content-Type": "text/plain"}


@app.websocket("/ws/echo")
async def echo() -> None:
    offered = websocket.requested_subprotocols
    await websocket.accept(subprotocol="chat.v2" if "chat.v2" in offered else None)
    while True:
        message = await websocket.receive()
        if message == "close please":
            await websocket.close(4001, "asked to close")
            return
        await websocket.send(message)


@app.websocket("/ws/private")
async def private() -> None:
    if websocket.args.get("token") != "let-me-in":
        abort(401)
    await websocket.accept()
    await websocket.send("welcome")
