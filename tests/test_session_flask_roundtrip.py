"""Session cookies move between a Flask app and an erlen app with the same secret key.

Flask is a dev dependency: this test proves that sessions survive a migration in both
directions (Flask -> erlen -> Flask), including the tagged types Flask stores.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import flask
import pytest
from markupsafe import Markup

import erlen

SECRET = "migration-secret"
ID = uuid.UUID("12345678-1234-5678-1234-567812345678")
WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def make_app(fw):
    """The same app on either framework: a counter and some tagged values in the session."""
    app = fw.Flask(__name__)
    app.secret_key = SECRET

    @app.post("/step/<name>")
    def step(name):
        fw.session["count"] = fw.session.get("count", 0) + 1
        fw.session.setdefault("trail", []).append(name)
        fw.session.modified = True
        fw.session["id"] = ID
        fw.session["when"] = WHEN
        fw.session["markup"] = Markup("<b>hi</b>")
        fw.session["pair"] = (1, "two")
        fw.session["raw"] = b"\x00\xff"
        return "ok"

    @app.get("/show")
    def show():
        s = fw.session
        return {
            "count": s["count"],
            "trail": s["trail"],
            "id_ok": s["id"] == ID,
            "when_ok": s["when"] == WHEN,
            "markup_ok": isinstance(s["markup"], Markup) and s["markup"] == "<b>hi</b>",
            "pair_ok": s["pair"] == (1, "two"),
            "raw_ok": s["raw"] == b"\x00\xff",
        }

    return app


def session_cookie(response) -> str:
    header = response.headers["Set-Cookie"]
    assert header.startswith("session=")
    return header.split(";", 1)[0].split("=", 1)[1]


@pytest.mark.parametrize("order", [("flask", "erlen", "flask"), ("erlen", "flask", "erlen")])
def test_session_cookie_round_trip(order):
    frameworks = {"flask": flask, "erlen": erlen}
    cookie = None
    for i, name in enumerate(order):
        client = make_app(frameworks[name]).test_client()
        if cookie is not None:
            client.set_cookie("session", cookie)
            shown = client.get("/show").get_json()
            assert shown == {
                "count": i,
                "trail": list(order[:i]),
                "id_ok": True,
                "when_ok": True,
                "markup_ok": True,
                "pair_ok": True,
                "raw_ok": True,
            }
        response = client.post(f"/step/{name}")
        assert response.status_code == 200
        cookie = session_cookie(response)

    # The last app's cookie is read back by the first framework once more.
    client = make_app(frameworks[order[0]]).test_client()
    client.set_cookie("session", cookie)
    assert client.get("/show").get_json()["trail"] == list(order)


def test_erlen_rejects_cookie_signed_with_another_key():
    app = flask.Flask(__name__)
    app.secret_key = "some-other-key"

    @app.post("/")
    def set_value():
        flask.session["user"] = "mallory"
        return "ok"

    forged = session_cookie(app.test_client().post("/"))
    erlen_app = make_app(erlen)

    @erlen_app.get("/user")
    def user():
        return str(erlen.session.get("user"))

    client = erlen_app.test_client()
    client.set_cookie("session", forged)
    assert client.get("/user").text == "None"
