"""How fast a Flask-format session request can be: the floor that itsdangerous sets.

Run: ``.venv-bench/bin/python benchmarks/bench_session_floor.py [--rounds N]``.

The session scenario of ``./scripts/bench`` (read the session cookie, change one key, write
the cookie) is timed on Flask, Bottle and erlen in this one process, beside two floors that
no Flask-compatible framework can go below while itsdangerous does the signing:

- ``floor (Flask's serializer)``: an erlen hello request, plus the ``loads`` of the
  scenario's cookie and the ``dumps`` of the new session through Flask's own serializer
  (``flask.sessions.SecureCookieSessionInterface.get_signing_serializer``).
- ``floor (erlen's serializer)``: the same with erlen's cached serializer (one signer, its
  key derived once, the HMAC a copy of a prepared one): the least itsdangerous work the
  cookie format allows without signing by hand.

A floor is a request with *none* of a session's own work (no cookie parse, no session
object, no ``Set-Cookie`` header): the best ratio it gives is an upper bound of what any
change to erlen's session code can reach. The alternatives run in turn, round after round,
each keeping its best time, and the printed spread is between rounds.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench, environment_summary, format_time, print_table, spread  # noqa: E402
from apps import bottle_app, erlen_app, flask_app  # noqa: E402
from flask.sessions import SecureCookieSessionInterface as FlaskSessionInterface  # noqa: E402
from itsdangerous import URLSafeTimedSerializer  # noqa: E402
from scenarios import WSGI_SCENARIOS, prepare_wsgi, session_cookie  # noqa: E402

SCENARIO = {s.name: s for s in WSGI_SCENARIOS}


def floor(serializer: URLSafeTimedSerializer, cookie: str) -> Callable[[], object]:
    """An erlen hello request plus the session's ``loads`` (with the age check that
    ``open_session`` asks for) and ``dumps``, nothing else."""
    hello, _ = prepare_wsgi(erlen_app.app, SCENARIO["hello"])
    loads, dumps = serializer.loads, serializer.dumps
    max_age = int(erlen_app.session_app.permanent_session_lifetime.total_seconds())

    def run() -> object:
        hello()
        data = loads(cookie, max_age=max_age)
        data["count"] += 1
        return dumps(data)

    return run


def main() -> None:
    """Time the requests and the floors; print the table and the best reachable ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds of all (default 5)")
    args = parser.parse_args()

    scenario = SCENARIO["session"]
    runs: dict[str, Callable[[], object]] = {}
    for name, module in (("Flask", flask_app), ("Bottle", bottle_app), ("erlen", erlen_app)):
        runs[name], recorder = prepare_wsgi(getattr(module, "session_app", module.app), scenario)
    # erlen's cookie (the last prepared: Flask's format, the bytes Flask writes), read by
    # both floors.
    cookie = session_cookie(recorder).partition("=")[2]
    app = erlen_app.session_app
    flask_format = FlaskSessionInterface().get_signing_serializer(flask_app.session_app)
    cached = app.session_interface.get_signing_serializer(app)
    assert flask_format is not None and cached is not None
    assert flask_format.loads(cookie) == cached.loads(cookie) == {"count": 2}
    runs["floor (Flask's serializer)"] = floor(flask_format, cookie)
    runs["floor (erlen's serializer)"] = floor(cached, cookie)

    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, run in runs.items():
            times[name].append(bench(run, repeat=3))
    best = {name: min(values) for name, values in times.items()}

    rows = [
        [
            name,
            format_time(best[name]),
            f"{best['Flask'] / best[name]:.2f}x",
            f"{best['Bottle'] / best[name]:.2f}x",
            f"±{spread([1 / v for v in values]) / 2:.0f}%",
        ]
        for name, values in times.items()
    ]
    print_table(
        rows,
        ["session read+write", "time", "vs Flask", "vs Bottle", "spread"],
        title=f"Session floor, best of {args.rounds} rounds ({environment_summary()})",
    )
    print(
        "A floor has no session work of erlen's own: its ratios bound what any change to"
        " erlen's session code can reach (the issue's targets: 4x Flask, 1.2x Bottle)."
    )


if __name__ == "__main__":
    main()
