"""The small app ``./scripts/soak`` serves under gunicorn and granian (``soak_app:app``).

Every answer is checkable by the load generator (``benchmarks/soak.py``): a fixed greeting,
JSON and form echoes, a session counter, a streamed response with known content, a
redirect to client input, an upload that reads its body, and 404s.
"""

from __future__ import annotations

from collections.abc import Iterator

from erlen import Flask, Response, jsonify, redirect, request, session

app = Flask(__name__)
# Every worker process must sign and read the same cookies; this app only runs on loopback.
app.config.update(SECRET_KEY="soak test key, loopback only", MAX_CONTENT_LENGTH=1024 * 1024)

#: The streamed response's parts (the load generator checks the concatenation).
STREAM_PARTS = [f"part {i}\n" for i in range(16)]


@app.get("/")
def hello() -> str:
    return "Hello, World!"


@app.post("/json")
def json_echo() -> Response:
    return jsonify(echo=request.get_json())


@app.post("/form")
def form_echo() -> Response:
    return jsonify(form=request.form.to_dict(flat=False))


@app.get("/counter")
def counter() -> str:
    session["n"] = session.get("n", 0) + 1
    return str(session["n"])


@app.get("/stream")
def stream() -> Response:
    def generate() -> Iterator[str]:
        yield from STREAM_PARTS

    return Response(generate(), mimetype="text/plain")


@app.get("/go")
def go() -> Response:
    return redirect(request.args.get("next", "/"))


@app.post("/upload")
def upload() -> str:
    return str(len(request.get_data()))
