"""erlen.ext.login and erlen.ext.wtf work with Flask, Werkzeug and every Flask extension
unimportable: a subprocess blocks them and runs a small app using both batteries."""

from __future__ import annotations

from no_flask import run_without_flask


def test_batteries_import_and_run_without_flask_or_werkzeug():
    script = """
        import re
        from io import BytesIO

        from wtforms import StringField

        import erlen
        from erlen.ext.login import (
            LoginManager, UserMixin, current_user, login_required, login_user,
        )
        from erlen.ext.wtf import CSRFProtect, FlaskForm
        from erlen.ext.wtf.file import FileField, FileRequired

        class User(UserMixin):
            def __init__(self, id):
                self.id = id

        class UploadForm(FlaskForm):
            title = StringField()
            upload = FileField(validators=[FileRequired()])

        app = erlen.Flask(__name__)
        app.secret_key = "s"
        csrf = CSRFProtect(app)
        manager = LoginManager(app)
        manager.user_loader(lambda uid: User(uid))

        @app.post("/login")
        @csrf.exempt
        def login():
            return str(login_user(User("7"), remember=True))

        @app.route("/upload", methods=["GET", "POST"])
        @login_required
        async def upload():
            form = UploadForm()
            if form.validate_on_submit():
                return f"{current_user.get_id()}:{form.title.data}:{form.upload.data.filename}"
            return form.hidden_tag()

        c = app.test_client()
        assert c.get("/upload").status_code == 401
        assert c.post("/login").text == "True"
        page = c.get("/upload").text
        token = re.search(r'value="([^"]+)"', page).group(1)
        data = {"title": "cat", "upload": (BytesIO(b"meow"), "cat.txt")}
        assert c.post("/upload", data=data).status_code == 400  # CSRFProtect: no token
        data = {"title": "cat", "upload": (BytesIO(b"meow"), "cat.txt"), "csrf_token": token}
        assert c.post("/upload", data=data).text == "7:cat:cat.txt"
        """
    run_without_flask(script)
