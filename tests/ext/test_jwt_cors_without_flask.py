"""erlen.ext.jwt and erlen.ext.cors work with Flask, Werkzeug and every Flask extension
unimportable: a subprocess blocks them and runs a small API using both batteries."""

from __future__ import annotations

from no_flask import run_without_flask


def test_batteries_import_and_run_without_flask_or_werkzeug():
    script = """
        import erlen
        from erlen.ext.cors import CORS
        from erlen.ext.jwt import (
            JWTManager, create_access_token, current_user, jwt_required, set_access_cookies,
        )

        app = erlen.Flask(__name__)
        app.config["JWT_SECRET_KEY"] = "k" * 64
        app.config["JWT_TOKEN_LOCATION"] = ["headers", "cookies"]
        jwt = JWTManager(app)
        CORS(app, resources={r"/api/*": {"origins": "http://spa.test"}}, supports_credentials=True)

        @jwt.user_lookup_loader
        async def load(header, data):
            return {"name": data["sub"]}

        @app.post("/api/login")
        def login():
            response = erlen.jsonify(token=create_access_token("ada"))
            set_access_cookies(response, response.json["token"])
            return response

        @app.get("/api/me")
        @jwt_required()
        async def me():
            return {"name": current_user["name"]}

        c = app.test_client()
        origin = {"Origin": "http://spa.test"}
        assert c.get("/api/me", headers=origin).status_code == 401
        login = c.post("/api/login", headers=origin)
        assert login.headers["Access-Control-Allow-Credentials"] == "true"
        bearer = {"Authorization": "Bearer " + login.json["token"], **origin}
        response = c.get("/api/me", headers=bearer)
        assert response.json == {"name": "ada"}, response.json
        assert response.headers["Access-Control-Allow-Origin"] == "http://spa.test"
        assert c.get("/api/me", headers=origin).json == {"name": "ada"}  # the cookie
        """
    run_without_flask(script)
