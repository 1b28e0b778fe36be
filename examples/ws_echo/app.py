"""A WebSocket echo: a page that sends what you type and shows what comes back.

Served over ASGI (WebSocket routes need it)::

    uvicorn app:app                      # from this folder
    erlen --app examples/ws_echo/app.py run   # the development server picks ASGI

then open http://127.0.0.1:8000/ (uvicorn) or http://127.0.0.1:5000/ (erlen run).
"""

from __future__ import annotations

from erlen import Flask, render_template, websocket

app = Flask(__name__)


@app.route("/")
def index() -> str:
    """The page; its script connects to :func:`echo`."""
    return render_template("index.html")


@app.websocket("/echo")
async def echo() -> None:
    """Send every message back as it came (text as text, binary as binary)."""
    await websocket.send("connected")
    async for message in websocket:
        await websocket.send(message)
